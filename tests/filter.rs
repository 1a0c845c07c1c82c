//! The filter-exception log through the CLI against real Samba AD and OpenLDAP servers (every
//! `--by` is checked against the directory), the export read by a real squidGuard, and the
//! store's triggers refusing edits made through SQL.

mod common;
mod support;

use common::{st, Run};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use support::TestServer;

const BY: &str = "sarah.roberts";
const NM: &str = "star.wild";
const ICT: &str = "equals.eq";

fn f(cfg: &Path, args: &[&str]) -> Run {
    let mut all = vec!["filter"];
    all.extend_from_slice(args);
    st(cfg, &all, None)
}

fn refused(r: &Run, words: &str, what: &str) {
    assert_ne!(r.code, 0, "{what}: should be refused: {}", r.stdout);
    assert!(
        r.stderr.contains(words),
        "{what}: message should say {words:?}: {}",
        r.stderr
    );
}

fn request(cfg: &Path, site: &str, extra: &[&str]) -> i64 {
    let mut args = vec![
        "request",
        "--by",
        BY,
        "--site",
        site,
        "--reason",
        "Year 9 geography",
    ];
    args.extend_from_slice(extra);
    let r = f(cfg, &args).ok();
    let line = r.stdout.lines().next().unwrap_or("");
    line.split_whitespace()
        .find_map(|w| w.strip_prefix('#'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no id in {line:?}"))
}

fn agree(cfg: &Path, id: i64) {
    let id = id.to_string();
    f(
        cfg,
        &[
            "decide",
            &id,
            "--as",
            "network-manager",
            "--by",
            NM,
            "approve",
            "--comment",
            "ok",
        ],
    )
    .ok();
    f(
        cfg,
        &[
            "decide",
            &id,
            "--as",
            "ict-coordinator",
            "--by",
            ICT,
            "approve",
            "--comment",
            "ok",
        ],
    )
    .ok();
}

fn list(cfg: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["filter", "list", "--format", "json"];
    args.extend_from_slice(extra);
    st(cfg, &args, None)
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn status_of(rows: &[serde_json::Value], id: i64) -> String {
    rows.iter()
        .find(|r| r["id"] == id)
        .and_then(|r| r["status"].as_str())
        .unwrap_or("missing")
        .to_string()
}

/// The whole flow on both flavours: request, two decisions, apply, revoke, expiry, review,
/// exports, with every refusal the issue names.
#[test]
fn the_whole_flow_on_both_flavours() {
    for server in TestServer::both() {
        let cfg = server.write_config();
        let fl = server.flavour.config_name();

        // who may ask: someone in the directory and enabled
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                "no.such.person",
                "--site",
                "example.com",
                "--reason",
                "x",
            ],
        );
        refused(&r, "not in the directory", fl);
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                "jo.thompson",
                "--site",
                "example.com",
                "--reason",
                "x",
            ],
        );
        refused(&r, "disabled", fl);
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                "ali.roberts",
                "--site",
                "example.com",
                "--reason",
                "x",
            ],
        );
        refused(&r, "expired", fl);
        for bad in [
            "javascript:alert(1)",
            "kent.sch.uk",
            "192.168.1.10",
            "http://xn--a.com",
            "http://exa mple.com",
        ] {
            let r = f(
                &cfg,
                &["request", "--by", BY, "--site", bad, "--reason", "x"],
            );
            assert_eq!(r.code, 2, "{fl}: {bad}: {}", r.stderr);
        }
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                BY,
                "--site",
                "example.com",
                "--reason",
                "x",
                "--until",
                "2020-01-01",
            ],
        );
        refused(&r, "in the past", fl);
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                BY,
                "--site",
                "example.com",
                "--reason",
                "x",
                "--scope",
                "group:No Such Group",
            ],
        );
        refused(&r, "no directory group", fl);
        assert!(
            list(&cfg, &[]).is_empty(),
            "{fl}: refusals recorded nothing"
        );

        // An address with a path: the page or the whole site, said (issue 24, item 6).
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                BY,
                "--site",
                "https://www.YouTube.com/watch?v=x",
                "--reason",
                "x",
            ],
        );
        assert_eq!(
            r.code, 2,
            "{fl}: a page without --page/--whole-site: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("--page") && r.stderr.contains("--whole-site"),
            "{fl}: names both flags: {}",
            r.stderr
        );
        let r = f(
            &cfg,
            &[
                "request",
                "--by",
                BY,
                "--site",
                "https://www.YouTube.com/watch?v=x",
                "--reason",
                "x",
                "--page",
                "--whole-site",
            ],
        );
        assert_eq!(r.code, 2, "{fl}: both flags: {}", r.stderr);
        assert!(
            list(&cfg, &[]).is_empty(),
            "{fl}: a request without the choice records nothing"
        );
        let os = request(
            &cfg,
            "https://www.ordnancesurvey.co.uk/mapzone",
            &["--whole-site"],
        );
        let qz = request(&cfg, "quizlet.com", &["--until", "2031-01-10"]);
        let page = request(
            &cfg,
            "https://www.ordnancesurvey.co.uk/mapzone",
            &["--page"],
        );
        let idn = request(&cfg, "münchen.de", &["--scope", "pupils"]);
        let grp = request(&cfg, "*.example.info", &["--scope", "group:Pupils"]);

        // a duplicate of a pending request: linked, said so, exit 0, not stored twice
        let dup = f(
            &cfg,
            &[
                "request",
                "--by",
                NM,
                "--site",
                "http://ordnancesurvey.co.uk/",
                "--reason",
                "maps",
            ],
        )
        .ok();
        assert!(
            dup.stdout.contains(&format!("already requested: #{os}")),
            "{fl}: {}",
            dup.stdout
        );
        let rows = list(&cfg, &[]);
        assert_eq!(rows.len(), 5, "{fl}");
        for k in [
            "id",
            "kind",
            "site",
            "host",
            "registrable_domain",
            "path",
            "scope",
            "status",
            "requested_by",
            "requested_at",
            "reason",
            "until",
            "decisions",
            "applied_ref",
        ] {
            assert!(rows.iter().all(|r| r.get(k).is_some()), "{fl}: key {k}");
        }
        let idn_row = rows.iter().find(|r| r["id"] == idn).unwrap();
        assert_eq!(idn_row["host"], "xn--mnchen-3ya.de");
        assert_eq!(idn_row["host_unicode"], "münchen.de");
        assert_eq!(idn_row["scope"], "pupils");
        let page_row = rows.iter().find(|r| r["id"] == page).unwrap();
        assert_eq!(page_row["path"], "/mapzone");
        assert!(rows.iter().find(|r| r["id"] == os).unwrap()["path"].is_null());
        assert_eq!(
            rows.iter().find(|r| r["id"] == grp).unwrap()["subdomains"],
            true
        );

        // the decisions
        let osid = os.to_string();
        let d = |role: &str, by: &str, v: &str| {
            f(
                &cfg,
                &[
                    "decide",
                    &osid,
                    "--as",
                    role,
                    "--by",
                    by,
                    v,
                    "--comment",
                    "c",
                ],
            )
        };
        refused(&d("network-manager", BY, "approve"), "cannot approve", fl);
        refused(
            &d("network-manager", "harry.hughes", "approve"),
            "not a staff account",
            fl,
        );
        refused(
            &d("head-teacher", NM, "approve"),
            "not an approver role",
            fl,
        );
        d("network-manager", NM, "approve").ok();
        refused(&d("ict-coordinator", NM, "approve"), "both roles", fl);
        refused(&d("network-manager", ICT, "approve"), "already decided", fl);
        assert_eq!(
            status_of(&list(&cfg, &[]), os),
            "pending",
            "{fl}: one approval is not enough"
        );
        refused(
            &f(&cfg, &["apply", &osid, "--by", NM]),
            "not agreed yet",
            fl,
        );
        d("ict-coordinator", ICT, "approve").ok();
        assert_eq!(status_of(&list(&cfg, &[]), os), "agreed", "{fl}");
        refused(&d("ict-coordinator", ICT, "reject"), "already", fl);
        f(&cfg, &["apply", &osid, "--by", NM, "--ref", "SW-1234"]).ok();
        let rows = list(&cfg, &["--status", "applied"]);
        assert_eq!(rows.len(), 1, "{fl}");
        assert_eq!(rows[0]["applied_ref"], "SW-1234");
        assert_eq!(rows[0]["decisions"].as_array().map(Vec::len), Some(2));
        refused(
            &f(&cfg, &["apply", &osid, "--by", NM]),
            "already applied",
            fl,
        );

        // the page request and the time-limited one
        agree(&cfg, page);
        agree(&cfg, qz);
        let domains = st(
            &cfg,
            &[
                "--as-of",
                "2031-01-09",
                "filter",
                "export",
                "--format",
                "domains",
            ],
            None,
        )
        .ok();
        assert_eq!(
            domains.stdout,
            include_str!("fixtures/filter/cli-domains-2031-01-09.txt"),
            "{fl}"
        );
        let urls = st(
            &cfg,
            &[
                "--as-of",
                "2031-01-09",
                "filter",
                "export",
                "--format",
                "urls",
            ],
            None,
        )
        .ok();
        assert_eq!(
            urls.stdout,
            include_str!("fixtures/filter/cli-urls-2031-01-09.txt"),
            "{fl}"
        );
        let later = st(
            &cfg,
            &[
                "--as-of",
                "2031-01-11",
                "filter",
                "export",
                "--format",
                "domains",
            ],
            None,
        )
        .ok();
        assert!(!later.stdout.contains("quizlet.com"), "{fl}: expired");
        let rows: Vec<serde_json::Value> = st(
            &cfg,
            &[
                "--as-of",
                "2031-01-11",
                "filter",
                "list",
                "--format",
                "json",
            ],
            None,
        )
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default();
        assert_eq!(status_of(&rows, qz), "expired", "{fl}");
        let json = st(&cfg, &["filter", "export", "--format", "json"], None)
            .ok()
            .json();
        let ids: Vec<i64> = json
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        assert_eq!(ids, vec![os, qz, page], "{fl}: agreed and applied only");
        let csv = st(&cfg, &["filter", "export", "--format", "csv"], None).ok();
        assert!(
            csv.stdout.starts_with("id,kind,site,host,"),
            "{fl}: {}",
            csv.stdout
        );
        assert_eq!(csv.stdout.lines().count(), 4, "{fl}");

        // a review round: start, every exception in force, close
        let r = f(&cfg, &["review", "close"]);
        refused(&r, "no review is open", fl);
        let start = f(&cfg, &["review", "start", "--by", NM]).ok();
        assert!(
            start.stdout.contains("3 exceptions in force"),
            "{fl}: {}",
            start.stdout
        );
        refused(&f(&cfg, &["review", "start", "--by", NM]), "still open", fl);
        f(
            &cfg,
            &["review", "item", &osid, "keep", "--note", "still used"],
        )
        .ok();
        refused(
            &f(&cfg, &["review", "item", &osid, "keep", "--note", "again"]),
            "already been reviewed",
            fl,
        );
        refused(&f(&cfg, &["review", "close"]), "has not looked at", fl);
        f(
            &cfg,
            &[
                "review",
                "item",
                &qz.to_string(),
                "shorten",
                "--until",
                "2030-07-31",
                "--note",
                "ends with the course",
            ],
        )
        .ok();
        f(
            &cfg,
            &[
                "review",
                "item",
                &page.to_string(),
                "revoke",
                "--note",
                "covered by the site exception",
            ],
        )
        .ok();
        refused(
            &f(
                &cfg,
                &["review", "item", &idn.to_string(), "keep", "--note", "x"],
            ),
            "not in force",
            fl,
        );
        f(
            &cfg,
            &[
                "review",
                "close",
                "--checks",
                "sample of blocked categories tested from a pupil login",
            ],
        )
        .ok();
        let rep = st(
            &cfg,
            &["filter", "review", "report", "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert_eq!(
            rep["last_review"]["actions"].as_array().map(Vec::len),
            Some(3),
            "{fl}: {rep}"
        );
        assert_eq!(rep["active"].as_array().map(Vec::len), Some(2), "{fl}");
        assert_eq!(
            rep["since"]["received"], 0,
            "{fl}: nothing since the review just closed"
        );
        assert_eq!(rep["overdue"], false);
        let rows = list(&cfg, &[]);
        assert_eq!(status_of(&rows, page), "revoked", "{fl}");
        assert_eq!(
            rows.iter().find(|r| r["id"] == qz).unwrap()["until"],
            "2030-07-31"
        );
        let md = st(
            &cfg,
            &["filter", "review", "report", "--format", "markdown"],
            None,
        )
        .ok();
        assert!(
            md.stdout.contains("## Exceptions in force (2)"),
            "{fl}: {}",
            md.stdout
        );

        // revoke, then decisions are refused; revoked-but-applied is due for removal
        f(
            &cfg,
            &["revoke", &osid, "--by", NM, "--reason", "topic finished"],
        )
        .ok();
        refused(&d("ict-coordinator", ICT, "reject"), "revoked", fl);
        let due = st(&cfg, &["filter", "list", "--due", "--format", "json"], None);
        assert_eq!(due.code, 1, "{fl}: something is due");
        assert_eq!(due.json().as_array().map(Vec::len), Some(1));
        f(&cfg, &["apply", &osid, "--by", NM, "--ref", "SW-1300"]).ok();
        assert_eq!(st(&cfg, &["filter", "list", "--due"], None).code, 0, "{fl}");

        // the whole history, and every event in the verified action log
        let show = f(&cfg, &["show", &osid]).ok();
        for w in [
            "requested",
            "approve as network-manager",
            "applied in the filter (ref SW-1234)",
            "kept: still used [review #1]",
            "revoked: topic finished",
            "taken out of the filter",
        ] {
            assert!(show.stdout.contains(w), "{fl}: {w}: {}", show.stdout);
        }
        st(&cfg, &["log", "verify"], None).ok();
        let log = st(&cfg, &["log", "show", "--format", "json"], None).ok();
        let n = log.stdout.matches("\"filter.").count();
        // 5 requests, 6 decisions, 2 applied (one a removal), review start, 3 items, close, revoke
        assert_eq!(n, 19, "{fl}: one action-log row per filter event");
    }
}

fn squidguard(conf: &Path, urls: &[&str]) -> Vec<String> {
    let mut child = Command::new("squidGuard")
        .arg("-c")
        .arg(conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("squidGuard is installed (scripts/install-deps.sh)");
    let mut input = String::new();
    for u in urls {
        input.push_str(&format!("{u} 10.1.1.1/- - GET\n"));
    }
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("writing to squidGuard");
    let out = child.wait_with_output().expect("squidGuard ran");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// squidGuard, a real filter, reads our exports as its exception lists ahead of a blocklist
/// that holds every test site: only agreed ones pass.
#[test]
fn squidguard_lets_only_agreed_sites_through() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let agreed = request(&cfg, "https://www.bbc.co.uk/bitesize", &["--whole-site"]);
    agree(&cfg, agreed);
    let page = request(
        &cfg,
        "https://www.youtube.com/@NationalTheatre",
        &["--page"],
    );
    agree(&cfg, page);
    let _pending = request(&cfg, "quizlet.com", &[]);
    let revoked = request(&cfg, "discord.com", &[]);
    agree(&cfg, revoked);
    f(
        &cfg,
        &[
            "revoke",
            &revoked.to_string(),
            "--by",
            NM,
            "--reason",
            "done",
        ],
    )
    .ok();
    let expiring = request(&cfg, "padlet.com", &["--until", "2031-01-10"]);
    agree(&cfg, expiring);
    let wild = request(&cfg, "*.scratch.mit.edu", &[]);
    agree(&cfg, wild);

    let dir = server.dir.join("sg");
    for sub in ["db/blocked", "db/exc", "log"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(
        dir.join("db/blocked/domains"),
        "bbc.co.uk\nyoutube.com\nquizlet.com\ndiscord.com\npadlet.com\nmit.edu\n",
    )
    .unwrap();
    let conf = dir.join("sg.conf");
    std::fs::write(
        &conf,
        format!(
            "dbhome {d}/db\nlogdir {d}/log\ndest exceptions {{\n  domainlist exc/domains\n  urllist exc/urls\n}}\ndest blocked {{\n  domainlist blocked/domains\n}}\nacl {{\n  default {{\n    pass exceptions !blocked all\n    redirect http://blocked.invalid/\n  }}\n}}\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let urls = [
        "http://www.bbc.co.uk/bitesize/guides",
        "http://news.bbc.co.uk/",
        "https://www.youtube.com/@NationalTheatre/videos",
        "https://www.youtube.com/watch",
        "http://quizlet.com/revision",
        "http://discord.com/app",
        "http://padlet.com/wall",
        "http://scratch.mit.edu/projects",
        "http://web.mit.edu/",
    ];
    let run_at = |as_of: &str| {
        for (fmt, file) in [("domains", "db/exc/domains"), ("urls", "db/exc/urls")] {
            let out = st(
                &cfg,
                &["--as-of", as_of, "filter", "export", "--format", fmt],
                None,
            )
            .ok();
            std::fs::write(dir.join(file), out.stdout).unwrap();
        }
        squidguard(&conf, &urls)
    };
    let pass =
        |answers: &[String], i: usize| answers.get(i).is_some_and(|a| a == "ERR" || a.is_empty());

    let before = run_at("2031-01-09");
    assert_eq!(before.len(), urls.len(), "{before:?}");
    let want_before = [true, true, true, false, false, false, true, true, false];
    for (i, want) in want_before.iter().enumerate() {
        assert_eq!(
            pass(&before, i),
            *want,
            "{} on 2031-01-09: {:?}",
            urls[i],
            before[i]
        );
    }
    // after padlet's last day it is blocked again
    let after = run_at("2031-01-11");
    assert!(
        !pass(&after, 6),
        "expired padlet.com passes: {:?}",
        after[6]
    );
    assert!(pass(&after, 0), "bbc still passes");
}

/// Edits through SQL are refused by the database itself, not only by the program.
#[test]
fn the_store_refuses_update_and_delete() {
    use schooltech::store::Store;
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let id = request(&cfg, "example.com", &[]);
    agree(&cfg, id);
    f(&cfg, &["review", "start", "--by", NM]).ok();
    f(
        &cfg,
        &["review", "item", &id.to_string(), "keep", "--note", "fine"],
    )
    .ok();
    f(&cfg, &["review", "close"]).ok();
    let path = server.dir.join("schooltech.db");
    drop(Store::open(&path).expect("the store opens"));
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE filter_requests SET host = 'evil.example' WHERE id = 1",
        "DELETE FROM filter_requests",
        "UPDATE filter_events SET verdict = 'reject'",
        "DELETE FROM filter_events",
        "INSERT OR REPLACE INTO filter_events (id, request_id, at, actor, event, role, verdict, note) VALUES (1, 1, '2026-01-01T00:00:00Z', 'x', 'decision', 'network-manager', 'reject', '')",
        "INSERT INTO filter_events (request_id, at, actor, event, role, verdict, note) VALUES (1, '2026-01-01T00:00:00Z', 'x', 'decision', 'network-manager', 'reject', '')",
        "UPDATE filter_reviews SET started_by = 'x'",
        "DELETE FROM filter_review_closes",
        "INSERT INTO filter_events (request_id, at, actor, event, note, review_id) VALUES (1, '2026-01-01T00:00:00Z', 'x', 'kept', 'late', 1)",
    ] {
        let e = conn.execute(sql, []).expect_err(sql);
        let msg = e.to_string();
        assert!(
            msg.contains("append-only") || msg.contains("closed") || msg.contains("UNIQUE"),
            "{sql}: {msg}"
        );
    }
    let status = f(&cfg, &["list", "--format", "json"]).ok().json();
    assert_eq!(status[0]["status"], "agreed", "nothing changed");
}
