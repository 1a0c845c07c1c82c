//! One file per tab: the state (`accounts`, `passwords`, `log`) and its drawing (`*_view`,
//! `detail`, `passwords_panels`).

pub mod accounts;
pub mod accounts_view;
pub mod detail;
pub mod log;
pub mod log_view;
pub mod passwords;
pub mod passwords_panels;
pub mod passwords_view;

use chrono::{DateTime, Local, Utc};

/// A day in local time, UK style, day padded so columns line up: ` 5 Nov 2026`.
pub fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%e %b %Y").to_string()
}

/// A moment in local time: ` 5 Nov 2026 09:30`.
pub fn moment(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%e %b %Y %H:%M").to_string()
}

/// A moment this year, short: ` 5 Nov 09:30`.
pub fn short_moment(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%e %b %H:%M").to_string()
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
