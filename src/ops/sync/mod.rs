//! `schooltech sync`: the MIS roll against the directory. Reading the roll (the one CSV reader,
//! the `[mis]` columns), the layout rules (`[sync.layout.ROLE]`), the plan (the domain's, over
//! every account and the tolerated marks), applying it as one journaled run ([`apply`]), and
//! learning the rules from the school ([`learn`]).

pub mod apply;
pub mod learn;
pub mod slips;

use super::csv_reader::CsvTable;
use super::Ctx;
use crate::domain::account::{Account, AccountQuery};
use crate::domain::leavers::mis::parse_mis_date;
use crate::domain::roles::absolute;
use crate::domain::sync::layout::Layout;
use crate::domain::sync::{Detail, Entry, Input, Item, Mark, Plan, RollRow};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// A roll, read and checked.
#[derive(Debug, Clone, Default)]
pub struct Roll {
    /// Its rows.
    pub rows: Vec<RollRow>,
    /// `UTF-8` or `windows-1252`.
    pub encoding: &'static str,
    /// Where it came from (a path), for the run's record.
    pub source: String,
}

/// The role a roll's role cell names (`Student` → pupil, `Teacher` → staff, `Supply` → guest).
pub fn role_word(s: &str) -> String {
    let r = s.trim().to_lowercase();
    match r.as_str() {
        "student" | "pupils" | "learner" | "students" => "pupil".into(),
        "teacher" | "staff member" | "teachers" => "staff".into(),
        "supply" => "guest".into(),
        _ => r,
    }
}

/// The NC year a form names: `7B`, `10XY`, `Year 7`, `7`; none when it names no year.
pub(crate) fn year_of_form(form: &str) -> Option<u32> {
    if let Ok(y) = parse_year(form) {
        return y;
    }
    let digits: String = form
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u32>().ok().filter(|n| (1..=14).contains(n))
}

/// The NC year in a cell: `7`, `Year 7`, `Y7`; empty: none. Anything else is an error.
pub(crate) fn parse_year(s: &str) -> std::result::Result<Option<u32>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let rest: String = t
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect::<String>()
        .to_lowercase();
    let rest = rest.trim();
    if !digits.is_empty() && matches!(rest, "" | "year" | "y" | "yr" | "year " | "nc year") {
        if let Ok(n) = digits.parse::<u32>() {
            if n <= 14 {
                return Ok(Some(n));
            }
        }
    }
    if matches!(
        t.to_lowercase().as_str(),
        "r" | "reception" | "n" | "nursery"
    ) {
        return Ok(None);
    }
    Err(format!(
        "\"{t}\" is not an NC year; write it as a number (7 to 13)"
    ))
}

/// Reads the roll with the `[mis]` mapping: the id, name and role columns must be there; the
/// username, year, form and preferred-name columns are used when the file has them. A row that
/// cannot be read, a bad year, or a bad date in the leaving-date column refuses the whole file,
/// naming line, column and value: nothing is guessed and nothing is done.
pub fn read_roll(ctx: &Ctx, bytes: &[u8], source: &str) -> Result<Roll> {
    let m = &ctx.config.mis;
    let t = CsvTable::read(bytes).map_err(|e| Error::Usage(e.to_string()))?;
    let mut missing = Vec::new();
    let mut need = |key: &str, name: &str| -> Option<usize> {
        let c = t.column(&[name]);
        if c.is_none() {
            missing.push(format!("\"{name}\" ([mis] {key})"));
        }
        c
    };
    let id = need("id_column", &m.id_column);
    let first = need("first_name_column", &m.first_name_column);
    let last = need("last_name_column", &m.last_name_column);
    let role = need("role_column", &m.role_column);
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "the roll has no column {}; its header is: {}. Fix the [mis] column names in the configuration, or export that column from the MIS; nothing was done",
            missing.join(", "),
            t.headers.join(", ")
        )));
    }
    let opt = |name: &str| {
        if name.trim().is_empty() {
            None
        } else {
            t.column(&[name])
        }
    };
    let user = opt(&m.username_column);
    let year = opt(&m.year_column);
    let form = opt(&m.form_column);
    let preferred = opt(&m.preferred_first_name_column);
    let leaving = opt(&m.leaving_date_column);
    let mut errors: Vec<String> = t.errors.iter().map(|e| e.to_string()).collect();
    let mut rows = Vec::new();
    for r in &t.rows {
        let y = match parse_year(r.get(year)) {
            Ok(y) => y,
            Err(e) => {
                errors.push(format!(
                    "line {}, column {}: {e}",
                    r.line,
                    t.header(year.unwrap_or(0))
                ));
                None
            }
        };
        if let Some(c) = leaving {
            let v = r.get(Some(c));
            if !v.trim().is_empty() {
                if let Err(e) = parse_mis_date(v) {
                    errors.push(format!("line {}, column {}: {e}", r.line, t.header(c)));
                }
            }
        }
        let given = match r.get(preferred).trim() {
            "" => r.get(first).trim(),
            p => p,
        };
        for (what, v) in [("name", given), ("name", r.get(last))] {
            if v.chars().any(char::is_control) {
                errors.push(format!(
                    "line {}: the {what} \"{}\" holds control characters; correct it in the MIS",
                    r.line,
                    v.escape_debug()
                ));
            }
        }
        rows.push(RollRow {
            line: r.line,
            id: r.get(id).trim().to_string(),
            username: r.get(user).trim().to_string(),
            given: given.to_string(),
            surname: r.get(last).trim().to_string(),
            role: role_word(r.get(role)),
            year: y,
            form: r.get(form).trim().to_string(),
        });
    }
    if !errors.is_empty() {
        let n = errors.len();
        errors.truncate(20);
        return Err(Error::Usage(format!(
            "the roll has {n} bad row(s); nothing was done. Put them right in the MIS and export again:\n  {}",
            errors.join("\n  ")
        )));
    }
    if rows.is_empty() {
        return Err(Error::Usage(
            "the roll has no rows; export the whole roll from the MIS; nothing was done".into(),
        ));
    }
    Ok(Roll {
        rows,
        encoding: t.encoding,
        source: source.to_string(),
    })
}

/// Reads the roll at `path` (or the configured `[mis] file`).
pub fn read_roll_file(ctx: &Ctx, path: Option<&std::path::Path>) -> Result<Roll> {
    let p = match path {
        Some(p) => p.to_path_buf(),
        None if !ctx.config.mis.file.trim().is_empty() => {
            std::path::PathBuf::from(ctx.config.mis.file.trim())
        }
        None if ctx.is_demo() => {
            return read_roll(ctx, DEMO_ROLL.as_bytes(), "the demo roll");
        }
        None => {
            return Err(Error::Usage(
                "say which roll to read: --mis ROLL.csv (or set [mis] file)".into(),
            ))
        }
    };
    let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
    read_roll(ctx, &bytes, &p.display().to_string())
}

/// The demo school's roll (`--demo sync` reads it when no `--mis` is given).
pub const DEMO_ROLL: &str = include_str!("demo-roll.csv");

/// The layout rules in force, OUs made absolute.
pub fn layouts(ctx: &Ctx) -> BTreeMap<String, Layout> {
    let base = ctx.dir.base_dn();
    let demo;
    let rules = if ctx.is_demo() && ctx.config.sync.layout.is_empty() {
        demo = demo_layouts();
        &demo
    } else {
        &ctx.config.sync.layout
    };
    rules
        .iter()
        .map(|(role, l)| {
            (
                role.to_lowercase(),
                Layout {
                    ou: if l.ou.trim().is_empty() {
                        String::new()
                    } else {
                        absolute(l.ou.trim(), base)
                    },
                    groups: l.groups.clone(),
                    username: l.username.clone(),
                },
            )
        })
        .collect()
}

/// The demo school's rules (what `sync --learn` finds there).
fn demo_layouts() -> BTreeMap<String, crate::config::LayoutConfig> {
    let l = |ou: &str, groups: &[&str], username: &str| crate::config::LayoutConfig {
        ou: ou.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        username: username.into(),
    };
    [
        (
            "pupil".to_string(),
            l(
                "OU=Year {year},OU=Pupils,OU=School",
                &["Pupils", "Year {year}"],
                "{yy}{surname}{initial}",
            ),
        ),
        (
            "staff".to_string(),
            l("OU=Staff,OU=School", &["Staff"], "{initial}{surname}"),
        ),
    ]
    .into_iter()
    .collect()
}

/// The roles the roll speaks for: pupil, staff, and any with rules or tolerate days.
pub fn roles(ctx: &Ctx) -> Vec<String> {
    let mut r: Vec<String> = vec!["pupil".into(), "staff".into()];
    for k in ctx
        .config
        .sync
        .tolerate_days
        .keys()
        .chain(ctx.config.sync.layout.keys())
    {
        let k = k.to_lowercase();
        if !r.contains(&k) {
            r.push(k);
        }
    }
    r
}

/// The plan with what applying it keeps in the store.
#[derive(Debug, Clone, Default)]
pub struct SyncPlan {
    /// The plan.
    pub plan: Plan,
    /// The roll's source and encoding.
    pub source: String,
    /// `UTF-8` or `windows-1252`.
    pub encoding: &'static str,
    /// Marks to write (tolerated accounts).
    pub marks: Vec<Mark>,
    /// MIS ids whose marks go (back on the roll).
    pub cleared: Vec<String>,
    /// Every account, as read (for apply's names and groups).
    pub accounts: Vec<Account>,
}

/// The tolerated marks in the store (none when there is no store yet).
pub fn marks(ctx: &Ctx) -> Result<Vec<Mark>> {
    if !ctx.is_demo() && !ctx.config.store.path.exists() {
        return Ok(Vec::new());
    }
    ctx.store()?.sync_marks()
}

/// Where a sync's time goes: with `SCHOOLTECH_SYNC_TIMINGS` set, each span's wall time is
/// written to stderr when it ends (`sync timing: plan: mirror 412 ms`). Costs nothing unset.
pub struct Timing {
    what: &'static str,
    at: Option<std::time::Instant>,
}

impl Timing {
    /// Starts timing `what`.
    pub fn start(what: &'static str) -> Timing {
        Timing {
            what,
            at: std::env::var_os("SCHOOLTECH_SYNC_TIMINGS").map(|_| std::time::Instant::now()),
        }
    }

    /// Ends this span and starts `next`.
    pub fn next(&mut self, next: &'static str) {
        self.end();
        *self = Timing::start(next);
    }

    fn end(&mut self) {
        if let Some(t) = self.at.take() {
            eprintln!("sync timing: {}: {} ms", self.what, t.elapsed().as_millis());
        }
    }
}

impl Drop for Timing {
    fn drop(&mut self) {
        self.end();
    }
}

/// Plans the sync of `roll` against the directory now. Nothing is changed.
pub async fn plan(ctx: &Ctx, roll: &Roll) -> Result<SyncPlan> {
    let mut span = Timing::start("plan: accounts (mirror delta)");
    let listing = super::mirror::search_accounts(ctx, &AccountQuery::default()).await?;
    span.next("plan: marks");
    let marks = marks(ctx)?;
    span.next("plan: protection");
    let protection = super::protect::Protection::load(ctx).await?;
    span.next("plan: domain plan");
    let layouts = layouts(ctx);
    let roles = roles(ctx);
    let protected = |a: &Account| protection.check(a).map(|r| r.to_string());
    let tolerate = |r: &str| ctx.config.sync.tolerate_for(r);
    let leavers = super::leavers::leavers_ou(ctx);
    let input = Input {
        rows: &roll.rows,
        accounts: &listing.accounts,
        marks: &marks,
        layouts: &layouts,
        protected: &protected,
        leavers_ou: leavers.as_deref(),
        tolerate_days: &tolerate,
        roles: &roles,
        max_missing_percent: ctx.config.sync.max_missing_percent,
        held_description: crate::domain::aup::HELD_DESCRIPTION,
        today: ctx.now().london_date(),
        named_by_username: ctx.dir.flavour() == crate::directory::Flavour::Openldap,
    };
    use crate::domain::time::LondonDate;
    let mut plan = crate::domain::sync::plan(&input, ctx.dir.base_dn());
    span.next("plan: joiners' names");
    name_joiners(ctx, &mut plan, &listing.accounts).await?;
    span.next("plan: marks and cleared");
    let today = ctx.now().london_date();
    let new_marks: Vec<Mark> = plan
        .tolerate
        .iter()
        .filter_map(|e| match e.detail {
            Detail::Tolerate { first, .. } => Some(Mark {
                mis_id: e.item.mis_id.clone(),
                username: e.item.username.clone(),
                first,
                last: today,
            }),
            _ => None,
        })
        .collect();
    let on_roll: std::collections::HashSet<String> = roll
        .rows
        .iter()
        .map(|r| r.id.trim().to_lowercase())
        .collect();
    let cleared: Vec<String> = marks
        .iter()
        .filter(|m| on_roll.contains(&m.mis_id.trim().to_lowercase()))
        .map(|m| m.mis_id.clone())
        .collect();
    Ok(SyncPlan {
        plan,
        source: roll.source.clone(),
        encoding: roll.encoding,
        marks: new_marks,
        cleared,
        accounts: listing.accounts,
    })
}

/// Gives each joiner its username (the layout's template, or `[accounts] username_pattern`,
/// with the clash rule: a digit added) and, on AD, a free entry name in its OU.
async fn name_joiners(ctx: &Ctx, plan: &mut Plan, accounts: &[Account]) -> Result<()> {
    use crate::domain::username::candidate;
    let mut taken: std::collections::HashSet<String> =
        accounts.iter().map(|a| a.username.to_lowercase()).collect();
    // First choices looked up together (names outside the listing: groups, computers).
    let mut bases = Vec::new();
    for e in &plan.create {
        if let Detail::Create {
            given,
            surname,
            year,
            username,
            named,
            ..
        } = &e.detail
        {
            let base = if *named {
                username.clone()
            } else {
                let place = crate::ops::actions::Place {
                    username: username.clone(),
                    year: *year,
                    ..Default::default()
                };
                crate::ops::actions::username_base_for(
                    ctx,
                    given.split_whitespace().next().unwrap_or(given),
                    surname,
                    Some(e.item.mis_id.as_str()),
                    Some(&place),
                )?
            };
            bases.push(base);
        }
    }
    let mut probe: Vec<String> = Vec::new();
    for b in &bases {
        for n in 1..=3 {
            probe.push(candidate(b, n));
        }
    }
    for a in ctx.dir.get_accounts(&probe).await? {
        taken.insert(a.username.to_lowercase());
    }
    let mut i = 0;
    for e in plan.create.iter_mut() {
        let Detail::Create { named, .. } = &e.detail else {
            continue;
        };
        let base = bases[i].clone();
        i += 1;
        let chosen = if *named {
            base
        } else {
            let mut found = None;
            for n in 1..=500u32 {
                let c = candidate(&base, n);
                if taken.contains(&c.to_lowercase()) {
                    continue;
                }
                if n > 3 && ctx.dir.get_account(&c).await?.is_some() {
                    taken.insert(c.to_lowercase());
                    continue;
                }
                found = Some(c);
                break;
            }
            found.ok_or_else(|| Error::Input(format!("every username like {base} is taken")))?
        };
        taken.insert(chosen.to_lowercase());
        e.item.username = chosen;
    }
    Ok(())
}

/// The JSON of a plan: `create`, `move`, `rename`, `tolerate`, `reactivate`, `review` (lists of
/// `{username, mis_id, name, from, to, reason}`), `unchanged` (a count), and `summary` (by year).
pub fn plan_json(p: &SyncPlan) -> serde_json::Value {
    fn list(v: &[Entry]) -> Vec<&Item> {
        v.iter().map(|e| &e.item).collect()
    }
    serde_json::json!({
        "create": list(&p.plan.create),
        "move": list(&p.plan.moves),
        "rename": list(&p.plan.rename),
        "tolerate": list(&p.plan.tolerate),
        "reactivate": list(&p.plan.reactivate),
        "review": list(&p.plan.review),
        "unchanged": p.plan.unchanged,
        "summary": p.plan.summary_by_year(),
        "encoding": p.encoding,
    })
}

/// The kinds of a plan that `apply` acts on, in the JSON's words (review is never acted on).
pub const ACTED_KINDS: [&str; 5] = ["create", "move", "rename", "tolerate", "reactivate"];

impl SyncPlan {
    /// Leaves out the items `out` picks, by kind (the JSON's word: `create`, `move`, `rename`,
    /// `tolerate`, `reactivate`) and item: applying the plan then skips them (a tolerated one is
    /// not marked). Review items are never acted on and stay. Returns how many were left out.
    pub fn leave_out(&mut self, out: &dyn Fn(&str, &Item) -> bool) -> usize {
        let mut n = 0;
        let mut unmarked: Vec<String> = Vec::new();
        let p = &mut self.plan;
        for (kind, list) in [
            ("create", &mut p.create),
            ("move", &mut p.moves),
            ("rename", &mut p.rename),
            ("tolerate", &mut p.tolerate),
            ("reactivate", &mut p.reactivate),
        ] {
            list.retain(|e| {
                let drop = out(kind, &e.item);
                if drop {
                    n += 1;
                    if kind == "tolerate" {
                        unmarked.push(e.item.mis_id.to_lowercase());
                    }
                }
                !drop
            });
        }
        self.marks
            .retain(|m| !unmarked.contains(&m.mis_id.to_lowercase()));
        n
    }
}

/// A sync run as the store keeps it (for the faces, which go through `ops`).
pub use crate::store::sync::SyncRun;

/// The temporary passwords of a sync run as they are set: into one handout file (mode 0600 in
/// `[accounts] handout_dir`), opened at the first password, line by line. Both faces use it.
pub struct SyncHandout<'a> {
    ctx: &'a Ctx,
    file: Option<super::import::Handout>,
    written: usize,
}

impl<'a> SyncHandout<'a> {
    /// A handout not yet opened.
    pub fn new(ctx: &'a Ctx) -> Self {
        SyncHandout {
            ctx,
            file: None,
            written: 0,
        }
    }

    /// Writes one password's line (opening the file at the first).
    pub fn take(&mut self, l: &apply::SlipLine) -> Result<()> {
        let h = match &mut self.file {
            Some(h) => h,
            None => {
                let dir = self
                    .ctx
                    .config
                    .accounts
                    .handout_dir
                    .clone()
                    .unwrap_or_else(|| {
                        std::path::PathBuf::from(crate::config::DEFAULT_HANDOUT_DIR)
                    });
                self.file.insert(super::import::Handout::create(
                    &dir,
                    &self.ctx.config.school.name,
                    self.ctx.wall_now().with_timezone(&chrono::Local),
                )?)
            }
        };
        h.write(
            &super::import::HandoutLine {
                form: l.form.clone(),
                name: l.name.clone(),
                username: l.username.clone(),
                password: l.password.clone(),
            },
            None,
        )?;
        self.written += 1;
        Ok(())
    }

    /// Where the handout went and how many passwords it holds (None: no password was set).
    pub fn written(&self) -> Option<(&std::path::Path, usize)> {
        self.file.as_ref().map(|f| (f.path(), self.written))
    }
}

/// The plan's counts in the words both faces print ("3 to create, 1 to move, …").
pub fn counts_line(q: &Plan) -> String {
    format!(
        "{} to create, {} to move, {} to rename, {} tolerated, {} to reactivate, {} for review, {} unchanged",
        q.create.len(),
        q.moves.len(),
        q.rename.len(),
        q.tolerate.len(),
        q.reactivate.len(),
        q.review.len(),
        q.unchanged
    )
}
