//! Keys of the Log tab.

use crate::tui::app::State;
use crate::tui::dialogs::{Dialog, Field, Form, FormPurpose, Message, Tone};
use crate::tui::keymap::Action;
use crate::tui::worker::Cmd;

/// Keys of the Log tab.
pub fn log_action(state: &mut State, action: Action, page: usize) -> Vec<Cmd> {
    let l = &mut state.log;
    let step = crate::tui::screens::log::LogScreen::page(page) as isize;
    match action {
        Action::Up => l.move_by(-1, page),
        Action::Down => l.move_by(1, page),
        Action::PageUp => l.move_by(-step, page),
        Action::PageDown => l.move_by(step, page),
        Action::Top => l.jump(false, page),
        Action::Bottom => l.jump(true, page),
        Action::Filter => {
            let t = l.filter_text.clone();
            let form = Form::new(
                "Filter the action log",
                FormPurpose::LogFilter,
                vec![
                    Field::text("Since", &t.since, "YYYY-MM-DD or DD/MM/YYYY; empty: all"),
                    Field::text("Action", &t.action, "exactly, e.g. password.reset"),
                    Field::text("Target", &t.target, "containing, e.g. a username"),
                    Field::text("Operator", &t.operator, "exactly, e.g. a login name"),
                ],
            );
            state.dialogs.push(Dialog::Form(form));
        }
        Action::ClearFilters => {
            l.filter = Default::default();
            l.filter_text = Default::default();
            l.cursor = 0;
            l.offset = 0;
            let gen = state.next_gen();
            return vec![state.log.request(gen)];
        }
        Action::Details => {
            if let Some(e) = l.current() {
                let mut lines = vec![
                    (format!("Row:      {}", e.id), Tone::Normal),
                    (
                        format!(
                            "When:     {}",
                            e.at.with_timezone(&chrono::Local)
                                .format("%-d %b %Y %H:%M:%S")
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
                state
                    .dialogs
                    .push(Dialog::Message(Message::new("Log entry", lines)));
            }
        }
        _ => {}
    }
    Vec::new()
}
