//! Dialogs: forms, confirmations (the change dialog: it may ask a reason first, then shows the
//! plan for `y`), pickers, the password dialog, progress, messages, the one-time password
//! display and help. Each file holds one kind, with its keys and drawing.
//! A dialog reports what happened ([`Reply`]); the tab that opened it (named by its purpose,
//! the `P` every kind carries without looking at it: the tabs' `Purpose`) decides what that
//! means. Dialogs draw with the [`Ground`](crate::tui::ground::Ground), never the shell.

pub mod confirm;
pub mod form;
pub mod help;
pub mod message;
pub mod password;
pub mod picker;
pub mod progress;

use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear};
use ratatui::Frame;

pub use confirm::Confirm;
pub use form::{Field, FieldKind, Form};
pub use message::{Message, SecretShow};
pub use password::PasswordDialog;
pub use picker::Picker;

/// What a key did to a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Nothing for anyone else to do.
    None,
    /// The text of a field changed (live checks may run).
    Edited,
    /// Submit / yes.
    Submit,
    /// Cancel / no / close.
    Cancel,
}

/// How a line of dialog text looks (never colour alone: the words carry the meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Plain.
    Normal,
    /// Less important.
    Dim,
    /// Good news.
    Good,
    /// Take care.
    Warn,
    /// Failure.
    Bad,
    /// Bold.
    Strong,
}

impl Tone {
    /// The style of the tone.
    pub fn style(self, t: &Theme) -> Style {
        match self {
            Tone::Normal => Style::new(),
            Tone::Dim => t.dim(),
            Tone::Good => t.ok(),
            Tone::Warn => t.warn(),
            Tone::Bad => t.error(),
            Tone::Strong => Style::new().add_modifier(ratatui::style::Modifier::BOLD),
        }
    }
}

/// An open dialog; `P` says what it is for.
#[derive(Debug)]
pub enum Dialog<P> {
    /// The key help, scrolled by this many lines.
    Help(usize),
    /// A form.
    Form(Form<P>),
    /// A confirmation showing what will change.
    Confirm(Confirm<P>),
    /// Pick one of a list.
    Picker(Picker<P>),
    /// Reset a password.
    Password(Box<PasswordDialog<P>>),
    /// Progress of the job with this generation.
    Progress(u64),
    /// A message or report.
    Message(Message),
    /// A generated password, shown once.
    Secret(SecretShow),
    /// A search hides some of the selected rows: act on the visible ones or on all?
    Scope(Scope),
}

/// The question asked when an action would act on selected rows a search hides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The action asked for.
    pub action: crate::tui::keymap::Action,
    /// Rows selected.
    pub selected: usize,
    /// Of them, hidden by the search or filters.
    pub hidden: usize,
}

impl<P> Dialog<P> {
    /// What the dialog waits for in the background, if anything.
    pub fn waiting_label(&self) -> Option<&'static str> {
        match self {
            Dialog::Form(f) => f.waiting.map(|(_, l)| l),
            Dialog::Picker(p) => p.waiting.map(|_| "reading the choices"),
            Dialog::Password(p) => p.checking.then_some("checking the password"),
            _ => None,
        }
    }
}

/// True when `key` edits a line of text (a printable character, Backspace, Delete, the arrows
/// along the line, Home, End, Ctrl-U/W/A/E) rather than acting on the dialog.
pub fn edits_text(key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    let plain_char = matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    plain_char
        || matches!(
            key.code,
            KeyCode::Backspace
                | KeyCode::Delete
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Home
                | KeyCode::End
        )
        || (key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char('u' | 'w' | 'a' | 'e')))
}

/// A `w`×`h` rectangle centred in `area`, shrunk to fit.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears a centred box, draws its border and title, returns the inside.
pub fn frame_box(f: &mut Frame, area: Rect, w: u16, h: u16, title: &str, t: &Theme) -> Rect {
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(
            format!(" {} ", crate::tui::widgets::safe(title)),
            t.border().add_modifier(ratatui::style::Modifier::BOLD),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// Draws `lines` in a centred box of `size` (width, height) titled `title`, below a blank line
/// and with a margin each side (control characters shown visibly); returns where the text
/// went (for a cursor).
pub fn text_box(
    f: &mut Frame,
    area: Rect,
    size: (u16, u16),
    title: &str,
    lines: Vec<Line<'_>>,
    t: &Theme,
) -> Rect {
    let inner = frame_box(f, area, size.0, size.1, title, t);
    let inner = pad(Rect {
        y: inner.y.saturating_add(1).min(inner.y + inner.height),
        height: inner.height.saturating_sub(1),
        ..inner
    });
    f.render_widget(
        ratatui::widgets::Paragraph::new(crate::tui::widgets::safe_lines(lines)),
        inner,
    );
    inner
}

/// The inside of `r` less a margin of one column each side.
pub fn pad(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1).min(r.x + r.width),
        y: r.y,
        width: r.width.saturating_sub(2),
        height: r.height,
    }
}

/// The key hints line at the bottom of a dialog ("enter: confirm  esc: cancel").
pub fn hints(items: &[(&str, &str)], t: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, what) in items {
        spans.push(ratatui::text::Span::styled(k.to_string(), t.key()));
        spans.push(ratatui::text::Span::raw(format!(" {what}   ")));
    }
    Line::from(spans)
}
