//! The full-screen program in a real terminal (tmux) shows outside text visibly: a CSV cell
//! holding an OSC title sequence (`ESC ] 2 ; pwned BEL`) does not change the pane's title, and
//! the screen shows it as `\x1b]2;pwned\x07` (issue 23, part 4); and the TUI's import reads a
//! Windows-1252 file as the CLI does (part 8). Skipped when tmux is missing.

use std::process::Command;
use std::time::Duration;

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

fn wait_for(s: &str, text: &str) -> String {
    let mut screen = String::new();
    for _ in 0..100 {
        screen = tmux(&["capture-pane", "-p", "-t", s]);
        if screen.contains(text) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{text:?} did not appear; the screen:\n{screen}");
}

#[test]
fn a_csv_cell_cannot_retitle_the_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("intake.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,Form,MIS ID\nEve,Smith,\"pu\u{1b}]2;pwned\u{7}pil\",7A,H1\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_schooltech");
    let name = format!("st-escapes-{}", std::process::id());
    let session = Session(name.clone());
    let shell = format!(
        "env -i PATH=/usr/bin:/bin HOME={} TERM=xterm-256color USER=tech bash --norc --noprofile",
        dir.path().display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session.0,
        "-x",
        "100",
        "-y",
        "30",
        &shell,
    ]);
    tmux(&["set-option", "-t", &session.0, "allow-rename", "on"]);
    std::thread::sleep(Duration::from_millis(300));
    // A title of our own first: the program must leave it as it is.
    tmux(&[
        "send-keys",
        "-t",
        &session.0,
        "printf '\\033]2;before\\007'; clear",
        "Enter",
    ]);
    std::thread::sleep(Duration::from_millis(300));
    let title = |s: &str| tmux(&["display-message", "-p", "-t", s, "#{pane_title}"]);
    assert_eq!(title(&name).trim(), "before", "tmux did not take a title");
    tmux(&[
        "send-keys",
        "-t",
        &name,
        &format!("{bin} --demo; echo EXIT=$?"),
        "Enter",
    ]);
    wait_for(&name, " shown");
    tmux(&["send-keys", "-t", &name, "i"]);
    wait_for(&name, "CSV file");
    tmux(&["send-keys", "-t", &name, "-l", csv.to_str().unwrap()]);
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let screen = wait_for(&name, "Dry run:");
    assert!(
        screen.contains("\\x1b]2;pwned\\x07"),
        "the cell is not shown visibly:\n{screen}"
    );
    assert_eq!(
        title(&name).trim(),
        "before",
        "a CSV cell changed the pane title"
    );
    tmux(&["send-keys", "-t", &name, "Escape"]);
    tmux(&["send-keys", "-t", &name, "Escape"]);
    tmux(&["send-keys", "-t", &name, "q"]);
}

#[test]
fn the_tui_import_reads_a_windows_1252_file_as_the_cli_does() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("intake.csv");
    std::fs::write(
        &csv,
        b"First Name,Last Name,Role,Form,MIS ID\nRen\xE9e,M\xFCller,pupil,7A,E1\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_schooltech");
    let name = format!("st-cp1252-{}", std::process::id());
    let _session = Session(name.clone());
    let shell = format!(
        "env -i PATH=/usr/bin:/bin HOME={} TERM=xterm-256color LANG=C.UTF-8 USER=tech bash --norc --noprofile",
        dir.path().display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "120",
        "-y",
        "30",
        &shell,
    ]);
    std::thread::sleep(Duration::from_millis(300));
    tmux(&[
        "send-keys",
        "-t",
        &name,
        &format!("{bin} --demo; echo EXIT=$?"),
        "Enter",
    ]);
    wait_for(&name, " shown");
    tmux(&["send-keys", "-t", &name, "i"]);
    wait_for(&name, "CSV file");
    tmux(&["send-keys", "-t", &name, "-l", csv.to_str().unwrap()]);
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let screen = wait_for(&name, "Dry run:");
    assert!(
        screen.contains("1 to create") && screen.contains("file read as windows-1252"),
        "{screen}"
    );
    tmux(&["send-keys", "-t", &name, "Escape"]);
    tmux(&["send-keys", "-t", &name, "Escape"]);
    tmux(&["send-keys", "-t", &name, "q"]);
}
