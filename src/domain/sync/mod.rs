//! Planning a sync of the MIS roll against the directory (pure: no I/O, no clock): by MIS id,
//! who joins (create), moves (OU and groups by the layout rules), is renamed, is missing
//! (tolerated, in stages), comes back (reactivate), needs a person to look (review), or is
//! unchanged. The plan is the same for the CLI's dry run, the TUI and `--apply`.

pub mod layout;

use crate::domain::account::Account;
use crate::domain::leavers::mis::fold;
use chrono::NaiveDate;
use layout::{expand, managed_group, same_dn, year_of, Layout};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One row of the roll, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollRow {
    /// Line in the file.
    pub line: usize,
    /// MIS id.
    pub id: String,
    /// Username, if the roll has one.
    pub username: String,
    /// Given name (the preferred one when the roll has it).
    pub given: String,
    /// Surname.
    pub surname: String,
    /// Role (`pupil`, `staff`, …), lower case.
    pub role: String,
    /// NC year.
    pub year: Option<u32>,
    /// Form.
    pub form: String,
}

/// A tolerated account: missing from the roll since `first`, last missed on `last`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// MIS id (the key).
    pub mis_id: String,
    /// The account's username when marked.
    pub username: String,
    /// The first roll that missed it (day).
    pub first: NaiveDate,
    /// The last roll that missed it (day).
    pub last: NaiveDate,
}

/// One planned item as the JSON shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The account's username (planned, for a create).
    pub username: String,
    /// MIS id.
    pub mis_id: String,
    /// The person's name.
    pub name: String,
    /// Where it is (or what it was).
    pub from: String,
    /// Where it goes (or what it becomes).
    pub to: String,
    /// Why.
    pub reason: String,
}

/// What an item does, for `apply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// A new account.
    Create {
        /// Role.
        role: String,
        /// Given name.
        given: String,
        /// Surname.
        surname: String,
        /// NC year.
        year: Option<u32>,
        /// Form.
        form: String,
        /// OU (absolute), if the layout says.
        ou: Option<String>,
        /// Group names.
        groups: Vec<String>,
        /// Username template (empty: `[accounts] username_pattern`), or the roll's username.
        username: String,
        /// The roll names the username.
        named: bool,
    },
    /// A change of place and groups.
    Move(Placement),
    /// New names.
    Rename {
        /// Its DN.
        dn: String,
        /// Given name.
        given: String,
        /// Surname.
        surname: String,
        /// Display name.
        display: String,
    },
    /// Missing from the roll.
    Tolerate {
        /// The first roll that missed it.
        first: NaiveDate,
        /// True when this roll is the first to miss it.
        new: bool,
    },
    /// Back on the roll.
    Reactivate {
        /// The account was disabled: enable it and give it a new temporary password.
        enable: bool,
        /// Its place and groups.
        placement: Placement,
        /// Clear its expiry (the sweep sets one).
        clear_expiry: bool,
        /// Clear its description (the sweep's stamp).
        clear_description: bool,
    },
    /// Nothing is done.
    Review,
}

/// Where an account goes and the groups it joins and leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Its DN now.
    pub dn: String,
    /// The OU it moves to (absolute), when it moves.
    pub to_ou: Option<String>,
    /// The entry name it takes there (AD's CN) when its own is taken.
    pub new_name: Option<String>,
    /// Group names it joins.
    pub add: Vec<String>,
    /// Group names it leaves.
    pub remove: Vec<String>,
    /// The year it was in (by the layout), and the one it goes to.
    pub from_year: Option<u32>,
    /// The year it goes to.
    pub to_year: Option<u32>,
}

impl Placement {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.to_ou.is_none() && self.add.is_empty() && self.remove.is_empty()
    }
}

/// One item of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// As shown.
    pub item: Item,
    /// What it does.
    pub detail: Detail,
}

/// The plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Joiners.
    pub create: Vec<Entry>,
    /// Movers (in the order they are applied: top year first).
    pub moves: Vec<Entry>,
    /// Name changes.
    pub rename: Vec<Entry>,
    /// Missing from the roll, still working.
    pub tolerate: Vec<Entry>,
    /// Back on the roll.
    pub reactivate: Vec<Entry>,
    /// For a person to look at; nothing is done.
    pub review: Vec<Entry>,
    /// Accounts on the roll with nothing to do.
    pub unchanged: usize,
    /// Why the roll is refused (a probable bad export); nothing is done or marked.
    pub refused: Option<String>,
}

impl Plan {
    /// True when applying would change something (the dry run's exit 1).
    pub fn has_work(&self) -> bool {
        !(self.create.is_empty()
            && self.moves.is_empty()
            && self.rename.is_empty()
            && self.reactivate.is_empty()
            && self.review.is_empty()
            && self
                .tolerate
                .iter()
                .all(|e| !matches!(e.detail, Detail::Tolerate { new: true, .. })))
    }

    /// The rollover's summary by year: "Year 7 → Year 8: 182 accounts", "Year 13: 141 tolerated".
    pub fn summary_by_year(&self) -> Vec<String> {
        let mut moves: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        let mut other = 0;
        for e in &self.moves {
            match &e.detail {
                Detail::Move(Placement {
                    from_year: Some(f),
                    to_year: Some(t),
                    ..
                }) if f != t => *moves.entry((*f, *t)).or_default() += 1,
                _ => other += 1,
            }
        }
        let mut tol: BTreeMap<Option<u32>, usize> = BTreeMap::new();
        for e in &self.tolerate {
            *tol.entry(year_in(&e.item.from)).or_default() += 1;
        }
        let mut out: Vec<String> = moves
            .iter()
            .map(|((f, t), n)| format!("Year {f} → Year {t}: {n} account{}", plural(*n)))
            .collect();
        if other > 0 {
            out.push(format!(
                "within a year (form, role or place): {other} account{}",
                plural(other)
            ));
        }
        for (y, n) in tol {
            match y {
                Some(y) => out.push(format!("Year {y}: {n} tolerated")),
                None => out.push(format!("others: {n} tolerated")),
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "Year 13" out of a `from` text, if it says one.
fn year_in(s: &str) -> Option<u32> {
    let i = s.find("Year ")?;
    s[i + 5..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// Everything the plan is made from.
pub struct Input<'a> {
    /// The roll.
    pub rows: &'a [RollRow],
    /// Every account (people; those without an MIS id are left alone).
    pub accounts: &'a [Account],
    /// Tolerated accounts, by MIS id.
    pub marks: &'a [Mark],
    /// Layout rules by role.
    pub layouts: &'a BTreeMap<String, Layout>,
    /// Why an account is protected, if it is.
    pub protected: &'a dyn Fn(&Account) -> Option<String>,
    /// The Leavers OU (absolute), if configured.
    pub leavers_ou: Option<&'a str>,
    /// Days an account of a role missing from the roll is tolerated.
    pub tolerate_days: &'a dyn Fn(&str) -> u32,
    /// The roles the roll speaks for (accounts of other roles are never tolerated).
    pub roles: &'a [String],
    /// `[sync] max_missing_percent`.
    pub max_missing_percent: f64,
    /// Description of an account held for its acceptable use agreement (never reactivated).
    pub held_description: &'a str,
    /// The day of the roll.
    pub today: NaiveDate,
    /// True on OpenLDAP-like directories whose entries are named by username (no CN clash).
    pub named_by_username: bool,
}

/// The account's role: the directory's, else the layout role whose fixed groups it holds all of.
pub fn role_of(a: &Account, layouts: &BTreeMap<String, Layout>) -> Option<String> {
    if let Some(r) = &a.role {
        return Some(r.clone());
    }
    layouts
        .iter()
        .find(|(_, l)| {
            let fixed: Vec<&String> = l.groups.iter().filter(|g| !g.contains('{')).collect();
            !fixed.is_empty()
                && fixed
                    .iter()
                    .all(|g| a.groups.iter().any(|h| h.eq_ignore_ascii_case(g)))
        })
        .map(|(r, _)| r.clone())
}

fn display(a: &Account) -> String {
    a.name().to_string()
}

fn row_name(r: &RollRow) -> String {
    format!("{} {}", r.given.trim(), r.surname.trim())
        .trim()
        .to_string()
}

fn rdn_value(dn: &str) -> String {
    crate::domain::dn::first_rdn_value(dn)
}

/// Relative to the base for show: `OU=Year 8,OU=Pupils,OU=School`.
fn short(dn: &str, base: &str) -> String {
    let n = dn.len();
    if base.is_empty() || n <= base.len() {
        return dn.to_string();
    }
    if dn[n - base.len()..].eq_ignore_ascii_case(base) {
        dn[..n - base.len()].trim_end_matches(',').to_string()
    } else {
        dn.to_string()
    }
}

/// Makes the plan.
pub fn plan(input: &Input<'_>, base_dn: &str) -> Plan {
    let mut p = Plan::default();
    let layouts = input.layouts;
    let marks: HashMap<String, &Mark> = input
        .marks
        .iter()
        .map(|m| (m.mis_id.trim().to_lowercase(), m))
        .collect();
    // Accounts by MIS id.
    let mut by_id: HashMap<String, Vec<&Account>> = HashMap::new();
    for a in input.accounts {
        if let Some(id) = a.mis_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            by_id.entry(id.to_lowercase()).or_default().push(a);
        }
    }
    let by_user: HashMap<String, &Account> = input
        .accounts
        .iter()
        .map(|a| (a.username.to_lowercase(), a))
        .collect();
    // Rows by MIS id; an id on two rows is for review.
    let mut rows_by_id: HashMap<String, Vec<&RollRow>> = HashMap::new();
    for r in input.rows {
        rows_by_id
            .entry(r.id.trim().to_lowercase())
            .or_default()
            .push(r);
    }
    let on_roll: HashSet<String> = rows_by_id
        .keys()
        .filter(|k| !k.is_empty())
        .cloned()
        .collect();

    // The stage check first: too many of a role missing is a probable bad export.
    if let Some(why) = refusal(input, &on_roll) {
        p.refused = Some(why);
        return p;
    }

    let mut moves: Vec<Entry> = Vec::new();
    let mut seen_rows: HashSet<String> = HashSet::new();
    for r in input.rows {
        let key = r.id.trim().to_lowercase();
        let mk = |username: &str, from: String, to: String, reason: String| Item {
            username: username.to_string(),
            mis_id: r.id.trim().to_string(),
            name: row_name(r),
            from,
            to,
            reason,
        };
        if key.is_empty() {
            p.review.push(Entry {
                item: mk(
                    &r.username,
                    String::new(),
                    String::new(),
                    format!(
                        "line {}: the row has no MIS id; give it one in the MIS",
                        r.line
                    ),
                ),
                detail: Detail::Review,
            });
            continue;
        }
        if !seen_rows.insert(key.clone()) {
            continue;
        }
        let same = rows_by_id.get(&key).map(Vec::as_slice).unwrap_or_default();
        let accounts = by_id.get(&key).cloned().unwrap_or_default();
        if same.len() > 1 {
            let lines: Vec<String> = same.iter().map(|x| x.line.to_string()).collect();
            let user = accounts
                .first()
                .map(|a| a.username.clone())
                .unwrap_or_default();
            p.review.push(Entry {
                item: mk(
                    &user,
                    String::new(),
                    String::new(),
                    format!(
                        "MIS id {} is on {} rows (lines {}); nothing is done until the MIS has it once",
                        r.id.trim(),
                        same.len(),
                        lines.join(", ")
                    ),
                ),
                detail: Detail::Review,
            });
            continue;
        }
        if accounts.len() > 1 {
            let names: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
            for a in &accounts {
                p.review.push(Entry {
                    item: mk(
                        &a.username,
                        short(a.parent_dn(), base_dn),
                        String::new(),
                        format!(
                            "MIS id {} belongs to {} accounts ({}); put the ids right first",
                            r.id.trim(),
                            accounts.len(),
                            names.join(", ")
                        ),
                    ),
                    detail: Detail::Review,
                });
            }
            continue;
        }
        let known_role = layouts.contains_key(&r.role)
            || input.roles.iter().any(|x| x == &r.role)
            || crate::domain::roles::KNOWN_ROLES.contains(&r.role.as_str());
        if !known_role {
            p.review.push(Entry {
                item: mk(
                    accounts.first().map(|a| a.username.as_str()).unwrap_or(""),
                    String::new(),
                    String::new(),
                    format!(
                        "line {}: role \"{}\" is not one schooltech knows; use pupil or staff",
                        r.line, r.role
                    ),
                ),
                detail: Detail::Review,
            });
            continue;
        }
        let lay = layouts.get(&r.role);
        let Some(a) = accounts.first().copied() else {
            // A joiner. A username the roll names must be free.
            let named = r.username.trim();
            if !named.is_empty() {
                if let Some(other) = by_user.get(&named.to_lowercase()) {
                    p.review.push(Entry {
                        item: mk(
                            named,
                            String::new(),
                            String::new(),
                            format!(
                                "line {}: the roll names username {named}, which belongs to {} (MIS id {}); fix the roll or the account",
                                r.line,
                                display(other),
                                other.mis_id.as_deref().unwrap_or("none")
                            ),
                        ),
                        detail: Detail::Review,
                    });
                    continue;
                }
            }
            let (ou, groups) = lay
                .map(|l| layout::place_new(l, r.year, &r.form))
                .unwrap_or_default();
            let to = match &ou {
                Some(o) => short(o, base_dn),
                None => format!("the {} OU", r.role),
            };
            p.create.push(Entry {
                item: mk(
                    named,
                    String::new(),
                    to,
                    format!(
                        "joiner (line {}): {}{}",
                        r.line,
                        r.role,
                        if groups.is_empty() {
                            String::new()
                        } else {
                            format!("; groups {}", groups.join(", "))
                        }
                    ),
                ),
                detail: Detail::Create {
                    role: r.role.clone(),
                    given: r.given.trim().to_string(),
                    surname: r.surname.trim().to_string(),
                    year: r.year,
                    form: r.form.trim().to_string(),
                    ou,
                    groups,
                    username: if named.is_empty() {
                        lay.map(|l| l.username.clone()).unwrap_or_default()
                    } else {
                        named.to_string()
                    },
                    named: !named.is_empty(),
                },
            });
            continue;
        };
        // The account on the roll: what (if anything) changes.
        let protected = (input.protected)(a);
        let marked = marks.get(&key).copied();
        let in_leavers = input.leavers_ou.is_some_and(|o| same_dn(a.parent_dn(), o));
        let stamped = a
            .description
            .as_deref()
            .and_then(crate::domain::leavers::parse_stamp)
            .is_some();
        let held = a.description.as_deref() == Some(input.held_description);
        let returning = (!a.enabled && !held && (in_leavers || stamped || marked.is_some()))
            || (a.enabled && marked.is_some());
        let placement = lay
            .map(|l| placement(l, a, r))
            .unwrap_or_else(|| Placement {
                dn: a.dn.clone(),
                ..Default::default()
            });
        let rename = rename_of(a, r);
        let name_review = rename.as_ref().is_some_and(|(_, both)| *both);
        let mut work = Vec::new();
        if returning {
            work.push("reactivate");
        }
        if !placement.is_empty() {
            work.push("move");
        }
        if rename.is_some() {
            work.push("rename");
        }
        if work.is_empty() {
            p.unchanged += 1;
            continue;
        }
        if let Some(why) = protected {
            p.review.push(Entry {
                item: mk(
                    &a.username,
                    short(a.parent_dn(), base_dn),
                    String::new(),
                    format!(
                        "protected ({why}): never acted on (the roll would {})",
                        work.join(", ")
                    ),
                ),
                detail: Detail::Review,
            });
            continue;
        }
        if name_review {
            p.review.push(Entry {
                item: mk(
                    &a.username,
                    display(a),
                    row_name(r),
                    format!(
                        "the roll's name for MIS id {} ({}) differs from the account's ({}) in both given name and surname; check it is the same person, then change the name by hand or in the MIS",
                        r.id.trim(),
                        row_name(r),
                        display(a)
                    ),
                ),
                detail: Detail::Review,
            });
            continue;
        }
        let from = short(a.parent_dn(), base_dn);
        if returning {
            let placement = if lay.is_none() && in_leavers {
                // Nowhere to put it back: a person decides.
                p.review.push(Entry {
                    item: mk(
                        &a.username,
                        from,
                        String::new(),
                        format!(
                            "back on the roll, but no [sync.layout.{}] rule says where {} accounts go; run `schooltech sync --learn`",
                            r.role, r.role
                        ),
                    ),
                    detail: Detail::Review,
                });
                continue;
            } else {
                placement.clone()
            };
            let why = match marked {
                Some(m) if a.enabled => format!(
                    "back on the roll (missed from {} to {}); the tolerated mark is cleared",
                    m.first, m.last
                ),
                _ if in_leavers => "back on the roll; disabled in the Leavers OU: enabled, placed and grouped by the rules, new temporary password".to_string(),
                _ => "back on the roll; suspended: enabled, placed and grouped by the rules, new temporary password".to_string(),
            };
            let to = placement
                .to_ou
                .as_deref()
                .map(|o| short(o, base_dn))
                .unwrap_or_else(|| from.clone());
            p.reactivate.push(Entry {
                item: mk(&a.username, from.clone(), to, why),
                detail: Detail::Reactivate {
                    enable: !a.enabled,
                    placement,
                    clear_expiry: !a.enabled && a.expires.is_some(),
                    clear_description: stamped,
                },
            });
        } else if !placement.is_empty() {
            let to = placement
                .to_ou
                .as_deref()
                .map(|o| short(o, base_dn))
                .unwrap_or_else(|| from.clone());
            let mut why = Vec::new();
            match (placement.from_year, placement.to_year) {
                (Some(f), Some(t)) if f != t => why.push(format!("Year {f} → Year {t}")),
                _ => {}
            }
            if !r.form.trim().is_empty() {
                why.push(format!("form {}", r.form.trim()));
            }
            let groups: Vec<String> = placement
                .add
                .iter()
                .map(|g| format!("+{g}"))
                .chain(placement.remove.iter().map(|g| format!("−{g}")))
                .collect();
            if !groups.is_empty() {
                why.push(format!("groups {}", groups.join(" ")));
            }
            if let Some(n) = &placement.new_name {
                why.push(format!("named \"{n}\" there (its name is taken)"));
            }
            moves.push(Entry {
                item: mk(&a.username, from.clone(), to, why.join("; ")),
                detail: Detail::Move(placement.clone()),
            });
        }
        if let Some(((given, surname, disp), _)) = rename {
            p.rename.push(Entry {
                item: mk(
                    &a.username,
                    display(a),
                    disp.clone(),
                    "the roll's name differs; the username stays".to_string(),
                ),
                detail: Detail::Rename {
                    dn: a.dn.clone(),
                    given,
                    surname,
                    display: disp,
                },
            });
        }
    }

    // Missing from the roll: tolerated (marked), in stages.
    for a in input.accounts {
        let Some(id) = a.mis_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        let key = id.to_lowercase();
        if on_roll.contains(&key) || !a.enabled {
            continue;
        }
        let Some(role) = role_of(a, layouts).filter(|r| input.roles.contains(r)) else {
            continue;
        };
        if a.description.as_deref() == Some(input.held_description) {
            continue;
        }
        let item = |reason: String| Item {
            username: a.username.clone(),
            mis_id: id.to_string(),
            name: display(a),
            from: match layouts.get(&role).and_then(|l| year_of(l, a)) {
                Some(y) => format!("Year {y}: {}", short(a.parent_dn(), base_dn)),
                None => short(a.parent_dn(), base_dn),
            },
            to: String::new(),
            reason,
        };
        if let Some(why) = (input.protected)(a) {
            p.review.push(Entry {
                item: item(format!(
                    "not on the roll, but protected ({why}): never acted on"
                )),
                detail: Detail::Review,
            });
            continue;
        }
        let days = (input.tolerate_days)(&role);
        let (first, new) = match marks.get(&key) {
            Some(m) => (m.first, false),
            None => (input.today, true),
        };
        let missed = (input.today - first).num_days();
        let reason = if new {
            format!(
                "not on the roll: keeps working, tolerated for {days} days (until {}), then the leaver scan suspends it (left-roll)",
                first + chrono::Duration::days(i64::from(days))
            )
        } else if missed > i64::from(days) {
            format!(
                "not on the roll since {first} ({missed} days, more than {days}): the leaver scan finds it (left-roll)"
            )
        } else {
            format!("not on the roll since {first} ({missed} of {days} days tolerated)")
        };
        p.tolerate.push(Entry {
            item: item(reason),
            detail: Detail::Tolerate { first, new },
        });
    }

    // Moves: top year first, and entry names kept unique in each OU as the moves happen.
    moves.sort_by(|a, b| {
        let y = |e: &Entry| match &e.detail {
            Detail::Move(pl) => pl.to_year,
            _ => None,
        };
        y(b).cmp(&y(a))
    });
    if !input.named_by_username {
        unique_names(input.accounts, &mut moves, &mut p.reactivate);
    }
    p.moves = moves;
    p
}

/// The OU and groups `layout` gives the row, against what the account has.
fn placement(l: &Layout, a: &Account, r: &RollRow) -> Placement {
    let want_ou = expand(&l.ou, r.year, &r.form).filter(|o| !o.trim().is_empty());
    let to_ou = want_ou.filter(|o| !same_dn(o, a.parent_dn()));
    let want: Vec<String> = l
        .groups
        .iter()
        .filter_map(|g| expand(g, r.year, &r.form))
        .collect();
    let has = |g: &str| a.groups.iter().any(|h| h.eq_ignore_ascii_case(g));
    let add: Vec<String> = want.iter().filter(|g| !has(g)).cloned().collect();
    let remove: Vec<String> = a
        .groups
        .iter()
        .filter(|g| managed_group(l, g) && !want.iter().any(|w| w.eq_ignore_ascii_case(g)))
        .cloned()
        .collect();
    Placement {
        dn: a.dn.clone(),
        to_ou,
        new_name: None,
        add,
        remove,
        from_year: year_of(l, a),
        to_year: r.year,
    }
}

/// The new names, when the roll's differ: ((given, surname, display), true when both given name
/// and surname differ beyond case and accents).
type Rename = ((String, String, String), bool);

fn rename_of(a: &Account, r: &RollRow) -> Option<Rename> {
    let (g, s) = (r.given.trim(), r.surname.trim());
    if g.is_empty() && s.is_empty() {
        return None;
    }
    let ag = a.given_name.as_deref().unwrap_or("").trim();
    let asn = a.surname.as_deref().unwrap_or("").trim();
    let want_display = format!("{g} {s}").trim().to_string();
    if ag == g && asn == s {
        return None;
    }
    // No given name/surname on the account: its display name decides.
    if ag.is_empty() && asn.is_empty() {
        let d = a.display_name.as_deref().unwrap_or("").trim();
        if d == want_display {
            return None;
        }
    }
    let both = fold(ag) != fold(g) && fold(asn) != fold(s) && !(ag.is_empty() && asn.is_empty());
    Some(((g.to_string(), s.to_string(), want_display), both))
}

/// Gives each move into an OU a free entry name there (AD's CN must be unique in its OU):
/// the account's own name if free when it arrives (the moves happen in order), else
/// "Name (username)".
fn unique_names(accounts: &[Account], moves: &mut [Entry], reactivate: &mut [Entry]) {
    let mut occupied: HashMap<String, HashSet<String>> = HashMap::new();
    for a in accounts {
        occupied
            .entry(layout::norm(a.parent_dn()))
            .or_default()
            .insert(rdn_value(&a.dn).to_lowercase());
    }
    for e in moves.iter_mut().chain(reactivate.iter_mut()) {
        let pl = match &mut e.detail {
            Detail::Move(pl) => pl,
            Detail::Reactivate { placement, .. } => placement,
            _ => continue,
        };
        let Some(to) = pl.to_ou.clone() else { continue };
        let name = rdn_value(&pl.dn);
        let from = layout::norm(crate::domain::dn::parent_dn(&pl.dn));
        if let Some(set) = occupied.get_mut(&from) {
            set.remove(&name.to_lowercase());
        }
        let there = occupied.entry(layout::norm(&to)).or_default();
        let base = name
            .rsplit_once(" (")
            .filter(|(_, rest)| rest.ends_with(')'))
            .map(|(b, _)| b.to_string())
            .unwrap_or_else(|| name.clone());
        let user = e.item.username.clone();
        let mut candidates = vec![name.clone(), format!("{base} ({user})")];
        candidates.extend((2..=20).map(|n| format!("{base} ({user} {n})")));
        let chosen = candidates
            .into_iter()
            .find(|c| !there.contains(&c.to_lowercase()))
            .unwrap_or_else(|| format!("{base} ({user} 21)"));
        there.insert(chosen.to_lowercase());
        if chosen != name {
            e.item.reason = format!(
                "{}; named \"{chosen}\" there (\"{name}\" is taken)",
                e.item.reason
            );
            pl.new_name = Some(chosen);
        }
    }
}

/// A probable bad export: more than `max_missing_percent` of a role's accounts missing, or a
/// whole year group other than the top year.
fn refusal(input: &Input<'_>, on_roll: &HashSet<String>) -> Option<String> {
    let mut problems = Vec::new();
    for role in input.roles {
        let mut total = 0usize;
        let mut missing = 0usize;
        let mut years: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
        let lay = input.layouts.get(role);
        for a in input.accounts {
            let Some(id) = a.mis_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            if role_of(a, input.layouts).as_deref() != Some(role.as_str()) {
                continue;
            }
            // Suspended by the sweep: already a leaver, not on any roll.
            if a.description
                .as_deref()
                .and_then(crate::domain::leavers::parse_stamp)
                .is_some()
            {
                continue;
            }
            total += 1;
            let gone = !on_roll.contains(&id.to_lowercase());
            if gone {
                missing += 1;
            }
            if let Some(y) = lay.and_then(|l| year_of(l, a)) {
                let e = years.entry(y).or_default();
                e.0 += 1;
                if gone {
                    e.1 += 1;
                }
            }
        }
        if total == 0 {
            continue;
        }
        let pct = missing as f64 * 100.0 / total as f64;
        if pct > input.max_missing_percent {
            problems.push(format!(
                "{missing} of {total} {role} accounts ({pct:.0}%) are not on the roll, more than [sync] max_missing_percent = {}%",
                input.max_missing_percent
            ));
        }
        let top = years.keys().max().copied();
        for (y, (n, gone)) in &years {
            if Some(*y) != top && *n >= 2 && gone == n {
                problems.push(format!(
                    "all {n} {role} accounts of Year {y} are missing from the roll (only the top year leaves whole)"
                ));
            }
        }
    }
    (!problems.is_empty()).then(|| {
        format!(
            "the roll looks like a bad export, so it is refused and nothing was marked or changed: {}. Export the whole roll again from the MIS; if so many really left, raise [sync] max_missing_percent",
            problems.join("; ")
        )
    })
}

#[cfg(test)]
mod tests;
