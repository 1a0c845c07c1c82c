//! Distinguished names, pure: RFC 4514 escaping of values, splitting a DN into its RDNs,
//! the parent of a DN, the value of its first RDN. No LDAP, no I/O.

/// Escapes an attribute value for use in a DN (RFC 4514): `, + " \ < > ; =` anywhere,
/// `#` or space at the start, space at the end, NUL as `\00`.
pub fn rdn_value(v: &str) -> String {
    let n = v.chars().count();
    let mut out = String::with_capacity(v.len() + 8);
    for (i, c) in v.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == n => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// Splits a DN into its RDN strings, honouring `\` escapes and quoted values.
pub fn split_dn(dn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let bytes = dn.as_bytes();
    let (mut start, mut i, mut quoted) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => quoted = !quoted,
            b',' | b';' if !quoted => {
                parts.push(dn[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < dn.len() {
        parts.push(dn[start..].trim());
    }
    parts
}

/// The parent of a DN ("" for a single RDN).
pub fn parent_dn(dn: &str) -> &str {
    let bytes = dn.as_bytes();
    let mut i = 0;
    let mut quoted = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => quoted = !quoted,
            b',' | b';' if !quoted => return dn[i + 1..].trim_start(),
            _ => {}
        }
        i += 1;
    }
    ""
}

/// A sort key that puts DNs in tree order (parents before children, siblings by name).
pub fn tree_order_key(dn: &str) -> Vec<String> {
    split_dn(dn)
        .into_iter()
        .rev()
        .map(str::to_lowercase)
        .collect()
}

/// The unescaped value of a DN's first RDN (e.g. the CN of a group DN).
pub fn first_rdn_value(dn: &str) -> String {
    let first = split_dn(dn).into_iter().next().unwrap_or("");
    let v = first.split_once('=').map(|(_, v)| v).unwrap_or(first);
    unescape_value(v)
}

/// Undoes RFC 4514 escaping of one attribute value (`\,` and `\2C` forms).
pub fn unescape_value(v: &str) -> String {
    let mut bytes = Vec::with_capacity(v.len());
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let hex = if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit()
            {
                std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            } else {
                None
            };
            if let Some(x) = hex {
                bytes.push(x);
                i += 3;
            } else {
                bytes.push(b[i + 1]);
                i += 2;
            }
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdn_escapes_specials() {
        assert_eq!(rdn_value("Doe, John III"), "Doe\\, John III");
        assert_eq!(rdn_value("#Tag Line"), "\\#Tag Line");
        assert_eq!(rdn_value(" pad "), "\\ pad\\ ");
        assert_eq!(rdn_value("a+b=c<d>;\"e\\"), "a\\+b\\=c\\<d\\>\\;\\\"e\\\\");
    }

    #[test]
    fn split_and_parent_honour_escapes() {
        let dn = "CN=Doe\\, John,OU=Staff,DC=school,DC=test";
        assert_eq!(
            split_dn(dn),
            ["CN=Doe\\, John", "OU=Staff", "DC=school", "DC=test"]
        );
        assert_eq!(parent_dn(dn), "OU=Staff,DC=school,DC=test");
        assert_eq!(first_rdn_value(dn), "Doe, John");
        assert_eq!(first_rdn_value("CN=M\\C3\\BCller,DC=x"), "Müller");
        assert_eq!(parent_dn("DC=test"), "");
    }

    #[test]
    fn rdn_roundtrip() {
        for v in [
            "Doe, John III",
            "#Tag",
            "Slash\\ Back",
            "Say \"Hi\"",
            "a;b=c+d<e>",
            " x ",
        ] {
            assert_eq!(unescape_value(&rdn_value(v)), v);
        }
    }
}
