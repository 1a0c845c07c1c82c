//! The details pane: the whole account model, its groups, and the last log rows about it.
//! Wide panes show two columns (the fields; where it sits, groups and log).

use super::{AccountsTab, Row};
use crate::domain::account::Account;
use crate::tui::shell::Shell;
use crate::tui::theme::{status_mark, Theme};
use crate::tui::widgets::{age, ago, day as uk_date, short_moment, wrap_text};
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Label width.
const LABEL: usize = 14;

fn date(t: Option<DateTime<Utc>>, none: &str) -> String {
    t.map(uk_date).unwrap_or_else(|| none.to_string())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A DN cut into lines of at most `width` columns, at commas where it can be.
fn wrap_dn(dn: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for (i, rdn) in crate::domain::dn::split_dn(dn).into_iter().enumerate() {
        let piece = if i == 0 {
            rdn.to_string()
        } else {
            format!(",{rdn}")
        };
        if !line.is_empty() && line.chars().count() + piece.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        line.push_str(&piece);
    }
    out.push(line);
    out.into_iter().flat_map(|l| wrap_text(&l, width)).collect()
}

/// Lines of "label  value", the value wrapped to `width` (DNs at commas).
fn kv(out: &mut Vec<Line<'static>>, t: &Theme, width: usize, k: &str, v: String, style: Style) {
    let vw = width.saturating_sub(LABEL).max(1);
    let parts = if k == "OU" || k == "DN" {
        wrap_dn(&v, vw)
    } else {
        wrap_text(&v, vw)
    };
    for (i, part) in parts.into_iter().enumerate() {
        let head = if i == 0 {
            format!("{k:<LABEL$}")
        } else {
            " ".repeat(LABEL)
        };
        out.push(Line::from(vec![
            Span::styled(head, t.dim()),
            Span::styled(part, style),
        ]));
    }
}

fn fields(s: &Shell, row: &Row, width: usize) -> Vec<Line<'static>> {
    let t = &s.theme;
    let acc = &row.account;
    let now = s.now;
    let plain = Style::new();
    let mut out = Vec::new();
    let mut add = |k: &str, v: String, st: Style| kv(&mut out, t, width, k, v, st);
    add("Name", acc.name().to_string(), plain);
    add(
        "Given/surname",
        format!(
            "{} / {}",
            acc.given_name.as_deref().unwrap_or("-"),
            acc.surname.as_deref().unwrap_or("-")
        ),
        plain,
    );
    add(
        "Role",
        acc.role.clone().unwrap_or_else(|| "none".into()),
        plain,
    );
    add(
        "Status",
        if super::aup::held(row) {
            format!(
                "{} held (disabled until the agreement is signed)",
                status_mark(row.status)
            )
        } else {
            format!("{} {}", status_mark(row.status), row.status.as_str())
        },
        t.status(row.status),
    );
    if let Some((text, tone)) = super::aup::detail_line(row) {
        add("AUP", text, tone.style(t));
    }
    add("Enabled", yes(acc.enabled).into(), plain);
    add(
        "Locked",
        yes(acc.locked).into(),
        if acc.locked { t.warn() } else { plain },
    );
    add(
        "MIS id",
        acc.mis_id.clone().unwrap_or_else(|| "-".into()),
        plain,
    );
    if let Some(d) = &acc.description {
        add("Description", d.clone(), plain);
    }
    add("Created", date(acc.created, "unknown"), plain);
    add("Expires", date(acc.expires, "never"), plain);
    add(
        "Password set",
        // A temporary password (after a reset) reads as what it is, not as "never".
        match (acc.password_last_set, acc.must_change_password) {
            (Some(p), false) => format!("{} ({} old)", uk_date(p), age(now, Some(p), "")),
            (Some(p), true) => format!("{}; must change at next logon", uk_date(p)),
            (None, true) => "temporary: must change at next logon".into(),
            (None, false) => "never".into(),
        },
        plain,
    );
    // The one answer (ops::compliance): the day and state on one row, whose rule on the next,
    // so a long rule name never wraps the day.
    let words = crate::ops::compliance::expiry_words(
        &crate::ops::compliance::row_with(&s.env.expiry, acc, now),
        now,
    );
    let (day, from) = match words.split_once(") ") {
        Some((day, from)) => (format!("{day})"), Some(from.to_string())),
        None => (words, None),
    };
    let expiry_style = if acc.password_never_expires {
        t.warn()
    } else {
        plain
    };
    // A one-digit day is padded like the other date columns (" 7 Nov 2026").
    let day =
        if day.as_bytes().get(1) == Some(&b' ') && day.starts_with(|c: char| c.is_ascii_digit()) {
            format!(" {day}")
        } else {
            day
        };
    add("Pw expires", day, expiry_style);
    if let Some(from) = from {
        add("Expiry rule", from, plain);
    }
    add("Must change", yes(acc.must_change_password).into(), plain);
    if acc.password_not_required {
        add(
            "Pw required",
            "NO (empty password allowed)".into(),
            t.error(),
        );
    }
    if acc.reversible_password {
        add("Reversible", "YES (stored reversibly)".into(), t.error());
    }
    add(
        "Last logon",
        match acc.last_logon {
            Some(l) => format!("{} ({})", uk_date(l), ago(now, Some(l))),
            None => "never".into(),
        },
        plain,
    );
    if let Some(p) = &acc.policy {
        add("Pw policy", p.clone(), plain);
    }
    out
}

fn place_groups_log(
    s: &Shell,
    a: &AccountsTab,
    acc: &Account,
    width: usize,
    list: bool,
) -> Vec<Line<'static>> {
    let t = &s.theme;
    let mut out = Vec::new();
    kv(
        &mut out,
        t,
        width,
        "OU",
        acc.parent_dn().to_string(),
        Style::new(),
    );
    kv(&mut out, t, width, "DN", acc.dn.clone(), t.dim());
    out.push(Line::styled(
        format!("Groups ({})", acc.groups.len()),
        t.table_header(),
    ));
    if acc.groups.is_empty() {
        out.push(Line::styled("none", t.dim()));
    } else if list {
        for g in &acc.groups {
            out.push(Line::raw(format!("  {g}")));
        }
    } else {
        for l in wrap_text(&acc.groups.join(", "), width) {
            out.push(Line::raw(l));
        }
    }
    out.push(Line::styled("Recent log", t.table_header()));
    let dl = &a.detail_log;
    match (&dl.entries, dl.username == acc.username) {
        (Some(Ok(v)), true) if v.is_empty() => {
            out.push(Line::styled("nothing logged yet", t.dim()))
        }
        (Some(Ok(v)), true) => {
            for e in v {
                let when = short_moment(e.at);
                out.push(Line::raw(format!(
                    "{:<13}{} by {}",
                    when.to_string(),
                    e.action,
                    e.operator
                )));
            }
        }
        (Some(Err(e)), true) => {
            for l in wrap_text(&format!("cannot read the log: {e}"), width) {
                out.push(Line::styled(l, t.error()));
            }
        }
        _ => out.push(Line::styled("reading…", t.dim())),
    }
    out
}

/// Draws the pane for the account under the cursor.
pub fn draw(f: &mut Frame, area: Rect, a: &AccountsTab, s: &Shell) {
    let t = &s.theme;
    let Some(row) = a.table.current() else {
        return;
    };
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(
            format!(" {} ", row.account.username),
            t.border(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let inside = Rect {
        x: inner.x.saturating_add(1).min(inner.x + inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    if inside.width >= 70 {
        let left_w = 40u16.min(inside.width);
        let left = Rect {
            width: left_w,
            ..inside
        };
        let right = Rect {
            x: inside.x + left_w,
            width: inside.width - left_w,
            ..inside
        };
        let l = fields(s, row, usize::from(left_w.saturating_sub(1)));
        let r = place_groups_log(s, a, &row.account, usize::from(right.width), true);
        let scroll = (a.detail_scroll, 0);
        f.render_widget(Paragraph::new(l).scroll(scroll), left);
        f.render_widget(Paragraph::new(r).scroll(scroll), right);
    } else {
        let w = usize::from(inside.width).max(1);
        let mut lines = fields(s, row, w);
        lines.extend(place_groups_log(s, a, &row.account, w, false));
        // Scrolled by J/K, never past the last line.
        let last = (lines.len() as u16).saturating_sub(inside.height);
        f.render_widget(
            Paragraph::new(lines).scroll((a.detail_scroll.min(last), 0)),
            inside,
        );
    }
}
