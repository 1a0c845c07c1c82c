//! What a move is judged by besides the account: the role rules (a move may change the role:
//! OU=Staff makes a guest staff) and the OUs the directory has (for a refusal naming one it
//! does not have). Only a move's plan comes here; other changes never do.

use super::{field, AccountPlan, Change, Outcome};
use crate::domain::account::Account;
use crate::ops::Ctx;

/// What judging a move's new role needs: the role rules and the directory's base DN. Cheap to
/// clone, so the TUI holds one and its preview says what the CLI's dry run says.
#[derive(Debug, Clone, Default)]
pub struct MoveRoles {
    /// `[directory.roles]`.
    pub roles: crate::domain::roles::RoleMap,
    /// The directory's base DN.
    pub base_dn: String,
}

impl MoveRoles {
    /// The rules of a context.
    pub fn from_ctx(ctx: &Ctx) -> MoveRoles {
        MoveRoles {
            roles: ctx.config.directory.roles.clone(),
            base_dn: ctx.dir.base_dn().to_string(),
        }
    }
}

/// A move that changes the account's role (the role comes from where it sits: OU=Staff makes
/// a guest staff) says so in its plan: a "role" change and "(role: guest → staff)" on its line.
pub fn role_change(
    mr: &MoveRoles,
    mut p: AccountPlan,
    a: Option<&Account>,
    change: &Change,
) -> AccountPlan {
    let (Change::Move { ou }, Some(a)) = (change, a) else {
        return p;
    };
    if p.outcome != Outcome::Changes {
        return p;
    }
    let Some(rdn) = crate::domain::dn::split_dn(&a.dn).into_iter().next() else {
        return p;
    };
    let new_dn = format!("{rdn},{ou}");
    let new_role = mr.roles.role_for(&new_dn, &a.group_dns, &mr.base_dn);
    if new_role.as_deref().map(str::to_lowercase) == a.role.as_deref().map(str::to_lowercase) {
        return p;
    }
    let b = a.role.clone().unwrap_or_else(|| "none".into());
    let x = new_role.unwrap_or_else(|| "none".into());
    p.changes.push(field("role", b.as_str(), x.as_str()));
    p.line.push_str(&format!(" (role: {b} → {x})"));
    let says = format!("the move changes the role: {b} → {x}");
    p.note = Some(match p.note.take() {
        Some(n) => format!("{n}; {says}"),
        None => says,
    });
    p
}

/// The OUs the directory has, for a refusal naming an OU it does not have (the data; each
/// face shows it as it is).
pub fn known_ous(ous: &[String]) -> String {
    const SHOWN: usize = 12;
    match ous.len() {
        0 => "the directory has no OU".to_string(),
        n if n <= SHOWN => format!("the directory's OUs: {}", ous.join("; ")),
        n => format!(
            "the directory's OUs: {}; and {} more",
            ous[..SHOWN].join("; "),
            n - SHOWN
        ),
    }
}
