//! Drawing the Log tab: chain status and filters, then the rows on screen.

use super::{LogTab, CONTEXT};
use crate::ops::{ActionEntry, ChainStatus};
use crate::tui::keymap::Action;
use crate::tui::shell::Shell;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

/// The details of a row in one line, without the bulky "before" and "after" states and where the
/// operator came from (`operator_source`, shown with the entry's details).
pub fn details_summary(e: &ActionEntry) -> String {
    match &e.details {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "before" | "after" | "operator_source"))
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, l: &LogTab, s: &Shell) {
    let t = &s.theme;
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let mut spans = vec![Span::raw("Chain: ")];
    match &l.chain {
        Some(ChainStatus::Whole { rows }) => spans.push(Span::styled(
            format!(
                "ok, all {rows} row{} check out",
                if *rows == 1 { "" } else { "s" }
            ),
            t.ok(),
        )),
        Some(ChainStatus::Broken { id, reason }) => spans.push(Span::styled(
            format!("BROKEN at row {id}: {reason}"),
            t.error(),
        )),
        None => spans.push(Span::styled("not checked yet", t.dim())),
    }
    let ft = &l.filter_text;
    let mut filters = Vec::new();
    for (k, v) in [
        ("since", &ft.since),
        ("action", &ft.action),
        ("target", &ft.target),
        ("operator", &ft.operator),
    ] {
        if !v.is_empty() {
            filters.push(format!("{k}={v}"));
        }
    }
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!("   filter: {}", filters.join(" ")),
            t.warn(),
        ));
    }
    if l.table.searching {
        let (text, _) = l.table.search.visible(24);
        spans.push(Span::styled(format!("   Search: {text}_"), t.focus()));
    } else if !l.table.needle().is_empty() {
        let (text, _) = l.table.search.visible(24);
        spans.push(Span::raw(format!("   Search: {text}")));
    }
    spans.push(Span::styled(
        format!("   shown: {}", l.table.view.len()),
        t.dim(),
    ));
    f.render_widget(Paragraph::new(Line::from(spans)), bar);
    if rest.height < 2 {
        return;
    }
    if l.table.view.is_empty() {
        let msg = if let Some(e) = &l.error {
            format!("Could not read the action log: {e}")
        } else if !l.loaded {
            "Reading the action log…".into()
        } else if !l.entries.is_empty() {
            "No row matches the search (esc clears it).".into()
        } else if filters.is_empty() {
            "Nothing logged yet: every change made with schooltech appears here.".into()
        } else {
            format!(
                "No row matches the filters ({} clears them).",
                s.keymap.keys_for(CONTEXT, Action::ClearFilters)
            )
        };
        crate::tui::widgets::placeholder(f, rest, &msg);
        return;
    }
    let page = usize::from(rest.height - 1);
    let rows = l.table.page_rows(page).map(|(at_cursor, r)| {
        let e = &r.entry;
        // Day padded like every date column, so the columns do not move on the 1st.
        let when = crate::tui::widgets::moment(e.at);
        let row = Row::new(vec![
            when,
            e.operator.clone(),
            e.action.clone(),
            e.target.clone(),
            details_summary(e),
        ]);
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let header =
        Row::new(vec!["When", "Operator", "Action", "Target", "Details"]).style(t.table_header());
    let widths = [
        Constraint::Length(17),
        Constraint::Length(10),
        Constraint::Length(16),
        Constraint::Length(18),
        Constraint::Min(10),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        rest,
    );
}
