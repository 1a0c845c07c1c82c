//! The report's Accounts section: totals per role, the directory's password policy against the
//! school's rules, password compliance (as `passwords report` judges it), privileged accounts.

use super::{counted, evidence, figure, Bar, Chart, Place, Section, Status};
use crate::domain::account::AccountQuery;
use crate::domain::password::PasswordStatus;
use crate::domain::time::uk_date;
use crate::error::Result;
use crate::ops::compliance::{self, status_word, ReportRow};
use crate::ops::protect::Protection;
use crate::ops::Ctx;
use chrono::{DateTime, Utc};

const RULE: &str = "Red: the directory's password policy is weaker than the school's rules (length or complexity), or a privileged account's password is expired, never set or never expires. Amber: other expired passwords, passwords that never expire, or policy ages that differ. Green otherwise. No data: no accounts.";

/// The age buckets of the password-age chart.
pub const AGE_BUCKETS: [&str; 4] = ["under 42 days", "42-90 days", "over 90 days", "never set"];

fn bucket(r: &ReportRow) -> usize {
    match r.age_days {
        None => 3,
        Some(d) if d < 42 => 0,
        Some(d) if d <= 90 => 1,
        Some(_) => 2,
    }
}

fn role_of(r: &ReportRow) -> String {
    r.role.clone().unwrap_or_else(|| "(none)".into())
}

/// The section, judged at `now` (`ctx.now()`).
pub async fn section(ctx: &Ctx, now: DateTime<Utc>) -> Result<Section> {
    let q = AccountQuery {
        with_policy: true,
        ..Default::default()
    };
    let listing = crate::ops::accounts::list(ctx, &q).await?;
    // The same rows `schooltech passwords report` prints.
    let rows: Vec<ReportRow> = listing
        .accounts
        .iter()
        .map(|a| compliance::row(ctx, a, now))
        .collect();
    let mut s = Section {
        name: "accounts",
        title: "Accounts and passwords",
        status: Status::NoData,
        summary: String::new(),
        rule: RULE,
        figures: Vec::new(),
        evidence: Vec::new(),
        charts: Vec::new(),
        tui: Place::Passwords,
    };
    if rows.is_empty() {
        s.summary = "no accounts in the directory".into();
        return Ok(s);
    }
    let summary = compliance::summarise(&rows);
    let per_role: Vec<(String, usize)> =
        summary.iter().map(|(k, v)| (k.clone(), v.total)).collect();
    s.figures.push(
        figure(
            "accounts.total",
            "Accounts",
            counted(rows.len(), &per_role),
            "schooltech accounts list",
            Place::Accounts,
        )
        .counting(rows.len()),
    );

    let (policy, drift) = compliance::policy_drift(ctx).await?;
    let weak_policy = drift.iter().any(|d| {
        matches!(
            d.setting,
            "minimum length" | "complexity" | "default policy"
        )
    });
    let target = compliance::target(ctx);
    let policy_value = if drift.is_empty() {
        format!(
            "matches the school's rules ({} characters{}, {} days; {} for generic accounts)",
            target.min_length,
            if target.complexity {
                " with complexity"
            } else {
                ""
            },
            target.max_age_days,
            target.generic_max_age_days
        )
    } else {
        let parts: Vec<String> = drift
            .iter()
            .map(|d| format!("{}: {} (school: {})", d.setting, d.directory, d.school))
            .collect();
        format!("{} difference(s): {}", drift.len(), parts.join("; "))
    };
    let mut f = figure(
        "passwords.policy",
        "Directory password policy",
        policy_value,
        "schooltech passwords policy show",
        Place::Passwords,
    );
    f.status = Some(if weak_policy {
        Status::Red
    } else if drift.is_empty() {
        Status::Green
    } else {
        Status::Amber
    });
    s.figures.push(f);
    let mut pol = Vec::new();
    if let Some(d) = &policy.default {
        pol.push(format!(
            "default policy: minimum length {}, complexity {}, maximum age {}",
            d.min_length.map_or("not set".into(), |v| v.to_string()),
            d.complexity.map_or("n/a", |c| if c { "on" } else { "off" }),
            d.max_age_days.map_or("not set".into(), |a| if a == 0 {
                "never".to_string()
            } else {
                format!("{a} days")
            })
        ));
    }
    for o in &policy.others {
        pol.push(format!(
            "policy {}: minimum length {}, maximum age {}",
            o.name,
            o.min_length.map_or("not set".into(), |v| v.to_string()),
            o.max_age_days
                .map_or("not set".into(), |a| format!("{a} days"))
        ));
    }
    pol.push(format!(
        "school's rules: at least {} characters{}; changed every {} days, {} for generic accounts",
        target.min_length,
        if target.complexity {
            " mixing character types"
        } else {
            ""
        },
        target.max_age_days,
        target.generic_max_age_days
    ));
    s.evidence.push(evidence("Password policy", pol));

    let count = |st: PasswordStatus| rows.iter().filter(|r| r.status == st).count();
    let ok = count(PasswordStatus::Ok);
    let expired = count(PasswordStatus::Expired);
    let pct = |n: usize| (n * 100 + rows.len() / 2) / rows.len().max(1);
    s.figures.push(
        figure(
            "passwords.ok",
            "Passwords within their age limit (90 days; 42 for generic accounts)",
            format!("{ok} of {} ({}%)", rows.len(), pct(ok)),
            "schooltech passwords report",
            Place::Passwords,
        )
        .counting(ok),
    );
    let statuses: Vec<(String, usize)> = [
        PasswordStatus::Expired,
        PasswordStatus::Expiring,
        PasswordStatus::MustChange,
        PasswordStatus::NeverSet,
    ]
    .into_iter()
    .map(|st| (status_word(st).to_string(), count(st)))
    .collect();
    let not_ok = rows.len() - ok;
    s.figures.push(
        figure(
            "passwords.needing-change",
            "Passwords needing a change",
            counted(not_ok, &statuses),
            "schooltech passwords report --fail-on any",
            Place::Passwords,
        )
        .counting(not_ok),
    );
    let never: Vec<&ReportRow> = rows
        .iter()
        .filter(|r| r.flags.contains(&"never-expires"))
        .collect();
    let never_enabled = never
        .iter()
        .filter(|r| !r.flags.contains(&"disabled"))
        .count();
    s.figures.push(
        figure(
            "passwords.never-expires",
            "Passwords set never to expire",
            format!("{} ({never_enabled} on enabled accounts)", never.len()),
            "schooltech passwords clear-never-expires --all",
            Place::Passwords,
        )
        .counting(never.len()),
    );
    let mut per_role = Vec::new();
    for (role, sum) in &summary {
        let parts: Vec<String> = sum
            .by_status
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        per_role.push(format!(
            "{role}: {} accounts: {}{}",
            sum.total,
            parts.join(", "),
            if sum.never_expires > 0 {
                format!("; {} never expire", sum.never_expires)
            } else {
                String::new()
            }
        ));
    }
    s.evidence.push(evidence("Passwords by role", per_role));

    // Privileged: the admin role and every account the protection rules cover (the domain's
    // own accounts, members of privileged groups: what schooltech never changes).
    let protection = Protection::from_ctx(ctx);
    let mut privileged = Vec::new();
    let mut privileged_bad = false;
    for (a, r) in listing.accounts.iter().zip(&rows) {
        if !is_privileged(&protection, a) {
            continue;
        }
        let bad_status = matches!(r.status, PasswordStatus::Expired | PasswordStatus::NeverSet);
        let never_expires = a.enabled && a.password_never_expires;
        if a.enabled && (bad_status || never_expires) {
            privileged_bad = true;
        }
        privileged.push(format!(
            "{}{}: password last changed {}{}; {}{}",
            a.username,
            if a.enabled { "" } else { " (disabled)" },
            r.password_last_set.map_or("never".into(), uk_date),
            r.age_days
                .map_or(String::new(), |d| format!(" ({d} days ago)")),
            status_word(r.status),
            if a.password_never_expires {
                ", never expires"
            } else {
                ""
            }
        ));
    }
    let privileged_n = privileged.len();
    let mut f = figure(
        "passwords.privileged",
        "Privileged accounts",
        format!(
            "{}{}",
            privileged.len(),
            if privileged_bad {
                ", a password needs changing"
            } else {
                ""
            }
        ),
        "schooltech passwords report --role admin",
        Place::Passwords,
    )
    .counting(privileged_n);
    f.status = Some(if privileged_bad {
        Status::Red
    } else {
        Status::Green
    });
    s.figures.push(f);
    s.evidence.push(evidence(
        "Privileged accounts and when their passwords last changed",
        privileged,
    ));

    // Chart: password ages per role.
    let mut bars: Vec<Bar> = Vec::new();
    for role in summary.keys() {
        let mut values = vec![0; AGE_BUCKETS.len()];
        for r in rows.iter().filter(|r| &role_of(r) == role) {
            values[bucket(r)] += 1;
        }
        bars.push(Bar {
            label: role.clone(),
            values,
        });
    }
    s.charts.push(Chart {
        title: "Password ages per role".into(),
        series: AGE_BUCKETS.iter().map(|b| b.to_string()).collect(),
        bars,
    });

    let other_expired = expired > 0;
    s.status = if weak_policy || privileged_bad {
        Status::Red
    } else if other_expired || never_enabled > 0 || !drift.is_empty() {
        Status::Amber
    } else {
        Status::Green
    };
    s.summary = match s.status {
        Status::Red if weak_policy => format!(
            "the directory's password policy is weaker than the school's rules; {expired} expired password(s)"
        ),
        Status::Red => "a privileged account's password needs changing".into(),
        Status::Amber => format!(
            "{expired} expired password(s), {never_enabled} enabled account(s) whose password never expires"
        ),
        _ => "every password within the school's rules".into(),
    };
    Ok(s)
}

/// True for an account the report counts as privileged: the admin role, or covered by the
/// protection rules (what schooltech never changes). The Passwords tab flags the same rows.
pub fn is_privileged(protection: &Protection, a: &crate::domain::account::Account) -> bool {
    a.role.as_deref() == Some("admin") || protection.check(a).is_some()
}
