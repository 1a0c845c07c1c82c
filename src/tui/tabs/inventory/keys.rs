//! Keys of the Inventory tab: moving, searching, sorting, filtering, the detail pane, adding
//! and editing assets, their status, labels, the loan and return dialogs, the audit round and
//! its scan mode (a barcode scanner types a tag and Enter) and the disposal batches.

use super::forms;
use super::{InvCmd, InvPurpose, InventoryTab, Panel};
use crate::domain::inventory::{Category, Status};
use crate::tui::dialogs::{Field, Tone};
use crate::tui::keymap::{verbs, Action, Context, KeyCombo, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Picker, Purpose};
use crate::tui::work::Cmd;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The Inventory tab's place in the keymap (`[tui.keys.inventory]`).
pub const CONTEXT: Context = Context::new("inventory", "Inventory");
/// The audit scan mode (`[tui.keys.inventory-scan]`).
pub const SCAN_CONTEXT: Context = Context::new("inventory-scan", "Inventory: audit scan mode");
/// The disposal batches (`[tui.keys.inventory-disposal]`).
pub const DISPOSAL_CONTEXT: Context =
    Context::new("inventory-disposal", "Inventory: disposal batches");
/// The audit round's report (`[tui.keys.inventory-audit]`).
pub const AUDIT_CONTEXT: Context = Context::new("inventory-audit", "Inventory: audit round");

verbs! {
    /// The Inventory tab's own verbs (the keymap's central actions are only the shell's).
    pub enum InventoryVerb {
        NewAccount => "new",
        Edit => "edit" [selection],
        StatusCycle => "status" [selection],
        Loan => "loan" [selection],
        ReturnAsset => "return" [selection],
        Labels => "labels" [selection],
        ScanMode => "scan",
        AuditPanel => "audit",
        Dispose => "dispose" [selection],
        DisposalPanel => "disposal",
        Sanitised => "sanitised" [selection],
        Close => "close",
    }
}
use InventoryVerb as V;

/// The Inventory tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "/",       Action::Search,        "Search tag, serial, make, model, room, borrower", false),
    (CONTEXT, "esc",     Action::ClearSearch,   "Close details, else clear the search", false),
    (CONTEXT, "enter",   Action::Details,       "Show or hide the asset's details and history", true),
    (CONTEXT, "s",       Action::SortNext,      "Sort by the next column", false),
    (CONTEXT, "S",       Action::SortReverse,   "Reverse the sort", false),
    (CONTEXT, "f",       Action::Filter,        "Filter: status, category, room, loaned, overdue, unencrypted, not audited", false),
    (CONTEXT, "F",       Action::ClearFilters,  "Clear search and filters", false),
    (CONTEXT, "space",   Action::Select,        "Select or unselect this row, then move down (labels, disposal)", false),
    (CONTEXT, "A",       Action::SelectAll,     "Select all shown (again: clear the selection)", false),
    (CONTEXT, "n",       V::NewAccount.action(),    "Add an asset (tag, category, make, model, room, price, …)", true),
    (CONTEXT, "e",       V::Edit.action(),          "Edit the asset's details", false),
    (CONTEXT, "t",       V::StatusCycle.action(),   "Change the status (in-repair, lost, retired, …)", false),
    (CONTEXT, "l",       V::Loan.action(),          "Lend the asset to a directory user", true),
    (CONTEXT, "R",       V::ReturnAsset.action(),   "Take the asset back (condition, room)", true),
    (CONTEXT, "p",       V::Labels.action(),        "Print labels (PDF) for the selected, shown, this or all", true),
    (CONTEXT, "a",       V::ScanMode.action(),      "Audit scan mode (a barcode scanner types tags)", true),
    (CONTEXT, "u",       V::AuditPanel.action(),    "Audit round: report, start, close", true),
    (CONTEXT, "d",       V::Dispose.action(),       "Add the selected (or this) to a disposal batch", false),
    (CONTEXT, "w",       V::DisposalPanel.action(), "WEEE disposal batches and what they lack", true),
    (SCAN_CONTEXT, "enter", Action::Submit,     "Record the tag typed (the scanner sends Enter; Tab too)", true),
    (SCAN_CONTEXT, "esc",   Action::Cancel,     "Leave scan mode", true),
    (AUDIT_CONTEXT, "n",   V::NewAccount.action(),  "Start a new round (one open at a time)", true),
    (AUDIT_CONTEXT, "a",   V::ScanMode.action(),    "Audit scan mode: scan labels into the open round", true),
    (AUDIT_CONTEXT, "c",   V::Close.action(),       "Close the open round (asks first)", true),
    (AUDIT_CONTEXT, "u",   V::AuditPanel.action(),  "Back to the assets", true),
    (AUDIT_CONTEXT, "esc", Action::ClearSearch, "Back to the assets", false),
    (AUDIT_CONTEXT, "w",   V::DisposalPanel.action(), "The disposal batches", false),
    (DISPOSAL_CONTEXT, "n",   V::NewAccount.action(),    "New batch (carrier, CBDU/CBDL number, papers)", true),
    (DISPOSAL_CONTEXT, "e",   V::Edit.action(),          "The batch's papers (collected, transfer/consignment note)", true),
    (DISPOSAL_CONTEXT, "s",   V::Sanitised.action(),     "Record how a data-bearing item was sanitised", true),
    (DISPOSAL_CONTEXT, "c",   V::Close.action(),         "Close the batch (signed off); refused while anything is missing", true),
    (DISPOSAL_CONTEXT, "w",   V::DisposalPanel.action(), "Back to the assets", true),
    (DISPOSAL_CONTEXT, "esc", Action::ClearSearch,   "Back to the assets", false),
    (DISPOSAL_CONTEXT, "u",   V::AuditPanel.action(),    "The audit round", false),
];

pub(super) fn purpose(p: InvPurpose) -> Purpose {
    Purpose::Inventory(p)
}

/// Keys of the Inventory tab (outside dialogs, the search box and scan mode).
pub fn on_action(v: &mut InventoryTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    match v.panel {
        Panel::Disposal => return disposal_action(v, sh, action),
        Panel::Audit => return audit_action(v, sh, action),
        Panel::Assets => {}
    }
    let verb = InventoryVerb::of(action);
    let changes = matches!(
        verb,
        Some(
            V::Loan
                | V::ReturnAsset
                | V::ScanMode
                | V::NewAccount
                | V::Edit
                | V::StatusCycle
                | V::Dispose
        )
    );
    if changes && sh.read_only() {
        return Vec::new();
    }
    let page = v.page(sh.body_height());
    match action {
        Action::ClearSearch => {
            if v.detail.open {
                v.detail.open = false;
            } else {
                v.table.clear_search_or_selection(page);
            }
            Vec::new()
        }
        Action::Details => {
            v.detail.open = !v.detail.open;
            v.detail.tag.clear();
            v.follow_cursor(sh)
        }
        Action::Filter => {
            open_filter(v, sh);
            Vec::new()
        }
        Action::Verb(_) => match verb {
            Some(V::Loan) => open_loan(v, sh),
            Some(V::ReturnAsset) => {
                open_return(v, sh);
                Vec::new()
            }
            Some(V::ScanMode) => {
                open_scan(v, sh);
                Vec::new()
            }
            Some(V::DisposalPanel) => {
                v.panel = Panel::Disposal;
                if v.disposal.loading {
                    Vec::new()
                } else {
                    vec![v.request_disposal(sh)]
                }
            }
            Some(V::NewAccount) => {
                sh.dialogs.push(Dialog::Form(forms::add_form()));
                Vec::new()
            }
            Some(V::Edit) => {
                forms::open_edit(v, sh);
                Vec::new()
            }
            Some(V::StatusCycle) => {
                forms::open_status(v, sh);
                Vec::new()
            }
            Some(V::Labels) => {
                forms::open_labels(v, sh);
                Vec::new()
            }
            Some(V::Dispose) => forms::open_dispose(v, sh),
            Some(V::AuditPanel) => forms::show_audit(v, sh),
            _ => Vec::new(),
        },
        // Selection is for labels and disposal (the loan, return, edit and status are for
        // the asset under the cursor).
        Action::Select => {
            v.table.toggle_select(page);
            v.follow_cursor(sh)
        }
        Action::SelectAll => {
            v.table.select_all();
            Vec::new()
        }
        other => {
            v.table.on_move(other, page);
            v.follow_cursor(sh)
        }
    }
}

fn disposal_action(v: &mut InventoryTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let verb = InventoryVerb::of(action);
    let changes = matches!(
        verb,
        Some(V::NewAccount | V::Edit | V::Sanitised | V::Close)
    );
    if changes && sh.read_only() {
        return Vec::new();
    }
    match verb {
        Some(V::NewAccount) => forms::open_new_batch(v, sh),
        Some(V::Edit) => forms::open_edit_batch(v, sh),
        Some(V::Sanitised) => forms::open_sanitise(v, sh),
        Some(V::Close) => forms::open_close_batch(v, sh),
        Some(V::AuditPanel) => return forms::show_audit(v, sh),
        _ => {}
    }
    let d = &mut v.disposal;
    let len = d.batches.len();
    let page = len.max(1);
    match action {
        _ if verb == Some(V::DisposalPanel) => v.panel = Panel::Assets,
        Action::ClearSearch => v.panel = Panel::Assets,
        Action::Up => d.list.move_by(-1, len, page),
        Action::Down => d.list.move_by(1, len, page),
        Action::Top | Action::PageUp => d.list.jump(false, len, page),
        Action::Bottom | Action::PageDown => d.list.jump(true, len, page),
        _ => {}
    }
    Vec::new()
}

fn audit_action(v: &mut InventoryTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let verb = InventoryVerb::of(action);
    let changes = matches!(verb, Some(V::NewAccount | V::Close | V::ScanMode));
    if changes && sh.read_only() {
        return Vec::new();
    }
    let a = &mut v.audit;
    let page = sh.body_height().saturating_sub(1).max(1);
    match action {
        _ if verb == Some(V::AuditPanel) => v.panel = Panel::Assets,
        Action::ClearSearch => v.panel = Panel::Assets,
        _ if verb == Some(V::DisposalPanel) => {
            v.panel = Panel::Disposal;
            return if v.disposal.loading {
                Vec::new()
            } else {
                vec![v.request_disposal(sh)]
            };
        }
        _ if verb == Some(V::NewAccount) => forms::open_start_round(v, sh),
        _ if verb == Some(V::Close) => return forms::open_close_round(v, sh),
        _ if verb == Some(V::ScanMode) => open_scan(v, sh),
        Action::Up => a.scroll = a.scroll.saturating_sub(1),
        Action::Down => a.scroll += 1,
        Action::PageUp => a.scroll = a.scroll.saturating_sub(page),
        Action::PageDown => a.scroll += page,
        Action::Top => a.scroll = 0,
        Action::Bottom => a.scroll = usize::MAX / 2,
        _ => {}
    }
    // Keep the scroll within the report (the view draws the same lines).
    let total = super::view::audit_lines(v, sh).len();
    v.audit.scroll = super::view::audit_scroll(v.audit.scroll, total, page);
    Vec::new()
}

fn open_filter(v: &InventoryTab, sh: &mut Shell) {
    let f = &v.table.filters;
    let mut statuses = vec!["any".to_string()];
    statuses.extend(Status::ALL.iter().map(|s| s.as_str().to_string()));
    let status_i = f
        .status
        .and_then(|s| statuses.iter().position(|x| x == s.as_str()))
        .unwrap_or(0);
    let mut cats = vec!["any".to_string()];
    cats.extend(Category::ALL.iter().map(|c| c.as_str().to_string()));
    let cat_i = f
        .category
        .and_then(|c| cats.iter().position(|x| x == c.as_str()))
        .unwrap_or(0);
    let mut rooms = vec!["any".to_string()];
    rooms.extend(v.rooms());
    let room_i = f
        .room
        .as_ref()
        .and_then(|r| rooms.iter().position(|x| x.to_lowercase() == *r))
        .unwrap_or(0);
    let form = Form::new(
        "Filter the inventory",
        purpose(InvPurpose::Filter),
        vec![
            Field::choice(
                "Status",
                statuses,
                status_i,
                "left/right or space to change",
            ),
            Field::choice("Category", cats, cat_i, ""),
            Field::choice("Room", rooms, room_i, ""),
            Field::toggle("Loaned", f.loaned, "out on loan to a person or a place"),
            Field::toggle("Overdue", f.overdue, "loans past their due day"),
            Field::toggle(
                "Unencrypted",
                f.unencrypted,
                "portable, holds data, out, not known to be encrypted",
            ),
            Field::toggle(
                "Not audited",
                f.not_audited.is_some(),
                &format!(
                    "not seen in an audit for more than {} days (audit_interval_days), or never",
                    v.audit_interval_days
                ),
            ),
        ],
    );
    sh.dialogs.push(Dialog::Form(form));
}

fn open_loan(v: &mut InventoryTab, sh: &mut Shell) -> Vec<Cmd> {
    let Some(r) = v.current() else {
        sh.info("no asset here: clear the search or filters (F)");
        return Vec::new();
    };
    let a = &r.row.asset;
    if let Some(who) = &r.row.loaned_to {
        sh.info(format!(
            "{} is already on loan to {who}: take it back first ({})",
            a.tag,
            sh.keymap.keys_for(CONTEXT, V::ReturnAsset)
        ));
        return Vec::new();
    }
    let tag = a.tag.clone();
    let gen = sh.next_gen();
    let intro = vec![
        (
            format!("Lend {tag} ({} {}) to:", a.manufacturer, a.model),
            Tone::Strong,
        ),
        (
            "Type to narrow the list; Enter picks (you can still edit the name next).".into(),
            Tone::Dim,
        ),
    ];
    let picker = Picker::loading(
        &format!("Lend {tag}"),
        intro,
        purpose(InvPurpose::PickBorrower { tag }),
        gen,
    );
    sh.dialogs.push(Dialog::Picker(picker));
    vec![InvCmd::Borrowers { gen }.into()]
}

/// The loan form for `tag`, with `user` typed in.
pub fn loan_form(tag: &str, user: &str) -> Form {
    Form::new(
        &format!("Lend {tag}"),
        purpose(InvPurpose::Loan { tag: tag.into() }),
        vec![
            Field::text(
                "Username",
                user,
                "a directory account (unknown, disabled: refused)",
            ),
            Field::text(
                "Due back",
                "",
                "YYYY-MM-DD or DD/MM/YYYY; empty: the usual period",
            ),
            Field::text("Notes", "", "e.g. charger included"),
        ],
    )
    .with_intro(vec![(
        "Checked in the directory; written to the action log.".into(),
        Tone::Dim,
    )])
}

fn open_return(v: &InventoryTab, sh: &mut Shell) {
    let Some(r) = v.current() else {
        sh.info("no asset here: clear the search or filters (F)");
        return;
    };
    let a = &r.row.asset;
    let Some(who) = &r.row.loaned_to else {
        sh.info(format!("{} is not on loan (it is {})", a.tag, a.status));
        return;
    };
    let form = Form::new(
        &format!("Take back {}", a.tag),
        purpose(InvPurpose::Return { tag: a.tag.clone() }),
        vec![
            Field::text("Condition", "", "e.g. good, scratched lid, no charger"),
            Field::text("Room", "", "where it goes now; empty: keep"),
        ],
    )
    .with_intro(vec![(
        format!(
            "{} {} {} comes back from {who}.",
            a.tag, a.manufacturer, a.model
        ),
        Tone::Strong,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// The terminal bell (BEL): heard at the scanner when a scan is refused.
fn beep() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
}

/// "Room" in scan mode: no room (nothing is flagged moved).
pub const NO_ROOM: &str = "(no room)";
/// "Room" in scan mode: a room the register does not know yet, named in "New room".
pub const NEW_ROOM: &str = "new room (type it below)";

fn open_scan(v: &InventoryTab, sh: &mut Shell) {
    let mut rooms = vec![NO_ROOM.to_string()];
    rooms.extend(v.rooms());
    rooms.push(NEW_ROOM.to_string());
    let form = Form::new(
        "Audit scan mode",
        purpose(InvPurpose::Scan),
        vec![
            Field::choice(
                "Room",
                rooms,
                0,
                "left/right: where you scan, from the register's rooms (or a new room)",
            ),
            Field::text("New room", "", "only with \"new room\": its name"),
            Field::text(
                "New round",
                "",
                "if no round is open: its name, e.g. Autumn 2026",
            ),
        ],
    )
    .with_intro(vec![
        (
            "Scan each label: the scanner types the tag and Enter (or Tab).".into(),
            Tone::Normal,
        ),
        (
            "Unknown tags are recorded (what is not a tag beeps); a tag seen in another room"
                .into(),
            Tone::Normal,
        ),
        ("than its own is flagged as moved.".into(), Tone::Normal),
        ("Esc leaves scan mode.".into(), Tone::Dim),
    ]);
    sh.dialogs.push(Dialog::Form(form));
}

/// A key in scan mode: characters build the tag, Enter records it, Esc leaves.
pub fn scan_key(v: &mut InventoryTab, sh: &mut Shell, key: &KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match (key.code, sh.keymap.lookup(SCAN_CONTEXT, combo)) {
        (_, Some(Action::Cancel)) => return v.leave_scan(sh),
        // A scanner ends a label with Enter or with Tab: both end the scan.
        (KeyCode::Tab, _) | (_, Some(Action::Submit)) => {
            let tag = std::mem::take(&mut v.scan.typed);
            let tag = tag.trim();
            if tag.is_empty() {
                return Vec::new();
            }
            // Not a tag at all: refused with a beep, not recorded as an unknown tag.
            if let Err(why) = crate::ops::inventory::audit::check_scan_tag(tag) {
                beep();
                v.scan.last = Some(Err(why));
                return Vec::new();
            }
            match &v.scan.feed {
                Some(feed) if feed.send(&v.scan.room, tag) => v.scan.pending += 1,
                Some(_) => {
                    v.scan.last = Some(Err(
                        "the scan session ended; leave scan mode (Esc) and start it again".into(),
                    ));
                }
                None => {
                    v.scan.last = Some(Err(
                        "the audit round is still being opened; scan again".into()
                    ));
                }
            }
        }
        (KeyCode::Backspace, _) => {
            v.scan.typed.pop();
        }
        // A scanner never types more than a label holds; keep the line short anyway.
        (KeyCode::Char(c), _) if plain && !c.is_control() && v.scan.typed.chars().count() < 64 => {
            v.scan.typed.push(c);
        }
        _ => {}
    }
    Vec::new()
}
