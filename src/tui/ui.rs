//! Drawing: a pure function of the state. Header, tabs, the tab's screen, status bar, footer,
//! then any dialogs on top. Below 80×24 only a "terminal too small" message is drawn.

use super::app::{Conn, State, Tab};
use super::dialogs::{self, Dialog};
use super::keymap::{Action, Context};
use super::screens;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The smallest terminal the screens are made for.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the screens are made for.
pub const MIN_HEIGHT: u16 = 24;

/// Spinner frames (ASCII, for any terminal).
const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// The spinner frame for a tick count.
pub fn spinner(tick: usize) -> &'static str {
    SPINNER[tick % SPINNER.len()]
}

/// Areas of the screen.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    /// Header bar.
    pub header: Rect,
    /// Tab bar.
    pub tabs: Rect,
    /// The tab's screen.
    pub body: Rect,
    /// Status bar.
    pub status: Rect,
    /// Key hints.
    pub footer: Rect,
}

/// Splits the screen (at least 80×24).
pub fn areas(area: Rect) -> Areas {
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        tabs,
        body,
        status,
        footer,
    }
}

/// Draws everything.
pub fn draw(f: &mut Frame, s: &State) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area);
        return;
    }
    let a = areas(area);
    header(f, a.header, s);
    tabs(f, a.tabs, s);
    match s.tab {
        Tab::Accounts => screens::accounts_view::draw(f, a.body, s),
        Tab::Passwords => screens::passwords_view::draw(f, a.body, s),
        Tab::Log => screens::log_view::draw(f, a.body, s),
    }
    status(f, a.status, s);
    footer(f, a.footer, s);
    for d in &s.dialogs {
        match d {
            Dialog::Help(scroll) => dialogs::help::draw(f, a.body, *scroll, s),
            Dialog::Form(form) => dialogs::form::draw(f, area, form, s),
            Dialog::Confirm(c) => dialogs::confirm::draw(f, area, c, s),
            Dialog::Picker(p) => dialogs::picker::draw(f, area, p, s),
            Dialog::Password(p) => dialogs::password::draw(f, area, p, s),
            Dialog::Progress(gen) => dialogs::progress::draw(f, area, *gen, s),
            Dialog::Message(m) => dialogs::message::draw(f, area, m, s),
            Dialog::Secret(m) => dialogs::message::draw_secret(f, area, m, s),
        }
    }
}

/// The message shown below 80×24.
pub fn too_small(f: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}). Make the window bigger.",
        area.width, area.height
    );
    let lines = wrap_text(&text, usize::from(area.width.max(1)));
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + (area.height - h) / 2;
    let r = Rect {
        x: area.x,
        y,
        width: area.width,
        height: h,
    };
    let p = Paragraph::new(lines.into_iter().map(Line::raw).collect::<Vec<_>>())
        .alignment(ratatui::layout::Alignment::Center);
    f.render_widget(p, r);
}

fn header(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let conn = match &s.conn {
        Conn::Connected => "+ connected".to_string(),
        Conn::Connecting => "~ connecting".to_string(),
        Conn::Offline(_) => format!(
            "x OFFLINE ({}: retry)",
            s.keymap.keys_for(Context::Global, Action::Retry)
        ),
    };
    let server = s
        .env
        .server
        .split("://")
        .last()
        .unwrap_or(&s.env.server)
        .to_string();
    let as_of = s
        .env
        .as_of
        .map(|d| format!(" | as of {}", d.format("%-d %b %Y")))
        .unwrap_or_default();
    // The server goes first when room is short; school, connection, operator and
    // --as-of stay.
    let width = usize::from(area.width);
    let full = format!(
        " {} | {} {} | {} | operator {}{}",
        s.env.school, s.env.flavour, server, conn, s.env.operator, as_of
    );
    let place = if server.contains(&s.env.flavour) {
        format!(" | {server}")
    } else if full.width() <= width {
        format!(" | {} {}", s.env.flavour, server)
    } else {
        format!(" | {}", s.env.flavour)
    };
    // The place goes altogether rather than cut the --as-of date off the end (measured with
    // a two-digit day, so the header looks the same on the 1st as on the 28th).
    let as_of_room = s
        .env
        .as_of
        .map(|d| format!(" | as of {}", d.format("%d %b %Y")))
        .unwrap_or_default();
    let rest = format!(" | {} | operator {}{}", conn, s.env.operator, as_of_room);
    let place = if format!(" {}{place}{rest}", s.env.school).width() <= width {
        place
    } else {
        String::new()
    };
    let bold = t.header().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(format!(" {}", s.env.school), bold),
        Span::styled(place, t.header()),
        Span::styled(" | ", t.header()),
        Span::styled(
            conn,
            if matches!(s.conn, Conn::Offline(_)) {
                bold
            } else {
                t.header()
            },
        ),
        Span::styled(format!(" | operator {}", s.env.operator), t.header()),
    ];
    if !as_of.is_empty() {
        spans.push(Span::styled(as_of, bold));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.header()), area);
}

/// The tab labels as drawn ("[1 Accounts]" for the active one), with the columns each takes.
pub fn tab_labels(s: &State) -> Vec<(Tab, String, u16, u16)> {
    let mut x = 0u16;
    let mut out = Vec::new();
    for tab in Tab::ALL {
        let key = s.keymap.keys_for(
            Context::Global,
            match tab {
                Tab::Accounts => Action::TabAccounts,
                Tab::Passwords => Action::TabPasswords,
                Tab::Log => Action::TabLog,
            },
        );
        let label = if tab == s.tab {
            format!("[{key} {}]", tab.title())
        } else {
            format!(" {key} {} ", tab.title())
        };
        let w = label.width() as u16;
        out.push((tab, label, x, x.saturating_add(w)));
        x = x.saturating_add(w + 2);
    }
    out
}

fn tabs(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let mut spans = Vec::new();
    for (tab, label, _, _) in tab_labels(s) {
        let style = if tab == s.tab {
            t.tab_active()
        } else {
            t.dim()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("  "));
    }
    // The selection of the tab shown (each tab has its own).
    let sel = match s.tab {
        Tab::Accounts => s.accounts.selected.len(),
        Tab::Passwords => s.passwords.selected.len(),
        Tab::Log => 0,
    };
    if sel > 0 {
        spans.push(Span::styled(format!("{sel} selected"), t.selected()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let mut spans = Vec::new();
    if let Some(busy) = s.busy() {
        spans.push(Span::styled(
            format!("{} {busy}…  ", spinner(s.spinner)),
            t.warn(),
        ));
    }
    match &s.status {
        Some(st) if st.error => spans.push(Span::styled(format!("error: {}", st.text), t.error())),
        Some(st) => spans.push(Span::raw(st.text.clone())),
        None => {}
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn footer(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    let width = usize::from(area.width);
    let items: Vec<(String, &str)> = if s.dialogs.is_empty() {
        if s.searching() {
            let mut v = vec![("type".to_string(), "to search")];
            v.extend(s.keymap.footer(Context::Search));
            v
        } else {
            s.keymap.footer(s.key_context())
        }
    } else {
        [
            (Action::Submit, "submit"),
            (Action::Cancel, "cancel/close"),
            (Action::NextField, "next field"),
            (Action::Toggle, "change"),
        ]
        .into_iter()
        .map(|(a, what)| (s.keymap.keys_for(Context::Dialog, a), what))
        .collect()
    };
    for (k, name) in items {
        let w = k.width() + name.width() + 3;
        if used + w > width {
            break;
        }
        spans.push(Span::styled(format!(" {k}"), t.key()));
        spans.push(Span::raw(format!(" {name} ")));
        used += w;
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Wraps text to `width` columns at spaces (long words are cut), keeping each line's
/// leading indent on its continuation lines. Always at least one line.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let body = para.trim_start_matches(' ');
        let indent = (para.len() - body.len()).min(width.saturating_sub(1));
        let pad = " ".repeat(indent);
        let room = width - indent;
        let mut line = String::new();
        let mut line_w = 0usize;
        let mut out: Vec<String> = Vec::new();
        for word in body.split(' ') {
            let ww = word.width();
            let sep = usize::from(!line.is_empty());
            if line_w + sep + ww <= room {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += sep + ww;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
                line_w = 0;
            }
            if ww <= room {
                line.push_str(word);
                line_w = ww;
            } else {
                for c in word.chars() {
                    let cw = c.width().unwrap_or(0);
                    if line_w + cw > room && !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                        line_w = 0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        out.push(line);
        lines.extend(out.into_iter().map(|l| format!("{pad}{l}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(wrap_text("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_text("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap_text("", 3), [""]);
        assert_eq!(wrap_text("x", 0), ["x"]);
        assert_eq!(wrap_text("  aa bb", 5), ["  aa", "  bb"]);
    }
}
