//! Text from outside (directory, CSV, MIS, config, store) made safe to show: the one function
//! both faces pass such text through where it leaves the program.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: control characters (C0, DEL, C1: a terminal
/// escape sequence starts with one), line and paragraph separators, the bidirectional overrides,
/// isolates and marks, and the zero-width characters that hide or reorder text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Shows unsafe characters visibly instead of letting them act: ESC as `\x1b`, other C0/C1
/// controls as `\xNN` (a newline too, so a value cannot start a line of its own), the rest as
/// `\u{NNNN}`. Ordinary letters in any script are kept.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// A CSV cell a spreadsheet would not run: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'` (OWASP's advice for CSV injection). A leading `-` is
/// prefixed too, so a negative number reads as text (`'-5`).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_shown_not_acted_on() {
        assert_eq!(visible("Renée Müller Ωμέγα 王"), "Renée Müller Ωμέγα 王");
        assert_eq!(
            visible("a\u{1b}[31mb\u{7}\nc\u{9b}\u{202e}"),
            "a\\x1b[31mb\\x07\\x0ac\\x9b\\u{202e}"
        );
        assert_eq!(
            visible("\u{1b}]2;pwned\u{7}"),
            "\\x1b]2;pwned\\x07",
            "an OSC title sequence"
        );
        assert_eq!(
            visible("x\u{200b}y\u{2066}z\u{feff}"),
            "x\\u{200b}y\\u{2066}z\\u{feff}"
        );
        assert_eq!(visible("line\r\nnext\u{7f}"), "line\\x0d\\x0anext\\x7f");
        // Shown text is safe already: cleaning twice changes nothing.
        let once = visible("\u{1b}[2J\u{202e}").into_owned();
        assert_eq!(visible(&once), once);
        assert!(!once.chars().any(is_unsafe));
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Smith", "Smith"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(csv_cell(cell), out, "{cell}");
        }
    }
}
