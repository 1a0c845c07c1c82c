//! What submitting each form does: check what was typed, then confirm or start work.

use super::*;
use crate::domain::account::AccountStatus;
use crate::domain::time::{parse_date, start_of_day};
use crate::ops::actions::CreateRequest;
use crate::tui::app::State;
use crate::tui::dialogs::{Dialog, Form, FormPurpose};
use crate::tui::worker::{Change, Cmd};

pub(super) fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

pub(super) fn submit_form(state: &mut State, mut f: Form) -> Vec<Cmd> {
    let purpose = f.purpose.clone();
    let mut cmds = Vec::new();
    let mut keep = true;
    match purpose {
        FormPurpose::Create => {
            let first = f.text(1).trim().to_string();
            let last = f.text(2).trim().to_string();
            let mis = f.text(3).trim().to_string();
            let expires = match f.text(4).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match expires {
                _ if first.is_empty() && last.is_empty() => {
                    f.error = Some("give a first or last name".into())
                }
                Err(e) => f.error = Some(e),
                Ok(expires) => {
                    let req = CreateRequest {
                        role: f.choice(0).to_string(),
                        first,
                        last,
                        mis_id: (!mis.is_empty()).then_some(mis),
                        expires,
                        ..Default::default()
                    };
                    let gen = state.next_gen();
                    f.waiting = Some((gen, "working out the username"));
                    cmds.push(Cmd::PlanCreate { gen, req });
                }
            }
        }
        FormPurpose::Disable(targets) => {
            let reason = f.text(0).trim().to_string();
            if reason.is_empty() {
                f.error = Some("say why (the reason goes in the action log)".into());
            } else {
                state.dialogs.push(Dialog::Form(f));
                confirm_change(state, targets, Change::Disable { reason });
                return cmds;
            }
        }
        FormPurpose::Expiry(targets) => {
            let on = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match on {
                Ok(on) => {
                    state.dialogs.push(Dialog::Form(f));
                    confirm_change(state, targets, Change::Expiry { on });
                    return cmds;
                }
                Err(e) => f.error = Some(e),
            }
        }
        FormPurpose::Groups(targets) => {
            let add = split_names(f.text(0));
            let remove = split_names(f.text(1));
            if add.is_empty() && remove.is_empty() {
                f.error = Some("name a group to add or to remove".into());
            } else {
                state.dialogs.push(Dialog::Form(f));
                confirm_change(state, targets, Change::Groups { add, remove });
                return cmds;
            }
        }
        FormPurpose::Import => {
            let path = f.text(0).trim().to_string();
            if path.is_empty() {
                f.error = Some("give the path of the CSV file".into());
            } else {
                let gen = state.next_gen();
                f.waiting = Some((gen, "reading the CSV and planning"));
                cmds.push(Cmd::ImportPlan {
                    gen,
                    path: expand_home(&path),
                });
            }
        }
        FormPurpose::Filter => {
            let a = &mut state.accounts;
            a.filters.role = Some(f.choice(0).to_string()).filter(|r| r != "any");
            a.filters.status = match f.choice(1) {
                "active" => Some(AccountStatus::Active),
                "locked" => Some(AccountStatus::Locked),
                "expired" => Some(AccountStatus::Expired),
                "disabled" => Some(AccountStatus::Disabled),
                _ => None,
            };
            a.filters.ou = Some(f.choice(2).to_string()).filter(|o| o != "any");
            let page = state.body_height();
            state.accounts.refilter_keep(page);
            keep = false;
            cmds.extend(detail_log(state));
        }
        FormPurpose::Passwords(which) => return super::passwords::submit(state, f, which),
        FormPurpose::LogFilter => {
            let since = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(|d| Some(start_of_day(d))),
            };
            match since {
                Err(e) => f.error = Some(e),
                Ok(since) => {
                    let text = crate::tui::screens::log::LogFilterText {
                        since: f.text(0).trim().into(),
                        action: f.text(1).trim().into(),
                        target: f.text(2).trim().into(),
                        operator: f.text(3).trim().into(),
                    };
                    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
                    state.log.filter = crate::store::LogFilter {
                        since,
                        action: opt(&text.action),
                        target: opt(&text.target),
                        operator: opt(&text.operator),
                        limit: None,
                    };
                    state.log.filter_text = text;
                    state.log.cursor = 0;
                    state.log.offset = 0;
                    let gen = state.next_gen();
                    cmds.push(state.log.request(gen));
                    keep = false;
                }
            }
        }
    }
    if keep {
        state.dialogs.push(Dialog::Form(f));
    }
    cmds
}
