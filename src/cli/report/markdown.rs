//! The report as markdown, for pasting into minutes or a governors' portal: a summary table,
//! then each section with a table of figures and the command behind each, charts as tables.

use super::text::{bar, light};
use super::{moment, place};
use crate::ops::report::{Chart, Report, Section};
use std::fmt::Write;

/// A table cell: no line breaks, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn chart(out: &mut String, c: &Chart) {
    let _ = writeln!(out, "**{}**", cell(&c.title));
    let _ = writeln!(out);
    let mut head = vec!["".to_string()];
    head.extend(c.series.iter().map(|s| cell(s)));
    head.push("total".into());
    head.push("".into());
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        head.iter()
            .enumerate()
            .map(|(i, _)| if i == 0 || i == head.len() - 1 {
                "---|"
            } else {
                "---:|"
            })
            .collect::<String>()
    );
    for b in &c.bars {
        let mut row = vec![cell(&b.label)];
        row.extend(b.values.iter().map(|v| v.to_string()));
        row.push(b.total().to_string());
        row.push(format!("`{}`", bar(&b.values)));
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    let _ = writeln!(out);
}

fn section(out: &mut String, s: &Section) {
    let _ = writeln!(out, "## {} — {}", light(s.status), s.title);
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", cell(&s.summary));
    let _ = writeln!(out);
    let _ = writeln!(out, "| | Figure | Value | Detail |");
    let _ = writeln!(out, "|---|---|---|---|");
    for f in &s.figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` ({}) |",
            f.status.map(|st| st.symbol()).unwrap_or(""),
            cell(&f.label),
            cell(&f.value),
            cell(&f.command),
            place(f.tui)
        );
    }
    let _ = writeln!(out);
    for c in &s.charts {
        chart(out, c);
    }
    for e in &s.evidence {
        if e.items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{}**", cell(&e.title));
        let _ = writeln!(out);
        for i in &e.items {
            let _ = writeln!(out, "- {}", cell(i));
        }
        if e.total > e.items.len() {
            let _ = writeln!(
                out,
                "- … and {} more (the command shows them all)",
                e.total - e.items.len()
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "_Rule: {}_", cell(s.rule));
    let _ = writeln!(out);
}

/// The whole report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: termly compliance report", cell(&r.school));
    let _ = writeln!(out);
    let _ = writeln!(out, "- **Period:** {}", r.period().describe());
    let _ = writeln!(out, "- **Judged at:** {}", moment(r.generated_at));
    let _ = writeln!(out, "- **Action log anchor:** `{}`", r.log_anchor);
    let _ = writeln!(out, "- **Overall:** {}", light(r.overall));
    let _ = writeln!(out);
    let _ = writeln!(out, "| Section | Status | Summary |");
    let _ = writeln!(out, "|---|---|---|");
    for s in &r.sections {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            s.title,
            light(s.status),
            cell(&s.summary)
        );
    }
    let _ = writeln!(out);
    for s in &r.sections {
        section(&mut out, s);
    }
    let _ = writeln!(
        out,
        "Check later that the log is unchanged: `schooltech log verify --anchor {}`",
        r.log_anchor
    );
    out
}
