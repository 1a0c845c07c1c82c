//! A group whose members AD sends in ranges (`member;range=0-1499`, then `member;range=1500-*`:
//! Windows does so past MaxValRange, 1,500 by default) is read whole. Samba sends ranges only
//! when asked, so the test asks for ranges of two and checks that the rest is fetched.

mod support;

use schooltech::config::Config;
use schooltech::directory::ad::complete_members;
use schooltech::directory::conn::LdapConn;
use support::TestServer;

#[test]
fn a_group_read_in_ranges_is_read_whole_on_samba() {
    let server = TestServer::samba();
    let cfg = server.write_config();
    let (config, _) = Config::load(Some(&cfg)).expect("config");
    let mut members: Vec<String> = server
        .ldapsearch(
            "(&(objectCategory=person)(objectClass=user)(employeeID=*))",
            &["1.1"],
        )
        .lines()
        .filter_map(|l| l.strip_prefix("dn: ").map(str::to_string))
        .take(5)
        .collect();
    assert_eq!(members.len(), 5, "the fixture has pupils");
    let group = format!("CN=Range Test,OU=School,{}", server.base_dn);
    let lines: String = members.iter().map(|m| format!("member: {m}\n")).collect();
    server.ldapmodify(&format!(
        "dn: {group}\nchangetype: add\nobjectClass: group\nsAMAccountName: rangetest\n{lines}"
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let password = config.directory.bind_password().expect("password");
        let conn = LdapConn::new(&config.directory, password).expect("conn");
        let mut e = conn
            .read(&group, &["member;range=0-1"])
            .await
            .expect("read")
            .expect("the group");
        assert!(e.all("member").is_empty(), "only a range so far: {e:?}");
        complete_members(&conn, &mut e).await.expect("ranges");
        let mut got = e.all("member").to_vec();
        got.sort();
        members.sort();
        assert_eq!(got, members);
        assert!(
            !e.attrs.keys().any(|k| k.contains(";range=")),
            "the ranged attribute is folded into member: {e:?}"
        );
        // A group read without ranges is left as it is.
        let mut plain = conn
            .read(&group, &["member"])
            .await
            .expect("read")
            .expect("group");
        complete_members(&conn, &mut plain)
            .await
            .expect("no ranges");
        assert_eq!(plain.all("member").len(), 5);
    });
}
