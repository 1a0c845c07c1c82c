//! Listing the directory's groups (the groups dialog's picker) on real Samba AD and real
//! OpenLDAP: every seeded group, a group with a hostile name listed, found by that name and
//! never read as a filter or a DN; protection decided by the same rules as every change; and
//! `accounts groups` refusing a name that is no group with the words the preview uses (exit 2).

mod support;

use schooltech::config::Config;
use schooltech::domain::dn::rdn_value;
use schooltech::ops::{self, Ctx};
use support::{Flavour, TestServer};

const HOSTILE: &str = "Odd *()\\,=+<>#;\" Group";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn add_hostile_group(server: &TestServer) -> String {
    let harry = server.user_dn("harry.hughes");
    let (ldif, dn) = match server.flavour {
        Flavour::ActiveDirectory => {
            let dn = format!("CN={},OU=School,DC=school,DC=test", rdn_value(HOSTILE));
            (
                format!(
                    "dn: {dn}\nobjectClass: group\nsAMAccountName: OddGroup\ndescription: hostile name\nmember: {harry}\n"
                ),
                dn,
            )
        }
        _ => {
            let dn = format!("cn={},ou=Groups,dc=school,dc=test", rdn_value(HOSTILE));
            (
                format!(
                    "dn: {dn}\nobjectClass: groupOfNames\ncn: {HOSTILE}\ndescription: hostile name\nmember: {harry}\n"
                ),
                dn,
            )
        }
    };
    server.ldapmodify(&ldif);
    dn
}

fn check(server: &TestServer) {
    let fl = server.flavour.config_name();
    add_hostile_group(server);
    let (config, path) = Config::load(Some(&server.write_config())).expect("config");
    let ctx = Ctx::from_config(config, path, None).expect("context");
    let rt = runtime();
    let groups = rt.block_on(ops::groups::list(&ctx)).expect("list groups");
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    for seeded in [
        "Pupils",
        "Staff",
        "Supply Staff",
        "Generic Accounts",
        HOSTILE,
    ] {
        assert!(
            names.contains(&seeded),
            "{fl}: {seeded} listed in {names:?}"
        );
    }
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "{fl}: sorted by name");
    let odd = groups.iter().find(|g| g.name == HOSTILE).expect("hostile");
    assert_eq!(odd.description.as_deref(), Some("hostile name"), "{fl}");
    assert!(odd.protected.is_none(), "{fl}: {odd:?}");
    let pupils = groups.iter().find(|g| g.name == "Pupils").expect("pupils");
    assert!(pupils.protected.is_none(), "{fl}: {pupils:?}");
    if server.flavour == Flavour::ActiveDirectory {
        let da = groups
            .iter()
            .find(|g| g.name == "Domain Admins")
            .expect("Domain Admins listed");
        assert!(da.protected.is_some(), "{fl}: {da:?}");
    }
    // The hostile name is found as a name (its "=" never makes it a DN), and by its DN.
    let found = rt
        .block_on(ctx.dir.find_group(HOSTILE))
        .expect("find")
        .expect("found by name");
    assert_eq!(found.dn.to_lowercase(), odd.dn.to_lowercase(), "{fl}");
    assert!(rt
        .block_on(ctx.dir.find_group(&odd.dn))
        .expect("find by dn")
        .is_some());
    // The one check: unknown names refused at once, before anything is sent, exit 2.
    let names = vec!["Nope One".to_string(), HOSTILE.to_string()];
    let (found, missing) = rt
        .block_on(ops::groups::find_all(&ctx, &names))
        .expect("find all");
    assert_eq!(found.len(), 1, "{fl}");
    assert_eq!(
        missing,
        vec!["no group named \"Nope One\" in the directory".to_string()]
    );
    let err = rt
        .block_on(ops::actions::groups(
            &ctx,
            "harry.hughes",
            &["Nope One".to_string()],
            &["Nope Two".to_string()],
        ))
        .expect_err("refused");
    assert_eq!(err.exit_code(), 2, "{fl}: {err}");
    let msg = err.to_string();
    assert!(
        msg.contains("no group named \"Nope One\" in the directory")
            && msg.contains("no group named \"Nope Two\" in the directory"),
        "{fl}: {msg}"
    );
    // Joining the hostile-named group works through the same names.
    let a = rt
        .block_on(ops::actions::groups(
            &ctx,
            "jack.walker",
            &[HOSTILE.to_string()],
            &[],
        ))
        .expect("join the odd group");
    assert!(
        a.groups.iter().any(|g| g == HOSTILE),
        "{fl}: {:?}",
        a.groups
    );
}

#[test]
fn active_directory() {
    check(&TestServer::samba());
}

#[test]
fn openldap() {
    check(&TestServer::slapd());
}

#[test]
fn demo_lists_its_groups() {
    let ctx = Ctx::demo(None, None).expect("demo");
    let groups = runtime().block_on(ops::groups::list(&ctx)).expect("list");
    assert!(
        groups.iter().any(|g| g.protected.is_some()),
        "the admin role's group is protected: {groups:?}"
    );
    assert!(groups.iter().any(|g| g.protected.is_none()));
}
