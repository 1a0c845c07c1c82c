//! Drawing the Leavers tab: the findings with the evidence under them, the sweep preview with
//! the steps of the account under the cursor, the progress of a run (which step each account
//! is on), and the runs with the report of the one under the cursor.

use super::keys::LeaversVerb;
use super::{FindingSort, LeaversTab, Panel, PlanSort, CONTEXT, PLAN_CONTEXT, REPORT_CONTEXT};
use crate::domain::leavers::Action as FindingAction;
use crate::domain::time::LondonDate;
use crate::ops::leavers::sweep::StepState;
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use crate::tui::widgets::{placeholder, window, wrap_text};
use chrono::{DateTime, NaiveDate, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

fn day(d: NaiveDate) -> String {
    d.format("%e %b %Y").to_string()
}

fn logon(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| day(t.london_date()))
        .unwrap_or_else(|| "never".into())
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The resume banner, when a run did not finish.
fn banner(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell, place: Context) {
    let Some(run) = v.runs.unfinished() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let key = s.keymap.keys_for(place, LeaversVerb::Resume);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                " UNFINISHED ",
                s.theme.warn().add_modifier(Modifier::REVERSED),
            ),
            Span::styled(
                format!(
                    " sweep run {} ({} steps) did not finish: {key} resumes it",
                    run.run_id, run.steps
                ),
                s.theme.warn(),
            ),
        ])),
        area,
    );
}

/// Draws the findings.
pub fn findings(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let [bar, mis, ban, rest, evidence] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(v.banner_height() as u16),
        Constraint::Min(0),
        Constraint::Length(super::EVIDENCE_LINES as u16),
    ])
    .areas(area);
    v.table
        .draw_search_bar(f, bar, &s.ground(), CONTEXT, v.loaded, 0);
    let mis_line = match &v.source {
        _ if !v.loaded => Line::styled("", t.dim()),
        Some(src) => {
            let needs = v
                .table
                .rows()
                .iter()
                .filter(|r| !r.finding.protected && r.finding.action != FindingAction::None)
                .count();
            Line::from(vec![
                Span::styled(format!("MIS: {src} ({} rows)", v.mis_rows), t.dim()),
                Span::styled(
                    format!(
                        "   {needs} to act on or review{}",
                        if v.notes.is_empty() {
                            String::new()
                        } else {
                            format!(", {} note(s) under enter", v.notes.len())
                        }
                    ),
                    if needs > 0 { t.warn() } else { t.ok() },
                ),
            ])
        }
        None => Line::styled(
            "No MIS export configured ([mis] file): scanned without the MIS, so nobody shows as left.",
            t.warn(),
        ),
    };
    f.render_widget(Paragraph::new(mis_line), mis);
    banner(f, ban, v, s, CONTEXT);
    let tb = &v.table;
    if tb.draw_if_empty(
        f,
        rest,
        &s.ground(),
        CONTEXT,
        (v.loaded, v.error.as_ref()),
        "the zombie-account scan",
        "No zombie accounts: every account is in use, and nobody who left can still log on.",
        "finding",
    ) {
        return;
    }
    let page = usize::from(rest.height.saturating_sub(1));
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let fd = &r.finding;
        let action = match fd.action {
            FindingAction::Suspend | FindingAction::Purge if !fd.protected => {
                Span::styled(fd.action.as_str(), t.warn())
            }
            _ => Span::raw(fd.action.as_str()),
        };
        let row = Row::new(vec![
            Cell::from(fd.username.clone()),
            Cell::from(fd.role.clone().unwrap_or_else(|| "-".into())),
            Cell::from(fd.reason.as_str()),
            Cell::from(action),
            Cell::from(logon(fd.last_logon)),
            Cell::from(fd.leaving_date.map(day).unwrap_or_default()),
            Cell::from(if fd.protected {
                Span::styled("PROTECTED", t.error())
            } else {
                Span::raw("")
            }),
        ]);
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let titles = vec![
        tb.title(FindingSort::Username),
        tb.title(FindingSort::Role),
        tb.title(FindingSort::Reason),
        tb.title(FindingSort::Action),
        tb.title(FindingSort::LastLogon),
        tb.title(FindingSort::Leaving),
        "Protected".to_string(),
    ];
    let widths = [
        Constraint::Length(16),
        Constraint::Length(7),
        Constraint::Length(13),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(11),
        Constraint::Min(9),
    ];
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(titles).style(t.table_header()))
            .column_spacing(1),
        rest,
    );
    if let Some(r) = tb.current() {
        let w = usize::from(evidence.width).saturating_sub(10).max(10);
        let mut lines = Vec::new();
        for (i, l) in wrap_text(&r.finding.evidence, w).into_iter().enumerate() {
            lines.push(Line::from(vec![
                Span::styled(if i == 0 { "Evidence: " } else { "          " }, bold()),
                Span::raw(l),
            ]));
        }
        // Linked accounts, loans, shared logins: "Also:" lines under the evidence.
        for x in r.finding.extras() {
            for (i, l) in wrap_text(&x, w).into_iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(if i == 0 { "Also:     " } else { "          " }, bold()),
                    Span::raw(l),
                ]));
            }
        }
        lines.truncate(super::EVIDENCE_LINES);
        f.render_widget(Paragraph::new(lines), evidence);
    }
}

/// (steps pane height, table height) of the plan for a body of `body` lines.
pub fn plan_split(body: usize, banner: usize) -> (usize, usize) {
    let rest = body.saturating_sub(2 + banner);
    let pane = (rest * 2 / 5).max(6).min(rest.saturating_sub(3));
    (pane, rest.saturating_sub(pane))
}

fn short(action: &str) -> &str {
    action.strip_prefix("leaver.").unwrap_or(action)
}

/// Draws the sweep preview.
pub fn plan(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let body = usize::from(area.height);
    let (pane_h, table_h) = plan_split(body, v.banner_height());
    let [head, notes, ban, table_area, pane] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(v.banner_height() as u16),
        Constraint::Length(table_h as u16),
        Constraint::Length(pane_h as u16),
    ])
    .areas(area);
    let p = &v.plan;
    let Some(plan) = &p.plan else {
        let msg = match &p.error {
            Some(e) => format!("No sweep plan: {e}"),
            None if p.loading => "Planning the sweep…".to_string(),
            None => "No sweep plan yet.".to_string(),
        };
        placeholder(f, area, &msg);
        return;
    };
    let kept = p.kept();
    let kept_n = kept.as_ref().map_or(0, |k| k.accounts.len());
    let steps_n = kept.as_ref().map_or(0, |k| k.step_count());
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Sweep preview", bold()),
            Span::raw(format!(
                " from {}: {kept_n} of {} in, {steps_n} steps",
                p.source,
                plan.accounts.len()
            )),
            Span::styled(
                format!(
                    "  {} in/out, {} apply",
                    s.keymap.keys_for(PLAN_CONTEXT, Action::Select),
                    s.keymap.keys_for(PLAN_CONTEXT, LeaversVerb::ApplyChange)
                ),
                t.dim(),
            ),
        ])),
        head,
    );
    let note = if plan.ou_missing {
        Line::styled(
            format!(
                "The Leavers OU {} does not exist: applying creates it first (--create-ou).",
                plan.ou.as_deref().unwrap_or("")
            ),
            t.warn(),
        )
    } else {
        Line::styled(
            format!(
                "Never acted on by the sweep: {} for review (inactive, never used), {} protected{}.",
                plan.review.len(),
                plan.protected.len(),
                if plan.by_hand.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} linked to disable by hand ({})",
                        plan.by_hand.len(),
                        plan.by_hand
                            .iter()
                            .map(|b| b.username.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
            if plan.by_hand.is_empty() {
                t.dim()
            } else {
                t.warn()
            },
        )
    };
    f.render_widget(Paragraph::new(note), notes);
    banner(f, ban, v, s, PLAN_CONTEXT);
    if plan.accounts.is_empty() {
        placeholder(
            f,
            table_area,
            "Nothing to sweep: no account needs suspending.",
        );
        return;
    }
    let tb = &p.table;
    let page = table_h.saturating_sub(1);
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let a = &r.plan;
        let out = p.excluded.contains(r.key.as_str());
        let steps: Vec<&str> = a.steps.iter().map(|s| short(&s.action)).collect();
        let row = Row::new(vec![
            Cell::from(if out {
                Span::styled("[ ] out", t.dim())
            } else {
                Span::styled("[x] in", t.ok())
            }),
            Cell::from(a.finding.username.clone()),
            Cell::from(a.finding.role.clone().unwrap_or_else(|| "-".into())),
            Cell::from(a.finding.reason.as_str()),
            Cell::from(steps.join(", ")),
        ]);
        let row = if out { row.style(t.dim()) } else { row };
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let titles = vec![
        "Sweep".to_string(),
        tb.title(PlanSort::Username),
        "Role".into(),
        tb.title(PlanSort::Reason),
        "Steps".into(),
    ];
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(7),
                Constraint::Length(14),
                Constraint::Length(7),
                Constraint::Length(13),
                Constraint::Min(10),
            ],
        )
        .header(Row::new(titles).style(t.table_header()))
        .column_spacing(1),
        table_area,
    );
    if let Some(r) = tb.current() {
        let a = &r.plan;
        let w = usize::from(pane.width).saturating_sub(4).max(10);
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{}: ", a.finding.username), bold()),
            Span::raw(a.finding.evidence.clone()),
        ])];
        for (i, st) in a.steps.iter().enumerate() {
            for (j, l) in wrap_text(&st.describe, w.saturating_sub(3))
                .into_iter()
                .enumerate()
            {
                lines.push(Line::raw(if j == 0 {
                    format!(" {}. {l}", i + 1)
                } else {
                    format!("    {l}")
                }));
            }
        }
        // Its linked accounts (protected ones: to disable by hand), loans, shared logins.
        for x in a.finding.extras() {
            lines.push(Line::styled(format!(" * {x}"), t.warn()));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            pane,
        );
    }
}

/// Account rows of the progress view that fit in a body of `body` lines.
pub fn progress_page(body: usize) -> usize {
    body.saturating_sub(3).max(1)
}

fn mark(st: &Option<StepState>) -> &'static str {
    match st {
        None => "·",
        Some(StepState::Running) => "»",
        Some(StepState::Done) => "✓",
        Some(StepState::Failed(_)) => "✗",
    }
}

/// Draws the progress of the run (or how the last one ended).
pub fn progress(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let Some(p) = &v.progress else {
        placeholder(f, area, "No sweep has run here yet.");
        return;
    };
    let [head, legend, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let (done, all) = p.counts();
    let state = if p.running {
        Span::styled(
            format!("{} running", crate::tui::shell::view::spinner(s.spinner)),
            t.warn(),
        )
    } else {
        match &p.outcome {
            Some(Ok(Some(o))) if o.finished => Span::styled("finished", t.ok()),
            Some(Ok(Some(_))) => Span::styled("NOT finished: R resumes it", t.error()),
            Some(Ok(None)) => Span::styled("nothing to do", t.dim()),
            Some(Err(e)) => Span::styled(format!("refused: {e}"), t.error()),
            None => Span::raw(""),
        }
    };
    let run = if p.run_id.is_empty() {
        String::new()
    } else {
        format!(" {}", p.run_id)
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(
                    "{} sweep{run}: {done} of {all} steps done  ",
                    if p.resuming { "Resumed" } else { "Leaver-day" }
                ),
                bold(),
            ),
            state,
        ])),
        head,
    );
    f.render_widget(
        Paragraph::new(Line::styled(
            "✓ done   » being done   · waiting   ✗ failed (resume tries it again)",
            t.dim(),
        )),
        legend,
    );
    if list.height < 2 {
        return;
    }
    let page = usize::from(list.height - 1);
    let off = window(p.list.offset, p.list.cursor, page, p.accounts.len());
    let rows = p
        .accounts
        .iter()
        .enumerate()
        .skip(off)
        .take(page)
        .map(|(i, (user, steps))| {
            let n = steps.len();
            let at = steps.iter().position(|s| s.state != Some(StepState::Done));
            let failed = steps.iter().find_map(|s| match &s.state {
                Some(StepState::Failed(why)) => Some((s.action.clone(), why.clone())),
                _ => None,
            });
            let now = match (&failed, at) {
                (Some((a, _)), _) => Span::styled(format!("failed at {}", short(a)), t.error()),
                (None, None) => Span::styled("done", t.ok()),
                (None, Some(k)) => {
                    let st = &steps[k];
                    let word = if st.state == Some(StepState::Running) {
                        "on"
                    } else {
                        "next"
                    };
                    Span::raw(format!("{word} {}/{n}: {}", k + 1, short(&st.action)))
                }
            };
            let mut marks = Vec::new();
            for st in steps {
                marks.push(format!("{}{}", mark(&st.state), short(&st.action)));
            }
            let mut text = marks.join(" ");
            if let Some((_, why)) = failed {
                text.push_str(&format!("  ({why})"));
            }
            let row = Row::new(vec![
                Cell::from(user.clone()),
                Cell::from(now),
                Cell::from(text),
            ]);
            if i == p.list.cursor && !p.running {
                row.style(t.cursor())
            } else {
                row
            }
        });
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(14),
                Constraint::Length(18),
                Constraint::Min(10),
            ],
        )
        .header(Row::new(vec!["Account", "Now", "Steps"]).style(t.table_header()))
        .column_spacing(1),
        list,
    );
}

/// Draws the runs and the report of the one under the cursor.
pub fn runs(f: &mut Frame, area: Rect, v: &LeaversTab, s: &Shell) {
    let t = &s.theme;
    let r = &v.runs;
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let picking = v.panel == Panel::Report;
    let hint = if picking {
        format!(
            "up/down picks an account, {} restores it, {} back to the runs",
            s.keymap.keys_for(REPORT_CONTEXT, LeaversVerb::Restore),
            s.keymap.keys_for(REPORT_CONTEXT, Action::Cancel)
        )
    } else {
        format!(
            "up/down picks a run, {} its accounts (restore), {} back",
            s.keymap.keys_for(super::RUNS_CONTEXT, Action::Details),
            s.keymap.keys_for(super::RUNS_CONTEXT, Action::Cancel)
        )
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("Sweep runs ({})", r.runs.len()), bold()),
            Span::styled(format!("   {hint}"), t.dim()),
        ])),
        head,
    );
    if rest.height < 2 {
        return;
    }
    if r.runs.is_empty() {
        let msg = if !r.loaded {
            s.not_loaded(r.error.as_ref(), "the sweep runs")
        } else {
            "No sweep has run yet: the preview (p on the findings) plans one.".into()
        };
        placeholder(f, rest, &msg);
        return;
    }
    let list_h = (r.runs.len() as u16 + 1).min(rest.height / 3).max(2);
    let [list, body] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(rest);
    let page = usize::from(list_h - 1);
    let off = window(r.list.offset, r.list.cursor, page, r.runs.len());
    let rows = r
        .runs
        .iter()
        .enumerate()
        .skip(off)
        .take(page)
        .map(|(i, run)| {
            let state = match run.finished_at {
                Some(_) => Span::styled("finished", t.ok()),
                None => Span::styled("UNFINISHED", t.error()),
            };
            let row = Row::new(vec![
                Cell::from(run.run_id.clone()),
                Cell::from(run.kind.clone()),
                Cell::from(crate::tui::widgets::short_moment(run.created_at)),
                Cell::from(run.operator.clone()),
                Cell::from(run.steps.to_string()),
                Cell::from(state),
            ]);
            if i == r.list.cursor {
                row.style(if picking { t.dim() } else { t.cursor() })
            } else {
                row
            }
        });
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Min(22),
                Constraint::Length(8),
                Constraint::Length(13),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(10),
            ],
        )
        .header(
            Row::new(vec!["Run", "Kind", "Planned", "By", "Steps", "State"])
                .style(t.table_header()),
        )
        .column_spacing(1),
        list,
    );
    let Some(rep) = r.report() else {
        let msg = match &r.report {
            Some(Err(e)) if !r.report_loading => format!("Could not read the report: {e}"),
            _ => "Reading the run's report…".into(),
        };
        placeholder(f, body, &msg);
        return;
    };
    // One block of lines per account; the picked one is highlighted, and the view scrolls so
    // it is on screen.
    let w = usize::from(body.width).saturating_sub(4).max(10);
    let mut lines: Vec<Line<'static>> = vec![Line::styled(
        format!(
            "{} from {}: {} account(s)",
            rep.run.run_id,
            rep.run.source,
            rep.accounts.len()
        ),
        bold(),
    )];
    let mut picked_at = 0;
    for (i, a) in rep.accounts.iter().enumerate() {
        let rec = &a.record;
        let here = picking && i == r.accounts.cursor;
        if here {
            picked_at = lines.len();
        }
        let style = if here { t.cursor() } else { bold() };
        lines.push(Line::styled(
            format!(
                "{} ({}) {}; left {}; was in {}",
                rec.username,
                rec.role.as_deref().unwrap_or("no role"),
                rec.reason,
                rec.leaving_date
                    .map(|d| d.format("%-d %b %Y").to_string())
                    .unwrap_or_else(|| "-".into()),
                crate::domain::dn::parent_dn(&rec.dn)
            ),
            style,
        ));
        let steps: Vec<String> = a
            .steps
            .iter()
            .map(|st| format!("{} {}", short(&st.action), st.state.as_str()))
            .collect();
        for l in wrap_text(&format!("steps: {}", steps.join(", ")), w) {
            lines.push(Line::raw(format!("  {l}")));
        }
        for c in &a.credentials_due {
            lines.push(Line::styled(format!("  shared login: {c}"), t.warn()));
        }
        for e in &a.equipment_on_loan {
            lines.push(Line::styled(format!("  on loan: {e}"), t.warn()));
        }
    }
    let h = usize::from(body.height);
    let skip = (picked_at + 3).saturating_sub(h);
    let lines: Vec<Line<'static>> = lines.into_iter().skip(skip).collect();
    f.render_widget(Paragraph::new(lines), body);
}
