//! Issue 21, item 1: an account change is one plan, rendered once. For each kind of account
//! change on the demo school, the CLI's `--dry-run` text and the TUI's confirmation say the
//! same words, and the confirmation carries the plan it shows (the one `y` applies).

mod common;
mod tui_support;

use schooltech::ops::change::{Change, Plans};
use schooltech::ops::passwords::PasswordChoice;
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::accounts::{confirm_change, plan_change, AccountsPurpose};
use schooltech::tui::tabs::Purpose;
use tui_support::{frozen_now, Harness};

const USER: &str = "26grahami";
const BASE: &str = "DC=demo,DC=school";

/// The CLI's dry run of `args` on the demo at the TUI tests' moment: its plan's lines
/// (between "dry run: nothing is changed" and what to do next).
fn cli_body(args: &[&str]) -> String {
    let mut all = vec!["--demo", "accounts"];
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
    lines.pop();
    lines.join("\n")
}

/// The body of what the TUI shows: its lines up to the footnotes.
fn tui_body(lines: &[(String, schooltech::tui::dialogs::Tone)]) -> String {
    lines
        .iter()
        .map(|l| l.0.as_str())
        .take_while(|l| !l.is_empty() && !l.starts_with("Nothing is sent"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(p: &Plans) -> String {
    p.lines()
        .into_iter()
        .map(|l| l.0)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_dry_run_and_tui_preview_are_one_plan() {
    let ctx = tui_support::demo_at(frozen_now(), None);
    let mut h = Harness::new(ctx, 100, 30).await;
    let year8 = format!("OU=Year 8,OU=Pupils,OU=School,{BASE}");
    let kinds: Vec<(&str, Vec<&str>, Change)> = vec![
        (
            "disable",
            vec!["disable", USER, "--reason", "left in July"],
            Change::Disable {
                reason: "left in July".into(),
            },
        ),
        (
            "enable",
            vec!["enable", USER],
            Change::Enable { override_aup: None },
        ),
        ("unlock", vec!["unlock", USER], Change::Unlock),
        (
            "move",
            vec!["move", USER, "--to", &year8],
            Change::Move { ou: year8.clone() },
        ),
        (
            "groups",
            vec!["groups", USER, "--add", "Year 8", "--remove", "Year 7"],
            Change::Groups {
                add: vec!["Year 8".into()],
                remove: vec!["Year 7".into()],
                allow_protected: false,
            },
        ),
        (
            "expiry",
            vec!["expire", USER, "--on", "2027-07-23"],
            Change::Expiry {
                on: chrono::NaiveDate::from_ymd_opt(2027, 7, 23),
            },
        ),
        (
            "password",
            vec!["reset-password", USER],
            Change::Password {
                choice: PasswordChoice::Generate,
                temporary: true,
            },
        ),
    ];
    for (kind, args, change) in kinds {
        let cli = cli_body(&args);
        let st = &mut h.state;
        let planned = plan_change(&st.tabs.accounts, &st.shell, &[USER.to_string()], &change);
        let tui = if matches!(change, Change::Password { .. }) {
            // The password dialog is its own confirmation: the plan it applies is this one.
            text(&planned)
        } else {
            st.shell.dialogs.clear();
            confirm_change(&st.tabs.accounts, &mut st.shell, vec![USER.into()], change);
            match st.shell.dialogs.last() {
                Some(Dialog::Confirm(c)) => {
                    let Purpose::Accounts(AccountsPurpose::Apply(carried)) = &c.purpose else {
                        panic!("{kind}: the confirmation carries no plan");
                    };
                    // The plan `y` applies is the one shown, for the account read.
                    assert_eq!(text(carried), text(&planned), "{kind}");
                    assert!(carried.plans.iter().all(|p| p.target.is_some()), "{kind}");
                    tui_body(&c.lines)
                }
                Some(Dialog::Message(m)) => tui_body(&m.lines),
                _ => panic!("{kind}: no confirmation"),
            }
        };
        insta::assert_snapshot!(format!("{kind}_cli"), cli);
        insta::assert_snapshot!(format!("{kind}_tui"), tui);
        assert_eq!(cli, tui, "{kind}: the CLI and the TUI say different words");
        assert_eq!(tui, text(&planned), "{kind}: not the plan's own lines");
    }
}
