//! Drawing the Accounts tab: search bar, the table (only the rows on screen), details pane.

use super::aup::{aup_cell, held};
use super::{detail, AccountsTab, SortKey, CONTEXT};
use crate::tui::shell::Shell;
use crate::tui::theme::status_mark;
use crate::tui::widgets::table::{fit_columns, Column};
use crate::tui::widgets::{age, ago};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

/// The details pane sits beside the table from this width; below it, it takes the tab.
pub const SIDE_BY_SIDE: u16 = 120;
/// Width of the details pane beside the table.
pub const DETAIL_WIDTH: u16 = 50;

/// Width of the AUP column ("outdated 2025", "not-required").
pub const AUP_WIDTH: u16 = 13;

/// The status cell: "x held" for an account disabled until its agreement is signed, else the
/// account's status.
pub fn status_text(r: &super::Row) -> String {
    if held(r) {
        format!("{} held", status_mark(r.status))
    } else {
        format!("{} {}", status_mark(r.status), r.status.as_str())
    }
}

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, a: &AccountsTab, s: &Shell) {
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    search_bar(f, bar, a, s);
    if a.detail && a.table.current().is_some() {
        if rest.width >= SIDE_BY_SIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(DETAIL_WIDTH)])
                    .areas(rest);
            table(f, left, a, s);
            detail::draw(f, right, a, s);
        } else {
            detail::draw(f, rest, a, s);
        }
    } else {
        table(f, rest, a, s);
    }
}

fn search_bar(f: &mut Frame, area: Rect, a: &AccountsTab, s: &Shell) {
    a.table
        .draw_search_bar(f, area, &s.ground(), CONTEXT, a.loaded, a.skipped);
}

fn table(f: &mut Frame, area: Rect, a: &AccountsTab, s: &Shell) {
    let t = &s.theme;
    let tb = &a.table;
    let state = (a.loaded, a.error.as_ref());
    let nothing = "The directory holds no accounts under the base DN.";
    if tb.draw_if_empty(
        f,
        area,
        &s.ground(),
        CONTEXT,
        state,
        "the accounts",
        nothing,
        "account",
    ) {
        return;
    }
    let page = usize::from(area.height - 1);
    let now = s.now;
    // Columns by meaning: status and the agreement stay; the last logon, the role, the
    // password's age and the name go first, in that order, when room is short.
    let show = fit_columns(&COLUMNS, area.width);
    let keep = |v: Vec<Cell<'static>>| -> Vec<Cell<'static>> {
        v.into_iter()
            .zip(&show)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c)
            .collect()
    };
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let acc = &r.account;
        let sel = tb.is_selected(r);
        let status_style = t.status(r.status);
        let (text, tone) = aup_cell(r);
        let cells = vec![
            Cell::from(if sel { "*" } else { " " }),
            Cell::from(acc.username.clone()),
            Cell::from(acc.name().to_string()),
            Cell::from(acc.role.clone().unwrap_or_else(|| "-".into())),
            Cell::from(Span::styled(status_text(r), status_style)),
            Cell::from(Span::styled(text, tone.style(t))),
            Cell::from(age(now, acc.password_last_set, "never")),
            Cell::from(ago(now, acc.last_logon)),
        ];
        let row = Row::new(keep(cells));
        if at_cursor {
            row.style(t.cursor())
        } else if sel {
            row.style(t.selected())
        } else {
            row
        }
    });
    let titles: Vec<String> = [
        String::new(),
        tb.title(SortKey::Username),
        tb.title(SortKey::Name),
        tb.title(SortKey::Role),
        tb.title(SortKey::Status),
        tb.title(SortKey::Aup),
        tb.title(SortKey::PasswordAge),
        tb.title(SortKey::LastLogon),
    ]
    .into_iter()
    .zip(&show)
    .filter(|(_, s)| **s)
    .map(|(t, _)| t)
    .collect();
    let widths: Vec<Constraint> = [
        Constraint::Length(1),
        Constraint::Length(20),
        Constraint::Min(8),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(AUP_WIDTH),
        Constraint::Length(7),
        Constraint::Length(11),
    ]
    .into_iter()
    .zip(&show)
    .filter(|(_, s)| **s)
    .map(|(w, _)| w)
    .collect();
    let header = Row::new(titles).style(t.table_header());
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, area);
}

/// The table's columns in order (selection mark, username, name, role, status, agreement,
/// password age, last logon): what must stay and what goes first.
const COLUMNS: [Column; 8] = [
    Column::keep(1),
    Column::keep(20),
    Column::drop(8, 1),
    Column::drop(7, 3),
    Column::keep(10),
    Column::keep(AUP_WIDTH),
    Column::drop(7, 2),
    Column::drop(11, 4),
];
