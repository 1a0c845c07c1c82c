//! Checking a candidate password against [`EffectiveRules`], before the directory is asked.

use std::fmt;
use std::panic;

use serde::Serialize;
use zxcvbn::feedback::{Suggestion, Warning};

use super::names;
use super::rules::{CharClass, EffectiveRules, MAX_LENGTH};

/// How many characters zxcvbn analyses; it slows down sharply on long input, and anything
/// this long that passes the class rules is long enough to be strong.
const ANALYSED_CHARS: usize = 100;

/// Facts about the account the password is for. Every field is optional; an empty context
/// only checks the password itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckContext<'a> {
    /// The logon name, e.g. `harry.hughes` (a `DOMAIN\` prefix or `@domain` suffix is ignored).
    pub username: Option<&'a str>,
    /// Given name(s), e.g. `Mary-Jane`.
    pub first_name: Option<&'a str>,
    /// Surname(s), e.g. `O'Neill`.
    pub last_name: Option<&'a str>,
    /// The school's name; its words make a password easier to guess but are not forbidden.
    pub school_name: Option<&'a str>,
    /// Any other words easy to associate with the account (town, house, team); treated like
    /// the school name.
    pub other_words: &'a [&'a str],
}

/// One rule a password breaks.
///
/// `Display` gives plain words that follow "The password …", e.g.
/// "is 7 characters; it needs at least 8".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Failure {
    /// Nothing was entered.
    Empty,
    /// Contains a tab, line break, NUL or other control character.
    ControlCharacter,
    /// Fewer characters than the minimum.
    TooShort {
        /// Length in characters.
        length: usize,
        /// The minimum.
        min: usize,
    },
    /// More characters than the directory accepts ([`MAX_LENGTH`]).
    TooLong {
        /// Length in characters.
        length: usize,
        /// The maximum.
        max: usize,
    },
    /// A required kind of character is missing.
    MissingClass {
        /// The missing class.
        class: CharClass,
    },
    /// zxcvbn rates it below the required strength.
    TooGuessable {
        /// zxcvbn's score, 0 to 4.
        score: u8,
        /// The required score.
        min: u8,
    },
    /// Contains the account's username.
    ContainsUsername {
        /// The username as given.
        username: String,
    },
    /// Contains part of the person's name.
    ContainsName {
        /// The name part as written in the directory, e.g. `Smith`.
        name: String,
    },
    /// Holds characters outside printable ASCII (accents, emoji), which a Windows or
    /// Chromebook logon screen may not let the user type. See [`untypeable`].
    Untypeable {
        /// The characters (each once, in order).
        chars: String,
    },
}

/// The rule for a password a person types at a logon screen: only printable ASCII (letters,
/// digits, punctuation and space), which every Windows and Chromebook keyboard layout can
/// type. `Some` names the characters that break it. Applied to typed passwords (CLI and TUI)
/// by `ops::passwords::verdict_for`; [`check`] itself judges any text.
pub fn untypeable(candidate: &str) -> Option<Failure> {
    let mut bad = String::new();
    for c in candidate.chars() {
        let typeable = c == ' ' || c.is_ascii_graphic() || c.is_control();
        if !typeable && !bad.contains(c) {
            bad.push(c);
        }
    }
    (!bad.is_empty()).then_some(Failure::Untypeable { chars: bad })
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Empty => f.write_str("is empty"),
            Failure::ControlCharacter => f.write_str(
                "contains a tab, line break or other invisible control character, \
                 which cannot be typed at a logon screen",
            ),
            Failure::TooShort { length, min } => {
                write!(f, "is {length} {}; it needs at least {min}", chars(*length))
            }
            Failure::TooLong { length, max } => {
                write!(f, "is {length} characters; it can be at most {max}")
            }
            Failure::MissingClass { class } => write!(f, "has no {}", class.describe()),
            Failure::TooGuessable { score, min } => write!(
                f,
                "is too easy to guess (strength {score} of 4; needs {min})"
            ),
            Failure::ContainsUsername { username } => {
                write!(f, "contains the username \"{username}\"")
            }
            Failure::ContainsName { name } => write!(f, "contains the name \"{name}\""),
            Failure::Untypeable { chars } => write!(
                f,
                "contains {chars:?}, which cannot be typed at a Windows or Chromebook logon \
                 (use letters A-Z a-z, digits, punctuation and spaces only)"
            ),
        }
    }
}

fn chars(n: usize) -> &'static str {
    if n == 1 {
        "character"
    } else {
        "characters"
    }
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Every rule the password breaks; empty when it is acceptable.
    pub failures: Vec<Failure>,
    /// zxcvbn strength score, 0 (very guessable) to 4.
    pub score: u8,
    /// Advice for a stronger password, when it is not strong enough.
    pub suggestions: Vec<String>,
    /// What makes it guessable, when zxcvbn can say.
    pub warning: Option<String>,
}

impl Verdict {
    /// Whether the password meets every rule.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Checks `candidate` against `rules` for the account described by `ctx`.
///
/// Every broken rule is listed, in a fixed order: control characters, length, missing
/// classes, username, names, strength. An empty password gives only [`Failure::Empty`].
/// Strength is judged on the first 100 characters.
pub fn check(rules: &EffectiveRules, candidate: &str, ctx: &CheckContext<'_>) -> Verdict {
    if candidate.is_empty() {
        return Verdict {
            failures: vec![Failure::Empty],
            score: 0,
            suggestions: vec![suggestion_text(Suggestion::UseAFewWordsAvoidCommonPhrases)],
            warning: None,
        };
    }
    let mut failures = Vec::new();
    if candidate.chars().any(char::is_control) {
        failures.push(Failure::ControlCharacter);
    }
    let length = candidate.chars().count();
    if length < rules.min_length {
        failures.push(Failure::TooShort {
            length,
            min: rules.min_length,
        });
    }
    if length > MAX_LENGTH {
        failures.push(Failure::TooLong {
            length,
            max: MAX_LENGTH,
        });
    }
    for &class in &rules.required_classes {
        if !candidate.chars().any(|c| class.contains(c)) {
            failures.push(Failure::MissingClass { class });
        }
    }
    let folded = names::fold(candidate);
    let username = ctx.username.map(names::bare_username).unwrap_or_default();
    if username.chars().count() >= names::MIN_NAME_CHARS && folded.contains(&names::fold(username))
    {
        failures.push(Failure::ContainsUsername {
            username: username.to_owned(),
        });
    }
    for part in names::name_parts(ctx) {
        if folded.contains(&names::fold(part)) {
            failures.push(Failure::ContainsName {
                name: part.to_owned(),
            });
        }
    }

    let analysed: String = candidate.chars().take(ANALYSED_CHARS).collect();
    let inputs = names::guess_inputs(ctx);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    // Fail closed: should zxcvbn ever panic, the password counts as guessable.
    let entropy = panic::catch_unwind(|| zxcvbn::zxcvbn(&analysed, &inputs)).ok();
    let score = entropy.as_ref().map_or(0, |e| u8::from(e.score()));
    let mut suggestions = Vec::new();
    let mut warning = None;
    if score < rules.min_zxcvbn_score {
        failures.push(Failure::TooGuessable {
            score,
            min: rules.min_zxcvbn_score,
        });
        if let Some(feedback) = entropy.as_ref().and_then(zxcvbn::Entropy::feedback) {
            warning = feedback.warning().map(warning_text);
            suggestions = feedback
                .suggestions()
                .iter()
                .filter(|s| **s != Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters)
                .map(|s| suggestion_text(*s))
                .collect();
        }
        if suggestions.is_empty() {
            suggestions.push(suggestion_text(Suggestion::AddAnotherWordOrTwo));
        }
    }
    Verdict {
        failures,
        score,
        suggestions,
        warning,
    }
}

/// zxcvbn's warning, reworded for UK English where it differs.
fn warning_text(w: Warning) -> String {
    match w {
        Warning::ThisIsATop10Password | Warning::ThisIsATop100Password => {
            "This is one of the most common passwords.".to_owned()
        }
        Warning::ThisIsSimilarToACommonlyUsedPassword => {
            "This is very like a commonly used password.".to_owned()
        }
        other => other.to_string(),
    }
}

/// zxcvbn's suggestion, reworded for UK English where it differs.
fn suggestion_text(s: Suggestion) -> String {
    match s {
        Suggestion::UseAFewWordsAvoidCommonPhrases => {
            "Use three or more unrelated words; avoid common phrases.".to_owned()
        }
        Suggestion::CapitalizationDoesntHelpVeryMuch => {
            "A capital at the start does not help much.".to_owned()
        }
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            "Swaps like '@' for 'a' or '0' for 'o' do not help much.".to_owned()
        }
        other => other.to_string(),
    }
}
