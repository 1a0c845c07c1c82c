//! Drawing the Accounts tab: search bar, the table (only the rows on screen), details pane.

use super::accounts::{AccountsScreen, SortKey};
use super::{age, ago, detail, window};
use crate::tui::app::State;
use crate::tui::keymap::{Action, Context};
use crate::tui::theme::status_mark;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// The details pane sits beside the table from this width; below it, it takes the tab.
pub const SIDE_BY_SIDE: u16 = 120;
/// Width of the details pane beside the table.
pub const DETAIL_WIDTH: u16 = 50;

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    search_bar(f, bar, s);
    let a = &s.accounts;
    if a.detail && a.current().is_some() {
        if rest.width >= SIDE_BY_SIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(DETAIL_WIDTH)])
                    .areas(rest);
            table(f, left, s);
            detail::draw(f, right, s);
        } else {
            detail::draw(f, rest, s);
        }
    } else {
        table(f, rest, s);
    }
}

fn search_bar(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let a = &s.accounts;
    let mut spans = Vec::new();
    let key = s.keymap.keys_for(Context::Accounts, Action::Search);
    if a.searching {
        let (text, _) = a.search.visible(30);
        spans.push(Span::styled("Search: ", t.focus()));
        spans.push(Span::styled(format!("{text}_"), t.focus()));
        let x = area.x + 8 + a.search.visible(30).1 as u16;
        if x < area.x + area.width {
            f.set_cursor_position((x, area.y));
        }
    } else if a.search.value().is_empty() {
        spans.push(Span::styled(format!("{key} to search"), t.dim()));
    } else {
        let (text, _) = a.search.visible(30);
        spans.push(Span::raw(format!("Search: {text}")));
    }
    let mut filters = Vec::new();
    if let Some(r) = &a.filters.role {
        filters.push(format!("role={r}"));
    }
    if let Some(st) = a.filters.status {
        filters.push(format!("status={}", st.as_str()));
    }
    if let Some(ou) = &a.filters.ou {
        filters.push(format!(
            "ou={}",
            crate::directory::escape::first_rdn_value(ou)
        ));
    }
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!("   filter: {}", filters.join(" ")),
            t.warn(),
        ));
    }
    let count = if a.loaded {
        format!(
            "{} of {} shown{}  sort: {} {}",
            a.view.len(),
            a.rows.len(),
            if a.skipped > 0 {
                format!(" ({} unreadable skipped)", a.skipped)
            } else {
                String::new()
            },
            a.sort.title().to_lowercase(),
            if a.reverse { "v" } else { "^" }
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

fn title(a: &AccountsScreen, k: SortKey) -> String {
    if a.sort == k {
        format!("{} {}", k.title(), if a.reverse { "v" } else { "^" })
    } else {
        k.title().to_string()
    }
}

fn table(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let a = &s.accounts;
    if area.height < 2 {
        return;
    }
    if a.view.is_empty() {
        let msg = if !a.loaded {
            match (&a.error, &s.conn) {
                (Some(e), _) => format!(
                    "Could not read the accounts: {e}. {} tries again.",
                    s.keymap.keys_for(Context::Global, Action::Retry)
                ),
                (None, crate::tui::app::Conn::Offline(why)) => format!(
                    "Not connected to the directory: {why}. {} tries again.",
                    s.keymap.keys_for(Context::Global, Action::Retry)
                ),
                _ => "Reading accounts…".into(),
            }
        } else if a.rows.is_empty() {
            "The directory holds no accounts under the base DN.".into()
        } else {
            format!(
                "No account matches. {} clears the search and filters.",
                s.keymap.keys_for(Context::Accounts, Action::ClearFilters)
            )
        };
        let lines: Vec<Line> = crate::tui::ui::wrap_text(&msg, usize::from(area.width))
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
        return;
    }
    let page = usize::from(area.height - 1);
    let off = window(a.offset, a.cursor, page, a.view.len());
    let end = (off + page).min(a.view.len());
    let now = s.now;
    // Narrow tables (beside the details pane) leave out the last logon.
    let with_logon = area.width >= 80;
    let rows = a.view[off..end].iter().enumerate().filter_map(|(i, idx)| {
        let r = a.rows.get(*idx as usize)?;
        let acc = &r.account;
        let sel = a.is_selected(r);
        let status_style = t.status(r.status);
        let mut cells = vec![
            Cell::from(if sel { "*" } else { " " }),
            Cell::from(acc.username.clone()),
            Cell::from(acc.name().to_string()),
            Cell::from(acc.role.clone().unwrap_or_else(|| "-".into())),
            Cell::from(Span::styled(
                format!("{} {}", status_mark(r.status), r.status.as_str()),
                status_style,
            )),
            Cell::from(age(now, acc.password_last_set, "never")),
        ];
        if with_logon {
            cells.push(Cell::from(ago(now, acc.last_logon)));
        }
        let row = Row::new(cells);
        let row = if off + i == a.cursor {
            row.style(t.cursor())
        } else if sel {
            row.style(t.selected())
        } else {
            row
        };
        Some(row)
    });
    let mut titles = vec![
        String::new(),
        title(a, SortKey::Username),
        title(a, SortKey::Name),
        title(a, SortKey::Role),
        title(a, SortKey::Status),
        title(a, SortKey::PasswordAge),
    ];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(20),
        Constraint::Min(8),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(7),
    ];
    if with_logon {
        titles.push(title(a, SortKey::LastLogon));
        widths.push(Constraint::Length(11));
    }
    let header = Row::new(titles).style(t.table_header());
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, area);
}
