//! Leavers on the demo school (issue 22, parts 3-6), through the same `ops` functions the CLI
//! and the TUI call, in one process (the demo's changes live as long as its context), at a
//! fixed moment: the wrong pupil from an MIS row whose id matches nobody, a leaver's linked
//! admin account, a purge that followed the name after a restore and a disable for another
//! reason, and a pupil's laptop missing from the report. And the CLI's own words (one `--demo`
//! run each).

mod common;
mod tui_support;

use chrono::Duration;
use schooltech::domain::leavers::linked::LinkedAction;
use schooltech::domain::leavers::{Action, Reason};
use schooltech::ops::inventory::{self as inv, LoanRequest};
use schooltech::ops::leavers::{self, restore, sweep};
use schooltech::ops::report::{self, PeriodRequest};
use schooltech::ops::{actions, Ctx};
use tui_support::{demo_at, frozen_now};

fn demo() -> Ctx {
    demo_at(frozen_now(), None)
}

fn export(ctx: &Ctx, text: &str) -> leavers::MisExport {
    leavers::read_mis(ctx, text.as_bytes()).expect("the export reads")
}

fn day(ctx: &Ctx, back: i64) -> String {
    (ctx.now().date_naive() - Duration::days(back))
        .format("%d/%m/%Y")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_whose_id_matches_nobody_never_suspends_the_username_s_owner() {
    let ctx = demo();
    let csv = format!(
        "\u{feff}Id,Username,Forename,Surname,Role,Leaving Date\r\nP777777,24santosl,Jordan,Whitfield,Pupil,{}\r\n",
        day(&ctx, 3)
    );
    let plan = sweep::plan(&ctx, &export(&ctx, &csv)).await.expect("plan");
    assert!(
        !plan
            .accounts
            .iter()
            .any(|a| a.finding.username == "24santosl"),
        "Lewis Santos is planned for suspension: {:?}",
        plan.accounts
    );
    let f = plan
        .review
        .iter()
        .find(|f| f.username == "24santosl")
        .expect("24santosl for review");
    assert_eq!(f.action, Action::Review);
    assert!(
        f.evidence.contains(
            "the row's id P777777 matches no account; 24santosl belongs to Lewis Santos, P112764"
        ),
        "{}",
        f.evidence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leavers_linked_admin_account_is_listed_and_suspended_with_them() {
    let ctx = demo();
    assert_eq!(
        ctx.config.leavers.linked,
        vec!["adm-{username}".to_string()]
    );
    let mis = leavers::load_mis(&ctx, None)
        .unwrap()
        .expect("the demo export");
    let scan = leavers::scan(&ctx, Some(&mis)).await.expect("scan");
    let spatel = scan
        .findings
        .iter()
        .find(|f| f.username == "spatel" && f.reason == Reason::Left)
        .expect("spatel left");
    let l = spatel
        .linked
        .iter()
        .find(|l| l.username == "adm-spatel")
        .unwrap_or_else(|| panic!("adm-spatel not linked: {spatel:?}"));
    assert_eq!(l.name, "Sam Patel (Admin)");
    // Suspended with spatel, or (protected, as h-protect makes admin accounts) by hand.
    let plan = sweep::plan(&ctx, &mis).await.expect("plan");
    match l.action {
        LinkedAction::Suspend => {
            let a = plan
                .accounts
                .iter()
                .find(|a| a.finding.username == "adm-spatel")
                .expect("adm-spatel planned");
            assert!(a.finding.evidence.contains("linked account of spatel"));
            assert_eq!(a.record.reason, "linked");
            let out = sweep::apply(&ctx, &plan, "demo MIS export")
                .await
                .expect("apply")
                .expect("a run");
            assert!(out.finished, "{out:?}");
            let adm = ctx.dir.get_account("adm-spatel").await.unwrap().unwrap();
            assert!(!adm.enabled, "adm-spatel is still enabled after the sweep");
        }
        LinkedAction::ByHand => {
            assert!(plan.by_hand.iter().any(|b| b.username == "adm-spatel"
                && b.linked_to == "spatel"
                && b.why.starts_with("to disable by hand: protected (")));
            assert!(!plan
                .accounts
                .iter()
                .any(|a| a.finding.username == "adm-spatel"));
        }
        LinkedAction::Disabled => panic!("adm-spatel is disabled in the demo"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_enable_then_disable_for_another_reason_starts_no_purge() {
    let ctx = demo();
    let due = sweep::plan_purge(&ctx).await.expect("purge plan");
    assert!(
        due.iter().any(|f| f.username == "21berrym"),
        "the demo's suspended leaver is due: {due:?}"
    );
    let r = restore::restore(&ctx, "21berrym").await.expect("restore");
    drop(r);
    actions::enable(&ctx, "21berrym").await.expect("enable");
    actions::disable(&ctx, "21berrym", "off sick")
        .await
        .expect("disable");
    let scan = leavers::scan(&ctx, None).await.expect("scan");
    assert!(
        !scan
            .findings
            .iter()
            .any(|f| f.username == "21berrym" && f.reason == Reason::OverduePurge),
        "21berrym is overdue for deletion after a restore and a disable for being off sick: {:?}",
        scan.findings
            .iter()
            .filter(|f| f.username == "21berrym")
            .collect::<Vec<_>>()
    );
    assert!(sweep::plan_purge(&ctx)
        .await
        .unwrap()
        .iter()
        .all(|f| f.username != "21berrym"));
    // The record is ended by an appended event, never changed.
    let open = leavers::open_suspensions(&ctx).unwrap();
    assert!(open.iter().all(|r| r.username != "21berrym"), "{open:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_username_never_inherits_the_old_suspension() {
    use schooltech::domain::account::NewAccount;
    use schooltech::domain::secret::Secret;
    let ctx = demo();
    let old = ctx.dir.get_account("21berrym").await.unwrap().unwrap();
    assert!(sweep::plan_purge(&ctx)
        .await
        .unwrap()
        .iter()
        .any(|f| f.username == "21berrym"));
    // Someone deletes it by hand and makes a new 21berrym, as the sweep would have left it.
    ctx.dir.delete_account(&old).await.unwrap();
    let new = NewAccount {
        username: "21berrym".into(),
        given_name: "Mia".into(),
        surname: "Berry".into(),
        display_name: "Mia Berry".into(),
        parent_dn: old.parent_dn().to_string(),
        ..Default::default()
    };
    let made = ctx
        .dir
        .create_account(&new, &Secret::new("Maple-Kettle-42x"), true)
        .await
        .expect("a new 21berrym");
    assert_ne!(made.object_id, old.object_id);
    use schooltech::domain::account::AccountChange;
    ctx.dir
        .modify_account(&made, &AccountChange::SetEnabled(false))
        .await
        .unwrap();
    ctx.dir
        .modify_account(
            &made,
            &AccountChange::SetDescription(old.description.clone()),
        )
        .await
        .unwrap();
    let due = sweep::plan_purge(&ctx).await.unwrap();
    assert!(
        due.iter().all(|f| f.username != "21berrym"),
        "the new 21berrym inherited the old one's suspension: {due:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leavers_kit_shows_before_the_sweep_and_a_pupils_laptop_counts() {
    let ctx = demo();
    // A laptop on loan to a pupil who left (24kinga, in the demo's export).
    inv::loan(
        &ctx,
        &LoanRequest {
            tag: "DA-LAP-005".into(),
            user: Some("24kinga".into()),
            location: None,
            due: None,
            notes: String::new(),
        },
    )
    .await
    .expect("the loan");
    // A shared login spatel (a staff leaver) knows.
    schooltech::ops::creds::add(
        &ctx,
        &schooltech::domain::creds::Credential {
            name: "Server room door code".into(),
            system: "Door keypad".into(),
            known_by: vec!["spatel".into()],
            owner: "nbrown".into(),
            period_days: 365,
            last_rotated: frozen_now() - Duration::days(30),
        },
        None,
    )
    .await
    .expect("a shared login");
    let mis = leavers::load_mis(&ctx, None)
        .unwrap()
        .expect("the demo export");
    let plan = sweep::plan(&ctx, &mis).await.expect("plan");
    let kinga = plan
        .accounts
        .iter()
        .find(|a| a.finding.username == "24kinga")
        .expect("24kinga planned");
    assert!(
        kinga
            .finding
            .loans
            .iter()
            .any(|l| l.starts_with("DA-LAP-005")),
        "{:?}",
        kinga.finding
    );
    assert!(kinga
        .finding
        .extras()
        .iter()
        .any(|x| x.starts_with("on loan: DA-LAP-005")));
    let spatel = plan
        .accounts
        .iter()
        .find(|a| a.finding.username == "spatel")
        .expect("spatel planned");
    assert!(
        spatel
            .finding
            .shared_logins
            .iter()
            .any(|c| c.starts_with("Server room door code (Door keypad)")),
        "{spatel:?}"
    );
    // The termly report: equipment not returned by anyone who left, pupils too.
    let r = report::termly_for(
        &ctx,
        &PeriodRequest {
            term: Some("Autumn 2026".into()),
            ..Default::default()
        },
    )
    .await
    .expect("the report");
    let l = r.section("leavers").expect("leavers");
    assert!(
        l.evidence
            .iter()
            .flat_map(|e| e.items.iter())
            .any(|i| i.starts_with("DA-LAP-005") && i.contains("24kinga")),
        "{:?}",
        l.evidence
    );
}

/// `schooltech --demo --as-of 2026-11-25 ARGS…`: its stdout (exit 0 or 1).
fn st_demo(args: &[&str]) -> String {
    let mut all = vec!["--demo", "--as-of", "2026-11-25"];
    all.extend_from_slice(args);
    let r = common::run(&all, None);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    r.stdout
}

#[test]
fn the_cli_says_why_and_lists_the_linked_account() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mis.csv");
    std::fs::write(
        &csv,
        "Id,Username,Forename,Surname,Role,Leaving Date\r\nP777777,24santosl,Jordan,Whitfield,Pupil,01/09/2026\r\n",
    )
    .unwrap();
    let csv_s = csv.to_str().unwrap();
    let out = st_demo(&["leavers", "scan", "--mis", csv_s, "--reason", "left"]);
    assert!(
        out.contains(
            "24santosl: for review: MIS export line 2: the row's id P777777 matches no account"
        ),
        "{out}"
    );
    let json = st_demo(&[
        "leavers", "scan", "--mis", csv_s, "--reason", "left", "--format", "json",
    ]);
    assert!(
        json.contains(
            "the row's id P777777 matches no account; 24santosl belongs to Lewis Santos, P112764"
        ),
        "{json}"
    );
    let dry = st_demo(&["sweep", "--mis", csv_s]);
    assert!(
        dry.contains("For review") && dry.contains("P777777"),
        "{dry}"
    );
    let plan = st_demo(&["sweep"]);
    assert!(plan.contains("adm-spatel"), "{plan}");
    let json = st_demo(&["sweep", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let spatel = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["finding"]["username"] == "spatel")
        .expect("spatel");
    assert!(spatel["finding"]["linked"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["username"] == "adm-spatel"));
    assert!(!spatel["finding"]["shared_logins"]
        .as_array()
        .unwrap()
        .is_empty());
}
