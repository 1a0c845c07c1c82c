//! Keys of the Log tab: move, filter, details; and what the filter form does.

use super::{LogFilterText, LogPurpose, LogTab};
use crate::domain::time::{parse_date, start_of_day};
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::keymap::{Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Purpose};
use crate::tui::work::Cmd;

/// The Log tab's place in the keymap (`[tui.keys.log]`).
pub const CONTEXT: Context = Context::new("log", "Log");

/// The Log tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "/",     Action::Search,       "Search the rows shown as you type (a new search each time)", true),
    (CONTEXT, "esc",   Action::ClearSearch,  "Clear the search", false),
    (CONTEXT, "f",     Action::Filter,       "Filter by since, action, target, operator", true),
    (CONTEXT, "F",     Action::ClearFilters, "Clear the filters", false),
    (CONTEXT, "enter", Action::Details,      "Show the entry's details", true),
];

/// Keys of the Log tab.
pub fn on_action(l: &mut LogTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = LogTab::page(sh.body_height());
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
        | Action::Search => {
            l.table.on_move(action, page);
        }
        Action::ClearSearch => {
            l.table.clear_search_or_selection(page);
        }
        Action::Filter => {
            let t = l.filter_text.clone();
            let form = Form::new(
                "Filter the action log",
                Purpose::Log(LogPurpose::Filter),
                vec![
                    Field::text("Since", &t.since, "YYYY-MM-DD or DD/MM/YYYY; empty: all"),
                    Field::text("Action", &t.action, "exactly, e.g. password.reset"),
                    Field::text("Target", &t.target, "containing, e.g. a username"),
                    Field::text("Operator", &t.operator, "exactly, e.g. a login name"),
                ],
            );
            sh.dialogs.push(Dialog::Form(form));
        }
        Action::ClearFilters => {
            l.filter = Default::default();
            l.filter_text = Default::default();
            l.table.clear_all(page);
            return vec![l.request(sh)];
        }
        Action::Details => {
            if let Some(e) = l.current() {
                let mut lines = vec![
                    (format!("Row:      {}", e.id), Tone::Normal),
                    (
                        format!(
                            "When:     {}",
                            crate::domain::time::london_format(e.at, "%-d %b %Y %H:%M:%S")
                        ),
                        Tone::Normal,
                    ),
                    (format!("Operator: {}", e.operator), Tone::Normal),
                    (format!("Action:   {}", e.action), Tone::Normal),
                    (format!("Target:   {}", e.target), Tone::Normal),
                    ("Details:".into(), Tone::Strong),
                ];
                let pretty = serde_json::to_string_pretty(&e.details).unwrap_or_default();
                lines.extend(pretty.lines().map(|l| (format!("  {l}"), Tone::Normal)));
                lines.push((format!("Hash:     {}", e.hash), Tone::Dim));
                sh.dialogs
                    .push(Dialog::Message(Message::new("Log entry", lines)));
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The filter form was submitted.
pub fn submit_filter(l: &mut LogTab, sh: &mut Shell, mut f: Form) -> Vec<Cmd> {
    let since = match f.text(0).trim() {
        "" => Ok(None),
        t => parse_date(t).map(|d| Some(start_of_day(d))),
    };
    match since {
        Err(e) => {
            f.error = Some(e);
            sh.dialogs.push(Dialog::Form(f));
            Vec::new()
        }
        Ok(since) => {
            let text = LogFilterText {
                since: f.text(0).trim().into(),
                action: f.text(1).trim().into(),
                target: f.text(2).trim().into(),
                operator: f.text(3).trim().into(),
            };
            let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
            l.filter = crate::ops::LogFilter {
                since,
                action: opt(&text.action),
                target: opt(&text.target),
                operator: opt(&text.operator),
                limit: None,
            };
            l.filter_text = text;
            l.table.clear_all(LogTab::page(sh.body_height()));
            vec![l.request(sh)]
        }
    }
}
