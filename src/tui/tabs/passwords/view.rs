//! Drawing the Passwords tab's report: the search and filter bar, the table (only the rows on
//! screen; columns by width) and the summary per role. The panels are in `panels.rs`.

use super::{PasswordsTab, PwSort, CONTEXT};
use crate::domain::password::PasswordStatus;
use crate::domain::time::uk_date;
use crate::ops::compliance::status_word;
use crate::tui::shell::Shell;
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

/// Draws the report into `area`.
pub fn draw(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    report(f, area, p, s);
}

fn report(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let body = usize::from(area.height);
    let sum_h = p.summary_height(body) as u16;
    let [bar, table_area, summary_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(sum_h),
    ])
    .areas(area);
    search_bar(f, bar, p, s);
    table(f, table_area, p, s);
    summary(f, summary_area, p, s);
}

fn search_bar(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    p.table
        .draw_search_bar(f, area, &s.ground(), CONTEXT, p.loaded, p.skipped);
}

fn table(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    let t = &s.theme;
    let tb = &p.table;
    let state = (p.loaded, p.error.as_ref());
    let nothing = "The directory holds no accounts under the base DN.";
    if tb.draw_if_empty(
        f,
        area,
        &s.ground(),
        CONTEXT,
        state,
        "the password report",
        nothing,
        "account",
    ) {
        return;
    }
    let page = usize::from(area.height - 1);
    let last_set = area.width >= WITH_LAST_SET;
    let policy = area.width >= WITH_POLICY;
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let sel = tb.is_selected(r);
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
        if at_cursor {
            row.style(t.cursor())
        } else if sel {
            row.style(t.selected())
        } else {
            row
        }
    });
    let mut titles: Vec<Cell> = vec![
        Cell::from(format!(" {}", tb.title(PwSort::Username))),
        Cell::from(tb.title(PwSort::Role)),
    ];
    let mut widths = vec![Constraint::Length(17), Constraint::Length(7)];
    if last_set {
        titles.push(Cell::from("Last set"));
        widths.push(Constraint::Length(11));
    }
    titles.push(Cell::from(Line::raw(tb.title(PwSort::Age)).right_aligned()));
    widths.push(Constraint::Length(6));
    titles.push(Cell::from(tb.title(PwSort::Expires)));
    widths.push(Constraint::Length(11));
    titles.push(Cell::from(tb.title(PwSort::Status)));
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
fn summary(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let t = &s.theme;
    let as_of = p
        .now
        .map(|n| format!(" as of {}", date(n)))
        .unwrap_or_default();
    let head = Line::styled(
        format!(
            "Summary{as_of} (all {} accounts, as the CLI report counts them)",
            p.table.rows().len()
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
