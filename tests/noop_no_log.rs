//! A change to what is already so (issue 24, item 10) sends nothing and writes no action-log
//! row, on a real slapd, through the CLI (the TUI goes through the same `ops` function): a
//! second disable, an unlock of an account that is not locked, an enable of an enabled one.
//! The one real change is logged once.

mod common;
mod support;

use common::st;
use support::TestServer;

fn rows(cfg: &std::path::Path, user: &str, action: &str) -> usize {
    st(
        cfg,
        &["log", "show", "--target", user, "--format", "json"],
        None,
    )
    .ok()
    .json()
    .as_array()
    .map(|v| v.iter().filter(|e| e["action"] == action).count())
    .unwrap_or(0)
}

#[test]
fn a_no_op_writes_no_log_row() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let user = "harry.hughes";
    st(&cfg, &["accounts", "unlock", user], None).ok();
    assert_eq!(
        rows(&cfg, user, "account.unlock"),
        0,
        "unlock of an unlocked account logged"
    );
    st(&cfg, &["accounts", "enable", user], None).ok();
    assert_eq!(
        rows(&cfg, user, "account.enable"),
        0,
        "enable of an enabled account logged"
    );
    for _ in 0..2 {
        st(
            &cfg,
            &["accounts", "disable", user, "--reason", "left school"],
            None,
        )
        .ok();
    }
    assert_eq!(
        rows(&cfg, user, "account.disable"),
        1,
        "the second disable was logged"
    );
    let dry = st(
        &cfg,
        &[
            "accounts",
            "disable",
            user,
            "--reason",
            "again",
            "--dry-run",
        ],
        None,
    );
    assert!(
        dry.stdout.contains("already disabled: nothing to do"),
        "{}",
        dry.stdout
    );
    st(&cfg, &["log", "verify"], None).ok();
}
