//! Finding and showing accounts.

use super::Ctx;
use crate::directory::Listing;
use crate::domain::account::{Account, AccountQuery};
use crate::error::{Error, Result};

/// Lists accounts matching the query. Entries the program could not understand are
/// skipped and counted in `Listing::skipped`.
pub async fn list(ctx: &Ctx, query: &AccountQuery) -> Result<Listing> {
    let mut q = query.clone();
    if let Some(ou) = &q.ou {
        q.ou = Some(crate::domain::roles::absolute(ou, ctx.dir.base_dn()));
    }
    if let Some(role) = &q.role {
        let known = crate::domain::roles::KNOWN_ROLES;
        let configured = &ctx.config.directory.roles.0;
        if !known.contains(&role.as_str()) && !configured.contains_key(role) {
            return Err(Error::Usage(format!(
                "unknown role \"{role}\"; use one of: {}",
                known.join(", ")
            )));
        }
    }
    super::mirror::search_accounts(ctx, &q).await
}

/// One account by username, or a clear "not found".
pub async fn get(ctx: &Ctx, username: &str) -> Result<Account> {
    let u = username.trim();
    if u.is_empty() {
        return Err(Error::Usage("give a username".into()));
    }
    ctx.dir.get_account(u).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "no account with username \"{u}\"; try `schooltech accounts list --search {}`",
            shell_word(u)
        ))
    })
}

/// Quotes a word for a shell suggestion.
pub fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
