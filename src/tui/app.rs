//! The state machine: [`State`] (the shell and the tabs), the messages that change it
//! ([`Msg`]) and [`update`], which changes the state and returns the background work to start
//! ([`Cmd`]). Nothing here does I/O or waits, and nothing here names a tab: keys, clicks,
//! answers and dialogs are routed to the tab they belong to through the tab contract
//! ([`crate::tui::tabs`]); `draw` reads the state and nothing else.

use super::dialogs::password;
use super::keymap::{Action, Context, KeyCombo};
use super::shell::dialog_keys::dialog_key;
use super::shell::Shell;
pub use super::shell::{Conn, Env, Job, Status};
pub use super::tabs::Tab;
use super::tabs::{TabMsg, Tabs};
use super::theme::Theme;
pub use super::work::Cmd;
use crate::domain::password::Verdict;
use crate::error::Result;
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use std::ops::{Deref, DerefMut};

/// Everything `update` can be told.
// Messages are moved once, through the channel, into `update`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse did something (only when mouse reporting is on).
    Mouse(MouseEvent),
    /// The terminal is now this size.
    Resize(u16, u16),
    /// Time passes (animates the spinner while something runs).
    Tick,
    /// SIGHUP or SIGTERM arrived (the SSH session dropped, or someone asked us to stop).
    Signal(i32),
    /// The terminal input ended.
    InputClosed,
    /// The connection attempt finished.
    Connected {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<()>,
    },
    /// Changes left unknown earlier were settled from the directory before a change (or after
    /// connecting): what was found, one line each ([`crate::ops::settle::describe`]).
    Settled(Vec<String>),
    /// A typed password was judged (the password dialog).
    Verdict {
        /// Generation.
        gen: u64,
        /// The verdict.
        verdict: Verdict,
    },
    /// An answer for a tab.
    Tab(TabMsg),
}

/// The whole state of the program: the shell (header, dialogs, status, jobs; reached
/// through `Deref`) and every tab.
#[derive(Debug)]
pub struct State {
    /// Everything but the tabs.
    pub shell: Shell,
    /// The tabs.
    pub tabs: Tabs,
}

impl Deref for State {
    type Target = Shell;
    fn deref(&self) -> &Shell {
        &self.shell
    }
}

impl DerefMut for State {
    fn deref_mut(&mut self) -> &mut Shell {
        &mut self.shell
    }
}

impl State {
    /// A fresh state.
    pub fn new(env: Env, theme: Theme, size: (u16, u16), now: DateTime<Utc>) -> State {
        State {
            shell: Shell::new(env, theme, size, now),
            tabs: Tabs::default(),
        }
    }

    /// True while anything runs in the background (the spinner turns).
    pub fn busy(&self) -> Option<String> {
        if let Some(j) = self.jobs.first() {
            return Some(if j.total > 1 {
                format!("{} ({}/{})", j.title, j.done, j.total)
            } else {
                j.title.clone()
            });
        }
        if self.conn == Conn::Connecting {
            return Some("connecting to the directory".into());
        }
        if let Some(b) = Tab::ALL.iter().find_map(|t| self.tabs.page(*t).busy()) {
            return Some(b);
        }
        self.dialogs
            .iter()
            .rev()
            .find_map(|d| d.waiting_label())
            .map(str::to_string)
    }

    /// The keymap context of what is shown (a tab, or one of its panels).
    pub fn key_context(&self) -> Context {
        self.tabs.page(self.tab).context()
    }

    /// True while the tab shown takes typed text (its search box).
    pub fn searching(&self) -> bool {
        self.tabs.page(self.tab).typing()
    }

    /// Starts a fresh connection (and a reload when it succeeds).
    pub fn connect(&mut self) -> Vec<Cmd> {
        self.conn = Conn::Connecting;
        let gen = self.next_gen();
        self.connect_gen = gen;
        vec![Cmd::Connect { gen }]
    }

    /// Reads again what every tab has shown.
    pub fn reload(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        let shown = self.shell.tab;
        for t in Tab::ALL {
            cmds.extend(self.tabs.page_mut(*t).reload(&mut self.shell, *t == shown));
        }
        cmds
    }

    /// Tells every tab what was announced, until nothing new is.
    fn deliver_announcements(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        for _ in 0..4 {
            let news = std::mem::take(&mut self.shell.announced);
            if news.is_empty() {
                break;
            }
            let shown = self.shell.tab;
            for c in &news {
                for t in Tab::ALL {
                    cmds.extend(
                        self.tabs
                            .page_mut(*t)
                            .on_changed(&mut self.shell, c, *t == shown),
                    );
                }
            }
        }
        cmds
    }

    /// Shows a tab (the status line of the tab left is cleared).
    pub fn switch_tab(&mut self, tab: Tab) -> Vec<Cmd> {
        if self.shell.tab != tab {
            self.shell.status = None;
        }
        self.shell.tab = tab;
        self.tabs.page_mut(tab).on_show(&mut self.shell)
    }
}

/// The first commands: connect (then load).
pub fn init(state: &mut State) -> Vec<Cmd> {
    state.connect()
}

/// Applies one message; returns the background work to start.
pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    let mut dirty = true;
    let mut cmds = match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                dirty = false;
                Vec::new()
            } else {
                on_key(state, key)
            }
        }
        Msg::Mouse(m) => on_mouse(state, m),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            let body = state.body_height();
            for t in Tab::ALL {
                state.tabs.page_mut(*t).on_resize(body);
            }
            Vec::new()
        }
        Msg::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            dirty = state.busy().is_some();
            Vec::new()
        }
        Msg::Signal(n) => vec![Cmd::Quit(128 + n)],
        Msg::InputClosed => vec![Cmd::Quit(0)],
        Msg::Connected { gen, result } => {
            if gen != state.connect_gen {
                dirty = false;
                Vec::new()
            } else {
                match result {
                    Ok(()) => {
                        state.conn = Conn::Connected;
                        state.reload()
                    }
                    Err(e) => {
                        state.conn = Conn::Offline(e.to_string());
                        state.error(&e);
                        Vec::new()
                    }
                }
            }
        }
        Msg::Settled(lines) => {
            if !lines.is_empty() {
                state.info(lines.join("; "));
                // Shown until read: the change's own answer takes the status line next.
                let text = lines
                    .into_iter()
                    .map(|l| (l, super::dialogs::Tone::Normal))
                    .collect();
                state.dialogs.push(super::dialogs::Dialog::Message(
                    super::dialogs::Message::new("Settled first", text),
                ));
            }
            Vec::new()
        }
        Msg::Verdict { gen, verdict } => {
            dirty = password::on_verdict(&mut state.dialogs, gen, verdict);
            Vec::new()
        }
        Msg::Tab(m) => {
            let (cmds, redraw) = state.tabs.on_msg(&mut state.shell, m);
            dirty = redraw;
            cmds
        }
    };
    let more = state.deliver_announcements();
    if !more.is_empty() {
        dirty = true;
    }
    cmds.extend(more);
    // A tab asked to show another (the Report tab's Enter): the shell switches, as for its key.
    if let Some(a) = state.shell.goto.take() {
        dirty = true;
        let drill = state.shell.drill.take();
        match Tab::ALL.iter().find(|t| state.tabs.page(**t).goto() == a) {
            Some(t) => {
                cmds.extend(state.switch_tab(*t));
                // A drill-down from the Report tab: filtered to what the figure counts.
                if let Some(d) = drill {
                    let tab = *t;
                    match state.tabs.page_mut(tab).drill(&mut state.shell, &d) {
                        Some(done) => {
                            cmds.extend(done.cmds);
                            state.info(format!("from the report: {}", done.words));
                        }
                        None => {
                            let title = state.tabs.page(tab).title();
                            state.info(format!(
                                "the {title} tab has no filter for the figure {}",
                                d.key
                            ));
                        }
                    }
                }
            }
            None => state.info(format!("there is no {} tab in this version", a.name())),
        }
    }
    if dirty {
        state.dirty = true;
    }
    cmds
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let combo = KeyCombo::from_event(&key);
    let ctrl_c = combo.code == KeyCode::Char('c') && combo.mods == KeyModifiers::CONTROL;
    if ctrl_c {
        return state.quit();
    }
    if super::shell::view::too_small_now(state.size) {
        // Nothing acts unseen: below the minimum only q (and Ctrl-C, above) do anything, and
        // not while a shown-once password waits (it would be lost).
        let q = state.keymap.lookup(Context::GLOBAL, combo) == Some(Action::Quit)
            && combo.code == KeyCode::Char('q');
        let secret = state
            .dialogs
            .iter()
            .any(|d| matches!(d, super::dialogs::Dialog::Secret(_)));
        return if q && !secret {
            state.quit()
        } else {
            Vec::new()
        };
    }
    if !state.dialogs.is_empty() {
        let mut cmds = dialog_key(&mut state.shell, &mut state.tabs, key, combo);
        if let Some((action, visible_only)) = state.shell.again.take() {
            let tab = state.tab;
            let page = state.tabs.page_mut(tab);
            page.narrow_selection(&mut state.shell, visible_only);
            cmds.extend(on_action(state, action));
        }
        return cmds;
    }
    let tab = state.tab;
    if state.tabs.page(tab).typing() {
        return state
            .tabs
            .page_mut(tab)
            .on_text(&mut state.shell, &key, combo);
    }
    let ctx = state.key_context();
    let action = state
        .keymap
        .lookup(ctx, combo)
        .or_else(|| state.keymap.lookup(Context::GLOBAL, combo));
    match action {
        Some(a) => on_action(state, a),
        None => Vec::new(),
    }
}

/// Does what a key's action says, outside dialogs: the shell's own actions here, the rest
/// by the tab shown.
pub fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => return state.quit(),
        Action::Help => {
            // Help opens at the keys of what is shown.
            let at = super::dialogs::help::section(&state.shell.ground(), state.key_context());
            state.dialogs.push(super::dialogs::Dialog::Help(at));
            return Vec::new();
        }
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == state.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let j = if action == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            return state.switch_tab(Tab::ALL[j]);
        }
        Action::Retry => {
            state.info("reconnecting…");
            return state.connect();
        }
        Action::ToggleMouse => {
            state.mouse = !state.mouse;
            let word = if state.mouse {
                "mouse on (hold Shift to select text)"
            } else {
                "mouse off"
            };
            state.info(word);
            return vec![Cmd::SetMouse(state.mouse)];
        }
        _ => {}
    }
    if let Some(t) = Tab::ALL
        .iter()
        .find(|t| state.tabs.page(**t).goto() == action)
    {
        return state.switch_tab(*t);
    }
    let tab = state.tab;
    if action.acts_on_selection() {
        // Selected rows a search hides are never acted on unseen: ask which ones first.
        let (selected, hidden) = state.tabs.page(tab).hidden_selection();
        if hidden > 0 {
            state
                .dialogs
                .push(super::dialogs::Dialog::Scope(super::dialogs::Scope {
                    action,
                    selected,
                    hidden,
                }));
            return Vec::new();
        }
    }
    state.tabs.page_mut(tab).on_action(&mut state.shell, action)
}

fn on_mouse(state: &mut State, m: MouseEvent) -> Vec<Cmd> {
    if !state.dialogs.is_empty() || super::shell::view::too_small_now(state.size) {
        return Vec::new();
    }
    match m.kind {
        MouseEventKind::ScrollUp => on_action(state, Action::Up),
        MouseEventKind::ScrollDown => on_action(state, Action::Down),
        MouseEventKind::Down(_) => {
            // Row 1 is the tab bar: click a tab. The body starts at row 2.
            if m.row == 1 {
                let hit = super::shell::view::tab_labels(state)
                    .into_iter()
                    .find(|(_, _, from, to)| m.column >= *from && m.column < *to);
                return match hit {
                    Some((tab, ..)) => state.switch_tab(tab),
                    None => Vec::new(),
                };
            }
            if m.row < 2 {
                return Vec::new();
            }
            let tab = state.tab;
            state
                .tabs
                .page_mut(tab)
                .on_click(&mut state.shell, usize::from(m.row - 2))
        }
        _ => Vec::new(),
    }
}
