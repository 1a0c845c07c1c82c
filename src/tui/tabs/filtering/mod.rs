//! The Filtering tab: the web-filter exception log. The request queue and the exceptions in
//! force on the shared table (searched, sorted, filtered by status, kind, scope and due for
//! removal), a detail pane with a request's whole history, and dialogs for a new request, a
//! decision, apply and revoke; a review panel walks every exception in force (keep, revoke,
//! shorten, with a note) and closes the review with the checks made. Every figure and every
//! refusal comes from `ops::filter`, as in the CLI.
//!
//! Files: `keys.rs` (keys and the dialogs they open), `submit.rs` (what the dialogs do),
//! `results.rs` (answers), `work.rs` (commands, answers, background work), `view.rs` (drawing).

mod keys;
mod results;
mod submit;
mod view;
mod work;

pub use crate::ops::filter::status_word;
pub use keys::{CONTEXT, KEYS, REVIEW_CONTEXT};
pub use submit::{confirm, FilterPurpose};
pub use work::{load, FilterCmd, FilterMsg, Loaded};

use crate::domain::filter::review::ReviewReport;
use crate::domain::filter::{Entry, Kind, Role, Status};
use crate::domain::time::end_of_day;
use crate::ops::filter::{History, ReviewStatus};
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
use std::ops::Deref;
use std::sync::Arc;

/// The statuses, in the order the status filter cycles through them.
pub const STATUS_CYCLE: [Status; 6] = [
    Status::Pending,
    Status::Agreed,
    Status::Applied,
    Status::Expired,
    Status::Revoked,
    Status::Rejected,
];

/// From this body height the queue has a line of counts under it.
pub const SUMMARY_FROM: usize = 12;

/// The scopes the filter offers (group scopes are searched for instead).
pub const SCOPES: [&str; 4] = ["school", "staff", "pupils", "year"];

/// A short status for the table: `pending 1/2`, `applied`, `expired DUE`.
pub fn status_short(e: &Entry, roles: usize) -> String {
    match e.status {
        Status::Pending => format!("pending {}/{}", e.decisions.len(), roles.max(1)),
        s if e.due => format!("{} DUE", s.as_str()),
        s => s.as_str().into(),
    }
}

/// An ASCII mark for each status (never colour alone).
pub fn status_mark(e: &Entry) -> &'static str {
    if e.due {
        return "!";
    }
    match e.status {
        Status::Pending => "?",
        Status::Agreed => "~",
        Status::Applied => "+",
        Status::Expired | Status::Revoked => "x",
        Status::Rejected => "-",
    }
}

/// Days left in words: `40 d`, `permanent`, or `-` when it is not in force.
pub fn days_word(e: &Entry) -> String {
    match (e.days_left, e.until) {
        (Some(d), _) => format!("{d} d"),
        (None, None) if e.status.is_active() || e.status == Status::Pending => "permanent".into(),
        _ => "-".into(),
    }
}

/// What the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    /// The request queue and exceptions.
    #[default]
    Queue,
    /// The review of the exceptions in force.
    Review,
}

/// The columns the queue sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FSort {
    /// Request number.
    #[default]
    Id,
    /// Site.
    Site,
    /// Status.
    Status,
    /// When it was asked for.
    Requested,
    /// Days left (soonest first, permanent last).
    DaysLeft,
}

impl SortColumn for FSort {
    const ALL: &'static [FSort] = &[
        FSort::Id,
        FSort::Site,
        FSort::Status,
        FSort::Requested,
        FSort::DaysLeft,
    ];

    fn title(self) -> &'static str {
        match self {
            FSort::Id => "#",
            FSort::Site => "Site",
            FSort::Status => "Status",
            FSort::Requested => "Requested",
            FSort::DaysLeft => "Days left",
        }
    }
}

fn status_rank(e: &Entry) -> u8 {
    if e.due {
        return 0;
    }
    match e.status {
        Status::Pending => 1,
        Status::Agreed => 2,
        Status::Applied => 3,
        Status::Expired => 4,
        Status::Revoked => 5,
        Status::Rejected => 6,
    }
}

/// Filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FFilters {
    /// Only this status.
    pub status: Option<Status>,
    /// Only exceptions in force (agreed or applied).
    pub in_force: bool,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only this scope (`school`, `staff`, `pupils`, `year` for any year group).
    pub scope: Option<String>,
    /// Only those expired or revoked but still in the filter.
    pub due: bool,
}

impl FilterSet for FFilters {
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(s) = self.status {
            v.push(format!("status={}", s.as_str()));
        }
        if self.in_force {
            v.push("in force".into());
        }
        if let Some(k) = self.kind {
            v.push(format!("kind={}", k.as_str()));
        }
        if let Some(s) = &self.scope {
            v.push(format!("scope={s}"));
        }
        if self.due {
            v.push("due for removal".into());
        }
        v.join(" ")
    }
}

/// One request as the table holds it (the entry, reached through `Deref`).
#[derive(Debug, Clone)]
pub struct FRow {
    /// Where it stands.
    pub entry: Entry,
    key: String,
    scope: String,
}

impl FRow {
    /// A row for an entry.
    pub fn new(entry: Entry) -> FRow {
        FRow {
            key: entry.id.to_string(),
            scope: entry.scope.to_string(),
            entry,
        }
    }

    /// The scope in words.
    pub fn scope_word(&self) -> &str {
        &self.scope
    }
}

impl Deref for FRow {
    type Target = Entry;
    fn deref(&self) -> &Entry {
        &self.entry
    }
}

impl TableRow for FRow {
    type Sort = FSort;
    type Filters = FFilters;

    fn key(&self) -> &str {
        &self.key
    }

    /// Site (as typed and normalised), requester, reason and scope, lower case.
    fn search_text(&self) -> String {
        let e = &self.entry;
        let mut k = String::with_capacity(96);
        for part in [
            e.site.as_str(),
            e.host.as_str(),
            e.host_unicode.as_str(),
            e.requested_by.as_str(),
            e.reason.as_str(),
            self.scope.as_str(),
        ] {
            k.push_str(&part.to_lowercase());
            k.push('\n');
        }
        k
    }

    fn compare(&self, y: &Self, by: FSort) -> Ordering {
        let (x, y) = (&self.entry, &y.entry);
        match by {
            FSort::Id => x.id.cmp(&y.id),
            FSort::Site => x
                .host_unicode
                .cmp(&y.host_unicode)
                .then_with(|| x.id.cmp(&y.id)),
            FSort::Status => status_rank(x)
                .cmp(&status_rank(y))
                .then_with(|| x.id.cmp(&y.id)),
            FSort::Requested => x
                .requested_at
                .cmp(&y.requested_at)
                .then_with(|| x.id.cmp(&y.id)),
            FSort::DaysLeft => cmp_opt(x.days_left, y.days_left).then_with(|| x.id.cmp(&y.id)),
        }
    }

    fn passes(&self, f: &FFilters) -> bool {
        let e = &self.entry;
        f.status.is_none_or(|s| e.status == s)
            && (!f.in_force || e.status.is_active())
            && f.kind.is_none_or(|k| e.kind == k)
            && f.scope.as_deref().is_none_or(|s| match s {
                "year" => matches!(e.scope, crate::domain::filter::Scope::Year(_)),
                other => self.scope == other,
            })
            && (!f.due || e.due)
    }
}

/// The history pane's content, for one request.
#[derive(Debug, Default)]
pub struct HistoryPane {
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// The request it is for.
    pub id: Option<i64>,
    /// What was read, or why not.
    pub data: Option<Result<Box<History>, String>>,
}

/// The Filtering tab.
#[derive(Debug, Default)]
pub struct FilteringTab {
    /// Every request, on the shared table.
    pub table: Table<FRow>,
    /// The approver roles in force.
    pub roles: Vec<Role>,
    /// The open review, if any.
    pub review: Option<ReviewStatus>,
    /// The governors' report as last read (last review, next due).
    pub report: Option<ReviewReport>,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The last load failed with this.
    pub error: Option<String>,
    /// The moment the list was judged at.
    pub now: Option<DateTime<Utc>>,
    /// The detail pane is open.
    pub detail: bool,
    /// The history in the detail pane.
    pub history: HistoryPane,
    /// What the tab shows.
    pub panel: Panel,
    /// The cursor of the review panel (over the exceptions still to look at).
    pub review_list: ListCursor,
    /// Generation of the change in flight.
    pub save_gen: u64,
    /// A change is running.
    pub saving: bool,
    /// Put the cursor on this request after the next load.
    pub select_after: Option<i64>,
    /// The last directory username typed as "by" (the next dialog starts with it).
    pub last_by: String,
}

impl FilteringTab {
    /// The moment statuses are judged at: the end of the `--as-of` day, else the clock's now.
    pub fn judge_now(sh: &Shell) -> DateTime<Utc> {
        sh.env
            .as_of
            .map(end_of_day)
            .unwrap_or_else(|| sh.env.clock.now())
    }

    /// Asks for everything to be read again.
    pub fn request_load(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        FilterCmd::Load {
            gen,
            now: Self::judge_now(sh),
        }
        .into()
    }

    /// Asks for the history of the request under the cursor, if the pane shows another one.
    pub fn history_cmd(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if !self.detail {
            return Vec::new();
        }
        let Some(id) = self.table.current().map(|r| r.id) else {
            return Vec::new();
        };
        if self.history.id == Some(id) && self.history.data.is_some() {
            return Vec::new();
        }
        let gen = sh.next_gen();
        self.history = HistoryPane {
            gen,
            id: Some(id),
            data: None,
        };
        vec![FilterCmd::Show {
            gen,
            id,
            now: Self::judge_now(sh),
        }
        .into()]
    }

    /// Takes what was read; keeps the cursor on the same request (or the one asked for).
    pub fn set_loaded(&mut self, l: Loaded, body: usize) {
        self.roles = l.roles;
        self.review = l.review;
        self.report = Some(l.report);
        self.loaded = true;
        let rows = l.entries.into_iter().map(FRow::new).collect();
        let page = Self::page(body);
        self.table.set_rows(rows, page);
        if let Some(id) = self.select_after.take() {
            if self.table.row(&id.to_string()).is_some() && !self.shown_id(id) {
                // Show it even if the filters hid it.
                self.table.clear_all(page);
            }
            self.table.select_key(&id.to_string(), page);
        }
        let left = self.review_items().len();
        self.review_list.cursor = self.review_list.cursor.min(left.saturating_sub(1));
    }

    fn shown_id(&self, id: i64) -> bool {
        self.table.shown().any(|r| r.id == id)
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&FRow> {
        self.table.current()
    }

    /// Table rows that fit in a body of `body` lines (bar, column titles and, from
    /// [`SUMMARY_FROM`] lines, the counts line aside).
    pub fn page(body: usize) -> usize {
        body.saturating_sub(2 + usize::from(body >= SUMMARY_FROM))
            .max(1)
    }

    /// Review panel rows that fit (heading lines and column titles aside).
    pub fn review_page(body: usize) -> usize {
        body.saturating_sub(5).max(1)
    }

    /// The exceptions the open review has still to look at.
    pub fn review_items(&self) -> &[Entry] {
        self.review
            .as_ref()
            .map(|r| r.remaining.as_slice())
            .unwrap_or_default()
    }

    /// The exception under the review panel's cursor.
    pub fn review_current(&self) -> Option<&Entry> {
        self.review_items().get(self.review_list.cursor)
    }

    /// The status filter moves to the next status, then to none.
    pub fn cycle_status(&mut self, body: usize) {
        let f = &mut self.table.filters;
        f.status = match f.status {
            None => STATUS_CYCLE.first().copied(),
            Some(s) => {
                let i = STATUS_CYCLE.iter().position(|x| *x == s).unwrap_or(0);
                STATUS_CYCLE.get(i + 1).copied()
            }
        };
        self.table.refilter_keep(Self::page(body));
    }

    /// Counts for the heading: pending, in force, due for removal.
    pub fn counts(&self) -> (usize, usize, usize) {
        let rows = self.table.rows();
        (
            rows.iter().filter(|r| r.status == Status::Pending).count(),
            rows.iter().filter(|r| r.status.is_active()).count(),
            rows.iter().filter(|r| r.due).count(),
        )
    }
}

impl Page for FilteringTab {
    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's filtering figures with a list (ops::report::filtering).
        let page = FilteringTab::page(sh.body_height());
        let mut f = FFilters::default();
        let words = match d.key.as_str() {
            "filtering.in-force" => {
                f.in_force = true;
                "exceptions in force (F clears)"
            }
            "filtering.due-for-removal" => {
                f.due = true;
                "ended but still in the filter (F clears)"
            }
            _ => return None,
        };
        self.panel = Panel::Queue;
        self.table.clear_all(page);
        self.table.filters = f;
        self.table.refilter_keep(page);
        Drilled::words(words)
    }

    fn title(&self) -> &'static str {
        "Filtering"
    }

    fn context(&self) -> Context {
        match self.panel {
            Panel::Queue => CONTEXT,
            Panel::Review => REVIEW_CONTEXT,
        }
    }

    fn goto(&self) -> Action {
        Action::TabFiltering
    }

    fn busy(&self) -> Option<String> {
        if self.loading {
            Some("reading the filter log".into())
        } else if self.saving {
            Some("recording in the filter log".into())
        } else {
            None
        }
    }

    fn typing(&self) -> bool {
        self.panel == Panel::Queue && self.table.searching
    }

    fn on_text(&mut self, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        let page = Self::page(sh.body_height());
        self.table.search_key(key, action, page);
        self.history_cmd(sh)
    }

    fn on_show(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if self.loading || self.loaded {
            return Vec::new();
        }
        vec![self.request_load(sh)]
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    fn on_changed(&mut self, sh: &mut Shell, c: &Changed, _shown: bool) -> Vec<Cmd> {
        // A change here announces `Log` and reloads itself; nothing another tab does changes
        // the filter log.
        let _ = (sh, c);
        Vec::new()
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        if self.loaded || shown {
            self.history.data = None;
            let mut cmds = vec![self.request_load(sh)];
            cmds.extend(self.history_cmd(sh));
            cmds
        } else {
            Vec::new()
        }
    }

    fn on_resize(&mut self, body: usize) {
        self.table.keep_cursor_visible(Self::page(body));
    }

    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        let body = sh.body_height();
        match self.panel {
            Panel::Queue if row >= 2 => {
                self.table.click(row - 2, Self::page(body));
                self.history_cmd(sh)
            }
            Panel::Review if row >= 5 => {
                let n = self.review_items().len();
                self.review_list.click(row - 5, n, Self::review_page(body));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        match self.panel {
            Panel::Queue => view::draw(f, area, self, sh),
            Panel::Review => view::review(f, area, self, sh),
        }
    }
}

impl TabPage for FilteringTab {
    type Cmd = FilterCmd;
    type Msg = FilterMsg;
    type Purpose = FilterPurpose;
    const KEYS: &'static [KeyRow] = KEYS;
    const VERBS: &'static [crate::tui::keymap::Verb] = keys::FilteringVerb::VERBS;

    fn on_msg(&mut self, sh: &mut Shell, msg: FilterMsg) -> (Vec<Cmd>, bool) {
        results::on_msg(self, sh, msg)
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: FilterPurpose, d: Submitted) -> Vec<Cmd> {
        submit::on_submit(self, sh, purpose, d)
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<FilterMsg>, cmd: FilterCmd) {
        work::spawn(ctx, out, cmd);
    }
}
