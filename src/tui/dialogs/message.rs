//! Messages and reports (closed with enter or esc), and the one-time display of a generated
//! password.

use super::{hints, text_box, Tone};
use crate::domain::secret::Secret;
use crate::tui::ground::Ground;
use crate::tui::keymap::{Action, Context};
use crate::tui::widgets::wrap_text;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// A message or report.
#[derive(Debug, Clone)]
pub struct Message {
    /// Title.
    pub title: String,
    /// Text.
    pub lines: Vec<(String, Tone)>,
    /// First line shown.
    pub scroll: usize,
}

impl Message {
    /// A message.
    pub fn new(title: &str, lines: Vec<(String, Tone)>) -> Message {
        Message {
            title: title.into(),
            lines,
            scroll: 0,
        }
    }

    /// An error message.
    pub fn error(title: &str, text: &str) -> Message {
        Message::new(title, vec![(text.to_string(), Tone::Bad)])
    }
}

/// A generated password, shown once; dropped when the dialog closes.
#[derive(Debug, Clone)]
pub struct SecretShow {
    /// Title.
    pub title: String,
    /// Lines before the password (whose account, what happened).
    pub lines: Vec<(String, Tone)>,
    /// The username.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// A key that does not close it was pressed: say which key does.
    pub reminder: bool,
}

/// Draws a message.
pub fn draw(f: &mut Frame, area: Rect, m: &Message, g: &Ground) {
    let t = g.theme;
    let width = 90u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut body: Vec<Line> = Vec::new();
    for (text, tone) in &m.lines {
        for l in wrap_text(text, text_w) {
            body.push(Line::styled(l, tone.style(t)));
        }
    }
    let max_h = area.height.saturating_sub(2);
    let room = usize::from(max_h.saturating_sub(5)).max(1);
    let total = body.len();
    let scroll = m.scroll.min(total.saturating_sub(room));
    let mut lines: Vec<Line> = body.into_iter().skip(scroll).take(room).collect();
    lines.push(Line::raw(""));
    let km = g.keymap;
    let close = format!(
        "{} {}",
        km.keys_for(Context::DIALOG, Action::Submit),
        km.keys_for(Context::DIALOG, Action::Cancel)
    );
    let more = if total > room {
        format!("{} more lines", total - room)
    } else {
        String::new()
    };
    let scroll_keys = km.keys_for(Context::DIALOG, Action::NextField);
    let mut items: Vec<(&str, &str)> = vec![(&close, "close")];
    if total > room {
        items.push((&scroll_keys, &more));
    }
    lines.push(hints(&items, t));
    let height = (lines.len() as u16).saturating_add(3).min(max_h.max(3));
    text_box(f, area, (width, height), &m.title, lines, t);
}

/// Draws the one-time password display.
pub fn draw_secret(f: &mut Frame, area: Rect, m: &SecretShow, g: &Ground) {
    let t = g.theme;
    let width = 72u16.min(area.width.saturating_sub(4)).max(20);
    let text_w = usize::from(width.saturating_sub(4));
    let mut lines: Vec<Line> = Vec::new();
    for (text, tone) in &m.lines {
        for l in wrap_text(text, text_w) {
            lines.push(Line::styled(l, tone.style(t)));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw("  Username:            "),
        Span::styled(m.username.clone(), t.key()),
    ]));
    lines.push(Line::from(vec![
        Span::raw("  Temporary password:  "),
        Span::styled(
            m.password.expose().to_string(),
            t.key().add_modifier(Modifier::BOLD),
        ),
    ]));
    lines.push(Line::raw(""));
    for l in wrap_text(
        "Shown this once only: it is not stored or logged. Write it down or give it to the user now.",
        text_w,
    ) {
        lines.push(Line::styled(l, t.warn()));
    }
    lines.push(Line::raw(""));
    let km = g.keymap;
    let noted = km.keys_for(Context::DIALOG, Action::No);
    if m.reminder {
        for l in wrap_text(
            &format!(
                "Enter, Esc and q do not close this: press {noted} once the password is noted."
            ),
            text_w,
        ) {
            lines.push(Line::styled(l, t.warn().add_modifier(Modifier::BOLD)));
        }
    }
    lines.push(hints(
        &[(&noted, "noted: close (the password is then forgotten)")],
        t,
    ));
    let height = (lines.len() as u16).saturating_add(3);
    text_box(f, area, (width, height), &m.title, lines, t);
}
