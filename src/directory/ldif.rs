//! A small LDIF reader (RFC 2849 content records), used to load the demo school and
//! fixtures.
//!
//! Understood: `version: 1`, `dn:` / `dn::` (base64), `attr: value`, `attr:: base64`,
//! attribute options (`description;lang-en`), line folding (a line starting with one space
//! continues the previous one), `#` comments (folded or not), blank-line separated records,
//! LF or CRLF line ends and a leading byte-order mark.
//!
//! Not understood, and reported as an error with its line number: change records
//! (`changetype:` / `control:`) and URL values (`attr:< file:///...`).
//!
//! Base64 values that are not UTF-8 (objectGUID, objectSid, photos) are dropped, as
//! [`Entry::from_ldap`] drops binary values: entries hold text only.

use super::attrs::Entry;
use std::fmt;

/// Why an LDIF text could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifError {
    /// 1-based line number of the (first physical line of the) offending line.
    pub line: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl LdifError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        LdifError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for LdifError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LDIF line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LdifError {}

/// One logical (unfolded) line and the physical line it started on.
struct Logical {
    line: usize,
    text: String,
    comment: bool,
}

/// Parses LDIF content records into entries (attribute names lower-cased, values in file
/// order). Never panics; the first problem found is returned with its line number.
pub fn parse(text: &str) -> Result<Vec<Entry>, LdifError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    let mut record: Vec<Logical> = Vec::new();
    let mut first_record = true;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if !record.is_empty() {
                finish_record(&mut record, &mut entries, &mut first_record)?;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            match record.last_mut() {
                Some(prev) => {
                    if !prev.comment {
                        prev.text.push_str(rest);
                    }
                }
                None => {
                    return Err(LdifError::new(
                        n,
                        "a continuation line (starting with a space) with no line before it to continue",
                    ))
                }
            }
            continue;
        }
        record.push(Logical {
            line: n,
            text: line.to_string(),
            comment: line.starts_with('#'),
        });
    }
    if !record.is_empty() {
        finish_record(&mut record, &mut entries, &mut first_record)?;
    }
    Ok(entries)
}

fn finish_record(
    record: &mut Vec<Logical>,
    entries: &mut Vec<Entry>,
    first_record: &mut bool,
) -> Result<(), LdifError> {
    let lines: Vec<Logical> = record.drain(..).filter(|l| !l.comment).collect();
    let mut it = lines.into_iter().peekable();
    if *first_record {
        if let Some(l) = it.peek() {
            let (name, value) = split_line(l)?;
            if name.eq_ignore_ascii_case("version") {
                if value.trim() != "1" {
                    return Err(LdifError::new(
                        l.line,
                        format!(
                            "unsupported LDIF version \"{}\"; only version 1 is known",
                            value.trim()
                        ),
                    ));
                }
                it.next();
            }
        }
    }
    let Some(first) = it.next() else {
        // Only comments (or only the version line): nothing to add.
        return Ok(());
    };
    *first_record = false;
    let (name, value) = split_line(&first)?;
    if !name.eq_ignore_ascii_case("dn") {
        return Err(LdifError::new(
            first.line,
            format!("a record must start with \"dn:\", found \"{name}:\""),
        ));
    }
    let dn = value_text(&first, value)?.ok_or_else(|| {
        LdifError::new(
            first.line,
            "the DN is base64 that does not decode to UTF-8 text",
        )
    })?;
    let mut entry = Entry::new(dn.trim());
    for l in it {
        let (name, value) = split_line(&l)?;
        let lower = name.to_ascii_lowercase();
        if lower == "changetype" || lower == "control" {
            return Err(LdifError::new(
                l.line,
                format!(
                    "change records (\"{name}:\") are not supported; give content records only (an export, not a change file)"
                ),
            ));
        }
        if lower == "dn" {
            return Err(LdifError::new(
                l.line,
                "a second \"dn:\" in one record; records must be separated by a blank line",
            ));
        }
        if let Some(v) = value_text(&l, value)? {
            entry.attrs.entry(lower).or_default().push(v);
        }
    }
    entries.push(entry);
    Ok(())
}

/// Splits `name: value` / `name:: b64` / `name:< url` into the attribute description and
/// the part after the first colon (still carrying its `:` or `<` marker).
fn split_line(l: &Logical) -> Result<(&str, &str), LdifError> {
    let Some((name, rest)) = l.text.split_once(':') else {
        return Err(LdifError::new(
            l.line,
            format!(
                "expected \"attribute: value\", found \"{}\"",
                l.text.chars().take(40).collect::<String>()
            ),
        ));
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ';' | '.' | '_'));
    if !valid {
        return Err(LdifError::new(
            l.line,
            format!(
                "\"{}\" is not an attribute name",
                name.chars().take(40).collect::<String>()
            ),
        ));
    }
    Ok((name, rest))
}

/// The value of a line given the text after its first colon. `Ok(None)` for base64 that
/// is not UTF-8 (binary).
fn value_text(l: &Logical, rest: &str) -> Result<Option<String>, LdifError> {
    if let Some(b64) = rest.strip_prefix(':') {
        let bytes = decode_base64(b64.trim()).map_err(|m| LdifError::new(l.line, m))?;
        return Ok(String::from_utf8(bytes).ok());
    }
    if rest.starts_with('<') {
        return Err(LdifError::new(
            l.line,
            "URL values (\":<\") are not supported; put the value in the file",
        ));
    }
    Ok(Some(rest.trim_start_matches(' ').to_string()))
}

/// Decodes standard base64 (RFC 4648 alphabet, `=` padding optional), by data-encoding.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 {
        return Err("base64 value has too much \"=\" padding".into());
    }
    data_encoding::BASE64_NOPAD
        .decode(body.as_bytes())
        .map_err(|e| match e.kind {
            data_encoding::DecodeKind::Symbol => format!(
                "base64 value has an invalid character {:?} at position {}",
                body[e.position..].chars().next().unwrap_or('?'),
                e.position + 1
            ),
            data_encoding::DecodeKind::Length => "base64 value is truncated".into(),
            _ => format!("base64 value is not valid: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        data_encoding::BASE64.encode(s.as_bytes())
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
        assert_eq!(decode_base64("Zm9vYg").unwrap(), b"foob");
        for s in [
            "Renée Müller",
            "Zoë",
            "Dáithí Ó Súilleabháin",
            "ab",
            "abc",
            "abcd",
        ] {
            assert_eq!(decode_base64(&b64(s)).unwrap(), s.as_bytes(), "{s}");
        }
        assert!(decode_base64("Zm9v!").is_err());
        assert!(decode_base64("Z").is_err());
        assert!(decode_base64("Zg===").is_err());
    }

    #[test]
    fn parses_records_with_folding_comments_and_crlf() {
        let text = "version: 1\r\n\
                    # reference-date: 2026-11-25\r\n\
                    dn: CN=Doe\\, John,OU=Staff,DC=demo,DC=school\r\n\
                    objectClass: top\r\n\
                    objectClass: user\r\n\
                    description: a long de\r\n\
                    \x20scription folded\r\n\
                    \x20 twice\r\n\
                    # a comment that is\r\n\
                    \x20folded too\r\n\
                    sAMAccountName:   jdoe\r\n\
                    \r\n\
                    \r\n\
                    dn: OU=Staff,DC=demo,DC=school\n\
                    ou: Staff\n";
        let e = parse(text).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "CN=Doe\\, John,OU=Staff,DC=demo,DC=school");
        assert_eq!(e[0].all("objectclass"), ["top", "user"]);
        assert_eq!(
            e[0].first("description"),
            Some("a long description folded twice")
        );
        assert_eq!(e[0].first("samaccountname"), Some("jdoe"));
        assert!(e[0].attrs.keys().all(|k| *k == k.to_ascii_lowercase()));
        assert_eq!(e[1].first("ou"), Some("Staff"));
    }

    #[test]
    fn base64_utf8_names_and_dn() {
        let dn = "CN=Renée Müller,OU=Year 7,DC=demo,DC=school";
        let text = format!(
            "dn:: {}\ndisplayName:: {}\ngivenName:: {}\nobjectGUID:: /w==\nsn: M\n",
            b64(dn),
            b64("Renée Müller"),
            b64("Zoë")
        );
        let e = parse(&text).unwrap();
        assert_eq!(e[0].dn, dn);
        assert_eq!(e[0].first("displayName"), Some("Renée Müller"));
        assert_eq!(e[0].first("givenname"), Some("Zoë"));
        // Binary (non-UTF-8) values are dropped, as from_ldap drops them.
        assert!(e[0].all("objectguid").is_empty());
    }

    #[test]
    fn folded_base64_value() {
        let v = "Dáithí Ó Súilleabháin, Teacher of Irish and Music";
        let enc = b64(v);
        let (a, b) = enc.split_at(20);
        let text = format!("dn: CN=x,DC=y\ndescription:: {a}\n {b}\n");
        assert_eq!(parse(&text).unwrap()[0].first("description"), Some(v));
    }

    #[test]
    fn malformed_input_reports_line_numbers() {
        let cases: &[(&str, usize, &str)] = &[
            ("dn: CN=a,DC=b\nno colon here\n", 2, "expected"),
            (" leading continuation\n", 1, "continuation"),
            ("objectClass: top\n", 1, "must start with \"dn:\""),
            ("dn: CN=a\nchangetype: modify\n", 2, "change records"),
            ("dn: CN=a\ncontrol: 1.2.3\n", 2, "change records"),
            ("dn: CN=a\njpegPhoto:< file:///x.jpg\n", 2, "URL"),
            ("dn: CN=a\ncn:: !!!!\n", 2, "invalid character"),
            ("dn:: /w==\ncn: x\n", 1, "UTF-8"),
            ("dn: CN=a\ncn: x\ndn: CN=b\n", 3, "second"),
            ("version: 2\ndn: CN=a\n", 1, "version"),
            ("dn: CN=a\n: value\n", 2, "not an attribute name"),
            (
                "dn: CN=a\ncn: a\n\n# c\n\ndn: CN=b\nbad line\n",
                7,
                "expected",
            ),
        ];
        for (text, line, needle) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.line, *line, "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
            assert!(err.to_string().starts_with(&format!("LDIF line {line}:")));
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "\n\n\n",
            "\u{feff}dn: CN=a\ncn: a",
            "#only a comment",
            "version: 1",
            "dn:",
            "dn::",
            "dn: CN=a\ncn::",
            "dn: CN=a\n\u{1F600}: x",
            "dn: CN=a\r\n\r\n\r\n",
            "dn: CN=a\ncn: é\u{0}x",
            ":::",
            "dn: CN=a\n \n",
        ];
        for t in odd {
            let _ = parse(t);
        }
        assert_eq!(parse("version: 1").unwrap().len(), 0);
        assert_eq!(parse("\u{feff}dn: CN=a\ncn: a").unwrap()[0].dn, "CN=a");
        assert!(parse("dn: CN=a\n\u{1F600}: x").is_err());
    }
}
