//! One CSV reader for importers: a byte-order mark, CRLF, quoted fields with commas and newlines,
//! Windows-1252 when the file is not UTF-8 and holds no UTF-8 at all (Excel's "CSV" on Windows;
//! a UTF-8 file with a stray byte is refused, naming its line), UK and ISO dates, header names
//! matched without regard to case, spaces, `_` and `-`, and errors by line and column. A cell
//! our CSV writer neutralised (`'=…`, see [`crate::ops::csv_writer`]) reads back as it was.

use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A CSV file, read.
#[derive(Debug, Clone)]
pub struct CsvTable {
    /// The header, as written.
    pub headers: Vec<String>,
    /// The rows (blank rows left out).
    pub rows: Vec<CsvRow>,
    /// Rows that could not be read at all.
    pub errors: Vec<CellError>,
    /// `UTF-8` or `windows-1252`.
    pub encoding: &'static str,
    index: HashMap<String, usize>,
}

/// One row.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// Its line number in the file (the header is line 1).
    pub line: usize,
    /// Its fields, trimmed.
    pub fields: Vec<String>,
}

/// A problem with one cell (or row, when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// Line number in the file.
    pub line: usize,
    /// Column name as in the header ('' for the whole row).
    pub column: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// A header name reduced for matching: lower case, no spaces, `_` or `-`, no BOM.
pub fn norm_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Text from file bytes: UTF-8 (BOM dropped); Windows-1252 only when the file is not UTF-8 and
/// holds no UTF-8 character of more than one byte (a legacy file). A file that is UTF-8 but for
/// a stray byte is refused, naming the line and the byte: decoding it all as Windows-1252
/// would mangle every accented name in it.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let err = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_string(), "UTF-8")),
        Err(e) => e,
    };
    if has_utf8_multibyte(bytes) {
        let at = err.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let byte = bytes.get(at).copied().unwrap_or(0);
        return Err(Error::Input(format!(
            "line {line}: byte 0x{byte:02X} is not UTF-8, though the rest of the file is; \
             save the file as UTF-8 (in Excel: Save As, \"CSV UTF-8\") and import it again; nothing was imported"
        )));
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok((text.into_owned(), "windows-1252"))
}

/// Whether `bytes` hold at least one well-formed UTF-8 character of two to four bytes.
fn has_utf8_multibyte(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let n = match bytes[i] {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => {
                i += 1;
                continue;
            }
        };
        if let Some(seq) = bytes.get(i..i + n) {
            if std::str::from_utf8(seq).is_ok() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// A cell as the file means it: one that our CSV writer neutralised against spreadsheets
/// (`'` before `=`, `+`, `-`, `@`, a tab or CR) loses the `'` again.
fn unneutralise(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    }
}

/// Reads a date as people write them: `2026-11-25`, `25/11/2026`, `25/11/26`, `25-11-2026`,
/// `25.11.2026`, `25 Nov 2026`. Never the US month-first order.
pub fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    let t = s.trim();
    // A two-figure year (25/11/26) is 20xx; chrono's %Y would read it as year 26.
    if t.len() == 8 && t.as_bytes().get(5) == Some(&b'/') {
        if let Ok(d) = NaiveDate::parse_from_str(t, "%d/%m/%y") {
            return Ok(d);
        }
    }
    for f in [
        "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d);
        }
    }
    Err(format!(
        "\"{s}\" is not a date; write it as YYYY-MM-DD (2026-11-25) or DD/MM/YYYY (25/11/2026)"
    ))
}

impl CsvTable {
    /// Reads CSV bytes.
    pub fn read(bytes: &[u8]) -> Result<CsvTable> {
        let (text, encoding) = decode(bytes)?;
        // Line numbers come from byte offsets (the csv crate's own line count skips blank lines
        // and counts CRLF records one short).
        let newlines: Vec<usize> = memchr_lines(text.as_bytes());
        let raw = text.as_bytes();
        let line_at = |byte: u64| {
            // A record's position may point at the line break before it; skip to its first byte.
            let mut b = byte as usize;
            while b < raw.len() && (raw[b] == b'\r' || raw[b] == b'\n') {
                b += 1;
            }
            newlines.partition_point(|&n| n < b) + 1
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::Input(format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(Error::Input(
                "the file has no header row; the first line must name the columns".into(),
            ));
        }
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (norm_header(h), i))
            .collect();
        let (mut rows, mut errors) = (Vec::new(), Vec::new());
        for rec in rdr.records() {
            match rec {
                Ok(r) => {
                    if r.iter().all(str::is_empty) {
                        continue;
                    }
                    let line = r.position().map(|p| line_at(p.byte())).unwrap_or(0);
                    rows.push(CsvRow {
                        line,
                        fields: r.iter().map(unneutralise).collect(),
                    });
                }
                Err(e) => errors.push(CellError {
                    line: e.position().map(|p| line_at(p.byte())).unwrap_or(0),
                    column: String::new(),
                    message: format!("cannot read this row: {e}"),
                }),
            }
        }
        Ok(CsvTable {
            headers,
            rows,
            errors,
            encoding,
            index,
        })
    }

    /// The column index of the first of `names` the header has.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.index.get(&norm_header(n)).copied())
    }

    /// The header's name of column `i`.
    pub fn header(&self, i: usize) -> &str {
        self.headers.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Byte offsets of every `\n`.
fn memchr_lines(b: &[u8]) -> Vec<usize> {
    b.iter()
        .enumerate()
        .filter_map(|(i, &c)| (c == b'\n').then_some(i))
        .collect()
}

impl CsvRow {
    /// The field in column `i` ('' when the row is short or the column missing).
    pub fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.fields.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_quotes_and_blank_lines() {
        let t = CsvTable::read(
            b"\xEF\xBB\xBFTag,Notes\r\nA1,\"a, b\"\r\n\r\nA2,\"two\r\nlines\"\r\nA3,x\r\n",
        )
        .unwrap();
        assert_eq!(t.headers, ["Tag", "Notes"]);
        assert_eq!(t.encoding, "UTF-8");
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].fields, ["A1", "a, b"]);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].fields[1], "two\r\nlines");
        assert_eq!(t.rows[2].line, 6);
        assert_eq!(t.column(&["tag"]), Some(0));
        assert_eq!(t.column(&["NOTES"]), Some(1));
        let t = CsvTable::read(b"tag\r\nA1\r\nA2\r\n").unwrap();
        assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn windows_1252_fallback() {
        let t = CsvTable::read(b"tag,price\nA1,\xA3199\nA2,caf\xE9\n").unwrap();
        assert_eq!(t.encoding, "windows-1252");
        assert_eq!(t.rows[0].fields[1], "£199");
        assert_eq!(t.rows[1].fields[1], "café");
    }

    #[test]
    fn utf8_with_a_stray_byte_is_refused_by_line_and_byte() {
        // Mostly UTF-8 (Renée, Zoë) with one Windows-1252 é on line 3: refused, not mangled.
        let e = CsvTable::read(b"name,form\nRen\xC3\xA9e,7A\nJos\xE9,7B\nZo\xC3\xAB,7C\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3: byte 0xE9 is not UTF-8"), "{e}");
        assert!(e.contains("save the file as UTF-8"), "{e}");
        // All UTF-8: read as UTF-8.
        let t = CsvTable::read("name\nRenée\n".as_bytes()).unwrap();
        assert_eq!(
            (t.encoding, t.rows[0].fields[0].as_str()),
            ("UTF-8", "Renée")
        );
    }

    #[test]
    fn neutralised_cells_read_back_as_written() {
        let t = CsvTable::read(b"tag,notes\nA1,'=SUM(A1)\nA2,'-5\nA3,'quoted\nA4,it's\n").unwrap();
        let notes: Vec<&str> = t.rows.iter().map(|r| r.fields[1].as_str()).collect();
        assert_eq!(notes, ["=SUM(A1)", "-5", "'quoted", "it's"]);
    }

    #[test]
    fn dates_uk_and_iso() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        for s in [
            "2026-11-25",
            "25/11/2026",
            "25/11/26",
            "25-11-2026",
            "25.11.2026",
            "25 Nov 2026",
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        assert!(parse_date("11/25/2026").is_err());
        assert!(parse_date("soon").unwrap_err().contains("YYYY-MM-DD"));
    }
}
