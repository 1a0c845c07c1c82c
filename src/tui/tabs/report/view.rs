//! Drawing the Report tab: the period and overall light, the sections with their lights (word
//! and symbol, coloured when colour is on), and the figures of the section under the cursor
//! with the command behind each, the figure under the cursor highlighted (and scrolled into
//! view) with what Enter does on it.

use super::keys::place_words;
use super::{ReportTab, CONTEXT};
use crate::ops::report::{Section, Status};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::shell::Shell;
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap_text;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

fn light_style(t: &Theme, s: Status) -> Style {
    match s {
        Status::Red => t.error(),
        Status::Amber => t.warn(),
        Status::Green => t.ok(),
        Status::NoData => t.dim(),
    }
}

/// "✗ RED" padded to the widest word.
fn light(s: Status) -> String {
    format!("{} {:<7}", s.symbol(), s.word())
}

/// The section's detail lines, how many of them stay put when it scrolls (its heading and what
/// Enter does), and the lines (first, last + 1) of the figure `cur`.
fn detail(
    s: &Section,
    cur: Option<usize>,
    width: usize,
    t: &Theme,
    enter: &str,
    km: &Keymap,
) -> (Vec<Line<'static>>, usize, (usize, usize)) {
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!("{} {}", s.status.symbol(), s.status.word()),
            light_style(t, s.status).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("  {}", s.title),
            Style::default().add_modifier(Modifier::BOLD),
        ),
    ])];
    let enter_line = match cur.and_then(|c| s.figures.get(c)) {
        Some(f) if f.rows.is_some() => {
            format!("{enter}: list these {} here", f.count.unwrap_or_default())
        }
        Some(f) => match f.count {
            Some(n) => format!(
                "{enter}: open the {} filtered to these {n}",
                place_words(f.tui, km)
            ),
            None => format!("{enter}: nothing (this figure has no list behind it)"),
        },
        None => format!("{enter}: open the {}", place_words(s.tui, km)),
    };
    for l in wrap_text(&enter_line, width) {
        out.push(Line::styled(l, t.key()));
    }
    let head = out.len();
    for l in wrap_text(&s.summary, width) {
        out.push(Line::raw(l));
    }
    out.push(Line::raw(""));
    let mut span = (0, 0);
    for (k, f) in s.figures.iter().enumerate() {
        let first = out.len();
        let here = cur == Some(k);
        let mark = f.status.map_or(" ", |st| st.symbol());
        let style = f.status.map_or(Style::default(), |st| light_style(t, st));
        let text = format!("{}: {}", f.label, f.value);
        for (i, l) in wrap_text(&text, width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let line = if i == 0 {
                Line::from(vec![Span::styled(format!("{mark} "), style), Span::raw(l)])
            } else {
                Line::raw(format!("  {l}"))
            };
            out.push(if here { line.style(t.cursor()) } else { line });
        }
        for l in wrap_text(
            &format!("    {} · {}", f.command, place_words(f.tui, km)),
            width,
        ) {
            out.push(Line::styled(l, t.dim()));
        }
        if here {
            span = (first, out.len());
        }
    }
    (out, head, span)
}

/// The lines a figure's list has above its rows (its title, the filter line, a blank).
const LIST_HEAD: usize = 3;

/// The lines of a figure's list a body of `body` lines has for its rows (its head and the
/// line that counts the rows aside).
pub fn list_height(body: usize) -> usize {
    body.saturating_sub(LIST_HEAD + 1).max(1)
}

/// The width a row's text wraps at in a list `width` columns wide holding `len` rows (after
/// its number).
fn text_width(width: usize, len: usize) -> usize {
    width.saturating_sub(len.to_string().len() + 2).max(1)
}

/// How many rows from `from` fit in `height` lines `width` wide (one at least, when any).
pub fn rows_fitting(rows: &[String], from: usize, width: usize, height: usize) -> usize {
    let w = text_width(width, rows.len());
    let mut used = 0;
    let mut n = 0;
    for row in rows.iter().skip(from) {
        let lines = wrap_text(row, w).len().max(1);
        if n > 0 && used + lines > height {
            break;
        }
        used += lines;
        n += 1;
    }
    n
}

/// The first row shown when the last row is at the bottom: no list scrolls past it.
pub fn last_start(rows: &[String], width: usize, height: usize) -> usize {
    let w = text_width(width, rows.len());
    let mut used = 0;
    let mut start = rows.len();
    for (i, row) in rows.iter().enumerate().rev() {
        let lines = wrap_text(row, w).len().max(1);
        if start < rows.len() && used + lines > height {
            break;
        }
        used += lines;
        start = i;
    }
    start.min(rows.len().saturating_sub(1))
}

/// Draws a figure's rows (the report's own list behind it): a title naming the figure and the
/// period, the filter line, then the rows numbered and wrapped, from the first one scrolled to,
/// and which rows are on screen.
fn draw_list(f: &mut Frame, area: Rect, r: &ReportTab, sh: &Shell) {
    let t = &sh.theme;
    let (Some((fig, rows)), Some(rep)) = (r.open_rows(), &r.report) else {
        return;
    };
    let width = usize::from(area.width);
    let back = sh.keymap.keys_for(super::LIST_CONTEXT, Action::Cancel);
    let mut head: Vec<Line<'static>> = Vec::new();
    let title = format!(
        "{}: {} — {}",
        fig.label,
        rows.len(),
        rep.period().describe()
    );
    head.push(Line::styled(
        title,
        Style::default().add_modifier(Modifier::BOLD),
    ));
    head.push(Line::styled(
        format!("filtered: {} — {back} clears", fig.label),
        t.key(),
    ));
    head.push(Line::raw(""));
    let [top, body, foot] = Layout::vertical([
        Constraint::Length(LIST_HEAD as u16),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head), top);
    let height = usize::from(body.height);
    let scroll = r
        .open
        .as_ref()
        .map_or(0, |o| o.scroll)
        .min(last_start(rows, width, height));
    let num = rows.len().to_string().len();
    let mut lines = Vec::new();
    let mut last = scroll;
    for (i, row) in rows.iter().enumerate().skip(scroll) {
        let wrapped = wrap_text(row, text_width(width, rows.len()));
        if !lines.is_empty() && lines.len() + wrapped.len() > height {
            break;
        }
        for (k, l) in wrapped.into_iter().enumerate() {
            let lead = if k == 0 {
                format!("{:>num$}. ", i + 1)
            } else {
                " ".repeat(num + 2)
            };
            lines.push(Line::raw(format!("{lead}{l}")));
        }
        last = i + 1;
    }
    if rows.is_empty() {
        lines.push(Line::styled("(none)", t.dim()));
    }
    f.render_widget(Paragraph::new(lines), body);
    let count = if rows.is_empty() {
        "0 rows".to_string()
    } else {
        format!("rows {}–{last} of {}", scroll + 1, rows.len())
    };
    f.render_widget(Paragraph::new(Line::styled(count, t.dim())), foot);
}

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, r: &ReportTab, sh: &Shell) {
    let t = &sh.theme;
    if r.open_rows().is_some() {
        draw_list(f, area, r, sh);
        return;
    }
    let Some(rep) = &r.report else {
        let msg = match &r.error {
            Some(e) => format!("Could not make the termly report: {e}"),
            None => "Making the termly report…".into(),
        };
        crate::tui::widgets::placeholder(f, area, &msg);
        return;
    };
    let [top, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let mut spans = vec![
        Span::raw(format!("{}   overall ", rep.period().describe())),
        Span::styled(
            format!("{} {}", rep.overall.symbol(), rep.overall.word()),
            light_style(t, rep.overall).add_modifier(Modifier::BOLD),
        ),
    ];
    if r.stale || r.loading {
        spans.push(Span::styled("   (being made again…)", t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), top);
    if body.height == 0 {
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Length(36), Constraint::Min(20)]).areas(body);
    let mut lines = Vec::new();
    let cur_section = r.items().get(r.list.cursor).map(|&(i, _)| i);
    for (i, s) in rep.sections.iter().enumerate() {
        let line = Line::from(vec![
            Span::styled(light(s.status), light_style(t, s.status)),
            Span::raw(format!(" {}", s.title)),
        ]);
        lines.push(if Some(i) == cur_section {
            line.style(t.cursor())
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Log anchor:", t.dim()));
    for l in wrap_text(&rep.log_anchor, usize::from(left.width.saturating_sub(2))) {
        lines.push(Line::styled(l, t.dim()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Print it for governors:", t.dim()));
    for l in wrap_text(
        "schooltech report termly --format html --out report.html",
        usize::from(left.width.saturating_sub(2)),
    ) {
        lines.push(Line::styled(l, t.dim()));
    }
    f.render_widget(Paragraph::new(lines), left);
    if let Some(s) = r.current() {
        let enter = sh.keymap.keys_for(CONTEXT, Action::Details);
        let (mut text, head_len, (first, end)) = detail(
            s,
            r.current_figure_index(),
            usize::from(right.width.saturating_sub(1)),
            t,
            &enter,
            &sh.keymap,
        );
        let area = Rect {
            x: right.x + 1,
            width: right.width.saturating_sub(1),
            ..right
        };
        // The section's heading and what Enter does stay; the rest scrolls so the figure under
        // the cursor is on screen.
        let rest = text.split_off(head_len.min(text.len()));
        let [head, body] = Layout::vertical([
            Constraint::Length(u16::try_from(head_len).unwrap_or(u16::MAX)),
            Constraint::Min(0),
        ])
        .areas(area);
        f.render_widget(Paragraph::new(text), head);
        let (first, end) = (first.saturating_sub(head_len), end.saturating_sub(head_len));
        let height = usize::from(body.height);
        let scroll = if end > height {
            (end - height).min(first)
        } else {
            0
        };
        f.render_widget(
            Paragraph::new(rest).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
            body,
        );
    }
}
