//! The demo school's part of the report: UK school terms for 2026/27 in `[report] terms`, and
//! the records the other demo seeds leave empty (shared logins, software titles, a loan to a
//! member of staff who left, a finished leaver sweep), so that every section has something to
//! show. Seeded the first time the report is made (as the filter log is), so the other tabs'
//! demo views stay as they were until then. Demo only; each part once.

use crate::config::{ReportConfig, TermConfig};
use crate::domain::creds::Credential;
use crate::domain::inventory::software::Licence;
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::ops::inventory::software::{self, NewTitle};
use crate::ops::inventory::{self, LoanRequest};
use crate::ops::{creds, Ctx};
use chrono::{Duration, NaiveDate};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// The terms of a typical English school year (2026/27), as in the example configuration.
pub fn terms() -> Vec<TermConfig> {
    [
        ("Summer 2026", d(2026, 4, 13), d(2026, 7, 22)),
        ("Autumn 2026", d(2026, 9, 2), d(2026, 12, 18)),
        ("Spring 2027", d(2027, 1, 5), d(2027, 3, 26)),
        ("Summer 2027", d(2027, 4, 12), d(2027, 7, 21)),
    ]
    .into_iter()
    .map(|(name, from, to)| TermConfig {
        name: name.into(),
        from,
        to,
    })
    .collect()
}

/// `[report]` for the demo.
pub fn config() -> ReportConfig {
    ReportConfig { terms: terms() }
}

/// Seeds what the report needs and the demo lacks (each part only when its table is empty).
pub async fn seed(ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let berrym = ctx.dir.get_account("21berrym").await?;
    let store = ctx.store()?;
    if store.credentials()?.is_empty() {
        for (name, system, known, period, days_ago) in [
            (
                "Office printer admin",
                "Kyocera web console",
                vec!["pchaudhry", "kmensah"],
                365,
                200,
            ),
            (
                "Guest Wi-Fi key",
                "Wireless controller",
                vec!["spatel", "kmensah"],
                90,
                120,
            ),
            ("MIS administrator", "SIMS", vec!["spatel"], 180, 40),
        ] {
            creds::add(
                ctx,
                &Credential {
                    name: name.into(),
                    system: system.into(),
                    known_by: known.into_iter().map(String::from).collect(),
                    owner: "spatel".into(),
                    period_days: period,
                    last_rotated: now - Duration::days(days_ago),
                },
                Some("spatel"),
            )
            .await?;
        }
        // Changed this term, after a member of staff who knew it left.
        creds::rotated(
            ctx,
            "Guest Wi-Fi key",
            Some(now - Duration::days(20)),
            Some("spatel"),
        )
        .await?;
    }
    if store.software()?.is_empty() {
        let today = now.london_date();
        for (title, publisher, licence, seats, expires) in [
            (
                "Microsoft 365 A3",
                "Microsoft",
                Licence::Subscription,
                Some(120),
                Some(today + Duration::days(40)),
            ),
            (
                "Adobe Creative Cloud",
                "Adobe",
                Licence::PerDevice,
                Some(2),
                Some(today + Duration::days(250)),
            ),
            ("Scratch", "MIT", Licence::Site, None, None),
        ] {
            software::add(
                ctx,
                &NewTitle {
                    title: title.into(),
                    publisher: publisher.into(),
                    licence,
                    seats,
                    expires,
                    cost_pence: None,
                },
            )?;
        }
        software::assign(ctx, "Adobe Creative Cloud", Some("DA-LAP-005"), None).await?;
        // A laptop with a member of staff whose account has since expired (the leavers scan
        // finds her): not returned.
        let _ = inventory::loan(
            ctx,
            &LoanRequest {
                tag: "DA-LAP-004".into(),
                user: Some("pchaudhry".into()),
                location: None,
                due: None,
                notes: "Year 10 trip planning".into(),
            },
        )
        .await;
    }
    if let Some(a) = berrym {
        crate::ops::leavers::demo_sweep_record(ctx, &store, &a)?;
    }
    demo_sync_record(ctx, &store)?;
    Ok(())
}

/// The demo's record of the September rollover, as a sync run 80 days ago would have left it
/// (joiners, movers, a returner, and a pupil missing from the roll whose account has since gone),
/// so the report's joiners, movers, leavers and returners trace to a run. Once, in a store with
/// no sync runs yet.
fn demo_sync_record(ctx: &Ctx, store: &crate::store::Store) -> Result<()> {
    use crate::domain::sync::Mark;
    use crate::store::sync::SyncRun;
    if !store.sync_runs()?.is_empty() {
        return Ok(());
    }
    let on = ctx.now() - Duration::days(80);
    let day = on.london_date();
    let run_id = format!("sync-{}-1", on.format("%Y%m%d-%H%M%S"));
    let summary = serde_json::json!({
        "create": 4,
        "move": 118,
        "rename": 1,
        "tolerate": 1,
        "reactivate": 1,
        "review": 0,
        "unchanged": 561,
        "by_year": ["Year 7 → Year 8: 118 accounts", "others: 1 tolerated"],
    });
    store.sync_create(
        &SyncRun {
            run_id: run_id.clone(),
            created_at: on,
            operator: ctx.operator.clone(),
            source: "demo-roll-september.csv".into(),
            summary,
            steps: 130,
            lock_pid: None,
            finished_at: None,
        },
        &[Mark {
            mis_id: "P099911".into(),
            username: "21hollandk".into(),
            first: day,
            last: day,
        }],
        &[],
        day,
    )?;
    store.sync_finish(&run_id, on + Duration::minutes(3))
}
