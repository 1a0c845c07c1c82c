//! The Accounts tab's state: every account read, the sorted order, the filtered view the
//! table shows, the cursor, the selection and the details pane. Filtering works on
//! pre-lower-cased keys and, while a search only grows, on the previous view, so a keystroke
//! stays cheap with 50,000 accounts.

use super::super::input::Input;
use super::super::keymap::Action;
use super::super::worker::Cmd;
use crate::directory::Listing;
use crate::domain::account::{Account, AccountStatus};
use crate::store::ActionEntry;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

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
}

impl SortKey {
    /// The columns in table order.
    pub const ALL: [SortKey; 6] = [
        SortKey::Username,
        SortKey::Name,
        SortKey::Role,
        SortKey::Status,
        SortKey::PasswordAge,
        SortKey::LastLogon,
    ];

    /// The column title.
    pub fn title(self) -> &'static str {
        match self {
            SortKey::Username => "Username",
            SortKey::Name => "Name",
            SortKey::Role => "Role",
            SortKey::Status => "Status",
            SortKey::PasswordAge => "Pw age",
            SortKey::LastLogon => "Last logon",
        }
    }

    /// The next column.
    pub fn next(self) -> SortKey {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// One account as the table holds it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The account.
    pub account: Account,
    /// Its status at `now`.
    pub status: AccountStatus,
    user_lc: String,
    name_lc: String,
    ou_lc: String,
}

impl Row {
    /// A row for an account judged at `now`.
    pub fn new(account: Account, now: DateTime<Utc>) -> Row {
        let user_lc = account.username.to_lowercase();
        let name_lc = account.name().to_lowercase();
        Row {
            status: account.status(now),
            ou_lc: account.parent_dn().to_lowercase(),
            account,
            user_lc,
            name_lc,
        }
    }

    /// Lower-cased username, names and MIS id, for the search.
    fn search_key(&self) -> String {
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
}

/// The search keys of every row in one buffer, so a search scans memory in order.
#[derive(Debug, Default)]
struct SearchIndex {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl SearchIndex {
    fn build(rows: &[Row]) -> SearchIndex {
        let mut ix = SearchIndex::default();
        for r in rows {
            ix.push(&r.search_key());
        }
        ix
    }

    fn push(&mut self, key: &str) {
        let start = self.buf.len();
        self.buf.extend_from_slice(key.as_bytes());
        self.spans.push((start, self.buf.len()));
    }

    fn set(&mut self, i: usize, key: &str) {
        let start = self.buf.len();
        self.buf.extend_from_slice(key.as_bytes());
        if let Some(span) = self.spans.get_mut(i) {
            *span = (start, self.buf.len());
        }
    }

    /// True if row `i`'s key contains `needle` (lower case). A byte search is exact for
    /// UTF-8: a valid needle can only match at character boundaries.
    fn contains(&self, i: usize, needle: &[u8]) -> bool {
        let Some(&(a, b)) = self.spans.get(i) else {
            return false;
        };
        let hay = &self.buf[a..b];
        let n = needle.len();
        if n == 0 {
            return true;
        }
        if n > hay.len() {
            return false;
        }
        let first = needle[0];
        (0..=hay.len() - n).any(|j| hay[j] == first && &hay[j..j + n] == needle)
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
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.role.is_none() && self.ou.is_none() && self.status.is_none()
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
pub struct AccountsScreen {
    /// Every account read, in directory order.
    pub rows: Vec<Row>,
    index: SearchIndex,
    by_name: HashMap<String, usize>,
    /// Every row, sorted.
    order: Vec<u32>,
    /// The rows shown: sorted, searched and filtered.
    pub view: Vec<u32>,
    /// Sort column.
    pub sort: SortKey,
    /// Sort descending.
    pub reverse: bool,
    /// The search text.
    pub search: Input,
    /// The search box has the keyboard.
    pub searching: bool,
    applied: (String, Filters),
    /// Role, OU and status filters.
    pub filters: Filters,
    /// Cursor (index into `view`).
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    /// Usernames (lower case) selected for bulk actions.
    pub selected: HashSet<String>,
    /// The details pane is open.
    pub detail: bool,
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

impl AccountsScreen {
    /// Asks for the accounts to be read.
    pub fn request_load(&mut self, gen: u64) -> Cmd {
        self.load_gen = gen;
        self.loading = true;
        Cmd::LoadAccounts { gen }
    }

    /// Takes a fresh listing; keeps the cursor on the same account if it is still shown.
    pub fn set_accounts(&mut self, listing: Listing, now: DateTime<Utc>, body: usize) {
        let keep = self.cursor_username();
        self.rows = listing
            .accounts
            .into_iter()
            .map(|a| Row::new(a, now))
            .collect();
        self.index = SearchIndex::build(&self.rows);
        self.skipped = listing.skipped;
        self.by_name = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.user_lc.clone(), i))
            .collect();
        let ous: BTreeSet<String> = self
            .rows
            .iter()
            .map(|r| r.account.parent_dn().to_string())
            .collect();
        self.ous = ous.into_iter().collect();
        self.loaded = true;
        let present: HashSet<&String> = self.by_name.keys().collect();
        self.selected.retain(|u| present.contains(u));
        self.resort();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&Row> {
        self.view
            .get(self.cursor)
            .and_then(|i| self.rows.get(*i as usize))
    }

    /// The username under the cursor.
    pub fn cursor_username(&self) -> Option<String> {
        self.current().map(|r| r.account.username.clone())
    }

    /// The row of a username.
    pub fn row(&self, username: &str) -> Option<&Row> {
        self.by_name
            .get(&username.to_lowercase())
            .and_then(|i| self.rows.get(*i))
    }

    /// What an action applies to: the selected accounts, else the one under the cursor.
    pub fn targets(&self) -> Vec<&Row> {
        if self.selected.is_empty() {
            return self.current().into_iter().collect();
        }
        let mut rows: Vec<&Row> = self
            .selected
            .iter()
            .filter_map(|u| self.by_name.get(u))
            .filter_map(|i| self.rows.get(*i))
            .collect();
        rows.sort_by(|a, b| a.user_lc.cmp(&b.user_lc));
        rows
    }

    /// Replaces (or adds) one account after a change; call [`Self::refresh_view`] after a
    /// batch of these.
    pub fn replace_account(&mut self, account: Account, now: DateTime<Utc>) {
        let row = Row::new(account, now);
        match self.by_name.get(&row.user_lc) {
            Some(&i) => {
                self.index.set(i, &row.search_key());
                if let Some(slot) = self.rows.get_mut(i) {
                    *slot = row;
                }
            }
            None => {
                let parent = row.account.parent_dn().to_string();
                if let Err(at) = self.ous.binary_search(&parent) {
                    self.ous.insert(at, parent);
                }
                self.by_name.insert(row.user_lc.clone(), self.rows.len());
                self.index.push(&row.search_key());
                self.rows.push(row);
                self.order.push((self.rows.len() - 1) as u32);
            }
        }
    }

    /// Re-sorts and re-filters after changes, keeping the cursor on its account.
    pub fn refresh_view(&mut self, body: usize) {
        let keep = self.cursor_username();
        self.resort();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (Some(x), Some(y)) = (self.rows.get(a as usize), self.rows.get(b as usize)) else {
            return Ordering::Equal;
        };
        let primary = match self.sort {
            SortKey::Username => Ordering::Equal,
            SortKey::Name => x.name_lc.cmp(&y.name_lc),
            SortKey::Role => x.account.role.cmp(&y.account.role),
            SortKey::Status => status_rank(x.status).cmp(&status_rank(y.status)),
            SortKey::PasswordAge => {
                cmp_opt_time(x.account.password_last_set, y.account.password_last_set)
            }
            SortKey::LastLogon => cmp_opt_time(x.account.last_logon, y.account.last_logon),
        };
        let ord = primary.then_with(|| x.user_lc.cmp(&y.user_lc));
        if self.reverse {
            ord.reverse()
        } else {
            ord
        }
    }

    fn resort(&mut self) {
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.compare(*a, *b));
        self.order = order;
    }

    fn passes(&self, i: usize, row: &Row, needle: &str) -> bool {
        if !needle.is_empty() && !self.index.contains(i, needle.as_bytes()) {
            return false;
        }
        if let Some(role) = &self.filters.role {
            let r = row.account.role.as_deref().unwrap_or("none");
            if r != role {
                return false;
            }
        }
        if let Some(s) = self.filters.status {
            if row.status != s {
                return false;
            }
        }
        if let Some(ou) = &self.filters.ou {
            let ou = ou.to_lowercase();
            if row.ou_lc != ou && !row.ou_lc.ends_with(&format!(",{ou}")) {
                return false;
            }
        }
        true
    }

    fn needle(&self) -> String {
        self.search.value().trim().to_lowercase()
    }

    /// Recomputes the view from the sorted order.
    fn refilter_full(&mut self) {
        let needle = self.needle();
        let view: Vec<u32> = self
            .order
            .iter()
            .copied()
            .filter(|i| {
                self.rows
                    .get(*i as usize)
                    .is_some_and(|r| self.passes(*i as usize, r, &needle))
            })
            .collect();
        self.view = view;
        self.applied = (needle, self.filters.clone());
    }

    /// Re-filters after the search changed: from the current view when the search only
    /// narrowed, else from everything. The cursor goes to the first match.
    pub fn refilter_search(&mut self, body: usize) {
        let needle = self.needle();
        if self.applied.1 == self.filters && needle.contains(self.applied.0.as_str()) {
            let view: Vec<u32> = self
                .view
                .iter()
                .copied()
                .filter(|i| self.index.contains(*i as usize, needle.as_bytes()))
                .collect();
            self.view = view;
            self.applied.0 = needle;
        } else {
            self.refilter_full();
        }
        self.cursor = 0;
        self.offset = 0;
        self.keep_cursor_visible(body);
    }

    /// Re-filters after the filters changed, keeping the cursor's account if shown.
    pub fn refilter_keep(&mut self, body: usize) {
        let keep = self.cursor_username();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    /// Puts the cursor on an account if it is shown.
    pub fn select_username(&mut self, username: &str, body: usize) {
        self.put_cursor_on(Some(username));
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

    /// Table rows that fit in a body of `body` lines (search bar and column titles aside).
    pub fn page(body: usize) -> usize {
        body.saturating_sub(2).max(1)
    }

    /// Moves the first shown row so the cursor is on screen.
    pub fn keep_cursor_visible(&mut self, body: usize) {
        let page = Self::page(body);
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
        if let Some(c) = super::clicked(self.offset, row, Self::page(body), self.view.len()) {
            self.cursor = c;
        }
    }

    /// Next sort column (`reverse`: flip the direction instead).
    pub fn sort_by(&mut self, next: bool, body: usize) {
        if next {
            self.sort = self.sort.next();
            self.reverse = false;
        } else {
            self.reverse = !self.reverse;
        }
        let keep = self.cursor_username();
        self.resort();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(body);
    }

    /// Toggles the selection of the cursor's account and moves down.
    pub fn toggle_select(&mut self, body: usize) {
        if let Some(u) = self.current().map(|r| r.user_lc.clone()) {
            if !self.selected.remove(&u) {
                self.selected.insert(u);
            }
            self.move_by(1, body);
        }
    }

    /// Selects every shown account, or clears the selection if they all are.
    pub fn select_all(&mut self) {
        let shown: Vec<&str> = self
            .view
            .iter()
            .filter_map(|i| self.rows.get(*i as usize))
            .map(|r| r.user_lc.as_str())
            .collect();
        if !shown.is_empty() && shown.iter().all(|u| self.selected.contains(*u)) {
            self.selected.clear();
        } else {
            let add: Vec<String> = shown.into_iter().map(str::to_string).collect();
            self.selected.extend(add);
        }
    }

    /// True if the row is selected.
    pub fn is_selected(&self, row: &Row) -> bool {
        !self.selected.is_empty() && self.selected.contains(&row.user_lc)
    }

    /// A key while the search box has the keyboard; `action` is what the keymap's search
    /// context binds it to, if anything (otherwise it edits the search).
    pub fn search_key(&mut self, key: &KeyEvent, action: Option<Action>, body: usize) {
        let step = Self::page(body) as isize;
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
                    self.refilter_search(body);
                }
            }
        }
    }

    /// Clears the search and every filter.
    pub fn clear_all(&mut self, body: usize) {
        self.search.clear();
        self.filters = Filters::default();
        self.refilter_keep(body);
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

    fn screen() -> AccountsScreen {
        let mut s = AccountsScreen::default();
        let listing = Listing {
            accounts: vec![
                acct("zoe.adams", "Zoe Adams", "pupil", true),
                acct("amir.khan", "Amir Khan", "staff", false),
                acct("bea.lund", "Bea Lund", "pupil", true),
            ],
            skipped: 0,
        };
        s.set_accounts(listing, Utc::now(), 20);
        s
    }

    #[test]
    fn sorts_searches_and_filters() {
        let mut s = screen();
        let names = |s: &AccountsScreen| -> Vec<String> {
            s.view
                .iter()
                .map(|i| s.rows[*i as usize].account.username.clone())
                .collect()
        };
        assert_eq!(names(&s), ["amir.khan", "bea.lund", "zoe.adams"]);
        s.sort_by(false, 20);
        assert_eq!(names(&s), ["zoe.adams", "bea.lund", "amir.khan"]);
        s.sort_by(true, 20); // name
        assert_eq!(names(&s), ["amir.khan", "bea.lund", "zoe.adams"]);
        for c in "a".chars() {
            s.search.insert(c);
        }
        s.refilter_search(20);
        assert_eq!(names(&s).len(), 3);
        s.search.insert('d');
        s.refilter_search(20);
        assert_eq!(names(&s), ["zoe.adams"]);
        s.search.clear();
        s.refilter_search(20);
        s.filters.status = Some(AccountStatus::Disabled);
        s.refilter_keep(20);
        assert_eq!(names(&s), ["amir.khan"]);
    }

    #[test]
    fn select_all_toggles_and_targets_follow_selection() {
        let mut s = screen();
        assert_eq!(s.targets().len(), 1);
        s.select_all();
        assert_eq!(s.targets().len(), 3);
        s.select_all();
        assert!(s.selected.is_empty());
    }
}
