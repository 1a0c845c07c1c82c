//! The program in a real terminal (tmux) for the end-to-end TUI tests: a session of its own per
//! test, on the demo school, with the clock fixed where dates matter. `SCHOOLTECH_BIN` runs them
//! against another build (the before/after proof of issue 24).

#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

pub fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn have_tmux() -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
    }
    ok
}

/// The program the tests run: `SCHOOLTECH_BIN` (another build, for the before/after proof)
/// or the one cargo built.
pub fn bin() -> String {
    std::env::var("SCHOOLTECH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_schooltech").to_string())
}

/// Runs a script of `scripts/` with the program as its first argument and `args` after it;
/// fails the test with its output when it fails.
pub fn run_script(script: &str, args: &[&str]) {
    let path = format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(&path)
        .arg(bin())
        .args(args)
        .output()
        .expect("run the tmux script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(
        out.status.success(),
        "{script} {} failed:\n{text}",
        args.join(" ")
    );
}

/// The program in a tmux session of its own (killed when dropped).
pub struct Tui {
    name: String,
    home_dir: tempfile::TempDir,
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

impl Tui {
    pub fn start(tag: &str, w: u16, h: u16) -> Tui {
        Tui::start_env(tag, w, h, "")
    }

    /// The program with the clock fixed at `now` (RFC 3339), so dates do not depend on today.
    pub fn start_at(tag: &str, w: u16, h: u16, now: &str) -> Tui {
        Tui::start_env(tag, w, h, &format!("SCHOOLTECH_TEST_NOW={now}"))
    }

    pub fn start_env(tag: &str, w: u16, h: u16, env: &str) -> Tui {
        let t = Tui::shell(tag, w, h, env);
        t.run_demo();
        t
    }

    /// A bare shell in a session of its own (the program not started yet: [`Tui::run_demo`]),
    /// its home an empty temporary folder ([`Tui::home`]).
    pub fn shell(tag: &str, w: u16, h: u16, env: &str) -> Tui {
        let home = tempfile::tempdir().expect("home");
        let name = format!("st-{tag}-{w}x{h}-{}", std::process::id());
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
        Tui {
            name,
            home_dir: home,
        }
    }

    /// Starts the program on the demo school in the session's shell.
    pub fn run_demo(&self) {
        self.literal(&format!("{} --demo; echo EXIT=$?", bin()));
        self.keys(&["Enter"]);
    }

    /// The session's home folder (a temporary one of its own).
    pub fn home(&self) -> &std::path::Path {
        self.home_dir.path()
    }

    /// Sets a tmux option of the session (`allow-rename on`).
    pub fn set_option(&self, option: &str, value: &str) {
        tmux(&["set-option", "-t", &self.name, option, value]);
    }

    /// The pane's title as tmux holds it.
    pub fn title(&self) -> String {
        tmux(&["display-message", "-p", "-t", &self.name, "#{pane_title}"])
            .trim()
            .to_string()
    }

    pub fn keys(&self, k: &[&str]) {
        for key in k {
            tmux(&["send-keys", "-t", &self.name, key]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    pub fn literal(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    pub fn wait_for(&self, text: &str) -> String {
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

    pub fn resize(&self, w: u16, h: u16) {
        tmux(&[
            "resize-window",
            "-t",
            &self.name,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
        std::thread::sleep(Duration::from_millis(400));
    }

    /// Searches one account and leaves the search box.
    pub fn find(&self, user: &str) {
        self.keys(&["/"]);
        self.literal(user);
        self.keys(&["Enter"]);
        self.wait_for(&format!("Search: {user}"));
    }

    /// The line of the table that shows `user`.
    pub fn row(&self, user: &str) -> String {
        self.screen()
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{user} ")))
            .unwrap_or_default()
            .to_string()
    }
}
