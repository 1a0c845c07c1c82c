//! Issue 21, item 1, for the Inventory tab: an inventory change is one plan, rendered once. For
//! each kind of inventory change on the demo school, the CLI's `--dry-run` text and what the
//! Inventory tab shows (its confirmation, or the refusal when the plan is refused) come from
//! the same `ops::inventory::change::Plan`, and the confirmation carries the plan `y` applies.

mod common;
mod tui_support;

use schooltech::domain::inventory::asset::AssetFields;
use schooltech::domain::inventory::disposal::{BatchPapers, Sanitisation};
use schooltech::domain::inventory::records::BreachInput;
use schooltech::domain::inventory::{Category, Status};
use schooltech::ops::inventory::change::{plan, Change, Plan, PERMANENT};
use schooltech::ops::inventory::disposal::{BatchEdit, NewBatch};
use schooltech::ops::inventory::labels::Selection;
use schooltech::ops::inventory::{AssetEdit, NewAsset};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::inventory::{InvCmd, InvPurpose, Pending};
use schooltech::tui::tabs::Purpose;
use tui_support::{frozen_now, Harness};

/// The CLI's dry run of `args` on the demo at the TUI tests' moment: its exit and its plan's
/// lines (between "dry run: nothing is changed" and what to do next).
fn cli_body(args: &[&str]) -> (i32, String) {
    let mut all = vec!["--demo", "inventory"];
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
        last,
        if r.code == 1 {
            "the change would be refused"
        } else {
            "run it again without --dry-run to make the change"
        }
    );
    (r.code, lines.join("\n"))
}

fn text(p: &Plan) -> String {
    p.lines()
        .into_iter()
        .map(|l| l.0)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks the tab's worker for the plan (as the tab does) and returns what the tab shows: the
/// confirmation's lines (checking it carries the plan shown), or the refusal it says.
async fn tui_shows(h: &mut Harness, kind: &str, change: Change) -> String {
    h.state.shell.dialogs.clear();
    let gen = h.state.shell.next_gen();
    h.state.tabs.inventory.plan_gen = gen;
    h.state.tabs.inventory.planning = true;
    h.run(vec![InvCmd::Plan {
        gen,
        change: Box::new(change),
        doing: "checking",
        permanent: false,
    }
    .into()]);
    h.settle().await;
    match h.state.shell.dialogs.last() {
        Some(Dialog::Confirm(c)) => {
            let Purpose::Inventory(InvPurpose::Confirmed { work, .. }) = &c.purpose else {
                panic!("{kind}: the confirmation carries no plan");
            };
            let Pending::Apply(carried) = work.as_ref() else {
                panic!("{kind}: the confirmation applies no plan");
            };
            let mut shown: Vec<&str> = c.lines.iter().map(|l| l.0.as_str()).collect();
            // The shared confirmation draws the append-only line itself (its permanent flag).
            assert_eq!(c.permanent, carried.permanent, "{kind}");
            if c.permanent {
                shown.push(PERMANENT);
            }
            assert_eq!(
                shown.join("\n"),
                text(carried),
                "{kind}: not the plan carried"
            );
            shown.join("\n")
        }
        other => {
            assert!(other.is_none(), "{kind}: {other:?}");
            let said = h
                .state
                .shell
                .status
                .as_ref()
                .map(|s| s.text.clone())
                .unwrap_or_default();
            format!("Refused: {said}")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_dry_run_and_tui_confirmation_are_one_plan() {
    let ctx = tui_support::demo_at(frozen_now(), None);
    let mut h = Harness::new(tui_support::demo_at(frozen_now(), None), 100, 30).await;
    let kinds: Vec<(&str, Vec<&str>, Change)> = vec![
        (
            "add",
            vec![
                "add",
                "DA-LAP-099",
                "--category",
                "laptop",
                "--manufacturer",
                "Dell",
                "--model",
                "Latitude 7450",
            ],
            Change::Add {
                asset: NewAsset {
                    tag: "DA-LAP-099".into(),
                    status: None,
                    fields: AssetFields {
                        category: Some(Category::Laptop),
                        manufacturer: "Dell".into(),
                        model: "Latitude 7450".into(),
                        ..Default::default()
                    },
                },
            },
        ),
        (
            "edit",
            vec!["edit", "DA-LAP-004", "--room", "Room 5"],
            Change::Edit {
                tag: "DA-LAP-004".into(),
                edit: AssetEdit {
                    room: Some("Room 5".into()),
                    ..Default::default()
                },
            },
        ),
        (
            "status",
            vec![
                "status",
                "DA-LAP-004",
                "in-repair",
                "--note",
                "cracked screen",
            ],
            Change::Status {
                tag: "DA-LAP-004".into(),
                to: Status::InRepair,
                note: "cracked screen".into(),
                breach: BreachInput::default(),
            },
        ),
        (
            "status_refused",
            vec!["status", "DA-NOPE-1", "lost"],
            Change::Status {
                tag: "DA-NOPE-1".into(),
                to: Status::Lost,
                note: String::new(),
                breach: BreachInput::default(),
            },
        ),
        (
            "labels",
            vec![
                "labels",
                "--tags",
                "DA-LAP-001,DA-LAP-002",
                "--out",
                "labels.pdf",
            ],
            Change::Labels {
                selection: Selection::Tags(vec!["DA-LAP-001".into(), "DA-LAP-002".into()]),
                layout: None,
                out: "labels.pdf".into(),
            },
        ),
        (
            "audit_start",
            vec!["audit", "start", "--name", "Spring 2027"],
            Change::AuditStart {
                name: "Spring 2027".into(),
            },
        ),
        ("audit_close", vec!["audit", "close"], Change::AuditClose),
        (
            "disposal_new",
            vec![
                "disposal",
                "new",
                "WEEE-2026-9",
                "--carrier",
                "Green IT Recycling",
                "--registration",
                "CBDU123456",
            ],
            Change::NewBatch {
                batch: NewBatch {
                    name: "WEEE-2026-9".into(),
                    papers: BatchPapers {
                        carrier: "Green IT Recycling".into(),
                        carrier_registration: "CBDU123456".into(),
                        ..Default::default()
                    },
                    notes: String::new(),
                },
            },
        ),
        (
            "disposal_edit",
            vec![
                "disposal",
                "edit",
                "WEEE-DEMO-1",
                "--transfer-note",
                "WTN-77",
            ],
            Change::EditBatch {
                name: "WEEE-DEMO-1".into(),
                edit: BatchEdit {
                    transfer_note: Some("WTN-77".into()),
                    ..Default::default()
                },
            },
        ),
        (
            "disposal_add",
            vec!["disposal", "add", "WEEE-DEMO-1", "DA-PRN-002", "DA-OTH-001"],
            Change::DisposalAdd {
                batch: "WEEE-DEMO-1".into(),
                tags: vec!["DA-PRN-002".into(), "DA-OTH-001".into()],
                code: "16 02 14".into(),
            },
        ),
        (
            "disposal_sanitised",
            vec![
                "disposal",
                "sanitised",
                "WEEE-DEMO-1",
                "DA-STO-002",
                "--method",
                "purge",
                "--certificate",
                "CERT-1",
                "--verified-by",
                "A Head",
                "--on",
                "2026-11-20",
            ],
            Change::Sanitised {
                batch: "WEEE-DEMO-1".into(),
                tag: "DA-STO-002".into(),
                method: Sanitisation::Purge,
                certificate: "CERT-1".into(),
                verified_by: "A Head".into(),
                on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
            },
        ),
        (
            "disposal_close",
            vec![
                "disposal",
                "close",
                "WEEE-DEMO-1",
                "--signed-off-by",
                "J Bursar",
            ],
            Change::CloseBatch {
                name: "WEEE-DEMO-1".into(),
                signed_off_by: "J Bursar".into(),
            },
        ),
    ];
    for (kind, args, change) in kinds {
        let (code, cli) = cli_body(&args);
        let planned = plan(&ctx, &change).expect("planned");
        assert_eq!(cli, text(&planned), "{kind}: not the plan's own lines");
        assert_eq!(code == 1, planned.refused.is_some(), "{kind}");
        let tui = tui_shows(&mut h, kind, change).await;
        insta::assert_snapshot!(format!("{kind}_cli"), cli);
        match &planned.refused {
            // Refused: the tab says the plan's refusal, the CLI's last plan line.
            Some(why) => {
                assert_eq!(tui, format!("Refused: {why}"), "{kind}");
                assert!(cli.ends_with(&tui), "{kind}: {cli}");
            }
            None => {
                insta::assert_snapshot!(format!("{kind}_tui"), tui);
                assert_eq!(cli, tui, "{kind}: the CLI and the TUI say different words");
            }
        }
    }
}
