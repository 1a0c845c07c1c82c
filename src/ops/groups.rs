//! The directory's groups as the faces show them: every group with whether it is protected
//! (the groups dialog's picker), and the one check that a named group exists, which the TUI's
//! preview, the CLI's dry run and `accounts groups` all make.

use super::protect::Protection;
use super::{Ctx, Group};
use crate::error::{Error, Result};
use serde::Serialize;

/// A group of the directory, as the picker lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupEntry {
    /// DN.
    pub dn: String,
    /// Name (CN).
    pub name: String,
    /// Its description, when it has one.
    pub description: Option<String>,
    /// Why nobody joins it without the override, when it is protected.
    pub protected: Option<String>,
}

impl GroupEntry {
    /// True when `name_or_dn` names this group (its name or its DN, case folded).
    pub fn is(&self, name_or_dn: &str) -> bool {
        let n = name_or_dn.trim();
        n.eq_ignore_ascii_case(&self.name) || (n.contains('=') && n.eq_ignore_ascii_case(&self.dn))
    }
}

/// Every group of the directory (sorted by name), each with whether it is protected by the
/// same rules every change is checked against.
pub async fn list(ctx: &Ctx) -> Result<Vec<GroupEntry>> {
    let groups = ctx.dir.list_groups().await?;
    let rules = Protection::load(ctx).await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let protected = rules
                .check_group(&Group {
                    dn: g.dn.clone(),
                    name: g.name.clone(),
                })
                .map(|why| why.to_string());
            GroupEntry {
                dn: g.dn,
                name: g.name,
                description: g.description,
                protected,
            }
        })
        .collect())
}

/// What is said of a group name the directory does not have.
pub fn no_such_group(name: &str) -> String {
    format!("no group named \"{}\" in the directory", name.trim())
}

/// The names in `names` that are none of the `known` groups, each once, as typed.
pub fn unknown<'a>(known: &[GroupEntry], names: &'a [String]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        let n = n.as_str();
        if !known.iter().any(|g| g.is(n)) && !out.iter().any(|o| o.eq_ignore_ascii_case(n)) {
            out.push(n);
        }
    }
    out
}

/// Finds each named group (a name or a DN) in the directory: the groups found, and what is
/// said of each name that is not there.
pub async fn find_all(ctx: &Ctx, names: &[String]) -> Result<(Vec<Group>, Vec<String>)> {
    let mut found = Vec::with_capacity(names.len());
    let mut missing: Vec<String> = Vec::new();
    for name in names {
        match ctx.dir.find_group(name).await? {
            Some(g) => found.push(g),
            None => {
                let why = no_such_group(name);
                if !missing.contains(&why) {
                    missing.push(why);
                }
            }
        }
    }
    Ok((found, missing))
}

/// [`find_all`], refusing (exit 2) when any name is not a group of the directory: every
/// unknown name is named at once.
pub async fn resolve(ctx: &Ctx, names: &[String]) -> Result<Vec<Group>> {
    let (found, missing) = find_all(ctx, names).await?;
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(Error::NotFound(missing.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str) -> GroupEntry {
        GroupEntry {
            dn: format!("CN={name},OU=Groups,DC=school,DC=test"),
            name: name.into(),
            description: None,
            protected: None,
        }
    }

    #[test]
    fn unknown_names_are_those_no_group_is_called() {
        let known = [g("Staff"), g("Year 7")];
        let names: Vec<String> = [
            "staff",
            "Nope",
            "CN=Year 7,OU=Groups,DC=school,DC=test",
            "nope",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(unknown(&known, &names), vec!["Nope"]);
        assert_eq!(
            no_such_group(" Nope "),
            "no group named \"Nope\" in the directory"
        );
    }
}
