//! Output that cannot be turned against its reader (issue 23, parts 4 and 9): text from outside
//! reaches the terminal only visibly (no escape sequence acts, no value makes a line of its own),
//! CSV exports carry no formula a spreadsheet would run, and a closed pipe ends the program
//! quietly.

mod common;

use common::{run, st};
use std::io::Read;
use std::process::{Command, Stdio};

/// No byte that would act on a terminal: C0 (but newline), DEL, C1, bidi overrides.
fn assert_inert(what: &str, text: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(bad.is_none(), "{what} holds {bad:?}: {text:?}");
}

/// A config with a store of its own (kept between runs, unlike `--demo`'s) and a directory that
/// is never reached: the inventory needs none.
fn demo_with_store(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let cfg = dir.join("schooltech.toml");
    let pw = dir.join("bind.pw");
    std::fs::write(&pw, "unused\n").unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &cfg,
        format!(
            "[directory]\nurl = \"ldap://127.0.0.1:9\"\nflavour = \"openldap\"\nbind_dn = \"cn=admin,dc=x\"\nbase_dn = \"dc=x\"\nbind_password_file = \"{}\"\n\n[store]\npath = \"{}\"\n",
            pw.display(),
            dir.join("schooltech.db").display()
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn hostile_names_in_an_import_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("intake.csv");
    // An OSC title sequence in an error row (names with control characters are refused, but
    // the refusal quotes the cell), and a newline that would make a line of its own ("error
    // line 9 ...") in the dry run.
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,Form,MIS ID\n\
         Eve,Smith,\"pu\u{1b}]2;pwned\u{7}pil\",7A,H1\n\
         Mal,Lory,\"staff\nerror  line    9: forged\",7A,H2\n\
         Ann,Lee,\"\u{202e}\u{1b}[31mpupil\",7A,H3\n",
    )
    .unwrap();
    let r = run(
        &["--demo", "accounts", "import", csv.to_str().unwrap()],
        None,
    );
    assert_inert("stdout", &r.stdout);
    assert_inert("stderr", &r.stderr);
    assert!(r.stdout.contains("\\x1b]2;pwned\\x07"), "{}", r.stdout);
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("error  line    9")),
        "a value made a line of its own: {}",
        r.stdout
    );
    assert!(r.stdout.contains("\\x0a"), "{}", r.stdout);
    assert!(r.stdout.contains("(file read as UTF-8)"), "{}", r.stdout);
}

#[test]
fn error_messages_show_outside_text_visibly() {
    let r = run(
        &[
            "--demo",
            "accounts",
            "show",
            "nobody\u{1b}]2;pwned\u{7}\nerror: forged",
        ],
        None,
    );
    assert_ne!(r.code, 0);
    assert_inert("stderr", &r.stderr);
    assert!(
        !r.stderr.lines().any(|l| l.starts_with("error: forged")),
        "{}",
        r.stderr
    );
}

#[test]
fn csv_exports_neutralise_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = demo_with_store(dir.path());
    let csv = dir.path().join("assets.csv");
    std::fs::write(
        &csv,
        "tag,category,notes\n\
         HX-1,laptop,\"=HYPERLINK(\"\"http://x\"\")\"\n\
         HX-2,laptop,=cmd|' /C calc'!A0\n\
         HX-3,laptop,-5\n\
         HX-4,laptop,fine\n",
    )
    .unwrap();
    st(
        &cfg,
        &["inventory", "import", csv.to_str().unwrap(), "--apply"],
        None,
    )
    .ok();
    for args in [
        &["inventory", "list", "--format", "csv"][..],
        &["inventory", "export", "--format", "csv"][..],
    ] {
        let out = st(&cfg, args, None).ok().stdout;
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let notes = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "notes")
            .expect("a notes column");
        let mut seen: Vec<(String, String)> = rdr
            .records()
            .map(|r| r.unwrap())
            .filter(|r| r[0].starts_with("HX-"))
            .map(|r| (r[0].to_string(), r[notes].to_string()))
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("HX-1".into(), "'=HYPERLINK(\"http://x\")".into()),
                ("HX-2".into(), "'=cmd|' /C calc'!A0".into()),
                ("HX-3".into(), "'-5".into()),
                ("HX-4".into(), "fine".into()),
            ],
            "{args:?}"
        );
    }
    // The register's own export reads back as it was written.
    let out = st(&cfg, &["inventory", "export", "--format", "csv"], None)
        .ok()
        .stdout;
    let dir2 = tempfile::tempdir().unwrap();
    let cfg2 = demo_with_store(dir2.path());
    let back = dir2.path().join("back.csv");
    std::fs::write(&back, out).unwrap();
    st(
        &cfg2,
        &["inventory", "import", back.to_str().unwrap(), "--apply"],
        None,
    )
    .ok();
    let json = st(
        &cfg2,
        &["inventory", "show", "HX-2", "--format", "json"],
        None,
    )
    .ok()
    .stdout;
    assert!(
        json.contains("=cmd|' /C calc'!A0") && !json.contains("'=cmd"),
        "{json}"
    );
}

/// Runs the binary with its stdout closed before it writes anything: every write meets a
/// closed pipe, as under `| head -1` once head has gone.
fn with_closed_stdout(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .args(args)
        .env_remove("SCHOOLTECH_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), err)
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    for args in [
        &["--demo", "log", "verify"][..],
        &["--demo", "log", "show"][..],
        &["--demo", "log", "show", "--format", "json"][..],
        &["--demo", "accounts", "list"][..],
        &["--demo", "accounts", "list", "--format", "csv"][..],
        &["--demo", "leavers", "scan"][..],
        &["--demo", "passwords", "report"][..],
    ] {
        let (code, err) = with_closed_stdout(args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    }
}
