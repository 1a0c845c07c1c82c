//! Table tests for [`check`]: the acceptance lists (copied here so the tests do not depend on
//! files outside the crate) and our own edge cases.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

/// `shared/acceptance/passwords-weak.txt`: 8+ characters with all four classes, yet
/// guessable. Must fail.
const ACCEPTANCE_WEAK: &[&str] = &[
    "Football1!",
    "Liverpool2025!",
    "Iloveyou1!",
    "Monkey123!",
    "Sunshine1!",
    "Dragon2024!",
    "Passw0rd!",
];

/// `shared/acceptance/passwords-rulebreak.txt`, with the rule each breaks. Must fail.
const ACCEPTANCE_RULEBREAK: &[(&str, Failure)] = &[
    ("Ab1!wxy", Failure::TooShort { length: 7, min: 8 }),
    (
        "red4fox9moon!",
        Failure::MissingClass {
            class: CharClass::Upper,
        },
    ),
    (
        "RED4FOX9MOON!",
        Failure::MissingClass {
            class: CharClass::Lower,
        },
    ),
    (
        "Red4Fox9Moon",
        Failure::MissingClass {
            class: CharClass::Symbol,
        },
    ),
    (
        "Red!Fox!Moon",
        Failure::MissingClass {
            class: CharClass::Digit,
        },
    ),
];

/// `shared/acceptance/passwords-strong.txt`, plus the temporary password the acceptance
/// reset uses. Must pass with an empty context.
const ACCEPTANCE_STRONG: &[&str] = &[
    "Glacier!Pencil8Mango",
    "Tulip-Rocket-93?lime",
    "Quartz5#Meadow-Bell",
    "Otter&Lantern9Violet",
];

fn school() -> EffectiveRules {
    PasswordRules::default().effective(None)
}

fn empty() -> CheckContext<'static> {
    CheckContext::default()
}

fn harry() -> CheckContext<'static> {
    CheckContext {
        username: Some("harry.smith"),
        first_name: Some("Harry"),
        last_name: Some("Smith"),
        school_name: Some("Oakfield Primary School"),
        ..CheckContext::default()
    }
}

fn failures(pw: &str, ctx: &CheckContext<'_>) -> Vec<Failure> {
    check(&school(), pw, ctx).failures
}

#[test]
fn acceptance_weak_passwords_fail_as_guessable() {
    for pw in ACCEPTANCE_WEAK {
        let v = check(&school(), pw, &empty());
        assert!(!v.is_ok(), "{pw} passed with score {}", v.score);
        assert!(
            v.failures
                .iter()
                .any(|f| matches!(f, Failure::TooGuessable { .. })),
            "{pw}: {:?}",
            v.failures
        );
        assert!(!v.suggestions.is_empty(), "{pw}: no suggestions");
    }
}

#[test]
fn acceptance_rule_breaking_passwords_fail_for_the_right_reason() {
    for (pw, want) in ACCEPTANCE_RULEBREAK {
        let got = failures(pw, &empty());
        assert!(got.contains(want), "{pw}: {got:?}");
    }
}

#[test]
fn acceptance_strong_passwords_pass() {
    for pw in ACCEPTANCE_STRONG {
        let v = check(&school(), pw, &empty());
        assert!(v.is_ok(), "{pw}: {:?} (score {})", v.failures, v.score);
        assert!(v.score >= 3);
        assert!(v.suggestions.is_empty() && v.warning.is_none());
    }
}

#[test]
fn strong_passwords_pass_for_an_ordinary_account() {
    for pw in ACCEPTANCE_STRONG {
        let v = check(&school(), pw, &harry());
        assert!(v.is_ok(), "{pw}: {:?}", v.failures);
    }
}

#[test]
fn acceptance_short_reset_is_refused() {
    let got = failures("Sh0rt!", &empty());
    assert!(
        got.contains(&Failure::TooShort { length: 6, min: 8 }),
        "{got:?}"
    );
}

#[test]
fn length_is_counted_in_characters() {
    let seven = "Gq7#Vx2";
    let eight = "Gq7#Vx2k";
    assert!(failures(seven, &empty()).contains(&Failure::TooShort { length: 7, min: 8 }));
    assert!(!failures(eight, &empty())
        .iter()
        .any(|f| matches!(f, Failure::TooShort { .. })));
    // 8 characters but 12 bytes.
    let accented = "Ünï7#çåB";
    assert_eq!(accented.chars().count(), 8);
    assert!(!failures(accented, &empty())
        .iter()
        .any(|f| matches!(f, Failure::TooShort { .. })));
}

#[test]
fn each_missing_class_is_reported() {
    use CharClass::*;
    let cases: &[(&str, &[CharClass])] = &[
        ("walrus-quilt-7-ember", &[Upper]),
        ("WALRUS-QUILT-7-EMBER", &[Lower]),
        ("Walrus-Quilt-Seven-Ember", &[Digit]),
        ("WalrusQuilt7Ember", &[Symbol]),
        ("walrusquiltseventhember", &[Upper, Digit, Symbol]),
        ("7395-2846-1057", &[Upper, Lower]),
    ];
    for (pw, missing) in cases {
        let got: Vec<CharClass> = failures(pw, &empty())
            .into_iter()
            .filter_map(|f| match f {
                Failure::MissingClass { class } => Some(class),
                _ => None,
            })
            .collect();
        assert_eq!(&got, missing, "{pw}");
    }
}

#[test]
fn every_failed_rule_is_listed() {
    let got = failures("smith", &harry());
    assert_eq!(
        got,
        vec![
            Failure::TooShort { length: 5, min: 8 },
            Failure::MissingClass {
                class: CharClass::Upper
            },
            Failure::MissingClass {
                class: CharClass::Digit
            },
            Failure::MissingClass {
                class: CharClass::Symbol
            },
            Failure::ContainsName {
                name: "Smith".to_owned()
            },
            Failure::TooGuessable { score: 0, min: 3 },
        ]
    );
}

#[test]
fn names_and_username_are_refused_whatever_the_case() {
    let cases: &[(&str, Failure)] = &[
        (
            "Walrus-SMITH-93?",
            Failure::ContainsName {
                name: "Smith".to_owned(),
            },
        ),
        (
            "Quilt#harry7Ember",
            Failure::ContainsName {
                name: "Harry".to_owned(),
            },
        ),
        (
            "Harry.Smith-Quilt9!",
            Failure::ContainsUsername {
                username: "harry.smith".to_owned(),
            },
        ),
    ];
    for (pw, want) in cases {
        let got = failures(pw, &harry());
        assert!(got.contains(want), "{pw}: {got:?}");
    }
    // Without the context the same passwords are fine.
    assert!(check(&school(), "Walrus-SMITH-93?", &empty()).is_ok());
}

#[test]
fn hostile_and_accented_names() {
    let ctx = CheckContext {
        username: Some("SCHOOL\\renee.oneill"),
        first_name: Some("Renée Mary-Jane"),
        last_name: Some("O'Neill"),
        ..CheckContext::default()
    };
    let cases: &[(&str, &str)] = &[
        ("Walrus-Renee-93?", "Renée"),
        ("Walrus-RENÉE-93?", "Renée"),
        ("Quilt#Jane7Ember!", "Jane"),
        ("Quilt#Neill7Ember!", "Neill"),
    ];
    for (pw, name) in cases {
        let want = Failure::ContainsName {
            name: (*name).to_owned(),
        };
        let got = failures(pw, &ctx);
        assert!(got.contains(&want), "{pw}: {got:?}");
    }
    assert!(
        failures("Quilt#Renee.Oneill7", &ctx).contains(&Failure::ContainsUsername {
            username: "renee.oneill".to_owned()
        })
    );
    // "O" and two-letter names such as "Li" or "Jo" are not forbidden.
    let short = CheckContext {
        first_name: Some("Jo"),
        last_name: Some("Li"),
        ..CheckContext::default()
    };
    assert!(check(&school(), "Jolly-Lime-Otter47!", &short).is_ok());
}

#[test]
fn school_name_makes_a_password_weaker_but_is_allowed() {
    let ctx = harry();
    let alone = check(&school(), "Oakfield-Primary7!", &empty());
    let with_school = check(&school(), "Oakfield-Primary7!", &ctx);
    assert!(with_school.score <= alone.score);
    assert!(!with_school
        .failures
        .iter()
        .any(|f| matches!(f, Failure::ContainsName { .. })));
}

#[test]
fn common_words_and_patterns_are_too_guessable() {
    for pw in [
        "Password1!",
        "Qwerty123!",
        "Welcome2024!",
        "Football123!",
        "Abcd1234!",
        "Summer2025!",
        "P@ssw0rd123",
        "Letmein123!",
        "Aaaaaaa1!",
    ] {
        let v = check(&school(), pw, &empty());
        assert!(
            v.failures
                .iter()
                .any(|f| matches!(f, Failure::TooGuessable { .. })),
            "{pw} scored {}",
            v.score
        );
    }
}

#[test]
fn unicode_emoji_and_spaces() {
    for pw in [
        "Ünïcødé-Pässwørd9",
        "Grüne Äpfel 7 Brücke!",
        "Otter🦊Lantern7Vi",
        "correct Horse battery 9",
    ] {
        let v = check(&school(), pw, &empty());
        assert!(v.is_ok(), "{pw}: {:?} (score {})", v.failures, v.score);
    }
    // An emoji counts as a symbol; a space too.
    assert!(
        !failures("Walrus🦊Quilt7Ember", &empty()).contains(&Failure::MissingClass {
            class: CharClass::Symbol
        })
    );
    assert!(
        !failures("Walrus Quilt7Ember", &empty()).contains(&Failure::MissingClass {
            class: CharClass::Symbol
        })
    );
    // Non-ASCII digits count as digits.
    assert!(
        !failures("Walrus-Quilt-٣-Ember", &empty()).contains(&Failure::MissingClass {
            class: CharClass::Digit
        })
    );
}

#[test]
fn control_characters_and_empty_are_refused() {
    assert_eq!(failures("", &empty()), vec![Failure::Empty]);
    for pw in [
        "Walrus-Quilt7Ember\0",
        "Walrus-Quilt7\tEmber",
        "Walrus-Quilt7Ember\n",
        "Walrus\u{7f}Quilt7Ember!",
        "Walrus\u{85}Quilt7Ember!",
    ] {
        let got = failures(pw, &empty());
        assert_eq!(got.first(), Some(&Failure::ControlCharacter), "{pw:?}");
    }
}

#[test]
fn very_long_input_is_judged_without_panicking() {
    let long: String = "Walrus-Quilt7Ember!".chars().cycle().take(200).collect();
    let v = check(&school(), &long, &empty());
    assert!(v.is_ok(), "{:?}", v.failures);
    let too_long: String = "Walrus-Quilt7Ember!".chars().cycle().take(300).collect();
    assert!(failures(&too_long, &empty()).contains(&Failure::TooLong {
        length: 300,
        max: 256
    }));
    let weak_long = "a".repeat(10_000);
    let v = check(&school(), &weak_long, &empty());
    assert!(!v.is_ok());
}

#[test]
fn random_input_never_panics() {
    let pools: &[&[char]] = &[
        &['a', 'Z', '7', '!', ' ', '\0', '\u{301}', 'é', 'ß', 'İ'],
        &[
            '🦊',
            '漢',
            '٣',
            '\u{200d}',
            '\u{fe0f}',
            'Ⅻ',
            '½',
            '\u{ffff}',
            '\u{10ffff}',
        ],
    ];
    let mut rng = StdRng::seed_from_u64(99);
    for _ in 0..300 {
        let len = rng.gen_range(0..150);
        let pw: String = (0..len)
            .map(|_| {
                if rng.gen_bool(0.5) {
                    let pool = pools[rng.gen_range(0..pools.len())];
                    pool[rng.gen_range(0..pool.len())]
                } else {
                    rng.gen::<char>()
                }
            })
            .collect();
        let name: String = pw.chars().rev().take(12).collect();
        let ctx = CheckContext {
            username: Some(&name),
            first_name: Some(&pw),
            last_name: Some(&name),
            school_name: Some(&pw),
            ..CheckContext::default()
        };
        assert!(check(&school(), &pw, &harry()).score <= 4);
        assert!(check(&school(), &pw, &ctx).score <= 4);
    }
}

#[test]
fn failure_messages_are_plain_words() {
    let cases: &[(Failure, &str)] = &[
        (Failure::Empty, "is empty"),
        (
            Failure::TooShort { length: 7, min: 8 },
            "is 7 characters; it needs at least 8",
        ),
        (
            Failure::TooShort { length: 1, min: 8 },
            "is 1 character; it needs at least 8",
        ),
        (
            Failure::MissingClass {
                class: CharClass::Symbol,
            },
            "has no symbol (such as ! ? # or %)",
        ),
        (
            Failure::MissingClass {
                class: CharClass::Upper,
            },
            "has no capital letter (A to Z)",
        ),
        (
            Failure::TooGuessable { score: 1, min: 3 },
            "is too easy to guess (strength 1 of 4; needs 3)",
        ),
        (
            Failure::ContainsName {
                name: "Smith".to_owned(),
            },
            "contains the name \"Smith\"",
        ),
        (
            Failure::ContainsUsername {
                username: "harry.smith".to_owned(),
            },
            "contains the username \"harry.smith\"",
        ),
    ];
    for (failure, text) in cases {
        assert_eq!(failure.to_string(), *text);
    }
}

#[test]
fn suggestions_never_contradict_the_policy() {
    for pw in ACCEPTANCE_WEAK
        .iter()
        .chain(["aaaaaaaa", "Password"].iter())
    {
        let v = check(&school(), pw, &empty());
        assert!(
            !v.suggestions
                .iter()
                .any(|s| s.contains("No need for symbols")),
            "{pw}: {:?}",
            v.suggestions
        );
    }
}

#[test]
fn verdict_serializes_for_json_output() {
    let v = check(&school(), "Ab1!wxy", &empty());
    let json = serde_json::to_value(&v).unwrap_or_default();
    assert_eq!(json["failures"][0]["rule"], "too-short");
    assert_eq!(json["failures"][0]["length"], 7);
}

#[test]
fn role_rules_change_the_verdict() {
    let mut rules = PasswordRules::default();
    rules.roles.insert(
        "ks1".to_owned(),
        RoleRules {
            min_length: Some(6),
            required_classes: Some(vec![CharClass::Lower, CharClass::Digit]),
            min_zxcvbn_score: Some(1),
            ..RoleRules::default()
        },
    );
    let young = rules.effective(Some("ks1"));
    assert!(check(&young, "frogcake47", &empty()).is_ok());
    assert!(!check(&school(), "frogcake47", &empty()).is_ok());
}

#[test]
fn config_reads_from_toml_and_refuses_unknown_keys() {
    let text = r#"
        min_length = 10
        required_classes = ["upper", "lower", "digit"]
        generic_roles = ["generic", "kiosk"]

        [roles.pupil]
        min_length = 8
        generator = "simple"
    "#;
    let rules: PasswordRules = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.min_length, 10);
    assert_eq!(rules.max_age_days, 90, "unset keys keep the default");
    assert_eq!(rules.max_age_for(Some("kiosk")), 42);
    let pupil = rules.effective(Some("pupil"));
    assert_eq!(pupil.min_length, 8);
    assert_eq!(pupil.generator, GeneratorStyle::Simple);
    assert!(toml::from_str::<PasswordRules>("min_lenght = 9").is_err());
    assert!(toml::from_str::<PasswordRules>("[roles.x]\nmax_age = 9").is_err());
    assert!(toml::from_str::<PasswordRules>("required_classes = [\"Upper\"]").is_err());
}

#[test]
fn a_typed_password_is_printable_ascii_only() {
    assert_eq!(super::untypeable("Walrus Quilt-7 Ember!~"), None);
    let f = super::untypeable("Otter🦊Lantern7Vié🦊").expect("refused");
    assert_eq!(
        f,
        Failure::Untypeable {
            chars: "🦊é".to_owned()
        }
    );
    assert!(f.to_string().contains("Windows or Chromebook logon"));
}
