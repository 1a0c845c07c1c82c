//! The software register: titles with their licences, installations on assets or for users, and
//! the report of over-allocated seats and licences expiring soon.

use super::must_asset;
use crate::domain::inventory::loan::check_borrower;
use crate::domain::inventory::software::{Licence, Title};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::actions::store;
use crate::ops::Ctx;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

/// A title to add.
#[derive(Debug, Clone)]
pub struct NewTitle {
    /// Name.
    pub title: String,
    /// Publisher.
    pub publisher: String,
    /// Licence kind.
    pub licence: Licence,
    /// Seats (required except for a site licence).
    pub seats: Option<u32>,
    /// Expiry or renewal.
    pub expires: Option<NaiveDate>,
    /// Cost in pence.
    pub cost_pence: Option<i64>,
}

/// Adds a title.
pub fn add(ctx: &Ctx, t: &NewTitle) -> Result<Title> {
    let name = t.title.trim();
    if name.is_empty() {
        return Err(Error::Usage("give the software's name".into()));
    }
    if t.licence != Licence::Site && t.seats.is_none() {
        return Err(Error::Usage(format!(
            "a {} licence needs its number of seats: --seats N",
            t.licence.as_str()
        )));
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("adding software", ctx.now())?;
    if tx.software_title(name)?.is_some() {
        return Err(Error::Usage(format!(
            "\"{name}\" is already in the software register"
        )));
    }
    let title = Title {
        id: 0,
        title: name.to_string(),
        publisher: t.publisher.trim().to_string(),
        licence: t.licence,
        seats: t.seats,
        expires: t.expires,
        cost_pence: t.cost_pence,
        used: 0,
    };
    tx.insert_software(&title, "")?;
    tx.log(
        "software.add",
        name,
        json!({"licence": t.licence, "seats": t.seats, "expires": t.expires.map(|d| d.to_string())}),
    );
    tx.commit()?;
    s.software_title(name)?
        .ok_or_else(|| Error::NotFound(format!("no software \"{name}\"")))
}

/// Assigns a title to an asset (by tag) or a directory user (checked).
pub async fn assign(
    ctx: &Ctx,
    title: &str,
    tag: Option<&str>,
    user: Option<&str>,
) -> Result<Title> {
    let user = match user {
        Some(u) => {
            let acct = ctx.dir.get_account(u.trim()).await?;
            check_borrower(u.trim(), acct.as_ref(), ctx.now()).map_err(Error::Usage)?;
            acct.map(|a| a.username)
        }
        None => None,
    };
    if tag.is_some() == user.is_some() {
        return Err(Error::Usage(
            "give one of --asset TAG or --user USERNAME".into(),
        ));
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("assigning software", ctx.now())?;
    let t = tx.software_title(title)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no software named \"{}\"; add it with `inventory software add`",
            title.trim()
        ))
    })?;
    let asset = match tag {
        Some(tag) => Some(must_asset(&tx, tag)?),
        None => None,
    };
    let target = asset
        .as_ref()
        .map(|a| a.tag.clone())
        .or_else(|| user.clone())
        .unwrap_or_default();
    tx.insert_install(t.id, asset.as_ref().map(|a| a.id), user.as_deref())
        .map_err(|e| match e {
            Error::Store { detail, .. } if detail.contains("UNIQUE") => {
                Error::Usage(format!("{} is already assigned to {target}", t.title))
            }
            other => other,
        })?;
    tx.log("software.assign", &t.title, json!({"to": target}));
    tx.commit()?;
    s.software_title(&t.title)?
        .ok_or_else(|| Error::NotFound(format!("no software \"{}\"", t.title)))
}

/// The software report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoftwareReport {
    /// Every title.
    pub titles: Vec<Title>,
    /// More installations than seats.
    pub over_allocated: Vec<String>,
    /// Expiring within the window (or expired).
    pub expiring: Vec<String>,
    /// The window in days.
    pub within_days: u32,
}

/// Titles, over-allocated seats and licences expiring within `days` of today.
pub fn report(ctx: &Ctx, days: u32) -> Result<SoftwareReport> {
    let titles = store(ctx)?.software()?;
    let today = ctx.now().london_date();
    Ok(SoftwareReport {
        over_allocated: titles
            .iter()
            .filter(|t| t.over_allocated())
            .map(|t| t.title.clone())
            .collect(),
        expiring: titles
            .iter()
            .filter(|t| t.expiring(today, days))
            .map(|t| t.title.clone())
            .collect(),
        titles,
        within_days: days,
    })
}
