//! The Leavers tab over the demo school at a fixed moment: the scan with its evidence, the
//! filters, the sweep preview with one account excluded, the apply behind its confirmation and
//! the progress view, the run history with its report, and a restore from it (the password
//! shown once); an unfinished run offered for resume; `--as-of` read-only; a school with no MIS
//! export configured. What each did is checked in the store afterwards. Snapshots at 80×24 and
//! 100×30 (dates and run ids redacted).

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::domain::leavers::Reason;
use schooltech::ops::leavers::{self, sweep};
use schooltech::store::leavers::{LeaverRecord, SweepRun};
use schooltech::store::{LogFilter, Store};
use schooltech::tui::app::Tab;
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::leavers::{LeaversTab, Panel};
use std::path::PathBuf;
use tui_support::{demo_at, fake_ctx, frozen_now, redact, Harness};

fn tab(h: &Harness) -> &LeaversTab {
    &h.state.tabs.leavers
}

fn shown(v: &LeaversTab) -> Vec<(String, Reason)> {
    v.table
        .shown()
        .map(|r| (r.finding.username.clone(), r.finding.reason))
        .collect()
}

async fn open(w: u16, h: u16) -> (Harness, PathBuf) {
    let ctx = demo_at(frozen_now(), None);
    let path = ctx.config.store.path.clone();
    let mut h = Harness::new(ctx, w, h).await;
    h.key(KeyCode::Char('4')).await;
    assert_eq!(h.state.tab, Tab::Leavers);
    (h, path)
}

fn has(v: &LeaversTab, user: &str, reason: Reason) -> bool {
    shown(v).iter().any(|(u, r)| u == user && *r == reason)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_filter_exclude_apply_history_and_restore() {
    let (mut h, path) = open(100, 30).await;
    let v = tab(&h);
    assert!(v.loaded && v.error.is_none(), "{:?}", v.error);
    assert_eq!(v.source.as_deref(), Some("demo MIS export"));
    for r in [
        Reason::Left,
        Reason::Expired,
        Reason::GuestExpired,
        Reason::Inactive,
        Reason::NeverUsed,
        Reason::OverduePurge,
    ] {
        assert!(shown(v).iter().any(|(_, x)| *x == r), "no {r:?} finding");
    }
    let screen = h.screen(100, 30);
    assert!(screen.contains("MIS: demo MIS export"), "{screen}");
    assert!(screen.contains("Evidence:"), "{screen}");

    // Filter by reason: one right of "any" is `left`.
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Enter).await;
    let v = tab(&h);
    assert!(!shown(v).is_empty());
    assert!(shown(v).iter().all(|(_, r)| *r == Reason::Left));
    assert!(has(v, "24kinga", Reason::Left));
    // And by role: pupils among them.
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Down).await;
    for _ in 0..20 {
        let role = match h.state.dialogs.last() {
            Some(Dialog::Form(f)) => f.choice(1).to_string(),
            _ => panic!("the filter form"),
        };
        if role == "pupil" {
            break;
        }
        h.key(KeyCode::Right).await;
    }
    h.key(KeyCode::Enter).await;
    let v = tab(&h);
    assert!(v
        .table
        .shown()
        .all(|r| r.finding.role.as_deref() == Some("pupil") && r.finding.reason == Reason::Left));
    assert!(!has(v, "spatel", Reason::Left));
    // Protected only: the demo has none to show, and says how to clear the filters.
    h.key(KeyCode::Char('F')).await;
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Enter).await;
    assert!(shown(tab(&h)).is_empty());
    assert!(h.screen(100, 30).contains("No finding matches"));
    h.key(KeyCode::Char('F')).await;
    assert!(shown(tab(&h)).len() > 30);

    // The preview: every suspend finding, with every step.
    h.key(KeyCode::Char('p')).await;
    let v = tab(&h);
    assert_eq!(v.panel, Panel::Plan);
    let plan = v.plan.plan.as_ref().expect("a plan");
    let users: Vec<&str> = plan
        .accounts
        .iter()
        .map(|a| a.finding.username.as_str())
        .collect();
    assert!(
        users.contains(&"24santosl") && users.contains(&"24kinga"),
        "{users:?}"
    );
    let n = users.len();
    let screen = h.screen(100, 30);
    assert!(screen.contains("1. disable"), "{screen}");
    assert!(screen.contains("move from"), "{screen}");
    // Exclude 24santosl (second by username).
    h.key(KeyCode::Down).await;
    assert_eq!(
        tab(&h)
            .plan
            .table
            .current()
            .map(|r| r.plan.finding.username.as_str()),
        Some("24santosl")
    );
    h.key(KeyCode::Char(' ')).await;
    assert!(tab(&h).plan.excluded.contains("24santosl"));
    assert!(h.screen(100, 30).contains("[ ] out 24santosl"));

    // Apply: asks first, then runs with its progress view.
    h.key(KeyCode::Char('a')).await;
    match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => {
            let text: Vec<&str> = c.lines.iter().map(|(l, _)| l.as_str()).collect();
            assert!(text.iter().any(|l| l.contains("24kinga")), "{text:?}");
            assert!(!text.iter().any(|l| l.contains("24santosl (")), "{text:?}");
        }
        other => panic!("a confirmation expected, got {other:?}"),
    }
    h.key(KeyCode::Char('y')).await;
    let v = tab(&h);
    assert_eq!(v.panel, Panel::Progress);
    let p = v.progress.as_ref().expect("progress");
    assert!(!p.running);
    assert!(
        matches!(&p.outcome, Some(Ok(Some(o))) if o.finished),
        "{:?}",
        p.outcome
    );
    let (done, all) = p.counts();
    assert_eq!(done, all);
    assert_eq!(p.accounts.len(), n - 1);
    assert!(h.state.jobs.is_empty());
    // The scan ran again: 24kinga is suspended (no longer `left`), 24santosl still is.
    let v = tab(&h);
    assert!(!has(v, "24kinga", Reason::Left));
    assert!(has(v, "24santosl", Reason::Left));

    // The store: one finished run, its records, its steps in the action log.
    let store = Store::open(&path).unwrap();
    // Newest first: this run, then the demo's own (21berrym's suspension 60 days ago).
    let runs = store.sweep_runs().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[0].finished_at.is_some());
    let recs = store.leaver_records(&runs[0].run_id).unwrap();
    assert_eq!(recs.len(), n - 1);
    assert!(!recs.iter().any(|r| r.username == "24santosl"));
    let log = store
        .log(&LogFilter {
            action: Some("leaver.disable".into()),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(log.len(), n - 1);
    drop(store);

    // History: the run and its report.
    h.key(KeyCode::Char('h')).await;
    let v = tab(&h);
    assert_eq!(v.panel, Panel::Runs);
    // This run and the demo's own (21berrym's suspension 60 days before).
    assert_eq!(v.runs.runs.len(), 2);
    let rep = v.runs.report().expect("the report");
    assert_eq!(rep.accounts.len(), n - 1);
    let first = rep.accounts[0].record.username.clone();
    assert!(h.screen(100, 30).contains("Sweep runs (2)"));

    // Restore the first account of the report: confirm, then the password once.
    h.key(KeyCode::Enter).await;
    assert_eq!(tab(&h).panel, Panel::Report);
    h.key(KeyCode::Char('e')).await;
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Confirm(_))));
    h.key(KeyCode::Char('y')).await;
    match h.state.dialogs.last() {
        Some(Dialog::Secret(s)) => assert_eq!(s.username, first),
        other => panic!("the one-time password expected, got {other:?}"),
    }
    let screen = h.screen(100, 30);
    assert!(screen.contains("Temporary password"), "{screen}");
    // Only n ("noted") closes the shown-once password.
    h.key(KeyCode::Esc).await;
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Secret(_))));
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.dialogs.is_empty());
    let store = Store::open(&path).unwrap();
    let log = store
        .log(&LogFilter {
            action: Some("leaver.restore-move".into()),
            ..LogFilter::default()
        })
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target, first);
}

/// Saves a run's plan as `sweep --apply` does before its first change, and stops there (as
/// a `kill -9` after planning would).
async fn unfinished_run(ctx: &schooltech::ops::Ctx) -> String {
    let export = leavers::load_mis(ctx, None).unwrap().unwrap();
    let plan = sweep::plan(ctx, &export).await.unwrap();
    let store = Store::open(&ctx.config.store.path).unwrap();
    let run_id = "sweep-20261125-110000-1".to_string();
    let records: Vec<LeaverRecord> = plan
        .accounts
        .iter()
        .map(|a| LeaverRecord {
            run_id: run_id.clone(),
            ..a.record.clone()
        })
        .collect();
    let run = SweepRun {
        run_id: run_id.clone(),
        kind: "suspend".into(),
        created_at: frozen_now(),
        operator: "tech".into(),
        source: "demo MIS export".into(),
        as_of: None,
        steps: plan.step_count() as i64,
        lock_pid: None,
        finished_at: None,
    };
    store.sweep_create(&run, &records).unwrap();
    let steps: Vec<(&str, &str, serde_json::Value)> = plan
        .accounts
        .iter()
        .flat_map(|a| a.steps.iter())
        .map(|s| (s.action.as_str(), s.target.as_str(), s.details.clone()))
        .collect();
    store.journal_plan(&run_id, &steps, frozen_now()).unwrap();
    run_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_run_is_offered_and_resumed() {
    let ctx = demo_at(frozen_now(), None);
    let path = ctx.config.store.path.clone();
    let run_id = unfinished_run(&ctx).await;
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('4')).await;
    let screen = h.screen(100, 30);
    assert!(screen.contains("UNFINISHED"), "{screen}");
    assert!(screen.contains(&run_id), "{screen}");
    // Applying a new sweep is refused while it is open.
    h.key(KeyCode::Char('p')).await;
    h.key(KeyCode::Char('a')).await;
    assert!(h.state.dialogs.is_empty());
    h.key(KeyCode::Char('R')).await;
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Confirm(_))));
    h.key(KeyCode::Char('y')).await;
    let p = tab(&h).progress.as_ref().expect("progress");
    assert!(p.resuming && !p.running);
    assert_eq!(p.run_id, run_id);
    assert!(matches!(&p.outcome, Some(Ok(Some(o))) if o.finished && o.done > 0));
    let (done, all) = p.counts();
    assert!(all > 0 && done == all, "{done}/{all}");
    assert!(!h.screen(100, 30).contains("UNFINISHED"));
    let store = Store::open(&path).unwrap();
    assert!(store.sweep_open_run().unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_is_read_only() {
    let ctx = demo_at(
        frozen_now(),
        Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()),
    );
    let path = ctx.config.store.path.clone();
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('4')).await;
    assert!(tab(&h).loaded);
    // The preview is a dry run and is shown; applying it is refused.
    h.key(KeyCode::Char('p')).await;
    assert!(tab(&h).plan.plan.is_some());
    h.key(KeyCode::Char('a')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.screen(100, 30).contains("read-only"));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('R')).await;
    assert!(h.state.dialogs.is_empty());
    let store = Store::open(&path).unwrap();
    // Only the demo's own run (21berrym's suspension, 60 days before): none of today.
    let runs = store.sweep_runs().unwrap();
    assert!(
        runs.iter()
            .all(|r| r.created_at < frozen_now() - chrono::Duration::days(59)),
        "{runs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_mis_export_the_scan_runs_and_says_so() {
    let (ctx, _dir, _tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('4')).await;
    let v = tab(&h);
    assert!(v.loaded && v.source.is_none(), "{:?}", v.error);
    assert!(!shown(v).iter().any(|(_, r)| *r == Reason::Left));
    assert!(h.screen(100, 30).contains("No MIS export configured"));
    h.key(KeyCode::Char('p')).await;
    let v = tab(&h);
    assert!(v.plan.plan.is_none());
    assert!(
        v.plan
            .error
            .as_deref()
            .is_some_and(|e| e.contains("[mis] file")),
        "{:?}",
        v.plan.error
    );
}

fn snap(h: &Harness, name: &str, w: u16, height: u16) {
    // Run ids end with the process id, whose width varies: so does the padding after them.
    let padded = regex::Regex::new(r"sweep-\d{8}-\d{6}-\d+ {2,}").unwrap();
    let re = regex::Regex::new(r"sweep-\d{8}-\d{6}-\d+").unwrap();
    let text = redact(&h.screen(w, height));
    let text = padded.replace_all(&text, "sweep-<run-id>   ");
    let mut text = re.replace_all(&text, "sweep-<run-id>").to_string();
    // The runs list names who planned each run: the machine's user, whoever runs the tests.
    let op = schooltech::store::operator();
    if op != "tech" {
        let col = |name: &str| format!(" {name:<10} ");
        text = text.replace(&col(&op), &col("tech"));
    }
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leavers_snapshots() {
    for (w, hh) in [(80u16, 24u16), (100, 30)] {
        let (mut h, _path) = open(w, hh).await;
        snap(&h, "leavers", w, hh);
        h.key(KeyCode::Char('p')).await;
        h.key(KeyCode::Down).await;
        h.key(KeyCode::Char(' ')).await;
        snap(&h, "leavers_plan", w, hh);
        h.key(KeyCode::Char('a')).await;
        h.key(KeyCode::Char('y')).await;
        snap(&h, "leavers_progress", w, hh);
        h.key(KeyCode::Char('h')).await;
        snap(&h, "leavers_runs", w, hh);
    }
}

fn sizes() -> Vec<(u16, u16)> {
    let mut v = Vec::new();
    for w in [1, 2, 3, 5, 8, 13, 21, 34, 55, 79, 80, 81, 100, 120, 200] {
        for h in [1, 2, 3, 4, 5, 8, 12, 16, 24, 25, 30, 40] {
            v.push((w, h));
        }
    }
    v
}

fn draw_all(h: &Harness, what: &str) {
    for (w, hh) in sizes() {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.screen(w, hh)));
        assert!(result.is_ok(), "{what} panicked at {w}x{hh}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_leavers_screen_draws_at_every_size_and_survives_resize() {
    let (mut h, _path) = open(100, 30).await;
    draw_all(&h, "findings");
    h.key(KeyCode::Char('p')).await;
    draw_all(&h, "plan");
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Char('y')).await;
    draw_all(&h, "progress");
    // A resize keeps the progress view (and its cursor) in place.
    h.feed(schooltech::tui::app::Msg::Resize(80, 24));
    assert_eq!(tab(&h).panel, Panel::Progress);
    let screen = h.screen(80, 24);
    assert!(screen.contains("done"), "{screen}");
    h.feed(schooltech::tui::app::Msg::Resize(40, 10));
    draw_all(&h, "progress after resize");
    h.key(KeyCode::Char('h')).await;
    draw_all(&h, "runs");
    h.key(KeyCode::Enter).await;
    draw_all(&h, "report");
}
