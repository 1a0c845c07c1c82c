//! The demo school's filter log: one of each state (pending, agreed, applied, expired, revoked,
//! rejected, a block request) and one closed review, dated relative to `now`, by demo staff.

use crate::domain::filter::review::ReviewClose;
use crate::domain::filter::{normalise, EventKind, Kind, Request, Scope, SiteOptions, Verdict};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::store::filter::NewEvent;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};

/// The demo's Network Manager and ICT Coordinator (accounts in the demo directory).
const NM: &str = "spatel";
const ICT: &str = "kmensah";

struct Seeder<'a> {
    s: &'a Store,
    now: DateTime<Utc>,
}

impl Seeder<'_> {
    fn at(&self, days_ago: i64) -> DateTime<Utc> {
        self.now - Duration::days(days_ago)
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        days_ago: i64,
        by: &str,
        site: &str,
        page: bool,
        kind: Kind,
        scope: Scope,
        reason: &str,
        until_days: Option<i64>,
    ) -> Result<i64> {
        let n = normalise(
            site,
            SiteOptions {
                allow_ip: false,
                page,
            },
        )
        .map_err(|e| Error::Input(format!("demo filter log: {e}")))?;
        let r = self.s.add_filter_request(&Request {
            id: 0,
            kind,
            site: site.into(),
            host: n.host,
            host_unicode: n.host_unicode,
            registrable_domain: n.registrable_domain,
            subdomains: n.subdomains,
            path: n.path,
            ip: n.ip,
            scope,
            reason: reason.into(),
            until: until_days.map(|d| (self.now + Duration::days(d)).london_date()),
            requested_by: by.into(),
            requested_at: self.at(days_ago),
        })?;
        Ok(r.id)
    }

    fn event(
        &self,
        id: i64,
        days_ago: i64,
        by: &str,
        review: Option<i64>,
        kind: EventKind,
    ) -> Result<()> {
        self.s.add_filter_event(
            &NewEvent {
                request_id: id,
                by: by.into(),
                review_id: review,
                kind,
            },
            self.at(days_ago),
        )?;
        Ok(())
    }

    fn decide(
        &self,
        id: i64,
        days_ago: i64,
        role: &str,
        by: &str,
        v: Verdict,
        c: &str,
    ) -> Result<()> {
        self.event(
            id,
            days_ago,
            by,
            None,
            EventKind::Decision {
                role: role.into(),
                verdict: v,
                comment: c.into(),
            },
        )
    }

    fn agree(&self, id: i64, days_ago: i64) -> Result<()> {
        self.decide(
            id,
            days_ago,
            "network-manager",
            NM,
            Verdict::Approve,
            "Checked the site: suitable",
        )?;
        self.decide(
            id,
            days_ago,
            "ict-coordinator",
            ICT,
            Verdict::Approve,
            "Curriculum need confirmed",
        )
    }

    fn applied(&self, id: i64, days_ago: i64, reference: &str) -> Result<()> {
        self.event(
            id,
            days_ago,
            NM,
            None,
            EventKind::Applied {
                reference: Some(reference.into()),
            },
        )
    }
}

/// Writes the demo filter log (and its action-log rows) into an empty store.
pub fn seed(s: &Store, now: DateTime<Utc>) -> Result<()> {
    let d = Seeder { s, now };
    let os = d.request(
        130,
        "grees",
        "https://www.ordnancesurvey.co.uk/mapzone",
        false,
        Kind::Unblock,
        Scope::School,
        "Map skills, Year 7 geography",
        None,
    )?;
    d.agree(os, 128)?;
    d.applied(os, 126, "SW-2291")?;
    let padlet = d.request(
        100,
        "grees",
        "padlet.com",
        false,
        Kind::Unblock,
        Scope::Pupils,
        "Class walls for the river project",
        Some(-10),
    )?;
    d.agree(padlet, 99)?;
    d.applied(padlet, 98, "SW-2310")?;
    let discord = d.request(
        95,
        "mcurtis",
        "discord.com",
        false,
        Kind::Unblock,
        Scope::Staff,
        "Parent liaison group",
        None,
    )?;
    d.agree(discord, 94)?;
    d.applied(discord, 93, "SW-2315")?;

    let review = s.start_filter_review(NM, &[os, padlet, discord], d.at(60))?;
    d.event(
        os,
        60,
        NM,
        Some(review.id),
        EventKind::Kept {
            note: "Still used every week in Year 7".into(),
        },
    )?;
    d.event(
        padlet,
        60,
        NM,
        Some(review.id),
        EventKind::Kept {
            note: "Needed until the project ends".into(),
        },
    )?;
    d.event(
        discord,
        60,
        NM,
        Some(review.id),
        EventKind::Kept {
            note: "Kept until the move to Teams".into(),
        },
    )?;
    s.close_filter_review(
        review.id,
        &ReviewClose {
            at: d.at(59),
            by: NM.into(),
            checks: "Tested a sample of blocked categories (adult, gambling, proxies, self-harm) from a pupil login: all blocked".into(),
            note: "No changes needed".into(),
        },
        serde_json::json!({ "kept": 3, "revoked": 0, "shortened": 0 }),
    )?;

    let quizlet = d.request(
        40,
        "loconnor",
        "quizlet.com",
        false,
        Kind::Unblock,
        Scope::Year(11),
        "GCSE revision sets",
        Some(40),
    )?;
    d.agree(quizlet, 39)?;
    d.applied(quizlet, 38, "SW-2402")?;
    let scratch = d.request(
        30,
        "pchaudhry",
        "*.scratch.mit.edu",
        false,
        Kind::Unblock,
        Scope::Pupils,
        "Coding club",
        None,
    )?;
    d.agree(scratch, 28)?;
    let tiktok = d.request(
        25,
        "jsmith",
        "tiktok.com",
        false,
        Kind::Unblock,
        Scope::Pupils,
        "PE dance videos",
        None,
    )?;
    d.decide(
        tiktok,
        24,
        "ict-coordinator",
        ICT,
        Verdict::Reject,
        "Not suitable for pupils: use the school's YouTube channel",
    )?;
    d.event(
        discord,
        20,
        NM,
        None,
        EventKind::Revoked {
            reason: "Staff now use Teams".into(),
        },
    )?;
    let games = d.request(
        12,
        "kwhite",
        "coolmathgames.com",
        false,
        Kind::Block,
        Scope::Pupils,
        "Pupils playing games in lessons",
        None,
    )?;
    d.agree(games, 11)?;
    let yt = d.request(
        5,
        "rrossi",
        "https://www.youtube.com/@NationalTheatre",
        true,
        Kind::Unblock,
        Scope::Year(10),
        "National Theatre recordings for GCSE Drama",
        None,
    )?;
    d.decide(
        yt,
        3,
        "network-manager",
        NM,
        Verdict::Approve,
        "Channel checked",
    )?;
    d.request(
        2,
        "loconnor",
        "münchen.de",
        false,
        Kind::Unblock,
        Scope::Year(9),
        "German exchange: the town's own site",
        Some(60),
    )?;
    Ok(())
}
