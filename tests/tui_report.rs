//! The Report tab over the demo school at a fixed moment: key 7 makes the report, the sections
//! show their lights as words and symbols with the figures of the one under the cursor, and
//! Enter opens the tab that shows a section's detail. A snapshot at 100×30 (dates and hashes
//! redacted).

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::ops::report::Status;
use schooltech::tui::app::Tab;
use tui_support::{demo_at, frozen_now, redact, Harness};

/// Dates redacted, and the log's hashes (they depend on who ran the test) masked.
fn masked(screen: &str) -> String {
    let re = regex::Regex::new(r"[0-9a-f]{16,}").expect("regex");
    let s = re.replace_all(screen, |c: &regex::Captures| "#".repeat(c[0].len()));
    redact(&s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_tab_shows_the_lights_and_jumps_to_the_detail() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 100, 30).await;
    h.key(KeyCode::Char('7')).await;
    assert_eq!(h.state.tab, Tab::Report);
    let r = h
        .state
        .tabs
        .report
        .report
        .as_ref()
        .expect("the report is made");
    assert_eq!(r.term.as_deref(), Some("Autumn 2026"));
    assert_eq!(r.sections.len(), 6);
    assert_eq!(r.sections[4].status, Status::Amber);
    let screen = h.screen(100, 30);
    assert!(screen.contains("7 Report"), "{screen}");
    assert!(
        screen.contains("✗ RED     Accounts and passwords"),
        "{screen}"
    );
    assert!(screen.contains("! AMBER   Web filtering"), "{screen}");
    assert!(screen.contains("✓ GREEN   The action log"), "{screen}");
    assert!(
        screen.contains("schooltech passwords policy show · Passwords tab (2)"),
        "{screen}"
    );
    insta::assert_snapshot!("report_100x30", masked(&screen));

    // Enter on Accounts and passwords: the Passwords tab.
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Passwords);
    // Issue 24 item 12: a drill-down opens filtered to what the figure counts.
    assert_eq!(
        h.state.tabs.passwords.table.filters.status,
        Some(schooltech::domain::password::PasswordStatus::Expired)
    );
    assert!(h
        .screen(100, 30)
        .contains("from the report: accounts whose password has expired"));
    // Back, down to Inventory: the Inventory tab.
    h.key(KeyCode::Char('7')).await;
    for _ in 0..3 {
        h.key(KeyCode::Down).await;
    }
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("Portable devices not known to be encrypted: 4"),
        "{screen}"
    );
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Inventory);
    assert!(h.state.tabs.inventory.table.filters.unencrypted);
    h.settle().await;
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("4 of 21"),
        "the 4 the figure counts:\n{screen}"
    );
    // Filtering and the log.
    h.key(KeyCode::Char('7')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Filtering);
    assert!(h.state.tabs.filtering.table.filters.in_force);
    h.key(KeyCode::Char('7')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Log);
    // Leavers: this version has no Leavers tab yet; the status line says so.
    h.key(KeyCode::Char('7')).await;
    for _ in 0..4 {
        h.key(KeyCode::Up).await;
    }
    h.key(KeyCode::Enter).await;
    if !Tab::ALL.iter().any(|t| format!("{t:?}") == "Leavers") {
        assert_eq!(h.state.tab, Tab::Report);
        assert!(h.screen(100, 30).contains("there is no leavers tab"));
    }
    // Acceptable use: the Accounts tab.
    h.key(KeyCode::Char('7')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Accounts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_tab_draws_at_every_size() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 80, 24).await;
    h.key(KeyCode::Char('7')).await;
    for (w, hgt) in [(80, 24), (60, 20), (120, 40), (20, 5)] {
        let s = h.screen(w, hgt);
        assert!(!s.is_empty());
    }
}
