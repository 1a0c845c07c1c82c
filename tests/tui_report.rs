//! The Report tab over the demo school at a fixed moment: key 7 makes the report, the sections
//! show their lights as words and symbols with the figures of the one under the cursor, and
//! Enter on a figure opens the tab that shows its list, filtered to what it counts. A snapshot at 100×30 (dates and hashes
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

    // Enter on the first figure (the accounts): the Accounts tab, every account.
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Accounts);
    // Issue 24 item 12: a drill-down opens filtered to what the figure counts (every figure
    // is walked in tests/tui_report_drill.rs).
    h.key(KeyCode::Char('7')).await;
    for _ in 0..3 {
        h.key(KeyCode::Down).await;
    }
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("open the Passwords tab (2) filtered to these 697"),
        "{screen}"
    );
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Passwords);
    assert!(h.state.tabs.passwords.table.filters.needs_change);
    assert!(h
        .screen(100, 30)
        .contains("from the report: passwords needing a change"));
    // Inventory's red figure: the 4 it counts.
    h.key(KeyCode::Char('7')).await;
    assert!(h.state.tabs.report.select_figure("inventory.unencrypted"));
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
    // Filtering: the exceptions in force.
    h.key(KeyCode::Char('7')).await;
    assert!(h.state.tabs.report.select_figure("filtering.in-force"));
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Filtering);
    assert!(h.state.tabs.filtering.table.filters.in_force);
    // A figure with no list behind it: said, and the tab stays.
    h.key(KeyCode::Char('7')).await;
    assert!(h.state.tabs.report.select_figure("log.chain"));
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Report);
    assert!(h
        .screen(100, 30)
        .contains("this figure has no list behind it"));
    // Acceptable use: the Accounts tab.
    assert!(h.state.tabs.report.select_figure("acceptable-use.signed"));
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
