//! The details pane: the whole account model, its groups, and the last log rows about it.

use super::{age, ago};
use crate::domain::time::uk_date;
use crate::tui::app::State;
use crate::tui::theme::status_mark;
use crate::tui::ui::wrap_text;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

fn date(t: Option<DateTime<Utc>>, none: &str) -> String {
    t.map(uk_date).unwrap_or_else(|| none.to_string())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Draws the pane for the account under the cursor.
pub fn draw(f: &mut Frame, area: Rect, s: &State) {
    let t = &s.theme;
    let a = &s.accounts;
    let Some(row) = a.current() else {
        return;
    };
    let acc = &row.account;
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(format!(" {} ", acc.username), t.border()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width.saturating_sub(1)).max(1);
    let now = s.now;
    let mut lines: Vec<Line> = Vec::new();
    let mut kv = |k: &str, v: String, style: Style| {
        let label = format!("{k:<14}");
        let vw = w.saturating_sub(14).max(1);
        for (i, part) in wrap_text(&v, vw).into_iter().enumerate() {
            let head = if i == 0 {
                label.clone()
            } else {
                " ".repeat(14)
            };
            lines.push(Line::from(vec![
                Span::styled(head, t.dim()),
                Span::styled(part, style),
            ]));
        }
    };
    let plain = Style::new();
    kv("Name", acc.name().to_string(), plain);
    kv(
        "Given/surname",
        format!(
            "{} / {}",
            acc.given_name.as_deref().unwrap_or("-"),
            acc.surname.as_deref().unwrap_or("-")
        ),
        plain,
    );
    kv(
        "Role",
        acc.role.clone().unwrap_or_else(|| "none".into()),
        plain,
    );
    kv(
        "Status",
        format!("{} {}", status_mark(row.status), row.status.as_str()),
        t.status(row.status),
    );
    kv("Enabled", yes(acc.enabled).into(), plain);
    kv(
        "Locked",
        yes(acc.locked).into(),
        if acc.locked { t.warn() } else { plain },
    );
    kv(
        "MIS id",
        acc.mis_id.clone().unwrap_or_else(|| "-".into()),
        plain,
    );
    kv("OU", acc.parent_dn().to_string(), plain);
    kv("DN", acc.dn.clone(), t.dim());
    if let Some(d) = &acc.description {
        kv("Description", d.clone(), plain);
    }
    kv("Created", date(acc.created, "unknown"), plain);
    kv("Expires", date(acc.expires, "never"), plain);
    kv(
        "Password set",
        match acc.password_last_set {
            Some(p) => format!("{} ({} old)", uk_date(p), age(now, Some(p), "")),
            None => "never".into(),
        },
        plain,
    );
    kv(
        "Pw expires",
        if acc.password_never_expires {
            "never (exempt)".into()
        } else {
            date(acc.password_expires, "-")
        },
        if acc.password_never_expires {
            t.warn()
        } else {
            plain
        },
    );
    kv("Must change", yes(acc.must_change_password).into(), plain);
    if acc.password_not_required {
        kv(
            "Pw required",
            "NO (empty password allowed)".into(),
            t.error(),
        );
    }
    if acc.reversible_password {
        kv("Reversible", "YES (stored reversibly)".into(), t.error());
    }
    kv(
        "Last logon",
        match acc.last_logon {
            Some(l) => format!("{} ({})", uk_date(l), ago(now, Some(l))),
            None => "never".into(),
        },
        plain,
    );
    if let Some(p) = &acc.policy {
        kv("Pw policy", p.clone(), plain);
    }
    kv(
        "Groups",
        if acc.groups.is_empty() {
            "none".into()
        } else {
            acc.groups.join(", ")
        },
        plain,
    );
    lines.push(Line::styled("Recent log", t.table_header()));
    let dl = &a.detail_log;
    if dl.username != acc.username || dl.entries.is_none() {
        lines.push(Line::styled("reading…", t.dim()));
    } else if let Some(entries) = &dl.entries {
        match entries {
            Err(e) => lines.push(Line::styled(format!("cannot read the log: {e}"), t.error())),
            Ok(v) if v.is_empty() => lines.push(Line::styled("nothing logged yet", t.dim())),
            Ok(v) => {
                for e in v {
                    let when = e.at.with_timezone(&chrono::Local).format("%-d %b %H:%M");
                    lines.push(Line::raw(format!(
                        "{when:<13}{} by {}",
                        e.action, e.operator
                    )));
                }
            }
        }
    }
    let p = Paragraph::new(lines);
    f.render_widget(
        p,
        Rect {
            x: inner.x.saturating_add(1).min(inner.x + inner.width),
            width: inner.width.saturating_sub(1),
            ..inner
        },
    );
}
