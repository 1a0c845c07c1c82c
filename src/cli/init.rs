//! `schooltech init`: the first configuration, asked for step by step (or given as options for
//! scripts with `--yes`), tested against the server, written with safe modes, then `doctor`.
//!
//! Nothing is written until the bind worked: a wrong URL, password or certificate leaves the
//! machine as it was.

use super::{Cli, ExitCode};
use crate::config::{read_secret_file, DEFAULT_CONFIG_PATH, DEFAULT_STORE_PATH};
use crate::domain::roles::RoleMap;
use crate::error::{Error, Result};
use crate::ops::discover::{self, Discovery};
use crate::ops::{Flavour, Secret};
use clap::{Args, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory server, e.g. ldaps://dc1.school.local:636.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The account schooltech binds as.
    #[arg(long, value_name = "DN")]
    pub bind_dn: Option<String>,
    /// A file (mode 0600) holding only the bind password; the config points at it.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Where accounts are searched (default: what the server names as its naming context).
    #[arg(long, value_name = "DN")]
    pub base_dn: Option<String>,
    /// PEM file of the CA that signed the server's certificate.
    #[arg(long, value_name = "FILE", conflicts_with = "trust_server_cert")]
    pub ca_cert: Option<PathBuf>,
    /// Trust the certificate chain the server presents and save it as ca_cert (check its
    /// SHA-256 fingerprint first: `init` prints it).
    #[arg(long)]
    pub trust_server_cert: bool,
    /// The flavour, when the server's root DSE does not show it.
    #[arg(long, value_enum, value_name = "FLAVOUR")]
    pub flavour: Option<InitFlavour>,
    /// The local store (default /var/lib/schooltech/schooltech.db).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Do not ask: take everything from the options (for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Replace an existing configuration.
    #[arg(long)]
    pub force: bool,
}

/// `--flavour`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitFlavour {
    /// Windows AD or Samba AD.
    ActiveDirectory,
    /// OpenLDAP with ppolicy.
    Openldap,
}

impl From<InitFlavour> for Flavour {
    fn from(f: InitFlavour) -> Flavour {
        match f {
            InitFlavour::ActiveDirectory => Flavour::ActiveDirectory,
            InitFlavour::Openldap => Flavour::Openldap,
        }
    }
}

/// Where the CA comes from.
enum Ca {
    /// The system's CA store (or no TLS at all, on loopback).
    System,
    /// A PEM file the technician has.
    File(PathBuf),
    /// The chain the server presented (PEM), to be saved as `ca.pem` next to the config.
    Presented(String),
}

/// Where the bind password comes from.
enum Password {
    /// A file given with `--password-file` (the config points at it).
    File(PathBuf, Secret),
    /// Typed; written to `bind-password` next to the config.
    Typed(Secret),
}

impl Password {
    fn secret(&self) -> &Secret {
        match self {
            Password::File(_, s) | Password::Typed(s) => s,
        }
    }
}

/// Everything `init` has decided.
struct Plan {
    config: PathBuf,
    disc: Discovery,
    flavour: Flavour,
    base_dn: String,
    ca: Ca,
    bind_dn: String,
    password: Password,
    roles: RoleMap,
    /// Groups found that look like the admin role's (written as its groups, or to `[protect]`).
    admin_groups: Vec<String>,
    store: PathBuf,
    school: Option<String>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_path_buf();
    }
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

fn config_path(cli: &Cli) -> PathBuf {
    absolute(
        &cli.config
            .clone()
            .or_else(|| std::env::var_os("SCHOOLTECH_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH)),
    )
}

fn config_dir(config: &Path) -> PathBuf {
    config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs `init`; the exit code is doctor's on the new configuration.
pub async fn run(cli: &Cli, args: &InitArgs) -> Result<ExitCode> {
    if cli.demo {
        return Err(Error::Usage(
            "init writes a configuration for a real server; leave out --demo".into(),
        ));
    }
    if cli.as_of.is_some() {
        return Err(Error::Usage(crate::ops::as_of_refusal("init")));
    }
    let config = config_path(cli);
    // The package installs the example as the config: that one is not a configuration yet.
    let packaged_example = std::fs::read(&config)
        .is_ok_and(|t| t == include_bytes!("../../config/schooltech.example.toml"));
    if config.exists() && !args.force && !packaged_example {
        return Err(Error::Usage(format!(
            "{} already exists; init does not overwrite it. Pass --force to replace it, or \
             --config PATH to write another file",
            config.display()
        )));
    }
    let plan = if args.yes {
        plan_from_options(args, config).await?
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "init asks its questions on a terminal; for scripts give everything as options \
                 with --yes: schooltech init --url URL --bind-dn DN --password-file FILE --yes"
                    .into(),
            ));
        }
        match ask(args, config).await? {
            Some(p) => p,
            None => {
                outln!("Stopped; nothing was written.");
                return Ok(2);
            }
        }
    };
    if cli.dry_run {
        outln!(
            "dry run: nothing was written; without --dry-run the configuration would be written to {}",
            plan.config.display()
        );
        return Ok(0);
    }
    write(&plan)?;
    outln!();
    outln!("Running doctor on {}:", plan.config.display());
    let check = Cli {
        demo: false,
        config: Some(plan.config.clone()),
        as_of: cli.as_of,
        verbose: cli.verbose,
        demo_size: None,
        no_mirror: cli.no_mirror,
        dry_run: false,
        command: None,
    };
    super::doctor::run(
        &check,
        &super::doctor::DoctorArgs {
            format: super::TableJson::Table,
        },
    )
    .await
}

/// The non-interactive form: every answer from the options.
async fn plan_from_options(args: &InitArgs, config: PathBuf) -> Result<Plan> {
    let missing: Vec<&str> = [
        ("--url URL", args.url.is_none()),
        ("--bind-dn DN", args.bind_dn.is_none()),
        ("--password-file FILE", args.password_file.is_none()),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "init --yes needs {}; e.g. schooltech init --url ldaps://dc1.school.local \
             --bind-dn 'CN=schooltech,OU=Service Accounts,DC=school,DC=local' \
             --password-file /root/bind-password --yes",
            missing.join(", ")
        )));
    }
    let url = args.url.clone().unwrap_or_default();
    let pw_path = absolute(&args.password_file.clone().unwrap_or_default());
    let secret = read_secret_file(&pw_path).map_err(|e| match e {
        Error::Config(m) => Error::Config(m.replace(
            "check bind_password_file in [directory]",
            "check --password-file",
        )),
        other => other,
    })?;
    let disc = discover::discover(&url, TIMEOUT).await?;
    let flavour = flavour_of(&disc, args.flavour)?;
    let base_dn = match args.base_dn.clone().or_else(|| disc.suggested_base_dn()) {
        Some(b) => b,
        None => {
            return Err(Error::Usage(format!(
                "{} names no naming context; pass --base-dn DN",
                disc.url
            )))
        }
    };
    let ca = if !disc.tls {
        Ca::System
    } else if let Some(f) = &args.ca_cert {
        Ca::File(absolute(f))
    } else if args.trust_server_cert {
        print_chain(&disc);
        Ca::Presented(discover::chain_pem(&disc.chain))
    } else {
        Ca::System
    };
    let mut plan = Plan {
        config,
        disc,
        flavour,
        base_dn,
        ca,
        bind_dn: args.bind_dn.clone().unwrap_or_default(),
        password: Password::File(pw_path, secret),
        roles: RoleMap::default(),
        admin_groups: Vec::new(),
        store: absolute(
            &args
                .store
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE_PATH)),
        ),
        school: None,
    };
    let (ous, admin_groups) = test_bind(&plan).await?;
    plan.roles = discover::propose_roles(&ous, &plan.base_dn);
    plan.admin_groups = admin_groups;
    print_roles(&plan.roles, ous.len());
    print_admin_groups(&plan.admin_groups);
    Ok(plan)
}

fn flavour_of(disc: &Discovery, given: Option<InitFlavour>) -> Result<Flavour> {
    match (given, disc.flavour) {
        (Some(f), _) => Ok(f.into()),
        (None, Some(f)) => Ok(f),
        (None, None) => Err(Error::Usage(format!(
            "cannot tell from {}'s root DSE whether it is Active Directory or OpenLDAP; pass \
             --flavour active-directory or --flavour openldap",
            disc.url
        ))),
    }
}

/// Binds with the plan's settings (the certificate verified as the config will have it) and
/// lists the OUs under the base DN. Writes nothing but a temporary CA file, removed again.
async fn test_bind(plan: &Plan) -> Result<(Vec<String>, Vec<String>)> {
    let mut tmp_ca = None;
    let ca_path = match &plan.ca {
        Ca::System => None,
        Ca::File(p) => Some(p.clone()),
        Ca::Presented(pem) => {
            let mut f = tempfile::NamedTempFile::new().map_err(|e| Error::io("temp file", e))?;
            f.write_all(pem.as_bytes())
                .map_err(|e| Error::io(f.path(), e))?;
            let p = f.path().to_path_buf();
            tmp_ca = Some(f);
            Some(p)
        }
    };
    let cfg = crate::config::DirectoryConfig {
        url: plan.disc.url.clone(),
        flavour: plan.flavour,
        bind_dn: plan.bind_dn.clone(),
        base_dn: plan.base_dn.clone(),
        ca_cert: ca_path,
        starttls: plan.disc.starttls,
        connect_timeout_s: TIMEOUT.as_secs(),
        ..Default::default()
    };
    let (ous, admin_groups) =
        match discover::survey(&cfg, plan.password.secret().clone(), ADMIN_GROUP_NAMES).await {
            Ok(found) => found,
            Err(Error::Tls { host, detail }) => {
                return Err(Error::Tls {
                    host,
                    detail: untrusted_hint(plan, &detail),
                })
            }
            Err(e) => return Err(e),
        };
    drop(tmp_ca);
    Ok((ous, admin_groups))
}

/// Names of the groups that make the admin role when init finds them (IT staff's admin logons).
const ADMIN_GROUP_NAMES: &[&str] = &["IT Admins", "Admins", "IT Administrators"];

fn print_admin_groups(groups: &[String]) {
    if !groups.is_empty() {
        outln!(
            "Admin groups (their members and the groups themselves are protected): {}",
            groups.join("; ")
        );
    }
}

fn untrusted_hint(plan: &Plan, detail: &str) -> String {
    let fp = plan
        .disc
        .chain
        .first()
        .map(|c| discover::fingerprint(c.as_ref()))
        .unwrap_or_default();
    match &plan.ca {
        Ca::File(p) => format!(
            "{detail}. The certificate is not signed by the CA in {}: give the right CA file \
             with --ca-cert, or --trust-server-cert once you have checked the server's SHA-256 \
             fingerprint {fp}",
            p.display()
        ),
        Ca::System => format!(
            "{detail}. This machine does not trust the server's certificate: pass --ca-cert FILE \
             (the CA's PEM file; Samba: private/tls/ca.pem), or --trust-server-cert once you \
             have checked the server's SHA-256 fingerprint {fp}"
        ),
        Ca::Presented(_) => detail.to_string(),
    }
}

fn print_chain(disc: &Discovery) {
    outln!(
        "{} presented {} certificate{}:",
        disc.host,
        disc.chain.len(),
        if disc.chain.len() == 1 { "" } else { "s" }
    );
    for (i, c) in disc.chain.iter().enumerate() {
        match discover::describe(c.as_ref()) {
            Ok(info) => {
                outln!("  [{}] subject: {}", i + 1, info.subject);
                outln!("      issuer:  {}", info.issuer);
                outln!("      valid:   {} to {}", info.not_before, info.not_after);
                outln!("      SHA-256: {}", info.sha256);
            }
            Err(e) => outln!("  [{}] {e}", i + 1),
        }
    }
    let top_is_root = disc
        .chain
        .last()
        .and_then(|c| discover::describe(c.as_ref()).ok())
        .is_some_and(|i| i.self_signed);
    if !disc.chain.is_empty() && !top_is_root {
        outln!(
            "  The server did not send the CA that signed it: trusting pins this exact certificate"
        );
        outln!("  (run init again when it is renewed), or give the CA's PEM file instead.");
    }
}

fn print_roles(roles: &RoleMap, ous: usize) {
    if roles.0.is_empty() {
        outln!(
            "Found {ous} OUs; none is named like a role (Pupils, Staff, Supply, Generic): roles \
             are left to be guessed from OU names; set [directory.roles] later."
        );
        return;
    }
    outln!("Found {ous} OUs. Roles proposed from their names:");
    for (role, rule) in &roles.0 {
        outln!("  {role:<8} {}", rule.ous.join("; "));
    }
}

// ---------------------------------------------------------------------------------------------
// The interactive form.

fn prompt(question: &str, default: Option<&str>) -> Result<Option<String>> {
    tokio::task::block_in_place(|| {
        match default {
            Some(d) if !d.is_empty() => out!("{question} [{d}]: "),
            _ => out!("{question}: "),
        }
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::io("stdin", e))?;
        if n == 0 {
            return Ok(None);
        }
        let t = line.trim();
        Ok(Some(if t.is_empty() {
            default.unwrap_or("").to_string()
        } else {
            t.to_string()
        }))
    })
}

fn yes_no(question: &str, default_yes: bool) -> Result<Option<bool>> {
    let hint = if default_yes { "Y/n" } else { "y/N" };
    Ok(prompt(&format!("{question} [{hint}]"), None)?.map(|a| {
        let a = a.to_ascii_lowercase();
        if a.is_empty() {
            default_yes
        } else {
            a.starts_with('y')
        }
    }))
}

/// Reads a password from the terminal in raw mode: nothing is echoed, not even stars.
/// Kept rather than `rpassword`: Esc, Ctrl-C and Ctrl-D stop the question (nothing written)
/// and the text lives only in a zeroized buffer, where rpassword returns a plain `String`.
fn read_password(question: &str) -> Result<Option<Secret>> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    tokio::task::block_in_place(|| {
        out!("{question}: ");
        let _ = std::io::stdout().flush();
        crossterm::terminal::enable_raw_mode().map_err(|e| Error::io("terminal", e))?;
        struct Cooked;
        impl Drop for Cooked {
            fn drop(&mut self) {
                let _ = crossterm::terminal::disable_raw_mode();
            }
        }
        let guard = Cooked;
        let mut text = zeroize::Zeroizing::new(String::with_capacity(512));
        let done = loop {
            match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                    KeyCode::Enter => break true,
                    KeyCode::Char('c' | 'd') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                        break false
                    }
                    KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                        text.clear()
                    }
                    KeyCode::Esc => break false,
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Char(c) if text.len() < 500 => text.push(c),
                    _ => {}
                },
                Ok(_) => {}
                Err(e) => return Err(Error::io("terminal", e)),
            }
        };
        drop(guard);
        outln!();
        Ok(done.then(|| Secret::take(&mut text)))
    })
}

/// Asks every question; `None` when the technician stopped.
async fn ask(args: &InitArgs, config: PathBuf) -> Result<Option<Plan>> {
    outln!(
        "schooltech init: a first configuration, to be written to {}",
        config.display()
    );
    outln!("Nothing is written until the bind has worked. Ctrl-D stops.");
    outln!();
    // 1. The server.
    let mut url_default = args
        .url
        .clone()
        .unwrap_or_else(|| "ldaps://dc1.school.local:636".into());
    let disc = loop {
        let Some(url) = prompt("Directory server URL", Some(&url_default))? else {
            return Ok(None);
        };
        match discover::discover(&url, TIMEOUT).await {
            Ok(d) => break d,
            Err(e) => {
                outln!("  {e}");
                url_default = url;
            }
        }
    };
    let flavour = match (args.flavour, disc.flavour) {
        (Some(f), _) => f.into(),
        (None, Some(f)) => f,
        (None, None) => {
            let Some(a) = prompt(
                "The server does not say what it is: (1) Active Directory or (2) OpenLDAP?",
                Some("1"),
            )?
            else {
                return Ok(None);
            };
            if a.starts_with('2') || a.to_ascii_lowercase().contains("open") {
                Flavour::Openldap
            } else {
                Flavour::ActiveDirectory
            }
        }
    };
    outln!(
        "  Found {}{}{}.",
        flavour,
        disc.vendor
            .as_deref()
            .map(|v| format!(" ({v})"))
            .unwrap_or_default(),
        if disc.starttls {
            ", StartTLS"
        } else if disc.tls {
            ", LDAPS"
        } else {
            ", clear text on loopback"
        }
    );
    // 2. The base DN.
    let suggested = args
        .base_dn
        .clone()
        .or_else(|| disc.suggested_base_dn())
        .unwrap_or_default();
    if disc.naming_contexts.len() > 1 {
        outln!("  Naming contexts on the server:");
        for (i, n) in disc.naming_contexts.iter().enumerate() {
            outln!("    {}) {n}", i + 1);
        }
    }
    let base_dn = loop {
        let Some(a) = prompt("Base DN (a number above, or a DN)", Some(&suggested))? else {
            return Ok(None);
        };
        let picked = a
            .parse::<usize>()
            .ok()
            .and_then(|i| disc.naming_contexts.get(i.wrapping_sub(1)).cloned())
            .unwrap_or(a);
        if !picked.trim().is_empty() {
            break picked.trim().to_string();
        }
    };
    // 3. The certificate.
    let ca = if !disc.tls {
        outln!("  Clear text on this machine's loopback: no certificate to check.");
        Ca::System
    } else if let Some(f) = &args.ca_cert {
        Ca::File(absolute(f))
    } else {
        outln!();
        print_chain(&disc);
        let target = config_dir(&config).join("ca.pem");
        let Some(a) = prompt(
            &format!(
                "Trust it and save it as {}? [y/N, or the path of the CA's PEM file]",
                target.display()
            ),
            None,
        )?
        else {
            return Ok(None);
        };
        let l = a.to_ascii_lowercase();
        if l == "y" || l == "yes" {
            Ca::Presented(discover::chain_pem(&disc.chain))
        } else if a.contains('/') || a.ends_with(".pem") || a.ends_with(".crt") {
            Ca::File(absolute(Path::new(&a)))
        } else {
            outln!(
                "  Not trusted: the system's CA store will be used (the bind fails if it does \
                 not know the server's CA)."
            );
            Ca::System
        }
    };
    // 4. The bind account, tested.
    outln!();
    let mut bind_default = args.bind_dn.clone().unwrap_or_default();
    let mut plan = Plan {
        config,
        disc,
        flavour,
        base_dn,
        ca,
        bind_dn: String::new(),
        password: Password::Typed(Secret::new("")),
        roles: RoleMap::default(),
        admin_groups: Vec::new(),
        store: PathBuf::from(DEFAULT_STORE_PATH),
        school: None,
    };
    let ous = loop {
        let Some(dn) = prompt(
            "Bind DN (the account schooltech binds as)",
            Some(&bind_default),
        )?
        else {
            return Ok(None);
        };
        let Some(pw) = read_password("Bind password (not shown)")? else {
            return Ok(None);
        };
        plan.bind_dn = dn.clone();
        plan.password = Password::Typed(pw);
        match test_bind(&plan).await {
            Ok((ous, admin_groups)) => {
                outln!("  Bind as {dn}: ok.");
                plan.admin_groups = admin_groups;
                break ous;
            }
            Err(e) => {
                outln!("  {e}");
                if matches!(e, Error::Tls { .. }) {
                    outln!("  Run init again and trust the certificate or give the CA file.");
                    return Ok(None);
                }
                bind_default = dn;
            }
        }
    };
    // 5. Roles.
    outln!();
    let proposed = discover::propose_roles(&ous, &plan.base_dn);
    print_roles(&proposed, ous.len());
    print_admin_groups(&plan.admin_groups);
    if !proposed.0.is_empty() {
        match yes_no("Use these roles?", true)? {
            None => return Ok(None),
            Some(true) => plan.roles = proposed,
            Some(false) => outln!("  Left out; roles are guessed from OU names until set."),
        }
    }
    // 6. The rest.
    let store_default = args
        .store
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE_PATH));
    let Some(store) = prompt(
        "Local store (SQLite file)",
        Some(&store_default.to_string_lossy()),
    )?
    else {
        return Ok(None);
    };
    plan.store = absolute(Path::new(&store));
    let Some(school) = prompt("School name (shown in the header)", Some("School"))? else {
        return Ok(None);
    };
    plan.school = Some(school).filter(|s| !s.trim().is_empty());
    outln!();
    outln!("Will write:");
    for (what, path) in files(&plan) {
        outln!("  {what:<14} {}", path.display());
    }
    match yes_no("Write them?", true)? {
        Some(true) => Ok(Some(plan)),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

fn files(plan: &Plan) -> Vec<(&'static str, PathBuf)> {
    let dir = config_dir(&plan.config);
    let mut v = vec![("configuration", plan.config.clone())];
    match &plan.password {
        Password::Typed(_) => v.push(("bind password", dir.join("bind-password"))),
        Password::File(p, _) => v.push(("bind password", p.clone())),
    }
    match &plan.ca {
        Ca::Presented(_) => v.push(("ca_cert", dir.join("ca.pem"))),
        Ca::File(p) => v.push(("ca_cert", p.clone())),
        Ca::System => {}
    }
    v.push(("store", plan.store.clone()));
    v
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn config_text(plan: &Plan, password_file: &Path, ca: Option<&Path>) -> String {
    let mut s = String::new();
    s.push_str(
        "# Written by `schooltech init`. Every key is described in schooltech.example.toml\n\
         # (/usr/share/doc/schooltech/ or config/ in the source).\n\n",
    );
    if let Some(name) = &plan.school {
        s.push_str(&format!("[school]\nname = {}\n\n", toml_str(name)));
    }
    s.push_str("[directory]\n");
    s.push_str(&format!("url = {}\n", toml_str(&plan.disc.url)));
    let flavour = match plan.flavour {
        Flavour::Openldap => "openldap",
        _ => "active-directory",
    };
    s.push_str(&format!("flavour = {}\n", toml_str(flavour)));
    s.push_str(&format!("bind_dn = {}\n", toml_str(&plan.bind_dn)));
    s.push_str(&format!(
        "bind_password_file = {}\n",
        toml_str(&password_file.to_string_lossy())
    ));
    s.push_str(&format!("base_dn = {}\n", toml_str(&plan.base_dn)));
    if let Some(ca) = ca {
        s.push_str(&format!("ca_cert = {}\n", toml_str(&ca.to_string_lossy())));
    }
    s.push_str("tls_verify = true\n");
    if plan.disc.starttls {
        s.push_str("starttls = true\n");
    }
    let mis = match plan.flavour {
        Flavour::Openldap => "employeeNumber",
        _ => "employeeID",
    };
    s.push_str(&format!("mis_id_attribute = {}\n", toml_str(mis)));
    let list = |v: &[String]| v.iter().map(|o| toml_str(o)).collect::<Vec<_>>().join(", ");
    let mut admin_written = false;
    for (role, rule) in &plan.roles.0 {
        s.push_str(&format!(
            "\n[directory.roles.{role}]\nous = [{}]\n",
            list(&rule.ous)
        ));
        if role == "admin" && !plan.admin_groups.is_empty() {
            // The admin role's OUs and groups are protected by default.
            s.push_str(&format!("groups = [{}]\n", list(&plan.admin_groups)));
            admin_written = true;
        }
    }
    if !admin_written && !plan.admin_groups.is_empty() {
        // No admin role to hang them on (roles are guessed): protect the groups by name.
        s.push_str(&format!(
            "\n[protect]\n# Added to the built-in protected accounts and groups, never instead of them.\ngroups = [{}]\n",
            list(&plan.admin_groups)
        ));
    }
    s.push_str(&format!(
        "\n[store]\npath = {}\n",
        toml_str(&plan.store.to_string_lossy())
    ));
    s
}

/// Writes `data` to `path` through a temporary file in the same directory (mode `mode`).
fn write_file(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = config_dir(path);
    let mut f = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
    f.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(path, e))?;
    f.write_all(data).map_err(|e| Error::io(path, e))?;
    f.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    f.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn make_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(dir, e))
}

fn write(plan: &Plan) -> Result<()> {
    let dir = config_dir(&plan.config);
    make_dir(&dir)?;
    if let Some(parent) = plan.store.parent() {
        make_dir(parent)?;
    }
    let password_file = match &plan.password {
        Password::File(p, _) => p.clone(),
        Password::Typed(secret) => {
            let p = dir.join("bind-password");
            write_file(&p, secret.expose().as_bytes(), 0o600)?;
            outln!("Wrote {} (mode 0600)", p.display());
            p
        }
    };
    let ca = match &plan.ca {
        Ca::System => None,
        Ca::File(p) => Some(p.clone()),
        Ca::Presented(pem) => {
            let p = dir.join("ca.pem");
            write_file(&p, pem.as_bytes(), 0o644)?;
            outln!(
                "Wrote {} (the certificates the server presented)",
                p.display()
            );
            Some(p)
        }
    };
    let text = config_text(plan, &password_file, ca.as_deref());
    // What is written must be what the program reads.
    crate::config::Config::parse(&text, &plan.config)?;
    write_file(&plan.config, text.as_bytes(), 0o600)?;
    outln!("Wrote {} (mode 0600)", plan.config.display());
    Ok(())
}
