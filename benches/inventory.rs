//! Timings for the equipment register with 100,000 assets: `cargo bench --bench inventory`.
//!
//! In one run, on a store file in a temp dir (WAL, like a school's):
//! 1. import of 100,000 assets from CSV (read, check every row, write in one transaction);
//! 2. audit scans: 2,000 scans of random tags into an open round, median and p99 per scan, with
//!    the store's default `synchronous = FULL` and with a scan session's `NORMAL`;
//! 3. `inventory list --search` through `ops::inventory::list`: median of 20 searches.
//!
//! `benches/inventory.sh` times the same through the release binary, as a technician runs it.

use chrono::{NaiveDate, TimeZone, Utc};
use schooltech::config::Config;
use schooltech::directory::demo::DemoDirectory;
use schooltech::domain::roles::RoleMap;
use schooltech::ops::inventory::{self as inv, audit, import};
use schooltech::ops::Ctx;
use schooltech::store::inventory::AssetQuery;
use std::sync::Arc;
use std::time::{Duration, Instant};

const N: usize = 100_000;

/// The acceptance checks' CSV: the export header, tag/serial/category/status/model/room filled.
pub fn csv(n: usize) -> String {
    let cats = ["laptop", "desktop", "tablet", "printer", "display"];
    let makes = ["Dell", "HP", "Lenovo", "Apple"];
    let mut s = String::with_capacity(n * 80);
    s.push_str(&import::HEADER.join(","));
    s.push('\n');
    for i in 1..=n {
        s.push_str(&format!(
            "HA{i:06},SN-{:09},{},{},Model {},,,Room {},in-stock,,,,,,,,\n",
            i * 7919,
            cats[i % 5],
            makes[i % 4],
            i % 37,
            i % 40 + 1
        ));
    }
    s
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = DemoDirectory::bundled(RoleMap::default()).expect("demo directory");
    // Writes on a fixed clock (the end of 25 Nov 2026): --as-of is for reports and dry runs.
    let mut ctx = Ctx::with_directory(
        Config::default(),
        Arc::new(dir),
        tmp.path().join("bench.db"),
        None,
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date");
    ctx.clock = schooltech::clock::Clock::Fixed(schooltech::domain::time::end_of_day(day));
    let text = csv(N);

    let t = Instant::now();
    let plan = import::plan(&ctx, text.as_bytes()).expect("plan");
    let planned = t.elapsed();
    assert!(
        plan.errors.is_empty(),
        "{:?}",
        &plan.errors[..plan.errors.len().min(3)]
    );
    let n = import::apply(&ctx, &plan, "bench.csv").expect("apply");
    let total = t.elapsed();
    println!(
        "import {n} assets: {:.2} s (read and check {:.2} s, write {:.2} s)",
        total.as_secs_f64(),
        planned.as_secs_f64(),
        (total - planned).as_secs_f64()
    );

    audit::start(&ctx, "Bench").expect("round");
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    for fast in [false, true] {
        let s = audit::ScanSession::open(&ctx, fast).expect("session");
        let mut times = Vec::with_capacity(2_000);
        let mut x: u64 = if fast { 99 } else { 7 };
        for _ in 0..2_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let tag = format!("HA{:06}", (x >> 33) % (N as u64) + 1);
            let t = Instant::now();
            s.scan(&tag, Some("Room 1"), now).expect("scan");
            times.push(t.elapsed());
        }
        let (med, p99) = median(times);
        println!(
            "audit scan ({}): median {:.3} ms, p99 {:.3} ms",
            if fast {
                "scan session, synchronous=NORMAL"
            } else {
                "synchronous=FULL"
            },
            med.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }

    for (what, q) in [
        ("search \"model 17\"", "model 17"),
        ("search \"ha09999\"", "ha09999"),
        ("search \"sn-000\"", "sn-000"),
    ] {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..20 {
            let t = Instant::now();
            found = inv::list(
                &ctx,
                &AssetQuery {
                    search: Some(q.into()),
                    ..Default::default()
                },
            )
            .expect("list")
            .len();
            times.push(t.elapsed());
        }
        let (med, _) = median(times);
        println!(
            "list {what} over {N}: median {:.1} ms ({found} found)",
            med.as_secs_f64() * 1e3
        );
    }
}
