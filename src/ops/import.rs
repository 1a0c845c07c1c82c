//! New intake: many accounts from a CSV (first name, last name, role, form, MIS id).
//! A dry run lists what would be made; `apply` makes them with progress, skips MIS ids that
//! already have accounts, and writes handout sheets (mode 0600) with the temporary passwords.

use super::actions::{create_planned, plan_create_cached, CreateRequest, OuCache};
use super::csv_reader::CsvTable;
use super::Ctx;
use crate::domain::account::NewAccount;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
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
        rows.push(ImportRow {
            line,
            request: CreateRequest {
                role: r,
                first: f,
                last: l,
                mis_id,
                ..Default::default()
            },
            form: get(form),
        });
    }
    Ok((rows, errors))
}

/// Works out usernames and places for every row, without changing anything.
pub async fn plan(
    ctx: &Ctx,
    rows: Vec<ImportRow>,
    mut errors: Vec<RowError>,
) -> Result<ImportPlan> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.request.mis_id.clone())
        .collect();
    let by_mis: HashMap<String, String> = ctx
        .dir
        .find_by_mis_ids(&ids)
        .await?
        .into_iter()
        .filter_map(|a| a.mis_id.clone().map(|m| (m, a.username)))
        .collect();
    let mut plan = ImportPlan::default();
    let mut seen_mis: HashMap<String, usize> = HashMap::new();
    let mut taken: Vec<String> = Vec::new();
    let mut ous = OuCache::default();
    for row in rows {
        if let Some(m) = &row.request.mis_id {
            if let Some(u) = by_mis.get(m) {
                plan.existing.push((row.line, m.clone(), u.clone()));
                continue;
            }
            if let Some(prev) = seen_mis.insert(m.clone(), row.line) {
                errors.push(RowError {
                    line: row.line,
                    message: format!("MIS id {m} is also on line {prev}"),
                });
                continue;
            }
        }
        match plan_create_cached(ctx, &row.request, &taken, &mut ous).await {
            Ok(new) => {
                taken.push(new.username.to_lowercase());
                plan.create.push((row, new));
            }
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
pub async fn apply(
    ctx: &Ctx,
    plan: &ImportPlan,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportResult> {
    ctx.refuse_as_of("import --apply")?;
    let mut out = ImportResult::default();
    let total = plan.create.len();
    for (i, (row, new)) in plan.create.iter().enumerate() {
        match create_planned(ctx, &row.request.role, new.clone()).await {
            Ok(c) => out.created.push(HandoutLine {
                form: if row.form.is_empty() {
                    row.request.role.clone()
                } else {
                    row.form.clone()
                },
                name: c.account.name().to_string(),
                username: c.account.username.clone(),
                password: c.password,
            }),
            Err(e) if e.is_connection_lost() => {
                out.failed.push(RowError {
                    line: row.line,
                    message: e.to_string(),
                });
                break;
            }
            Err(e) => out.failed.push(RowError {
                line: row.line,
                message: e.to_string(),
            }),
        }
        progress(i + 1, total);
    }
    if !out.created.is_empty() {
        let dir = ctx
            .config
            .accounts
            .handout_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        out.handout = Some(write_handout(&dir, &out.created, &ctx.config.school.name)?);
    }
    Ok(out)
}

/// Writes handout sheets, one section per form group, to a new file with mode 0600.
pub fn write_handout(dir: &Path, lines: &[HandoutLine], school: &str) -> Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("schooltech-handout-{stamp}.txt"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    let mut by_form: BTreeMap<&str, Vec<&HandoutLine>> = BTreeMap::new();
    for l in lines {
        by_form.entry(l.form.as_str()).or_default().push(l);
    }
    let mut text = String::new();
    for (form, ls) in by_form {
        text.push_str(&format!("{school} — new accounts — {form}\n"));
        text.push_str("Log on with this username and temporary password; you will be asked to choose your own.\n\n");
        for l in ls {
            text.push_str(&format!(
                "  {:<32} {:<22} {}\n",
                l.name,
                l.username,
                l.password.expose()
            ));
        }
        text.push_str("\n\x0c\n");
    }
    f.write_all(text.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
