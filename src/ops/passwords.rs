//! Choosing and checking passwords for accounts, with the school's rules.

use super::Ctx;
use crate::directory::Secret;
use crate::domain::account::Account;
use crate::domain::password::{check, generate, CheckContext, Verdict};
use crate::error::{Error, Result};

/// Where a new password comes from.
#[derive(Debug, Clone)]
pub enum PasswordChoice {
    /// Generate a memorable one that passes the rules.
    Generate,
    /// Use this one (it must pass the rules).
    Given(Secret),
}

/// Where the password comes from, never the password itself: `"generate"` or `"given"`.
impl serde::Serialize for PasswordChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            PasswordChoice::Generate => "generate",
            PasswordChoice::Given(_) => "given",
        })
    }
}

/// The names a password must not contain, for an account.
pub fn check_context<'a>(
    ctx: &'a Ctx,
    username: &'a str,
    first: Option<&'a str>,
    last: Option<&'a str>,
) -> CheckContext<'a> {
    CheckContext {
        username: Some(username),
        first_name: first,
        last_name: last,
        school_name: Some(ctx.config.school.name.as_str()),
        other_words: &[],
    }
}

/// Judges a candidate for an account (by role and names).
pub fn verdict_for(ctx: &Ctx, account: &Account, candidate: &str) -> Verdict {
    let rules = ctx.config.passwords.effective(account.role.as_deref());
    let cc = check_context(
        ctx,
        &account.username,
        account.given_name.as_deref(),
        account.surname.as_deref(),
    );
    let mut v = check(&rules, candidate, &cc);
    // A typed password must be typeable at a logon screen (printable ASCII only).
    if let Some(f) = crate::domain::password::untypeable(candidate) {
        v.failures.insert(0, f);
    }
    v
}

/// A verdict as one message listing every broken rule and the advice.
pub fn refusal(verdict: &Verdict) -> String {
    let mut parts: Vec<String> = verdict
        .failures
        .iter()
        .map(|f| format!("the password {f}"))
        .collect();
    if let Some(w) = &verdict.warning {
        parts.push(w.clone());
    }
    parts.extend(verdict.suggestions.iter().cloned());
    format!("password refused: {}", parts.join("; "))
}

/// Resolves a choice into a password that passes the rules for this account.
pub fn choose(ctx: &Ctx, account: &Account, choice: &PasswordChoice) -> Result<Secret> {
    let role = account.role.as_deref();
    match choice {
        PasswordChoice::Given(p) => {
            let v = verdict_for(ctx, account, p.expose());
            if v.is_ok() {
                Ok(p.clone())
            } else {
                Err(Error::Input(refusal(&v)))
            }
        }
        PasswordChoice::Generate => {
            let rules = ctx.config.passwords.effective(role);
            let cc = check_context(
                ctx,
                &account.username,
                account.given_name.as_deref(),
                account.surname.as_deref(),
            );
            let mut rng = rand::thread_rng();
            for _ in 0..5 {
                let p = generate(&rules, rules.generator, &cc, &mut rng);
                if check(&rules, &p, &cc).is_ok() {
                    return Ok(Secret::new(p));
                }
            }
            Err(Error::Config(
                "the password generator cannot meet [passwords] for this role; lower min_zxcvbn_score or min_length for it".into(),
            ))
        }
    }
}
