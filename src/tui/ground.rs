//! The ground floor of the full-screen program: the little that every widget and dialog draws
//! with (the theme, the keymap, the spinner's frame and whether the directory is reachable).
//! The shell makes one for each frame ([`crate::tui::shell::Shell::ground`]); widgets and
//! dialogs take a `&Ground` and never see the shell or the tabs, so they sit below both.

use crate::tui::keymap::{Action, Context, Keymap};
use crate::tui::theme::Theme;

/// The spinner's frames (ASCII, for any terminal).
const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// The spinner frame for a tick count.
pub fn spinner(tick: usize) -> &'static str {
    SPINNER[tick % SPINNER.len()]
}

/// What widgets and dialogs draw with.
#[derive(Debug, Clone, Copy)]
pub struct Ground<'a> {
    /// Styles.
    pub theme: &'a Theme,
    /// The keys, so hints name the keys as bound.
    pub keymap: &'a Keymap,
    /// The spinner's tick count.
    pub spinner: usize,
    /// Why the directory cannot be reached, when it cannot (lists say so instead of
    /// "reading…").
    pub offline: Option<&'a str>,
}

impl Ground<'_> {
    /// The spinner frame shown now.
    pub fn spin(&self) -> &'static str {
        spinner(self.spinner)
    }

    /// Why a list has nothing to show yet: its last read failed, the connection is down, or
    /// the read is still running. `what` is what it reads ("the password report").
    pub fn not_loaded(&self, error: Option<&String>, what: &str) -> String {
        let retry = self.keymap.keys_for(Context::GLOBAL, Action::Retry);
        match (error, self.offline) {
            (Some(e), _) => format!("Could not read {what}: {e}. {retry} tries again."),
            (None, Some(why)) => {
                format!("Not connected to the directory: {why}. {retry} tries again.")
            }
            _ => format!("Reading {what}…"),
        }
    }
}
