use super::mis::*;
use super::*;
use crate::domain::time::LondonDate;
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
    let today = now().london_date();
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
    let today = now().london_date();
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
        date: now().london_date(),
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

fn on(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

fn verdict<'a>(m: &'a mis::Matched, user: &str) -> &'a MisVerdict {
    m.verdicts
        .get(user)
        .unwrap_or_else(|| panic!("no verdict for {user}: {m:?}"))
}

fn is_review(v: &MisVerdict, needle: &str) -> bool {
    matches!(v, MisVerdict::Review { why, .. } if why.contains(needle))
}

#[test]
fn an_id_matching_nobody_never_falls_back_to_someone_elses_username() {
    // The defect: `P777777,24santosl,Jordan,Whitfield` planned the suspension of Lewis Santos.
    let mut lewis = person("24santosl", Some("P112764"), "Lewis", "Santos");
    lewis.display_name = Some("Lewis Santos".into());
    let accounts = vec![
        lewis,
        person("noid.same", None, "Ann", "Other"),
        person("noid.differs", None, "Bea", "Smith"),
    ];
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let rows = vec![
        row(2, "P777777", "24santosl", "Jordan", "Whitfield"),
        // An id-less account with the row's name: the username may be used.
        row(3, "P555", "NOID.SAME", "Ann", "Other"),
        // An id-less account with another name: review.
        row(4, "P556", "noid.differs", "Cara", "Jones"),
    ];
    let m = match_rows(&rows, &accounts, Mode::Leavers, today);
    assert!(
        is_review(
            verdict(&m, "24santosl"),
            "the row's id P777777 matches no account; 24santosl belongs to Lewis Santos, P112764"
        ),
        "{m:?}"
    );
    assert!(matches!(verdict(&m, "noid.same"), MisVerdict::Left { .. }));
    assert!(is_review(
        verdict(&m, "noid.differs"),
        "belongs to Bea Smith"
    ));
    // Even when the row's name is the account's, an account with its own MIS id is not
    // named by another id's row.
    let m = match_rows(
        &[row(2, "P777777", "24santosl", "Lewis", "Santos")],
        &accounts,
        Mode::Leavers,
        today,
    );
    assert!(is_review(verdict(&m, "24santosl"), "matches no account"));
}

#[test]
fn an_id_whose_account_has_another_name_is_for_review() {
    let mut made_today = person("new.pupil", Some("P42"), "Noah", "Fresh");
    made_today.created = Some(on(2026, 11, 30));
    let mut accented = person("zoe.garcia", Some("P8"), "Zoé", "García");
    accented.created = Some(on(2024, 9, 1));
    let mut nameless = person("p.nameless", Some("P9"), "", "");
    nameless.given_name = None;
    nameless.surname = None;
    nameless.created = Some(on(2026, 11, 29));
    let accounts = vec![made_today, accented, nameless];
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let rows = vec![
        // Someone else who left last week has the id the new account was given.
        row(2, "P42", "", "Olive", "Gone"),
        // Case, accents and spacing are the same name.
        row(3, "P8", "", " zoe ", "GARCIA"),
        // No name to compare, made after the leaving date: review.
        row(4, "P9", "", "", ""),
    ];
    let m = match_rows(&rows, &accounts, Mode::Leavers, today);
    let v = verdict(&m, "new.pupil");
    assert!(
        is_review(
            v,
            "the row's id P42 is new.pupil's, but the row names Olive Gone"
        ),
        "{v:?}"
    );
    assert!(is_review(v, "after the row's leaving date"), "{v:?}");
    assert!(matches!(verdict(&m, "zoe.garcia"), MisVerdict::Left { .. }));
    assert!(is_review(
        verdict(&m, "p.nameless"),
        "after the row's leaving date"
    ));
    // A review says why wherever it is shown: it is the finding's evidence.
    let a = &accounts[0];
    let f = evaluate(a, Some(v), None, None, &Rules::default(), now());
    assert!(f
        .iter()
        .any(|f| f.action == Action::Review && f.evidence.contains("Olive Gone")));
    assert!(!f.iter().any(|f| f.action == Action::Suspend));
}

#[test]
fn one_persons_accounts_sharing_an_id_are_one_leaver_with_links() {
    let mut main = person("spatel", Some("S1"), "Sam", "Patel");
    main.display_name = Some("Sam Patel".into());
    let mut adm = person("adm-spatel", Some("S1"), "Sam", "Patel");
    adm.display_name = Some("Sam Patel (Admin)".into());
    let accounts = vec![main, adm, person("spatel-admin", None, "Sam", "Patel")];
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let m = match_rows(
        &[row(2, "S1", "", "Sam", "Patel")],
        &accounts,
        Mode::Leavers,
        today,
    );
    assert!(
        matches!(verdict(&m, "spatel"), MisVerdict::Left { .. }),
        "{m:?}"
    );
    assert!(!m.verdicts.contains_key("adm-spatel"));
    let patterns = vec!["adm-{username}".to_string(), "{username}-admin".to_string()];
    let links = linked::Links::new(&accounts, &patterns);
    let of: Vec<(String, String)> = links
        .of(&accounts[0])
        .into_iter()
        .map(|(a, why)| (a.username.clone(), why))
        .collect();
    assert_eq!(
        of,
        vec![
            ("adm-spatel".to_string(), "adm-{username}".to_string()),
            ("spatel-admin".to_string(), "{username}-admin".to_string()),
        ]
    );
    // Either way round: the admin account's everyday account.
    assert_eq!(links.of(&accounts[1])[0].0.username, "spatel");
    // One id on two people's accounts is a mistake, not a link.
    let twins = vec![
        person("twin1", Some("P9"), "Tom", "One"),
        person("twin2", Some("P9"), "Tim", "Two"),
    ];
    assert!(linked::Links::new(&twins, &[]).of(&twins[0]).is_empty());
    // A protected linked account is left to disable by hand, with the rule.
    let l = linked::Linked::new(
        &accounts[1],
        "adm-{username}".into(),
        Some("IT Admins".into()),
    );
    assert_eq!(l.action, linked::LinkedAction::ByHand);
    assert!(l
        .describe()
        .contains("to disable by hand: protected (IT Admins)"));
}

fn record(user: &str, id: Option<&str>, on: NaiveDate) -> SuspendedRecord {
    SuspendedRecord {
        username: user.into(),
        object_id: id.map(String::from),
        on,
        role: Some("pupil".into()),
    }
}

#[test]
fn a_purge_follows_the_suspended_object_not_the_name() {
    let today = now().london_date();
    let rules = Rules {
        leavers_ou: Some("OU=Leavers,DC=s,DC=t".into()),
        ..Rules::default()
    };
    let long_ago = today - Duration::days(60);
    let mut a = acct("21berrym", "pupil");
    a.object_id = Some("guid-a".into());
    a.enabled = false;
    a.dn = "CN=Maja Berry,OU=Leavers,DC=s,DC=t".into();
    a.description = Some(suspend_stamp(long_ago - Duration::days(10), long_ago));
    let purge = |a: &Account, recs: &[SuspendedRecord]| {
        evaluate(
            a,
            None,
            suspension_for(a, recs).as_ref(),
            None,
            &rules,
            now(),
        )
        .iter()
        .any(|f| f.reason == Reason::OverduePurge)
    };
    let recs = vec![record("21berrym", Some("GUID-A"), long_ago)];
    assert!(purge(&a, &recs));
    // No record of this object (the restore ended it, or it never was): nothing is due,
    // whatever the stamp says.
    assert!(!purge(&a, &[]));
    // Restored, enabled, then disabled for "off sick": no stamp, not in the Leavers OU.
    let mut sick = a.clone();
    sick.description = Some("off sick".into());
    sick.dn = "CN=Maja Berry,OU=Year 11,DC=s,DC=t".into();
    assert!(!purge(&sick, &recs));
    // A new account with the same username (another object) inherits nothing.
    let mut reused = a.clone();
    reused.object_id = Some("guid-b".into());
    assert!(!purge(&reused, &recs));
    assert!(suspension_for(&reused, &recs).is_none());
    // A legacy record (no object id) still counts by username, and says so.
    let legacy = vec![record("21BERRYM", None, long_ago)];
    let s = suspension_for(&a, &legacy).expect("legacy match");
    assert!(s.legacy);
    let f = evaluate(&a, None, Some(&s), None, &rules, now());
    assert!(f[0].evidence.contains("legacy"), "{f:?}");
}
