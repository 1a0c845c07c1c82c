//! Memorable passwords that pass [`check`] for the account they are made for.
//!
//! Passphrase style: `Otter-Canal-Violet47!`, three capitalised words from the built-in
//! child-safe list, hyphens, two digits and a symbol (about 39 bits from 1,100+ words).
//! Simple style, for young pupils: `FrogCake47`, two short capitalised words and two digits,
//! with a symbol only when the role requires one.
//!
//! Nothing in a generated password is ambiguous when printed or read out: digits are 2 to 9
//! (no `0`/`O` or `1`/`l`), no word starts with `i` (no capital `I`), and symbols come from
//! [`SYMBOLS`].

use rand::seq::SliceRandom;
use rand::Rng;

use super::check::{check, CheckContext};
use super::rules::{CharClass, EffectiveRules, GeneratorStyle, MAX_LENGTH};
use super::words;

/// The symbols a generated password may end with.
///
/// Each is on the same key on UK and US PC keyboards and on UK Mac keyboards (so `#`, `@`,
/// `"` and `£` are out: `@`/`"` swap between UK and US layouts, UK Macs have no `#` key),
/// none needs quoting in CSV (and the password never starts with one, so no spreadsheet
/// formula), and none is a shell quote, escape, variable, redirection or command separator
/// (no `$`, backtick, quotes, `\`, `&`, `;`, `|`, `<`, `>`, `~` or space). `?` and `*` are
/// still glob characters: scripts should quote passwords, as always.
pub const SYMBOLS: [char; 6] = ['!', '?', '%', '+', '=', '*'];

/// The digits a generated password may contain: 2 to 9, so none looks like `O`, `l` or `I`.
pub const DIGITS: [char; 8] = ['2', '3', '4', '5', '6', '7', '8', '9'];

/// Joins the words of a passphrase.
const SEPARATOR: char = '-';

/// Tries at each size before adding another word.
const ATTEMPTS_PER_SIZE: usize = 16;

/// Extra words to try beyond the style's usual number before giving up.
const MAX_EXTRA_WORDS: usize = 6;

/// Generates a memorable password for the account in `ctx` that passes
/// [`check`]`(rules, …, ctx)`.
///
/// Builds candidates in `style`, checks each, and after 16 failures tries with one more
/// word, up to 6 more. In practice the first or second candidate passes (even for score 4
/// or a 256-character minimum); should every bounded attempt fail, the last (longest)
/// candidate is returned, so a caller that must be sure can [`check`] it again.
pub fn generate<R: Rng + ?Sized>(
    rules: &EffectiveRules,
    style: GeneratorStyle,
    ctx: &CheckContext<'_>,
    rng: &mut R,
) -> String {
    let mut candidate = String::new();
    for extra in 0..=MAX_EXTRA_WORDS {
        for _ in 0..ATTEMPTS_PER_SIZE {
            candidate = build(rules, style, extra, rng);
            if check(rules, &candidate, ctx).is_ok() {
                return candidate;
            }
        }
    }
    candidate
}

/// One candidate: the style's words (plus `extra`), more words until long enough, then two
/// digits (more if a very long minimum leaves no room for another word) and the symbol.
/// Never longer than [`MAX_LENGTH`]. All ASCII, so `len()` counts characters.
fn build<R: Rng + ?Sized>(
    rules: &EffectiveRules,
    style: GeneratorStyle,
    extra: usize,
    rng: &mut R,
) -> String {
    let (list, count, separator, symbol) = match style {
        GeneratorStyle::Passphrase => (words::all(), 3, Some(SEPARATOR), true),
        GeneratorStyle::Simple => (words::short(), 2, None, rules.requires(CharClass::Symbol)),
    };
    let tail_len = 2 + usize::from(symbol);
    let target = rules.min_length.min(MAX_LENGTH);
    let mut out = String::new();
    let mut words = 0;
    while words < count + extra || out.len() + tail_len < target {
        let sep = if words > 0 { separator } else { None };
        let room = MAX_LENGTH.saturating_sub(out.len() + tail_len + usize::from(sep.is_some()));
        let Some(word) = pick(list, room, rng) else {
            break;
        };
        out.extend(sep);
        push_capitalised(&mut out, word);
        words += 1;
    }
    let digits = target
        .saturating_sub(out.len() + usize::from(symbol))
        .max(2);
    for _ in 0..digits {
        out.extend(DIGITS.choose(rng));
    }
    if symbol {
        out.extend(SYMBOLS.choose(rng));
    }
    out
}

/// A random word of at most `room` letters, if the list has one.
fn pick<R: Rng + ?Sized>(list: &[&'static str], room: usize, rng: &mut R) -> Option<&'static str> {
    (0..8)
        .filter_map(|_| list.choose(rng).copied())
        .find(|w| w.len() <= room)
        .or_else(|| list.iter().copied().find(|w| w.len() <= room))
}

fn push_capitalised(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;
    use crate::domain::password::{PasswordRules, RoleRules};

    fn passes(rules: &EffectiveRules, pw: &str, ctx: &CheckContext<'_>) -> bool {
        let v = check(rules, pw, ctx);
        assert!(v.is_ok(), "{pw}: {:?}", v.failures);
        true
    }

    #[test]
    fn a_thousand_passphrases_pass_and_are_distinct() {
        let rules = EffectiveRules::default();
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let pw = generate(&rules, GeneratorStyle::Passphrase, &ctx, &mut rng);
            assert!(passes(&rules, &pw, &ctx));
            assert!(seen.insert(pw.clone()), "{pw} generated twice");
        }
    }

    #[test]
    fn passphrase_shape_uses_only_unambiguous_characters() {
        let rules = EffectiveRules::default();
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..200 {
            let pw = generate(
                &rules,
                GeneratorStyle::Passphrase,
                &CheckContext::default(),
                &mut rng,
            );
            let words: Vec<&str> = pw.split(SEPARATOR).collect();
            assert!(words.len() >= 3, "{pw}");
            assert!(pw.chars().all(|c| c.is_ascii_alphabetic()
                || DIGITS.contains(&c)
                || SYMBOLS.contains(&c)
                || c == SEPARATOR));
            assert!(!pw.contains(['0', '1', 'I']), "{pw}");
            let last = pw.chars().last().unwrap_or(' ');
            assert!(SYMBOLS.contains(&last), "{pw}");
        }
    }

    #[test]
    fn avoids_the_persons_name() {
        let rules = EffectiveRules::default();
        // Names that are also words in the list.
        let ctx = CheckContext {
            username: Some("robin.otter"),
            first_name: Some("Robin"),
            last_name: Some("Otter-Hazel"),
            ..CheckContext::default()
        };
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..300 {
            let pw = generate(&rules, GeneratorStyle::Passphrase, &ctx, &mut rng);
            assert!(passes(&rules, &pw, &ctx));
            let lower = pw.to_lowercase();
            assert!(!["robin", "otter", "hazel"]
                .iter()
                .any(|n| lower.contains(n)));
        }
    }

    #[test]
    fn simple_style_passes_young_pupil_rules() {
        let mut school = PasswordRules::default();
        school.roles.insert(
            "ks2".to_owned(),
            RoleRules {
                min_length: Some(6),
                required_classes: Some(vec![CharClass::Lower, CharClass::Digit]),
                min_zxcvbn_score: Some(1),
                generator: Some(GeneratorStyle::Simple),
                ..RoleRules::default()
            },
        );
        let rules = school.effective(Some("ks2"));
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..300 {
            let pw = generate(&rules, rules.generator, &ctx, &mut rng);
            assert!(passes(&rules, &pw, &ctx));
            assert!(
                pw.chars()
                    .all(|c| c.is_ascii_alphabetic() || DIGITS.contains(&c)),
                "{pw}"
            );
        }
    }

    #[test]
    fn simple_style_still_meets_the_full_school_policy() {
        let rules = EffectiveRules::default();
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..300 {
            let pw = generate(&rules, GeneratorStyle::Simple, &ctx, &mut rng);
            assert!(passes(&rules, &pw, &ctx));
        }
    }

    #[test]
    fn grows_to_meet_long_minimums_and_top_score() {
        let rules = EffectiveRules {
            min_length: 30,
            min_zxcvbn_score: 4,
            ..EffectiveRules::default()
        };
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(1);
        for style in [GeneratorStyle::Passphrase, GeneratorStyle::Simple] {
            for _ in 0..50 {
                let pw = generate(&rules, style, &ctx, &mut rng);
                assert!(passes(&rules, &pw, &ctx));
                assert!(pw.chars().count() >= 30);
            }
        }
    }

    #[test]
    fn never_longer_than_the_directory_accepts() {
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(13);
        for min_length in [240, 250, 253, 255, MAX_LENGTH] {
            let rules = EffectiveRules {
                min_length,
                ..EffectiveRules::default()
            };
            for style in [GeneratorStyle::Passphrase, GeneratorStyle::Simple] {
                let pw = generate(&rules, style, &ctx, &mut rng);
                assert!(passes(&rules, &pw, &ctx));
                assert!(
                    (min_length..=MAX_LENGTH).contains(&pw.len()),
                    "{}",
                    pw.len()
                );
            }
        }
    }

    #[test]
    fn same_seed_same_password() {
        let rules = EffectiveRules::default();
        let ctx = CheckContext::default();
        let a = generate(
            &rules,
            GeneratorStyle::Passphrase,
            &ctx,
            &mut StdRng::seed_from_u64(42),
        );
        let b = generate(
            &rules,
            GeneratorStyle::Passphrase,
            &ctx,
            &mut StdRng::seed_from_u64(42),
        );
        assert_eq!(a, b);
    }
}
