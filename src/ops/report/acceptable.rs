//! The report's Acceptable use section: agreements missing or outdated, per role (as `aup
//! status` judges them).

use super::{evidence, figure, Place, Section, Status};
use crate::domain::aup::Status as AupStatus;
use crate::error::Result;
use crate::ops::aup::{self, StatusFilter};
use crate::ops::Ctx;
use std::collections::BTreeMap;

const RULE: &str = "Red: more than 10% of the enabled accounts that need an agreement have not signed the current one (missing or outdated). Amber: any has not. Green: all have. No data: no agreement configured, or nobody needs one.";

/// Above this share of unsigned accounts (in percent) the section is red.
pub const RED_PERCENT: usize = 10;

#[derive(Default)]
struct Counts {
    need: usize,
    signed: usize,
    outdated: usize,
    missing: usize,
}

/// The section on `ctx.now()`.
pub async fn section(ctx: &Ctx) -> Result<Section> {
    let mut s = Section {
        name: "acceptable-use",
        title: "Acceptable use",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Accounts,
    };
    if ctx.config.aup.agreements.is_empty() {
        s.summary = "no acceptable use agreement recorded ([aup.agreements] is empty)".into();
        return Ok(s);
    }
    let rows = aup::status(ctx, &StatusFilter::default()).await?;
    let mut per_role: BTreeMap<String, Counts> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.enabled) {
        if r.status == AupStatus::NotRequired {
            continue;
        }
        let c = per_role
            .entry(r.role.clone().unwrap_or_else(|| "(none)".into()))
            .or_default();
        c.need += 1;
        match r.status {
            AupStatus::Signed => c.signed += 1,
            AupStatus::Outdated => c.outdated += 1,
            AupStatus::Missing => c.missing += 1,
            AupStatus::NotRequired => {}
        }
    }
    let need: usize = per_role.values().map(|c| c.need).sum();
    if need == 0 {
        s.summary = "no enabled account needs an acceptable use agreement".into();
        return Ok(s);
    }
    let unsigned: usize = per_role.values().map(|c| c.missing + c.outdated).sum();
    let signed: usize = per_role.values().map(|c| c.signed).sum();
    s.figures.push(
        figure(
            "acceptable-use.signed",
            "Current agreement signed",
            format!(
                "{signed} of {need} enabled accounts that need one ({}%)",
                (signed * 100 + need / 2) / need
            ),
            "schooltech aup status",
            Place::Accounts,
        )
        .counting(signed),
    );
    for (role, c) in &per_role {
        let mut f = figure(
            format!("acceptable-use.unsigned.{role}"),
            format!("{role}: missing or outdated"),
            format!(
                "{} of {} ({} missing, {} outdated)",
                c.missing + c.outdated,
                c.need,
                c.missing,
                c.outdated
            ),
            format!("schooltech aup status --missing --role {role}"),
            Place::Accounts,
        )
        .counting(c.missing + c.outdated);
        f.status = Some(if c.missing + c.outdated == 0 {
            Status::Green
        } else {
            Status::Amber
        });
        s.figures.push(f);
    }
    let agreements: Vec<String> = ctx
        .config
        .aup
        .agreements()
        .iter()
        .map(|a| {
            format!(
                "{} \"{}\" version {} for {}",
                a.name,
                a.title,
                a.version,
                a.roles.join(", ")
            )
        })
        .collect();
    s.evidence.push(evidence("Agreements in force", agreements));
    s.status = if unsigned * 100 > need * RED_PERCENT {
        Status::Red
    } else if unsigned > 0 {
        Status::Amber
    } else {
        Status::Green
    };
    s.summary = if unsigned == 0 {
        "every enabled account that needs an agreement has signed the current one".into()
    } else {
        format!("{unsigned} of {need} enabled accounts have not signed the current agreement")
    };
    Ok(s)
}
