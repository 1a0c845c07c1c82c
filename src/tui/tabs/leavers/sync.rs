//! The Leavers tab's Sync view: the MIS roll against the directory, the same plan as
//! `schooltech sync` (`ops::sync::plan`, the same words). The roll is the configured `[mis]
//! file` (the demo's roll under `--demo`) or a path typed in; the plan shows by kind with counts
//! and the rollover's summary by year; Enter drills into a kind (a table); Space leaves an item
//! out (applying skips it and says how many); `a` applies it behind the shared confirmation,
//! with the progress dialog; `R` finishes a run that did not finish (`sync --resume`).
//!
//! Drawing is in `sync_view.rs`, background work in `sync_work.rs`.

use super::keys::LeaversVerb;
use super::sync_work::{Ended, Loaded, SyncCmd, SyncMsg};
use super::{LeaversCmd, LeaversPurpose, LeaversTab, NoFilters, Panel};
use crate::domain::sync::{Entry, Item, Plan};
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Submitted, Tab};
use crate::tui::tabs::{Confirm, Dialog, Form, Purpose};
use crate::tui::widgets::table::{SortColumn, Table, TableRow};
use crate::tui::widgets::ListCursor;
use crate::tui::work::Cmd;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::path::PathBuf;

/// The plan by kind (`[tui.keys.leavers-sync]`).
pub const SYNC_CONTEXT: Context = Context::new("leavers-sync", "Leavers: sync with the MIS roll");
/// One kind of the plan (`[tui.keys.leavers-sync-kind]`).
pub const SYNC_KIND_CONTEXT: Context =
    Context::new("leavers-sync-kind", "Leavers: a kind of the sync plan");

/// A kind of the plan, in the order the plan gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Joiners.
    #[default]
    Create,
    /// Form, year or role changed.
    Move,
    /// Name changed.
    Rename,
    /// Missing from the roll, still working.
    Tolerate,
    /// Back on the roll.
    Reactivate,
    /// For a person to look at; nothing is done.
    Review,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 6] = [
        Kind::Create,
        Kind::Move,
        Kind::Rename,
        Kind::Tolerate,
        Kind::Reactivate,
        Kind::Review,
    ];

    /// The JSON's word (`sync --format json`).
    pub fn word(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Move => "move",
            Kind::Rename => "rename",
            Kind::Tolerate => "tolerate",
            Kind::Reactivate => "reactivate",
            Kind::Review => "review",
        }
    }

    /// The heading the command's table prints.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Create => "Create",
            Kind::Move => "Move",
            Kind::Rename => "Rename",
            Kind::Tolerate => "Tolerate",
            Kind::Reactivate => "Reactivate",
            Kind::Review => "Review",
        }
    }

    /// What applying does to an item of the kind.
    pub fn does(self) -> &'static str {
        match self {
            Kind::Create => "joiners: new accounts, held for acceptable use",
            Kind::Move => "form, year or role changed: OU and groups by the rules",
            Kind::Rename => "name changed: display, given and surname",
            Kind::Tolerate => "missing from the roll: still working, marked",
            Kind::Reactivate => "back on the roll: enabled, placed, new password",
            Kind::Review => "nothing is done: for a person to look at",
        }
    }

    /// True when applying acts on it (review items are never acted on).
    pub fn acted(self) -> bool {
        self != Kind::Review
    }

    /// Its items in a plan.
    pub fn entries(self, p: &Plan) -> &[Entry] {
        match self {
            Kind::Create => &p.create,
            Kind::Move => &p.moves,
            Kind::Rename => &p.rename,
            Kind::Tolerate => &p.tolerate,
            Kind::Reactivate => &p.reactivate,
            Kind::Review => &p.review,
        }
    }
}

/// The columns an item table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncSort {
    /// The plan's order (moves: top year first).
    #[default]
    Plan,
    /// Username.
    Username,
    /// Name.
    Name,
    /// MIS id.
    MisId,
}

impl SortColumn for SyncSort {
    const ALL: &'static [SyncSort] = &[
        SyncSort::Plan,
        SyncSort::Username,
        SyncSort::Name,
        SyncSort::MisId,
    ];
    fn title(self) -> &'static str {
        match self {
            SyncSort::Plan => "#",
            SyncSort::Username => "Username",
            SyncSort::Name => "Name",
            SyncSort::MisId => "MIS id",
        }
    }
}

/// One item of a kind, as its table holds it.
#[derive(Debug, Clone)]
pub struct SyncRow {
    /// Its place in the plan.
    pub n: usize,
    /// The item.
    pub item: Item,
    key: String,
}

impl SyncRow {
    /// The row of the `n`th item.
    pub fn new(n: usize, item: Item) -> SyncRow {
        SyncRow {
            key: row_key(&item),
            n,
            item,
        }
    }
}

/// An item's key: its MIS id and username (an id on two rows shows twice), and its place.
fn row_key(i: &Item) -> String {
    format!("{}\t{}", i.mis_id.to_lowercase(), i.username.to_lowercase())
}

/// The key of a left-out item: its kind and row key.
fn out_key(kind: Kind, i: &Item) -> String {
    format!("{}\t{}", kind.word(), row_key(i))
}

impl TableRow for SyncRow {
    type Sort = SyncSort;
    type Filters = NoFilters;
    fn key(&self) -> &str {
        &self.key
    }
    fn search_text(&self) -> String {
        let i = &self.item;
        [
            i.username.as_str(),
            i.mis_id.as_str(),
            i.name.as_str(),
            i.from.as_str(),
            i.to.as_str(),
            i.reason.as_str(),
        ]
        .join("\n")
        .to_lowercase()
    }
    fn compare(&self, y: &Self, by: SyncSort) -> Ordering {
        match by {
            SyncSort::Plan => self.n.cmp(&y.n),
            SyncSort::Username => self.item.username.cmp(&y.item.username),
            SyncSort::Name => self
                .item
                .name
                .to_lowercase()
                .cmp(&y.item.name.to_lowercase()),
            SyncSort::MisId => self.item.mis_id.cmp(&y.item.mis_id),
        }
    }
    fn passes(&self, _f: &NoFilters) -> bool {
        true
    }
}

/// The Sync view's state.
#[derive(Debug, Default)]
pub struct SyncPanel {
    /// Generation of the plan in flight or answered.
    pub gen: u64,
    /// Being planned.
    pub loading: bool,
    /// The roll typed in (None: the configured one).
    pub path: Option<PathBuf>,
    /// What was read.
    pub loaded: Option<Loaded>,
    /// The last planning failed with this.
    pub error: Option<String>,
    /// Cursor over the kinds.
    pub kinds: ListCursor,
    /// The kind drilled into.
    pub kind: Kind,
    /// Its items, on the shared table.
    pub table: Table<SyncRow>,
    /// Items left out (kind and key).
    pub left_out: HashSet<String>,
    /// Generation of the run in flight.
    pub run_gen: u64,
    /// A run (apply or resume) is going.
    pub running: bool,
    /// Items left out of the run going.
    pub run_left_out: usize,
}

impl SyncPanel {
    /// The plan, if read and not refused.
    pub fn plan(&self) -> Option<&Plan> {
        self.loaded.as_ref().map(|l| &l.plan.plan)
    }

    /// True when the item of `kind` is left out.
    pub fn is_out(&self, kind: Kind, i: &Item) -> bool {
        self.left_out.contains(&out_key(kind, i))
    }

    /// Items of `kind` left out.
    pub fn out_of(&self, kind: Kind) -> usize {
        self.plan().map_or(0, |p| {
            kind.entries(p)
                .iter()
                .filter(|e| self.is_out(kind, &e.item))
                .count()
        })
    }

    /// Items the apply acts on (left-out ones aside), and items left out.
    pub fn counts(&self) -> (usize, usize) {
        let Some(p) = self.plan() else {
            return (0, 0);
        };
        let mut kept = 0;
        let mut out = 0;
        for k in Kind::ALL.iter().filter(|k| k.acted()) {
            let o = self.out_of(*k);
            out += o;
            kept += k.entries(p).len() - o;
        }
        (kept, out)
    }

    /// The plan to apply: the one read, less the items left out; and how many were.
    pub fn kept(&self) -> Option<(crate::ops::sync::SyncPlan, usize)> {
        let mut p = self.loaded.as_ref()?.plan.clone();
        let out = &self.left_out;
        let n = p.leave_out(&|kind, item| out.contains(&format!("{kind}\t{}", row_key(item))));
        Some((p, n))
    }

    /// Fills the table with the items of `kind`.
    pub fn show_kind(&mut self, kind: Kind, page: usize) {
        // Another kind starts with a fresh table (search, sort, cursor).
        if self.kind != kind {
            self.table = Table::default();
        }
        self.kind = kind;
        let rows: Vec<SyncRow> = self
            .plan()
            .map(|p| {
                kind.entries(p)
                    .iter()
                    .enumerate()
                    .map(|(n, e)| SyncRow::new(n, e.item.clone()))
                    .collect()
            })
            .unwrap_or_default();
        self.table.set_rows(rows, page);
    }
}

/// Rows of the item table that fit in a body of `body` lines (head, search bar, titles and the
/// item's detail aside).
pub fn kind_page(body: usize) -> usize {
    body.saturating_sub(3 + super::sync_view::DETAIL_LINES)
        .max(1)
}

fn request_plan(v: &mut LeaversTab, sh: &mut Shell) -> Cmd {
    let gen = sh.next_gen();
    v.sync.gen = gen;
    v.sync.loading = true;
    LeaversCmd::Sync(SyncCmd::Plan {
        gen,
        path: v.sync.path.clone(),
    })
    .into()
}

/// Opens the Sync view (reading the roll and planning unless a run is going).
pub fn open(v: &mut LeaversTab, sh: &mut Shell) -> Vec<Cmd> {
    v.panel = Panel::Sync;
    if v.sync.loading || v.sync.running {
        return Vec::new();
    }
    vec![request_plan(v, sh)]
}

/// Keys of the Sync view (the gate for changing keys is the tab's, before this).
pub fn on_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    match (v.panel, LeaversVerb::of(action)) {
        (_, Some(LeaversVerb::Resume)) => open_resume(v, sh),
        (_, Some(LeaversVerb::ApplyChange)) => {
            open_apply(v, sh);
            Vec::new()
        }
        (Panel::Sync, _) => kinds_action(v, sh, action),
        (_, _) => kind_action(v, sh, action),
    }
}

fn kinds_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let n = Kind::ALL.len();
    let c = &mut v.sync.kinds;
    match action {
        Action::Cancel | Action::ClearSearch => v.panel = Panel::Findings,
        _ if LeaversVerb::of(action) == Some(LeaversVerb::Import) => open_roll(v, sh),
        Action::Details => {
            if v.sync.plan().is_none() {
                sh.info("the plan is not read yet");
                return Vec::new();
            }
            let kind = Kind::ALL[v.sync.kinds.cursor.min(n - 1)];
            let page = kind_page(sh.body_height());
            v.sync.show_kind(kind, page);
            v.panel = Panel::SyncKind;
        }
        Action::Up => c.move_by(-1, n, n),
        Action::Down => c.move_by(1, n, n),
        Action::Top | Action::PageUp => c.jump(false, n, n),
        Action::Bottom | Action::PageDown => c.jump(true, n, n),
        _ => {}
    }
    Vec::new()
}

fn kind_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = kind_page(sh.body_height());
    let kind = v.sync.kind;
    let s = &mut v.sync;
    match action {
        Action::Cancel => {
            if !s.table.clear_search_or_selection(page) {
                v.panel = Panel::Sync;
            }
        }
        Action::ClearSearch => {
            s.table.clear_search_or_selection(page);
        }
        Action::Search => s.table.start_search(page),
        Action::SortNext => s.table.sort_by(true, page),
        Action::SortReverse => s.table.sort_by(false, page),
        Action::Select | Action::SelectAll if !kind.acted() => {
            sh.info("review items are never acted on: there is nothing to leave out");
        }
        Action::Select => {
            if let Some(r) = s.table.current() {
                let k = out_key(kind, &r.item);
                if !s.left_out.remove(&k) {
                    s.left_out.insert(k);
                }
                s.table.move_by(1, page);
            }
        }
        Action::SelectAll => {
            let keys: Vec<String> = s.table.shown().map(|r| out_key(kind, &r.item)).collect();
            if keys.iter().any(|k| !s.left_out.contains(k)) {
                s.left_out.extend(keys);
            } else {
                for k in keys {
                    s.left_out.remove(&k);
                }
            }
        }
        Action::Details => open_item(v, sh),
        other => {
            s.table.on_move(other, page);
        }
    }
    Vec::new()
}

fn open_item(v: &LeaversTab, sh: &mut Shell) {
    let Some(r) = v.sync.table.current() else {
        sh.info("no item here");
        return;
    };
    let kind = v.sync.kind;
    let i = &r.item;
    let mut lines = vec![
        (
            format!(
                "{} ({}, {})",
                if i.username.is_empty() {
                    "-"
                } else {
                    &i.username
                },
                i.name,
                i.mis_id
            ),
            Tone::Strong,
        ),
        (format!("{}: {}", kind.title(), kind.does()), Tone::Normal),
    ];
    if !i.from.is_empty() {
        lines.push((format!("From: {}", i.from), Tone::Normal));
    }
    if !i.to.is_empty() {
        lines.push((format!("To: {}", i.to), Tone::Normal));
    }
    lines.push((format!("Why: {}", i.reason), Tone::Normal));
    if v.sync.is_out(kind, i) {
        lines.push(("Left out: applying skips it.".into(), Tone::Warn));
    }
    sh.dialogs
        .push(Dialog::Message(Message::new("Sync item", lines)));
}

fn open_roll(v: &LeaversTab, sh: &mut Shell) {
    let now = v
        .sync
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let form = Form::new(
        "Read a roll",
        Purpose::Leavers(LeaversPurpose::SyncRoll),
        vec![Field::text(
            "Roll (CSV)",
            &now,
            "the whole roll exported from the MIS; empty: the configured [mis] file",
        )],
    );
    sh.dialogs.push(Dialog::Form(form));
}

fn open_apply(v: &mut LeaversTab, sh: &mut Shell) {
    let s = &v.sync;
    if s.running {
        sh.info("a sync run is already going");
        return;
    }
    let Some(l) = &s.loaded else {
        sh.info("the plan is not read yet");
        return;
    };
    if let Some(why) = &l.plan.plan.refused {
        sh.info(format!("the roll is refused: {why}"));
        return;
    }
    if let Some(run) = &l.unfinished {
        sh.info(format!(
            "sync {} did not finish: resume it first ({})",
            run.run_id,
            sh.keymap.keys_for(SYNC_CONTEXT, LeaversVerb::Resume)
        ));
        return;
    }
    let Some((kept, out)) = s.kept() else {
        return;
    };
    let q = &kept.plan;
    let n = Kind::ALL
        .iter()
        .filter(|k| k.acted())
        .map(|k| k.entries(q).len())
        .sum::<usize>();
    if n == 0 {
        sh.info(if out > 0 {
            "every item is left out: nothing to apply"
        } else {
            "nothing to apply: the directory is in step with the roll"
        });
        return;
    }
    let mut lines = vec![
        (
            crate::tui::dialogs::confirm::summary_line(
                n,
                &if q.review.is_empty() {
                    Vec::new()
                } else {
                    vec![("for review".to_string(), q.review.len())]
                },
                q.unchanged,
            ),
            Tone::Strong,
        ),
        (
            format!("Sync: {}", crate::ops::sync::counts_line(q)),
            Tone::Strong,
        ),
        (format!("From {}.", kept.source), Tone::Normal),
    ];
    if out > 0 {
        lines.push((
            format!(
                "{out} item(s) left out: not applied (a left-out tolerated account is not marked)."
            ),
            Tone::Warn,
        ));
    }
    let summary = q.summary_by_year();
    if !summary.is_empty() {
        lines.push(("By year:".into(), Tone::Strong));
        for y in summary {
            lines.push((format!("  {y}"), Tone::Normal));
        }
    }
    for k in Kind::ALL.iter().filter(|k| k.acted()) {
        let list = k.entries(q);
        if list.is_empty() {
            continue;
        }
        lines.push((format!("{}: {}", k.title(), list.len()), Tone::Strong));
        for e in list {
            let i = &e.item;
            lines.push((
                format!(
                    "  {} ({}, {}){}",
                    if i.username.is_empty() {
                        "-"
                    } else {
                        &i.username
                    },
                    i.name,
                    i.mis_id,
                    match (i.from.is_empty(), i.to.is_empty()) {
                        (true, true) => String::new(),
                        (false, true) => format!(" [{}]", i.from),
                        (true, false) => format!(" → {}", i.to),
                        (false, false) => format!(" [{} → {}]", i.from, i.to),
                    }
                ),
                Tone::Normal,
            ));
        }
    }
    lines.push((
        "One journaled run: if it stops, resume finishes it. New passwords go to a handout file (0600).".into(),
        Tone::Dim,
    ));
    sh.dialogs.push(Dialog::Confirm(
        Confirm::new(
            "Apply the sync?",
            lines,
            &format!("apply {n} change{}", if n == 1 { "" } else { "s" }),
            Purpose::Leavers(LeaversPurpose::SyncApply),
        )
        .targets(n),
    ));
}

fn open_resume(v: &mut LeaversTab, sh: &mut Shell) -> Vec<Cmd> {
    if v.sync.running {
        sh.info("a sync run is already going");
        return Vec::new();
    }
    let Some(run) = v.sync.loaded.as_ref().and_then(|l| l.unfinished.as_ref()) else {
        sh.info("no unfinished sync run: nothing to resume");
        return Vec::new();
    };
    let lines = vec![
        (
            format!(
                "Sync {} ({} steps, from {}, by {}) did not finish.",
                run.run_id, run.steps, run.source, run.operator
            ),
            Tone::Strong,
        ),
        (
            "Steps done are skipped; a step begun without a known outcome is checked against the directory before it is done again."
                .into(),
            Tone::Normal,
        ),
    ];
    sh.dialogs.push(Dialog::Confirm(Confirm::new(
        "Resume the sync?",
        lines,
        "resume it",
        Purpose::Leavers(LeaversPurpose::SyncResume),
    )));
    Vec::new()
}

fn start_run(v: &mut LeaversTab, sh: &mut Shell, title: &str, total: usize) -> u64 {
    let gen = sh.start_job(title.into(), total.max(2), "done");
    v.sync.run_gen = gen;
    v.sync.running = true;
    gen
}

/// A dialog of the Sync view was submitted.
pub fn on_submit(
    v: &mut LeaversTab,
    sh: &mut Shell,
    purpose: LeaversPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    match (purpose, d) {
        (LeaversPurpose::SyncRoll, Submitted::Form(f)) => {
            let p = f.text(0).trim().to_string();
            v.sync.path = if p.is_empty() {
                None
            } else {
                Some(PathBuf::from(p))
            };
            v.sync.left_out.clear();
            vec![request_plan(v, sh)]
        }
        (LeaversPurpose::SyncApply, Submitted::Confirm(_)) => {
            if sh.read_only() || v.sync.running {
                return Vec::new();
            }
            let Some((plan, out)) = v.sync.kept() else {
                return Vec::new();
            };
            let total = plan.plan.create.len()
                + plan.plan.moves.len()
                + plan.plan.rename.len()
                + plan.plan.reactivate.len();
            let gen = start_run(v, sh, "applying the sync", total);
            v.sync.run_left_out = out;
            vec![LeaversCmd::Sync(SyncCmd::Apply {
                gen,
                plan: Box::new(plan),
            })
            .into()]
        }
        (LeaversPurpose::SyncResume, Submitted::Confirm(_)) => {
            if sh.read_only() || v.sync.running {
                return Vec::new();
            }
            let total = v
                .sync
                .loaded
                .as_ref()
                .and_then(|l| l.unfinished.as_ref())
                .map_or(0, |r| r.steps as usize);
            let gen = start_run(v, sh, "resuming the sync", total);
            v.sync.run_left_out = 0;
            vec![LeaversCmd::Sync(SyncCmd::Resume { gen }).into()]
        }
        _ => Vec::new(),
    }
}

/// An answer of the Sync view's work; returns the work to start and whether to redraw.
pub fn on_msg(v: &mut LeaversTab, sh: &mut Shell, msg: SyncMsg) -> (Vec<Cmd>, bool) {
    match msg {
        SyncMsg::Planned { gen, result } => {
            if gen != v.sync.gen {
                return (Vec::new(), false);
            }
            v.sync.loading = false;
            match result {
                Ok(l) => {
                    v.sync.error = None;
                    v.sync.loaded = Some(*l);
                    // Left-out items still in the plan stay left out.
                    let keep: HashSet<String> = v
                        .sync
                        .plan()
                        .map(|p| {
                            Kind::ALL
                                .iter()
                                .flat_map(|k| k.entries(p).iter().map(|e| out_key(*k, &e.item)))
                                .collect()
                        })
                        .unwrap_or_default();
                    v.sync.left_out.retain(|k| keep.contains(k));
                    let page = kind_page(sh.body_height());
                    let kind = v.sync.kind;
                    v.sync.show_kind(kind, page);
                }
                Err(e) => {
                    v.sync.error = Some(e.to_string());
                    v.sync.loaded = None;
                    v.sync.table.set_rows(Vec::new(), 1);
                    if v.panel == Panel::SyncKind {
                        v.panel = Panel::Sync;
                    }
                    sh.error(&e);
                }
            }
            (Vec::new(), true)
        }
        SyncMsg::Step { gen, step, total } => {
            if gen != v.sync.run_gen {
                return (Vec::new(), false);
            }
            if let Some(j) = sh.jobs.iter_mut().find(|j| j.gen == gen) {
                j.total = total;
                j.done = step.saturating_sub(1);
                j.ok = j.done;
            }
            (Vec::new(), true)
        }
        SyncMsg::Finished { gen, result } => {
            if gen != v.sync.run_gen || !v.sync.running {
                return (Vec::new(), false);
            }
            v.sync.running = false;
            sh.take_job(gen);
            let out = v.sync.run_left_out;
            finished(sh, result, out);
            // The plan is spent: read the roll and plan again; the directory changed.
            v.sync.left_out.clear();
            v.sync.loaded = None;
            let mut cmds = vec![request_plan(v, sh)];
            sh.announce(Changed::Accounts { by: Tab::Leavers });
            sh.announce(Changed::Log);
            v.stale = true;
            if v.panel == Panel::SyncKind {
                v.panel = Panel::Sync;
            }
            cmds.push(v.request_scan(sh));
            (cmds, true)
        }
    }
}

fn finished(sh: &mut Shell, result: crate::error::Result<Ended>, left_out: usize) {
    let ended = match result {
        Err(e) => {
            sh.error(&e);
            sh.dialogs.push(Dialog::Message(Message::error(
                "Sync refused",
                &e.to_string(),
            )));
            return;
        }
        Ok(e) => e,
    };
    let Some(o) = ended.outcome else {
        sh.info(if left_out > 0 {
            format!("nothing to change ({left_out} item(s) left out); the tolerated marks are kept")
        } else {
            "nothing to change; the tolerated marks are kept".to_string()
        });
        return;
    };
    let mut lines = vec![(
        format!(
            "sync {}: {} step(s) done now, {} done before{}",
            o.run_id,
            o.done,
            o.already,
            if o.finished {
                "; finished"
            } else {
                "; NOT finished"
            }
        ),
        if o.finished { Tone::Good } else { Tone::Warn },
    )];
    if left_out > 0 {
        lines.push((
            format!("{left_out} item(s) left out: not applied."),
            Tone::Warn,
        ));
    }
    for s in &o.summary {
        lines.push((format!("  {s}"), Tone::Normal));
    }
    if let Some((path, n)) = &ended.handout {
        lines.push((
            format!(
                "{n} temporary password(s) written to {} (mode 0600); hand them out, then delete it",
                path.display()
            ),
            Tone::Strong,
        ));
    }
    if !o.lost_passwords.is_empty() {
        lines.push((
            format!(
                "The temporary passwords of {} account(s) made before the interruption are not known: reset them (Accounts tab): {}",
                o.lost_passwords.len(),
                o.lost_passwords.join(", ")
            ),
            Tone::Bad,
        ));
    }
    for p in &o.problems {
        lines.push((format!("problem: {p}"), Tone::Bad));
    }
    if !o.finished {
        lines.push((
            "Put right what is said above, then resume the run (R).".into(),
            Tone::Normal,
        ));
    }
    sh.info(format!(
        "sync {}: {}{}",
        o.run_id,
        if o.finished {
            "finished"
        } else {
            "NOT finished: R resumes it"
        },
        if left_out > 0 {
            format!(" ({left_out} item(s) left out)")
        } else {
            String::new()
        }
    ));
    sh.dialogs.push(Dialog::Message(Message::new(
        if o.finished {
            "Sync applied"
        } else {
            "Sync not finished"
        },
        lines,
    )));
}
