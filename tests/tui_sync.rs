//! Issue 25 item 6: the Leavers tab's Sync view over the demo school at a fixed moment: the
//! demo roll read and planned (the same plan as `schooltech sync`), the plan by kind with the
//! summary by year, a kind drilled into, one joiner left out and the rest applied behind the
//! confirmation (the left-out one is not made, the apply says so), and an unfinished run offered
//! for resume. Snapshots at 80×24 and 100×30.

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::ops::sync;
use schooltech::tui::app::Tab;
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::leavers::{LeaversTab, Panel, SyncKind};
use tui_support::{demo_at, frozen_now, redact, Harness};

fn tab(h: &Harness) -> &LeaversTab {
    &h.state.tabs.leavers
}

async fn open_sync(w: u16, hh: u16) -> Harness {
    open_sync_with(w, hh).await.0
}

async fn open_sync_with(
    w: u16,
    hh: u16,
) -> (
    Harness,
    std::sync::Arc<dyn schooltech::directory::Directory>,
    std::path::PathBuf,
) {
    let ctx = demo_at(frozen_now(), None);
    let dir = ctx.dir.clone();
    let path = ctx.config.store.path.clone();
    let mut h = Harness::new(ctx, w, hh).await;
    h.key(KeyCode::Char('4')).await;
    assert_eq!(h.state.tab, Tab::Leavers);
    h.key(KeyCode::Char('m')).await;
    assert_eq!(tab(&h).panel, Panel::Sync);
    let s = &tab(&h).sync;
    assert!(s.loaded.is_some(), "no plan: {:?}", s.error);
    (h, dir, path)
}

fn snap(h: &Harness, name: &str, w: u16, hh: u16) {
    let text = redact(&h.screen(w, hh));
    insta::assert_snapshot!(format!("{name}_{w}x{hh}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_shows_the_same_plan_as_the_command() {
    let h = open_sync(100, 30).await;
    // The same demo, seeded as the Leavers tab's scan seeds it.
    let ctx = demo_at(frozen_now(), None);
    let mis = schooltech::ops::leavers::load_mis(&ctx, None).expect("the demo export");
    schooltech::ops::leavers::scan(&ctx, mis.as_ref())
        .await
        .expect("the scan");
    let roll = sync::read_roll_file(&ctx, None).expect("the demo roll");
    let cli = sync::plan(&ctx, &roll).await.expect("the plan");
    let tui = &tab(&h).sync.loaded.as_ref().expect("loaded").plan;
    assert_eq!(
        sync::plan_json(&cli),
        sync::plan_json(tui),
        "the TUI planned differently from the command"
    );
    // The demo roll has joiners, movers, a rename, a missing pupil and a returner.
    let q = &tui.plan;
    assert!(!q.create.is_empty(), "no joiner in the demo");
    assert!(!q.moves.is_empty(), "no mover in the demo");
    assert!(!q.rename.is_empty(), "no rename in the demo");
    assert!(!q.tolerate.is_empty(), "no missing pupil in the demo");
    assert!(!q.reactivate.is_empty(), "no returner in the demo");
    let screen = h.screen(100, 30);
    assert!(screen.contains("Applying acts on 14 item(s)"), "{screen}");
    assert!(screen.contains("By year:"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_snapshots() {
    for (w, hh) in [(80u16, 24u16), (100, 30)] {
        let mut h = open_sync(w, hh).await;
        snap(&h, "sync", w, hh);
        // Move (second kind): its items.
        h.key(KeyCode::Down).await;
        h.key(KeyCode::Enter).await;
        assert_eq!(tab(&h).panel, Panel::SyncKind);
        assert_eq!(tab(&h).sync.kind, SyncKind::Move);
        h.key(KeyCode::Char(' ')).await;
        snap(&h, "sync_move", w, hh);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_left_out_joiner_is_not_made_and_the_apply_says_so() {
    let (mut h, dir, store) = open_sync_with(100, 30).await;
    let joiners: Vec<String> = tab(&h)
        .sync
        .plan()
        .expect("plan")
        .create
        .iter()
        .map(|e| e.item.username.clone())
        .collect();
    assert!(joiners.len() >= 2, "{joiners:?}");
    // Create is the first kind: drill in, leave the first joiner out.
    h.key(KeyCode::Enter).await;
    assert_eq!(tab(&h).sync.kind, SyncKind::Create);
    let first = tab(&h)
        .sync
        .table
        .current()
        .expect("a joiner")
        .item
        .username
        .clone();
    h.key(KeyCode::Char(' ')).await;
    assert_eq!(tab(&h).sync.counts().1, 1);
    assert!(h.screen(100, 30).contains("✗ out"));
    // And one tolerated pupil (Tolerate is the fourth kind): not marked.
    h.key(KeyCode::Esc).await;
    for _ in 0..3 {
        h.key(KeyCode::Down).await;
    }
    h.key(KeyCode::Enter).await;
    assert_eq!(tab(&h).sync.kind, SyncKind::Tolerate);
    let unmarked = tab(&h)
        .sync
        .table
        .current()
        .expect("a tolerated pupil")
        .item
        .mis_id
        .clone();
    h.key(KeyCode::Char(' ')).await;
    assert_eq!(tab(&h).sync.counts().1, 2);
    h.key(KeyCode::Char('a')).await;
    let Some(Dialog::Confirm(c)) = h.state.shell.dialogs.last() else {
        panic!("no confirmation: {:?}", h.state.shell.dialogs.last());
    };
    assert!(
        c.lines
            .iter()
            .any(|(l, _)| l.contains("2 item(s) left out")),
        "{:?}",
        c.lines
    );
    let n = c.targets;
    if n > 20 {
        for ch in n.to_string().chars() {
            h.key(KeyCode::Char(ch)).await;
        }
        h.key(KeyCode::Enter).await;
    } else {
        h.key(KeyCode::Char('y')).await;
    }
    for _ in 0..50 {
        if !tab(&h).sync.running {
            break;
        }
        h.settle().await;
    }
    assert!(!tab(&h).sync.running, "the run did not end");
    let status = h.state.status.as_ref().map(|s| s.text.clone());
    assert!(
        status
            .as_deref()
            .is_some_and(|s| s.contains("finished") && s.contains("2 item(s) left out")),
        "{status:?}"
    );
    assert!(
        dir.get_account(&first).await.expect("read").is_none(),
        "{first} was left out but made"
    );
    for u in joiners.iter().filter(|u| **u != first) {
        assert!(
            dir.get_account(u).await.expect("read").is_some(),
            "{u} was not made"
        );
    }
    let marks = schooltech::store::Store::open(&store)
        .expect("store")
        .sync_marks()
        .expect("marks");
    assert!(!marks.is_empty(), "no tolerated pupil was marked");
    assert!(
        marks.iter().all(|m| m.mis_id != unmarked),
        "{unmarked} was left out but marked"
    );
    // Planned again: the left-out joiner is still to create, the rest are done.
    let q = tab(&h).sync.plan().expect("planned again");
    let left: Vec<&str> = q.create.iter().map(|e| e.item.username.as_str()).collect();
    assert_eq!(left, [first.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_run_is_offered_for_resume() {
    let ctx = demo_at(frozen_now(), None);
    let store = ctx.store().expect("store");
    let run = schooltech::store::sync::SyncRun {
        run_id: "sync-20261125-120000-1".into(),
        created_at: frozen_now(),
        operator: "tech".into(),
        source: "the demo roll".into(),
        summary: serde_json::json!({}),
        steps: 0,
        lock_pid: None,
        finished_at: None,
    };
    store
        .sync_create(&run, &[], &[], frozen_now().date_naive())
        .expect("an open run");
    drop(store);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('4')).await;
    h.key(KeyCode::Char('m')).await;
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("sync-20261125-120000-1 (0 steps) did not finish"),
        "{screen}"
    );
    // Apply is refused until it is resumed.
    h.key(KeyCode::Char('a')).await;
    assert!(h.state.shell.dialogs.is_empty());
    h.key(KeyCode::Char('R')).await;
    assert!(matches!(
        h.state.shell.dialogs.last(),
        Some(Dialog::Confirm(_))
    ));
    h.key(KeyCode::Char('y')).await;
    for _ in 0..50 {
        if !tab(&h).sync.running {
            break;
        }
        h.settle().await;
    }
    let s = tab(&h).sync.loaded.as_ref().expect("planned again");
    assert!(s.unfinished.is_none(), "the run is still open");
}
