//! Drawing the Leavers tab's Sync view: the plan by kind with counts and the summary by year,
//! and one kind's items (left-out ones marked in words, not colour alone).

use super::keys::LeaversVerb;
use super::sync::{kind_page, Kind, SyncSort, SYNC_CONTEXT, SYNC_KIND_CONTEXT};
use super::LeaversTab;
use crate::tui::keymap::Action;
use crate::tui::shell::Shell;
use crate::tui::widgets::{placeholder, wrap_text};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// Lines under the item table for the item under the cursor.
pub const DETAIL_LINES: usize = 2;

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The head line: where the roll came from and the keys that matter.
fn head(v: &LeaversTab, s: &Shell, place: crate::tui::keymap::Context) -> Line<'static> {
    let t = &s.theme;
    let p = &v.sync;
    let from = match &p.loaded {
        Some(l) => {
            let enc = if l.plan.encoding.is_empty() || l.plan.encoding == "UTF-8" {
                String::new()
            } else {
                format!(", read as {}", l.plan.encoding)
            };
            format!(" from {} ({} rows{enc})", l.plan.source, l.rows)
        }
        None => String::new(),
    };
    Line::from(vec![
        Span::styled("Sync with the MIS roll", bold()),
        Span::raw(from),
        Span::styled(
            format!(
                "  {} apply, {} another roll",
                s.keymap.keys_for(place, LeaversVerb::ApplyChange),
                s.keymap.keys_for(SYNC_CONTEXT, LeaversVerb::Import)
            ),
            t.dim(),
        ),
    ])
}

/// The line under the head: an unfinished run, a refused roll, or what is left out.
fn note(v: &LeaversTab, s: &Shell, place: crate::tui::keymap::Context) -> Line<'static> {
    let t = &s.theme;
    let Some(l) = &v.sync.loaded else {
        return Line::raw("");
    };
    if let Some(run) = &l.unfinished {
        return Line::from(vec![
            Span::styled(" UNFINISHED ", t.warn().add_modifier(Modifier::REVERSED)),
            Span::styled(
                format!(
                    " sync {} ({} steps) did not finish: {} resumes it",
                    run.run_id,
                    run.steps,
                    s.keymap.keys_for(place, LeaversVerb::Resume)
                ),
                t.warn(),
            ),
        ]);
    }
    if let Some(why) = &l.plan.plan.refused {
        return Line::styled(format!("✗ Refused: {why}"), t.error());
    }
    let (kept, out) = v.sync.counts();
    Line::styled(
        format!(
            "Applying acts on {kept} item(s){}; review and unchanged: nothing is done.",
            if out > 0 {
                format!(", {out} left out")
            } else {
                String::new()
            }
        ),
        if out > 0 { t.warn() } else { t.dim() },
    )
}

/// Draws the plan by kind.
pub fn kinds(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let p = &v.sync;
    let [top, sub, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head(v, s, SYNC_CONTEXT)), top);
    let Some(l) = &p.loaded else {
        let msg = match &p.error {
            Some(e) => format!("No sync plan: {e}"),
            None if p.loading => "Reading the roll and planning the sync…".to_string(),
            None => "No sync plan yet.".to_string(),
        };
        placeholder(f, rest, &msg);
        return;
    };
    f.render_widget(Paragraph::new(note(v, s, SYNC_CONTEXT)), sub);
    let q = &l.plan.plan;
    let [table_area, years] = Layout::vertical([
        Constraint::Length(Kind::ALL.len() as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(rest);
    let mut rows: Vec<Row> = Kind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let n = k.entries(q).len();
            let out = p.out_of(*k);
            let row = Row::new(vec![
                Cell::from(k.title()),
                Cell::from(format!("{n:>5}")),
                Cell::from(if out > 0 {
                    Span::styled(format!("{out:>4} out"), t.warn())
                } else {
                    Span::raw("")
                }),
                Cell::from(Span::styled(k.does(), t.dim())),
            ]);
            let row = if n == 0 { row.style(t.dim()) } else { row };
            if i == p.kinds.cursor {
                row.style(t.cursor())
            } else {
                row
            }
        })
        .collect();
    rows.push(
        Row::new(vec![
            Cell::from("Unchanged"),
            Cell::from(format!("{:>5}", q.unchanged)),
            Cell::from(""),
            Cell::from("on the roll, nothing to do"),
        ])
        .style(t.dim()),
    );
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(8),
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(vec!["Kind", "Count", "Left out", "What applying does"])
                .style(t.table_header()),
        )
        .column_spacing(1),
        table_area,
    );
    let summary = q.summary_by_year();
    let mut lines = vec![Line::styled("By year:", bold())];
    if summary.is_empty() {
        lines.push(Line::styled("  nobody changes year", t.dim()));
    }
    let room = usize::from(years.height).saturating_sub(1);
    let n = summary.len();
    for (i, y) in summary.into_iter().enumerate() {
        if i + 1 == room && n > room {
            lines.push(Line::styled(
                format!("  … and {} more (enter on Move shows them all)", n - i),
                t.dim(),
            ));
            break;
        }
        lines.push(Line::raw(format!("  {y}")));
    }
    f.render_widget(
        Paragraph::new(crate::tui::widgets::safe_lines(lines)),
        years,
    );
}

/// Draws the items of one kind.
pub fn kind(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let p = &v.sync;
    let kind = p.kind;
    let [top, bar, rest, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(DETAIL_LINES as u16),
    ])
    .areas(area);
    let n = p.plan().map_or(0, |q| kind.entries(q).len());
    let out = p.out_of(kind);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{}: {n}", kind.title()), bold()),
            Span::raw(if out > 0 {
                format!(" ({out} left out)")
            } else {
                String::new()
            }),
            Span::styled(format!(" - {}", kind.does()), t.dim()),
            Span::styled(
                format!(
                    "  {} out/in, {} apply, {} back",
                    s.keymap.keys_for(SYNC_KIND_CONTEXT, Action::Select),
                    s.keymap
                        .keys_for(SYNC_KIND_CONTEXT, LeaversVerb::ApplyChange),
                    s.keymap.keys_for(SYNC_KIND_CONTEXT, Action::Cancel)
                ),
                t.dim(),
            ),
        ])),
        top,
    );
    let tb = &p.table;
    tb.draw_search_bar(
        f,
        bar,
        &s.ground(),
        SYNC_KIND_CONTEXT,
        p.loaded.is_some(),
        0,
    );
    if tb.draw_if_empty(
        f,
        rest,
        &s.ground(),
        SYNC_KIND_CONTEXT,
        (p.loaded.is_some(), p.error.as_ref()),
        "the sync plan",
        &format!("Nothing of this kind: {} 0.", kind.title()),
        "item",
    ) {
        return;
    }
    let page = kind_page(usize::from(area.height));
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let i = &r.item;
        let left = p.is_out(kind, i);
        let mark = if !kind.acted() {
            Span::styled("– none", t.dim())
        } else if left {
            Span::styled("✗ out", t.warn())
        } else {
            Span::styled("✓ in", t.ok())
        };
        let place = match (i.from.is_empty(), i.to.is_empty()) {
            (true, true) => String::new(),
            (false, true) => i.from.clone(),
            (true, false) => format!("→ {}", i.to),
            (false, false) => format!("{} → {}", i.from, i.to),
        };
        let row = Row::new(vec![
            Cell::from(mark),
            Cell::from(if i.username.is_empty() {
                "-".to_string()
            } else {
                i.username.clone()
            }),
            Cell::from(i.mis_id.clone()),
            Cell::from(i.name.clone()),
            Cell::from(place),
        ]);
        let row = if left { row.style(t.dim()) } else { row };
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Length(20),
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(vec![
                "Apply".to_string(),
                tb.title(SyncSort::Username),
                tb.title(SyncSort::MisId),
                tb.title(SyncSort::Name),
                "From → to".into(),
            ])
            .style(t.table_header()),
        )
        .column_spacing(1),
        rest,
    );
    if let Some(r) = tb.current() {
        let w = usize::from(detail.width).max(10);
        let text = format!("Why: {}", r.item.reason);
        let lines: Vec<Line> = wrap_text(&text, w)
            .into_iter()
            .take(DETAIL_LINES)
            .map(|l| Line::styled(l, t.dim()))
            .collect();
        f.render_widget(
            Paragraph::new(crate::tui::widgets::safe_lines(lines)),
            detail,
        );
    }
}
