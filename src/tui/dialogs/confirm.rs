//! A confirmation: exactly what will change, then yes or no. Long previews scroll.

use super::{frame_box, hints, pad, Purpose, Reply, Tone};
use crate::tui::keymap::{Action, Context, KeyCombo, Keymap};
use crate::tui::shell::Shell;
use crate::tui::widgets::wrap_text;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// A confirmation.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// Title.
    pub title: String,
    /// What will change.
    pub lines: Vec<(String, Tone)>,
    /// First line shown.
    pub scroll: usize,
    /// What "yes" does, in words ("Disable 3 accounts").
    pub yes: String,
    /// What it is for.
    pub purpose: Purpose,
}

impl Confirm {
    /// A confirmation.
    pub fn new(title: &str, lines: Vec<(String, Tone)>, yes: &str, purpose: Purpose) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            scroll: 0,
            yes: yes.into(),
            purpose,
        }
    }

    /// Handles a key.
    pub fn key(&mut self, combo: KeyCombo, km: &Keymap) -> Reply {
        match km.lookup(Context::DIALOG, combo) {
            Some(Action::Yes | Action::Submit) => Reply::Submit,
            Some(Action::No | Action::Cancel) => Reply::Cancel,
            Some(Action::NextField) => {
                self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
                Reply::None
            }
            Some(Action::PrevField) => {
                self.scroll = self.scroll.saturating_sub(1);
                Reply::None
            }
            Some(Action::PageDown) => {
                self.scroll = (self.scroll + 10).min(self.lines.len().saturating_sub(1));
                Reply::None
            }
            Some(Action::PageUp) => {
                self.scroll = self.scroll.saturating_sub(10);
                Reply::None
            }
            _ => Reply::None,
        }
    }
}

/// Draws a confirmation.
pub fn draw(f: &mut Frame, area: Rect, c: &Confirm, s: &Shell) {
    let t = &s.theme;
    let width = 96u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut body: Vec<Line> = Vec::new();
    for (text, tone) in &c.lines {
        for l in wrap_text(text, text_w) {
            body.push(Line::styled(l, tone.style(t)));
        }
    }
    let max_h = area.height.saturating_sub(2);
    let room = usize::from(max_h.saturating_sub(6)).max(1);
    let total = body.len();
    let scroll = c.scroll.min(total.saturating_sub(room));
    let shown: Vec<Line> = body.into_iter().skip(scroll).take(room).collect();
    let shown_n = shown.len();
    let km = &s.keymap;
    let yes_keys = format!(
        "{} {}",
        km.keys_for(Context::DIALOG, Action::Yes),
        km.keys_for(Context::DIALOG, Action::Submit)
    );
    let no_keys = format!(
        "{} {}",
        km.keys_for(Context::DIALOG, Action::No),
        km.keys_for(Context::DIALOG, Action::Cancel)
    );
    let mut lines = shown;
    lines.push(Line::raw(""));
    if total > room {
        lines.push(Line::styled(
            format!(
                "lines {}-{} of {total}; {} to scroll",
                scroll + 1,
                scroll + shown_n,
                km.keys_for(Context::DIALOG, Action::NextField)
            ),
            t.dim(),
        ));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(hints(&[(&yes_keys, &c.yes), (&no_keys, "cancel")], t));
    let height = (lines.len() as u16).saturating_add(3).min(max_h.max(3));
    let inner = frame_box(f, area, width, height, &c.title, t);
    let inner = pad(Rect {
        y: inner.y.saturating_add(1).min(inner.y + inner.height),
        height: inner.height.saturating_sub(1),
        ..inner
    });
    f.render_widget(
        Paragraph::new(crate::tui::widgets::safe_lines(lines)),
        inner,
    );
}
