//! The termly compliance report: each section from fixtures with known answers (the demo
//! school at a fixed moment; an empty school; a small fake school with a clean inventory
//! seeded through `ops`), the JSON keys (a snapshot), the renderers, and the HTML printed by a
//! real headless Chromium to PDF (page count, every section heading at the top of its page).

mod tui_support;

use schooltech::cli::report::{html, markdown, render, text, ReportFormat};
use schooltech::domain::inventory::{AssetFields, Category, Encrypted, Status as AssetStatus};
use schooltech::ops::inventory::{self as inv, audit};
use schooltech::ops::report::{self, PeriodRequest, Report, Section, Status};
use std::collections::BTreeSet;
use std::process::Command;
use tui_support::{demo_at, fake_ctx, frozen_now};

fn autumn() -> PeriodRequest {
    PeriodRequest {
        term: Some("Autumn 2026".into()),
        ..Default::default()
    }
}

async fn demo_report() -> Report {
    let ctx = demo_at(frozen_now(), None);
    report::termly_for(&ctx, &autumn())
        .await
        .expect("the demo report")
}

fn section<'a>(r: &'a Report, name: &str) -> &'a Section {
    r.section(name)
        .unwrap_or_else(|| panic!("no section {name}"))
}

/// The value of the figure whose label starts with `label`.
fn value<'a>(s: &'a Section, label: &str) -> &'a str {
    s.figures
        .iter()
        .find(|f| f.label.starts_with(label))
        .map(|f| f.value.as_str())
        .unwrap_or_else(|| panic!("no figure {label} in {}", s.name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_school_has_known_answers_in_every_section() {
    let r = demo_report().await;
    assert_eq!(r.school, "Demo Academy");
    assert_eq!(r.term.as_deref(), Some("Autumn 2026"));
    assert_eq!(
        (r.from.to_string(), r.to.to_string()),
        ("2026-09-02".into(), "2026-12-18".into())
    );
    let names: Vec<&str> = r.sections.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "accounts",
            "leavers",
            "acceptable-use",
            "inventory",
            "filtering",
            "log"
        ]
    );
    // Every figure names a schooltech command.
    for s in &r.sections {
        for f in &s.figures {
            assert!(
                f.command.starts_with("schooltech "),
                "{}: {}",
                s.name,
                f.command
            );
        }
    }

    let a = section(&r, "accounts");
    assert_eq!(a.status, Status::Red);
    assert!(
        value(a, "Accounts").starts_with("727 ("),
        "{}",
        value(a, "Accounts")
    );
    assert!(value(a, "Accounts").contains("600 pupil, 80 staff"));
    assert!(
        value(a, "Directory password policy").contains("minimum length: 7 (school: at least 8)")
    );
    assert_eq!(value(a, "Passwords within"), "30 of 727 (4%)");
    assert_eq!(
        value(a, "Passwords needing a change"),
        "697 (624 expired, 32 expiring, 41 must-change)"
    );
    assert_eq!(
        value(a, "Privileged accounts"),
        "4, a password needs changing"
    );
    let ages = &a.charts[0];
    assert_eq!(ages.title, "Password ages per role");
    let pupil = ages
        .bars
        .iter()
        .find(|b| b.label == "pupil")
        .expect("pupil bar");
    assert_eq!(pupil.values, [26, 199, 339, 36]);
    assert!(a.evidence.iter().any(|e| e
        .items
        .iter()
        .any(|i| i.starts_with("Administrator: password last changed"))));

    let l = section(&r, "leavers");
    assert_eq!(l.status, Status::Red);
    assert!(value(l, "Zombie accounts now").starts_with("41 (4 left, 1 expired"));
    assert_eq!(
        value(l, "Leaver sweeps in the period"),
        "1 run(s): 1 suspended, 0 purged, 0 restored"
    );
    assert_eq!(value(l, "Shared logins changed"), "1 of 3 in the register");
    assert_eq!(value(l, "Shared logins still known"), "1");
    assert_eq!(value(l, "Equipment not returned"), "1");
    assert!(l.evidence.iter().any(|e| e
        .items
        .iter()
        .any(|i| i.starts_with("DA-STO-001") && i.contains("pchaudhry"))));

    let u = section(&r, "acceptable-use");
    assert_eq!(u.status, Status::Red);
    assert_eq!(
        value(u, "Current agreement signed"),
        "487 of 673 enabled accounts that need one (72%)"
    );
    assert_eq!(
        value(u, "pupil: missing or outdated"),
        "158 of 586 (95 missing, 63 outdated)"
    );

    let i = section(&r, "inventory");
    assert_eq!(i.status, Status::Red);
    assert_eq!(value(i, "Assets in the register"), "21");
    assert!(value(i, "Audit round").starts_with("3 seen, 1 moved, 12 not seen"));
    assert_eq!(value(i, "Portable devices not known to be encrypted"), "4");
    assert_eq!(value(i, "Licences over-allocated"), "0 of 3 titles");
    assert_eq!(value(i, "Licences expiring"), "1");
    assert_eq!(
        value(i, "Disposal batches in the period"),
        "1 batch(es), 0 with paperwork complete"
    );
    let rooms = &i.charts[0];
    assert_eq!(rooms.bars.len(), 8);
    let r12 = rooms
        .bars
        .iter()
        .find(|b| b.label == "Room 12")
        .expect("Room 12");
    assert_eq!(r12.values, [3, 1, 0]);

    let f = section(&r, "filtering");
    assert_eq!(f.status, Status::Amber);
    assert_eq!(
        value(f, "Requests in the period"),
        "6 received, 3 agreed, 1 rejected; 2 waiting for a decision"
    );
    assert_eq!(value(f, "Exceptions in force"), "4");
    assert!(value(f, "Last review").contains("by spatel (review #1)"));
    assert!(value(f, "Next review due").ends_with("(every 122 days)"));

    let g = section(&r, "log");
    assert_eq!(g.status, Status::Green);
    let rows: usize = r
        .log_anchor
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("N:HASH");
    assert_eq!(rows, 42);
    assert_eq!(value(g, "Anchor"), r.log_anchor);
    assert!(value(g, "Hash chain").starts_with("whole: all 42 entries"));

    assert_eq!(r.overall, Status::Red);
    assert_eq!(r.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_school_says_no_data_everywhere_never_green() {
    let (ctx, _dir, _tmp) = fake_ctx(0);
    let r = report::termly(
        &ctx,
        &report::Period {
            term: None,
            from: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"),
            to: chrono::NaiveDate::from_ymd_opt(2026, 12, 18).expect("date"),
        },
    )
    .await
    .expect("the report");
    for s in &r.sections {
        assert_eq!(s.status, Status::NoData, "{}: {}", s.name, s.summary);
    }
    assert_eq!(section(&r, "inventory").summary, "no inventory recorded");
    assert_eq!(r.overall, Status::NoData);
    assert_eq!(r.exit_code(), 0);
    assert!(r.log_anchor.starts_with("0:0000"));
    let t = text::render(&r);
    assert!(t.contains("– NO DATA  INVENTORY"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_inventory_is_green_and_its_log_is_counted() {
    let (ctx, _dir, _tmp) = fake_ctx(10);
    for (tag, room) in [("FH-LAP-1", "Room 1"), ("FH-LAP-2", "Room 2")] {
        inv::add(
            &ctx,
            &inv::NewAsset {
                tag: tag.into(),
                status: Some(AssetStatus::Deployed),
                fields: AssetFields {
                    category: Some(Category::Laptop),
                    manufacturer: "Dell".into(),
                    model: "Latitude".into(),
                    room: room.into(),
                    encrypted: Encrypted::Yes,
                    ..Default::default()
                },
            },
        )
        .expect("asset added");
    }
    audit::start(&ctx, "Autumn 2026").expect("round started");
    audit::scan(&ctx, "FH-LAP-1", Some("Room 1")).expect("scan");
    audit::scan(&ctx, "FH-LAP-2", Some("Room 1")).expect("scan");
    audit::close(&ctx).expect("round closed");
    let r = report::termly_for(
        &ctx,
        &PeriodRequest {
            from: chrono::NaiveDate::from_ymd_opt(2026, 9, 2),
            to: chrono::NaiveDate::from_ymd_opt(2026, 12, 18),
            ..Default::default()
        },
    )
    .await
    .expect("the report");
    let i = section(&r, "inventory");
    // Seen elsewhere still counts as seen; nothing unencrypted, no licences, no disposals.
    assert_eq!(i.status, Status::Green, "{}", i.summary);
    assert!(value(i, "Audit round").starts_with("1 seen, 1 moved, 0 not seen"));
    assert_eq!(value(i, "Licences over-allocated"), "0 of 0 titles");
    assert_eq!(i.charts[0].bars.len(), 2);
    let g = section(&r, "log");
    assert_eq!(g.status, Status::Green);
    assert!(value(g, "Entries in the period").starts_with(&format!(
        "{} (",
        r.log_anchor.split(':').next().unwrap_or("")
    )));
    // The fake directory has no password policy at all: red, and said why.
    assert_eq!(section(&r, "accounts").status, Status::Red);
    assert_eq!(section(&r, "filtering").status, Status::NoData);
    assert_eq!(section(&r, "acceptable-use").status, Status::NoData);
    assert!(r.term.is_none());
}

/// Every key path of a JSON value ("sections[].figures[].label").
fn key_paths(v: &serde_json::Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                out.insert(p.clone());
                key_paths(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                key_paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_keys_are_stable() {
    let r = demo_report().await;
    let json = render(&r, ReportFormat::Json).expect("json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    for k in [
        "school",
        "from",
        "to",
        "generated_at",
        "log_anchor",
        "sections",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["from"], "2026-09-02");
    assert_eq!(v["sections"][0]["name"], "accounts");
    assert_eq!(v["sections"][4]["status"], "amber");
    let anchor = v["log_anchor"].as_str().unwrap_or_default();
    assert!(regex::Regex::new(r"^\d+:[0-9a-f]{64}$")
        .expect("re")
        .is_match(anchor));
    let mut paths = BTreeSet::new();
    key_paths(&v, "", &mut paths);
    insta::assert_snapshot!(
        "report_json_keys",
        paths.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_markdown_name_every_command() {
    let r = demo_report().await;
    let t = text::render(&r);
    let md = markdown::render(&r);
    for s in &r.sections {
        assert!(t.contains(&s.title.to_uppercase()), "{}", s.title);
        assert!(md.contains(&format!("— {}", s.title)), "{}", s.title);
        for f in &s.figures {
            assert!(t.contains(&format!("`{}`", f.command)), "{}", f.command);
        }
    }
    assert!(t.contains("█ under 42 days  ▓ 42-90 days  ▒ over 90 days  ░ never set"));
    assert!(t.contains("Log anchor: 42:"));
    assert!(md.contains("| Section | Status | Summary |"));
    assert!(md.contains("| Room 12 | 3 | 1 | 0 | 4 |"), "{md}");
}

fn chromium() -> &'static str {
    for c in ["chromium", "chromium-browser"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {c}")])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c;
        }
    }
    panic!("chromium is not installed: run scripts/install-deps.sh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_prints_on_a4_with_every_section_on_its_own_page() {
    let r = demo_report().await;
    let page = html::render(&r);
    // Self-contained: no scripts, no external assets.
    assert!(!page.contains("<script"));
    for bad in ["src=\"http", "href=\"http", "url(", "@import", "<link"] {
        assert!(!page.contains(bad), "{bad}");
    }
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(page.contains("@page{size:A4"));

    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("report.html");
    std::fs::write(&file, &page).expect("written");
    let pdf = tmp.path().join("report.pdf");
    let profile = tmp.path().join("profile");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    assert!(
        pdf.exists(),
        "chromium wrote no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    // A cover page, then each of the six sections from a new page (a long one may run over).
    assert!((7..=14).contains(&pages), "{pages} pages");
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    let pages_text: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages_text[0].contains("Demo Academy"));
    assert!(pages_text[0].contains("Overall"));
    for s in &r.sections {
        let start = pages_text.iter().skip(1).find(|p| {
            p.lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.contains(s.title) && l.contains(s.status.word()))
        });
        assert!(
            start.is_some(),
            "no page starts with the heading of {} ({})",
            s.title,
            s.status.word()
        );
    }
    // Every page carries the footer with its number.
    assert!(text.contains(&format!("page 1 of {pages}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_term_that_has_not_started_is_refused() {
    let ctx = demo_at(frozen_now(), None);
    let e = report::termly_for(
        &ctx,
        &PeriodRequest {
            term: Some("Summer 2027".into()),
            ..Default::default()
        },
    )
    .await
    .expect_err("refused");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("has not started"), "{e}");
}

#[test]
fn the_command_writes_each_format_and_exits_1_when_a_section_is_red() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (format, name) in [("json", "r.json"), ("html", "r.html"), ("markdown", "r.md")] {
        let out = tmp.path().join(name);
        let run = Command::new(env!("CARGO_BIN_EXE_schooltech"))
            .args(["--demo", "report", "termly", "--format", format, "--out"])
            .arg(&out)
            .env("SCHOOLTECH_LOG", "error")
            .output()
            .expect("schooltech runs");
        assert_eq!(
            run.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let body = std::fs::read_to_string(&out).expect("written");
        assert!(String::from_utf8_lossy(&run.stderr).contains("overall ✗ RED"));
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(v["sections"].as_array().map(Vec::len), Some(6));
        }
    }
    let run = Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .args([
            "--demo",
            "report",
            "termly",
            "--term",
            "Autumn 2026",
            "--from",
            "2026-09-01",
        ])
        .output()
        .expect("schooltech runs");
    assert_eq!(run.status.code(), Some(2));
}

/// Issue 25 item 7: the demo's September rollover (a finished sync run seeded 80 days before
/// the frozen day) gives the Leavers section its joiners, movers, leavers and returners, each
/// traced to the run (id, day, roll file), in every format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joiners_movers_leavers_and_returners_trace_to_the_sync_run() {
    let r = demo_report().await;
    let l = section(&r, "leavers");
    let run = "sync-20260906-120000-1 (6 Sep 2026, demo-roll-september.csv)";
    assert_eq!(
        value(l, "Joiners from the MIS roll"),
        format!("4: 4 in {run}")
    );
    assert_eq!(value(l, "Movers"), format!("118: 118 in {run}"));
    assert_eq!(
        value(l, "Leavers (first missing from the roll"),
        format!("1: 1 in {run}")
    );
    assert_eq!(value(l, "Returners"), format!("1: 1 in {run}"));
    let runs = l
        .evidence
        .iter()
        .find(|e| e.title == "Sync runs in the period")
        .expect("the runs");
    assert_eq!(
        runs.items,
        [format!(
            "sync-20260906-120000-1 on 6 Sep 2026 by {}, roll demo-roll-september.csv: 4 joiner(s), 118 mover(s), 1 leaver(s), 1 returner(s)",
            schooltech::store::operator()
        )]
    );
    let gone = l
        .evidence
        .iter()
        .find(|e| e.title == "Leavers from the roll")
        .expect("the leavers");
    assert_eq!(
        gone.items,
        ["21hollandk (P099911): missing from the roll since 6 Sep 2026 (sync-20260906-120000-1)"]
    );
    assert_eq!(
        (
            r.roll.joiners,
            r.roll.movers,
            r.roll.leavers,
            r.roll.returners
        ),
        (4, 118, 1, 1)
    );
    assert_eq!(r.roll.runs[0].run_id, "sync-20260906-120000-1");
    assert_eq!(r.roll.runs[0].roll, "demo-roll-september.csv");
    for format in [
        ReportFormat::Text,
        ReportFormat::Markdown,
        ReportFormat::Html,
    ] {
        let out = render(&r, format).expect("render");
        assert!(out.contains("Joiners from the MIS roll"), "{format:?}");
        assert!(out.contains("sync-20260906-120000-1"), "{format:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&render(&r, ReportFormat::Json).expect("json")).expect("valid");
    assert_eq!(json["roll"]["joiners"], 4);
    assert_eq!(json["roll"]["runs"][0]["date"], "2026-09-06");
    // Outside the period: none.
    let summer = report::termly_for(
        &demo_at(frozen_now(), None),
        &PeriodRequest {
            term: Some("Summer 2026".into()),
            ..Default::default()
        },
    )
    .await
    .expect("summer");
    assert_eq!(
        value(section(&summer, "leavers"), "Joiners from the MIS roll"),
        "0"
    );
}

/// A sync applied on the demo (clock fixed): the report counts what that run did, by its id
/// and roll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applied_sync_is_counted_in_the_term_by_its_run() {
    use schooltech::ops::sync;
    let ctx = demo_at(frozen_now(), None);
    let roll = sync::read_roll_file(&ctx, None).expect("the demo roll");
    let plan = sync::plan(&ctx, &roll).await.expect("plan");
    let q = &plan.plan;
    let (joiners, movers, missed, back) = (
        q.create.len(),
        q.moves.len(),
        q.tolerate.len(),
        q.reactivate.len(),
    );
    assert!(joiners > 0 && movers > 0 && missed > 0 && back > 0);
    let out = sync::apply::apply(&ctx, &plan)
        .await
        .expect("apply")
        .expect("a run");
    assert!(out.finished, "{:?}", out.problems);
    let r = report::termly_for(&ctx, &autumn()).await.expect("report");
    assert_eq!(
        (
            r.roll.joiners,
            r.roll.movers,
            r.roll.leavers,
            r.roll.returners
        ),
        (joiners, movers, missed, back)
    );
    assert_eq!(r.roll.runs.len(), 1, "{:?}", r.roll.runs);
    let run = &r.roll.runs[0];
    assert_eq!(run.run_id, out.run_id);
    assert_eq!(run.roll, "the demo roll");
    assert_eq!(run.date.to_string(), "2026-11-25");
    assert!(
        value(section(&r, "leavers"), "Joiners from the MIS roll").contains(&format!(
            "{joiners} in {} (25 Nov 2026, the demo roll)",
            out.run_id
        ))
    );
}
