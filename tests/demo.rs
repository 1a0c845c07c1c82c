//! The demo directory: the bundled school loads whole, looks realistic, and every trait
//! method behaves as Active Directory would.

use chrono::{Duration, NaiveDate, Utc};
use schooltech::config::DirectoryConfig;
use schooltech::directory::demo::{DemoDirectory, BUNDLED_LDIF, DEMO_BASE_DN};
use schooltech::directory::{from_config, Directory, Flavour, Secret};
use schooltech::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use schooltech::domain::policy::PolicySettings;
use schooltech::domain::roles::RoleMap;
use std::time::Instant;

const GOOD_PW: &str = "Maple-Kettle-42";

fn demo() -> DemoDirectory {
    DemoDirectory::bundled(RoleMap::default()).expect("bundled demo loads")
}

async fn all(d: &DemoDirectory) -> Vec<Account> {
    let l = d.search_accounts(&AccountQuery::default()).await.unwrap();
    assert_eq!(l.skipped, 0);
    l.accounts
}

async fn find(d: &DemoDirectory, text: &str) -> Vec<Account> {
    d.search_accounts(&AccountQuery {
        search: Some(text.into()),
        ..Default::default()
    })
    .await
    .unwrap()
    .accounts
}

async fn get(d: &DemoDirectory, login: &str) -> Account {
    d.get_account(login)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{login} exists"))
}

fn group(name: &str) -> String {
    format!("CN={name},OU=Groups,OU=School,{DEMO_BASE_DN}")
}

#[tokio::test]
async fn bundled_school_loads_whole() {
    let t = Instant::now();
    let d = demo();
    let load = t.elapsed();
    let t = Instant::now();
    let accounts = all(&d).await;
    println!(
        "bundled demo: {} accounts, load {:?}, full search {:?}",
        accounts.len(),
        load,
        t.elapsed()
    );
    assert!(accounts.len() >= 600, "{}", accounts.len());
    assert_eq!(accounts.len(), d.account_count());
    assert!(accounts
        .windows(2)
        .all(|w| w[0].username.to_lowercase() <= w[1].username.to_lowercase()));
    assert_eq!(d.flavour(), Flavour::Demo);
    assert_eq!(d.server(), "demo (built-in)");
    assert_eq!(d.base_dn(), "DC=demo,DC=school");
    d.connect().await.unwrap();
    let p = d.probe().await.unwrap();
    assert!(p.base_dn_found && p.unreadable.is_empty());
    assert_eq!(p.sample_size, accounts.len());
    assert_eq!(p.tls, "demo (no network)");
}

#[tokio::test]
async fn roles_are_guessed_from_the_ous() {
    let d = demo();
    let accounts = all(&d).await;
    let mut counts = std::collections::BTreeMap::new();
    for a in &accounts {
        let want = if a.dn.contains(",OU=Pupils,") {
            Some("pupil")
        } else if a.dn.contains(",OU=Staff,") {
            Some("staff")
        } else if a.dn.contains(",OU=Supply,") {
            Some("guest")
        } else if a.dn.contains(",OU=Generic,") {
            Some("generic")
        } else if a.dn.contains(",OU=IT Admins,") {
            Some("admin")
        } else {
            None
        };
        assert_eq!(a.role.as_deref(), want, "{}", a.dn);
        *counts
            .entry(a.role.clone().unwrap_or_default())
            .or_insert(0) += 1;
    }
    println!("roles: {counts:?}");
    assert!(counts["pupil"] >= 590 && counts["staff"] >= 75);
    assert!((4..=6).contains(&counts["guest"]));
    let pupils = d
        .search_accounts(&AccountQuery {
            role: Some("pupil".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pupils.accounts.len(), counts["pupil"]);
    let year7 = d
        .search_accounts(&AccountQuery {
            ou: Some(format!("OU=Year 7,OU=Pupils,OU=School,{DEMO_BASE_DN}")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!((110..=130).contains(&year7.accounts.len()));
    assert!(year7
        .accounts
        .iter()
        .all(|a| a.groups.contains(&"Year 7".into())));
    let disabled = d
        .search_accounts(&AccountQuery {
            disabled_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(disabled.accounts.len() >= 10);
    assert!(disabled.accounts.iter().all(|a| !a.enabled));
    assert!(d
        .search_accounts(&AccountQuery {
            ou: Some("OU=Nowhere,DC=demo,DC=school".into()),
            ..Default::default()
        })
        .await
        .is_err());
}

#[tokio::test]
async fn search_handles_awkward_names_and_hostile_text() {
    let d = demo();
    let oneill = find(&d, "O'Neill").await;
    assert!(oneill.len() >= 2);
    assert!(oneill.iter().any(|a| a.username == "23oneills"));
    let doe = find(&d, "Doe, John").await;
    assert_eq!(doe.len(), 1);
    assert_eq!(doe[0].username, "jdoe");
    assert!(doe[0].dn.starts_with("CN=Doe\\, John,OU=Staff,"));
    let hash = find(&d, "#Hash").await;
    assert_eq!(hash.len(), 1);
    assert!(hash[0].dn.starts_with("CN=\\#Hash Code Club,OU=Generic,"));
    assert_eq!(hash[0].role.as_deref(), Some("generic"));
    assert!(find(&d, "*)(uid=*").await.is_empty());
    assert!(find(&d, "*").await.is_empty());
    assert!(find(&d, "\\").await.is_empty());
    // Case-insensitive, accents kept, MIS ids searchable.
    let renee = find(&d, "RENÉE MÜLLER").await;
    assert_eq!(renee.len(), 1);
    assert_eq!(renee[0].given_name.as_deref(), Some("Renée"));
    let mis = renee[0].mis_id.clone().expect("has an MIS id");
    assert_eq!(find(&d, &mis.to_lowercase()).await, renee);
    let smiths = find(&d, "Jack Smith").await;
    assert!(smiths.len() >= 3, "two pupils and a teacher");
    assert!(smiths
        .iter()
        .any(|a| a.dn.starts_with("CN=Jack Smith (2),")));
    assert_eq!(find(&d, "  ").await.len(), all(&d).await.len());
}

#[tokio::test]
async fn the_school_has_realistic_states() {
    let d = demo();
    let now = Utc::now();
    let accounts = all(&d).await;
    let count = |f: &dyn Fn(&Account) -> bool| accounts.iter().filter(|a| f(a)).count();
    let stale = count(&|a| a.last_logon.is_some_and(|l| (now - l).num_days() >= 200));
    let never_used = count(&|a| a.last_logon.is_none() && a.must_change_password);
    let old_pw = count(&|a| {
        a.password_last_set
            .is_some_and(|p| (now - p).num_days() >= 100)
    });
    let never_expires = count(&|a| a.password_never_expires);
    let locked = count(&|a| a.locked);
    let disabled = count(&|a| !a.enabled);
    let must_change = count(&|a| a.must_change_password);
    let mis = count(&|a| a.mis_id.is_some());
    println!(
        "stale {stale}, never used {never_used}, old passwords {old_pw}, never expires \
         {never_expires}, locked {locked}, disabled {disabled}, must change {must_change}, \
         with MIS id {mis} of {}",
        accounts.len()
    );
    assert!(stale >= 10);
    assert!(never_used >= 5);
    assert!(old_pw >= 100);
    assert!(never_expires >= 30);
    assert!((2..=5).contains(&locked));
    assert!(disabled >= 20);
    assert!(must_change >= 15);
    assert!(mis * 10 >= accounts.len() * 8);
    // Supply accounts expire within days; one already has.
    let supply: Vec<_> = accounts
        .iter()
        .filter(|a| a.dn.contains(",OU=Supply,"))
        .collect();
    assert!(supply.iter().all(|a| a.expires.is_some()));
    assert_eq!(
        supply
            .iter()
            .filter(|a| a.expires.is_some_and(|e| e < now))
            .count(),
        1
    );
    assert!(supply
        .iter()
        .all(|a| a.expires.is_some_and(|e| (e - now).num_days() <= 8)));
    // Leavers: mostly disabled, a few not yet.
    let leavers: Vec<_> = accounts
        .iter()
        .filter(|a| a.dn.contains(",OU=Leavers,"))
        .collect();
    assert!(leavers.iter().filter(|a| !a.enabled).count() >= 20);
    assert!(leavers.iter().any(|a| a.enabled));
    // Expiry computed from the 42-day default for ordinary accounts.
    let a = get(&d, "jdoe").await;
    assert_eq!(
        a.password_expires
            .zip(a.password_last_set)
            .map(|(e, s)| (e - s).num_days()),
        Some(42)
    );
    // Every memberOf is matched by the group's member and the other way round.
    for a in &accounts {
        for g in &a.group_dns {
            let members = d.group_members(g).expect("group exists");
            assert!(members.contains(&a.dn), "{} in {g}", a.dn);
        }
    }
}

#[tokio::test]
async fn dates_are_moved_to_today() {
    let reference = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let at_ref =
        DemoDirectory::from_ldif(BUNDLED_LDIF, DEMO_BASE_DN, RoleMap::default(), reference)
            .unwrap();
    let later = DemoDirectory::from_ldif(
        BUNDLED_LDIF,
        DEMO_BASE_DN,
        RoleMap::default(),
        reference + Duration::days(100),
    )
    .unwrap();
    let a = get(&at_ref, "jdoe").await;
    let b = get(&later, "jdoe").await;
    for (x, y) in [
        (a.last_logon, b.last_logon),
        (a.password_last_set, b.password_last_set),
        (a.created, b.created),
        (a.password_expires, b.password_expires),
    ] {
        assert_eq!(y.zip(x).map(|(y, x)| (y - x).num_days()), Some(100));
    }
    let s = get(&later, "sup-khughes").await;
    assert_eq!(
        s.expires.map(|e| e.date_naive()),
        Some(reference + Duration::days(102))
    );
}

#[tokio::test]
async fn create_get_and_duplicates() {
    let d = demo();
    let new = NewAccount {
        username: "26testp".into(),
        given_name: "Pat".into(),
        surname: "O'Test".into(),
        display_name: "Pat O'Test".into(),
        parent_dn: format!("OU=Year 7,OU=Pupils,OU=School,{DEMO_BASE_DN}"),
        mis_id: Some("P199999".into()),
        expires: None,
        description: Some("Tutor group 7A".into()),
        groups: vec![group("Pupils"), group("Year 7")],
        cn: None,
    };
    let before = d.account_count();
    let a = d
        .create_account(&new, &Secret::new(GOOD_PW), true)
        .await
        .unwrap();
    assert_eq!(d.account_count(), before + 1);
    assert_eq!(a, get(&d, "26TESTP").await);
    assert_eq!(a.dn, format!("CN=Pat O'Test,{}", new.parent_dn));
    assert!(a.enabled && a.must_change_password && !a.locked);
    assert_eq!(a.role.as_deref(), Some("pupil"));
    assert_eq!(a.groups, ["Pupils", "Year 7"]);
    assert_eq!(a.mis_id.as_deref(), Some("P199999"));
    assert!(a
        .created
        .is_some_and(|c| (Utc::now() - c).num_seconds() < 60));
    assert!(d.group_members(&group("Year 7")).unwrap().contains(&a.dn));
    // Duplicate username (any case), duplicate DN.
    let dup = d
        .create_account(
            &NewAccount {
                username: "26TestP".into(),
                display_name: "Someone Else".into(),
                ..new.clone()
            },
            &Secret::new(GOOD_PW),
            false,
        )
        .await
        .unwrap_err();
    assert!(
        dup.to_string()
            .contains("an account named 26TestP already exists"),
        "{dup}"
    );
    let dup = d
        .create_account(
            &NewAccount {
                username: "26testp2".into(),
                ..new.clone()
            },
            &Secret::new(GOOD_PW),
            false,
        )
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");
    // Hostile display name is escaped in the DN; weak password and bad OU/group refused.
    let hostile = d
        .create_account(
            &NewAccount {
                username: "hostile".into(),
                display_name: "#Lee, Ann+1".into(),
                parent_dn: format!("OU=Staff,OU=School,{DEMO_BASE_DN}"),
                groups: vec![],
                ..new.clone()
            },
            &Secret::new(GOOD_PW),
            false,
        )
        .await
        .unwrap();
    assert!(hostile.dn.starts_with("CN=\\#Lee\\, Ann\\+1,OU=Staff,"));
    assert!(!hostile.must_change_password);
    for (login, parent, groups, pw) in [
        ("weakpw", new.parent_dn.clone(), vec![], "abc"),
        (
            "noou",
            "OU=Nowhere,DC=demo,DC=school".to_string(),
            vec![],
            GOOD_PW,
        ),
        (
            "nogroup",
            new.parent_dn.clone(),
            vec![group("Nope")],
            GOOD_PW,
        ),
        ("bad*name", new.parent_dn.clone(), vec![], GOOD_PW),
    ] {
        let r = d
            .create_account(
                &NewAccount {
                    username: login.into(),
                    display_name: login.into(),
                    parent_dn: parent,
                    groups,
                    ..new.clone()
                },
                &Secret::new(pw),
                false,
            )
            .await;
        assert!(r.is_err(), "{login}");
        assert!(d.get_account(login).await.unwrap().is_none(), "{login}");
    }
}

#[tokio::test]
async fn modify_password_and_move_round_trip() {
    let d = demo();
    let a = get(&d, "jdoe").await;
    d.modify_account(&a, &AccountChange::SetEnabled(false))
        .await
        .unwrap();
    assert!(!get(&d, "jdoe").await.enabled);
    assert!(d
        .search_accounts(&AccountQuery {
            disabled_only: true,
            search: Some("jdoe".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .accounts
        .iter()
        .any(|x| x.username == "jdoe"));
    d.modify_account(&a, &AccountChange::SetEnabled(true))
        .await
        .unwrap();
    assert!(get(&d, "jdoe").await.enabled);

    d.modify_account(&a, &AccountChange::SetPasswordNeverExpires(true))
        .await
        .unwrap();
    let x = get(&d, "jdoe").await;
    assert!(x.password_never_expires && x.password_expires.is_none());
    d.modify_account(&a, &AccountChange::SetPasswordNeverExpires(false))
        .await
        .unwrap();
    assert!(get(&d, "jdoe").await.password_expires.is_some());

    let when = Utc::now() + Duration::days(3);
    d.modify_account(&a, &AccountChange::SetExpires(Some(when)))
        .await
        .unwrap();
    assert_eq!(
        get(&d, "jdoe").await.expires.map(|e| e.timestamp()),
        Some(when.timestamp())
    );
    d.modify_account(&a, &AccountChange::SetExpires(None))
        .await
        .unwrap();
    assert_eq!(get(&d, "jdoe").await.expires, None);

    d.modify_account(
        &a,
        &AccountChange::SetDescription(Some("Head of Maths".into())),
    )
    .await
    .unwrap();
    assert_eq!(
        get(&d, "jdoe").await.description.as_deref(),
        Some("Head of Maths")
    );
    d.modify_account(&a, &AccountChange::SetDescription(None))
        .await
        .unwrap();
    assert_eq!(get(&d, "jdoe").await.description, None);

    d.modify_account(&a, &AccountChange::SetMustChangePassword(true))
        .await
        .unwrap();
    assert!(get(&d, "jdoe").await.must_change_password);
    d.modify_account(&a, &AccountChange::SetMustChangePassword(false))
        .await
        .unwrap();
    assert!(!get(&d, "jdoe").await.must_change_password);

    // Passwords: temporary → must change; permanent → stamped now, lockout cleared.
    let locked = all(&d).await.into_iter().find(|a| a.locked).unwrap();
    d.set_password(&locked, &Secret::new(GOOD_PW), true)
        .await
        .unwrap();
    let x = get(&d, &locked.username).await;
    assert!(x.must_change_password && !x.locked && x.password_expires.is_none());
    d.set_password(&locked, &Secret::new(GOOD_PW), false)
        .await
        .unwrap();
    let x = get(&d, &locked.username).await;
    assert!(!x.must_change_password);
    assert!(x
        .password_last_set
        .is_some_and(|p| (Utc::now() - p).num_seconds() < 60));
    let err = d
        .set_password(&x, &Secret::new("short"), false)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("shorter than the minimum of 7"),
        "{err}"
    );
    let err = d
        .set_password(&x, &Secret::new("alllowercase"), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("three of"), "{err}");
    assert!(!format!("{err:?}").contains("alllowercase"));

    // Unlock.
    let locked = all(&d).await.into_iter().find(|a| a.locked).unwrap();
    d.modify_account(&locked, &AccountChange::Unlock)
        .await
        .unwrap();
    assert!(!get(&d, &locked.username).await.locked);

    // Move: new DN under the new parent, group members follow, old DN gone.
    let leavers = format!("OU=Leavers,OU=School,{DEMO_BASE_DN}");
    let new_dn = d.move_account(&a, &leavers).await.unwrap();
    assert_eq!(new_dn, format!("CN=Doe\\, John,{leavers}"));
    let moved = get(&d, "jdoe").await;
    assert_eq!(moved.dn, new_dn);
    assert_eq!(moved.parent_dn(), leavers);
    assert_eq!(moved.role, None);
    let staff = d.group_members(&group("Staff")).unwrap();
    assert!(staff.contains(&new_dn) && !staff.contains(&a.dn));
    assert!(
        d.modify_account(&a, &AccountChange::Unlock).await.is_err(),
        "the old DN no longer exists"
    );
    assert!(d
        .move_account(&moved, "OU=Nowhere,DC=demo,DC=school")
        .await
        .is_err());
}

#[tokio::test]
async fn groups_add_remove_and_find() {
    let d = demo();
    let g = d.find_group("it admins").await.unwrap().unwrap();
    assert_eq!(g.name, "IT Admins");
    assert_eq!(g.dn, group("IT Admins"));
    assert_eq!(
        d.find_group(&g.dn.to_uppercase()).await.unwrap(),
        Some(g.clone())
    );
    assert_eq!(d.find_group("No Such Group").await.unwrap(), None);
    assert_eq!(
        d.find_group(&format!("OU=Staff,OU=School,{DEMO_BASE_DN}"))
            .await
            .unwrap(),
        None,
        "an OU is not a group"
    );

    let a = get(&d, "23oneills").await;
    d.add_to_group(&a, &g.dn).await.unwrap();
    d.add_to_group(&a, &g.dn).await.unwrap(); // twice is fine
    let x = get(&d, "23oneills").await;
    assert_eq!(x.groups.iter().filter(|n| *n == "IT Admins").count(), 1);
    assert_eq!(
        d.group_members(&g.dn)
            .unwrap()
            .iter()
            .filter(|m| **m == a.dn)
            .count(),
        1
    );
    d.remove_from_group(&x, &g.dn).await.unwrap();
    d.remove_from_group(&x, &g.dn).await.unwrap(); // not a member: fine
    let y = get(&d, "23oneills").await;
    assert!(!y.groups.contains(&"IT Admins".to_string()));
    assert!(!d.group_members(&g.dn).unwrap().contains(&a.dn));
    assert!(d.add_to_group(&a, &group("Nope")).await.is_err());

    let ous = d.list_ous().await.unwrap();
    assert!(ous.contains(&format!("OU=Year 7,OU=Pupils,OU=School,{DEMO_BASE_DN}")));
    let pos = |s: &str| ous.iter().position(|o| o.starts_with(s)).unwrap();
    assert!(pos("OU=School,") < pos("OU=Pupils,") && pos("OU=Pupils,") < pos("OU=Year 7,"));
}

#[tokio::test]
async fn password_policy_write_and_read() {
    let d = demo();
    let p = d.read_password_policy().await.unwrap();
    let def = p.default.clone().unwrap();
    assert_eq!(
        (def.min_length, def.complexity, def.max_age_days),
        (Some(7), Some(true), Some(42))
    );
    assert!(p.others.is_empty());

    d.write_password_policy(&PolicySettings {
        dn: DEMO_BASE_DN.into(),
        min_length: Some(8),
        max_age_days: Some(90),
        ..Default::default()
    })
    .await
    .unwrap();
    let def = d.read_password_policy().await.unwrap().default.unwrap();
    assert_eq!(
        (def.min_length, def.complexity, def.max_age_days),
        (Some(8), Some(true), Some(90))
    );
    let a = get(&d, "jdoe").await;
    assert_eq!(
        a.password_expires
            .zip(a.password_last_set)
            .map(|(e, s)| (e - s).num_days()),
        Some(90)
    );
    assert!(d
        .set_password(&a, &Secret::new("Ab1!xyz"), false)
        .await
        .is_err());

    let pso_dn =
        format!("CN=Generic Accounts PSO,CN=Password Settings Container,CN=System,{DEMO_BASE_DN}");
    d.write_password_policy(&PolicySettings {
        name: "Generic Accounts PSO".into(),
        dn: pso_dn.clone(),
        min_length: Some(12),
        max_age_days: Some(30),
        applies_to: vec![group("Generic Accounts")],
        precedence: Some(5),
        ..Default::default()
    })
    .await
    .unwrap();
    let p = d.read_password_policy().await.unwrap();
    assert_eq!(p.others.len(), 1);
    assert_eq!(p.others[0].name, "Generic Accounts PSO");
    assert_eq!(p.others[0].min_length, Some(12));
    let staffroom = get(&d, "staffroom").await;
    assert_eq!(staffroom.policy.as_deref(), Some("Generic Accounts PSO"));
    assert_eq!(
        staffroom
            .password_expires
            .zip(staffroom.password_last_set)
            .map(|(e, s)| (e - s).num_days()),
        Some(30)
    );
    let err = d
        .set_password(&staffroom, &Secret::new("Short-1a"), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("minimum of 12"), "{err}");
    d.set_password(&staffroom, &Secret::new("Longer-Kettle-9"), false)
        .await
        .unwrap();
    // Rewriting the PSO keeps its targets when none are given.
    d.write_password_policy(&PolicySettings {
        dn: pso_dn,
        min_length: Some(10),
        ..Default::default()
    })
    .await
    .unwrap();
    let p = d.read_password_policy().await.unwrap();
    assert_eq!(p.others[0].min_length, Some(10));
    assert_eq!(p.others[0].applies_to, [group("Generic Accounts")]);
    assert_eq!(get(&d, "jdoe").await.policy, None);
}

#[test]
fn config_files_cannot_name_the_demo() {
    // The demo is reached with --demo (ops::Ctx::demo), not flavour = "demo" in a config file.
    let cfg = DirectoryConfig {
        flavour: Flavour::Demo,
        ..Default::default()
    };
    let err = from_config(&cfg, RoleMap::default(), Secret::new(""))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--demo"), "{err}");
}

#[tokio::test]
async fn generated_school_is_fast() {
    let t = Instant::now();
    let d = DemoDirectory::generated(50_000, RoleMap::default());
    let built = t.elapsed();
    let t = Instant::now();
    let everyone = all(&d).await;
    let searched = t.elapsed();
    let t = Instant::now();
    let hits = find(&d, "o'neill").await;
    let text = t.elapsed();
    println!(
        "generated(50_000): build {built:?}, full search {searched:?} ({} accounts), \
         text search {text:?} ({} hits)",
        everyone.len(),
        hits.len()
    );
    assert_eq!(everyone.len(), 50_000);
    assert!(!hits.is_empty());
    assert!(everyone
        .iter()
        .all(|a| a.role.is_some() || a.dn.contains("OU=Leavers")));
    let small = DemoDirectory::generated(0, RoleMap::default());
    assert_eq!(small.account_count(), 0);
}
