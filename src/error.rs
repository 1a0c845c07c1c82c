//! The library's error type. Every message tells the technician what to do next.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in words a technician can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is missing, unreadable or wrong.
    #[error("configuration: {0}")]
    Config(String),

    /// The command line asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),

    /// Nothing answered at the directory's address.
    #[error("cannot reach the directory at {host}:{port} ({detail}); check that the server is running, that `url` in [directory] is right, and that no firewall blocks the port")]
    Unreachable {
        /// Host name or address from the URL.
        host: String,
        /// Port from the URL.
        port: u16,
        /// What the network layer said.
        detail: String,
    },

    /// The directory refused the bind.
    #[error("the directory refused the bind as \"{bind_dn}\": wrong password or account locked/disabled; check `bind_dn` and the password file (or $SCHOOLTECH_BIND_PASSWORD)")]
    AuthFailed {
        /// The DN that tried to bind.
        bind_dn: String,
    },

    /// TLS could not be set up or the certificate was not trusted.
    #[error("TLS with {host}: {detail}")]
    Tls {
        /// Host name or address from the URL.
        host: String,
        /// What went wrong and what to do.
        detail: String,
    },

    /// The server did not answer in time.
    #[error("the directory did not answer within {seconds} s while {doing}; raise `op_timeout_s` in [directory] or check the server's load")]
    Timeout {
        /// What we were doing.
        doing: String,
        /// The limit that passed.
        seconds: u64,
    },

    /// The directory answered with an error.
    #[error("the directory refused to {doing}: {reason}")]
    Directory {
        /// What we were doing.
        doing: String,
        /// The server's reason in plain words.
        reason: String,
        /// The LDAP result code, when the server gave one (0 otherwise).
        code: u32,
    },

    /// No account or entry by that name.
    #[error("{0}")]
    NotFound(String),

    /// The local store (SQLite) could not be used.
    #[error("store {path}: {detail}")]
    Store {
        /// The store file.
        path: PathBuf,
        /// What went wrong and what to do.
        detail: String,
    },

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },

    /// Input data (CSV, dates, names) is malformed.
    #[error("{0}")]
    Input(String),

    /// A change was sent and no answer came back (connection lost, timeout): the directory may
    /// or may not have made it. The journal says `unknown` until the directory is read.
    #[error("no answer from the directory while trying to {doing} ({detail}); it may or may not have been done: `schooltech log pending` checks the directory and says which")]
    NoAnswer {
        /// What was sent.
        doing: String,
        /// What the network layer said.
        detail: String,
    },

    /// A change of several steps was made in part, and undoing it failed too.
    #[error("{done}, but then {failed}; the directory holds a half-made change: {fix}")]
    Partial {
        /// What was done.
        done: String,
        /// What failed after it (and the failed undo, if any).
        failed: String,
        /// What the technician should do.
        fix: String,
    },

    /// A change of several steps failed part-way and the steps made were undone.
    #[error("{failed}; what was already done ({what}) was undone, so nothing was changed")]
    Undone {
        /// What had been done and was undone.
        what: String,
        /// The step that failed.
        failed: String,
    },

    /// The target is protected (`[protect]`): refused before anything was sent.
    #[error("{0}")]
    Protected(String),

    /// The object a planned change names (by its stable id) is no longer the one planned:
    /// gone, replaced by another account with the username, renamed, or moved when the change
    /// depends on where it was. Refused before anything was sent.
    #[error("{0}")]
    NotPlanned(String),
}

impl Error {
    /// The process exit code for this error: 2 usage/config, 3 directory unreachable or
    /// authentication failed, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Usage(_) | Error::Protected(_) => 2,
            Error::Unreachable { .. }
            | Error::AuthFailed { .. }
            | Error::Tls { .. }
            | Error::Timeout { .. }
            | Error::NoAnswer { .. } => 3,
            _ => 1,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// True when the error means the connection is gone (worth one reconnect for reads).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::Unreachable { .. } | Error::NoAnswer { .. })
    }

    /// True when a change that failed this way may have been made anyway (sent without an
    /// answer, or made in part): its outcome is unknown until the directory is read. Every
    /// other error is raised before the request was sent or is the server's refusal of it.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::NoAnswer { .. } | Error::Timeout { .. } | Error::Partial { .. }
        )
    }
}
