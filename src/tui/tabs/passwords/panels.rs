//! Drawing the Passwords tab's two panels: the directory's password policy next to the
//! school's rules (as `schooltech passwords policy show` prints it), and the
//! shared-credentials register (as `schooltech creds report` judges it).

use super::keys::PasswordsVerb;
use super::view::date;
use super::{PasswordsTab, PolicyView, CREDS_CONTEXT, POLICY_CONTEXT};
use crate::domain::creds::{CredStatus, CredVerdict, Credential};
use crate::domain::policy::PolicySettings;
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use crate::tui::theme::Theme;
use crate::tui::widgets::{placeholder, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn heading(f: &mut Frame, area: Rect, s: &Shell, title: &str, keys: &[(Context, Action, &str)]) {
    let t = &s.theme;
    let mut spans = vec![Span::styled(title.to_string(), bold())];
    let hint: Vec<String> = keys
        .iter()
        .map(|(c, a, what)| format!("{} {what}", s.keymap.keys_for(*c, *a)))
        .collect();
    let hint = hint.join("  ");
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if hint.len() + 2 <= room {
        spans.push(Span::raw(" ".repeat(room - hint.len())));
        spans.push(Span::styled(hint, t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn days(v: Option<u32>) -> String {
    match v {
        Some(0) => "never".into(),
        Some(a) => format!("{a} days"),
        None => "not set".into(),
    }
}

fn num(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "not set".into())
}

/// One line of the policy table: setting, directory, school's rules, and whether it drifts.
type PolicyLine = (String, String, String, Option<bool>);

/// The lines of `passwords policy show`, with whether each setting drifts.
pub fn policy_lines(v: &PolicyView) -> Vec<PolicyLine> {
    let t = &v.target;
    let drifts = |setting: &str| Some(v.drift.iter().any(|d| d.setting == setting));
    let mut out = Vec::new();
    match &v.policy.default {
        Some(def) => {
            out.push((
                "minimum length".into(),
                num(def.min_length),
                t.min_length.to_string(),
                drifts("minimum length"),
            ));
            out.push((
                "complexity".into(),
                def.complexity
                    .map(|c| if c { "on" } else { "off" })
                    .unwrap_or("n/a")
                    .into(),
                if t.complexity { "on" } else { "off" }.into(),
                drifts("complexity"),
            ));
            out.push((
                "maximum age".into(),
                days(def.max_age_days),
                format!("{} days", t.max_age_days),
                drifts("maximum age"),
            ));
        }
        None => out.push((
            "default policy".into(),
            "none".into(),
            "one".into(),
            drifts("default policy"),
        )),
    }
    for o in &v.policy.others {
        out.push(other_line(o));
    }
    let generic = v
        .policy
        .others
        .iter()
        .find(|p| {
            p.max_age_days
                .is_some_and(|a| a > 0 && a <= t.generic_max_age_days)
        })
        .map(|p| days(p.max_age_days))
        .unwrap_or_else(|| "no policy".into());
    out.push((
        "generic accounts max age".into(),
        generic,
        format!("{} days", t.generic_max_age_days),
        drifts("generic accounts maximum age"),
    ));
    out
}

fn other_line(o: &PolicySettings) -> PolicyLine {
    (
        format!("policy {}", o.name),
        format!("{} chars, {}", num(o.min_length), days(o.max_age_days)),
        String::new(),
        None,
    )
}

/// Draws the policy panel.
pub fn policy(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let t = &s.theme;
    let panel = &p.policy;
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    heading(
        f,
        bar,
        s,
        &format!("Directory password policy ({})", s.env.flavour),
        &[
            (POLICY_CONTEXT, PasswordsVerb::ApplyPolicy.action(), "apply"),
            (POLICY_CONTEXT, PasswordsVerb::PolicyPanel.action(), "back"),
        ],
    );
    let v = match &panel.data {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            placeholder(f, rest, &s.not_loaded(Some(e), "the directory's policy"));
            return;
        }
        None => {
            placeholder(f, rest, &s.not_loaded(None, "the directory's policy"));
            return;
        }
    };
    let lines = policy_lines(v);
    // A blank line, the table (titles and one line per setting), a blank line, the drift.
    let table_h = (lines.len() as u16 + 2).min(rest.height);
    let [table_area, _, text_area] = Layout::vertical([
        Constraint::Length(table_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(rest);
    let rows = lines.iter().map(|(setting, dir, school, drift)| {
        let (mark, style) = match drift {
            Some(true) => ("x differs", t.error()),
            Some(false) => ("+ matches", t.ok()),
            None => ("", Style::new()),
        };
        Row::new(vec![
            Cell::from(setting.clone()),
            Cell::from(dir.clone()),
            Cell::from(school.clone()),
            Cell::from(Span::styled(mark, style)),
        ])
    });
    let header =
        Row::new(vec!["Setting", "Directory", "School's rules", ""]).style(t.table_header());
    let widths = [
        Constraint::Length(26),
        Constraint::Length(24),
        Constraint::Length(16),
        Constraint::Min(9),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        Rect {
            y: table_area
                .y
                .saturating_add(1)
                .min(table_area.y + table_area.height),
            height: table_area.height.saturating_sub(1),
            ..table_area
        },
    );
    let mut text: Vec<(String, Style)> = Vec::new();
    if v.drift.is_empty() {
        text.push((
            "+ No drift: the directory's policy matches the school's rules.".into(),
            t.ok(),
        ));
    } else {
        text.push((
            format!(
                "x {} setting{} differ{} from the school's rules:",
                v.drift.len(),
                if v.drift.len() == 1 { "" } else { "s" },
                if v.drift.len() == 1 { "s" } else { "" }
            ),
            t.error(),
        ));
        for d in &v.drift {
            text.push((
                format!(
                    "  {}: directory has {}, school needs {}",
                    d.setting, d.directory, d.school
                ),
                Style::new(),
            ));
        }
        text.push((
            format!(
                "{} brings the directory in line: the changes are shown first and nothing changes until you confirm.",
                s.keymap.keys_for(POLICY_CONTEXT, PasswordsVerb::ApplyPolicy.action())
            ),
            t.dim(),
        ));
    }
    let width = usize::from(text_area.width);
    let lines: Vec<Line> = text
        .into_iter()
        .flat_map(|(l, style)| {
            crate::tui::widgets::wrap_text(&l, width)
                .into_iter()
                .map(move |w| Line::styled(w, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), text_area);
}

/// The status of a credential in words, as `schooltech creds report` prints it.
pub fn cred_status(v: &CredVerdict) -> String {
    match v.status {
        CredStatus::Ok => "ok".into(),
        CredStatus::DueSoon => "due soon".into(),
        CredStatus::Overdue => "OVERDUE".into(),
        CredStatus::LeaverKnows => {
            format!("CHANGE NOW: known by leaver {}", v.leavers.join(", "))
        }
    }
}

fn cred_mark(s: CredStatus) -> &'static str {
    match s {
        CredStatus::Ok => "+",
        CredStatus::DueSoon => "~",
        CredStatus::Overdue => "!",
        CredStatus::LeaverKnows => "x",
    }
}

fn cred_style(t: &Theme, s: CredStatus) -> Style {
    match s {
        CredStatus::Ok => t.ok(),
        CredStatus::DueSoon => t.warn(),
        CredStatus::Overdue | CredStatus::LeaverKnows => t.error(),
    }
}

/// Counts by status, for the heading.
fn cred_counts(rows: &[(Credential, CredVerdict)]) -> String {
    let n = |s: CredStatus| rows.iter().filter(|(_, v)| v.status == s).count();
    format!(
        "{} in the register: {} change now, {} overdue, {} due soon",
        rows.len(),
        n(CredStatus::LeaverKnows),
        n(CredStatus::Overdue),
        n(CredStatus::DueSoon)
    )
}

/// Draws the shared-credentials panel.
pub fn creds(f: &mut Frame, area: Rect, p: &PasswordsTab, s: &Shell) {
    if area.height == 0 {
        return;
    }
    let t = &s.theme;
    let c = &p.creds;
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    heading(
        f,
        bar,
        s,
        "Shared credentials (no password is ever stored)",
        &[
            (CREDS_CONTEXT, PasswordsVerb::AddCred.action(), "add"),
            (
                CREDS_CONTEXT,
                PasswordsVerb::Rotated.action(),
                "changed today",
            ),
            (CREDS_CONTEXT, PasswordsVerb::CredsPanel.action(), "back"),
        ],
    );
    if !c.loaded {
        placeholder(
            f,
            rest,
            &s.not_loaded(c.error.as_ref(), "the shared credentials"),
        );
        return;
    }
    if c.rows.is_empty() {
        let msg = match &c.error {
            Some(e) => format!("Could not read the shared credentials: {e}"),
            None => format!(
                "The register is empty. {} adds a shared login (a library desk login, an online resource's school account): who knows it, who changes it, how often. No password is ever stored.",
                s.keymap.keys_for(CREDS_CONTEXT, PasswordsVerb::AddCred.action())
            ),
        };
        placeholder(f, rest, &msg);
        return;
    }
    // Counts, the table, and the whole record of the credential under the cursor.
    let detail_h: u16 = if rest.height >= 10 { 4 } else { 0 };
    let [counts, table_area, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(detail_h),
    ])
    .areas(rest);
    f.render_widget(
        Paragraph::new(Line::styled(cred_counts(&c.rows), t.dim())),
        counts,
    );
    if table_area.height >= 2 {
        let page = usize::from(table_area.height - 1);
        let off = window(c.list.offset, c.list.cursor, page, c.rows.len());
        let end = (off + page).min(c.rows.len());
        let wide = table_area.width >= 110;
        let rows = c.rows[off..end].iter().enumerate().map(|(i, (cred, v))| {
            let mut cells = vec![
                Cell::from(cred.name.clone()),
                Cell::from(cred.owner.clone()),
                Cell::from(cred.known_by.join(", ")),
            ];
            if wide {
                cells.push(Cell::from(date(cred.last_rotated)));
            }
            cells.push(Cell::from(date(v.due)));
            cells.push(Cell::from(Span::styled(
                format!("{} {}", cred_mark(v.status), cred_status(v)),
                cred_style(t, v.status),
            )));
            let row = Row::new(cells);
            if off + i == c.list.cursor {
                row.style(t.cursor())
            } else {
                row
            }
        });
        let mut titles = vec!["Name", "Owner", "Known by"];
        let mut widths = vec![
            Constraint::Length(18),
            Constraint::Length(10),
            Constraint::Length(if wide { 24 } else { 14 }),
        ];
        if wide {
            titles.push("Last changed");
            widths.push(Constraint::Length(12));
        }
        titles.push("Due");
        widths.push(Constraint::Length(11));
        titles.push("Status");
        widths.push(Constraint::Min(10));
        let header = Row::new(titles).style(t.table_header());
        f.render_widget(
            Table::new(rows, widths).header(header).column_spacing(1),
            table_area,
        );
    }
    if detail.height > 0 {
        if let Some((cred, v)) = c.current() {
            let lines = vec![
                Line::styled(format!("{}  ({})", cred.name, cred.system), bold()),
                Line::raw(format!(
                    "Known by: {}.  Owner: {}.",
                    if cred.known_by.is_empty() {
                        "nobody listed".to_string()
                    } else {
                        cred.known_by.join(", ")
                    },
                    cred.owner
                )),
                Line::raw(format!(
                    "Changed {}; every {} days, so due {}.",
                    date(cred.last_rotated),
                    cred.period_days,
                    date(v.due)
                )),
                Line::styled(
                    format!("Status: {} {}", cred_mark(v.status), cred_status(v)),
                    cred_style(t, v.status),
                ),
            ];
            f.render_widget(Paragraph::new(lines), detail);
        }
    }
}
