//! RFC 4515 filter escaping. The pure DN helpers (RFC 4514) live in [`crate::domain::dn`] and
//! are re-exported here for existing callers.

pub use crate::domain::dn::{
    first_rdn_value, parent_dn, rdn_value, split_dn, tree_order_key, unescape_value,
};

/// Escapes a value for use inside an LDAP search filter (RFC 4515): `* ( ) \ NUL`
/// become `\XX` (ldap3's `ldap_escape`, the one escaper; the test below proves it).
///
/// DN values keep ours ([`crate::domain::dn::rdn_value`]): it writes `\,` as AD and slapd
/// return DNs, where ldap3's `dn_escape` writes `\2c`, so DNs we build compare equal to theirs.
pub fn filter_value(v: &str) -> String {
    ldap3::ldap_escape(v).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_escapes_metacharacters() {
        assert_eq!(filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
        assert_eq!(filter_value("a\\b\0"), "a\\5cb\\00");
        assert_eq!(filter_value("Renée (2)"), "Renée \\282\\29");
    }
}
