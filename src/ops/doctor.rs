//! `doctor`: is everything in place? One check per line, each with a fix when it fails.

use super::Ctx;
use crate::domain::policy::{drift, SchoolPolicyTarget};
use crate::error::Error;
use crate::store::ChainStatus;
use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// All good.
    Pass,
    /// Works, but should be looked at.
    Warn,
    /// Broken.
    Fail,
}

/// One line of the doctor's report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// What to do, when it is not a pass.
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: &str, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            outcome: Outcome::Pass,
            detail: detail.into(),
            fix: None,
        }
    }
    fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            outcome: Outcome::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
    fn warn(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            outcome: Outcome::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// The whole report; `unreachable` is set when the directory could not be reached or bound.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// The directory could not be reached or refused the bind.
    pub unreachable: bool,
}

impl Report {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }
}

/// Runs every check. Never fails itself: each problem becomes a failed check.
pub async fn run(ctx: &Ctx) -> Report {
    let mut r = Report::default();
    let origin = ctx
        .config_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "built-in demo".into());
    r.checks
        .push(Check::pass("configuration", format!("read {origin}")));
    r.checks.push(Check::pass(
        "directory",
        format!(
            "{} at {} (base {})",
            ctx.dir.flavour(),
            ctx.dir.server(),
            ctx.dir.base_dn()
        ),
    ));

    match ctx.dir.connect().await {
        Ok(()) => {
            r.checks
                .push(Check::pass("server reachable", ctx.dir.server()));
            r.checks
                .push(Check::pass("bind", format!("as {}", bind_name(ctx))));
            directory_checks(ctx, &mut r).await;
            layout_check(ctx, &mut r).await;
            match super::mirror::describe(ctx).await {
                Ok(lines) => r.checks.push(Check::pass("mirror", lines.join("; "))),
                Err(e) => r.checks.push(Check::warn(
                    "mirror",
                    e.to_string(),
                    "readers fall back to full reads; see the message",
                )),
            }
        }
        Err(e) => {
            let (name, fix) = match &e {
                Error::Unreachable { .. } => (
                    "server reachable",
                    "check the server is running and [directory] url",
                ),
                Error::Tls { .. } => (
                    "TLS and certificate",
                    "set ca_cert to the CA's PEM file, or fix the server's certificate",
                ),
                Error::AuthFailed { .. } => ("bind", "check bind_dn and the bind password file"),
                Error::Timeout { .. } => (
                    "server reachable",
                    "check the server's load and connect_timeout_s",
                ),
                _ => ("bind", "see the message"),
            };
            r.unreachable = matches!(
                e,
                Error::Unreachable { .. }
                    | Error::Tls { .. }
                    | Error::AuthFailed { .. }
                    | Error::Timeout { .. }
            );
            r.checks.push(Check::fail(name, e.to_string(), fix));
        }
    }
    store_checks(ctx, &mut r);
    handout_check(ctx, &mut r);
    r
}

fn bind_name(ctx: &Ctx) -> String {
    if ctx.is_demo() {
        "demo".into()
    } else {
        ctx.config.directory.bind_dn.clone()
    }
}

async fn directory_checks(ctx: &Ctx, r: &mut Report) {
    match ctx.dir.probe().await {
        Ok(p) => {
            let tls_warn = p.tls.contains("NOT verified") || p.tls.contains("clear text");
            r.checks.push(if tls_warn {
                Check::warn(
                    "TLS and certificate",
                    &p.tls,
                    if p.tls.contains("clear text") {
                        "use ldaps:// or starttls = true (clear text is allowed only to this machine)"
                    } else {
                        "set ca_cert to the CA's PEM file and tls_verify = true"
                    },
                )
            } else {
                Check::pass("TLS and certificate", &p.tls)
            });
            if p.base_dn_found {
                r.checks.push(Check::pass("base DN", ctx.dir.base_dn()));
            } else {
                r.checks.push(Check::fail(
                    "base DN",
                    format!("{} not found", ctx.dir.base_dn()),
                    "set base_dn in [directory] to the DN that holds the school's accounts",
                ));
                return;
            }
            bind_account_check(ctx, r).await;
            if p.unreadable.is_empty() {
                r.checks.push(Check::pass(
                    "attributes readable",
                    format!("{} accounts sampled", p.sample_size),
                ));
            } else {
                r.checks.push(Check::fail(
                    "attributes readable",
                    format!("the bind account cannot read: {}", p.unreadable.join(", ")),
                    "grant the bind account read access to these attributes (see README: the bind account)",
                ));
            }
        }
        Err(e) => r.checks.push(Check::fail(
            "base DN",
            e.to_string(),
            "set base_dn in [directory]",
        )),
    }
    match ctx.dir.read_password_policy().await {
        Ok(policy) => {
            let target = SchoolPolicyTarget::default();
            let d = drift(&policy, &target);
            if d.is_empty() {
                r.checks.push(Check::pass("password policy", "matches the school's rules (8 characters, complexity, 90 days; 42 for generic)"));
            }
            for x in d {
                r.checks.push(Check::fail(
                    "password policy",
                    format!(
                        "{}: directory has {}, school needs {}",
                        x.setting, x.directory, x.school
                    ),
                    "run `schooltech passwords policy apply`",
                ));
            }
        }
        Err(e) => r.checks.push(Check::fail(
            "password policy",
            e.to_string(),
            "give the bind account read access to the domain/ppolicy entries",
        )),
    }
}

/// Warns when the bind account is a member of a protected group (Domain Admins and the like): it
/// needs delegated rights on the school's OUs, not the keys to the domain.
async fn bind_account_check(ctx: &Ctx, r: &mut Report) {
    let name = "bind account rights";
    let protection = super::protect::Protection::from_ctx(ctx);
    let listing = match ctx.dir.search_accounts(&Default::default()).await {
        Ok(l) => l,
        Err(e) => {
            r.checks.push(Check::warn(
                name,
                format!("could not look the bind account up: {e}"),
                "see the message",
            ));
            return;
        }
    };
    let Some(me) = listing
        .accounts
        .iter()
        .find(|a| protection.is_bind_account(a))
    else {
        r.checks.push(Check::pass(
            name,
            "the bind account is not a person under the base DN (protected in any case)",
        ));
        return;
    };
    let mut privileged: Vec<String> = me
        .group_dns
        .iter()
        .enumerate()
        .filter_map(|(i, dn)| {
            let g = crate::directory::Group {
                dn: dn.clone(),
                name: me.groups.get(i).cloned().unwrap_or_default(),
            };
            protection.check_group(&g).map(|_| g.name)
        })
        .collect();
    // The same check as every change: nested and primary-group membership, adminCount and
    // well-known accounts, as the directory says.
    let mut other = Vec::new();
    match ctx.dir.privilege(me, protection.group_seeds()).await {
        Ok(found) => {
            for p in found {
                match p {
                    crate::directory::Privilege::Member { group, via, .. } => {
                        if !privileged.iter().any(|g| g.eq_ignore_ascii_case(&group)) {
                            privileged.push(match via {
                                Some(v) => format!("{group} ({v})"),
                                None => group,
                            });
                        }
                    }
                    crate::directory::Privilege::WellKnown(w) => other.push(w),
                    crate::directory::Privilege::AdminCount => {
                        other.push("marked adminCount=1".to_string())
                    }
                }
            }
        }
        Err(e) => other.push(format!("its privileges could not be read ({e})")),
    }
    if !other.is_empty() {
        r.checks.push(Check::warn(
            "bind account identity",
            format!("the bind account {} is {}", me.username, other.join("; ")),
            "bind as a dedicated service account with delegated rights on the school's OUs \
             (README: \"The bind account\")",
        ));
    }
    if privileged.is_empty() {
        r.checks.push(Check::pass(
            name,
            format!("{} is in no protected group", me.username),
        ));
    } else {
        r.checks.push(Check::warn(
            name,
            format!(
                "the bind account {} is a member of the protected group(s) {}",
                me.username,
                privileged.join(", ")
            ),
            "give it delegated rights on the school's OUs instead (README: \"The bind account\") \
             and take it out of these groups",
        ));
    }
}

fn store_checks(ctx: &Ctx, r: &mut Report) {
    if ctx.config.store.engine == crate::config::StoreEngine::Postgres {
        // Issue 27: connection, TLS, schema version, the role's ownership and grants.
        match ctx.config.store.pg_settings() {
            Ok(s) => {
                for c in crate::store::engine::pg_check::check(&s) {
                    r.checks.push(if c.ok {
                        Check::pass(c.name, c.detail)
                    } else {
                        Check::fail(c.name, c.detail, c.fix)
                    });
                }
            }
            Err(e) => r.checks.push(Check::fail(
                "store connection",
                e.to_string(),
                "fix [store] in the configuration",
            )),
        }
    }
    let path = &ctx.config.store.path;
    match ctx.store().and_then(|s| s.schema_version().map(|_| s)) {
        Ok(store) => {
            r.checks
                .push(Check::pass("store writable", path.display().to_string()));
            match store.journal_open() {
                Ok(p) if p.iter().any(|e| e.needs_settling()) => r.checks.push(Check::warn(
                    "interrupted changes",
                    format!(
                        "{} changes were sent without an answer or interrupted",
                        p.iter().filter(|e| e.needs_settling()).count()
                    ),
                    "run `schooltech log pending` and check those accounts",
                )),
                _ => {}
            }
            if crate::store::syslog::available() {
                r.checks.push(Check::pass(
                    "syslog copy",
                    "each log row's id and hash also goes to the system journal",
                ));
            } else {
                r.checks.push(Check::warn(
                    "syslog copy",
                    format!(
                        "no journald ({}) and no {}: log rows are not copied to the system \
                         journal, so only an anchor (`schooltech log anchor`) shows a rewritten log",
                        crate::store::syslog::JOURNAL_SOCKET,
                        crate::store::syslog::DEV_LOG
                    ),
                    "run a syslog daemon or systemd-journald on this machine",
                ));
            }
            match store.verify_log() {
                Ok(ChainStatus::Whole { rows }) => r.checks.push(Check::pass("action log", format!("chain whole ({rows} entries)"))),
                Ok(ChainStatus::Broken { id, reason }) => r.checks.push(Check::fail(
                    "action log",
                    format!("chain broken at entry {id}: {reason}"),
                    "the log was changed outside schooltech; keep a copy of the store file and report it",
                )),
                Err(e) => r.checks.push(Check::fail("action log", e.to_string(), "see the message")),
            }
        }
        Err(e) => r.checks.push(Check::fail(
            "store writable",
            e.to_string(),
            "set [store] path to a writable location",
        )),
    }
}

/// How many accounts on the configured roll do not fit the `[sync.layout]` rules (OU or groups).
async fn layout_check(ctx: &Ctx, r: &mut Report) {
    if ctx.config.sync.layout.is_empty() || ctx.config.mis.file.trim().is_empty() {
        return;
    }
    let roll = match super::sync::read_roll_file(ctx, None) {
        Ok(roll) => roll,
        Err(e) => {
            r.checks.push(Check::warn(
                "layout rules",
                format!("the roll [mis] file could not be read: {e}"),
                "fix [mis] file or the export",
            ));
            return;
        }
    };
    match super::sync::learn::misfits(ctx, &roll).await {
        Ok(found) => {
            let bad: usize = found.iter().map(|(_, _, b)| b).sum();
            let text: Vec<String> = found
                .iter()
                .map(|(role, n, b)| format!("{role}: {b} of {n} do not fit"))
                .collect();
            if bad == 0 {
                r.checks.push(Check::pass("layout rules", text.join("; ")));
            } else {
                r.checks.push(Check::warn(
                    "layout rules",
                    text.join("; "),
                    "`schooltech sync --mis ROLL.csv` plans the moves that make them fit",
                ));
            }
        }
        Err(e) => r.checks.push(Check::warn(
            "layout rules",
            e.to_string(),
            "see the message",
        )),
    }
}

/// Handout and slip files (they hold passwords) older than `[accounts] handout_days`.
fn handout_check(ctx: &Ctx, r: &mut Report) {
    let dir = ctx
        .config
        .accounts
        .handout_dir
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(crate::config::DEFAULT_HANDOUT_DIR));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let days = u64::from(ctx.config.accounts.handout_days);
    let now = std::time::SystemTime::from(ctx.wall_now());
    let old: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_lowercase();
            name.starts_with("schooltech-handout-") || name.ends_with(".pdf")
        })
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age.as_secs() > days * 86_400)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if old.is_empty() {
        r.checks.push(Check::pass(
            "handout files",
            format!("none older than {days} days in {}", dir.display()),
        ));
    } else {
        r.checks.push(Check::warn(
            "handout files",
            format!(
                "{} file(s) with passwords older than {days} days in {}: {}",
                old.len(),
                dir.display(),
                old.join(", ")
            ),
            "hand them out and delete them (or raise [accounts] handout_days)",
        ));
    }
}
