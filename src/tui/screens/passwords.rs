//! The Passwords tab's state: the compliance report (sorted, searched, filtered, with a
//! selection for bulk fixes), its summary per role, and the two panels the tab can switch to:
//! the directory's password policy and the shared-credentials register.

use super::super::input::Input;
use super::super::keymap::{Action, Context};
use super::super::worker::passwords::PwCmd;
use super::super::worker::Cmd;
use crate::domain::creds::{CredVerdict, Credential};
use crate::domain::password::PasswordStatus;
use crate::domain::policy::{DirectoryPolicy, PolicyDrift, SchoolPolicyTarget};
use crate::ops::compliance::{self, status_word, ReportRow, RoleSummary};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

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

impl PwSort {
    /// The columns in table order.
    pub const ALL: [PwSort; 5] = [
        PwSort::Username,
        PwSort::Role,
        PwSort::Age,
        PwSort::Expires,
        PwSort::Status,
    ];

    /// The column title.
    pub fn title(self) -> &'static str {
        match self {
            PwSort::Username => "Username",
            PwSort::Role => "Role",
            PwSort::Age => "Age",
            PwSort::Expires => "Expires on",
            PwSort::Status => "Status",
        }
    }

    /// The next column.
    pub fn next(self) -> PwSort {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
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
}

impl PwFilters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.role.is_none() && self.flag.is_none()
    }

    /// The filters in words ("status=expired role=staff").
    pub fn describe(&self) -> String {
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
        v.join(" ")
    }
}

/// Which accounts a bulk fix would apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The selected accounts.
    Selected,
    /// Every account the search and filters show.
    Shown,
    /// The account under the cursor.
    Cursor,
}

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
    /// Cursor.
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    /// Generation of the save (add or rotated) in flight.
    pub save_gen: u64,
    /// A save is running.
    pub saving: bool,
}

impl CredsPanel {
    /// The credential under the cursor.
    pub fn current(&self) -> Option<&(Credential, CredVerdict)> {
        self.rows.get(self.cursor)
    }

    /// Moves the cursor by `delta` (clamped) and keeps it on a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        self.cursor = super::step(self.cursor, delta, self.rows.len());
        self.offset = super::window(self.offset, self.cursor, page, self.rows.len());
    }
}

/// The Passwords tab.
#[derive(Debug, Default)]
pub struct PasswordsScreen {
    /// The report, one row per account, in directory order.
    pub rows: Vec<ReportRow>,
    keys: Vec<String>,
    names_lc: Vec<String>,
    by_name: HashMap<String, usize>,
    order: Vec<u32>,
    /// The rows shown: sorted, searched and filtered.
    pub view: Vec<u32>,
    /// Counts per role and status over the whole report (as the CLI prints them).
    pub summary: BTreeMap<String, RoleSummary>,
    /// Entries the directory returned that could not be understood.
    pub skipped: usize,
    /// The moment the report was judged at.
    pub now: Option<DateTime<Utc>>,
    /// Sort column.
    pub sort: PwSort,
    /// Sort descending.
    pub reverse: bool,
    /// The search text.
    pub search: Input,
    /// The search box has the keyboard.
    pub searching: bool,
    /// Status, role and flag filters.
    pub filters: PwFilters,
    /// Cursor (index into `view`).
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    /// Usernames (lower case) selected for bulk fixes.
    pub selected: HashSet<String>,
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

fn cmp_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    // Present first, in order; missing last.
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn search_key(r: &ReportRow) -> String {
    let mut k = r.username.to_lowercase();
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

impl PasswordsScreen {
    /// The keymap context of what the tab shows.
    pub fn context(&self) -> Context {
        match self.panel {
            Panel::Report => Context::Passwords,
            Panel::Policy => Context::PwPolicy,
            Panel::Creds => Context::PwCreds,
        }
    }

    /// What runs in the background for the tab, for the status bar.
    pub fn busy(&self) -> Option<&'static str> {
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

    /// Asks for the report to be read.
    pub fn request_load(&mut self, gen: u64) -> Cmd {
        self.load_gen = gen;
        self.loading = true;
        self.stale = false;
        Cmd::Passwords(PwCmd::LoadReport { gen })
    }

    /// Asks for the policy to be read.
    pub fn request_policy(&mut self, gen: u64) -> Cmd {
        self.policy.gen = gen;
        self.policy.loading = true;
        Cmd::Passwords(PwCmd::LoadPolicy { gen })
    }

    /// Asks for the register to be read.
    pub fn request_creds(&mut self, gen: u64) -> Cmd {
        self.creds.gen = gen;
        self.creds.loading = true;
        Cmd::Passwords(PwCmd::LoadCreds { gen })
    }

    /// Takes a fresh report; keeps the cursor on the same account if it is still shown.
    pub fn set_rows(&mut self, rows: Vec<ReportRow>, skipped: usize, body: usize) {
        let keep = self.cursor_username();
        self.summary = compliance::summarise(&rows);
        self.keys = rows.iter().map(search_key).collect();
        self.names_lc = rows.iter().map(|r| r.username.to_lowercase()).collect();
        self.by_name = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.username.to_lowercase(), i))
            .collect();
        self.rows = rows;
        self.skipped = skipped;
        self.loaded = true;
        let present: HashSet<&String> = self.by_name.keys().collect();
        self.selected.retain(|u| present.contains(u));
        self.resort();
        self.refilter();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&ReportRow> {
        self.view
            .get(self.cursor)
            .and_then(|i| self.rows.get(*i as usize))
    }

    /// The username under the cursor.
    pub fn cursor_username(&self) -> Option<String> {
        self.current().map(|r| r.username.clone())
    }

    /// The row of a username.
    pub fn row(&self, username: &str) -> Option<&ReportRow> {
        self.by_name
            .get(&username.to_lowercase())
            .and_then(|i| self.rows.get(*i))
    }

    /// True when a search or filter narrows the list.
    pub fn narrowed(&self) -> bool {
        !self.filters.is_empty() || !self.needle().is_empty()
    }

    /// What a bulk fix applies to: the selected accounts; else, when a search or filter
    /// narrows the list, every account shown; else the one under the cursor.
    pub fn targets(&self) -> (Vec<&ReportRow>, Scope) {
        if !self.selected.is_empty() {
            let mut rows: Vec<&ReportRow> = self
                .selected
                .iter()
                .filter_map(|u| self.by_name.get(u))
                .filter_map(|i| self.rows.get(*i))
                .collect();
            rows.sort_by_key(|r| r.username.to_lowercase());
            return (rows, Scope::Selected);
        }
        if self.narrowed() {
            let rows = self
                .view
                .iter()
                .filter_map(|i| self.rows.get(*i as usize))
                .collect();
            return (rows, Scope::Shown);
        }
        (self.current().into_iter().collect(), Scope::Cursor)
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (Some(x), Some(y)) = (self.rows.get(a as usize), self.rows.get(b as usize)) else {
            return Ordering::Equal;
        };
        let primary = match self.sort {
            PwSort::Username => Ordering::Equal,
            PwSort::Role => cmp_opt(x.role.as_deref(), y.role.as_deref()),
            PwSort::Age => cmp_opt(x.age_days, y.age_days),
            PwSort::Expires => cmp_opt(x.expires_on, y.expires_on),
            PwSort::Status => status_rank(x.status).cmp(&status_rank(y.status)),
        };
        let (xn, yn) = (self.names_lc.get(a as usize), self.names_lc.get(b as usize));
        let ord = primary.then_with(|| xn.cmp(&yn));
        if self.reverse {
            ord.reverse()
        } else {
            ord
        }
    }

    fn resort(&mut self) {
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        order.sort_by(|a, b| self.compare(*a, *b));
        self.order = order;
    }

    fn needle(&self) -> String {
        self.search.value().trim().to_lowercase()
    }

    fn passes(&self, i: usize, needle: &str) -> bool {
        let (Some(row), Some(key)) = (self.rows.get(i), self.keys.get(i)) else {
            return false;
        };
        if !needle.is_empty() && !key.contains(needle) {
            return false;
        }
        if let Some(s) = self.filters.status {
            if row.status != s {
                return false;
            }
        }
        if let Some(role) = &self.filters.role {
            if row.role.as_deref().unwrap_or("none") != role {
                return false;
            }
        }
        if let Some(flag) = &self.filters.flag {
            if !row.flags.iter().any(|f| f == flag) {
                return false;
            }
        }
        true
    }

    fn refilter(&mut self) {
        let needle = self.needle();
        let view: Vec<u32> = self
            .order
            .iter()
            .copied()
            .filter(|i| self.passes(*i as usize, &needle))
            .collect();
        self.view = view;
    }

    /// Re-filters after the search or filters changed, keeping the cursor's account if shown.
    pub fn refilter_keep(&mut self, body: usize) {
        let keep = self.cursor_username();
        self.refilter();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    fn put_cursor_on(&mut self, username: Option<&str>) {
        let found = username
            .and_then(|u| self.by_name.get(&u.to_lowercase()))
            .and_then(|idx| self.view.iter().position(|v| *v as usize == *idx));
        self.cursor = match found {
            Some(p) => p,
            None => self.cursor.min(self.view.len().saturating_sub(1)),
        };
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

    /// Moves the first shown row so the cursor is on screen.
    pub fn keep_cursor_visible(&mut self, body: usize) {
        let page = self.page(body);
        super::keep_visible(&mut self.cursor, &mut self.offset, self.view.len(), page);
    }

    /// Moves the cursor by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize, body: usize) {
        self.cursor = super::step(self.cursor, delta, self.view.len());
        self.keep_cursor_visible(body);
    }

    /// Moves the cursor to the first (`false`) or last (`true`) row.
    pub fn jump(&mut self, end: bool, body: usize) {
        self.cursor = super::end_row(end, self.view.len());
        self.keep_cursor_visible(body);
    }

    /// A click on the `row`-th visible table row.
    pub fn click(&mut self, row: usize, body: usize) {
        if let Some(c) = super::clicked(self.offset, row, self.page(body), self.view.len()) {
            self.cursor = c;
        }
    }

    /// Next sort column (`next` false: flip the direction instead).
    pub fn sort_by(&mut self, next: bool, body: usize) {
        if next {
            self.sort = self.sort.next();
            self.reverse = false;
        } else {
            self.reverse = !self.reverse;
        }
        let keep = self.cursor_username();
        self.resort();
        self.refilter();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    /// The status filter moves to the next status (worst first), then to none.
    pub fn cycle_status(&mut self, body: usize) {
        self.filters.status = match self.filters.status {
            None => STATUS_CYCLE.first().copied(),
            Some(s) => {
                let i = STATUS_CYCLE.iter().position(|x| *x == s).unwrap_or(0);
                STATUS_CYCLE.get(i + 1).copied()
            }
        };
        self.refilter_keep(body);
    }

    /// Toggles the selection of the cursor's account and moves down.
    pub fn toggle_select(&mut self, body: usize) {
        if let Some(u) = self.current().map(|r| r.username.to_lowercase()) {
            if !self.selected.remove(&u) {
                self.selected.insert(u);
            }
            self.move_by(1, body);
        }
    }

    /// Selects every shown account, or clears the selection if they all are.
    pub fn select_all(&mut self) {
        let shown: Vec<String> = self
            .view
            .iter()
            .filter_map(|i| self.rows.get(*i as usize))
            .map(|r| r.username.to_lowercase())
            .collect();
        if !shown.is_empty() && shown.iter().all(|u| self.selected.contains(u)) {
            self.selected.clear();
        } else {
            self.selected.extend(shown);
        }
    }

    /// True if the row is selected.
    pub fn is_selected(&self, row: &ReportRow) -> bool {
        !self.selected.is_empty() && self.selected.contains(&row.username.to_lowercase())
    }

    /// A key while the search box has the keyboard; `action` is what the keymap's search
    /// context binds it to, if anything (otherwise it edits the search).
    pub fn search_key(&mut self, key: &KeyEvent, action: Option<Action>, body: usize) {
        let step = self.page(body) as isize;
        match action {
            Some(Action::Cancel) => {
                self.searching = false;
                if !self.search.value().is_empty() {
                    self.search.clear();
                    self.refilter_keep(body);
                }
            }
            Some(Action::Submit) => self.searching = false,
            Some(Action::Up) => self.move_by(-1, body),
            Some(Action::Down) => self.move_by(1, body),
            Some(Action::PageUp) => self.move_by(-step, body),
            Some(Action::PageDown) => self.move_by(step, body),
            _ => {
                let before = self.search.value().to_string();
                self.search.handle(key);
                if self.search.value() != before {
                    self.cursor = 0;
                    self.offset = 0;
                    self.refilter();
                    self.keep_cursor_visible(body);
                }
            }
        }
    }

    /// Clears the search and every filter.
    pub fn clear_all(&mut self, body: usize) {
        self.search.clear();
        self.filters = PwFilters::default();
        self.refilter_keep(body);
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
        }
    }

    fn screen() -> PasswordsScreen {
        let mut s = PasswordsScreen::default();
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

    fn names(s: &PasswordsScreen) -> Vec<&str> {
        s.view
            .iter()
            .map(|i| s.rows[*i as usize].username.as_str())
            .collect()
    }

    #[test]
    fn sorts_filters_and_cycles_status() {
        let mut s = screen();
        assert_eq!(names(&s), ["amir", "bea", "zoe"]);
        s.sort_by(true, 20); // role
        s.sort_by(true, 20); // age
        assert_eq!(names(&s), ["zoe", "bea", "amir"]);
        s.cycle_status(20);
        assert_eq!(names(&s), ["amir"]);
        s.cycle_status(20);
        assert_eq!(names(&s), ["bea"]);
        for _ in 0..4 {
            s.cycle_status(20);
        }
        assert_eq!(s.filters.status, None);
        assert_eq!(names(&s).len(), 3);
        s.search.insert('n');
        s.search.insert('e');
        s.search.insert('v');
        s.refilter_keep(20);
        assert_eq!(names(&s), ["amir"], "search finds flags too");
    }

    #[test]
    fn targets_are_selection_else_shown_when_narrowed_else_cursor() {
        let mut s = screen();
        assert_eq!(s.targets().1, Scope::Cursor);
        assert_eq!(s.targets().0.len(), 1);
        s.filters.role = Some("pupil".into());
        s.refilter_keep(20);
        let (t, scope) = s.targets();
        assert_eq!(scope, Scope::Shown);
        assert_eq!(t.len(), 2);
        s.toggle_select(20);
        let (t, scope) = s.targets();
        assert_eq!((t.len(), scope), (1, Scope::Selected));
        s.select_all();
        assert_eq!(s.selected.len(), 2);
        s.select_all();
        assert!(s.selected.is_empty());
    }
}
