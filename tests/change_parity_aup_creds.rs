//! Issue 21, item 1, for acceptable use and shared logins: each change is one plan, rendered
//! once. On the demo school at the TUI tests' moment, the CLI's `--dry-run` text of every
//! changing `aup` and `creds` command is the plan's own lines, and where the TUI confirms the
//! change with y (recording a signature, marking a shared login changed) its confirmation shows
//! the same words and carries the plan that `y` applies. Adding and changing a shared login are
//! confirmed by their form in the TUI (as today): the change the form builds plans to the same
//! lines the CLI prints.

mod common;
mod tui_support;

use crossterm::event::KeyCode;
use schooltech::domain::aup::{How, Status};
use schooltech::domain::creds::{CredUpdate, Credential};
use schooltech::ops::aup::{self, RecordRequest, StatusFilter};
use schooltech::ops::preview::Emphasis;
use schooltech::ops::{creds, Ctx};
use schooltech::tui::dialogs::{Dialog, Tone};
use schooltech::tui::tabs::accounts::AccountsPurpose;
use schooltech::tui::tabs::passwords::PwPurpose;
use schooltech::tui::tabs::Purpose;
use tui_support::{demo_at, frozen_now, Harness};

/// Who runs the test, as the plans name them ("by: …"): the same in the CLI's process.
fn redact(text: &str) -> String {
    let me = schooltech::store::actionlog::operator();
    text.lines()
        .map(|l| {
            if l == format!("  by: {me}") {
                "  by: [operator]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The CLI's dry run of `args` on the demo at the TUI tests' moment: its plan's lines (between
/// "dry run: nothing is changed" and what to do next).
fn cli_body(args: &[&str]) -> String {
    let mut all = vec!["--demo"];
    all.extend_from_slice(args);
    all.push("--dry-run");
    let r = common::run_env(
        &all,
        None,
        &[("SCHOOLTECH_TEST_NOW", &frozen_now().to_rfc3339())],
    );
    assert_eq!(r.code, 0, "{args:?}: {} {}", r.stdout, r.stderr);
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"dry run: nothing is changed"),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines.last(),
        Some(&"run it again without --dry-run to make the change"),
        "{}",
        r.stdout
    );
    lines.remove(0);
    lines.pop();
    redact(&lines.join("\n"))
}

fn text(lines: Vec<(String, Emphasis)>) -> String {
    redact(
        &lines
            .into_iter()
            .map(|l| l.0)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn shown(lines: &[(String, Tone)]) -> String {
    redact(
        &lines
            .iter()
            .map(|l| l.0.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The demo as the CLI's `--demo` has it: with its shared logins.
async fn demo() -> Ctx {
    let ctx = demo_at(frozen_now(), None);
    schooltech::ops::report::demo::seed(&ctx)
        .await
        .expect("the demo's register");
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aup_and_creds_dry_runs_and_tui_confirmations_are_one_plan() {
    let ctx = demo().await;
    let mut missing: Vec<String> = aup::status(&ctx, &StatusFilter::default())
        .await
        .expect("status")
        .into_iter()
        .filter(|r| r.status == Status::Missing && r.role.as_deref() == Some("pupil"))
        .map(|r| r.username)
        .collect();
    missing.sort();
    let user = missing.first().expect("a pupil who has not signed").clone();
    let ops_ctx = demo().await;
    let mut h = Harness::new(ctx, 120, 40).await;

    // aup record: the dialog, then its confirmation.
    let cli = cli_body(&[
        "aup",
        "record",
        &user,
        "--signed-on",
        "2026-11-24",
        "--signed-by",
        "Mrs Nowak",
        "--how",
        "form",
        "--ref",
        "sheet 7",
    ]);
    h.key(KeyCode::Char('/')).await;
    h.type_text(&user).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('a')).await;
    for _ in 0..10 {
        h.key(KeyCode::Backspace).await;
    }
    h.type_text("2026-11-24").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Mrs Nowak").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Right).await; // form
    h.key(KeyCode::Tab).await;
    h.type_text("sheet 7").await;
    h.key(KeyCode::Enter).await;
    let tui = match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => {
            let Purpose::Accounts(AccountsPurpose::ConfirmAup(plan)) = &c.purpose else {
                panic!("the confirmation carries no plan")
            };
            assert_eq!(
                text(plan.lines()),
                shown(&c.lines),
                "y applies the plan shown"
            );
            shown(&c.lines)
        }
        other => panic!("the confirmation, got {other:?}"),
    };
    let change = aup::change::Change::Record {
        users: vec![user.clone()],
        request: RecordRequest {
            agreement: Some("pupil".into()),
            signed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
            signed_by: Some("Mrs Nowak".into()),
            how: How::Form,
            reference: "sheet 7".into(),
        },
    };
    let planned = aup::change::plan(&ops_ctx, &change).await.expect("plan");
    insta::assert_snapshot!("aup_record_cli", cli.replace(&user, "[pupil]"));
    assert_eq!(
        cli, tui,
        "aup record: the CLI and the TUI say different words"
    );
    assert_eq!(
        cli,
        text(planned.lines()),
        "aup record: not the plan's own lines"
    );
    assert!(cli.contains("cannot be undone: the record is append-only"));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;

    // aup publish (the command line's only).
    let cli = cli_body(&["aup", "publish", "staff", "--version", "2027"]);
    let change = aup::change::Change::Publish {
        agreement: "staff".into(),
        version: "2027".into(),
    };
    let planned = aup::change::plan(&ops_ctx, &change).await.expect("plan");
    insta::assert_snapshot!("aup_publish_cli", cli);
    assert_eq!(cli, text(planned.lines()));

    // creds rotated: `m` on the register, then its confirmation.
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('c')).await;
    let name = h
        .state
        .tabs
        .passwords
        .creds
        .current()
        .map(|(c, _)| c.name.clone())
        .expect("the demo's register");
    let cli = cli_body(&["creds", "rotated", &name]);
    h.key(KeyCode::Char('m')).await;
    let tui = match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => {
            let Purpose::Passwords(PwPurpose::Rotated(plan)) = &c.purpose else {
                panic!("the confirmation carries no plan")
            };
            assert_eq!(
                text(plan.lines()),
                shown(&c.lines),
                "y applies the plan shown"
            );
            shown(&c.lines)
        }
        other => panic!("the confirmation, got {other:?}"),
    };
    insta::assert_snapshot!("creds_rotated_cli", cli);
    assert_eq!(
        cli, tui,
        "creds rotated: the CLI and the TUI say different words"
    );
    h.key(KeyCode::Esc).await;

    // creds add and update: the form is the TUI's confirmation; the change it builds plans to
    // the CLI's words.
    let cli = cli_body(&[
        "creds",
        "add",
        "Library desk",
        "--system",
        "Library PC",
        "--owner",
        "spatel",
        "--known-by",
        "kmensah",
    ]);
    let change = creds::change::Change::Add {
        credential: Credential {
            name: "Library desk".into(),
            system: "Library PC".into(),
            known_by: vec!["kmensah".into()],
            owner: "spatel".into(),
            period_days: 42,
            last_rotated: frozen_now(),
        },
        by: None,
    };
    let planned = creds::change::plan(&ops_ctx, &change).await.expect("plan");
    insta::assert_snapshot!("creds_add_cli", cli);
    assert_eq!(cli, text(planned.lines()));

    let cli = cli_body(&["creds", "update", &name, "--period", "30"]);
    let update = CredUpdate {
        period_days: Some(30),
        ..Default::default()
    };
    let change = creds::change::Change::update(&name, &update, None);
    let planned = creds::change::plan(&ops_ctx, &change).await.expect("plan");
    insta::assert_snapshot!("creds_update_cli", cli);
    assert_eq!(cli, text(planned.lines()));
}
