//! The Inventory tab over the demo school at a fixed moment: the list, search, filters, the
//! detail pane, the loan dialog (refusing an unknown user, accepting a demo member of staff),
//! a return, the audit scan mode (a known tag, a moved one, an unknown one, typed as fast as a
//! scanner types) and the disposal view; what each did is checked in the store afterwards.
//! Snapshots at 80×24 and 120×40 (dates redacted).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use schooltech::config::Config;
use schooltech::domain::inventory::{ScanOutcome, Status};
use schooltech::ops::inventory::{self as inv, audit};
use schooltech::ops::Ctx;
use schooltech::tui::app::{Msg, Tab};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::inventory::{InventoryTab, Panel};
use schooltech::tui::tabs::Page;
use std::path::PathBuf;
use std::sync::Arc;
use tui_support::{demo_at, frozen_now, redact, FakeDir, Harness};

fn shown(v: &InventoryTab) -> Vec<String> {
    v.table.shown().map(|r| r.row.asset.tag.clone()).collect()
}

/// A second context on the same store (what the CLI would see).
fn store_ctx(path: &std::path::Path) -> Ctx {
    let dir = Arc::new(FakeDir::new(1, frozen_now()));
    let mut ctx = Ctx::with_directory(Config::default(), dir, path.to_path_buf(), None);
    ctx.clock = schooltech::clock::Clock::Fixed(frozen_now());
    ctx
}

async fn open(w: u16, h: u16) -> (Harness, PathBuf) {
    let ctx = demo_at(frozen_now(), None);
    let path = ctx.config.store.path.clone();
    let mut h = Harness::new(ctx, w, h).await;
    h.key(KeyCode::Char('5')).await;
    assert_eq!(h.state.tab, Tab::Inventory);
    (h, path)
}

fn inv_tab(h: &Harness) -> &InventoryTab {
    &h.state.tabs.inventory
}

fn put_cursor(h: &mut Harness, tag: &str) {
    let page = 10;
    h.state.tabs.inventory.table.select_key(tag, page);
    assert_eq!(
        h.state
            .tabs
            .inventory
            .current()
            .map(|r| r.row.asset.tag.as_str()),
        Some(tag)
    );
}

fn form_error(h: &Harness) -> Option<String> {
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f.error.clone(),
        other => panic!("a form expected, got {other:?}"),
    }
}

async fn backspaces(h: &mut Harness, n: usize) {
    for _ in 0..n {
        h.feed(Msg::Key(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    h.settle().await;
}

/// Types tags as a scanner does: every character and Enter straight after each other, with no
/// wait for the answers in between.
async fn scan_fast(h: &mut Harness, tags: &[&str]) {
    for t in tags {
        for c in t.chars() {
            h.feed(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        h.feed(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    }
    h.settle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_search_filter_and_detail() {
    let (mut h, _path) = open(100, 30).await;
    let v = inv_tab(&h);
    assert!(v.loaded && v.error.is_none());
    assert_eq!(v.table.rows().len(), 21);
    assert_eq!(shown(v).first().map(String::as_str), Some("DA-DSK-001"));

    // Search: tag, serial, make, model, room, borrower.
    h.key(KeyCode::Char('/')).await;
    assert!(h.state.tabs.inventory.typing());
    h.type_text("latitude").await;
    assert_eq!(shown(inv_tab(&h)), ["DA-LAP-001", "DA-LAP-002"]);
    h.key(KeyCode::Esc).await;
    h.type_text("/jsmith").await;
    assert_eq!(
        shown(inv_tab(&h)),
        ["DA-LAP-002"],
        "the borrower is searched"
    );
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('F')).await;
    assert_eq!(shown(inv_tab(&h)).len(), 21);

    // Filters through the form: status in-stock (one right from "any").
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Enter).await;
    let v = inv_tab(&h);
    assert!(!shown(v).is_empty());
    assert!(v
        .table
        .shown()
        .all(|r| r.row.asset.status == Status::InStock));
    // Overdue only (the fifth field): the demo's one overdue loan.
    h.key(KeyCode::Char('F')).await;
    h.key(KeyCode::Char('f')).await;
    for _ in 0..4 {
        h.key(KeyCode::Down).await;
    }
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(shown(inv_tab(&h)), ["DA-LAP-002"]);
    assert!(h.screen(100, 30).contains("filter: overdue"));
    // Unencrypted: portable, holds data, out, not known to be encrypted.
    let v = &mut h.state.tabs.inventory;
    v.table.filters = Default::default();
    v.table.filters.unencrypted = true;
    v.table.refilter_keep(10);
    let tags = shown(v);
    assert!(tags.contains(&"DA-LAP-002".to_string()), "{tags:?}");
    assert!(
        !tags.contains(&"DA-LAP-001".to_string()),
        "encrypted: {tags:?}"
    );
    assert!(
        !tags.contains(&"DA-LAP-004".to_string()),
        "in stock: {tags:?}"
    );
    // Room and category.
    v.table.filters = Default::default();
    v.table.filters.room = Some("library".into());
    v.table.refilter_keep(10);
    assert_eq!(shown(v), ["DA-TAB-001", "DA-TAB-002"]);
    v.table.filters = Default::default();
    v.table.refilter_keep(10);

    // Sort by status, then borrower.
    h.key(KeyCode::Char('s')).await;
    h.key(KeyCode::Char('s')).await;
    assert_eq!(
        shown(inv_tab(&h)).first().map(String::as_str),
        Some("DA-LAP-004"),
        "in-stock first"
    );
    h.key(KeyCode::Char('s')).await;
    h.key(KeyCode::Char('s')).await;
    let v = inv_tab(&h);
    assert_eq!(
        v.table.sort,
        schooltech::tui::tabs::inventory::InvSort::Borrower
    );
    assert_eq!(
        shown(v)[..3],
        ["DA-LAP-003", "DA-LAP-002", "DA-LAP-001"],
        "boakes, jsmith, loconnor"
    );

    // Details: fields, loans and history of the asset under the cursor.
    put_cursor(&mut h, "DA-LAP-002");
    h.key(KeyCode::Enter).await;
    let v = inv_tab(&h);
    assert!(v.detail.open);
    match &v.detail.data {
        Some(Ok(d)) => {
            assert_eq!(d.asset.tag, "DA-LAP-002");
            assert!(!d.history.is_empty());
            assert_eq!(d.loans.len(), 1);
        }
        other => panic!("detail expected, got {other:?}"),
    }
    let screen = h.screen(100, 30);
    assert!(screen.contains("OVERDUE"), "{screen}");
    assert!(screen.contains("History (1, newest first)"), "{screen}");
    // The pane follows the cursor.
    h.key(KeyCode::Down).await;
    match &inv_tab(&h).detail.data {
        Some(Ok(d)) => assert_eq!(d.asset.tag, "DA-LAP-001"),
        other => panic!("detail expected, got {other:?}"),
    }
    h.key(KeyCode::Esc).await;
    assert!(!inv_tab(&h).detail.open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loan_refuses_an_unknown_user_accepts_a_demo_one_and_the_asset_comes_back() {
    let (mut h, path) = open(100, 30).await;
    put_cursor(&mut h, "DA-LAP-004");
    h.key(KeyCode::Char('l')).await;
    // The picker of directory usernames, staff first.
    let Some(Dialog::Picker(p)) = h.state.dialogs.last() else {
        panic!("the borrower picker, got {:?}", h.state.dialogs.last());
    };
    assert!(p.waiting.is_none() && p.options.len() > 50, "{:?}", p.error);
    assert!(p.options.iter().any(|o| o.starts_with("loconnor ")));
    assert!(
        !p.options.iter().any(|o| o.starts_with("boakes ")),
        "disabled accounts are not offered"
    );
    h.type_text("loconnor").await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Form(f)) = h.state.dialogs.last() else {
        panic!("the loan form");
    };
    assert_eq!(f.text(0), "loconnor");

    // A typed username the directory does not know: refused in the form, nothing changed.
    backspaces(&mut h, 8).await;
    h.type_text("nosuchperson").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("the refusal is shown in the form");
    assert!(err.contains("nosuchperson"), "{err}");
    let ctx2 = store_ctx(&path);
    assert_eq!(
        inv::detail(&ctx2, "DA-LAP-004").unwrap().asset.status,
        Status::InStock
    );
    // A disabled member of staff: refused too.
    backspaces(&mut h, 12).await;
    h.type_text("boakes").await;
    h.key(KeyCode::Enter).await;
    assert!(form_error(&h).is_some(), "a disabled borrower is refused");

    // A demo member of staff: lent, logged, the list read again.
    backspaces(&mut h, 6).await;
    h.type_text("loconnor").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let row = inv_tab(&h).row("da-lap-004").expect("row");
    assert_eq!(row.row.asset.status, Status::OnLoan);
    assert_eq!(row.row.loaned_to.as_deref(), Some("loconnor"));
    let d = inv::detail(&ctx2, "DA-LAP-004").unwrap();
    assert_eq!(d.asset.status, Status::OnLoan);
    assert_eq!(
        d.loan.map(|l| l.borrower.name().to_string()).as_deref(),
        Some("loconnor")
    );
    let log = schooltech::ops::log::show(
        &schooltech::store::Store::open(&path).unwrap(),
        &Default::default(),
    )
    .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "asset.loan" && e.target == "DA-LAP-004"));

    // Return it, with its condition and the room it goes to.
    put_cursor(&mut h, "DA-LAP-004");
    h.key(KeyCode::Char('R')).await;
    h.type_text("good").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Room 9").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let d = inv::detail(&ctx2, "DA-LAP-004").unwrap();
    assert_eq!(
        (d.asset.status, d.asset.room.as_str()),
        (Status::InStock, "Room 9")
    );
    assert!(d.loan.is_none());
    let row = inv_tab(&h).row("DA-LAP-004").expect("row");
    assert_eq!(row.row.loaned_to, None);
    // Returning what is not on loan says so and opens nothing.
    h.key(KeyCode::Char('R')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.screen(100, 30).contains("is not on loan"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_mode_counts_flashes_and_records_every_tag() {
    let (mut h, path) = open(100, 30).await;
    h.key(KeyCode::Char('a')).await;
    h.type_text("Library").await;
    h.key(KeyCode::Enter).await;
    let v = inv_tab(&h);
    assert!(v.scan.on, "scan mode is on: {:?}", h.state.dialogs);
    assert!(v.typing());
    assert_eq!(v.scan.round, "Autumn term audit");

    // A known tag where it belongs.
    scan_fast(&mut h, &["DA-TAB-001"]).await;
    let s = &inv_tab(&h).scan;
    assert_eq!((s.count, s.seen), (1, 1));
    assert_eq!(s.flash(), None);
    // One in another room than its own (any case): flashed as moved.
    scan_fast(&mut h, &["da-prn-001"]).await;
    let s = &inv_tab(&h).scan;
    assert_eq!((s.count, s.moved), (2, 1));
    assert_eq!(s.flash(), Some("MOVED"));
    assert!(h
        .screen(100, 30)
        .contains("registered in Staff Room, found in Library"));
    // An unknown tag: recorded, flashed.
    scan_fast(&mut h, &["ZZ-404"]).await;
    let s = &inv_tab(&h).scan;
    assert_eq!((s.count, s.unknown), (3, 1));
    assert_eq!(s.flash(), Some("UNKNOWN"));
    assert!(h.screen(100, 30).contains("UNKNOWN  ZZ-404"));
    // Fast as a scanner: three tags without a pause, none lost.
    scan_fast(&mut h, &["DA-TAB-002", "DA-OTH-001", "DA-TAB-001"]).await;
    let s = &inv_tab(&h).scan;
    assert_eq!(s.count, 6);
    assert_eq!(s.pending, 0);
    assert_eq!((s.seen, s.moved, s.unknown, s.already), (2, 2, 1, 1));
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("scanned 6: seen 2, moved 2, unknown 1, again 1"),
        "{screen}"
    );

    // In the store: the same round, seen, moved and unknown.
    let ctx2 = store_ctx(&path);
    let r = audit::report(&ctx2, None).unwrap();
    assert!(r
        .seen
        .iter()
        .any(|x| x.tag == "DA-TAB-001" && x.scanned_in == "Library"));
    assert!(r.moved.iter().any(|x| x.tag == "DA-PRN-001"));
    assert!(r.unknown.iter().any(|(t, _, _)| t == "ZZ-404"));
    let one = audit::scan(&ctx2, "DA-TAB-001", Some("Library")).unwrap();
    assert_eq!(one.outcome, ScanOutcome::Already);

    // Esc leaves; the list is read again (last audited).
    h.key(KeyCode::Esc).await;
    let v = inv_tab(&h);
    assert!(!v.scan.on && !v.typing());
    assert!(v
        .row("DA-TAB-001")
        .unwrap()
        .row
        .asset
        .last_audited
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_mode_without_an_open_round_says_how_and_can_start_one() {
    let (mut h, path) = open(100, 30).await;
    audit::close(&store_ctx(&path)).unwrap();
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("no open round");
    assert!(err.contains("no audit round is open"), "{err}");
    h.key(KeyCode::Tab).await;
    h.type_text("Spring 2027").await;
    h.key(KeyCode::Enter).await;
    let v = inv_tab(&h);
    assert!(v.scan.on);
    assert_eq!(v.scan.round, "Spring 2027");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposal_view_lists_what_the_batch_lacks() {
    let (mut h, _path) = open(100, 30).await;
    h.key(KeyCode::Char('w')).await;
    let v = inv_tab(&h);
    assert_eq!(v.panel, Panel::Disposal);
    let b = &v.disposal.batches[v.disposal.list.cursor];
    assert_eq!(b.view.batch.name, "WEEE-DEMO-1");
    assert!(!b.view.blockers.is_empty());
    let screen = h.screen(100, 30);
    assert!(screen.contains("Cannot close yet"), "{screen}");
    assert!(
        screen.contains("DA-STO-002 holds data and has no sanitisation record"),
        "{screen}"
    );
    assert!(screen.contains("NOT SANITISED"), "{screen}");
    h.key(KeyCode::Char('w')).await;
    assert_eq!(inv_tab(&h).panel, Panel::Assets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_is_read_only() {
    let now = frozen_now();
    let mut h = Harness::new(demo_at(now, Some(now.date_naive())), 100, 30).await;
    h.key(KeyCode::Char('5')).await;
    put_cursor(&mut h, "DA-LAP-004");
    for k in ['l', 'a'] {
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty());
        assert!(h.screen(100, 30).contains("read-only"));
    }
    assert!(!inv_tab(&h).scan.on);
}

fn snap(h: &Harness, name: &str, w: u16, height: u16) {
    let text = redact(&h.screen(w, height));
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_snapshots() {
    for (w, hh) in [(80u16, 24u16), (120, 40)] {
        let (mut h, _path) = open(w, hh).await;
        snap(&h, "inventory", w, hh);
        put_cursor(&mut h, "DA-LAP-002");
        h.key(KeyCode::Enter).await;
        snap(&h, "inventory_detail", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('a')).await;
        h.type_text("Library").await;
        h.key(KeyCode::Enter).await;
        scan_fast(&mut h, &["DA-TAB-001", "DA-PRN-001"]).await;
        snap(&h, "inventory_scan_moved", w, hh);
        scan_fast(&mut h, &["ZZ-404"]).await;
        snap(&h, "inventory_scan_unknown", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('w')).await;
        snap(&h, "inventory_disposal", w, hh);
    }
}

fn sizes() -> Vec<(u16, u16)> {
    let mut v = Vec::new();
    for w in 1..=130 {
        for h in [1, 24, 40] {
            v.push((w, h));
        }
    }
    for w in [
        1, 2, 3, 5, 8, 13, 21, 34, 55, 79, 80, 81, 99, 100, 119, 120, 121, 200,
    ] {
        for h in [1, 2, 3, 4, 5, 8, 12, 16, 20, 23, 24, 25, 30, 39, 40, 60] {
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
async fn every_inventory_screen_draws_at_every_size() {
    let (mut h, _path) = open(100, 40).await;
    draw_all(&h, "inventory");
    put_cursor(&mut h, "DA-LAP-002");
    h.key(KeyCode::Enter).await;
    draw_all(&h, "inventory detail");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('f')).await;
    draw_all(&h, "inventory filter");
    h.key(KeyCode::Esc).await;
    put_cursor(&mut h, "DA-LAP-004");
    h.key(KeyCode::Char('l')).await;
    draw_all(&h, "borrower picker");
    h.key(KeyCode::Enter).await;
    draw_all(&h, "loan form");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('a')).await;
    h.type_text("A room with a very long name indeed, on the far side")
        .await;
    h.key(KeyCode::Enter).await;
    scan_fast(&mut h, &["DA-PRN-001"]).await;
    h.type_text("HALF-TYPED-TAG-THAT-GOES-ON-AND-ON-AND-ON-FOREVER-AND-EVER")
        .await;
    draw_all(&h, "scan mode, moved");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('w')).await;
    draw_all(&h, "disposal");
}
