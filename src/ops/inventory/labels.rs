//! Label sheets: A4 PDF (or SVG) of asset labels, each with the school's name, the tag as a Code 128
//! barcode a scanner reads back, and the tag and category in words.

use crate::domain::inventory::labels::{code128, Geometry, Layout, A4_MM};
use crate::domain::inventory::{Asset, Status};
use crate::error::{Error, Result};
use crate::ops::actions::store;
use crate::ops::Ctx;
use crate::store::inventory::AssetQuery;
use chrono::NaiveDate;
use pdf_writer::{Content, Finish, Pdf, Rect, Ref};

use crate::ops::pdf_font::{Fonts, Style};
use std::path::Path;

/// Which assets get labels.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// These tags, in this order.
    Tags(Vec<String>),
    /// Every asset not disposed.
    All,
    /// Assets added on or after this day.
    Since(NaiveDate),
}

/// One label's words and bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The tag.
    pub tag: String,
    /// Its category.
    pub category: String,
    /// Code 128 modules.
    pub modules: Vec<u8>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Written {
    /// Labels.
    pub labels: usize,
    /// Sheets.
    pub sheets: usize,
    /// Where.
    pub path: String,
}

/// The labels for a selection (unknown tags are refused, naming them).
pub fn labels_for(ctx: &Ctx, sel: &Selection) -> Result<Vec<Label>> {
    let s = store(ctx)?;
    let assets: Vec<Asset> = match sel {
        Selection::Tags(tags) => {
            let mut out = Vec::new();
            let mut unknown = Vec::new();
            for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                match s.asset(t)? {
                    Some(a) => out.push(a),
                    None => unknown.push(t.to_string()),
                }
            }
            if !unknown.is_empty() {
                return Err(Error::NotFound(format!(
                    "no asset with tag {}; nothing was written",
                    unknown.join(", ")
                )));
            }
            out
        }
        Selection::All => s
            .assets(&AssetQuery::default())?
            .into_iter()
            .map(|r| r.asset)
            .filter(|a| a.status != Status::Disposed)
            .collect(),
        Selection::Since(d) => s.assets_added_since(*d)?,
    };
    assets
        .into_iter()
        .map(|a| {
            Ok(Label {
                modules: code128(&a.tag).map_err(Error::Usage)?,
                category: a.category.as_str().to_string(),
                tag: a.tag,
            })
        })
        .collect()
}

/// Writes a label sheet to `out` (`.pdf` or `.svg`).
pub fn write(ctx: &Ctx, sel: &Selection, layout: Option<Layout>, out: &Path) -> Result<Written> {
    write_with(ctx, sel, layout, out, &|_, _| {})
}

/// [`write`], telling `progress(sheets done, sheets)` while a PDF is drawn.
pub fn write_with(
    ctx: &Ctx,
    sel: &Selection,
    layout: Option<Layout>,
    out: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Written> {
    let layout = layout.unwrap_or(ctx.config.inventory.label_layout);
    let labels = labels_for(ctx, sel)?;
    if labels.is_empty() {
        return Err(Error::Usage(
            "no assets to label; nothing was written".into(),
        ));
    }
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let school = &ctx.config.school.name;
    let bytes = match ext.as_str() {
        "pdf" => render_pdf_with(school, layout, &labels, progress)?,
        "svg" => render_svg(school, layout, &labels).into_bytes(),
        _ => {
            return Err(Error::Usage(format!(
                "{}: write labels to a file ending .pdf or .svg",
                out.display()
            )))
        }
    };
    crate::ops::files::write_private(out, &bytes).map_err(|e| Error::io(out, e))?;
    Ok(Written {
        labels: labels.len(),
        sheets: labels.len().div_ceil(layout.per_sheet()),
        path: out.display().to_string(),
    })
}

/// 1/300 inch in mm: module widths are whole printer dots at 300 dpi, so bars stay crisp.
const DOT_MM: f32 = 25.4 / 300.0;

/// Where things go on one label (mm, from the label's top-left).
struct Plan {
    module: f32,
    bars_x: f32,
    bars_top: f32,
    bars_height: f32,
    name_size_pt: f32,
    name_y: f32,
    text_size_pt: f32,
    text_y: f32,
    pad: f32,
}

fn plan(g: &Geometry, modules: usize) -> Plan {
    let pad = 1.5;
    let total = modules as f32 + 20.0; // 10-module quiet zone each side
    let fit = (g.width - 2.0 * pad) / total;
    let dots = (fit / DOT_MM).floor().clamp(1.0, 5.0);
    let module = dots * DOT_MM;
    let bars_x = (g.width - modules as f32 * module) / 2.0;
    let small = g.height < 30.0;
    let (name_size_pt, text_size_pt) = if small { (5.5, 7.0) } else { (8.0, 10.0) };
    let pt = 25.4 / 72.0;
    let name_y = pad + name_size_pt * pt;
    let text_y = g.height - pad - 0.3;
    let bars_top = name_y + 1.0;
    let bars_height = (text_y - text_size_pt * pt - 1.0) - bars_top;
    Plan {
        module,
        bars_x,
        bars_top,
        bars_height,
        name_size_pt,
        name_y,
        text_size_pt,
        text_y,
        pad,
    }
}

/// Runs of bars: (first module, width in modules).
fn bar_runs(modules: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            out.push((start, i - start));
        } else {
            i += 1;
        }
    }
    out
}

/// Shortens text to about what fits in `width_mm` at `size_pt` (the SVG's estimate; the PDF
/// measures its embedded font: `Fonts::fit`).
fn fit_text(s: &str, width_mm: f32, size_pt: f32) -> String {
    let max = (width_mm / (size_pt * 25.4 / 72.0 * 0.55)).floor() as usize;
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "."
    }
}

/// The label sheets as a PDF (A4 pages, DejaVu Sans embedded as a subset, vector bars).
pub fn render_pdf(school: &str, layout: Layout, labels: &[Label]) -> Result<Vec<u8>> {
    render_pdf_with(school, layout, labels, &|_, _| {})
}

/// [`render_pdf`], telling `progress(sheets done, sheets)` as each sheet is drawn.
pub fn render_pdf_with(
    school: &str,
    layout: Layout,
    labels: &[Label],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<u8>> {
    let g = layout.geometry();
    let per = layout.per_sheet();
    let sheets = labels.len().div_ceil(per).max(1);
    let pt = 72.0 / 25.4;
    let (pw, ph) = (A4_MM.0 * pt, A4_MM.1 * pt);
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let page_ids: Vec<(Ref, Ref)> = (0..sheets).map(|_| (next.bump(), next.bump())).collect();
    let mut fonts = Fonts::new(&mut next)?;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(sheets as i32);
    for (sheet, (page, content_id)) in page_ids.iter().enumerate() {
        progress(sheet + 1, sheets);
        let mut c = Content::new();
        c.set_fill_gray(0.0);
        for (i, l) in labels.iter().enumerate().skip(sheet * per).take(per) {
            let (_, lx, ly) = g.place(i);
            let p = plan(&g, l.modules.len());
            // PDF y grows upwards from the bottom of the page.
            let y = |mm_from_label_top: f32| ph - (ly + mm_from_label_top) * pt;
            for (start, w) in bar_runs(&l.modules) {
                c.rect(
                    (lx + p.bars_x + start as f32 * p.module) * pt,
                    y(p.bars_top + p.bars_height),
                    w as f32 * p.module * pt,
                    p.bars_height * pt,
                );
            }
            c.fill_nonzero();
            let avail = (g.width - 2.0 * p.pad) * pt;
            let x = (lx + p.pad) * pt;
            let name = fonts.fit(Style::Regular, school, p.name_size_pt, avail);
            fonts.show(
                &mut c,
                Style::Regular,
                p.name_size_pt,
                x,
                y(p.name_y),
                &name,
            );
            let words = format!("{}  {}", l.tag, l.category);
            let words = fonts.fit(Style::Regular, &words, p.text_size_pt, avail);
            fonts.show(
                &mut c,
                Style::Regular,
                p.text_size_pt,
                x,
                y(p.text_y),
                &words,
            );
        }
        let data = c.finish();
        let mut pg = pdf.page(*page);
        pg.parent(tree)
            .media_box(Rect::new(0.0, 0.0, pw, ph))
            .contents(*content_id);
        fonts.add_to_page(&mut pg.resources());
        pg.finish();
        pdf.stream(*content_id, &data);
    }
    fonts.write(&mut pdf, &mut next)?;
    Ok(pdf.finish())
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The label sheets as one SVG, sheets one below the other (millimetre units).
pub fn render_svg(school: &str, layout: Layout, labels: &[Label]) -> String {
    let g = layout.geometry();
    let per = layout.per_sheet();
    let sheets = labels.len().div_ceil(per).max(1);
    let h = A4_MM.1 * sheets as f32;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"{h}mm\" viewBox=\"0 0 210 {h}\">\n<rect width=\"210\" height=\"{h}\" fill=\"white\"/>\n"
    );
    let pt = 25.4 / 72.0;
    for (i, l) in labels.iter().enumerate() {
        let (sheet, lx, ly) = g.place(i);
        let ly = ly + sheet as f32 * A4_MM.1;
        let p = plan(&g, l.modules.len());
        s.push_str(&format!("<g transform=\"translate({lx:.3} {ly:.3})\">\n"));
        for (start, w) in bar_runs(&l.modules) {
            s.push_str(&format!(
                "<rect x=\"{:.4}\" y=\"{:.3}\" width=\"{:.4}\" height=\"{:.3}\"/>\n",
                p.bars_x + start as f32 * p.module,
                p.bars_top,
                w as f32 * p.module,
                p.bars_height
            ));
        }
        let avail = g.width - 2.0 * p.pad;
        s.push_str(&format!(
            "<text x=\"{:.3}\" y=\"{:.3}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{:.3}\">{}</text>\n",
            p.pad,
            p.name_y,
            p.name_size_pt * pt,
            xml(&fit_text(school, avail, p.name_size_pt))
        ));
        s.push_str(&format!(
            "<text x=\"{:.3}\" y=\"{:.3}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{:.3}\">{}</text>\n</g>\n",
            p.pad,
            p.text_y,
            p.text_size_pt * pt,
            xml(&fit_text(&format!("{}  {}", l.tag, l.category), avail, p.text_size_pt))
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(tag: &str) -> Label {
        Label {
            tag: tag.into(),
            category: "laptop".into(),
            modules: code128(tag).unwrap(),
        }
    }

    #[test]
    fn pdf_has_one_page_per_sheet() {
        let labels: Vec<Label> = (0..70).map(|i| label(&format!("HA{i:06}"))).collect();
        let pdf = render_pdf("St Example's", Layout::L65, &labels).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/Count 2"), "two sheets");
        let svg = render_svg("A & B", Layout::L21, &labels[..3]);
        assert!(svg.contains("A &amp; B") && svg.contains("HA000002  laptop"));
    }

    #[test]
    fn bars_fit_the_label_at_whole_dots() {
        for layout in [Layout::L65, Layout::L21] {
            let g = layout.geometry();
            let m = code128("IT-LAPTOP-000123").unwrap();
            let p = plan(&g, m.len());
            assert!(p.bars_x >= 10.0 * p.module * 0.99, "{layout:?} quiet zone");
            assert!(
                p.bars_height > 8.0,
                "{layout:?} bar height {}",
                p.bars_height
            );
            assert!(((p.module / DOT_MM) - (p.module / DOT_MM).round()).abs() < 1e-4);
        }
    }
}
