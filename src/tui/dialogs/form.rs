//! A form: text fields, choices and check boxes, with an error line.

use super::{hints, text_box, Reply, Tone};
use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context, KeyCombo};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text(Input),
    /// One of a list.
    Choice {
        /// The options.
        options: Vec<String>,
        /// The chosen one.
        index: usize,
    },
    /// Yes or no.
    Toggle(bool),
}

/// One field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Label.
    pub label: String,
    /// Value.
    pub kind: FieldKind,
    /// Help under the field when focused.
    pub hint: String,
}

impl Field {
    /// A text field.
    pub fn text(label: &str, value: &str, hint: &str) -> Field {
        Field {
            label: label.into(),
            kind: FieldKind::Text(Input::new(value)),
            hint: hint.into(),
        }
    }

    /// A choice field.
    pub fn choice(label: &str, options: Vec<String>, index: usize, hint: &str) -> Field {
        let index = index.min(options.len().saturating_sub(1));
        Field {
            label: label.into(),
            kind: FieldKind::Choice { options, index },
            hint: hint.into(),
        }
    }

    /// A check box.
    pub fn toggle(label: &str, on: bool, hint: &str) -> Field {
        Field {
            label: label.into(),
            kind: FieldKind::Toggle(on),
            hint: hint.into(),
        }
    }
}

/// A form.
#[derive(Debug, Clone)]
pub struct Form<P> {
    /// Title.
    pub title: String,
    /// Lines above the fields (what the form is about).
    pub intro: Vec<(String, Tone)>,
    /// The fields.
    pub fields: Vec<Field>,
    /// The focused field.
    pub focus: usize,
    /// The last problem with what was entered.
    pub error: Option<String>,
    /// What it is for.
    pub purpose: P,
    /// Waiting for background work (generation, what).
    pub waiting: Option<(u64, &'static str)>,
    /// The fields named in `error` (marked `!` beside their label).
    pub faults: Vec<usize>,
}

impl<P> Form<P> {
    /// A form with these fields.
    pub fn new(title: &str, purpose: P, fields: Vec<Field>) -> Self {
        Form {
            title: title.into(),
            intro: Vec::new(),
            fields,
            focus: 0,
            error: None,
            purpose,
            waiting: None,
            faults: Vec::new(),
        }
    }

    /// Shows every problem found at once, each naming its field, the first field at fault
    /// focused; true when there was any. Forms check every field before calling this, so a
    /// technician fixes them all in one go, never one per submit.
    pub fn problems(&mut self, found: Vec<(usize, String)>) -> bool {
        self.faults = found.iter().map(|(i, _)| *i).collect();
        let named: Vec<String> = found
            .iter()
            .map(|(i, why)| match self.fields.get(*i) {
                Some(f) => format!("{}: {why}", f.label),
                None => why.clone(),
            })
            .collect();
        if let Some(first) = self.faults.iter().min() {
            if *first < self.fields.len() {
                self.focus = *first;
            }
        }
        self.error = match named.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(format!("{} problems:\n{}", many.len(), many.join("\n"))),
        };
        self.error.is_some()
    }

    /// Adds intro lines.
    pub fn with_intro(mut self, intro: Vec<(String, Tone)>) -> Self {
        self.intro = intro;
        self
    }

    /// The text of field `i` ("" if it is not a text field).
    pub fn text(&self, i: usize) -> &str {
        match self.fields.get(i).map(|f| &f.kind) {
            Some(FieldKind::Text(input)) => input.value(),
            _ => "",
        }
    }

    /// The chosen option of field `i` ("" if it is not a choice).
    pub fn choice(&self, i: usize) -> &str {
        match self.fields.get(i).map(|f| &f.kind) {
            Some(FieldKind::Choice { options, index }) => {
                options.get(*index).map(String::as_str).unwrap_or("")
            }
            _ => "",
        }
    }

    /// The chosen index of field `i`.
    pub fn choice_index(&self, i: usize) -> usize {
        match self.fields.get(i).map(|f| &f.kind) {
            Some(FieldKind::Choice { index, .. }) => *index,
            _ => 0,
        }
    }

    /// The value of check box `i`.
    pub fn toggle(&self, i: usize) -> bool {
        matches!(
            self.fields.get(i).map(|f| &f.kind),
            Some(FieldKind::Toggle(true))
        )
    }

    /// Handles a key.
    pub fn key(
        &mut self,
        key: &KeyEvent,
        combo: KeyCombo,
        state_keymap: &crate::tui::keymap::Keymap,
    ) -> Reply {
        let action = state_keymap.lookup(Context::DIALOG, combo);
        if self.waiting.is_some() {
            return if action == Some(Action::Cancel) {
                Reply::Cancel
            } else {
                Reply::None
            };
        }
        let n = self.fields.len();
        if let Some(Field {
            kind: FieldKind::Text(input),
            ..
        }) = self.fields.get_mut(self.focus)
        {
            let editing = super::edits_text(key);
            if editing {
                input.handle(key);
                self.error = None;
                self.faults.clear();
                return Reply::Edited;
            }
        }
        match action {
            Some(Action::Submit) => Reply::Submit,
            Some(Action::Cancel) => Reply::Cancel,
            Some(Action::NextField) if n > 0 => {
                self.focus = (self.focus + 1) % n;
                Reply::None
            }
            Some(Action::PrevField) if n > 0 => {
                self.focus = (self.focus + n - 1) % n;
                Reply::None
            }
            Some(a @ (Action::ChoiceNext | Action::ChoicePrev | Action::Toggle)) => {
                match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
                    Some(FieldKind::Choice { options, index }) if !options.is_empty() => {
                        let len = options.len();
                        *index = if a == Action::ChoicePrev {
                            (*index + len - 1) % len
                        } else {
                            (*index + 1) % len
                        };
                        self.error = None;
                        self.faults.clear();
                        Reply::Edited
                    }
                    Some(FieldKind::Toggle(on)) => {
                        *on = !*on;
                        Reply::Edited
                    }
                    _ => Reply::None,
                }
            }
            _ => Reply::None,
        }
    }
}

/// Draws a form.
pub fn draw<P>(f: &mut Frame, area: Rect, form: &Form<P>, g: &Ground) {
    let t = g.theme;
    let width = 72u16.min(area.width.saturating_sub(4)).max(20);
    let label_w = form
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines: Vec<Line> = form
        .intro
        .iter()
        .map(|(text, tone)| Line::styled(text.clone(), tone.style(t)))
        .collect();
    if !form.intro.is_empty() {
        lines.push(Line::raw(""));
    }
    let field_w = usize::from(width.saturating_sub(4))
        .saturating_sub(label_w + 4)
        .max(4);
    let mut cursor_at: Option<(u16, u16)> = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus && form.waiting.is_none();
        let mark = match (focused, form.faults.contains(&i)) {
            (true, _) => "> ",
            (false, true) => "! ",
            (false, false) => "  ",
        };
        let label = format!("{mark}{:<label_w$}  ", field.label);
        let label_style = if focused {
            t.focus()
        } else {
            ratatui::style::Style::new()
        };
        let value: Vec<Span> = match &field.kind {
            FieldKind::Text(input) => {
                let (text, col) = input.visible(field_w);
                if focused {
                    cursor_at = Some(((label.chars().count() + col) as u16, lines.len() as u16));
                }
                let pad_n =
                    field_w.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
                vec![Span::styled(
                    format!("{text}{}", "_".repeat(pad_n)),
                    if focused { t.focus() } else { t.dim() },
                )]
            }
            FieldKind::Choice { options, index } => {
                let v = options.get(*index).cloned().unwrap_or_default();
                vec![
                    Span::styled("< ", t.dim()),
                    Span::styled(
                        v,
                        if focused {
                            t.focus()
                        } else {
                            ratatui::style::Style::new()
                        },
                    ),
                    Span::styled(" >", t.dim()),
                ]
            }
            FieldKind::Toggle(on) => vec![Span::styled(
                if *on { "[x] yes" } else { "[ ] no" },
                if focused {
                    t.focus()
                } else {
                    ratatui::style::Style::new()
                },
            )],
        };
        let mut spans = vec![Span::styled(label, label_style)];
        spans.extend(value);
        lines.push(Line::from(spans));
        if focused && !field.hint.is_empty() {
            lines.push(Line::styled(
                format!("{}{}", " ".repeat(label_w + 4), field.hint),
                t.dim(),
            ));
        }
    }
    // A form taller than the screen scrolls: the focused field (and its hint) stays in view,
    // the error and the key hints below always show.
    let head_len = lines.len();
    lines.push(Line::raw(""));
    if let Some((_, what)) = form.waiting {
        lines.push(Line::styled(format!("{} {what}…", g.spin()), t.warn()));
    } else if let Some(e) = &form.error {
        // Several problems are one list, a line each (see `Form::problems`).
        let text = if e.contains('\n') {
            e.clone()
        } else {
            format!("Problem: {e}")
        };
        for part in text.lines() {
            for l in crate::tui::widgets::wrap_text(part, usize::from(width.saturating_sub(4))) {
                lines.push(Line::styled(l, t.error()));
            }
        }
    } else {
        lines.push(Line::raw(""));
    }
    let km = g.keymap;
    lines.push(hints(
        &[
            (&km.keys_for(Context::DIALOG, Action::Submit), "go on"),
            (
                &km.keys_for(Context::DIALOG, Action::NextField),
                "next field",
            ),
            (
                &km.keys_for(Context::DIALOG, Action::ChoiceNext),
                "change choice",
            ),
            (&km.keys_for(Context::DIALOG, Action::Cancel), "cancel"),
        ],
        t,
    ));
    let foot_len = lines.len() - head_len;
    let head_room = usize::from(area.height.saturating_sub(3)).saturating_sub(foot_len);
    if head_len > head_room && head_room > 0 {
        // Fields before the focused one take a line each (only the focused one shows its hint).
        let focused = form.intro.len() + usize::from(!form.intro.is_empty()) + form.focus;
        let want_end = (focused + 2).min(head_len);
        let skip = want_end.saturating_sub(head_room);
        let foot = lines.split_off(head_len);
        lines = lines.into_iter().skip(skip).take(head_room).collect();
        lines.extend(foot);
        if let Some((x, y)) = cursor_at {
            cursor_at = usize::from(y).checked_sub(skip).map(|y| (x, y as u16));
        }
    }
    let height = (lines.len() as u16).saturating_add(2).saturating_add(2);
    let inner = text_box(f, area, (width, height), &form.title, lines, t);
    if let Some((x, y)) = cursor_at {
        if x < inner.width && y < inner.height {
            f.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form<()> {
        Form::new(
            "New",
            (),
            vec![
                Field::text("Name", "", ""),
                Field::text("Owner", "", ""),
                Field::text("Period", "x", ""),
            ],
        )
    }

    #[test]
    fn every_problem_is_listed_at_once_each_naming_its_field() {
        let mut f = form();
        f.focus = 2;
        assert!(f.problems(vec![
            (1, "say who changes it".into()),
            (2, "a number of days".into()),
        ]));
        assert_eq!(
            f.error.as_deref(),
            Some("2 problems:\nOwner: say who changes it\nPeriod: a number of days")
        );
        assert_eq!(f.faults, vec![1, 2]);
        assert_eq!(f.focus, 1, "the first field at fault is focused");
        // One problem is one line; none clears.
        assert!(f.problems(vec![(0, "give a name".into())]));
        assert_eq!(f.error.as_deref(), Some("Name: give a name"));
        assert!(!f.problems(Vec::new()));
        assert_eq!(f.error, None);
        assert!(f.faults.is_empty());
    }
}
