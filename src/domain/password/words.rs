//! The generator's built-in word list: 1,100+ common, child-safe English words.
//!
//! Rules for `words.txt` (enforced by the tests below): one lower-case ASCII word of 3 to 8
//! letters a line, sorted, no duplicates; animals, colours, food, objects, nature, places,
//! hobbies and kind adjectives only. Left out on purpose: anything rude, unkind, a slur or
//! playground slang (e.g. "cock" in cockatoo, "spade", "ginger"); weapons, drugs, alcohol,
//! religion and magic; words starting with `i` (a capital `I` looks like `l`); words with
//! `rn` (reads as `m`) or `vv`; words that look or sound like another (dairy/diary,
//! desert/dessert, flower/flour, pea); spellings that differ between UK and US English.

use std::sync::OnceLock;

const RAW: &str = include_str!("words.txt");

/// Words of at most this many letters count as short, for [`short`].
pub(crate) const SHORT_MAX: usize = 5;

/// Every word in the list.
pub(crate) fn all() -> &'static [&'static str] {
    static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
    ALL.get_or_init(|| {
        RAW.lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect()
    })
}

/// The words of at most [`SHORT_MAX`] letters, for young pupils.
pub(crate) fn short() -> &'static [&'static str] {
    static SHORT: OnceLock<Vec<&'static str>> = OnceLock::new();
    SHORT.get_or_init(|| {
        all()
            .iter()
            .copied()
            .filter(|w| w.len() <= SHORT_MAX)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fragments never wanted in a child's password, and the reviewed words that contain
    /// one innocently.
    const BLOCKED: &[&str] = &[
        "fuck", "shit", "cunt", "twat", "wank", "piss", "slut", "whore", "nazi", "porn", "sex",
        "dick", "cock", "boob", "gay", "fag", "fart", "kill", "dead", "damn", "bitch", "knob",
        "tit", "bum", "poo", "hell", "ass", "rape", "crap", "nob", "coon", "spade", "nig", "homo",
        "dyke", "ugly", "fat", "stupid", "dumb", "gun", "bomb", "drug", "beer", "wine", "devil",
        "witch", "ghost", "blood", "die", "pee", "wee", "anal", "ginger", "pansy", "tart", "nuts",
        "balls", "willy", "pussy", "beaver", "rubber", "knickers", "shag", "bugger", "slag",
    ];
    const REVIEWED: &[&str] = &[
        "album", "poodle", "spoon", "seashell", "compass", "grass", "lasso", "grape", "noble",
        "speedy", "tweezers", "weevil", "canal",
    ];

    #[test]
    fn has_over_a_thousand_unique_sorted_words() {
        let words = all();
        assert!(words.len() >= 1000, "{} words", words.len());
        assert!(
            words.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(short().len() >= 400, "{} short words", short().len());
    }

    #[test]
    fn words_are_plain_and_unambiguous() {
        for w in all() {
            assert!((3..=8).contains(&w.len()), "{w}: 3 to 8 letters");
            assert!(
                w.bytes().all(|b| b.is_ascii_lowercase()),
                "{w}: a to z only"
            );
            assert!(!w.starts_with('i'), "{w}: capital I looks like l");
            assert!(
                !w.contains("rn") && !w.contains("vv"),
                "{w}: rn/vv look like m/w"
            );
        }
    }

    #[test]
    fn words_are_child_safe() {
        for w in all() {
            if REVIEWED.contains(w) {
                continue;
            }
            for bad in BLOCKED {
                assert!(!w.contains(bad), "{w} contains {bad}");
            }
        }
        for pair in [
            ["dairy", "diary"],
            ["desert", "dessert"],
            ["flower", "flour"],
        ] {
            assert!(pair.iter().all(|w| !all().contains(w)), "{pair:?}");
        }
    }
}
