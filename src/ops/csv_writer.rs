//! The one CSV writer: every `--format csv` and every CSV export goes through it, so that no
//! cell from outside is run by a spreadsheet (see [`crate::domain::text::csv_cell`]: a cell
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`).
//! The header row is the program's own and is written as it is.

use crate::domain::text::csv_cell;
use serde::Serialize;
use std::io::{self, Write};

/// An I/O error as itself (a closed pipe stays a closed pipe), anything else as "other".
fn io_of(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        k => io::Error::other(format!("{k:?}")),
    }
}

/// A CSV writer whose data rows are neutralised.
pub struct CsvOut<W: Write>(csv::Writer<W>);

impl<W: Write> CsvOut<W> {
    /// Writes to `w`.
    pub fn new(w: W) -> Self {
        CsvOut(csv::Writer::from_writer(w))
    }

    /// The header row (the program's own column names), as given.
    pub fn header<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| c.as_ref().to_string()).collect();
        self.0.write_record(&cells).map_err(io_of)
    }

    /// One data row, each cell neutralised.
    pub fn row<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| csv_cell(c.as_ref()).into_owned())
            .collect();
        self.0.write_record(&cells).map_err(io_of)
    }

    /// Flushes and gives back the writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.0
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }

    /// Flushes.
    pub fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Writes serialisable rows with a header row (the field names), every data cell neutralised.
pub fn serialize<W: Write, T: Serialize>(w: W, rows: &[T]) -> io::Result<W> {
    // The csv crate writes the header from the first row's field names; the rows are written
    // once to memory and read back as records so each cell can be neutralised.
    let mut plain = csv::Writer::from_writer(Vec::new());
    for r in rows {
        plain.serialize(r).map_err(io_of)?;
    }
    let bytes = plain.into_inner().map_err(|e| e.into_error())?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut out = CsvOut::new(w);
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(io_of)?;
        if i == 0 {
            out.header(rec.iter())?;
        } else {
            out.row(rec.iter())?;
        }
    }
    out.into_inner()
}

/// Rows as CSV text with a header row, every data cell neutralised.
pub fn to_string<T: Serialize>(rows: &[T]) -> io::Result<String> {
    let bytes = serialize(Vec::new(), rows)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        tag: &'static str,
        note: &'static str,
        count: i64,
    }

    #[test]
    fn formulas_go_out_as_text_and_the_header_as_is() {
        let t = to_string(&[
            Row {
                tag: "A1",
                note: "=HYPERLINK(\"http://x\")",
                count: -5,
            },
            Row {
                tag: "@A2",
                note: "=cmd|' /C calc'!A0",
                count: 3,
            },
        ])
        .unwrap();
        assert_eq!(
            t,
            "tag,note,count\nA1,\"'=HYPERLINK(\"\"http://x\"\")\",'-5\n'@A2,'=cmd|' /C calc'!A0,3\n"
        );
        let mut c = CsvOut::new(Vec::new());
        c.header(["=a"]).unwrap();
        c.row(["+1"]).unwrap();
        assert_eq!(
            String::from_utf8(c.into_inner().unwrap()).unwrap(),
            "=a\n'+1\n"
        );
    }
}
