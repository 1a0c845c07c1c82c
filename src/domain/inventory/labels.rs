//! Asset label sheets: the two common A4 layouts and the Code 128 barcode of a tag.

use serde::{Deserialize, Serialize};

/// A4 in millimetres.
pub const A4_MM: (f32, f32) = (210.0, 297.0);

/// An A4 sheet of labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Layout {
    /// 65 per sheet, 38.1 × 21.2 mm, 5 across × 13 down (Avery L7651 and its like).
    #[default]
    #[serde(rename = "65")]
    L65,
    /// 21 per sheet, 63.5 × 38.1 mm, 3 across × 7 down (Avery L7160 and its like).
    #[serde(rename = "21")]
    L21,
}

/// Where labels sit on the sheet (millimetres from the top-left corner).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Labels across.
    pub cols: usize,
    /// Labels down.
    pub rows: usize,
    /// Label width.
    pub width: f32,
    /// Label height.
    pub height: f32,
    /// Left margin to the first label.
    pub left: f32,
    /// Top margin to the first label.
    pub top: f32,
    /// Distance from one label's left edge to the next.
    pub pitch_x: f32,
    /// Distance from one label's top edge to the next.
    pub pitch_y: f32,
}

impl Layout {
    /// Reads `65` or `21`.
    pub fn parse(s: &str) -> Result<Layout, String> {
        match s.trim() {
            "65" => Ok(Layout::L65),
            "21" => Ok(Layout::L21),
            _ => Err(format!(
                "\"{s}\" is not a label layout; use 65 (38.1 × 21.2 mm) or 21 (63.5 × 38.1 mm) per sheet"
            )),
        }
    }

    /// The sheet's geometry.
    pub fn geometry(self) -> Geometry {
        match self {
            Layout::L65 => Geometry {
                cols: 5,
                rows: 13,
                width: 38.1,
                height: 21.2,
                left: 4.75,
                top: 10.7,
                pitch_x: 40.6,
                pitch_y: 21.2,
            },
            Layout::L21 => Geometry {
                cols: 3,
                rows: 7,
                width: 63.5,
                height: 38.1,
                left: 7.25,
                top: 15.15,
                pitch_x: 66.0,
                pitch_y: 38.1,
            },
        }
    }

    /// Labels on one sheet.
    pub fn per_sheet(self) -> usize {
        let g = self.geometry();
        g.cols * g.rows
    }
}

impl Geometry {
    /// The top-left corner of label `i` (0-based, across then down) on its sheet, and the sheet.
    pub fn place(&self, i: usize) -> (usize, f32, f32) {
        let per = self.cols * self.rows;
        let (sheet, n) = (i / per, i % per);
        let (r, c) = (n / self.cols, n % self.cols);
        (
            sheet,
            self.left + c as f32 * self.pitch_x,
            self.top + r as f32 * self.pitch_y,
        )
    }
}

/// The Code 128 modules (1 = bar, 0 = space) of `tag`, start to stop, without quiet zones. Runs of
/// four or more digits use code set C (two digits a symbol) so labels stay short enough to scan.
pub fn code128(tag: &str) -> Result<Vec<u8>, String> {
    if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err(format!(
            "\"{tag}\" cannot go in a Code 128 label (printable ASCII only)"
        ));
    }
    let data = code128_sets(tag);
    barcoders::sym::code128::Code128::new(&data)
        .map(|b| b.encode())
        .map_err(|e| format!("\"{tag}\" cannot be encoded as Code 128: {e}"))
}

/// The tag with barcoders' code-set switches (`Ɓ` set B, `Ć` set C) put in.
fn code128_sets(tag: &str) -> String {
    const B: char = '\u{0181}';
    const C: char = '\u{0106}';
    let chars: Vec<char> = tag.chars().collect();
    let mut out = String::new();
    let mut set: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        // Set C pays off for 4+ digits (or a tag of digits only); an odd run keeps its first
        // digit in set B.
        if run >= 4 || (run >= 2 && run == chars.len()) {
            if run % 2 == 1 {
                if set != Some(B) {
                    out.push(B);
                    set = Some(B);
                }
                out.push(chars[i]);
                i += 1;
            }
            let even = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count() / 2 * 2;
            if set != Some(C) {
                out.push(C);
                set = Some(C);
            }
            out.extend(&chars[i..i + even]);
            i += even;
        } else {
            if set != Some(B) {
                out.push(B);
                set = Some(B);
            }
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Code 128 symbols as bar/space widths (ISO/IEC 15417 table), values 0–106 (106 = stop,
    /// 7 widths with the final bar). Independent of the encoder crate's own table.
    const WIDTHS: [&str; 107] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
        "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
        "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
        "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
        "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
        "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
        "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
        "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
        "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
        "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
        "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ];

    /// Decodes modules back to text (sets B and C), checking the check symbol.
    fn decode(modules: &[u8]) -> String {
        let mut runs: Vec<usize> = Vec::new();
        let mut last = 2u8;
        for &m in modules {
            if m == last {
                *runs.last_mut().unwrap() += 1;
            } else {
                runs.push(1);
                last = m;
            }
        }
        let widths: String = runs.iter().map(|r| r.to_string()).collect();
        let mut values = Vec::new();
        let mut i = 0;
        while i < widths.len() {
            let take = if widths.len() - i == 7 { 7 } else { 6 };
            let sym = &widths[i..i + take];
            values.push(WIDTHS.iter().position(|w| *w == sym).expect("known symbol"));
            i += take;
        }
        assert_eq!(values.pop(), Some(106), "stop");
        let check = values.pop().unwrap();
        let sum: usize = values[0]
            + values[1..]
                .iter()
                .enumerate()
                .map(|(k, v)| (k + 1) * v)
                .sum::<usize>();
        assert_eq!(sum % 103, check, "check symbol");
        let mut set = match values[0] {
            104 => 'B',
            105 => 'C',
            v => panic!("start {v}"),
        };
        let mut out = String::new();
        for &v in &values[1..] {
            match (set, v) {
                (_, 99) => set = 'C',
                (_, 100) if set == 'C' => set = 'B',
                ('B', v) => out.push((v as u8 + 32) as char),
                ('C', v) => out.push_str(&format!("{v:02}")),
                _ => unreachable!(),
            }
        }
        out
    }

    #[test]
    fn barcode_decodes_back_to_the_tag() {
        for tag in [
            "HA000011",
            "HA001234",
            "IT-LAP-0042",
            "A1",
            "12345",
            "2026/07/X9",
            "x_y.z-1",
        ] {
            let m = code128(tag).unwrap();
            assert_eq!(decode(&m), tag, "{tag}");
        }
    }

    #[test]
    fn digit_runs_use_set_c() {
        assert_eq!(code128_sets("HA000011"), "\u{181}HA\u{106}000011");
        assert_eq!(code128_sets("HA00011"), "\u{181}HA0\u{106}0011");
        assert_eq!(code128_sets("AB12C"), "\u{181}AB12C");
        // "HA000011": start + H A + code C + 3 pairs + check = 8 symbols of 11, + stop 13
        assert_eq!(code128("HA000011").unwrap().len(), 8 * 11 + 13);
    }

    #[test]
    fn known_value() {
        // Start B (104) "H"(40) "A"(33) Code C (99) 00 00 11; check (104+40+66+297+0+0+77) % 103 = 69
        let m = code128("HA000011").unwrap();
        let s: String = m.iter().map(|b| char::from(b'0' + b)).collect();
        assert!(s.starts_with("11010010000"), "{s}"); // start B
        assert!(s.ends_with("1100011101011"), "{s}"); // stop
    }

    #[test]
    fn layouts() {
        assert_eq!(Layout::L65.per_sheet(), 65);
        assert_eq!(Layout::L21.per_sheet(), 21);
        for l in [Layout::L65, Layout::L21] {
            let g = l.geometry();
            let (_, x, y) = g.place(l.per_sheet() - 1);
            assert!(
                x + g.width <= A4_MM.0 && y + g.height <= A4_MM.1,
                "{l:?} fits A4"
            );
        }
        assert_eq!(Layout::L65.geometry().place(65).0, 1);
        assert!(Layout::parse("30").is_err());
    }
}
