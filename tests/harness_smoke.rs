//! Smoke tests of the real-server harness in `tests/support/`: the servers start, hold the
//! fixture, verify TLS with the CA, run side by side and go away when dropped or orphaned.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{escape_filter, ldif_values, parse_ldif, Flavour, TestServer, FIXTURE_PASSWORD};

/// Names, by username, that the fixture README promises.
const NOTABLE: &[&str] = &[
    "john.doe",
    "markspen.shop",
    "tag.line",
    "slash.back",
    "say.quote",
    "anglebra.pair",
    "semicolo.pause",
    "equals.eq",
    "bracket2.round",
    "star.wild",
    "mia.o'neill",
    "renee.muller",
    "renee.muller2",
    "jack.walker",
    "jack.walker2",
    "lily.ahmed",
    "lily.ahmed2",
    "jo.thompson",
    "library.desk",
    "ali.roberts",
    "freya.gone",
];

fn count_dns(ldif: &str) -> usize {
    parse_ldif(ldif).len()
}

fn check_fixture(s: &TestServer) {
    let user = s.flavour.username_attribute();
    let people = s.ldapsearch(
        match s.flavour {
            Flavour::ActiveDirectory => {
                "(&(objectClass=user)(!(objectClass=computer))(sAMAccountName=*.*))"
            }
            Flavour::OpenLdap => "(objectClass=inetOrgPerson)",
        },
        &[user],
    );
    assert_eq!(count_dns(&people), 42, "fixture people on {}", s.url);
    let names = ldif_values(&people, user);
    for n in NOTABLE {
        assert!(names.iter().any(|x| x == n), "{n} missing on {}", s.url);
    }
    let year7 = format!("ou=Year 7,ou=Pupils,ou=School,{}", s.base_dn);
    let out = s.ldapsearch_in(&year7, "one", "(objectClass=*)", &["1.1"]);
    assert_eq!(count_dns(&out), 8, "Year 7 pupils on {}", s.url);

    // hostile names: the CN/displayName comes back intact and the DN escaped (AD)
    let out = s.ldapsearch(&format!("({user}=john.doe)"), &["displayName"]);
    assert_eq!(ldif_values(&out, "displayName"), ["Doe, John III"]);
    let dn = s.user_dn("john.doe");
    match s.flavour {
        Flavour::ActiveDirectory => {
            assert_eq!(
                dn,
                "CN=Doe\\, John III,OU=Staff,OU=School,DC=school,DC=test"
            )
        }
        Flavour::OpenLdap => assert_eq!(dn, "uid=john.doe,ou=Staff,ou=School,dc=school,dc=test"),
    }
    let out = s.ldapsearch(
        &format!("(displayName={})", escape_filter("Star* Wild")),
        &[user],
    );
    assert_eq!(ldif_values(&out, user), ["star.wild"]);
    let out = s.ldapsearch(&format!("({user}=renee.muller)"), &["givenName", "sn"]);
    assert_eq!(ldif_values(&out, "givenName"), ["Renée"]);
    assert_eq!(ldif_values(&out, "sn"), ["Müller"]);
    let out = s.ldapsearch("(displayName=Jack Walker)", &[user]);
    assert_eq!(count_dns(&out), 2, "duplicate display names");

    // MIS ids
    let mis = s.flavour.mis_id_attribute();
    let out = s.ldapsearch(&format!("({mis}=P100001)"), &[user]);
    assert_eq!(ldif_values(&out, user), ["harry.hughes"]);

    // groups
    let out = s.ldapsearch("(cn=Supply Staff)", &["member"]);
    assert_eq!(ldif_values(&out, "member").len(), 3, "Supply Staff members");

    // passwords: a normal account binds, the disabled one does not
    assert!(s.can_bind(&s.user_dn("harry.hughes"), FIXTURE_PASSWORD));
    assert!(!s.can_bind(&s.user_dn("harry.hughes"), "wrong password"));
    assert!(!s.can_bind(&s.user_dn("jo.thompson"), FIXTURE_PASSWORD));
}

#[test]
fn samba_has_the_fixture() {
    let s = TestServer::samba();
    assert_eq!(s.flavour, Flavour::ActiveDirectory);
    assert!(s.url.starts_with("ldaps://127.0.1."), "{}", s.url);
    check_fixture(&s);
    let uac = |u: &str| {
        ldif_values(
            &s.ldapsearch(&format!("(sAMAccountName={u})"), &["userAccountControl"]),
            "userAccountControl",
        )
    };
    assert_eq!(uac("jo.thompson"), ["514"]);
    assert_eq!(uac("library.desk"), ["66048"]);
    assert_eq!(uac("harry.hughes"), ["512"]);
    let out = s.ldapsearch("(sAMAccountName=ali.roberts)", &["accountExpires"]);
    assert_eq!(ldif_values(&out, "accountExpires"), ["133485408000000000"]);
    let out = s.ldapsearch("(sAMAccountName=exam.room)", &["employeeID"]);
    assert!(ldif_values(&out, "employeeID").is_empty());
}

#[test]
fn slapd_has_the_fixture_and_ppolicy() {
    let s = TestServer::slapd();
    assert_eq!(s.flavour, Flavour::OpenLdap);
    assert!(s.url.starts_with("ldap://127.0.0.1:"), "{}", s.url);
    check_fixture(&s);
    let out = s.ldapsearch_in(
        &format!("cn=default,ou=Policies,{}", s.base_dn),
        "base",
        "(objectClass=pwdPolicy)",
        &["pwdMaxFailure"],
    );
    assert_eq!(ldif_values(&out, "pwdMaxFailure"), ["5"]);
    let out = s.ldapsearch("(uid=harry.hughes)", &["pwdChangedTime"]);
    assert_eq!(ldif_values(&out, "pwdChangedTime").len(), 1, "{out}");
    let out = s.ldapsearch("(uid=ali.roberts)", &["shadowExpire"]);
    assert_eq!(ldif_values(&out, "shadowExpire"), ["19723"]);
    // ldapmodify for test setup
    s.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: employeeNumber\nemployeeNumber: X1\n",
        s.user_dn("evie.li")
    ));
    let out = s.ldapsearch("(employeeNumber=X1)", &["uid"]);
    assert_eq!(ldif_values(&out, "uid"), ["evie.li"]);
}

fn ldapsearch_tls(s: &TestServer, env: &[(&str, &str)]) -> bool {
    let mut cmd = Command::new("ldapsearch");
    cmd.env_remove("LDAPTLS_CACERT")
        .env("LDAPTLS_REQCERT", "demand")
        .envs(env.iter().copied())
        .args(["-x", "-H", &s.url, "-D", &s.bind_dn, "-w", &s.bind_password])
        .args(["-b", &s.base_dn, "-s", "base", "1.1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.status().expect("running ldapsearch").success()
}

#[test]
fn samba_ldaps_verifies_with_its_ca_only() {
    let s = TestServer::samba();
    let ca = s.ca_cert.clone().expect("Samba has a CA");
    let ca = ca.to_str().expect("utf-8 path");
    assert!(
        ldapsearch_tls(&s, &[("LDAPTLS_CACERT", ca)]),
        "verifies with the CA"
    );
    // the system trust store does not know our CA
    assert!(!ldapsearch_tls(&s, &[]), "must fail without the CA");
    // nor does another CA do
    let other = tempfile::tempdir().expect("tempdir");
    let key = other.path().join("k.pem");
    let pem = other.path().join("ca.pem");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-subj", "/CN=other CA", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&pem)
        .output()
        .expect("openssl")
        .status
        .success();
    assert!(ok);
    assert!(!ldapsearch_tls(
        &s,
        &[("LDAPTLS_CACERT", pem.to_str().unwrap())]
    ));
    // the certificate names the address and dc1.school.test
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(s.dir.join("tls/server.pem"))
        .output()
        .expect("openssl x509");
    let text = String::from_utf8_lossy(&out.stdout);
    let ip = s
        .url
        .trim_start_matches("ldaps://")
        .trim_end_matches(":636");
    assert!(text.contains(&format!("IP Address:{ip}")), "{text}");
    assert!(text.contains("DNS:dc1.school.test"), "{text}");
}

/// A TLS handshake with rustls (ring), as schooltech's LDAP client does, trusting only `ca`.
fn rustls_handshake(
    s: &TestServer,
    name: &str,
    ca: Option<&std::path::Path>,
) -> Result<(), String> {
    use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
    use std::sync::Arc;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for cert in CertificateDer::pem_file_iter(ca).expect("reading the CA") {
            roots.add(cert.expect("CA PEM")).expect("adding the CA");
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = ServerName::try_from(name.to_string()).expect("server name");
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name).expect("client");
    let ip = s
        .url
        .trim_start_matches("ldaps://")
        .trim_end_matches(":636");
    let mut sock = std::net::TcpStream::connect((ip, 636)).expect("connecting");
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[test]
fn samba_certificate_satisfies_rustls() {
    let s = TestServer::samba();
    let ca = s.ca_cert.clone().expect("CA");
    let ip = s
        .url
        .trim_start_matches("ldaps://")
        .trim_end_matches(":636");
    rustls_handshake(&s, ip, Some(&ca)).expect("verifies by IP with the CA");
    rustls_handshake(&s, "dc1.school.test", Some(&ca)).expect("verifies by DNS name with the CA");
    let err = rustls_handshake(&s, ip, None).expect_err("must fail without the CA");
    assert!(err.contains("UnknownIssuer"), "{err}");
    let err = rustls_handshake(&s, "other.school.test", Some(&ca)).expect_err("wrong name");
    assert!(err.contains("not valid for name"), "{err}");
}

#[test]
fn write_config_writes_the_documented_keys() {
    for s in TestServer::both() {
        let path = s.write_config();
        let text = fs::read_to_string(&path).expect("config");
        let v: toml::Value = text.parse().expect("valid TOML");
        assert_eq!(v["school"]["name"].as_str(), Some("Test Academy"));
        let d = &v["directory"];
        assert_eq!(d["url"].as_str(), Some(s.url.as_str()));
        assert_eq!(d["bind_dn"].as_str(), Some(s.bind_dn.as_str()));
        assert_eq!(d["base_dn"].as_str(), Some(s.base_dn.as_str()));
        assert_eq!(d["tls_verify"].as_bool(), Some(true));
        let pw = d["bind_password_file"]
            .as_str()
            .expect("bind_password_file");
        assert_eq!(fs::read_to_string(pw).expect("bindpw"), s.bind_password);
        let mode = fs::metadata(pw).expect("bindpw").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let store = v["store"]["path"].as_str().expect("store path");
        assert_eq!(store, s.dir.join("schooltech.db").to_str().unwrap());
        match s.flavour {
            Flavour::ActiveDirectory => {
                assert_eq!(d["flavour"].as_str(), Some("active-directory"));
                assert_eq!(d["mis_id_attribute"].as_str(), Some("employeeID"));
                let ca = d["ca_cert"].as_str().expect("ca_cert");
                assert!(fs::read_to_string(ca)
                    .unwrap()
                    .contains("BEGIN CERTIFICATE"));
            }
            Flavour::OpenLdap => {
                assert_eq!(d["flavour"].as_str(), Some("openldap"));
                assert_eq!(d["mis_id_attribute"].as_str(), Some("employeeNumber"));
                assert!(d.get("ca_cert").is_none());
            }
        }
        assert!(
            !text.contains(&s.bind_password),
            "config must not hold the password"
        );
    }
}

#[test]
fn several_sambas_run_side_by_side() {
    let servers: Vec<TestServer> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2).map(|_| sc.spawn(TestServer::samba)).collect();
        hs.into_iter().map(|h| h.join().expect("samba")).collect()
    });
    assert_ne!(servers[0].url, servers[1].url);
    // a change on one is not seen by the other
    servers[0].ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: employeeID\nemployeeID: CHANGED\n",
        servers[0].user_dn("evie.li")
    ));
    assert_eq!(
        count_dns(&servers[0].ldapsearch("(employeeID=CHANGED)", &["1.1"])),
        1
    );
    assert_eq!(
        count_dns(&servers[1].ldapsearch("(employeeID=CHANGED)", &["1.1"])),
        0
    );
}

#[test]
fn samba_modify_offline_sets_last_logon() {
    let mut s = TestServer::samba();
    let dn = s.user_dn("evie.li");
    s.samba_modify_offline(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: lastLogonTimestamp\nlastLogonTimestamp: 133485408000000000\n"
    ));
    let out = s.ldapsearch("(sAMAccountName=evie.li)", &["lastLogonTimestamp"]);
    assert_eq!(
        ldif_values(&out, "lastLogonTimestamp"),
        ["133485408000000000"]
    );
}

fn wait_gone(pid: u32) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if support::group_members(pid).is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn drop_stops_servers_and_removes_dirs() {
    let servers = TestServer::both();
    let gone: Vec<_> = servers
        .iter()
        .map(|s| (s.pid().expect("running"), s.dir.clone()))
        .collect();
    for (pid, _) in &gone {
        assert!(!support::group_members(*pid).is_empty());
    }
    drop(servers);
    for (pid, dir) in gone {
        assert!(
            support::group_members(pid).is_empty(),
            "group {pid} still alive"
        );
        assert!(!dir.exists(), "{} not removed", dir.display());
    }
}

#[test]
fn a_panicking_test_still_stops_its_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::panic::catch_unwind(move || {
        let s = TestServer::slapd();
        tx.send((s.pid().expect("running"), s.dir.clone())).unwrap();
        panic!("the test fails while the server runs");
    });
    assert!(result.is_err());
    let (pid, dir) = rx.recv().expect("server started");
    assert!(
        support::group_members(pid).is_empty(),
        "slapd {pid} survived the panic"
    );
    assert!(!dir.exists(), "{} not removed", dir.display());
}

/// Helper for `servers_die_with_the_test_process`: run only from there, in a child process.
#[test]
#[ignore = "run by servers_die_with_the_test_process"]
fn helper_start_servers_then_abort() {
    if std::env::var_os("SCHOOLTECH_HARNESS_ABORT").is_none() {
        return;
    }
    let servers = TestServer::both();
    for s in &servers {
        println!("PGID {}", s.pid().expect("running"));
        println!("DIR {}", s.dir.display());
    }
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    std::process::abort(); // no unwinding, no Drop: the servers must notice by themselves
}

#[test]
fn servers_die_with_the_test_process() {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "helper_start_servers_then_abort",
            "--ignored",
            "--nocapture",
        ])
        .env("SCHOOLTECH_HARNESS_ABORT", "1")
        .stdin(Stdio::null())
        .output()
        .expect("running the helper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pgids: Vec<u32> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("PGID "))
        .map(|p| p.trim().parse().expect("pgid"))
        .collect();
    assert_eq!(
        pgids.len(),
        2,
        "helper output:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for pgid in pgids {
        assert!(
            wait_gone(pgid),
            "server group {pgid} outlived its test process"
        );
    }
    // (the next run would remove them as stale, but tidy up now)
    for dir in stdout.lines().filter_map(|l| l.strip_prefix("DIR ")) {
        let _ = fs::remove_dir_all(dir);
    }
}
