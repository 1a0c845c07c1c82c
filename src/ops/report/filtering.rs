//! The report's Filtering section: requests of the period (`filter list`), exceptions in force
//! with reasons and approvers, the last review and the next due (`filter review report`).

use super::{evidence, figure, Period, Place, Section, Status};
use crate::domain::filter::Status as FilterStatus;
use crate::error::Result;
use crate::ops::filter::{self, ListQuery};
use crate::ops::Ctx;
use chrono::{DateTime, Utc};

const RULE: &str = "Red: the filtering review is overdue, or there never was one. Amber: requests wait for a decision, or an exception that ended is still in the filter. Green otherwise. No data: no request was ever made and no review done.";

/// The section for `period`, judged at `now`.
pub fn section(ctx: &Ctx, period: &Period, now: DateTime<Utc>) -> Result<Section> {
    let mut s = Section {
        name: "filtering",
        title: "Web filtering",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Filtering,
    };
    let entries = filter::list(ctx, &ListQuery::default(), now)?;
    let rep = filter::review_report(ctx, now)?;
    if entries.is_empty() && rep.last_review.is_none() {
        s.summary = "no filtering requests or reviews recorded".into();
        return Ok(s);
    }
    let received: Vec<_> = entries
        .iter()
        .filter(|e| period.contains(e.requested_at))
        .collect();
    let agreed = entries
        .iter()
        .filter(|e| e.agreed_at.is_some_and(|t| period.contains(t)))
        .count();
    let rejected = received
        .iter()
        .filter(|e| e.status == FilterStatus::Rejected)
        .count();
    let pending = entries
        .iter()
        .filter(|e| e.status == FilterStatus::Pending)
        .count();
    s.figures.push(figure(
        "filtering.requests",
        "Requests in the period",
        format!(
            "{} received, {agreed} agreed, {rejected} rejected{}",
            received.len(),
            if pending > 0 {
                format!("; {pending} waiting for a decision")
            } else {
                String::new()
            }
        ),
        "schooltech filter list",
        Place::Filtering,
    ));
    s.figures.push(
        figure(
            "filtering.in-force",
            "Exceptions in force",
            rep.active.len().to_string(),
            "schooltech filter review report",
            Place::Filtering,
        )
        .counting(rep.active.len()),
    );
    s.evidence.push(evidence(
        "Exceptions in force, with reasons and approvers",
        rep.active
            .iter()
            .map(|a| {
                format!(
                    "#{} {} {} [{}] {}: {} (asked by {}; approved by {})",
                    a.id,
                    a.kind.as_str(),
                    a.target,
                    a.scope,
                    a.until
                        .map(|u| format!("until {}", u.format("%-d %b %Y")))
                        .unwrap_or_else(|| "permanent".into()),
                    a.reason,
                    a.requested_by,
                    if a.approvers.is_empty() {
                        "-".to_string()
                    } else {
                        a.approvers.join(", ")
                    }
                )
            })
            .collect(),
    ));
    let mut f = figure(
        "filtering.last-review",
        "Last review",
        match &rep.last_review {
            Some(l) => format!(
                "{} by {} (review #{})",
                l.closed_at.format("%-d %b %Y"),
                l.by,
                l.id
            ),
            None => "never".into(),
        },
        "schooltech filter review report",
        Place::Filtering,
    );
    f.status = Some(if rep.overdue {
        Status::Red
    } else {
        Status::Green
    });
    s.figures.push(f);
    s.figures.push(figure(
        "filtering.next-review",
        "Next review due",
        format!(
            "{}{} (every {} days)",
            rep.next_due.format("%-d %b %Y"),
            if rep.overdue { ", OVERDUE" } else { "" },
            rep.interval_days
        ),
        "schooltech filter review start --by USER",
        Place::Filtering,
    ));
    if let Some(l) = &rep.last_review {
        let mut lines = vec![format!("checks made: {}", l.checks)];
        lines.extend(
            l.actions
                .iter()
                .map(|a| format!("#{} {}: {} ({})", a.id, a.target, a.action, a.note)),
        );
        s.evidence.push(evidence("What the last review did", lines));
    }
    if !rep.due_for_removal.is_empty() {
        let ids: Vec<String> = rep
            .due_for_removal
            .iter()
            .map(|i| format!("#{i}"))
            .collect();
        s.figures.push(
            figure(
                "filtering.due-for-removal",
                "Ended but still in the filter",
                ids.join(", "),
                "schooltech filter list --due",
                Place::Filtering,
            )
            .counting(rep.due_for_removal.len()),
        );
    }
    s.status = if rep.overdue {
        Status::Red
    } else if pending > 0 || !rep.due_for_removal.is_empty() {
        Status::Amber
    } else {
        Status::Green
    };
    s.summary = match s.status {
        Status::Red => "the filtering review is overdue".into(),
        Status::Amber => format!(
            "{pending} request(s) wait for a decision, {} ended exception(s) still in the filter",
            rep.due_for_removal.len()
        ),
        _ => format!(
            "reviewed; next review due {}",
            rep.next_due.format("%-d %b %Y")
        ),
    };
    Ok(s)
}
