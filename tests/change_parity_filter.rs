//! Issue 21, item 1, for the web filter: a filter change is one plan, rendered once. For each
//! filter change on the demo school, the CLI's `--dry-run` text and the Filtering tab's
//! confirmation (reached through its keys and dialogs, planned on its worker) say the same
//! words, and the confirmation carries the plan it shows (the one `y` applies). The review's
//! steps have no confirmation in the tab (the review panel is their confirmation): for them
//! the CLI's text is the plan `ops::filter::change::plan` gives the tab's worker.

mod common;
mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use schooltech::domain::filter::{ReviewAction, Verdict};
use schooltech::ops::filter::change::{self, Change, Plan};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::filtering::FilterPurpose;
use schooltech::tui::tabs::Purpose;
use tui_support::{demo_at, frozen_now, Harness};

/// The CLI's dry run of `filter ARGS` on the demo at the TUI tests' moment: the plan's lines
/// (between "dry run: nothing is changed" and what to do next), and whether it was refused.
fn cli_body(args: &[&str]) -> (String, bool) {
    let mut all = vec!["--demo", "filter"];
    all.extend_from_slice(args);
    all.push("--dry-run");
    let r = common::run_env(
        &all,
        None,
        &[("SCHOOLTECH_TEST_NOW", &frozen_now().to_rfc3339())],
    );
    assert!(
        r.code == 0 || r.code == 1,
        "{args:?}: {} {}",
        r.stdout,
        r.stderr
    );
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"dry run: nothing is changed"),
        "{}",
        r.stdout
    );
    lines.remove(0);
    let last = lines.pop().unwrap_or_default();
    assert_eq!(
        r.code == 1,
        last == "it would be refused",
        "{args:?}: {}",
        r.stdout
    );
    (lines.join("\n"), r.code == 1)
}

fn text(p: &Plan) -> String {
    p.lines()
        .into_iter()
        .map(|l| l.0)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Clears the focused text field and types `text` into it.
async fn retype(h: &mut Harness, text: &str) {
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    h.type_text(text).await;
}

/// Puts the queue's cursor on request `id`.
fn select(h: &mut Harness, id: i64) {
    h.state.tabs.filtering.table.select_key(&id.to_string(), 10);
    assert_eq!(
        h.state.tabs.filtering.current().map(|r| r.id),
        Some(id),
        "the cursor is on #{id}"
    );
}

/// The confirmation on top: its lines, after checking that it carries the plan it shows.
/// Leaves the dialogs closed.
async fn confirmation(h: &mut Harness, kind: &str) -> String {
    let shown = match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => {
            let Purpose::Filtering(FilterPurpose::Confirmed(plan)) = &c.purpose else {
                panic!("{kind}: the confirmation carries no plan");
            };
            let shown = c
                .lines
                .iter()
                .map(|l| l.0.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            assert_eq!(
                shown,
                text(plan),
                "{kind}: the plan `y` applies is the one shown"
            );
            assert_eq!(c.title, plan.title(), "{kind}");
            shown
        }
        Some(Dialog::Form(f)) => panic!("{kind}: the form stayed: {:?}", f.error),
        _ => panic!("{kind}: no confirmation"),
    };
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;
    assert!(h.state.dialogs.is_empty(), "{kind}: dialogs left open");
    shown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_dry_run_and_tui_confirmation_are_one_plan() {
    let mut h = Harness::new(demo_at(frozen_now(), None), 120, 40).await;
    h.key(KeyCode::Char('6')).await;
    let rows = h.state.tabs.filtering.table.rows().len();

    // A request for a page's whole site, for staff: its scope and last day spelled out.
    let (cli, refused) = cli_body(&[
        "request",
        "--by",
        "jsmith",
        "--site",
        "https://www.bbc.co.uk/bitesize",
        "--whole-site",
        "--reason",
        "KS3 computing",
        "--scope",
        "staff",
    ]);
    assert!(!refused, "{cli}");
    h.key(KeyCode::Char('n')).await;
    retype(&mut h, "jsmith").await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "https://www.bbc.co.uk/bitesize").await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "KS3 computing").await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "staff").await;
    for _ in 0..3 {
        h.key(KeyCode::Tab).await; // to Page or site
    }
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Right).await; // whole site
    h.key(KeyCode::Enter).await;
    let tui = confirmation(&mut h, "request").await;
    insta::assert_snapshot!("request_cli", cli);
    assert_eq!(cli, tui, "request: the CLI and the TUI say different words");

    // A decision on a pending request.
    let (cli, refused) = cli_body(&[
        "decide",
        "9",
        "approve",
        "--as",
        "ict-coordinator",
        "--by",
        "kmensah",
        "--comment",
        "Exchange trip",
    ]);
    assert!(!refused, "{cli}");
    select(&mut h, 9);
    h.key(KeyCode::Char('d')).await;
    h.key(KeyCode::Tab).await; // By (the role still to decide is chosen)
    retype(&mut h, "kmensah").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await; // Comment
    retype(&mut h, "Exchange trip").await;
    h.key(KeyCode::Enter).await;
    let tui = confirmation(&mut h, "decide").await;
    insta::assert_snapshot!("decide_cli", cli);
    assert_eq!(cli, tui, "decide: the CLI and the TUI say different words");

    // A refused decision: the Network Manager cannot decide for the other role too.
    let (cli, refused) = cli_body(&[
        "decide",
        "8",
        "approve",
        "--as",
        "ict-coordinator",
        "--by",
        "spatel",
        "--comment",
        "Fine",
    ]);
    assert!(refused, "{cli}");
    select(&mut h, 8);
    h.key(KeyCode::Char('d')).await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "Fine").await;
    h.key(KeyCode::Enter).await;
    // Refused: no confirmation with a `y` to press; the form shows the plan's reason, the
    // same words the CLI's dry run gives after "refused: ".
    let why = match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f.error.clone().expect("decide-refused: the form shows why"),
        _ => panic!("decide-refused: a refused plan opened a confirmation"),
    };
    insta::assert_snapshot!("decide_refused_cli", cli);
    assert!(
        cli.contains(&format!("refused: {why}")),
        "decide-refused: the CLI and the TUI say different words: {cli} / {why}"
    );
    h.key(KeyCode::Esc).await;
    assert!(
        h.state.dialogs.is_empty(),
        "decide-refused: dialogs left open"
    );

    // Applied in the filter, with the filter's reference.
    let (cli, refused) = cli_body(&["apply", "5", "--by", "spatel", "--ref", "SW-9000"]);
    assert!(!refused, "{cli}");
    select(&mut h, 5);
    h.key(KeyCode::Char('a')).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "SW-9000").await;
    h.key(KeyCode::Enter).await;
    let tui = confirmation(&mut h, "apply").await;
    insta::assert_snapshot!("apply_cli", cli);
    assert_eq!(cli, tui, "apply: the CLI and the TUI say different words");

    // Revoked.
    let (cli, refused) = cli_body(&["revoke", "4", "--by", "spatel", "--reason", "Course ended"]);
    assert!(!refused, "{cli}");
    select(&mut h, 4);
    h.key(KeyCode::Char('x')).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "Course ended").await;
    h.key(KeyCode::Enter).await;
    let tui = confirmation(&mut h, "revoke").await;
    insta::assert_snapshot!("revoke_cli", cli);
    assert_eq!(cli, tui, "revoke: the CLI and the TUI say different words");

    // Nothing was recorded by any of it.
    assert_eq!(h.state.tabs.filtering.table.rows().len(), rows);

    // The review's steps: the plan the tab's worker makes is the CLI's text.
    let ctx = demo_at(frozen_now(), None);
    let reviews: Vec<(&str, Vec<&str>, Change)> = vec![
        (
            "review_start",
            vec!["review", "start", "--by", "spatel"],
            Change::ReviewStart {
                by: "spatel".into(),
            },
        ),
        (
            "review_item",
            vec!["review", "item", "1", "keep", "--note", "Still used"],
            Change::ReviewItem {
                id: 1,
                action: ReviewAction::Keep,
                until: None,
                note: "Still used".into(),
                by: None,
            },
        ),
        (
            "review_close",
            vec!["review", "close", "--checks", "Sample tested"],
            Change::ReviewClose {
                checks: "Sample tested".into(),
                note: String::new(),
                by: None,
            },
        ),
    ];
    for (kind, args, c) in reviews {
        let (cli, refused) = cli_body(&args);
        let p = change::plan(&ctx, &c, frozen_now()).await.expect("planned");
        assert_eq!(refused, p.is_refused(), "{kind}");
        insta::assert_snapshot!(format!("{kind}_cli"), cli);
        assert_eq!(cli, text(&p), "{kind}: the CLI's text is not the plan's");
    }

    // The change itself is data: tagged, with its fields.
    let c = Change::Decide {
        id: 9,
        role: "network-manager".into(),
        by: "spatel".into(),
        verdict: Verdict::Approve,
        comment: "Exchange trip".into(),
    };
    assert_eq!(
        serde_json::to_string(&c).expect("json"),
        r#"{"change":"decide","id":9,"role":"network-manager","by":"spatel","verdict":"approve","comment":"Exchange trip"}"#
    );
}

/// A plan is applied only to the request as it was planned: changed since (here revoked by
/// someone else between the confirmation and `y`), the change is refused with the reason and
/// nothing is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_refused_when_the_request_changed_since() {
    let ctx = demo_at(frozen_now(), None);
    let now = frozen_now();
    let c = Change::Decide {
        id: 8,
        role: "ict-coordinator".into(),
        by: "kmensah".into(),
        verdict: Verdict::Approve,
        comment: "Fine".into(),
    };
    let plan = change::plan(&ctx, &c, now).await.expect("planned");
    assert!(!plan.is_refused(), "{:?}", plan.refused);
    schooltech::ops::filter::revoke(&ctx, 8, "spatel", "no longer needed", now)
        .await
        .expect("revoked meanwhile");
    let before = schooltech::ops::filter::show(&ctx, 8, now).expect("shown");
    let err = change::apply(&ctx, &plan, now)
        .await
        .expect_err("refused: changed since");
    assert!(matches!(err, schooltech::Error::NotPlanned(_)), "{err:?}");
    let said = err.to_string();
    assert!(
        said.contains("#8 was pending")
            && said.contains("revoked now")
            && said.contains("nothing was recorded"),
        "{said}"
    );
    let after = schooltech::ops::filter::show(&ctx, 8, now).expect("shown");
    assert_eq!(before.events.len(), after.events.len(), "nothing recorded");

    // Planned again, it is refused in the plan itself, with the rule's words.
    let again = change::plan(&ctx, &c, now).await.expect("planned");
    assert!(again.is_refused());
    assert!(text(&again).contains("refused: "), "{}", text(&again));
}
