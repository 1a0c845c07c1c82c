//! Keys of the Passwords tab: the report (filters, details, the bulk fixes with a preview
//! that lists exactly who changes), the policy panel (apply) and the register (add, rotated).

use super::{cred_status, Fix, PwCmd, PwRow};
use super::{CredsPanel, Panel, PasswordsTab, PwPurpose, Scope, FLAGS, STATUS_CYCLE};
use crate::domain::password::PasswordStatus;
use crate::domain::policy::PolicySettings;
use crate::domain::time::uk_date;
use crate::ops::compliance::status_word;
use crate::ops::creds::change::{Change as CredChange, Plan as CredPlan};
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::keymap::{verbs, Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, Purpose};
use crate::tui::widgets::table::FilterSet;
use crate::tui::work::Cmd;

/// The report's place in the keymap (`[tui.keys.passwords]`).
pub const CONTEXT: Context = Context::new(
    "passwords",
    "Passwords (fixes: the selection, else all shown if filtered, else this row)",
);
/// The directory policy panel's place (`[tui.keys.passwords-policy]`).
pub const POLICY_CONTEXT: Context =
    Context::new("passwords-policy", "Passwords: directory policy panel");
/// The shared-credentials panel's place (`[tui.keys.passwords-creds]`).
pub const CREDS_CONTEXT: Context =
    Context::new("passwords-creds", "Passwords: shared credentials panel");

verbs! {
    /// The Passwords tab's own verbs (the keymap's central actions are only the shell's).
    /// Only the fixes act on the selected rows: `status` cycles a filter, and `edit` is the
    /// shared login under the cursor of the register.
    pub enum PasswordsVerb {
        StatusCycle => "status",
        ForceChange => "force-change" [selection],
        ClearNeverExpires => "clear-never" [selection],
        PolicyPanel => "policy",
        ApplyPolicy => "apply-policy",
        CredsPanel => "creds",
        AddCred => "add-cred",
        Edit => "edit",
        Rotated => "rotated",
    }
}
use PasswordsVerb as V;

/// The Passwords tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = {
    use Action as A;
    const R: Context = CONTEXT;
    const P: Context = POLICY_CONTEXT;
    const C: Context = CREDS_CONTEXT;
    &[
        (R, "/",      A::Search,        "Search username, role, flag or policy as you type", true),
        (R, "esc",    A::ClearSearch,   "Clear the search, else the selection", false),
        (R, "enter",  A::Details,       "Everything about the account's password", false),
        (R, "s",      A::SortNext,      "Sort by the next column", false),
        (R, "S",      A::SortReverse,   "Reverse the sort", false),
        (R, "t",      V::StatusCycle.action(),   "Next status filter: expired, expiring, …, ok, all", false),
        (R, "f",      A::Filter,        "Filter by status, role and flag", true),
        (R, "F",      A::ClearFilters,  "Clear search and filters", false),
        (R, "space",  A::Select,        "Select or unselect this row, then move down (bulk fixes)", false),
        (R, "A",      A::SelectAll,     "Select all shown (again: clear selection)", false),
        (R, "x",      V::ForceChange.action(),   "Force a change at next logon (preview lists who)", true),
        (R, "N",      V::ClearNeverExpires.action(), "Clear never-expires (preview lists who)", true),
        (R, "p",      V::PolicyPanel.action(),   "Directory policy next to the school's rules", true),
        (R, "c",      V::CredsPanel.action(),    "Shared credentials register", true),
        (P, "a",      V::ApplyPolicy.action(),   "Bring the directory's policy in line (preview)", true),
        (P, "p",      V::PolicyPanel.action(),   "Back to the password report", true),
        (P, "esc",    V::PolicyPanel.action(),   "Back to the password report", false),
        (P, "c",      V::CredsPanel.action(),    "Shared credentials register", false),
        (C, "n",      V::AddCred.action(),       "Add a new shared login (no password)", true),
        (C, "e",      V::Edit.action(),          "Change its owner, system, period or who knows it", true),
        (C, "m",      V::Rotated.action(),       "Mark the shared login changed today", true),
        (C, "enter",  A::Details,       "Everything about the shared login", false),
        (C, "c",      V::CredsPanel.action(),    "Back to the password report", true),
        (C, "esc",    V::CredsPanel.action(),    "Back to the password report", false),
        (C, "p",      V::PolicyPanel.action(),   "Directory policy panel", false),
    ]
};

fn purpose(p: PwPurpose) -> Purpose {
    Purpose::Passwords(p)
}

/// Lines of the creds panel's table (bar, counts, column titles and the record aside).
pub fn creds_page(body: usize) -> usize {
    let detail = if body.saturating_sub(1) >= 10 { 4 } else { 0 };
    body.saturating_sub(3 + detail).max(1)
}

/// Keys of the Passwords tab (outside dialogs and the search box).
pub fn on_action(p: &mut PasswordsTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let body = sh.body_height();
    let verb = PasswordsVerb::of(action);
    match verb {
        Some(V::PolicyPanel) => return toggle_panel(p, sh, Panel::Policy),
        Some(V::CredsPanel) => return toggle_panel(p, sh, Panel::Creds),
        _ => {}
    }
    match p.panel {
        Panel::Report => report_action(p, sh, action, body),
        Panel::Policy => {
            if verb == Some(V::ApplyPolicy) && !sh.read_only() {
                return plan_policy(p, sh);
            }
            Vec::new()
        }
        Panel::Creds => creds_action(p, sh, action, body),
    }
}

fn toggle_panel(p: &mut PasswordsTab, sh: &mut Shell, panel: Panel) -> Vec<Cmd> {
    use crate::tui::tabs::Page;
    if p.panel == panel {
        p.panel = Panel::Report;
        return p.on_show(sh);
    }
    p.panel = panel;
    match panel {
        Panel::Policy if !p.policy.loading => vec![p.request_policy(sh)],
        Panel::Creds if !p.creds.loading => vec![p.request_creds(sh)],
        _ => Vec::new(),
    }
}

fn report_action(p: &mut PasswordsTab, sh: &mut Shell, action: Action, body: usize) -> Vec<Cmd> {
    let page = p.page(body);
    match action {
        Action::ClearSearch => {
            p.table.clear_search_or_selection(page);
        }
        _ if PasswordsVerb::of(action) == Some(V::StatusCycle) => {
            p.cycle_status(body);
            let what = p
                .table
                .filters
                .status
                .map(|s| format!("showing {} passwords", status_word(s)))
                .unwrap_or_else(|| "showing every status".into());
            sh.info(what);
        }
        Action::Filter => open_filter(p, sh),
        Action::Details => details(p, sh),
        Action::Verb(_) => match PasswordsVerb::of(action) {
            Some(V::ForceChange) => confirm_fix(p, sh, Fix::ForceChange),
            Some(V::ClearNeverExpires) => confirm_fix(p, sh, Fix::ClearNeverExpires),
            _ => {}
        },
        other => {
            p.table.on_move(other, page);
        }
    }
    Vec::new()
}

fn creds_action(p: &mut PasswordsTab, sh: &mut Shell, action: Action, body: usize) -> Vec<Cmd> {
    let verb = PasswordsVerb::of(action);
    match verb {
        Some(V::AddCred | V::Rotated | V::Edit) if sh.read_only() => return Vec::new(),
        Some(V::AddCred) => open_add_cred(sh),
        Some(V::Edit) => open_edit_cred(p, sh),
        Some(V::Rotated) => return plan_rotated(p, sh),
        _ if action == Action::Details => cred_details(p, sh),
        _ => {}
    }
    let page = creds_page(body);
    let c: &mut CredsPanel = &mut p.creds;
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

fn open_filter(p: &PasswordsTab, sh: &mut Shell) {
    let mut statuses = vec!["any".to_string()];
    statuses.extend(STATUS_CYCLE.iter().map(|s| status_word(*s).to_string()));
    let status_i = p
        .table
        .filters
        .status
        .and_then(|s| statuses.iter().position(|x| x == status_word(s)))
        .unwrap_or(0);
    let mut roles = vec!["any".to_string()];
    roles.extend(p.roles());
    let role_i = p
        .table
        .filters
        .role
        .as_ref()
        .and_then(|r| roles.iter().position(|x| x == r))
        .unwrap_or(0);
    let mut flags = vec!["any".to_string()];
    flags.extend(FLAGS.iter().map(|f| f.to_string()));
    let flag_i = p
        .table
        .filters
        .flag
        .as_ref()
        .and_then(|f| flags.iter().position(|x| x == f))
        .unwrap_or(0);
    let form = Form::new(
        "Filter the password report",
        purpose(PwPurpose::Filter),
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
    sh.dialogs.push(Dialog::Form(form));
}

fn day(t: Option<chrono::DateTime<chrono::Utc>>, none: &str) -> String {
    t.map(uk_date).unwrap_or_else(|| none.into())
}

fn details(p: &PasswordsTab, sh: &mut Shell) {
    let Some(r) = p.current() else {
        return;
    };
    let km = &sh.keymap;
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
            format!(
                "Expires on:    {}",
                crate::ops::compliance::expiry_words(r, sh.now)
            ),
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
                km.keys_for(CONTEXT, V::ForceChange),
                km.keys_for(CONTEXT, V::ClearNeverExpires)
            ),
            Tone::Dim,
        ),
    ];
    let title = format!("Password of {}", r.username);
    sh.dialogs
        .push(Dialog::Message(Message::new(&title, lines)));
}

/// Whether `fix` changes `row`; `None` if it does, else why not.
fn unchanged(row: &PwRow, fix: Fix) -> Option<&'static str> {
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
pub fn fix_preview(p: &PasswordsTab, fix: Fix) -> (Vec<String>, Vec<(String, Tone)>) {
    let (rows, scope) = p.table.bulk_targets();
    let (change, left): (Vec<&PwRow>, Vec<&PwRow>) =
        rows.into_iter().partition(|r| unchanged(r, fix).is_none());
    let n = change.len();
    let whence = match scope {
        Scope::Selected => " (the selection)".to_string(),
        Scope::Shown => {
            let mut what = Vec::new();
            if !p.table.filters.is_empty() {
                what.push(p.table.filters.describe());
            }
            if !p.table.search.value().trim().is_empty() {
                what.push(format!("search \"{}\"", p.table.search.value().trim()));
            }
            format!(" (all shown: {})", what.join(", "))
        }
        Scope::Cursor => String::new(),
    };
    let mut lines = Vec::new();
    if n + left.len() > 1 {
        // A bulk preview opens with its summary (nothing is refused here: a fix that does not
        // apply leaves the account unchanged).
        lines.push((
            crate::tui::dialogs::confirm::summary_line(n, &[], left.len()),
            Tone::Strong,
        ));
    }
    lines.push((
        format!(
            "{} {n} account{}{whence}:",
            fix.verb(),
            if n == 1 { "" } else { "s" }
        ),
        Tone::Strong,
    ));
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

fn confirm_fix(p: &PasswordsTab, sh: &mut Shell, fix: Fix) {
    if sh.read_only() {
        return;
    }
    if p.table.bulk_targets().0.is_empty() {
        sh.info("no account here: clear the search or filters (F)");
        return;
    }
    let (targets, lines) = fix_preview(p, fix);
    if targets.is_empty() {
        sh.dialogs
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
    let n = targets.len();
    sh.dialogs.push(Dialog::Confirm(
        Confirm::new(title, lines, &yes, purpose(PwPurpose::Fix { targets, fix })).targets(n),
    ));
}

fn plan_policy(p: &mut PasswordsTab, sh: &mut Shell) -> Vec<Cmd> {
    if p.policy.planning {
        return Vec::new();
    }
    let gen = sh.next_gen();
    p.policy.plan_gen = gen;
    p.policy.planning = true;
    vec![PwCmd::PlanPolicy { gen }.into()]
}

/// The lines `schooltech passwords policy apply` prints for a plan.
pub fn plan_lines(plan: &[PolicySettings]) -> Vec<String> {
    plan.iter()
        .map(|p| {
            format!(
                "  set {}",
                crate::ops::compliance::describe_policy_change(p)
            )
        })
        .collect()
}

fn open_add_cred(sh: &mut Shell) {
    let form = Form::new(
        "Add a shared login to the register",
        purpose(PwPurpose::AddCred),
        vec![
            Field::text(
                "Name",
                "",
                "e.g. Library desk (to change one already listed: e on it)",
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
    sh.dialogs.push(Dialog::Form(form));
}

/// The form to change the shared login under the cursor, prefilled with what it says now.
fn open_edit_cred(p: &PasswordsTab, sh: &mut Shell) {
    let Some((c, v)) = p.creds.current() else {
        sh.info("the register is empty: add a shared login first");
        return;
    };
    let mut intro = vec![(
        format!(
            "Last changed {} (only marking it changed moves that date).",
            uk_date(c.last_rotated)
        ),
        Tone::Dim,
    )];
    if !v.leavers.is_empty() {
        intro.push((
            format!(
                "{} left and still know{} it: change the password and mark it changed ({}) to take them off.",
                v.leavers.join(", "),
                if v.leavers.len() == 1 { "s" } else { "" },
                sh.keymap.keys_for(CREDS_CONTEXT, V::Rotated)
            ),
            Tone::Warn,
        ));
    }
    let form = Form::new(
        &format!("Change the shared login \"{}\"", c.name),
        purpose(PwPurpose::EditCred(c.name.clone())),
        vec![
            Field::text("System", &c.system, "the URL or system it is for"),
            Field::text(
                "Known by",
                &c.known_by.join(", "),
                "usernames of the staff who know it, comma-separated",
            ),
            Field::text("Owner", &c.owner, "who changes it (a username)"),
            Field::text(
                "Period (days)",
                &c.period_days.to_string(),
                "change it every this many days",
            ),
        ],
    )
    .with_intro(intro);
    sh.dialogs.push(Dialog::Form(form));
}

fn cred_details(p: &PasswordsTab, sh: &mut Shell) {
    let Some((c, v)) = p.creds.current() else {
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
    sh.dialogs
        .push(Dialog::Message(Message::new(&title, lines)));
}

/// `m`: plans marking the shared login under the cursor changed today, on the worker; the
/// plan comes back to [`confirm_rotated`].
fn plan_rotated(p: &mut PasswordsTab, sh: &mut Shell) -> Vec<Cmd> {
    let Some((c, _)) = p.creds.current() else {
        sh.info("the register is empty: add a shared login first");
        return Vec::new();
    };
    let change = CredChange::Rotated {
        name: c.name.clone(),
        on: None,
        by: None,
    };
    let gen = sh.next_gen();
    p.creds.save_gen = gen;
    vec![PwCmd::PlanCred { gen, change }.into()]
}

/// The confirmation of a planned rotation: the plan's lines (the words `creds rotated
/// --dry-run` prints); `y` applies this plan.
pub fn confirm_rotated(plan: Box<CredPlan>) -> Dialog {
    let name = plan.after.name.clone();
    Dialog::Confirm(Confirm::new(
        "Shared login changed?",
        crate::tui::tabs::accounts::toned(plan.lines()),
        &format!("mark \"{name}\" changed today"),
        purpose(PwPurpose::Rotated(plan)),
    ))
}
