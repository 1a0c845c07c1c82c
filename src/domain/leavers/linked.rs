//! A person's accounts together: the accounts `[leavers] linked` patterns name from a username
//! (`adm-{username}`, `{username}-admin`, either way round) and the accounts that share its MIS
//! id. A leaver's linked accounts are listed with it and suspended with it, or, when protected,
//! left for a person to disable by hand (and counted until they are).

use crate::domain::account::Account;
use serde::Serialize;
use std::collections::HashMap;

/// What becomes of a linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkedAction {
    /// Suspended with the leaver (the same steps).
    Suspend,
    /// Protected: never touched by schooltech; a person disables it by hand.
    ByHand,
    /// Disabled already: nothing to do.
    Disabled,
}

/// One of a leaver's other accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Linked {
    /// Its username.
    pub username: String,
    /// Its name (display name, else username).
    pub name: String,
    /// Its DN.
    pub dn: String,
    /// Why it is linked: the pattern (`adm-{username}`) or `the same MIS id S1`.
    pub link: String,
    /// Whether it is enabled now.
    pub enabled: bool,
    /// Why it is protected, if it is.
    pub protected: Option<String>,
    /// What becomes of it.
    pub action: LinkedAction,
}

impl Linked {
    /// The account, linked to a leaver: what it is and what becomes of it.
    pub fn new(a: &Account, link: String, protected: Option<String>) -> Linked {
        let action = if !a.enabled {
            LinkedAction::Disabled
        } else if protected.is_some() {
            LinkedAction::ByHand
        } else {
            LinkedAction::Suspend
        };
        Linked {
            username: a.username.clone(),
            name: a.name().to_string(),
            dn: a.dn.clone(),
            link,
            enabled: a.enabled,
            protected,
            action,
        }
    }

    /// What becomes of it, in words.
    pub fn what(&self) -> String {
        match (&self.action, &self.protected) {
            (LinkedAction::ByHand, Some(why)) => {
                format!("to disable by hand: protected ({why})")
            }
            (LinkedAction::ByHand, None) => "to disable by hand".into(),
            (LinkedAction::Suspend, _) => "suspended with the leaver".into(),
            (LinkedAction::Disabled, _) => "disabled already".into(),
        }
    }

    /// `adm-spatel (Sam Patel (Admin); adm-{username}): to disable by hand: protected (…)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}; {}): {}",
            self.username,
            self.name,
            self.link,
            self.what()
        )
    }
}

/// The links between a directory's accounts, for finding a leaver's other accounts.
pub struct Links<'a> {
    by_user: HashMap<String, &'a Account>,
    by_mis: HashMap<String, Vec<&'a Account>>,
    patterns: Vec<(String, String, String)>,
}

impl<'a> Links<'a> {
    /// Indexes `accounts` for the `patterns` (each with `{username}` once; others are
    /// ignored: the configuration check names them).
    pub fn new(accounts: &'a [Account], patterns: &[String]) -> Links<'a> {
        let mut by_user = HashMap::new();
        let mut by_mis: HashMap<String, Vec<&Account>> = HashMap::new();
        for a in accounts {
            by_user.insert(a.username.to_lowercase(), a);
            if let Some(m) = a.mis_id.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                by_mis.entry(m.to_lowercase()).or_default().push(a);
            }
        }
        let patterns = patterns
            .iter()
            .filter_map(|p| {
                let (pre, post) = p.trim().split_once("{username}")?;
                let usable = !post.contains("{username}") && (!pre.is_empty() || !post.is_empty());
                let (whole, pre, post) = (p.trim(), pre.to_lowercase(), post.to_lowercase());
                usable.then(|| (whole.to_string(), pre, post))
            })
            .collect();
        Links {
            by_user,
            by_mis,
            patterns,
        }
    }

    /// The other accounts of `a`'s person, each with why it is linked, by username.
    pub fn of(&self, a: &Account) -> Vec<(&'a Account, String)> {
        let me = a.username.to_lowercase();
        let mut out: Vec<(&'a Account, String)> = Vec::new();
        let mut add = |o: &'a Account, why: String| {
            let u = o.username.to_lowercase();
            if u != me && !out.iter().any(|(x, _)| x.username.to_lowercase() == u) {
                out.push((o, why));
            }
        };
        for (p, pre, post) in &self.patterns {
            // The leaver's admin account (adm-{username} of spatel: adm-spatel) ...
            if let Some(o) = self.by_user.get(&format!("{pre}{me}{post}")) {
                add(o, p.clone());
            }
            // ... and the everyday account of a leaving admin account (spatel of adm-spatel).
            let base = me
                .strip_prefix(pre.as_str())
                .and_then(|r| r.strip_suffix(post.as_str()))
                .filter(|b| !b.is_empty());
            if let Some(o) = base.and_then(|b| self.by_user.get(b)) {
                add(o, p.clone());
            }
        }
        // The same MIS id, and the same name where both have one (one MIS id on two people's
        // accounts is a mistake to put right, not a link).
        if let Some(m) = a.mis_id.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            let mine = full_name(a);
            for o in self.by_mis.get(&m.to_lowercase()).into_iter().flatten() {
                let theirs = full_name(o);
                if mine.is_empty() || theirs.is_empty() || mine == theirs {
                    add(o, format!("the same MIS id {m}"));
                }
            }
        }
        out.sort_by_key(|(o, _)| o.username.to_lowercase());
        out
    }
}

/// Given name and surname, folded ([`super::mis::fold`]); empty without both.
fn full_name(a: &Account) -> String {
    match (&a.given_name, &a.surname) {
        (Some(g), Some(s)) => super::mis::fold(&format!("{g}{s}")),
        _ => String::new(),
    }
}
