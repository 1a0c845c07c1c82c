//! Drawing the Filtering tab: the search bar, the queue (only the rows on screen; columns by
//! width), the detail pane with a request's whole history, and the review panel.

use super::keys::FilteringVerb;
use super::{
    days_word, status_mark, status_short, status_word, FSort, FilteringTab, CONTEXT, REVIEW_CONTEXT,
};
use crate::domain::filter::{Entry, Status};
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use crate::tui::theme::Theme;
use crate::tui::widgets::{day, moment, placeholder, window, wrap_text};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// The detail pane sits beside the table from this width; below it, it takes the tab.
pub const SIDE_BY_SIDE: u16 = 120;
/// Width of the detail pane beside the table.
pub const DETAIL_WIDTH: u16 = 54;

fn status_style(t: &Theme, e: &Entry) -> Style {
    if e.due {
        return t.error().add_modifier(Modifier::BOLD);
    }
    match e.status {
        Status::Pending => t.warn(),
        Status::Agreed => t.warn(),
        Status::Applied => t.ok(),
        Status::Expired | Status::Revoked | Status::Rejected => t.dim(),
    }
}

/// The queue's columns (id, kind, site, scope, status, days left, asked by, requested): what
/// must stay at 80 columns and what goes first.
const COLUMNS: [crate::tui::widgets::table::Column; 8] = {
    use crate::tui::widgets::table::Column as C;
    [
        C::keep(5),
        C::keep(7),
        C::keep(16),
        C::keep(9),
        C::keep(14),
        C::keep(11),
        C::drop(10, 2),
        C::drop(13, 1),
    ]
};

/// Draws the queue into `area`.
pub fn draw(f: &mut Frame, area: Rect, p: &FilteringTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let sum_h = u16::from(usize::from(area.height) >= super::SUMMARY_FROM);
    let [bar, rest, sum] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(sum_h),
    ])
    .areas(area);
    p.table
        .draw_search_bar(f, bar, &s.ground(), CONTEXT, p.loaded, 0);
    if sum.height > 0 && p.loaded {
        summary(f, sum, p, s);
    }
    if p.detail && p.table.current().is_some() {
        if rest.width >= SIDE_BY_SIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(DETAIL_WIDTH)])
                    .areas(rest);
            table(f, left, p, s);
            detail(f, right, p, s);
        } else {
            detail(f, rest, p, s);
        }
    } else {
        table(f, rest, p, s);
    }
}

/// The counts under the queue: pending, in force, due for removal from the filter.
fn summary(f: &mut Frame, area: Rect, p: &FilteringTab, s: &Shell) {
    let t = &s.theme;
    let (pending, in_force, due) = p.counts();
    let mut spans = vec![Span::styled(
        format!("{pending} pending · {in_force} in force"),
        t.dim(),
    )];
    if due > 0 {
        spans.push(Span::styled(
            format!(
                " · {due} due for removal ({})",
                s.keymap.keys_for(CONTEXT, Action::Filter)
            ),
            t.error(),
        ));
    }
    if let Some(r) = &p.review {
        spans.push(Span::styled(
            format!(
                " · review #{}: {} left ({})",
                r.review.id,
                r.remaining.len(),
                s.keymap.keys_for(CONTEXT, FilteringVerb::ReviewPanel)
            ),
            t.warn(),
        ));
    } else if p.report.as_ref().is_some_and(|r| r.overdue) {
        spans.push(Span::styled(" · review OVERDUE", t.error()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn table(f: &mut Frame, area: Rect, p: &FilteringTab, s: &Shell) {
    let t = &s.theme;
    let tb = &p.table;
    let nothing = format!(
        "No filter requests yet. {} records one (a member of staff asking for a site to be unblocked or blocked).",
        s.keymap.keys_for(CONTEXT, FilteringVerb::NewAccount)
    );
    if tb.draw_if_empty(
        f,
        area,
        &s.ground(),
        CONTEXT,
        (p.loaded, p.error.as_ref()),
        "the filter log",
        &nothing,
        "request",
    ) {
        return;
    }
    let page = usize::from(area.height - 1);
    // Columns by meaning (widgets::table::fit_columns): Kind stays (a block request must not
    // look like an exception); who asked and when go first.
    let fit = crate::tui::widgets::table::fit_columns(&COLUMNS, area.width);
    let (kind, asked, requested) = (fit[1], fit[6], fit[7]);
    let roles = p.roles.len();
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let mut cells = vec![Cell::from(Line::raw(r.id.to_string()).right_aligned())];
        if kind {
            cells.push(Cell::from(r.kind.as_str()));
        }
        cells.push(Cell::from(r.target()));
        cells.push(Cell::from(r.scope_word().to_string()));
        cells.push(Cell::from(Span::styled(
            format!("{} {}", status_mark(r), status_short(r, roles)),
            status_style(t, r),
        )));
        cells.push(Cell::from(Line::raw(days_word(r)).right_aligned()));
        if asked {
            cells.push(Cell::from(r.requested_by.clone()));
        }
        if requested {
            cells.push(Cell::from(day(r.requested_at)));
        }
        let row = Row::new(cells);
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let mut titles = vec![Cell::from(Line::raw(tb.title(FSort::Id)).right_aligned())];
    let mut widths = vec![Constraint::Length(5)];
    if kind {
        titles.push(Cell::from("Kind"));
        widths.push(Constraint::Length(7));
    }
    titles.push(Cell::from(tb.title(FSort::Site)));
    widths.push(Constraint::Min(16));
    titles.push(Cell::from("Scope"));
    widths.push(Constraint::Length(9));
    titles.push(Cell::from(tb.title(FSort::Status)));
    widths.push(Constraint::Length(14));
    titles.push(Cell::from(
        Line::raw(tb.title(FSort::DaysLeft)).right_aligned(),
    ));
    widths.push(Constraint::Length(11));
    if asked {
        titles.push(Cell::from("Asked by"));
        widths.push(Constraint::Length(10));
    }
    if requested {
        titles.push(Cell::from(tb.title(FSort::Requested)));
        widths.push(Constraint::Length(13));
    }
    let header = Row::new(titles).style(t.table_header());
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

pub use crate::ops::filter::event_words;

fn kv(out: &mut Vec<Line<'static>>, t: &Theme, width: usize, k: &str, v: &str, style: Style) {
    const LABEL: usize = 11;
    let vw = width.saturating_sub(LABEL).max(1);
    for (i, part) in wrap_text(v, vw).into_iter().enumerate() {
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

/// The lines of the detail pane for `e` (and its history when read).
pub fn detail_lines(p: &FilteringTab, e: &Entry, s: &Shell, width: usize) -> Vec<Line<'static>> {
    let t = &s.theme;
    let plain = Style::new();
    let mut out = Vec::new();
    for l in wrap_text(
        &format!("{} {} for {}", e.kind.as_str(), e.target(), e.scope),
        width,
    ) {
        out.push(Line::styled(l, plain.add_modifier(Modifier::BOLD)));
    }
    kv(
        &mut out,
        t,
        width,
        "Status",
        &format!("{} {}", status_mark(e), status_word(e)),
        status_style(t, e),
    );
    kv(&mut out, t, width, "As typed", &e.site, plain);
    let mut host = e.host.clone();
    if e.subdomains {
        host.push_str(" and subdomains");
    }
    if let Some(ip) = e.ip {
        host.push_str(&format!(" (IP address, {})", ip.as_str()));
    }
    kv(&mut out, t, width, "Host", &host, plain);
    kv(&mut out, t, width, "Domain", &e.registrable_domain, plain);
    kv(&mut out, t, width, "Reason", &e.reason, plain);
    let until = match (e.until, e.days_left) {
        (Some(u), Some(d)) => format!("{u} ({d} d left)"),
        (Some(u), None) => u.to_string(),
        (None, _) => "permanent".into(),
    };
    kv(&mut out, t, width, "Until", &until, plain);
    if let Some(r) = &e.applied_ref {
        kv(&mut out, t, width, "Filter ref", r, plain);
    }
    if !e.waiting_for.is_empty() {
        kv(
            &mut out,
            t,
            width,
            "Waiting",
            &e.waiting_for.join(", "),
            t.warn(),
        );
    }
    out.push(Line::styled("History", t.table_header()));
    let h = &p.history;
    match (&h.data, h.id == Some(e.id)) {
        (Some(Ok(hist)), true) => {
            let mut push = |when: String, by: &str, what: String| {
                let text = format!("{}  {by}  {what}", when.trim_start());
                let mut first = true;
                for l in wrap_text(&text, width.saturating_sub(2)) {
                    if first {
                        out.push(Line::raw(l));
                        first = false;
                    } else {
                        out.push(Line::raw(format!("  {l}")));
                    }
                }
            };
            push(
                moment(hist.entry.requested_at),
                &hist.entry.requested_by,
                format!("requested ({})", hist.entry.scope),
            );
            for ev in &hist.events {
                let review = ev
                    .review_id
                    .map(|r| format!(" [review #{r}]"))
                    .unwrap_or_default();
                push(
                    moment(ev.at),
                    &ev.by,
                    format!("{}{review}", event_words(&ev.kind)),
                );
            }
        }
        (Some(Err(err)), true) => {
            for l in wrap_text(&format!("cannot read the history: {err}"), width) {
                out.push(Line::styled(l, t.error()));
            }
        }
        _ => out.push(Line::styled("reading…", t.dim())),
    }
    out
}

fn detail(f: &mut Frame, area: Rect, p: &FilteringTab, s: &Shell) {
    let t = &s.theme;
    let Some(row) = p.table.current() else {
        return;
    };
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(format!(" Request #{} ", row.id), t.border()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let inside = Rect {
        x: inner.x.saturating_add(1).min(inner.x + inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let lines = detail_lines(p, row, s, usize::from(inside.width).max(1));
    f.render_widget(Paragraph::new(lines), inside);
}

fn heading(f: &mut Frame, area: Rect, s: &Shell, title: &str, keys: &[(Context, Action, &str)]) {
    let t = &s.theme;
    let mut spans = vec![Span::styled(
        title.to_string(),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    let hint: Vec<String> = keys
        .iter()
        .map(|(c, a, what)| format!("{} {what}", s.keymap.keys_for(*c, *a)))
        .collect();
    let hint = hint.join("  ");
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if hint.len() + 2 <= room {
        spans.push(Span::raw(" ".repeat(room - hint.len())));
        spans.push(Span::styled(hint, t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Draws the review panel.
pub fn review(f: &mut Frame, area: Rect, p: &FilteringTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let t = &s.theme;
    let [bar, info, next, gap, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let keys: Vec<(Context, Action, &str)> = if p.review.is_some() {
        vec![
            (REVIEW_CONTEXT, Action::Details, "verdict"),
            (REVIEW_CONTEXT, FilteringVerb::ReviewClose.action(), "close"),
            (REVIEW_CONTEXT, FilteringVerb::ReviewPanel.action(), "back"),
        ]
    } else {
        vec![
            (REVIEW_CONTEXT, FilteringVerb::ReviewStart.action(), "start"),
            (REVIEW_CONTEXT, FilteringVerb::ReviewPanel.action(), "back"),
        ]
    };
    heading(f, bar, s, "Review of the exceptions in force", &keys);
    if !p.loaded {
        placeholder(f, rest, &s.not_loaded(p.error.as_ref(), "the filter log"));
        return;
    }
    let last = p.report.as_ref().map(|r| {
        let when = r
            .last_review
            .as_ref()
            .map(|l| {
                format!(
                    "last review #{} closed {} by {}",
                    l.id,
                    day(l.closed_at).trim(),
                    l.by
                )
            })
            .unwrap_or_else(|| "never reviewed".into());
        (
            format!(
                "{when}; next due {}{}",
                r.next_due,
                if r.overdue { " (OVERDUE)" } else { "" }
            ),
            r.overdue,
        )
    });
    if let Some((text, overdue)) = last {
        f.render_widget(
            Paragraph::new(Line::styled(
                text,
                if overdue { t.error() } else { t.dim() },
            )),
            next,
        );
    }
    let Some(r) = &p.review else {
        let in_force = p
            .table
            .rows()
            .iter()
            .filter(|r| r.status.is_active())
            .count();
        f.render_widget(Paragraph::new(Line::raw("No review is open.")), info);
        let _ = gap;
        placeholder(
            f,
            rest,
            &format!(
                "{} starts a review: each of the {in_force} exceptions in force is kept, revoked or shortened with a note, then {} closes it with the checks made (what was tested, e.g. a sample of blocked categories).",
                s.keymap.keys_for(REVIEW_CONTEXT, FilteringVerb::ReviewStart),
                s.keymap.keys_for(REVIEW_CONTEXT, FilteringVerb::ReviewClose)
            ),
        );
        return;
    };
    let count = |a: &str| r.done.iter().filter(|d| d.action == a).count();
    let head = format!(
        "Review #{} started {} by {}: {} looked at, {} left",
        r.review.id,
        day(r.review.started_at).trim(),
        r.review.started_by,
        r.done.len(),
        r.remaining.len()
    );
    let tally = format!(
        " ({} kept, {} revoked, {} shortened)",
        count("keep"),
        count("revoke"),
        count("shorten")
    );
    let text = if head.len() + tally.len() <= usize::from(info.width) {
        format!("{head}{tally}")
    } else {
        head
    };
    f.render_widget(
        Paragraph::new(Line::styled(
            text,
            Style::new().add_modifier(Modifier::BOLD),
        )),
        info,
    );
    if r.remaining.is_empty() {
        let [msg, done_area] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(rest);
        placeholder(
            f,
            msg,
            &format!(
                "Every exception has been looked at. {} closes the review with the checks made.",
                s.keymap
                    .keys_for(REVIEW_CONTEXT, FilteringVerb::ReviewClose)
            ),
        );
        looked_at(f, done_area, r, s);
        return;
    }
    if rest.height < 2 {
        return;
    }
    // The exceptions still to look at; below them, when there is room, what was done.
    let want = (r.remaining.len() as u16).saturating_add(1);
    let (rest, done_area) = if want + 3 <= rest.height && !r.done.is_empty() {
        let [a, _, b] = Layout::vertical([
            Constraint::Length(want),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(rest);
        (a, Some(b))
    } else {
        (rest, None)
    };
    if let Some(d) = done_area {
        looked_at(f, d, r, s);
    }
    let page = usize::from(rest.height - 1);
    let items = &r.remaining;
    let off = window(
        p.review_list.offset,
        p.review_list.cursor,
        page,
        items.len(),
    );
    let end = (off + page).min(items.len());
    let wide = rest.width >= 100;
    let rows = items[off..end].iter().enumerate().map(|(i, e)| {
        let mut cells = vec![
            Cell::from(Line::raw(e.id.to_string()).right_aligned()),
            Cell::from(e.target()),
            Cell::from(e.scope.to_string()),
            Cell::from(Line::raw(days_word(e)).right_aligned()),
        ];
        if wide {
            cells.push(Cell::from(e.reason.clone()));
        }
        let row = Row::new(cells);
        if off + i == p.review_list.cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let mut titles = vec![
        Cell::from(Line::raw("#").right_aligned()),
        Cell::from("Still to look at"),
        Cell::from("Scope"),
        Cell::from(Line::raw("Days left").right_aligned()),
    ];
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Min(16),
        Constraint::Length(9),
        Constraint::Length(10),
    ];
    if wide {
        titles.push(Cell::from("Reason"));
        widths.push(Constraint::Min(10));
    }
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(titles).style(t.table_header()))
            .column_spacing(1),
        rest,
    );
}

/// What the open review has recorded so far, one line each.
fn looked_at(f: &mut Frame, area: Rect, r: &crate::ops::filter::ReviewStatus, s: &Shell) {
    if area.height == 0 || r.done.is_empty() {
        return;
    }
    let t = &s.theme;
    let mut lines = vec![Line::styled(
        format!("Looked at ({})", r.done.len()),
        t.table_header(),
    )];
    for d in &r.done {
        let until = d.until.map(|u| format!(" to {u}")).unwrap_or_default();
        lines.push(Line::raw(format!(
            "{:>5} {} {}{until}: {} ({})",
            d.id, d.target, d.action, d.note, d.by
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}
