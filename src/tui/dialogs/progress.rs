//! Progress of a change running in the background (bulk actions, imports).

use super::{frame_box, hints, pad};
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph};
use ratatui::Frame;

/// Draws the progress of job `gen`.
pub fn draw(f: &mut Frame, area: Rect, gen: u64, s: &Shell) {
    let t = &s.theme;
    let Some(job) = s.jobs.iter().find(|j| j.gen == gen) else {
        return;
    };
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
        crate::tui::shell::view::spinner(s.spinner),
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
            &s.keymap.keys_for(Context::DIALOG, Action::Cancel),
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
