//! Issue 25 item 6 in a real terminal (tmux) on the demo school: the Leavers tab's Sync view
//! reads the demo roll, one joiner is left out, the rest is applied with y, and the program
//! says how many were left out. Skipped when tmux is missing.

mod tmux;

use tmux::{have_tmux, Tui};

#[test]
fn load_the_demo_roll_leave_one_out_and_apply_with_y() {
    if !have_tmux() {
        return;
    }
    let t = Tui::start_at("apply", 100, 30, "2026-11-25T12:00:00Z");
    t.wait_for("Accounts");
    t.keys(&["4"]);
    t.wait_for("Leavers");
    t.keys(&["m"]);
    t.wait_for("Applying acts on");
    t.keys(&["Enter"]);
    t.wait_for("Create:");
    t.keys(&["Space"]);
    t.wait_for("1 left out");
    t.keys(&["a"]);
    let screen = t.wait_for("Apply the sync?");
    assert!(screen.contains("1 item(s) left out"), "{screen}");
    t.keys(&["y"]);
    let screen = t.wait_for("Sync applied");
    assert!(
        screen.contains("1 item(s) left out: not applied"),
        "{screen}"
    );
    assert!(screen.contains("finished"), "{screen}");
}
