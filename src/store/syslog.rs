//! A copy of each action-log row's id and hash in the system journal (syslog), outside the
//! store file: someone who can rewrite the file cannot rewrite what syslog already holds, so
//! `schooltech log verify --journal` catches a rebuilt or truncated chain.
//!
//! One datagram per row to `/dev/log` (RFC 3164 shape, tag `schooltech`), no dependency. When
//! `/dev/log` is absent (a container without a syslog daemon) nothing is sent and nothing fails;
//! `doctor` says so.

use super::ActionEntry;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// The syslog tag (`journalctl -t schooltech`).
pub const TAG: &str = "schooltech";
/// The socket syslog listens on.
pub const DEV_LOG: &str = "/dev/log";

/// The socket to send to: `/dev/log`, or in debug builds `$SCHOOLTECH_TEST_SYSLOG` (tests).
pub fn socket_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if let Some(p) = std::env::var_os("SCHOOLTECH_TEST_SYSLOG") {
        return PathBuf::from(p);
    }
    PathBuf::from(DEV_LOG)
}

/// True when there is a syslog socket to send to.
pub fn available() -> bool {
    socket_path().exists()
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

/// Sends each row's id and hash to syslog; silently does nothing without a socket.
pub(crate) fn announce_for(store: &Path, rows: &[ActionEntry]) {
    if rows.is_empty() || store == Path::new(":memory:") {
        return;
    }
    let path = socket_path();
    if !path.exists() {
        return;
    }
    let Ok(sock) = UnixDatagram::unbound() else {
        return;
    };
    let store = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    let pid = std::process::id();
    // facility auth (4), severity notice (5)
    let pri = 4 * 8 + 5;
    for r in rows {
        let line = format!("<{pri}>{TAG}[{pid}]: {}", message(&store, r.id, &r.hash));
        // Syslog is a second copy; the row is already committed, so a lost datagram is not an
        // error of the change (`log verify --journal` shows any gap).
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
}
