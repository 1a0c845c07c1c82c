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
    /// `--dry-run`: the command stopped at its first change (`doing`), before anything was
    /// written to the directory or the store. Not a failure: the process exits 0.
    #[error("dry run: nothing was changed; {0}")]
    DryRun(String),
}

/// The documented exit codes (README "Exit codes", every man page's EXIT STATUS): the one
/// place they are defined.
pub mod exit {
    /// Done, or nothing found.
    pub const OK: i32 = 0;
    /// A check or report found something.
    pub const FINDINGS: i32 = 1;
    /// Bad usage or input (a changing command under `--as-of` included).
    pub const USAGE: i32 = 2;
    /// The directory is unreachable or refused the bind.
    pub const DIRECTORY: i32 = 3;
    /// Refused by policy: a protected target or group.
    pub const REFUSED: i32 = 4;
    /// A local failure: the store, the disk, permissions.
    pub const LOCAL: i32 = 5;
    /// The table for man pages and `--help`: (code, meaning).
    pub const TABLE: [(i32, &str); 6] = [
        (OK, "done, or nothing found"),
        (FINDINGS, "a check or report found something (findings)"),
        (
            USAGE,
            "bad usage or input (a changing command under --as-of included)",
        ),
        (
            DIRECTORY,
            "the directory is unreachable or refused the bind",
        ),
        (REFUSED, "refused by policy (a protected target or group)"),
        (LOCAL, "local failure (the store, the disk, permissions)"),
    ];
}

impl Error {
    /// The process exit code for this error ([`exit`]): 2 usage, configuration or input;
    /// 3 the directory unreachable, bind refused or the change not completed there; 4 refused
    /// by policy (protected); 5 a local failure (store, disk, permissions); 0 a dry run's stop.
    /// Never 1: that code means "a check found something".
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Usage(_) | Error::Input(_) | Error::NotFound(_) => {
                exit::USAGE
            }
            // The server refused the request itself (a constraint, a name taken, no such
            // entry): the input. Refused for lack of rights: the bind account, like a refused bind.
            Error::Directory { code, .. } if *code == 50 => exit::DIRECTORY,
            Error::Directory { .. } => exit::USAGE,
            Error::Unreachable { .. }
            | Error::AuthFailed { .. }
            | Error::Tls { .. }
            | Error::Timeout { .. }
            | Error::NoAnswer { .. }
            | Error::Partial { .. }
            | Error::Undone { .. } => exit::DIRECTORY,
            // The object planned is gone or is no longer the one planned: refused, like a
            // protected target, before anything was sent.
            Error::Protected(_) | Error::NotPlanned(_) => exit::REFUSED,
            Error::Store { .. } | Error::Io { .. } => exit::LOCAL,
            Error::DryRun(_) => exit::OK,
        }
    }

    /// A short, stable name for the kind of error (the `kind` of a JSON error object).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Usage(_) => "usage",
            Error::Unreachable { .. } => "unreachable",
            Error::AuthFailed { .. } => "bind_refused",
            Error::Tls { .. } => "tls",
            Error::Timeout { .. } => "timeout",
            Error::Directory { .. } => "directory",
            Error::NotFound(_) => "not_found",
            Error::Store { .. } => "store",
            Error::Io { .. } => "io",
            Error::Input(_) => "input",
            Error::NoAnswer { .. } => "no_answer",
            Error::Partial { .. } => "partial",
            Error::Undone { .. } => "undone",
            Error::Protected(_) => "protected",
            Error::NotPlanned(_) => "not_planned",
            Error::DryRun(_) => "dry_run",
        }
    }

    /// True when the directory cannot be used now (unreachable, bind refused, TLS, no answer
    /// in time): the full-screen program shows itself offline.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            Error::Unreachable { .. }
                | Error::AuthFailed { .. }
                | Error::Tls { .. }
                | Error::Timeout { .. }
                | Error::NoAnswer { .. }
        )
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
