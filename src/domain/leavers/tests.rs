use super::mis::*;
use super::*;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap()
}

fn acct(user: &str, role: &str) -> Account {
    Account {
        username: user.into(),
        dn: format!("CN={user},OU=Staff,DC=s,DC=t"),
        role: Some(role.into()),
        enabled: true,
        created: Some(now() - Duration::days(400)),
        last_logon: Some(now() - Duration::days(1)),
        ..Default::default()
    }
}

fn reasons(a: &Account, mis: Option<&MisVerdict>, rules: &Rules) -> Vec<(Reason, Action)> {
    evaluate(a, mis, None, None, rules, now())
        .into_iter()
        .map(|f| (f.reason, f.action))
        .collect()
}

#[test]
fn inactive_boundaries_with_the_lag() {
    let rules = Rules::default();
    // (days since last logon, inactive?) with 90 days + 14 days of lag.
    for (days, want) in [
        (89, false),
        (90, false),
        (103, false),
        (104, false),
        (105, true),
        (400, true),
    ] {
        let mut a = acct("t", "staff");
        a.last_logon = Some(now() - Duration::days(days));
        let got = reasons(&a, None, &rules).contains(&(Reason::Inactive, Action::Review));
        assert_eq!(got, want, "day {days}");
    }
    // A role with its own limit.
    let mut rules = Rules::default();
    rules.inactive_days.insert("pupil".into(), 30);
    let mut a = acct("p", "pupil");
    a.last_logon = Some(now() - Duration::days(45));
    assert_eq!(
        reasons(&a, None, &rules),
        vec![(Reason::Inactive, Action::Review)]
    );
    a.role = Some("staff".into());
    assert!(reasons(&a, None, &rules).is_empty());
}

#[test]
fn created_inside_the_window_is_not_inactive() {
    let mut a = acct("t", "staff");
    a.last_logon = Some(now() - Duration::days(200));
    a.created = Some(now() - Duration::days(100));
    assert!(reasons(&a, None, &Rules::default()).is_empty());
    a.created = Some(now() - Duration::days(105));
    assert_eq!(reasons(&a, None, &Rules::default()).len(), 1);
}

#[test]
fn never_used_after_30_days() {
    for (days, want) in [(29, false), (30, false), (31, true)] {
        let mut a = acct("n", "pupil");
        a.last_logon = None;
        a.created = Some(now() - Duration::days(days));
        let got =
            reasons(&a, None, &Rules::default()).contains(&(Reason::NeverUsed, Action::Review));
        assert_eq!(got, want, "day {days}");
    }
}

#[test]
fn suspend_reasons_make_review_reasons_suspend() {
    let rules = Rules {
        suspend_reasons: vec![Reason::NeverUsed],
        ..Rules::default()
    };
    let mut a = acct("n", "pupil");
    a.last_logon = None;
    assert_eq!(
        reasons(&a, None, &rules),
        vec![(Reason::NeverUsed, Action::Suspend)]
    );
}

#[test]
fn left_today_past_and_future() {
    let rules = Rules::default();
    let a = acct("l", "pupil");
    let v = |d: NaiveDate| MisVerdict::Left {
        date: d,
        source: "MIS export line 2".into(),
    };
    let today = now().date_naive();
    assert_eq!(
        reasons(&a, Some(&v(today)), &rules),
        vec![(Reason::Left, Action::Suspend)]
    );
    assert_eq!(
        reasons(&a, Some(&v(today - Duration::days(30))), &rules).len(),
        1
    );
    assert!(
        reasons(&a, Some(&v(today + Duration::days(1))), &rules).is_empty(),
        "future leaving date is not acted on"
    );
    let f = &evaluate(&a, Some(&v(today)), None, None, &rules, now())[0];
    assert!(
        f.evidence.contains("MIS export line 2") && f.evidence.contains("still enabled"),
        "{}",
        f.evidence
    );
    // Disabled and already in the Leavers OU: nothing to do.
    let mut rules = Rules {
        leavers_ou: Some("OU=Leavers,DC=s,DC=t".into()),
        ..Rules::default()
    };
    let mut gone = a.clone();
    gone.enabled = false;
    gone.dn = "CN=l,OU=Leavers,DC=s,DC=t".into();
    assert!(reasons(&gone, Some(&v(today)), &rules).is_empty());
    // Disabled but not moved (an interrupted sweep): still to finish.
    gone.dn = a.dn.clone();
    assert_eq!(
        reasons(&gone, Some(&v(today)), &rules),
        vec![(Reason::Left, Action::Suspend)]
    );
    rules.leavers_ou = None;
    assert!(reasons(&gone, Some(&v(today)), &rules).is_empty());
}

#[test]
fn expired_and_guest_expired() {
    let mut a = acct("e", "staff");
    a.expires = Some(now() - Duration::days(1));
    assert_eq!(
        reasons(&a, None, &Rules::default()),
        vec![(Reason::Expired, Action::Suspend)]
    );
    a.role = Some("guest".into());
    assert_eq!(
        reasons(&a, None, &Rules::default()),
        vec![(Reason::GuestExpired, Action::Suspend)]
    );
    a.expires = Some(now() + Duration::days(1));
    assert!(reasons(&a, None, &Rules::default()).is_empty());
}

#[test]
fn overdue_purge_by_grace_per_role() {
    let rules = Rules::default();
    let mut a = acct("o", "pupil");
    a.enabled = false;
    let today = now().date_naive();
    for (role, days, want) in [
        ("pupil", 30, false),
        ("pupil", 31, true),
        ("staff", 90, false),
        ("staff", 91, true),
        ("guest", 1, true),
    ] {
        a.description = Some(suspend_stamp(
            today - Duration::days(days + 5),
            today - Duration::days(days),
        ));
        a.role = Some(role.into());
        let s = Suspension {
            on: today - Duration::days(days),
            role: Some(role.into()),
            legacy: false,
        };
        let got = evaluate(&a, None, Some(&s), None, &rules, now())
            .iter()
            .any(|f| f.reason == Reason::OverduePurge && f.action == Action::Purge);
        assert_eq!(got, want, "{role} {days}");
        // A stamp alone, without the sweep's record of this object, purges nothing.
        assert!(reasons(&a, None, &rules).is_empty(), "{role} {days}");
    }
    // The store's record (role before suspension) wins over the stamp.
    let s = Suspension {
        on: today - Duration::days(40),
        role: Some("staff".into()),
        legacy: false,
    };
    a.role = None;
    assert!(evaluate(&a, None, Some(&s), None, &rules, now()).is_empty());
}

#[test]
fn protected_accounts_are_listed_never_actioned() {
    let mut a = acct("Administrator", "admin");
    a.last_logon = Some(now() - Duration::days(300));
    let f = evaluate(
        &a,
        None,
        None,
        Some("member of Domain Admins"),
        &Rules::default(),
        now(),
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].protected && f[0].action == Action::None, "{f:?}");
    let left = MisVerdict::Left {
        date: now().date_naive(),
        source: "x".into(),
    };
    let f = evaluate(
        &a,
        Some(&left),
        None,
        Some("Domain Admins"),
        &Rules::default(),
        now(),
    );
    assert!(f.iter().all(|f| f.action == Action::None && f.protected));
}

#[test]
fn stamp_round_trips() {
    let l = NaiveDate::from_ymd_opt(2026, 7, 20).unwrap();
    let s = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    assert_eq!(
        suspend_stamp(l, s),
        "Left 2026-07-20; suspended by schooltech 2026-11-30"
    );
    assert_eq!(parse_stamp(&suspend_stamp(l, s)), Some((l, s)));
    assert_eq!(parse_stamp("Maths teacher"), None);
}

#[test]
fn mis_dates_never_guessed() {
    let d = |y, m, dd| Ok(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
    assert_eq!(parse_mis_date("25/11/2026"), d(2026, 11, 25));
    assert_eq!(parse_mis_date("5/1/2026"), d(2026, 1, 5));
    assert_eq!(parse_mis_date("25-11-2026"), d(2026, 11, 25));
    assert_eq!(parse_mis_date("2026-11-25"), d(2026, 11, 25));
    for bad in [
        "31/02/2026",
        "03/04/05",
        "2026-13-01",
        "",
        "next week",
        "25/11/26",
    ] {
        let e = parse_mis_date(bad).unwrap_err();
        assert!(e.contains(bad.trim()), "{bad}: {e}");
    }
    assert!(parse_mis_date("03/04/05")
        .unwrap_err()
        .contains("two-digit"));
}

fn row(line: usize, id: &str, user: &str, first: &str, last: &str) -> MisRow {
    MisRow {
        line,
        id: id.into(),
        username: user.into(),
        first_name: first.into(),
        last_name: last.into(),
        role: "Pupil".into(),
        leaving_date: NaiveDate::from_ymd_opt(2026, 7, 20),
    }
}

fn person(user: &str, id: Option<&str>, given: &str, sur: &str) -> Account {
    Account {
        username: user.into(),
        mis_id: id.map(String::from),
        given_name: Some(given.into()),
        surname: Some(sur.into()),
        enabled: true,
        role: Some("pupil".into()),
        ..Default::default()
    }
}

#[test]
fn matching_by_id_then_username_similar_names_for_review() {
    let accounts = vec![
        person("ann.lee", Some("P1"), "Ann", "Lee"),
        person("bob.ray", None, "Bob", "Ray"),
        person("zoe.brontë", None, "Zoë", "Brontë"),
        person("twin1", Some("P9"), "Tom", "One"),
        person("twin2", Some("P9"), "Tim", "Two"),
    ];
    let rows = vec![
        row(2, "P1", "", "Ann", "Lee"),
        row(3, "", "BOB.RAY", "Bob", "Ray"),
        row(4, "P77", "", "Zoe", "Bronte"),
        row(5, "P9", "", "Tom", "One"),
        row(6, "P1", "ann.lee", "Ann", "Lee"),
        row(7, "P404", "", "Nobody", "Known"),
    ];
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let m = match_rows(&rows, &accounts, Mode::Leavers, today);
    assert!(
        matches!(&m.verdicts["ann.lee"], MisVerdict::Left { source, .. } if source.contains("line 2 and line 6")),
        "{m:?}"
    );
    assert!(matches!(&m.verdicts["bob.ray"], MisVerdict::Left { .. }));
    assert!(
        matches!(&m.verdicts["zoe.brontë"], MisVerdict::Review { why, .. } if why.contains("similar name"))
    );
    assert!(
        matches!(&m.verdicts["twin1"], MisVerdict::Review { why, .. } if why.contains("2 accounts"))
    );
    assert!(matches!(&m.verdicts["twin2"], MisVerdict::Review { .. }));
    assert_eq!(m.notes.len(), 1);
    assert!(m.notes[0].contains("line 7"));
    // Roll mode: pupils and staff not on roll have left.
    let roll = vec![
        row(2, "P1", "", "Ann", "Lee"),
        row(3, "", "bob.ray", "", ""),
    ];
    let m = match_rows(&roll, &accounts, Mode::Roll, today);
    let keys: Vec<&str> = m.verdicts.keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["twin1", "twin2", "zoe.brontë"]);
}
