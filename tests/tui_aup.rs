//! Acceptable use agreements on the Accounts tab, over the demo school with the clock fixed at
//! noon on 25 Nov 2026: the AUP column and filter, recording one account's signature and every
//! selected account's (recorded, already recorded, refused), held accounts shown as such and
//! enabling them refused without an override reason; snapshots at 80×24 and 120×40.

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::domain::aup::Status;
use schooltech::ops::aup::{self, StatusFilter, StatusRow};
use schooltech::ops::Ctx;
use schooltech::store::Store;
use schooltech::tui::app::Msg;
use schooltech::tui::dialogs::Dialog;
use std::path::{Path, PathBuf};
use tui_support::{demo_at, frozen_now, redact, Harness};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn demo() -> Ctx {
    demo_at(frozen_now(), None)
}

fn snap(h: &Harness, name: &str, w: u16, height: u16) {
    let text = redact(&h.screen(w, height));
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

/// `aup status` on the same demo (the demo is the same school each time).
async fn cli_status() -> Vec<StatusRow> {
    aup::status(&demo(), &StatusFilter::default())
        .await
        .unwrap()
}

/// The first pupil (by username) whose agreement is missing.
async fn missing_pupil() -> StatusRow {
    let mut rows: Vec<StatusRow> = cli_status()
        .await
        .into_iter()
        .filter(|r| r.status == Status::Missing && r.role.as_deref() == Some("pupil"))
        .collect();
    rows.sort_by(|a, b| a.username.cmp(&b.username));
    rows.into_iter()
        .next()
        .expect("the demo has missing pupils")
}

async fn harness(ctx: Ctx, w: u16, h: u16) -> (Harness, PathBuf) {
    let store = ctx.config.store.path.clone();
    (Harness::new(ctx, w, h).await, store)
}

/// Searches for `text` and goes back to the list.
async fn search(h: &mut Harness, text: &str) {
    h.key(KeyCode::Char('/')).await;
    h.type_text(text).await;
    h.key(KeyCode::Enter).await;
}

/// Sets the filter form's AUP field (the fourth) to `steps` to the right of "any".
async fn filter_aup(h: &mut Harness, steps: usize) {
    h.key(KeyCode::Char('f')).await;
    for _ in 0..3 {
        h.key(KeyCode::Down).await;
    }
    for _ in 0..steps {
        h.key(KeyCode::Right).await;
    }
    h.key(KeyCode::Enter).await;
}

async fn resize(h: &mut Harness, w: u16, ht: u16) {
    h.feed(Msg::Resize(w, ht));
    h.settle().await;
}

fn shown(h: &Harness) -> Vec<String> {
    h.state
        .tabs
        .accounts
        .table
        .shown()
        .map(|r| r.account.username.clone())
        .collect()
}

fn top_message(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Message(m)) => m.lines.iter().map(|l| l.0.clone() + "\n").collect(),
        other => panic!("a message expected, got {other:?}"),
    }
}

fn form_error(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f.error.clone().unwrap_or_default(),
        other => panic!("a form expected, got {other:?}"),
    }
}

/// What the change dialog says is wrong with the answer to its question (the reason).
fn ask_error(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) if c.is_asking() => c
            .ask
            .as_ref()
            .and_then(|a| a.error.clone())
            .unwrap_or_default(),
        other => panic!("the change dialog asking its question expected, got {other:?}"),
    }
}

fn signatures(store: &Path, user: &str) -> Vec<schooltech::store::aup::SignatureRow> {
    Store::open(store)
        .unwrap()
        .aup_signatures()
        .unwrap()
        .into_iter()
        .filter(|s| s.username == user)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_column_shows_what_aup_status_says() {
    let cli = cli_status().await;
    let (h, _) = harness(demo(), 120, 40).await;
    let tab = &h.state.tabs.accounts;
    assert_eq!(tab.rows().len(), cli.len());
    for r in &cli {
        let row = tab.row(&r.username).expect("listed");
        let mine = row.aup.as_ref().expect("judged");
        assert_eq!(mine.status, r.status, "{}", r.username);
        assert_eq!(mine.version_signed, r.version_signed, "{}", r.username);
    }
    let screen = h.screen(120, 40);
    assert!(screen.contains("AUP"), "{screen}");
    assert!(screen.contains("not-required"), "{screen}");
    assert!(screen.contains("signed 2026"), "{screen}");
    // At 80 columns the last logon makes room for the agreement.
    let (h, _) = harness(demo(), 80, 24).await;
    let screen = h.screen(80, 24);
    assert!(
        screen.contains("AUP") && !screen.contains("Last logon"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_picks_missing_outdated_signed_and_not_required() {
    let cli = cli_status().await;
    let (mut h, _) = harness(demo(), 120, 40).await;
    for (steps, status) in [
        (1, Status::Missing),
        (2, Status::Outdated),
        (3, Status::Signed),
        (4, Status::NotRequired),
    ] {
        filter_aup(&mut h, steps).await;
        let mut want: Vec<String> = cli
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.username.clone())
            .collect();
        want.sort();
        let mut got = shown(&h);
        got.sort();
        assert!(!want.is_empty(), "{status:?}");
        assert_eq!(got, want, "{status:?}");
        let screen = h.screen(120, 40);
        assert!(
            screen.contains(&format!("aup={}", status.as_str())),
            "{screen}"
        );
        // Back to "any" for the next round.
        h.key(KeyCode::Char('F')).await;
    }
    // Nobody is held in the demo (it does not require the agreement before access).
    filter_aup(&mut h, 5).await;
    assert!(shown(&h).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_one_account_from_the_dialog() {
    let who = missing_pupil().await;
    let (mut h, store) = harness(demo(), 120, 40).await;
    search(&mut h, &who.username).await;
    assert_eq!(
        h.state.tabs.accounts.cursor_username().as_deref(),
        Some(who.username.as_str())
    );
    h.key(KeyCode::Char('a')).await;
    let Some(Dialog::Form(f)) = h.state.dialogs.last() else {
        panic!("the record dialog, got {:?}", h.state.dialogs)
    };
    // The only agreement that applies, and today by the context's clock.
    assert_eq!(f.choice(0), "pupil");
    assert_eq!(f.text(1), "2026-11-25");

    // A day in the future is refused with the reason, and nothing is recorded.
    for _ in 0..10 {
        h.key(KeyCode::Backspace).await;
    }
    h.type_text("2026-11-26").await;
    h.key(KeyCode::Enter).await;
    assert!(
        form_error(&h).contains("in the future"),
        "{}",
        form_error(&h)
    );
    // So is a day before the account existed.
    for _ in 0..10 {
        h.key(KeyCode::Backspace).await;
    }
    h.type_text("2001-01-01").await;
    h.key(KeyCode::Enter).await;
    assert!(
        form_error(&h).contains("before the account existed"),
        "{}",
        form_error(&h)
    );
    assert!(signatures(&store, &who.username).is_empty());

    for _ in 0..10 {
        h.key(KeyCode::Backspace).await;
    }
    h.type_text("2026-11-24").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Mrs Nowak").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Right).await; // form
    h.key(KeyCode::Tab).await;
    h.type_text("sheet 7").await;
    h.key(KeyCode::Enter).await;
    // A signature is permanent: confirmed with y like every change.
    h.key(KeyCode::Char('y')).await;
    let report = top_message(&h);
    assert!(
        report.contains("1 recorded, 0 already recorded, 0 refused"),
        "{report}"
    );
    assert!(report.contains(&who.username), "{report}");

    let sigs = signatures(&store, &who.username);
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].signed_by, "parent/carer: Mrs Nowak");
    assert_eq!(sigs[0].reference, "sheet 7");
    assert_eq!(sigs[0].how.as_str(), "form");
    assert_eq!(sigs[0].signed_on.to_string(), "2026-11-24");
    let row = h.state.tabs.accounts.row(&who.username).unwrap();
    assert_eq!(row.aup.as_ref().unwrap().status, Status::Signed);
    let screen = h.screen(120, 40);
    assert!(screen.contains("signed 2026"), "{screen}");
    // Logged.
    let log = Store::open(&store)
        .unwrap()
        .log(&Default::default())
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "aup.record" && e.target == who.username));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_every_selected_account() {
    let cli = cli_status().await;
    // Pupils called Ahmed, some missing, and one no-role account in the same selection.
    let ahmeds: Vec<&StatusRow> = cli
        .iter()
        .filter(|r| r.username.starts_with("22ahmed"))
        .collect();
    assert!(ahmeds.len() >= 3, "{ahmeds:?}");
    let (mut h, store) = harness(demo(), 120, 40).await;

    // One of them recorded today already: the bulk record reports it, not twice.
    let first = ahmeds[0].username.clone();
    search(&mut h, &first).await;
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert!(
        top_message(&h).contains("1 recorded"),
        "{}",
        top_message(&h)
    );
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('F')).await;

    // A no-role account is selected too: the pupil agreement does not apply to it.
    search(&mut h, "21andrewsc").await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Char('F')).await;
    search(&mut h, "22ahmed").await;
    h.key(KeyCode::Char('A')).await;
    let n = h.state.tabs.accounts.target_names().len();
    assert_eq!(n, ahmeds.len() + 1);
    // 21andrewsc is selected but hidden by the search: asked first, all of them chosen (the
    // search clears to show them).
    h.key(KeyCode::Char('a')).await;
    let Some(Dialog::Scope(q)) = h.state.dialogs.last() else {
        panic!("the hidden-selection question, got {:?}", h.state.dialogs)
    };
    assert_eq!((q.selected, q.hidden), (n, 1));
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Esc).await;
    for (w, ht) in SIZES {
        resize(&mut h, w, ht).await;
        h.key(KeyCode::Char('a')).await;
        snap(&h, "aup_record_selected", w, ht);
        h.key(KeyCode::Esc).await;
    }
    resize(&mut h, 120, 40).await;
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    let report = top_message(&h);
    assert!(
        report.contains(&format!(
            "{} recorded, 1 already recorded, 1 refused",
            ahmeds.len() - 1
        )),
        "{report}"
    );
    assert!(
        report.contains("21andrewsc: the agreement pupil is for pupil"),
        "{report}"
    );
    for (w, ht) in SIZES {
        snap(&h, "aup_record_report", w, ht);
    }
    for a in &ahmeds {
        assert_eq!(
            signatures(&store, &a.username)
                .iter()
                .filter(|s| s.signed_on.to_string() == "2026-11-25")
                .count(),
            1,
            "{}",
            a.username
        );
        let row = h.state.tabs.accounts.row(&a.username).unwrap();
        assert_eq!(row.aup.as_ref().unwrap().status, Status::Signed);
    }
    assert!(signatures(&store, "21andrewsc").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_accounts_show_and_enable_needs_an_override() {
    let mut ctx = demo();
    ctx.config.aup.require_before_access = true;
    let (mut h, store) = harness(ctx, 120, 40).await;
    h.key(KeyCode::Char('n')).await;
    h.type_text("Zara").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Quinn").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    let Some(Dialog::Secret(_)) = h.state.dialogs.last() else {
        panic!("the new password, got {:?}", h.state.dialogs)
    };
    h.key(KeyCode::Char('n')).await;
    let row = h.state.tabs.accounts.row("zara.quinn").expect("created");
    assert!(!row.account.enabled);
    assert!(row.aup.as_ref().unwrap().held);
    assert_eq!(
        h.state.tabs.accounts.cursor_username().as_deref(),
        Some("zara.quinn")
    );
    let screen = h.screen(120, 40);
    assert!(screen.contains("x held"), "{screen}");
    // The held filter finds it.
    filter_aup(&mut h, 5).await;
    assert_eq!(shown(&h), ["zara.quinn"]);
    for (w, ht) in SIZES {
        resize(&mut h, w, ht).await;
        h.key(KeyCode::Enter).await;
        snap(&h, "aup_held_detail", w, ht);
        h.key(KeyCode::Enter).await;
        h.key(KeyCode::Char('e')).await;
        snap(&h, "aup_enable_refused", w, ht);
        h.key(KeyCode::Esc).await;
    }
    resize(&mut h, 120, 40).await;

    // Enable without a reason: refused with the reason, still held.
    h.key(KeyCode::Char('e')).await;
    h.key(KeyCode::Enter).await;
    assert!(
        ask_error(&h).contains("give an override reason"),
        "{}",
        ask_error(&h)
    );
    h.key(KeyCode::Esc).await;
    assert!(
        !h.state
            .tabs
            .accounts
            .row("zara.quinn")
            .unwrap()
            .account
            .enabled
    );

    // With a reason: confirmed, enabled, the override logged.
    h.key(KeyCode::Char('e')).await;
    h.type_text("head teacher agreed, form on its way").await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("the confirmation, got {:?}", h.state.dialogs)
    };
    assert!(!c.is_asking(), "the plan, in the same dialog");
    h.key(KeyCode::Char('y')).await;
    assert!(
        h.state
            .tabs
            .accounts
            .row("zara.quinn")
            .unwrap()
            .account
            .enabled
    );
    let log = Store::open(&store)
        .unwrap()
        .log(&Default::default())
        .unwrap();
    let e = log
        .iter()
        .find(|e| e.action == "account.enable" && e.target == "zara.quinn")
        .expect("logged");
    assert_eq!(
        e.details["override_aup"],
        "head teacher agreed, form on its way"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_releases_a_held_account() {
    let mut ctx = demo();
    ctx.config.aup.require_before_access = true;
    let (mut h, store) = harness(ctx, 120, 40).await;
    h.key(KeyCode::Char('G')).await;
    h.type_text("Sally").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Supply").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    h.key(KeyCode::Char('n')).await;
    let user = h.state.tabs.accounts.cursor_username().expect("the guest");
    assert!(
        h.state
            .tabs
            .accounts
            .row(&user)
            .unwrap()
            .aup
            .as_ref()
            .unwrap()
            .held
    );
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    let report = top_message(&h);
    assert!(report.contains("was held, now enabled"), "{report}");
    let row = h.state.tabs.accounts.row(&user).unwrap();
    assert!(row.account.enabled);
    assert_eq!(row.aup.as_ref().unwrap().status, Status::Signed);
    assert!(!row.aup.as_ref().unwrap().held);
    let sigs = signatures(&store, &user);
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].signed_by, "Sally Supply");
    let log = Store::open(&store)
        .unwrap()
        .log(&Default::default())
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "account.enable" && e.target == user));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_of_the_column_filter_and_dialog() {
    let who = missing_pupil().await;
    for (w, ht) in SIZES {
        let (mut h, _) = harness(demo(), w, ht).await;
        filter_aup(&mut h, 1).await;
        snap(&h, "aup_filter_missing", w, ht);
        h.key(KeyCode::Char('F')).await;
        search(&mut h, &who.username).await;
        h.key(KeyCode::Char('a')).await;
        snap(&h, "aup_record_form", w, ht);
    }
}
