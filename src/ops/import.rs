//! New intake: many accounts from a CSV (first name, last name, role, form, MIS id).
//! A dry run lists what would be made; `apply` makes them with progress, skips MIS ids that
//! already have accounts, and writes handout sheets (mode 0600) with the temporary passwords.

use super::actions::{
    first_username, plan_create_cached, prepare_create, CreateBatch, CreateOutcome, CreateRequest,
    OuCache,
};
use super::csv_reader::CsvTable;
use super::Ctx;
use crate::domain::account::NewAccount;
use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One row of the CSV, as read.
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    /// Line number in the file (1 = header).
    pub line: usize,
    /// The request it makes.
    pub request: CreateRequest,
    /// Form / year group, for the handout sheets.
    pub form: String,
}

/// A problem with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line number in the file.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// What an import would do.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Accounts to create, with the row they come from.
    pub create: Vec<(ImportRow, NewAccount)>,
    /// Rows skipped because the MIS id already has an account (line, MIS id, username).
    pub existing: Vec<(usize, String, String)>,
    /// Rows that cannot be imported.
    pub errors: Vec<RowError>,
    /// Rows refused because they would make an account in a protected OU or group (line,
    /// username, why); also among `errors`. Applying the import logs each refusal.
    pub refused: Vec<(usize, String, crate::ops::protect::ProtectedReason)>,
    /// The file's text encoding (`UTF-8` or `windows-1252`), when read from a file.
    pub encoding: &'static str,
}

/// Reads the CSV through the shared reader ([`crate::ops::csv_reader`]: BOM, CRLF, quoted commas,
/// blank lines). Missing required columns are an error naming them; bad rows are listed by line.
pub fn read_csv(
    text: &str,
    ctx: &Ctx,
    default_role: Option<&str>,
) -> Result<(Vec<ImportRow>, Vec<RowError>)> {
    read_csv_bytes(text.as_bytes(), ctx, default_role)
}

/// [`read_csv`] from the file's bytes: UTF-8, else Windows-1252 (Excel's plain "CSV").
pub fn read_csv_bytes(
    bytes: &[u8],
    ctx: &Ctx,
    default_role: Option<&str>,
) -> Result<(Vec<ImportRow>, Vec<RowError>)> {
    read_csv_file(bytes, ctx, default_role).map(|(rows, errors, _)| (rows, errors))
}

/// Reads and plans an import from a file's bytes, through the one CSV reader (UTF-8, or
/// Windows-1252 for a legacy file); the plan says which encoding was used. The CLI and the
/// TUI both come here.
pub async fn plan_file(ctx: &Ctx, bytes: &[u8], default_role: Option<&str>) -> Result<ImportPlan> {
    let (rows, errors, encoding) = read_csv_file(bytes, ctx, default_role)?;
    let mut p = plan(ctx, rows, errors).await?;
    p.encoding = encoding;
    Ok(p)
}

/// [`read_csv_bytes`], with the file's encoding.
fn read_csv_file(
    bytes: &[u8],
    ctx: &Ctx,
    default_role: Option<&str>,
) -> Result<(Vec<ImportRow>, Vec<RowError>, &'static str)> {
    let cols = &ctx.config.accounts.import;
    let table = CsvTable::read(bytes)?;
    let headers = &table.headers;
    let find = |name: &str, alts: &[&str]| -> Option<usize> {
        let mut names = vec![name];
        names.extend_from_slice(alts);
        table.column(&names)
    };
    let first = find(
        &cols.first_name,
        &[
            "forename",
            "first",
            "given name",
            "firstname",
            "legal forename",
        ],
    );
    let last = find(
        &cols.last_name,
        &[
            "surname",
            "last",
            "family name",
            "lastname",
            "legal surname",
        ],
    );
    let role = find(&cols.role, &["type"]);
    let form = find(
        &cols.form,
        &[
            "form group",
            "reg group",
            "registration group",
            "year",
            "tutor group",
            "form/tutor group",
        ],
    );
    let mis = find(
        &cols.mis_id,
        &[
            "mis id",
            "id",
            "upn",
            "admission number",
            "adno",
            "employee id",
        ],
    );
    // The NC year, for the layout rules (`[sync.layout.ROLE]`): the `[mis] year_column`, else
    // the year the form names (`7B`).
    let year_col = [ctx.config.mis.year_column.trim(), "nc year", "year group"]
        .into_iter()
        .filter(|n| !n.is_empty())
        .find_map(|n| table.column(&[n]))
        .filter(|c| Some(*c) != form);
    let mut missing = Vec::new();
    if first.is_none() {
        missing.push(cols.first_name.as_str());
    }
    if last.is_none() {
        missing.push(cols.last_name.as_str());
    }
    if role.is_none() && default_role.is_none() {
        missing.push(cols.role.as_str());
    }
    if !missing.is_empty() {
        return Err(Error::Input(format!(
            "the CSV has no column {}; its header is: {}. Rename the columns or set [accounts.import] in the configuration{}",
            missing.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(" or "),
            headers.join(", "),
            if role.is_none() { " (or give --role for every row)" } else { "" }
        )));
    }
    let mut rows = Vec::new();
    let mut errors: Vec<RowError> = table
        .errors
        .iter()
        .map(|e| RowError {
            line: e.line,
            message: e.message.clone(),
        })
        .collect();
    for rec in &table.rows {
        let line = rec.line;
        let get = |i: Option<usize>| rec.get(i).to_string();
        let r = get(role).to_lowercase();
        let r = if r.is_empty() {
            default_role.unwrap_or("").to_string()
        } else {
            r
        };
        let r = match r.as_str() {
            "student" | "pupils" | "learner" => "pupil".to_string(),
            "teacher" | "staff member" => "staff".to_string(),
            "supply" => "guest".to_string(),
            _ => r,
        };
        let (f, l) = (get(first), get(last));
        if f.is_empty() && l.is_empty() {
            errors.push(RowError {
                line,
                message: "no first or last name".into(),
            });
            continue;
        }
        if r.is_empty() {
            errors.push(RowError {
                line,
                message: "no role; fill the role column or give --role".into(),
            });
            continue;
        }
        if !crate::domain::roles::KNOWN_ROLES.contains(&r.as_str())
            && !ctx.config.directory.roles.0.contains_key(&r)
        {
            errors.push(RowError {
                line,
                message: format!("unknown role \"{r}\""),
            });
            continue;
        }
        let mis_id = Some(get(mis)).filter(|m| !m.is_empty());
        let form_v = get(form);
        let year = match year_col.map(|c| get(Some(c))) {
            Some(v) if !v.trim().is_empty() => match super::sync::parse_year(&v) {
                Ok(y) => y,
                Err(e) => {
                    errors.push(RowError {
                        line,
                        message: format!("column {}: {e}", table.header(year_col.unwrap_or(0))),
                    });
                    continue;
                }
            },
            _ => super::sync::year_of_form(&form_v),
        };
        let place = super::actions::Place::by_rules(ctx, &r, year, &form_v).map(Box::new);
        rows.push(ImportRow {
            line,
            request: CreateRequest {
                role: r,
                first: f,
                last: l,
                mis_id,
                place,
                ..Default::default()
            },
            form: form_v,
        });
    }
    Ok((rows, errors, table.encoding))
}

/// Works out usernames and places for every row, without changing anything.
///
/// The directory is asked in batches, not once per row: one search per 1,000 MIS ids, per 100
/// first-choice usernames and per 100 entry names in an OU; only a clash's next candidate is
/// looked up on its own.
pub async fn plan(
    ctx: &Ctx,
    rows: Vec<ImportRow>,
    mut errors: Vec<RowError>,
) -> Result<ImportPlan> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.request.mis_id.clone())
        .collect();
    // Lower-cased: the directory matches MIS ids without regard to case.
    let by_mis: HashMap<String, String> = match super::mirror::mis_holders(ctx).await? {
        Some(held) => held,
        None => ctx
            .dir
            .find_by_mis_ids(&ids)
            .await?
            .into_iter()
            .filter_map(|a| a.mis_id.clone().map(|m| (m.to_lowercase(), a.username)))
            .collect(),
    };
    let mut plan = ImportPlan::default();
    let mut seen_mis: HashMap<String, usize> = HashMap::new();
    let mut taken: Vec<String> = Vec::new();
    let mut ous = OuCache::default();
    let first: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.request
                .mis_id
                .as_ref()
                .is_none_or(|m| !by_mis.contains_key(&m.to_lowercase()))
        })
        .filter_map(|r| first_username(ctx, &r.request))
        .collect();
    ous.check_usernames(ctx, &first).await?;
    let mut planned = Vec::new();
    let protection = crate::ops::protect::Protection::load(ctx).await?;
    for row in rows {
        if let Some(m) = &row.request.mis_id {
            if let Some(u) = by_mis.get(&m.to_lowercase()) {
                plan.existing.push((row.line, m.clone(), u.clone()));
                continue;
            }
            if let Some(prev) = seen_mis.insert(m.to_lowercase(), row.line) {
                errors.push(RowError {
                    line: row.line,
                    message: format!("MIS id {m} is also on line {prev}"),
                });
                continue;
            }
        }
        match plan_create_cached(ctx, &row.request, &taken, &mut ous).await {
            Ok(new) => {
                // A row planned into a protected OU or group (nested ones too) is refused.
                if let Some(why) = protection.check_new(&new, false) {
                    errors.push(RowError {
                        line: row.line,
                        message: crate::ops::protect::refusal("create", &new.username, &why)
                            .to_string(),
                    });
                    plan.refused.push((row.line, new.username.clone(), why));
                    continue;
                }
                taken.push(new.username.to_lowercase());
                planned.push((row, new));
            }
            Err(e) => errors.push(RowError {
                line: row.line,
                message: e.to_string(),
            }),
        }
    }
    let mut names = NameChecks::default();
    names.check(ctx, planned.iter().map(|(_, n)| n)).await?;
    for (row, mut new) in planned {
        match unique_name(ctx, &mut new, &mut names).await {
            Ok(()) => plan.create.push((row, new)),
            Err(e) => errors.push(RowError {
                line: row.line,
                message: e.to_string(),
            }),
        }
    }
    errors.sort_by_key(|e| e.line);
    plan.errors = errors;
    Ok(plan)
}

/// Entry names (AD's CN) in their OUs: those already planned, and those looked up in the
/// directory (lower-cased parent DN and name; true when taken).
#[derive(Debug, Default)]
pub struct NameChecks {
    planned: HashSet<(String, String)>,
    checked: HashMap<(String, String), bool>,
}

impl NameChecks {
    /// Looks up the names [`unique_name`] tries first for `accounts` (the display name, then
    /// with the username), one search per OU and 100 names.
    pub async fn check<'a>(
        &mut self,
        ctx: &Ctx,
        accounts: impl Iterator<Item = &'a NewAccount>,
    ) -> Result<()> {
        if ctx.dir.flavour() == crate::directory::Flavour::Openldap {
            return Ok(());
        }
        let mut by_ou: HashMap<&str, Vec<String>> = HashMap::new();
        for new in accounts {
            let base = new.rdn_name();
            by_ou
                .entry(new.parent_dn.as_str())
                .or_default()
                .extend([base.to_string(), format!("{base} ({})", new.username)]);
        }
        for (ou, names) in by_ou {
            let found = ctx.dir.names_taken(ou, &names).await?;
            let parent = ou.to_lowercase();
            for n in names {
                let n = n.to_lowercase();
                let taken = found.contains(&n);
                self.checked.insert((parent.clone(), n), taken);
            }
        }
        Ok(())
    }

    async fn taken(&mut self, ctx: &Ctx, parent_dn: &str, name: &str) -> Result<bool> {
        let key = (parent_dn.to_lowercase(), name.to_lowercase());
        if self.planned.contains(&key) {
            return Ok(true);
        }
        if let Some(t) = self.checked.get(&key) {
            return Ok(*t);
        }
        let taken = ctx.dir.name_taken(parent_dn, name).await?;
        self.checked.insert(key, taken);
        Ok(taken)
    }
}

/// Makes the new entry's name in its OU unique (AD's CN must be): when the display name is
/// already taken there — in the directory or by an earlier row (`names`: the accounts already
/// planned, and names already looked up) — the username is added, as in
/// `Amir Khan (amir.khan2)`. Records the chosen name in `names`.
pub async fn unique_name(ctx: &Ctx, new: &mut NewAccount, names: &mut NameChecks) -> Result<()> {
    if ctx.dir.flavour() == crate::directory::Flavour::Openldap {
        return Ok(());
    }
    let base = new.rdn_name().to_string();
    let mut candidates = vec![base.clone(), format!("{base} ({})", new.username)];
    candidates.extend((2..=20).map(|n| format!("{base} ({} {n})", new.username)));
    for name in candidates {
        if names.taken(ctx, &new.parent_dn, &name).await? {
            continue;
        }
        if name != base {
            new.cn = Some(name.clone());
        }
        names
            .planned
            .insert((new.parent_dn.to_lowercase(), name.to_lowercase()));
        return Ok(());
    }
    Err(Error::Input(format!(
        "\"{base}\" and every name like it are taken in {}; give a different name",
        new.parent_dn
    )))
}

/// One created account for the handout sheet.
#[derive(Debug, Clone)]
pub struct HandoutLine {
    /// Form group.
    pub form: String,
    /// Name.
    pub name: String,
    /// Username.
    pub username: String,
    /// Temporary password.
    pub password: crate::directory::Secret,
}

/// The result of applying an import.
#[derive(Debug, Default)]
pub struct ImportResult {
    /// Created accounts for the handout.
    pub created: Vec<HandoutLine>,
    /// Rows that failed at the directory (line, message); the rest went on.
    pub failed: Vec<RowError>,
    /// The handout file, if any account was created.
    pub handout: Option<PathBuf>,
}

/// Creates the planned accounts; `progress(done, total)` after each. A failure on one row is
/// reported and the rest go on; a lost connection stops the run (the log shows what was made).
///
/// The handout file is opened (mode 0600, a new name) before the first account is made, and each
/// account's line is written and flushed as soon as it exists, so a failure, SIGHUP or Ctrl-C
/// part-way loses no password already set. When the handout cannot be opened nothing is made.
pub async fn apply(
    ctx: &Ctx,
    plan: &ImportPlan,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportResult> {
    ctx.refuse_as_of("import --apply")?;
    for (_, username, why) in &plan.refused {
        crate::ops::protect::log_refusal(ctx, "account.create", username, why);
    }
    let mut out = ImportResult::default();
    if plan.create.is_empty() {
        return Ok(out);
    }
    let dir = ctx
        .config
        .accounts
        .handout_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_HANDOUT_DIR));
    let mut handout = Handout::create(
        &dir,
        &ctx.config.school.name,
        ctx.wall_now().with_timezone(&chrono::Local),
    )?;
    out.handout = Some(handout.path().to_path_buf());
    let mut batch = CreateBatch::new(ctx).await?;
    let total = plan.create.len();
    let mut done = 0;
    'batches: for chunk in plan.create.chunks(JOURNAL_BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut ready = Vec::with_capacity(chunk.len());
        for (row, new) in chunk {
            match prepare_create(ctx, &row.request.role, new.clone()) {
                Ok(p) => {
                    rows.push((row, new.display_name.clone()));
                    ready.push(p);
                }
                Err(e) => {
                    out.failed.push(RowError {
                        line: row.line,
                        message: e.to_string(),
                    });
                    done += 1;
                    progress(done, total);
                }
            }
        }
        batch.begin(ready)?;
        for (row, display_name) in rows {
            let Some(sent) = batch.send().await else {
                break;
            };
            let form = if row.form.is_empty() {
                row.request.role.clone()
            } else {
                row.form.clone()
            };
            let mut stop = None;
            let written = match sent {
                Ok(CreateOutcome::Created(c)) => {
                    let line = HandoutLine {
                        form,
                        name: c.account.name().to_string(),
                        username: c.account.username.clone(),
                        password: c.password,
                    };
                    let w = handout.write(&line, None);
                    crate::testpoint::pause("import-row-written");
                    out.created.push(line);
                    w
                }
                Ok(CreateOutcome::Unknown {
                    username,
                    password,
                    error,
                }) => {
                    let line = HandoutLine {
                        form,
                        name: display_name,
                        username,
                        password,
                    };
                    let w = handout.write(
                        &line,
                        Some("may not exist: check with `schooltech log pending`"),
                    );
                    if error.is_connection_lost() {
                        stop = Some(error.to_string());
                    }
                    out.failed.push(RowError {
                        line: row.line,
                        message: error.to_string(),
                    });
                    w
                }
                Err(e) => {
                    if e.is_connection_lost() {
                        stop = Some(e.to_string());
                    }
                    out.failed.push(RowError {
                        line: row.line,
                        message: e.to_string(),
                    });
                    Ok(())
                }
            };
            if let Err(e) = written {
                batch.flush_unsent("the handout sheet could not be written")?;
                return Err(e);
            }
            done += 1;
            progress(done, total);
            if let Some(why) = stop {
                batch.flush_unsent(&why)?;
                break 'batches;
            }
        }
        batch.flush()?;
    }
    confirm_created(ctx, &out.created).await;
    Ok(out)
}

/// Reads the accounts just made back from the directory, 100 to a search, and warns about any
/// it does not find (each is made and logged; the handout has its password).
async fn confirm_created(ctx: &Ctx, created: &[HandoutLine]) {
    let names: Vec<String> = created.iter().map(|l| l.username.clone()).collect();
    match ctx.dir.get_accounts(&names).await {
        Ok(found) => {
            let found: HashSet<String> = found.iter().map(|a| a.username.to_lowercase()).collect();
            for n in names.iter().filter(|n| !found.contains(&n.to_lowercase())) {
                tracing::warn!(
                    "{n} was created and logged, but reading it back found no such account; \
                     check it with `schooltech accounts show {n}`"
                );
            }
        }
        Err(e) => tracing::warn!(
            "the {} new accounts were created and logged, but reading them back failed: {e}",
            names.len()
        ),
    }
}

/// Accounts whose journal entries are written in one transaction (and their outcomes in
/// another): fewer fsyncs, while a kill leaves at most this many to settle from the directory.
const JOURNAL_BATCH: usize = 50;

/// Makes the handout directory (mode 0700) when it is missing.
pub fn prepare_handout_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Error::Config(format!(
                "cannot make the handout directory {} ({e}); set [accounts] handout_dir to a \
                 writable directory; nothing was created",
                dir.display()
            ))
        })
}

/// A handout file being written: one line per account as it is made, flushed each time.
#[derive(Debug)]
pub struct Handout {
    path: PathBuf,
    file: std::fs::File,
    school: String,
    form: Option<String>,
}

impl Handout {
    /// Opens a new handout file (mode 0600) in `dir`, made if missing (mode 0700). The name holds
    /// the time, the process id and a counter, and the file is created exclusively, so two
    /// imports never write to one file, even in the same second.
    pub fn create(
        dir: &Path,
        school: &str,
        now: chrono::DateTime<chrono::Local>,
    ) -> Result<Handout> {
        prepare_handout_dir(dir)?;
        let stamp = now.format("%Y%m%d-%H%M%S");
        let pid = std::process::id();
        for n in 1..1000u32 {
            let path = dir.join(format!("schooltech-handout-{stamp}-{pid}-{n}.txt"));
            match super::files::create_private_new(&path) {
                Ok(file) => {
                    return Ok(Handout {
                        path,
                        file,
                        school: school.to_string(),
                        form: None,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::Config(format!(
                        "cannot write the handout file {} ({e}); set [accounts] handout_dir to a \
                         writable directory; nothing was created",
                        path.display()
                    )))
                }
            }
        }
        Err(Error::Config(format!(
            "cannot find a free handout file name in {}; tidy it up",
            dir.display()
        )))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one account's line (with a section header when the form changes), and flushes it
    /// to disk before returning.
    pub fn write(&mut self, l: &HandoutLine, note: Option<&str>) -> Result<()> {
        let mut text = String::new();
        if self.form.as_deref() != Some(l.form.as_str()) {
            if self.form.is_some() {
                text.push_str("\n\x0c\n");
            }
            text.push_str(&format!("{} — new accounts — {}\n", self.school, l.form));
            text.push_str("Log on with this username and temporary password; you will be asked to choose your own.\n\n");
            self.form = Some(l.form.clone());
        }
        text.push_str(&format!(
            "  {:<32} {:<22} {}{}\n",
            l.name,
            l.username,
            l.password.expose(),
            note.map(|n| format!("   ({n})")).unwrap_or_default()
        ));
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.flush())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(&self.path, e))
    }
}

#[cfg(test)]
mod handout_tests {
    use super::*;
    use crate::directory::Secret;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn two_handouts_in_one_second_get_two_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("handouts");
        let now = chrono::Local::now();
        let mut a = Handout::create(&dir, "School", now).unwrap();
        let b = Handout::create(&dir, "School", now).unwrap();
        assert_ne!(a.path(), b.path());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(a.path()), 0o600);
        a.write(
            &HandoutLine {
                form: "7A".into(),
                name: "Amy Smith".into(),
                username: "amy.smith".into(),
                password: Secret::new("Otter&Lantern9"),
            },
            None,
        )
        .unwrap();
        let text = std::fs::read_to_string(a.path()).unwrap();
        assert!(
            text.contains("7A") && text.contains("amy.smith") && text.contains("Otter&Lantern9")
        );
    }

    #[test]
    fn an_unwritable_place_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = Handout::create(&file.join("sub"), "S", chrono::Local::now()).unwrap_err();
        assert!(e.to_string().contains("handout_dir"), "{e}");
    }

    #[test]
    fn the_default_handout_dir_is_not_the_current_directory() {
        assert_eq!(
            crate::config::DEFAULT_HANDOUT_DIR,
            "/var/lib/schooltech/handouts"
        );
    }
}
