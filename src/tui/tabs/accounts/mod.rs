//! The Accounts tab: every account read from the directory, on the shared table (search,
//! sort, filters by role/OU/status, selection), a details pane with the account's last log
//! rows, and every account action (create, guest, reset password, disable, enable, unlock,
//! move, groups, expiry, new intake) through a form and a confirmation that shows exactly
//! what will change.
//!
//! Files: `keys.rs` (the keys, and a change to existing accounts from its key to the worker:
//! the change dialog, its plan, `y`), `submit.rs` (the other dialogs: new account, intake,
//! filters, and what submitting them does), `aup.rs` (acceptable use agreements), `results.rs`
//! (what the answers from the background do), `work.rs` (the commands, answers and background
//! work), `view.rs` and `detail.rs` (drawing). `on_submit` below routes a submitted dialog by
//! its purpose to `keys.rs` or `submit.rs`.

mod aup;
mod detail;
mod keys;
mod results;
mod submit;
mod view;
mod work;

pub use aup::{aup_cell, toned, AupFilter};
pub use keys::{confirm_change, plan as plan_change, split_names, AccountsVerb, CONTEXT, KEYS};
pub use submit::AccountsPurpose;
pub use work::{account_log, import_plan, AccountsCmd, AccountsMsg, Change, Plans};

use crate::domain::account::{Account, AccountStatus};
use crate::domain::time::LondonDate;
use crate::ops::aup::{Book, StatusRow};
use crate::ops::ActionEntry;
use crate::ops::Listing;
use crate::tui::keymap::{Action, Context, KeyCombo, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Drill, Drilled, Page, Submitted, Tab, TabPage};
use crate::tui::widgets::table::{FilterSet, SortColumn, Table, TableRow};
use crate::tui::work::{Cmd, Outbox};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The columns the table can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Username.
    #[default]
    Username,
    /// Display name.
    Name,
    /// Role.
    Role,
    /// Status.
    Status,
    /// Password age (oldest last).
    PasswordAge,
    /// Last logon (longest ago last).
    LastLogon,
    /// Acceptable use agreement (missing first).
    Aup,
}

impl SortColumn for SortKey {
    const ALL: &'static [SortKey] = &[
        SortKey::Username,
        SortKey::Name,
        SortKey::Role,
        SortKey::Status,
        SortKey::PasswordAge,
        SortKey::LastLogon,
        SortKey::Aup,
    ];

    fn title(self) -> &'static str {
        match self {
            SortKey::Username => "Username",
            SortKey::Name => "Name",
            SortKey::Role => "Role",
            SortKey::Status => "Status",
            SortKey::PasswordAge => "Pw age",
            SortKey::LastLogon => "Last logon",
            SortKey::Aup => "AUP",
        }
    }
}

/// Filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only this role ("none" for accounts with no role).
    pub role: Option<String>,
    /// Only accounts in or under this OU (DN).
    pub ou: Option<String>,
    /// Only this status.
    pub status: Option<AccountStatus>,
    /// Only this standing with the acceptable use agreement.
    pub aup: Option<AupFilter>,
    /// Only enabled accounts (a report drill-down: the report counts enabled accounts).
    pub enabled: bool,
    /// Only accounts that have not signed the current agreement (missing or outdated).
    pub unsigned: bool,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.role.is_none()
            && self.ou.is_none()
            && self.status.is_none()
            && self.aup.is_none()
            && !self.enabled
            && !self.unsigned
    }
}

impl FilterSet for Filters {
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(r) = &self.role {
            v.push(format!("role={r}"));
        }
        if let Some(st) = self.status {
            v.push(format!("status={}", st.as_str()));
        }
        if let Some(ou) = &self.ou {
            v.push(format!("ou={}", crate::domain::dn::first_rdn_value(ou)));
        }
        if let Some(x) = self.aup {
            v.push(format!("aup={}", x.as_str()));
        }
        if self.unsigned {
            v.push("aup=missing-or-outdated".into());
        }
        if self.enabled {
            v.push("enabled".into());
        }
        v.join(" ")
    }
}

/// One account as the table holds it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The account.
    pub account: Account,
    /// Its status at `now`.
    pub status: AccountStatus,
    /// Its standing with the acceptable use agreement (None: the agreements could not be read).
    pub aup: Option<StatusRow>,
    user_lc: String,
    name_lc: String,
    ou_lc: String,
}

impl Row {
    /// A row for an account judged at `now`.
    pub fn new(account: Account, now: DateTime<Utc>) -> Row {
        Row::judged(account, now, None)
    }

    /// A row for an account judged at `now`, its agreement by `book` (as `aup status` does).
    pub fn judged(account: Account, now: DateTime<Utc>, book: Option<&Book>) -> Row {
        let user_lc = account.username.to_lowercase();
        let name_lc = account.name().to_lowercase();
        Row {
            aup: book.map(|b| b.row(&account, now.london_date())),
            status: account.status(now),
            ou_lc: account.parent_dn().to_lowercase(),
            account,
            user_lc,
            name_lc,
        }
    }
}

fn cmp_opt_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Ordering {
    // Newest first; "never" last.
    match (a, b) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn status_rank(s: AccountStatus) -> u8 {
    match s {
        AccountStatus::Active => 0,
        AccountStatus::Locked => 1,
        AccountStatus::Expired => 2,
        AccountStatus::Disabled => 3,
    }
}

impl TableRow for Row {
    type Sort = SortKey;
    type Filters = Filters;

    fn key(&self) -> &str {
        &self.user_lc
    }

    /// Lower-cased username, names and MIS id.
    fn search_text(&self) -> String {
        let a = &self.account;
        let mut key = self.user_lc.clone();
        for part in [
            a.display_name.as_deref(),
            a.given_name.as_deref(),
            a.surname.as_deref(),
            a.mis_id.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            key.push('\n');
            key.push_str(&part.to_lowercase());
        }
        key
    }

    fn compare(&self, y: &Self, by: SortKey) -> Ordering {
        let x = self;
        match by {
            SortKey::Username => Ordering::Equal,
            SortKey::Name => x.name_lc.cmp(&y.name_lc),
            SortKey::Role => x.account.role.cmp(&y.account.role),
            SortKey::Status => status_rank(x.status).cmp(&status_rank(y.status)),
            SortKey::PasswordAge => {
                cmp_opt_time(x.account.password_last_set, y.account.password_last_set)
            }
            SortKey::LastLogon => cmp_opt_time(x.account.last_logon, y.account.last_logon),
            SortKey::Aup => aup::rank(x).cmp(&aup::rank(y)),
        }
    }

    fn passes(&self, f: &Filters) -> bool {
        if let Some(role) = &f.role {
            if self.account.role.as_deref().unwrap_or("none") != role {
                return false;
            }
        }
        if let Some(s) = f.status {
            if self.status != s {
                return false;
            }
        }
        if let Some(ou) = &f.ou {
            let ou = ou.to_lowercase();
            if self.ou_lc != ou && !self.ou_lc.ends_with(&format!(",{ou}")) {
                return false;
            }
        }
        if f.enabled && !self.account.enabled {
            return false;
        }
        if f.unsigned && !(AupFilter::Missing.passes(self) || AupFilter::Outdated.passes(self)) {
            return false;
        }
        if let Some(x) = f.aup {
            if !x.passes(self) {
                return false;
            }
        }
        true
    }
}

/// The log rows about the account the details pane shows.
#[derive(Debug, Clone, Default)]
pub struct DetailLog {
    /// Generation of the request in flight or answered.
    pub gen: u64,
    /// Whose rows these are.
    pub username: String,
    /// The rows, once read.
    pub entries: Option<Result<Vec<ActionEntry>, String>>,
}

/// The Accounts tab.
#[derive(Debug, Default)]
pub struct AccountsTab {
    /// Every account read, on the shared table.
    pub table: Table<Row>,
    /// The details pane is open.
    pub detail: bool,
    /// Lines the details pane is scrolled by (J/K); back to 0 on another account.
    pub detail_scroll: u16,
    /// Log rows for the details pane.
    pub detail_log: DetailLog,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Accounts have been read at least once.
    pub loaded: bool,
    /// The last load failed with this.
    pub error: Option<String>,
    /// Entries the directory returned that could not be understood.
    pub skipped: usize,
    /// OUs that hold accounts (DNs), for the filter.
    pub ous: Vec<String>,
    /// The acceptable use agreements and signatures, read with the accounts (an error says
    /// why they could not be read).
    pub aup: Option<Result<Arc<Book>, String>>,
    /// The signatures being recorded: what each account's came to, for the report.
    pub aup_run: aup::RecordRun,
    /// Rows shown are the stored mirror's, read from the directory then; a refresh runs.
    pub cached_at: Option<DateTime<Utc>>,
    /// The directory's groups as last read for the groups dialog (None: not read yet).
    pub groups: Option<Vec<crate::ops::groups::GroupEntry>>,
}

impl AccountsTab {
    /// Table rows that fit in a body of `body` lines (search bar and column titles aside).
    pub fn page(body: usize) -> usize {
        body.saturating_sub(2).max(1)
    }

    /// Asks for the accounts to be read.
    pub fn request_load(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        AccountsCmd::Load { gen }.into()
    }

    /// Takes a fresh listing; keeps the cursor on the same account if it is still shown.
    pub fn set_accounts(&mut self, listing: Listing, now: DateTime<Utc>, body: usize) {
        let book = self.book();
        let rows: Vec<Row> = listing
            .accounts
            .into_iter()
            .map(|a| Row::judged(a, now, book.as_deref()))
            .collect();
        let ous: BTreeSet<String> = rows
            .iter()
            .map(|r| r.account.parent_dn().to_string())
            .collect();
        self.ous = ous.into_iter().collect();
        self.skipped = listing.skipped;
        self.loaded = true;
        self.table.set_rows(rows, Self::page(body));
    }

    /// Replaces (or adds) one account after a change; call `table.refresh` after a batch.
    pub fn replace_account(&mut self, account: Account, now: DateTime<Utc>) {
        let parent = account.parent_dn().to_string();
        if let Err(at) = self.ous.binary_search(&parent) {
            self.ous.insert(at, parent);
        }
        let book = self.book();
        self.table
            .replace(Row::judged(account, now, book.as_deref()));
    }

    /// The agreements and signatures, when they were read.
    pub fn book(&self) -> Option<Arc<Book>> {
        match &self.aup {
            Some(Ok(b)) => Some(b.clone()),
            _ => None,
        }
    }

    /// The row of a username.
    pub fn row(&self, username: &str) -> Option<&Row> {
        self.table.row(username)
    }

    /// Every account read.
    pub fn rows(&self) -> &[Row] {
        self.table.rows()
    }

    /// The username under the cursor.
    pub fn cursor_username(&self) -> Option<String> {
        self.table.current().map(|r| r.account.username.clone())
    }

    /// The usernames an action applies to: the selection, else the cursor's.
    pub fn target_names(&self) -> Vec<String> {
        self.table
            .targets()
            .iter()
            .map(|r| r.account.username.clone())
            .collect()
    }

    /// Asks for the log rows of the account under the cursor when the details pane needs them.
    pub fn detail_log_cmd(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if !self.detail {
            return Vec::new();
        }
        let Some(current) = self.cursor_username() else {
            return Vec::new();
        };
        if self.detail_log.username == current {
            return Vec::new();
        }
        let gen = sh.next_gen();
        let dl = &mut self.detail_log;
        dl.gen = gen;
        dl.username = current.clone();
        dl.entries = None;
        vec![AccountsCmd::LoadAccountLog {
            gen,
            username: current,
        }
        .into()]
    }
}

impl Page for AccountsTab {
    fn title(&self) -> &'static str {
        "Accounts"
    }

    fn context(&self) -> Context {
        CONTEXT
    }

    fn goto(&self) -> Action {
        Action::TabAccounts
    }

    fn busy(&self) -> Option<String> {
        if self.loading {
            return Some(match self.cached_at {
                Some(t) => format!(
                    "as read at {}, refreshing",
                    crate::domain::time::london_format(t, "%H:%M")
                ),
                None => "reading accounts".into(),
            });
        }
        let dl = &self.detail_log;
        (self.detail && !dl.username.is_empty() && dl.entries.is_none())
            .then(|| "reading the account's log".to_string())
    }

    fn selected(&self) -> usize {
        self.table.selected.len()
    }

    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's figures on accounts (ops::report::accounts and ::acceptable).
        let page = AccountsTab::page(sh.body_height());
        let mut f = Filters::default();
        let words = match d.key.as_str() {
            "accounts.total" => "every account, no filter (f filters)".to_string(),
            "acceptable-use.signed" => {
                f.enabled = true;
                f.aup = Some(AupFilter::Signed);
                "enabled accounts with the current AUP signed (F clears)".into()
            }
            k => {
                let role = k.strip_prefix("acceptable-use.unsigned.")?;
                f.enabled = true;
                f.unsigned = true;
                // The report names accounts without a role "(none)", the filter "none".
                f.role = Some(if role == "(none)" { "none" } else { role }.to_string());
                format!("enabled {role} accounts with the AUP missing or outdated (F clears)")
            }
        };
        self.table.clear_all(page);
        self.table.filters = f;
        self.table.refilter_keep(page);
        Drilled::words(words)
    }

    fn hidden_selection(&self) -> (usize, usize) {
        self.table.hidden_selection()
    }

    fn narrow_selection(&mut self, sh: &mut Shell, visible_only: bool) {
        let page = AccountsTab::page(sh.body_height());
        self.table.narrow_selection(visible_only, page);
    }

    fn typing(&self) -> bool {
        self.table.searching
    }

    fn on_text(&mut self, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
        let before = self.cursor_username();
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        self.table
            .search_key(key, action, Self::page(sh.body_height()));
        if self.cursor_username() != before {
            self.detail_log_cmd(sh)
        } else {
            Vec::new()
        }
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    fn on_changed(&mut self, sh: &mut Shell, c: &Changed, _shown: bool) -> Vec<Cmd> {
        match c {
            // A row was written: the details pane reads the account's rows again.
            Changed::Log => {
                self.detail_log.username.clear();
                self.detail_log_cmd(sh)
            }
            // This tab already shows its own changes; others' are read again.
            Changed::Accounts { by } if *by != Tab::Accounts && self.loaded => {
                vec![self.request_load(sh)]
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, sh: &mut Shell, _shown: bool) -> Vec<Cmd> {
        let mut cmds = vec![self.request_load(sh)];
        cmds.extend(self.detail_log_cmd(sh));
        cmds
    }

    fn on_resize(&mut self, body: usize) {
        self.table.keep_cursor_visible(Self::page(body));
    }

    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        if row < 2 {
            return Vec::new();
        }
        self.table.click(row - 2, Self::page(sh.body_height()));
        self.detail_log_cmd(sh)
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        view::draw(f, area, self, sh);
    }
}

impl TabPage for AccountsTab {
    type Cmd = AccountsCmd;
    type Msg = AccountsMsg;
    type Purpose = AccountsPurpose;
    const KEYS: &'static [KeyRow] = KEYS;
    const VERBS: &'static [crate::tui::keymap::Verb] = AccountsVerb::VERBS;

    fn on_msg(&mut self, sh: &mut Shell, msg: AccountsMsg) -> (Vec<Cmd>, bool) {
        results::on_msg(self, sh, msg)
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: AccountsPurpose, d: Submitted) -> Vec<Cmd> {
        use AccountsPurpose as P;
        match purpose {
            // A change to existing accounts: keys.rs asks for it and gives it to the worker.
            P::Disable(_)
            | P::EnableOverride(_)
            | P::Expiry(_)
            | P::Groups(_)
            | P::GroupsHow(..)
            | P::Move(_)
            | P::Password
            | P::Apply(_) => keys::on_submit(self, sh, purpose, d),
            other => submit::on_submit(self, sh, other, d),
        }
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<AccountsMsg>, cmd: AccountsCmd) {
        work::spawn(ctx, out, cmd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(u: &str, name: &str, role: &str, enabled: bool) -> Account {
        Account {
            username: u.into(),
            dn: format!("CN={name},OU={role}s,DC=x"),
            display_name: Some(name.into()),
            role: Some(role.into()),
            enabled,
            ..Default::default()
        }
    }

    fn tab() -> AccountsTab {
        let mut s = AccountsTab::default();
        let listing = Listing {
            accounts: vec![
                acct("zoe.adams", "Zoe Adams", "pupil", true),
                acct("amir.khan", "Amir Khan", "staff", false),
                acct("bea.lund", "Bea Lund", "pupil", true),
            ],
            skipped: 0,
        };
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 25, 12, 0, 0)
            .single()
            .unwrap_or_default();
        s.set_accounts(listing, now, 20);
        s
    }

    fn names(s: &AccountsTab) -> Vec<String> {
        s.table
            .shown()
            .map(|r| r.account.username.clone())
            .collect()
    }

    #[test]
    fn sorts_searches_and_filters() {
        let mut s = tab();
        assert_eq!(names(&s), ["amir.khan", "bea.lund", "zoe.adams"]);
        s.table.sort_by(false, 20);
        assert_eq!(names(&s), ["zoe.adams", "bea.lund", "amir.khan"]);
        s.table.sort_by(true, 20); // name
        assert_eq!(names(&s), ["amir.khan", "bea.lund", "zoe.adams"]);
        s.table.search.insert('a');
        s.table.refilter_search(20);
        assert_eq!(names(&s).len(), 3);
        s.table.search.insert('d');
        s.table.refilter_search(20);
        assert_eq!(names(&s), ["zoe.adams"]);
        s.table.search.clear();
        s.table.refilter_search(20);
        s.table.filters.status = Some(AccountStatus::Disabled);
        s.table.refilter_keep(20);
        assert_eq!(names(&s), ["amir.khan"]);
    }

    #[test]
    fn select_all_toggles_and_targets_follow_selection() {
        let mut s = tab();
        assert_eq!(s.target_names().len(), 1);
        s.table.select_all();
        assert_eq!(s.target_names().len(), 3);
        s.table.select_all();
        assert!(s.table.selected.is_empty());
    }
}
