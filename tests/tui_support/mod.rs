//! Shared by the TUI tests: a small in-memory directory that can be told to fail, and a
//! harness that runs `update` with the real worker, freezes `now`, and renders to text.
#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use schooltech::clock::Clock;
use schooltech::config::Config;
use schooltech::directory::{Directory, Flavour, Group, Listing, Probe, Secret};
use schooltech::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use schooltech::domain::policy::{DirectoryPolicy, PolicySettings};
use schooltech::error::{Error, Result};
use schooltech::ops::Ctx;
use schooltech::tui::app::{self, Env, Msg, State};
use schooltech::tui::shell::view as ui;
use schooltech::tui::tabs::accounts::AccountsMsg;
use schooltech::tui::tabs::log::LogMsg;
use schooltech::tui::tabs::TabMsg;
use schooltech::tui::theme::Theme;
use schooltech::tui::work::{Cmd, Worker};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{self, UnboundedReceiver};

/// The base DN of the fake school.
pub const BASE: &str = "DC=fake,DC=school";

/// The fixed moment the TUI tests run at: noon UTC on 25 November 2026, whatever the
/// machine's clock says (the demo's dates move to this day through its clock).
pub fn frozen_now() -> DateTime<Utc> {
    at(2026, 11, 25)
}

/// Noon UTC on a given day.
pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
        .single()
        .expect("a valid test date")
}

/// The demo school as it looks at `now` (its dates moved to that day, its changes stamped
/// with it), judged at `as_of` when given.
pub fn demo_at(now: DateTime<Utc>, as_of: Option<chrono::NaiveDate>) -> Ctx {
    Ctx::demo_with_clock(None, as_of, Clock::Fixed(now)).expect("the demo school loads")
}

/// An in-memory directory for tests, with failure switches.
pub struct FakeDir {
    accounts: Mutex<Vec<Account>>,
    /// Usernames whose changes fail.
    pub fail_for: Mutex<HashSet<String>>,
    /// Every call fails as if the server were gone.
    pub offline: Mutex<bool>,
}

fn ou(name: &str) -> String {
    format!("OU={name},OU=School,{BASE}")
}

impl FakeDir {
    /// `n` pupils and a few staff, dated from `now`.
    pub fn new(n: usize, now: DateTime<Utc>) -> FakeDir {
        let firsts = ["Amir", "Bea", "Cara", "Dev", "Ella", "Finn", "Gus", "Hana"];
        let lasts = [
            "Khan", "Lund", "Okafor", "Patel", "Quinn", "Rossi", "Smith", "Tran",
        ];
        let mut v = Vec::new();
        for i in 0..n {
            let (f, l) = (firsts[i % 8], lasts[(i / 8) % 8]);
            let user = if i < 64 {
                format!("{}.{}", f.to_lowercase(), l.to_lowercase())
            } else {
                format!("{}.{}{}", f.to_lowercase(), l.to_lowercase(), i)
            };
            let staff = i % 10 == 9;
            let parent = if staff { ou("Staff") } else { ou("Pupils") };
            v.push(Account {
                username: user.clone(),
                dn: format!("CN={f} {l} {i},{parent}"),
                display_name: Some(format!("{f} {l}")),
                given_name: Some(f.into()),
                surname: Some(l.into()),
                role: Some(if staff { "staff" } else { "pupil" }.into()),
                enabled: i % 13 != 5,
                locked: i % 17 == 3,
                password_last_set: Some(now - Duration::days((i as i64 * 7) % 400)),
                last_logon: (i % 11 != 0).then(|| now - Duration::days(i as i64 % 30)),
                created: Some(now - Duration::days(500)),
                groups: vec![if staff { "Staff" } else { "Pupils" }.into()],
                group_dns: vec![format!(
                    "CN={},OU=Groups,{BASE}",
                    if staff { "Staff" } else { "Pupils" }
                )],
                mis_id: Some(format!("M{i:05}")),
                ..Default::default()
            });
        }
        FakeDir {
            accounts: Mutex::new(v),
            fail_for: Mutex::new(HashSet::new()),
            offline: Mutex::new(false),
        }
    }

    /// Adds an account.
    pub fn push(&self, a: Account) {
        self.accounts.lock().unwrap().push(a);
    }

    fn check(&self) -> Result<()> {
        if *self.offline.lock().unwrap() {
            return Err(Error::Unreachable {
                host: "fake".into(),
                port: 636,
                detail: "connection refused".into(),
            });
        }
        Ok(())
    }

    fn edit(&self, username: &str, f: impl FnOnce(&mut Account)) -> Result<()> {
        self.check()?;
        if self.fail_for.lock().unwrap().contains(username) {
            return Err(Error::Directory {
                code: 0,
                doing: format!("change {username}"),
                reason: "insufficient access rights".into(),
            });
        }
        let mut all = self.accounts.lock().unwrap();
        let a = all
            .iter_mut()
            .find(|a| a.username == username)
            .ok_or_else(|| Error::NotFound(username.into()))?;
        f(a);
        Ok(())
    }
}

#[async_trait]
impl Directory for FakeDir {
    fn flavour(&self) -> Flavour {
        Flavour::ActiveDirectory
    }
    fn server(&self) -> String {
        "ldaps://dc1.fake.school".into()
    }
    fn base_dn(&self) -> &str {
        BASE
    }
    async fn connect(&self) -> Result<()> {
        self.check()
    }
    async fn probe(&self) -> Result<Probe> {
        Ok(Probe::default())
    }
    async fn search_accounts(&self, q: &AccountQuery) -> Result<Listing> {
        self.check()?;
        let needle = q.search.as_deref().unwrap_or("").to_lowercase();
        let mut accounts: Vec<Account> = self
            .accounts
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.matches_text(&needle))
            .cloned()
            .collect();
        accounts.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(Listing {
            accounts,
            skipped: 0,
        })
    }
    async fn get_account(&self, username: &str) -> Result<Option<Account>> {
        self.check()?;
        Ok(self
            .accounts
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.username.eq_ignore_ascii_case(username))
            .cloned())
    }
    async fn create_account(
        &self,
        n: &NewAccount,
        _p: &Secret,
        temporary: bool,
    ) -> Result<Account> {
        self.check()?;
        let a = Account {
            username: n.username.clone(),
            dn: format!("CN={},{}", n.display_name, n.parent_dn),
            display_name: Some(n.display_name.clone()),
            given_name: Some(n.given_name.clone()),
            surname: Some(n.surname.clone()),
            role: Some(
                if n.parent_dn.contains("Supply") {
                    "guest"
                } else {
                    "pupil"
                }
                .into(),
            ),
            enabled: true,
            must_change_password: temporary,
            expires: n.expires,
            mis_id: n.mis_id.clone(),
            ..Default::default()
        };
        self.accounts.lock().unwrap().push(a.clone());
        Ok(a)
    }
    async fn modify_account(&self, account: &Account, change: &AccountChange) -> Result<()> {
        let c = change.clone();
        self.edit(&account.username, |a| match c {
            AccountChange::SetEnabled(on) => a.enabled = on,
            AccountChange::Unlock => a.locked = false,
            AccountChange::SetExpires(e) => a.expires = e,
            AccountChange::SetMustChangePassword(on) => a.must_change_password = on,
            AccountChange::SetPasswordNeverExpires(on) => a.password_never_expires = on,
            AccountChange::SetDescription(d) => a.description = d,
            AccountChange::SetNames {
                given,
                surname,
                display,
            } => {
                a.given_name = Some(given);
                a.surname = Some(surname);
                a.display_name = Some(display);
            }
        })
    }
    async fn set_password(&self, account: &Account, _p: &Secret, temporary: bool) -> Result<()> {
        self.edit(&account.username, |a| a.must_change_password = temporary)
    }
    async fn move_account(&self, account: &Account, new_parent_dn: &str) -> Result<String> {
        let p = new_parent_dn.to_string();
        let mut dn = String::new();
        self.edit(&account.username, |a| {
            let rdn = a.dn.split(',').next().unwrap_or("").to_string();
            a.dn = format!("{rdn},{p}");
            dn = a.dn.clone();
        })?;
        Ok(dn)
    }
    async fn add_to_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        let g = group_dn.to_string();
        self.edit(&account.username, |a| {
            let name = schooltech::directory::escape::first_rdn_value(&g);
            a.groups.push(name);
            a.group_dns.push(g);
        })
    }
    async fn remove_from_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        let g = group_dn.to_string();
        self.edit(&account.username, |a| {
            if let Some(i) = a.group_dns.iter().position(|x| *x == g) {
                a.group_dns.remove(i);
                a.groups.remove(i);
            }
        })
    }
    async fn find_group(&self, name_or_dn: &str) -> Result<Option<Group>> {
        self.check()?;
        let name = schooltech::directory::escape::first_rdn_value(name_or_dn);
        let name = if name.is_empty() {
            name_or_dn.to_string()
        } else {
            name
        };
        Ok(["Pupils", "Staff", "Library", "Year 7"]
            .iter()
            .find(|g| g.eq_ignore_ascii_case(&name))
            .map(|g| Group {
                dn: format!("CN={g},OU=Groups,{BASE}"),
                name: g.to_string(),
            }))
    }
    async fn list_groups(&self) -> Result<Vec<schooltech::directory::GroupInfo>> {
        self.check()?;
        Ok(["Library", "Pupils", "Staff", "Year 7"]
            .iter()
            .map(|g| schooltech::directory::GroupInfo {
                dn: format!("CN={g},OU=Groups,{BASE}"),
                name: g.to_string(),
                description: None,
            })
            .collect())
    }
    async fn list_ous(&self) -> Result<Vec<String>> {
        self.check()?;
        Ok(vec![ou("Pupils"), ou("Staff"), ou("Supply"), ou("Leavers")])
    }
    async fn read_password_policy(&self) -> Result<DirectoryPolicy> {
        Ok(DirectoryPolicy::default())
    }
    async fn write_password_policy(&self, _s: &PolicySettings) -> Result<()> {
        Ok(())
    }
}

/// A context over a fake school of `n` accounts with its own temporary store.
pub fn fake_ctx(n: usize) -> (Ctx, Arc<FakeDir>, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = Arc::new(FakeDir::new(n, frozen_now()));
    let mut config = Config::default();
    config.school.name = "Fake High".into();
    config.accounts.handout_dir = Some(tmp.path().to_path_buf());
    let mut ctx = Ctx::with_directory(config, dir.clone(), tmp.path().join("st.db"), None);
    ctx.clock = Clock::Fixed(frozen_now());
    (ctx, dir, tmp)
}

/// Runs the state machine with the real worker, as the event loop does, but with `now`
/// frozen and the operator fixed, and draws into a test buffer.
pub struct Harness {
    /// The state.
    pub state: State,
    worker: Worker,
    rx: UnboundedReceiver<Msg>,
    /// The exit code, once a quit was asked for.
    pub quit: Option<i32>,
    /// What the harness saw go by (for assertions about commands).
    pub sent: Vec<String>,
    /// The moment the harness runs at (the context's fixed clock, else [`frozen_now`]).
    pub now: DateTime<Utc>,
}

impl Harness {
    /// A harness over `ctx`, connected and loaded.
    pub async fn new(ctx: Ctx, w: u16, h: u16) -> Harness {
        Self::with_theme(ctx, w, h, Theme { color: true }).await
    }

    /// The same, with a chosen theme.
    pub async fn with_theme(ctx: Ctx, w: u16, h: u16, theme: Theme) -> Harness {
        let mut env = Env::from_ctx(&ctx);
        env.operator = "tech".into();
        let now = match ctx.clock {
            Clock::Fixed(t) => t,
            Clock::System => frozen_now(),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Worker::new(Arc::new(ctx), tx);
        let state = State::new(env, theme, (w, h), now);
        let mut h = Harness {
            state,
            worker,
            rx,
            quit: None,
            sent: Vec::new(),
            now,
        };
        let cmds = app::init(&mut h.state);
        h.run(cmds);
        h.settle().await;
        h
    }

    /// Starts commands.
    pub fn run(&mut self, cmds: Vec<Cmd>) {
        for c in cmds {
            self.sent.push(format!("{c:?}"));
            match c {
                Cmd::Quit(code) => self.quit = Some(code),
                Cmd::SetMouse(_) => {}
                other => self.worker.spawn(other),
            }
        }
    }

    /// Feeds a message (with `now` frozen and operators fixed).
    pub fn feed(&mut self, msg: Msg) {
        let msg = match msg {
            Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded { gen, result, .. })) => {
                Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
                    gen,
                    result,
                    now: self.now,
                }))
            }
            Msg::Tab(TabMsg::Log(LogMsg::Loaded { gen, result })) => {
                Msg::Tab(TabMsg::Log(LogMsg::Loaded {
                    gen,
                    result: result.map(|(mut rows, chain)| {
                        for r in &mut rows {
                            r.operator = "tech".into();
                        }
                        (rows, chain)
                    }),
                }))
            }
            Msg::Tab(TabMsg::Accounts(AccountsMsg::AccountLog {
                gen,
                username,
                result,
            })) => Msg::Tab(TabMsg::Accounts(AccountsMsg::AccountLog {
                gen,
                username,
                result: result.map(|mut rows| {
                    for r in &mut rows {
                        r.operator = "tech".into();
                    }
                    rows
                }),
            })),
            other => other,
        };
        let cmds = app::update(&mut self.state, msg);
        self.run(cmds);
    }

    /// Processes background results until nothing runs (at most 20 s).
    pub async fn settle(&mut self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            match tokio::time::timeout(std::time::Duration::from_millis(40), self.rx.recv()).await {
                Ok(Some(m)) => self.feed(m),
                Ok(None) => return,
                Err(_) => {
                    if self.state.busy().is_none() || tokio::time::Instant::now() > deadline {
                        return;
                    }
                }
            }
        }
    }

    /// Presses a key and settles.
    pub async fn key(&mut self, code: KeyCode) {
        self.key_mod(code, KeyModifiers::NONE).await;
    }

    /// Presses a key with modifiers and settles.
    pub async fn key_mod(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.feed(Msg::Key(KeyEvent::new(code, mods)));
        self.settle().await;
    }

    /// Types text, one key per character, and settles.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.feed(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self.settle().await;
    }

    /// The screen as text, `w`×`h`, with trailing spaces cut.
    pub fn screen(&self, w: u16, h: u16) -> String {
        render(&self.state, w, h)
    }
}

/// Draws the state into a `w`×`h` buffer and returns it as text.
pub fn render(state: &State, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    term.draw(|f| ui::draw(f, state)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            if let Some(cell) = buf.cell((x, y)) {
                line.push_str(cell.symbol());
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Replaces dates and times with `<date>` padded to the width the date has with a two-digit
/// day, so that the text is the same on the 1st of a month as on the 28th: a one-digit day
/// drawn padded (` 1 Dec 2026` in a column) takes its padding space with it; one drawn
/// unpadded (`as of 1 Dec 2026`) is widened by one. Times of day (`07:07`) go too, as rows
/// written while the test runs carry the time they were written.
pub fn redact(text: &str) -> String {
    let re = regex::Regex::new(
        r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)( \d{4})?( \d{2}:\d{2}(:\d{2})?)?",
    )
    .expect("regex");
    text.lines()
        .map(|l| {
            let mut out = String::new();
            let mut last = 0;
            for c in re.captures_iter(l) {
                let Some(m) = c.get(0) else { continue };
                let one_digit = c.get(1).is_some_and(|d| d.as_str().len() == 1);
                let mut start = m.start();
                let before = &l[last..start];
                // Padding: a space that follows another space (or starts the line) belongs
                // to the date's column.
                let padded = one_digit
                    && before.ends_with(' ')
                    && (before.len() == 1 || before.ends_with("  ") || start == 1);
                if padded {
                    start -= 1;
                }
                out.push_str(&l[last..start]);
                let width = m.as_str().chars().count() + usize::from(one_digit);
                out.push_str(&format!("{:<width$}", "<date>"));
                last = m.end();
            }
            out.push_str(&l[last..]);
            out.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
