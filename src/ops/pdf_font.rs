//! Text in PDFs that prints every name: DejaVu Sans (regular and bold, bundled from Debian's
//! fonts-dejavu-core with its licence in `fonts/LICENSE-DejaVu`, so the binary needs no font
//! package at run time), embedded as a subset per document (only the glyphs used) as a
//! Type0/CIDFontType2 font with a ToUnicode map, so `pdftotext` and copy-paste give the names
//! back exactly. Used by the sign-off sheets, the asset labels and the password slips.
//!
//! Use: reserve the fonts' object ids first ([`Fonts::new`]), draw with [`Fonts::show`] (or
//! [`Fonts::encode`] for your own text operators), pair the fonts in each page's resources
//! ([`Fonts::add_to_page`]), then write them once at the end ([`Fonts::write`]), when the
//! document's glyphs are known.

use std::collections::HashMap;
use std::path::PathBuf;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::writers::Resources;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use crate::error::{Error, Result};

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The weight of a piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

impl Style {
    fn index(self) -> usize {
        match self {
            Style::Regular => 0,
            Style::Bold => 1,
        }
    }
}

/// One bundled face and the glyphs this document has used from it.
struct Face {
    data: &'static [u8],
    file: &'static str,
    postscript: &'static str,
    resource: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// The Type0 font's object, reserved before the pages are written.
    id: Ref,
    /// Original glyph id → the subset's glyph id, which is also the CID in the content.
    remap: GlyphRemapper,
    /// For each CID (index), the text it stands for (ToUnicode) and its advance (1/1000 em).
    cids: Vec<(String, f32)>,
    /// Glyph for each character met so far (`None`: the font lacks it).
    by_char: HashMap<char, Option<u16>>,
}

fn font_error(file: &str, detail: impl std::fmt::Display) -> Error {
    Error::Io {
        path: PathBuf::from(format!("fonts/{file} (built into schooltech)")),
        source: std::io::Error::other(format!(
            "{detail}; this is a bug in schooltech's build, please report it"
        )),
    }
}

impl Face {
    fn load(
        data: &'static [u8],
        file: &'static str,
        postscript: &'static str,
        resource: &'static [u8],
        id: Ref,
    ) -> Result<Self> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| font_error(file, e))?;
        let notdef = face.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(0);
        let upem = f32::from(face.units_per_em().max(1));
        Ok(Face {
            data,
            file,
            postscript,
            resource,
            id,
            remap: GlyphRemapper::new(),
            cids: vec![(String::new(), f32::from(notdef) * 1000.0 / upem)],
            by_char: HashMap::new(),
            face,
        })
    }

    fn upem(&self) -> f32 {
        f32::from(self.face.units_per_em().max(1))
    }

    fn glyph(&mut self, c: char) -> Option<u16> {
        if let Some(g) = self.by_char.get(&c) {
            return *g;
        }
        let g = self.face.glyph_index(c).map(|g| g.0).filter(|g| *g != 0);
        self.by_char.insert(c, g);
        g
    }

    /// The characters that stand for `c`: itself when the font has it, else the letter
    /// without its accent, else `?` (never a blank or a missing-glyph box).
    fn printable(&mut self, c: char) -> Vec<(char, u16)> {
        if let Some(g) = self.glyph(c) {
            return vec![(c, g)];
        }
        let plain = crate::domain::username::fold(&c.to_string());
        let plain = if c.is_uppercase() {
            plain.to_uppercase()
        } else {
            plain
        };
        let mut out = Vec::new();
        for p in plain.chars() {
            match self.glyph(p) {
                Some(g) => out.push((p, g)),
                None => return self.question(),
            }
        }
        if out.is_empty() {
            return self.question();
        }
        out
    }

    fn question(&mut self) -> Vec<(char, u16)> {
        self.glyph('?').map(|g| vec![('?', g)]).unwrap_or_default()
    }

    fn advance(&self, gid: u16) -> f32 {
        let units = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        f32::from(units) * 1000.0 / self.upem()
    }

    fn encode(&mut self, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * s.len());
        for c in s.chars() {
            for (shown, gid) in self.printable(c) {
                let cid = self.remap.remap(gid);
                if usize::from(cid) == self.cids.len() {
                    let w = self.advance(gid);
                    self.cids.push((shown.to_string(), w));
                }
                out.extend_from_slice(&cid.to_be_bytes());
            }
        }
        out
    }

    /// Width of `s` in 1/1000 em (what [`Face::encode`] would draw).
    fn width(&self, s: &str) -> f32 {
        let mut w = 0.0;
        for c in s.chars() {
            let gid = self
                .face
                .glyph_index(c)
                .or_else(|| self.face.glyph_index('?'))
                .map_or(0, |g| g.0);
            w += self.advance(gid);
        }
        w
    }

    fn used(&self) -> bool {
        self.cids.len() > 1
    }

    fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Result<()> {
        let subset = subsetter::subset(self.data, 0, &self.remap)
            .map_err(|e| font_error(self.file, format!("cannot subset the font: {e}")))?;
        // The subset's tag: six capitals that name this set of glyphs (PDF 32000 9.6.4).
        let mut hash = Sha256::new();
        for g in self.remap.remapped_gids() {
            hash.update(g.to_be_bytes());
        }
        let tag: String = hash
            .finalize()
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let base = format!("{tag}+{}", self.postscript);
        let cid_id = next.bump();
        let descriptor = next.bump();
        let cmap_id = next.bump();
        let file_id = next.bump();
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(self.id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);

        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths()
            .consecutive(0, self.cids.iter().map(|(_, w)| *w));
        cid.finish();

        let scale = 1000.0 / self.upem();
        let bbox = self.face.global_bounding_box();
        let weight = self.face.weight().to_number();
        let mut flags = FontFlags::SYMBOLIC;
        if self.face.is_monospaced() {
            flags |= FontFlags::FIXED_PITCH;
        }
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * scale)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(
                f32::from(self.face.capital_height().unwrap_or(self.face.ascender())) * scale,
            )
            .stem_v(10.0 + 0.244 * (f32::from(weight) - 50.0))
            .font_file2(file_id);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
        for (cid, (text, _)) in self.cids.iter().enumerate().skip(1) {
            if let Ok(cid) = u16::try_from(cid) {
                cmap.pair_with_multiple(cid, text.chars());
            }
        }
        pdf.cmap(cmap_id, &cmap.finish());
        pdf.stream(file_id, &subset).pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
        Ok(())
    }
}

/// The document's fonts: DejaVu Sans and DejaVu Sans Bold, each subset to what was drawn.
pub struct Fonts {
    faces: [Face; 2],
}

impl Fonts {
    /// Loads the bundled faces and reserves their font objects' ids from `next`.
    pub fn new(next: &mut Ref) -> Result<Self> {
        let regular = Face::load(REGULAR, "DejaVuSans.ttf", "DejaVuSans", b"F1", next.bump())?;
        let bold = Face::load(
            BOLD,
            "DejaVuSans-Bold.ttf",
            "DejaVuSans-Bold",
            b"F2",
            next.bump(),
        )?;
        Ok(Fonts {
            faces: [regular, bold],
        })
    }

    fn face(&self, style: Style) -> &Face {
        &self.faces[style.index()]
    }

    /// The resource name to use with `set_font` (pair it with [`Fonts::add_to_page`]).
    pub fn name(&self, style: Style) -> Name<'static> {
        Name(self.face(style).resource)
    }

    /// `s` as the content stream's bytes for `show` in `style` (two bytes a glyph); records the
    /// glyphs for the subset. A letter the font lacks is drawn without its accent, or as `?`.
    pub fn encode(&mut self, style: Style, s: &str) -> Vec<u8> {
        self.faces[style.index()].encode(s)
    }

    /// Width of `s` in points at `size_pt`.
    pub fn width_pt(&self, style: Style, s: &str, size_pt: f32) -> f32 {
        self.face(style).width(s) * size_pt / 1000.0
    }

    /// The size at most `size_pt` at which `s` fits in `width_pt` (never below `min_pt`: past
    /// that, [`Fonts::fit`] shortens it).
    pub fn size_to_fit(
        &self,
        style: Style,
        s: &str,
        size_pt: f32,
        min_pt: f32,
        width_pt: f32,
    ) -> f32 {
        let w = self.width_pt(style, s, size_pt);
        if w <= width_pt || w <= 0.0 {
            size_pt
        } else {
            (size_pt * width_pt / w).max(min_pt)
        }
    }

    /// `s`, or its start and "." when it is wider than `width_pt` at `size_pt`.
    pub fn fit(&self, style: Style, s: &str, size_pt: f32, width_pt: f32) -> String {
        if self.width_pt(style, s, size_pt) <= width_pt {
            return s.to_string();
        }
        let mut out: String = s.to_string();
        while !out.is_empty() {
            out.pop();
            let candidate = format!("{}.", out.trim_end());
            if self.width_pt(style, &candidate, size_pt) <= width_pt {
                return candidate;
            }
        }
        String::new()
    }

    /// Draws one line of text with its baseline's start at (`x_pt`, `y_pt`) (PDF coordinates,
    /// from the page's bottom left).
    pub fn show(
        &mut self,
        c: &mut Content,
        style: Style,
        size_pt: f32,
        x_pt: f32,
        y_pt: f32,
        s: &str,
    ) {
        let bytes = self.encode(style, s);
        c.begin_text();
        c.set_font(self.name(style), size_pt);
        c.next_line(x_pt, y_pt);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Names the fonts in a page's resources (call it after drawing the page's content; a
    /// style not drawn yet in the document is left out).
    pub fn add_to_page(&self, resources: &mut Resources) {
        let mut fonts = resources.fonts();
        for f in self.faces.iter().filter(|f| f.used()) {
            fonts.pair(Name(f.resource), f.id);
        }
    }

    /// Writes the fonts drawn with (subset, with their widths and ToUnicode maps), taking the
    /// further object ids from `next`. Call once, after every page.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Result<()> {
        for f in self.faces.iter().filter(|f| f.used()) {
            f.write(pdf, next)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_latin1_get_their_own_glyphs_and_widths() {
        let mut next = Ref::new(1);
        let mut f = Fonts::new(&mut next).unwrap();
        let a = f.encode(Style::Regular, "Łukasz Wójcik");
        assert_eq!(a.len(), 2 * "Łukasz Wójcik".chars().count());
        // A letter used twice is one glyph in the subset.
        let b = f.encode(Style::Regular, "ŁŁ");
        assert_eq!(b[0..2], b[2..4]);
        assert_eq!(b[0..2], a[0..2]);
        let face = f.face(Style::Regular);
        assert!(face
            .cids
            .iter()
            .any(|(t, w)| t == "Ł" && *w > 400.0 && *w < 800.0));
        assert!(
            f.width_pt(Style::Bold, "Wójcik", 10.0) > f.width_pt(Style::Regular, "Wójcik", 10.0)
        );
        // Not in DejaVu Sans: shown as '?' rather than a box.
        let q = f.encode(Style::Regular, "\u{4E2D}");
        assert_eq!(q.len(), 2);
        assert_eq!(face_text(&f, &q), "?");
        let fit = f.fit(Style::Regular, "Nguyễn Thị Minh Khai", 10.0, 40.0);
        assert!(fit.starts_with("Nguy") && fit.ends_with('.'), "{fit}");
        assert!(f.width_pt(Style::Regular, &fit, 10.0) <= 40.0);
        assert_eq!(f.fit(Style::Regular, "Nguyễn", 10.0, 400.0), "Nguyễn");
    }

    fn face_text(f: &Fonts, bytes: &[u8]) -> String {
        bytes
            .chunks(2)
            .map(|c| {
                f.face(Style::Regular).cids[usize::from(u16::from_be_bytes([c[0], c[1]]))]
                    .0
                    .clone()
            })
            .collect()
    }

    #[test]
    fn the_document_embeds_a_subset_with_a_tounicode_map() {
        let mut next = Ref::new(1);
        let catalog = next.bump();
        let tree = next.bump();
        let page = next.bump();
        let content = next.bump();
        let mut f = Fonts::new(&mut next).unwrap();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids([page]).count(1);
        let mut c = Content::new();
        f.show(&mut c, Style::Bold, 12.0, 50.0, 700.0, "Şenol Yılmaz");
        f.show(&mut c, Style::Regular, 12.0, 50.0, 680.0, "Nguyễn Thị");
        let mut pg = pdf.page(page);
        pg.parent(tree)
            .media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
            .contents(content);
        f.add_to_page(&mut pg.resources());
        pg.finish();
        pdf.stream(content, &c.finish());
        f.write(&mut pdf, &mut next).unwrap();
        let bytes = pdf.finish();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/CIDFontType2") && text.contains("/ToUnicode"));
        assert!(text.contains("+DejaVuSans-Bold") && text.contains("+DejaVuSans\n"));
        // ToUnicode: Ş is U+015E, ı U+0131, ễ U+1EC5.
        assert!(text.contains("<015E>") && text.contains("<0131>") && text.contains("<1EC5>"));
        // A subset, not the whole 700 KB face.
        assert!(bytes.len() < 120_000, "{} bytes", bytes.len());
    }
}
