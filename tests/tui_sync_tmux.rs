//! Issue 25 item 6 in a real terminal (tmux) on the demo school: the Leavers tab's Sync view
//! reads the demo roll, one joiner is left out, the rest is applied with y, and the program
//! says how many were left out. Skipped when tmux is missing.

use std::process::Command;
use std::time::Duration;

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_tmux() -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
    }
    ok
}

/// The program in a tmux session of its own (killed when dropped).
struct Tui {
    name: String,
    _home: tempfile::TempDir,
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

impl Tui {
    /// The program with the clock fixed at `now` (RFC 3339), so dates do not depend on today.
    fn start_at(tag: &str, w: u16, h: u16, now: &str) -> Tui {
        Tui::start_env(tag, w, h, &format!("SCHOOLTECH_TEST_NOW={now}"))
    }

    fn start_env(tag: &str, w: u16, h: u16, env: &str) -> Tui {
        let home = tempfile::tempdir().expect("home");
        let name = format!("st-sync-{tag}-{w}x{h}-{}", std::process::id());
        let shell = format!(
            "env -i PATH=/usr/bin:/bin HOME={} TERM=xterm-256color LANG=C.UTF-8 USER=tech {env} bash --norc --noprofile",
            home.path().display()
        );
        let (ws, hs) = (w.to_string(), h.to_string());
        tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            &ws,
            "-y",
            &hs,
            &shell,
        ]);
        tmux(&["set-option", "-t", &name, "window-size", "manual"]);
        std::thread::sleep(Duration::from_millis(300));
        let bin = env!("CARGO_BIN_EXE_schooltech");
        let t = Tui { name, _home: home };
        t.literal(&format!("{bin} --demo; echo EXIT=$?"));
        t.keys(&["Enter"]);
        t
    }

    fn keys(&self, k: &[&str]) {
        for key in k {
            tmux(&["send-keys", "-t", &self.name, key]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    fn literal(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    fn wait_for(&self, text: &str) -> String {
        let mut screen = String::new();
        for _ in 0..100 {
            screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{text:?} did not appear; the screen:\n{screen}");
    }
}

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
