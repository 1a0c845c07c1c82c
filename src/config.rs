//! The configuration file (TOML). Unknown or misspelt keys are errors naming the key and line.

use crate::directory::{Flavour, Secret};
use crate::domain::password::PasswordRules;
use crate::domain::roles::RoleMap;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the configuration is looked for when neither `--config` nor `$SCHOOLTECH_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/schooltech/schooltech.toml";
/// Where the store lives unless `[store] path` says otherwise.
pub const DEFAULT_STORE_PATH: &str = "/var/lib/schooltech/schooltech.db";
/// Environment variable that may hold the bind password.
pub const BIND_PASSWORD_ENV: &str = "SCHOOLTECH_BIND_PASSWORD";

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
    /// `[inventory]`: the equipment register.
    #[serde(default)]
    pub inventory: InventoryConfig,
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TuiConfig {
    /// `[tui.keys.PLACE]` `"KEY" = "ACTION"`: key overrides (PLACE is global, accounts, log,
    /// search or dialog; see `?` in the program for action names).
    pub keys: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
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
    /// Where import handout sheets are written (default: the current directory).
    pub handout_dir: Option<PathBuf>,
    /// `[accounts.import]`: CSV column names for `accounts import`.
    pub import: ImportColumns,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            username_pattern: "{first}.{last}".into(),
            guest_days: 5,
            handout_dir: None,
            import: ImportColumns::default(),
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
    /// The SQLite file.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from(DEFAULT_STORE_PATH),
        }
    }
}

impl Config {
    /// Parses configuration text; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "{}: {}",
                origin.display(),
                e.to_string().trim_end()
            ))
        })?;
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

impl DirectoryConfig {
    /// Reads the bind password: from `bind_password_file` (which must not be readable by
    /// group or others), else from `$SCHOOLTECH_BIND_PASSWORD`.
    pub fn bind_password(&self) -> Result<Secret> {
        if let Some(path) = &self.bind_password_file {
            return read_secret_file(path);
        }
        match std::env::var(BIND_PASSWORD_ENV) {
            Ok(p) if !p.is_empty() => Ok(Secret::new(p)),
            _ => Err(Error::Config(format!(
                "no bind password: set bind_password_file in [directory] (a file with mode 0600) \
                 or the environment variable ${BIND_PASSWORD_ENV}"
            ))),
        }
    }
}

/// Reads a password file, refusing one that group or others can read.
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
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
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
    }
}
