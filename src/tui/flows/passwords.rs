//! The Passwords tab: what its keys start (filters, the bulk fixes with their preview, the
//! policy apply, the shared-credentials forms). What the answers from the background do is in
//! `passwords_results`. Every change goes through the same `ops` functions as the CLI, on
//! worker tasks.

use super::accounts::{read_only, split_names};
pub use super::passwords_results::on_msg;
use crate::domain::creds::Credential;
use crate::domain::password::PasswordStatus;
use crate::domain::policy::PolicySettings;
use crate::domain::time::uk_date;
use crate::ops::compliance::{status_word, ReportRow};
use crate::tui::app::{Job, State, Tab};
use crate::tui::dialogs::{
    Confirm, ConfirmPurpose, Dialog, Field, Form, FormPurpose, Message, Tone,
};
use crate::tui::keymap::{Action, Context};
use crate::tui::screens::passwords::{
    status_from_word, CredsPanel, Panel, PasswordsScreen, Scope, FLAGS, STATUS_CYCLE,
};
use crate::tui::screens::passwords_panels::cred_status;
use crate::tui::worker::passwords::{Fix, PwCmd};
use crate::tui::worker::Cmd;
use chrono::Utc;
use crossterm::event::KeyEvent;

/// What a confirmation of the Passwords tab is for.
#[derive(Debug, Clone)]
pub enum PwConfirm {
    /// Apply a fix to these accounts.
    Fix {
        /// Usernames.
        targets: Vec<String>,
        /// The fix.
        fix: Fix,
    },
    /// Apply these policy changes.
    Policy(Vec<PolicySettings>),
    /// Record that this shared credential was changed today.
    Rotated(String),
}

/// What a form of the Passwords tab is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PwForm {
    /// The report's filters.
    Filter,
    /// Add (or update) a shared credential.
    AddCred,
}

/// Lines of the creds panel's table (bar, counts, column titles and the record aside).
pub fn creds_page(body: usize) -> usize {
    let detail = if body.saturating_sub(1) >= 10 { 4 } else { 0 };
    body.saturating_sub(3 + detail).max(1)
}

fn cmd(c: PwCmd) -> Cmd {
    Cmd::Passwords(c)
}

/// The tab was opened: read the report the first time, or again (with the register, whose
/// leavers may have changed) after accounts changed elsewhere.
pub fn open(state: &mut State) -> Vec<Cmd> {
    let p = &state.passwords;
    if p.loading || (p.loaded && !p.stale) {
        return Vec::new();
    }
    let creds_too = p.stale && p.creds.loaded && !p.creds.loading;
    let gen = state.next_gen();
    let mut cmds = vec![state.passwords.request_load(gen)];
    if creds_too {
        let gen = state.next_gen();
        cmds.push(state.passwords.request_creds(gen));
    }
    cmds
}

/// Reads again what the tab has shown (after a reconnect or `r`).
pub fn reload(state: &mut State) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    let on_tab = state.tab == Tab::Passwords;
    if state.passwords.loaded || on_tab {
        let gen = state.next_gen();
        cmds.push(state.passwords.request_load(gen));
    }
    let panel = state.passwords.panel;
    if state.passwords.policy.data.is_some() || (on_tab && panel == Panel::Policy) {
        let gen = state.next_gen();
        cmds.push(state.passwords.request_policy(gen));
    }
    if state.passwords.creds.loaded || (on_tab && panel == Panel::Creds) {
        let gen = state.next_gen();
        cmds.push(state.passwords.request_creds(gen));
    }
    cmds
}

/// Accounts changed elsewhere: read the report again now if it is shown, else when it is.
pub fn after_change(state: &mut State) -> Vec<Cmd> {
    if !state.passwords.loaded || state.passwords.loading {
        return Vec::new();
    }
    if state.tab != Tab::Passwords {
        state.passwords.stale = true;
        return Vec::new();
    }
    let mut cmds = Vec::new();
    let gen = state.next_gen();
    cmds.push(state.passwords.request_load(gen));
    if state.passwords.creds.loaded && !state.passwords.creds.loading {
        let gen = state.next_gen();
        cmds.push(state.passwords.request_creds(gen));
    }
    cmds
}

/// A key while the report's search box has the keyboard.
pub fn search_key(state: &mut State, key: &KeyEvent, action: Option<Action>) -> Vec<Cmd> {
    let body = state.body_height();
    state.passwords.search_key(key, action, body);
    Vec::new()
}

/// A click on body row `row` (0 is the bar under the tabs).
pub fn click(state: &mut State, row: usize) {
    let body = state.body_height();
    let p = &mut state.passwords;
    match p.panel {
        Panel::Report if row >= 2 => p.click(row - 2, body),
        Panel::Creds if row >= 3 => {
            let i = p.creds.offset + (row - 3);
            if i < p.creds.rows.len() && row - 3 < creds_page(body) {
                p.creds.cursor = i;
            }
        }
        _ => {}
    }
}

/// Keys of the Passwords tab (outside dialogs and the search box).
pub fn passwords_action(state: &mut State, action: Action, body: usize) -> Vec<Cmd> {
    match action {
        Action::PolicyPanel => return toggle_panel(state, Panel::Policy),
        Action::CredsPanel => return toggle_panel(state, Panel::Creds),
        _ => {}
    }
    match state.passwords.panel {
        Panel::Report => report_action(state, action, body),
        Panel::Policy => {
            if action == Action::ApplyPolicy && !read_only(state) {
                return plan_policy(state);
            }
            Vec::new()
        }
        Panel::Creds => creds_action(state, action, body),
    }
}

fn toggle_panel(state: &mut State, panel: Panel) -> Vec<Cmd> {
    let p = &mut state.passwords;
    if p.panel == panel {
        p.panel = Panel::Report;
        return open(state);
    }
    p.panel = panel;
    let gen = state.next_gen();
    match panel {
        Panel::Policy if !state.passwords.policy.loading => {
            vec![state.passwords.request_policy(gen)]
        }
        Panel::Creds if !state.passwords.creds.loading => {
            vec![state.passwords.request_creds(gen)]
        }
        _ => Vec::new(),
    }
}

fn report_action(state: &mut State, action: Action, body: usize) -> Vec<Cmd> {
    let p = &mut state.passwords;
    let step = p.page(body) as isize;
    match action {
        Action::Up => p.move_by(-1, body),
        Action::Down => p.move_by(1, body),
        Action::PageUp => p.move_by(-step, body),
        Action::PageDown => p.move_by(step, body),
        Action::Top => p.jump(false, body),
        Action::Bottom => p.jump(true, body),
        Action::Search => p.searching = true,
        Action::ClearSearch => {
            if !p.search.value().is_empty() {
                p.search.clear();
                p.refilter_keep(body);
            } else if !p.selected.is_empty() {
                p.selected.clear();
            }
        }
        Action::SortNext => p.sort_by(true, body),
        Action::SortReverse => p.sort_by(false, body),
        Action::StatusCycle => {
            p.cycle_status(body);
            let what = p
                .filters
                .status
                .map(|s| format!("showing {} passwords", status_word(s)))
                .unwrap_or_else(|| "showing every status".into());
            state.info(what);
        }
        Action::ClearFilters => p.clear_all(body),
        Action::Select => p.toggle_select(body),
        Action::SelectAll => p.select_all(),
        Action::Filter => open_filter(state),
        Action::Details => details(state),
        Action::ForceChange => confirm_fix(state, Fix::ForceChange),
        Action::ClearNeverExpires => confirm_fix(state, Fix::ClearNeverExpires),
        _ => {}
    }
    Vec::new()
}

fn creds_action(state: &mut State, action: Action, body: usize) -> Vec<Cmd> {
    match action {
        Action::AddCred | Action::Rotated if read_only(state) => return Vec::new(),
        Action::AddCred => open_add_cred(state),
        Action::Rotated => confirm_rotated(state),
        Action::Details => cred_details(state),
        _ => {}
    }
    let page = creds_page(body);
    let c: &mut CredsPanel = &mut state.passwords.creds;
    let step = page as isize;
    match action {
        Action::Up => c.move_by(-1, page),
        Action::Down => c.move_by(1, page),
        Action::PageUp => c.move_by(-step, page),
        Action::PageDown => c.move_by(step, page),
        Action::Top => c.move_by(-(c.rows.len() as isize), page),
        Action::Bottom => c.move_by(c.rows.len() as isize, page),
        _ => {}
    }
    Vec::new()
}

fn open_filter(state: &mut State) {
    let p = &state.passwords;
    let mut statuses = vec!["any".to_string()];
    statuses.extend(STATUS_CYCLE.iter().map(|s| status_word(*s).to_string()));
    let status_i = p
        .filters
        .status
        .and_then(|s| statuses.iter().position(|x| x == status_word(s)))
        .unwrap_or(0);
    let mut roles = vec!["any".to_string()];
    roles.extend(p.roles());
    let role_i = p
        .filters
        .role
        .as_ref()
        .and_then(|r| roles.iter().position(|x| x == r))
        .unwrap_or(0);
    let mut flags = vec!["any".to_string()];
    flags.extend(FLAGS.iter().map(|f| f.to_string()));
    let flag_i = p
        .filters
        .flag
        .as_ref()
        .and_then(|f| flags.iter().position(|x| x == f))
        .unwrap_or(0);
    let form = Form::new(
        "Filter the password report",
        FormPurpose::Passwords(PwForm::Filter),
        vec![
            Field::choice(
                "Status",
                statuses,
                status_i,
                "left/right or space to change",
            ),
            Field::choice("Role", roles, role_i, ""),
            Field::choice("Flag", flags, flag_i, "accounts that carry this flag"),
        ],
    );
    state.dialogs.push(Dialog::Form(form));
}

fn day(t: Option<chrono::DateTime<Utc>>, none: &str) -> String {
    t.map(uk_date).unwrap_or_else(|| none.into())
}

fn details(state: &mut State) {
    let Some(r) = state.passwords.current() else {
        return;
    };
    let km = &state.keymap;
    let lines = vec![
        (format!("Username:      {}", r.username), Tone::Strong),
        (
            format!("Role:          {}", r.role.as_deref().unwrap_or("-")),
            Tone::Normal,
        ),
        (
            format!("Last set:      {}", day(r.password_last_set, "never")),
            Tone::Normal,
        ),
        (
            format!(
                "Age:           {}",
                r.age_days
                    .map(|d| format!("{d} days"))
                    .unwrap_or_else(|| "-".into())
            ),
            Tone::Normal,
        ),
        (
            format!("Expires on:    {}", day(r.expires_on, "-")),
            Tone::Normal,
        ),
        (
            format!("Status:        {}", status_word(r.status)),
            if r.status == PasswordStatus::Ok {
                Tone::Good
            } else {
                Tone::Warn
            },
        ),
        (
            format!(
                "Flags:         {}",
                if r.flags.is_empty() {
                    "none".to_string()
                } else {
                    r.flags.join(", ")
                }
            ),
            Tone::Normal,
        ),
        (format!("Policy:        {}", r.policy), Tone::Normal),
        (
            format!(
                "Max age:       {} days (the school's rule for this role)",
                r.max_age_days
            ),
            Tone::Normal,
        ),
        ("".into(), Tone::Normal),
        (
            format!(
                "{} forces a change at next logon; {} clears never-expires.",
                km.keys_for(Context::Passwords, Action::ForceChange),
                km.keys_for(Context::Passwords, Action::ClearNeverExpires)
            ),
            Tone::Dim,
        ),
    ];
    let title = format!("Password of {}", r.username);
    state
        .dialogs
        .push(Dialog::Message(Message::new(&title, lines)));
}

/// Whether `fix` changes `row`; `None` if it does, else why not.
fn unchanged(row: &ReportRow, fix: Fix) -> Option<&'static str> {
    match fix {
        Fix::ForceChange if row.status == PasswordStatus::MustChange => {
            Some("already must change at next logon")
        }
        Fix::ClearNeverExpires if !row.flags.contains(&"never-expires") => {
            Some("no never-expires flag")
        }
        _ => None,
    }
}

/// The preview of a fix: exactly which accounts change, and how. Returns the usernames that
/// change and the lines.
pub fn fix_preview(p: &PasswordsScreen, fix: Fix) -> (Vec<String>, Vec<(String, Tone)>) {
    let (rows, scope) = p.targets();
    let (change, left): (Vec<&ReportRow>, Vec<&ReportRow>) =
        rows.into_iter().partition(|r| unchanged(r, fix).is_none());
    let n = change.len();
    let whence = match scope {
        Scope::Selected => " (the selection)".to_string(),
        Scope::Shown => {
            let mut what = Vec::new();
            if !p.filters.is_empty() {
                what.push(p.filters.describe());
            }
            if !p.search.value().trim().is_empty() {
                what.push(format!("search \"{}\"", p.search.value().trim()));
            }
            format!(" (all shown: {})", what.join(", "))
        }
        Scope::Cursor => String::new(),
    };
    let mut lines = vec![(
        format!(
            "{} {n} account{}{whence}:",
            fix.verb(),
            if n == 1 { "" } else { "s" }
        ),
        Tone::Strong,
    )];
    for r in &change {
        let head = format!(
            "  {} ({})",
            r.username,
            r.role.as_deref().unwrap_or("no role")
        );
        let disabled = if r.flags.contains(&"disabled") {
            " [disabled]"
        } else {
            ""
        };
        let text = match fix {
            Fix::ForceChange => format!(
                "{head}: {} -> must change at next logon{disabled}",
                status_word(r.status)
            ),
            Fix::ClearNeverExpires => format!(
                "{head}: never expires -> expires by policy ({}, {}){disabled}",
                status_word(r.status),
                r.age_days
                    .map(|d| format!("{d} days old"))
                    .unwrap_or_else(|| "never set".into())
            ),
        };
        lines.push((text, Tone::Normal));
    }
    if let Some(first) = left.first() {
        let why = unchanged(first, fix).unwrap_or("");
        let names: Vec<&str> = left.iter().map(|r| r.username.as_str()).collect();
        lines.push((
            format!("Left out, nothing to change ({why}): {}", names.join(", ")),
            Tone::Dim,
        ));
    }
    lines.push(("".into(), Tone::Normal));
    lines.push((
        "Each change is written to the action log.".into(),
        Tone::Dim,
    ));
    if n > 1 {
        lines.push((
            "If one account fails, it is reported and the others go on.".into(),
            Tone::Dim,
        ));
    }
    (change.iter().map(|r| r.username.clone()).collect(), lines)
}

fn confirm_fix(state: &mut State, fix: Fix) {
    if read_only(state) {
        return;
    }
    if state.passwords.targets().0.is_empty() {
        state.info("no account here: clear the search or filters (F)");
        return;
    }
    let (targets, lines) = fix_preview(&state.passwords, fix);
    if targets.is_empty() {
        state
            .dialogs
            .push(Dialog::Message(Message::new("Nothing to change", lines)));
        return;
    }
    let (title, yes) = match fix {
        Fix::ForceChange => ("Force a password change?", "force a change for"),
        Fix::ClearNeverExpires => ("Clear never-expires?", "clear never-expires on"),
    };
    let yes = match targets.as_slice() {
        [one] => format!("{yes} {one}"),
        many => format!("{yes} {} accounts", many.len()),
    };
    state.dialogs.push(Dialog::Confirm(Confirm::new(
        title,
        lines,
        &yes,
        ConfirmPurpose::Passwords(PwConfirm::Fix { targets, fix }),
    )));
}

fn plan_policy(state: &mut State) -> Vec<Cmd> {
    if state.passwords.policy.planning {
        return Vec::new();
    }
    let gen = state.next_gen();
    state.passwords.policy.plan_gen = gen;
    state.passwords.policy.planning = true;
    vec![cmd(PwCmd::PlanPolicy { gen })]
}

/// The lines `schooltech passwords policy apply` prints for a plan.
pub fn plan_lines(plan: &[PolicySettings]) -> Vec<String> {
    plan.iter()
        .map(|p| {
            format!(
                "  set policy {} ({}): minimum length {}, maximum age {} days{}",
                p.name,
                p.dn,
                p.min_length.unwrap_or_default(),
                p.max_age_days.unwrap_or_default(),
                if p.applies_to.is_empty() {
                    String::new()
                } else {
                    format!(", for {} accounts/groups", p.applies_to.len())
                }
            )
        })
        .collect()
}

fn open_add_cred(state: &mut State) {
    let form = Form::new(
        "Add a shared login to the register",
        FormPurpose::Passwords(PwForm::AddCred),
        vec![
            Field::text(
                "Name",
                "",
                "e.g. Library desk; a name already listed is updated",
            ),
            Field::text("System", "", "the URL or system it is for"),
            Field::text(
                "Known by",
                "",
                "usernames of the staff who know it, comma-separated",
            ),
            Field::text("Owner", "", "who changes it (a username)"),
            Field::text("Period (days)", "42", "change it every this many days"),
        ],
    )
    .with_intro(vec![(
        "No password is stored, only who knows it and when to change it.".into(),
        Tone::Dim,
    )]);
    state.dialogs.push(Dialog::Form(form));
}

fn cred_details(state: &mut State) {
    let Some((c, v)) = state.passwords.creds.current() else {
        return;
    };
    let lines = vec![
        (format!("Name:          {}", c.name), Tone::Strong),
        (format!("System:        {}", c.system), Tone::Normal),
        (format!("Owner:         {}", c.owner), Tone::Normal),
        (
            format!(
                "Known by:      {}",
                if c.known_by.is_empty() {
                    "nobody listed".into()
                } else {
                    c.known_by.join(", ")
                }
            ),
            Tone::Normal,
        ),
        (
            format!("Last changed:  {}", uk_date(c.last_rotated)),
            Tone::Normal,
        ),
        (
            format!("Period:        {} days", c.period_days),
            Tone::Normal,
        ),
        (format!("Due:           {}", uk_date(v.due)), Tone::Normal),
        (
            format!("Status:        {}", cred_status(v)),
            if v.leavers.is_empty() {
                Tone::Normal
            } else {
                Tone::Bad
            },
        ),
        ("".into(), Tone::Normal),
        (
            "No password is stored: change it on the system itself, then mark it changed here."
                .into(),
            Tone::Dim,
        ),
    ];
    let title = format!("Shared login: {}", c.name);
    state
        .dialogs
        .push(Dialog::Message(Message::new(&title, lines)));
}

fn confirm_rotated(state: &mut State) {
    let Some((c, v)) = state.passwords.creds.current() else {
        state.info("the register is empty: add a shared login first");
        return;
    };
    let now = Utc::now();
    let due = now + chrono::Duration::days(i64::from(c.period_days));
    let mut lines = vec![
        (
            format!("Record that \"{}\" was changed today:", c.name),
            Tone::Strong,
        ),
        (
            format!(
                "  last changed {} -> {}; next due {}",
                uk_date(c.last_rotated),
                uk_date(now),
                uk_date(due)
            ),
            Tone::Normal,
        ),
        ("".into(), Tone::Normal),
        (
            "Change the password on the system itself first; only the date is recorded here (and in the action log)."
                .into(),
            Tone::Dim,
        ),
    ];
    if !v.leavers.is_empty() {
        lines.push((
            format!(
                "{} (left) is still listed as knowing it: after the change, {} with the same name updates who knows it.",
                v.leavers.join(", "),
                state.keymap.keys_for(Context::PwCreds, Action::AddCred)
            ),
            Tone::Warn,
        ));
    }
    let name = c.name.clone();
    state.dialogs.push(Dialog::Confirm(Confirm::new(
        "Shared login changed?",
        lines,
        &format!("mark \"{name}\" changed today"),
        ConfirmPurpose::Passwords(PwConfirm::Rotated(name)),
    )));
}

/// A form of the tab was submitted.
pub fn submit(state: &mut State, mut f: Form, which: PwForm) -> Vec<Cmd> {
    match which {
        PwForm::Filter => {
            let body = state.body_height();
            let p = &mut state.passwords;
            p.filters.status = status_from_word(f.choice(0));
            p.filters.role = Some(f.choice(1).to_string()).filter(|r| r != "any");
            p.filters.flag = Some(f.choice(2).to_string()).filter(|r| r != "any");
            p.refilter_keep(body);
            Vec::new()
        }
        PwForm::AddCred => {
            let name = f.text(0).trim().to_string();
            let system = f.text(1).trim().to_string();
            let known_by = split_names(f.text(2));
            let owner = f.text(3).trim().to_string();
            let period = f.text(4).trim().parse::<u32>();
            let problem = match &period {
                Err(_) => Some("the period is a number of days, e.g. 42".to_string()),
                Ok(days) => crate::domain::creds::validate(&name, &system, *days)
                    .err()
                    .or_else(|| {
                        owner
                            .is_empty()
                            .then(|| "say who changes it (the owner)".to_string())
                    }),
            };
            if let Some(e) = problem {
                f.error = Some(e.replace(" (--system)", ""));
                state.dialogs.push(Dialog::Form(f));
                return Vec::new();
            }
            // An update keeps the date it was last changed; a new one was changed today.
            let last_rotated = state
                .passwords
                .creds
                .rows
                .iter()
                .find(|(c, _)| c.name == name)
                .map(|(c, _)| c.last_rotated)
                .unwrap_or_else(Utc::now);
            let cred = Credential {
                name,
                system,
                known_by,
                owner,
                period_days: period.unwrap_or(42),
                last_rotated,
            };
            let gen = state.next_gen();
            state.passwords.creds.save_gen = gen;
            state.passwords.creds.saving = true;
            f.waiting = Some((gen, "saving"));
            state.dialogs.push(Dialog::Form(f));
            vec![cmd(PwCmd::AddCred { gen, cred })]
        }
    }
}

/// A confirmation of the tab was answered yes.
pub fn on_confirm(state: &mut State, c: PwConfirm) -> Vec<Cmd> {
    match c {
        PwConfirm::Fix { targets, fix } => {
            let gen = state.next_gen();
            let n = targets.len();
            let title = match targets.as_slice() {
                [one] => format!("{} {one}", fix.verb()),
                _ => format!("{} {n} accounts", fix.verb()),
            };
            state.jobs.push(Job {
                gen,
                title,
                total: n,
                done: 0,
                ok: 0,
                failures: Vec::new(),
                done_word: fix.done().into(),
            });
            if n > 1 {
                state.dialogs.push(Dialog::Progress(gen));
            }
            vec![cmd(PwCmd::Fix { gen, targets, fix })]
        }
        PwConfirm::Policy(plan) => {
            let gen = state.next_gen();
            state.jobs.push(Job {
                gen,
                title: "Apply the password policy".into(),
                total: 1,
                done: 0,
                ok: 0,
                failures: Vec::new(),
                done_word: "applied".into(),
            });
            vec![cmd(PwCmd::ApplyPolicy { gen, plan })]
        }
        PwConfirm::Rotated(name) => {
            let gen = state.next_gen();
            state.passwords.creds.save_gen = gen;
            state.passwords.creds.saving = true;
            vec![cmd(PwCmd::Rotated { gen, name })]
        }
    }
}
