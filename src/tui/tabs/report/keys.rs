//! Keys of the Report tab: move through the figures, open the tab that shows a figure's list
//! filtered to the rows it counts.

use super::ReportTab;
use crate::ops::report::Place;
use crate::tui::keymap::{Action, Context, KeyRow, Keymap};
use crate::tui::shell::Shell;
use crate::tui::tabs::Drill;
use crate::tui::work::Cmd;

/// The Report tab's place in the keymap (`[tui.keys.report]`).
pub const CONTEXT: Context = Context::new("report", "Report");

/// The Report tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "enter", Action::Details, "Open the figure's list, filtered to what it counts", true),
];

/// The number-key action of the tab that shows a place.
pub fn tab_action(p: Place) -> Action {
    match p {
        Place::Accounts => Action::TabAccounts,
        Place::Passwords => Action::TabPasswords,
        Place::Log => Action::TabLog,
        Place::Leavers => Action::TabLeavers,
        Place::Inventory => Action::TabInventory,
        Place::Filtering => Action::TabFiltering,
    }
}

/// Where a place is, in the full-screen program's words, with the key that shows it as the
/// keymap binds it now: "Passwords tab (2)". (The services name the place; the words are the
/// TUI's.)
pub fn place_words(p: Place, km: &Keymap) -> String {
    let name = match p {
        Place::Accounts => "Accounts",
        Place::Passwords => "Passwords",
        Place::Log => "Log",
        Place::Leavers => "Leavers",
        Place::Inventory => "Inventory",
        Place::Filtering => "Filtering",
    };
    match km.keys_for(Context::GLOBAL, tab_action(p)) {
        keys if keys.is_empty() => format!("{name} tab"),
        keys => format!("{name} tab ({keys})"),
    }
}

/// Keys of the Report tab.
pub fn on_action(r: &mut ReportTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let len = r.items().len();
    let page = len.max(1);
    match action {
        Action::Up => r.list.move_by(-1, len, page),
        Action::Down => r.list.move_by(1, len, page),
        Action::PageUp | Action::Top => r.list.jump(false, len, page),
        Action::PageDown | Action::Bottom => r.list.jump(true, len, page),
        Action::Details => {
            let period = r.report.as_ref().map(|rep| (rep.from, rep.to));
            match (r.current_figure(), period) {
                (Some(f), Some((from, to))) if f.count.is_some() => {
                    sh.goto = Some(tab_action(f.tui));
                    sh.drill = Some(Drill {
                        key: f.key.clone(),
                        from,
                        to,
                    });
                }
                (Some(f), _) => sh.info(why_no_list(&f.key, &f.label)),
                // A section without figures: its tab, as it is.
                (None, _) => {
                    if let Some(s) = r.current() {
                        sh.goto = Some(tab_action(s.tui));
                    }
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// What Enter on a figure without a count says: where its list is when it has one that no tab
/// can filter to exactly, or that it has none (a date, a policy, a chain check).
pub fn why_no_list(key: &str, label: &str) -> String {
    let why = match key {
        "leavers.sweeps" => {
            "it mixes runs, suspended, purged and restored accounts: the runs and their \
             reports are in the Leavers tab's runs panel (h)"
        }
        "leavers.equipment-not-returned" => {
            "the loans are in the Inventory tab (f: loaned) and the leavers in the Leavers tab; \
             no one filter joins them (`schooltech inventory loans`)"
        }
        "leavers.disable-by-hand" => {
            "the list is in the report's evidence (`schooltech report termly`): it joins the \
             scan's findings with the open suspensions' linked accounts"
        }
        "roll.joiners" | "roll.movers" | "roll.leavers" | "roll.returners" => {
            "it is counted from the sync runs' plans, not one list: the runs are in the \
             Leavers tab's sync panel (m), the accounts in the report's evidence"
        }
        "creds.changed" => {
            "it counts logins by the day they were changed: each login's last change is in \
             the Passwords tab's shared logins panel (c)"
        }
        "creds.leaver-knows" => {
            "the shared logins and their status are in the Passwords tab's shared logins \
             panel (c); `schooltech creds report` lists these"
        }
        "inventory.breach-records" => {
            "the records are in the report's evidence and each lost asset's history \
             (`schooltech inventory history TAG`)"
        }
        "inventory.disposal-batches" => "the list is in the Inventory tab's disposal panel (w)",
        "log.outside-changes" => {
            "the changes are read by `schooltech changes`; the Log tab shows schooltech's own \
             entries only"
        }
        _ => return format!("this figure has no list behind it (\"{label}\"): nothing to open"),
    };
    format!("no filtered list for \"{label}\": {why}")
}
