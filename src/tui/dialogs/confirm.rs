//! The change dialog: exactly what will change, then a deliberate key. One style for every tab:
//! `y` confirms, Enter on a confirmation does nothing but say which key does (so a reflex
//! Enter Enter never confirms unread), Esc or `n` cancel. A change to more targets than
//! `[tui] type_to_confirm` is confirmed by typing how many, then Enter. A record that cannot be
//! undone (an append-only one) says so. Long previews scroll by a line or by a page
//! (PgUp/PgDn, Home/End).
//!
//! A change that needs a reason asks it first, in the same dialog ([`Confirm::asking`]): one
//! line of text, answered with Enter; the opener checks the answer and shows the plan in the
//! same dialog ([`Confirm::planned`]), or why nothing can be done with no `y` offered
//! ([`Confirm::refused`]), or what is wrong with the answer ([`Confirm::ask_again`]). From the
//! plan, Esc goes back to the question with the answer kept; from the question, Esc cancels.

use super::{hints, text_box, Reply, Tone};
use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context, KeyCombo, Keymap};
use crate::tui::widgets::wrap_text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// What a confirmation says under its preview when the record it makes is permanent.
pub const PERMANENT: &str =
    "This record is permanent: once made it cannot be undone, edited or deleted (append-only).";

/// A confirmation.
#[derive(Debug, Clone)]
pub struct Confirm<P> {
    /// Title.
    pub title: String,
    /// What will change.
    pub lines: Vec<(String, Tone)>,
    /// First line shown.
    pub scroll: usize,
    /// What "yes" does, in words ("Disable 3 accounts").
    pub yes: String,
    /// What it is for.
    pub purpose: P,
    /// How many targets the change has (a bulk change over the threshold is confirmed by
    /// typing this number).
    pub targets: usize,
    /// What has been typed of the count.
    pub typed: String,
    /// The record made cannot be undone (append-only): the dialog says so.
    pub permanent: bool,
    /// A key that does not confirm was pressed: this says which key does.
    pub reminder: Option<String>,
    /// The change needs an explicit override (e.g. adding to a protected group): `y` and Enter
    /// do nothing but say so, and only [`OVERRIDE_KEY`] confirms. What the override does, in
    /// words.
    pub override_what: Option<String>,
    /// The change was confirmed with the override key.
    pub overridden: bool,
    /// The question asked before the plan (the reason), when the change needs one.
    pub ask: Option<Box<Ask>>,
    /// The purpose of the question, given back when Esc returns from the plan to it.
    pub asked: Option<Box<P>>,
    /// The plan shows only why nothing can be done: no `y` is offered; Esc or Enter go back
    /// to the question (or close when there is none).
    pub refusal: bool,
}

/// The one question a change dialog asks before its plan: one line of text (the reason).
#[derive(Debug, Clone)]
pub struct Ask {
    /// What is asked ("Reason").
    pub label: String,
    /// Help under the answer.
    pub hint: String,
    /// The answer so far.
    pub input: Input,
    /// Lines above the question (what the change is about).
    pub intro: Vec<(String, Tone)>,
    /// What is wrong with the answer given.
    pub error: Option<String>,
    /// The dialog's title while asking.
    pub title: String,
    /// The question is shown (false: the plan is).
    pub open: bool,
}

/// The key that confirms a change needing an explicit override (shown only then).
pub const OVERRIDE_KEY: char = 'o';

/// "To change 3, refused 2 (protected: 2), unchanged 1": the first line of a bulk preview.
/// `refused` is (why, how many), grouped by why.
pub fn summary_line(change: usize, refused: &[(String, usize)], unchanged: usize) -> String {
    let n: usize = refused.iter().map(|r| r.1).sum();
    let why = if refused.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            refused
                .iter()
                .map(|(w, k)| format!("{w}: {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("To change {change}, refused {n}{why}, unchanged {unchanged}.")
}

impl<P> Confirm<P> {
    /// A confirmation.
    pub fn new(title: &str, lines: Vec<(String, Tone)>, yes: &str, purpose: P) -> Self {
        Confirm {
            title: title.into(),
            lines,
            scroll: 0,
            yes: yes.into(),
            purpose,
            targets: 1,
            typed: String::new(),
            permanent: false,
            reminder: None,
            override_what: None,
            overridden: false,
            ask: None,
            asked: None,
            refusal: false,
        }
    }

    /// A change dialog that first asks `label` (the reason; `hint` under it), then shows the
    /// plan the opener makes from the answer.
    pub fn asking(title: &str, purpose: P, label: &str, hint: &str) -> Self {
        let mut c = Confirm::new(title, Vec::new(), "", purpose);
        c.ask = Some(Box::new(Ask {
            label: label.into(),
            hint: hint.into(),
            input: Input::default(),
            intro: Vec::new(),
            error: None,
            title: title.into(),
            open: true,
        }));
        c
    }

    /// Lines above the question (what the change is about).
    pub fn with_intro(mut self, intro: Vec<(String, Tone)>) -> Self {
        if let Some(a) = &mut self.ask {
            a.intro = intro;
        }
        self
    }

    /// True while the question is shown (its answer was submitted when this is true).
    pub fn is_asking(&self) -> bool {
        self.ask.as_ref().is_some_and(|a| a.open)
    }

    /// The answer to the question, trimmed ("" when there is no question).
    pub fn answer(&self) -> &str {
        self.ask.as_ref().map_or("", |a| a.input.value().trim())
    }

    /// The answer will not do: the question stays, saying why.
    pub fn ask_again(&mut self, why: &str) {
        if let Some(a) = &mut self.ask {
            a.error = Some(why.into());
            a.open = true;
        }
    }

    /// Shows the plan (`lines`) under `title`, confirmed by `y` as `yes`, for `purpose`
    /// (what confirming does); Esc goes back to the question and its purpose.
    pub fn planned(
        mut self,
        title: &str,
        lines: Vec<(String, Tone)>,
        yes: &str,
        purpose: P,
    ) -> Self {
        self.show(title, lines);
        self.yes = yes.into();
        self.asked = Some(Box::new(std::mem::replace(&mut self.purpose, purpose)));
        self
    }

    /// Shows why nothing can be done (`lines`) under `title`: no `y` is offered.
    pub fn refused(mut self, title: &str, lines: Vec<(String, Tone)>) -> Self {
        self.show(title, lines);
        self.refusal = true;
        self
    }

    fn show(&mut self, title: &str, lines: Vec<(String, Tone)>) {
        self.title = title.into();
        self.lines = lines;
        self.scroll = 0;
        self.typed.clear();
        self.reminder = None;
        self.override_what = None;
        self.overridden = false;
        self.refusal = false;
        self.targets = 1;
        if let Some(a) = &mut self.ask {
            a.open = false;
            a.error = None;
        }
    }

    /// Back from the plan to the question (the answer kept); false when there is none.
    fn back_to_question(&mut self) -> bool {
        let Some(a) = &mut self.ask else {
            return false;
        };
        a.open = true;
        self.title = a.title.clone();
        self.lines.clear();
        self.refusal = false;
        if let Some(p) = self.asked.take() {
            self.purpose = *p;
        }
        true
    }

    /// A key while the question is shown: text edits the answer, Enter submits it.
    fn ask_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Reply {
        let Some(a) = &mut self.ask else {
            return Reply::None;
        };
        let editing = super::edits_text(key);
        if editing {
            a.input.handle(key);
            a.error = None;
            return Reply::Edited;
        }
        match action {
            Some(Action::Submit) => Reply::Submit,
            Some(Action::Cancel) => Reply::Cancel,
            _ => Reply::None,
        }
    }

    /// The change needs an explicit override: only [`OVERRIDE_KEY`] confirms it; `what` says
    /// what the override does ("override: add to a protected group").
    pub fn needs_override(mut self, what: &str) -> Self {
        self.override_what = Some(what.into());
        self
    }

    /// The change has `n` targets (over `[tui] type_to_confirm`, the count is typed).
    pub fn targets(mut self, n: usize) -> Self {
        self.targets = n;
        self
    }

    /// The record made cannot be undone: the dialog says so.
    pub fn permanent(mut self) -> Self {
        self.permanent = true;
        self
    }

    /// True when this confirmation is made by typing the count (`threshold`:
    /// `[tui] type_to_confirm`).
    pub fn needs_count(&self, threshold: usize) -> bool {
        self.targets > threshold
    }

    /// Handles a key: `threshold` is `[tui] type_to_confirm`, `page` the lines a page key
    /// scrolls.
    pub fn key(
        &mut self,
        key: &KeyEvent,
        combo: KeyCombo,
        km: &Keymap,
        threshold: usize,
        page: usize,
    ) -> Reply {
        let action = km.lookup(Context::DIALOG, combo);
        if self.is_asking() {
            return self.ask_key(key, action);
        }
        let last = self.lines.len().saturating_sub(1);
        let page = page.max(1);
        if matches!(action, Some(Action::No | Action::Cancel))
            || (self.refusal && action == Some(Action::Submit))
        {
            // Esc from the plan goes back to the question (the answer kept); else it closes.
            return if self.back_to_question() {
                Reply::None
            } else {
                Reply::Cancel
            };
        }
        if self.refusal && action == Some(Action::Yes) {
            self.reminder = Some(format!(
                "nothing to confirm: {} goes back",
                km.keys_for(Context::DIALOG, Action::Cancel)
            ));
            return Reply::None;
        }
        if let Some(what) = &self.override_what {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            let counted = self.needs_count(threshold);
            if key.code == KeyCode::Char(OVERRIDE_KEY) && plain {
                if counted && self.typed != self.targets.to_string() {
                    self.reminder = Some(format!(
                        "type {} (how many this changes), then {OVERRIDE_KEY}; esc cancels",
                        self.targets
                    ));
                    return Reply::None;
                }
                self.overridden = true;
                return Reply::Submit;
            }
            if counted {
                if let KeyCode::Char(c) = key.code {
                    if plain && c.is_ascii_digit() {
                        if self.typed.len() < 9 {
                            self.typed.push(c);
                        }
                        return Reply::None;
                    }
                }
                if key.code == KeyCode::Backspace {
                    self.typed.pop();
                    return Reply::None;
                }
            }
            if matches!(action, Some(Action::Yes | Action::Submit)) {
                self.reminder = Some(format!(
                    "this needs the override: press {OVERRIDE_KEY} ({what}), or {} to cancel",
                    km.keys_for(Context::DIALOG, Action::Cancel)
                ));
                return Reply::None;
            }
        }
        if self.needs_count(threshold) {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if plain && c.is_ascii_digit() => {
                    if self.typed.len() < 9 {
                        self.typed.push(c);
                    }
                    self.reminder = None;
                    return Reply::None;
                }
                KeyCode::Backspace => {
                    self.typed.pop();
                    return Reply::None;
                }
                _ => {}
            }
            match action {
                Some(Action::Submit) if self.typed == self.targets.to_string() => {
                    return Reply::Submit
                }
                Some(Action::Submit | Action::Yes) => {
                    self.reminder = Some(format!(
                        "type {} (how many this changes), then enter; esc cancels",
                        self.targets
                    ));
                    return Reply::None;
                }
                _ => {}
            }
        }
        match action {
            Some(Action::Yes) if !self.needs_count(threshold) => Reply::Submit,
            Some(Action::Submit) => {
                self.reminder = Some(format!(
                    "press {} to confirm, {} to cancel",
                    km.keys_for(Context::DIALOG, Action::Yes),
                    km.keys_for(Context::DIALOG, Action::Cancel)
                ));
                Reply::None
            }
            Some(Action::No | Action::Cancel) => Reply::Cancel,
            Some(Action::NextField) => {
                self.scroll = (self.scroll + 1).min(last);
                Reply::None
            }
            Some(Action::PrevField) => {
                self.scroll = self.scroll.saturating_sub(1);
                Reply::None
            }
            Some(Action::PageDown) => {
                self.scroll = (self.scroll + page).min(last);
                Reply::None
            }
            Some(Action::PageUp) => {
                self.scroll = self.scroll.saturating_sub(page);
                Reply::None
            }
            Some(Action::Top) => {
                self.scroll = 0;
                Reply::None
            }
            Some(Action::Bottom) => {
                self.scroll = last;
                Reply::None
            }
            _ => Reply::None,
        }
    }
}

/// The lines of preview a confirmation shows at once on a screen `height` rows tall (what a
/// page key scrolls).
pub fn page_lines(height: u16) -> usize {
    usize::from(height.saturating_sub(2).saturating_sub(9)).max(1)
}

/// Draws the question of a change dialog: its intro, the answer with the cursor, the hint,
/// what is wrong with the answer, and the keys.
fn draw_ask(f: &mut Frame, area: Rect, a: &Ask, g: &Ground) {
    let t = g.theme;
    let width = 72u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut lines: Vec<Line> = Vec::new();
    for (text, tone) in &a.intro {
        for l in wrap_text(text, text_w) {
            lines.push(Line::styled(l, tone.style(t)));
        }
    }
    if !a.intro.is_empty() {
        lines.push(Line::raw(""));
    }
    let label = format!("> {}  ", a.label);
    let label_w = label.chars().count();
    let field_w = text_w.saturating_sub(label_w).max(4);
    let (text, col) = a.input.visible(field_w);
    let cursor = ((label_w + col) as u16, lines.len() as u16);
    let pad_n = field_w.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
    lines.push(Line::from(vec![
        Span::styled(label, t.focus()),
        Span::styled(format!("{text}{}", "_".repeat(pad_n)), t.focus()),
    ]));
    if !a.hint.is_empty() {
        lines.push(Line::styled(
            format!("{}{}", " ".repeat(label_w), a.hint),
            t.dim(),
        ));
    }
    lines.push(Line::raw(""));
    match &a.error {
        Some(e) => {
            for l in wrap_text(&format!("Problem: {e}"), text_w) {
                lines.push(Line::styled(l, t.error()));
            }
        }
        None => lines.push(Line::raw("")),
    }
    let km = g.keymap;
    lines.push(hints(
        &[
            (&km.keys_for(Context::DIALOG, Action::Submit), "go on"),
            (&km.keys_for(Context::DIALOG, Action::Cancel), "cancel"),
        ],
        t,
    ));
    let height = (lines.len() as u16).saturating_add(4);
    let inner = text_box(f, area, (width, height), &a.title, lines, t);
    let (x, y) = cursor;
    if x < inner.width && y < inner.height {
        f.set_cursor_position((inner.x + x, inner.y + y));
    }
}

/// Draws a change dialog: its question, or the plan and how to confirm it.
pub fn draw<P>(f: &mut Frame, area: Rect, c: &Confirm<P>, g: &Ground, type_to_confirm: usize) {
    if let Some(a) = c.ask.as_ref().filter(|a| a.open) {
        return draw_ask(f, area, a, g);
    }
    let t = g.theme;
    let width = 96u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut body: Vec<Line> = Vec::new();
    for (text, tone) in &c.lines {
        for l in wrap_text(text, text_w) {
            body.push(Line::styled(l, tone.style(t)));
        }
    }
    let km = g.keymap;
    let counted = c.needs_count(type_to_confirm);
    // Below the preview, always on screen: what cannot be undone, how to confirm, a reminder.
    let mut tail: Vec<Line> = vec![Line::raw("")];
    if c.permanent {
        for l in wrap_text(PERMANENT, text_w) {
            tail.push(Line::styled(l, t.warn()));
        }
    }
    if counted {
        let then = if c.override_what.is_some() {
            OVERRIDE_KEY.to_string()
        } else {
            "enter".into()
        };
        tail.push(Line::styled(
            format!(
                "This changes {} items: type {} then {then} to confirm: {}_",
                c.targets, c.targets, c.typed
            ),
            t.focus(),
        ));
    }
    if let Some(r) = &c.reminder {
        for l in wrap_text(r, text_w) {
            tail.push(Line::styled(l, t.warn()));
        }
    }
    let max_h = area.height.saturating_sub(2);
    let room = usize::from(max_h.saturating_sub(5 + tail.len() as u16)).max(1);
    let total = body.len();
    let scroll = c.scroll.min(total.saturating_sub(room));
    let shown: Vec<Line> = body.into_iter().skip(scroll).take(room).collect();
    let shown_n = shown.len();
    let no_keys = format!(
        "{} {}",
        km.keys_for(Context::DIALOG, Action::No),
        km.keys_for(Context::DIALOG, Action::Cancel)
    );
    let mut lines = shown;
    if total > room {
        lines.push(Line::styled(
            format!(
                "lines {}-{} of {total}; {} {} {} {} to scroll",
                scroll + 1,
                scroll + shown_n,
                km.keys_for(Context::DIALOG, Action::NextField),
                km.keys_for(Context::DIALOG, Action::PageDown),
                km.keys_for(Context::DIALOG, Action::Top),
                km.keys_for(Context::DIALOG, Action::Bottom),
            ),
            t.dim(),
        ));
    }
    lines.extend(tail);
    let over = c
        .override_what
        .as_ref()
        .map(|what| (OVERRIDE_KEY.to_string(), what.clone()));
    let yes_keys = if counted {
        format!(
            "type {} {}",
            c.targets,
            km.keys_for(Context::DIALOG, Action::Submit)
        )
    } else {
        km.keys_for(Context::DIALOG, Action::Yes)
    };
    match &over {
        // Nothing can be done: y is not offered.
        _ if c.refusal => {
            let what = if c.ask.is_some() { "back" } else { "close" };
            let keys = format!(
                "{} {}",
                km.keys_for(Context::DIALOG, Action::Submit),
                km.keys_for(Context::DIALOG, Action::Cancel)
            );
            lines.push(hints(&[(&keys, what)], t));
        }
        // Only the override confirms: y is not offered.
        Some((k, what)) => {
            let k = if counted {
                format!("type {} {k}", c.targets)
            } else {
                k.clone()
            };
            lines.push(hints(&[(&k, what), (&no_keys, "cancel")], t));
        }
        None => lines.push(hints(&[(&yes_keys, &c.yes), (&no_keys, "cancel")], t)),
    }
    let height = (lines.len() as u16).saturating_add(3).min(max_h.max(3));
    text_box(f, area, (width, height), &c.title, lines, t);
}

/// Draws the question about selected rows a search hides: "3 selected, 2 of them hidden by the
/// search", and the two keys (the visible ones, or all).
pub fn draw_scope(f: &mut Frame, area: Rect, q: &super::Scope, g: &Ground) {
    let t = g.theme;
    let km = g.keymap;
    let width = 76u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let visible = q.selected.saturating_sub(q.hidden);
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap_text(
        &format!(
            "{} selected, {} of them hidden by the search or filters. {} acts on which?",
            q.selected,
            q.hidden,
            q.action.name()
        ),
        text_w,
    ) {
        lines.push(Line::styled(l, t.warn()));
    }
    lines.push(Line::raw(""));
    let v = km.keys_for(Context::DIALOG, Action::Visible);
    let a = km.keys_for(Context::DIALOG, Action::AllSelected);
    let c = km.keys_for(Context::DIALOG, Action::Cancel);
    let v_what = if visible == 0 {
        format!(
            "unselect the hidden {} (the row under the cursor instead)",
            q.hidden
        )
    } else {
        format!("the {visible} visible (unselects the hidden {})", q.hidden)
    };
    let a_what = format!("all {} (clears the search to show them)", q.selected);
    lines.push(hints(&[(&v, &v_what)], t));
    lines.push(hints(&[(&a, &a_what)], t));
    lines.push(hints(&[(&c, "cancel")], t));
    let height = (lines.len() as u16).saturating_add(3);
    text_box(f, area, (width, height), "Which selected rows?", lines, t);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: &mut Confirm<&'static str>, code: KeyCode) -> Reply {
        let km = Keymap::new(&[]);
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        c.key(&key, KeyCombo::from_event(&key), &km, 20, 5)
    }

    fn typed(c: &mut Confirm<&'static str>, text: &str) {
        for ch in text.chars() {
            press(c, KeyCode::Char(ch));
        }
    }

    #[test]
    fn a_change_dialog_asks_the_reason_then_shows_the_plan_for_y() {
        let mut c = Confirm::asking("Disable x", "ask", "Reason", "goes in the log");
        assert!(c.is_asking());
        // y and n are text while the reason is asked; Enter submits the answer.
        typed(&mut c, "yn left");
        assert_eq!(c.answer(), "yn left");
        assert_eq!(press(&mut c, KeyCode::Enter), Reply::Submit);
        c.ask_again("say why");
        assert!(c.is_asking());
        let lines = vec![("Disable 1 account:".to_string(), Tone::Strong)];
        let mut c = c.planned("Disable?", lines, "disable x", "apply");
        assert!(!c.is_asking());
        assert_eq!((c.purpose, c.title.as_str()), ("apply", "Disable?"));
        // Enter on the plan does nothing but say which key confirms.
        assert_eq!(press(&mut c, KeyCode::Enter), Reply::None);
        assert!(c.reminder.is_some());
        // Esc goes back to the reason, kept, with the question's purpose.
        assert_eq!(press(&mut c, KeyCode::Esc), Reply::None);
        assert!(c.is_asking());
        assert_eq!((c.purpose, c.answer()), ("ask", "yn left"));
        assert_eq!(c.title, "Disable x");
        let mut c = c.planned("Disable?", Vec::new(), "disable x", "apply");
        assert_eq!(press(&mut c, KeyCode::Char('y')), Reply::Submit);
        // From the question, Esc cancels.
        let mut c = Confirm::asking("Disable x", "ask", "Reason", "");
        assert_eq!(press(&mut c, KeyCode::Esc), Reply::Cancel);
    }

    #[test]
    fn a_refusal_offers_no_y() {
        let mut c = Confirm::asking("Disable x", "ask", "Reason", "");
        typed(&mut c, "test");
        let mut c = c.refused("Disable: refused", vec![("protected".into(), Tone::Warn)]);
        assert_eq!(press(&mut c, KeyCode::Char('y')), Reply::None);
        assert!(c
            .reminder
            .as_deref()
            .is_some_and(|r| r.contains("nothing to confirm")));
        // Enter or Esc go back to the reason.
        assert_eq!(press(&mut c, KeyCode::Enter), Reply::None);
        assert!(c.is_asking() && c.answer() == "test");
        // A confirmation without a question closes on Esc, as before.
        let mut plain = Confirm::new("Unlock?", Vec::new(), "unlock x", "apply");
        assert_eq!(press(&mut plain, KeyCode::Esc), Reply::Cancel);
    }
}
