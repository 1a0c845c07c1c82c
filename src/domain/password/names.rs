//! Comparing passwords with people's names: splitting names into parts and folding case and
//! accents so `Renée`, `RENEE` and `renee` compare equal.

use super::check::CheckContext;

/// Name parts shorter than this (e.g. `Li`, `Wu`, `Jo`) are not forbidden: too many
/// ordinary words contain them.
pub(crate) const MIN_NAME_CHARS: usize = 3;

/// Latin letters with accents and their plain forms, after lower-casing.
const FOLDS: &[(&str, &str)] = &[
    ("àáâãäåāăą", "a"),
    ("æ", "ae"),
    ("çćĉċč", "c"),
    ("ďđð", "d"),
    ("èéêëēĕėęě", "e"),
    ("ĝğġģ", "g"),
    ("ĥħ", "h"),
    ("ìíîïĩīĭįı", "i"),
    ("ĵ", "j"),
    ("ķ", "k"),
    ("ĺļľŀł", "l"),
    ("ñńņňŉ", "n"),
    ("òóôõöøōŏő", "o"),
    ("œ", "oe"),
    ("ŕŗř", "r"),
    ("śŝşšș", "s"),
    ("ß", "ss"),
    ("ţťŧț", "t"),
    ("þ", "th"),
    ("ùúûüũūŭůűų", "u"),
    ("ŵ", "w"),
    ("ýÿŷ", "y"),
    ("źżž", "z"),
];

/// Combining accents (as in a decomposed `e` + `´`), dropped when folding.
fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Lower-cases `s` and replaces accented Latin letters with plain ones.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii() {
            out.push(c);
        } else if is_combining(c) {
            continue;
        } else if let Some((_, plain)) = FOLDS.iter().find(|(set, _)| set.contains(c)) {
            out.push_str(plain);
        } else {
            out.push(c);
        }
    }
    out
}

/// The logon name without a `DOMAIN\` prefix or `@domain` suffix, trimmed.
pub(crate) fn bare_username(username: &str) -> &str {
    let after_domain = username.rsplit('\\').next().unwrap_or(username);
    after_domain
        .split('@')
        .next()
        .unwrap_or(after_domain)
        .trim()
}

/// Splits a name on spaces, hyphens, apostrophes and any other non-letter.
fn split_name(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !(c.is_alphabetic() || is_combining(c)))
        .filter(|p| !p.is_empty())
}

/// The parts of the person's first and last names that a password must not contain:
/// those of at least [`MIN_NAME_CHARS`] letters, without duplicates.
pub(crate) fn name_parts<'a>(ctx: &CheckContext<'a>) -> Vec<&'a str> {
    let mut parts: Vec<&'a str> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for name in [ctx.first_name, ctx.last_name].into_iter().flatten() {
        for part in split_name(name) {
            let folded = fold(part);
            if folded.chars().count() >= MIN_NAME_CHARS && !seen.contains(&folded) {
                seen.push(folded);
                parts.push(part);
            }
        }
    }
    parts
}

/// Words zxcvbn should treat as easy to guess for this account: the username, names and
/// their parts, school name and other words, each also without accents.
pub(crate) fn guess_inputs(ctx: &CheckContext<'_>) -> Vec<String> {
    let mut whole: Vec<&str> = Vec::new();
    whole.extend(ctx.username.map(bare_username));
    whole.extend(ctx.first_name);
    whole.extend(ctx.last_name);
    whole.extend(ctx.school_name);
    whole.extend(ctx.other_words.iter().copied());

    let mut inputs: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if !s.is_empty() {
            for form in [s.to_lowercase(), fold(s)] {
                if !inputs.contains(&form) {
                    inputs.push(form);
                }
            }
        }
    };
    for text in whole {
        add(text);
        for part in split_name(text) {
            add(part);
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Renée"), "renee");
        assert_eq!(fold("RENÉE"), "renee");
        assert_eq!(fold("Rene\u{301}e"), "renee");
        assert_eq!(fold("Ærø Müller Søren Dáithí"), "aero muller soren daithi");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("漢字🦊"), "漢字🦊");
    }

    #[test]
    fn strips_domain_from_username() {
        assert_eq!(bare_username("SCHOOL\\harry.hughes"), "harry.hughes");
        assert_eq!(bare_username("harry.hughes@school.test"), "harry.hughes");
        assert_eq!(bare_username(" harry "), "harry");
    }

    #[test]
    fn splits_names_and_drops_short_parts() {
        let ctx = CheckContext {
            first_name: Some("Mary-Jane Jo"),
            last_name: Some("O'Neill Ní Bhriain"),
            ..CheckContext::default()
        };
        assert_eq!(
            name_parts(&ctx),
            vec!["Mary", "Jane", "Neill", "Bhriain"],
            "Jo, O and Ní are too short"
        );
        let ctx = CheckContext {
            first_name: Some("Ali"),
            last_name: Some("ALI"),
            ..CheckContext::default()
        };
        assert_eq!(name_parts(&ctx), vec!["Ali"]);
        let ctx = CheckContext {
            first_name: Some("John, III"),
            last_name: Some("Angle<Brackets> D’Arcy"),
            ..CheckContext::default()
        };
        assert_eq!(
            name_parts(&ctx),
            vec!["John", "III", "Angle", "Brackets", "Arcy"]
        );
    }

    #[test]
    fn guess_inputs_include_plain_forms() {
        let ctx = CheckContext {
            username: Some("zoe.muller"),
            first_name: Some("Zoé"),
            last_name: Some("Müller"),
            school_name: Some("St Aidan's Academy"),
            ..CheckContext::default()
        };
        let inputs = guess_inputs(&ctx);
        for want in [
            "zoe.muller",
            "zoe",
            "zoé",
            "müller",
            "muller",
            "academy",
            "aidan",
        ] {
            assert!(inputs.iter().any(|i| i == want), "{want} in {inputs:?}");
        }
    }
}
