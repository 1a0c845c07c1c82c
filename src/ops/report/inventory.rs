//! The report's Inventory section: the audit round (`inventory audit report`), unencrypted
//! portable devices (`inventory encryption`), licences (`inventory software report`), disposal
//! batches of the period (`inventory disposal report`).

use super::{evidence, figure, Bar, Chart, Period, Place, Section, Status};
use crate::domain::time::uk_date;
use crate::error::Result;
use crate::ops::inventory::{self, audit, disposal, software};
use crate::ops::Ctx;
use crate::store::inventory::AssetQuery;
use chrono::NaiveDate;

const RULE: &str = "Red: a portable data-bearing device in use is not known to be encrypted, or a licence is over-allocated. Amber: no audit round started in the period, the latest round is open or did not see everything, a licence expires within 60 days, or a disposal batch of the period lacks paperwork. Green otherwise. No data: no assets registered.";

/// The window for licences "expiring soon" (what `inventory software report` uses by default).
pub const LICENCE_DAYS: u32 = 60;

/// The series of the audit-coverage chart.
pub const COVERAGE: [&str; 3] = ["seen in place", "seen elsewhere", "not seen"];

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| "-".into())
}

/// The section for `period`.
pub fn section(ctx: &Ctx, period: &Period) -> Result<Section> {
    let mut s = Section {
        name: "inventory",
        title: "Inventory",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Inventory,
    };
    let assets = inventory::list(ctx, &AssetQuery::default())?;
    if assets.is_empty() {
        s.summary = "no inventory recorded".into();
        return Ok(s);
    }
    let mut amber = Vec::new();
    let mut red = Vec::new();
    s.figures.push(
        figure(
            "inventory.assets",
            "Assets in the register",
            assets.len().to_string(),
            "schooltech inventory list",
            Place::Inventory,
        )
        .counting(assets.len()),
    );

    // The audit round.
    match audit::report(ctx, None) {
        Ok(rep) => {
            let open = rep.round.closed_at.is_none();
            let in_period = period.contains(rep.round.started_at);
            let mut f = figure(
                "inventory.audit",
                format!("Audit round \"{}\"", rep.round.name),
                format!(
                    "{} seen, {} moved, {} not seen{}; started {}{}",
                    rep.seen.len(),
                    rep.moved.len(),
                    rep.not_seen.len(),
                    if rep.unknown.is_empty() {
                        String::new()
                    } else {
                        format!(", {} unknown tag(s)", rep.unknown.len())
                    },
                    uk_date(rep.round.started_at),
                    match rep.round.closed_at {
                        Some(c) => format!(", closed {}", uk_date(c)),
                        None => ", still open".into(),
                    }
                ),
                "schooltech inventory audit report",
                Place::Inventory,
            );
            let fine = !open && in_period && rep.not_seen.is_empty();
            f.status = Some(if fine { Status::Green } else { Status::Amber });
            s.figures.push(f);
            if !in_period {
                amber.push("no audit round started in the period".to_string());
            } else if open {
                amber.push("the audit round is still open".to_string());
            }
            if !rep.not_seen.is_empty() {
                amber.push(format!(
                    "{} asset(s) not seen by the audit",
                    rep.not_seen.len()
                ));
            }
            s.evidence.push(evidence(
                "Not seen by the audit",
                rep.not_seen
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {} ({}, {}{})",
                            m.tag,
                            m.description,
                            if m.room.is_empty() {
                                "no room"
                            } else {
                                m.room.as_str()
                            },
                            m.status,
                            m.loaned_to
                                .as_ref()
                                .map(|l| format!(", on loan to {l}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
            ));
            if !rep.moved.is_empty() {
                s.evidence.push(evidence(
                    "Found in another room",
                    rep.moved
                        .iter()
                        .map(|m| {
                            format!(
                                "{} {}: registered {}, found in {}",
                                m.tag, m.description, m.room, m.scanned_in
                            )
                        })
                        .collect(),
                ));
            }
            s.charts.push(Chart {
                title: format!("Audit coverage per room ({})", rep.round.name),
                series: COVERAGE.iter().map(|c| c.to_string()).collect(),
                bars: rep
                    .rooms
                    .iter()
                    .filter(|(_, c)| c.seen + c.not_seen > 0)
                    .map(|(room, c)| Bar {
                        label: room.clone(),
                        values: vec![c.seen - c.moved_out.min(c.seen), c.moved_out, c.not_seen],
                    })
                    .collect(),
            });
        }
        Err(crate::Error::Usage(_)) => {
            s.figures.push(figure(
                "inventory.audit",
                "Audit round",
                "none yet",
                "schooltech inventory audit start --name NAME",
                Place::Inventory,
            ));
            amber.push("there has been no audit round".to_string());
        }
        Err(e) => return Err(e),
    }

    // Encryption.
    let unencrypted = inventory::encryption_report(ctx)?;
    let mut f = figure(
        "inventory.unencrypted",
        "Portable devices not known to be encrypted",
        unencrypted.len().to_string(),
        "schooltech inventory encryption",
        Place::Inventory,
    )
    .counting(unencrypted.len());
    f.status = Some(if unencrypted.is_empty() {
        Status::Green
    } else {
        Status::Red
    });
    s.figures.push(f);
    if !unencrypted.is_empty() {
        red.push(format!(
            "{} portable device(s) not known to be encrypted",
            unencrypted.len()
        ));
        s.evidence.push(evidence(
            "Portable devices not known to be encrypted",
            unencrypted
                .iter()
                .map(|r| {
                    let a = &r.row.asset;
                    format!(
                        "{} {} ({}{}): encryption {}",
                        a.tag,
                        a.description(),
                        a.status,
                        r.row
                            .loaned_to
                            .as_ref()
                            .map(|l| format!(", with {l}"))
                            .unwrap_or_default(),
                        a.encrypted.as_str()
                    )
                })
                .collect(),
        ));
    }

    // Lost or stolen devices that may have held unencrypted data: their data-breach records.
    let breaches: Vec<_> = inventory::breach_records(ctx)?
        .into_iter()
        .filter(|b| period.contains_day(b.record.found_on))
        .collect();
    let breach_lines: Vec<String> = breaches
        .iter()
        .map(|b| {
            let r = &b.record;
            format!(
                "{}: loss found {}, told {}, {} (encryption {}; recorded by {} on {})",
                b.tag,
                day(Some(r.found_on)),
                r.told,
                match (&r.ico_reference, &r.not_reportable) {
                    (Some(i), _) => format!("reported to the ICO, reference {i}"),
                    (None, Some(n)) => format!("not reportable: {n}"),
                    (None, None) => "no ICO decision recorded".to_string(),
                },
                r.encrypted.as_str(),
                b.operator,
                uk_date(b.recorded_at)
            )
        })
        .collect();
    s.figures.push(
        figure(
            "inventory.breach-records",
            "Lost or stolen devices with a data-breach record",
            breaches.len().to_string(),
            "schooltech inventory history TAG",
            Place::Inventory,
        )
        .listing(breach_lines.clone()),
    );
    if !breach_lines.is_empty() {
        s.evidence.push(evidence(
            "Data-breach records (lost or stolen, not known to be encrypted)",
            breach_lines,
        ));
    }

    // Licences.
    let sw = software::report(ctx, LICENCE_DAYS)?;
    let title_line = |t: &crate::domain::inventory::software::Title| {
        format!(
            "{}: {} used of {} seats, {}{}",
            t.title,
            t.used,
            t.seats.map_or("site".into(), |n| n.to_string()),
            t.expires
                .map(|d| format!("expires {}", day(Some(d))))
                .unwrap_or_else(|| "no expiry".into()),
            if sw.over_allocated.contains(&t.title) {
                " (OVER-ALLOCATED)"
            } else {
                ""
            }
        )
    };
    let titles_in = |names: &[String]| -> Vec<String> {
        sw.titles
            .iter()
            .filter(|t| names.contains(&t.title))
            .map(title_line)
            .collect()
    };
    let mut f = figure(
        "inventory.licences-over-allocated",
        "Licences over-allocated",
        format!("{} of {} titles", sw.over_allocated.len(), sw.titles.len()),
        "schooltech inventory software report",
        Place::Inventory,
    )
    .listing(titles_in(&sw.over_allocated));
    f.status = Some(if sw.over_allocated.is_empty() {
        Status::Green
    } else {
        Status::Red
    });
    s.figures.push(f);
    let mut f = figure(
        "inventory.licences-expiring",
        format!("Licences expiring within {LICENCE_DAYS} days (or expired)"),
        sw.expiring.len().to_string(),
        "schooltech inventory software report",
        Place::Inventory,
    )
    .listing(titles_in(&sw.expiring));
    f.status = Some(if sw.expiring.is_empty() {
        Status::Green
    } else {
        Status::Amber
    });
    s.figures.push(f);
    if !sw.over_allocated.is_empty() {
        red.push(format!(
            "{} licence(s) over-allocated",
            sw.over_allocated.len()
        ));
    }
    if !sw.expiring.is_empty() {
        amber.push(format!("{} licence(s) expiring", sw.expiring.len()));
    }
    let lic: Vec<String> = sw
        .titles
        .iter()
        .filter(|t| sw.over_allocated.contains(&t.title) || sw.expiring.contains(&t.title))
        .map(title_line)
        .collect();
    if !lic.is_empty() {
        s.evidence.push(evidence("Licences to look at", lic));
    }

    // Disposal batches of the period.
    let batches: Vec<_> = disposal::report(ctx, None)?
        .into_iter()
        .filter(|b| {
            let v = &b.view.batch;
            v.collected_on
                .map_or(period.contains(v.created_at), |c| period.contains_day(c))
        })
        .collect();
    let complete = batches
        .iter()
        .filter(|b| b.view.batch.closed_at.is_some() || b.view.blockers.is_empty())
        .count();
    let batch_line = |b: &disposal::ReportBatch| {
        let v = &b.view;
        format!(
            "{}: {} item(s), carrier {}, {}{}",
            v.batch.name,
            v.items.len(),
            if v.batch.carrier.is_empty() {
                "-"
            } else {
                v.batch.carrier.as_str()
            },
            match (v.batch.closed_at, &v.batch.signed_off_by) {
                (Some(c), Some(by)) => format!("closed {} (signed off by {by})", uk_date(c)),
                (Some(c), None) => format!("closed {}", uk_date(c)),
                _ => "open".into(),
            },
            if v.missing.is_empty() {
                String::new()
            } else {
                format!("; missing: {}", v.missing.len())
            }
        )
    };
    let mut f = figure(
        "inventory.disposal-batches",
        "Disposal batches in the period",
        format!(
            "{} batch(es), {complete} with paperwork complete",
            batches.len()
        ),
        "schooltech inventory disposal report",
        Place::Inventory,
    )
    .listing(batches.iter().map(batch_line).collect());
    f.status = Some(if complete == batches.len() {
        Status::Green
    } else {
        Status::Amber
    });
    s.figures.push(f);
    if complete < batches.len() {
        amber.push(format!(
            "{} disposal batch(es) lack paperwork",
            batches.len() - complete
        ));
    }
    let mut lines = Vec::new();
    for b in &batches {
        let v = &b.view;
        lines.push(batch_line(b));
        for d in &b.documents {
            lines.push(format!(
                "  {} {}: keep until {}",
                d.document.as_str(),
                d.reference,
                day(d.keep_until)
            ));
        }
        for m in &v.missing {
            lines.push(format!("  to do: {m}"));
        }
    }
    if !lines.is_empty() {
        s.evidence
            .push(evidence("Disposal batches and retention", lines));
    }

    s.status = if !red.is_empty() {
        Status::Red
    } else if !amber.is_empty() {
        Status::Amber
    } else {
        Status::Green
    };
    s.summary = if red.is_empty() && amber.is_empty() {
        "the register is audited, encrypted, licensed and disposals are documented".into()
    } else {
        red.into_iter().chain(amber).collect::<Vec<_>>().join("; ")
    };
    Ok(s)
}
