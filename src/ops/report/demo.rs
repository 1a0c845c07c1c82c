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
    }
    if let Some(a) = berrym {
        crate::ops::leavers::demo_sweep_record(ctx, &store, &a)?;
    }
    if store.sync_runs()?.is_empty() {
        let all = ctx.dir.search_accounts(&Default::default()).await?.accounts;
        demo_sync_record(ctx, &store, &all)?;
    }
    demo_records(ctx, &store)?;
    Ok(())
}

/// The demo's record of the September rollover, as a sync run 80 days ago would have left it
/// (joiners, movers, a returner, and a pupil missing from the roll whose account has since gone),
/// so the report's joiners, movers, leavers and returners trace to a run. The run is saved
/// without journal steps, so its summary names the accounts (`accounts`: the four newest Year 7
/// pupils created, the Year 8 pupils moved up, one Year 9 pupil brought back): the report's
/// lists behind those figures. Once, in a store with no sync runs yet.
fn demo_sync_record(
    ctx: &Ctx,
    store: &crate::store::Store,
    all: &[crate::domain::account::Account],
) -> Result<()> {
    use crate::domain::sync::Mark;
    use crate::store::sync::SyncRun;
    // Pupils of an intake (moved up in September: some may have been disabled since).
    let pupils = |prefix: &str| -> Vec<&crate::domain::account::Account> {
        let mut v: Vec<_> = all
            .iter()
            .filter(|a| a.role.as_deref() == Some("pupil"))
            .filter(|a| a.username.starts_with(prefix))
            .collect();
        v.sort_by(|a, b| a.username.cmp(&b.username));
        v
    };
    let mut year7 = pupils("26");
    year7.sort_by(|a, b| b.created.cmp(&a.created).then(a.username.cmp(&b.username)));
    let names = |v: &[&crate::domain::account::Account], n: usize| -> Vec<String> {
        v.iter().take(n).map(|a| a.username.clone()).collect()
    };
    let (create, moved, back) = (
        names(&year7, 4),
        names(&pupils("25"), 118),
        names(&pupils("24"), 1),
    );
    let on = ctx.now() - Duration::days(80);
    let day = on.london_date();
    let run_id = format!("sync-{}-1", on.format("%Y%m%d-%H%M%S"));
    let summary = serde_json::json!({
        "create": create.len(),
        "move": moved.len(),
        "rename": 1,
        "tolerate": 1,
        "reactivate": back.len(),
        "review": 0,
        "unchanged": 561,
        "by_year": [format!("Year 7 → Year 8: {} accounts", moved.len()), "others: 1 tolerated".to_string()],
        "accounts": {"create": create, "move": moved, "reactivate": back},
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

/// The records the other demo seeds leave out, so that every figure of the report that counts
/// something has a row behind it: an encrypted USB stick issued in the summer to a member of staff whose
/// account has since expired (equipment not returned), a data-breach record for the lost iPad
/// (found this term), and a change made in the directory outside schooltech (an account's
/// description). Written straight to the store as they would have been then, each once.
fn demo_records(ctx: &Ctx, store: &crate::store::Store) -> Result<()> {
    use crate::domain::inventory::loan::Borrower;
    use crate::domain::inventory::records::BreachRecord;
    use crate::domain::inventory::{Encrypted, Status};
    if store.is_read_only() {
        return Ok(());
    }
    let now = ctx.now();
    let today = now.london_date();
    // (Not a laptop the other demos and their tests lend, edit and repair: the encrypted USB
    // stick of the main office.)
    if let Some(a) = store.asset("DA-STO-001")? {
        if a.status == Status::Deployed && store.loans(Some(a.id), false)?.is_empty() {
            let mut tx = store.inventory_tx("setting up the demo", now - Duration::days(100))?;
            let mut after = a.clone();
            after.status = Status::OnLoan;
            tx.update_asset(&a, &after, "loan to user pchaudhry")?;
            tx.log(
                "asset.loan",
                &a.tag,
                serde_json::json!({"to": "pchaudhry", "kind": "user", "name": "Priya Chaudhry",
                       "due": null, "old_status": a.status, "new_status": Status::OnLoan}),
            );
            tx.insert_loan(
                a.id,
                &Borrower::User("pchaudhry".into()),
                "Priya Chaudhry",
                None,
                "exam data for the Year 10 trip",
            )?;
            tx.commit()?;
        }
    }
    if store
        .history_rows_of_field(crate::ops::inventory::BREACH_FIELD)?
        .is_empty()
    {
        if let Some(a) = store.asset("DA-TAB-002")? {
            let record = BreachRecord {
                found_on: today - Duration::days(41),
                told: "the data protection officer (spatel)".into(),
                ico_reference: None,
                not_reportable: Some("encrypted and passcode-locked (managed iPad)".into()),
                encrypted: Encrypted::Yes,
            };
            let json = serde_json::to_string(&record).unwrap_or_default();
            let tx = store.inventory_tx("setting up the demo", now - Duration::days(40))?;
            tx.history(
                a.id,
                crate::ops::inventory::BREACH_FIELD,
                None,
                Some(&json),
                "data-breach record (lost or stolen, not known to be encrypted)",
            )?;
            tx.commit()?;
        }
    }
    // (The demo's other outside changes, `ops::mirror::seed_demo`, are dated before the term.)
    if !store
        .outside_changes(None)?
        .iter()
        .any(|c| c.stamp == "demo-report-1")
    {
        let at = now - Duration::days(9);
        store.record_outside_changes(&[crate::store::mirror::OutsideChange {
            detected_at: at,
            changed_at: Some(at - Duration::hours(2)),
            kind: "account".into(),
            target: "22crossa".into(),
            dn: "CN=Archie Cross,OU=Year 11,OU=Pupils,OU=School,DC=demo,DC=school".into(),
            change: "description: \"\" -> \"work experience at the council\"".into(),
            who: None,
            stamp: "demo-report-1".into(),
            protected: false,
        }])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::ops::report::{self, PeriodRequest, Report, NOT_COUNTS};
    use crate::ops::Ctx;

    /// The demo's report for the autumn term, judged on 7 Dec 2026.
    fn demo_report() -> Report {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap();
        let ctx = Ctx::demo_with_clock(None, None, crate::ops::Clock::Fixed(now)).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(report::termly_for(&ctx, &PeriodRequest::default()))
            .unwrap()
    }

    fn figure<'a>(r: &'a Report, key: &str) -> &'a report::Figure {
        r.sections
            .iter()
            .flat_map(|s| s.figures.iter())
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("the demo's report has {key}"))
    }

    /// The figure's number as shown (its first digits) is its count and the number of rows
    /// the report lists behind it; `min` rows at least in the demo.
    fn listed(r: &Report, key: &str, min: usize) -> Vec<String> {
        let f = figure(r, key);
        let rows = f
            .rows
            .clone()
            .unwrap_or_else(|| panic!("{key} lists its rows"));
        assert_eq!(f.count, Some(rows.len()), "{key}: count == rows");
        let shown: String = f.value.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(shown, rows.len().to_string(), "{key}: \"{}\"", f.value);
        assert!(
            rows.len() >= min,
            "{key}: {} row(s) in the demo",
            rows.len()
        );
        rows
    }

    #[test]
    fn the_rolls_figures_count_the_accounts_they_list() {
        let r = demo_report();
        let j = listed(&r, "roll.joiners", 1);
        let m = listed(&r, "roll.movers", 1);
        let l = listed(&r, "roll.leavers", 1);
        let b = listed(&r, "roll.returners", 1);
        assert_eq!(
            (j.len(), m.len(), l.len(), b.len()),
            (
                r.roll.joiners,
                r.roll.movers,
                r.roll.leavers,
                r.roll.returners
            )
        );
        assert_eq!((j.len(), m.len(), b.len()), (4, 118, 1));
        assert!(j[0].contains(": created by sync-"), "{j:?}");
        assert!(l[0].starts_with("21hollandk (P099911)"), "{l:?}");
    }

    #[test]
    fn the_leavers_figures_count_the_rows_they_list() {
        let r = demo_report();
        let sweeps = listed(&r, "leavers.sweeps", 1);
        assert!(sweeps[0].starts_with("suspend sweep-"), "{sweeps:?}");
        let changed = listed(&r, "creds.changed", 1);
        assert!(
            changed[0].starts_with("Guest Wi-Fi key: changed on"),
            "{changed:?}"
        );
        let knows = listed(&r, "creds.leaver-knows", 1);
        assert!(knows[0].starts_with("Office printer admin"), "{knows:?}");
        let kit = listed(&r, "leavers.equipment-not-returned", 1);
        assert!(kit[0].starts_with("DA-STO-001"), "{kit:?}");
        assert!(kit[0].contains("with pchaudhry"), "{kit:?}");
        let by_hand = listed(&r, "leavers.disable-by-hand", 1);
        assert!(by_hand[0].starts_with("adm-spatel"), "{by_hand:?}");
    }

    #[test]
    fn the_inventory_and_log_figures_count_the_rows_they_list() {
        let r = demo_report();
        let batches = listed(&r, "inventory.disposal-batches", 1);
        assert!(
            !batches[0].starts_with("  "),
            "one row per batch: {batches:?}"
        );
        let breaches = listed(&r, "inventory.breach-records", 1);
        assert!(
            breaches[0].starts_with("DA-TAB-002: loss found"),
            "{breaches:?}"
        );
        listed(&r, "inventory.licences-over-allocated", 0);
        listed(&r, "inventory.licences-expiring", 1);
        let outside = listed(&r, "log.outside-changes", 1);
        assert!(outside[0].contains("account 22crossa"), "{outside:?}");
    }

    /// Only figures that are not counts (a policy, a date, a chain check, a mix) have no list:
    /// a figure with a number and no count (so no drill-down) fails here.
    #[test]
    fn every_figure_with_a_number_has_a_list() {
        let r = demo_report();
        for f in r.sections.iter().flat_map(|s| s.figures.iter()) {
            match f.count {
                Some(n) => {
                    if let Some(rows) = &f.rows {
                        assert_eq!(rows.len(), n, "{}", f.key);
                    }
                }
                None => assert!(
                    NOT_COUNTS.contains(&f.key.as_str()),
                    "{} (\"{}: {}\") is a number with no list behind it",
                    f.key,
                    f.label,
                    f.value
                ),
            }
        }
    }
}
