//! Layout rules: where a role's accounts live (OU), their groups and their usernames, as
//! templates with `{year}`, `{form}` (OU, groups) and `{given}`, `{surname}`, `{initial}`, `{yy}`
//! (usernames); and learning them from the accounts a school already has.

use crate::domain::account::Account;
use crate::domain::username::fold;
use std::collections::BTreeMap;

/// One role's rules, with the OU made absolute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// The OU template (absolute DN).
    pub ou: String,
    /// Group name templates.
    pub groups: Vec<String>,
    /// The username template (may be empty: `[accounts] username_pattern`).
    pub username: String,
}

/// Expands `{year}` and `{form}`; `None` when the template needs a value the row lacks.
pub fn expand(template: &str, year: Option<u32>, form: &str) -> Option<String> {
    let mut out = template.to_string();
    if out.contains("{year}") {
        out = out.replace("{year}", &year?.to_string());
    }
    if out.contains("{form}") {
        if form.trim().is_empty() {
            return None;
        }
        out = out.replace("{form}", form.trim());
    }
    Some(out)
}

/// Where a new account of a role with these rules goes: the OU (absolute; `None` when the rules
/// name none or it needs a year or form the person lacks) and the group names. The one rule for
/// a joiner, whether `sync` or `accounts import` makes it.
pub fn place_new(layout: &Layout, year: Option<u32>, form: &str) -> (Option<String>, Vec<String>) {
    let ou = Some(layout.ou.trim())
        .filter(|o| !o.is_empty())
        .and_then(|o| expand(o, year, form));
    let groups = layout
        .groups
        .iter()
        .filter_map(|g| expand(g, year, form))
        .collect();
    (ou, groups)
}

/// The value of the one `{year}` or `{form}` in `template` that makes it `text` (case-insensitive),
/// with the variable's name.
pub fn extract<'a>(template: &str, text: &'a str) -> Option<(&'static str, &'a str)> {
    for var in ["year", "form"] {
        let token = format!("{{{var}}}");
        let Some(i) = template.find(&token) else {
            continue;
        };
        let (pre, post) = (&template[..i], &template[i + token.len()..]);
        if post.contains('{') || pre.contains('{') {
            return None;
        }
        if text.len() <= pre.len() + post.len() {
            return None;
        }
        let (tp, rest) = text.split_at_checked(pre.len())?;
        let (mid, ts) = rest.split_at_checked(rest.len() - post.len())?;
        if tp.eq_ignore_ascii_case(pre)
            && ts.eq_ignore_ascii_case(post)
            && !mid.is_empty()
            && !mid.contains([' ', ','])
        {
            return Some((var, mid));
        }
        return None;
    }
    None
}

/// The year an account is in by its OU or groups under `layout`, if the layout says years.
pub fn year_of(layout: &Layout, a: &Account) -> Option<u32> {
    if let Some(("year", y)) = extract(&layout.ou, a.parent_dn()) {
        return y.parse().ok();
    }
    for t in &layout.groups {
        for g in &a.groups {
            if let Some(("year", y)) = extract(t, g) {
                return y.parse().ok();
            }
        }
    }
    None
}

/// True when `group` is one a template with a variable makes (`Year 8` for `Year {year}`): the
/// sync takes such groups away when the row's values no longer give them.
pub fn managed_group(layout: &Layout, group: &str) -> bool {
    layout.groups.iter().any(|t| extract(t, group).is_some())
}

/// The username template's expansion pattern for [`crate::domain::username::expand`]:
/// `{given}` → `{first}`, `{surname}` → `{last}`, `{initial}` → `{first_initial}`.
pub fn username_pattern(template: &str) -> String {
    template
        .replace("{given}", "{first}")
        .replace("{surname}", "{last}")
        .replace("{initial}", "{first_initial}")
}

/// The calendar year a pupil in NC `year` entered Year 7, for `{yy}`: the school year starts in
/// September.
pub fn entry_year(today: chrono::NaiveDate, year: Option<u32>) -> i32 {
    use chrono::Datelike;
    let start = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    match year {
        Some(y) if (7..=13).contains(&y) => start - (y as i32 - 7),
        _ => start,
    }
}

/// Username templates the learner knows, most common first.
pub const USERNAME_TEMPLATES: [&str; 6] = [
    "{given}.{surname}",
    "{yy}{surname}{initial}",
    "{initial}{surname}",
    "{given}{surname}",
    "{surname}{initial}",
    "{given}.{surname}{yy}",
];

/// True when `username` follows `template` for the names given (truncation and a clash digit
/// allowed).
pub fn fits_username(template: &str, username: &str, given: &str, surname: &str) -> bool {
    let u: String = username
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let g = fold(given.split_whitespace().next().unwrap_or(given));
    let s = fold(surname);
    if g.is_empty() || s.is_empty() {
        return false;
    }
    let trimmed = u.trim_end_matches(|c: char| c.is_ascii_digit());
    let pre = |a: &str, full: &str| !a.is_empty() && full.starts_with(a);
    match template {
        "{given}.{surname}" | "{given}.{surname}{yy}" => {
            let yy = u.len() - trimmed.len() == 2;
            (template == "{given}.{surname}" || yy)
                && match trimmed.split_once('.') {
                    Some((a, b)) => pre(a, &g) && pre(b, &s),
                    None => false,
                }
        }
        "{yy}{surname}{initial}" => {
            let t = trimmed;
            t.len() > 3
                && t[..2].chars().all(|c| c.is_ascii_digit())
                && t[2..].ends_with(&g[..1])
                && pre(&t[2..t.len() - 1], &s)
        }
        "{initial}{surname}" => {
            trimmed.starts_with(&g[..1]) && trimmed.len() > 1 && pre(&trimmed[1..], &s)
        }
        "{given}{surname}" => {
            trimmed == format!("{g}{s}")
                || (trimmed.starts_with(&g) && pre(&trimmed[g.len()..], &s))
        }
        "{surname}{initial}" => {
            trimmed.len() > 1
                && trimmed.ends_with(&g[..1])
                && pre(&trimmed[..trimmed.len() - 1], &s)
        }
        _ => false,
    }
}

/// What learning found for one role: the rules and how many accounts fit each part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    /// The proposed rules.
    pub layout: Layout,
    /// Accounts of the role looked at (on the roll, with a year/form where the rule uses it).
    pub accounts: usize,
    /// How many are in the OU the rule gives them.
    pub ou_fit: usize,
    /// For each group template, how many are in the group it gives them.
    pub group_fit: Vec<(String, usize)>,
    /// How many usernames follow the username template.
    pub username_fit: usize,
}

/// One account with what the roll says of it, for learning.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// The account.
    pub account: &'a Account,
    /// The row's NC year.
    pub year: Option<u32>,
    /// The row's form.
    pub form: &'a str,
    /// The names the account has (given, surname).
    pub given: &'a str,
    /// Surname.
    pub surname: &'a str,
}

/// Replaces the row's year and form values in `text` by `{year}` and `{form}`, where they stand
/// as whole words (`OU=Year 8,…` → `OU=Year {year},…`; `Form 8B` → `Form {form}`).
fn generalise(text: &str, year: Option<u32>, form: &str) -> String {
    let mut out = text.to_string();
    let form = form.trim();
    if !form.is_empty() {
        out = replace_word(&out, form, "{form}");
    }
    if let Some(y) = year {
        out = replace_word(&out, &y.to_string(), "{year}");
    }
    out
}

fn replace_word(text: &str, word: &str, by: &str) -> String {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    let mut out = String::new();
    let mut from = 0;
    while let Some(off) = text[from..].find(word) {
        let i = from + off;
        let end = i + word.len();
        out.push_str(&text[from..i]);
        if boundary(text[..i].chars().last()) && boundary(text[end..].chars().next()) {
            out.push_str(by);
        } else {
            out.push_str(word);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

/// Learns a role's rules from its accounts: the OU and groups most of them are in (with the
/// year and form made variables), and the username template most of them follow.
pub fn learn(samples: &[Sample<'_>]) -> Option<Learned> {
    if samples.is_empty() {
        return None;
    }
    let n = samples.len();
    let mut ous: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for s in samples {
        let ou = generalise(s.account.parent_dn(), s.year, s.form);
        *ous.entry(ou).or_default() += 1;
        let mut seen = std::collections::HashSet::new();
        for g in &s.account.groups {
            let t = generalise(g, s.year, s.form);
            if seen.insert(t.to_lowercase()) {
                groups.entry(t.to_lowercase()).or_insert((t, 0)).1 += 1;
            }
        }
    }
    let (ou, _) = ous.into_iter().max_by_key(|(_, c)| *c)?;
    let mut group_list: Vec<(String, usize)> =
        groups.into_values().filter(|(_, c)| c * 2 > n).collect();
    group_list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let username = USERNAME_TEMPLATES
        .iter()
        .map(|t| {
            let fit = samples
                .iter()
                .filter(|s| fits_username(t, &s.account.username, s.given, s.surname))
                .count();
            (t, fit)
        })
        .fold(None::<(&&str, usize)>, |best, (t, f)| match best {
            Some((_, b)) if b >= f => best,
            _ => Some((t, f)),
        })
        .filter(|(_, f)| *f > 0);
    let layout = Layout {
        ou: ou.clone(),
        groups: group_list.iter().map(|(g, _)| g.clone()).collect(),
        username: username.map(|(t, _)| t.to_string()).unwrap_or_default(),
    };
    let fits = fit_counts(&layout, samples);
    Some(fits)
}

/// How many of `samples` fit `layout` (OU, each group, username).
pub fn fit_counts(layout: &Layout, samples: &[Sample<'_>]) -> Learned {
    let ou_fit = samples
        .iter()
        .filter(|s| {
            expand(&layout.ou, s.year, s.form).is_some_and(|o| same_dn(&o, s.account.parent_dn()))
        })
        .count();
    let group_fit = layout
        .groups
        .iter()
        .map(|t| {
            let c = samples
                .iter()
                .filter(|s| {
                    expand(t, s.year, s.form).is_some_and(|g| {
                        s.account.groups.iter().any(|h| h.eq_ignore_ascii_case(&g))
                    })
                })
                .count();
            (t.clone(), c)
        })
        .collect();
    let username_fit = samples
        .iter()
        .filter(|s| {
            !layout.username.is_empty()
                && fits_username(&layout.username, &s.account.username, s.given, s.surname)
        })
        .count();
    Learned {
        layout: layout.clone(),
        accounts: samples.len(),
        ou_fit,
        group_fit,
        username_fit,
    }
}

/// Two DNs are the same (case and spaces after commas aside).
pub fn same_dn(a: &str, b: &str) -> bool {
    norm(a) == norm(b)
}

/// A DN lower-cased with the spaces around its commas and equals signs taken out.
pub fn norm(dn: &str) -> String {
    dn.split(',')
        .map(|p| {
            p.split('=')
                .map(|x| x.trim().to_lowercase())
                .collect::<Vec<_>>()
                .join("=")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_and_extract() {
        let t = "OU=Year {year},OU=Pupils,OU=School,DC=s";
        assert_eq!(
            expand(t, Some(8), "8B").as_deref(),
            Some("OU=Year 8,OU=Pupils,OU=School,DC=s")
        );
        assert_eq!(expand("Form {form}", Some(8), ""), None);
        assert_eq!(
            extract(t, "ou=year 12,ou=pupils,ou=school,dc=s"),
            Some(("year", "12"))
        );
        assert_eq!(extract("Year {year}", "Year 7 Parents"), None);
        assert_eq!(extract("Form {form}", "Form 7A"), Some(("form", "7A")));
    }

    #[test]
    fn usernames_fit_their_templates() {
        assert!(fits_username(
            "{given}.{surname}",
            "mary-jan.lloyd-webb2",
            "Mary-Jane",
            "Lloyd-Webber"
        ));
        assert!(fits_username(
            "{yy}{surname}{initial}",
            "26smithe",
            "Ella",
            "Smith"
        ));
        assert!(!fits_username(
            "{given}.{surname}",
            "26smithe",
            "Ella",
            "Smith"
        ));
        assert!(fits_username(
            "{given}.{surname}",
            "senol.yilmaz",
            "Şenol",
            "Yılmaz"
        ));
    }

    #[test]
    fn generalising_keeps_other_digits() {
        assert_eq!(
            generalise("OU=Year 8,OU=Pupils", Some(8), "8B"),
            "OU=Year {year},OU=Pupils"
        );
        assert_eq!(generalise("Form 8B", Some(8), "8B"), "Form {form}");
        assert_eq!(generalise("Room 18", Some(8), "8B"), "Room 18");
    }
}
