//! Pieces every tab draws with: the one [`table`] (rows behind a small trait: search, sort,
//! filters, cursor, selection, the search bar and the sort-arrow headers), list cursor
//! helpers, text wrapping, and dates and ages in the UK form the screens show. Text from
//! outside passes [`safe`] (through [`wrap_text`], [`safe_line`] or [`safe_lines`]) before it is
//! drawn, and [`sanitise_buffer`] is the last step of every frame: no escape sequence in a
//! name, a CSV cell or a message reaches the terminal.

pub mod table;

use crate::domain::time::london_format;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Text from outside made safe to draw: control characters and escape sequences shown
/// visibly (`\x1b`, `\u{202e}`), as the CLI shows them ([`crate::domain::text::visible`]).
pub fn safe(s: &str) -> Cow<'_, str> {
    crate::domain::text::visible(s)
}

/// A line with every span's text made [`safe`] (styles kept).
pub fn safe_line(line: Line<'_>) -> Line<'_> {
    let Line {
        spans,
        style,
        alignment,
    } = line;
    Line {
        spans: spans
            .into_iter()
            .map(|sp| match safe(&sp.content) {
                Cow::Borrowed(_) => sp,
                Cow::Owned(o) => Span::styled(o, sp.style),
            })
            .collect(),
        style,
        alignment,
    }
}

/// [`safe_line`] on every line.
pub fn safe_lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    lines.into_iter().map(safe_line).collect()
}

/// The last step of every frame, under whatever a tab drew itself: a cell holding a character
/// that would act on the terminal loses it (a cell that held only that shows `�`), so no escape
/// sequence can reach the terminal even from text that skipped [`safe`].
pub fn sanitise_buffer(buf: &mut Buffer) {
    use crate::domain::text::is_unsafe;
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if !sym.chars().any(is_unsafe) {
            continue;
        }
        let kept: String = sym.chars().filter(|&c| !is_unsafe(c)).collect();
        if kept.is_empty() {
            cell.set_symbol("\u{fffd}");
        } else {
            cell.set_symbol(&kept);
        }
    }
}

/// A day in London, UK style, day padded so columns line up: ` 5 Nov 2026`.
pub fn day(t: DateTime<Utc>) -> String {
    london_format(t, "%e %b %Y")
}

/// A moment in London time: ` 5 Nov 2026 09:30`.
pub fn moment(t: DateTime<Utc>) -> String {
    london_format(t, "%e %b %Y %H:%M")
}

/// A moment this year, short: ` 5 Nov 09:30`.
pub fn short_moment(t: DateTime<Utc>) -> String {
    london_format(t, "%e %b %H:%M")
}

/// Days since `t` as "12 d", or `none` when there is no time.
pub fn age(now: DateTime<Utc>, t: Option<DateTime<Utc>>, none: &str) -> String {
    match t {
        None => none.to_string(),
        Some(t) => {
            let d = (now - t).num_days();
            if d < 0 {
                "future".into()
            } else {
                format!("{d} d")
            }
        }
    }
}

/// "today", "3 d ago" or "never".
pub fn ago(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    match t {
        None => "never".into(),
        Some(t) => match (now - t).num_days() {
            d if d < 0 => "future".into(),
            0 => "today".into(),
            d => format!("{d} d ago"),
        },
    }
}

/// A cursor moved by `delta` rows in a list of `len` rows, kept on a row.
pub fn step(cursor: usize, delta: isize, len: usize) -> usize {
    let last = len.saturating_sub(1) as isize;
    (cursor as isize + delta).clamp(0, last.max(0)) as usize
}

/// The first (`end` false) or last row of a list of `len` rows.
pub fn end_row(end: bool, len: usize) -> usize {
    if end {
        len.saturating_sub(1)
    } else {
        0
    }
}

/// The list row under a click on the `row`-th shown row, if there is one.
pub fn clicked(offset: usize, row: usize, page: usize, len: usize) -> Option<usize> {
    (row < page && offset + row < len).then_some(offset + row)
}

/// Keeps `cursor` on a row and on screen: moves `offset` (the first shown row) as little as
/// needed, and never past the last full page.
pub fn keep_visible(cursor: &mut usize, offset: &mut usize, len: usize, page: usize) {
    *cursor = (*cursor).min(len.saturating_sub(1));
    if *cursor < *offset {
        *offset = *cursor;
    } else if *cursor >= *offset + page {
        *offset = *cursor + 1 - page;
    }
    *offset = (*offset).min(len.saturating_sub(page));
}

/// The first row to show so that `cursor` is on a page of `page` rows, starting from `offset`.
pub fn window(offset: usize, cursor: usize, page: usize, len: usize) -> usize {
    let page = page.max(1);
    let mut off = offset.min(len.saturating_sub(1));
    if cursor < off {
        off = cursor;
    } else if cursor >= off + page {
        off = cursor + 1 - page;
    }
    off
}

/// A simple cursor over a list that is not a [`table::Table`] (the log, the register).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    /// Cursor.
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
}

impl ListCursor {
    /// Moves by `delta` in a list of `len` rows shown `page` at a time.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        self.cursor = step(self.cursor, delta, len);
        keep_visible(&mut self.cursor, &mut self.offset, len, page);
    }

    /// To the first or last row.
    pub fn jump(&mut self, end: bool, len: usize, page: usize) {
        self.cursor = end_row(end, len);
        keep_visible(&mut self.cursor, &mut self.offset, len, page);
    }

    /// A click on the `row`-th shown row.
    pub fn click(&mut self, row: usize, len: usize, page: usize) {
        if let Some(c) = clicked(self.offset, row, page, len) {
            self.cursor = c;
        }
    }

    /// Back to the top.
    pub fn reset(&mut self) {
        *self = ListCursor::default();
    }
}

/// A message in a table's place (loading, offline, nothing matches), under its title row.
pub fn placeholder(f: &mut Frame, area: Rect, msg: &str) {
    if area.height < 2 {
        return;
    }
    let lines: Vec<Line> = wrap_text(msg, usize::from(area.width))
        .into_iter()
        .map(Line::raw)
        .collect();
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        },
    );
}

/// Wraps text to `width` columns at spaces (long words are cut), keeping each line's
/// leading indent on its continuation lines. Always at least one line. Each line is made
/// [`safe`] first (a newline starts a new line; other control characters are shown).
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let para = safe(para.strip_suffix('\r').unwrap_or(para));
        let para = para.as_ref();
        let body = para.trim_start_matches(' ');
        let indent = (para.len() - body.len()).min(width.saturating_sub(1));
        let pad = " ".repeat(indent);
        let room = width - indent;
        let mut line = String::new();
        let mut line_w = 0usize;
        let mut out: Vec<String> = Vec::new();
        for word in body.split(' ') {
            let ww = word.width();
            let sep = usize::from(!line.is_empty());
            if line_w + sep + ww <= room {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += sep + ww;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
                line_w = 0;
            }
            if ww <= room {
                line.push_str(word);
                line_w = ww;
            } else {
                for c in word.chars() {
                    let cw = c.width().unwrap_or(0);
                    if line_w + cw > room && !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                        line_w = 0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        out.push(line);
        lines.extend(out.into_iter().map(|l| format!("{pad}{l}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(wrap_text("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_text("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap_text("", 3), [""]);
        assert_eq!(wrap_text("x", 0), ["x"]);
        assert_eq!(wrap_text("  aa bb", 5), ["  aa", "  bb"]);
    }

    #[test]
    fn outside_text_is_drawn_visibly_and_no_escape_reaches_the_terminal() {
        use ratatui::style::{Style, Stylize};
        assert_eq!(
            wrap_text("Eve\u{1b}]2;pwned\u{7}", 40),
            ["Eve\\x1b]2;pwned\\x07"]
        );
        let l = safe_line(Line::from(vec![
            Span::raw("ok "),
            Span::styled("a\u{9b}2J\u{202e}", Style::new().red()),
        ]));
        assert_eq!(l.spans[1].content, "a\\x9b2J\\u{202e}");
        assert_eq!(l.spans[1].style, Style::new().red());
        // What a tab draws without [`safe`] is still cleaned at the end of the frame.
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 1));
        buf.set_span(0, 0, &Span::raw("x\u{1b}]2;pwned\u{7}y"), 20);
        buf[(5, 0)].set_symbol("\u{1b}");
        buf[(6, 0)].set_symbol("a\u{7}");
        sanitise_buffer(&mut buf);
        assert!(buf
            .content
            .iter()
            .all(|c| !c.symbol().chars().any(crate::domain::text::is_unsafe)));
        assert_eq!(buf[(5, 0)].symbol(), "\u{fffd}");
        assert_eq!(buf[(6, 0)].symbol(), "a");
    }

    #[test]
    fn list_cursor_stays_on_rows_and_on_screen() {
        let mut c = ListCursor::default();
        c.move_by(5, 3, 2);
        assert_eq!((c.cursor, c.offset), (2, 1));
        c.jump(false, 3, 2);
        assert_eq!((c.cursor, c.offset), (0, 0));
        c.click(1, 3, 2);
        assert_eq!(c.cursor, 1);
        c.click(5, 3, 2);
        assert_eq!(c.cursor, 1);
    }
}
