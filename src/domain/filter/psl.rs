//! The Public Suffix List, bundled in the binary (the school server may have no internet).
//!
//! `public_suffix_list.dat` is the list as published (MPL 2.0, see its header), parsed once on
//! first use. To update it, replace the file with a newer copy and run the filter tests.

use publicsuffix::{List, Psl};
use std::sync::OnceLock;

/// The list as bundled.
const DAT: &str = include_str!("public_suffix_list.dat");

fn list() -> &'static List {
    static LIST: OnceLock<List> = OnceLock::new();
    // The bundled file is tested to parse; an empty list (every name under the default rule) is
    // the fallback rather than a panic.
    LIST.get_or_init(|| DAT.parse().unwrap_or_default())
}

/// The bundled list's version line (`2026-10-22_08-36-41_UTC`), for `doctor` and exports.
pub fn list_version() -> &'static str {
    DAT.lines()
        .find_map(|l| l.strip_prefix("// VERSION: "))
        .unwrap_or("unknown")
        .trim()
}

/// The registrable domain of an ASCII, lower-case host (`bitesize.bbc.co.uk` → `bbc.co.uk`), or
/// `None` when the host is a public suffix itself (`co.uk`, `kent.sch.uk`, `com`).
pub fn registrable(host: &str) -> Option<&str> {
    let d = list().domain(host.as_bytes())?;
    std::str::from_utf8(d.as_bytes()).ok()
}

/// True when the host is listed as a public suffix (not just under the default `*` rule).
pub fn is_listed_suffix(host: &str) -> bool {
    list()
        .suffix(host.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes() == host.as_bytes())
}

/// True when `*.host` is a rule (`sch.uk` under `*.sch.uk`): the name only groups public
/// suffixes, so it is refused like one although the list's algorithm would make it registrable.
pub fn is_wildcard_parent(host: &str) -> bool {
    is_listed_suffix(&format!("zz-probe.{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses_and_knows_uk_schools() {
        assert!(!list().is_empty());
        assert!(list_version().starts_with("20"), "{}", list_version());
        assert_eq!(registrable("bitesize.bbc.co.uk"), Some("bbc.co.uk"));
        assert_eq!(registrable("kent.sch.uk"), None);
        assert_eq!(
            registrable("www.oakfield.kent.sch.uk"),
            Some("oakfield.kent.sch.uk")
        );
        assert!(is_listed_suffix("co.uk"));
        assert!(!is_listed_suffix("intranet"));
    }
}
