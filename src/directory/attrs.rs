//! Directory entries as plain attribute maps, and LDAP time formats.
//! Shared by the LDAP flavours and the demo (which holds AD-shaped entries).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use std::collections::HashMap;

/// One directory entry: DN and attributes (names lower-cased, values as text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// Distinguished name.
    pub dn: String,
    /// Attribute values by lower-cased attribute name.
    pub attrs: HashMap<String, Vec<String>>,
}

impl Entry {
    /// An entry with no attributes.
    pub fn new(dn: impl Into<String>) -> Self {
        Entry {
            dn: dn.into(),
            attrs: HashMap::new(),
        }
    }

    /// From an ldap3 search result (attribute names are lower-cased; binary values dropped).
    pub fn from_ldap(e: ldap3::SearchEntry) -> Self {
        Entry {
            dn: e.dn,
            attrs: e
                .attrs
                .into_iter()
                .map(|(mut k, v)| {
                    k.make_ascii_lowercase();
                    (k, v)
                })
                .collect(),
        }
    }

    /// From an ldap3 search result, keeping the attributes named in `binary` as lower-case
    /// hex (whether ldap3 decoded them as text or kept them as bytes); other binary values
    /// are dropped.
    pub fn from_ldap_hex(e: ldap3::SearchEntry, binary: &[&str]) -> Self {
        let is_bin = |k: &str| binary.iter().any(|b| b.eq_ignore_ascii_case(k));
        let mut attrs: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in e.attrs {
            let v = if is_bin(&k) {
                v.iter().map(|s| hex(s.as_bytes())).collect()
            } else {
                v
            };
            attrs.insert(k.to_ascii_lowercase(), v);
        }
        for (k, v) in e.bin_attrs {
            if is_bin(&k) {
                attrs.insert(k.to_ascii_lowercase(), v.iter().map(|b| hex(b)).collect());
            }
        }
        Entry { dn: e.dn, attrs }
    }

    /// The values of an attribute by any spelling of its name. Listing 20,000 accounts looks up
    /// some 30 attributes of each: the lower-casing is done on the stack, not in a new String.
    fn values(&self, name: &str) -> Option<&Vec<String>> {
        let mut buf = [0u8; 64];
        match buf.get_mut(..name.len()) {
            Some(b) => {
                b.copy_from_slice(name.as_bytes());
                b.make_ascii_lowercase();
                // Lower-casing ASCII letters keeps UTF-8 valid.
                std::str::from_utf8(b).ok().and_then(|k| self.attrs.get(k))
            }
            None => self.attrs.get(&name.to_ascii_lowercase()),
        }
    }

    /// The first value of an attribute, if any and not blank.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.values(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// The first value as an owned string.
    pub fn text(&self, name: &str) -> Option<String> {
        self.first(name).map(str::to_string)
    }

    /// All values of an attribute.
    pub fn all(&self, name: &str) -> &[String] {
        self.values(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first value parsed as an integer; `Err` if present but malformed.
    pub fn int(&self, name: &str) -> Result<Option<i64>, Malformed> {
        match self.first(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| Malformed::new(name, v)),
        }
    }

    /// Sets (replaces) an attribute's values.
    pub fn set(&mut self, name: &str, values: Vec<String>) {
        if values.is_empty() {
            self.attrs.remove(&name.to_ascii_lowercase());
        } else {
            self.attrs.insert(name.to_ascii_lowercase(), values);
        }
    }
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// An attribute whose value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Attribute name.
    pub attr: String,
    /// The value (shortened).
    pub value: String,
}

impl Malformed {
    /// A malformed value of `attr`.
    pub fn new(attr: &str, value: &str) -> Self {
        Malformed {
            attr: attr.to_string(),
            value: value.chars().take(40).collect(),
        }
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} has a malformed value \"{}\"", self.attr, self.value)
    }
}

/// Parses LDAP GeneralizedTime (`20261125114355Z`, `20261125114355.0Z`, `202611251143Z`).
pub fn parse_generalized_time(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    let body = t.strip_suffix('Z').or_else(|| t.strip_suffix('z'))?;
    let body = body.split(['.', ',']).next()?;
    let padded = match body.len() {
        14 => body.to_string(),
        12 => format!("{body}00"),
        10 => format!("{body}0000"),
        _ => return None,
    };
    NaiveDateTime::parse_from_str(&padded, "%Y%m%d%H%M%S")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Formats a time as LDAP GeneralizedTime (`20261125114355Z`).
pub fn generalized_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%d%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_forms() {
        let t = parse_generalized_time("20261125114355.0Z").unwrap();
        assert_eq!(generalized_time(t), "20261125114355Z");
        assert_eq!(parse_generalized_time("20261125114355Z"), Some(t));
        assert!(parse_generalized_time("202611251143Z").is_some());
        assert_eq!(parse_generalized_time("garbage"), None);
        assert_eq!(parse_generalized_time("20261325114355Z"), None);
    }
}
