//! What an MIS export says about accounts: its dates (never guessed), and matching its rows to
//! accounts. A row names a person by MIS id first; its username is used only when its id
//! matches no account, and then only for an account that has no MIS id of its own and whose
//! name is the row's. Anything less certain (an id whose account has another name, a username
//! that belongs to someone else, an account with no name to compare made after the leaving
//! date, a similar name) is a review finding that says why, never a suspension.

use super::MisVerdict;
use crate::domain::account::Account;
use crate::domain::time::LondonDate;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// How the export is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Rows are people who left, each with a leaving date.
    #[default]
    Leavers,
    /// Rows are everyone on roll; a pupil or staff account not on it has left.
    Roll,
}

/// One row of the export, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MisRow {
    /// Line in the file.
    pub line: usize,
    /// MIS id.
    pub id: String,
    /// Username, if the export has it.
    pub username: String,
    /// Given name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Role as the MIS says it.
    pub role: String,
    /// Leaving date (leavers mode).
    pub leaving_date: Option<NaiveDate>,
}

/// Reads a leaving date: `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`. A two-digit
/// year or a day that does not exist is an error, never a guess.
pub fn parse_mis_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let sep = if t.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = t.split(sep).collect();
    let digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(|p| digits(p)) {
        return Err(format!(
            "\"{t}\" is not a date; write it as DD/MM/YYYY (25/11/2026) or YYYY-MM-DD"
        ));
    }
    let (y, m, d) = if parts[0].len() == 4 && sep == '-' {
        (parts[0], parts[1], parts[2])
    } else {
        (parts[2], parts[1], parts[0])
    };
    if y.len() != 4 {
        return Err(format!(
            "\"{t}\" has a two-digit year; write the year in full (DD/MM/YYYY), schooltech does not guess the century"
        ));
    }
    if m.len() > 2 || d.len() > 2 {
        return Err(format!("\"{t}\" is not a date; write it as DD/MM/YYYY"));
    }
    let num = |p: &str| p.parse::<u32>().unwrap_or(0);
    let year = y.parse::<i32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(year, num(m), num(d)).ok_or_else(|| {
        format!(
            "\"{t}\" is not a real date (day {} of month {}, {year}); check it in the MIS",
            num(d),
            num(m)
        )
    })
}

/// Lower case, accents folded, only letters and digits.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ñ' | 'ń' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
            'ý' | 'ÿ' => 'y',
            'ś' | 'š' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ł' => 'l',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn account_name(a: &Account) -> String {
    match (&a.given_name, &a.surname) {
        (Some(g), Some(s)) => fold(&format!("{g}{s}")),
        _ => fold(a.display_name.as_deref().unwrap_or("")),
    }
}

/// What matching the export gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matched {
    /// By username (lower case): what the MIS says of that account.
    pub verdicts: BTreeMap<String, MisVerdict>,
    /// Rows that match nobody, and other things worth saying (not acted on).
    pub notes: Vec<String>,
}

/// Matches rows to accounts. `today` is the leaving date in roll mode.
pub fn match_rows(rows: &[MisRow], accounts: &[Account], mode: Mode, today: NaiveDate) -> Matched {
    let mut by_id: HashMap<&str, Vec<&Account>> = HashMap::new();
    let mut by_user: HashMap<String, &Account> = HashMap::new();
    for a in accounts {
        if let Some(id) = a.mis_id.as_deref().filter(|s| !s.trim().is_empty()) {
            by_id.entry(id.trim()).or_default().push(a);
        }
        by_user.insert(a.username.to_lowercase(), a);
    }
    let mut m = Matched::default();
    match mode {
        Mode::Roll => {
            let ids: std::collections::HashSet<&str> = rows
                .iter()
                .map(|r| r.id.trim())
                .filter(|s| !s.is_empty())
                .collect();
            let users: std::collections::HashSet<String> = rows
                .iter()
                .map(|r| r.username.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect();
            for a in accounts {
                if !matches!(a.role.as_deref(), Some("pupil" | "staff")) || !a.enabled {
                    continue;
                }
                let on = a.mis_id.as_deref().is_some_and(|i| ids.contains(i.trim()))
                    || users.contains(&a.username.to_lowercase());
                if !on {
                    m.verdicts.insert(
                        a.username.to_lowercase(),
                        MisVerdict::Left {
                            date: today,
                            source: format!(
                                "the MIS roll (MIS id {} is not on it)",
                                a.mis_id.as_deref().unwrap_or("none")
                            ),
                        },
                    );
                }
            }
        }
        Mode::Leavers => {
            for r in rows {
                let Some(date) = r.leaving_date else { continue };
                match_leaver_row(r, date, accounts, &by_id, &by_user, &mut m);
            }
        }
    }
    m
}

/// How an account's name compares with a row's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCheck {
    /// The same beyond case, accents and spacing ([`fold`]).
    Same,
    /// Different.
    Differs,
    /// The row or the account has no name to compare.
    Unknown,
}

/// Compares the row's name (forename and surname) with the account's (given name and surname,
/// or display name), beyond case, accents and spacing.
pub fn name_check(a: &Account, r: &MisRow) -> NameCheck {
    let row = fold(&format!("{}{}", r.first_name, r.last_name));
    let given = match (&a.given_name, &a.surname) {
        (Some(g), Some(s)) => fold(&format!("{g}{s}")),
        _ => String::new(),
    };
    let display = fold(a.display_name.as_deref().unwrap_or(""));
    if row.is_empty() || (given.is_empty() && display.is_empty()) {
        NameCheck::Unknown
    } else if row == given || row == display {
        NameCheck::Same
    } else {
        NameCheck::Differs
    }
}

fn row_name(r: &MisRow) -> String {
    let n = format!("{} {}", r.first_name.trim(), r.last_name.trim());
    if n.trim().is_empty() {
        "no name".into()
    } else {
        n.trim().to_string()
    }
}

fn who(a: &Account) -> String {
    let name = match (&a.display_name, &a.given_name, &a.surname) {
        (Some(d), _, _) if !d.trim().is_empty() => d.trim().to_string(),
        (_, Some(g), Some(s)) => format!("{} {}", g.trim(), s.trim()),
        _ => a.username.clone(),
    };
    match a.mis_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => format!("{name}, {id}"),
        None => format!("{name}, who has no MIS id"),
    }
}

/// Records what a row says of an account: a review always wins over a leaving (one account,
/// two rows that disagree: a person looks); two leavings make one, with the earlier date.
fn put(m: &mut Matched, a: &Account, v: MisVerdict) {
    let key = a.username.to_lowercase();
    match (m.verdicts.get_mut(&key), v) {
        (None, v) => {
            m.verdicts.insert(key, v);
        }
        (Some(MisVerdict::Left { date: d, source: s }), MisVerdict::Left { date, source }) => {
            let line = source.trim_start_matches("MIS export ");
            *s = format!("{s} and {line}");
            if date < *d {
                *d = date;
            }
        }
        (Some(old @ MisVerdict::Left { .. }), v @ MisVerdict::Review { .. }) => *old = v,
        (Some(MisVerdict::Review { .. }), _) => {}
    }
}

fn review(m: &mut Matched, a: &Account, date: NaiveDate, why: String) {
    put(
        m,
        a,
        MisVerdict::Review {
            date: Some(date),
            why,
        },
    );
}

/// One leavers-mode row.
fn match_leaver_row(
    r: &MisRow,
    date: NaiveDate,
    accounts: &[Account],
    by_id: &HashMap<&str, Vec<&Account>>,
    by_user: &HashMap<String, &Account>,
    m: &mut Matched,
) {
    let line = r.line;
    let id = r.id.trim();
    let user = r.username.trim().to_lowercase();
    let found: Vec<&Account> = if id.is_empty() {
        Vec::new()
    } else {
        by_id.get(id).cloned().unwrap_or_default()
    };
    // One MIS id on several accounts: the one the row names by username, else the one
    // with the row's name, is the person's; the others are linked to it (and listed with
    // it). When neither settles it, every one of them is for review.
    let hit = match found.len() {
        0 => None,
        1 => found.first().copied(),
        _ => {
            // Only when every one of them has the row's name (one person's accounts).
            let one_person = found.iter().all(|a| name_check(a, r) != NameCheck::Differs);
            let named = found
                .iter()
                .copied()
                .find(|a| !user.is_empty() && a.username.to_lowercase() == user);
            let want = fold(&format!("{}{}", r.first_name, r.last_name));
            let exact: Vec<&Account> = found
                .iter()
                .copied()
                .filter(|a| {
                    !want.is_empty() && fold(a.display_name.as_deref().unwrap_or("")) == want
                })
                .collect();
            match (one_person, named, exact.as_slice()) {
                (true, Some(a), _) => Some(a),
                (true, None, [a]) => Some(*a),
                _ => {
                    let names: Vec<&str> = found.iter().map(|a| a.username.as_str()).collect();
                    for a in &found {
                        review(
                            m,
                            a,
                            date,
                            format!(
                                "MIS export line {line}: MIS id {id} matches {} accounts ({}); not acted on until the ids are put right",
                                found.len(),
                                names.join(", ")
                            ),
                        );
                    }
                    return;
                }
            }
        }
    };
    if let Some(a) = hit {
        let created_after = a.created.filter(|c| c.london_date() > date);
        match name_check(a, r) {
            NameCheck::Differs => review(
                m,
                a,
                date,
                format!(
                    "MIS export line {line}: the row's id {id} is {}'s, but the row names {}{}; check before acting",
                    a.username,
                    row_name(r),
                    match created_after {
                        Some(c) => format!(
                            " (and {} was made on {}, after the row's leaving date {date})",
                            a.username,
                            c.london_date()
                        ),
                        None => format!(" and the account is {}", a.name()),
                    }
                ),
            ),
            NameCheck::Unknown if created_after.is_some() => review(
                m,
                a,
                date,
                format!(
                    "MIS export line {line}: the row's id {id} matches {}, made on {}, after the row's leaving date {date}, and there is no name to compare; check before acting",
                    a.username,
                    created_after.map(|c| c.london_date()).unwrap_or(date)
                ),
            ),
            _ => put(
                m,
                a,
                MisVerdict::Left {
                    date,
                    source: format!("MIS export line {line}"),
                },
            ),
        }
        return;
    }
    // No account has the row's id (or the row has none): the username, with care.
    if let Some(a) = by_user.get(&user).copied().filter(|_| !user.is_empty()) {
        let own_id = a.mis_id.as_deref().is_some_and(|i| !i.trim().is_empty());
        let name = name_check(a, r);
        let why = if !id.is_empty() && own_id {
            Some(format!(
                "MIS export line {line}: the row's id {id} matches no account; {} belongs to {} (the row names {}); check before acting",
                a.username,
                who(a),
                row_name(r)
            ))
        } else if name == NameCheck::Differs || (!id.is_empty() && name == NameCheck::Unknown) {
            Some(format!(
                "MIS export line {line}: {} the row's username {} belongs to {}, not {}; check before acting",
                if id.is_empty() {
                    "the row has no MIS id and".to_string()
                } else {
                    format!("the row's id {id} matches no account and")
                },
                a.username,
                who(a),
                row_name(r)
            ))
        } else {
            None
        };
        match why {
            Some(why) => review(m, a, date, why),
            None => put(
                m,
                a,
                MisVerdict::Left {
                    date,
                    source: format!("MIS export line {line}"),
                },
            ),
        }
        return;
    }
    let want = fold(&format!("{}{}", r.first_name, r.last_name));
    let similar: Vec<&Account> = if want.len() < 4 {
        Vec::new()
    } else {
        accounts
            .iter()
            .filter(|a| {
                let n = account_name(a);
                !n.is_empty() && edit_distance(&n, &want) <= 2
            })
            .collect()
    };
    let shown_id = if id.is_empty() { "none" } else { id };
    if similar.is_empty() {
        m.notes.push(format!(
            "MIS export line {line}: {} {} (MIS id {shown_id}) matches no account",
            r.first_name, r.last_name,
        ));
    }
    for a in similar {
        if !m.verdicts.contains_key(&a.username.to_lowercase()) {
            review(
                m,
                a,
                date,
                format!(
                    "MIS export line {line}: {} {} (MIS id {shown_id}) matches this account only by a similar name; check before acting",
                    r.first_name, r.last_name,
                ),
            );
        }
    }
}
