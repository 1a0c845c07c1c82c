//! Keys of the Filtering tab and the dialogs they open: the queue (filters, the detail pane,
//! new request, decision, apply, revoke) and the review panel (start, one exception, close).

use super::{FilterPurpose, FilteringTab, Panel, SCOPES, STATUS_CYCLE};
use crate::domain::filter::{Entry, Status};
use crate::tui::dialogs::{Field, Tone};
use crate::tui::keymap::{verbs, Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Purpose};
use crate::tui::work::Cmd;

/// The queue's place in the keymap (`[tui.keys.filtering]`).
pub const CONTEXT: Context = Context::new("filtering", "Filtering");
/// The review panel's place (`[tui.keys.filtering-review]`).
pub const REVIEW_CONTEXT: Context = Context::new(
    "filtering-review",
    "Filtering: review of the exceptions in force",
);

verbs! {
    /// The Filtering tab's own verbs (the keymap's central actions are only the shell's).
    pub enum FilteringVerb {
        StatusCycle => "status",
        NewAccount => "new",
        Decide => "decide",
        ApplyChange => "apply",
        Revoke => "revoke",
        ReviewPanel => "review",
        ReviewStart => "review-start",
        ReviewClose => "review-close",
    }
}
use FilteringVerb as V;

/// The Filtering tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = {
    use Action as A;
    const Q: Context = CONTEXT;
    const R: Context = REVIEW_CONTEXT;
    &[
        (Q, "/",      A::Search,        "Search site, host, requester, reason or scope", true),
        (Q, "esc",    A::ClearSearch,   "Clear the search; else close the detail pane", false),
        (Q, "enter",  A::Details,       "Detail pane: the request's whole history", true),
        (Q, "s",      A::SortNext,      "Sort by the next column (#, site, status, requested, days left)", false),
        (Q, "S",      A::SortReverse,   "Reverse the sort", false),
        (Q, "t",      V::StatusCycle.action(),   "Next status filter: pending, agreed, …, rejected, all", false),
        (Q, "f",      A::Filter,        "Filter by status, kind, scope, due for removal", true),
        (Q, "F",      A::ClearFilters,  "Clear search and filters", false),
        (Q, "n",      V::NewAccount.action(),    "New request (site, reason, scope, until, kind)", true),
        (Q, "d",      V::Decide.action(),        "Decide: approve or reject in an approver role", true),
        (Q, "a",      V::ApplyChange.action(),   "Record the change made in the filter (or taken out)", true),
        (Q, "x",      V::Revoke.action(),        "Revoke the request or exception", true),
        (Q, "v",      V::ReviewPanel.action(),   "Review of the exceptions in force", true),
        (R, "enter",  A::Details,       "Keep, revoke or shorten this exception (with a note)", true),
        (R, "b",      V::ReviewStart.action(),   "Start a review (by a directory username)", true),
        (R, "c",      V::ReviewClose.action(),   "Close the review with the checks made", true),
        (R, "v",      V::ReviewPanel.action(),   "Back to the requests", true),
        (R, "esc",    V::ReviewPanel.action(),   "Back to the requests", false),
    ]
};

fn purpose(p: FilterPurpose) -> Purpose {
    Purpose::Filtering(p)
}

/// Keys of the tab (outside dialogs and the search box).
pub fn on_action(p: &mut FilteringTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    if FilteringVerb::of(action) == Some(V::ReviewPanel) {
        p.panel = match p.panel {
            Panel::Queue => Panel::Review,
            Panel::Review => Panel::Queue,
        };
        return Vec::new();
    }
    match p.panel {
        Panel::Queue => queue_action(p, sh, action),
        Panel::Review => review_action(p, sh, action),
    }
}

fn queue_action(p: &mut FilteringTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let body = sh.body_height();
    let page = FilteringTab::page(body);
    match action {
        Action::ClearSearch => {
            if !p.table.clear_search_or_selection(page) {
                p.detail = false;
            }
        }
        Action::Details => {
            p.detail = !p.detail;
        }
        _ if FilteringVerb::of(action) == Some(V::StatusCycle) => {
            p.cycle_status(body);
            let what = p
                .table
                .filters
                .status
                .map(|s| format!("showing {} requests", s.as_str()))
                .unwrap_or_else(|| "showing every status".into());
            sh.info(what);
        }
        Action::Filter => open_filter(p, sh),
        Action::Verb(_) => match FilteringVerb::of(action) {
            Some(V::NewAccount) if !sh.read_only() => open_request(p, sh),
            Some(V::Decide) if !sh.read_only() => open_decide(p, sh),
            Some(V::ApplyChange) if !sh.read_only() => open_apply(p, sh),
            Some(V::Revoke) if !sh.read_only() => open_revoke(p, sh),
            _ => {}
        },
        other => {
            p.table.on_move(other, page);
        }
    }
    p.history_cmd(sh)
}

fn review_action(p: &mut FilteringTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let page = FilteringTab::review_page(sh.body_height());
    let len = p.review_items().len();
    let step = page as isize;
    let verb = FilteringVerb::of(action);
    match action {
        Action::Up => p.review_list.move_by(-1, len, page),
        Action::Down => p.review_list.move_by(1, len, page),
        Action::PageUp => p.review_list.move_by(-step, len, page),
        Action::PageDown => p.review_list.move_by(step, len, page),
        Action::Top => p.review_list.jump(false, len, page),
        Action::Bottom => p.review_list.jump(true, len, page),
        _ if verb == Some(V::ReviewStart) && !sh.read_only() => open_review_start(p, sh),
        Action::Details if !sh.read_only() => open_review_item(p, sh),
        _ if verb == Some(V::ReviewClose) && !sh.read_only() => open_review_close(p, sh),
        _ => {}
    }
    Vec::new()
}

fn options(first: &str, rest: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v = vec![first.to_string()];
    v.extend(rest);
    v
}

fn open_filter(p: &FilteringTab, sh: &mut Shell) {
    let f = &p.table.filters;
    let statuses = options(
        "any",
        std::iter::once("in force".to_string())
            .chain(STATUS_CYCLE.iter().map(|s| s.as_str().to_string())),
    );
    let status_i = if f.in_force {
        1
    } else {
        f.status
            .and_then(|s| statuses.iter().position(|x| x == s.as_str()))
            .unwrap_or(0)
    };
    let kinds = options("any", ["unblock".to_string(), "block".to_string()]);
    let kind_i = f
        .kind
        .and_then(|k| kinds.iter().position(|x| x == k.as_str()))
        .unwrap_or(0);
    let scopes = options("any", SCOPES.iter().map(|s| s.to_string()));
    let scope_i = f
        .scope
        .as_ref()
        .and_then(|s| scopes.iter().position(|x| x == s))
        .unwrap_or(0);
    let form = Form::new(
        "Filter the requests",
        purpose(FilterPurpose::Filter),
        vec![
            Field::choice(
                "Status",
                statuses,
                status_i,
                "in force: agreed or applied; left/right to change",
            ),
            Field::choice("Kind", kinds, kind_i, "unblock (exceptions) or block"),
            Field::choice(
                "Scope",
                scopes,
                scope_i,
                "year: any year group; search for a group's name",
            ),
            Field::toggle(
                "Due for removal",
                f.due,
                "expired or revoked but still in the filter",
            ),
        ],
    );
    sh.dialogs.push(Dialog::Form(form));
}

fn open_request(p: &FilteringTab, sh: &mut Shell) {
    let form = Form::new(
        "New filter request",
        purpose(FilterPurpose::Request),
        vec![
            Field::text("By", &p.last_by, "the directory username of who asks"),
            Field::text(
                "Site",
                "",
                "example.com, https://example.com/page, *.example.org",
            ),
            Field::text("Reason", "", "the curriculum need"),
            Field::text(
                "Scope",
                "school",
                "school, staff, pupils, year-N or group:NAME",
            ),
            Field::text(
                "Until",
                "",
                "last day wanted (YYYY-MM-DD); empty: permanent",
            ),
            Field::choice(
                "Kind",
                vec!["unblock".into(), "block".into()],
                0,
                "unblock (an exception) or block (an addition)",
            ),
            Field::choice(
                "Page or site",
                vec![
                    super::submit::NOT_CHOSEN.into(),
                    super::submit::PAGE_ONLY.into(),
                    super::submit::WHOLE_SITE.into(),
                ],
                0,
                "an address with a path: this page only, or the whole site",
            ),
        ],
    )
    .with_intro(vec![(
        "Two approvers decide it; the site is checked as the CLI checks it.".into(),
        Tone::Dim,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// The entry's facts, for the intro of a dialog about it, wrapped to fit the form.
pub fn facts(e: &Entry) -> Vec<(String, Tone)> {
    crate::ops::filter::facts(e)
        .into_iter()
        .map(|(l, e)| (l, super::submit::tone(e)))
        .flat_map(|(l, tone)| {
            crate::tui::widgets::wrap_text(&l, 64)
                .into_iter()
                .map(move |w| (w, tone))
        })
        .collect()
}

/// Whether `by` may decide on `e` as far as the tab can tell: not its requester and not one who
/// has already decided (ops checks it again, with the directory).
fn may_decide(e: &Entry, by: &str) -> bool {
    let by = by.trim();
    !by.is_empty()
        && !e.requested_by.eq_ignore_ascii_case(by)
        && !e.decisions.iter().any(|d| d.by.eq_ignore_ascii_case(by))
}

fn need_row(p: &FilteringTab, sh: &mut Shell) -> Option<Entry> {
    match p.current() {
        Some(r) => Some(r.entry.clone()),
        None => {
            sh.info("no request here: clear the search or filters (F)");
            None
        }
    }
}

fn open_decide(p: &FilteringTab, sh: &mut Shell) {
    let Some(e) = need_row(p, sh) else {
        return;
    };
    let roles: Vec<String> = p.roles.iter().map(|r| r.name.clone()).collect();
    // Start on the first role still to decide.
    let role_i = p
        .roles
        .iter()
        .position(|r| !e.decisions.iter().any(|d| d.role == r.name))
        .unwrap_or(0);
    let form = Form::new(
        &format!("Decide on #{}", e.id),
        purpose(FilterPurpose::Decide { id: e.id }),
        vec![
            Field::choice(
                "As",
                roles,
                role_i,
                "the approver role acted in (left/right to change)",
            ),
            Field::text(
                "By",
                // Never prefilled with someone who may not act: the requester, or someone who
                // has already decided on it.
                if may_decide(&e, &p.last_by) {
                    &p.last_by
                } else {
                    ""
                },
                "the approver's directory username",
            ),
            Field::choice(
                "Decision",
                vec!["approve".into(), "reject".into()],
                0,
                "agreed only when every role approves; one reject rejects it",
            ),
            Field::text("Comment", "", "why (recorded with the decision)"),
        ],
    )
    .with_intro(facts(&e));
    sh.dialogs.push(Dialog::Form(form));
}

fn open_apply(p: &FilteringTab, sh: &mut Shell) {
    let Some(e) = need_row(p, sh) else {
        return;
    };
    let removal = matches!(e.status, Status::Expired | Status::Revoked) && e.in_filter;
    let title = if removal {
        format!("Taken out of the filter: #{}", e.id)
    } else {
        format!("Applied in the filter: #{}", e.id)
    };
    let mut intro = facts(&e);
    intro.push((
        if removal {
            "Records that this expired or revoked exception was taken out of the filter.".into()
        } else {
            "Records that the agreed change was made in the filter.".into()
        },
        Tone::Dim,
    ));
    let form = Form::new(
        &title,
        purpose(FilterPurpose::Apply { id: e.id }),
        vec![
            Field::text(
                "By",
                &p.last_by,
                "who made the change (an approver's username)",
            ),
            Field::text("Ref", "", "the filter's own reference for it (optional)"),
        ],
    )
    .with_intro(intro);
    sh.dialogs.push(Dialog::Form(form));
}

fn open_revoke(p: &FilteringTab, sh: &mut Shell) {
    let Some(e) = need_row(p, sh) else {
        return;
    };
    let form = Form::new(
        &format!("Revoke #{}", e.id),
        purpose(FilterPurpose::Revoke { id: e.id }),
        vec![
            Field::text(
                "By",
                &p.last_by,
                "an approver, or the requester for their own pending request",
            ),
            Field::text("Reason", "", "why it ends"),
        ],
    )
    .with_intro(facts(&e));
    sh.dialogs.push(Dialog::Form(form));
}

fn open_review_start(p: &FilteringTab, sh: &mut Shell) {
    let n = p
        .table
        .rows()
        .iter()
        .filter(|r| r.status.is_active())
        .count();
    let form = Form::new(
        "Start a review",
        purpose(FilterPurpose::ReviewStart),
        vec![Field::text(
            "By",
            &p.last_by,
            "the reviewer's directory username (an approver)",
        )],
    )
    .with_intro(vec![(
        format!(
            "Every exception in force ({n}) is looked at: keep, revoke or shorten, with a note."
        ),
        Tone::Normal,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

fn open_review_item(p: &FilteringTab, sh: &mut Shell) {
    if p.review.is_none() {
        sh.info("no review is open: b starts one");
        return;
    }
    let Some(e) = p.review_current().cloned() else {
        sh.info("every exception has been looked at: c closes the review");
        return;
    };
    let form = Form::new(
        &format!(
            "Review #{}: #{} {}",
            p.review.as_ref().map(|r| r.review.id).unwrap_or_default(),
            e.id,
            e.target()
        ),
        purpose(FilterPurpose::ReviewItem { id: e.id }),
        vec![
            Field::choice(
                "Verdict",
                vec!["keep".into(), "revoke".into(), "shorten".into()],
                0,
                "keep (still needed), revoke or shorten",
            ),
            Field::text("Until", "", "the new last day, for shorten (YYYY-MM-DD)"),
            Field::text("Note", "", "what was found"),
        ],
    )
    .with_intro(facts(&e));
    sh.dialogs.push(Dialog::Form(form));
}

fn open_review_close(p: &FilteringTab, sh: &mut Shell) {
    let Some(r) = &p.review else {
        sh.info("no review is open: b starts one");
        return;
    };
    let mut intro = vec![(
        format!(
            "Review #{} started by {}: {} looked at, {} left.",
            r.review.id,
            r.review.started_by,
            r.done.len(),
            r.remaining.len()
        ),
        Tone::Normal,
    )];
    if !r.remaining.is_empty() {
        intro.push((
            "Every exception must be looked at before the review closes.".into(),
            Tone::Warn,
        ));
    }
    let form = Form::new(
        "Close the review",
        purpose(FilterPurpose::ReviewClose),
        vec![
            Field::text(
                "Checks",
                "",
                "what was tested, e.g. a sample of blocked categories from a pupil login",
            ),
            Field::text("Note", "", "a general note"),
            Field::text("By", &r.review.started_by, "who closes it (an approver)"),
        ],
    )
    .with_intro(intro);
    sh.dialogs.push(Dialog::Form(form));
}
