use super::*;

const BASE: &str = "DC=s,DC=t";

fn pupil(user: &str, id: &str, given: &str, sn: &str, year: u32, form: &str) -> Account {
    Account {
        username: user.into(),
        dn: format!("CN={given} {sn},OU=Year {year},OU=Pupils,{BASE}"),
        display_name: Some(format!("{given} {sn}")),
        given_name: Some(given.into()),
        surname: Some(sn.into()),
        role: Some("pupil".into()),
        enabled: true,
        groups: vec![
            "Pupils".into(),
            format!("Year {year}"),
            format!("Form {form}"),
        ],
        mis_id: Some(id.into()),
        ..Default::default()
    }
}

fn row(line: usize, id: &str, given: &str, sn: &str, year: u32, form: &str) -> RollRow {
    RollRow {
        line,
        id: id.into(),
        given: given.into(),
        surname: sn.into(),
        role: "pupil".into(),
        year: Some(year),
        form: form.into(),
        ..Default::default()
    }
}

fn layouts() -> BTreeMap<String, Layout> {
    [(
        "pupil".to_string(),
        Layout {
            ou: format!("OU=Year {{year}},OU=Pupils,{BASE}"),
            groups: vec!["Pupils".into(), "Year {year}".into(), "Form {form}".into()],
            username: "{given}.{surname}".into(),
        },
    )]
    .into_iter()
    .collect()
}

fn run(rows: &[RollRow], accounts: &[Account], marks: &[Mark], pct: f64) -> Plan {
    let l = layouts();
    let roles = vec!["pupil".to_string(), "staff".to_string()];
    let prot = |a: &Account| (a.username == "boss").then(|| "protected account".to_string());
    let tol = |_: &str| 30;
    plan(
        &Input {
            rows,
            accounts,
            marks,
            layouts: &l,
            protected: &prot,
            leavers_ou: Some("OU=Leavers,DC=s,DC=t"),
            tolerate_days: &tol,
            roles: &roles,
            max_missing_percent: pct,
            held_description: "held",
            today: NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
            named_by_username: false,
        },
        BASE,
    )
}

fn school() -> (Vec<Account>, Vec<RollRow>) {
    let mut accounts = Vec::new();
    let mut rows = Vec::new();
    for i in 0..20u32 {
        let y = 7 + i % 5;
        let f = format!("{y}A");
        let id = format!("P{i}");
        accounts.push(pupil(
            &format!("u{i}"),
            &id,
            &format!("G{i}"),
            "Smith",
            y,
            &f,
        ));
        rows.push(row(i as usize + 2, &id, &format!("G{i}"), "Smith", y, &f));
    }
    (accounts, rows)
}

#[test]
fn the_roll_as_the_directory_has_it_plans_nothing() {
    let (accounts, rows) = school();
    let p = run(&rows, &accounts, &[], 20.0);
    assert!(!p.has_work(), "{p:?}");
    assert_eq!(p.unchanged, 20);
}

#[test]
fn joiners_movers_renames_missing_and_returners() {
    let (mut accounts, mut rows) = school();
    rows.push(row(40, "P99", "Łukasz", "Wójcik", 7, "7B"));
    rows[1].form = "8B".into(); // a form change
    rows[2].year = Some(10); // a year change (9 → 10)
    rows[2].form = "10A".into();
    rows[3].surname = "Jones".into(); // a rename
    rows.remove(4); // missing (P4)
    accounts[5].enabled = false; // a returner in the Leavers OU
    accounts[5].dn = format!("CN=G5 Smith,OU=Leavers,{BASE}");
    let p = run(&rows, &accounts, &[], 20.0);
    assert_eq!(p.create.len(), 1);
    assert!(
        matches!(&p.create[0].detail, Detail::Create { ou: Some(o), groups, .. }
        if o.starts_with("OU=Year 7,") && groups.contains(&"Form 7B".to_string()))
    );
    let moved: Vec<&str> = p.moves.iter().map(|e| e.item.mis_id.as_str()).collect();
    assert_eq!(moved, vec!["P2", "P1"], "top year first");
    assert_eq!(p.rename.len(), 1);
    assert_eq!(p.rename[0].item.mis_id, "P3");
    assert_eq!(p.tolerate.len(), 1);
    assert_eq!(p.tolerate[0].item.mis_id, "P4");
    assert_eq!(p.reactivate.len(), 1);
    assert!(p.review.is_empty(), "{:?}", p.review);
    assert_eq!(p.unchanged, 20 - 1 - 2 - 1 - 1);
    let Detail::Move(m) = &p.moves[1].detail else {
        panic!()
    };
    assert_eq!(m.add, vec!["Form 8B".to_string()]);
    assert_eq!(m.remove, vec!["Form 8A".to_string()]);
    assert!(m.to_ou.is_none());
}

#[test]
fn a_bad_export_is_refused_naming_counts_and_nothing_is_planned() {
    let (accounts, rows) = school();
    let p = run(&rows[..14], &accounts, &[], 20.0);
    let why = p.refused.expect("refused");
    assert!(why.contains("6 of 20 pupil accounts"), "{why}");
    assert!(p.tolerate.is_empty() && p.create.is_empty());
}

#[test]
fn a_whole_year_missing_is_refused_but_not_the_top_year() {
    let (accounts, rows) = school();
    let no8: Vec<RollRow> = rows.iter().filter(|r| r.year != Some(8)).cloned().collect();
    let p = run(&no8, &accounts, &[], 50.0);
    assert!(
        p.refused.as_deref().unwrap_or("").contains("Year 8"),
        "{p:?}"
    );
    let no11: Vec<RollRow> = rows
        .iter()
        .filter(|r| r.year != Some(11))
        .cloned()
        .collect();
    let p = run(&no11, &accounts, &[], 50.0);
    assert!(p.refused.is_none());
    assert_eq!(p.tolerate.len(), 4);
}

#[test]
fn duplicates_both_names_and_protected_go_to_review_with_why() {
    let (mut accounts, mut rows) = school();
    rows.push(row(50, "P1", "G1", "Smith", 8, "8A")); // P1 twice
    rows[0].given = "Zed".into();
    rows[0].surname = "Other".into(); // both names differ
    accounts[2].username = "boss".into();
    rows[2].form = "9C".into(); // would move a protected account
    let p = run(&rows, &accounts, &[], 20.0);
    let why: Vec<&str> = p.review.iter().map(|e| e.item.reason.as_str()).collect();
    assert_eq!(p.review.len(), 3, "{why:?}");
    assert!(why.iter().any(|w| w.contains("on 2 rows")));
    assert!(why
        .iter()
        .any(|w| w.contains("both given name and surname")));
    assert!(why.iter().any(|w| w.contains("protected")));
    assert!(p.moves.is_empty() && p.rename.is_empty());
}

#[test]
fn a_tolerated_account_past_its_days_is_said_so() {
    let (accounts, rows) = school();
    let marks = vec![Mark {
        mis_id: "P4".into(),
        username: "u4".into(),
        first: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        last: NaiveDate::from_ymd_opt(2026, 7, 20).unwrap(),
    }];
    let rows: Vec<RollRow> = rows.into_iter().filter(|r| r.id != "P4").collect();
    let p = run(&rows, &accounts, &marks, 20.0);
    assert!(p.tolerate[0].item.reason.contains("left-roll"));
    assert!(!p.has_work());
}

#[test]
fn the_rollover_keeps_names_unique_in_each_ou() {
    // Year 12's Amy Smith moves to Year 13 where a tolerated Amy Smith stays.
    let a = pupil("amy.smith", "P1", "Amy", "Smith", 12, "12A");
    let b = pupil("amy.smith2", "P2", "Amy", "Smith", 13, "13A");
    let c = pupil("bo.li", "P3", "Bo", "Li", 11, "11A");
    let rows = vec![
        row(2, "P1", "Amy", "Smith", 13, "13A"),
        row(3, "P3", "Bo", "Li", 12, "12A"),
    ];
    let p = run(&rows, &[a, b, c], &[], 60.0);
    let Detail::Move(m) = &p.moves[0].detail else {
        panic!()
    };
    assert_eq!(m.new_name.as_deref(), Some("Amy Smith (amy.smith)"));
    assert_eq!(p.moves[0].item.mis_id, "P1", "top year first");
    let s = p.summary_by_year();
    assert!(
        s.contains(&"Year 12 → Year 13: 1 account".to_string()),
        "{s:?}"
    );
    assert!(s.contains(&"Year 13: 1 tolerated".to_string()), "{s:?}");
}
