//! The configuration file (TOML). Unknown or misspelt keys are errors naming the key and line.

use crate::directory::Flavour;
use crate::domain::password::PasswordRules;
use crate::domain::roles::RoleMap;
use crate::domain::secret::Secret;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the configuration is looked for when neither `--config` nor `$SCHOOLTECH_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/schooltech/schooltech.toml";
/// Where the store lives unless `[store] path` says otherwise.
pub const DEFAULT_STORE_PATH: &str = "/var/lib/schooltech/schooltech.db";
/// Where `accounts import --apply` writes handout sheets unless `[accounts] handout_dir` says.
pub const DEFAULT_HANDOUT_DIR: &str = "/var/lib/schooltech/handouts";
/// Environment variable that may hold the bind password.
pub const BIND_PASSWORD_ENV: &str = "SCHOOLTECH_BIND_PASSWORD";
/// The systemd credential with the bind password (`LoadCredential=bind-password:FILE` in the
/// packaged units), read from `$CREDENTIALS_DIRECTORY` before anything else.
pub const BIND_PASSWORD_CREDENTIAL: &str = "bind-password";

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[school]`
    #[serde(default)]
    pub school: SchoolConfig,
    /// `[directory]`
    #[serde(default)]
    pub directory: DirectoryConfig,
    /// `[store]`
    #[serde(default)]
    pub store: StoreConfig,
    /// `[passwords]`: the school's password rules.
    #[serde(default)]
    pub passwords: PasswordRules,
    /// `[accounts]`: how new accounts are named and made.
    #[serde(default)]
    pub accounts: AccountsConfig,
    /// `[tui]`: the full-screen program.
    #[serde(default)]
    pub tui: TuiConfig,
    /// `[protect]`: accounts, groups and OUs schooltech never changes.
    #[serde(default)]
    pub protect: ProtectConfig,
    /// `[filter]`: web-filter exception requests.
    #[serde(default)]
    pub filter: FilterConfig,
    /// `[inventory]`: the equipment register.
    #[serde(default)]
    pub inventory: InventoryConfig,
    /// `[aup]`: acceptable use agreements.
    #[serde(default)]
    pub aup: AupConfig,
    /// `[leavers]`: zombie accounts, suspension, purge.
    #[serde(default)]
    pub leavers: LeaversConfig,
    /// `[mis]`: how the MIS export's columns are named.
    #[serde(default)]
    pub mis: MisConfig,
    /// `[report]`: the termly compliance report.
    #[serde(default)]
    pub report: ReportConfig,
    /// `[sync]`: keeping the directory in step with the MIS roll (`schooltech sync`).
    #[serde(default)]
    pub sync: SyncConfig,
}

/// `[report]`: the termly compliance report (`schooltech report termly`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// The school's terms, e.g. `{ name = "Autumn 2026", from = "2026-09-02", to = "2026-12-18" }`:
    /// `--term NAME` picks one; without it the report covers the term containing the day.
    pub terms: Vec<TermConfig>,
}

/// One term of `[report] terms`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermConfig {
    /// Its name, e.g. "Autumn 2026".
    pub name: String,
    /// First day (a quoted "YYYY-MM-DD").
    pub from: chrono::NaiveDate,
    /// Last day (a quoted "YYYY-MM-DD").
    pub to: chrono::NaiveDate,
}

impl ReportConfig {
    /// Checks the terms: named, first day not after the last, names not repeated.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for t in &self.terms {
            if t.name.trim().is_empty() {
                return Err("[report] terms: a term has no name".into());
            }
            if t.from > t.to {
                return Err(format!(
                    "[report] terms: \"{}\" starts ({}) after it ends ({})",
                    t.name, t.from, t.to
                ));
            }
            if !seen.insert(t.name.trim().to_lowercase()) {
                return Err(format!("[report] terms: \"{}\" is named twice", t.name));
            }
        }
        Ok(())
    }
}

/// `[aup]`: acceptable use agreements, who must sign which, and whether new accounts wait.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AupConfig {
    /// New accounts are created disabled ("awaiting acceptable use agreement") until their
    /// agreement is recorded, and enabling one without it is refused. Default false.
    pub require_before_access: bool,
    /// `[aup.agreements.NAME]`: the agreements. None configured: no account needs one.
    pub agreements: std::collections::BTreeMap<String, AgreementConfig>,
}

/// `[aup.agreements.NAME]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementConfig {
    /// The title printed on sign-off sheets (default: the name).
    #[serde(default)]
    pub title: String,
    /// The version in force (until `aup publish` records a newer one).
    pub version: String,
    /// The roles that must sign it (pupil, staff, guest, ...); a role in at most one agreement.
    pub roles: Vec<String>,
    /// `self` (the account holder) or `parent` (a parent or carer signs).
    #[serde(default)]
    pub signer: crate::domain::aup::Signer,
    /// Sign again after this many days even without a new version.
    #[serde(default)]
    pub renew_days: Option<u32>,
}

impl AupConfig {
    /// The agreements, in the order of their names.
    pub fn agreements(&self) -> Vec<crate::domain::aup::Agreement> {
        self.agreements
            .iter()
            .map(|(name, a)| crate::domain::aup::Agreement {
                name: name.clone(),
                title: if a.title.trim().is_empty() {
                    name.clone()
                } else {
                    a.title.trim().to_string()
                },
                version: a.version.trim().to_string(),
                roles: a.roles.iter().map(|r| r.trim().to_lowercase()).collect(),
                signer: a.signer,
                renew_days: a.renew_days,
            })
            .collect()
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
        for (name, a) in &self.agreements {
            if a.version.trim().is_empty() {
                return Err(format!("[aup.agreements.{name}] version is empty; give the version in force, e.g. version = \"2026\""));
            }
            if a.roles.is_empty() {
                return Err(format!("[aup.agreements.{name}] roles is empty; say who signs it, e.g. roles = [\"pupil\"]"));
            }
            if a.renew_days == Some(0) {
                return Err(format!(
                    "[aup.agreements.{name}] renew_days must be at least 1 (or left out)"
                ));
            }
            for r in &a.roles {
                let r = r.trim().to_lowercase();
                if let Some(other) = seen.insert(r.clone(), name) {
                    return Err(format!("the role \"{r}\" is in two agreements ({other} and {name}); each role signs one agreement"));
                }
            }
        }
        Ok(())
    }
}

/// `[leavers]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaversConfig {
    /// The OU suspended accounts are moved to (DN, with or without the base DN); empty: not moved.
    pub ou: String,
    /// Remove a suspended account from its groups (their DNs are kept in the store).
    pub remove_groups: bool,
    /// Reasons suspended instead of reviewed, beyond left/expired/guest-expired
    /// (`inactive`, `never-used`).
    pub suspend_reasons: Vec<String>,
    /// Days without a logon before an account is inactive, by role (others: 90).
    pub inactive_days: std::collections::BTreeMap<String, u32>,
    /// Days AD may lag in writing lastLogonTimestamp.
    pub replication_lag_days: u32,
    /// Days an account may stay never used after it was made.
    pub never_used_days: u32,
    /// Days a suspended account is kept before purge, by role (pupil 30, staff 90, guest 0).
    pub grace_days: std::collections::BTreeMap<String, u32>,
    /// A person's other accounts, by username pattern (`adm-{username}`, `{username}-admin`):
    /// listed and suspended with the leaver, or left to disable by hand when protected.
    pub linked: Vec<String>,
}

impl Default for LeaversConfig {
    fn default() -> Self {
        LeaversConfig {
            ou: String::new(),
            remove_groups: true,
            suspend_reasons: Vec::new(),
            inactive_days: std::collections::BTreeMap::new(),
            replication_lag_days: 14,
            never_used_days: 30,
            grace_days: crate::domain::leavers::default_grace_days(),
            linked: Vec::new(),
        }
    }
}

/// `[mis]`: the MIS export's columns (names as in its header; case, spaces, `_` and `-` do not
/// matter). An empty name means the export has no such column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MisConfig {
    /// The export read when no `--mis` is given (and by the TUI's Leavers tab); empty: none.
    pub file: String,
    /// `leavers` (rows are people who left) or `roll` (rows are everyone on roll).
    pub mode: crate::domain::leavers::mis::Mode,
    /// The MIS id column (matched to `[directory] mis_id_attribute`).
    pub id_column: String,
    /// The username column.
    pub username_column: String,
    /// Given name.
    pub first_name_column: String,
    /// Surname.
    pub last_name_column: String,
    /// Role (pupil/staff).
    pub role_column: String,
    /// Leaving date (leavers mode).
    pub leaving_date_column: String,
    /// NC year (`sync`: the year in the layout rules); empty or absent: none.
    pub year_column: String,
    /// Form / registration group (`sync`); empty or absent: none.
    pub form_column: String,
    /// Preferred first name (`sync`: used instead of the first name when filled); empty: none.
    pub preferred_first_name_column: String,
}

impl Default for MisConfig {
    fn default() -> Self {
        MisConfig {
            file: String::new(),
            mode: crate::domain::leavers::mis::Mode::Leavers,
            id_column: "Id".into(),
            username_column: "Username".into(),
            first_name_column: "Forename".into(),
            last_name_column: "Surname".into(),
            role_column: "Role".into(),
            leaving_date_column: "Leaving Date".into(),
            year_column: "NC Year".into(),
            form_column: "Form".into(),
            preferred_first_name_column: String::new(),
        }
    }
}

/// `[protect]`: what no changing action may touch. What is listed here ADDS to the built-in set
/// (these defaults: Administrator, krbtgt, Guest, the privileged groups) and never removes from
/// it; the directory's well-known accounts and privileged groups (by SID), the bind account and
/// the `admin` role's OUs and groups are protected whatever this says.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ProtectConfig {
    /// Usernames (sAMAccountName / uid) or DNs of protected accounts.
    pub accounts: Vec<String>,
    /// Names (CN) or DNs of protected groups: their members are protected, and nobody is added
    /// to them without `--allow-protected`.
    pub groups: Vec<String>,
    /// DNs (with or without the base DN) of OUs whose accounts are protected.
    pub ous: Vec<String>,
}

impl Default for ProtectConfig {
    fn default() -> Self {
        ProtectConfig {
            accounts: ["Administrator", "krbtgt", "Guest"]
                .map(String::from)
                .to_vec(),
            groups: [
                "Domain Admins",
                "Enterprise Admins",
                "Schema Admins",
                "Administrators",
                "Account Operators",
            ]
            .map(String::from)
            .to_vec(),
            ous: Vec::new(),
        }
    }
}

/// `[filter]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterConfig {
    /// How often the exceptions are reviewed: termly (default), half-termly, monthly,
    /// twice-yearly, annually, or "N days"; never more than a year.
    pub review_interval: String,
    /// `[filter.approvers.ROLE]`: the roles that must all approve a request (default the Network
    /// Manager and the ICT Coordinator), each with a title and who may act in it.
    pub approvers: std::collections::BTreeMap<String, ApproverConfig>,
}

impl Default for FilterConfig {
    fn default() -> Self {
        FilterConfig {
            review_interval: "termly".into(),
            approvers: crate::domain::filter::state::default_roles()
                .into_iter()
                .map(|r| {
                    (
                        r.name,
                        ApproverConfig {
                            title: r.title,
                            usernames: r.usernames,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl FilterConfig {
    /// The approver roles, in the order of the file's keys.
    pub fn roles(&self) -> Vec<crate::domain::filter::Role> {
        self.approvers
            .iter()
            .map(|(name, a)| crate::domain::filter::Role {
                name: name.to_ascii_lowercase(),
                title: if a.title.trim().is_empty() {
                    name.clone()
                } else {
                    a.title.trim().to_string()
                },
                usernames: a.usernames.iter().map(|u| u.trim().to_string()).collect(),
            })
            .collect()
    }

    /// The review interval in days (validated when the file is read).
    pub fn review_days(&self) -> u32 {
        crate::domain::filter::review::interval_days(&self.review_interval).unwrap_or(122)
    }
}

/// `[filter.approvers.ROLE]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApproverConfig {
    /// The role's title, e.g. "Network Manager".
    pub title: String,
    /// Directory usernames allowed to act in this role; empty: any enabled staff account.
    pub usernames: Vec<String>,
}

/// `[inventory]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InventoryConfig {
    /// Assets not seen by an audit for longer than this many days are listed in the audit report.
    pub audit_interval_days: u32,
    /// Label sheet: `"65"` (38.1 x 21.2 mm) or `"21"` (63.5 x 38.1 mm) labels per A4 sheet.
    pub label_layout: crate::domain::inventory::labels::Layout,
    /// Days a loan runs when `inventory loan` is given no `--due`.
    pub loan_days: u32,
}

impl Default for InventoryConfig {
    fn default() -> Self {
        InventoryConfig {
            audit_interval_days: 120,
            label_layout: crate::domain::inventory::labels::Layout::L65,
            loan_days: 365,
        }
    }
}

/// `[tui]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TuiConfig {
    /// `[tui.keys.PLACE]` `"KEY" = "ACTION"`: key overrides. PLACE is one of the keymap's places
    /// (global, each tab's, search, dialog: checked when the program starts); see `?` in the
    /// program for action names.
    pub keys: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// A change to more than this many targets is confirmed by typing their count (default 20).
    pub type_to_confirm: usize,
}

impl Default for TuiConfig {
    fn default() -> Self {
        TuiConfig {
            keys: Default::default(),
            type_to_confirm: 20,
        }
    }
}

/// `[accounts]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// Username pattern: `{first}`, `{last}`, `{first_initial}`, `{last_initial}`, `{yy}`,
    /// `{yyyy}` (intake year), `{mis}`; a digit is added on a clash.
    pub username_pattern: String,
    /// Supply-staff (guest) accounts expire after this many school days (Mon–Fri).
    pub guest_days: u32,
    /// Where import handout sheets are written (default [`DEFAULT_HANDOUT_DIR`], made mode
    /// 0700 when missing).
    pub handout_dir: Option<PathBuf>,
    /// `[accounts.import]`: CSV column names for `accounts import`.
    pub import: ImportColumns,
    /// `doctor` warns about handout and slip files older than this many days (default 14).
    pub handout_days: u32,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            username_pattern: "{first}.{last}".into(),
            guest_days: 5,
            handout_dir: None,
            import: ImportColumns::default(),
            handout_days: 14,
        }
    }
}

/// `[accounts.import]`: the CSV header names (matched without regard to case or spaces).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportColumns {
    /// First (given) name column.
    pub first_name: String,
    /// Last name (surname) column.
    pub last_name: String,
    /// Role column (pupil, staff, …); rows without it use `--role`.
    pub role: String,
    /// Year/form group column, for handout sheets.
    pub form: String,
    /// MIS id column.
    pub mis_id: String,
}

impl Default for ImportColumns {
    fn default() -> Self {
        ImportColumns {
            first_name: "First Name".into(),
            last_name: "Last Name".into(),
            role: "Role".into(),
            form: "Form".into(),
            mis_id: "MIS Id".into(),
        }
    }
}

/// `[school]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchoolConfig {
    /// The school's name, shown in the header and used to reject guessable passwords.
    pub name: String,
}

impl Default for SchoolConfig {
    fn default() -> Self {
        SchoolConfig {
            name: "School".into(),
        }
    }
}

/// `[directory]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// `ldaps://host:636`, `ldap://host:389` (with `starttls = true` off loopback).
    pub url: String,
    /// `active-directory` or `openldap`.
    pub flavour: Flavour,
    /// The DN the program binds as.
    pub bind_dn: String,
    /// A file (mode 0600) holding the bind password.
    pub bind_password_file: Option<PathBuf>,
    /// Where accounts are searched.
    pub base_dn: String,
    /// PEM file of the CA that signed the server's certificate.
    pub ca_cert: Option<PathBuf>,
    /// Verify the server's certificate (turning it off prints a warning every run).
    pub tls_verify: bool,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// Seconds to wait for a connection.
    pub connect_timeout_s: u64,
    /// Seconds to wait for one operation.
    pub op_timeout_s: u64,
    /// Attribute holding the MIS id (e.g. `employeeID`, `employeeNumber`).
    pub mis_id_attribute: String,
    /// OpenLDAP only: the DN of the default ppolicy entry (as in slapd's `ppolicy_default`);
    /// defaults to `cn=default,ou=Policies,<base_dn>`.
    pub ppolicy_default_dn: Option<String>,
    /// `[directory.roles]`: role name to OUs / groups.
    pub roles: RoleMap,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            url: String::new(),
            flavour: Flavour::ActiveDirectory,
            bind_dn: String::new(),
            bind_password_file: None,
            base_dn: String::new(),
            ca_cert: None,
            tls_verify: true,
            starttls: false,
            connect_timeout_s: 10,
            op_timeout_s: 60,
            mis_id_attribute: "employeeID".into(),
            ppolicy_default_dn: None,
            roles: RoleMap::default(),
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The SQLite file: the whole store on `engine = "sqlite"`; the local directory mirror on
    /// `engine = "postgres"`.
    pub path: PathBuf,
    /// `sqlite` (the default, embedded) or `postgres` (a trust's shared server).
    pub engine: StoreEngine,
    /// PostgreSQL only: `postgres://ROLE@HOST:PORT/DATABASE`, never with a password in it.
    pub url: Option<String>,
    /// PostgreSQL only: the file holding the role's password (mode 0600).
    pub password_file: Option<PathBuf>,
    /// PostgreSQL only: the PEM file of the CA that signed the server's certificate (required
    /// unless the server is on this machine).
    pub ca_cert: Option<PathBuf>,
}

/// `[store] engine`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreEngine {
    /// One SQLite file on this server.
    #[default]
    Sqlite,
    /// A PostgreSQL database shared by the trust's schools.
    Postgres,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from(DEFAULT_STORE_PATH),
            engine: StoreEngine::Sqlite,
            url: None,
            password_file: None,
            ca_cert: None,
        }
    }
}

impl StoreConfig {
    fn validate(&self) -> std::result::Result<(), String> {
        let pg_only = [
            ("url", self.url.is_some()),
            ("password_file", self.password_file.is_some()),
            ("ca_cert", self.ca_cert.is_some()),
        ];
        match self.engine {
            StoreEngine::Sqlite => match pg_only.iter().find(|(_, set)| *set) {
                Some((key, _)) => Err(format!(
                    "[store] {key} is for engine = \"postgres\"; remove it, or set engine = \"postgres\""
                )),
                None => Ok(()),
            },
            StoreEngine::Postgres => match &self.url {
                Some(u) if !u.trim().is_empty() => Ok(()),
                _ => Err("[store] engine = \"postgres\" needs url = \"postgres://ROLE@HOST:PORT/DATABASE\"".into()),
            },
        }
    }

    /// How to reach PostgreSQL (`engine = "postgres"`): the url, the password read from
    /// `password_file` (refused unless it is ours and mode 0600), the CA.
    pub fn pg_settings(&self) -> Result<crate::store::engine::postgres::PgSettings> {
        let url =
            self.url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    Error::Config(
                "[store] url is not set; write url = \"postgres://ROLE@HOST:PORT/DATABASE\"".into(),
            )
                })?;
        let password = match &self.password_file {
            Some(p) => {
                check_owner_and_mode(p, "[store] password_file", 0o077)?;
                let text = std::fs::read_to_string(p).map_err(|e| {
                    Error::Config(format!(
                        "cannot read [store] password_file {}: {e}",
                        p.display()
                    ))
                })?;
                Some(text.trim_end_matches(['\r', '\n']).to_string())
            }
            None => None,
        };
        Ok(crate::store::engine::postgres::PgSettings {
            url,
            password,
            ca_cert: self.ca_cert.clone(),
            timeout: crate::store::BUSY_TIMEOUT,
        })
    }
}

impl Config {
    /// Parses configuration text; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| parse_error(text, origin, &e))?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    /// Finds and reads the configuration: `explicit`, else `$SCHOOLTECH_CONFIG`, else the default path.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, PathBuf)> {
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("SCHOOLTECH_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Config(format!(
                    "no configuration at {}; copy config/schooltech.example.toml there and edit it, \
                     pass --config PATH or set $SCHOOLTECH_CONFIG, or try the demo with --demo",
                    path.display()
                ))
            } else {
                Error::Config(format!("cannot read {}: {e}", path.display()))
            }
        })?;
        check_owner_and_mode(&path, "the configuration file", 0o022)?;
        Ok((Config::parse(&text, &path)?, path))
    }

    fn validate(&self, origin: &Path) -> Result<()> {
        let d = &self.directory;
        let missing = |key: &str| {
            Error::Config(format!(
                "{}: [directory] {key} is not set",
                origin.display()
            ))
        };
        if d.flavour != Flavour::Demo {
            if d.url.trim().is_empty() {
                return Err(missing("url"));
            }
            if d.base_dn.trim().is_empty() {
                return Err(missing("base_dn"));
            }
            if d.bind_dn.trim().is_empty() {
                return Err(missing("bind_dn"));
            }
        }
        if d.connect_timeout_s == 0 || d.op_timeout_s == 0 {
            return Err(Error::Config(format!(
                "{}: [directory] connect_timeout_s and op_timeout_s must be at least 1",
                origin.display()
            )));
        }
        if let Err(e) = crate::domain::filter::review::interval_days(&self.filter.review_interval) {
            return Err(Error::Config(format!("{}: [filter] {e}", origin.display())));
        }
        if self.filter.approvers.len() < 2 {
            return Err(Error::Config(format!(
                "{}: [filter.approvers] needs at least two roles (two people decide each request); \
                 the defaults are network-manager and ict-coordinator",
                origin.display()
            )));
        }
        if let Err(e) = self.store.validate() {
            return Err(Error::Config(format!("{}: {e}", origin.display())));
        }
        if let Err(e) = self.aup.validate() {
            return Err(Error::Config(format!("{}: {e}", origin.display())));
        }
        if let Err(e) = self.report.validate() {
            return Err(Error::Config(format!("{}: {e}", origin.display())));
        }
        if let Err(errs) = self.passwords.validate() {
            let list: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            return Err(Error::Config(format!(
                "{}: [passwords] {}",
                origin.display(),
                list.join("; ")
            )));
        }
        Ok(())
    }
}

/// True for a key whose value must never be printed (its name says password or secret).
fn sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k.contains("secret")
}

/// A toml error as a message that names the line, column and key but never prints a line of
/// the file (toml quotes the source line) and never the value of a password or secret key.
fn parse_error(text: &str, origin: &Path, e: &toml::de::Error) -> Error {
    let (line, col) = e
        .span()
        .map(|s| {
            let before = text.get(..s.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, col)
        })
        .unwrap_or((0, 0));
    let mut msg = e.message().trim_end().to_string();
    // Every value of a sensitive key in the file, however quoted, is blanked out of the message.
    let mut secrets: Vec<String> = Vec::new();
    for l in text.lines() {
        if let Some((k, v)) = l.split_once('=') {
            let k = k.trim().trim_matches(['"', '\'']);
            if sensitive_key(k) {
                let v = v.trim();
                secrets.push(v.to_string());
                secrets.push(v.trim_matches(['"', '\'']).to_string());
            }
        }
    }
    let at = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let key_here = at
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches(['"', '\'']));
    let sensitive_here = key_here.is_some_and(sensitive_key);
    if sensitive_here {
        // Keep what is in backticks (key names), drop everything quoted or after a colon.
        msg = msg
            .split('"')
            .step_by(2)
            .collect::<Vec<_>>()
            .join("\"***\"");
    }
    for s in secrets.iter().filter(|s| s.chars().count() >= 3) {
        msg = msg.replace(s.as_str(), "***");
    }
    let mut out = format!("{}: line {line}, column {col}: {msg}", origin.display());
    if let Some(k) = key_here.filter(|_| sensitive_here) {
        out.push_str(&format!(" (key `{k}`; its value is not shown)"));
        if k.eq_ignore_ascii_case("bind_password") {
            out.push_str(
                "; the bind password never goes in the configuration: put it in a file with mode 0600 and set bind_password_file in [directory], or use $SCHOOLTECH_BIND_PASSWORD",
            );
        }
    }
    Error::Config(out)
}

impl DirectoryConfig {
    /// Reads the bind password: from the systemd credential `bind-password` when the unit
    /// passed one (`$CREDENTIALS_DIRECTORY`), else from `bind_password_file` (which must not be
    /// readable by group or others), else from `$SCHOOLTECH_BIND_PASSWORD`.
    pub fn bind_password(&self) -> Result<Secret> {
        if let Some(path) = credential_file(std::env::var_os("CREDENTIALS_DIRECTORY")) {
            return read_secret_file(&path);
        }
        if let Some(path) = &self.bind_password_file {
            return read_secret_file(path);
        }
        take_bind_password_env();
        let kept = ENV_PASSWORD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match kept.as_ref() {
            Some(p) => Ok(p.clone()),
            None => Err(Error::Config(format!(
                "no bind password: set bind_password_file in [directory] (a file with mode 0600) \
                 or the environment variable ${BIND_PASSWORD_ENV}"
            ))),
        }
    }
}

/// The bind password credential in systemd's credentials directory, when there is one.
fn credential_file(dir: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let path = Path::new(&dir?).join(BIND_PASSWORD_CREDENTIAL);
    path.is_file().then_some(path)
}

/// `$SCHOOLTECH_BIND_PASSWORD`, once taken out of the environment (wiped when replaced).
static ENV_PASSWORD: std::sync::Mutex<Option<Secret>> = std::sync::Mutex::new(None);

/// Moves `$SCHOOLTECH_BIND_PASSWORD` out of the process environment into memory, so that no
/// child process inherits it. `main` calls it first, before any thread starts; reading the
/// bind password calls it too. Harmless when the variable is not set.
pub fn take_bind_password_env() {
    let Some(v) = std::env::var_os(BIND_PASSWORD_ENV) else {
        return;
    };
    std::env::remove_var(BIND_PASSWORD_ENV);
    if let Ok(text) = v.into_string() {
        let mut text = zeroize::Zeroizing::new(text);
        if !text.is_empty() {
            *ENV_PASSWORD
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Secret::take(&mut text));
        }
    }
}

/// The effective user id of this process (the second field of `Uid:` in /proc/self/status).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Refuses a file that decides what the program does (the configuration, the bind password)
/// when another user could change it: owned by someone other than the running user or root,
/// or with any of the `forbidden` mode bits (group/other write for the configuration; any
/// group/other access for the password). The message gives the commands that fix it.
fn check_owner_and_mode(path: &Path, what: &str, forbidden: u32) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Config(format!("cannot read {what} {}: {e}", path.display())))?;
    let (mode, owner) = (meta.mode() & 0o7777, meta.uid());
    let me = effective_uid();
    let wrong_owner = me.is_some_and(|me| owner != me && owner != 0);
    let wrong_mode = mode & forbidden != 0;
    if !wrong_owner && !wrong_mode {
        return Ok(());
    }
    let quoted = format!("'{}'", path.display().to_string().replace('\'', "'\\''"));
    let mut why = Vec::new();
    let mut fix = Vec::new();
    if wrong_owner {
        why.push(format!("it is owned by another user (uid {owner})"));
        fix.push(format!("chown {} {quoted}", me.unwrap_or(0)));
    }
    if wrong_mode {
        let clear = if forbidden == 0o022 { "go-w" } else { "go-rwx" };
        why.push(format!(
            "other users can {} it (mode {:04o})",
            if forbidden == 0o022 {
                "change"
            } else {
                "read or change"
            },
            mode
        ));
        fix.push(format!("chmod {clear} {quoted}"));
    }
    Err(Error::Config(format!(
        "refusing {what} {}: {}, so it could be used to change what this program does; run: {}",
        path.display(),
        why.join(" and "),
        fix.join(" && ")
    )))
}

/// Reads a password file, refusing one that group or others can read or that another user
/// owns.
pub fn read_secret_file(path: &Path) -> Result<Secret> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::Config(format!(
            "cannot read the bind password file {}: {e}; check bind_password_file in [directory]",
            path.display()
        ))
    })?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(Error::Config(format!(
            "the bind password file {} can be read by other users (mode {:03o}); run: chmod 600 '{}'",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    check_owner_and_mode(path, "the bind password file", 0o077)?;
    // Read into a buffer of the right size (no reallocation leaves copies behind), wiped on drop.
    let mut text = zeroize::Zeroizing::new(String::with_capacity(
        usize::try_from(meta.len()).unwrap_or(0).saturating_add(1),
    ));
    {
        use std::io::Read;
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| Error::io(path, e))?;
    }
    let pw = text.trim_end_matches(['\n', '\r']);
    if pw.is_empty() {
        return Err(Error::Config(format!(
            "the bind password file {} is empty",
            path.display()
        )));
    }
    Ok(Secret::new(pw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_key_names_key_and_line() {
        let err = Config::parse("[directory]\nurll = \"x\"\n", Path::new("t.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("urll"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn password_values_are_never_echoed_in_errors() {
        for text in [
            "[directory]\nbind_password = \"Hunter2!Horse\"\n",
            "[directory]\nurl = \"ldaps://x\"\n  BIND_PASSWORD = 'Hunter2!Horse'\n",
            "[directory]\nbind_password_file = \"/etc/x\"\nclient_secret = \"\"\"Hunter2!Horse\"\"\"\n",
            "[directory]\nbind_password_file = 1234567890\n",
            "secret_key = \"Hunter2!Horse\"\n",
        ] {
            let msg = Config::parse(text, Path::new("t.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                !msg.contains("Hunter2") && !msg.contains("1234567890"),
                "{text}: {msg}"
            );
            assert!(msg.contains("line "), "{msg}");
            assert!(
                msg.contains("password") || msg.contains("secret"),
                "the key is named: {msg}"
            );
        }
        let msg = Config::parse("[directory]\nbind_password = \"x\"\n", Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("bind_password_file"), "says what to do: {msg}");
    }

    #[test]
    fn the_bind_password_variable_is_removed_from_the_environment_once_read() {
        // The only test that touches this variable.
        std::env::set_var(BIND_PASSWORD_ENV, "Env#Bind9Pass");
        let d = DirectoryConfig::default();
        assert_eq!(
            d.bind_password().expect("from env").expose(),
            "Env#Bind9Pass"
        );
        assert!(
            std::env::var_os(BIND_PASSWORD_ENV).is_none(),
            "child processes would inherit it"
        );
        // Still there for a second read (a reconnect), from memory.
        assert_eq!(d.bind_password().expect("again").expose(), "Env#Bind9Pass");
    }

    #[test]
    fn full_config_parses() {
        let text = r#"
[school]
name = "Test Academy"
[directory]
url = "ldaps://dc1.school.test"
flavour = "active-directory"
bind_dn = "CN=svc,DC=school,DC=test"
bind_password_file = "/etc/schooltech/bindpw"
base_dn = "DC=school,DC=test"
ca_cert = "/etc/schooltech/ca.pem"
tls_verify = true
starttls = false
connect_timeout_s = 5
op_timeout_s = 30
mis_id_attribute = "employeeID"
[directory.roles.pupil]
ous = ["OU=Pupils,OU=School"]
default_groups = ["CN=Pupils,OU=School,DC=school,DC=test"]
[store]
path = "/tmp/x.db"
"#;
        let c = Config::parse(text, Path::new("t.toml")).unwrap();
        assert_eq!(c.directory.flavour, Flavour::ActiveDirectory);
        assert_eq!(c.directory.roles.0["pupil"].ous.len(), 1);
    }

    #[test]
    fn missing_url_is_config_error() {
        let err =
            Config::parse("[directory]\nbase_dn = \"dc=x\"\n", Path::new("t.toml")).unwrap_err();
        assert!(err.to_string().contains("url"));
    }

    #[test]
    fn world_readable_password_file_refused_with_chmod() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "secret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let msg = read_secret_file(&p).unwrap_err().to_string();
        assert!(msg.contains("chmod 600"), "{msg}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&p).unwrap().expose(), "secret");
    }

    #[test]
    fn store_engine_keys_are_checked() {
        let parse = |store: &str| {
            Config::parse(
                &format!("[directory]\nflavour = \"demo\"\n\n[store]\n{store}"),
                Path::new("t.toml"),
            )
        };
        let c = parse("").unwrap();
        assert_eq!(c.store.engine, StoreEngine::Sqlite);
        let e = parse("url = \"postgres://a@db/st\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[store] url is for engine = \"postgres\""),
            "{e}"
        );
        let e = parse("engine = \"postgres\"\n").unwrap_err().to_string();
        assert!(e.contains("needs url"), "{e}");
        let e = parse("engine = \"mysql\"\n").unwrap_err().to_string();
        assert!(e.contains("expected `sqlite` or `postgres`"), "{e}");
        let c = parse("engine = \"postgres\"\nurl = \"postgres://a@db/st\"\n").unwrap();
        assert_eq!(c.store.engine, StoreEngine::Postgres);
    }

    #[test]
    fn store_password_file_must_be_private_and_is_never_echoed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pgpw");
        std::fs::write(&p, "Pg-secret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = StoreConfig {
            engine: StoreEngine::Postgres,
            url: Some("postgres://a@127.0.0.1/st".into()),
            password_file: Some(p.clone()),
            ..StoreConfig::default()
        };
        let e = store.pg_settings().unwrap_err().to_string();
        assert!(e.contains("chmod go-rwx"), "{e}");
        assert!(!e.contains("Pg-secret"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = store.pg_settings().unwrap();
        assert_eq!(s.password.as_deref(), Some("Pg-secret"));
    }

    /// The packaged units pass the bind password by `LoadCredential=bind-password:FILE`.
    #[test]
    fn the_systemd_credential_is_found_in_its_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(credential_file(None), None);
        assert_eq!(credential_file(Some(dir.path().into())), None);
        let p = dir.path().join(BIND_PASSWORD_CREDENTIAL);
        std::fs::write(&p, "s3cret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o400)).unwrap();
        let found = credential_file(Some(dir.path().into())).unwrap();
        assert_eq!(found, p);
        assert_eq!(read_secret_file(&found).unwrap().expose(), "s3cret");
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config/schooltech.example.toml");
        let c = Config::parse(text, Path::new("config/schooltech.example.toml")).unwrap();
        assert_eq!(c.passwords.max_age_days, 90);
        assert_eq!(c.directory.roles.0.len(), 5);
        assert_eq!(c.protect.accounts, ["Administrator", "krbtgt", "Guest"]);
        let roles = c.filter.roles();
        assert_eq!(roles.len(), 2);
        assert!(roles.iter().any(|r| r.title == "Network Manager"));
        assert_eq!(c.filter.review_days(), 122);
        assert!(!c.aup.require_before_access);
        let ags = c.aup.agreements();
        assert_eq!(ags.len(), 3);
        let names: Vec<&str> = ags.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["guest", "pupil-primary", "staff"]);
        assert_eq!(ags[1].signer, crate::domain::aup::Signer::Parent);
        assert_eq!(ags[1].roles, ["pupil"]);
        assert_eq!(c.report.terms.len(), 6);
        assert_eq!(c.report.terms[0].name, "Autumn 2026");
    }

    #[test]
    fn report_terms_are_checked() {
        let parse = |t: &str| {
            Config::parse(
                &format!("[directory]\nflavour = \"demo\"\n{t}"),
                Path::new("t.toml"),
            )
        };
        assert!(parse("").unwrap().report.terms.is_empty());
        let err = parse(
            "[report]\nterms = [{ name = \"A\", from = \"2026-12-18\", to = \"2026-09-02\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("starts"), "{err}");
        let err = parse("[report]\nterms = [{ name = \"A\", from = \"2026-09-02\", to = \"2026-12-18\" }, { name = \"a\", from = \"2027-01-05\", to = \"2027-03-26\" }]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("twice"), "{err}");
        let err = parse("[report]\nterm = []\n").unwrap_err().to_string();
        assert!(err.contains("term"), "{err}");
    }

    #[test]
    fn aup_agreements_are_checked() {
        let parse = |t: &str| {
            Config::parse(
                &format!("[directory]\nflavour = \"demo\"\n{t}"),
                Path::new("t.toml"),
            )
        };
        let c = parse("").unwrap();
        assert!(!c.aup.require_before_access && c.aup.agreements.is_empty());
        let err = parse("[aup.agreements.a]\nversion = \"1\"\nroles = [\"pupil\"]\n[aup.agreements.b]\nversion = \"1\"\nroles = [\"Pupil\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("two agreements"), "{err}");
        let err = parse("[aup.agreements.a]\nversion = \"\"\nroles = [\"pupil\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("version"), "{err}");
        let err = parse(
            "[aup.agreements.a]\nversion = \"1\"\nroles = [\"pupil\"]\nsigner = \"teacher\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("signer") || err.contains("teacher"), "{err}");
        let err = parse("[aup]\nrequire = true\n").unwrap_err().to_string();
        assert!(err.contains("require"), "{err}");
        let c = parse("[aup]\nrequire_before_access = true\n[aup.agreements.staff]\nversion = \"3\"\nroles = [\"staff\"]\nrenew_days = 365\n").unwrap();
        let a = &c.aup.agreements()[0];
        assert_eq!(
            (a.title.as_str(), a.renew_days, a.signer),
            ("staff", Some(365), crate::domain::aup::Signer::Holder)
        );
    }

    #[test]
    fn filter_review_interval_is_at_most_a_year() {
        let parse = |t: &str| {
            Config::parse(
                &format!("[directory]\nflavour = \"demo\"\n{t}"),
                Path::new("t.toml"),
            )
        };
        let err = parse("[filter]\nreview_interval = \"400 days\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least once a year"), "{err}");
        let err = parse("[filter.approvers.network-manager]\ntitle = \"NM\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least two roles"), "{err}");
        let c = parse("[filter]\nreview_interval = \"annually\"\n").unwrap();
        assert_eq!(c.filter.review_days(), 365);
        assert_eq!(c.filter.roles().len(), 2);
    }
}

/// `[sync]`: `schooltech sync` (the MIS roll against the directory).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    /// Days an account missing from the roll keeps working before the leaver scan takes it, by
    /// role (`{ pupil = 30, staff = 60 }`); roles not named: pupil 30, staff 60, others 30.
    pub tolerate_days: std::collections::BTreeMap<String, u32>,
    /// A roll on which more than this percentage of a role's accounts are missing is refused as
    /// a probable bad export (default 20).
    pub max_missing_percent: f64,
    /// A changed name changes the username too (default false: the username stays).
    pub rename_usernames: bool,
    /// The logon text printed on password slips.
    pub slip_text: String,
    /// `[sync.layout.ROLE]`: where a role's accounts live, their groups and usernames.
    pub layout: std::collections::BTreeMap<String, LayoutConfig>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            tolerate_days: [("pupil".to_string(), 30), ("staff".to_string(), 60)]
                .into_iter()
                .collect(),
            max_missing_percent: 20.0,
            rename_usernames: false,
            slip_text: "Log on with this username and temporary password; you will be asked to choose your own.".into(),
            layout: std::collections::BTreeMap::new(),
        }
    }
}

impl SyncConfig {
    /// The days an account of `role` missing from the roll is tolerated.
    pub fn tolerate_for(&self, role: &str) -> u32 {
        self.tolerate_days
            .get(role)
            .copied()
            .unwrap_or(if role == "staff" { 60 } else { 30 })
    }
}

/// `[sync.layout.ROLE]`: templates with `{year}`, `{form}` (OU and groups) and `{given}`,
/// `{surname}`, `{initial}`, `{yy}` (year of entry), or the `[accounts] username_pattern`
/// tokens (username).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct LayoutConfig {
    /// The OU, e.g. `OU=Year {year},OU=Pupils,OU=School` (with or without the base DN).
    pub ou: String,
    /// Groups (names), e.g. `["Pupils", "Year {year}", "Form {form}"]`.
    pub groups: Vec<String>,
    /// The username template, e.g. `{given}.{surname}` or `{yy}{surname}{initial}`.
    pub username: String,
}
