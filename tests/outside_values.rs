//! No panic and no garbage on outside values: dates people type, numbers the directory holds.
//! Against the real servers where the value lives in a server.

mod common;
mod support;

use common::{run, st};
use support::TestServer;

#[test]
fn far_dates_from_people_are_refused_with_the_window() {
    // `creds add --rotated +262000-12-31` used to panic (exit 101).
    let r = run(
        &[
            "--demo",
            "creds",
            "add",
            "Library desk",
            "--system",
            "library",
            "--known-by",
            "sarah.roberts",
            "--owner",
            "it",
            "--rotated",
            "+262000-12-31",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("1900") && r.stderr.contains("2200"),
        "{}",
        r.stderr
    );
    for date in ["+40000-01-01", "99999-01-01", "01/01/0026"] {
        let r = run(
            &["--demo", "accounts", "expire", "21berrym", "--on", date],
            None,
        );
        assert_eq!(r.code, 2, "{date}: {} {}", r.stdout, r.stderr);
    }
}

#[test]
fn samba_expiry_past_the_window_writes_nothing() {
    let server = TestServer::samba();
    let cfg = server.write_config();
    let read = || {
        support::ldif_values(
            &server.ldapsearch("(sAMAccountName=harry.hughes)", &["accountExpires"]),
            "accountExpires",
        )
    };
    let before = read();
    // Used to write garbage to accountExpires (FILETIME overflow).
    let r = st(
        &cfg,
        &[
            "accounts",
            "expire",
            "harry.hughes",
            "--on",
            "+40000-01-01",
            "--yes",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("2200"), "{}", r.stderr);
    assert_eq!(read(), before, "accountExpires changed");
    st(
        &cfg,
        &[
            "accounts",
            "expire",
            "harry.hughes",
            "--on",
            "2200-12-31",
            "--yes",
        ],
        None,
    )
    .ok();
    let shown = st(
        &cfg,
        &["accounts", "show", "harry.hughes", "--format", "json"],
        None,
    )
    .ok()
    .json();
    assert!(
        shown["expires"]
            .as_str()
            .is_some_and(|e| e.starts_with("2200-12-31")),
        "{shown}"
    );
}

#[test]
fn slapd_out_of_range_pwd_max_age_is_unknown_with_a_warning() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let policy = format!("cn=default,ou=Policies,{}", server.base_dn);
    server.ldapmodify(&format!(
        "dn: {policy}\nchangetype: modify\nreplace: pwdMaxAge\npwdMaxAge: 9223372036854775807\n"
    ));
    // One bad policy entry used to panic every listing.
    let r = st(&cfg, &["accounts", "list", "--format", "json"], None);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("pwdMaxAge") && r.stderr.contains("unknown"),
        "a warning names the value: {}",
        r.stderr
    );
    let list = r.json();
    let harry = list
        .as_array()
        .and_then(|a| a.iter().find(|x| x["username"] == "harry.hughes"))
        .cloned()
        .unwrap_or_default();
    // The directory's day is unknown; the one answer is then the school's rule's day.
    assert!(
        harry["password_expiry"]["directory_expires_on"].is_null(),
        "{harry}"
    );
    assert_eq!(harry["password_expiry"]["expiry_from"], "school", "{harry}");
    assert_eq!(
        harry["password_expires"], harry["password_expiry"]["school_expires_on"],
        "{harry}"
    );
    assert!(!harry["password_last_set"].is_null(), "{harry}");
    let r = st(&cfg, &["passwords", "report", "--fail-on", "none"], None);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
}

#[test]
fn slapd_control_characters_in_names_are_shown_escaped() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let evil = "Harry \u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mHughes\u{9b}1m\u{202e}";
    let b64 = base64(evil.as_bytes());
    server.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: displayName\ndisplayName:: {b64}\n",
        server.user_dn("harry.hughes")
    ));
    for args in [
        vec!["accounts", "list", "--search", "harry.hughes"],
        vec!["accounts", "show", "harry.hughes"],
        vec!["accounts", "enable", "harry.hughes", "--dry-run"],
        vec!["passwords", "report", "--fail-on", "none"],
    ] {
        let r = st(&cfg, &args, None);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let bad: Vec<char> = r
            .stdout
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || *c == '\u{202e}')
            .collect();
        assert!(
            bad.is_empty(),
            "{args:?}: control characters {bad:?} printed"
        );
        if args[1] != "report" {
            assert!(
                r.stdout.contains("Harry \\x1b]0;owned\\x07\\x1b[2J"),
                "{args:?}: shown escaped: {}",
                r.stdout
            );
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
