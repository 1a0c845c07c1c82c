//! What a directory's own attributes mean, in words, for the mirror: whether an entry is locked
//! out, and what a change of a flavour's account-control attribute did (AD's
//! `userAccountControl` bits and `pwdLastSet`; OpenLDAP's `pwdAccountLockedTime` and
//! `pwdChangedTime`). The services ask the directory ([`super::Directory::entry_locked`],
//! [`super::Directory::describe_change`]); they never name these attributes.

use super::ad::uac;
use super::attrs::Entry;
use super::openldap::DISABLED_LOCK;

/// True when an account entry is locked out (AD `lockoutTime`, OpenLDAP a
/// `pwdAccountLockedTime` that is not schooltech's disable mark).
pub fn locked(e: &Entry) -> bool {
    e.int("lockoutTime").ok().flatten().is_some_and(|t| t > 0)
        || e.first("pwdAccountLockedTime")
            .is_some_and(|v| v != DISABLED_LOCK)
}

/// What a change of the account-control attribute `attr` (lower case) from `a` to `b` did, in
/// words; None when `attr` is not one of them (the caller says "attr: a → b").
pub fn describe(attr: &str, a: &[String], b: &[String]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    match attr {
        "useraccountcontrol" => {
            let num = |v: &[String]| {
                v.first()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let (x, y) = (num(a), num(b));
            let bit = |m: i64| (x & m != 0, y & m != 0);
            match bit(uac::DONT_EXPIRE_PASSWORD) {
                (false, true) => out.push("password set to never expire".into()),
                (true, false) => out.push("password never-expires cleared".into()),
                _ => {}
            }
            match bit(uac::ACCOUNTDISABLE) {
                (false, true) => out.push("disabled".into()),
                (true, false) => out.push("enabled".into()),
                _ => {}
            }
            match bit(uac::PASSWD_NOTREQD) {
                (false, true) => out.push("password-not-required set".into()),
                (true, false) => out.push("password-not-required cleared".into()),
                _ => {}
            }
            let rest = !(uac::DONT_EXPIRE_PASSWORD | uac::ACCOUNTDISABLE | uac::PASSWD_NOTREQD);
            if x & rest != y & rest {
                out.push(format!("userAccountControl {x} → {y}"));
            }
        }
        "pwdlastset" if b.first().map(String::as_str) == Some("0") => {
            out.push("must change password at next logon".into())
        }
        "pwdlastset" | "pwdchangedtime" => out.push("password set".into()),
        "pwdaccountlockedtime" => {
            let dis = |v: &[String]| v.iter().any(|s| s == DISABLED_LOCK);
            match (dis(a), dis(b)) {
                (false, true) => out.push("disabled".into()),
                (true, false) => out.push("enabled".into()),
                _ => {}
            }
        }
        _ => return None,
    }
    Some(out)
}
