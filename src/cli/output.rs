//! Tables, CSV and JSON for the command line. Writes go through one buffered stdout; a closed
//! pipe (`| head`) ends output quietly.

use super::Format;
use crate::domain::account::Account;
use crate::domain::text;
use crate::domain::time::{days_between, uk_date};
use crate::error::{Error, Result};
use crate::ops::ActionEntry;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

fn io_err(e: io::Error) -> Error {
    Error::io("standard output", e)
}

/// Set once stdout is found closed (`| head`): later output is dropped quietly.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// What a command with `--out FILE` has written so far, instead of stdout ([`OutFile`]).
static CAPTURE: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);

/// Runs `f` on the capture when one is on; false when there is none (write to stdout).
fn captured(f: impl FnOnce(&mut Vec<u8>)) -> bool {
    match CAPTURE.lock() {
        Ok(mut g) => match g.as_mut() {
            Some(buf) => {
                f(buf);
                true
            }
            None => false,
        },
        Err(_) => false,
    }
}

/// `--out FILE`: what the command prints to stdout goes into FILE instead, written only when
/// the command finished ([`OutFile::commit`]): a temporary file beside it, synced, renamed
/// ([`crate::ops::files::write_private`]). When the command fails first, the capture is
/// dropped and the old file stays as it was, byte for byte. `None`: stdout as usual.
pub struct OutFile {
    path: Option<std::path::PathBuf>,
}

impl OutFile {
    /// Starts capturing stdout for `path` (nothing when `None`).
    pub fn start(path: Option<&std::path::Path>) -> OutFile {
        if path.is_some() {
            if let Ok(mut g) = CAPTURE.lock() {
                *g = Some(Vec::new());
            }
        }
        OutFile {
            path: path.map(|p| p.to_path_buf()),
        }
    }

    /// Writes what was captured to the file, atomically; says where on stderr.
    pub fn commit(mut self) -> Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let bytes = CAPTURE
            .lock()
            .ok()
            .and_then(|mut g| g.take())
            .unwrap_or_default();
        crate::ops::files::write_private(&path, &bytes).map_err(|e| crate::Error::io(&path, e))?;
        err_line(&format!("wrote {}", path.display()));
        Ok(())
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if self.path.is_some() {
            if let Ok(mut g) = CAPTURE.lock() {
                *g = None;
            }
        }
    }
}

fn broken(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        true
    } else {
        false
    }
}

/// Runs `f` with buffered stdout; a broken pipe is not an error (the rest of the output is
/// dropped and the command finishes its work). Everything written passes through
/// [`Visible`], so no control character or escape sequence reaches the terminal.
pub fn with_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut res = Ok(());
    let mut f = Some(f);
    if captured(|buf| {
        let mut w = Visible::new(buf);
        if let Some(f) = f.take() {
            res = f(&mut w).and_then(|_| w.flush());
        }
    }) {
        return res.map_err(io_err);
    }
    let Some(f) = f else { return Ok(()) };
    if closed() {
        return Ok(());
    }
    let stdout = io::stdout();
    let mut w = Visible::new(io::BufWriter::with_capacity(1 << 16, stdout.lock()));
    match f(&mut w).and_then(|_| w.flush()) {
        Err(e) if broken(&e) => Ok(()),
        other => other.map_err(io_err),
    }
}

/// [`with_stdout`] without the [`Visible`] layer, for a table that adds its own colour to lines
/// it has cleaned itself (every value through [`clean`] or [`wln!`]).
pub fn with_stdout_styled(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    if CAPTURE.lock().is_ok_and(|g| g.is_some()) {
        // A file gets no colour.
        return with_stdout(f);
    }
    if closed() {
        return Ok(());
    }
    let stdout = io::stdout();
    let mut w = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match f(&mut w).and_then(|_| w.flush()) {
        Err(e) if broken(&e) => Ok(()),
        other => other.map_err(io_err),
    }
}

/// The writer under every CLI output: characters that would act on a terminal (see
/// [`text::is_unsafe`]) are written as `\uNNNN`, which is also how JSON writes them, so a JSON
/// document keeps its meaning; newlines and tabs pass. The last line of defence: tables and
/// lines clean each value with [`clean`] first, newlines included.
pub struct Visible<W: Write>(pub W, Vec<u8>);

impl<W: Write> Visible<W> {
    /// Wraps `w`.
    pub fn new(w: W) -> Self {
        Visible(w, Vec::new())
    }

    fn put(&mut self, text: &str) -> io::Result<()> {
        let bad = |c: char| text::is_unsafe(c) && c != '\n' && c != '\t';
        if !text.chars().any(bad) {
            return self.0.write_all(text.as_bytes());
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            if bad(c) {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push(c);
            }
        }
        self.0.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A character cut between two writes waits for its other half.
        self.1.extend_from_slice(buf);
        let mut bytes = std::mem::take(&mut self.1);
        let mut at = 0;
        while at < bytes.len() {
            match std::str::from_utf8(&bytes[at..]) {
                Ok(t) => {
                    self.put(t)?;
                    at = bytes.len();
                }
                Err(e) => {
                    let good = at + e.valid_up_to();
                    // The prefix is valid UTF-8 by `valid_up_to`.
                    self.put(std::str::from_utf8(&bytes[at..good]).unwrap_or_default())?;
                    match e.error_len() {
                        Some(n) => {
                            // Not UTF-8 (a lone 0x9b could still be read as CSI): shown.
                            for b in &bytes[good..good + n] {
                                write!(self.0, "\\x{b:02x}")?;
                            }
                            at = good + n;
                        }
                        None => {
                            self.1 = bytes.split_off(good);
                            at = bytes.len();
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.1);
        self.0.write_all(&rest)?;
        self.0.flush()
    }
}

/// Writes one line to stdout, [`clean`]ed whole: a newline inside the text is shown as `\x0a`,
/// so a value can never make a line of its own. Use through `outln!`. A closed stdout is not
/// an error.
pub fn out_line(s: &str) {
    if captured(|buf| {
        buf.extend_from_slice(clean(s).as_bytes());
        buf.push(b'\n');
    }) {
        return;
    }
    if closed() {
        return;
    }
    let mut w = io::stdout().lock();
    if let Err(e) = writeln!(w, "{}", clean(s)) {
        broken(&e);
    }
}

/// Writes one line to stderr, [`clean`]ed whole (notes, warnings, `error:` messages). Use
/// through `errln!`.
pub fn err_line(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", clean(s));
}

/// Writes an `error:` message to stderr: a message may go on over indented lines (a list of
/// bad rows), so a newline followed by a space starts a line; every other newline, and every
/// control character, is shown ([`clean`]). Outside text can thus never start a line of its
/// own at the margin (`error: …`).
pub fn err_message(s: &str) {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str(if part.starts_with(' ') { "\n" } else { "\\x0a" });
        }
        out.push_str(&clean(part));
    }
    let _ = writeln!(io::stderr().lock(), "{out}");
}

/// Reports an error that ends the run and returns the process exit code (`Error::exit_code`,
/// the one mapping). A dry run's stop is said as such (exit 0). With `json`, the error is also
/// one JSON object on stderr: `{"error": {"code": N, "kind": "...", "message": "..."}}`.
pub fn report_error(e: &crate::Error, json: bool) -> i32 {
    let code = e.exit_code();
    let text = e.to_string();
    if let crate::Error::DryRun(_) = e {
        err_message(&text);
    } else {
        // The message may carry a value from outside (a CSV cell, a name): cleaned.
        err_message(&format!("error: {text}"));
    }
    if json {
        let obj = serde_json::json!({
            "error": { "code": code, "kind": e.kind(), "message": text }
        });
        // serde_json escapes every control character: nothing in it acts on the terminal.
        let _ = writeln!(io::stderr().lock(), "{obj}");
    }
    code
}

/// Writes text without a newline to stderr (progress, prompts), [`clean`]ed except for a
/// leading carriage return that rewinds a progress line.
pub fn err_text(s: &str) {
    let (cr, rest) = match s.strip_prefix('\r') {
        Some(r) => ("\r", r),
        None => ("", s),
    };
    let mut e = io::stderr().lock();
    let _ = write!(e, "{cr}{}", clean(rest)).and_then(|_| e.flush());
}

/// Writes text without a newline to stdout, [`clean`]ed (a prompt before an answer).
pub fn out_text(s: &str) {
    if captured(|buf| buf.extend_from_slice(clean(s).as_bytes())) {
        return;
    }
    if closed() {
        return;
    }
    let mut w = io::stdout().lock();
    if let Err(e) = write!(w, "{}", clean(s)).and_then(|_| w.flush()) {
        broken(&e);
    }
}

/// Writes one line into `w`, [`clean`]ed whole (a newline inside shown as `\x0a`). Use through
/// `wln!(w, ...)` inside [`with_stdout`].
pub fn write_line(w: &mut dyn Write, s: &str) -> io::Result<()> {
    writeln!(w, "{}", clean(s))
}

/// Makes a string from the directory (or any outside source) safe to print on a terminal:
/// control characters (C0, DEL, C1: a terminal escape sequence starts with one), the
/// bidirectional overrides and zero-width characters are shown escaped (`\x1b`, `\u{202e}`)
/// instead of acting. The one function: [`text::visible`].
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    text::visible(s)
}

/// Writes rows as aligned columns (by display width), header first. Cells are [`clean`]ed.
pub fn write_table(w: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(wd) = widths.get_mut(i) {
                *wd = (*wd).max(clean(c).width()).min(40);
            }
        }
    }
    let line = |w: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        let mut out = String::new();
        for (i, c) in cells.enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            let shown = truncate(&clean(c), width);
            out.push_str(&shown);
            if i + 1 < widths.len() {
                out.push_str(&" ".repeat(width.saturating_sub(shown.width()) + 2));
            }
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, &mut header.iter().copied())?;
    for r in rows {
        line(w, &mut r.iter().map(String::as_str))?;
    }
    Ok(())
}

/// Shortens text to a display width, ending with "…" when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Writes serialisable rows as CSV with a header row, through the one CSV writer (formula
/// cells neutralised: [`crate::ops::csv_writer`]).
pub fn write_csv<T: Serialize>(w: &mut dyn Write, rows: &[T]) -> io::Result<()> {
    crate::ops::csv_writer::serialize(w, rows)?.flush()
}

/// Writes a JSON array.
pub fn write_json<T: Serialize>(w: &mut dyn Write, rows: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, rows).map_err(io::Error::from)?;
    writeln!(w)
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(uk_date).unwrap_or_else(|| "never".into())
}

fn rfc(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One account as a flat CSV row (same names as the JSON keys).
#[derive(Serialize)]
struct AccountRow<'a> {
    username: &'a str,
    dn: &'a str,
    display_name: &'a str,
    role: &'a str,
    enabled: bool,
    locked: bool,
    password_last_set: String,
    password_expires: String,
    must_change_password: bool,
    password_never_expires: bool,
    last_logon: String,
    created: String,
    expires: String,
    groups: String,
    mis_id: &'a str,
}

impl<'a> From<&'a Account> for AccountRow<'a> {
    fn from(a: &'a Account) -> Self {
        AccountRow {
            username: &a.username,
            dn: &a.dn,
            display_name: a.display_name.as_deref().unwrap_or(""),
            role: a.role.as_deref().unwrap_or(""),
            enabled: a.enabled,
            locked: a.locked,
            password_last_set: rfc(a.password_last_set),
            password_expires: rfc(a.password_expires),
            must_change_password: a.must_change_password,
            password_never_expires: a.password_never_expires,
            last_logon: rfc(a.last_logon),
            created: rfc(a.created),
            expires: rfc(a.expires),
            groups: a.groups.join(";"),
            mis_id: a.mis_id.as_deref().unwrap_or(""),
        }
    }
}

/// Password age in whole days, for tables.
pub fn password_age(a: &Account, now: DateTime<Utc>) -> String {
    match (a.must_change_password, a.password_last_set) {
        (true, _) => "must change".into(),
        (_, Some(t)) => format!("{} d", days_between(t, now)),
        (_, None) => "never set".into(),
    }
}

/// Prints accounts in the chosen format.
pub fn print_accounts(accounts: &[Account], format: Format, now: DateTime<Utc>) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &accounts),
        Format::Csv => write_csv(
            w,
            &accounts.iter().map(AccountRow::from).collect::<Vec<_>>(),
        ),
        Format::Table => {
            let rows: Vec<Vec<String>> = accounts
                .iter()
                .map(|a| {
                    vec![
                        a.username.clone(),
                        a.name().to_string(),
                        a.role.clone().unwrap_or_else(|| "-".into()),
                        a.status(now).as_str().to_string(),
                        password_age(a, now),
                        day(a.last_logon),
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "USERNAME",
                    "NAME",
                    "ROLE",
                    "STATUS",
                    "PASSWORD AGE",
                    "LAST LOGON",
                ],
                &rows,
            )?;
            writeln!(w, "{} accounts", accounts.len())
        }
    })
}

/// Prints one account in full.
pub fn print_account(a: &Account, format: Format, now: DateTime<Utc>) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, a),
        Format::Csv => write_csv(w, &[AccountRow::from(a)]),
        Format::Table => {
            let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
            let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
            let rows = vec![
                vec!["username".into(), a.username.clone()],
                vec!["name".into(), a.name().to_string()],
                vec!["given name".into(), opt(&a.given_name)],
                vec!["surname".into(), opt(&a.surname)],
                vec!["dn".into(), a.dn.clone()],
                vec!["role".into(), opt(&a.role)],
                vec!["status".into(), a.status(now).as_str().to_string()],
                vec!["locked".into(), yes(a.locked)],
                vec!["password last set".into(), day(a.password_last_set)],
                vec!["password age".into(), password_age(a, now)],
                vec!["password expires".into(), day(a.password_expires)],
                vec!["must change password".into(), yes(a.must_change_password)],
                vec![
                    "password never expires".into(),
                    yes(a.password_never_expires),
                ],
                vec!["password not required".into(), yes(a.password_not_required)],
                vec!["last logon".into(), day(a.last_logon)],
                vec!["created".into(), day(a.created)],
                vec!["account expires".into(), day(a.expires)],
                vec!["MIS id".into(), opt(&a.mis_id)],
                vec!["description".into(), opt(&a.description)],
                vec![
                    "groups".into(),
                    if a.groups.is_empty() {
                        "-".into()
                    } else {
                        a.groups.join(", ")
                    },
                ],
            ];
            for r in rows {
                writeln!(w, "{:<24}{}", r[0], clean(&r[1]))?;
            }
            Ok(())
        }
    })
}

#[derive(Serialize)]
struct LogRow<'a> {
    id: i64,
    at: String,
    operator: &'a str,
    action: &'a str,
    target: &'a str,
    details: String,
    hash: &'a str,
}

/// Prints action-log entries.
pub fn print_log(entries: &[ActionEntry], format: Format) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &entries),
        Format::Csv => write_csv(
            w,
            &entries
                .iter()
                .map(|e| LogRow {
                    id: e.id,
                    at: rfc(Some(e.at)),
                    operator: &e.operator,
                    action: &e.action,
                    target: &e.target,
                    details: e.details.to_string(),
                    hash: &e.hash,
                })
                .collect::<Vec<_>>(),
        ),
        Format::Table => {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        crate::domain::time::london_format(e.at, "%-d %b %Y %H:%M"),
                        e.operator.clone(),
                        e.action.clone(),
                        e.target.clone(),
                        e.details.to_string(),
                    ]
                })
                .collect();
            write_table(
                w,
                &["ID", "WHEN", "OPERATOR", "ACTION", "TARGET", "DETAILS"],
                &rows,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(clean("Renée Müller"), "Renée Müller");
        assert_eq!(
            clean("a\u{1b}[31mb\u{7}\nc\u{9b}\u{202e}"),
            "a\\x1b[31mb\\x07\\x0ac\\x9b\\u{202e}"
        );
        let mut out = Vec::new();
        write_table(&mut out, &["NAME"], &[vec!["x\u{1b}[2J".into()]]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "NAME\nx\\x1b[2J\n");
    }

    #[test]
    fn the_writer_under_every_output_lets_no_escape_through() {
        // JSON keeps its meaning (the escapes are JSON's own), a character cut between two
        // writes arrives whole, and newlines and tabs pass.
        let value = serde_json::json!({"name": "a\u{1b}]2;x\u{7}\u{9b}\u{202e}\u{7f}é"});
        let mut w = Visible::new(Vec::new());
        write_json(&mut w, &value).unwrap();
        w.write_all(&[0xc3]).unwrap();
        w.write_all(&[0xa9, b'\t', 0x1b, b'\n']).unwrap();
        w.write_all(&[0x9b, b'2', b'J', b'\n']).unwrap();
        w.flush().unwrap();
        let out = String::from_utf8(w.0).unwrap();
        assert!(
            !out.chars()
                .any(|c| text::is_unsafe(c) && c != '\n' && c != '\t'),
            "{out}"
        );
        let back: serde_json::Value =
            serde_json::from_str(out.trim_end_matches("é\t\\u001b\n\\x9b2J\n")).unwrap();
        assert_eq!(back, value);
        assert!(out.ends_with("}\né\t\\u001b\n\\x9b2J\n"), "{out:?}");
    }

    #[test]
    fn a_line_cannot_make_a_line_of_its_own() {
        let mut out = Vec::new();
        write_line(
            &mut out,
            "plan: disable Eve\n  would also disable nobody\u{1b}[8m",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plan: disable Eve\\x0a  would also disable nobody\\x1b[8m\n"
        );
    }
}
