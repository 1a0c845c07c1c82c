//! The directory's own password policy, and how it compares with the school's rules.

use serde::Serialize;

/// One password policy as the directory holds it (domain default, a password settings
/// object, or a ppolicy entry). `None` means the directory does not say.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PolicySettings {
    /// Where it lives: "domain default", or the DN of the PSO / ppolicy entry.
    pub name: String,
    /// DN of the entry holding it.
    pub dn: String,
    /// Minimum length.
    pub min_length: Option<u32>,
    /// Complexity (AD) / quality checking (OpenLDAP) on.
    pub complexity: Option<bool>,
    /// Maximum age in days; `Some(0)` means passwords never expire.
    pub max_age_days: Option<u32>,
    /// Users must change a password an administrator set (OpenLDAP pwdMustChange).
    pub must_change_after_reset: Option<bool>,
    /// Lockout after this many failures; 0 = never.
    pub lockout_threshold: Option<u32>,
    /// Groups (or users) this applies to, for fine-grained policies.
    pub applies_to: Vec<String>,
    /// Precedence of a fine-grained policy (lower wins).
    pub precedence: Option<u32>,
}

/// All password policies the directory has.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DirectoryPolicy {
    /// The default policy (domain or ppolicy default); None if there is none.
    pub default: Option<PolicySettings>,
    /// Fine-grained policies (AD PSOs, other ppolicy entries).
    pub others: Vec<PolicySettings>,
}

/// The school's rules that the directory's policy should match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolPolicyTarget {
    /// Minimum length (8).
    pub min_length: u32,
    /// Mixed character classes required.
    pub complexity: bool,
    /// Maximum age in days (90).
    pub max_age_days: u32,
    /// Maximum age for generic/shared accounts (42).
    pub generic_max_age_days: u32,
}

impl Default for SchoolPolicyTarget {
    fn default() -> Self {
        SchoolPolicyTarget {
            min_length: 8,
            complexity: true,
            max_age_days: 90,
            generic_max_age_days: 42,
        }
    }
}

/// One difference between the directory's policy and the school's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDrift {
    /// Which setting.
    pub setting: &'static str,
    /// What the directory has.
    pub directory: String,
    /// What the school's rules need.
    pub school: String,
}

fn show<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "not set".into())
}

/// Compares the directory's default policy with the school's rules and lists every drift.
/// A generic-account policy of `generic_max_age_days` is expected among the others.
pub fn drift(policy: &DirectoryPolicy, target: &SchoolPolicyTarget) -> Vec<PolicyDrift> {
    let mut out = Vec::new();
    match &policy.default {
        None => out.push(PolicyDrift {
            setting: "default policy",
            directory: "none".into(),
            school: "a default password policy".into(),
        }),
        Some(d) => default_drift(d, target, &mut out),
    }
    let generic_ok = policy.others.iter().any(|p| {
        p.max_age_days
            .is_some_and(|a| a > 0 && a <= target.generic_max_age_days)
    });
    if !generic_ok {
        out.push(PolicyDrift {
            setting: "generic accounts maximum age",
            directory: "no policy for generic accounts".into(),
            school: format!("{} days", target.generic_max_age_days),
        });
    }
    out
}

fn default_drift(d: &PolicySettings, target: &SchoolPolicyTarget, out: &mut Vec<PolicyDrift>) {
    if d.min_length.is_none_or(|m| m < target.min_length) {
        out.push(PolicyDrift {
            setting: "minimum length",
            directory: show(d.min_length),
            school: format!("at least {}", target.min_length),
        });
    }
    if target.complexity && d.complexity == Some(false) {
        out.push(PolicyDrift {
            setting: "complexity",
            directory: "off".into(),
            school: "on".into(),
        });
    }
    match d.max_age_days {
        Some(age) if age > 0 && age <= target.max_age_days => {}
        other => out.push(PolicyDrift {
            setting: "maximum age",
            directory: match other {
                Some(0) => "never expires".into(),
                Some(a) => format!("{a} days"),
                None => "not set".into(),
            },
            school: format!("{} days", target.max_age_days),
        }),
    }
}

/// The default policy's settings that meet the school's rules without loosening anything the
/// directory already has stricter: a longer minimum length stays, complexity already on stays
/// on, a shorter (non-zero) maximum age stays (the directory's 42 days is stricter than the
/// school's 90). Name and DN are the caller's.
pub fn tightened(current: Option<&PolicySettings>, target: &SchoolPolicyTarget) -> PolicySettings {
    let cur = current.cloned().unwrap_or_default();
    PolicySettings {
        min_length: Some(
            cur.min_length
                .map_or(target.min_length, |m| m.max(target.min_length)),
        ),
        complexity: Some(cur.complexity == Some(true) || target.complexity),
        max_age_days: Some(match cur.max_age_days {
            Some(a) if a > 0 && a <= target.max_age_days => a,
            _ => target.max_age_days,
        }),
        must_change_after_reset: Some(true),
        ..cur
    }
}

/// What writing `new` over `current` changes, one line per setting whose value differs
/// (`directory` is the value now, `school` the value after): the "Because:" of a policy apply.
pub fn changes(current: Option<&PolicySettings>, new: &PolicySettings) -> Vec<PolicyDrift> {
    let cur = current.cloned().unwrap_or_default();
    let mut out = Vec::new();
    let days = |v: Option<u32>| match v {
        Some(0) => "never expires".to_string(),
        Some(a) => format!("{a} days"),
        None => "not set".into(),
    };
    let onoff = |v: Option<bool>| match v {
        Some(true) => "on".to_string(),
        Some(false) => "off".into(),
        None => "not set".into(),
    };
    if new.min_length.is_some() && new.min_length != cur.min_length {
        out.push(PolicyDrift {
            setting: "minimum length",
            directory: show(cur.min_length),
            school: show(new.min_length),
        });
    }
    if new.complexity.is_some() && new.complexity != cur.complexity {
        out.push(PolicyDrift {
            setting: "complexity",
            directory: onoff(cur.complexity),
            school: onoff(new.complexity),
        });
    }
    if new.max_age_days.is_some() && new.max_age_days != cur.max_age_days {
        out.push(PolicyDrift {
            setting: "maximum age",
            directory: days(cur.max_age_days),
            school: days(new.max_age_days),
        });
    }
    if new.must_change_after_reset.is_some()
        && new.must_change_after_reset != cur.must_change_after_reset
    {
        out.push(PolicyDrift {
            setting: "must change after a reset",
            directory: onoff(cur.must_change_after_reset),
            school: onoff(new.must_change_after_reset),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pol(min: u32, cx: bool, age: u32) -> PolicySettings {
        PolicySettings {
            name: "domain default".into(),
            min_length: Some(min),
            complexity: Some(cx),
            max_age_days: Some(age),
            ..Default::default()
        }
    }

    #[test]
    fn samba_defaults_drift_on_length_and_generic() {
        let p = DirectoryPolicy {
            default: Some(pol(7, true, 42)),
            others: vec![],
        };
        let d = drift(&p, &SchoolPolicyTarget::default());
        let names: Vec<_> = d.iter().map(|d| d.setting).collect();
        assert_eq!(names, ["minimum length", "generic accounts maximum age"]);
    }

    #[test]
    fn aligned_policy_has_no_drift() {
        let mut g = pol(8, true, 42);
        g.name = "generic".into();
        let p = DirectoryPolicy {
            default: Some(pol(8, true, 90)),
            others: vec![g],
        };
        assert!(drift(&p, &SchoolPolicyTarget::default()).is_empty());
    }

    #[test]
    fn no_default_still_reports_generic() {
        let d = drift(&DirectoryPolicy::default(), &SchoolPolicyTarget::default());
        let names: Vec<_> = d.iter().map(|d| d.setting).collect();
        assert_eq!(names, ["default policy", "generic accounts maximum age"]);
    }

    #[test]
    fn never_expiring_is_drift() {
        let p = DirectoryPolicy {
            default: Some(pol(8, true, 0)),
            others: vec![],
        };
        assert!(drift(&p, &SchoolPolicyTarget::default())
            .iter()
            .any(|d| d.setting == "maximum age" && d.directory == "never expires"));
    }

    /// The demo's case: max age 42 is stricter than the school's 90, so tightening the
    /// minimum length keeps 42; only the length is listed as a change.
    #[test]
    fn tightening_never_loosens() {
        let cur = pol(7, true, 42);
        let t = tightened(Some(&cur), &SchoolPolicyTarget::default());
        assert_eq!(t.max_age_days, Some(42));
        assert_eq!(t.min_length, Some(8));
        let longer = tightened(Some(&pol(12, true, 180)), &SchoolPolicyTarget::default());
        assert_eq!(
            (longer.min_length, longer.max_age_days),
            (Some(12), Some(90))
        );
        let never = tightened(Some(&pol(8, false, 0)), &SchoolPolicyTarget::default());
        assert_eq!(
            (never.complexity, never.max_age_days),
            (Some(true), Some(90))
        );
        let mut cur2 = cur.clone();
        cur2.must_change_after_reset = Some(true);
        let c = changes(Some(&cur2), &t);
        let names: Vec<_> = c.iter().map(|d| d.setting).collect();
        assert_eq!(names, ["minimum length"]);
        assert_eq!((c[0].directory.as_str(), c[0].school.as_str()), ("7", "8"));
    }
}
