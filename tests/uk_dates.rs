//! Days are London days (issue 23, part 7): an account expiry set with `--on 2027-07-20`, in
//! British Summer Time, ends at the end of 20 Jul in London (22:59:59Z) and reads back as
//! 20 Jul, on both real directories; in winter it ends at 23:59:59Z.

mod common;
mod support;

use common::st;
use support::TestServer;

fn expiry_reads_back_as_the_day(server: TestServer) {
    let cfg = server.write_config();
    for (on, stored, shown) in [
        ("2027-07-20", "2027-07-20T22:59:59Z", "20 Jul 2027"),
        ("20/01/2028", "2028-01-20T23:59:59Z", "20 Jan 2028"),
    ] {
        st(
            &cfg,
            &["accounts", "expire", "harry.hughes", "--on", on, "--yes"],
            None,
        )
        .ok();
        let json = st(
            &cfg,
            &["accounts", "show", "harry.hughes", "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert_eq!(json["expires"], stored, "{on}: {json}");
        let table = st(&cfg, &["accounts", "show", "harry.hughes"], None)
            .ok()
            .stdout;
        let line = table
            .lines()
            .find(|l| l.starts_with("account expires"))
            .unwrap_or_default();
        assert!(line.ends_with(shown), "{on}: {line:?}\n{table}");
    }
}

#[test]
fn samba_expiry_on_a_summer_day_is_that_day_in_london() {
    expiry_reads_back_as_the_day(TestServer::samba());
}

#[test]
fn slapd_expiry_on_a_summer_day_is_that_day_in_london() {
    expiry_reads_back_as_the_day(TestServer::slapd());
}

/// Issue 24, item 8: an expiry in the past or more than a year away is refused without
/// `--yes` when not in a terminal, naming the day spelled out; nothing is written.
#[test]
fn slapd_unusual_expiry_needs_yes_and_names_the_day() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let expires = || {
        st(
            &cfg,
            &["accounts", "show", "harry.hughes", "--format", "json"],
            None,
        )
        .ok()
        .json()["expires"]
            .clone()
    };
    let before = expires();
    for (on, words) in [
        ("2020-01-01", "Wednesday 1 January 2020, in the past"),
        (
            "2199-01-01",
            "Tuesday 1 January 2199, more than a year away",
        ),
    ] {
        let r = st(
            &cfg,
            &["accounts", "expire", "harry.hughes", "--on", on],
            None,
        );
        assert_eq!(r.code, 2, "{on}: {} {}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(words) && r.stderr.contains("--yes"),
            "{on}: {}",
            r.stderr
        );
        assert_eq!(expires(), before, "{on}: nothing written");
    }
    st(
        &cfg,
        &[
            "accounts",
            "expire",
            "harry.hughes",
            "--on",
            "2020-01-01",
            "--yes",
        ],
        None,
    )
    .ok();
    assert!(
        expires().as_str().unwrap_or("").starts_with("2020-01-01"),
        "with --yes it is set"
    );
}
