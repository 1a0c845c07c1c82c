//! Running the `schooltech` binary as a technician would, for integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as JSON; panics with the output on failure.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): stdout={} stderr={}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts exit code 0.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exit {}: stdout={} stderr={}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `schooltech --config CONFIG ARGS…` with optional stdin.
pub fn st(config: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut all = vec!["--config", config.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    run(&all, stdin)
}

/// Runs `schooltech ARGS…` with optional stdin.
pub fn run(args: &[&str], stdin: Option<&str>) -> Run {
    run_env(args, stdin, &[])
}

/// The fixture's people: (username, role, mis_id, ou, display name).
pub fn people() -> Vec<(String, String, String, String, String)> {
    include_str!("../fixtures/people.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let g = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            (g(0), g(1), g(2), g(3), g(4))
        })
        .collect()
}

/// Finds an account by username in a JSON array.
pub fn find<'a>(list: &'a serde_json::Value, user: &str) -> Option<&'a serde_json::Value> {
    list.as_array()?.iter().find(|a| {
        a["username"]
            .as_str()
            .is_some_and(|u| u.eq_ignore_ascii_case(user))
    })
}

/// Runs `schooltech --config CONFIG ARGS…` with the debug build's clock fixed at the end of
/// `day` (YYYY-MM-DD) through `$SCHOOLTECH_TEST_NOW`: a writing command "run on" that day
/// (`--as-of` is for reports and dry runs, and refuses it).
pub fn st_on(config: &Path, day: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut all = vec!["--config", config.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    run_env(&all, stdin, &[("SCHOOLTECH_TEST_NOW", &end_of(day))])
}

/// `day`'s last second in UTC, as `$SCHOOLTECH_TEST_NOW` takes it.
pub fn end_of(day: &str) -> String {
    format!("{day}T23:59:59Z")
}

/// Runs `schooltech ARGS…` with extra environment variables.
pub fn run_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schooltech"));
    cmd.args(args)
        .env_remove("SCHOOLTECH_CONFIG")
        .env_remove("SCHOOLTECH_BIND_PASSWORD")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("starting schooltech");
    if let Some(mut sin) = child.stdin.take() {
        if let Some(text) = stdin {
            sin.write_all(text.as_bytes()).expect("writing stdin");
        }
    }
    let out = child.wait_with_output().expect("waiting for schooltech");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
