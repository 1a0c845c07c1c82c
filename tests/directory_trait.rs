//! The `Directory` trait, the same checks against real Samba AD, real OpenLDAP and the demo:
//! what the services rely on behaves the same whatever the flavour.

mod support;

use schooltech::config::Config;
use schooltech::directory::{self, Directory, Secret};
use schooltech::domain::account::{AccountChange, AccountQuery, NewAccount};
use std::sync::Arc;
use support::TestServer;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn connect(server: &TestServer) -> Arc<dyn Directory> {
    let (cfg, _) = Config::load(Some(&server.write_config())).expect("config");
    let pw = cfg.directory.bind_password().expect("password");
    directory::from_config(&cfg.directory, cfg.directory.roles.clone(), pw).expect("directory")
}

/// Checks every trait method; `ou` is where to create, `other_ou` where to move to, `group` a group name.
async fn suite(dir: Arc<dyn Directory>, ou: &str, other_ou: &str, group: &str) {
    let fl = dir.flavour();
    dir.connect().await.expect("connect");
    let probe = dir.probe().await.expect("probe");
    assert!(
        probe.base_dn_found && probe.unreadable.is_empty(),
        "{fl}: {probe:?}"
    );
    let all = dir
        .search_accounts(&AccountQuery::default())
        .await
        .expect("search");
    assert!(all.accounts.len() >= 20, "{fl}: {}", all.accounts.len());
    assert_eq!(all.skipped, 0, "{fl}");
    let sorted: Vec<String> = all
        .accounts
        .iter()
        .map(|a| a.username.to_lowercase())
        .collect();
    let mut again = sorted.clone();
    again.sort();
    assert_eq!(sorted, again, "{fl}: sorted by username");
    let inj = AccountQuery {
        search: Some("*)(|(objectClass=*".into()),
        ..Default::default()
    };
    assert!(
        dir.search_accounts(&inj)
            .await
            .expect("search")
            .accounts
            .is_empty(),
        "{fl}: injection"
    );
    assert!(dir
        .get_account("no.such.person")
        .await
        .expect("get")
        .is_none());
    let ous = dir.list_ous().await.expect("ous");
    let ou_dn = ous
        .iter()
        .find(|o| o.to_lowercase().starts_with(&ou.to_lowercase()))
        .cloned()
        .expect("ou");
    let other_dn = ous
        .iter()
        .find(|o| o.to_lowercase().starts_with(&other_ou.to_lowercase()))
        .cloned()
        .expect("other ou");
    let g = dir
        .find_group(group)
        .await
        .expect("group")
        .expect("group exists");
    assert!(dir
        .find_group("No Such Group")
        .await
        .expect("group")
        .is_none());
    let policy = dir.read_password_policy().await.expect("policy");
    assert!(policy.default.is_some(), "{fl}: default policy");

    // Create with a hostile name, then every change.
    let new = NewAccount {
        username: "trait.test".into(),
        given_name: "Trait".into(),
        surname: "Test, #1 <x>".into(),
        display_name: "Trait Test, #1 <x>".into(),
        parent_dn: ou_dn.clone(),
        mis_id: Some("T0001".into()),
        expires: None,
        description: Some("made by the trait suite".into()),
        groups: vec![g.dn.clone()],
        cn: None,
    };
    let pw = Secret::new("Quiet#Harbour7Falcon");
    let a = dir.create_account(&new, &pw, true).await.expect("create");
    assert_eq!(
        a.display_name.as_deref(),
        Some("Trait Test, #1 <x>"),
        "{fl}"
    );
    assert!(a.enabled && a.must_change_password, "{fl}: {a:?}");
    assert_eq!(a.mis_id.as_deref(), Some("T0001"));
    assert!(a.groups.contains(&g.name), "{fl}: {:?}", a.groups);
    let dup = dir.create_account(&new, &pw, true).await;
    assert!(dup.is_err(), "{fl}: duplicate created");
    let by_text = AccountQuery {
        search: Some("#1 <x".into()),
        ..Default::default()
    };
    assert_eq!(
        dir.search_accounts(&by_text)
            .await
            .expect("search")
            .accounts
            .len(),
        1,
        "{fl}"
    );

    dir.set_password(&a, &Secret::new("Velvet!Tractor4Puffin"), false)
        .await
        .expect("set password");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert!(
        !a.must_change_password && a.password_last_set.is_some(),
        "{fl}: {a:?}"
    );
    dir.modify_account(&a, &AccountChange::SetEnabled(false))
        .await
        .expect("disable");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert!(!a.enabled, "{fl}");
    let disabled = dir
        .search_accounts(&AccountQuery {
            disabled_only: true,
            ..Default::default()
        })
        .await
        .expect("search");
    assert!(
        disabled.accounts.iter().any(|x| x.username == "trait.test"),
        "{fl}: disabled filter"
    );
    dir.modify_account(&a, &AccountChange::SetEnabled(true))
        .await
        .expect("enable");
    let when = chrono::DateTime::parse_from_rfc3339("2031-07-20T23:59:59Z")
        .expect("date")
        .with_timezone(&chrono::Utc);
    dir.modify_account(&a, &AccountChange::SetExpires(Some(when)))
        .await
        .expect("expire");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(a.expires, Some(when), "{fl}");
    assert!(a.enabled, "{fl}");
    dir.modify_account(&a, &AccountChange::SetExpires(None))
        .await
        .expect("never");
    dir.modify_account(&a, &AccountChange::SetMustChangePassword(true))
        .await
        .expect("must change");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert!(a.must_change_password && a.expires.is_none(), "{fl}");

    let new_dn = dir.move_account(&a, &other_dn).await.expect("move");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(a.dn, new_dn, "{fl}");
    assert!(
        a.groups.contains(&g.name),
        "{fl}: group kept after move: {:?}",
        a.groups
    );
    dir.remove_from_group(&a, &g.dn).await.expect("remove");
    let a = dir
        .get_account("trait.test")
        .await
        .expect("get")
        .expect("exists");
    assert!(!a.groups.contains(&g.name), "{fl}");
    dir.add_to_group(&a, &g.dn).await.expect("add");
    dir.add_to_group(&a, &g.dn)
        .await
        .expect("add twice is fine");
    let in_ou = AccountQuery {
        ou: Some(other_dn.clone()),
        ..Default::default()
    };
    assert!(dir
        .search_accounts(&in_ou)
        .await
        .expect("search")
        .accounts
        .iter()
        .any(|x| x.username == "trait.test"));
}

#[test]
fn active_directory() {
    let server = TestServer::samba();
    runtime().block_on(suite(connect(&server), "OU=Year 7", "OU=Year 8", "Pupils"));
}

#[test]
fn openldap() {
    let server = TestServer::slapd();
    runtime().block_on(suite(connect(&server), "ou=Year 7", "ou=Year 8", "Pupils"));
}

#[test]
fn demo() {
    let dir = directory::demo::DemoDirectory::bundled(Default::default()).expect("demo");
    runtime().block_on(suite(Arc::new(dir), "OU=Year 7", "OU=Year 8", "Pupils"));
}

#[test]
fn reads_reconnect_once_when_the_server_dropped_the_connection() {
    let mut server = TestServer::samba();
    let rt = runtime();
    let dir = connect(&server);
    let before = rt
        .block_on(dir.search_accounts(&AccountQuery::default()))
        .expect("first search")
        .accounts
        .len();
    // Restart the server: the program's connection is now dead, as after AD's idle timeout.
    server.samba_modify_offline("");
    let after = rt
        .block_on(dir.search_accounts(&AccountQuery::default()))
        .expect("search after restart")
        .accounts
        .len();
    assert_eq!(before, after);
}
