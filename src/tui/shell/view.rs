//! Drawing: a pure function of the state. Header, tab bar, the tab's screen (drawn by the
//! tab), status bar, footer, then any dialogs on top. Below 80×24 only a "terminal too small"
//! message is drawn.

use super::{Conn, Shell};
use crate::tui::app::State;
use crate::tui::dialogs::{self, Dialog};
use crate::tui::keymap::{Action, Context};
use crate::tui::tabs::Tab;
pub use crate::tui::widgets::wrap_text;
use crate::tui::widgets::{safe_line, sanitise_buffer};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// The smallest terminal the screens are made for.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the screens are made for.
pub const MIN_HEIGHT: u16 = 24;

pub use crate::tui::ground::spinner;

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

/// Draws everything; last, whatever a tab drew without [`crate::tui::widgets::safe`] loses
/// any character that would act on the terminal ([`sanitise_buffer`]).
pub fn draw(f: &mut Frame, s: &State) {
    draw_all(f, s);
    sanitise_buffer(f.buffer_mut());
}

fn draw_all(f: &mut Frame, s: &State) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area, !s.dialogs.is_empty());
        return;
    }
    let a = areas(area);
    let sh = &s.shell;
    header(f, a.header, sh);
    tabs(f, a.tabs, s);
    s.tabs.page(sh.tab).draw(f, a.body, sh);
    status(f, a.status, s);
    footer(f, a.footer, s);
    let g = &sh.ground();
    for d in &sh.dialogs {
        match d {
            Dialog::Help(scroll) => {
                let search = (sh.help_search.0.as_str(), sh.help_search.1);
                dialogs::help::draw(f, a.body, *scroll, g, search)
            }
            Dialog::Form(form) => dialogs::form::draw(f, area, form, g),
            Dialog::Confirm(c) => dialogs::confirm::draw(f, area, c, g, sh.type_to_confirm),
            Dialog::Picker(p) => dialogs::picker::draw(f, area, p, g),
            Dialog::Password(p) => dialogs::password::draw(f, area, p, g),
            Dialog::Progress(gen) => {
                if let Some(job) = sh.jobs.iter().find(|j| j.gen == *gen) {
                    dialogs::progress::draw(f, area, job, g)
                }
            }
            Dialog::Message(m) => dialogs::message::draw(f, area, m, g),
            Dialog::Secret(m) => dialogs::message::draw_secret(f, area, m, g),
            Dialog::Scope(q) => dialogs::confirm::draw_scope(f, area, q, g),
        }
    }
}

/// True when the terminal is below 80×24: only the "too small" message is drawn, and only a
/// resize, `q` and Ctrl-C act.
pub fn too_small_now(size: (u16, u16)) -> bool {
    size.0 < MIN_WIDTH || size.1 < MIN_HEIGHT
}

/// The message shown below 80×24.
pub fn too_small(f: &mut Frame, area: Rect, waiting: bool) {
    let text = format!(
        "Terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}). Make the window bigger.{} Keys do nothing until then (q quits).",
        area.width,
        area.height,
        if waiting {
            " A dialog is open and waits for you."
        } else {
            ""
        }
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

fn header(f: &mut Frame, area: Rect, s: &Shell) {
    let t = &s.theme;
    let conn = match &s.conn {
        Conn::Connected => "+ connected".to_string(),
        Conn::Connecting => "~ connecting".to_string(),
        Conn::Offline(_) => format!(
            "x OFFLINE ({}: retry)",
            s.keymap.keys_for(Context::GLOBAL, Action::Retry)
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
    f.render_widget(
        Paragraph::new(safe_line(Line::from(spans))).style(t.header()),
        area,
    );
}

/// The tab labels as drawn ("[1 Accounts]" for the active one), with the columns each takes.
/// When they do not all fit the terminal's width (with room for the selection count), the other
/// tabs' names are shortened ("5 Inv"); the active tab keeps its whole name.
pub fn tab_labels(s: &State) -> Vec<(Tab, String, u16, u16)> {
    let names: Vec<(Tab, String, String)> = Tab::ALL
        .iter()
        .map(|&tab| {
            let page = s.tabs.page(tab);
            let key = s.keymap.keys_for(Context::GLOBAL, page.goto());
            (tab, key, page.title().to_string())
        })
        .collect();
    let sel = s.tabs.page(s.tab).selected();
    let room = usize::from(s.size.0).saturating_sub(if sel > 0 { 14 } else { 0 });
    let label = |tab: Tab, key: &str, title: &str, keep: usize| {
        if tab == s.tab {
            format!("[{key} {title}]")
        } else {
            let short: String = title.chars().take(keep).collect();
            format!(" {key} {short} ")
        }
    };
    let widest = names.iter().map(|n| n.2.chars().count()).max().unwrap_or(0);
    let fits = |keep: usize| {
        names
            .iter()
            .map(|(tab, key, title)| label(*tab, key, title, keep).width() + 2)
            .sum::<usize>()
            <= room
    };
    let keep = (3..=widest).rev().find(|&k| fits(k)).unwrap_or(3);
    let mut x = 0u16;
    let mut out = Vec::new();
    for (tab, key, title) in &names {
        let label = label(*tab, key, title, keep);
        let w = label.width() as u16;
        out.push((*tab, label, x, x.saturating_add(w)));
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
    let sel = s.tabs.page(s.tab).selected();
    if sel > 0 {
        spans.push(Span::styled(format!("{sel} selected"), t.selected()));
    }
    f.render_widget(Paragraph::new(safe_line(Line::from(spans))), area);
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
    f.render_widget(Paragraph::new(safe_line(Line::from(spans))), area);
}

fn footer(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    let width = usize::from(area.width);
    let items: Vec<(String, &str)> = if s.dialogs.is_empty() {
        let place = s.key_context();
        if s.searching() && s.keymap.keys_for(place, Action::Search).is_empty() {
            // A typing mode of the tab's own (the Inventory tab's scan mode): its keys.
            s.keymap
                .bindings()
                .iter()
                .filter(|b| b.context == place && b.footer)
                .map(|b| (b.key.to_string(), b.action.name()))
                .collect()
        } else if s.searching() {
            let mut v = vec![("type".to_string(), "to search")];
            v.extend(s.keymap.footer(Context::SEARCH));
            v
        } else {
            s.keymap.footer(s.key_context())
        }
    } else {
        // The keys of the dialog on top: a confirmation and the shown-once password say their
        // own deliberate key, never "enter submit".
        let keys: &[(Action, &str)] = match s.dialogs.last() {
            // A change dialog asking its question (the reason): Enter goes on to the plan.
            Some(Dialog::Confirm(c)) if c.is_asking() => {
                &[(Action::Submit, "go on"), (Action::Cancel, "cancel")]
            }
            // Nothing can be done: y is not offered.
            Some(Dialog::Confirm(c)) if c.refusal => &[(Action::Cancel, "back")],
            // Only the override confirms it: y is not offered.
            Some(Dialog::Confirm(c)) if c.override_what.is_some() => {
                &[(Action::Cancel, "cancel"), (Action::PageDown, "page")]
            }
            Some(Dialog::Confirm(_)) => &[
                (Action::Yes, "yes"),
                (Action::Cancel, "cancel"),
                (Action::PageDown, "page"),
            ],
            Some(Dialog::Secret(_)) => &[(Action::No, "noted (closes)")],
            Some(Dialog::Scope(_)) => &[
                (Action::Visible, "visible"),
                (Action::AllSelected, "all"),
                (Action::Cancel, "cancel"),
            ],
            _ => &[
                (Action::Submit, "submit"),
                (Action::Cancel, "cancel/close"),
                (Action::NextField, "next field"),
                (Action::Toggle, "change"),
            ],
        };
        let mut v: Vec<(String, &str)> = keys
            .iter()
            .map(|(a, what)| (s.keymap.keys_for(Context::DIALOG, *a), *what))
            .collect();
        if matches!(s.dialogs.last(), Some(Dialog::Confirm(c)) if c.override_what.is_some()) {
            v.insert(
                0,
                (
                    dialogs::confirm::OVERRIDE_KEY.to_string(),
                    "override (protected)",
                ),
            );
        }
        v
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
    f.render_widget(Paragraph::new(safe_line(Line::from(spans))), area);
}
