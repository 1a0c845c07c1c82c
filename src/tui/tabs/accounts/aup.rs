//! Acceptable use agreements on the Accounts tab: the AUP column and filter, the dialog that
//! records a signature for the account under the cursor or every selected account, its report,
//! and the refusal to enable an account held for its agreement without an override reason.
//! The standing comes from `ops::aup::Book` (as `aup status`); the recording is the
//! `ops::aup::change::Change::Record` of `aup record`, planned on the worker, its plan's lines
//! confirmed with y and that plan applied.

use super::{AccountsPurpose, AccountsTab, Row};
use crate::domain::aup::{How, Signer, Status};
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::ops::aup::change::{Change, Plan};
use crate::ops::aup::{is_held, RecordOutcome, RecordRequest};
use crate::ops::preview::Emphasis;
use crate::ops::Recorded;
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, Purpose};
use crate::tui::work::Cmd;

/// The AUP filter: the standing an account must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AupFilter {
    /// No signature of the agreement its role needs.
    Missing,
    /// An older version, or past the renewal period.
    Outdated,
    /// The current version.
    Signed,
    /// No agreement applies to its role.
    NotRequired,
    /// Disabled until it signs.
    Held,
}

impl AupFilter {
    /// Every filter, in the order the filter form offers them.
    pub const ALL: [AupFilter; 5] = [
        AupFilter::Missing,
        AupFilter::Outdated,
        AupFilter::Signed,
        AupFilter::NotRequired,
        AupFilter::Held,
    ];

    /// `missing`, `outdated`, `signed`, `not-required`, `held`.
    pub fn as_str(self) -> &'static str {
        match self {
            AupFilter::Missing => "missing",
            AupFilter::Outdated => "outdated",
            AupFilter::Signed => "signed",
            AupFilter::NotRequired => "not-required",
            AupFilter::Held => "held",
        }
    }

    /// The filter of that name.
    pub fn from_name(s: &str) -> Option<AupFilter> {
        AupFilter::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// True when the row passes (rows whose standing could not be read pass none).
    pub fn passes(self, r: &Row) -> bool {
        let Some(a) = &r.aup else {
            return false;
        };
        match self {
            AupFilter::Held => a.held,
            AupFilter::Missing => a.status == Status::Missing,
            AupFilter::Outdated => a.status == Status::Outdated,
            AupFilter::Signed => a.status == Status::Signed,
            AupFilter::NotRequired => a.status == Status::NotRequired,
        }
    }
}

/// Sort rank of a row's standing: missing, outdated, signed, not required, unknown.
pub fn rank(r: &Row) -> u8 {
    match r.aup.as_ref().map(|a| a.status) {
        Some(Status::Missing) => 0,
        Some(Status::Outdated) => 1,
        Some(Status::Signed) => 2,
        Some(Status::NotRequired) => 3,
        None => 4,
    }
}

/// The AUP cell of a row: "signed 2026", "outdated 2025", "missing", "not-required" ("?" when
/// the agreements could not be read), and how to show it.
pub fn aup_cell(r: &Row) -> (String, Tone) {
    let Some(a) = &r.aup else {
        return ("?".into(), Tone::Dim);
    };
    let v = a.version_signed.as_deref().unwrap_or("");
    match a.status {
        Status::Signed => (format!("signed {v}"), Tone::Good),
        Status::Outdated => (format!("outdated {v}"), Tone::Warn),
        Status::Missing => ("missing".into(), Tone::Bad),
        Status::NotRequired => ("not-required".into(), Tone::Dim),
    }
}

/// True when the account is disabled and held until its agreement is recorded.
pub fn held(r: &Row) -> bool {
    is_held(&r.account)
}

/// The details pane's line about the agreement: what it is and where the account stands.
pub fn detail_line(r: &Row) -> Option<(String, Tone)> {
    let a = r.aup.as_ref()?;
    let (_, tone) = aup_cell(r);
    let current = a.current_version.as_deref().unwrap_or("");
    let ag = a.agreement.as_deref().unwrap_or("");
    let on = a
        .signed_on
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default();
    let signed = a.version_signed.as_deref().unwrap_or("");
    let text = match a.status {
        Status::Signed => format!("signed {ag} {signed} on {on}"),
        Status::Outdated if signed != current => {
            format!("outdated: signed {ag} {signed} on {on}; now {current}")
        }
        Status::Outdated => format!("outdated: signed {ag} {signed} on {on}; due again"),
        Status::Missing => format!("missing: {ag} version {current}"),
        Status::NotRequired => "not required".into(),
    };
    Some((text, tone))
}

/// Intro lines cut to the width of a form at 80 columns.
fn wrap(lines: Vec<(String, Tone)>) -> Vec<(String, Tone)> {
    lines
        .into_iter()
        .flat_map(|(text, tone)| {
            crate::tui::widgets::wrap_text(&text, 66)
                .into_iter()
                .map(move |l| (l, tone))
        })
        .collect()
}

fn purpose(p: AccountsPurpose) -> Purpose {
    Purpose::Accounts(p)
}

/// The label of the agreement choice that leaves it to each account's role.
const EACH_OWN: &str = "each account's own";

/// Opens the dialog that records a signed agreement for `targets`.
pub fn open_record(a: &AccountsTab, sh: &mut Shell, targets: Vec<String>) {
    let book = match &a.aup {
        Some(Ok(b)) => b.clone(),
        Some(Err(e)) => {
            sh.info(format!(
                "the agreements could not be read ({e}); r reads again"
            ));
            return;
        }
        None => {
            sh.info("the agreements are still being read");
            return;
        }
    };
    let whom = super::keys::who(a, &targets);
    // The agreements the targets' roles need, in the configuration's order.
    let rows: Vec<&Row> = targets.iter().filter_map(|u| a.row(u)).collect();
    let mut names: Vec<&crate::domain::aup::Agreement> = Vec::new();
    for r in &rows {
        if let Some(ag) = book.for_role(r.account.role.as_deref()) {
            if !names.iter().any(|n| n.name == ag.name) {
                names.push(ag);
            }
        }
    }
    if names.is_empty() {
        let roles: Vec<&str> = rows
            .iter()
            .map(|r| r.account.role.as_deref().unwrap_or("no role"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        sh.info(format!(
            "no acceptable use agreement applies to {whom} ({}): add the role to an [aup.agreements.NAME] roles list",
            roles.join(", ")
        ));
        return;
    }
    let mut options: Vec<String> = Vec::new();
    if names.len() > 1 {
        options.push(EACH_OWN.into());
    }
    options.extend(names.iter().map(|g| g.name.clone()));
    let mut intro = Vec::new();
    for g in &names {
        intro.push((
            format!("{}: {}, version {}", g.name, g.title, g.version),
            Tone::Dim,
        ));
    }
    if targets.len() > 1 {
        let need = rows
            .iter()
            .filter(|r| r.aup.as_ref().is_some_and(|x| x.status.needs_signing()))
            .count();
        intro.push((
            format!(
                "{need} of {} need to sign; held accounts are enabled once signed.",
                targets.len()
            ),
            Tone::Normal,
        ));
    } else if rows.iter().any(|r| held(r)) {
        intro.push((
            "The account is held: recording the agreement enables it.".into(),
            Tone::Normal,
        ));
    }
    let intro = wrap(intro);
    let parent = names.iter().any(|g| g.signer == Signer::Parent);
    let by_hint = if parent {
        "parent-signed: their name (kept as \"parent/carer: NAME\"); empty: \"parent/carer\""
    } else if targets.len() > 1 {
        "empty: each account holder's own name"
    } else {
        "empty: the account holder's name"
    };
    let today = sh.now.london_date().format("%Y-%m-%d").to_string();
    let hows: Vec<String> = ["paper", "form", "email"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let form = Form::new(
        &format!("Acceptable use agreement of {whom}"),
        purpose(AccountsPurpose::RecordAup(targets)),
        vec![
            Field::choice(
                "Agreement",
                options,
                0,
                "the agreement that applies to the role",
            ),
            Field::text(
                "Signed on",
                &today,
                "YYYY-MM-DD or DD/MM/YYYY; not in the future",
            ),
            Field::text("Signed by", "", by_hint),
            Field::choice("How", hows, 0, "paper, online form or e-mail"),
            Field::text("Reference", "", "the sheet, form id or e-mail subject"),
        ],
    )
    .with_intro(intro);
    let mut form = form;
    form.focus = 1;
    sh.dialogs.push(Dialog::Form(form));
}

/// The record dialog was submitted: the date is read, and the change is planned on the
/// worker ([`on_planned`] shows the plan, or puts the reason on the form).
pub fn submit_record(
    a: &mut AccountsTab,
    sh: &mut Shell,
    targets: Vec<String>,
    mut f: Form,
) -> Vec<Cmd> {
    let signed_on = match crate::domain::time::parse_date(f.text(1).trim()) {
        Ok(d) => d,
        Err(e) => {
            f.error = Some(e);
            sh.dialogs.push(Dialog::Form(f));
            return Vec::new();
        }
    };
    let how = How::parse(f.choice(3)).unwrap_or_default();
    let agreement = Some(f.choice(0).to_string()).filter(|s| s != EACH_OWN && !s.is_empty());
    let request = RecordRequest {
        agreement,
        signed_on: Some(signed_on),
        signed_by: Some(f.text(2).trim().to_string()).filter(|s| !s.is_empty()),
        how,
        reference: f.text(4).trim().to_string(),
    };
    let gen = sh.next_gen();
    a.aup_run.plan_gen = gen;
    f.error = None;
    f.waiting = Some((gen, "checking"));
    sh.dialogs.push(Dialog::Form(f));
    let change = Change::Record {
        users: targets,
        request,
    };
    vec![super::AccountsCmd::PlanAup { gen, change }.into()]
}

/// A plan's lines (ops' emphasis) in the dialogs' tones.
pub fn toned(lines: Vec<(String, Emphasis)>) -> Vec<(String, Tone)> {
    lines
        .into_iter()
        .map(|(text, e)| {
            let tone = match e {
                Emphasis::Strong => Tone::Strong,
                Emphasis::Normal => Tone::Normal,
                Emphasis::Dim => Tone::Dim,
                Emphasis::Warn => Tone::Warn,
            };
            (text, tone)
        })
        .collect()
}

/// The confirmation of a planned record: the plan's lines (the words `aup record --dry-run`
/// prints); `y` applies this plan.
pub fn confirm_record(plan: Plan) -> Dialog {
    let n = plan.steps.len();
    let who = match plan.steps.as_slice() {
        [one] => one.username().to_string(),
        _ => format!("{n} accounts"),
    };
    Dialog::Confirm(
        crate::tui::dialogs::Confirm::new(
            "Record the agreement?",
            toned(plan.lines()),
            &format!("record for {who}"),
            crate::tui::tabs::Purpose::Accounts(AccountsPurpose::ConfirmAup(Box::new(plan))),
        )
        .targets(n)
        .permanent(),
    )
}

/// The record was planned: one account refused (a day in the future, before the account
/// existed, an agreement not for its role) or an error goes back on the form with the reason;
/// else the plan is confirmed with y (a signature is a permanent record).
pub fn on_planned(a: &mut AccountsTab, sh: &mut Shell, gen: u64, result: Result<Plan>) {
    if gen != a.aup_run.plan_gen {
        return;
    }
    a.aup_run.plan_gen = 0;
    let Some(f) = sh.waiting_form(gen) else {
        return;
    };
    f.waiting = None;
    let plan = match result {
        Ok(plan) => plan,
        Err(e) => {
            f.error = Some(e.to_string());
            return;
        }
    };
    if let [one] = plan.steps.as_slice() {
        if let Some(r) = &one.refused {
            f.error = Some(r.why.clone());
            return;
        }
    }
    sh.dialogs.push(confirm_record(plan));
}

/// The record of signatures was confirmed: starts recording the plan shown.
pub fn start_record(a: &mut AccountsTab, sh: &mut Shell, plan: Box<Plan>) -> Vec<Cmd> {
    sh.pop_origin();
    let n = plan.steps.len();
    let title = match plan.steps.as_slice() {
        [one] => format!("Record the agreement of {}", one.user),
        _ => format!("Record the agreement of {n} accounts"),
    };
    let gen = sh.start_job(title, n, "recorded");
    a.aup_run = RecordRun {
        gen,
        ..Default::default()
    };
    vec![super::AccountsCmd::RecordAup { gen, plan }.into()]
}

/// What recording signatures came to so far, for the report.
#[derive(Debug, Default)]
pub struct RecordRun {
    /// The job's generation (0: none).
    pub gen: u64,
    /// The generation of the plan being made (0: none).
    pub plan_gen: u64,
    /// Recorded: account and what was recorded.
    pub recorded: Vec<(String, String, Tone)>,
    /// The same signature was already there (not written twice).
    pub duplicate: Vec<String>,
    /// Refused: account and why.
    pub refused: Vec<(String, String)>,
}

/// One account's signature was recorded (or refused).
pub fn on_recorded(
    a: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    username: String,
    result: Result<RecordOutcome>,
) -> bool {
    if gen != a.aup_run.gen {
        return false;
    }
    if let Some(j) = sh.jobs.iter_mut().find(|j| j.gen == gen) {
        j.done += 1;
        if result.is_ok() {
            j.ok += 1;
        }
    }
    let run = &mut a.aup_run;
    match result {
        Ok(out) => match out.recorded {
            Recorded::Duplicate => run.duplicate.push(username),
            Recorded::New(_) => {
                let what = format!("{} version {}", out.agreement, out.version);
                let (text, tone) = match (&out.release_error, out.released) {
                    (Some(e), _) => (
                        format!("{what}; it was held but could not be enabled: {e}"),
                        Tone::Warn,
                    ),
                    (None, true) => (format!("{what}; was held, now enabled"), Tone::Good),
                    (None, false) => (what, Tone::Normal),
                };
                run.recorded.push((username, text, tone));
            }
        },
        Err(e) => {
            sh.note_error(&e);
            run.refused.push((username, e.to_string()));
        }
    }
    true
}

/// Recording finished: the report (recorded, already recorded, refused), then the accounts and
/// agreements are read again.
pub fn on_record_done(
    a: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    stopped: Option<String>,
) -> Vec<Cmd> {
    if gen != a.aup_run.gen {
        return Vec::new();
    }
    let run = std::mem::take(&mut a.aup_run);
    let Some(job) = sh.take_job(gen) else {
        return Vec::new();
    };
    let mut lines = vec![(
        format!(
            "{} recorded, {} already recorded, {} refused (of {}).",
            run.recorded.len(),
            run.duplicate.len(),
            run.refused.len(),
            job.total
        ),
        if run.refused.is_empty() {
            Tone::Good
        } else {
            Tone::Warn
        },
    )];
    if !run.recorded.is_empty() {
        lines.push(("Recorded:".into(), Tone::Strong));
        for (u, what, tone) in &run.recorded {
            lines.push((format!("  {u}: {what}"), *tone));
        }
    }
    if !run.duplicate.is_empty() {
        lines.push((
            "Already recorded (the same signature; not written twice):".into(),
            Tone::Strong,
        ));
        for u in &run.duplicate {
            lines.push((format!("  {u}"), Tone::Dim));
        }
    }
    if !run.refused.is_empty() {
        lines.push(("Refused (nothing recorded):".into(), Tone::Strong));
        for (u, why) in &run.refused {
            lines.push((format!("  {u}: {why}"), Tone::Bad));
        }
    }
    if let Some(why) = &stopped {
        lines.push((
            format!(
                "Stopped early ({} not tried): {why}",
                job.total.saturating_sub(job.done)
            ),
            Tone::Bad,
        ));
    }
    sh.info(format!(
        "agreements: {} recorded, {} already recorded, {} refused",
        run.recorded.len(),
        run.duplicate.len(),
        run.refused.len()
    ));
    sh.replace_progress(
        gen,
        Dialog::Message(Message::new("Acceptable use agreements", lines)),
    );
    sh.announce(crate::tui::tabs::Changed::Accounts {
        by: crate::tui::tabs::Tab::Accounts,
    });
    sh.announce(crate::tui::tabs::Changed::Log);
    // Signatures are new and held accounts may be enabled: read both again.
    vec![a.request_load(sh)]
}

/// Enabling: accounts whose agreement is missing while access is held until signed need an
/// override reason (as `accounts enable --override-aup REASON`); the others are confirmed as
/// before.
pub fn open_enable(a: &AccountsTab, sh: &mut Shell, targets: Vec<String>) {
    let today = sh.now.london_date();
    let blocked: Vec<(String, String)> = match a.book() {
        Some(book) => targets
            .iter()
            .filter_map(|u| {
                let r = a.row(u)?;
                let ag = book.blocks_enable(&r.account, today)?;
                Some((
                    u.clone(),
                    format!(
                        "{}{} has not signed {} version {}",
                        u,
                        if held(r) { " is held:" } else { "" },
                        ag.name,
                        ag.version
                    ),
                ))
            })
            .collect(),
        None => Vec::new(),
    };
    if blocked.is_empty() {
        super::keys::confirm_change(a, sh, targets, super::Change::Enable { override_aup: None });
        return;
    }
    let head = if targets.len() == 1 {
        "Refused: the agreement is required before access and not signed.".to_string()
    } else {
        format!(
            "Refused for {} of {}: the agreement is required before access and not signed.",
            blocked.len(),
            targets.len()
        )
    };
    let mut intro = vec![(head, Tone::Warn)];
    for (_, why) in blocked.iter().take(4) {
        intro.push((format!("  {why}"), Tone::Normal));
    }
    if blocked.len() > 4 {
        intro.push((format!("  and {} more", blocked.len() - 4), Tone::Dim));
    }
    intro.push((
        "Record it (a), which enables the account, or give a reason.".into(),
        Tone::Normal,
    ));
    let intro = wrap(intro);
    let whom = super::keys::who(a, &targets);
    // The change dialog: the override reason, then the plan for y in the same dialog.
    let c = Confirm::asking(
        &format!("Enable {whom}"),
        purpose(AccountsPurpose::EnableOverride(targets)),
        "Override reason",
        "goes in the action log; empty: not enabled",
    )
    .with_intro(intro);
    sh.dialogs.push(Dialog::Confirm(c));
}
