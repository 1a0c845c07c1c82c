//! Progress of a change running in the background (bulk actions, imports).

use super::{frame_box, hints, pad};
use crate::tui::ground::Ground;
use crate::tui::keymap::{Action, Context};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph};
use ratatui::Frame;

/// A change running in the background, as its progress shows it (the shell counts its items;
/// the quit question counts the jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Generation of the command.
    pub gen: u64,
    /// What it is, for the progress dialog.
    pub title: String,
    /// Items in all.
    pub total: usize,
    /// Items done (ok or not).
    pub done: usize,
    /// Items changed.
    pub ok: usize,
    /// (username or line, error) of each failure.
    pub failures: Vec<(String, String)>,
    /// What was done, for the status line ("disabled").
    pub done_word: String,
    /// Items already so: nothing sent, no log row (counted in `ok` too).
    pub unchanged: usize,
}

/// Draws the progress of `job`.
pub fn draw(f: &mut Frame, area: Rect, job: &Job, g: &Ground) {
    let t = g.theme;
    let width = 72u16.min(area.width.saturating_sub(4)).max(20);
    let inner = frame_box(f, area, width, 9, &job.title, t);
    let inner = pad(Rect {
        y: inner.y.saturating_add(1).min(inner.y + inner.height),
        height: inner.height.saturating_sub(1),
        ..inner
    });
    let ratio = if job.total == 0 {
        0.0
    } else {
        (job.done as f64 / job.total as f64).clamp(0.0, 1.0)
    };
    let mut lines = vec![Line::raw(format!(
        "{} {} of {} done, {} failed",
        g.spin(),
        job.done,
        job.total,
        job.failures.len()
    ))];
    if let Some((who, why)) = job.failures.last() {
        lines.push(Line::styled(
            format!("last failure: {who}: {why}"),
            t.error(),
        ));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw(""));
    lines.push(hints(
        &[(
            &g.keymap.keys_for(Context::DIALOG, Action::Cancel),
            "hide (it keeps running; the status bar shows it)",
        )],
        t,
    ));
    f.render_widget(
        Paragraph::new(crate::tui::widgets::safe_lines(lines)),
        inner,
    );
    if inner.height > 2 {
        let gauge_area = Rect {
            y: inner.y + 2,
            height: 1,
            ..inner
        };
        let gauge = Gauge::default()
            .gauge_style(t.ok())
            .ratio(ratio)
            .label(format!("{}%", (ratio * 100.0).round() as u32));
        f.render_widget(gauge, gauge_area);
    }
}
