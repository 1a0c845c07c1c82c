//! Issue 24 (item 12, the last part): every figure of the demo's termly report drills down to
//! exactly the rows it counts. The test walks the report's own figures (not a hand list): for
//! each figure with a count, Enter on it in the Report tab opens its tab filtered, and the rows
//! that tab shows are the figure's count, with the status line naming the filter; for each
//! figure without a list, Enter says so and stays. A figure given a count without a drill-down
//! in its tab fails here.

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::ops::report::Place;
use schooltech::tui::app::{State, Tab};
use schooltech::tui::tabs::report::why_no_list;
use tui_support::{demo_at, frozen_now, Harness};

/// The tab that shows a place.
fn tab_of(p: Place) -> Tab {
    match p {
        Place::Accounts => Tab::Accounts,
        Place::Passwords => Tab::Passwords,
        Place::Log => Tab::Log,
        Place::Leavers => Tab::Leavers,
        Place::Inventory => Tab::Inventory,
        Place::Filtering => Tab::Filtering,
    }
}

/// The rows the tab shows now (after its search and filters).
fn visible_rows(s: &State, t: Tab) -> usize {
    let tabs = &s.tabs;
    match t {
        Tab::Accounts => tabs.accounts.table.view.len(),
        Tab::Passwords => tabs.passwords.table.view.len(),
        Tab::Log => tabs.log.table.view.len(),
        Tab::Leavers => tabs.leavers.table.view.len(),
        Tab::Inventory => tabs.inventory.table.view.len(),
        Tab::Filtering => tabs.filtering.table.view.len(),
        other => panic!("no figure opens the {other:?} tab"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_figure_drills_to_exactly_the_rows_it_counts() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 100, 30).await;
    h.key(KeyCode::Char('7')).await;
    assert_eq!(h.state.tab, Tab::Report);
    let items = h.state.tabs.report.items();
    assert!(items.len() > 20, "the demo's report has its figures");
    let (mut drilled, mut listless) = (Vec::new(), Vec::new());
    for n in 0..items.len() {
        if n > 0 {
            h.key(KeyCode::Down).await;
        }
        assert_eq!(h.state.tabs.report.list.cursor, n);
        let Some(fig) = h.state.tabs.report.current_figure().cloned() else {
            continue;
        };
        let screen = h.screen(100, 30);
        h.key(KeyCode::Enter).await;
        h.settle().await;
        match fig.count {
            Some(count) => {
                let tab = tab_of(fig.tui);
                assert_eq!(h.state.tab, tab, "{}: opens its tab", fig.key);
                let after = h.screen(100, 30);
                assert!(
                    after.contains("from the report:")
                        && (after.contains("clears)") || after.contains("filters)")),
                    "{}: the status names the filter and the key that clears it:\n{after}",
                    fig.key
                );
                assert_eq!(
                    visible_rows(&h.state, tab),
                    count,
                    "{} (\"{}: {}\"): the rows shown are the rows counted\n{after}",
                    fig.key,
                    fig.label,
                    fig.value
                );
                drilled.push(fig.key.clone());
                h.key(KeyCode::Char('7')).await;
                assert_eq!(h.state.tab, Tab::Report);
                assert_eq!(h.state.tabs.report.list.cursor, n, "the cursor stays put");
            }
            None => {
                assert_eq!(h.state.tab, Tab::Report, "{}: moves nowhere", fig.key);
                let after = h.screen(100, 30);
                // It says truthfully why: where its list is, or that it has none.
                let why = why_no_list(&fig.key, &fig.label);
                let start: String = why.chars().take(40).collect();
                assert!(
                    after.contains(&start),
                    "{}: says why it opens nothing ({why}):\nbefore:\n{screen}\nafter:\n{after}",
                    fig.key
                );
                listless.push(fig.key.clone());
            }
        }
    }
    // The keys are stable and unique, and both kinds were walked.
    let mut all: Vec<&String> = drilled.iter().chain(&listless).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "figure keys are unique: {all:?}");
    for k in [
        "accounts.total",
        "passwords.needing-change",
        "passwords.privileged",
        "leavers.zombies",
        "acceptable-use.signed",
        "inventory.unencrypted",
        "filtering.in-force",
        "log.entries",
    ] {
        assert!(drilled.iter().any(|d| d == k), "{k} drills: {drilled:?}");
    }
    assert!(listless.iter().any(|d| d == "filtering.last-review"));
    // The figures that count a list no tab filters to exactly say where the list is, not
    // that there is none.
    for k in [
        "leavers.sweeps",
        "leavers.equipment-not-returned",
        "leavers.disable-by-hand",
        "roll.joiners",
        "roll.movers",
        "roll.leavers",
        "roll.returners",
        "creds.changed",
        "creds.leaver-knows",
        "inventory.breach-records",
        "inventory.disposal-batches",
        "log.outside-changes",
    ] {
        let drills = drilled.iter().any(|d| d == k);
        let says = why_no_list(k, "x");
        assert!(
            drills || !says.contains("no list behind it"),
            "{k}: drills or says where its list is: {says}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figure_cursor_stays_on_screen_at_80x24() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 80, 24).await;
    h.key(KeyCode::Char('7')).await;
    let items = h.state.tabs.report.items().len();
    for n in 0..items {
        if n > 0 {
            h.key(KeyCode::Down).await;
        }
        let Some(fig) = h.state.tabs.report.current_figure().cloned() else {
            continue;
        };
        let screen = h.screen(80, 24);
        // The figure's label (its first words, as wrapped) is on screen, and every section
        // heading stays visible.
        let words: String = fig.label.chars().take(20).collect();
        assert!(screen.contains(&words), "{}:\n{screen}", fig.key);
        for title in ["Accounts and passwords", "Web filtering", "The action log"] {
            assert!(screen.contains(title), "{title}:\n{screen}");
        }
    }
}
