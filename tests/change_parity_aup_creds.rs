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

fn record_change(user: &str, day: u32) -> aup::change::Change {
    aup::change::Change::Record {
        users: vec![user.to_string()],
        request: RecordRequest {
            signed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, day),
            ..Default::default()
        },
    }
}

async fn a_missing_pupil(ctx: &Ctx) -> String {
    let mut missing: Vec<String> = aup::status(ctx, &StatusFilter::default())
        .await
        .expect("status")
        .into_iter()
        .filter(|r| r.status == Status::Missing && r.role.as_deref() == Some("pupil"))
        .map(|r| r.username)
        .collect();
    missing.sort();
    missing.first().expect("a pupil who has not signed").clone()
}

/// What a plan depended on is read again when it is applied: a version published in between,
/// or another change to the shared login, refuses the change with the reason, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refuses_what_changed_since_the_plan() {
    let ctx = demo().await;
    let user = a_missing_pupil(&ctx).await;
    let store = ctx.config.store.path.clone();
    let sigs = || {
        schooltech::store::Store::open(&store)
            .expect("store")
            .aup_signatures()
            .expect("signatures")
            .len()
    };
    let before = sigs();

    // A record planned against version 2026; 2027 published before it is applied.
    let plan = aup::change::plan(&ctx, &record_change(&user, 24))
        .await
        .expect("plan");
    assert!(!plan.any_refused(), "{:?}", plan.lines());
    aup::publish(&ctx, "pupil", "2027").expect("publish");
    let e = aup::change::apply(&ctx, &plan).await.expect_err("refused");
    assert!(e.to_string().contains("published since"), "{e}");
    assert_eq!(sigs(), before, "nothing recorded");

    // A publish planned against 2027; 2028 published in between.
    let change = aup::change::Change::Publish {
        agreement: "pupil".into(),
        version: "2029".into(),
    };
    let plan = aup::change::plan(&ctx, &change).await.expect("plan");
    aup::publish(&ctx, "pupil", "2028").expect("publish");
    let e = aup::change::apply(&ctx, &plan).await.expect_err("refused");
    assert!(e.to_string().contains("published since"), "{e}");

    // A rotation planned, then the login changed by someone else first.
    let name = "Guest Wi-Fi key";
    let events = creds::show(&ctx, name).expect("show").events.len();
    let change = creds::change::Change::Rotated {
        name: name.into(),
        on: None,
        by: None,
    };
    let plan = creds::change::plan(&ctx, &change).await.expect("plan");
    let update = CredUpdate {
        period_days: Some(30),
        ..Default::default()
    };
    creds::update(&ctx, name, &update, None)
        .await
        .expect("update");
    let e = creds::change::apply(&ctx, &plan)
        .await
        .expect_err("refused");
    assert!(
        e.to_string().contains("changed since this was planned"),
        "{e}"
    );
    assert_eq!(
        creds::show(&ctx, name).expect("show").events.len(),
        events + 1,
        "only the update was written"
    );
    // Planned again, it goes through.
    let plan = creds::change::plan(&ctx, &change).await.expect("plan");
    creds::change::apply(&ctx, &plan).await.expect("applied");
}

/// A "signed on" day in the future is refused by the plan (issue 24 (8)), with the reason, in
/// both faces' words; every plan says the record cannot be undone; under `--as-of` the plan is
/// made (a dry run) but applying it is refused with the gate's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_days_are_refused_and_as_of_only_plans() {
    let ctx = demo().await;
    let user = a_missing_pupil(&ctx).await;
    let plan = aup::change::plan(&ctx, &record_change(&user, 26))
        .await
        .expect("plan");
    assert!(plan.any_refused());
    let words = text(plan.lines());
    assert!(words.contains("in the future"), "{words}");
    assert!(words.contains("cannot be undone"), "{words}");
    let e = aup::change::apply(&ctx, &plan).await.expect_err("refused");
    assert!(e.to_string().contains("in the future"), "{e}");

    let as_of = demo_at(frozen_now(), frozen_now().date_naive().pred_opt());
    let plan = aup::change::plan(&as_of, &record_change(&user, 24))
        .await
        .expect("a plan under --as-of");
    let e = aup::change::apply(&as_of, &plan).await.expect_err("gate");
    assert!(
        e.to_string()
            .contains("--as-of is for reports and dry runs"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);
    let change = creds::change::Change::Add {
        credential: Credential {
            name: "Later".into(),
            system: "x".into(),
            known_by: vec![],
            owner: "spatel".into(),
            period_days: 42,
            last_rotated: frozen_now() + chrono::Duration::days(3),
        },
        by: None,
    };
    let e = creds::change::plan(&ctx, &change)
        .await
        .expect_err("future");
    assert!(e.to_string().contains("in the future"), "{e}");
}
