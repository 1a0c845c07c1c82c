//! Drawing the Passwords tab's report: the search and filter bar, the table (only the rows on
//! screen; columns by width) and the summary per role. The panels are in
//! [`super::passwords_panels`].

use super::passwords::{Panel, PasswordsScreen, PwSort};
use super::{passwords_panels, window};
use crate::domain::password::PasswordStatus;
use crate::domain::time::uk_date;
use crate::ops::compliance::status_word;
use crate::tui::app::{Conn, State};
use crate::tui::keymap::{Action, Context};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// From this width the table shows when the password was last set.
pub const WITH_LAST_SET: u16 = 90;
/// From this width the table shows the governing policy and the maximum age applied.
pub const WITH_POLICY: u16 = 112;

/// A UK date (`domain::time::uk_date`) padded to 11 columns, so columns line up: ` 5 Nov 2026`.
pub fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    format!("{:>11}", uk_date(t))
}

/// An ASCII mark that goes with each status word (never colour alone).
pub fn status_mark(s: PasswordStatus) -> &'static str {
    match s {
        PasswordStatus::Ok => "+",
        PasswordStatus::Expiring => "~",
        PasswordStatus::Expired => "x",
        PasswordStatus::MustChange => "!",
        PasswordStatus::NeverSet => "?",
    }
}

/// The style of a status (the word is always shown too).
pub fn status_style(t: &Theme, s: PasswordStatus) -> Style {
    match s {
        PasswordStatus::Ok => t.ok(),
        PasswordStatus::Expiring => t.warn(),
        PasswordStatus::Expired => t.error(),
        PasswordStatus::MustChange => t.warn().add_modifier(Modifier::BOLD),
        PasswordStatus::NeverSet => t.error(),
    }
}

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    match s.passwords.panel {
        Panel::Report => report(f, area, s),
        Panel::Policy => passwords_panels::policy(f, area, s),
        Panel::Creds => passwords_panels::creds(f, area, s),
    }
}

fn report(f: &mut Frame, area: Rect, s: &State) {
    if area.height == 0 {
        return;
    }
    let p = &s.passwords;
    let body = usize::from(area.height);
    let sum_h = p.summary_height(body) as u16;
    let [bar, table_area, summary_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(sum_h),
    ])
    .areas(area);
    search_bar(f, bar, s);
    table(f, table_area, s);
    summary(f, summary_area, s);
}

fn search_bar(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let p = &s.passwords;
    let mut spans = Vec::new();
    let key = s.keymap.keys_for(Context::Passwords, Action::Search);
    if p.searching {
        let (text, col) = p.search.visible(30);
        spans.push(Span::styled("Search: ", t.focus()));
        spans.push(Span::styled(format!("{text}_"), t.focus()));
        let x = area.x + 8 + col as u16;
        if x < area.x + area.width {
            f.set_cursor_position((x, area.y));
        }
    } else if p.search.value().is_empty() {
        spans.push(Span::styled(format!("{key} to search"), t.dim()));
    } else {
        let (text, _) = p.search.visible(30);
        spans.push(Span::raw(format!("Search: {text}")));
    }
    if !p.filters.is_empty() {
        spans.push(Span::styled(
            format!("   filter: {}", p.filters.describe()),
            t.warn(),
        ));
    }
    let count = if p.loaded {
        format!(
            "{} of {} shown{}  sort: {} {}",
            p.view.len(),
            p.rows.len(),
            if p.skipped > 0 {
                format!(" ({} unreadable skipped)", p.skipped)
            } else {
                String::new()
            },
            p.sort.title().to_lowercase(),
            if p.reverse { "v" } else { "^" }
        )
    } else {
        String::new()
    };
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if count.len() + 2 <= room {
        spans.push(Span::raw(" ".repeat(room - count.len())));
        spans.push(Span::styled(count, t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn title(p: &PasswordsScreen, k: PwSort) -> String {
    if p.sort == k {
        format!("{} {}", k.title(), if p.reverse { "v" } else { "^" })
    } else {
        k.title().to_string()
    }
}

/// A message in the table's place (loading, offline, nothing matches).
pub fn placeholder(f: &mut Frame, area: Rect, msg: &str) {
    if area.height < 2 {
        return;
    }
    let lines: Vec<Line> = crate::tui::ui::wrap_text(msg, usize::from(area.width))
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

/// Why there is nothing to show yet, if there is a reason.
pub fn not_loaded(s: &State, error: Option<&String>, what: &str) -> String {
    let retry = s.keymap.keys_for(Context::Global, Action::Retry);
    match (error, &s.conn) {
        (Some(e), _) => format!("Could not read {what}: {e}. {retry} tries again."),
        (None, Conn::Offline(why)) => {
            format!("Not connected to the directory: {why}. {retry} tries again.")
        }
        _ => format!("Reading {what}…"),
    }
}

fn table(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let p = &s.passwords;
    if area.height < 2 {
        return;
    }
    if p.view.is_empty() {
        let msg = if !p.loaded {
            not_loaded(s, p.error.as_ref(), "the password report")
        } else if p.rows.is_empty() {
            "The directory holds no accounts under the base DN.".into()
        } else {
            format!(
                "No account matches. {} clears the search and filters.",
                s.keymap.keys_for(Context::Passwords, Action::ClearFilters)
            )
        };
        placeholder(f, area, &msg);
        return;
    }
    let page = usize::from(area.height - 1);
    let off = window(p.offset, p.cursor, page, p.view.len());
    let end = (off + page).min(p.view.len());
    let last_set = area.width >= WITH_LAST_SET;
    let policy = area.width >= WITH_POLICY;
    let rows = p.view[off..end].iter().enumerate().filter_map(|(i, idx)| {
        let r = p.rows.get(*idx as usize)?;
        let sel = p.is_selected(r);
        let mut cells = vec![
            Cell::from(format!("{}{}", if sel { "*" } else { " " }, r.username)),
            Cell::from(r.role.clone().unwrap_or_else(|| "-".into())),
        ];
        if last_set {
            cells.push(Cell::from(
                r.password_last_set
                    .map(date)
                    .unwrap_or_else(|| "never".into()),
            ));
        }
        cells.push(Cell::from(
            Line::raw(
                r.age_days
                    .map(|d| format!("{d} d"))
                    .unwrap_or_else(|| "-".into()),
            )
            .right_aligned(),
        ));
        cells.push(Cell::from(
            r.expires_on.map(date).unwrap_or_else(|| "-".into()),
        ));
        cells.push(Cell::from(Span::styled(
            format!("{} {}", status_mark(r.status), status_word(r.status)),
            status_style(t, r.status),
        )));
        cells.push(Cell::from(r.flags.join(",")));
        if policy {
            cells.push(Cell::from(r.policy.clone()));
            cells.push(Cell::from(format!("{} d", r.max_age_days)));
        }
        let row = Row::new(cells);
        Some(if off + i == p.cursor {
            row.style(t.cursor())
        } else if sel {
            row.style(t.selected())
        } else {
            row
        })
    });
    let mut titles: Vec<Cell> = vec![
        Cell::from(format!(" {}", title(p, PwSort::Username))),
        Cell::from(title(p, PwSort::Role)),
    ];
    let mut widths = vec![Constraint::Length(17), Constraint::Length(7)];
    if last_set {
        titles.push(Cell::from("Last set"));
        widths.push(Constraint::Length(11));
    }
    titles.push(Cell::from(Line::raw(title(p, PwSort::Age)).right_aligned()));
    widths.push(Constraint::Length(6));
    titles.push(Cell::from(title(p, PwSort::Expires)));
    widths.push(Constraint::Length(11));
    titles.push(Cell::from(title(p, PwSort::Status)));
    widths.push(Constraint::Length(13));
    titles.push(Cell::from("Flags"));
    widths.push(Constraint::Min(5));
    if policy {
        titles.push(Cell::from("Policy"));
        widths.push(Constraint::Length(15));
        titles.push(Cell::from("Max age"));
        widths.push(Constraint::Length(7));
    }
    let header = Row::new(titles).style(t.table_header());
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, area);
}

/// The summary per role under the table: the counts `schooltech passwords report` prints.
fn summary(f: &mut Frame, area: Rect, s: &State) {
    if area.height == 0 {
        return;
    }
    let t = &s.theme;
    let p = &s.passwords;
    let as_of = p
        .now
        .map(|n| format!(" as of {}", date(n)))
        .unwrap_or_default();
    let head = Line::styled(
        format!(
            "Summary{as_of} (all {} accounts, as the CLI report counts them)",
            p.rows.len()
        ),
        Style::new().add_modifier(Modifier::BOLD),
    );
    let [head_area, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(Paragraph::new(head), head_area);
    if rest.height == 0 {
        return;
    }
    let statuses = [
        PasswordStatus::Expired,
        PasswordStatus::Expiring,
        PasswordStatus::MustChange,
        PasswordStatus::NeverSet,
        PasswordStatus::Ok,
    ];
    if usize::from(rest.height) < p.summary.len() + 1 {
        // One line for every role together.
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut never = 0;
        for r in p.summary.values() {
            for (k, v) in &r.by_status {
                *by.entry(k.as_str()).or_default() += v;
            }
            never += r.never_expires;
        }
        let parts: Vec<String> = statuses
            .iter()
            .map(|s| {
                (
                    status_word(*s),
                    by.get(status_word(*s)).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| format!("{n} {w}"))
            .collect();
        let line = format!(
            "all roles: {}{}",
            parts.join(", "),
            if never > 0 {
                format!("; {never} never expire")
            } else {
                String::new()
            }
        );
        f.render_widget(Paragraph::new(Line::raw(line)), rest);
        return;
    }
    let rows = p.summary.iter().map(|(role, r)| {
        let n = |s: PasswordStatus| {
            r.by_status
                .get(status_word(s))
                .copied()
                .unwrap_or(0)
                .to_string()
        };
        let mut cells = vec![
            Cell::from(role.clone()),
            Cell::from(Line::raw(r.total.to_string()).right_aligned()),
        ];
        for st in statuses {
            let count = n(st);
            let style = if count != "0" && st != PasswordStatus::Ok {
                status_style(t, st)
            } else {
                Style::new()
            };
            cells.push(Cell::from(Line::styled(count, style).right_aligned()));
        }
        cells.push(Cell::from(
            Line::raw(r.never_expires.to_string()).right_aligned(),
        ));
        Row::new(cells)
    });
    let header = Row::new(
        [
            "Role",
            "Accounts",
            "expired",
            "expiring",
            "must-change",
            "never-set",
            "ok",
            "never-exp",
        ]
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                Cell::from(h)
            } else {
                Cell::from(Line::raw(h).right_aligned())
            }
        }),
    )
    .style(t.table_header());
    let widths = [
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(9),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        rest,
    );
}
