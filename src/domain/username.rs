//! Usernames for new accounts from a pattern such as `{first}.{last}` or
//! `{first}{last_initial}{yy}`, folded to plain ASCII, with a digit added on a clash.

/// Longest username AD accepts (sAMAccountName).
pub const MAX_USERNAME: usize = 20;

/// Folds a name to lower-case ASCII letters and digits (accents removed, other marks dropped).
pub fn fold(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'æ' => "ae",
            'ç' | 'č' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'œ' => "oe",
            'ß' => "ss",
            'ş' | 'š' | 'ś' => "s",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
            'ý' | 'ÿ' => "y",
            'ž' | 'ź' | 'ż' => "z",
            'ł' => "l",
            'đ' | 'ð' => "d",
            'þ' => "th",
            'ı' => "i",
            'ğ' => "g",
            'ț' | 'ţ' | 'ť' => "t",
            'ș' => "s",
            'ř' => "r",
            'ď' => "d",
            'ň' => "n",
            'ů' | 'ű' | 'ų' | 'ư' => "u",
            'ě' | 'ė' => "e",
            'ő' | 'ơ' => "o",
            'ą' | 'ă' => "a",
            'į' => "i",
            c if ('\u{1EA0}'..='\u{1EF9}').contains(&c) => vietnamese(c),
            _ => "",
        };
        if !mapped.is_empty() {
            out.push_str(mapped);
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        }
    }
    out
}

/// The base letter of a Vietnamese letter with its tone mark (U+1EA0 to U+1EF9: ạ ấ ễ ộ ự ỹ …).
fn vietnamese(c: char) -> &'static str {
    let i = c as u32;
    match i {
        0x1EA0..=0x1EB7 => "a",
        0x1EB8..=0x1EC7 => "e",
        0x1EC8..=0x1ECB => "i",
        0x1ECC..=0x1EE3 => "o",
        0x1EE4..=0x1EF1 => "u",
        _ => "y",
    }
}

/// What a pattern can use.
#[derive(Debug, Clone, Default)]
pub struct NameParts<'a> {
    /// Given name.
    pub first: &'a str,
    /// Surname.
    pub last: &'a str,
    /// Intake year (e.g. 2026).
    pub year: i32,
    /// MIS id.
    pub mis: Option<&'a str>,
}

/// Expands a username pattern. Unknown `{tokens}` are an error naming them.
pub fn expand(pattern: &str, p: &NameParts<'_>) -> Result<String, String> {
    let first = fold(p.first);
    let last = fold(p.last);
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("username_pattern \"{pattern}\" has an unclosed {{"))?;
        let token = &after[..end];
        let v = match token {
            "first" => first.clone(),
            "last" => last.clone(),
            "first_initial" => first.chars().take(1).collect(),
            "last_initial" => last.chars().take(1).collect(),
            "yy" => format!("{:02}", p.year.rem_euclid(100)),
            "yyyy" => p.year.to_string(),
            "mis" => p.mis.map(fold).unwrap_or_default(),
            other => {
                return Err(format!(
                    "username_pattern has an unknown {{{other}}}; use {{first}}, {{last}}, {{first_initial}}, {{last_initial}}, {{yy}}, {{yyyy}} or {{mis}}"
                ))
            }
        };
        out.push_str(&v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let cleaned: String = out
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let cleaned = cleaned.trim_matches(['.', '-', '_']).to_string();
    if cleaned.is_empty() {
        return Err(format!(
            "no username can be made from \"{} {}\" with pattern \"{pattern}\"; give the account a username",
            p.first, p.last
        ));
    }
    Ok(cleaned.chars().take(MAX_USERNAME).collect())
}

/// The `n`th username to try: `base` for 1, then `base2`, `base3`, … within the length limit.
pub fn candidate(base: &str, n: u32) -> String {
    if n <= 1 {
        return base.to_string();
    }
    let suffix = n.to_string();
    let keep = MAX_USERNAME.saturating_sub(suffix.len());
    format!("{}{suffix}", base.chars().take(keep).collect::<String>())
}

/// The first free username: `base`, else `base2`, `base3`, …
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..=10_000)
        .map(|n| candidate(base, n))
        .find(|c| !taken(c))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(first: &'a str, last: &'a str) -> NameParts<'a> {
        NameParts {
            first,
            last,
            year: 2026,
            mis: Some("P100"),
        }
    }

    #[test]
    fn patterns_fold_names() {
        assert_eq!(
            expand("{first}.{last}", &parts("Renée", "O'Neill")).unwrap(),
            "renee.oneill"
        );
        assert_eq!(
            expand("{first}{last_initial}{yy}", &parts("Dáithí", "Ní Bhriain")).unwrap(),
            "daithin26"
        );
        assert_eq!(
            expand("{first}.{last}", &parts("Mary-Jane", "Lloyd-Webber")).unwrap(),
            "maryjane.lloydwebber"
        );
        assert_eq!(
            expand("{first}.{last}", &parts("Søren", "Ærø")).unwrap(),
            "soren.aero"
        );
        assert!(expand("{nick}", &parts("a", "b"))
            .unwrap_err()
            .contains("{nick}"));
        assert!(expand("{first}", &parts("李", "")).is_err());
        assert_eq!(
            expand(
                "{first}.{last}",
                &parts("Christopher", "Montgomery-Smithson")
            )
            .unwrap()
            .len(),
            20
        );
    }

    #[test]
    fn clashes_get_a_digit() {
        let taken = ["jo.li", "jo.li2"];
        assert_eq!(first_free("jo.li", |u| taken.contains(&u)), "jo.li3");
        assert_eq!(first_free("new", |u| taken.contains(&u)), "new");
        let long = "abcdefghijklmnopqrst";
        assert_eq!(first_free(long, |u| u == long), "abcdefghijklmnopqrs2");
    }
}
