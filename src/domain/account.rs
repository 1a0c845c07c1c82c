//! The one account model shared by every directory flavour.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A person's (or a shared) account as the school sees it, whatever the directory flavour.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Account {
    /// Login name (sAMAccountName / uid).
    pub username: String,
    /// Full distinguished name.
    pub dn: String,
    /// Display name, if set.
    pub display_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Role from `[directory.roles]` (pupil, staff, guest, admin, generic), if one matches.
    pub role: Option<String>,
    /// False when the account is disabled.
    pub enabled: bool,
    /// True when the account is locked out after failed logons.
    pub locked: bool,
    /// When the password was last set; None if never (or unknown).
    pub password_last_set: Option<DateTime<Utc>>,
    /// When the directory will expire the password, if it will.
    pub password_expires: Option<DateTime<Utc>>,
    /// The user must change the password at next logon.
    pub must_change_password: bool,
    /// The account is exempt from password expiry.
    pub password_never_expires: bool,
    /// The account may have an empty password.
    pub password_not_required: bool,
    /// The password is stored with reversible encryption (AD only).
    pub reversible_password: bool,
    /// Last logon the directory knows of (AD lastLogonTimestamp, ~14 days accurate).
    pub last_logon: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created: Option<DateTime<Utc>>,
    /// When the account expires; None if never.
    pub expires: Option<DateTime<Utc>>,
    /// Names (CN) of the groups the account is a direct member of.
    pub groups: Vec<String>,
    /// DNs of those groups, in the same order.
    #[serde(skip)]
    pub group_dns: Vec<String>,
    /// The school's MIS id (e.g. employeeID).
    pub mis_id: Option<String>,
    /// The directory's stable id for the object: AD `objectGUID` as the canonical GUID string,
    /// OpenLDAP `entryUUID`, a synthetic one in the demo. It survives renames and moves; a new
    /// account made with the same username gets a new one.
    pub object_id: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// The password policy that governs this account, as the directory names it
    /// (a password settings object or ppolicy entry), if not the default.
    #[serde(skip)]
    pub policy: Option<String>,
}

impl Account {
    /// The best name to show for the account.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(&self.username)
    }

    /// The parent container's DN (the OU the account sits in).
    pub fn parent_dn(&self) -> &str {
        crate::domain::dn::parent_dn(&self.dn)
    }

    /// A short status word: "disabled", "locked", "expired" or "active".
    pub fn status(&self, now: DateTime<Utc>) -> AccountStatus {
        if !self.enabled {
            AccountStatus::Disabled
        } else if self.expires.is_some_and(|e| e <= now) {
            AccountStatus::Expired
        } else if self.locked {
            AccountStatus::Locked
        } else {
            AccountStatus::Active
        }
    }

    /// True if `text` (already lower-cased) appears in the username, names, MIS id or DN.
    pub fn matches_text(&self, needle_lower: &str) -> bool {
        if needle_lower.is_empty() {
            return true;
        }
        let hit = |s: &str| s.to_lowercase().contains(needle_lower);
        hit(&self.username)
            || self.display_name.as_deref().is_some_and(hit)
            || self.given_name.as_deref().is_some_and(hit)
            || self.surname.as_deref().is_some_and(hit)
            || self.mis_id.as_deref().is_some_and(hit)
    }
}

/// The state of an account at a moment, for listing and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Enabled, not expired, not locked.
    Active,
    /// Locked out.
    Locked,
    /// Account expiry date has passed.
    Expired,
    /// Disabled.
    Disabled,
}

impl AccountStatus {
    /// Lower-case word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Locked => "locked",
            AccountStatus::Expired => "expired",
            AccountStatus::Disabled => "disabled",
        }
    }
}

/// What the technician asks to find.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Only accounts with this role.
    pub role: Option<String>,
    /// Only accounts under this OU (DN).
    pub ou: Option<String>,
    /// Free text: username, names or MIS id containing this.
    pub search: Option<String>,
    /// Only disabled accounts.
    pub disabled_only: bool,
    /// Also find which password policy governs each account (costly on AD, where the server
    /// works it out per account: only the password report asks for it).
    pub with_policy: bool,
}

/// A new account to create.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// Login name.
    pub username: String,
    /// Given name.
    pub given_name: String,
    /// Surname.
    pub surname: String,
    /// Display name (usually "Given Surname").
    pub display_name: String,
    /// The OU DN to create it in.
    pub parent_dn: String,
    /// MIS id, if known.
    pub mis_id: Option<String>,
    /// Account expiry, if any.
    pub expires: Option<DateTime<Utc>>,
    /// Description, if any.
    pub description: Option<String>,
    /// Group DNs to add the account to.
    pub groups: Vec<String>,
    /// The name the entry gets in its OU (AD's CN) when not the display name: the plan sets it
    /// when the display name is already taken there (e.g. `Amir Khan (amir.khan2)`).
    pub cn: Option<String>,
}

impl NewAccount {
    /// The name of the new entry in its OU: `cn` if planned, else the display name, else the
    /// username.
    pub fn rdn_name(&self) -> &str {
        self.cn
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .or(Some(self.display_name.as_str()).filter(|d| !d.trim().is_empty()))
            .unwrap_or(&self.username)
    }
}

/// A change to an existing account's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountChange {
    /// Enable or disable the account.
    SetEnabled(bool),
    /// Clear a lockout.
    Unlock,
    /// Set or clear the account expiry.
    SetExpires(Option<DateTime<Utc>>),
    /// Force (true) or clear (false) "must change password at next logon".
    SetMustChangePassword(bool),
    /// Set or clear the "password never expires" flag.
    SetPasswordNeverExpires(bool),
    /// Set the description.
    SetDescription(Option<String>),
    /// Set the names (`sync`: the MIS roll's name changed): given name, surname, display name.
    SetNames {
        /// Given name.
        given: String,
        /// Surname.
        surname: String,
        /// Display name.
        display: String,
    },
}
