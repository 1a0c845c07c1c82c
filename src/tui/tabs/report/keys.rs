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

/// A figure's rows listed in the Report tab (`[tui.keys.report-list]`).
pub const LIST_CONTEXT: Context = Context::new("report-list", "Report: a figure's rows");

/// The Report tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "enter", Action::Details, "Open the figure's list, filtered to what it counts", true),
    (LIST_CONTEXT, "esc", Action::Cancel, "Back to the report's figures", true),
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
    if let Some((_, rows)) = r.open_rows() {
        // Scrolled by rows (a row may wrap): a page is the rows on screen; never past the
        // page that ends with the last row.
        use super::view::{last_start, list_height, rows_fitting};
        let (width, height) = (usize::from(sh.size.0), list_height(sh.body_height()));
        let last = last_start(rows, width, height);
        let scroll = r.open.as_ref().map_or(0, |o| o.scroll).min(last);
        let shown = rows_fitting(rows, scroll, width, height).max(1);
        let back = (0..scroll)
            .rev()
            .find(|&s| rows_fitting(rows, s, width, height) + s < scroll)
            .map_or(0, |s| s + 1);
        let to = match action {
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll + 1,
            Action::PageUp => back.min(scroll.saturating_sub(1)),
            Action::PageDown => scroll + shown,
            Action::Top => 0,
            Action::Bottom => last,
            _ => scroll,
        };
        if let Some(open) = r.open.as_mut() {
            open.scroll = to.min(last);
        }
        if action == Action::Cancel {
            r.open = None;
        }
        return Vec::new();
    }
    r.open = None;
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
                // The report holds the rows itself: list them here.
                (Some(f), Some(_)) if f.rows.is_some() => {
                    r.open = Some(super::OpenList {
                        key: f.key.clone(),
                        scroll: 0,
                    });
                }
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

/// What Enter on a figure without a count says: that it has none (a date, a policy, a chain
/// check, a mix of counts), or why it has none now.
pub fn why_no_list(key: &str, label: &str) -> String {
    match key {
        "log.outside-changes" => format!(
            "no list for \"{label}\": changes made outside schooltech are not tracked yet (the \
             mirror is made when the Accounts tab first reads the directory)"
        ),
        _ => format!("this figure has no list behind it (\"{label}\"): nothing to open"),
    }
}
