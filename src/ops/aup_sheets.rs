//! Sign-off sheets for acceptable use agreements: one page per form group (more when a group
//! does not fit), each person's name, the agreement's title and version, a signature line and a
//! date line. As PDF (A4, DejaVu Sans embedded: `pdf_font`) or plain text.

use super::aup::StatusRow;
use crate::domain::aup::Signer;
use pdf_writer::{Content, Finish, Pdf, Rect, Ref};

use super::pdf_font::{Fonts, Style};
use crate::error::Result;

/// People per page.
pub const PER_PAGE: usize = 32;

/// One page of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The form group.
    pub form: String,
    /// The agreement's title.
    pub title: String,
    /// The version to sign.
    pub version: String,
    /// Who signs.
    pub signer: Signer,
    /// The names on this page.
    pub names: Vec<String>,
    /// Page n of this form's pages (from 1), and how many.
    pub part: (usize, usize),
}

/// Lays `rows` (those with an agreement) out in pages: by form group and agreement, names in
/// order, at most [`PER_PAGE`] a page. `signer_of` gives each agreement's signer.
pub fn pages(rows: &[StatusRow], signer_of: impl Fn(&str) -> Signer) -> Vec<Page> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<&StatusRow>> =
        Default::default();
    for r in rows {
        if let Some(a) = &r.agreement {
            groups
                .entry((r.form.to_lowercase(), a.clone()))
                .or_default()
                .push(r);
        }
    }
    let mut out = Vec::new();
    for ((_, agreement), mut people) in groups {
        people.sort_by_key(|r| r.name.to_lowercase());
        let n = people.len().div_ceil(PER_PAGE);
        for (i, chunk) in people.chunks(PER_PAGE).enumerate() {
            let first = chunk[0];
            out.push(Page {
                form: first.form.clone(),
                title: first.title.clone().unwrap_or_else(|| agreement.clone()),
                version: first.current_version.clone().unwrap_or_default(),
                signer: signer_of(&agreement),
                names: chunk.iter().map(|r| r.name.clone()).collect(),
                part: (i + 1, n),
            });
        }
    }
    out
}

fn heading(school: &str, p: &Page) -> [String; 3] {
    let part = if p.part.1 > 1 {
        format!(" (page {} of {})", p.part.0, p.part.1)
    } else {
        String::new()
    };
    [
        format!("{school}: acceptable use agreement sign-off"),
        format!("Form: {}{part}", p.form),
        format!("{}, version {}", p.title, p.version),
    ]
}

fn who(p: &Page) -> &'static str {
    match p.signer {
        Signer::Parent => "Signature of parent or carer",
        Signer::Holder => "Signature",
    }
}

/// The pages as plain text, pages separated by a form feed.
pub fn render_text(school: &str, pages: &[Page]) -> String {
    let mut out = String::new();
    for (i, p) in pages.iter().enumerate() {
        if i > 0 {
            out.push('\u{c}');
        }
        for h in heading(school, p) {
            out.push_str(&h);
            out.push('\n');
        }
        out.push_str(
            "I have read the agreement and will follow it. Return this sheet to the school office.\n\n",
        );
        out.push_str(&format!("{:<32} {:<34} {}\n", "Name", who(p), "Date"));
        for n in &p.names {
            out.push_str(&format!(
                "{:<32} {:<34} {}\n\n",
                n,
                "_".repeat(32),
                "__________"
            ));
        }
    }
    out
}

/// The pages as a PDF (A4, one page each; an empty sheet still has one page saying so), in
/// DejaVu Sans embedded as a subset, so every name prints with its own letters.
pub fn render_pdf(school: &str, pages: &[Page]) -> Result<Vec<u8>> {
    let pt = 72.0 / 25.4;
    let (pw, ph) = (210.0 * pt, 297.0 * pt);
    let n = pages.len().max(1);
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let page_ids: Vec<(Ref, Ref)> = (0..n).map(|_| (next.bump(), next.bump())).collect();
    let mut fonts = Fonts::new(&mut next)?;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(n as i32);
    for (i, (page, content_id)) in page_ids.iter().enumerate() {
        let mut c = Content::new();
        // Each piece of text fits before the next column (a long name or school name is drawn
        // smaller, and shortened only past 6 pt).
        let mut text = |c: &mut Content, style: Style, size: f32, x_mm: f32, y_mm: f32, s: &str| {
            let room = match x_mm {
                x if x < 90.0 && y_mm >= 64.0 => (88.0 - x) * pt,
                x => (195.0 - x) * pt,
            };
            let size = fonts.size_to_fit(style, s, size, 6.0, room);
            let s = fonts.fit(style, s, size, room);
            fonts.show(c, style, size, x_mm * pt, ph - y_mm * pt, &s);
        };
        match pages.get(i) {
            None => text(&mut c, Style::Regular, 12.0, 20.0, 30.0, "Nobody to list."),
            Some(p) => {
                let [h1, h2, h3] = heading(school, p);
                text(&mut c, Style::Bold, 14.0, 20.0, 22.0, &h1);
                text(&mut c, Style::Bold, 12.0, 20.0, 30.0, &h2);
                text(&mut c, Style::Regular, 11.0, 20.0, 37.0, &h3);
                text(
                    &mut c,
                    Style::Regular,
                    9.0,
                    20.0,
                    44.0,
                    "I have read the agreement and will follow it. Return this sheet to the school office.",
                );
                text(&mut c, Style::Bold, 10.0, 20.0, 56.0, "Name");
                text(&mut c, Style::Bold, 10.0, 90.0, 56.0, who(p));
                text(&mut c, Style::Bold, 10.0, 160.0, 56.0, "Date");
                c.set_stroke_gray(0.0);
                c.set_line_width(0.5);
                for (k, name) in p.names.iter().enumerate() {
                    let y = 64.0 + k as f32 * 7.0;
                    text(&mut c, Style::Regular, 10.0, 20.0, y, name);
                    for (x0, x1) in [(90.0, 155.0), (160.0, 190.0)] {
                        c.move_to(x0 * pt, ph - (y + 1.0) * pt);
                        c.line_to(x1 * pt, ph - (y + 1.0) * pt);
                    }
                    c.stroke();
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aup::Status;

    fn row(name: &str, form: &str) -> StatusRow {
        StatusRow {
            username: name.to_lowercase(),
            name: name.into(),
            role: Some("pupil".into()),
            form: form.into(),
            mis_id: None,
            enabled: true,
            held: false,
            agreement: Some("pupil".into()),
            title: Some("Pupil AUP".into()),
            version_signed: None,
            current_version: Some("2026".into()),
            signed_on: None,
            status: Status::Missing,
        }
    }

    #[test]
    fn one_page_per_form_and_more_when_it_does_not_fit() {
        let mut rows: Vec<StatusRow> = (0..40).map(|i| row(&format!("P{i:02}"), "7A")).collect();
        rows.push(row("Zed", "7B"));
        let mut none = row("Nobody", "Staff");
        none.agreement = None;
        rows.push(none);
        let p = pages(&rows, |_| Signer::Parent);
        assert_eq!(p.len(), 3);
        assert_eq!((p[0].form.as_str(), p[0].part), ("7A", (1, 2)));
        assert_eq!(p[1].names.len(), 40 - PER_PAGE);
        assert_eq!(p[2].names, ["Zed"]);
        let t = render_text("Test School", &p);
        assert_eq!(t.matches('\u{c}').count(), 2);
        assert!(
            t.contains("Signature of parent or carer") && t.contains("Pupil AUP, version 2026")
        );
        let pdf = render_pdf("Test School", &p).unwrap();
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 3"));
    }

    /// Names outside Latin-1 come back from the PDF exactly (they lost their letters under
    /// Helvetica/WinAnsi): poppler's pdftotext reads the embedded font's ToUnicode map.
    #[test]
    fn pdftotext_gives_every_name_back_exactly() {
        let names = [
            "Łukasz Wójcik",
            "Şenol Yılmaz",
            "Nguyễn Thị",
            "Zoë Ó Súilleabháin",
        ];
        let rows: Vec<StatusRow> = names.iter().map(|n| row(n, "7Ł")).collect();
        let p = pages(&rows, |_| Signer::Parent);
        let pdf = render_pdf("Ysgol Gymraeg Aberystwyth – Ŵ", &p).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheet.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils; scripts/install-deps.sh installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for n in names {
            assert!(text.contains(n), "{n} missing from:\n{text}");
        }
        assert!(
            text.contains("Ysgol Gymraeg Aberystwyth – Ŵ") && text.contains("Form: 7Ł"),
            "{text}"
        );
    }
}
