//! Stopping a real `schooltech` at a test point and killing it there with `kill -9`.
//! The debug binary stops for good where `$SCHOOLTECH_TEST_PAUSE_AT` says (`src/testpoint.rs`),
//! after printing `schooltech: paused at STEP` on stderr.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a run may take to reach its test point.
const PAUSE_WAIT: Duration = Duration::from_secs(120);

/// A `schooltech` process stopped at its test point (or finished without reaching it).
pub struct Paused {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// True when it said it paused at the step.
    pub paused: bool,
}

impl Paused {
    /// Runs `schooltech --config CFG ARGS…` with `envs` until it pauses at `step` (or ends).
    pub fn start(cfg: &Path, args: &[&str], step: &str, envs: &[(&str, &str)]) -> Paused {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_schooltech"));
        cmd.arg("--config")
            .arg(cfg)
            .args(args)
            .env("SCHOOLTECH_TEST_PAUSE_AT", step)
            .env_remove("SCHOOLTECH_BIND_PASSWORD");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting schooltech");
        let err = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let said = stderr.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
                if line.contains("paused at") {
                    let _ = tx.send(true);
                }
                let mut s = said.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
            let _ = tx.send(false);
        });
        let start = Instant::now();
        let paused = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(p) => break p,
                Err(_) if start.elapsed() > PAUSE_WAIT => break false,
                Err(_) => continue,
            }
        };
        Paused {
            child,
            stderr,
            reader: Some(reader),
            paused,
        }
    }

    /// Waits for it to end (it was started with `$SCHOOLTECH_TEST_RESUME_WHEN` and let go):
    /// its exit code and everything it said on stderr.
    pub fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().expect("waiting for schooltech");
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let said = self
            .stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (status.code().unwrap_or(-1), said)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9` (SIGKILL), and reaps it. Returns whether it had paused.
    pub fn kill(mut self) -> bool {
        self.child.kill().expect("kill -9"); // SIGKILL
        self.child.wait().expect("reaping");
        self.paused
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs schooltech until it says it paused at `step`, then kills it with SIGKILL. Returns false
/// when it finished (or took over two minutes) without reaching the step.
pub fn kill_at(cfg: &Path, args: &[&str], step: &str) -> bool {
    Paused::start(cfg, args, step, &[]).kill()
}
