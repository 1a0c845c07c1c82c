//! `sync --learn`: reads the directory and the roll, proposes the layout rules that most of each
//! role's accounts follow (with how many fit each part), and writes them to the configuration
//! as `[sync.layout.ROLE]` on confirmation. `doctor` counts the accounts that do not fit.

use super::{layouts, Ctx, Roll};
use crate::domain::account::{Account, AccountQuery};
use crate::domain::sync::layout::{fit_counts, learn as learn_role, Layout, Learned, Sample};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// What learning found, by role.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    /// By role.
    pub roles: BTreeMap<String, Learned>,
}

/// Samples of each role: accounts matched to roll rows by MIS id (enabled ones).
fn samples<'a>(roll: &'a Roll, accounts: &'a [Account]) -> BTreeMap<String, Vec<Sample<'a>>> {
    let by_id: HashMap<String, &Account> = accounts
        .iter()
        .filter(|a| a.enabled)
        .filter_map(|a| a.mis_id.as_deref().map(|m| (m.trim().to_lowercase(), a)))
        .collect();
    let mut out: BTreeMap<String, Vec<Sample<'a>>> = BTreeMap::new();
    for r in &roll.rows {
        if let Some(a) = by_id.get(&r.id.trim().to_lowercase()) {
            out.entry(r.role.clone()).or_default().push(Sample {
                account: a,
                year: r.year,
                form: &r.form,
                given: a.given_name.as_deref().unwrap_or(&r.given),
                surname: a.surname.as_deref().unwrap_or(&r.surname),
            });
        }
    }
    out
}

/// Learns the rules from the directory and the roll. Nothing is written.
pub async fn propose(ctx: &Ctx, roll: &Roll) -> Result<Proposal> {
    let listing = crate::ops::mirror::search_accounts(ctx, &AccountQuery::default()).await?;
    let mut p = Proposal::default();
    for (role, s) in samples(roll, &listing.accounts) {
        if let Some(l) = learn_role(&s) {
            p.roles.insert(role, l);
        }
    }
    if p.roles.is_empty() {
        return Err(Error::Input(
            "no account's MIS id is on the roll, so there is nothing to learn from; check [directory] mis_id_attribute and [mis] id_column".into(),
        ));
    }
    Ok(p)
}

/// How many accounts on the roll do not fit the rules in force, by role: (role, looked at,
/// not fitting). Empty when no rules are set.
pub async fn misfits(ctx: &Ctx, roll: &Roll) -> Result<Vec<(String, usize, usize)>> {
    let rules = layouts(ctx);
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let listing = crate::ops::mirror::search_accounts(ctx, &AccountQuery::default()).await?;
    let mut out = Vec::new();
    for (role, s) in samples(roll, &listing.accounts) {
        let Some(l) = rules.get(&role) else { continue };
        let bad = s
            .iter()
            .filter(|x| {
                let one = fit_counts(l, std::slice::from_ref(*x));
                one.ou_fit == 0 || one.group_fit.iter().any(|(_, c)| *c == 0)
            })
            .count();
        out.push((role, s.len(), bad));
    }
    Ok(out)
}

/// The proposal as lines for a person.
pub fn describe(p: &Proposal, base: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (role, l) in &p.roles {
        out.push(format!(
            "[sync.layout.{role}] from {} accounts:",
            l.accounts
        ));
        out.push(format!(
            "  ou = \"{}\"   ({} fit)",
            relative(&l.layout.ou, base),
            l.ou_fit
        ));
        for (g, c) in &l.group_fit {
            out.push(format!("  group \"{g}\"   ({c} fit)"));
        }
        out.push(format!(
            "  username = \"{}\"   ({} fit)",
            l.layout.username, l.username_fit
        ));
    }
    out
}

fn relative(dn: &str, base: &str) -> String {
    let n = dn.len();
    if !base.is_empty() && n > base.len() && dn[n - base.len()..].eq_ignore_ascii_case(base) {
        dn[..n - base.len()].trim_end_matches(',').to_string()
    } else {
        dn.to_string()
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The `[sync.layout.ROLE]` sections of a proposal, as TOML.
pub fn to_toml(p: &Proposal, base: &str) -> String {
    let mut out = String::new();
    for (role, l) in &p.roles {
        let Layout {
            ou,
            groups,
            username,
        } = &l.layout;
        out.push_str(&format!("\n[sync.layout.{role}]\n"));
        out.push_str(&format!("ou = {}\n", toml_str(&relative(ou, base))));
        let g: Vec<String> = groups.iter().map(|g| toml_str(g)).collect();
        out.push_str(&format!("groups = [{}]\n", g.join(", ")));
        out.push_str(&format!("username = {}\n", toml_str(username)));
    }
    out
}

/// Writes the proposal into the configuration file: any `[sync.layout.ROLE]` section of the
/// same roles is replaced, everything else is kept as it is. The file is checked before it is
/// replaced (a result that does not read is refused, and the old file stays).
pub fn write(ctx: &Ctx, p: &Proposal) -> Result<std::path::PathBuf> {
    let path = ctx.config_path.clone().ok_or_else(|| {
        Error::Usage("the demo has no configuration file to write the rules to".into())
    })?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            let name = t
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_lowercase();
            skipping = p.roles.keys().any(|r| name == format!("sync.layout.{r}"));
        }
        if !skipping {
            kept.push(line);
        }
    }
    let mut new = kept.join("\n");
    while new.ends_with("\n\n") {
        new.pop();
    }
    if !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&to_toml(p, ctx.dir.base_dn()));
    crate::config::Config::parse(&new, &path).map_err(|e| {
        Error::Config(format!(
            "the learned rules would not read back ({e}); the configuration was not changed"
        ))
    })?;
    let tmp = path.with_extension("toml.learn");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(new.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
