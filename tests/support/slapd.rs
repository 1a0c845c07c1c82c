//! OpenLDAP slapd test servers: a generated slapd.conf with back_mdb and the ppolicy overlay, on a
//! free port of 127.0.0.1, seeded over LDAP (so ppolicy stamps pwdChangedTime and hashes passwords).

use super::{
    run, server_dir, wait_ready, write_password_file, Daemon, Flavour, TestServer, ADMIN_PASSWORD,
};
use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const OL_LDIF: &str = include_str!("../fixtures/school-openldap.ldif");
const BASE_DN: &str = "dc=school,dc=test";
const BIND_DN: &str = "cn=admin,dc=school,dc=test";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs slapd (args after the script) in the background and exits when either slapd exits or our
/// stdin reaches EOF (the test process dropped the pipe, or died), stopping slapd in that case.
const GUARD: &str = r#"exec 3<&0
slapd "$@" </dev/null &
p=$!
( while read -r _; do :; done; kill -TERM "$p" 2>/dev/null ) <&3 &
r=$!
exec 3<&-
wait "$p"; s=$?
kill "$r" 2>/dev/null
exit "$s""#;

pub(super) fn start() -> TestServer {
    let t0 = Instant::now();
    let (tempdir, owner_lock) = server_dir("slapd-");
    let dir = tempdir.path().to_path_buf();
    let password_file = write_password_file(&dir);
    let conf = dir.join("slapd.conf");
    fs::create_dir_all(dir.join("db")).expect("creating the slapd db dir");
    fs::write(&conf, slapd_conf(&dir)).expect("writing slapd.conf");

    // The port is free when we look, but another process could take it before slapd binds it:
    // then slapd exits at once and we try another.
    let mut attempt = 0;
    let (daemon, url) = loop {
        attempt += 1;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("finding a free port")
            .port();
        let url = format!("ldap://127.0.0.1:{port}");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", GUARD, "slapd-guard", "-d", "0", "-f"])
            .arg(&conf)
            .args(["-h", &format!("{url}/")]);
        let mut daemon = Daemon::spawn(cmd, &dir.join("slapd.log"), "slapd");
        if attempt < 5 && !wait_listening(&mut daemon, &url) {
            continue;
        }
        wait_ready(&mut daemon, START_TIMEOUT, &url, || root_dse(&url));
        break (daemon, url);
    };

    let server = TestServer {
        flavour: Flavour::OpenLdap,
        url,
        base_dn: BASE_DN.to_string(),
        bind_dn: BIND_DN.to_string(),
        bind_password: ADMIN_PASSWORD.to_string(),
        ca_cert: None,
        dir,
        daemon: Some(daemon),
        password_file,
        samba: None,
        _owner_lock: owner_lock,
        _tempdir: tempdir,
    };
    seed(&server);
    eprintln!(
        "[support] slapd {} ready in {:.1?}",
        server.url,
        t0.elapsed()
    );
    server
}

/// Stops slapd, adds `adds` (DN, attribute, value: operational ones too, such as
/// `pwdLastSuccess`) to a `slapcat` dump of its database, loads the dump back with `slapadd`
/// into a fresh database and starts slapd again on the same URL.
pub(super) fn add_offline(server: &mut TestServer, adds: &[(String, String, String)]) {
    if let Some(mut d) = server.daemon.take() {
        d.stop();
    }
    let conf = server.dir.join("slapd.conf");
    let dump = server.dir.join("dump.ldif");
    let mut cmd = Command::new("slapcat");
    cmd.arg("-f")
        .arg(&conf)
        .args(["-o", "ldif-wrap=no", "-l"])
        .arg(&dump);
    let out = run(cmd, None, "slapcat");
    assert!(
        out.status.success(),
        "slapcat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&dump).expect("reading the dump");
    let mut edited = String::new();
    for block in text.split("\n\n") {
        if block.trim().is_empty() {
            continue;
        }
        edited.push_str(block.trim_end());
        edited.push('\n');
        let dn = block
            .lines()
            .find_map(|l| l.strip_prefix("dn: "))
            .unwrap_or("")
            .to_lowercase();
        for (d, attr, value) in adds {
            if d.to_lowercase() == dn {
                edited.push_str(&format!("{attr}: {value}\n"));
            }
        }
        edited.push('\n');
    }
    fs::write(&dump, edited).expect("writing the dump");
    let db = server.dir.join("db");
    fs::remove_dir_all(&db).expect("removing the database");
    fs::create_dir_all(&db).expect("creating the database dir");
    let mut cmd = Command::new("slapadd");
    cmd.arg("-f").arg(&conf).arg("-l").arg(&dump);
    let out = run(cmd, None, "slapadd");
    assert!(
        out.status.success(),
        "slapadd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = server.url.clone();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", GUARD, "slapd-guard", "-d", "0", "-f"])
        .arg(&conf)
        .args(["-h", &format!("{url}/")]);
    let mut daemon = Daemon::spawn(cmd, &server.dir.join("slapd.log"), "slapd");
    wait_ready(&mut daemon, START_TIMEOUT, &url, || root_dse(&url));
    server.daemon = Some(daemon);
}

/// Waits until slapd answers or exits: false if it exited (e.g. the port was taken).
fn wait_listening(daemon: &mut Daemon, url: &str) -> bool {
    let until = Instant::now() + START_TIMEOUT;
    while Instant::now() < until {
        if root_dse(url) {
            return true;
        }
        if daemon.exited().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true // let wait_ready report the timeout with the log
}

fn root_dse(url: &str) -> bool {
    Command::new("ldapsearch")
        .args(["-x", "-H", url, "-b", "", "-s", "base", "1.1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn seed(server: &TestServer) {
    let mut cmd = server.ldap_tool("ldapadd");
    cmd.arg("-f").arg(write_fixture(&server.dir));
    let out = run(cmd, None, "ldapadd");
    assert!(
        out.status.success(),
        "seeding slapd {} failed ({}): {}\nslapd log:\n{}",
        server.url,
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        server.log_tail(20)
    );
}

fn write_fixture(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("fixture.ldif");
    fs::write(&p, OL_LDIF).expect("writing the fixture");
    p
}

fn slapd_conf(dir: &Path) -> String {
    let d = dir.display();
    // OpenLDAP 2.5+ has the ppolicy schema built into the overlay (no ppolicy.schema include);
    // 2.4 would need `include /etc/ldap/schema/ppolicy.schema` (added when the file exists).
    let ppolicy_schema = if Path::new("/etc/ldap/schema/ppolicy.schema").exists() && is_slapd_24() {
        "include /etc/ldap/schema/ppolicy.schema\n"
    } else {
        ""
    };
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
{ppolicy_schema}modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
password-hash {{SSHA}}

database mdb
suffix \"{BASE_DN}\"
rootdn \"{BIND_DN}\"
rootpw {ADMIN_PASSWORD}
directory {d}/db
maxsize 1073741824
index objectClass eq
index uid,cn,sn,givenName,displayName,employeeNumber eq,sub
index entryUUID,entryCSN eq

overlay ppolicy
ppolicy_default \"cn=default,ou=Policies,{BASE_DN}\"
ppolicy_use_lockout
ppolicy_hash_cleartext

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read
"
    )
}

fn is_slapd_24() -> bool {
    Command::new("slapd")
        .arg("-VV")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).contains("slapd 2.4"))
        .unwrap_or(false)
}
