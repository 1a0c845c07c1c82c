//! What an MIS export says about accounts: its dates (never guessed), and matching its rows to
//! accounts by MIS id, then username, with similar names only ever sent for review.

use super::MisVerdict;
use crate::domain::account::Account;
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
                let id = r.id.trim();
                let found: Vec<&Account> = if id.is_empty() {
                    Vec::new()
                } else {
                    by_id.get(id).cloned().unwrap_or_default()
                };
                if found.len() > 1 {
                    let names: Vec<&str> = found.iter().map(|a| a.username.as_str()).collect();
                    for a in &found {
                        m.verdicts.insert(
                            a.username.to_lowercase(),
                            MisVerdict::Review {
                                date: Some(date),
                                why: format!(
                                    "MIS export line {}: MIS id {id} matches {} accounts ({}); not acted on until the ids are put right",
                                    r.line,
                                    found.len(),
                                    names.join(", ")
                                ),
                            },
                        );
                    }
                    continue;
                }
                let hit = found.first().copied().or_else(|| {
                    by_user
                        .get(&r.username.trim().to_lowercase())
                        .copied()
                        .filter(|_| !r.username.trim().is_empty())
                });
                if let Some(a) = hit {
                    let key = a.username.to_lowercase();
                    let source = format!("MIS export line {}", r.line);
                    match m.verdicts.get_mut(&key) {
                        // Two rows for one person: one finding, the earlier date.
                        Some(MisVerdict::Left { date: d, source: s }) => {
                            *s = format!("{s} and line {}", r.line);
                            if date < *d {
                                *d = date;
                            }
                        }
                        Some(MisVerdict::Review { .. }) => {}
                        None => {
                            m.verdicts.insert(key, MisVerdict::Left { date, source });
                        }
                    }
                    continue;
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
                if similar.is_empty() {
                    m.notes.push(format!(
                        "MIS export line {}: {} {} (MIS id {}) matches no account",
                        r.line,
                        r.first_name,
                        r.last_name,
                        if id.is_empty() { "none" } else { id }
                    ));
                }
                for a in similar {
                    m.verdicts
                        .entry(a.username.to_lowercase())
                        .or_insert_with(|| MisVerdict::Review {
                            date: Some(date),
                            why: format!(
                                "MIS export line {}: {} {} (MIS id {}) matches this account only by a similar name; check before acting",
                                r.line,
                                r.first_name,
                                r.last_name,
                                if id.is_empty() { "none" } else { id }
                            ),
                        });
                }
            }
        }
    }
    m
}
