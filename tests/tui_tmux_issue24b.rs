//! Issue 24 (items 5, 6, 11) end to end in tmux on the demo, at 80×24 and 100×30: runs
//! `scripts/tmux-issue24b.sh` against the binary cargo built. Skipped (with a message) when tmux
//! is not installed.

use std::process::Command;

fn run_at(w: u16, h: u16) {
    // SCHOOLTECH_BIN runs these against another build (the before/after proof).
    let bin = std::env::var("SCHOOLTECH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_schooltech").to_string());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/tmux-issue24b.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(bin)
        .arg(w.to_string())
        .arg(h.to_string())
        .output()
        .expect("run the tmux script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "tmux run at {w}x{h} failed:\n{text}");
}

#[test]
fn issue24_items_5_6_11_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
        return;
    }
    run_at(80, 24);
    run_at(100, 30);
}
