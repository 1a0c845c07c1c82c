//! The report's Leavers section: zombies now (as `leavers scan` finds them), the sweeps of the
//! period (`sweep list`), shared logins changed after leavers and those still due (`creds
//! report`), equipment not returned by anyone who left (pupils' laptops too), and leavers'
//! linked accounts still to disable by hand (protected ones schooltech never touches).

use super::{counted, evidence, figure, Period, Place, Section, Status};
use crate::domain::creds::CredStatus;
use crate::domain::leavers::Reason;
use crate::error::Result;
use crate::ops::{creds, leavers, Ctx};
use crate::store::LogFilter;
use std::collections::BTreeSet;

const RULE: &str = "Red: a zombie account needs an action (what makes `leavers scan` exit 1), a shared login is still known by someone who left, someone who left (any role) still has equipment on loan, or a leaver's linked account that is protected is still enabled (to disable by hand). Amber: a sweep run of the period is unfinished. Green otherwise. No data: no accounts.";

/// Reasons that mean the person has gone (their loans should have come back).
fn has_left(r: Reason) -> bool {
    matches!(
        r,
        Reason::Left | Reason::LeftRoll | Reason::Expired | Reason::OverduePurge
    )
}

/// The section for `period`.
pub async fn section(
    ctx: &Ctx,
    period: &Period,
    roll: &super::roll::RollChanges,
) -> Result<Section> {
    let mut s = Section {
        name: "leavers",
        title: "Leavers",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Leavers,
    };
    let mis = leavers::load_mis(ctx, None)?;
    let scan = leavers::scan(ctx, mis.as_ref()).await?;
    let all = ctx.dir.search_accounts(&Default::default()).await?.accounts;
    let accounts = all.len();
    if accounts == 0 {
        s.summary = "no accounts in the directory".into();
        return Ok(s);
    }
    let needs = scan.needs_action();
    let by_reason: Vec<(String, usize)> = Reason::ALL
        .iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                scan.findings.iter().filter(|f| f.reason == *r).count(),
            )
        })
        .collect();
    let mut f = figure(
        "leavers.zombies",
        "Zombie accounts now",
        counted(scan.findings.len(), &by_reason),
        "schooltech leavers scan",
        Place::Leavers,
    )
    .counting(scan.findings.len());
    f.status = Some(if needs { Status::Red } else { Status::Green });
    s.figures.push(f);
    s.evidence.push(evidence(
        "Zombie accounts",
        scan.findings
            .iter()
            .map(|f| {
                format!(
                    "{} ({}): {}, {}{}; {}{}",
                    f.username,
                    f.role.as_deref().unwrap_or("no role"),
                    f.reason.as_str(),
                    f.action.as_str(),
                    if f.protected { " (protected)" } else { "" },
                    f.evidence,
                    f.linked
                        .iter()
                        .map(|l| format!("; linked account {}", l.describe()))
                        .collect::<String>()
                )
            })
            .collect(),
    ));

    // Sweeps of the period, from the store (`sweep list`) and the action log (restores).
    let store = ctx.store()?;
    let runs: Vec<_> = store
        .sweep_runs()?
        .into_iter()
        .filter(|r| period.contains(r.created_at))
        .collect();
    let mut suspended = 0;
    let mut purged = 0;
    let mut unfinished = 0;
    let mut run_lines = Vec::new();
    for r in &runs {
        let n = store.leaver_records(&r.run_id)?.len();
        let purges = store
            .journal_run(&r.run_id)?
            .iter()
            .filter(|e| e.action == "leaver.purge")
            .count();
        if r.kind == "purge" {
            purged += purges;
        } else {
            suspended += n;
        }
        if r.finished_at.is_none() {
            unfinished += 1;
        }
        run_lines.push(format!(
            "{} {} on {} by {}: {}{}",
            r.kind,
            r.run_id,
            crate::domain::time::uk_date(r.created_at),
            r.operator,
            if r.kind == "purge" {
                format!("{purges} purged")
            } else {
                format!("{n} suspended")
            },
            if r.finished_at.is_some() {
                ""
            } else {
                " (UNFINISHED: `schooltech sweep --resume`)"
            }
        ));
    }
    let restored: BTreeSet<String> = store
        .log(&LogFilter {
            since: Some(period.start()),
            ..Default::default()
        })?
        .into_iter()
        .filter(|e| e.at <= period.end() && e.action.starts_with("leaver.restore"))
        .map(|e| e.target.to_lowercase())
        .collect();
    let mut f = figure(
        "leavers.sweeps",
        "Leaver sweeps in the period",
        format!(
            "{} run(s): {suspended} suspended, {purged} purged, {} restored",
            runs.len(),
            restored.len()
        ),
        "schooltech sweep list",
        Place::Leavers,
    )
    .listing(run_lines.clone());
    if unfinished > 0 {
        f.status = Some(Status::Amber);
    }
    s.figures.push(f);
    if !run_lines.is_empty() {
        s.evidence
            .push(evidence("Sweep runs in the period", run_lines));
    }
    // Joiners, movers, leavers and returners from the MIS roll's sync runs.
    super::roll::add_to(roll, &mut s);

    // Shared logins: changed in the period (their rotation events, by the day they were
    // changed, not when it was typed in), and still known by a leaver.
    let rotations = creds::rotations_between(ctx, period.start(), period.end())?;
    // One row per login changed (its changes of the period on it): what the figure counts.
    let mut changed: std::collections::BTreeMap<String, (String, Vec<String>)> = Default::default();
    for e in &rotations {
        let entry = changed
            .entry(e.after.name.to_lowercase())
            .or_insert_with(|| (e.after.name.clone(), Vec::new()));
        entry.1.push(format!(
            "{} (recorded by {})",
            crate::domain::time::uk_date(e.after.last_rotated),
            e.by
        ));
    }
    let changed_rows: Vec<String> = changed
        .into_values()
        .map(|(name, days)| format!("{name}: changed on {}", days.join(", ")))
        .collect();
    let rotated = changed_rows.len();
    let rotation_lines: Vec<String> = rotations
        .iter()
        .map(|e| {
            format!(
                "{}: changed on {} (recorded by {})",
                e.after.name,
                crate::domain::time::uk_date(e.after.last_rotated),
                e.by
            )
        })
        .collect();
    let register = creds::report(ctx).await?;
    let leaver_knows: Vec<String> = register
        .iter()
        .filter(|(_, v)| v.status == CredStatus::LeaverKnows)
        .map(|(c, v)| {
            format!(
                "{} ({}): known by {} who left; change it now",
                c.name,
                c.system,
                v.leavers.join(", ")
            )
        })
        .collect();
    s.figures.push(
        figure(
            "creds.changed",
            "Shared logins changed in the period",
            format!("{rotated} of {} in the register", register.len()),
            "schooltech creds show NAME",
            Place::Passwords,
        )
        .listing(changed_rows),
    );
    let mut f = figure(
        "creds.leaver-knows",
        "Shared logins still known by someone who left",
        leaver_knows.len().to_string(),
        "schooltech creds report",
        Place::Passwords,
    )
    .listing(leaver_knows.clone());
    f.status = Some(if leaver_knows.is_empty() {
        Status::Green
    } else {
        Status::Red
    });
    s.figures.push(f);
    if !leaver_knows.is_empty() {
        s.evidence
            .push(evidence("Shared logins to change", leaver_knows.clone()));
    }
    if !rotation_lines.is_empty() {
        s.evidence.push(evidence(
            "Shared logins changed in the period",
            rotation_lines,
        ));
    }

    // Equipment still on loan to anyone who left: the sweep's records and the scan's findings.
    let mut gone: BTreeSet<String> = store
        .leaver_records_all()?
        .into_iter()
        .map(|r| r.username.to_lowercase())
        .collect();
    gone.extend(
        scan.findings
            .iter()
            .filter(|f| has_left(f.reason))
            .map(|f| f.username.to_lowercase()),
    );
    let mut not_returned = Vec::new();
    for u in &gone {
        for (l, a) in crate::ops::inventory::equipment_on_loan_to(ctx, u)? {
            not_returned.push(format!(
                "{} {} {} with {u} (issued {})",
                a.tag,
                a.manufacturer,
                a.model,
                crate::domain::time::uk_date(l.issued_at)
            ));
        }
    }
    let mut f = figure(
        "leavers.equipment-not-returned",
        "Equipment not returned by people who left",
        not_returned.len().to_string(),
        "schooltech inventory loans",
        Place::Inventory,
    )
    .listing(not_returned.clone());
    f.status = Some(if not_returned.is_empty() {
        Status::Green
    } else {
        Status::Red
    });
    s.figures.push(f);
    if !not_returned.is_empty() {
        s.evidence
            .push(evidence("Equipment not returned", not_returned.clone()));
    }

    // Leavers' linked accounts that are protected and still enabled: a person disables them.
    let by_hand = by_hand(ctx, &scan, &all)?;
    let mut f = figure(
        "leavers.disable-by-hand",
        "Linked accounts to disable by hand",
        by_hand.len().to_string(),
        "schooltech sweep",
        Place::Leavers,
    )
    .listing(by_hand.clone());
    f.status = Some(if by_hand.is_empty() {
        Status::Green
    } else {
        Status::Red
    });
    s.figures.push(f);
    if !by_hand.is_empty() {
        s.evidence.push(evidence(
            "Linked accounts to disable by hand",
            by_hand.clone(),
        ));
    }

    s.status =
        if needs || !leaver_knows.is_empty() || !not_returned.is_empty() || !by_hand.is_empty() {
            Status::Red
        } else if unfinished > 0 {
            Status::Amber
        } else {
            Status::Green
        };
    use crate::domain::leavers::Action;
    let acting = |a: Action| {
        scan.findings
            .iter()
            .filter(|f| !f.protected && f.action == a)
            .count()
    };
    let (to_act, to_review) = (
        acting(Action::Suspend) + acting(Action::Purge),
        acting(Action::Review),
    );
    s.summary = match s.status {
        Status::Red => format!(
            "{to_act} zombie account(s) to suspend or remove and {to_review} to review; {} shared login(s) known by leavers; {} item(s) of equipment not returned; {} linked account(s) to disable by hand",
            leaver_knows.len(),
            not_returned.len(),
            by_hand.len()
        ),
        Status::Amber => format!("{unfinished} sweep run(s) unfinished"),
        _ => "no zombie accounts need an action".into(),
    };
    Ok(s)
}

/// The protected linked accounts of leavers (those found now, and those the sweep suspended and
/// nothing restored) that are still enabled: "adm-spatel (…), with spatel: to disable by hand:
/// protected (…)".
fn by_hand(
    ctx: &Ctx,
    scan: &leavers::Scan,
    all: &[crate::domain::account::Account],
) -> Result<Vec<String>> {
    use crate::domain::leavers::linked::{Linked, LinkedAction, Links};
    let mut out: std::collections::BTreeMap<String, String> = Default::default();
    let mut add = |l: &Linked, with: &str| {
        if l.action == LinkedAction::ByHand {
            out.entry(l.username.to_lowercase())
                .or_insert_with(|| format!("{}, with {with}", l.describe()));
        }
    };
    for f in &scan.findings {
        for l in &f.linked {
            add(l, &f.username);
        }
    }
    let links = Links::new(all, &ctx.config.leavers.linked);
    let protection = crate::ops::protect::Protection::from_ctx(ctx);
    for r in leavers::open_suspensions(ctx)? {
        let Some(a) = all.iter().find(|a| match (&r.object_id, &a.object_id) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            (Some(_), None) => false,
            (None, _) => a.username.eq_ignore_ascii_case(&r.username),
        }) else {
            continue;
        };
        for (o, link) in links.of(a) {
            let l = Linked::new(o, link, protection.check(o).map(|w| w.to_string()));
            add(&l, &a.username);
        }
    }
    Ok(out.into_values().collect())
}
