//! What the answers from the background do on the Accounts tab: the listing, an account's
//! log rows, OUs for the move picker, a planned or created account, each account of a change
//! and its end, and the new intake's plan, progress and result.

use super::keys::fmt_expiry;
use super::work::Applied;
use super::{AccountsMsg, AccountsPurpose, AccountsTab};
use crate::domain::account::{Account, NewAccount};
use crate::domain::time::uk_date;
use crate::error::Result;
use crate::ops::actions::{summary, CreateOutcome, CreateRequest};
use crate::ops::import::{ImportPlan, ImportResult};
use crate::tui::dialogs::{Message, Tone};
use crate::tui::shell::{Conn, Shell};
use crate::tui::tabs::{Changed, Confirm, Dialog, Purpose, Tab};
use crate::tui::work::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(a: &mut AccountsTab, sh: &mut Shell, msg: AccountsMsg) -> (Vec<Cmd>, bool) {
    match msg {
        AccountsMsg::AupBook { gen, result } => {
            if gen != a.load_gen {
                return (Vec::new(), false);
            }
            if let Err(e) = &result {
                sh.info(format!(
                    "the acceptable use agreements could not be read: {e}"
                ));
            }
            a.aup = Some(result.map(std::sync::Arc::new).map_err(|e| e.to_string()));
            (Vec::new(), false)
        }
        AccountsMsg::AupRecorded {
            gen,
            username,
            result,
        } => (
            Vec::new(),
            super::aup::on_recorded(a, sh, gen, username, result),
        ),
        AccountsMsg::AupPlanned { gen, result } => {
            super::aup::on_planned(a, sh, gen, result);
            (Vec::new(), true)
        }
        AccountsMsg::AupRecordDone { gen, stopped } => {
            (super::aup::on_record_done(a, sh, gen, stopped), true)
        }
        AccountsMsg::Loaded { gen, result, now } => {
            if gen != a.load_gen {
                return (Vec::new(), false);
            }
            a.loading = false;
            a.cached_at = None;
            match result {
                Ok(listing) => {
                    sh.now = now;
                    if sh.conn != Conn::Connected {
                        sh.conn = Conn::Connected;
                    }
                    a.set_accounts(listing, now, sh.body_height());
                    a.error = None;
                    (a.detail_log_cmd(sh), true)
                }
                Err(e) => {
                    a.error = Some(e.to_string());
                    sh.error(&e);
                    (Vec::new(), true)
                }
            }
        }
        AccountsMsg::Cached {
            gen,
            listing,
            read_at,
            now,
        } => {
            if gen != a.load_gen || !a.loading {
                return (Vec::new(), false);
            }
            sh.now = now;
            a.set_accounts(listing, now, sh.body_height());
            a.cached_at = Some(read_at);
            (a.detail_log_cmd(sh), true)
        }
        AccountsMsg::AccountLog {
            gen,
            username,
            result,
        } => {
            if gen != a.detail_log.gen {
                return (Vec::new(), false);
            }
            a.detail_log.username = username;
            a.detail_log.entries = Some(result.map_err(|e| e.to_string()));
            (Vec::new(), true)
        }
        AccountsMsg::GroupsLoaded { gen, result } => {
            on_groups(a, sh, gen, result);
            (Vec::new(), true)
        }
        AccountsMsg::OusLoaded { gen, result } => {
            on_ous(sh, gen, result);
            (Vec::new(), true)
        }
        AccountsMsg::Planned { gen, req, result } => (on_planned(sh, gen, req, result), true),
        AccountsMsg::Created { gen, result } => (on_created(a, sh, gen, result), true),
        AccountsMsg::Applied {
            gen,
            username,
            result,
        } => (on_applied(a, sh, gen, username, result), true),
        AccountsMsg::ApplyDone { gen, stopped } => {
            let Some(job) = sh.take_job(gen) else {
                return (Vec::new(), true);
            };
            a.table.refresh(AccountsTab::page(sh.body_height()));
            sh.report_bulk(gen, &job, stopped.as_deref());
            changed(sh);
            (Vec::new(), true)
        }
        AccountsMsg::ImportPlanned { gen, result } => {
            on_import_planned(sh, gen, result);
            (Vec::new(), true)
        }
        AccountsMsg::ImportProgress { gen, done, total } => {
            match sh.jobs.iter_mut().find(|j| j.gen == gen) {
                Some(j) => {
                    j.done = done;
                    j.total = total;
                    (Vec::new(), true)
                }
                None => (Vec::new(), false),
            }
        }
        AccountsMsg::ImportDone { gen, result } => (on_import_done(a, sh, gen, result), true),
    }
}

/// Accounts changed here (already shown) and rows were written to the log.
fn changed(sh: &mut Shell) {
    sh.announce(Changed::Accounts { by: Tab::Accounts });
    sh.announce(Changed::Log);
}

/// The OUs for a move picker arrived.
/// The directory's groups arrived: the groups picker lists them, each marked when the one
/// account is a member, when it is protected, with its description.
fn on_groups(
    a: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    result: Result<Vec<crate::ops::groups::GroupEntry>>,
) {
    let mut err = None;
    for d in sh.dialogs.iter_mut() {
        let Dialog::Picker(p) = d else { continue };
        if p.waiting != Some(gen) {
            continue;
        }
        p.waiting = None;
        match result {
            Ok(groups) => {
                let member_of: Vec<String> = match &p.purpose {
                    Purpose::Accounts(AccountsPurpose::Groups(t)) if t.len() == 1 => a
                        .row(&t[0])
                        .map(|r| r.account.group_dns.clone())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                p.options = groups.iter().map(|g| g.name.clone()).collect();
                p.labels = groups
                    .iter()
                    .map(|g| {
                        let mut l = g.name.clone();
                        if member_of.iter().any(|m| m.eq_ignore_ascii_case(&g.dn)) {
                            l.push_str("  [member: Enter removes]");
                        }
                        if g.protected.is_some() {
                            l.push_str("  [protected]");
                        }
                        if let Some(d) = &g.description {
                            l.push_str(" - ");
                            l.push_str(d);
                        }
                        l
                    })
                    .collect();
                a.groups = Some(groups);
            }
            Err(e) => {
                p.error = Some(e.to_string());
                err = Some(e);
            }
        }
        break;
    }
    if let Some(e) = err {
        sh.note_error(&e);
    }
}

fn on_ous(sh: &mut Shell, gen: u64, result: Result<Vec<String>>) {
    let mut err = None;
    for d in sh.dialogs.iter_mut() {
        if let Dialog::Picker(p) = d {
            if p.waiting == Some(gen) {
                p.waiting = None;
                match result {
                    Ok(mut ous) => {
                        ous.sort_by_key(|o| o.to_lowercase());
                        p.options = ous;
                    }
                    Err(e) => {
                        p.error = Some(e.to_string());
                        err = Some(e);
                    }
                }
                break;
            }
        }
    }
    if let Some(e) = err {
        sh.note_error(&e);
    }
}

/// A new account was planned: show what would be made.
fn on_planned(
    sh: &mut Shell,
    gen: u64,
    req: CreateRequest,
    result: Result<NewAccount>,
) -> Vec<Cmd> {
    let Some(form) = sh.waiting_form(gen) else {
        return Vec::new();
    };
    form.waiting = None;
    match result {
        Err(e) => {
            form.error = Some(e.to_string());
            sh.note_error(&e);
        }
        Ok(plan) => {
            let groups = if plan.groups.is_empty() {
                "none".to_string()
            } else {
                plan.groups
                    .iter()
                    .map(|g| crate::domain::dn::first_rdn_value(g).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut lines = vec![
                ("A new account will be created:".to_string(), Tone::Strong),
                (format!("  Username:   {}", plan.username), Tone::Normal),
                (format!("  Name:       {}", plan.display_name), Tone::Normal),
                (format!("  Role:       {}", req.role), Tone::Normal),
                (format!("  In OU:      {}", plan.parent_dn), Tone::Normal),
                (format!("  Groups:     {groups}"), Tone::Normal),
                (
                    format!("  MIS id:     {}", plan.mis_id.as_deref().unwrap_or("none")),
                    Tone::Normal,
                ),
                (format!("  Expires:    {}", fmt_expiry(plan.expires)), Tone::Normal),
                ("".into(), Tone::Normal),
                (
                    "A temporary password is generated and shown to you once; it must be changed at first logon."
                        .into(),
                    Tone::Dim,
                ),
            ];
            if let Some(l) = unusual_expiry_line(plan.expires, sh.now) {
                lines.insert(8.min(lines.len()), l);
            }
            sh.dialogs.push(Dialog::Confirm(Confirm::new(
                "Create account?",
                lines,
                &format!("create {}", plan.username),
                Purpose::Accounts(AccountsPurpose::ConfirmCreate(req)),
            )));
        }
    }
    Vec::new()
}

/// Issue 24, item 8: an expiry in the past or more than a year away is spelled out in the
/// confirmation ("Thursday 1 January 2026, in the past"), so it is not confirmed by reflex.
pub fn unusual_expiry_line(
    expires: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(String, Tone)> {
    use crate::domain::time::LondonDate;
    expires
        .and_then(|t| crate::domain::time::unusual_expiry(t.london_date(), now.london_date()))
        .map(|why| {
            (
                format!("  ! The expiry is {why}: check it before you confirm."),
                Tone::Warn,
            )
        })
}

/// An account was created.
fn on_created(
    tab: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    result: Result<CreateOutcome>,
) -> Vec<Cmd> {
    if sh.take_job(gen).is_none() {
        return Vec::new();
    }
    match result {
        Ok(CreateOutcome::Unknown {
            username,
            password,
            error,
        }) => {
            // The directory did not answer: the account may exist with this password.
            sh.error(&error);
            let lines = vec![
                (
                    format!("{username} may have been created: the directory did not say."),
                    Tone::Warn,
                ),
                (format!("Why: {error}"), Tone::Dim),
                (
                    "outcome unknown: check before giving this password out. If it was created, this is its temporary password; reconnecting (r) settles what is pending."
                        .into(),
                    Tone::Normal,
                ),
            ];
            let probe = Account {
                username,
                ..Default::default()
            };
            sh.show_secret("Outcome unknown", lines, &probe, password);
            changed(sh);
            vec![tab.request_load(sh)]
        }
        Ok(CreateOutcome::Created(c)) => {
            let a = c.account.clone();
            let page = AccountsTab::page(sh.body_height());
            tab.replace_account(c.account, sh.now);
            tab.table.refresh(page);
            tab.table.select_key(&a.username, page);
            sh.info(format!("created {}", a.username));
            let lines = vec![
                (format!("Created {}", summary(&a)), Tone::Good),
                (format!("In {}", a.parent_dn()), Tone::Dim),
                (
                    "The user must choose a new password at first logon.".into(),
                    Tone::Normal,
                ),
            ];
            sh.show_secret("New account", lines, &a, c.password);
            changed(sh);
            tab.detail_log_cmd(sh)
        }
        Err(e) => {
            sh.note_error(&e);
            sh.dialogs.push(Dialog::Message(Message::error(
                "The account was not created",
                &e.to_string(),
            )));
            Vec::new()
        }
    }
}

/// One account of an `Apply` is done.
fn on_applied(
    tab: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    username: String,
    result: Result<Applied>,
) -> Vec<Cmd> {
    match result {
        Ok(Applied {
            account,
            password,
            unknown,
            nothing,
        }) => {
            let stepped = match &unknown {
                None if nothing.is_some() => {
                    sh.job_unchanged(gen, &username, nothing.as_deref().unwrap_or_default())
                }
                None => sh.job_step(gen, &username, Ok(())),
                Some(why) => {
                    let e = crate::error::Error::Input(format!(
                        "outcome unknown ({why}); {} (reconnect) reads the directory and settles it",
                        sh.keymap.keys_for(
                            crate::tui::keymap::Context::GLOBAL,
                            crate::tui::keymap::Action::Retry
                        )
                    ));
                    sh.job_step(gen, &username, Err(&e))
                }
            };
            if !stepped {
                return Vec::new();
            }
            if let Some(p) = password {
                // Each fact once; an unknown outcome never sits beside a success line.
                let lines = match &unknown {
                    None => vec![
                        (
                            format!("Password reset for {}", summary(&account)),
                            Tone::Good,
                        ),
                        (
                            if account.must_change_password {
                                "They must choose a new password at next logon."
                            } else {
                                "This password is not temporary."
                            }
                            .to_string(),
                            Tone::Normal,
                        ),
                    ],
                    Some(why) => vec![
                        (
                            "outcome unknown: check before giving this password out".to_string(),
                            Tone::Warn,
                        ),
                        (
                            format!(
                                "The directory did not say whether the password of {} was reset; if it was, it is this one.",
                                account.username
                            ),
                            Tone::Normal,
                        ),
                        (format!("Why: {why}"), Tone::Dim),
                    ],
                };
                let title = if unknown.is_some() {
                    "Outcome unknown"
                } else {
                    "New password"
                };
                sh.show_secret(title, lines, &account, p);
            }
            tab.replace_account(account, sh.now);
        }
        Err(e) => {
            sh.job_step(gen, &username, Err(&e));
        }
    }
    Vec::new()
}

/// A CSV was planned: show the dry run.
fn on_import_planned(sh: &mut Shell, gen: u64, result: Result<ImportPlan>) {
    let Some(form) = sh.waiting_form(gen) else {
        return;
    };
    form.waiting = None;
    let plan = match result {
        Err(e) => {
            form.error = Some(e.to_string());
            sh.note_error(&e);
            return;
        }
        Ok(p) => p,
    };
    let mut lines = vec![(
        format!(
            "Dry run: {} to create, {} already have accounts, {} with problems (file read as {}).",
            plan.create.len(),
            plan.existing.len(),
            plan.errors.len(),
            plan.encoding
        ),
        Tone::Strong,
    )];
    if !plan.create.is_empty() {
        lines.push(("Will create:".into(), Tone::Strong));
        for (row, new) in &plan.create {
            lines.push((
                format!(
                    "  line {:>4}  {:<20} {:<24} {:<7} {}{}",
                    row.line,
                    new.username,
                    new.display_name,
                    row.request.role,
                    crate::domain::dn::first_rdn_value(&new.parent_dn),
                    new.expires
                        .map(|e| format!(", expires {}", uk_date(e)))
                        .unwrap_or_default()
                ),
                Tone::Normal,
            ));
        }
    }
    if !plan.existing.is_empty() {
        lines.push((
            "Skipped (the MIS id already has an account):".into(),
            Tone::Strong,
        ));
        for (line, mis, user) in &plan.existing {
            lines.push((format!("  line {line:>4}  {mis} is {user}"), Tone::Dim));
        }
    }
    if !plan.errors.is_empty() {
        lines.push((
            "Not imported (fix the CSV and import again):".into(),
            Tone::Strong,
        ));
        for e in &plan.errors {
            lines.push((format!("  line {:>4}  {}", e.line, e.message), Tone::Bad));
        }
    }
    if plan.create.is_empty() {
        sh.dialogs
            .push(Dialog::Message(Message::new("Nothing to create", lines)));
        return;
    }
    lines.push((
        "The temporary passwords go to a handout file (mode 0600); its path is shown once when done."
            .into(),
        Tone::Dim,
    ));
    let n = plan.create.len();
    sh.dialogs.push(Dialog::Confirm(Confirm::new(
        "New intake: dry run",
        lines,
        &format!("create {n} accounts"),
        Purpose::Accounts(AccountsPurpose::ConfirmImport(Box::new(plan))),
    )));
}

/// The import finished: show the handout path once, reload.
fn on_import_done(
    tab: &mut AccountsTab,
    sh: &mut Shell,
    gen: u64,
    result: Result<ImportResult>,
) -> Vec<Cmd> {
    let Some(job) = sh.take_job(gen) else {
        return Vec::new();
    };
    let report = match result {
        Ok(r) => {
            let mut lines = vec![(
                format!("Created {} of {} accounts.", r.created.len(), job.total),
                if r.failed.is_empty() {
                    Tone::Good
                } else {
                    Tone::Warn
                },
            )];
            if let Some(path) = &r.handout {
                lines.push(("".into(), Tone::Normal));
                lines.push((
                    "Handout sheets with the temporary passwords (shown this once):".into(),
                    Tone::Strong,
                ));
                lines.push((format!("  {}", path.display()), Tone::Strong));
                lines.push((
                    "Print it, hand it out, then delete it; it is the only copy of the passwords."
                        .into(),
                    Tone::Warn,
                ));
            }
            if !r.failed.is_empty() {
                lines.push((format!("{} rows failed:", r.failed.len()), Tone::Bad));
                for e in &r.failed {
                    lines.push((format!("  line {:>4}  {}", e.line, e.message), Tone::Bad));
                }
            }
            sh.info(format!("import: {} accounts created", r.created.len()));
            Message::new("New intake done", lines)
        }
        Err(e) => {
            sh.note_error(&e);
            Message::error("The import failed", &e.to_string())
        }
    };
    sh.replace_progress(gen, Dialog::Message(report));
    // New accounts came from outside the table: read them all again.
    let cmds = vec![tab.request_load(sh)];
    sh.announce(Changed::Accounts { by: Tab::Accounts });
    sh.announce(Changed::Log);
    cmds
}
