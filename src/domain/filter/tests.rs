//! Tests of the filter rules: the normaliser table, the Public Suffix List's own test file, the
//! decision state machine, expiry, reviews and the export formats (against expected files).

use super::export::{domains, urls, ExportQuery};
use super::review::{interval_days, report, Review, ReviewClose};
use super::state::{
    check_apply, check_decide, check_review_item, check_revoke, check_until, default_roles,
    eligible, find_role,
};
use super::*;
use chrono::{NaiveDate, TimeZone, Utc};

const SITE: SiteOptions = SiteOptions {
    allow_ip: false,
    page: false,
};
const PAGE: SiteOptions = SiteOptions {
    allow_ip: false,
    page: true,
};
const IP: SiteOptions = SiteOptions {
    allow_ip: true,
    page: false,
};

/// (input, options, Ok((host, registrable_domain, subdomains, path)) or Err(variant name)).
type Case = (
    &'static str,
    SiteOptions,
    Result<(&'static str, &'static str, bool, Option<&'static str>), &'static str>,
);

fn ok(
    h: &'static str,
    r: &'static str,
) -> Result<(&'static str, &'static str, bool, Option<&'static str>), &'static str> {
    Ok((h, r, false, None))
}

fn cases() -> Vec<Case> {
    vec![
        // plain sites, case, www., scheme, user info, port, trailing dot
        ("example.com", SITE, ok("example.com", "example.com")),
        ("EXAMPLE.COM", SITE, ok("example.com", "example.com")),
        ("WWW.BBC.CO.UK", SITE, ok("bbc.co.uk", "bbc.co.uk")),
        (
            "bitesize.bbc.co.uk",
            SITE,
            ok("bitesize.bbc.co.uk", "bbc.co.uk"),
        ),
        (
            "https://www.nationalgeographic.org/education/",
            SITE,
            ok("nationalgeographic.org", "nationalgeographic.org"),
        ),
        (
            "http://user@example.org:8080/page",
            SITE,
            ok("example.org", "example.org"),
        ),
        (
            "http://user:pw@Example.org:443",
            SITE,
            ok("example.org", "example.org"),
        ),
        ("//example.org/x", SITE, ok("example.org", "example.org")),
        ("example.net.", SITE, ok("example.net", "example.net")),
        ("example.com:8080", SITE, ok("example.com", "example.com")),
        (
            "https://example.com?q=1#top",
            SITE,
            ok("example.com", "example.com"),
        ),
        ("scratch.mit.edu", SITE, ok("scratch.mit.edu", "mit.edu")),
        (
            "a.b.example.ac.uk",
            SITE,
            ok("a.b.example.ac.uk", "example.ac.uk"),
        ),
        // UK schools under *.sch.uk, gov.uk (a public suffix itself)
        (
            "oakfield.kent.sch.uk",
            SITE,
            ok("oakfield.kent.sch.uk", "oakfield.kent.sch.uk"),
        ),
        (
            "www.oakfield.kent.sch.uk",
            SITE,
            ok("oakfield.kent.sch.uk", "oakfield.kent.sch.uk"),
        ),
        ("www.gov.uk", SITE, ok("www.gov.uk", "www.gov.uk")),
        (
            "https://www.gov.uk/browse/education",
            SITE,
            ok("www.gov.uk", "www.gov.uk"),
        ),
        ("kent.sch.uk", SITE, Err("PublicSuffix")),
        ("sch.uk", SITE, Err("PublicSuffix")),
        ("co.uk", SITE, Err("PublicSuffix")),
        ("org.uk", SITE, Err("PublicSuffix")),
        ("gov.uk", SITE, Err("PublicSuffix")),
        ("uk", SITE, Err("PublicSuffix")),
        ("edu", SITE, Err("PublicSuffix")),
        ("ac.uk", SITE, Err("PublicSuffix")),
        ("*.co.uk", SITE, Err("PublicSuffix")),
        ("github.io", SITE, Err("PublicSuffix")),
        (
            "someone.github.io",
            SITE,
            ok("someone.github.io", "someone.github.io"),
        ),
        ("localhost", SITE, Err("NotFull")),
        // international names: punycode stored, Unicode kept for display
        (
            "bücher.de",
            SITE,
            ok("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ),
        (
            "münchen.de",
            SITE,
            ok("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ),
        (
            "https://www.MÜNCHEN.de/",
            SITE,
            ok("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ),
        (
            "xn--mnchen-3ya.de",
            SITE,
            ok("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ),
        (
            "食狮.公司.cn",
            SITE,
            ok("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
        ),
        ("公司.cn", SITE, Err("PublicSuffix")),
        ("http://xn--a.com", SITE, Err("Punycode")),
        ("xn--zz.com", SITE, Err("Punycode")),
        ("xn--example.com", SITE, Err("Punycode")),
        // wildcards
        (
            "*.example.com",
            SITE,
            Ok(("example.com", "example.com", true, None)),
        ),
        (
            "*.example.info",
            SITE,
            Ok(("example.info", "example.info", true, None)),
        ),
        ("ex*ample.com", SITE, Err("Wildcard")),
        ("*", SITE, Err("Wildcard")),
        ("a.*.example.com", SITE, Err("Wildcard")),
        // pages keep their path only with --page
        (
            "https://www.ordnancesurvey.co.uk/mapzone",
            SITE,
            ok("ordnancesurvey.co.uk", "ordnancesurvey.co.uk"),
        ),
        (
            "https://www.ordnancesurvey.co.uk/mapzone",
            PAGE,
            Ok((
                "ordnancesurvey.co.uk",
                "ordnancesurvey.co.uk",
                false,
                Some("/mapzone"),
            )),
        ),
        (
            "https://www.youtube.com/@NationalTheatre?si=x",
            PAGE,
            Ok((
                "youtube.com",
                "youtube.com",
                false,
                Some("/@NationalTheatre"),
            )),
        ),
        (
            "example.com/café",
            PAGE,
            Ok(("example.com", "example.com", false, Some("/caf%C3%A9"))),
        ),
        ("example.com", PAGE, Err("PageWithoutPath")),
        ("https://example.com/", PAGE, Err("PageWithoutPath")),
        ("*.example.com/page", PAGE, Err("PageWithWildcard")),
        // hostile and malformed input
        ("", SITE, Err("Empty")),
        ("   ", SITE, Err("Empty")),
        ("javascript:alert(1)", SITE, Err("Scheme")),
        ("data:text/html,hi", SITE, Err("Scheme")),
        ("htp://example.com", SITE, Err("Scheme")),
        ("ftp://example.com", SITE, Err("Scheme")),
        ("mailto:head@example.com", SITE, Err("Scheme")),
        ("http://exa mple.com", SITE, Err("Space")),
        ("example.com /page", SITE, Err("Space")),
        (".com", SITE, Err("EmptyLabel")),
        ("a..example.com", SITE, Err("EmptyLabel")),
        ("example.com..", SITE, Err("EmptyLabel")),
        ("http://", SITE, Err("NoHost")),
        ("http://example.com:99999/", SITE, Err("Port")),
        ("http://example.com:80a/", SITE, Err("Port")),
        ("exa_mple.com", SITE, Err("BadChars")),
        ("-example.com", SITE, Err("BadChars")),
        ("ex%41mple.com", SITE, Err("BadChars")),
        ("http://<script>.com", SITE, Err("BadChars")),
        // IP addresses only with --allow-ip
        ("192.168.1.10", SITE, Err("PrivateIp")),
        ("http://10.0.0.1/", SITE, Err("PrivateIp")),
        ("http://[::1]:8080/", SITE, Err("PrivateIp")),
        ("8.8.8.8", SITE, Err("IpAddress")),
        (
            "192.168.1.10",
            IP,
            Ok(("192.168.1.10", "192.168.1.10", false, None)),
        ),
        (
            "http://[2001:db8::1]/",
            IP,
            Ok(("2001:db8::1", "2001:db8::1", false, None)),
        ),
        ("10.0.0.300", SITE, Err("Numeric")),
        ("2130706433", SITE, Err("Numeric")),
    ]
}

fn long_cases() -> Vec<(String, &'static str)> {
    let label64 = "a".repeat(64);
    let label63 = "a".repeat(63);
    let long_name = [label63.as_str(); 4].join(".") + ".com"; // 4*63 + 3 + 4 = 259
    vec![
        (format!("{}.com", "a".repeat(70)), "LabelTooLong"),
        (format!("{label64}.example.com"), "LabelTooLong"),
        (long_name, "NameTooLong"),
    ]
}

#[test]
fn normaliser_table() {
    let cases = cases();
    assert!(cases.len() + long_cases().len() >= 40);
    let mut failures = Vec::new();
    for (input, opts, want) in cases {
        let got = normalise(input, opts);
        let ok = match (&got, &want) {
            (Ok(s), Ok((h, r, sub, p))) => {
                s.host == *h
                    && s.registrable_domain == *r
                    && s.subdomains == *sub
                    && s.path.as_deref() == *p
            }
            (Err(e), Err(v)) => format!("{e:?}").starts_with(v),
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?} ({opts:?}): got {got:?}, want {want:?}"));
        }
    }
    for (input, v) in long_cases() {
        let got = normalise(&input, SITE);
        if !matches!(&got, Err(e) if format!("{e:?}").starts_with(v)) {
            failures.push(format!("{input}: got {got:?}, want {v}"));
        }
    }
    let ok63 = format!("{}.com", "a".repeat(63));
    assert!(
        normalise(&ok63, SITE).is_ok(),
        "a 63-character label is allowed"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn unicode_form_is_kept_and_ips_are_marked() {
    let s = normalise("https://www.münchen.de/", SITE).unwrap();
    assert_eq!(s.host_unicode, "münchen.de");
    assert!(
        s.notes.iter().any(|n| n.contains("punycode")),
        "{:?}",
        s.notes
    );
    let s = normalise("https://www.ordnancesurvey.co.uk/mapzone", SITE).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("/mapzone was dropped") && !n.contains("--")),
        "{:?}",
        s.notes
    );
    assert_eq!(
        normalise("192.168.1.10", IP).unwrap().ip,
        Some(IpRange::Private)
    );
    assert_eq!(normalise("8.8.8.8", IP).unwrap().ip, Some(IpRange::Public));
}

#[test]
fn every_refusal_names_the_fix() {
    for bad in [
        "javascript:alert(1)",
        "co.uk",
        "192.168.1.10",
        "http://xn--a.com",
        "http://exa mple.com",
    ] {
        let msg = normalise(bad, SITE).unwrap_err().to_string();
        assert!(
            msg.contains(':') && msg.len() > 40,
            "{bad}: message too thin: {msg}"
        );
    }
    assert!(normalise("192.168.1.10", SITE)
        .unwrap_err()
        .to_string()
        .contains("--allow-ip"));
    assert!(normalise("kent.sch.uk", SITE)
        .unwrap_err()
        .to_string()
        .contains("example.kent.sch.uk"));
}

/// The Public Suffix List's own test file (public domain), bundled as tests/fixtures/filter/.
#[test]
fn public_suffix_list_test_file() {
    let text = include_str!("../../../tests/fixtures/filter/test_psl.txt");
    let mut n = 0;
    let mut failures = Vec::new();
    for line in text.lines() {
        let Some(args) = line
            .trim()
            .strip_prefix("checkPublicSuffix(")
            .and_then(|l| l.strip_suffix(");"))
        else {
            continue;
        };
        let Some((input, want)) = args.split_once(", ") else {
            continue;
        };
        if input == "null" {
            continue;
        }
        let input = input.trim_matches('\'');
        let want = (want != "null").then(|| want.trim_matches('\''));
        n += 1;
        let got = normalise(input, SITE).map(|s| s.registrable_domain);
        let want_ascii = want.map(|w| idna::domain_to_ascii(w).unwrap_or_default());
        match (got, want_ascii) {
            (Ok(g), Some(w)) if g == w => {}
            (Err(_), None) => {}
            (g, w) => failures.push(format!("{input}: got {g:?}, want {w:?}")),
        }
    }
    assert!(n >= 70, "only {n} cases read");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The acceptance checks' PSL cases (registrable domain, or "null" for refused).
#[test]
fn acceptance_psl_cases() {
    let rows = [
        ("uk", None),
        ("co.uk", None),
        ("org.uk", None),
        ("sch.uk", None),
        ("kent.sch.uk", None),
        ("oakfield.kent.sch.uk", Some("oakfield.kent.sch.uk")),
        ("www.oakfield.kent.sch.uk", Some("oakfield.kent.sch.uk")),
        ("gov.uk", None),
        ("www.gov.uk", Some("www.gov.uk")),
        ("WWW.BBC.CO.UK", Some("bbc.co.uk")),
        ("bitesize.bbc.co.uk", Some("bbc.co.uk")),
        (
            "https://www.nationalgeographic.org/education/",
            Some("nationalgeographic.org"),
        ),
        ("http://user@example.org:8080/page", Some("example.org")),
        ("scratch.mit.edu", Some("mit.edu")),
        ("edu", None),
        ("a.b.example.ac.uk", Some("example.ac.uk")),
        ("ac.uk", None),
        ("bücher.de", Some("xn--bcher-kva.de")),
        ("münchen.de", Some("xn--mnchen-3ya.de")),
        ("de", None),
        ("example.net.", Some("example.net")),
    ];
    for (input, want) in rows {
        let got = normalise(input, SITE).ok().map(|s| s.registrable_domain);
        assert_eq!(got.as_deref(), want, "{input}");
    }
}

// ---- the state machine ----

fn t(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn req(id: i64, site: &str, until: Option<NaiveDate>) -> Request {
    let s = normalise(site, SITE).unwrap();
    Request {
        id,
        kind: Kind::Unblock,
        site: site.into(),
        host: s.host,
        host_unicode: s.host_unicode,
        registrable_domain: s.registrable_domain,
        subdomains: s.subdomains,
        path: s.path,
        ip: None,
        scope: Scope::School,
        reason: "Year 9 geography".into(),
        until,
        requested_by: "teacher".into(),
        requested_at: t(1),
    }
}

fn ev(id: i64, request: i64, by: &str, kind: EventKind) -> Event {
    Event {
        id,
        request_id: request,
        at: t(2 + id as u32 % 20),
        by: by.into(),
        review_id: None,
        kind,
    }
}

fn decision(id: i64, role: &str, by: &str, v: Verdict) -> Event {
    ev(
        id,
        1,
        by,
        EventKind::Decision {
            role: role.into(),
            verdict: v,
            comment: "ok".into(),
        },
    )
}

const NM: &str = "network-manager";
const ICT: &str = "ict-coordinator";

fn at(r: &Request, events: &[Event], today: NaiveDate) -> Entry {
    fold(r, events, &default_roles(), today)
}

#[test]
fn pending_to_agreed_needs_both_roles_then_apply() {
    let roles = default_roles();
    let nm = find_role(&roles, NM).unwrap();
    let ict = find_role(&roles, ICT).unwrap();
    let r = req(1, "example.com", None);
    let today = d(2026, 11, 25);
    let e0 = at(&r, &[], today);
    assert_eq!(e0.status, Status::Pending);
    assert_eq!(e0.waiting_for.len(), 2);
    assert!(check_apply(&e0).unwrap_err().contains("not agreed yet"));

    let one = vec![decision(1, NM, "nm", Verdict::Approve)];
    let e1 = at(&r, &one, today);
    assert_eq!(e1.status, Status::Pending, "one approval is not enough");
    assert_eq!(e1.waiting_for, vec!["ICT Coordinator".to_string()]);
    // the same role again, the same person for the other role, the requester approving
    assert!(check_decide(&e1, nm, "other", Verdict::Approve)
        .unwrap_err()
        .contains("already decided"));
    assert!(check_decide(&e1, ict, "nm", Verdict::Approve)
        .unwrap_err()
        .contains("both roles"));
    assert!(check_decide(&e1, ict, "teacher", Verdict::Approve)
        .unwrap_err()
        .contains("cannot approve"));
    assert!(check_decide(&e1, ict, "ict", Verdict::Approve).is_ok());

    let two = vec![one[0].clone(), decision(2, ICT, "ict", Verdict::Approve)];
    let e2 = at(&r, &two, today);
    assert_eq!(e2.status, Status::Agreed);
    assert!(e2.waiting_for.is_empty());
    assert!(check_decide(&e2, ict, "x", Verdict::Reject)
        .unwrap_err()
        .contains("already agreed"));
    assert_eq!(check_apply(&e2), Ok(ApplyStep::Apply));
    assert!(check_revoke(&e2).is_ok());

    let mut three = two.clone();
    three.push(ev(
        3,
        1,
        "nm",
        EventKind::Applied {
            reference: Some("SW-1".into()),
        },
    ));
    let e3 = at(&r, &three, today);
    assert_eq!(e3.status, Status::Applied);
    assert_eq!(e3.applied_ref.as_deref(), Some("SW-1"));
    assert!(e3.in_filter && !e3.due);
    assert!(check_apply(&e3).unwrap_err().contains("already applied"));
    assert!(check_decide(&e3, ict, "x", Verdict::Approve).is_err());

    // revoked while in the filter: due for removal; apply then records the removal
    let mut four = three.clone();
    four.push(ev(
        4,
        1,
        "nm",
        EventKind::Revoked {
            reason: "done".into(),
        },
    ));
    let e4 = at(&r, &four, today);
    assert_eq!(e4.status, Status::Revoked);
    assert!(e4.due);
    assert!(check_decide(&e4, ict, "x", Verdict::Reject)
        .unwrap_err()
        .contains("revoked"));
    assert!(check_revoke(&e4).unwrap_err().contains("revoked"));
    assert_eq!(check_apply(&e4), Ok(ApplyStep::Remove));
    four.push(ev(5, 1, "nm", EventKind::Removed { reference: None }));
    let e5 = at(&r, &four, today);
    assert!(!e5.in_filter && !e5.due);
    assert!(check_apply(&e5).unwrap_err().contains("nothing to apply"));
}

#[test]
fn a_rejection_ends_it() {
    let roles = default_roles();
    let r = req(1, "example.com", None);
    let today = d(2026, 11, 25);
    let e = at(&r, &[decision(1, ICT, "ict", Verdict::Reject)], today);
    assert_eq!(e.status, Status::Rejected);
    let nm = find_role(&roles, NM).unwrap();
    assert!(check_decide(&e, nm, "nm", Verdict::Approve)
        .unwrap_err()
        .contains("rejected"));
    assert!(check_apply(&e).is_err());
    assert!(check_revoke(&e).is_err());
    // a rejection after one approval also ends it; the requester may reject (withdraw)
    let e = at(
        &r,
        &[
            decision(1, NM, "nm", Verdict::Approve),
            decision(2, ICT, "ict", Verdict::Reject),
        ],
        today,
    );
    assert_eq!(e.status, Status::Rejected);
    let p = at(&r, &[], today);
    assert!(check_decide(&p, nm, "teacher", Verdict::Reject).is_ok());
    // a pending request may be revoked (withdrawn)
    assert!(check_revoke(&p).is_ok());
    let w = at(
        &r,
        &[ev(
            1,
            1,
            "teacher",
            EventKind::Revoked {
                reason: "no longer".into(),
            },
        )],
        today,
    );
    assert_eq!(w.status, Status::Revoked);
    assert!(!w.due, "never applied, so nothing to remove");
}

#[test]
fn expiry_follows_the_day_given() {
    let roles = default_roles();
    let r = req(1, "quizlet.com", Some(d(2031, 1, 10)));
    let agreed = vec![
        decision(1, NM, "nm", Verdict::Approve),
        decision(2, ICT, "ict", Verdict::Approve),
    ];
    assert_eq!(at(&r, &agreed, d(2031, 1, 9)).status, Status::Agreed);
    assert_eq!(at(&r, &agreed, d(2031, 1, 9)).days_left, Some(1));
    assert_eq!(
        at(&r, &agreed, d(2031, 1, 10)).status,
        Status::Agreed,
        "the last day counts"
    );
    let e = at(&r, &agreed, d(2031, 1, 11));
    assert_eq!(e.status, Status::Expired);
    assert!(!e.due, "agreed but never applied: nothing to take out");
    let ict = find_role(&roles, ICT).unwrap();
    assert!(check_decide(&e, ict, "x", Verdict::Approve)
        .unwrap_err()
        .contains("expired"));
    // a pending request past its day expires too, and cannot be decided
    let p = at(&r, &[], d(2031, 2, 1));
    assert_eq!(p.status, Status::Expired);
    assert!(check_decide(&p, ict, "ict", Verdict::Approve).is_err());
    // applied and expired: due for removal
    let mut applied = agreed.clone();
    applied.push(ev(3, 1, "nm", EventKind::Applied { reference: None }));
    let e = at(&r, &applied, d(2031, 1, 11));
    assert!(e.due);
    assert_eq!(check_apply(&e), Ok(ApplyStep::Remove));
    // --until in the past is refused
    assert!(check_until(Some(d(2026, 1, 1)), d(2026, 11, 25))
        .unwrap_err()
        .contains("in the past"));
    assert!(check_until(Some(d(2026, 11, 25)), d(2026, 11, 25)).is_ok());
}

#[test]
fn review_items_keep_revoke_shorten() {
    let r = req(1, "quizlet.com", Some(d(2027, 6, 1)));
    let agreed = vec![
        decision(1, NM, "nm", Verdict::Approve),
        decision(2, ICT, "ict", Verdict::Approve),
    ];
    let today = d(2026, 11, 25);
    let e = at(&r, &agreed, today);
    assert!(check_review_item(&e, ReviewAction::Keep, None, today).is_ok());
    assert!(check_review_item(&e, ReviewAction::Revoke, None, today).is_ok());
    assert!(check_review_item(&e, ReviewAction::Shorten, None, today)
        .unwrap_err()
        .contains("--until"));
    assert!(
        check_review_item(&e, ReviewAction::Shorten, Some(d(2027, 7, 1)), today)
            .unwrap_err()
            .contains("earlier")
    );
    assert!(
        check_review_item(&e, ReviewAction::Shorten, Some(d(2026, 1, 1)), today)
            .unwrap_err()
            .contains("past")
    );
    assert!(check_review_item(&e, ReviewAction::Keep, Some(d(2027, 1, 1)), today).is_err());
    let mut shortened = agreed.clone();
    shortened.push(ev(
        3,
        1,
        "nm",
        EventKind::UntilChanged {
            until: d(2027, 1, 1),
            note: "term ends".into(),
        },
    ));
    assert_eq!(at(&r, &shortened, today).until, Some(d(2027, 1, 1)));
    let p = at(&r, &[], today);
    assert!(check_review_item(&p, ReviewAction::Keep, None, today)
        .unwrap_err()
        .contains("not an active"));
}

#[test]
fn who_may_act_in_a_role() {
    let mut roles = default_roles();
    assert!(eligible(&roles[0], "x", Some("staff")).is_ok());
    assert!(eligible(&roles[0], "x", Some("pupil"))
        .unwrap_err()
        .contains("not a staff account"));
    roles[0].usernames = vec!["spatel".into()];
    assert!(eligible(&roles[0], "SPatel", Some("pupil")).is_ok());
    assert!(eligible(&roles[0], "kmensah", Some("staff"))
        .unwrap_err()
        .contains("lists only spatel"));
    assert!(find_role(&roles, "head")
        .unwrap_err()
        .contains("network-manager"));
}

#[test]
fn scopes_parse_and_apply() {
    assert_eq!(Scope::parse("Year 9"), Ok(Scope::Year(9)));
    assert_eq!(Scope::parse("y10"), Ok(Scope::Year(10)));
    assert_eq!(
        Scope::parse("group:Geography Club"),
        Ok(Scope::Group("Geography Club".into()))
    );
    assert!(Scope::parse("year-20").is_err());
    assert!(Scope::parse("everybody-ish").is_err());
    assert!(Scope::School.applies_to(&Scope::Year(9)));
    assert!(Scope::Pupils.applies_to(&Scope::Year(9)));
    assert!(!Scope::Staff.applies_to(&Scope::Pupils));
    assert!(!Scope::Year(9).applies_to(&Scope::Pupils));
    assert_eq!(Scope::Year(9).to_string(), "year-9");
}

#[test]
fn review_intervals() {
    assert_eq!(interval_days("termly"), Ok(122));
    assert_eq!(interval_days("annually"), Ok(365));
    assert_eq!(interval_days("90 days"), Ok(90));
    assert!(interval_days("400 days").is_err());
    assert!(interval_days("fortnightly-ish").is_err());
}

// ---- exports against expected files ----

fn export_fixture() -> Vec<Entry> {
    let today = d(2026, 11, 25);
    let both = |id: i64| {
        vec![
            Event {
                request_id: id,
                ..decision(id * 10, NM, "nm", Verdict::Approve)
            },
            Event {
                request_id: id,
                ..decision(id * 10 + 1, ICT, "ict", Verdict::Approve)
            },
        ]
    };
    let mut out = Vec::new();
    // 1 agreed site, 2 applied page, 3 pending, 4 revoked, 5 expired, 6 rejected, 7 wildcard
    // agreed, 8 IDN applied, 9 staff-only agreed, 10 block agreed
    let mk = |id: i64, site: &str, opts: SiteOptions, until: Option<NaiveDate>| {
        let s = normalise(site, opts).unwrap();
        Request {
            id,
            site: site.into(),
            host: s.host,
            host_unicode: s.host_unicode,
            registrable_domain: s.registrable_domain,
            subdomains: s.subdomains,
            path: s.path,
            ..req(id, "example.com", until)
        }
    };
    let roles = default_roles();
    let r1 = mk(1, "https://www.ordnancesurvey.co.uk/mapzone", SITE, None);
    out.push(fold(&r1, &both(1), &roles, today));
    let r2 = mk(2, "https://www.ordnancesurvey.co.uk/mapzone", PAGE, None);
    let mut e2 = both(2);
    e2.push(ev(
        22,
        2,
        "nm",
        EventKind::Applied {
            reference: Some("SW-2".into()),
        },
    ));
    out.push(fold(&r2, &e2, &roles, today));
    out.push(fold(&mk(3, "quizlet.com", SITE, None), &[], &roles, today));
    let mut e4 = both(4);
    e4.push(ev(
        42,
        4,
        "nm",
        EventKind::Revoked {
            reason: "done".into(),
        },
    ));
    out.push(fold(&mk(4, "discord.com", SITE, None), &e4, &roles, today));
    out.push(fold(
        &mk(5, "padlet.com", SITE, Some(d(2026, 11, 1))),
        &both(5),
        &roles,
        today,
    ));
    out.push(fold(
        &mk(6, "tiktok.com", SITE, None),
        &[Event {
            request_id: 6,
            ..decision(60, ICT, "ict", Verdict::Reject)
        }],
        &roles,
        today,
    ));
    out.push(fold(
        &mk(7, "*.scratch.mit.edu", SITE, None),
        &both(7),
        &roles,
        today,
    ));
    let mut e8 = both(8);
    e8.push(ev(82, 8, "nm", EventKind::Applied { reference: None }));
    out.push(fold(
        &mk(8, "münchen.de", SITE, Some(d(2027, 1, 31))),
        &e8,
        &roles,
        today,
    ));
    let r9 = Request {
        scope: Scope::Staff,
        ..mk(9, "teams.microsoft.com", SITE, None)
    };
    out.push(fold(&r9, &both(9), &roles, today));
    let r10 = Request {
        kind: Kind::Block,
        ..mk(10, "coolmathgames.com", SITE, None)
    };
    out.push(fold(&r10, &both(10), &roles, today));
    out
}

#[test]
fn exports_match_the_expected_files() {
    let entries = export_fixture();
    let today = d(2026, 11, 25);
    let school = ExportQuery {
        kind: Kind::Unblock,
        scope: Some(Scope::School),
    };
    assert_eq!(
        domains(&entries, &school, "Test Academy", today),
        include_str!("../../../tests/fixtures/filter/domains-school.txt")
    );
    assert_eq!(
        urls(&entries, &school, "Test Academy", today),
        include_str!("../../../tests/fixtures/filter/urls-school.txt")
    );
    let staff = ExportQuery {
        kind: Kind::Unblock,
        scope: Some(Scope::Staff),
    };
    assert_eq!(
        domains(&entries, &staff, "Test Academy", today),
        include_str!("../../../tests/fixtures/filter/domains-staff.txt")
    );
    let block = ExportQuery {
        kind: Kind::Block,
        scope: None,
    };
    assert_eq!(
        domains(&entries, &block, "Test Academy", today),
        include_str!("../../../tests/fixtures/filter/domains-block.txt")
    );
}

#[test]
fn governors_report_counts_and_next_due() {
    let entries = export_fixture();
    let reviews = vec![Review {
        id: 1,
        started_at: t(10),
        started_by: "nm".into(),
        items: vec![1],
        closed: Some(ReviewClose {
            at: t(10),
            by: "nm".into(),
            checks: "sample of blocked categories".into(),
            note: String::new(),
        }),
    }];
    let rep = report(
        "Test Academy",
        &reviews,
        &entries,
        &[],
        d(2026, 11, 25),
        122,
    );
    assert_eq!(rep.next_due, d(2027, 3, 12));
    assert!(!rep.overdue);
    assert_eq!(
        rep.active.len(),
        6,
        "{:?}",
        rep.active.iter().map(|a| a.id).collect::<Vec<_>>()
    );
    let none = report("Test Academy", &[], &entries, &[], d(2026, 11, 25), 122);
    assert!(none.overdue && none.last_review.is_none());
    assert_eq!(none.since.received, entries.len());
    assert_eq!(none.since.rejected, 1);
    let text = super::review::render_text(&rep);
    assert!(text.contains("Next review due: 2027-03-12"), "{text}");
    let md = super::review::render_markdown(&rep);
    assert!(md.contains("| # | Kind | Site |"), "{md}");
}
