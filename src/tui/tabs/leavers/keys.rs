//! Keys of the Leavers tab: the findings (search, sort, filter, evidence), the sweep preview
//! (include/exclude, apply), the progress view, the runs and a run's report (restore).

use super::{LeaversCmd, LeaversPurpose, LeaversTab, Panel, SYNC_CONTEXT, SYNC_KIND_CONTEXT};
use crate::domain::leavers::Reason;
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::keymap::{verbs, Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, Purpose};
use crate::tui::work::Cmd;

/// The findings (`[tui.keys.leavers]`).
pub const CONTEXT: Context = Context::new("leavers", "Leavers: zombie accounts");
/// The sweep's preview (`[tui.keys.leavers-plan]`).
pub const PLAN_CONTEXT: Context = Context::new("leavers-plan", "Leavers: sweep preview");
/// A run being worked through (`[tui.keys.leavers-progress]`).
pub const PROGRESS_CONTEXT: Context = Context::new("leavers-progress", "Leavers: sweep progress");
/// The runs (`[tui.keys.leavers-runs]`).
pub const RUNS_CONTEXT: Context = Context::new("leavers-runs", "Leavers: sweep runs");
/// A run's report (`[tui.keys.leavers-report]`).
pub const REPORT_CONTEXT: Context = Context::new("leavers-report", "Leavers: a run's report");

verbs! {
    /// The Leavers tab's own verbs (the keymap's central actions are only the shell's).
    pub enum LeaversVerb {
        SweepPlan => "sweep-plan",
        RunsPanel => "runs",
        Resume => "resume",
        ApplyChange => "apply",
        Restore => "restore",
        SyncPanel => "sync",
        Import => "import",
    }
}
use LeaversVerb as V;

/// The Leavers tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "/",     Action::Search,       "Search username, DN, role, reason, evidence", true),
    (CONTEXT, "esc",   Action::ClearSearch,  "Clear the search", false),
    (CONTEXT, "enter", Action::Details,      "The finding in full, with the scan's notes", true),
    (CONTEXT, "s",     Action::SortNext,     "Sort by the next column", false),
    (CONTEXT, "S",     Action::SortReverse,  "Reverse the sort", false),
    (CONTEXT, "f",     Action::Filter,       "Filter by reason, role, protected", true),
    (CONTEXT, "F",     Action::ClearFilters, "Clear search and filters", false),
    (CONTEXT, "p",     V::SweepPlan.action(),    "Sweep preview: the plan, every step, include/exclude", true),
    (CONTEXT, "h",     V::RunsPanel.action(),    "Sweep runs and their reports (restore)", true),
    (CONTEXT, "R",     V::Resume.action(),       "Resume the unfinished sweep run", false),
    (PLAN_CONTEXT, "space", Action::Select,      "Include or exclude the account", true),
    (PLAN_CONTEXT, "A",     Action::SelectAll,   "Include all (again: exclude all)", false),
    (PLAN_CONTEXT, "a",     V::ApplyChange.action(), "Apply the sweep to the accounts included (asks first)", true),
    (PLAN_CONTEXT, "s",     Action::SortNext,    "Sort by the next column", false),
    (PLAN_CONTEXT, "S",     Action::SortReverse, "Reverse the sort", false),
    (PLAN_CONTEXT, "R",     V::Resume.action(),      "Resume the unfinished sweep run", false),
    (PLAN_CONTEXT, "esc",   Action::Cancel,      "Back to the findings", true),
    (PROGRESS_CONTEXT, "h",   V::RunsPanel.action(), "Sweep runs and their reports", true),
    (PROGRESS_CONTEXT, "esc", Action::Cancel,    "Back to the findings (once the run ended)", true),
    (RUNS_CONTEXT, "enter", Action::Details,  "Pick an account of the run's report", true),
    (RUNS_CONTEXT, "R",     V::Resume.action(),   "Resume the unfinished sweep run", false),
    (RUNS_CONTEXT, "esc",   Action::Cancel,   "Back to the findings", true),
    (REPORT_CONTEXT, "e",   V::Restore.action(),  "Restore the account (OU, groups, description, enabled)", true),
    (REPORT_CONTEXT, "esc", Action::Cancel,   "Back to the runs", true),
    (CONTEXT, "m",     V::SyncPanel.action(),    "Sync with the MIS roll: joiners, movers, leavers, returners", true),
    (SYNC_CONTEXT, "enter", Action::Details,      "The items of the kind under the cursor", true),
    (SYNC_CONTEXT, "i",     V::Import.action(),       "Read another roll (a path; empty: the configured one)", true),
    (SYNC_CONTEXT, "a",     V::ApplyChange.action(),  "Apply the plan, less the items left out (asks first)", true),
    (SYNC_CONTEXT, "R",     V::Resume.action(),       "Resume the unfinished sync run", false),
    (SYNC_CONTEXT, "esc",   Action::Cancel,       "Back to the findings", true),
    (SYNC_KIND_CONTEXT, "space", Action::Select,      "Leave the item out of the apply (again: put it back)", true),
    (SYNC_KIND_CONTEXT, "A",     Action::SelectAll,   "Leave every item of the kind out (again: put them back)", false),
    (SYNC_KIND_CONTEXT, "enter", Action::Details,     "The item in full", true),
    (SYNC_KIND_CONTEXT, "/",     Action::Search,      "Search username, MIS id, name, from, to, reason", false),
    (SYNC_KIND_CONTEXT, "s",     Action::SortNext,    "Sort by the next column", false),
    (SYNC_KIND_CONTEXT, "S",     Action::SortReverse, "Reverse the sort", false),
    (SYNC_KIND_CONTEXT, "a",     V::ApplyChange.action(), "Apply the plan, less the items left out (asks first)", true),
    (SYNC_KIND_CONTEXT, "esc",   Action::Cancel,      "Back to the plan by kind", true),
];

pub(super) fn purpose(p: LeaversPurpose) -> Purpose {
    Purpose::Leavers(p)
}

/// Keys of the Leavers tab (outside dialogs and the search box).
pub fn on_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let verb = LeaversVerb::of(action);
    if matches!(verb, Some(V::ApplyChange | V::Resume | V::Restore)) && sh.read_only() {
        return Vec::new();
    }
    if matches!(v.panel, Panel::Sync | Panel::SyncKind) {
        return super::sync::on_action(v, sh, action);
    }
    if verb == Some(V::Resume) {
        return open_resume(v, sh);
    }
    match v.panel {
        Panel::Findings => findings_action(v, sh, action),
        Panel::Plan => plan_action(v, sh, action),
        Panel::Progress => progress_action(v, sh, action),
        Panel::Runs => runs_action(v, sh, action),
        Panel::Report => report_action(v, sh, action),
        Panel::Sync | Panel::SyncKind => Vec::new(),
    }
}

fn findings_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = v.page(sh.body_height());
    match action {
        Action::ClearSearch => {
            v.table.clear_search_or_selection(page);
        }
        Action::Details => open_details(v, sh),
        Action::Filter => open_filter(v, sh),
        _ if LeaversVerb::of(action) == Some(V::SweepPlan) => return open_plan(v, sh),
        _ if LeaversVerb::of(action) == Some(V::RunsPanel) => return open_runs(v, sh),
        _ if LeaversVerb::of(action) == Some(V::SyncPanel) => return super::sync::open(v, sh),
        // One finding at a time: there is no selection here.
        Action::Select | Action::SelectAll => {}
        other => {
            v.table.on_move(other, page);
        }
    }
    Vec::new()
}

/// Opens the sweep preview (planning it again unless a run is going).
pub fn open_plan(v: &mut LeaversTab, sh: &mut Shell) -> Vec<Cmd> {
    v.panel = Panel::Plan;
    if v.plan.loading || v.sweeping() {
        return Vec::new();
    }
    vec![v.request_plan(sh)]
}

fn open_runs(v: &mut LeaversTab, sh: &mut Shell) -> Vec<Cmd> {
    v.panel = Panel::Runs;
    let mut cmds = Vec::new();
    if !v.runs.loading {
        cmds.push(v.request_runs(sh));
    }
    cmds.extend(v.request_report(sh));
    cmds
}

fn plan_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = v.plan_page(sh.body_height());
    match action {
        Action::Cancel | Action::ClearSearch => v.panel = Panel::Findings,
        Action::Select => {
            if let Some(k) = v.plan.table.cursor_key() {
                if !v.plan.excluded.remove(&k) {
                    v.plan.excluded.insert(k);
                }
                v.plan.table.move_by(1, page);
            }
        }
        Action::SelectAll => {
            let all: Vec<String> = v
                .plan
                .table
                .rows()
                .iter()
                .map(|r| r.key().to_string())
                .collect();
            if v.plan.excluded.is_empty() {
                v.plan.excluded.extend(all);
            } else {
                v.plan.excluded.clear();
            }
        }
        _ if LeaversVerb::of(action) == Some(V::ApplyChange) => open_apply(v, sh),
        other => {
            v.plan.table.on_move(other, page);
        }
    }
    Vec::new()
}

use crate::tui::widgets::table::TableRow as _;

fn progress_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = super::view::progress_page(sh.body_height());
    let running = v.sweeping();
    let Some(p) = v.progress.as_mut() else {
        v.panel = Panel::Findings;
        return Vec::new();
    };
    let n = p.accounts.len();
    match action {
        Action::Cancel if running => {
            sh.info("the sweep is running: it cannot be stopped half-way from here; wait for it");
        }
        Action::Cancel => v.panel = Panel::Findings,
        _ if LeaversVerb::of(action) == Some(V::RunsPanel) && !running => return open_runs(v, sh),
        Action::Up => p.list.move_by(-1, n, page),
        Action::Down => p.list.move_by(1, n, page),
        Action::PageUp => p.list.move_by(-(page as isize), n, page),
        Action::PageDown => p.list.move_by(page as isize, n, page),
        Action::Top => p.list.jump(false, n, page),
        Action::Bottom => p.list.jump(true, n, page),
        _ => {}
    }
    Vec::new()
}

fn runs_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let n = v.runs.runs.len();
    let page = n.max(1);
    let before = v.runs.list.cursor;
    match action {
        Action::Cancel => v.panel = Panel::Findings,
        Action::Details => {
            if v.runs.report().is_some_and(|r| !r.accounts.is_empty()) {
                v.panel = Panel::Report;
            } else {
                sh.info("this run's report has no accounts to pick");
            }
        }
        Action::Up => v.runs.list.move_by(-1, n, page),
        Action::Down => v.runs.list.move_by(1, n, page),
        Action::Top | Action::PageUp => v.runs.list.jump(false, n, page),
        Action::Bottom | Action::PageDown => v.runs.list.jump(true, n, page),
        _ => {}
    }
    if v.runs.list.cursor != before {
        return v.request_report(sh).into_iter().collect();
    }
    Vec::new()
}

fn report_action(v: &mut LeaversTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let n = v.runs.report().map_or(0, |r| r.accounts.len());
    let page = n.max(1);
    match action {
        Action::Cancel => v.panel = Panel::Runs,
        _ if LeaversVerb::of(action) == Some(V::Restore) => open_restore(v, sh),
        Action::Up => v.runs.accounts.move_by(-1, n, page),
        Action::Down => v.runs.accounts.move_by(1, n, page),
        Action::Top | Action::PageUp => v.runs.accounts.jump(false, n, page),
        Action::Bottom | Action::PageDown => v.runs.accounts.jump(true, n, page),
        _ => {}
    }
    Vec::new()
}

fn open_details(v: &LeaversTab, sh: &mut Shell) {
    let Some(r) = v.table.current() else {
        sh.info("no finding here: clear the search or filters (F)");
        return;
    };
    let f = &r.finding;
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| crate::tui::widgets::day(t).trim_start().to_string())
            .unwrap_or_else(|| "never".into())
    };
    let mut lines = vec![
        (
            format!("{} - {}", f.username, f.reason.as_str()),
            Tone::Strong,
        ),
        (format!("Evidence: {}", f.evidence), Tone::Normal),
        (format!("DN: {}", f.dn), Tone::Normal),
        (
            format!("Role: {}", f.role.as_deref().unwrap_or("none")),
            Tone::Normal,
        ),
        (format!("Last logon: {}", day(f.last_logon)), Tone::Normal),
        (format!("Created: {}", day(f.created)), Tone::Normal),
        (
            format!(
                "Leaving date: {}",
                f.leaving_date
                    .map(|d| d.format("%-d %b %Y").to_string())
                    .unwrap_or_else(|| "-".into())
            ),
            Tone::Normal,
        ),
        (
            format!(
                "Action: {}{}",
                f.action.as_str(),
                if f.protected {
                    " - but protected: never acted on"
                } else {
                    ""
                }
            ),
            if f.protected {
                Tone::Warn
            } else {
                Tone::Normal
            },
        ),
    ];
    if !v.notes.is_empty() {
        lines.push((String::new(), Tone::Normal));
        lines.push(("The scan's notes:".into(), Tone::Strong));
        for n in &v.notes {
            lines.push((format!("  {n}"), Tone::Dim));
        }
    }
    sh.dialogs
        .push(Dialog::Message(Message::new("Finding", lines)));
}

fn open_filter(v: &LeaversTab, sh: &mut Shell) {
    let f = &v.table.filters;
    let mut reasons = vec!["any".to_string()];
    reasons.extend(Reason::ALL.iter().map(|r| r.as_str().to_string()));
    let reason_i = f
        .reason
        .and_then(|r| reasons.iter().position(|x| x == r.as_str()))
        .unwrap_or(0);
    let mut roles = vec!["any".to_string()];
    let set: std::collections::BTreeSet<String> = v
        .table
        .rows()
        .iter()
        .map(|r| r.finding.role.as_deref().unwrap_or("none").to_lowercase())
        .collect();
    roles.extend(set);
    let role_i = f
        .role
        .as_ref()
        .and_then(|r| roles.iter().position(|x| x == r))
        .unwrap_or(0);
    let prot = vec![
        "any".to_string(),
        "protected".into(),
        "not protected".into(),
    ];
    let prot_i = match f.protected {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    let form = Form::new(
        "Filter the findings",
        purpose(LeaversPurpose::Filter),
        vec![
            Field::choice("Reason", reasons, reason_i, "left/right or space to change"),
            Field::choice("Role", roles, role_i, ""),
            Field::choice(
                "Protected",
                prot,
                prot_i,
                "protected accounts are never acted on",
            ),
        ],
    );
    sh.dialogs.push(Dialog::Form(form));
}

fn open_apply(v: &mut LeaversTab, sh: &mut Shell) {
    if v.sweeping() {
        sh.info("a sweep is already running");
        return;
    }
    let Some(plan) = v.plan.kept() else {
        sh.info("the plan is not read yet");
        return;
    };
    if let Some(run) = v.runs.unfinished() {
        sh.info(format!(
            "run {} did not finish: resume it first ({})",
            run.run_id,
            sh.keymap.keys_for(PLAN_CONTEXT, V::Resume)
        ));
        return;
    }
    if plan.accounts.is_empty() {
        sh.info("no account is included: nothing to apply");
        return;
    }
    let n = plan.accounts.len();
    let mut lines = vec![
        (
            crate::tui::dialogs::confirm::summary_line(n, &[], v.plan.excluded.len()),
            Tone::Strong,
        ),
        (
            format!(
                "Suspend {n} account{} in {} step{}, from {}:",
                if n == 1 { "" } else { "s" },
                plan.step_count(),
                if plan.step_count() == 1 { "" } else { "s" },
                v.plan.source
            ),
            Tone::Strong,
        ),
    ];
    if plan.ou_missing {
        lines.push((
            format!(
                "The Leavers OU {} does not exist: it is created first (as --create-ou does).",
                plan.ou.as_deref().unwrap_or("")
            ),
            Tone::Warn,
        ));
    }
    for a in &plan.accounts {
        lines.push((
            format!(
                "  {} ({}, {}): {} step{}",
                a.finding.username,
                a.finding.role.as_deref().unwrap_or("no role"),
                a.finding.reason.as_str(),
                a.steps.len(),
                if a.steps.len() == 1 { "" } else { "s" }
            ),
            Tone::Normal,
        ));
    }
    let left_out = v.plan.excluded.len();
    if left_out > 0 {
        lines.push((
            format!("{left_out} excluded account(s) are left as they are."),
            Tone::Dim,
        ));
    }
    lines.push((
        "Every step is journaled and logged; if it stops, resume finishes it.".into(),
        Tone::Dim,
    ));
    sh.dialogs.push(Dialog::Confirm(
        Confirm::new(
            "Apply the sweep?",
            lines,
            &format!("suspend {n} account{}", if n == 1 { "" } else { "s" }),
            purpose(LeaversPurpose::Apply),
        )
        .targets(n),
    ));
}

fn open_resume(v: &mut LeaversTab, sh: &mut Shell) -> Vec<Cmd> {
    if v.sweeping() {
        sh.info("a sweep is already running");
        return Vec::new();
    }
    let Some(run) = v.runs.unfinished() else {
        sh.info("no unfinished sweep run: nothing to resume");
        return Vec::new();
    };
    let lines = vec![
        (
            format!(
                "Run {} ({}, {} steps, planned by {}) did not finish.",
                run.run_id, run.kind, run.steps, run.operator
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
        "Resume the sweep?",
        lines,
        "resume it",
        purpose(LeaversPurpose::Resume),
    )));
    Vec::new()
}

fn open_restore(v: &LeaversTab, sh: &mut Shell) {
    let Some(a) = v
        .runs
        .report()
        .and_then(|r| r.accounts.get(v.runs.accounts.cursor))
    else {
        sh.info("no account here");
        return;
    };
    let rec = &a.record;
    let mut lines = vec![
        (
            format!("Restore {} as it was before the sweep:", rec.username),
            Tone::Strong,
        ),
        (
            format!("  back to {}", crate::domain::dn::parent_dn(&rec.dn)),
            Tone::Normal,
        ),
    ];
    if !rec.groups.is_empty() {
        lines.push((format!("  groups: {}", rec.groups.join("; ")), Tone::Normal));
    }
    lines.push((
        format!(
            "  description: {}",
            rec.description.as_deref().unwrap_or("(none)")
        ),
        Tone::Normal,
    ));
    lines.push((
        format!(
            "  {}",
            if rec.enabled {
                "enabled again"
            } else {
                "left disabled, as it was"
            }
        ),
        Tone::Normal,
    ));
    lines.push((
        "A temporary password is set and shown once.".into(),
        Tone::Dim,
    ));
    sh.dialogs.push(Dialog::Confirm(Confirm::new(
        &format!("Restore {}?", rec.username),
        lines,
        "restore it",
        purpose(LeaversPurpose::Restore {
            user: rec.username.clone(),
        }),
    )));
}

/// Starts a restore.
pub fn start_restore(v: &mut LeaversTab, sh: &mut Shell, user: String) -> Vec<Cmd> {
    let gen = sh.next_gen();
    v.restore_gen = gen;
    v.restoring = true;
    sh.jobs.push(crate::tui::shell::Job {
        gen,
        title: format!("restoring {user}"),
        total: 1,
        done: 0,
        ok: 0,
        failures: Vec::new(),
        done_word: "restored".into(),
        unchanged: 0,
    });
    vec![LeaversCmd::Restore { gen, user }.into()]
}
