//! The TUI goes through the same rules as the CLI (issue 23): the shared-login edit form is
//! prefilled with what the login says, keeps its period and date, and cannot take a leaver off
//! while the alarm stands; the inventory status form asks for the data-breach record of a lost
//! portable device not known to be encrypted.

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use schooltech::domain::creds::Credential;
use schooltech::ops::creds;
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::passwords::Panel;
use tui_support::{demo_at, fake_ctx, frozen_now, Harness};

/// Puts `text` in field `i` of the open form, as typed (after clearing it with ctrl-u).
async fn fill(h: &mut Harness, i: usize, text: &str) {
    match h.state.dialogs.last_mut() {
        Some(Dialog::Form(f)) => f.focus = i,
        other => panic!("form expected, got {other:?}"),
    }
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    h.type_text(text).await;
}

fn form_error(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f.error.clone().unwrap_or_default(),
        other => panic!("form expected, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creds_edit_form_is_prefilled_and_keeps_period_date_and_the_alarm() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    // FakeDir: finn.khan is disabled (a leaver); amir.khan is enabled.
    let now = frozen_now();
    let added = creds::add(
        &ctx,
        &Credential {
            name: "Office printer admin".into(),
            system: "Kyocera web console".into(),
            known_by: vec!["amir.khan".into(), "finn.khan".into()],
            owner: "amir.khan".into(),
            period_days: 90,
            last_rotated: now - chrono::Duration::days(200),
        },
        None,
    )
    .await
    .expect("add");
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('c')).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Creds);
    h.key(KeyCode::Char('e')).await;
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => {
            assert_eq!(f.text(0), "Kyocera web console");
            assert_eq!(f.text(1), "amir.khan, finn.khan");
            assert_eq!(f.text(2), "amir.khan");
            assert_eq!(f.text(3), "90", "the period as it is, not 42");
        }
        other => panic!("form expected, got {other:?}"),
    }
    // Taking the leaver off is refused in the form (the alarm stands: rotate first).
    fill(&mut h, 1, "amir.khan").await;
    h.key(KeyCode::Enter).await;
    let e = form_error(&h);
    assert!(e.contains("finn.khan") && e.contains("Rotate first"), "{e}");
    // Adding someone unknown is refused naming them.
    fill(&mut h, 1, "amir.khan, finn.khan, nosuchuser").await;
    h.key(KeyCode::Enter).await;
    let e = form_error(&h);
    assert!(e.contains("nosuchuser"), "{e}");
    // Changing the system only: saved, period and date as they were, alarm still there.
    fill(&mut h, 1, "amir.khan, finn.khan").await;
    fill(&mut h, 0, "https://printer.school").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let (c, v) = &h.state.tabs.passwords.creds.rows[0];
    assert_eq!(c.system, "https://printer.school");
    assert_eq!(c.period_days, 90);
    assert_eq!(c.last_rotated, added.last_rotated);
    assert_eq!(v.leavers, ["finn.khan"]);
    // Marking it changed takes the leaver off and clears the alarm.
    h.key(KeyCode::Char('m')).await;
    h.key(KeyCode::Char('y')).await;
    let (c, v) = &h.state.tabs.passwords.creds.rows[0];
    assert!(v.leavers.is_empty() && c.known_by == ["amir.khan"], "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inventory_status_form_asks_for_the_breach_record() {
    let ctx = demo_at(frozen_now(), None);
    let path = ctx.config.store.path.clone();
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('5')).await;
    h.key(KeyCode::Char('/')).await;
    h.type_text("galaxy").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('t')).await;
    for _ in 0..6 {
        match h.state.dialogs.last() {
            Some(Dialog::Form(f)) if f.choice(0) == "lost" => break,
            Some(Dialog::Form(_)) => h.key(KeyCode::Right).await,
            other => panic!("status form expected, got {other:?}"),
        }
    }
    fill(&mut h, 1, "left on a bus").await;
    h.key(KeyCode::Enter).await;
    // The plan is refused (no breach record yet): its reason goes back on the form, with no
    // confirmation and no `y` to press.
    let e = form_error(&h);
    assert!(
        e.contains("DA-PHN-001") && e.contains("--breach-found"),
        "{e}"
    );
    fill(&mut h, 2, "2026-11-24").await;
    fill(&mut h, 3, "DPO").await;
    fill(&mut h, 5, "phone is managed and was wiped remotely").await;
    h.key(KeyCode::Enter).await;
    // Now the shared confirmation (permanent: the asset's history), confirmed with `y`.
    assert!(
        matches!(h.state.dialogs.last(), Some(Dialog::Confirm(c)) if c.permanent),
        "{:?}",
        h.state.dialogs.last()
    );
    h.key(KeyCode::Char('y')).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let store = schooltech::store::Store::open(&path).expect("store");
    let rows = store.history_rows_of_field("breach").expect("records");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "DA-PHN-001");
}
