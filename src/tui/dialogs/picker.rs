//! Pick one of a list (OUs for a move, groups), narrowing it by typing. A picker may also take
//! a typed name that is not in the list (`typed`): the caller checks it, and says so.

use super::{hints, text_box, Reply, Tone};
use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context, KeyCombo, Keymap};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
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
    /// What each option shows, when more than its value (same order as `options`).
    pub labels: Vec<String>,
    /// When set, Enter with nothing matching picks the typed text; the words say what happens
    /// to it ("checked in the preview").
    pub typed: Option<&'static str>,
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
            labels: Vec::new(),
            typed: None,
        }
    }

    /// This picker, taking a typed name that is in no option (see [`Picker::typed`]).
    pub fn with_typed(mut self, what_happens: &'static str) -> Self {
        self.typed = Some(what_happens);
        self
    }

    /// What option `i` shows.
    pub fn label(&self, i: usize) -> &str {
        self.labels
            .get(i)
            .or_else(|| self.options.get(i))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The typed text, when it is what Enter would pick (nothing matches it).
    pub fn typed_choice(&self) -> Option<&str> {
        let t = self.filter.value().trim();
        (self.typed.is_some() && !t.is_empty() && self.shown().is_empty()).then_some(t)
    }

    /// Indices of the options that contain the typed text.
    pub fn shown(&self) -> Vec<usize> {
        let needle = self.filter.value().to_lowercase();
        self.options
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                needle.is_empty()
                    || o.to_lowercase().contains(&needle)
                    || self
                        .labels
                        .get(*i)
                        .is_some_and(|l| l.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The option under the cursor (or the typed text, see [`Picker::typed_choice`]).
    pub fn chosen(&self) -> Option<&str> {
        self.shown()
            .get(self.cursor)
            .and_then(|i| self.options.get(*i))
            .map(String::as_str)
            .or_else(|| self.typed_choice())
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
            Some(Action::Submit)
                if self.waiting.is_none() && (n > 0 || self.typed_choice().is_some()) =>
            {
                Reply::Submit
            }
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
    let km = g.keymap;
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
        match (p.typed, p.typed_choice()) {
            (Some(what), Some(typed)) => {
                lines.push(Line::styled("nothing in the list matches", t.dim()));
                lines.push(Line::styled(
                    format!(
                        "{}: use \"{typed}\" ({what})",
                        km.keys_for(Context::DIALOG, Action::Submit)
                    ),
                    t.warn(),
                ));
            }
            _ => lines.push(Line::styled("nothing matches", t.dim())),
        }
    } else {
        let start = p.cursor.saturating_sub(room.saturating_sub(1));
        for (row, i) in shown.iter().enumerate().skip(start).take(room) {
            let text = p.label(*i).to_string();
            if row == p.cursor {
                lines.push(Line::styled(format!("> {text}"), t.cursor()));
            } else {
                lines.push(Line::raw(format!("  {text}")));
            }
        }
    }
    lines.push(Line::raw(""));
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
    text_box(f, area, (width, height), &p.title, lines, t);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_name_is_picked_only_when_nothing_matches_and_the_picker_takes_one() {
        let mut p = Picker::loading("Groups", Vec::new(), (), 1);
        p.waiting = None;
        p.options = vec!["Staff".into(), "Year 7".into()];
        p.labels = vec!["Staff  [protected]".into(), "Year 7 - pupils".into()];
        p.filter = Input::new("pupils");
        assert_eq!(p.chosen(), Some("Year 7"), "labels are searched too");
        p.filter = Input::new("Nope");
        assert_eq!(p.chosen(), None, "a plain picker takes no typed name");
        let p = p.with_typed("checked in the preview");
        assert_eq!(p.chosen(), Some("Nope"));
        assert_eq!(p.label(0), "Staff  [protected]");
    }
}
