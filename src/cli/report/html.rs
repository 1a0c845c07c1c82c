//! The report as one self-contained HTML file: no external assets and no scripts, print CSS for
//! A4 with a page break before each section, each light as a word, a symbol and a colour, and
//! the charts as inline SVG.
//!
//! Kept with `format!` and [`esc`] rather than a template crate (maud): one file whose every
//! outside value passes [`esc`] (tested with hostile names); a proc-macro template would add a
//! compile step to every 2-core build for no change in output.

use super::{moment, place};
use crate::ops::report::{Chart, Report, Section, Status};
use std::fmt::Write;

/// Escapes text for HTML (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a CSS string in double quotes.
fn css_string(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' | '\\' | '<' | '>' => format!("\\{:x} ", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Colours of chart series, in order: good, look at it, bad, unknown.
pub const SERIES_COLOURS: [&str; 4] = ["#2e7d32", "#f2a900", "#c62828", "#8d8d8d"];

fn badge(s: Status) -> String {
    format!(
        "<span class=\"st {}\">{} {}</span>",
        s.as_str(),
        s.symbol(),
        s.word()
    )
}

const CSS: &str = r#"
*{box-sizing:border-box}
html{font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;font-size:10.5pt;color:#1a1a1a;line-height:1.4}
body{margin:0 auto;max-width:190mm;padding:8mm 0}
h1{font-size:22pt;margin:0 0 2mm}
h2{font-size:15pt;margin:0 0 3mm;display:flex;gap:4mm;align-items:center;border-bottom:2px solid #333;padding-bottom:2mm}
h3{font-size:11pt;margin:5mm 0 1.5mm}
.sub{font-size:12pt;color:#444;margin:0 0 6mm}
.facts{border-collapse:collapse;margin:0 0 6mm}
.facts th{text-align:left;padding:1mm 4mm 1mm 0;color:#555;font-weight:normal}
.facts td{padding:1mm 0}
code,.mono{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:9pt}
.anchor{word-break:break-all}
.st{display:inline-block;border:1.5px solid;border-radius:3px;padding:0.3mm 2mm;font-weight:bold;font-size:10pt;white-space:nowrap}
h2 .st{font-size:12pt}
.st.green{color:#1b5e20;background:#e8f5e9;border-color:#2e7d32}
.st.amber{color:#6d4700;background:#fff4d6;border-color:#d99a00}
.st.red{color:#b71c1c;background:#fdecea;border-color:#c62828}
.st.no-data{color:#444;background:#eeeeee;border-color:#888}
table.t{border-collapse:collapse;width:100%;margin:2mm 0 3mm}
table.t th{text-align:left;background:#f1f1f1;border-bottom:1.5px solid #999;padding:1.2mm 2mm;font-size:9.5pt}
table.t td{border-bottom:1px solid #ddd;padding:1.2mm 2mm;vertical-align:top}
table.t tr{break-inside:avoid}
td.sym{width:6mm;text-align:center;font-weight:bold}
td.sym.green{color:#1b5e20}td.sym.amber{color:#8a5a00}td.sym.red{color:#b71c1c}
td.val{font-weight:bold}
.detail{font-size:8.5pt;color:#555}
.summary{font-size:11.5pt;margin:0 0 3mm}
.rule{font-size:8.5pt;color:#555;border-left:3px solid #bbb;padding-left:2mm;margin-top:4mm}
ul.ev{margin:1mm 0 2mm;padding-left:5mm}
ul.ev li{margin:0.5mm 0;break-inside:avoid}
.more{color:#555;font-style:italic}
.legend{font-size:9pt;color:#333}
.key{margin:4mm 0;font-size:9.5pt;display:flex;flex-wrap:wrap;gap:2mm 6mm;padding:0;list-style:none}
.key li{white-space:nowrap}
.key .st{margin-right:1.5mm}
a{color:inherit;text-decoration:none}
table.overview td:first-child{white-space:nowrap;font-weight:bold}
table.figs td:nth-child(2){width:30%}
table.figs td:nth-child(3){width:34%}
table.figs td:nth-child(4){width:36%}
code{hyphens:none}
.note{font-size:9pt;color:#444}
svg{display:block;margin:1mm 0 2mm;max-width:100%}
section.sec{break-before:page;page-break-before:always;padding-top:2mm}
@media screen{section.sec{border-top:6px solid #ddd;margin-top:10mm;padding-top:6mm}}
"#;

fn chart_svg(c: &Chart) -> String {
    let label_w = 150.0;
    let bar_w = 420.0;
    let row_h = 22.0;
    let width = label_w + bar_w + 70.0;
    let legend_h = 24.0;
    let height = row_h * c.bars.len() as f64 + legend_h + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">",
        esc(&c.title)
    );
    for (i, b) in c.bars.iter().enumerate() {
        let y = i as f64 * row_h + 2.0;
        let total = b.total();
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 14.0,
            esc(&b.label)
        );
        let _ = write!(
            s,
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"{}\" fill=\"#f4f4f4\" stroke=\"#bbb\" stroke-width=\"0.5\"/>",
            row_h - 6.0
        );
        let mut x = label_w;
        for (j, v) in b.values.iter().enumerate() {
            if *v == 0 || total == 0 {
                continue;
            }
            let w = bar_w * (*v as f64) / (total as f64);
            let colour = SERIES_COLOURS.get(j).copied().unwrap_or("#555");
            let name = c.series.get(j).map(String::as_str).unwrap_or("");
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"><title>{}: {v} {}</title></rect>",
                row_h - 6.0,
                esc(&b.label),
                esc(name)
            );
            let text = v.to_string();
            if w >= 8.0 * text.len() as f64 + 4.0 {
                let fill = if j == 1 { "#1a1a1a" } else { "#ffffff" };
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"{fill}\" font-size=\"10\">{text}</text>",
                    x + w / 2.0,
                    y + 12.5
                );
            }
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\">{total}</text>",
            label_w + bar_w + 8.0,
            y + 14.0
        );
    }
    let ly = c.bars.len() as f64 * row_h + 10.0;
    let mut lx = label_w;
    for (j, name) in c.series.iter().enumerate() {
        let colour = SERIES_COLOURS.get(j).copied().unwrap_or("#555");
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"{ly}\" width=\"11\" height=\"11\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            lx + 15.0,
            ly + 10.0,
            esc(name)
        );
        lx += 24.0 + 7.0 * name.chars().count() as f64;
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#555\">total</text>",
        label_w + bar_w + 8.0,
        ly + 10.0
    );
    s.push_str("</svg>");
    s
}

fn section(out: &mut String, s: &Section) {
    let _ = writeln!(
        out,
        "<section class=\"sec\" id=\"{}\">\n<h2>{} <span>{}</span></h2>",
        s.name,
        badge(s.status),
        esc(s.title)
    );
    let _ = writeln!(out, "<p class=\"summary\">{}</p>", esc(&s.summary));
    if !s.figures.is_empty() {
        out.push_str("<table class=\"t figs\"><thead><tr><th></th><th>Figure</th><th>Value</th><th>Where the detail is</th></tr></thead><tbody>\n");
        for f in &s.figures {
            let (sym, cls) = match f.status {
                Some(st) => (st.symbol(), st.as_str()),
                None => ("", ""),
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"sym {cls}\">{sym}</td><td>{}</td><td class=\"val\">{}</td><td><code>{}</code><div class=\"detail\">{}</div></td></tr>",
                esc(&f.label),
                esc(&f.value),
                esc(&f.command),
                place(f.tui)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    for c in &s.charts {
        let _ = writeln!(out, "<h3>{}</h3>", esc(&c.title));
        out.push_str(&chart_svg(c));
        out.push('\n');
    }
    for e in &s.evidence {
        if e.items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{}</h3>\n<ul class=\"ev\">", esc(&e.title));
        for i in &e.items {
            let _ = writeln!(out, "<li>{}</li>", esc(i));
        }
        if e.total > e.items.len() {
            let _ = writeln!(
                out,
                "<li class=\"more\">… and {} more: the command above shows them all</li>",
                e.total - e.items.len()
            );
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"rule\"><b>How this light is set.</b> {}</p>\n</section>",
        esc(s.rule)
    );
}

/// The whole report as one HTML document.
pub fn render(r: &Report) -> String {
    let title = format!("{}: termly compliance report", r.school);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}@page{{size:A4;margin:14mm 12mm 16mm;@bottom-center{{content:\"{} · {} · page \" counter(page) \" of \" counter(pages);font-size:8pt;color:#666}}}}</style>\n</head>\n<body>",
        esc(&title),
        css_string(&r.school),
        css_string(&r.period().describe()),
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=\"sub\">Termly compliance report: accounts, leavers, acceptable use, equipment, web filtering and the action log</p>",
        esc(&r.school)
    );
    let _ = writeln!(
        out,
        "<table class=\"facts\"><tr><th>Period</th><td>{}</td></tr><tr><th>Judged at</th><td>{}</td></tr><tr><th>Overall</th><td>{}</td></tr><tr><th>Action log anchor</th><td class=\"mono anchor\">{}</td></tr></table></header>",
        esc(&r.period().describe()),
        moment(r.generated_at),
        badge(r.overall),
        esc(&r.log_anchor)
    );
    out.push_str("<table class=\"t overview\"><thead><tr><th>Section</th><th>Status</th><th>In one line</th></tr></thead><tbody>\n");
    for s in &r.sections {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
            s.name,
            esc(s.title),
            badge(s.status),
            esc(&s.summary)
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<ul class=\"key\"><li>{} nothing needs doing</li><li>{} something should be looked at</li><li>{} something needs doing now</li><li>{} nothing recorded to judge</li></ul>",
        badge(Status::Green),
        badge(Status::Amber),
        badge(Status::Red),
        badge(Status::NoData)
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">Every figure names the schooltech command (and the screen of the full-screen program) that shows its detail, so each can be checked. The anchor above is the number of entries in schooltech's tamper-evident action log and the fingerprint of the last one when this report was made: <code>schooltech log verify --anchor {}</code> fails if any of them is later changed or removed.</p>",
        esc(&r.log_anchor)
    );
    for s in &r.sections {
        section(&mut out, s);
    }
    out.push_str("</body>\n</html>\n");
    out
}
