//! Drawing the Inventory tab: the search bar, the scan banner in scan mode, the assets (only
//! the rows on screen), the detail pane, and the disposal batches.

use super::keys::InventoryVerb;
use super::{InvSort, InventoryTab, AUDIT_CONTEXT, CONTEXT, DISPOSAL_CONTEXT, SCAN_CONTEXT};
use crate::domain::inventory::{ScanOutcome, Status};
use crate::tui::keymap::Action;
use crate::tui::shell::Shell;
use crate::tui::widgets::wrap_text;
use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// The details pane sits beside the table from this width; below it, it takes the tab.
pub const SIDE_BY_SIDE: u16 = 120;
/// Width of the details pane beside the table.
pub const DETAIL_WIDTH: u16 = 50;

/// A day as the lists show it, padded: ` 5 Nov 2026`.
pub fn day(d: NaiveDate) -> String {
    d.format("%e %b %Y").to_string()
}

fn opt_day(d: Option<NaiveDate>) -> String {
    d.map(day).unwrap_or_else(|| "-".into())
}

/// Draws the assets panel into `area`.
pub fn draw(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let scan_h = v.scan_height() as u16;
    let [bar, banner, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(scan_h),
        Constraint::Min(0),
    ])
    .areas(area);
    v.table
        .draw_search_bar(f, bar, &s.ground(), CONTEXT, v.loaded, 0);
    if v.scan.on {
        scan_banner(f, banner, v, s);
    }
    if v.detail.open && v.table.current().is_some() {
        if rest.width >= SIDE_BY_SIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(DETAIL_WIDTH)])
                    .areas(rest);
            table(f, left, v, s);
            detail(f, right, v, s);
        } else {
            detail(f, rest, v, s);
        }
    } else {
        table(f, rest, v, s);
    }
}

fn status_style(s: &Shell, st: Status) -> Style {
    let t = &s.theme;
    match st {
        Status::Lost => t.error(),
        Status::InRepair | Status::Retired => t.warn(),
        Status::Disposed => t.dim(),
        _ => Style::new(),
    }
}

fn table(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let t = &s.theme;
    let tb = &v.table;
    let nothing = format!(
        "The register is empty: {} adds an asset.",
        s.keymap.keys_for(CONTEXT, InventoryVerb::NewAccount)
    );
    if tb.draw_if_empty(
        f,
        area,
        &s.ground(),
        CONTEXT,
        (v.loaded, v.error.as_ref()),
        "the inventory",
        &nothing,
        "asset",
    ) {
        return;
    }
    let page = usize::from(area.height - 1);
    // Columns by meaning (widgets::table::fit_columns): status and Enc stay, make and model
    // when it fits; due back, borrower, room and category go first.
    let show = crate::tui::widgets::table::fit_columns(&COLUMNS, area.width);
    fn keep<T>(v: Vec<T>, show: &[bool]) -> Vec<T> {
        v.into_iter()
            .zip(show)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c)
            .collect()
    }
    let rows = tb.page_rows(page).map(|(at_cursor, r)| {
        let a = &r.row.asset;
        let what = format!("{} {}", a.manufacturer, a.model);
        let due = match r.row.due {
            Some(d) if r.overdue => Cell::from(Span::styled(format!("{} !", day(d)), t.error())),
            Some(d) => Cell::from(day(d)),
            None => Cell::from(""),
        };
        let tag = if tb.is_selected(r) {
            format!("*{}", a.tag)
        } else {
            a.tag.clone()
        };
        let enc = if super::unencrypted(a) {
            Span::styled("NO!", t.warn())
        } else {
            Span::raw(match a.encrypted {
                crate::domain::inventory::asset::Encrypted::Yes => "yes",
                crate::domain::inventory::asset::Encrypted::No => "no",
                crate::domain::inventory::asset::Encrypted::Unknown => "?",
            })
        };
        let cells = vec![
            Cell::from(tag),
            Cell::from(a.category.as_str()),
            Cell::from(what),
            Cell::from(Span::styled(a.status.as_str(), status_style(s, a.status))),
            Cell::from(a.room.clone()),
            Cell::from(r.row.loaned_to.clone().unwrap_or_default()),
            due,
            Cell::from(enc),
        ];
        let row = Row::new(keep(cells, &show));
        if at_cursor {
            row.style(t.cursor())
        } else {
            row
        }
    });
    let titles = vec![
        tb.title(InvSort::Tag),
        tb.title(InvSort::Category),
        "Make and model".to_string(),
        tb.title(InvSort::Status),
        tb.title(InvSort::Room),
        tb.title(InvSort::Borrower),
        "Due back".to_string(),
        "Enc".to_string(),
    ];
    let widths = vec![
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Min(14),
        Constraint::Length(10),
        Constraint::Min(8),
        Constraint::Length(12),
        Constraint::Length(13),
        Constraint::Length(4),
    ];
    let header = Row::new(keep(titles, &show)).style(t.table_header());
    f.render_widget(
        Table::new(rows, keep(widths, &show))
            .header(header)
            .column_spacing(1),
        area,
    );
}

/// The register's columns (tag, category, make and model, status, room, borrower, due back,
/// Enc): what must stay at 80 columns and what goes first.
const COLUMNS: [crate::tui::widgets::table::Column; 8] = {
    use crate::tui::widgets::table::Column as C;
    [
        C::keep(12),
        C::drop(10, 3),
        C::drop(14, 1),
        C::keep(10),
        C::drop(8, 2),
        C::drop(12, 4),
        C::drop(13, 5),
        C::keep(4),
    ]
};

/// The flash: reverse video and a word, so it shows without colour and without sound.
fn flash_style() -> Style {
    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

fn scan_banner(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let t = &s.theme;
    let sc = &v.scan;
    let room = if sc.room.is_empty() {
        "no room given".to_string()
    } else {
        sc.room.clone()
    };
    let head = Line::from(vec![
        Span::styled(" AUDIT SCAN ", t.focus()),
        Span::raw(format!(" round: {}  room: {room}", sc.round)),
    ]);
    let mut typed = vec![
        Span::raw("Scan: "),
        Span::styled(format!("{:<22}", format!("{}_", sc.typed)), t.focus()),
        Span::styled(
            format!(
                " scanned {}: seen {}, moved {}, unknown {}, again {}",
                sc.count, sc.seen, sc.moved, sc.unknown, sc.already
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    if sc.pending > 0 {
        typed.push(Span::styled(format!(" ({} saving)", sc.pending), t.dim()));
    }
    let typed = Line::from(typed);
    let last = match &sc.last {
        None => Line::styled("Nothing scanned yet: scan a label.", t.dim()),
        Some(Err(e)) => Line::from(vec![
            Span::styled(" NOT RECORDED ", flash_style()),
            Span::styled(format!(" {e}"), t.error()),
        ]),
        Some(Ok(r)) => {
            let what = if sc.last_what.is_empty() {
                String::new()
            } else {
                format!(" {}", sc.last_what)
            };
            match r.outcome {
                ScanOutcome::Seen => Line::from(vec![
                    Span::styled(" SEEN ", t.ok()),
                    Span::raw(format!(" {}{what}", r.tag)),
                ]),
                ScanOutcome::Already => Line::from(vec![
                    Span::styled(" AGAIN ", t.dim()),
                    Span::raw(format!(" {}{what}: already scanned in this round", r.tag)),
                ]),
                ScanOutcome::Moved => Line::from(vec![
                    Span::styled(" MOVED ", flash_style()),
                    Span::styled(
                        format!(
                            " {}: registered in {}, found in {} ",
                            r.tag,
                            r.registered_room.as_deref().unwrap_or("-"),
                            r.room
                        ),
                        flash_style(),
                    ),
                    Span::raw(what),
                ]),
                ScanOutcome::Unknown => Line::from(vec![
                    Span::styled(" UNKNOWN ", flash_style()),
                    Span::styled(
                        format!(" {}: not in the register (recorded)", r.tag),
                        flash_style(),
                    ),
                ]),
            }
        }
    };
    let hint = Line::styled(
        format!(
            "{} records the tag (a scanner sends it), {} leaves scan mode",
            s.keymap.keys_for(SCAN_CONTEXT, Action::Submit),
            s.keymap.keys_for(SCAN_CONTEXT, Action::Cancel)
        ),
        t.dim(),
    );
    f.render_widget(Paragraph::new(vec![head, typed, last, hint]), area);
}

fn field(label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::raw(format!("{label:<13}")),
        Span::raw(value.into()),
    ])
}

fn detail(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let t = &s.theme;
    let Some(row) = v.table.current() else {
        return;
    };
    let a = &row.row.asset;
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(format!(" {} ", a.tag), t.border()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    // Beside the fields (from 90 columns inside the box) or under them.
    let inner_w = inner.width.saturating_sub(1);
    let w = usize::from(if inner_w >= 90 { inner_w - 48 } else { inner_w }).max(1);
    let mut lines = vec![
        field(
            "What:",
            format!("{} {} {}", a.category, a.manufacturer, a.model),
        ),
        field("Serial:", if a.serial.is_empty() { "-" } else { &a.serial }),
        Line::from(vec![
            Span::raw(format!("{:<13}", "Status:")),
            Span::styled(a.status.as_str(), status_style(s, a.status)),
        ]),
        field(
            "Where:",
            if a.site.is_empty() {
                a.room.clone()
            } else {
                format!("{}, {}", a.room, a.site)
            },
        ),
        Line::from(vec![
            Span::raw(format!("{:<13}", "Encrypted:")),
            if super::unencrypted(a) {
                Span::styled(
                    format!("{} (must be: it leaves the site)", a.encrypted.as_str()),
                    t.warn(),
                )
            } else {
                Span::raw(a.encrypted.as_str())
            },
        ]),
        field("Holds data:", if a.data_bearing { "yes" } else { "no" }),
        field(
            "Bought:",
            format!(
                "{}{}",
                opt_day(a.purchase_date).trim_start(),
                a.price_pence
                    .map(|p| format!(", {}", crate::domain::inventory::price::money(p)))
                    .unwrap_or_default()
            ),
        ),
        field(
            "Warranty to:",
            opt_day(a.warranty_end).trim_start().to_string(),
        ),
        field("Audited:", opt_day(a.last_audited).trim_start().to_string()),
    ];
    if let Some(who) = &row.row.loaned_to {
        let due = row
            .row
            .due
            .map(|d| format!(", due {}", day(d).trim_start()))
            .unwrap_or_default();
        let style = if row.overdue { t.error() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<13}", "On loan to:")),
            Span::styled(
                format!("{who}{due}{}", if row.overdue { " OVERDUE" } else { "" }),
                style,
            ),
        ]));
    }
    let mut more: Vec<Line<'static>> = Vec::new();
    match &v.detail.data {
        Some(Ok(d)) if d.asset.tag.eq_ignore_ascii_case(&a.tag) => {
            if let Some(b) = &d.disposal_batch {
                more.push(field("Disposal:", format!("in batch {b}")));
            }
            if !a.notes.is_empty() {
                for (i, l) in wrap_text(&a.notes, w.saturating_sub(13).max(10))
                    .into_iter()
                    .enumerate()
                {
                    more.push(field(if i == 0 { "Notes:" } else { "" }, l));
                }
            }
            more.push(Line::styled(
                format!("Loans ({})", d.loans.len()),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            for l in d.loans.iter().take(3) {
                let back = match l.returned_at {
                    Some(r) => format!("back {}", crate::tui::widgets::day(r).trim_start()),
                    None => "out".into(),
                };
                more.push(Line::raw(format!(
                    " {} {} ({back})",
                    crate::tui::widgets::day(l.issued_at).trim_start(),
                    l.borrower.name()
                )));
            }
            more.push(Line::styled(
                format!("History ({}, newest first)", d.history.len()),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            for h in d.history.iter().rev() {
                let change = match (&h.old, &h.new) {
                    (Some(o), Some(n)) => format!("{}: {o} -> {n}", h.field),
                    (None, Some(n)) => format!("{}: {n}", h.field),
                    (Some(o), None) => format!("{}: {o} -> (none)", h.field),
                    (None, None) => h.field.clone(),
                };
                let note = if h.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", h.note)
                };
                let text = format!(
                    "{} {change}{note} by {}",
                    crate::tui::widgets::day(h.at).trim_start(),
                    h.operator
                );
                for l in wrap_text(&text, w.saturating_sub(1).max(10)) {
                    more.push(Line::raw(format!(" {l}")));
                }
            }
        }
        Some(Err(e)) if !v.detail.loading => {
            more.push(Line::styled(
                format!("Could not read the asset: {e}"),
                t.error(),
            ));
        }
        _ => more.push(Line::styled("Reading loans and history…", t.dim())),
    }
    let inside = Rect {
        x: inner.x.saturating_add(1).min(inner.x + inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    if inside.width >= 90 {
        let left_w = 48u16;
        let left = Rect {
            width: left_w,
            ..inside
        };
        let right = Rect {
            x: inside.x + left_w,
            width: inside.width - left_w,
            ..inside
        };
        f.render_widget(Paragraph::new(lines), left);
        f.render_widget(Paragraph::new(more), right);
    } else {
        lines.push(Line::from(""));
        lines.extend(more);
        f.render_widget(Paragraph::new(lines), inside);
    }
}

/// Draws the disposal batches: the list, then the batch under the cursor with its items and
/// what it lacks before it can close.
pub fn disposal(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let t = &s.theme;
    let d = &v.disposal;
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let back = s
        .keymap
        .keys_for(DISPOSAL_CONTEXT, InventoryVerb::DisposalPanel);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                "WEEE disposal batches",
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "   {} batch{}; up/down to choose, {back} back",
                    d.batches.len(),
                    if d.batches.len() == 1 { "" } else { "es" }
                ),
                t.dim(),
            ),
        ])),
        bar,
    );
    if rest.height < 2 {
        return;
    }
    if d.batches.is_empty() {
        let msg = if !d.loaded {
            s.not_loaded(d.error.as_ref(), "the disposal batches")
        } else {
            format!(
                "No disposal batch yet: {} opens one.",
                s.keymap
                    .keys_for(DISPOSAL_CONTEXT, InventoryVerb::NewAccount)
            )
        };
        crate::tui::widgets::placeholder(f, rest, &msg);
        return;
    }
    let list_h = (d.batches.len() as u16 + 1).min(rest.height / 3).max(2);
    let [list, _gap, body] = Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(rest);
    let page = usize::from(list_h - 1);
    let off = crate::tui::widgets::window(d.list.offset, d.list.cursor, page, d.batches.len());
    let rows = d
        .batches
        .iter()
        .enumerate()
        .skip(off)
        .take(page)
        .map(|(i, b)| {
            let bt = &b.view.batch;
            let state = if let Some(c) = bt.closed_at {
                Span::styled(
                    format!("closed {}", crate::tui::widgets::day(c).trim_start()),
                    t.ok(),
                )
            } else if b.view.blockers.is_empty() {
                Span::styled("ready to close", t.ok())
            } else {
                Span::styled(format!("open: {} missing", b.view.blockers.len()), t.warn())
            };
            let row = Row::new(vec![
                Cell::from(bt.name.clone()),
                Cell::from(format!(
                    "{} item{}",
                    b.view.items.len(),
                    if b.view.items.len() == 1 { "" } else { "s" }
                )),
                Cell::from(bt.carrier.clone()),
                Cell::from(state),
            ]);
            if i == d.list.cursor {
                row.style(t.cursor())
            } else {
                row
            }
        });
    let header = Row::new(vec!["Batch", "Items", "Carrier", "State"]).style(t.table_header());
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(16),
                Constraint::Length(9),
                Constraint::Min(12),
                Constraint::Length(20),
            ],
        )
        .header(header)
        .column_spacing(1),
        list,
    );
    let Some(b) = d.batches.get(d.list.cursor) else {
        return;
    };
    let bt = &b.view.batch;
    let w = usize::from(body.width).max(10);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dash = |t: &str| {
        if t.is_empty() {
            "-".to_string()
        } else {
            t.to_string()
        }
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(bt.name.clone(), bold),
            Span::raw(format!(
                "  carrier {} ({})",
                dash(&bt.carrier),
                dash(&bt.carrier_registration)
            )),
        ]),
        Line::raw(format!(
            "collected {}, transfer note {}{}",
            opt_day(bt.collected_on).trim_start(),
            dash(&bt.transfer_note),
            if bt.consignment_note.is_empty() {
                String::new()
            } else {
                format!(", consignment note {}", bt.consignment_note)
            }
        )),
    ];
    if let Some(c) = bt.closed_at {
        lines.push(Line::styled(
            format!(
                "Closed {} by {}, signed off by {}: its items are disposed and it can no longer change.",
                crate::tui::widgets::day(c).trim_start(),
                bt.closed_by.as_deref().unwrap_or("-"),
                bt.signed_off_by.as_deref().unwrap_or("-")
            ),
            t.ok(),
        ));
    } else if b.view.missing.is_empty() {
        lines.push(Line::styled(
            format!(
                "Nothing missing: {} closes it (asks who signs it off).",
                s.keymap.keys_for(DISPOSAL_CONTEXT, InventoryVerb::Close)
            ),
            t.ok(),
        ));
    } else {
        lines.push(Line::styled(
            format!(
                "Cannot close yet, {} thing{} missing ({} papers, {} sanitisation):",
                b.view.missing.len(),
                if b.view.missing.len() == 1 { "" } else { "s" },
                s.keymap.keys_for(DISPOSAL_CONTEXT, InventoryVerb::Edit),
                s.keymap
                    .keys_for(DISPOSAL_CONTEXT, InventoryVerb::Sanitised),
            ),
            t.warn().add_modifier(Modifier::BOLD),
        ));
        for m in &b.view.missing {
            for (i, l) in wrap_text(m, w.saturating_sub(4)).into_iter().enumerate() {
                let lead = if i == 0 { "  ! " } else { "    " };
                lines.push(Line::styled(format!("{lead}{l}"), t.warn()));
            }
        }
    }
    lines.push(Line::styled(
        format!("Items ({})", b.view.items.len()),
        bold,
    ));
    for it in &b.view.items {
        let a = &it.asset;
        let san = match &it.sanitisation {
            Some(sr) => format!("sanitised: {} {}", sr.method.as_str(), sr.certificate),
            None if a.data_bearing => "NOT SANITISED".into(),
            None => "holds no data".into(),
        };
        let text = format!(
            "  {:<12} {:<8} {:<9} {san}{}",
            a.tag,
            a.category.as_str(),
            it.waste_code,
            if it.on_loan { "  ON LOAN" } else { "" }
        );
        let style = if (it.sanitisation.is_none() && a.data_bearing) || it.on_loan {
            t.warn()
        } else {
            Style::new()
        };
        lines.push(Line::styled(text, style));
    }
    f.render_widget(Paragraph::new(lines), body);
}

/// The lines of the audit panel's report (a pure function of the report; the panel scrolls
/// over them).
pub fn audit_lines(v: &InventoryTab, s: &Shell) -> Vec<Line<'static>> {
    let t = &s.theme;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let key = |a: InventoryVerb| s.keymap.keys_for(AUDIT_CONTEXT, a);
    let a = &v.audit;
    let Some(r) = &a.report else {
        let mut lines = Vec::new();
        if !a.loaded {
            lines.push(Line::styled("Reading the audit report…", t.dim()));
        } else {
            if let Some(e) = &a.error {
                lines.push(Line::styled(e.clone(), t.warn()));
            }
            lines.push(Line::raw(format!(
                "{} starts a round; then {} scans labels into it.",
                key(InventoryVerb::NewAccount),
                key(InventoryVerb::ScanMode)
            )));
        }
        return lines;
    };
    let state = match r.round.closed_at {
        Some(c) => Span::styled(
            format!("closed {}", crate::tui::widgets::day(c).trim_start()),
            t.ok(),
        ),
        None => Span::styled(
            format!(
                "open since {}",
                crate::tui::widgets::day(r.round.started_at).trim_start()
            ),
            t.warn(),
        ),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("Round \"{}\" ", r.round.name), bold),
            state,
        ]),
        Line::raw(format!(
            "{} seen, {} moved, {} not seen, {} unknown tag{}",
            r.seen.len(),
            r.moved.len(),
            r.not_seen.len(),
            r.unknown.len(),
            if r.unknown.len() == 1 { "" } else { "s" }
        )),
        Line::raw(""),
        Line::styled(
            format!(
                "{:<20} {:>6} {:>10} {:>9} {:>8}",
                "Room", "Seen", "Moved out", "Not seen", "Unknown"
            ),
            t.table_header(),
        ),
    ];
    for (room, c) in &r.rooms {
        let line = format!(
            "{:<20} {:>6} {:>10} {:>9} {:>8}",
            room.chars().take(20).collect::<String>(),
            c.seen,
            c.moved_out,
            c.not_seen,
            c.unknown
        );
        lines.push(if c.not_seen > 0 || c.unknown > 0 || c.moved_out > 0 {
            Line::styled(line, t.warn())
        } else {
            Line::raw(line)
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "Not seen ({}): candidates for lost (t on the asset)",
            r.not_seen.len()
        ),
        bold,
    ));
    for m in &r.not_seen {
        lines.push(Line::raw(format!(
            "  {:<12} {:<24} {:<14} {}",
            m.tag,
            m.description.chars().take(24).collect::<String>(),
            if m.room.is_empty() { "-" } else { &m.room },
            m.loaned_to
                .as_ref()
                .map(|u| format!("on loan to {u}"))
                .unwrap_or_else(|| m.status.to_string()),
        )));
    }
    lines.push(Line::styled(format!("Moved ({})", r.moved.len()), bold));
    for m in &r.moved {
        lines.push(Line::styled(
            format!(
                "  {:<12} {:<24} registered in {}, found in {}",
                m.tag,
                m.description.chars().take(24).collect::<String>(),
                if m.room.is_empty() { "-" } else { &m.room },
                m.scanned_in
            ),
            t.warn(),
        ));
    }
    lines.push(Line::styled(
        format!("Unknown tags ({}): not in the register", r.unknown.len()),
        bold,
    ));
    for (tag, room, n) in &r.unknown {
        lines.push(Line::styled(
            format!(
                "  {:<12} scanned in {} ({n}x)",
                tag,
                if room.is_empty() { "-" } else { room }
            ),
            t.warn(),
        ));
    }
    lines.push(Line::styled(
        format!("Seen where they belong ({})", r.seen.len()),
        bold,
    ));
    for m in &r.seen {
        lines.push(Line::raw(format!(
            "  {:<12} {:<24} {}",
            m.tag,
            m.description.chars().take(24).collect::<String>(),
            if m.scanned_in.is_empty() {
                "-"
            } else {
                &m.scanned_in
            }
        )));
    }
    lines.push(Line::styled(
        format!(
            "Not audited for more than {} days, or never ({}): the Not audited filter (f) lists them",
            r.audit_interval_days,
            r.overdue_audit.len()
        ),
        bold,
    ));
    for chunk in r.overdue_audit.chunks(6) {
        lines.push(Line::raw(format!("  {}", chunk.join("  "))));
    }
    lines
}

/// The first line shown of `total` in a body of `page` lines.
pub fn audit_scroll(scroll: usize, total: usize, page: usize) -> usize {
    scroll.min(total.saturating_sub(page))
}

/// Draws the audit panel: the keys, then the newest round's report, scrolled.
pub fn audit(f: &mut Frame, area: Rect, v: &InventoryTab, s: &Shell) {
    let t = &s.theme;
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let key = |a: InventoryVerb| s.keymap.keys_for(AUDIT_CONTEXT, a);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Audit round", Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(
                format!(
                    "   {} new round, {} scan, {} close, {} back",
                    key(InventoryVerb::NewAccount),
                    key(InventoryVerb::ScanMode),
                    key(InventoryVerb::Close),
                    key(InventoryVerb::AuditPanel)
                ),
                t.dim(),
            ),
        ])),
        bar,
    );
    let lines = audit_lines(v, s);
    let page = usize::from(body.height);
    let skip = audit_scroll(v.audit.scroll, lines.len(), page);
    let shown: Vec<Line> = lines.into_iter().skip(skip).take(page).collect();
    f.render_widget(Paragraph::new(shown), body);
}
