//! Records that cannot be (issue 23, part 6), on the demo school with a fixed clock: dates of
//! WEEE collection and sanitisation in the future or before the asset was bought; a lost device
//! put in a disposal batch (and so marked retired, as if sanitised) or written off without its
//! reason; a portable device not known to be encrypted marked lost with no data-breach record.
//! The rules are in `domain::inventory::records`, enforced in `ops`, so the CLI and the TUI
//! both get them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use schooltech::clock::Clock;
use schooltech::domain::inventory::disposal::{BatchPapers, Sanitisation};
use schooltech::domain::inventory::records::BreachInput;
use schooltech::domain::inventory::Status;
use schooltech::error::Error;
use schooltech::ops::inventory::{self as inv, disposal};
use schooltech::ops::report::{self, PeriodRequest};
use schooltech::ops::Ctx;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
        .single()
        .expect("a date")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a date")
}

fn demo() -> Ctx {
    Ctx::demo_with_clock(None, None, Clock::Fixed(now())).expect("demo")
}

fn refused<T: std::fmt::Debug>(r: Result<T, Error>, says: &[&str]) -> String {
    match r {
        Err(Error::Usage(m)) => {
            for s in says {
                assert!(m.contains(s), "{s:?} not in: {m}");
            }
            m
        }
        other => panic!("expected a refusal (exit 2) saying {says:?}, got {other:?}"),
    }
}

fn batch(ctx: &Ctx, name: &str, collected: Option<NaiveDate>) -> Result<(), Error> {
    disposal::new_batch(
        ctx,
        &disposal::NewBatch {
            name: name.into(),
            papers: BatchPapers {
                carrier: "Green IT Recycling".into(),
                carrier_registration: "CBDU123456".into(),
                collected_on: collected,
                ..Default::default()
            },
            notes: String::new(),
        },
    )
    .map(|_| ())
}

#[test]
fn collection_and_sanitisation_dates_cannot_be_in_the_future_or_before_purchase() {
    let ctx = demo();
    // The batch of the issue: closed on 7 Dec 2026 as collected on 1 Jun 2027.
    refused(
        batch(&ctx, "WEEE-2026-9", Some(d(2027, 6, 1))),
        &["2027-06-01", "in the future"],
    );
    batch(&ctx, "WEEE-2026-9", None).expect("batch");
    refused(
        disposal::edit_batch(
            &ctx,
            "WEEE-2026-9",
            &disposal::BatchEdit {
                collected_on: Some(d(2027, 6, 1)),
                ..Default::default()
            },
        ),
        &["2027-06-01", "in the future"],
    );
    // DA-PHN-001 was bought on 2024-06-20.
    disposal::add(&ctx, "WEEE-2026-9", "DA-PHN-001", "16 02 14").expect("add");
    refused(
        disposal::edit_batch(
            &ctx,
            "WEEE-2026-9",
            &disposal::BatchEdit {
                collected_on: Some(d(2024, 1, 10)),
                ..Default::default()
            },
        ),
        &["2024-01-10", "before DA-PHN-001 was bought (2024-06-20)"],
    );
    for (on, says) in [
        (d(2026, 12, 8), "in the future"),
        (d(2024, 6, 19), "before DA-PHN-001 was bought"),
    ] {
        refused(
            disposal::sanitised(
                &ctx,
                "WEEE-2026-9",
                "DA-PHN-001",
                Sanitisation::Destroy,
                "CERT-1",
                "j.bloggs",
                Some(on),
            ),
            &[&on.to_string(), says],
        );
    }
    disposal::sanitised(
        &ctx,
        "WEEE-2026-9",
        "DA-PHN-001",
        Sanitisation::Destroy,
        "CERT-1",
        "j.bloggs",
        Some(d(2026, 12, 1)),
    )
    .expect("a sanitisation dated today or earlier");
    disposal::edit_batch(
        &ctx,
        "WEEE-2026-9",
        &disposal::BatchEdit {
            collected_on: Some(d(2026, 12, 7)),
            ..Default::default()
        },
    )
    .expect("collected today");
    // The purchase date cannot then move after what was recorded.
    refused(
        inv::edit(
            &ctx,
            "DA-PHN-001",
            &inv::AssetEdit {
                purchase_date: Some(d(2026, 12, 5)),
                ..Default::default()
            },
        ),
        &["2026-12-05", "sanitisation"],
    );
}

#[test]
fn a_lost_device_is_written_off_with_its_reason_and_never_goes_in_a_disposal_batch() {
    let ctx = demo();
    batch(&ctx, "WEEE-2026-8", None).expect("batch");
    // DA-TAB-002 is a lost iPad that held data: it used to go in the batch and become retired.
    refused(
        disposal::add(&ctx, "WEEE-2026-8", "DA-TAB-002", "16 02 14"),
        &["DA-TAB-002 is lost", "cannot go in a disposal batch"],
    );
    assert_eq!(
        inv::detail(&ctx, "DA-TAB-002")
            .expect("detail")
            .asset
            .status,
        Status::Lost,
        "nothing changed"
    );
    refused(
        inv::set_status(&ctx, "DA-TAB-002", Status::Retired, ""),
        &["written off with its reason"],
    );
    inv::set_status(
        &ctx,
        "DA-TAB-002",
        Status::Retired,
        "stolen from the library; police ref 4471",
    )
    .expect("written off");
    refused(
        disposal::add(&ctx, "WEEE-2026-8", "DA-TAB-002", "16 02 14"),
        &["written off as lost"],
    );
    refused(
        disposal::sanitised(
            &ctx,
            "WEEE-2026-8",
            "DA-TAB-002",
            Sanitisation::Destroy,
            "CERT-2",
            "j.bloggs",
            Some(d(2026, 12, 1)),
        ),
        &["written off as lost"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_lost_a_portable_device_not_known_encrypted_needs_the_breach_record() {
    let ctx = demo();
    // DA-PHN-001: a phone that holds data, encryption unknown.
    refused(
        inv::set_status(&ctx, "DA-PHN-001", Status::Lost, "left on a bus"),
        &[
            "--breach-found",
            "--breach-told",
            "--ico-ref",
            "--not-reportable",
        ],
    );
    refused(
        inv::set_status_with(
            &ctx,
            "DA-PHN-001",
            Status::Lost,
            "left on a bus",
            &BreachInput {
                found_on: Some(d(2026, 12, 4)),
                ..Default::default()
            },
        ),
        &["--breach-told", "--ico-ref REF or --not-reportable"],
    );
    refused(
        inv::set_status_with(
            &ctx,
            "DA-PHN-001",
            Status::Lost,
            "left on a bus",
            &BreachInput {
                found_on: Some(d(2026, 12, 9)),
                told: "DPO".into(),
                ico_reference: "IC-123456-A1B2".into(),
                ..Default::default()
            },
        ),
        &["2026-12-09", "in the future"],
    );
    assert_eq!(
        inv::detail(&ctx, "DA-PHN-001")
            .expect("detail")
            .asset
            .status,
        Status::Deployed,
        "nothing changed"
    );
    inv::set_status_with(
        &ctx,
        "DA-PHN-001",
        Status::Lost,
        "left on a bus",
        &BreachInput {
            found_on: Some(d(2026, 12, 4)),
            told: "DPO (j.bloggs)".into(),
            ico_reference: "IC-123456-A1B2".into(),
            ..Default::default()
        },
    )
    .expect("marked lost with its record");
    // Kept with the asset's history and in the action log.
    let h = inv::history(&ctx, "DA-PHN-001").expect("history");
    let b = h.iter().find(|r| r.field == "breach").expect("breach row");
    assert!(
        b.new.as_deref().unwrap_or("").contains("IC-123456-A1B2"),
        "{b:?}"
    );
    // An encrypted one needs none.
    inv::set_status(&ctx, "DA-TAB-001", Status::Lost, "missing after a trip")
        .expect("encrypted: no breach record needed");

    // The termly report's inventory section shows it.
    let r = report::termly_for(
        &ctx,
        &PeriodRequest {
            term: Some("Autumn 2026".into()),
            ..Default::default()
        },
    )
    .await
    .expect("report");
    let inv_s = r.section("inventory").expect("inventory section");
    let f = inv_s
        .figures
        .iter()
        .find(|f| {
            f.label
                .starts_with("Lost or stolen devices with a data-breach record")
        })
        .expect("figure");
    assert_eq!(f.value, "1");
    assert!(inv_s
        .evidence
        .iter()
        .any(|e| e.items.iter().any(|i| i.starts_with("DA-PHN-001")
            && i.contains("IC-123456-A1B2")
            && i.contains("DPO (j.bloggs)"))));
}
