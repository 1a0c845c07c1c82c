//! Password policy configuration: the school-wide rules, per-role overrides, and the
//! [`EffectiveRules`] that apply to one account.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest password the engine accepts, in characters.
///
/// Active Directory refuses passwords longer than 256 characters, so a longer one would only
/// be refused later by the server.
pub const MAX_LENGTH: usize = 256;

/// The highest strength score zxcvbn gives.
pub const MAX_SCORE: u8 = 4;

/// A kind of character a password may be required to contain.
///
/// Serialized as `"upper"`, `"lower"`, `"digit"` or `"symbol"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CharClass {
    /// An upper-case (capital) letter in any script, e.g. `A`, `Ü`.
    Upper,
    /// A lower-case (small) letter in any script, e.g. `a`, `ø`.
    Lower,
    /// A digit, ASCII or any other Unicode number, e.g. `7`, `٣`.
    Digit,
    /// Anything that is neither a letter nor a digit, including space and emoji.
    Symbol,
}

impl CharClass {
    /// All four classes, in the order they are reported.
    pub const ALL: [CharClass; 4] = [
        CharClass::Upper,
        CharClass::Lower,
        CharClass::Digit,
        CharClass::Symbol,
    ];

    /// Whether `c` belongs to this class.
    ///
    /// Control characters belong to no class (the checker refuses them anyway). A letter
    /// without case (e.g. most CJK characters) is neither upper, lower nor symbol.
    pub fn contains(self, c: char) -> bool {
        if c.is_control() {
            return false;
        }
        match self {
            CharClass::Upper => c.is_uppercase(),
            CharClass::Lower => c.is_lowercase(),
            CharClass::Digit => c.is_numeric(),
            CharClass::Symbol => !c.is_alphabetic() && !c.is_numeric(),
        }
    }

    /// Plain-words name of the class with examples, as shown to a teacher.
    pub fn describe(self) -> &'static str {
        match self {
            CharClass::Upper => "capital letter (A to Z)",
            CharClass::Lower => "small letter (a to z)",
            CharClass::Digit => "number (0 to 9)",
            CharClass::Symbol => "symbol (such as ! ? # or %)",
        }
    }
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CharClass::Upper => "upper",
            CharClass::Lower => "lower",
            CharClass::Digit => "digit",
            CharClass::Symbol => "symbol",
        })
    }
}

/// How the generator builds a password.
///
/// Serialized as `"passphrase"` or `"simple"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratorStyle {
    /// Three capitalised words, hyphens, two digits and a symbol: `Otter-Lantern-Violet42!`.
    #[default]
    Passphrase,
    /// Two short capitalised words and two digits (`FrogCake47`), plus a symbol only when the
    /// role requires one; meant for young pupils. Still passes that role's rules.
    Simple,
}

/// The school's password policy, as read from the configuration file.
///
/// [`Default`] is the school policy: at least 8 characters, upper and lower case letters,
/// digits and symbols, zxcvbn strength 3 of 4, changed every 90 days (42 for generic
/// accounts), with a 14-day warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordRules {
    /// Minimum length in characters (not bytes).
    pub min_length: usize,
    /// Character classes that must each appear at least once.
    pub required_classes: Vec<CharClass>,
    /// Minimum zxcvbn strength score, 0 to 4.
    pub min_zxcvbn_score: u8,
    /// Maximum password age in days for ordinary accounts.
    pub max_age_days: u32,
    /// Maximum password age in days for generic/shared accounts (see `generic_roles`).
    pub generic_max_age_days: u32,
    /// How many days before expiry a password is reported as expiring.
    pub expiry_warning_days: u32,
    /// Roles whose maximum age is `generic_max_age_days`.
    pub generic_roles: Vec<String>,
    /// Per-role overrides, keyed by role name (matched without regard to case).
    pub roles: BTreeMap<String, RoleRules>,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            min_length: 8,
            required_classes: CharClass::ALL.to_vec(),
            min_zxcvbn_score: 3,
            max_age_days: 90,
            generic_max_age_days: 42,
            expiry_warning_days: 14,
            generic_roles: vec!["generic".to_owned()],
            roles: BTreeMap::new(),
        }
    }
}

/// Overrides for one role; a `None` field keeps the school-wide value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleRules {
    /// Minimum length in characters.
    pub min_length: Option<usize>,
    /// Character classes that must each appear.
    pub required_classes: Option<Vec<CharClass>>,
    /// Minimum zxcvbn strength score, 0 to 4.
    pub min_zxcvbn_score: Option<u8>,
    /// Maximum password age in days (wins over the generic-account age).
    pub max_age_days: Option<u32>,
    /// How the generator builds passwords for this role.
    pub generator: Option<GeneratorStyle>,
}

/// The rules that apply to one account, after role overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveRules {
    /// Minimum length in characters (not bytes).
    pub min_length: usize,
    /// Character classes that must each appear at least once (no duplicates).
    pub required_classes: Vec<CharClass>,
    /// Minimum zxcvbn strength score, at most [`MAX_SCORE`].
    pub min_zxcvbn_score: u8,
    /// Maximum password age in days.
    pub max_age_days: u32,
    /// How many days before expiry a password is reported as expiring.
    pub expiry_warning_days: u32,
    /// The generator style for this account.
    pub generator: GeneratorStyle,
}

impl Default for EffectiveRules {
    fn default() -> Self {
        PasswordRules::default().effective(None)
    }
}

impl EffectiveRules {
    /// Whether `class` is required.
    pub fn requires(&self, class: CharClass) -> bool {
        self.required_classes.contains(&class)
    }
}

/// A configuration value that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// A strength score above 4 can never be met.
    #[error("{field} is {value}, but the strength score only goes up to {MAX_SCORE}")]
    ScoreTooHigh {
        /// Where the value was found, e.g. `roles.pupil.min_zxcvbn_score`.
        field: String,
        /// The configured value.
        value: u8,
    },
    /// A minimum length longer than the directory accepts can never be met.
    #[error("{field} is {value}, but passwords can be at most {MAX_LENGTH} characters")]
    LengthTooLong {
        /// Where the value was found.
        field: String,
        /// The configured value.
        value: usize,
    },
    /// A maximum age of zero days would make every password expired.
    #[error("{field} is 0; a password must be allowed to last at least one day")]
    ZeroAge {
        /// Where the value was found.
        field: String,
    },
}

impl PasswordRules {
    /// The rules for an account with `role` (`None`: no role, the school-wide rules).
    ///
    /// Order: school-wide values; then `generic_max_age_days` if the role is one of
    /// `generic_roles`; then the role's own overrides. Role names match without regard to
    /// case. Scores above [`MAX_SCORE`] are capped so the rules can always be met.
    pub fn effective(&self, role: Option<&str>) -> EffectiveRules {
        let mut out = EffectiveRules {
            min_length: self.min_length,
            required_classes: self.required_classes.clone(),
            min_zxcvbn_score: self.min_zxcvbn_score,
            max_age_days: self.max_age_days,
            expiry_warning_days: self.expiry_warning_days,
            generator: GeneratorStyle::default(),
        };
        if let Some(role) = role {
            if self
                .generic_roles
                .iter()
                .any(|g| g.eq_ignore_ascii_case(role))
            {
                out.max_age_days = self.generic_max_age_days;
            }
            if let Some(over) = self.role(role) {
                out.min_length = over.min_length.unwrap_or(out.min_length);
                if let Some(classes) = &over.required_classes {
                    out.required_classes = classes.clone();
                }
                out.min_zxcvbn_score = over.min_zxcvbn_score.unwrap_or(out.min_zxcvbn_score);
                out.max_age_days = over.max_age_days.unwrap_or(out.max_age_days);
                out.generator = over.generator.unwrap_or(out.generator);
            }
        }
        out.min_zxcvbn_score = out.min_zxcvbn_score.min(MAX_SCORE);
        out.min_length = out.min_length.min(MAX_LENGTH);
        out.required_classes.sort_unstable();
        out.required_classes.dedup();
        out
    }

    /// Maximum password age in days for an account with `role`.
    pub fn max_age_for(&self, role: Option<&str>) -> u32 {
        self.effective(role).max_age_days
    }

    /// Checks that every configured value can be met; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<RulesError>> {
        let mut errors = Vec::new();
        check_values(
            &mut errors,
            "",
            Some(self.min_length),
            Some(self.min_zxcvbn_score),
            Some(self.max_age_days),
        );
        if self.generic_max_age_days == 0 {
            errors.push(RulesError::ZeroAge {
                field: "generic_max_age_days".to_owned(),
            });
        }
        for (name, role) in &self.roles {
            check_values(
                &mut errors,
                &format!("roles.{name}."),
                role.min_length,
                role.min_zxcvbn_score,
                role.max_age_days,
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn role(&self, role: &str) -> Option<&RoleRules> {
        self.roles.get(role).or_else(|| {
            self.roles
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(role))
                .map(|(_, rules)| rules)
        })
    }
}

fn check_values(
    errors: &mut Vec<RulesError>,
    prefix: &str,
    min_length: Option<usize>,
    score: Option<u8>,
    max_age: Option<u32>,
) {
    if let Some(value) = score.filter(|s| *s > MAX_SCORE) {
        errors.push(RulesError::ScoreTooHigh {
            field: format!("{prefix}min_zxcvbn_score"),
            value,
        });
    }
    if let Some(value) = min_length.filter(|l| *l > MAX_LENGTH) {
        errors.push(RulesError::LengthTooLong {
            field: format!("{prefix}min_length"),
            value,
        });
    }
    if max_age == Some(0) {
        errors.push(RulesError::ZeroAge {
            field: format!("{prefix}max_age_days"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_pupils() -> PasswordRules {
        let mut rules = PasswordRules::default();
        rules.roles.insert(
            "Pupil-KS2".to_owned(),
            RoleRules {
                min_length: Some(6),
                required_classes: Some(vec![CharClass::Lower, CharClass::Digit]),
                min_zxcvbn_score: Some(1),
                generator: Some(GeneratorStyle::Simple),
                ..RoleRules::default()
            },
        );
        rules
    }

    #[test]
    fn default_is_the_school_policy() {
        let r = PasswordRules::default().effective(None);
        assert_eq!(r.min_length, 8);
        assert_eq!(r.required_classes, CharClass::ALL.to_vec());
        assert_eq!(r.min_zxcvbn_score, 3);
        assert_eq!(r.max_age_days, 90);
        assert_eq!(r.expiry_warning_days, 14);
        assert_eq!(r.generator, GeneratorStyle::Passphrase);
        assert!(PasswordRules::default().validate().is_ok());
    }

    #[test]
    fn generic_roles_get_42_days() {
        let rules = PasswordRules::default();
        assert_eq!(rules.max_age_for(Some("generic")), 42);
        assert_eq!(rules.max_age_for(Some("Generic")), 42);
        assert_eq!(rules.max_age_for(Some("staff")), 90);
        assert_eq!(rules.max_age_for(None), 90);
    }

    #[test]
    fn role_overrides_apply_case_insensitively() {
        let rules = with_pupils();
        let r = rules.effective(Some("pupil-ks2"));
        assert_eq!(r.min_length, 6);
        assert_eq!(r.required_classes, vec![CharClass::Lower, CharClass::Digit]);
        assert_eq!(r.min_zxcvbn_score, 1);
        assert_eq!(r.max_age_days, 90);
        assert_eq!(r.generator, GeneratorStyle::Simple);
        assert_eq!(rules.effective(Some("staff")), rules.effective(None));
    }

    #[test]
    fn role_max_age_beats_generic_age() {
        let mut rules = PasswordRules::default();
        rules.roles.insert(
            "generic".to_owned(),
            RoleRules {
                max_age_days: Some(30),
                ..RoleRules::default()
            },
        );
        assert_eq!(rules.max_age_for(Some("generic")), 30);
    }

    #[test]
    fn impossible_values_are_capped_and_reported() {
        let mut rules = PasswordRules {
            min_zxcvbn_score: 9,
            max_age_days: 0,
            ..PasswordRules::default()
        };
        rules.roles.insert(
            "x".to_owned(),
            RoleRules {
                min_length: Some(1000),
                ..RoleRules::default()
            },
        );
        assert_eq!(rules.effective(None).min_zxcvbn_score, MAX_SCORE);
        assert_eq!(rules.effective(Some("x")).min_length, MAX_LENGTH);
        let errors = rules.validate().unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(
            errors[0].to_string(),
            "min_zxcvbn_score is 9, but the strength score only goes up to 4"
        );
    }

    #[test]
    fn classes_follow_unicode() {
        use CharClass::*;
        let class_of = |c: char| -> Vec<CharClass> {
            CharClass::ALL
                .into_iter()
                .filter(|k| k.contains(c))
                .collect()
        };
        assert_eq!(class_of('Ü'), vec![Upper]);
        assert_eq!(class_of('ø'), vec![Lower]);
        assert_eq!(class_of('٣'), vec![Digit]);
        assert_eq!(class_of(' '), vec![Symbol]);
        assert_eq!(class_of('🦊'), vec![Symbol]);
        assert_eq!(class_of('£'), vec![Symbol]);
        assert_eq!(class_of('\t'), vec![]);
        assert_eq!(class_of('漢'), vec![]);
    }
}
