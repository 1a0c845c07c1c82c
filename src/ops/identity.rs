//! Targets are identities: a plan names each directory object by its stable id (objectGUID on
//! AD, entryUUID on OpenLDAP) beside its DN and username, and the change reads it again by that
//! id just before it is made, refusing (nothing done) when it is no longer the object planned.

use super::runner::Target;
use super::Ctx;
use crate::domain::account::Account;
use crate::domain::dn::parent_dn;
use crate::error::{Error, Result};

/// What a change depends on besides the object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depends {
    /// Only the object: it is followed when it was moved or its entry renamed (its DN
    /// changed) since it was planned. Every change that acts on the account wherever it lives
    /// (disable, stamp, expire, groups, password, delete, the sweep's move to the Leavers OU).
    Object,
    /// The object and the OU it was in: refused when it was moved to another OU since it was
    /// planned (an operator's move from one OU to another: someone else moved it meanwhile,
    /// and moving it on would undo their move).
    Place,
}

/// The target of a change on `a`, as planned now.
pub fn target_of(a: &Account) -> Target {
    Target {
        dn: Some(a.dn.clone()),
        object_id: a.object_id.clone(),
        retry_of: None,
    }
}

/// Reads the object planned as `username` again by its stable id and returns it as it is now.
/// Refused (an error, nothing done) when it is gone, when it is no longer called `username`
/// (another object may hold the name now), or when it moved and the change depends on where it
/// was. A target without an id (planned by an older schooltech) is read by username, as then.
pub async fn recheck(ctx: &Ctx, username: &str, t: &Target, depends: Depends) -> Result<Account> {
    let Some(id) = t.object_id.as_deref() else {
        return ctx.dir.get_account(username).await?.ok_or_else(|| {
            Error::NotFound(format!(
                "{username} is no longer in the directory; nothing was done"
            ))
        });
    };
    let Some(a) = ctx.dir.get_by_id(id).await? else {
        let holder = ctx.dir.get_account(username).await?;
        return Err(Error::NotPlanned(match holder {
            Some(h) => format!(
                "{username} is not the account that was planned: that account (object id {id}) \
                 is gone, and {username} now belongs to another one (object id {}, {}); nothing \
                 was done to it — plan again if it should be",
                h.object_id.as_deref().unwrap_or("unknown"),
                h.dn
            ),
            None => format!(
                "{username} (object id {id}) is no longer in the directory; nothing was done"
            ),
        }));
    };
    if !a.username.eq_ignore_ascii_case(username) {
        return Err(Error::NotPlanned(format!(
            "the account planned as {username} (object id {id}) is now called {}; nothing was \
             done — plan again",
            a.username
        )));
    }
    if let (Depends::Place, Some(dn)) = (depends, &t.dn) {
        let (was, now) = (parent_dn(dn), a.parent_dn());
        if !crate::ops::protect::norm_dn(was).eq(&crate::ops::protect::norm_dn(now)) {
            return Err(Error::NotPlanned(format!(
                "{username} was moved from {was} to {now} since it was planned; nothing was done \
                 — plan again"
            )));
        }
    }
    Ok(a)
}
