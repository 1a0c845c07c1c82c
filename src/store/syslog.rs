//! A copy of each action-log row's id and hash in the system journal, outside the store file:
//! someone who can rewrite the file cannot rewrite what the journal already holds, so
//! `schooltech log verify --journal` catches a rebuilt or truncated chain.
//!
//! Where systemd-journald runs, each row is one datagram of journald's native protocol to
//! `/run/systemd/journal/socket` with structured fields (`SCHOOLTECH_ID`, `SCHOOLTECH_HASH`,
//! `SCHOOLTECH_STORE`, `SCHOOLTECH_ACTION`, `SYSLOG_IDENTIFIER=schooltech` and a readable
//! `MESSAGE`). journald adds the sender's trusted fields (`_UID`, `_EXE`, `_COMM`), which no
//! client can set, so the verifier can tell schooltech's own entries from `logger -t schooltech`.
//! Without journald, one RFC 3164 datagram per row to `/dev/log` (tag `schooltech`) as before;
//! without either (a container), nothing is sent and nothing fails; `doctor` says so.

use super::ActionEntry;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// The syslog tag and journal `SYSLOG_IDENTIFIER` (`journalctl -t schooltech`).
pub const TAG: &str = "schooltech";
/// The socket syslog listens on.
pub const DEV_LOG: &str = "/dev/log";
/// journald's native protocol socket.
pub const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// True in a debug build when a test points either copy at a socket of its own: then only the
/// test sockets are used, never the machine's.
#[cfg(debug_assertions)]
fn test_sockets() -> bool {
    std::env::var_os("SCHOOLTECH_TEST_SYSLOG").is_some()
        || std::env::var_os("SCHOOLTECH_TEST_JOURNAL").is_some()
}

/// The syslog socket to send to: `/dev/log`, or in debug builds `$SCHOOLTECH_TEST_SYSLOG` (tests).
pub fn socket_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if test_sockets() {
        return std::env::var_os("SCHOOLTECH_TEST_SYSLOG")
            .map(PathBuf::from)
            .unwrap_or_default();
    }
    PathBuf::from(DEV_LOG)
}

/// The journald socket to send to: [`JOURNAL_SOCKET`], or in debug builds
/// `$SCHOOLTECH_TEST_JOURNAL` (tests).
pub fn journal_socket_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if test_sockets() {
        return std::env::var_os("SCHOOLTECH_TEST_JOURNAL")
            .map(PathBuf::from)
            .unwrap_or_default();
    }
    PathBuf::from(JOURNAL_SOCKET)
}

/// True when there is a journal or syslog socket to send to.
pub fn available() -> bool {
    journal_available() || socket_path().exists()
}

/// True when journald's native socket is there.
pub fn journal_available() -> bool {
    let p = journal_socket_path();
    !p.as_os_str().is_empty() && p.exists()
}

/// The message for one row: `action-log store=PATH row=N hash=HASH`.
pub fn message(store: &Path, id: i64, hash: &str) -> String {
    format!("action-log store={} row={id} hash={hash}", store.display())
}

/// Parses a [`message`] back: (store, row, hash).
pub fn parse_message(line: &str) -> Option<(String, i64, String)> {
    let rest = line.trim().split("action-log store=").nth(1)?;
    let (store, rest) = rest.rsplit_once(" row=")?;
    let (row, hash) = rest.split_once(" hash=")?;
    Some((
        store.to_string(),
        row.parse().ok()?,
        hash.trim().to_string(),
    ))
}

/// One datagram of journald's native protocol: `KEY=value\n` per field, or for a value holding a
/// newline `KEY\n`, its length as 64-bit little-endian, the bytes, `\n`. Keys must be upper case
/// letters, digits and `_`, not starting with `_` (journald drops the others).
pub fn native_datagram(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in fields {
        out.extend_from_slice(k.as_bytes());
        if v.contains('\n') {
            out.push(b'\n');
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        } else {
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// Reads a [`native_datagram`] back into its fields (for tests and stand-ins).
pub fn parse_native(mut d: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let nl = d.iter().position(|b| *b == b'\n')?;
        let line = &d[..nl];
        if let Some(eq) = line.iter().position(|b| *b == b'=') {
            out.push((
                String::from_utf8(line[..eq].to_vec()).ok()?,
                String::from_utf8(line[eq + 1..].to_vec()).ok()?,
            ));
            d = &d[nl + 1..];
        } else {
            let key = String::from_utf8(line.to_vec()).ok()?;
            let rest = &d[nl + 1..];
            let len = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?) as usize;
            let value = rest.get(8..8 + len)?;
            out.push((key, String::from_utf8(value.to_vec()).ok()?));
            d = rest.get(8 + len + 1..)?;
        }
    }
    Some(out)
}

/// The journal fields of one row.
fn journal_fields(store: &Path, r: &ActionEntry, pid: &str) -> Vec<u8> {
    let store_s = store.display().to_string();
    let id = r.id.to_string();
    let msg = message(store, r.id, &r.hash);
    native_datagram(&[
        ("MESSAGE", &msg),
        // notice, facility auth (4)
        ("PRIORITY", "5"),
        ("SYSLOG_FACILITY", "4"),
        ("SYSLOG_IDENTIFIER", TAG),
        ("SYSLOG_PID", pid),
        ("SCHOOLTECH_STORE", &store_s),
        ("SCHOOLTECH_ID", &id),
        ("SCHOOLTECH_HASH", &r.hash),
        ("SCHOOLTECH_ACTION", &r.action),
    ])
}

/// Sends each row's id and hash to the journal (natively), else to syslog; silently does
/// nothing without either.
pub(crate) fn announce_for(store: &Path, rows: &[ActionEntry]) {
    if rows.is_empty() || store == Path::new(":memory:") {
        return;
    }
    let Ok(sock) = UnixDatagram::unbound() else {
        return;
    };
    let store = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    let pid = std::process::id();
    // The journal and syslog are a second copy; the rows are already committed, so a lost
    // datagram is not an error of the change (`log verify --journal` shows any gap).
    if journal_available() {
        let path = journal_socket_path();
        let pid_s = pid.to_string();
        let mut all_sent = true;
        for r in rows {
            if sock
                .send_to(&journal_fields(&store, r, &pid_s), &path)
                .is_err()
            {
                all_sent = false;
                break;
            }
        }
        if all_sent {
            return;
        }
    }
    let path = socket_path();
    if path.as_os_str().is_empty() || !path.exists() {
        return;
    }
    // facility auth (4), severity notice (5)
    let pri = 4 * 8 + 5;
    for r in rows {
        let line = format!("<{pri}>{TAG}[{pid}]: {}", message(&store, r.id, &r.hash));
        if sock.send_to(line.as_bytes(), &path).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_round_trips() {
        let m = message(Path::new("/var/lib/schooltech/s t.db"), 42, "abc");
        assert_eq!(
            parse_message(&format!("Dec 01 schooltech[9]: {m}")),
            Some(("/var/lib/schooltech/s t.db".into(), 42, "abc".into()))
        );
        assert_eq!(parse_message("something else"), None);
    }

    #[test]
    fn native_datagrams_round_trip_with_newlines() {
        let d = native_datagram(&[("MESSAGE", "a=b"), ("SCHOOLTECH_STORE", "/x\ny")]);
        assert!(d.starts_with(b"MESSAGE=a=b\nSCHOOLTECH_STORE\n"));
        assert_eq!(
            parse_native(&d),
            Some(vec![
                ("MESSAGE".into(), "a=b".into()),
                ("SCHOOLTECH_STORE".into(), "/x\ny".into())
            ])
        );
    }
}
