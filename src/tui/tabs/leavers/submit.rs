//! What submitting the Leavers tab's dialogs does: the filters, the apply and resume
//! confirmations, the restore confirmation.

use super::{LeaversCmd, LeaversTab};
use crate::domain::leavers::Reason;
use crate::tui::shell::Shell;
use crate::tui::tabs::Submitted;
use crate::tui::work::Cmd;

/// What a dialog of the Leavers tab is for.
#[derive(Debug, Clone)]
pub enum LeaversPurpose {
    /// The filters (a form).
    Filter,
    /// Apply the sweep (a confirmation).
    Apply,
    /// Resume the unfinished run (a confirmation).
    Resume,
    /// Restore an account (a confirmation).
    Restore {
        /// The username.
        user: String,
    },
    /// Read another roll (a form).
    SyncRoll,
    /// Apply the sync (a confirmation).
    SyncApply,
    /// Resume the unfinished sync run (a confirmation).
    SyncResume,
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    v: &mut LeaversTab,
    sh: &mut Shell,
    purpose: LeaversPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    if matches!(
        purpose,
        LeaversPurpose::SyncRoll | LeaversPurpose::SyncApply | LeaversPurpose::SyncResume
    ) {
        return super::sync::on_submit(v, sh, purpose, d);
    }
    match (purpose, d) {
        (LeaversPurpose::Filter, Submitted::Form(f)) => {
            let page = v.page(sh.body_height());
            let filters = &mut v.table.filters;
            filters.reason = Reason::parse(f.choice(0));
            filters.role = Some(f.choice(1).to_lowercase()).filter(|r| r != "any");
            filters.protected = match f.choice_index(2) {
                1 => Some(true),
                2 => Some(false),
                _ => None,
            };
            v.table.refilter_keep(page);
            Vec::new()
        }
        (LeaversPurpose::Apply, Submitted::Confirm(_)) => {
            if sh.read_only() || v.sweeping() {
                return Vec::new();
            }
            let Some(plan) = v.plan.kept() else {
                return Vec::new();
            };
            let gen = sh.next_gen();
            v.start_progress(sh, gen, false, Some(&plan));
            let create_ou = plan.ou_missing;
            vec![LeaversCmd::Apply {
                gen,
                plan: Box::new(plan),
                source: v.plan.source.clone(),
                create_ou,
            }
            .into()]
        }
        (LeaversPurpose::Resume, Submitted::Confirm(_)) => {
            if sh.read_only() || v.sweeping() {
                return Vec::new();
            }
            let gen = sh.next_gen();
            v.start_progress(sh, gen, true, None);
            vec![LeaversCmd::Resume { gen }.into()]
        }
        (LeaversPurpose::Restore { user }, Submitted::Confirm(_)) => {
            if sh.read_only() || v.restoring {
                return Vec::new();
            }
            super::keys::start_restore(v, sh, user)
        }
        _ => Vec::new(),
    }
}
