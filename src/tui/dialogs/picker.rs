//! Pick one of a list (OUs for a move), narrowing it by typing.

use super::{frame_box, hints, pad, Reply, Tone};
use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context, KeyCombo, Keymap};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// A picker.
#[derive(Debug, Clone)]
pub struct Picker<P> {
    /// Title.
    pub title: String,
    /// Lines above the list.
    pub intro: Vec<(String, Tone)>,
    /// Everything that can be picked.
    pub options: Vec<String>,
    /// Typed text narrowing the list.
    pub filter: Input,
    /// Cursor in the narrowed list.
    pub cursor: usize,
    /// What it is for.
    pub purpose: P,
    /// Waiting for the options (generation).
    pub waiting: Option<u64>,
    /// Why the options could not be read.
    pub error: Option<String>,
}

impl<P> Picker<P> {
    /// A picker waiting for its options.
    pub fn loading(title: &str, intro: Vec<(String, Tone)>, purpose: P, gen: u64) -> Self {
        Picker {
            title: title.into(),
            intro,
            options: Vec::new(),
            filter: Input::default(),
            cursor: 0,
            purpose,
            waiting: Some(gen),
            error: None,
        }
    }

    /// Indices of the options that contain the typed text.
    pub fn shown(&self) -> Vec<usize> {
        let needle = self.filter.value().to_lowercase();
        self.options
            .iter()
            .enumerate()
            .filter(|(_, o)| needle.is_empty() || o.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// The option under the cursor.
    pub fn chosen(&self) -> Option<&str> {
        self.shown()
            .get(self.cursor)
            .and_then(|i| self.options.get(*i))
            .map(String::as_str)
    }

    /// Handles a key.
    pub fn key(&mut self, key: &KeyEvent, combo: KeyCombo, km: &Keymap) -> Reply {
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if plain_char || key.code == KeyCode::Backspace {
            self.filter.handle(key);
            self.cursor = 0;
            return Reply::Edited;
        }
        let n = self.shown().len();
        match km.lookup(Context::DIALOG, combo) {
            Some(Action::Submit) if self.waiting.is_none() && n > 0 => Reply::Submit,
            Some(Action::Cancel) => Reply::Cancel,
            Some(Action::NextField) => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1));
                Reply::None
            }
            Some(Action::PrevField) => {
                self.cursor = self.cursor.saturating_sub(1);
                Reply::None
            }
            _ => Reply::None,
        }
    }
}

/// Draws a picker.
pub fn draw<P>(f: &mut Frame, area: Rect, p: &Picker<P>, g: &Ground) {
    let t = g.theme;
    let width = 96u16.min(area.width.saturating_sub(4)).max(20);
    let max_h = area.height.saturating_sub(2);
    let mut lines: Vec<Line> = p
        .intro
        .iter()
        .map(|(text, tone)| Line::styled(text.clone(), tone.style(t)))
        .collect();
    let (ftext, _) = p.filter.visible(usize::from(width.saturating_sub(14)));
    lines.push(Line::from(vec![
        Span::raw("Narrow: "),
        Span::styled(format!("{ftext}_"), t.focus()),
    ]));
    let fixed = lines.len() + 3;
    let room = usize::from(max_h.saturating_sub(3))
        .saturating_sub(fixed)
        .max(1);
    let shown = p.shown();
    if let Some(_gen) = p.waiting {
        lines.push(Line::styled(format!("{} reading…", g.spin()), t.warn()));
    } else if let Some(e) = &p.error {
        lines.push(Line::styled(format!("Problem: {e}"), t.error()));
    } else if shown.is_empty() {
        lines.push(Line::styled("nothing matches", t.dim()));
    } else {
        let start = p.cursor.saturating_sub(room.saturating_sub(1));
        for (row, i) in shown.iter().enumerate().skip(start).take(room) {
            let text = p.options.get(*i).cloned().unwrap_or_default();
            if row == p.cursor {
                lines.push(Line::styled(format!("> {text}"), t.cursor()));
            } else {
                lines.push(Line::raw(format!("  {text}")));
            }
        }
    }
    lines.push(Line::raw(""));
    let km = g.keymap;
    lines.push(hints(
        &[
            (&km.keys_for(Context::DIALOG, Action::Submit), "pick"),
            (
                &format!(
                    "{} {}",
                    km.keys_for(Context::DIALOG, Action::PrevField),
                    km.keys_for(Context::DIALOG, Action::NextField)
                ),
                "move",
            ),
            (&km.keys_for(Context::DIALOG, Action::Cancel), "cancel"),
        ],
        t,
    ));
    let height = (lines.len() as u16).saturating_add(3).min(max_h.max(3));
    let inner = frame_box(f, area, width, height, &p.title, t);
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
