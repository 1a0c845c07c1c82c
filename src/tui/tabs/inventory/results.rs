//! The Inventory tab: what the answers from the background do (the list, the detail, the
//! borrowers for the picker, loans and returns, the scan session and each scan, the disposal
//! batches).

use super::{InvMsg, InventoryTab, Panel};
use crate::domain::inventory::ScanOutcome;
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Dialog, Form};
use crate::tui::work::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(v: &mut InventoryTab, sh: &mut Shell, msg: InvMsg) -> (Vec<Cmd>, bool) {
    let body = sh.body_height();
    match msg {
        InvMsg::Loaded { gen, result } => {
            if gen != v.load_gen {
                return (Vec::new(), false);
            }
            v.loading = false;
            match result {
                Ok(l) => {
                    v.error = None;
                    v.audit_interval_days = l.audit_interval_days;
                    v.store_dir = l.store_dir;
                    v.set_rows(l.rows, body);
                }
                Err(e) => {
                    v.error = Some(e.to_string());
                    sh.error(&e);
                }
            }
            // The detail pane follows the cursor (and reads the asset again after a change).
            v.detail.tag.clear();
            (v.follow_cursor(sh), true)
        }
        InvMsg::Detail { gen, result } => {
            if gen != v.detail.gen {
                return (Vec::new(), false);
            }
            v.detail.loading = false;
            v.detail.data = Some(result.map_err(|e| e.to_string()));
            (Vec::new(), true)
        }
        InvMsg::Borrowers { gen, result } => {
            let mut found = false;
            for d in sh.dialogs.iter_mut() {
                if let Dialog::Picker(p) = d {
                    if p.waiting == Some(gen) {
                        found = true;
                        p.waiting = None;
                        match &result {
                            Ok(users) => {
                                let w = users.iter().map(|(u, _)| u.len()).max().unwrap_or(0);
                                p.options =
                                    users.iter().map(|(u, n)| format!("{u:<w$}  {n}")).collect();
                            }
                            Err(e) => p.error = Some(e.to_string()),
                        }
                    }
                }
            }
            if let Err(e) = &result {
                sh.note_error(e);
            }
            (Vec::new(), found)
        }
        InvMsg::Saved { gen, result } => {
            if gen != v.save_gen || !v.saving {
                return (Vec::new(), false);
            }
            v.saving = false;
            match result {
                Ok((tag, said)) => {
                    sh.dialogs.retain(
                        |d| !matches!(d, Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen)),
                    );
                    sh.info(said);
                    sh.announce(Changed::Log);
                    if !tag.is_empty() {
                        v.focus_after_load = Some(tag);
                    }
                    // Whatever changed, every view of it is read again.
                    let mut cmds = vec![v.request_load(sh)];
                    if v.disposal.loaded || v.panel == Panel::Disposal {
                        cmds.push(v.request_disposal(sh));
                    }
                    if v.audit.loaded || v.panel == Panel::Audit {
                        cmds.push(v.request_audit(sh));
                    }
                    (cmds, true)
                }
                Err(e) => {
                    // A refusal (an unknown or disabled borrower, a wrong status) goes back
                    // into the form, which stays open to correct it.
                    if let Some(f) = sh.waiting_form(gen) {
                        f.waiting = None;
                        f.error = Some(e.to_string());
                        focus_for(f, &e.to_string());
                        sh.note_error(&e);
                    } else {
                        sh.error(&e);
                    }
                    (Vec::new(), true)
                }
            }
        }
        InvMsg::Planned {
            gen,
            doing,
            permanent,
            result,
        } => {
            let has_form = sh.waiting_form(gen).is_some();
            if !has_form && (gen != v.plan_gen || !v.planning) {
                return (Vec::new(), false);
            }
            if gen == v.plan_gen {
                v.planning = false;
            }
            // A refusal goes back into the form that asked (or the status line); else the plan
            // is shown in the confirmation.
            let problem = match &result {
                Ok(p) => p.refused.clone(),
                Err(e) => Some(e.to_string()),
            };
            if let Some(f) = sh.waiting_form(gen) {
                f.waiting = None;
                if let Some(why) = &problem {
                    f.error = Some(why.clone());
                    focus_for(f, why);
                }
            } else if let Some(why) = &problem {
                sh.info(why.clone());
            }
            if let (Ok(p), None) = (result, problem) {
                super::submit::confirm_plan(sh, *p, doing, permanent);
            }
            (Vec::new(), true)
        }
        InvMsg::ScanOpened { gen, result } => {
            if gen != v.scan.gen || !v.scan.opening {
                return (Vec::new(), false);
            }
            v.scan.opening = false;
            match result {
                Ok((feed, round)) => {
                    sh.dialogs.retain(
                        |d| !matches!(d, Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen)),
                    );
                    v.scan.feed = Some(feed);
                    v.scan.round = round;
                    v.scan.on = true;
                    // Scan mode shows over the assets (also when started from the audit panel).
                    v.panel = Panel::Assets;
                    v.table.searching = false;
                    sh.info(format!("scan mode: recording into \"{}\"", v.scan.round));
                    sh.announce(Changed::Log);
                    let page = v.page(body);
                    v.table.keep_cursor_visible(page);
                }
                Err(e) => {
                    if let Some(f) = sh.waiting_form(gen) {
                        f.waiting = None;
                        f.error = Some(e.to_string());
                    } else {
                        sh.error(&e);
                    }
                }
            }
            (Vec::new(), true)
        }
        InvMsg::Scanned { gen, tag, result } => {
            let s = &mut v.scan;
            if gen != s.gen || !s.on {
                return (Vec::new(), false);
            }
            s.pending = s.pending.saturating_sub(1);
            match result {
                Ok(r) => {
                    s.count += 1;
                    match r.outcome {
                        ScanOutcome::Seen => s.seen += 1,
                        ScanOutcome::Moved => s.moved += 1,
                        ScanOutcome::Unknown => s.unknown += 1,
                        ScanOutcome::Already => s.already += 1,
                    }
                    s.last_what = v
                        .table
                        .row(&r.tag)
                        .map(|row| {
                            let a = &row.row.asset;
                            format!("{} {} {}", a.category, a.manufacturer, a.model)
                        })
                        .unwrap_or_default();
                    // The row shows where the cursor can find it.
                    let page = v.page(body);
                    if v.table.row(&r.tag).is_some() {
                        v.table.select_key(&r.tag, page);
                    }
                    v.scan.last = Some(Ok(r));
                    sh.announce(Changed::Log);
                }
                Err(e) => {
                    s.last_what.clear();
                    s.last = Some(Err(format!("{tag}: {e}")));
                    sh.note_error(&e);
                }
            }
            (Vec::new(), true)
        }
        InvMsg::Audit { gen, result } => {
            let a = &mut v.audit;
            if gen != a.gen {
                return (Vec::new(), false);
            }
            a.loading = false;
            a.loaded = true;
            match result {
                Ok(r) => {
                    a.report = Some(r);
                    a.error = None;
                }
                // No round yet is not a failure: the panel says how to start one.
                Err(e) => {
                    a.report = None;
                    a.error = Some(e.to_string());
                }
            }
            (Vec::new(), true)
        }
        InvMsg::Disposal { gen, result } => {
            let d = &mut v.disposal;
            if gen != d.gen {
                return (Vec::new(), false);
            }
            d.loading = false;
            match result {
                Ok(b) => {
                    d.batches = b;
                    d.loaded = true;
                    d.error = None;
                    // The newest open batch is what the technician works on.
                    if d.list.cursor >= d.batches.len() || d.list.cursor == 0 {
                        d.list.cursor = d
                            .batches
                            .iter()
                            .rposition(|b| b.view.batch.closed_at.is_none())
                            .unwrap_or(d.batches.len().saturating_sub(1));
                    }
                }
                Err(e) => {
                    d.error = Some(e.to_string());
                    sh.error(&e);
                }
            }
            (Vec::new(), true)
        }
    }
}

/// Puts the focus on the field a refusal from `ops` is about (the tag, the serial, the
/// carrier's number, …), so the fix is one keystroke away.
fn focus_for(f: &mut Form, msg: &str) {
    let m = msg.to_lowercase();
    const ABOUT: &[(&str, &str)] = &[
        ("asset tag", "Tag"),
        ("serial number", "Serial"),
        ("waste carrier registration", "Registration"),
        ("carrier's name", "Carrier"),
        ("batch a reference", "Reference"),
        ("disposal batch named", "Reference"),
        ("file ending", "Save to"),
        ("round a name", "Name"),
        ("audit round named", "Name"),
        ("due date", "Due back"),
        ("account", "Username"),
    ];
    for (needle, label) in ABOUT {
        if m.contains(needle) {
            if let Some(i) = f.fields.iter().position(|x| x.label == *label) {
                f.focus = i;
                return;
            }
        }
    }
}
