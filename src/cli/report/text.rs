//! The report as plain text: a summary of the lights, then each section with its figures (and
//! the command behind each), charts as small bars, evidence lists and the rule of its light.

use super::{cells, moment, place};
use crate::cli::output::clean;
use crate::ops::report::{Chart, Report, Section, Status};
use std::fmt::Write;

/// Characters of the bar series, in order (so a bar reads without colour).
pub const BAR_CHARS: [char; 4] = ['█', '▓', '▒', '░'];

/// Width of a text bar.
pub const BAR_WIDTH: usize = 30;

/// "✗ RED".
pub fn light(s: Status) -> String {
    format!("{} {}", s.symbol(), s.word())
}

/// One bar of `BAR_WIDTH` cells.
pub fn bar(values: &[usize]) -> String {
    let mut out = String::new();
    for (i, n) in cells(values, BAR_WIDTH).into_iter().enumerate() {
        let c = BAR_CHARS.get(i).copied().unwrap_or('·');
        out.extend(std::iter::repeat_n(c, n));
    }
    if out.is_empty() {
        out = " ".repeat(BAR_WIDTH);
    }
    out
}

fn chart(out: &mut String, c: &Chart) {
    let _ = writeln!(out, "  {}", clean(&c.title));
    let w = c
        .bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(20);
    for b in &c.bars {
        let parts: Vec<String> = b
            .values
            .iter()
            .zip(&c.series)
            .filter(|(v, _)| **v > 0)
            .map(|(v, s)| format!("{v} {s}"))
            .collect();
        let label: String = b.label.chars().take(w).collect();
        let _ = writeln!(
            out,
            "    {:<w$}  {}  {}: {}",
            clean(&label),
            bar(&b.values),
            b.total(),
            parts.join(", ")
        );
    }
    let legend: Vec<String> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {s}", BAR_CHARS.get(i).copied().unwrap_or('·')))
        .collect();
    let _ = writeln!(out, "    {:<w$}  {}", "", legend.join("  "));
}

fn section(out: &mut String, s: &Section) {
    let _ = writeln!(out, "{}", "─".repeat(72));
    let _ = writeln!(out, "{}  {}", light(s.status), s.title.to_uppercase());
    let _ = writeln!(out, "  {}", clean(&s.summary));
    let _ = writeln!(out);
    for f in &s.figures {
        let mark = f.status.map(|st| st.symbol()).unwrap_or(" ");
        let _ = writeln!(out, "  {mark} {}: {}", clean(&f.label), clean(&f.value));
        let _ = writeln!(
            out,
            "      detail: `{}` · {}",
            clean(&f.command),
            place(f.tui)
        );
    }
    for c in &s.charts {
        let _ = writeln!(out);
        chart(out, c);
    }
    for e in &s.evidence {
        if e.items.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}:", clean(&e.title));
        for i in &e.items {
            let _ = writeln!(out, "    - {}", clean(i));
        }
        if e.total > e.items.len() {
            let _ = writeln!(
                out,
                "    … and {} more (the command shows them all)",
                e.total - e.items.len()
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  Rule: {}", s.rule);
    let _ = writeln!(out);
}

/// The whole report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: termly compliance report",
        clean(&r.school).to_uppercase()
    );
    let _ = writeln!(out, "Period:     {}", r.period().describe());
    let _ = writeln!(out, "Judged at:  {}", moment(r.generated_at));
    let _ = writeln!(out, "Log anchor: {}", r.log_anchor);
    let _ = writeln!(out);
    let _ = writeln!(out, "Overall: {}", light(r.overall));
    for s in &r.sections {
        let _ = writeln!(
            out,
            "  {:<10} {:<24} {}",
            light(s.status),
            s.title,
            clean(&s.summary)
        );
    }
    let _ = writeln!(out);
    for s in &r.sections {
        section(&mut out, s);
    }
    let _ = writeln!(
        out,
        "Every figure names the command that shows its detail. Check later that the log is unchanged: schooltech log verify --anchor {}",
        r.log_anchor
    );
    out
}
