//! The Inventory tab: the equipment register on the shared table (searched, sorted, filtered
//! by status, category, room, loaned, overdue, unencrypted), a detail pane with the asset's
//! loans and history, loan and return dialogs (the borrower picked from the directory or typed,
//! and checked by `ops::inventory::loan`), the audit scan mode that takes a barcode scanner's
//! keyboard input, the audit round (start, report, close), and the disposal batches with what
//! each lacks before it can close. Assets are added, edited, have their status changed, get
//! label sheets and go into disposal batches from here too. Every figure and every change goes
//! through `ops::inventory`, the same functions the CLI calls.
//!
//! Files: `keys.rs` (keys and the dialogs they open), `submit.rs` (what those dialogs do),
//! `results.rs` (the answers from the background), `work.rs` (commands, answers, background
//! work, the scan session's task), `view.rs` (drawing).

mod forms;
mod keys;
mod results;
mod submit;
mod view;
mod work;

pub use crate::ops::inventory::change::Change;
pub use keys::{AUDIT_CONTEXT, CONTEXT, DISPOSAL_CONTEXT, KEYS, SCAN_CONTEXT};
pub use submit::{confirm_lines, InvPurpose, Pending};
pub use work::{InvCmd, InvMsg, Loaded, ScanFeed};

use crate::domain::inventory::audit::audit_overdue;
use crate::domain::inventory::{Category, ScanOutcome, Status};
use crate::ops::inventory::audit::{AuditReport, ScanResult};
use crate::ops::inventory::disposal::ReportBatch;
use crate::ops::inventory::{AssetDetail, ListRow};
use crate::tui::keymap::{Action, Context, KeyCombo, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Drill, Drilled, Page, Submitted, TabPage};
use crate::tui::widgets::table::{cmp_opt, FilterSet, SortColumn, Table, TableRow};
use crate::tui::widgets::ListCursor;
use crate::tui::work::{Cmd, Outbox};
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cmp::Ordering;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

/// What the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    /// The assets.
    #[default]
    Assets,
    /// The disposal batches.
    Disposal,
    /// The audit round's report.
    Audit,
}

/// The columns the assets sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvSort {
    /// Asset tag.
    #[default]
    Tag,
    /// Category.
    Category,
    /// Status.
    Status,
    /// Room.
    Room,
    /// Borrower, then due day.
    Borrower,
}

impl SortColumn for InvSort {
    const ALL: &'static [InvSort] = &[
        InvSort::Tag,
        InvSort::Category,
        InvSort::Status,
        InvSort::Room,
        InvSort::Borrower,
    ];

    fn title(self) -> &'static str {
        match self {
            InvSort::Tag => "Tag",
            InvSort::Category => "Category",
            InvSort::Status => "Status",
            InvSort::Room => "Room",
            InvSort::Borrower => "Borrower",
        }
    }
}

/// Filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvFilters {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this room (lower case).
    pub room: Option<String>,
    /// Only assets out on loan (to a person or a place).
    pub loaned: bool,
    /// Only loans past their due day.
    pub overdue: bool,
    /// Only portable data-bearing assets, deployed or on loan, not known to be encrypted.
    pub unencrypted: bool,
    /// Only assets not audited for longer than the interval (today, `audit_interval_days`),
    /// as the audit report lists them.
    pub not_audited: Option<(NaiveDate, u32)>,
}

impl FilterSet for InvFilters {
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(s) = self.status {
            v.push(format!("status={s}"));
        }
        if let Some(c) = self.category {
            v.push(format!("category={c}"));
        }
        if let Some(r) = &self.room {
            v.push(format!("room={r}"));
        }
        if self.loaned {
            v.push("loaned".into());
        }
        if self.overdue {
            v.push("overdue".into());
        }
        if self.unencrypted {
            v.push("unencrypted".into());
        }
        if let Some((_, days)) = self.not_audited {
            v.push(format!("not-audited>{days}d"));
        }
        v.join(" ")
    }
}

/// True for a portable data-bearing asset, deployed or on loan, not known to be encrypted (the
/// same test as `inventory encryption`).
pub fn unencrypted(a: &crate::domain::inventory::Asset) -> bool {
    a.data_bearing
        && a.encrypted != crate::domain::inventory::asset::Encrypted::Yes
        && a.category.is_portable()
        && matches!(a.status, Status::Deployed | Status::OnLoan)
}

/// One asset as the table holds it (the list row, reached through `Deref`).
#[derive(Debug, Clone)]
pub struct InvRow {
    /// The list row.
    pub list: ListRow,
    tag_lc: String,
    room_lc: String,
}

impl InvRow {
    /// A table row for a list row.
    pub fn new(list: ListRow) -> InvRow {
        InvRow {
            tag_lc: list.row.asset.tag.to_lowercase(),
            room_lc: list.row.asset.room.to_lowercase(),
            list,
        }
    }
}

impl Deref for InvRow {
    type Target = ListRow;
    fn deref(&self) -> &ListRow {
        &self.list
    }
}

fn status_rank(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn category_rank(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

impl TableRow for InvRow {
    type Sort = InvSort;
    type Filters = InvFilters;

    fn key(&self) -> &str {
        &self.tag_lc
    }

    /// Tag, serial, make, model, room and borrower, lower case.
    fn search_text(&self) -> String {
        let a = &self.row.asset;
        let mut k = self.tag_lc.clone();
        for part in [&a.serial, &a.manufacturer, &a.model, &a.room] {
            k.push('\n');
            k.push_str(&part.to_lowercase());
        }
        if let Some(b) = &self.row.loaned_to {
            k.push('\n');
            k.push_str(&b.to_lowercase());
        }
        k
    }

    fn compare(&self, y: &Self, by: InvSort) -> Ordering {
        let (x, yr) = (&self.row, &y.row);
        match by {
            InvSort::Tag => Ordering::Equal,
            InvSort::Category => {
                category_rank(x.asset.category).cmp(&category_rank(yr.asset.category))
            }
            InvSort::Status => status_rank(x.asset.status).cmp(&status_rank(yr.asset.status)),
            InvSort::Room => self.room_lc.cmp(&y.room_lc),
            InvSort::Borrower => cmp_opt(
                x.loaned_to.as_deref().map(str::to_lowercase),
                yr.loaned_to.as_deref().map(str::to_lowercase),
            )
            .then_with(|| cmp_opt(x.due, yr.due)),
        }
    }

    fn passes(&self, f: &InvFilters) -> bool {
        let a = &self.row.asset;
        f.status.is_none_or(|s| a.status == s)
            && f.category.is_none_or(|c| a.category == c)
            && f.room.as_ref().is_none_or(|r| *r == self.room_lc)
            && (!f.loaned || self.row.loaned_to.is_some())
            && (!f.overdue || self.overdue)
            && (!f.unencrypted || unencrypted(a))
            && f.not_audited.is_none_or(|(today, days)| {
                a.status.expected_in_audit() && audit_overdue(a.last_audited, today, days)
            })
    }
}

/// The detail pane: the asset it is for and what was read.
#[derive(Debug, Default)]
pub struct DetailPane {
    /// Shown.
    pub open: bool,
    /// The tag (lower case) it was read for.
    pub tag: String,
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// A read is running.
    pub loading: bool,
    /// What was read, or why not.
    pub data: Option<Result<Box<AssetDetail>, String>>,
}

/// The audit scan mode: the session's feed, what was typed, and what the scans did.
#[derive(Debug, Default)]
pub struct ScanMode {
    /// Scan mode is on (keys go to the scan).
    pub on: bool,
    /// Generation of the session.
    pub gen: u64,
    /// The session is being opened.
    pub opening: bool,
    /// Where the scans go (the background task owning the session); None until it is open.
    pub feed: Option<ScanFeed>,
    /// The open round's name.
    pub round: String,
    /// The room being scanned ("" for none: every known tag counts as seen).
    pub room: String,
    /// What the scanner has typed since the last Enter.
    pub typed: String,
    /// Tags sent and not yet answered.
    pub pending: usize,
    /// Scans answered in this session.
    pub count: usize,
    /// Of them: seen where they belong.
    pub seen: usize,
    /// Seen in another room.
    pub moved: usize,
    /// Tags the register does not know.
    pub unknown: usize,
    /// Scanned before in this round.
    pub already: usize,
    /// The last scan and what it meant.
    pub last: Option<Result<ScanResult, String>>,
    /// What the last tag is (make and model), when the register knows it.
    pub last_what: String,
}

impl ScanMode {
    /// True when the last scan wants the technician's eye (an unknown or moved tag, or an
    /// error): the scan line flashes.
    pub fn flash(&self) -> Option<&'static str> {
        match &self.last {
            Some(Ok(r)) => match r.outcome {
                ScanOutcome::Unknown => Some("UNKNOWN"),
                ScanOutcome::Moved => Some("MOVED"),
                _ => None,
            },
            Some(Err(_)) => Some("NOT RECORDED"),
            None => None,
        }
    }
}

/// The disposal panel: every batch and the one under the cursor.
#[derive(Debug, Default)]
pub struct DisposalPanel {
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// A read is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The batches, oldest first.
    pub batches: Vec<ReportBatch>,
    /// The last read failed with this.
    pub error: Option<String>,
    /// Cursor over the batches.
    pub list: ListCursor,
}

/// The audit panel: the newest round's report.
#[derive(Debug, Default)]
pub struct AuditPanel {
    /// Generation of the read in flight or answered.
    pub gen: u64,
    /// A read is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The report (None: no round yet, or the read failed).
    pub report: Option<Box<AuditReport>>,
    /// The last read failed with this (or there is no round yet).
    pub error: Option<String>,
    /// First line of the report shown.
    pub scroll: usize,
}

/// The Inventory tab.
#[derive(Debug, Default)]
pub struct InventoryTab {
    /// The assets, on the shared table.
    pub table: Table<InvRow>,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The last load failed with this.
    pub error: Option<String>,
    /// What the tab shows.
    pub panel: Panel,
    /// The detail pane.
    pub detail: DetailPane,
    /// The audit scan mode.
    pub scan: ScanMode,
    /// The disposal batches.
    pub disposal: DisposalPanel,
    /// The audit round's report.
    pub audit: AuditPanel,
    /// `[inventory] audit_interval_days` (from the first load).
    pub audit_interval_days: u32,
    /// The store's folder: label sheets go here by default.
    pub store_dir: PathBuf,
    /// After the next load, put the cursor on this tag (a new asset).
    pub focus_after_load: Option<String>,
    /// Generation of the change (loan, return) in flight.
    pub save_gen: u64,
    /// A change is running.
    pub saving: bool,
    /// Generation of the plan asked for without a form (closing the audit round).
    pub plan_gen: u64,
    /// That plan is being made.
    pub planning: bool,
}

impl InventoryTab {
    /// Asks for the assets to be read.
    pub fn request_load(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        InvCmd::Load { gen }.into()
    }

    /// Asks for the detail of the asset under the cursor (if the pane is open).
    pub fn request_detail(&mut self, sh: &mut Shell) -> Option<Cmd> {
        if !self.detail.open {
            return None;
        }
        let tag = self.table.current()?.row.asset.tag.clone();
        let gen = sh.next_gen();
        self.detail.gen = gen;
        self.detail.loading = true;
        self.detail.tag = tag.to_lowercase();
        Some(InvCmd::Detail { gen, tag }.into())
    }

    /// Reads the detail again when the cursor moved to another asset.
    pub fn follow_cursor(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if !self.detail.open {
            return Vec::new();
        }
        let now = self.table.cursor_key();
        if now.as_deref() == Some(self.detail.tag.as_str()) {
            return Vec::new();
        }
        self.request_detail(sh).into_iter().collect()
    }

    /// Asks for the disposal batches to be read.
    pub fn request_disposal(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.disposal.gen = gen;
        self.disposal.loading = true;
        InvCmd::Disposal { gen }.into()
    }

    /// Asks for the audit report to be read.
    pub fn request_audit(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.audit.gen = gen;
        self.audit.loading = true;
        InvCmd::Audit { gen }.into()
    }

    /// Takes a fresh list; keeps the cursor on the same asset if it is still shown.
    pub fn set_rows(&mut self, rows: Vec<ListRow>, body: usize) {
        self.loaded = true;
        let rows = rows.into_iter().map(InvRow::new).collect();
        let page = self.page(body);
        self.table.set_rows(rows, page);
        if let Some(tag) = self.focus_after_load.take() {
            if self.table.row(&tag).is_some() {
                self.table.select_key(&tag, page);
            }
        }
    }

    /// The open disposal batches, newest first (as last read).
    pub fn open_batches(&self) -> Vec<&ReportBatch> {
        self.disposal
            .batches
            .iter()
            .rev()
            .filter(|b| b.view.batch.closed_at.is_none())
            .collect()
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&InvRow> {
        self.table.current()
    }

    /// The row of a tag (any case).
    pub fn row(&self, tag: &str) -> Option<&InvRow> {
        self.table.row(tag)
    }

    /// Lines the scan banner takes (0 outside scan mode).
    pub fn scan_height(&self) -> usize {
        if self.scan.on {
            4
        } else {
            0
        }
    }

    /// Table rows that fit in a body of `body` lines (bar, scan banner, column titles aside).
    pub fn page(&self, body: usize) -> usize {
        body.saturating_sub(2 + self.scan_height()).max(1)
    }

    /// The distinct rooms of the register (for the filter), in order.
    pub fn rooms(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&str> = self
            .table
            .rows()
            .iter()
            .map(|r| r.row.asset.room.as_str())
            .filter(|r| !r.is_empty())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Leaves scan mode: the session's task ends when its feed is dropped; the list is read
    /// again (the scans set "last audited").
    pub fn leave_scan(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        let was_open = self.scan.feed.is_some();
        let n = self.scan.count;
        self.scan = ScanMode::default();
        if was_open {
            sh.info(format!(
                "left scan mode after {n} scan{}",
                if n == 1 { "" } else { "s" }
            ));
            let mut cmds = vec![self.request_load(sh)];
            if self.audit.loaded {
                cmds.push(self.request_audit(sh));
            }
            return cmds;
        }
        Vec::new()
    }

    fn busy_word(&self) -> Option<&'static str> {
        if self.loading {
            Some("reading the inventory")
        } else if self.scan.opening {
            Some("opening the audit round")
        } else if self.scan.pending > 0 {
            Some("recording scans")
        } else if self.saving {
            Some("saving the change")
        } else if self.planning {
            Some("planning the change")
        } else if self.detail.loading {
            Some("reading the asset")
        } else if self.disposal.loading {
            Some("reading the disposal batches")
        } else if self.audit.loading {
            Some("reading the audit report")
        } else {
            None
        }
    }
}

impl Page for InventoryTab {
    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's inventory figures (ops::report::inventory).
        let page = self.page(sh.body_height());
        let mut f = InvFilters::default();
        let words = match d.key.as_str() {
            "inventory.assets" => "every asset in the register (f filters)",
            "inventory.unencrypted" => {
                f.unencrypted = true;
                "portable devices not known to be encrypted (F clears)"
            }
            _ => return None,
        };
        self.panel = Panel::Assets;
        self.table.clear_all(page);
        self.table.filters = f;
        self.table.refilter_keep(page);
        Drilled::words(words)
    }

    fn hidden_selection(&self) -> (usize, usize) {
        self.table.hidden_selection()
    }

    fn narrow_selection(&mut self, sh: &mut Shell, visible_only: bool) {
        let page = self.page(sh.body_height());
        self.table.narrow_selection(visible_only, page);
    }

    fn title(&self) -> &'static str {
        "Inventory"
    }

    fn context(&self) -> Context {
        if self.scan.on {
            return SCAN_CONTEXT;
        }
        match self.panel {
            Panel::Assets => CONTEXT,
            Panel::Disposal => DISPOSAL_CONTEXT,
            Panel::Audit => AUDIT_CONTEXT,
        }
    }

    fn goto(&self) -> Action {
        Action::TabInventory
    }

    fn busy(&self) -> Option<String> {
        self.busy_word().map(str::to_string)
    }

    fn typing(&self) -> bool {
        self.scan.on || (self.panel == Panel::Assets && self.table.searching)
    }

    fn on_text(&mut self, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
        if self.scan.on {
            return keys::scan_key(self, sh, key, combo);
        }
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        let page = self.page(sh.body_height());
        self.table.search_key(key, action, page);
        self.follow_cursor(sh)
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

    /// Loans and disposals check directory accounts, but nothing another tab changes alters
    /// the register: only this tab's own changes make it stale, and it reads itself again.
    fn on_changed(&mut self, _sh: &mut Shell, _c: &Changed, _shown: bool) -> Vec<Cmd> {
        Vec::new()
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if self.loaded || shown {
            cmds.push(self.request_load(sh));
        }
        if self.disposal.loaded || (shown && self.panel == Panel::Disposal) {
            cmds.push(self.request_disposal(sh));
        }
        if self.audit.loaded || (shown && self.panel == Panel::Audit) {
            cmds.push(self.request_audit(sh));
        }
        cmds.extend(self.request_detail(sh));
        cmds
    }

    fn on_resize(&mut self, body: usize) {
        let page = self.page(body);
        self.table.keep_cursor_visible(page);
    }

    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        let body = sh.body_height();
        match self.panel {
            Panel::Assets => {
                let top = 2 + self.scan_height();
                if row >= top {
                    let page = self.page(body);
                    self.table.click(row - top, page);
                    return self.follow_cursor(sh);
                }
            }
            Panel::Disposal if row >= 2 => {
                let n = self.disposal.batches.len();
                self.disposal.list.click(row - 2, n, n.max(1));
            }
            Panel::Disposal | Panel::Audit => {}
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        match self.panel {
            Panel::Assets => view::draw(f, area, self, sh),
            Panel::Disposal => view::disposal(f, area, self, sh),
            Panel::Audit => view::audit(f, area, self, sh),
        }
    }
}

impl TabPage for InventoryTab {
    type Cmd = InvCmd;
    type Msg = InvMsg;
    type Purpose = InvPurpose;
    const KEYS: &'static [KeyRow] = KEYS;
    const VERBS: &'static [crate::tui::keymap::Verb] = keys::InventoryVerb::VERBS;

    fn on_msg(&mut self, sh: &mut Shell, msg: InvMsg) -> (Vec<Cmd>, bool) {
        results::on_msg(self, sh, msg)
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: InvPurpose, d: Submitted) -> Vec<Cmd> {
        submit::on_submit(self, sh, purpose, d)
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<InvMsg>, cmd: InvCmd) {
        work::spawn(ctx, out, cmd);
    }
}
