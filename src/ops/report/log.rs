//! The report's Action log section: entries of the period (`log show`), the chain check (`log
//! verify`) and the anchor, so that the printed report itself anchors the log.

use super::{counted, evidence, figure, Period, Place, Section, Status};
use crate::error::Result;
use crate::ops::Ctx;
use crate::store::{ChainStatus, LogFilter};
use std::collections::BTreeMap;

const RULE: &str = "Red: `log verify` finds the hash chain broken. Amber: a protected group or one of its members was changed outside schooltech in the period (`schooltech changes`). Green: the chain is whole. No data: the log holds no entry.";

/// The section for `period`.
pub fn section(ctx: &Ctx, period: &Period) -> Result<Section> {
    let mut s = Section {
        name: "log",
        title: "The action log",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Log,
    };
    let store = ctx.store()?;
    let chain = crate::ops::log::verify(&store)?;
    let anchor = crate::ops::log::anchor(&store)?;
    let rows = match store.log_head()? {
        None => {
            s.summary = "nothing logged yet".into();
            s.figures.push(figure(
                "log.anchor",
                "Anchor (rows:head hash)",
                anchor,
                "schooltech log anchor",
                Place::Log,
            ));
            return Ok(s);
        }
        Some((n, _)) => n,
    };
    let entries: Vec<_> = store
        .log(&LogFilter {
            since: Some(period.start()),
            ..Default::default()
        })?
        .into_iter()
        .filter(|e| e.at <= period.end())
        .collect();
    let mut by_area: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entries {
        let area = e.action.split('.').next().unwrap_or("").to_string();
        *by_area.entry(area).or_default() += 1;
    }
    let mut areas: Vec<(String, usize)> = by_area.into_iter().collect();
    areas.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.figures.push(
        figure(
            "log.entries",
            "Entries in the period",
            counted(entries.len(), &areas),
            format!("schooltech log show --since {}", period.from),
            Place::Log,
        )
        .counting(entries.len()),
    );
    let (status, value) = match &chain {
        ChainStatus::Whole { rows } => (
            Status::Green,
            format!("whole: all {rows} entries check out"),
        ),
        ChainStatus::Broken { id, reason } => {
            (Status::Red, format!("BROKEN at entry {id}: {reason}"))
        }
    };
    let mut f = figure(
        "log.chain",
        "Hash chain",
        value,
        "schooltech log verify",
        Place::Log,
    );
    f.status = Some(status);
    s.figures.push(f);
    s.figures.push(figure(
        "log.anchor",
        "Anchor (rows:head hash)",
        anchor.clone(),
        format!("schooltech log verify --anchor {anchor}"),
        Place::Log,
    ));
    // Changes made in the directory that no entry of the log explains (the mirror finds them).
    let mut outside_protected = 0;
    // (The demo has no mirror; its changes made outside schooltech are seeded: tracked.)
    if store.mirror_meta()?.is_some() || ctx.is_demo() {
        let outside: Vec<_> = store
            .outside_changes(Some(period.start()))?
            .into_iter()
            .filter(|c| c.detected_at <= period.end())
            .collect();
        outside_protected = outside.iter().filter(|c| c.protected).count();
        let mut f = figure(
            "log.outside-changes",
            "Directory changes made outside schooltech",
            format!(
                "{} ({outside_protected} to protected groups or their members)",
                outside.len()
            ),
            format!("schooltech changes --since {}", period.from),
            Place::Log,
        )
        .listing(
            outside
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {}: {}{}{}",
                        crate::domain::time::uk_date(c.detected_at),
                        c.kind,
                        c.target,
                        c.change,
                        c.who
                            .as_ref()
                            .map(|w| format!(" (by {w})"))
                            .unwrap_or_default(),
                        if c.protected { " (PROTECTED)" } else { "" }
                    )
                })
                .collect(),
        );
        if outside_protected > 0 {
            f.status = Some(Status::Amber);
        }
        s.figures.push(f);
        let shown: Vec<String> = outside
            .iter()
            .filter(|c| c.protected)
            .take(12)
            .map(|c| format!("{} {}: {}", c.kind, c.target, c.change))
            .collect();
        if !shown.is_empty() {
            s.evidence
                .push(evidence("Protected changes made outside schooltech", shown));
        }
    } else {
        s.figures.push(figure(
            "log.outside-changes",
            "Directory changes made outside schooltech",
            "not tracked yet (the mirror is made by the first `accounts list`)".to_string(),
            "schooltech changes",
            Place::Log,
        ));
    }
    s.evidence.push(evidence(
        "Keeping the anchor",
        vec![
            format!("the log held {rows} entries when this report was made"),
            "keep this printed report: `schooltech log verify --anchor` with the anchor above \
             fails if any of those entries is later changed or removed"
                .into(),
        ],
    ));
    s.status = if status == Status::Green && outside_protected > 0 {
        Status::Amber
    } else {
        status
    };
    s.summary = match s.status {
        Status::Red => "the action log's hash chain is broken".into(),
        Status::Amber => format!(
            "the chain of all {rows} entries checks out; {outside_protected} protected change(s) made outside schooltech"
        ),
        _ => format!(
            "{} entries in the period; the chain of all {rows} checks out",
            entries.len()
        ),
    };
    Ok(s)
}
