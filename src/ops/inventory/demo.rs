//! The demo school's inventory: assets of every category and status, loans to demo staff (one
//! overdue, one to a disabled account), an open audit round with scans and an open disposal
//! batch, so `schooltech --demo inventory …` shows something. The demo's set-up is not an action
//! of the technician's, so it is not in the action log (the demo starts with an empty log).

use crate::domain::inventory::asset::{AssetFields, Encrypted};
use crate::domain::inventory::disposal::{BatchPapers, Sanitisation};
use crate::domain::inventory::loan::Borrower;
use crate::domain::inventory::{Category, ScanOutcome, Status};
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::store::inventory::SanitisationRow;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};

/// (tag, category, make, model, serial, room, status, encrypted, price in pence)
type Row = (
    &'static str,
    Category,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Status,
    Encrypted,
    i64,
);

const ASSETS: &[Row] = &[
    (
        "DA-LAP-001",
        Category::Laptop,
        "Dell",
        "Latitude 5440",
        "7HQK2Y3",
        "IT Office",
        Status::OnLoan,
        Encrypted::Yes,
        89_900,
    ),
    (
        "DA-LAP-002",
        Category::Laptop,
        "Dell",
        "Latitude 5440",
        "8JRL3Z4",
        "IT Office",
        Status::OnLoan,
        Encrypted::Unknown,
        89_900,
    ),
    (
        "DA-LAP-003",
        Category::Laptop,
        "Lenovo",
        "ThinkPad L14",
        "PF3XK21",
        "IT Office",
        Status::OnLoan,
        Encrypted::No,
        74_500,
    ),
    (
        "DA-LAP-004",
        Category::Laptop,
        "Lenovo",
        "ThinkPad L14",
        "PF3XK22",
        "IT Office",
        Status::InStock,
        Encrypted::Yes,
        74_500,
    ),
    (
        "DA-LAP-005",
        Category::Laptop,
        "HP",
        "ProBook 450 G9",
        "5CD2441XYZ",
        "Room 12",
        Status::Deployed,
        Encrypted::Unknown,
        69_900,
    ),
    (
        "DA-DSK-001",
        Category::Desktop,
        "Dell",
        "OptiPlex 7010",
        "2MNB8K3",
        "Room 12",
        Status::Deployed,
        Encrypted::No,
        62_000,
    ),
    (
        "DA-DSK-002",
        Category::Desktop,
        "Dell",
        "OptiPlex 7010",
        "2MNB8K4",
        "Room 12",
        Status::Deployed,
        Encrypted::No,
        62_000,
    ),
    (
        "DA-DSK-003",
        Category::Desktop,
        "Dell",
        "OptiPlex 3050",
        "9XKL2P1",
        "IT Office",
        Status::Retired,
        Encrypted::No,
        45_000,
    ),
    (
        "DA-TAB-001",
        Category::Tablet,
        "Apple",
        "iPad (9th gen)",
        "DMPXK2Q1",
        "Library",
        Status::Deployed,
        Encrypted::Yes,
        32_900,
    ),
    (
        "DA-TAB-002",
        Category::Tablet,
        "Apple",
        "iPad (9th gen)",
        "DMPXK2Q2",
        "Library",
        Status::Lost,
        Encrypted::Yes,
        32_900,
    ),
    (
        "DA-PHN-001",
        Category::Phone,
        "Samsung",
        "Galaxy A15",
        "R58W20ABC",
        "Main Office",
        Status::Deployed,
        Encrypted::Unknown,
        17_900,
    ),
    (
        "DA-PRN-001",
        Category::Printer,
        "Kyocera",
        "ECOSYS M3145",
        "VCF1234567",
        "Staff Room",
        Status::Deployed,
        Encrypted::No,
        54_000,
    ),
    (
        "DA-PRN-002",
        Category::Printer,
        "HP",
        "LaserJet 4250",
        "CNBXK12345",
        "IT Office",
        Status::Retired,
        Encrypted::No,
        0,
    ),
    (
        "DA-NET-001",
        Category::Network,
        "Ubiquiti",
        "UniFi U6-Pro",
        "F4E2C6A1",
        "Hall",
        Status::Deployed,
        Encrypted::Unknown,
        15_900,
    ),
    (
        "DA-NET-002",
        Category::Network,
        "Netgear",
        "GS724T",
        "4HT1234567",
        "Server Room",
        Status::InRepair,
        Encrypted::Unknown,
        21_000,
    ),
    (
        "DA-SRV-001",
        Category::Server,
        "Dell",
        "PowerEdge T150",
        "CN0XK7Q",
        "Server Room",
        Status::Deployed,
        Encrypted::Yes,
        189_900,
    ),
    (
        "DA-DSP-001",
        Category::Display,
        "Promethean",
        "ActivPanel 9 75\"",
        "AP9-75-0012",
        "Room 12",
        Status::Deployed,
        Encrypted::Unknown,
        320_000,
    ),
    (
        "DA-DSP-002",
        Category::Display,
        "Iiyama",
        "ProLite X2483",
        "11234A0456",
        "IT Office",
        Status::Retired,
        Encrypted::Unknown,
        0,
    ),
    (
        "DA-STO-001",
        Category::Storage,
        "Kingston",
        "IronKey 16GB",
        "KIK-16-0091",
        "Main Office",
        Status::Deployed,
        Encrypted::Yes,
        6_500,
    ),
    (
        "DA-STO-002",
        Category::Storage,
        "WD",
        "Elements 2TB",
        "WX12A34B5678",
        "IT Office",
        Status::Retired,
        Encrypted::No,
        5_900,
    ),
    (
        "DA-OTH-001",
        Category::Other,
        "Epson",
        "EB-W49 projector lamp",
        "",
        "Room 7",
        Status::InStock,
        Encrypted::Unknown,
        9_900,
    ),
];

/// Writes the demo inventory into a fresh demo store (nothing if it already has assets).
pub fn seed(store: &Store, now: DateTime<Utc>) -> Result<()> {
    if !store.assets(&Default::default())?.is_empty() {
        return Ok(());
    }
    let started = now - Duration::days(120);
    let today = now.london_date();
    let tx = store.inventory_tx("setting up the demo inventory", started)?;
    let mut ids = Vec::new();
    for (tag, cat, make, model, serial, room, status, enc, price) in ASSETS {
        let f = AssetFields {
            serial: serial.to_string(),
            category: Some(*cat),
            manufacturer: make.to_string(),
            model: model.to_string(),
            room: room.to_string(),
            encrypted: *enc,
            price_pence: (*price > 0).then_some(*price),
            purchase_date: Some(today - Duration::days(900)),
            supplier: "Demo IT Supplies Ltd".into(),
            funding: "Devolved capital".into(),
            ..Default::default()
        };
        let a = super::asset_from(tag, *status, &f)?;
        ids.push((tx.insert_asset(&a, "demo")?, *tag));
    }
    let id = |t: &str| {
        ids.iter()
            .find(|(_, x)| *x == t)
            .map(|(i, _)| *i)
            .unwrap_or(0)
    };
    // Loans: one current, one overdue, one to a disabled (long-term absent) member of staff.
    for (tag, user, name, due) in [
        (
            "DA-LAP-001",
            "loconnor",
            "Liam O'Connor",
            today + Duration::days(200),
        ),
        (
            "DA-LAP-002",
            "jsmith",
            "Jack Smith",
            today - Duration::days(14),
        ),
        (
            "DA-LAP-003",
            "boakes",
            "Bernard Oakes",
            today + Duration::days(30),
        ),
    ] {
        tx.insert_loan(
            id(tag),
            &Borrower::User(user.into()),
            name,
            Some(due),
            "demo loan",
        )?;
    }
    tx.commit()?;

    // An open audit round with a few scans: seen, moved, an unknown tag.
    let tx = store.inventory_tx("setting up the demo audit", now - Duration::days(2))?;
    let round = tx.start_round("Autumn term audit")?;
    for (tag, room, outcome) in [
        ("DA-DSK-001", "Room 12", ScanOutcome::Seen),
        ("DA-DSK-002", "Room 12", ScanOutcome::Seen),
        ("DA-LAP-005", "Room 14", ScanOutcome::Moved),
        ("DA-DSP-001", "Room 12", ScanOutcome::Seen),
        ("OLD-0042", "Room 12", ScanOutcome::Unknown),
    ] {
        let aid = (outcome != ScanOutcome::Unknown).then(|| id(tag));
        tx.insert_scan(
            round,
            tag,
            aid,
            room,
            outcome,
            aid.map(|_| (now - Duration::days(2)).london_date()),
        )?;
    }
    // A disposal batch still open: one item sanitised, one not yet (so it cannot close).
    let batch = tx.insert_batch(
        "WEEE-DEMO-1",
        &BatchPapers {
            carrier: "Green Circuit Recycling Ltd".into(),
            carrier_registration: "CBDU123456".into(),
            collected_on: None,
            transfer_note: String::new(),
            consignment_note: String::new(),
        },
        "demo batch",
    )?;
    let i1 = tx.insert_item(batch, id("DA-DSK-003"), "16 02 14")?;
    tx.insert_item(batch, id("DA-STO-002"), "16 02 16")?;
    tx.insert_item(batch, id("DA-DSP-002"), "16 02 14")?;
    tx.put_sanitisation(
        i1,
        &SanitisationRow {
            method: Sanitisation::Purge,
            certificate: "IT-WIPE-2026-017".into(),
            verified_by: "Sam Patel".into(),
            done_on: Some(today - Duration::days(3)),
        },
    )?;
    tx.commit()?;
    Ok(())
}
