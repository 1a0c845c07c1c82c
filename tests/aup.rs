//! Acceptable use agreements on the demo school: status, record (one and CSV), publish, bad
//! input, and holding a new account until it signs. The same holding against real servers is in
//! `aup_servers.rs`.

use chrono::{NaiveDate, TimeZone, Utc};
use schooltech::clock::Clock;
use schooltech::domain::aup::{Status, HELD_DESCRIPTION};
use schooltech::ops::aup::{self, RecordRequest, StatusFilter};
use schooltech::ops::aup_sheets;
use schooltech::ops::Ctx;
use schooltech::store::aup::Recorded;
use schooltech::store::Store;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The demo school as on 1 Dec 2026 at 10:00.
fn demo() -> Ctx {
    let t = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .single()
        .unwrap();
    Ctx::demo_with_clock(None, None, Clock::Fixed(t)).unwrap()
}

async fn status_of(ctx: &Ctx, user: &str) -> aup::StatusRow {
    aup::status(ctx, &StatusFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.username == user)
        .unwrap_or_else(|| panic!("{user} not listed"))
}

fn req(on: &str) -> RecordRequest {
    RecordRequest {
        signed_on: Some(d(on)),
        signed_by: Some("Mrs Nowak".into()),
        ..Default::default()
    }
}

fn log_actions(ctx: &Ctx) -> Vec<(String, String)> {
    Store::open(&ctx.config.store.path)
        .unwrap()
        .log(&Default::default())
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.target))
        .collect()
}

#[tokio::test]
async fn the_demo_has_agreements_with_some_missing() {
    let ctx = demo();
    let rows = aup::status(
        &ctx,
        &StatusFilter {
            missing: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(rows.iter().any(|r| r.status == Status::Missing));
    assert!(rows.iter().any(|r| r.status == Status::Outdated));
    assert!(rows.iter().all(|r| r.status.needs_signing()));
    assert!(aup::any_enabled_unsigned(&rows));
    let all = aup::status(&ctx, &StatusFilter::default()).await.unwrap();
    assert!(all.iter().filter(|r| r.status == Status::Signed).count() > rows.len() / 2);
    // Form and role filters.
    let y7 = aup::status(
        &ctx,
        &StatusFilter {
            form: Some("year 7".into()),
            role: Some("pupil".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!y7.is_empty() && y7.iter().all(|r| r.form == "Year 7"));
    // The demo starts with an empty action log.
    assert!(log_actions(&ctx).is_empty());
}

#[tokio::test]
async fn record_publish_and_bad_input() {
    let ctx = demo();
    assert_eq!(status_of(&ctx, "26nowakz").await.status, Status::Missing);

    // Bad input: clear message, nothing recorded.
    let bad = [
        (req("2026-12-02"), "in the future"),
        (req("2026-08-01"), "before the account existed"),
        (
            RecordRequest {
                agreement: Some("library".into()),
                ..req("2026-11-30")
            },
            "no agreement \"library\"",
        ),
        (
            RecordRequest {
                agreement: Some("staff".into()),
                ..req("2026-11-30")
            },
            "is for staff, admin",
        ),
    ];
    for (r, want) in bad {
        let e = aup::record(&ctx, "26nowakz", &r).await.unwrap_err();
        assert!(e.to_string().contains(want), "{want}: {e}");
        assert_eq!(e.exit_code(), 2);
    }
    let e = aup::record(&ctx, "nobody.here", &req("2026-11-30"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no account"), "{e}");
    assert!(log_actions(&ctx).is_empty(), "nothing recorded");

    // Recorded once; the same signature again is reported, not duplicated.
    let out = aup::record(&ctx, "26nowakz", &req("2026-11-30"))
        .await
        .unwrap();
    assert!(matches!(out.recorded, Recorded::New(_)));
    assert!(!out.released);
    let again = aup::record(&ctx, "26NOWAKZ", &req("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(again.recorded, Recorded::Duplicate);
    let row = status_of(&ctx, "26nowakz").await;
    assert_eq!(row.status, Status::Signed);
    assert_eq!(row.version_signed.as_deref(), Some("2026"));
    assert_eq!(row.signed_on, Some(d("2026-11-30")));
    let store = Store::open(&ctx.config.store.path).unwrap();
    let sigs = store.aup_signatures().unwrap();
    let mine: Vec<_> = sigs.iter().filter(|s| s.username == "26nowakz").collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].signed_by, "parent/carer: Mrs Nowak",
        "a parent signs pupils'"
    );
    assert_eq!(
        log_actions(&ctx),
        [("aup.record".to_string(), "26nowakz".to_string())]
    );

    // A new version: everyone on it is outdated until they sign again.
    aup::publish(&ctx, "pupil", "2027").unwrap();
    let row = status_of(&ctx, "26nowakz").await;
    assert_eq!(row.status, Status::Outdated);
    assert_eq!(row.current_version.as_deref(), Some("2027"));
    assert!(aup::publish(&ctx, "pupil", "2027").is_err());
    assert!(aup::publish(&ctx, "nosuch", "1").is_err());
    let all = aup::status(&ctx, &StatusFilter::default()).await.unwrap();
    assert!(all
        .iter()
        .filter(|r| r.role.as_deref() == Some("pupil"))
        .all(|r| r.status != Status::Signed));
    // Staff are untouched by the pupils' new version.
    assert!(all
        .iter()
        .any(|r| r.role.as_deref() == Some("staff") && r.status == Status::Signed));
    aup::record(&ctx, "26nowakz", &req("2026-12-01"))
        .await
        .unwrap();
    assert_eq!(status_of(&ctx, "26nowakz").await.status, Status::Signed);
}

#[tokio::test]
async fn import_dry_run_and_apply() {
    let ctx = demo();
    let nowak = status_of(&ctx, "26nowakz").await;
    let mis = nowak.mis_id.clone().unwrap();
    // BOM, CRLF, a UK date, a Windows-1252 name, rows by MIS id and by username.
    let mut csv: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    csv.extend_from_slice(
        format!(
            "MIS Id,Username,Signed On,Signed By,How,Ref\r\n\
             {mis},,30/11/2026,Mr Nowak,paper,7 sheet\r\n\
             ,26nowakz,30/11/2026,Mr Nowak,paper,7 sheet\r\n\
             P000000,,30/11/2026,,,\r\n\
             ,nobody.here,30/11/2026,,,\r\n\
             ,bevans,31/11/2026,,,\r\n\
             ,bevans,2026-11-28,,fax,\r\n\
             ,bevans,2026-11-28,,email,inbox\r\n"
        )
        .as_bytes(),
    );
    let plan = aup::plan_import(&ctx, &csv).await.unwrap();
    assert_eq!(plan.record.len(), 2, "{:?}", plan.errors);
    assert_eq!(plan.record[0].0, 2);
    assert_eq!(plan.record[0].1.username, "26nowakz");
    assert_eq!(plan.record[1].1.username, "bevans");
    assert_eq!(
        plan.record[1].2.signed_by, "Bilal Evans",
        "the holder signs staff's"
    );
    assert_eq!(
        plan.duplicate,
        [(3, "26nowakz".to_string())],
        "twice in the file"
    );
    let lines: Vec<usize> = plan.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 5, 6, 7], "{:?}", plan.errors);
    assert!(plan.errors[0].message.contains("MIS id P000000"));
    assert!(plan.errors[2].message.contains("not a date"));
    assert!(plan.errors[3].message.contains("fax"));
    // Dry run: nothing recorded.
    assert_eq!(status_of(&ctx, "26nowakz").await.status, Status::Missing);

    let done = aup::apply_import(&ctx, &plan).await.unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(status_of(&ctx, "26nowakz").await.status, Status::Signed);
    assert_eq!(status_of(&ctx, "bevans").await.status, Status::Signed);
    // The same file again: both already recorded.
    let plan = aup::plan_import(&ctx, &csv).await.unwrap();
    assert!(plan.record.is_empty());
    assert_eq!(plan.duplicate.len(), 3);
}

#[tokio::test]
async fn a_csv_row_matching_two_accounts_is_refused() {
    let ctx = demo();
    let mis = status_of(&ctx, "26nowakz").await.mis_id.unwrap();
    // A second account with the same MIS id (a data-entry slip in the directory).
    let plan = schooltech::domain::account::NewAccount {
        username: "26twinz".into(),
        given_name: "Zoë".into(),
        surname: "Twin".into(),
        display_name: "Zoë Twin".into(),
        parent_dn: "OU=Year 7,OU=Pupils,OU=School,DC=demo,DC=school".into(),
        mis_id: Some(mis.clone()),
        ..Default::default()
    };
    ctx.dir
        .create_account(
            &plan,
            &schooltech::ops::Secret::new("Otter&Lantern9Violet"),
            true,
        )
        .await
        .unwrap();
    let csv = format!("MIS Id,Signed On\n{mis},2026-11-30\n");
    let plan = aup::plan_import(&ctx, csv.as_bytes()).await.unwrap();
    assert!(plan.record.is_empty());
    assert_eq!(plan.errors.len(), 1);
    assert!(
        plan.errors[0].message.contains("matches 2 accounts"),
        "{}",
        plan.errors[0].message
    );
    let e = aup::record(&ctx, &mis, &req("2026-11-30"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("give the username"), "{e}");
}

#[tokio::test]
async fn new_accounts_are_held_until_they_sign() {
    let mut ctx = demo();
    ctx.config.aup.require_before_access = true;
    let req_new = schooltech::ops::actions::CreateRequest {
        role: "guest".into(),
        first: "Sally".into(),
        last: "Supply".into(),
        ..Default::default()
    };
    let made = schooltech::ops::actions::create(&ctx, &req_new)
        .await
        .unwrap();
    let a = made.account;
    assert!(!a.enabled, "created disabled");
    assert_eq!(a.description.as_deref(), Some(HELD_DESCRIPTION));
    assert!(aup::is_held(&a));
    // Judge on the day the account was made (the demo stamps it with the machine's clock).
    let created = a.created.unwrap();
    ctx.clock = Clock::Fixed(created + chrono::Duration::minutes(5));

    // Enabling without the agreement is refused, with the reason.
    let e = schooltech::ops::actions::enable(&ctx, &a.username)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("has not signed the acceptable use agreement")
            && e.to_string().contains("--override-aup"),
        "{e}"
    );
    assert!(!status_of(&ctx, &a.username).await.enabled);

    // Recording it releases the account, logged as such.
    let r = RecordRequest {
        signed_on: Some(created.date_naive()),
        ..Default::default()
    };
    let out = aup::record(&ctx, &a.username, &r).await.unwrap();
    assert!(out.released, "{:?}", out.release_error);
    let row = status_of(&ctx, &a.username).await;
    assert!(row.enabled && !row.held && row.status == Status::Signed);
    let log = Store::open(&ctx.config.store.path)
        .unwrap()
        .log(&Default::default())
        .unwrap();
    let enable = log
        .iter()
        .find(|e| e.action == "account.enable" && e.target == a.username)
        .unwrap();
    assert_eq!(
        enable.details["reason"],
        "acceptable use agreement recorded"
    );
    assert!(log
        .iter()
        .any(|e| e.action == "account.disable" && e.details["aup_hold"] == true));

    // An account disabled for another reason is not released by recording.
    let other = schooltech::ops::actions::create(
        &ctx,
        &schooltech::ops::actions::CreateRequest {
            first: "Tom".into(),
            last: "Visitor".into(),
            ..req_new.clone()
        },
    )
    .await
    .unwrap()
    .account;
    // Enabling with an override is logged with its reason.
    let en = schooltech::ops::actions::enable_with(&ctx, &other.username, Some("head's approval"))
        .await
        .unwrap();
    assert!(en.enabled);
    let log = Store::open(&ctx.config.store.path)
        .unwrap()
        .log(&Default::default())
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.target == other.username && e.details["override_aup"] == "head's approval"));
}

/// Text of a PDF by poppler's `pdftotext` (installed by scripts/install-deps.sh), pages split.
fn pdf_pages(path: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

#[tokio::test]
async fn sign_off_sheets_for_a_form() {
    let ctx = demo();
    let dir = tempfile::tempdir().unwrap();
    let filter = StatusFilter {
        missing: true,
        form: Some("Year 8".into()),
        ..Default::default()
    };
    let missing = aup::status(&ctx, &filter).await.unwrap();
    assert!(!missing.is_empty() && missing.len() <= aup_sheets::PER_PAGE);
    let pdf = dir.path().join("y8.pdf");
    let w = aup::sheets(&ctx, &filter, &pdf).await.unwrap();
    assert_eq!((w.pages, w.people), (1, missing.len()));
    let pages = pdf_pages(&pdf);
    assert_eq!(pages.len(), 1, "one page for the form");
    assert!(pages[0].contains("Form: Year 8"));
    assert!(pages[0].contains("Pupil Acceptable Use Agreement, version 2026"));
    assert!(pages[0].contains("Signature of parent or carer") && pages[0].contains("Date"));
    for r in &missing {
        assert!(pages[0].contains(&r.name), "{} on the sheet", r.name);
    }

    // Two forms: two pages at least, each form on its own page; names outside the
    // Windows-1252 range are not lost silently (the PDF embeds DejaVu Sans: every letter prints).
    let filter = StatusFilter {
        missing: true,
        role: Some("pupil".into()),
        ..Default::default()
    };
    let rows = aup::status(&ctx, &filter).await.unwrap();
    let mut forms: Vec<&str> = rows.iter().map(|r| r.form.as_str()).collect();
    forms.sort();
    forms.dedup();
    let expected: usize = forms
        .iter()
        .map(|f| {
            rows.iter()
                .filter(|r| r.form == *f)
                .count()
                .div_ceil(aup_sheets::PER_PAGE)
        })
        .sum();
    let pdf = dir.path().join("all.pdf");
    let w = aup::sheets(&ctx, &filter, &pdf).await.unwrap();
    assert_eq!(w.pages, expected);
    let pages = pdf_pages(&pdf);
    assert_eq!(pages.len(), expected);
    for f in forms {
        assert!(
            pages.iter().any(|p| p.contains(&format!("Form: {f}"))),
            "{f}"
        );
    }
    // A text sheet too; anything else is refused.
    let txt = dir.path().join("y8.txt");
    aup::sheets(
        &ctx,
        &StatusFilter {
            form: Some("Year 8".into()),
            ..Default::default()
        },
        &txt,
    )
    .await
    .unwrap();
    assert!(std::fs::read_to_string(&txt)
        .unwrap()
        .contains("Form: Year 8"));
    let e = aup::sheets(&ctx, &filter, &dir.path().join("x.doc"))
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
}
