//! Issue 24 (item 12, the last part) in a real terminal (tmux), at 80×24 and 100×30 on the
//! demo: the Report tab's cursor moves through the figures, Enter on a figure opens its tab
//! filtered to the rows it counts, and the status line names the filter and the key that
//! clears it. Fails on the program before (Enter opened a section's tab, by section). Skipped
//! when tmux is missing.

mod tmux;

use tmux::{have_tmux, Tui};

const SIZES: [(u16, u16); 2] = [(80, 24), (100, 30)];

/// The clock the demo is judged at, so the counts do not depend on today.
const NOW: &str = "2026-12-07T10:00:00Z";

#[test]
fn a_report_figure_opens_its_tab_filtered_to_what_it_counts() {
    if !have_tmux() {
        return;
    }
    for (w, h) in SIZES {
        let t = Tui::start_at("drill", w, h, NOW);
        t.wait_for(" shown");
        t.keys(&["7"]);
        t.wait_for("overall");
        // Accounts (the total), the policy, within the age limit, then "needing a change".
        t.keys(&["Down", "Down", "Down"]);
        let s = t.wait_for("these 697");
        assert!(s.contains("Passwords needing a change"), "{w}x{h}:\n{s}");
        t.keys(&["Enter"]);
        let s = t.wait_for("697 of 727 shown");
        assert!(
            s.contains("from the report: passwords needing a change (F clears)"),
            "{w}x{h}:\n{s}"
        );
        // The Passwords tab, its own filter line naming it, showing the 697 the figure counts.
        assert!(s.contains("[2 Passw"), "{w}x{h}:\n{s}");
        assert!(s.contains("filter: needing a change"), "{w}x{h}:\n{s}");
        assert!(s.contains("697 of 727 shown"), "{w}x{h}:\n{s}");
        // Back to the report: the cursor is where it was; the policy has no list behind it.
        t.keys(&["7"]);
        t.wait_for("these 697");
        t.keys(&["Up", "Up", "Enter"]);
        t.wait_for("this figure has no list behind it");
        t.keys(&["q"]);
        t.wait_for("EXIT=0");
    }
}

/// The twelve figures whose rows no tab lists (the roll's joiners, movers, leavers and
/// returners, the sweeps, the shared logins changed and still known by leavers, equipment not
/// returned, linked accounts to disable by hand, breach records, disposal batches, outside
/// changes), by their place in the walk of the figures, with their label and what the demo
/// counts.
const LISTED: [(usize, &str, usize); 12] = [
    (7, "Leaver sweeps in the period", 1),
    (8, "Joiners from the MIS roll (accounts created)", 4),
    (9, "Movers (form, year or role changed)", 118),
    (10, "Leavers (first missing from the roll in the period)", 1),
    (11, "Returners (back on the roll, reactivated)", 1),
    (12, "Shared logins changed in the period", 1),
    (13, "Shared logins still known by someone who left", 1),
    (14, "Equipment not returned by people who left", 1),
    (15, "Linked accounts to disable by hand", 1),
    (24, "Lost or stolen devices with a data-breach record", 1),
    (27, "Disposal batches in the period", 1),
    (36, "Directory changes made outside schooltech", 1),
];

/// Each of the twelve opens, from the Report tab, the list of the rows it counts: as many rows
/// as its number, under a title naming it and the term, with the filter line and the key back
/// (100×30); at 80×24 the 118 movers page to the last. Failed before (Enter only said where
/// the list was).
#[test]
fn the_figures_no_tab_lists_open_their_rows_in_the_report() {
    if !have_tmux() {
        return;
    }
    let t = Tui::start_at("drill-rows", 100, 30, NOW);
    t.wait_for(" shown");
    t.keys(&["7"]);
    t.wait_for("overall");
    let mut at = 0;
    for (n, label, count) in LISTED {
        let downs = vec!["Down"; n - at];
        t.keys(&downs);
        at = n;
        t.wait_for(&format!("these {count} here"));
        t.keys(&["Enter"]);
        let s = t.wait_for(&format!("filtered: {label} — esc clears"));
        assert!(
            s.contains(&format!(
                "{label}: {count} — Autumn 2026 (2 Sep 2026 to 18 Dec 2026)"
            )),
            "{label}: the title names the figure and the term:\n{s}"
        );
        let shown = s
            .lines()
            .find(|l| l.starts_with("rows 1–"))
            .unwrap_or_else(|| panic!("{label}: the rows counted:\n{s}"));
        assert!(
            shown.ends_with(&format!("of {count}")),
            "{label}: {shown}\n{s}"
        );
        if count < 10 {
            assert!(
                s.contains(&format!("\n{count}. ")),
                "{label}: its rows:\n{s}"
            );
            assert_eq!(shown, format!("rows 1–{count} of {count}"), "{label}");
        }
        t.keys(&["Escape"]);
        t.wait_for(&format!("these {count} here"));
    }
    t.keys(&["q"]);
    t.wait_for("EXIT=0");

    let t = Tui::start_at("drill-rows", 80, 24, NOW);
    t.wait_for(" shown");
    t.keys(&["7"]);
    t.wait_for("overall");
    t.keys(&["Down"; 9]);
    t.wait_for("these 118 here");
    t.keys(&["Enter"]);
    let s = t.wait_for("filtered: Movers (form, year or role changed) — esc clears");
    assert!(s.contains("  1. 25"), "{s}");
    t.keys(&["End"]);
    let s = t.wait_for("118. 25");
    assert!(s.contains("–118 of 118"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("these 118 here");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}
