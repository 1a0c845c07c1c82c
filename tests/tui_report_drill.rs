//! Issue 24 (item 12, the last part): every figure of the demo's termly report drills down to
//! exactly the rows it counts. The test walks the report's own figures (not a hand list): for
//! each figure with a count, Enter on it in the Report tab opens its tab filtered, and the rows
//! that tab shows are the figure's count, with the status line naming the filter, or, for a
//! figure whose rows the report lists itself (no tab holds them), the Report tab's list of them,
//! as many as the figure counts, titled with the figure and the period; for each figure without
//! a list, Enter says so and stays. A figure given a count without a drill-down in its tab
//! fails here, and so does a figure with a number and no count (only `NOT_COUNTS` have none).

mod tui_support;

use crossterm::event::KeyCode;
use schooltech::ops::report::{Place, NOT_COUNTS};
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
    let (mut drilled, mut listless, mut listed) = (Vec::new(), Vec::new(), Vec::new());
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
            Some(count) if fig.rows.is_some() => {
                // The report's own list of the rows: here, as many as it counts.
                assert_eq!(h.state.tab, Tab::Report, "{}: stays in the report", fig.key);
                let (open, rows) = h
                    .state
                    .tabs
                    .report
                    .open_rows()
                    .map(|(f, rows)| (f.key.clone(), rows.len()))
                    .unwrap_or_else(|| panic!("{}: Enter lists its rows", fig.key));
                assert_eq!(open, fig.key);
                assert_eq!(
                    rows, count,
                    "{}: the rows listed are the rows counted",
                    fig.key
                );
                let after = h.screen(100, 30);
                let title: String = fig.label.chars().take(30).collect();
                assert!(
                    after.contains(&format!("filtered: {title}"))
                        && after.contains("esc clears")
                        && after.contains("Autumn 2026 (2 Sep 2026 to 18 Dec 2026)"),
                    "{}: the list names the figure, the period and the key back:\n{after}",
                    fig.key
                );
                let counted = if count == 0 {
                    after.contains("0 rows") && after.contains("(none)")
                } else {
                    after.contains(&format!("of {count}"))
                        && after.lines().any(|l| l.trim_start().starts_with("1. "))
                };
                assert!(counted, "{}: its rows, counted:\n{after}", fig.key);
                drilled.push(fig.key.clone());
                listed.push(fig.key.clone());
                h.key(KeyCode::Esc).await;
                assert!(
                    h.state.tabs.report.open.is_none(),
                    "{}: Esc goes back",
                    fig.key
                );
                assert_eq!(h.state.tabs.report.list.cursor, n, "the cursor stays put");
            }
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
                assert!(
                    NOT_COUNTS.contains(&fig.key.as_str()),
                    "{} (\"{}: {}\") has a number and no drill-down",
                    fig.key,
                    fig.label,
                    fig.value
                );
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
    // The figures that count a list no tab filters to exactly list it in the report, one
    // row or more each in the demo.
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
        assert!(
            listed.iter().any(|d| d == k),
            "{k} lists its rows: {listed:?}"
        );
        let f = h
            .state
            .tabs
            .report
            .figure(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k}"));
        assert!(f.count.unwrap_or(0) > 0, "{k}: a row behind it in the demo");
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

/// At 80×24 a long list (the 118 movers of the September rollover) pages: its title, the filter
/// line and the count stay, End shows the last row, Esc goes back to the same figure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_figures_list_pages_at_80x24() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 80, 24).await;
    h.key(KeyCode::Char('7')).await;
    assert!(h.state.tabs.report.select_figure("roll.movers"));
    let at = h.state.tabs.report.list.cursor;
    h.key(KeyCode::Enter).await;
    let s = h.screen(80, 24);
    assert!(
        s.contains("Movers (form, year or role changed): 118"),
        "{s}"
    );
    assert!(
        s.contains("filtered: Movers (form, year or role changed)"),
        "{s}"
    );
    assert!(s.contains("  1. 25"), "{s}");
    let first_page = s
        .lines()
        .find(|l| l.starts_with("rows 1–"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("the rows on screen, counted:\n{s}"));
    assert!(first_page.ends_with("of 118"), "{first_page}");
    h.key(KeyCode::PageDown).await;
    let s = h.screen(80, 24);
    assert!(!s.contains("  1. 25"), "a page on:\n{s}");
    h.key(KeyCode::End).await;
    let s = h.screen(80, 24);
    assert!(s.contains("118. 25") && s.contains("–118 of 118"), "{s}");
    // Up from the end moves by one row; PgUp and Home go back to the first.
    h.key(KeyCode::Up).await;
    let s = h.screen(80, 24);
    assert!(!s.contains("118. 25"), "{s}");
    h.key(KeyCode::PageUp).await;
    h.key(KeyCode::Home).await;
    let s = h.screen(80, 24);
    assert!(s.contains("  1. 25"), "{s}");
    h.key(KeyCode::Esc).await;
    assert!(h.state.tabs.report.open.is_none());
    assert_eq!(h.state.tabs.report.list.cursor, at);
    let s = h.screen(80, 24);
    assert!(s.contains("enter: list these 118 here"), "{s}");
}
