//! The inventory through the library: import all-or-nothing with errors by line and column, the
//! export round trip, audit scans, disposal close rules, and the database's own refusals (triggers)
//! tried through raw SQL.

use chrono::{NaiveDate, TimeZone, Utc};
use schooltech::config::Config;
use schooltech::directory::demo::DemoDirectory;
use schooltech::domain::inventory::asset::AssetFields;
use schooltech::domain::inventory::disposal::{BatchPapers, Sanitisation};
use schooltech::domain::inventory::{Category, ScanOutcome, Status};
use schooltech::domain::roles::RoleMap;
use schooltech::ops::inventory::{self as inv, audit, disposal, import};
use schooltech::ops::Ctx;
use std::sync::Arc;

/// A context on a fixed clock (the end of 25 Nov 2026): `--as-of` is for reports and dry runs,
/// and these tests write.
fn ctx(dir: &tempfile::TempDir) -> Ctx {
    let d = DemoDirectory::bundled(RoleMap::default()).expect("demo");
    let mut c = Ctx::with_directory(
        Config::default(),
        Arc::new(d),
        dir.path().join("s.db"),
        None,
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date");
    c.clock = schooltech::clock::Clock::Fixed(schooltech::domain::time::end_of_day(day));
    c
}

fn add(ctx: &Ctx, tag: &str, cat: Category, serial: &str, room: &str) {
    inv::add(
        ctx,
        &inv::NewAsset {
            tag: tag.into(),
            status: None,
            fields: AssetFields {
                serial: serial.into(),
                category: Some(cat),
                manufacturer: "Dell".into(),
                model: "Latitude".into(),
                room: room.into(),
                ..Default::default()
            },
        },
    )
    .unwrap();
}

#[test]
fn duplicate_tag_and_serial_name_the_existing_asset() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    add(&c, "HA1", Category::Laptop, "SN1", "R1");
    let dup = inv::add(
        &c,
        &inv::NewAsset {
            tag: "ha1".into(),
            fields: AssetFields {
                category: Some(Category::Desktop),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(dup.contains("already used by HA1"), "{dup}");
    let dup = inv::add(
        &c,
        &inv::NewAsset {
            tag: "HA2".into(),
            fields: AssetFields {
                category: Some(Category::Laptop),
                serial: "sn1".into(),
                manufacturer: "dell".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(dup.contains("already registered as asset HA1"), "{dup}");
    // Same serial from another manufacturer is fine.
    inv::add(
        &c,
        &inv::NewAsset {
            tag: "HA3".into(),
            fields: AssetFields {
                category: Some(Category::Laptop),
                serial: "SN1".into(),
                manufacturer: "HP".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn import_is_all_or_nothing_and_lists_every_error() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    let csv = "tag,serial,category,manufacturer,model,room,status,price,purchase_date\r\n\
               A1,S1,laptop,Dell,L,R1,in-stock,\"£1,299.00\",25/11/2025\r\n\
               A2,S2,toaster,Dell,L,R1,in-stock,10,2025-11-25\r\n\
               A3,S1,laptop,Dell,L,R1,broken,\"1299,00\",31/02/2025\r\n\
               a1,S4,laptop,Dell,L,R1,,,\r\n";
    let plan = import::plan(&c, csv.as_bytes()).unwrap();
    let errs: Vec<String> = plan.errors.iter().map(|e| e.to_string()).collect();
    let want = [
        "line 3, column category",
        "line 4, column status",
        "line 4, column purchase_date",
        "line 4, column price",
        "line 4, column serial",
        "line 5, column tag",
    ];
    for w in want {
        assert!(errs.iter().any(|e| e.starts_with(w)), "{w} in {errs:#?}");
    }
    assert!(
        errs.iter().any(|e| e.contains("decimal comma")),
        "{errs:#?}"
    );
    assert!(import::apply(&c, &plan, "x.csv").is_err());
    assert!(
        inv::list(&c, &Default::default()).unwrap().is_empty(),
        "nothing imported"
    );

    let good = "tag,category,price,purchase_date\nA1,laptop,\"£1,299.00\",25/11/2025\n";
    let plan = import::plan(&c, good.as_bytes()).unwrap();
    assert!(plan.errors.is_empty());
    assert_eq!(import::apply(&c, &plan, "good.csv").unwrap(), 1);
    let a = inv::detail(&c, "a1").unwrap().asset;
    assert_eq!(a.price_pence, Some(129_900));
    assert_eq!(a.purchase_date, NaiveDate::from_ymd_opt(2025, 11, 25));
    assert!(a.data_bearing, "laptop default");
}

#[test]
fn export_import_export_is_byte_identical() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    let csv = "tag,serial,category,manufacturer,model,data_bearing,site,room,status,purchase_date,price,supplier,warranty_end,funding,encrypted,last_audited,notes\n\
               B2,X,display,\"Iiyama, Ltd\",\"ProLite 24\"\"\",no,Main,Room 1,retired,2020-01-02,120.5,Acme,2023-01-02,capital,unknown,2026-09-01,\"two\nlines\"\n\
               A1,,other,,,yes,,,lost,,,,,,yes,,\n\
               c3,Z,laptop,HP,ProBook,yes,,Hall,in-repair,,0,,,,no,,Café\n";
    let plan = import::plan(&c, csv.as_bytes()).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    import::apply(&c, &plan, "a.csv").unwrap();
    let out1 = import::export_csv(&c).unwrap();
    let t2 = tempfile::tempdir().unwrap();
    let c2 = ctx(&t2);
    let plan = import::plan(&c2, &out1).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    import::apply(&c2, &plan, "out1.csv").unwrap();
    let out2 = import::export_csv(&c2).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out1),
        String::from_utf8_lossy(&out2)
    );
    let head = String::from_utf8_lossy(&out1);
    assert!(
        head.starts_with("tag,serial,category,manufacturer,model,"),
        "{head}"
    );
    // Windows-1252 input reads as the same text.
    let t3 = tempfile::tempdir().unwrap();
    let c3 = ctx(&t3);
    let plan = import::plan(&c3, b"tag,category,notes\nW1,other,caf\xe9 \xa35\n").unwrap();
    assert_eq!(plan.encoding, "windows-1252");
    assert_eq!(plan.assets[0].1.notes, "café £5");
}

#[test]
fn audit_round_with_seen_moved_unknown_and_already() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    add(&c, "A1", Category::Laptop, "", "Room 1");
    add(&c, "A2", Category::Desktop, "", "Room 2");
    add(&c, "A3", Category::Desktop, "", "Room 2");
    audit::start(&c, "Autumn 2026").unwrap();
    assert!(audit::start(&c, "Spring")
        .unwrap_err()
        .to_string()
        .contains("still open"));
    let s = audit::ScanSession::open(&c, true).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    assert_eq!(
        s.scan("a1", Some("room 1"), now).unwrap().outcome,
        ScanOutcome::Seen
    );
    assert_eq!(
        s.scan("A2", Some("Room 1"), now).unwrap().outcome,
        ScanOutcome::Moved
    );
    assert_eq!(
        s.scan("A1", Some("Room 1"), now).unwrap().outcome,
        ScanOutcome::Already
    );
    assert_eq!(
        s.scan("ZZ9", Some("Room 1"), now).unwrap().outcome,
        ScanOutcome::Unknown
    );
    audit::close(&c).unwrap();
    assert!(audit::scan(&c, "A3", None).is_err(), "no open round");
    let r = audit::report(&c, None).unwrap();
    assert_eq!(r.seen.len(), 1);
    assert_eq!(r.moved[0].tag, "A2");
    assert_eq!(r.not_seen[0].tag, "A3");
    assert_eq!(r.unknown[0].0, "ZZ9");
    assert_eq!(r.rooms["Room 2"].not_seen, 1);
    assert_eq!(r.rooms["Room 1"].unknown, 1);
    assert_eq!(
        inv::detail(&c, "A1").unwrap().asset.last_audited,
        NaiveDate::from_ymd_opt(2026, 11, 25)
    );
}

fn batch_ready(c: &Ctx) {
    add(c, "D1", Category::Desktop, "S1", "IT");
    add(c, "M1", Category::Display, "S2", "IT");
    disposal::new_batch(
        c,
        &disposal::NewBatch {
            name: "WEEE-1".into(),
            papers: BatchPapers {
                carrier: "Green IT".into(),
                carrier_registration: "CBDU123456".into(),
                collected_on: NaiveDate::from_ymd_opt(2026, 11, 20),
                transfer_note: "WTN-1".into(),
                consignment_note: String::new(),
            },
            notes: String::new(),
        },
    )
    .unwrap();
    disposal::add(c, "WEEE-1", "D1", "16 02 14").unwrap();
    disposal::add(c, "WEEE-1", "M1", "16 02 14").unwrap();
}

#[test]
fn disposal_close_rules_and_retention() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    let bad = disposal::new_batch(
        &c,
        &disposal::NewBatch {
            name: "X".into(),
            papers: BatchPapers {
                carrier: "C".into(),
                carrier_registration: "CBDU12x".into(),
                ..Default::default()
            },
            notes: String::new(),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("CBDU or CBDL followed by digits"), "{bad}");
    batch_ready(&c);
    let e = disposal::close(&c, "WEEE-1", "J Head")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("D1 holds data and has no sanitisation record"),
        "{e}"
    );
    assert_eq!(inv::detail(&c, "D1").unwrap().asset.status, Status::Retired);
    disposal::sanitised(
        &c,
        "WEEE-1",
        "D1",
        Sanitisation::Destroy,
        "CERT-9",
        "A Tech",
        None,
    )
    .unwrap();
    assert!(disposal::close(&c, "WEEE-1", " ")
        .unwrap_err()
        .to_string()
        .contains("signing off"));
    let v = disposal::close(&c, "WEEE-1", "J Head").unwrap();
    assert!(v.items.iter().all(|i| i.asset.status == Status::Disposed));
    assert!(
        inv::set_status(&c, "D1", Status::InStock, "").is_err(),
        "disposed is final"
    );
    assert!(disposal::add(&c, "WEEE-1", "D1", "16 02 14").is_err());
    let r = disposal::report(&c, Some(2026)).unwrap();
    let docs = &r[0].documents;
    assert_eq!(docs[0].keep_until, NaiveDate::from_ymd_opt(2028, 11, 20));
    assert!(disposal::report(&c, Some(2025)).unwrap().is_empty());
}

#[test]
fn the_database_itself_refuses_changes_to_closed_batches_and_kept_records() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    batch_ready(&c);
    disposal::sanitised(
        &c,
        "WEEE-1",
        "D1",
        Sanitisation::Purge,
        "CERT-1",
        "A Tech",
        None,
    )
    .unwrap();
    disposal::close(&c, "WEEE-1", "J Head").unwrap();
    audit::start(&c, "R1").unwrap();
    audit::scan(&c, "M1", None).unwrap();
    audit::close(&c).unwrap();
    drop(c);

    let db = rusqlite::Connection::open(t.path().join("s.db")).unwrap();
    db.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let refused = |sql: &str, why: &str| {
        let e = db.execute(sql, []).expect_err(sql).to_string();
        assert!(e.contains(why), "{sql}: {e}");
    };
    refused(
        "UPDATE disposal_batches SET transfer_note = 'forged'",
        "batch is closed",
    );
    refused(
        "UPDATE disposal_batches SET closed_at = NULL, closed_by = NULL, signed_off_by = NULL",
        "batch is closed",
    );
    refused("DELETE FROM disposal_batches", "kept");
    refused(
        "UPDATE disposal_items SET waste_code = '16 02 13*'",
        "batch is closed",
    );
    refused("DELETE FROM disposal_items", "batch is closed");
    refused(
        "INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by) \
         SELECT 1, 99, '16 02 14', 'x', 'y'",
        "batch is closed",
    );
    refused(
        "UPDATE disposal_sanitisation SET certificate = 'other'",
        "batch is closed",
    );
    refused("DELETE FROM disposal_sanitisation", "batch is closed");
    refused(
        "UPDATE assets SET status = 'in-stock' WHERE tag = 'D1'",
        "disposed asset is final",
    );
    refused("DELETE FROM assets WHERE tag = 'D1'", "disposal batch");
    refused(
        "UPDATE asset_history SET operator = 'someone'",
        "append-only",
    );
    refused("DELETE FROM asset_history", "append-only");
    refused("UPDATE audit_scans SET outcome = 'seen'", "append-only");
    refused("UPDATE audit_rounds SET name = 'X'", "closed audit round");
    refused(
        "INSERT INTO audit_scans (round_id, at, operator, tag, room, outcome) VALUES (1, 'x', 'y', 'Z', '', 'unknown')",
        "round is closed",
    );
    refused(
        "INSERT INTO disposal_batches (name, carrier, carrier_reg, created_at, created_by) VALUES ('B', 'C', 'CBDU12x', 'x', 'y')",
        "CHECK",
    );
}

#[test]
fn an_asset_on_loan_cannot_be_retired_or_disposed() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    add(&c, "L1", Category::Laptop, "", "IT");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The demo directory knows loconnor (enabled) and boakes (disabled).
    let l = rt
        .block_on(inv::loan(
            &c,
            &inv::LoanRequest {
                tag: "L1".into(),
                user: Some("loconnor".into()),
                ..Default::default()
            },
        ))
        .unwrap();
    assert_eq!(l.borrower_name, "Liam O'Connor");
    let e = inv::set_status(&c, "L1", Status::Retired, "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("return it first"), "{e}");
    disposal::new_batch(
        &c,
        &disposal::NewBatch {
            name: "B".into(),
            papers: BatchPapers {
                carrier: "C".into(),
                carrier_registration: "CBDL1".into(),
                ..Default::default()
            },
            notes: String::new(),
        },
    )
    .unwrap();
    let e = disposal::add(&c, "B", "L1", "16 02 14")
        .unwrap_err()
        .to_string();
    assert!(e.contains("on loan to loconnor"), "{e}");
    assert_eq!(inv::equipment_on_loan_to(&c, "LOCONNOR").unwrap().len(), 1);
    inv::return_asset(&c, "L1", "scratched lid", None).unwrap();
    assert!(inv::equipment_on_loan_to(&c, "loconnor")
        .unwrap()
        .is_empty());
    let h = inv::history(&c, "L1").unwrap();
    assert!(h.iter().any(|r| r.field == "status"
        && r.old.as_deref() == Some("on-loan")
        && r.new.as_deref() == Some("in-stock")));
}

#[test]
fn software_seats_and_renewals() {
    use schooltech::domain::inventory::software::Licence;
    use schooltech::ops::inventory::software;
    let t = tempfile::tempdir().unwrap();
    let c = ctx(&t);
    add(&c, "PC1", Category::Desktop, "", "R1");
    add(&c, "PC2", Category::Desktop, "", "R1");
    let new = |title: &str, licence, seats, expires| software::NewTitle {
        title: title.into(),
        publisher: String::new(),
        licence,
        seats,
        expires,
        cost_pence: Some(12_000),
    };
    assert!(
        software::add(&c, &new("Office", Licence::PerDevice, None, None))
            .unwrap_err()
            .to_string()
            .contains("--seats")
    );
    software::add(
        &c,
        &new(
            "Office",
            Licence::PerDevice,
            Some(1),
            NaiveDate::from_ymd_opt(2026, 12, 10),
        ),
    )
    .unwrap();
    software::add(&c, &new("Scratch", Licence::Site, None, None)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(software::assign(&c, "office", Some("PC1"), None))
        .unwrap();
    rt.block_on(software::assign(&c, "Office", Some("PC2"), None))
        .unwrap();
    assert!(rt
        .block_on(software::assign(&c, "Office", Some("PC2"), None))
        .unwrap_err()
        .to_string()
        .contains("already assigned"));
    assert!(rt
        .block_on(software::assign(&c, "Office", None, Some("nobody.x")))
        .unwrap_err()
        .to_string()
        .contains("no account"));
    rt.block_on(software::assign(&c, "Scratch", None, Some("spatel")))
        .unwrap();
    let r = software::report(&c, 30).unwrap();
    assert_eq!(r.over_allocated, ["Office"]);
    assert_eq!(r.expiring, ["Office"]);
    assert!(software::report(&c, 5).unwrap().expiring.is_empty());
}
