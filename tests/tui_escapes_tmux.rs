//! The full-screen program in a real terminal (tmux) shows outside text visibly: a CSV cell
//! holding an OSC title sequence (`ESC ] 2 ; pwned BEL`) does not change the pane's title, and
//! the screen shows it as `\x1b]2;pwned\x07` (issue 23, part 4); and the TUI's import reads a
//! Windows-1252 file as the CLI does (part 8). Skipped when tmux is missing.

mod tmux;

use tmux::Tui;

/// Imports `csv` from the Accounts tab (dry run first) and returns the preview's screen.
fn import(t: &Tui, csv: &std::path::Path) -> String {
    t.wait_for(" shown");
    t.keys(&["i"]);
    t.wait_for("CSV file");
    t.literal(&csv.display().to_string());
    t.keys(&["Enter"]);
    t.wait_for("Dry run:")
}

#[test]
fn a_csv_cell_cannot_retitle_the_terminal() {
    if !tmux::have_tmux() {
        return;
    }
    let t = Tui::shell("escapes", 100, 30, "");
    let csv = t.home().join("intake.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,Form,MIS ID\nEve,Smith,\"pu\u{1b}]2;pwned\u{7}pil\",7A,H1\n",
    )
    .unwrap();
    t.set_option("allow-rename", "on");
    // A title of our own first: the program must leave it as it is.
    t.literal("printf '\\033]2;before\\007'; clear");
    t.keys(&["Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(t.title(), "before", "tmux did not take a title");
    t.run_demo();
    let screen = import(&t, &csv);
    assert!(
        screen.contains("\\x1b]2;pwned\\x07"),
        "the cell is not shown visibly:\n{screen}"
    );
    assert_eq!(t.title(), "before", "a CSV cell changed the pane title");
    t.keys(&["Escape", "Escape", "q"]);
}

#[test]
fn the_tui_import_reads_a_windows_1252_file_as_the_cli_does() {
    if !tmux::have_tmux() {
        return;
    }
    let t = Tui::shell("cp1252", 120, 30, "");
    let csv = t.home().join("intake.csv");
    std::fs::write(
        &csv,
        b"First Name,Last Name,Role,Form,MIS ID\nRen\xE9e,M\xFCller,pupil,7A,E1\n",
    )
    .unwrap();
    t.run_demo();
    let screen = import(&t, &csv);
    assert!(
        screen.contains("1 to create") && screen.contains("file read as windows-1252"),
        "{screen}"
    );
    t.keys(&["Escape", "Escape", "q"]);
}
