//! What submitting the Inventory tab's dialogs does: the filters, the borrower picker, the loan
//! and return forms (refusals come back into the form), and the scan mode's room.

use super::keys::loan_form;
use super::{InvCmd, InventoryTab};
use crate::domain::inventory::{Category, Status};
use crate::domain::time::parse_date;
use crate::ops::inventory::LoanRequest;
use crate::tui::dialogs::{Dialog, Form};
use crate::tui::shell::Shell;
use crate::tui::tabs::Submitted;
use crate::tui::work::Cmd;

/// What a dialog of the Inventory tab is for.
#[derive(Debug, Clone)]
pub enum InvPurpose {
    /// The filters (a form).
    Filter,
    /// Pick who borrows this asset (a picker).
    PickBorrower {
        /// The asset's tag.
        tag: String,
    },
    /// The loan form.
    Loan {
        /// The asset's tag.
        tag: String,
    },
    /// The return form.
    Return {
        /// The asset's tag.
        tag: String,
    },
    /// Scan mode's room (a form).
    Scan,
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    v: &mut InventoryTab,
    sh: &mut Shell,
    purpose: InvPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    match (purpose, d) {
        (InvPurpose::Filter, Submitted::Form(f)) => {
            let page = v.page(sh.body_height());
            let filters = &mut v.table.filters;
            filters.status = Status::parse(f.choice(0)).ok();
            filters.category = Category::parse(f.choice(1)).ok();
            filters.room = Some(f.choice(2).to_lowercase()).filter(|r| r != "any");
            filters.loaned = f.toggle(3);
            filters.overdue = f.toggle(4);
            filters.unencrypted = f.toggle(5);
            v.table.refilter_keep(page);
            v.follow_cursor(sh)
        }
        (InvPurpose::PickBorrower { tag }, Submitted::Picker(p)) => {
            // "username  Name": the username is the first word.
            let user = p
                .chosen()
                .and_then(|c| c.split_whitespace().next())
                .unwrap_or("")
                .to_string();
            sh.dialogs.push(Dialog::Form(loan_form(&tag, &user)));
            Vec::new()
        }
        (InvPurpose::Loan { tag }, Submitted::Form(f)) => loan(v, sh, tag, f),
        (InvPurpose::Return { tag }, Submitted::Form(mut f)) => {
            let condition = f.text(0).trim().to_string();
            let room = Some(f.text(1).trim().to_string()).filter(|r| !r.is_empty());
            let gen = start_save(v, sh);
            f.waiting = Some((gen, "taking the asset back"));
            sh.dialogs.push(Dialog::Form(f));
            vec![InvCmd::Return {
                gen,
                tag,
                condition,
                room,
            }
            .into()]
        }
        (InvPurpose::Scan, Submitted::Form(mut f)) => {
            let room = f.text(0).trim().to_string();
            let start = Some(f.text(1).trim().to_string()).filter(|n| !n.is_empty());
            let gen = sh.next_gen();
            v.scan.gen = gen;
            v.scan.opening = true;
            v.scan.room = room;
            f.waiting = Some((gen, "opening the audit round"));
            sh.dialogs.push(Dialog::Form(f));
            vec![InvCmd::OpenScan { gen, start }.into()]
        }
        _ => Vec::new(),
    }
}

fn start_save(v: &mut InventoryTab, sh: &mut Shell) -> u64 {
    let gen = sh.next_gen();
    v.save_gen = gen;
    v.saving = true;
    gen
}

fn loan(v: &mut InventoryTab, sh: &mut Shell, tag: String, mut f: Form) -> Vec<Cmd> {
    let user = f.text(0).trim().to_string();
    let due = match f.text(1).trim() {
        "" => Ok(None),
        t => parse_date(t).map(Some),
    };
    let problem = if user.is_empty() {
        Some("say who borrows it: a directory username".to_string())
    } else {
        due.as_ref().err().cloned()
    };
    if let Some(e) = problem {
        f.error = Some(e);
        sh.dialogs.push(Dialog::Form(f));
        return Vec::new();
    }
    let req = LoanRequest {
        tag,
        user: Some(user),
        location: None,
        due: due.ok().flatten(),
        notes: f.text(2).trim().to_string(),
    };
    let gen = start_save(v, sh);
    f.waiting = Some((gen, "checking the borrower and saving the loan"));
    sh.dialogs.push(Dialog::Form(f));
    vec![InvCmd::Loan { gen, req }.into()]
}
