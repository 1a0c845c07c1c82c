//! The Leavers tab: the zombie-account scan with its evidence (on the shared table: searched,
//! sorted, filtered by reason, role and protected), the leaver-day sweep's preview with every
//! step and a per-account include/exclude, its apply behind a confirmation, a progress view of
//! which step each account is on, `resume` when a run did not finish, the history of runs with
//! a run's report, and restore of an account from that report. Every scan and change goes
//! through `ops::leavers`, the same functions as `leavers scan`, `sweep` and `leavers restore`.
//!
//! Files: `keys.rs` (keys and the dialogs they open), `submit.rs` (what those dialogs do),
//! `results.rs` (the answers), `work.rs` (commands, answers, background work), `view.rs`.

mod keys;
mod results;
mod submit;
mod sync;
mod sync_view;
mod sync_work;
mod view;
mod work;

pub use keys::{CONTEXT, KEYS, PLAN_CONTEXT, PROGRESS_CONTEXT, REPORT_CONTEXT, RUNS_CONTEXT};
pub use submit::LeaversPurpose;
pub use sync::{Kind as SyncKind, SYNC_CONTEXT, SYNC_KIND_CONTEXT};
pub use sync_work::{SyncCmd, SyncMsg};
pub use work::{LeaversCmd, LeaversMsg, RestoreDone, ScanResult};

use crate::domain::leavers::{Action as FindingAction, Finding, Reason};
use crate::error::Error;
use crate::ops::leavers::sweep::{AccountPlan, Plan, RunOutcome, RunReport, StepState};
use crate::ops::SweepRun;
use crate::tui::keymap::{Action, Context, KeyCombo, KeyRow};
use crate::tui::shell::{Job, Shell};
use crate::tui::tabs::{Changed, Drill, Drilled, Page, Submitted, Tab, TabPage};
use crate::tui::widgets::table::{cmp_opt, FilterSet, SortColumn, Table, TableRow};
use crate::tui::widgets::ListCursor;
use crate::tui::work::{Cmd, Outbox};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

/// What the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    /// The scan's findings.
    #[default]
    Findings,
    /// The sweep's preview.
    Plan,
    /// A run being worked through (or the last one, once it ended).
    Progress,
    /// The runs, with the report of the one under the cursor.
    Runs,
    /// The report's accounts (to restore one).
    Report,
    /// The sync with the MIS roll: the plan by kind.
    Sync,
    /// The sync: one kind's items.
    SyncKind,
}

/// The columns the findings sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingSort {
    /// Reason, then username (the scan's order).
    #[default]
    Reason,
    /// Username.
    Username,
    /// Role.
    Role,
    /// Action.
    Action,
    /// Last logon (never last).
    LastLogon,
    /// Leaving date.
    Leaving,
}

impl SortColumn for FindingSort {
    const ALL: &'static [FindingSort] = &[
        FindingSort::Reason,
        FindingSort::Username,
        FindingSort::Role,
        FindingSort::Action,
        FindingSort::LastLogon,
        FindingSort::Leaving,
    ];

    fn title(self) -> &'static str {
        match self {
            FindingSort::Reason => "Reason",
            FindingSort::Username => "Username",
            FindingSort::Role => "Role",
            FindingSort::Action => "Action",
            FindingSort::LastLogon => "Last logon",
            FindingSort::Leaving => "Leaving",
        }
    }
}

/// Filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilters {
    /// Only this reason.
    pub reason: Option<Reason>,
    /// Only this role (lower case; "none" for accounts without one).
    pub role: Option<String>,
    /// Only protected (true) or only not protected (false).
    pub protected: Option<bool>,
}

impl FilterSet for FindingFilters {
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(r) = self.reason {
            v.push(format!("reason={}", r.as_str()));
        }
        if let Some(r) = &self.role {
            v.push(format!("role={r}"));
        }
        match self.protected {
            Some(true) => v.push("protected".into()),
            Some(false) => v.push("not protected".into()),
            None => {}
        }
        v.join(" ")
    }
}

/// One finding as the table holds it.
#[derive(Debug, Clone)]
pub struct FindingRow {
    /// The finding.
    pub finding: Finding,
    key: String,
    role_lc: String,
}

impl FindingRow {
    /// A row for a finding (one account may have several findings: the key is both).
    pub fn new(finding: Finding) -> FindingRow {
        FindingRow {
            key: format!(
                "{}\t{}",
                finding.username.to_lowercase(),
                finding.reason.as_str()
            ),
            role_lc: finding.role.as_deref().unwrap_or("none").to_lowercase(),
            finding,
        }
    }
}

fn reason_rank(r: Reason) -> usize {
    Reason::ALL.iter().position(|x| *x == r).unwrap_or(0)
}

impl TableRow for FindingRow {
    type Sort = FindingSort;
    type Filters = FindingFilters;

    fn key(&self) -> &str {
        &self.key
    }

    /// Username, DN, role, reason and evidence, lower case.
    fn search_text(&self) -> String {
        let f = &self.finding;
        [
            f.username.as_str(),
            f.dn.as_str(),
            self.role_lc.as_str(),
            f.reason.as_str(),
            f.evidence.as_str(),
        ]
        .join("\n")
        .to_lowercase()
    }

    fn compare(&self, y: &Self, by: FindingSort) -> Ordering {
        let (a, b) = (&self.finding, &y.finding);
        match by {
            FindingSort::Reason => reason_rank(a.reason).cmp(&reason_rank(b.reason)),
            FindingSort::Username => Ordering::Equal,
            FindingSort::Role => self.role_lc.cmp(&y.role_lc),
            FindingSort::Action => a.action.as_str().cmp(b.action.as_str()),
            FindingSort::LastLogon => cmp_opt(a.last_logon, b.last_logon),
            FindingSort::Leaving => cmp_opt(a.leaving_date, b.leaving_date),
        }
    }

    fn passes(&self, f: &FindingFilters) -> bool {
        f.reason.is_none_or(|r| self.finding.reason == r)
            && f.role.as_ref().is_none_or(|r| *r == self.role_lc)
            && f.protected.is_none_or(|p| self.finding.protected == p)
    }
}

/// The plan's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanSort {
    /// Username.
    #[default]
    Username,
    /// Reason.
    Reason,
}

impl SortColumn for PlanSort {
    const ALL: &'static [PlanSort] = &[PlanSort::Username, PlanSort::Reason];
    fn title(self) -> &'static str {
        match self {
            PlanSort::Username => "Username",
            PlanSort::Reason => "Reason",
        }
    }
}

/// The plan has no filters besides the search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoFilters;

impl FilterSet for NoFilters {
    fn describe(&self) -> String {
        String::new()
    }
}

/// One account of the sweep's plan.
#[derive(Debug, Clone)]
pub struct PlanRow {
    /// Its plan.
    pub plan: AccountPlan,
    key: String,
}

impl TableRow for PlanRow {
    type Sort = PlanSort;
    type Filters = NoFilters;
    fn key(&self) -> &str {
        &self.key
    }
    fn search_text(&self) -> String {
        format!(
            "{}\n{}",
            self.key,
            self.plan.finding.evidence.to_lowercase()
        )
    }
    fn compare(&self, y: &Self, by: PlanSort) -> Ordering {
        match by {
            PlanSort::Username => Ordering::Equal,
            PlanSort::Reason => {
                reason_rank(self.plan.finding.reason).cmp(&reason_rank(y.plan.finding.reason))
            }
        }
    }
    fn passes(&self, _f: &NoFilters) -> bool {
        true
    }
}

/// The sweep's preview.
#[derive(Debug, Default)]
pub struct PlanPanel {
    /// Generation of the plan in flight or answered.
    pub gen: u64,
    /// Being planned.
    pub loading: bool,
    /// The plan (accounts are in the table too).
    pub plan: Option<Plan>,
    /// Where its MIS export came from.
    pub source: String,
    /// The last planning failed with this.
    pub error: Option<String>,
    /// The accounts, on the shared table.
    pub table: Table<PlanRow>,
    /// Usernames (lower case) left out of the sweep.
    pub excluded: HashSet<String>,
}

impl PlanPanel {
    /// The plan with only the accounts kept in.
    pub fn kept(&self) -> Option<Plan> {
        let p = self.plan.as_ref()?;
        let mut p = p.clone();
        p.accounts
            .retain(|a| !self.excluded.contains(&a.finding.username.to_lowercase()));
        Some(p)
    }
}

/// One step in the progress view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    /// The action (`leaver.disable`).
    pub action: String,
    /// Where it stands: None waiting.
    pub state: Option<StepState>,
}

/// A run being worked through: each account and its steps.
#[derive(Debug, Default)]
pub struct Progress {
    /// Generation of the run's command.
    pub gen: u64,
    /// The run (once known).
    pub run_id: String,
    /// Still running.
    pub running: bool,
    /// A resume (not a new run).
    pub resuming: bool,
    /// (username, steps) in the plan's order.
    pub accounts: Vec<(String, Vec<StepView>)>,
    /// How it ended.
    pub outcome: Option<Result<Option<RunOutcome>, String>>,
    /// Cursor over the accounts.
    pub list: ListCursor,
}

impl Progress {
    /// Steps done and in all.
    pub fn counts(&self) -> (usize, usize) {
        let all = self.accounts.iter().map(|(_, s)| s.len()).sum();
        let done = self
            .accounts
            .iter()
            .flat_map(|(_, s)| s.iter())
            .filter(|s| s.state == Some(StepState::Done))
            .count();
        (done, all)
    }

    /// Marks one step (adding it if the view did not know of it).
    pub fn set(&mut self, target: &str, action: &str, state: StepState) {
        let i = match self
            .accounts
            .iter()
            .position(|(u, _)| u.eq_ignore_ascii_case(target))
        {
            Some(i) => i,
            None => {
                self.accounts.push((target.to_string(), Vec::new()));
                self.accounts.len() - 1
            }
        };
        let steps = &mut self.accounts[i].1;
        match steps.iter_mut().find(|s| s.action == action) {
            Some(s) => s.state = Some(state),
            None => steps.push(StepView {
                action: action.into(),
                state: Some(state),
            }),
        }
    }
}

/// The history of runs and the report of the one under the cursor.
#[derive(Debug, Default)]
pub struct RunsPanel {
    /// Generation of the list's read.
    pub gen: u64,
    /// Being read.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The runs, newest first.
    pub runs: Vec<SweepRun>,
    /// The last read failed with this.
    pub error: Option<String>,
    /// Cursor over the runs.
    pub list: ListCursor,
    /// Generation of the report's read.
    pub report_gen: u64,
    /// The report being read.
    pub report_loading: bool,
    /// The report read, or why not.
    pub report: Option<Result<Box<RunReport>, String>>,
    /// Cursor over the report's accounts.
    pub accounts: ListCursor,
}

impl RunsPanel {
    /// The newest unfinished run, if any (what resume finishes).
    pub fn unfinished(&self) -> Option<&SweepRun> {
        self.runs.iter().find(|r| r.finished_at.is_none())
    }

    /// The report, if it is for the run under the cursor.
    pub fn report(&self) -> Option<&RunReport> {
        let run = self.runs.get(self.list.cursor)?;
        match &self.report {
            Some(Ok(r)) if r.run.run_id == run.run_id => Some(r),
            _ => None,
        }
    }
}

/// The Leavers tab.
#[derive(Debug, Default)]
pub struct LeaversTab {
    /// The findings, on the shared table.
    pub table: Table<FindingRow>,
    /// Generation of the scan in flight or answered.
    pub scan_gen: u64,
    /// A scan is running.
    pub scanning: bool,
    /// Scanned at least once.
    pub loaded: bool,
    /// Accounts changed elsewhere since the last scan.
    pub stale: bool,
    /// The last scan failed with this.
    pub error: Option<String>,
    /// Where the scan's MIS export came from (None: none configured).
    pub source: Option<String>,
    /// Rows in it.
    pub mis_rows: usize,
    /// The scan's notes.
    pub notes: Vec<String>,
    /// What the tab shows.
    pub panel: Panel,
    /// The sweep's preview.
    pub plan: PlanPanel,
    /// The run being worked through, or the last one.
    pub progress: Option<Progress>,
    /// The runs.
    pub runs: RunsPanel,
    /// Generation of the restore in flight.
    pub restore_gen: u64,
    /// A restore is running.
    pub restoring: bool,
    /// The sync with the MIS roll.
    pub sync: sync::SyncPanel,
}

impl LeaversTab {
    /// Asks for a scan.
    pub fn request_scan(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.scan_gen = gen;
        self.scanning = true;
        self.stale = false;
        LeaversCmd::Scan { gen }.into()
    }

    /// Asks for the runs.
    pub fn request_runs(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.runs.gen = gen;
        self.runs.loading = true;
        LeaversCmd::Runs { gen }.into()
    }

    /// Asks for the report of the run under the cursor (if it is not the one shown).
    pub fn request_report(&mut self, sh: &mut Shell) -> Option<Cmd> {
        let run = self.runs.runs.get(self.runs.list.cursor)?.run_id.clone();
        if self.runs.report().is_some() {
            return None;
        }
        let gen = sh.next_gen();
        self.runs.report_gen = gen;
        self.runs.report_loading = true;
        self.runs.accounts.reset();
        Some(LeaversCmd::Report { gen, run_id: run }.into())
    }

    /// Asks for the sweep's plan.
    pub fn request_plan(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.plan.gen = gen;
        self.plan.loading = true;
        LeaversCmd::Plan { gen }.into()
    }

    /// True while a sweep run is being worked through.
    pub fn sweeping(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| p.running)
    }

    /// Lines the resume banner takes.
    pub fn banner_height(&self) -> usize {
        usize::from(self.runs.unfinished().is_some() && !self.sweeping())
    }

    /// Rows of findings that fit in a body of `body` lines (search bar, MIS line, banner,
    /// column titles and the evidence lines aside).
    pub fn page(&self, body: usize) -> usize {
        body.saturating_sub(2 + self.banner_height() + 1 + EVIDENCE_LINES)
            .max(1)
    }

    /// Rows of the plan that fit (its bar, summary, banner, titles and the steps pane aside).
    pub fn plan_page(&self, body: usize) -> usize {
        let (_, pane) = view::plan_split(body, self.banner_height());
        pane.saturating_sub(1).max(1)
    }

    /// Takes a scan.
    pub fn set_findings(&mut self, findings: Vec<Finding>, body: usize) {
        self.loaded = true;
        let rows = findings.into_iter().map(FindingRow::new).collect();
        let page = self.page(body);
        self.table.set_rows(rows, page);
    }

    /// Takes a plan into the preview (exclusions of accounts still in it are kept).
    pub fn set_plan(&mut self, plan: Plan, source: String, body: usize) {
        let rows: Vec<PlanRow> = plan
            .accounts
            .iter()
            .map(|a| PlanRow {
                key: a.finding.username.to_lowercase(),
                plan: a.clone(),
            })
            .collect();
        let keys: HashSet<String> = rows.iter().map(|r| r.key.clone()).collect();
        self.plan.excluded.retain(|k| keys.contains(k));
        let page = self.plan_page(body);
        self.plan.table.set_rows(rows, page);
        self.plan.plan = Some(plan);
        self.plan.source = source;
        self.plan.error = None;
    }

    /// Starts a run's progress view (the shell counts it as a job, so quitting asks first).
    pub fn start_progress(
        &mut self,
        sh: &mut Shell,
        gen: u64,
        resuming: bool,
        plan: Option<&Plan>,
    ) {
        let mut p = Progress {
            gen,
            running: true,
            resuming,
            ..Progress::default()
        };
        if let Some(plan) = plan {
            for a in &plan.accounts {
                p.accounts.push((
                    a.finding.username.clone(),
                    a.steps
                        .iter()
                        .map(|s| StepView {
                            action: s.action.clone(),
                            state: None,
                        })
                        .collect(),
                ));
            }
        }
        let total = p.counts().1;
        self.progress = Some(p);
        self.panel = Panel::Progress;
        sh.jobs.push(Job {
            gen,
            title: if resuming {
                "resuming the sweep".into()
            } else {
                "sweeping leavers".into()
            },
            total,
            done: 0,
            ok: 0,
            failures: Vec::new(),
            done_word: "done".into(),
            unchanged: 0,
        });
    }

    fn busy_word(&self) -> Option<&'static str> {
        if self.sweeping() {
            Some("sweeping leavers")
        } else if self.sync.running {
            Some("applying the sync")
        } else if self.sync.loading {
            Some("reading the roll and planning the sync")
        } else if self.restoring {
            Some("restoring the account")
        } else if self.scanning {
            Some("scanning for zombie accounts")
        } else if self.plan.loading {
            Some("planning the sweep")
        } else if self.runs.loading {
            Some("reading the sweep runs")
        } else if self.runs.report_loading {
            Some("reading the run's report")
        } else {
            None
        }
    }

    /// After a change: the directory changed, so scan again and read the runs.
    pub fn changed(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        sh.announce(Changed::Accounts { by: Tab::Leavers });
        sh.announce(Changed::Log);
        self.runs.report = None;
        let mut cmds = vec![self.request_scan(sh), self.request_runs(sh)];
        if self.panel == Panel::Runs || self.panel == Panel::Report {
            cmds.extend(self.request_report(sh));
        }
        cmds
    }

    /// The error as the status bar says it.
    pub fn fail(&mut self, sh: &mut Shell, e: &Error) {
        sh.error(e);
    }
}

/// Lines under the findings for the evidence of the one under the cursor.
pub const EVIDENCE_LINES: usize = 3;

/// True when a finding is acted on by the sweep (suspend, not protected).
pub fn swept(f: &Finding) -> bool {
    !f.protected && f.action == FindingAction::Suspend
}

impl Page for LeaversTab {
    fn title(&self) -> &'static str {
        "Leavers"
    }

    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's "Zombie accounts now" (ops::report::leavers): every finding of the scan.
        let page = self.page(sh.body_height());
        match d.key.as_str() {
            "leavers.zombies" => {
                self.panel = Panel::Findings;
                self.table.clear_all(page);
                self.table.filters = FindingFilters::default();
                self.table.refilter_keep(page);
                Drilled::words("every zombie account the scan found (f filters)")
            }
            _ => None,
        }
    }

    fn context(&self) -> Context {
        match self.panel {
            Panel::Findings => CONTEXT,
            Panel::Plan => PLAN_CONTEXT,
            Panel::Progress => PROGRESS_CONTEXT,
            Panel::Runs => RUNS_CONTEXT,
            Panel::Report => REPORT_CONTEXT,
            Panel::Sync => SYNC_CONTEXT,
            Panel::SyncKind => SYNC_KIND_CONTEXT,
        }
    }

    fn goto(&self) -> Action {
        Action::TabLeavers
    }

    fn busy(&self) -> Option<String> {
        if let Some(p) = self.progress.as_ref().filter(|p| p.running) {
            let (done, all) = p.counts();
            return Some(format!("sweeping leavers ({done}/{all} steps)"));
        }
        self.busy_word().map(str::to_string)
    }

    fn typing(&self) -> bool {
        match self.panel {
            Panel::Findings => self.table.searching,
            Panel::SyncKind => self.sync.table.searching,
            _ => false,
        }
    }

    fn on_text(&mut self, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        if self.panel == Panel::SyncKind {
            let page = sync::kind_page(sh.body_height());
            self.sync.table.search_key(key, action, page);
            return Vec::new();
        }
        let page = self.page(sh.body_height());
        self.table.search_key(key, action, page);
        Vec::new()
    }

    fn on_show(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if !self.scanning && (!self.loaded || self.stale) {
            cmds.push(self.request_scan(sh));
        }
        if !self.runs.loading && !self.runs.loaded {
            cmds.push(self.request_runs(sh));
        }
        cmds
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    /// Accounts changed by another tab: the findings may be stale (scanned again now if shown,
    /// else when next shown).
    fn on_changed(&mut self, sh: &mut Shell, c: &Changed, shown: bool) -> Vec<Cmd> {
        match c {
            Changed::Accounts { by } if *by != Tab::Leavers && self.loaded => {
                self.stale = true;
                if shown && !self.scanning {
                    return vec![self.request_scan(sh)];
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if self.loaded || shown {
            cmds.push(self.request_scan(sh));
            cmds.push(self.request_runs(sh));
        }
        cmds
    }

    fn on_resize(&mut self, body: usize) {
        let page = self.page(body);
        self.table.keep_cursor_visible(page);
        let page = self.plan_page(body);
        self.plan.table.keep_cursor_visible(page);
        self.sync.table.keep_cursor_visible(sync::kind_page(body));
        if let Some(p) = &mut self.progress {
            let n = p.accounts.len();
            let page = view::progress_page(body);
            crate::tui::widgets::keep_visible(&mut p.list.cursor, &mut p.list.offset, n, page);
        }
    }

    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        let body = sh.body_height();
        if self.panel == Panel::Findings {
            let top = 3 + self.banner_height();
            if row >= top {
                let page = self.page(body);
                self.table.click(row - top, page);
            }
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        match self.panel {
            Panel::Findings => view::findings(f, area, self, sh),
            Panel::Plan => view::plan(f, area, self, sh),
            Panel::Progress => view::progress(f, area, self, sh),
            Panel::Runs | Panel::Report => view::runs(f, area, self, sh),
            Panel::Sync => sync_view::kinds(f, area, self, sh),
            Panel::SyncKind => sync_view::kind(f, area, self, sh),
        }
    }
}

impl TabPage for LeaversTab {
    type Cmd = LeaversCmd;
    type Msg = LeaversMsg;
    type Purpose = LeaversPurpose;
    const KEYS: &'static [KeyRow] = KEYS;
    const VERBS: &'static [crate::tui::keymap::Verb] = keys::LeaversVerb::VERBS;

    fn on_msg(&mut self, sh: &mut Shell, msg: LeaversMsg) -> (Vec<Cmd>, bool) {
        results::on_msg(self, sh, msg)
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: LeaversPurpose, d: Submitted) -> Vec<Cmd> {
        submit::on_submit(self, sh, purpose, d)
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<LeaversMsg>, cmd: LeaversCmd) {
        work::spawn(ctx, out, cmd);
    }
}
