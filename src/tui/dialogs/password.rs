//! Reset a password: generate one (shown once afterwards) or type one, masked, judged by the
//! school's rules as it is typed. Temporary (must change at next logon) by default.

use super::{hints, text_box, Dialog, Reply, Tone};
use crate::domain::account::Account;
use crate::domain::password::Verdict;
use crate::ops::actions::summary;
use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context, KeyCombo, Keymap};
use crate::tui::widgets::wrap_text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The reset-password dialog.
#[derive(Debug, Clone)]
pub struct PasswordDialog<P> {
    /// Whose password.
    pub account: Account,
    /// Generate (true) or type (false).
    pub generate: bool,
    /// The typed password (masked).
    pub input: Input,
    /// Must change at next logon.
    pub temporary: bool,
    /// 0 the choice, 1 the typed password, 2 temporary.
    pub focus: usize,
    /// The verdict on the typed password, once judged.
    pub verdict: Option<Verdict>,
    /// Generation of the check in flight or answered.
    pub verdict_gen: u64,
    /// A check is running.
    pub checking: bool,
    /// Why it cannot go ahead yet.
    pub error: Option<String>,
    /// What it is for (the tab that opened it decides what submitting means).
    pub purpose: P,
    /// The typed password is shown as typed (ctrl-r), not masked.
    pub reveal: bool,
}

impl<P> PasswordDialog<P> {
    /// The dialog for an account.
    pub fn new(account: Account, purpose: P) -> Self {
        PasswordDialog {
            purpose,
            account,
            generate: true,
            input: Input::masked(),
            temporary: true,
            focus: 0,
            verdict: None,
            verdict_gen: 0,
            checking: false,
            error: None,
            reveal: false,
        }
    }

    fn fields(&self) -> Vec<usize> {
        if self.generate {
            vec![0, 2]
        } else {
            vec![0, 1, 2]
        }
    }

    /// Handles a key. `Edited` means the typed password changed (judge it again).
    pub fn key(&mut self, key: &KeyEvent, combo: KeyCombo, km: &Keymap) -> Reply {
        if !self.generate
            && key.code == KeyCode::Char('r')
            && key.modifiers.contains(KeyModifiers::CONTROL)
        {
            // Show or hide the typed password, to check it before it is set.
            self.reveal = !self.reveal;
            return Reply::None;
        }
        if self.focus == 1 && !self.generate {
            // The same line-editing keys as every text field (Ctrl-A/E included).
            let edit = super::edits_text(key);
            if edit {
                let before = self.input.value().to_string();
                self.input.handle(key);
                self.error = None;
                return if self.input.value() != before {
                    Reply::Edited
                } else {
                    Reply::None
                };
            }
        }
        let fields = self.fields();
        let pos = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        match km.lookup(Context::DIALOG, combo) {
            Some(Action::Cancel) => Reply::Cancel,
            Some(Action::Submit) => {
                if self.generate {
                    Reply::Submit
                } else if self.checking {
                    self.error = Some("still checking the password; a moment".into());
                    Reply::None
                } else if self.verdict.as_ref().is_some_and(Verdict::is_ok) {
                    Reply::Submit
                } else {
                    self.error = Some(match &self.verdict {
                        Some(v) => crate::ops::passwords::refusal(v),
                        None => "type a password first (or choose to generate one)".into(),
                    });
                    Reply::None
                }
            }
            Some(Action::NextField) => {
                self.focus = fields[(pos + 1) % fields.len()];
                Reply::None
            }
            Some(Action::PrevField) => {
                self.focus = fields[(pos + fields.len() - 1) % fields.len()];
                Reply::None
            }
            Some(Action::ChoiceNext | Action::ChoicePrev | Action::Toggle) => {
                match self.focus {
                    0 => {
                        self.generate = !self.generate;
                        self.error = None;
                        if !self.generate {
                            self.focus = 1;
                            if !self.input.value().is_empty() {
                                return Reply::Edited;
                            }
                        }
                    }
                    2 => self.temporary = !self.temporary,
                    _ => {}
                }
                Reply::None
            }
            _ => Reply::None,
        }
    }
}

/// Takes a verdict for the top password dialog; false if nobody waits for it.
pub fn on_verdict<P>(dialogs: &mut [Dialog<P>], gen: u64, verdict: Verdict) -> bool {
    for d in dialogs.iter_mut().rev() {
        if let Dialog::Password(p) = d {
            if p.verdict_gen == gen {
                p.verdict = Some(verdict);
                p.checking = false;
                return true;
            }
        }
    }
    false
}

/// Draws the dialog.
pub fn draw<P>(f: &mut Frame, area: Rect, p: &PasswordDialog<P>, g: &Ground) {
    let t = g.theme;
    let width = 80u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap_text(&format!("Account: {}", summary(&p.account)), text_w) {
        lines.push(Line::raw(l));
    }
    lines.push(Line::raw(""));
    let label = |i: usize, text: &str| {
        let focused = p.focus == i;
        Span::styled(
            format!("{}{text:<16}", if focused { "> " } else { "  " }),
            if focused {
                t.focus()
            } else {
                ratatui::style::Style::new()
            },
        )
    };
    lines.push(Line::from(vec![
        label(0, "New password"),
        Span::styled("< ", t.dim()),
        Span::raw(if p.generate {
            "generate a memorable one"
        } else {
            "type one"
        }),
        Span::styled(" >", t.dim()),
    ]));
    let mut cursor_at = None;
    if !p.generate {
        let w = text_w.saturating_sub(20).max(4);
        let mut typed = p.input.clone();
        typed.masked = !p.reveal;
        let (shown, col) = typed.visible(w);
        if p.focus == 1 {
            cursor_at = Some(((18 + col) as u16, lines.len() as u16));
        }
        let pad_n = w.saturating_sub(shown.chars().count());
        lines.push(Line::from(vec![
            label(1, "Password"),
            Span::styled(format!("{shown}{}", "_".repeat(pad_n)), t.focus()),
        ]));
    }
    if !p.generate {
        let note = format!(
            "ctrl-r {} it. Only A-Z a-z 0-9, punctuation and space: others cannot be typed at a Windows or Chromebook logon.",
            if p.reveal { "hides" } else { "shows" }
        );
        for l in wrap_text(&note, text_w.saturating_sub(2)) {
            lines.push(Line::styled(format!("  {l}"), t.dim()));
        }
    }
    lines.push(Line::from(vec![
        label(2, "Temporary"),
        Span::raw(if p.temporary {
            "[x] yes: must change it at next logon"
        } else {
            "[ ] no: the user keeps this password"
        }),
    ]));
    lines.push(Line::raw(""));
    let verdict_at = lines.len();
    let mut verdict: Vec<Line> = Vec::new();
    if !p.generate {
        if p.input.value().is_empty() {
            verdict.push(Line::styled(
                "Type the new password; it is judged as you type.",
                t.dim(),
            ));
        } else if p.verdict.is_none() {
            verdict.push(Line::styled(
                format!("{} checking against the school's rules…", g.spin()),
                t.warn(),
            ));
        } else if let Some(v) = &p.verdict {
            if v.is_ok() {
                verdict.push(Line::styled(
                    format!("ok: meets the school's rules (strength {}/4)", v.score),
                    t.ok(),
                ));
            } else {
                for fl in &v.failures {
                    for l in wrap_text(&format!("x the password {fl}"), text_w) {
                        verdict.push(Line::styled(l, Tone::Bad.style(t)));
                    }
                }
                if let Some(w) = &v.warning {
                    for l in wrap_text(&format!("! {w}"), text_w) {
                        verdict.push(Line::styled(l, t.warn()));
                    }
                }
                for sug in v.suggestions.iter().take(2) {
                    for l in wrap_text(&format!("- {sug}"), text_w) {
                        verdict.push(Line::styled(l, t.dim()));
                    }
                }
            }
        }
        verdict.push(Line::raw(""));
    }
    let what = format!(
        "What will change: the password of {} is replaced{}{}.",
        p.account.username,
        if p.generate {
            " by a generated one, shown to you once"
        } else {
            " by the one typed"
        },
        if p.temporary {
            "; they must choose their own at next logon"
        } else {
            ""
        }
    );
    for l in wrap_text(&what, text_w) {
        lines.push(Line::raw(l));
    }
    if let Some(e) = &p.error {
        for l in wrap_text(&format!("Problem: {e}"), text_w) {
            lines.push(Line::styled(l, t.error()));
        }
    }
    lines.push(Line::raw(""));
    let km = g.keymap;
    lines.push(hints(
        &[
            (&km.keys_for(Context::DIALOG, Action::Submit), "reset"),
            (
                &km.keys_for(Context::DIALOG, Action::NextField),
                "next field",
            ),
            (&km.keys_for(Context::DIALOG, Action::Toggle), "change"),
            (&km.keys_for(Context::DIALOG, Action::Cancel), "cancel"),
        ],
        t,
    ));
    // Keep the dialog on screen: cut the verdict to the room left (the first lines matter most).
    let room = usize::from(area.height.saturating_sub(3)).saturating_sub(lines.len());
    if verdict.len() > room {
        verdict.truncate(room.saturating_sub(1));
        verdict.push(Line::styled("(more; make the window taller)", t.dim()));
        verdict.truncate(room);
    }
    let tail = lines.split_off(verdict_at);
    lines.extend(verdict);
    lines.extend(tail);
    let title = format!("Reset password: {}", p.account.username);
    let height = (lines.len() as u16).saturating_add(3);
    let inner = text_box(f, area, (width, height), &title, lines, t);
    if let Some((x, y)) = cursor_at {
        if x < inner.width && y < inner.height {
            f.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}
