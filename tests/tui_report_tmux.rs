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
