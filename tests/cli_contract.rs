//! The command line's contract (issue 26, items 3 to 5 and 7): every `--format` value a command
//! offers is honoured (JSON parses, CSV has a header row of fields, table is neither) and any
//! other is refused with exit 2; errors map to the documented exit codes, against a real slapd
//! (unreachable 3, wrong bind password 3, protected 4, unwritable store 5, bad CSV 2) and, with
//! `--format json`, come as a JSON object on stderr too; `--out` replaces a file atomically and
//! leaves it byte-identical on failure; the man pages carry EXIT STATUS, FILES, ENVIRONMENT and
//! SEE ALSO, and schooltech.toml(5) names every field the configuration accepts.

mod common;
mod support;

use clap::CommandFactory;
use common::{run, st};
use schooltech::cli::Cli;
use support::TestServer;

/// Every leaf of the clap tree with a `--format` argument: (path, the values it offers).
fn format_leaves() -> Vec<(String, Vec<String>)> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        if let Some(a) = cmd.get_arguments().find(|a| a.get_long() == Some("format")) {
            let vals = a
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            out.push((path.trim().to_string(), vals));
        }
        for s in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
            walk(s, &format!("{path} {}", s.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), "", &mut out);
    out
}

/// The arguments a leaf needs on the demo school (positional values); None: not run on the
/// demo (it is tried elsewhere), said in the list so a new command is a decision.
fn demo_args(path: &str) -> Option<Vec<&'static str>> {
    Some(match path {
        "accounts show" => vec!["aadams"],
        "creds show" => vec!["Guest Wi-Fi key"],
        "filter show" => vec!["1"],
        "inventory show" | "inventory history" => vec!["DA-DSK-001"],
        "inventory disposal show" => vec!["WEEE-DEMO-1"],
        "filter review report" | "report termly" | "sweep report" | "sweep" => return None,
        _ => vec![],
    })
}

fn looks_json(s: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(s).is_ok()
}

#[test]
fn every_format_is_honoured_or_refused_with_2() {
    let mut wrong = Vec::new();
    let mut skipped = Vec::new();
    let mut tried = 0;
    for (path, values) in format_leaves() {
        let Some(extra) = demo_args(&path) else {
            continue;
        };
        let mut base: Vec<&str> = vec!["--demo"];
        base.extend(path.split(' '));
        base.extend(extra.iter().copied());
        // A command the demo has nothing for (no audit open) is tried elsewhere.
        let plain = run(&base, None);
        if plain.code > 1 {
            skipped.push(format!("{path}: {}", plain.stderr.trim()));
            continue;
        }
        for v in values.iter().map(String::as_str).chain(["bogus"]) {
            let mut args = base.clone();
            args.extend(["--format", v]);
            let r = run(&args, None);
            tried += 1;
            let out = r.stdout.trim();
            let ok = match v {
                "bogus" => r.code == 2,
                _ if r.code > 1 => false,
                "json" => looks_json(out),
                "csv" => {
                    !looks_json(out)
                        && out
                            .lines()
                            .next()
                            .is_some_and(|h| h.contains(',') && !h.contains("  "))
                }
                "table" | "text" | "markdown" | "domains" | "urls" => {
                    !looks_json(out) || out.is_empty()
                }
                _ => true,
            };
            if !ok {
                wrong.push(format!(
                    "{path} --format {v}: exit {}: {}",
                    r.code,
                    out.chars().take(120).collect::<String>()
                ));
            }
        }
        // `text` is the human format's other name everywhere a human format is offered.
        if values.iter().any(|v| v == "table") {
            let mut args = base.clone();
            args.extend(["--format", "text"]);
            let r = run(&args, None);
            if r.code > 1 {
                wrong.push(format!(
                    "{path} --format text: exit {}: {}",
                    r.code, r.stderr
                ));
            }
        }
    }
    assert!(tried >= 60, "only {tried} runs; skipped: {skipped:?}");
    assert!(skipped.len() <= 3, "skipped: {skipped:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn commands_without_csv_refuse_it_with_2() {
    for args in [
        &["--demo", "doctor", "--format", "csv"][..],
        &["--demo", "filter", "show", "1", "--format", "csv"],
        &[
            "--demo",
            "inventory",
            "show",
            "DA-DSK-001",
            "--format",
            "csv",
        ],
        &[
            "--demo",
            "inventory",
            "disposal",
            "report",
            "--format",
            "csv",
        ],
        &["--demo", "creds", "list", "--format", "csv"],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2, "{args:?}: {} {}", r.stdout, r.stderr);
    }
}

#[test]
fn errors_map_to_the_documented_codes_against_slapd() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let dir = cfg.parent().expect("dir").to_path_buf();
    let text = std::fs::read_to_string(&cfg).expect("config");

    // Unreachable: nothing listens on port 1.
    let down = dir.join("down.toml");
    let url_line = text.lines().find(|l| l.starts_with("url = ")).expect("url");
    std::fs::write(
        &down,
        text.replace(url_line, "url = \"ldap://127.0.0.1:1\""),
    )
    .expect("w");
    let r = st(&down, &["accounts", "list", "--format", "json"], None);
    assert_eq!(r.code, 3, "unreachable: {}", r.stderr);
    let obj = r
        .stderr
        .lines()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .unwrap_or_else(|| panic!("no JSON error on stderr: {}", r.stderr));
    assert_eq!(obj["error"]["code"], 3, "{obj}");
    assert_eq!(obj["error"]["kind"], "unreachable", "{obj}");
    assert!(obj["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));

    // Wrong bind password.
    let pw = dir.join("wrong-password");
    std::fs::write(&pw, "not-the-password").expect("w");
    std::fs::set_permissions(&pw, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("m");
    let pw_line = text
        .lines()
        .find(|l| l.starts_with("bind_password_file = "))
        .expect("pw line");
    let wrong = dir.join("wrong.toml");
    std::fs::write(
        &wrong,
        text.replace(
            pw_line,
            &format!("bind_password_file = {:?}", pw.to_str().expect("utf-8")),
        ),
    )
    .expect("w");
    let r = st(&wrong, &["accounts", "list"], None);
    assert_eq!(r.code, 3, "wrong bind password: {}", r.stderr);

    // Protected: refused by policy.
    let prot = dir.join("protected.toml");
    std::fs::write(
        &prot,
        format!("{text}\n[protect]\naccounts = [\"harry.hughes\"]\n"),
    )
    .expect("w");
    let r = st(
        &prot,
        &["accounts", "disable", "harry.hughes", "--reason", "t"],
        None,
    );
    assert_eq!(r.code, 4, "protected: {} {}", r.stdout, r.stderr);

    // Unwritable store: its folder is a file.
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, "x").expect("w");
    let store_line = text
        .lines()
        .find(|l| l.starts_with("path = "))
        .expect("store path");
    let broken = dir.join("broken-store.toml");
    std::fs::write(
        &broken,
        text.replace(
            store_line,
            &format!(
                "path = {:?}",
                blocker.join("schooltech.db").to_str().expect("utf-8")
            ),
        ),
    )
    .expect("w");
    let r = st(&broken, &["log", "show"], None);
    assert_eq!(r.code, 5, "unwritable store: {} {}", r.stdout, r.stderr);

    // Bad CSV: no usable header.
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "this,is,not\nan,import,file\n").expect("w");
    let r = st(
        &cfg,
        &["accounts", "import", csv.to_str().expect("utf-8")],
        None,
    );
    assert_eq!(r.code, 2, "bad CSV: {} {}", r.stdout, r.stderr);

    // A changing command under --as-of: usage.
    let r = st(
        &cfg,
        &[
            "--as-of",
            "2027-01-01",
            "accounts",
            "unlock",
            "harry.hughes",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);

    // No such account: bad input, never 1 (the code of findings).
    let r = st(&cfg, &["accounts", "show", "nobody.here"], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn out_replaces_atomically_and_a_failure_leaves_the_old_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("domains");
    let old = b"old-list.example\n".to_vec();
    std::fs::write(&file, &old).expect("w");
    let f = file.to_str().expect("utf-8");
    // A failing export (a scope that does not parse) leaves the old file byte-identical.
    let r = run(
        &[
            "--demo",
            "filter",
            "export",
            "--scope",
            "no such scope!",
            "--out",
            f,
        ],
        None,
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert_eq!(std::fs::read(&file).expect("r"), old);
    // A good one replaces it with what stdout would have had, and leaves no temporary file.
    let plain = run(&["--demo", "filter", "export"], None).ok();
    let r = run(&["--demo", "filter", "export", "--out", f], None).ok();
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(&file).expect("r"), plain.stdout);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["domains".to_string()]);
    // inventory export and leavers scan take --out too.
    let inv = tmp.path().join("inv.csv");
    let plain = run(&["--demo", "inventory", "export", "--format", "csv"], None).ok();
    run(
        &[
            "--demo",
            "inventory",
            "export",
            "--format",
            "csv",
            "--out",
            inv.to_str().expect("u"),
        ],
        None,
    )
    .ok();
    assert_eq!(std::fs::read_to_string(&inv).expect("r"), plain.stdout);
}

#[test]
fn man_pages_have_the_common_sections_and_the_config_page_every_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path().to_str().expect("utf-8");
    run(&["generate", "man", d], None).ok();
    let mut pages = 0;
    for e in std::fs::read_dir(tmp.path()).expect("dir") {
        let p = e.expect("e").path();
        if p.extension().and_then(|x| x.to_str()) != Some("1") {
            continue;
        }
        pages += 1;
        let text = std::fs::read_to_string(&p).expect("page");
        for s in [
            ".SH \"EXIT STATUS\"",
            ".SH FILES",
            ".SH ENVIRONMENT",
            ".SH \"SEE ALSO\"",
        ] {
            assert!(text.contains(s), "{} lacks {s}", p.display());
        }
        for code in 0..=5 {
            assert!(
                text.contains(&format!(".B {code}\n")),
                "{}: code {code}",
                p.display()
            );
        }
    }
    assert!(pages >= 10, "{pages} pages");
    let conf = std::fs::read_to_string(tmp.path().join("schooltech.toml.5")).expect("toml(5)");
    // Every field each section accepts: serde names them when it refuses an unknown one.
    let mut missing = Vec::new();
    let sections = expected_fields("");
    assert!(sections.len() >= 8, "{sections:?}");
    for section in &sections {
        assert!(
            conf.contains(&format!("[{section}]")),
            "section [{section}] missing"
        );
        for field in expected_fields(section) {
            let key = format!(".B {}\n", field.replace('-', "\\-"));
            let table = format!("[{section}.{field}");
            if !conf.contains(&key) && !conf.contains(&table) {
                missing.push(format!("[{section}] {field}"));
            }
        }
    }
    assert!(missing.is_empty(), "not on schooltech.toml(5): {missing:?}");
}

/// The fields `section` accepts (`""`: the sections), from serde's refusal of an unknown key.
fn expected_fields(section: &str) -> Vec<String> {
    let doc = if section.is_empty() {
        "zz_probe = 1\n".to_string()
    } else {
        format!("[{section}]\nzz_probe = 1\n")
    };
    let err = match toml::from_str::<schooltech::config::Config>(&doc) {
        Err(e) => e.to_string(),
        Ok(_) => return Vec::new(),
    };
    let Some(list) = err.split("expected one of ").nth(1) else {
        return Vec::new();
    };
    list.split(',')
        .map(|f| f.trim().trim_matches(|c| c == '`' || c == '\n').to_string())
        .map(|f| f.split('`').next().unwrap_or("").to_string())
        .filter(|f| !f.is_empty())
        .collect()
}
