//! The state machine: [`State`], the messages that change it ([`Msg`]) and [`update`], which
//! changes the state and returns the background work to start ([`Cmd`]). Nothing here does
//! I/O or waits; `draw` reads the state and nothing else.

use super::dialogs::{self, Dialog};
use super::flows;
use super::keymap::{Action, Context, KeyCombo, Keymap};
use super::screens::accounts::AccountsScreen;
use super::screens::log::LogScreen;
use super::screens::passwords::PasswordsScreen;
use super::theme::Theme;
use super::worker::Cmd;
use crate::directory::{Listing, Secret};
use crate::domain::account::{Account, NewAccount};
use crate::domain::password::Verdict;
use crate::error::{Error, Result};
use crate::ops::actions::{CreateRequest, Created};
use crate::ops::import::{ImportPlan, ImportResult};
use crate::ops::Ctx;
use crate::store::{ActionEntry, ChainStatus};
use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

/// Everything `update` can be told.
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
    /// The accounts were read.
    AccountsLoaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Listing>,
        /// The moment time rules are judged at.
        now: DateTime<Utc>,
    },
    /// The last log rows about one account were read.
    AccountLog {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// Outcome.
        result: Result<Vec<ActionEntry>>,
    },
    /// The action log was read and verified.
    LogLoaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<(Vec<ActionEntry>, ChainStatus)>,
    },
    /// The OUs were read.
    OusLoaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Vec<String>>,
    },
    /// A typed password was judged.
    Verdict {
        /// Generation.
        gen: u64,
        /// The verdict.
        verdict: Verdict,
    },
    /// A new account was planned.
    Planned {
        /// Generation.
        gen: u64,
        /// What was asked.
        req: CreateRequest,
        /// What would be made.
        result: Result<NewAccount>,
    },
    /// An account was created (or not).
    Created {
        /// Generation.
        gen: u64,
        /// Outcome (with the password to show once).
        result: Result<Created>,
    },
    /// One account of an `Apply` was done (or failed).
    Applied {
        /// Generation.
        gen: u64,
        /// Its place in the list.
        index: usize,
        /// Whose.
        username: String,
        /// The account after the change, and a generated password to show once.
        result: Result<(Account, Option<Secret>)>,
    },
    /// An `Apply` finished; `stopped` says why it stopped early, if it did.
    ApplyDone {
        /// Generation.
        gen: u64,
        /// Reason for stopping early.
        stopped: Option<String>,
    },
    /// A CSV was read and planned.
    ImportPlanned {
        /// Generation.
        gen: u64,
        /// The plan.
        result: Result<ImportPlan>,
    },
    /// Import progress.
    ImportProgress {
        /// Generation.
        gen: u64,
        /// Rows done.
        done: usize,
        /// Rows in all.
        total: usize,
    },
    /// The import finished.
    ImportDone {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<ImportResult>,
    },
    /// An answer for the Passwords tab.
    Passwords(super::worker::passwords::PwMsg),
}

/// The tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Accounts.
    Accounts,
    /// Password compliance, the directory's policy and shared credentials.
    Passwords,
    /// The action log.
    Log,
}

impl Tab {
    /// Tabs in order.
    pub const ALL: [Tab; 3] = [Tab::Accounts, Tab::Passwords, Tab::Log];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Accounts => "Accounts",
            Tab::Passwords => "Passwords",
            Tab::Log => "Log",
        }
    }

    /// The keymap context of the tab.
    pub fn context(self) -> Context {
        match self {
            Tab::Accounts => Context::Accounts,
            Tab::Passwords => Context::Passwords,
            Tab::Log => Context::Log,
        }
    }
}

/// The connection to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    /// Connecting.
    Connecting,
    /// Connected and bound.
    Connected,
    /// Lost or never made; the text says why.
    Offline(String),
}

/// What the header shows about where we are; fixed for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// The school's name.
    pub school: String,
    /// The directory server.
    pub server: String,
    /// The directory flavour, in words.
    pub flavour: String,
    /// Who is running the program.
    pub operator: String,
    /// `--as-of`, if given.
    pub as_of: Option<NaiveDate>,
    /// Days a guest account lasts by default.
    pub guest_days: u32,
}

impl Env {
    /// The environment of a context.
    pub fn from_ctx(ctx: &Ctx) -> Env {
        Env {
            school: ctx.config.school.name.clone(),
            server: ctx.dir.server(),
            flavour: ctx.dir.flavour().to_string(),
            operator: ctx.operator.clone(),
            as_of: ctx.as_of,
            guest_days: ctx.config.accounts.guest_days,
        }
    }
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// True for errors.
    pub error: bool,
}

/// Background work that changes things (the quit question counts these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Generation of the command.
    pub gen: u64,
    /// What it is, for the progress dialog.
    pub title: String,
    /// Accounts in all.
    pub total: usize,
    /// Accounts done (ok or not).
    pub done: usize,
    /// Accounts changed.
    pub ok: usize,
    /// (username or line, error) of each failure.
    pub failures: Vec<(String, String)>,
    /// What was done, for the status line ("disabled").
    pub done_word: String,
}

/// The whole state of the program.
#[derive(Debug)]
pub struct State {
    /// Header facts.
    pub env: Env,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The moment statuses and ages are judged at.
    pub now: DateTime<Utc>,
    /// The tab shown.
    pub tab: Tab,
    /// The directory connection.
    pub conn: Conn,
    /// The Accounts tab.
    pub accounts: AccountsScreen,
    /// The Passwords tab.
    pub passwords: PasswordsScreen,
    /// The Log tab.
    pub log: LogScreen,
    /// Open dialogs, the top one last.
    pub dialogs: Vec<Dialog>,
    /// The status bar.
    pub status: Option<Status>,
    /// Changes running in the background.
    pub jobs: Vec<Job>,
    /// Spinner frame.
    pub spinner: usize,
    /// Mouse reporting on.
    pub mouse: bool,
    /// Generation of the connection attempt in flight.
    pub connect_gen: u64,
    /// Last generation number handed out.
    pub gen: u64,
    /// Something changed since the last draw.
    pub dirty: bool,
}

impl State {
    /// A fresh state.
    pub fn new(env: Env, theme: Theme, size: (u16, u16), now: DateTime<Utc>) -> State {
        State {
            env,
            keymap: Keymap::default(),
            theme,
            size,
            now,
            tab: Tab::Accounts,
            conn: Conn::Connecting,
            accounts: AccountsScreen::default(),
            passwords: PasswordsScreen::default(),
            log: LogScreen::default(),
            dialogs: Vec::new(),
            status: None,
            jobs: Vec::new(),
            spinner: 0,
            mouse: false,
            connect_gen: 0,
            gen: 0,
            dirty: true,
        }
    }

    /// A new generation number.
    pub fn next_gen(&mut self) -> u64 {
        self.gen += 1;
        self.gen
    }

    /// Shows a message in the status bar.
    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Shows an error in the status bar, and marks the connection lost if it was that.
    pub fn error(&mut self, e: &Error) {
        self.note_error(e);
        self.status = Some(Status {
            text: e.to_string(),
            error: true,
        });
    }

    /// Marks the connection lost if `e` says so.
    pub fn note_error(&mut self, e: &Error) {
        if e.exit_code() == 3 {
            self.conn = Conn::Offline(e.to_string());
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
        if self.accounts.loading {
            return Some("reading accounts".into());
        }
        if self.log.loading {
            return Some("reading the action log".into());
        }
        if let Some(b) = self.passwords.busy() {
            return Some(b.into());
        }
        let dl = &self.accounts.detail_log;
        if self.accounts.detail && !dl.username.is_empty() && dl.entries.is_none() {
            return Some("reading the account's log".into());
        }
        self.dialogs
            .iter()
            .rev()
            .find_map(|d| d.waiting_label())
            .map(str::to_string)
    }

    /// The keymap context of what is shown (a tab, or one of its panels).
    pub fn key_context(&self) -> Context {
        match self.tab {
            Tab::Passwords => self.passwords.context(),
            t => t.context(),
        }
    }

    /// True while a search box has the keyboard.
    pub fn searching(&self) -> bool {
        match self.tab {
            Tab::Accounts => self.accounts.searching,
            Tab::Passwords => self.passwords.searching,
            Tab::Log => false,
        }
    }

    /// Rows of the body area (between tabs and status bar).
    pub fn body_height(&self) -> usize {
        usize::from(self.size.1.saturating_sub(4))
    }

    /// Starts a fresh connection (and a reload when it succeeds).
    pub fn connect(&mut self) -> Vec<Cmd> {
        self.conn = Conn::Connecting;
        let gen = self.next_gen();
        self.connect_gen = gen;
        vec![Cmd::Connect { gen }]
    }

    /// Reads accounts again (and the log, if it has been shown).
    pub fn reload(&mut self) -> Vec<Cmd> {
        let gen = self.next_gen();
        let mut cmds = vec![self.accounts.request_load(gen)];
        if self.log.loaded || self.tab == Tab::Log {
            let gen = self.next_gen();
            cmds.push(self.log.request(gen));
        }
        cmds.extend(flows::detail_log(self));
        cmds.extend(flows::passwords::reload(self));
        cmds
    }
}

/// The first commands: connect (then load).
pub fn init(state: &mut State) -> Vec<Cmd> {
    state.connect()
}

/// Applies one message; returns the background work to start.
pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    let mut dirty = true;
    let cmds = match msg {
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
            state.accounts.keep_cursor_visible(state.body_height());
            state.passwords.keep_cursor_visible(state.body_height());
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
        Msg::AccountsLoaded { gen, result, now } => {
            if gen != state.accounts.load_gen {
                dirty = false;
                Vec::new()
            } else {
                state.accounts.loading = false;
                match result {
                    Ok(listing) => {
                        state.now = now;
                        if state.conn != Conn::Connected {
                            state.conn = Conn::Connected;
                        }
                        state
                            .accounts
                            .set_accounts(listing, now, state.body_height());
                        state.accounts.error = None;
                        flows::detail_log(state)
                    }
                    Err(e) => {
                        state.accounts.error = Some(e.to_string());
                        state.error(&e);
                        Vec::new()
                    }
                }
            }
        }
        Msg::AccountLog {
            gen,
            username,
            result,
        } => {
            if gen != state.accounts.detail_log.gen {
                dirty = false;
            } else {
                state.accounts.detail_log.username = username;
                state.accounts.detail_log.entries = Some(result.map_err(|e| e.to_string()));
            }
            Vec::new()
        }
        Msg::LogLoaded { gen, result } => {
            dirty = state.log.loaded_result(gen, result);
            Vec::new()
        }
        Msg::Verdict { gen, verdict } => {
            dirty = dialogs::password::on_verdict(&mut state.dialogs, gen, verdict);
            Vec::new()
        }
        Msg::OusLoaded { gen, result } => flows::on_ous(state, gen, result),
        Msg::Planned { gen, req, result } => flows::on_planned(state, gen, req, result),
        Msg::Created { gen, result } => flows::on_created(state, gen, result),
        Msg::Applied {
            gen,
            index,
            username,
            result,
        } => flows::on_applied(state, gen, index, username, result),
        Msg::ApplyDone { gen, stopped } => flows::on_apply_done(state, gen, stopped),
        Msg::ImportPlanned { gen, result } => flows::on_import_planned(state, gen, result),
        Msg::ImportProgress { gen, done, total } => {
            if let Some(j) = state.jobs.iter_mut().find(|j| j.gen == gen) {
                j.done = done;
                j.total = total;
            } else {
                dirty = false;
            }
            Vec::new()
        }
        Msg::ImportDone { gen, result } => flows::on_import_done(state, gen, result),
        Msg::Passwords(m) => {
            let (cmds, redraw) = flows::passwords::on_msg(state, m);
            dirty = redraw;
            cmds
        }
    };
    if dirty {
        state.dirty = true;
    }
    cmds
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let combo = KeyCombo::from_event(&key);
    let ctrl_c = combo.code == KeyCode::Char('c') && combo.mods == KeyModifiers::CONTROL;
    if ctrl_c {
        return flows::quit(state);
    }
    if !state.dialogs.is_empty() {
        return flows::dialog_key(state, key, combo);
    }
    if state.tab == Tab::Accounts && state.accounts.searching {
        let page = state.body_height();
        let cmds_before = state.accounts.cursor_username();
        let action = state.keymap.lookup(Context::Search, combo);
        state.accounts.search_key(&key, action, page);
        return if state.accounts.cursor_username() != cmds_before {
            flows::detail_log(state)
        } else {
            Vec::new()
        };
    }
    if state.tab == Tab::Passwords && state.passwords.searching {
        let action = state.keymap.lookup(Context::Search, combo);
        return flows::passwords::search_key(state, &key, action);
    }
    let ctx = state.key_context();
    let action = state
        .keymap
        .lookup(ctx, combo)
        .or_else(|| state.keymap.lookup(Context::Global, combo));
    match action {
        Some(a) => on_action(state, a),
        None => Vec::new(),
    }
}

/// Does what a key's action says, outside dialogs.
pub fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    let page = state.body_height();
    match action {
        Action::Quit => return flows::quit(state),
        Action::Help => state.dialogs.push(Dialog::Help(0)),
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == state.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let j = if action == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            return switch_tab(state, Tab::ALL[j]);
        }
        Action::TabAccounts => return switch_tab(state, Tab::Accounts),
        Action::TabPasswords => return switch_tab(state, Tab::Passwords),
        Action::TabLog => return switch_tab(state, Tab::Log),
        Action::Retry => {
            state.info("reconnecting…");
            return state.connect();
        }
        Action::ToggleMouse => {
            state.mouse = !state.mouse;
            state.info(if state.mouse {
                "mouse on (hold Shift to select text)"
            } else {
                "mouse off"
            });
            return vec![Cmd::SetMouse(state.mouse)];
        }
        _ => {}
    }
    match state.tab {
        Tab::Accounts => flows::accounts_action(state, action, page),
        Tab::Passwords => flows::passwords::passwords_action(state, action, page),
        Tab::Log => flows::log_action(state, action, page),
    }
}

fn switch_tab(state: &mut State, tab: Tab) -> Vec<Cmd> {
    state.tab = tab;
    if tab == Tab::Log && !state.log.loaded && !state.log.loading {
        let gen = state.next_gen();
        return vec![state.log.request(gen)];
    }
    if tab == Tab::Passwords {
        return flows::passwords::open(state);
    }
    Vec::new()
}

fn on_mouse(state: &mut State, m: MouseEvent) -> Vec<Cmd> {
    if !state.dialogs.is_empty() {
        return Vec::new();
    }
    match m.kind {
        MouseEventKind::ScrollUp => on_action(state, Action::Up),
        MouseEventKind::ScrollDown => on_action(state, Action::Down),
        MouseEventKind::Down(_) => {
            // Row 1 is the tab bar: click a tab. Rows from 4 are table rows.
            if m.row == 1 {
                let hit = super::ui::tab_labels(state)
                    .into_iter()
                    .find(|(_, _, from, to)| m.column >= *from && m.column < *to);
                return match hit {
                    Some((tab, ..)) => switch_tab(state, tab),
                    None => Vec::new(),
                };
            }
            let page = state.body_height();
            match state.tab {
                Tab::Accounts if m.row >= 4 => {
                    let row = usize::from(m.row - 4);
                    state.accounts.click(row, page);
                    flows::detail_log(state)
                }
                Tab::Passwords if m.row >= 2 => {
                    flows::passwords::click(state, usize::from(m.row - 2));
                    Vec::new()
                }
                Tab::Log if m.row >= 4 => {
                    state.log.click(usize::from(m.row - 4), page);
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}
