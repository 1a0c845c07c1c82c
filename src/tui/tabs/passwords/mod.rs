//! The Passwords tab: the compliance report on the shared table (sorted, searched, filtered,
//! with a selection for bulk fixes), its summary per role, and the two panels the tab can
//! switch to: the directory's password policy and the shared-credentials register. Every
//! figure comes from the same `ops::compliance` and `ops::creds` functions as the CLI.
//!
//! Files: `keys.rs` (keys and the dialogs they open), `submit.rs` (what those dialogs do),
//! `results.rs` (the answers from the background), `work.rs` (commands, answers, background
//! work), `view.rs` (the report) and `panels.rs` (policy and register).

mod keys;
mod panels;
mod results;
mod submit;
mod view;
mod work;

pub use keys::{fix_preview, plan_lines, CONTEXT, CREDS_CONTEXT, KEYS, POLICY_CONTEXT};
pub use panels::cred_status;
pub use submit::PwPurpose;
pub use view::{date, status_mark, status_style};
pub use work::{fix_one, Fix, PwCmd, PwMsg};

use crate::domain::creds::{CredVerdict, Credential};
use crate::domain::password::PasswordStatus;
use crate::domain::policy::{DirectoryPolicy, PolicyDrift, SchoolPolicyTarget};
use crate::ops::compliance::{self, status_word, ReportRow, RoleSummary};
use crate::tui::keymap::{Action, Context, KeyCombo, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Drill, Drilled, Page, Submitted, TabPage};
use crate::tui::widgets::table::{cmp_opt, FilterSet, SortColumn, Table, TableRow};
use crate::tui::widgets::ListCursor;
use crate::tui::work::{Cmd, Outbox};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;

/// The statuses in the order the status filter cycles through them (worst first).
pub const STATUS_CYCLE: [PasswordStatus; 5] = [
    PasswordStatus::Expired,
    PasswordStatus::Expiring,
    PasswordStatus::MustChange,
    PasswordStatus::NeverSet,
    PasswordStatus::Ok,
];

/// The flags a row can carry, for the flag filter.
pub const FLAGS: [&str; 4] = ["never-expires", "not-required", "reversible", "disabled"];

/// What the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    /// The compliance report.
    #[default]
    Report,
    /// The directory's password policy next to the school's rules.
    Policy,
    /// The shared-credentials register.
    Creds,
}

/// The columns the report can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PwSort {
    /// Username.
    #[default]
    Username,
    /// Role.
    Role,
    /// Password age (youngest first; never set last).
    Age,
    /// Expiry under the school's rules (soonest first).
    Expires,
    /// Status (worst first).
    Status,
}

impl SortColumn for PwSort {
    const ALL: &'static [PwSort] = &[
        PwSort::Username,
        PwSort::Role,
        PwSort::Age,
        PwSort::Expires,
        PwSort::Status,
    ];

    fn title(self) -> &'static str {
        match self {
            PwSort::Username => "Username",
            PwSort::Role => "Role",
            PwSort::Age => "Age",
            PwSort::Expires => "Expires on",
            PwSort::Status => "Status",
        }
    }
}

/// Where a status ranks when sorting (worst first).
pub fn status_rank(s: PasswordStatus) -> u8 {
    match s {
        PasswordStatus::Expired => 0,
        PasswordStatus::NeverSet => 1,
        PasswordStatus::MustChange => 2,
        PasswordStatus::Expiring => 3,
        PasswordStatus::Ok => 4,
    }
}

/// The status of a report word (`expired`, `must-change`, …).
pub fn status_from_word(w: &str) -> Option<PasswordStatus> {
    STATUS_CYCLE.into_iter().find(|s| status_word(*s) == w)
}

/// Filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PwFilters {
    /// Only this status.
    pub status: Option<PasswordStatus>,
    /// Only this role ("none" for accounts with no role).
    pub role: Option<String>,
    /// Only accounts with this flag.
    pub flag: Option<String>,
    /// Only passwords needing a change (any status but ok).
    pub needs_change: bool,
}

impl PwFilters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.role.is_none() && self.flag.is_none() && !self.needs_change
    }
}

impl FilterSet for PwFilters {
    /// The filters in words ("status=expired role=staff").
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(s) = self.status {
            v.push(format!("status={}", status_word(s)));
        }
        if let Some(r) = &self.role {
            v.push(format!("role={r}"));
        }
        if let Some(f) = &self.flag {
            v.push(format!("flag={f}"));
        }
        if self.needs_change {
            v.push("needing a change".into());
        }
        v.join(" ")
    }
}

pub use crate::tui::widgets::table::Scope;

/// The directory's policy, as last read.
#[derive(Debug, Clone)]
pub struct PolicyView {
    /// The policies the directory has.
    pub policy: DirectoryPolicy,
    /// How they differ from the school's rules.
    pub drift: Vec<PolicyDrift>,
    /// The school's rules.
    pub target: SchoolPolicyTarget,
}

/// The policy panel.
#[derive(Debug, Default)]
pub struct PolicyPanel {
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// A read is running.
    pub loading: bool,
    /// What was read, or why not.
    pub data: Option<Result<PolicyView, String>>,
    /// Generation of the plan being worked out.
    pub plan_gen: u64,
    /// A plan is being worked out.
    pub planning: bool,
}

/// The shared-credentials panel.
#[derive(Debug, Default)]
pub struct CredsPanel {
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// A read is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// Each credential and its verdict, in the register's order.
    pub rows: Vec<(Credential, CredVerdict)>,
    /// The last read failed with this.
    pub error: Option<String>,
    /// Cursor and first row shown.
    pub list: ListCursor,
    /// Generation of the save (add or rotated) in flight.
    pub save_gen: u64,
    /// A save is running.
    pub saving: bool,
}

impl CredsPanel {
    /// The credential under the cursor.
    pub fn current(&self) -> Option<&(Credential, CredVerdict)> {
        self.rows.get(self.list.cursor)
    }

    /// Moves the cursor by `delta` (clamped) and keeps it on a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let len = self.rows.len();
        self.list.cursor = crate::tui::widgets::step(self.list.cursor, delta, len);
        self.list.offset =
            crate::tui::widgets::window(self.list.offset, self.list.cursor, page, len);
    }
}

/// One report row as the table holds it (the report's row, reached through `Deref`).
#[derive(Debug, Clone)]
pub struct PwRow {
    /// The report's row.
    pub report: ReportRow,
    user_lc: String,
}

impl Deref for PwRow {
    type Target = ReportRow;
    fn deref(&self) -> &ReportRow {
        &self.report
    }
}

impl TableRow for PwRow {
    type Sort = PwSort;
    type Filters = PwFilters;

    fn key(&self) -> &str {
        &self.user_lc
    }

    /// Username, role, flags and policy, lower case.
    fn search_text(&self) -> String {
        let r = &self.report;
        let mut k = self.user_lc.clone();
        k.push('\n');
        k.push_str(&r.role.as_deref().unwrap_or("none").to_lowercase());
        for f in &r.flags {
            k.push('\n');
            k.push_str(f);
        }
        k.push('\n');
        k.push_str(&r.policy.to_lowercase());
        k
    }

    fn compare(&self, y: &Self, by: PwSort) -> Ordering {
        let (x, y) = (&self.report, &y.report);
        match by {
            PwSort::Username => Ordering::Equal,
            PwSort::Role => cmp_opt(x.role.as_deref(), y.role.as_deref()),
            PwSort::Age => cmp_opt(x.age_days, y.age_days),
            PwSort::Expires => cmp_opt(x.expires_on, y.expires_on),
            PwSort::Status => status_rank(x.status).cmp(&status_rank(y.status)),
        }
    }

    fn passes(&self, f: &PwFilters) -> bool {
        let row = &self.report;
        if let Some(s) = f.status {
            if row.status != s {
                return false;
            }
        }
        if let Some(role) = &f.role {
            if row.role.as_deref().unwrap_or("none") != role {
                return false;
            }
        }
        if let Some(flag) = &f.flag {
            if !row.flags.iter().any(|x| x == flag) {
                return false;
            }
        }
        !(f.needs_change && row.status == PasswordStatus::Ok)
    }
}

/// The Passwords tab.
#[derive(Debug, Default)]
pub struct PasswordsTab {
    /// The report, one row per account, on the shared table.
    pub table: Table<PwRow>,
    /// Counts per role and status over the whole report (as the CLI prints them).
    pub summary: BTreeMap<String, RoleSummary>,
    /// Entries the directory returned that could not be understood.
    pub skipped: usize,
    /// The moment the report was judged at.
    pub now: Option<DateTime<Utc>>,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// Something changed accounts since the report was read.
    pub stale: bool,
    /// The last load failed with this.
    pub error: Option<String>,
    /// What the tab shows.
    pub panel: Panel,
    /// The policy panel.
    pub policy: PolicyPanel,
    /// The shared-credentials panel.
    pub creds: CredsPanel,
}

impl PasswordsTab {
    /// Asks for the report to be read.
    pub fn request_load(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        self.stale = false;
        PwCmd::LoadReport { gen }.into()
    }

    /// Asks for the policy to be read.
    pub fn request_policy(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.policy.gen = gen;
        self.policy.loading = true;
        PwCmd::LoadPolicy { gen }.into()
    }

    /// Asks for the register to be read.
    pub fn request_creds(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.creds.gen = gen;
        self.creds.loading = true;
        PwCmd::LoadCreds { gen }.into()
    }

    /// Takes a fresh report; keeps the cursor on the same account if it is still shown.
    pub fn set_rows(&mut self, rows: Vec<ReportRow>, skipped: usize, body: usize) {
        self.summary = compliance::summarise(&rows);
        self.skipped = skipped;
        self.loaded = true;
        let rows = rows
            .into_iter()
            .map(|report| PwRow {
                user_lc: report.username.to_lowercase(),
                report,
            })
            .collect();
        let page = self.page(body);
        self.table.set_rows(rows, page);
        // The summary's height depends on the rows: keep the cursor on the real page.
        let page = self.page(body);
        self.table.keep_cursor_visible(page);
    }

    /// Every row of the report.
    pub fn rows(&self) -> &[PwRow] {
        self.table.rows()
    }

    /// The row of a username.
    pub fn row(&self, username: &str) -> Option<&PwRow> {
        self.table.row(username)
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&PwRow> {
        self.table.current()
    }

    /// Roles in the report (for the filter), "none" last if any account has none.
    pub fn roles(&self) -> Vec<String> {
        let mut roles: Vec<String> = self
            .summary
            .keys()
            .filter(|r| *r != "(none)")
            .cloned()
            .collect();
        if self.summary.contains_key("(none)") {
            roles.push("none".into());
        }
        roles
    }

    /// Table rows that fit in a body of `body` lines (bar, column titles and summary aside).
    pub fn page(&self, body: usize) -> usize {
        body.saturating_sub(2 + self.summary_height(body)).max(1)
    }

    /// Lines the summary takes in a body of `body` lines (none when there is no room).
    pub fn summary_height(&self, body: usize) -> usize {
        if !self.loaded || self.summary.is_empty() {
            return 0;
        }
        // Title, column titles and one line per role, if that leaves the table 8 rows.
        let full = 2 + self.summary.len();
        if body >= full + 10 {
            full
        } else if body >= 12 {
            2
        } else {
            0
        }
    }

    /// The status filter moves to the next status (worst first), then to none.
    pub fn cycle_status(&mut self, body: usize) {
        let f = &mut self.table.filters;
        f.status = match f.status {
            None => STATUS_CYCLE.first().copied(),
            Some(s) => {
                let i = STATUS_CYCLE.iter().position(|x| *x == s).unwrap_or(0);
                STATUS_CYCLE.get(i + 1).copied()
            }
        };
        let page = self.page(body);
        self.table.refilter_keep(page);
    }

    /// What the tab runs in the background, for the status bar.
    fn busy_word(&self) -> Option<&'static str> {
        if self.loading {
            Some("reading the password report")
        } else if self.policy.loading {
            Some("reading the directory's password policy")
        } else if self.policy.planning {
            Some("working out the policy changes")
        } else if self.creds.loading {
            Some("reading the shared credentials")
        } else if self.creds.saving {
            Some("saving the shared credential")
        } else {
            None
        }
    }
}

impl Page for PasswordsTab {
    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's password figures (ops::report::accounts).
        let page = self.page(sh.body_height());
        let mut f = PwFilters::default();
        let words = match d.key.as_str() {
            "passwords.ok" => {
                f.status = Some(PasswordStatus::Ok);
                "passwords within their age limit (F clears)"
            }
            "passwords.needing-change" => {
                f.needs_change = true;
                "passwords needing a change (F clears)"
            }
            "passwords.never-expires" => {
                f.flag = Some("never-expires".into());
                "passwords set never to expire (F clears)"
            }
            "passwords.privileged" => {
                f.flag = Some("privileged".into());
                "privileged accounts: the admin role and the protected (F clears)"
            }
            _ => return None,
        };
        self.panel = Panel::Report;
        self.table.clear_all(page);
        self.table.filters = f;
        self.table.refilter_keep(page);
        Drilled::words(words)
    }

    fn title(&self) -> &'static str {
        "Passwords"
    }

    fn context(&self) -> Context {
        match self.panel {
            Panel::Report => CONTEXT,
            Panel::Policy => POLICY_CONTEXT,
            Panel::Creds => CREDS_CONTEXT,
        }
    }

    fn goto(&self) -> Action {
        Action::TabPasswords
    }

    fn busy(&self) -> Option<String> {
        self.busy_word().map(str::to_string)
    }

    fn selected(&self) -> usize {
        self.table.selected.len()
    }

    fn hidden_selection(&self) -> (usize, usize) {
        self.table.hidden_selection()
    }

    fn narrow_selection(&mut self, sh: &mut Shell, visible_only: bool) {
        let page = self.page(sh.body_height());
        self.table.narrow_selection(visible_only, page);
    }

    fn typing(&self) -> bool {
        self.panel == Panel::Report && self.table.searching
    }

    fn on_text(&mut self, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        let page = self.page(sh.body_height());
        self.table.search_key(key, action, page);
        Vec::new()
    }

    /// The tab was opened: read the report the first time, or again (with the register,
    /// whose leavers may have changed) after accounts changed elsewhere.
    fn on_show(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if self.loading || (self.loaded && !self.stale) {
            return Vec::new();
        }
        let creds_too = self.stale && self.creds.loaded && !self.creds.loading;
        let mut cmds = vec![self.request_load(sh)];
        if creds_too {
            cmds.push(self.request_creds(sh));
        }
        cmds
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    /// Accounts changed elsewhere: read the report again now if it is shown, else when it is.
    fn on_changed(&mut self, sh: &mut Shell, c: &Changed, shown: bool) -> Vec<Cmd> {
        match c {
            Changed::Accounts { .. } => {
                if !self.loaded || self.loading {
                    return Vec::new();
                }
                if !shown {
                    self.stale = true;
                    return Vec::new();
                }
                let mut cmds = vec![self.request_load(sh)];
                if self.creds.loaded && !self.creds.loading {
                    cmds.push(self.request_creds(sh));
                }
                cmds
            }
            Changed::Creds if self.creds.loaded && !self.creds.loading => {
                vec![self.request_creds(sh)]
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if self.loaded || shown {
            cmds.push(self.request_load(sh));
        }
        if self.policy.data.is_some() || (shown && self.panel == Panel::Policy) {
            cmds.push(self.request_policy(sh));
        }
        if self.creds.loaded || (shown && self.panel == Panel::Creds) {
            cmds.push(self.request_creds(sh));
        }
        cmds
    }

    fn on_resize(&mut self, body: usize) {
        let page = self.page(body);
        self.table.keep_cursor_visible(page);
    }

    /// A click on body row `row` (0 is the bar under the tabs).
    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        let body = sh.body_height();
        match self.panel {
            Panel::Report if row >= 2 => {
                let page = self.page(body);
                self.table.click(row - 2, page);
            }
            Panel::Creds if row >= 3 => {
                let page = keys::creds_page(body);
                self.creds.list.click(row - 3, self.creds.rows.len(), page);
            }
            _ => {}
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        match self.panel {
            Panel::Report => view::draw(f, area, self, sh),
            Panel::Policy => panels::policy(f, area, self, sh),
            Panel::Creds => panels::creds(f, area, self, sh),
        }
    }
}

impl TabPage for PasswordsTab {
    type Cmd = PwCmd;
    type Msg = PwMsg;
    type Purpose = PwPurpose;
    const KEYS: &'static [KeyRow] = KEYS;
    const VERBS: &'static [crate::tui::keymap::Verb] = keys::PasswordsVerb::VERBS;

    fn on_msg(&mut self, sh: &mut Shell, msg: PwMsg) -> (Vec<Cmd>, bool) {
        results::on_msg(self, sh, msg)
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: PwPurpose, d: Submitted) -> Vec<Cmd> {
        submit::on_submit(self, sh, purpose, d)
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<PwMsg>, cmd: PwCmd) {
        work::spawn(ctx, out, cmd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        u: &str,
        role: &str,
        status: PasswordStatus,
        age: i64,
        flags: &[&'static str],
    ) -> ReportRow {
        ReportRow {
            username: u.into(),
            role: Some(role.into()),
            password_last_set: None,
            age_days: Some(age),
            expires_on: None,
            status,
            flags: flags.to_vec(),
            policy: "domain default".into(),
            max_age_days: 90,
            directory_expires_on: None,
            school_expires_on: None,
            expiry_from: crate::domain::password::ExpiryFrom::None,
        }
    }

    fn tab() -> PasswordsTab {
        let mut s = PasswordsTab::default();
        s.set_rows(
            vec![
                row("zoe", "pupil", PasswordStatus::Ok, 3, &[]),
                row(
                    "amir",
                    "staff",
                    PasswordStatus::Expired,
                    200,
                    &["never-expires"],
                ),
                row("bea", "pupil", PasswordStatus::Expiring, 80, &[]),
            ],
            0,
            20,
        );
        s
    }

    fn names(s: &PasswordsTab) -> Vec<&str> {
        s.table.shown().map(|r| r.username.as_str()).collect()
    }

    #[test]
    fn sorts_filters_and_cycles_status() {
        let mut s = tab();
        assert_eq!(names(&s), ["amir", "bea", "zoe"]);
        s.table.sort_by(true, 20); // role
        s.table.sort_by(true, 20); // age
        assert_eq!(names(&s), ["zoe", "bea", "amir"]);
        s.cycle_status(20);
        assert_eq!(names(&s), ["amir"]);
        s.cycle_status(20);
        assert_eq!(names(&s), ["bea"]);
        for _ in 0..4 {
            s.cycle_status(20);
        }
        assert_eq!(s.table.filters.status, None);
        assert_eq!(names(&s).len(), 3);
        for c in "nev".chars() {
            s.table.search.insert(c);
        }
        s.table.refilter_keep(20);
        assert_eq!(names(&s), ["amir"], "search finds flags too");
    }

    #[test]
    fn targets_are_selection_else_shown_when_narrowed_else_cursor() {
        let mut s = tab();
        assert_eq!(s.table.bulk_targets().1, Scope::Cursor);
        assert_eq!(s.table.bulk_targets().0.len(), 1);
        s.table.filters.role = Some("pupil".into());
        s.table.refilter_keep(20);
        let (t, scope) = s.table.bulk_targets();
        assert_eq!(scope, Scope::Shown);
        assert_eq!(t.len(), 2);
        s.table.toggle_select(20);
        let (t, scope) = s.table.bulk_targets();
        assert_eq!((t.len(), scope), (1, Scope::Selected));
        s.table.select_all();
        assert_eq!(s.table.selected.len(), 2);
        s.table.select_all();
        assert!(s.table.selected.is_empty());
    }
}
