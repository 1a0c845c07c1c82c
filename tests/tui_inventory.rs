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
    let said = confirm_y(&mut h, true).await;
    assert!(
        said.contains("Lend DA-LAP-004") && said.contains("to nosuchperson"),
        "{said}"
    );
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
    confirm_y(&mut h, true).await;
    assert!(form_error(&h).is_some(), "a disabled borrower is refused");

    // A demo member of staff: lent, logged, the list read again.
    backspaces(&mut h, 6).await;
    h.type_text("loconnor").await;
    h.key(KeyCode::Enter).await;
    confirm_y(&mut h, true).await;
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
    let said = confirm_y(&mut h, true).await;
    assert!(
        said.contains("Take DA-LAP-004 back from loconnor") && said.contains("Room 9"),
        "{said}"
    );
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

/// Picks `room` in the scan form's Room choice (rooms the register knows).
async fn choose_room(h: &mut Harness, room: &str) {
    for _ in 0..40 {
        if let Some(schooltech::tui::dialogs::Dialog::Form(f)) = h.state.dialogs.last() {
            if f.choice(0) == room {
                return;
            }
        }
        h.key(KeyCode::Right).await;
    }
    panic!("no room {room} in the scan form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_mode_counts_flashes_and_records_every_tag() {
    let (mut h, path) = open(100, 30).await;
    h.key(KeyCode::Char('a')).await;
    choose_room(&mut h, "Library").await;
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

    // Scanner noise is not a tag: refused (with a beep), not recorded as unknown (issue 24,
    // item 11); in ops too.
    scan_fast(&mut h, &["]C1 noise!"]).await;
    let s = &inv_tab(&h).scan;
    assert_eq!((s.count, s.unknown), (6, 1), "noise not recorded");
    assert!(
        matches!(&s.last, Some(Err(e)) if e.contains("not an asset tag")),
        "{:?}",
        s.last
    );
    assert!(audit::scan(&ctx2, "]C1 noise!", Some("Library")).is_err());
    assert!(!audit::report(&ctx2, None)
        .unwrap()
        .unknown
        .iter()
        .any(|(t, _, _)| t.contains("noise")));
    // A scanner that ends a label with Tab: the scan is recorded like Enter.
    for c in "DA-OTH-001".chars() {
        h.feed(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    h.feed(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    h.settle().await;
    assert_eq!(inv_tab(&h).scan.count, 7, "Tab ends a scan");

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
    h.key(KeyCode::Tab).await; // past New room
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
        choose_room(&mut h, "Library").await;
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
    h.key(KeyCode::Char('c')).await;
    draw_all(&h, "disposal batch refused");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('w')).await;
    h.key(KeyCode::Char('n')).await;
    for _ in 0..12 {
        h.key(KeyCode::Tab).await;
    }
    draw_all(&h, "add form, scrolled");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('u')).await;
    draw_all(&h, "audit panel");
}

// ---- The term's flow in the tab: add, edit, status, labels, audit round, disposal. ----

async fn tabs(h: &mut Harness, n: usize) {
    for _ in 0..n {
        h.feed(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    }
    h.settle().await;
}

/// Clears the focused text field (ctrl-u).
async fn clear_field(h: &mut Harness) {
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
}

/// The shared confirmation is on top: Enter only reminds which key confirms, `y` does.
/// Returns the confirmation's text.
async fn confirm_y(h: &mut Harness, permanent: bool) -> String {
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("a confirmation expected, got {:?}", h.state.dialogs.last());
    };
    assert_eq!(c.permanent, permanent, "{}", c.title);
    let text: String = c
        .lines
        .iter()
        .map(|(l, _)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    h.key(KeyCode::Enter).await;
    assert!(
        matches!(h.state.dialogs.last(), Some(Dialog::Confirm(c)) if c.reminder.is_some()),
        "Enter does not confirm: {:?}",
        h.state.dialogs.last()
    );
    h.key(KeyCode::Char('y')).await;
    text
}

fn top_form(h: &Harness) -> &schooltech::tui::tabs::Form {
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f,
        other => panic!("a form expected, got {other:?}"),
    }
}

fn status_text(h: &Harness) -> String {
    h.state
        .shell
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn log_has(path: &std::path::Path, action: &str, target: &str) -> bool {
    schooltech::ops::log::show(
        &schooltech::store::Store::open(path).unwrap(),
        &Default::default(),
    )
    .unwrap()
    .iter()
    .any(|e| e.action == action && e.target == target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_edit_and_status_go_through_ops_with_their_refusals() {
    let (mut h, path) = open(100, 30).await;
    let ctx2 = store_ctx(&path);
    h.key(KeyCode::Char('n')).await;
    assert_eq!(top_form(&h).title, "Add an asset");
    // A tag already in the register: refused, naming the asset that has it.
    h.type_text("da-lap-001").await;
    tabs(&mut h, 2).await; // category stays laptop
    h.type_text("Dell").await;
    tabs(&mut h, 1).await;
    h.type_text("Latitude 7450").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("a duplicate tag is refused");
    assert!(
        err.contains("already used by DA-LAP-001") && err.contains("choose another tag"),
        "{err}"
    );
    assert_eq!(top_form(&h).fields[top_form(&h).focus].label, "Tag");
    // A decimal comma in the price: refused before anything is sent, the price focused.
    clear_field(&mut h).await;
    h.type_text("DA-LAP-099").await;
    tabs(&mut h, 11).await;
    assert_eq!(top_form(&h).fields[top_form(&h).focus].label, "Price");
    h.type_text("1299,00").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("a decimal comma is refused");
    assert!(err.contains("decimal comma"), "{err}");
    assert!(inv::detail(&ctx2, "DA-LAP-099").is_err(), "nothing added");
    clear_field(&mut h).await;
    h.type_text("£1,299.00").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(
        status_text(&h).contains("added DA-LAP-099"),
        "{}",
        status_text(&h)
    );
    let a = inv::detail(&ctx2, "DA-LAP-099").unwrap().asset;
    assert_eq!(a.price_pence, Some(129_900));
    assert_eq!((a.status, a.data_bearing), (Status::InStock, true));
    assert_eq!(a.model, "Latitude 7450");
    assert!(log_has(&path, "asset.add", "DA-LAP-099"));
    let v = inv_tab(&h);
    assert_eq!(v.table.rows().len(), 22);
    assert_eq!(
        v.current().map(|r| r.row.asset.tag.as_str()),
        Some("DA-LAP-099"),
        "the cursor is on the new asset"
    );

    // Edit: the room (the fifth field) and the price; only what changed is sent.
    h.key(KeyCode::Char('e')).await;
    assert_eq!(top_form(&h).title, "Edit DA-LAP-099");
    tabs(&mut h, 4).await;
    h.type_text("Room 5").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(
        status_text(&h).contains("changed room"),
        "{}",
        status_text(&h)
    );
    let d = inv::detail(&ctx2, "DA-LAP-099").unwrap();
    assert_eq!(d.asset.room, "Room 5");
    assert!(d.history.iter().any(|x| x.field == "room"));
    assert!(log_has(&path, "asset.edit", "DA-LAP-099"));
    // A serial another asset of the same maker has: refused, naming it.
    let other_serial = inv::detail(&ctx2, "DA-LAP-001").unwrap().asset.serial;
    h.key(KeyCode::Char('e')).await;
    tabs(&mut h, 3).await;
    h.type_text(&other_serial).await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("a duplicate serial is refused");
    assert!(err.contains("DA-LAP-001"), "{err}");
    h.key(KeyCode::Esc).await;

    // Status: the state machine's moves only; in-repair with a note.
    h.key(KeyCode::Char('t')).await;
    let f = top_form(&h);
    match &f.fields[0].kind {
        schooltech::tui::dialogs::FieldKind::Choice { options, .. } => {
            assert_eq!(options, &["deployed", "in-repair", "lost", "retired"])
        }
        other => panic!("{other:?}"),
    }
    h.key(KeyCode::Right).await;
    tabs(&mut h, 1).await;
    h.type_text("new screen").await;
    h.key(KeyCode::Enter).await;
    // Esc on the confirmation goes back to the form, nothing changed.
    h.key(KeyCode::Esc).await;
    assert_eq!(top_form(&h).title, "Status of DA-LAP-099");
    assert_eq!(
        inv::detail(&ctx2, "DA-LAP-099").unwrap().asset.status,
        Status::InStock
    );
    h.key(KeyCode::Enter).await;
    let said = confirm_y(&mut h, true).await;
    assert!(
        said.contains("DA-LAP-099: status in-stock -> in-repair"),
        "{said}"
    );
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let d = inv::detail(&ctx2, "DA-LAP-099").unwrap();
    assert_eq!(d.asset.status, Status::InRepair);
    assert!(d.history.iter().any(|x| x.note == "new screen"));
    assert!(log_has(&path, "asset.status", "DA-LAP-099"));
    // On loan: only lost is offered; the loan must come back first for anything else.
    put_cursor(&mut h, "DA-LAP-001");
    h.key(KeyCode::Char('t')).await;
    match &top_form(&h).fields[0].kind {
        schooltech::tui::dialogs::FieldKind::Choice { options, .. } => {
            assert_eq!(options, &["lost"])
        }
        other => panic!("{other:?}"),
    }
    h.key(KeyCode::Esc).await;
    // Disposed is final: no edit.
    assert!(h.screen(100, 30).contains("DA-LAP-001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_for_the_selected_assets_are_written_where_asked() {
    let (mut h, path) = open(100, 30).await;
    let out_dir = tempfile::tempdir().unwrap();
    put_cursor(&mut h, "DA-LAP-004");
    h.key(KeyCode::Char(' ')).await;
    put_cursor(&mut h, "DA-PRN-001");
    h.key(KeyCode::Char(' ')).await;
    assert_eq!(inv_tab(&h).table.selection().len(), 2);
    assert!(h.screen(100, 30).contains("*DA-LAP-004"));
    h.key(KeyCode::Char('p')).await;
    let f = top_form(&h);
    assert_eq!(f.choice(0), "the 2 selected");
    let default = f.text(2).to_string();
    let store_dir = path.parent().unwrap();
    assert_eq!(
        default,
        store_dir
            .join("labels-2026-11-25.pdf")
            .display()
            .to_string(),
        "the default is in the store's folder"
    );
    // Not a .pdf or .svg: refused by ops, nothing written.
    tabs(&mut h, 2).await;
    clear_field(&mut h).await;
    let bad = out_dir.path().join("labels.txt");
    h.type_text(&bad.display().to_string()).await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("a wrong extension is refused");
    assert!(err.contains(".pdf or .svg"), "{err}");
    assert!(!bad.exists());
    clear_field(&mut h).await;
    let pdf = out_dir.path().join("term.pdf");
    h.type_text(&pdf.display().to_string()).await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let said = status_text(&h);
    assert!(
        said.contains("wrote 2 labels on 1 sheet to") && said.contains("term.pdf"),
        "{said}"
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // The same bytes as `inventory labels --tags … --out` writes.
    let mut ctx2 = store_ctx(&path);
    ctx2.config.school.name = "Demo Academy".into();
    let cli = out_dir.path().join("cli.pdf");
    schooltech::ops::inventory::labels::write(
        &ctx2,
        &schooltech::ops::inventory::labels::Selection::Tags(vec![
            "DA-LAP-004".into(),
            "DA-PRN-001".into(),
        ]),
        None,
        &cli,
    )
    .unwrap();
    assert_eq!(bytes, std::fs::read(&cli).unwrap());

    // All, on the 21 layout.
    h.key(KeyCode::Esc).await; // clears the selection
    assert!(inv_tab(&h).table.selection().is_empty());
    h.key(KeyCode::Char('p')).await;
    assert_eq!(top_form(&h).choice(0), "this one (DA-PRN-002)");
    h.key(KeyCode::Right).await;
    assert_eq!(top_form(&h).choice(0), "all (not disposed)");
    tabs(&mut h, 1).await;
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Right).await;
    tabs(&mut h, 1).await;
    clear_field(&mut h).await;
    let all = out_dir.path().join("all.svg");
    h.type_text(&all.display().to_string()).await;
    h.key(KeyCode::Enter).await;
    assert!(
        status_text(&h).contains("wrote 21 labels on 1 sheet"),
        "{}",
        status_text(&h)
    );
    assert!(all.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_round_report_scan_close_and_a_new_round() {
    let (mut h, path) = open(100, 30).await;
    let ctx2 = store_ctx(&path);
    h.key(KeyCode::Char('u')).await;
    let v = inv_tab(&h);
    assert_eq!(v.panel, Panel::Audit);
    let r = v.audit.report.as_ref().expect("the demo's round");
    assert_eq!(r.round.name, "Autumn term audit");
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("Round \"Autumn term audit\" open since"),
        "{screen}"
    );
    assert!(screen.contains("Not seen ("), "{screen}");
    // One open round at a time.
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(
        status_text(&h).contains("still open"),
        "{}",
        status_text(&h)
    );
    // Scan mode from the panel: over the assets; back in the report afterwards.
    h.key(KeyCode::Char('a')).await;
    choose_room(&mut h, "Library").await;
    h.key(KeyCode::Enter).await;
    assert!(inv_tab(&h).scan.on);
    assert_eq!(inv_tab(&h).panel, Panel::Assets);
    scan_fast(&mut h, &["DA-TAB-001", "DA-PRN-001", "ZZ-999"]).await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('u')).await;
    let r = inv_tab(&h).audit.report.as_ref().unwrap();
    assert!(r.seen.iter().any(|s| s.tag == "DA-TAB-001"));
    assert!(r.moved.iter().any(|s| s.tag == "DA-PRN-001"));
    assert!(r.unknown.iter().any(|(t, _, _)| t == "ZZ-999"));
    let screen = h.screen(100, 30);
    assert!(screen.contains("Library"), "{screen}");
    // Scrolling stays within the report.
    for _ in 0..200 {
        h.feed(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
    }
    h.settle().await;
    assert!(h
        .screen(100, 30)
        .contains("Not audited for more than 120 days"));
    h.key(KeyCode::Home).await;
    assert_eq!(inv_tab(&h).audit.scroll, 0);

    // Close, asked first.
    h.key(KeyCode::Char('c')).await;
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Confirm(_))));
    h.key(KeyCode::Char('y')).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(status_text(&h).contains("closed"), "{}", status_text(&h));
    let r = audit::report(&ctx2, None).unwrap();
    assert!(r.round.closed_at.is_some());
    assert!(log_has(&path, "audit.close", "Autumn term audit"));
    assert!(h
        .screen(100, 30)
        .contains("Round \"Autumn term audit\" closed"));
    // Closing again says so.
    h.key(KeyCode::Char('c')).await;
    assert!(h.state.dialogs.is_empty());
    // A new round, its name suggested from the day.
    h.key(KeyCode::Char('n')).await;
    assert_eq!(top_form(&h).text(0), "Autumn 2026");
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let r = inv_tab(&h).audit.report.as_ref().unwrap();
    assert_eq!(r.round.name, "Autumn 2026");
    assert!(r.round.closed_at.is_none());
    assert!(log_has(&path, "audit.start", "Autumn 2026"));

    // The assets not audited for longer than audit_interval_days, as a filter.
    h.key(KeyCode::Char('u')).await;
    h.key(KeyCode::Char('f')).await;
    tabs(&mut h, 6).await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    let v = inv_tab(&h);
    let tags = shown(v);
    assert!(!tags.is_empty());
    assert!(
        !tags.contains(&"DA-TAB-001".to_string()),
        "just scanned: {tags:?}"
    );
    let expected: Vec<String> = audit::report(&ctx2, Some("Autumn term audit"))
        .unwrap()
        .overdue_audit;
    for t in &tags {
        let a = &v.row(t).unwrap().row.asset;
        assert!(a.status.expected_in_audit(), "{t}");
    }
    assert!(
        expected.iter().all(|t| tags.contains(t)),
        "{expected:?} vs {tags:?}"
    );
    assert!(h.screen(100, 30).contains("not-audited>120d"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposal_batch_from_new_to_closed_with_its_paperwork() {
    let (mut h, path) = open(100, 30).await;
    let ctx2 = store_ctx(&path);
    h.key(KeyCode::Char('w')).await;
    // The demo batch lacks papers: closing it is refused, listing what is missing.
    h.key(KeyCode::Char('c')).await;
    let Some(Dialog::Message(m)) = h.state.dialogs.last() else {
        panic!("the refusal, got {:?}", h.state.dialogs.last());
    };
    let text: String = m.lines.iter().map(|(l, _)| l.as_str()).collect();
    assert!(text.contains("cannot close yet"), "{text}");
    assert!(
        text.contains("DA-STO-002 holds data and has no sanitisation record"),
        "{text}"
    );
    h.key(KeyCode::Esc).await;

    // A new batch: a carrier number that is not CBDU/CBDL and digits is refused by ops.
    h.key(KeyCode::Char('n')).await;
    assert_eq!(top_form(&h).text(0), "WEEE-2026-1");
    tabs(&mut h, 1).await;
    h.type_text("Green Circuit Recycling Ltd").await;
    tabs(&mut h, 1).await;
    h.type_text("CBDU12x").await;
    tabs(&mut h, 1).await;
    h.type_text("25/11/2026").await;
    tabs(&mut h, 1).await;
    h.type_text("WTN-2026-11").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("a bad registration is refused");
    assert!(
        err.contains("CBDU12x") && err.contains("CBDU123456"),
        "{err}"
    );
    assert_eq!(
        top_form(&h).fields[top_form(&h).focus].label,
        "Registration",
        "the field at fault is focused"
    );
    clear_field(&mut h).await;
    h.type_text("cbdu 123456").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let b = disposal_view(&ctx2, "WEEE-2026-1");
    assert_eq!(b.batch.carrier_registration, "CBDU123456");
    assert_eq!(b.batch.transfer_note, "WTN-2026-11");
    let v = inv_tab(&h);
    assert_eq!(
        v.disposal.batches[v.disposal.list.cursor].view.batch.name, "WEEE-2026-1",
        "the new batch is under the cursor"
    );

    // Back to the assets: an asset on loan cannot go.
    h.key(KeyCode::Char('w')).await;
    put_cursor(&mut h, "DA-LAP-001");
    h.key(KeyCode::Char('d')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(status_text(&h).contains("on loan"), "{}", status_text(&h));
    // Two assets selected: the code from the built-in list, then the batch.
    put_cursor(&mut h, "DA-PRN-002");
    h.key(KeyCode::Char(' ')).await;
    put_cursor(&mut h, "DA-OTH-001");
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Char('d')).await;
    let Some(Dialog::Picker(p)) = h.state.dialogs.last() else {
        panic!("the waste code picker");
    };
    assert_eq!(p.options.len(), 13);
    assert!(p.chosen().unwrap().starts_with("16 02 14 "));
    h.key(KeyCode::Enter).await;
    let f = top_form(&h);
    assert_eq!(f.choice(0), "WEEE-2026-1", "the newest open batch first");
    h.key(KeyCode::Enter).await;
    let said = confirm_y(&mut h, false).await;
    assert!(
        said.starts_with("To change 2, refused 0, unchanged 0.") && said.contains("DA-PRN-002"),
        "{said}"
    );
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(
        status_text(&h).contains("added DA-OTH-001, DA-PRN-002 to WEEE-2026-1"),
        "{}",
        status_text(&h)
    );
    let b = disposal_view(&ctx2, "WEEE-2026-1");
    assert_eq!(b.items.len(), 2);
    assert!(b.items.iter().all(|i| i.waste_code == "16 02 14"));
    assert!(log_has(&path, "disposal.add", "DA-PRN-002"));

    // The batch lacks the printer's sanitisation: closing is refused, naming it.
    h.key(KeyCode::Char('w')).await;
    h.key(KeyCode::Char('c')).await;
    let Some(Dialog::Message(m)) = h.state.dialogs.last() else {
        panic!("the refusal");
    };
    let text: String = m.lines.iter().map(|(l, _)| l.as_str()).collect();
    assert!(text.contains("DA-PRN-002 holds data"), "{text}");
    h.key(KeyCode::Esc).await;
    // Record it: destroy, the certificate, who verified it.
    h.key(KeyCode::Char('s')).await;
    let f = top_form(&h);
    assert!(f.choice(0).starts_with("DA-PRN-002"), "{}", f.choice(0));
    assert_eq!(f.choice(1), "destroy");
    tabs(&mut h, 2).await;
    h.type_text("CERT-2026-044").await;
    h.key(KeyCode::Enter).await;
    // Each problem names its field (every one listed at once).
    assert_eq!(
        form_error(&h).as_deref(),
        Some("Verified by: say who verified it")
    );
    h.type_text("A Head").await;
    h.key(KeyCode::Enter).await;
    let said = confirm_y(&mut h, false).await;
    assert!(
        said.contains("CERT-2026-044") && said.contains("A Head"),
        "{said}"
    );
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let b = disposal_view(&ctx2, "WEEE-2026-1");
    assert!(b.blockers.is_empty(), "{:?}", b.missing);
    assert!(log_has(&path, "disposal.sanitised", "DA-PRN-002"));
    assert!(h.screen(100, 30).contains("Nothing missing: c closes it"));

    // Close: who signs it off; then the items are disposed and the batch is kept as it is.
    h.key(KeyCode::Char('c')).await;
    h.key(KeyCode::Enter).await;
    assert!(form_error(&h).unwrap().contains("who signs"));
    h.type_text("J Bursar").await;
    h.key(KeyCode::Enter).await;
    let said = confirm_y(&mut h, true).await;
    assert!(
        said.contains("Close the WEEE batch WEEE-2026-1, signed off by J Bursar")
            && said.contains("2 items become disposed"),
        "{said}"
    );
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(
        status_text(&h).contains("closed, signed off by J Bursar; 2 items disposed"),
        "{}",
        status_text(&h)
    );
    let b = disposal_view(&ctx2, "WEEE-2026-1");
    assert!(b.batch.closed_at.is_some());
    assert_eq!(b.batch.signed_off_by.as_deref(), Some("J Bursar"));
    assert!(b
        .items
        .iter()
        .all(|i| { inv::detail(&ctx2, &i.asset.tag).unwrap().asset.status == Status::Disposed }));
    assert!(h.screen(100, 30).contains("signed off by J Bursar"));
    assert_eq!(
        inv_tab(&h).row("DA-PRN-002").unwrap().row.asset.status,
        Status::Disposed
    );
    // A closed batch is not edited.
    h.key(KeyCode::Char('e')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(status_text(&h).contains("is closed"), "{}", status_text(&h));

    // The demo batch's papers from the tab: the collection day and the transfer note.
    h.key(KeyCode::Up).await;
    h.key(KeyCode::Char('e')).await;
    assert_eq!(top_form(&h).title, "Papers of WEEE-DEMO-1");
    tabs(&mut h, 2).await;
    h.type_text("2026-11-24").await;
    tabs(&mut h, 1).await;
    h.type_text("WTN-DEMO").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let b = disposal_view(&ctx2, "WEEE-DEMO-1");
    assert_eq!(b.batch.transfer_note, "WTN-DEMO");
    assert_eq!(b.missing.len(), 1, "{:?}", b.missing);
}

fn disposal_view(ctx: &Ctx, name: &str) -> schooltech::ops::inventory::disposal::BatchView {
    schooltech::ops::inventory::disposal::view(ctx, name).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_keeps_the_new_changes_read_only() {
    let now = frozen_now();
    let mut h = Harness::new(demo_at(now, Some(now.date_naive())), 100, 30).await;
    h.key(KeyCode::Char('5')).await;
    put_cursor(&mut h, "DA-LAP-004");
    for k in ['n', 'e', 't', 'd'] {
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty(), "{k}");
    }
    h.key(KeyCode::Char('w')).await;
    for k in ['n', 'e', 's', 'c'] {
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty(), "{k}");
    }
    h.key(KeyCode::Char('w')).await;
    h.key(KeyCode::Char('u')).await;
    for k in ['n', 'c', 'a'] {
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty(), "{k}");
    }
}

/// The snapshot text with the demo store's temporary folder named `<store>`.
fn snap_at(h: &Harness, path: &std::path::Path, name: &str, w: u16, height: u16) {
    let dir = path.parent().unwrap().display().to_string();
    let text = redact(&h.screen(w, height)).replace(&dir, "<store>");
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn term_flow_snapshots() {
    for (w, hh) in [(80u16, 24u16), (100, 30)] {
        let (mut h, path) = open(w, hh).await;
        h.key(KeyCode::Char('n')).await;
        snap_at(&h, &path, "inventory_add", w, hh);
        tabs(&mut h, 11).await;
        h.type_text("1299,00").await;
        h.key(KeyCode::Enter).await;
        snap_at(&h, &path, "inventory_add_price_refused", w, hh);
        h.key(KeyCode::Esc).await;
        put_cursor(&mut h, "DA-LAP-004");
        h.key(KeyCode::Char('e')).await;
        snap_at(&h, &path, "inventory_edit", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('t')).await;
        snap_at(&h, &path, "inventory_status", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char('p')).await;
        snap_at(&h, &path, "inventory_labels", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Esc).await;
        put_cursor(&mut h, "DA-PRN-002");
        h.key(KeyCode::Char('d')).await;
        snap_at(&h, &path, "inventory_waste_code", w, hh);
        h.key(KeyCode::Enter).await;
        snap_at(&h, &path, "inventory_dispose", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('u')).await;
        snap_at(&h, &path, "inventory_audit", w, hh);
        h.key(KeyCode::Char('c')).await;
        snap_at(&h, &path, "inventory_audit_close", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('u')).await;
        h.key(KeyCode::Char('w')).await;
        h.key(KeyCode::Char('c')).await;
        snap_at(&h, &path, "inventory_batch_refused", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('n')).await;
        snap_at(&h, &path, "inventory_new_batch", w, hh);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('s')).await;
        snap_at(&h, &path, "inventory_sanitise", w, hh);
        h.key(KeyCode::Esc).await;
        // The demo batch completed (as the CLI would): the sign-off form.
        let ctx2 = store_ctx(&path);
        schooltech::ops::inventory::disposal::edit_batch(
            &ctx2,
            "WEEE-DEMO-1",
            &schooltech::ops::inventory::disposal::BatchEdit {
                collected_on: Some(frozen_now().date_naive()),
                transfer_note: Some("WTN-1".into()),
                ..Default::default()
            },
        )
        .unwrap();
        schooltech::ops::inventory::disposal::sanitised(
            &ctx2,
            "WEEE-DEMO-1",
            "DA-STO-002",
            schooltech::domain::inventory::disposal::Sanitisation::Destroy,
            "CERT-1",
            "A Head",
            None,
        )
        .unwrap();
        h.key(KeyCode::Char('w')).await;
        h.key(KeyCode::Char('w')).await;
        snap_at(&h, &path, "inventory_batch_ready", w, hh);
        h.key(KeyCode::Char('c')).await;
        snap_at(&h, &path, "inventory_sign_off", w, hh);
        h.key(KeyCode::Esc).await;
    }
}
