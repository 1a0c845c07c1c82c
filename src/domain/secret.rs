//! A password in memory: never shown by `Debug`, wiped (zeroized) when dropped.

use std::fmt;
use zeroize::Zeroize;

/// A password in memory. Its `Debug` never shows it, and its bytes are overwritten with
/// zeros when it is dropped. Copies are made only with an explicit [`Clone::clone`], and every
/// copy is itself wiped when dropped.
#[derive(PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// Takes the password out of `s`, leaving `s` empty (no copy is left behind in it).
    pub fn take(s: &mut String) -> Self {
        Secret(std::mem::take(s))
    }

    /// The password itself; use only to hand it to the directory or show it once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Clone for Secret {
    /// An explicit copy (e.g. to hand to a background task); the copy is wiped on drop too.
    fn clone(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_and_take_leaves_nothing() {
        let mut typed = String::from("Otter&Lantern9");
        let s = Secret::take(&mut typed);
        assert!(typed.is_empty());
        assert_eq!(s.expose(), "Otter&Lantern9");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
