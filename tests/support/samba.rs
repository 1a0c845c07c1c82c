//! Samba AD DC test servers.
//!
//! Provisioning takes several seconds, so one provisioned and seeded directory (the template) is
//! cached under `temp_dir()/schooltech-test-cache/samba-<key>/`, keyed by the fixture, the Samba
//! version, this harness's template version and the day (so fixture passwords are never older
//! than a day against Samba's 42-day maxPwdAge). Each server copies it into its own dir, gets its
//! own loopback address (Samba's LDAP ports are fixed) and its own CA + certificate.

use super::{
    cache_root, server_dir, tail, tls, wait_ready, write_password_file, Daemon, Flavour,
    TestServer, ADMIN_PASSWORD,
};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const AD_LDIF: &str = include_str!("../fixtures/school-ad.ldif");
/// Bump when the way the template is made changes.
const TEMPLATE_VERSION: &str = "1";
const BASE_DN: &str = "DC=school,DC=test";
const BIND_DN: &str = "CN=Administrator,CN=Users,DC=school,DC=test";
/// Loopback addresses handed out: 127.0.1.FIRST ..= 127.0.1.LAST (the acceptance checks use
/// 127.0.0.9, slapd servers use 127.0.0.1).
const FIRST: u8 = 2;
const LAST: u8 = 250;
/// Samba exits on its own after this long, whatever happens to us.
const MAX_RUNTIME_SECS: u32 = 4 * 3600;
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// What it takes to (re)start one server: its dir and its reserved address.
pub(super) struct Instance {
    dir: PathBuf,
    ip: Ipv4Addr,
    url: String,
    ca: PathBuf,
    /// flock on `addresses/<ip>.lock`, held while the server may run.
    _addr_lock: File,
}

impl Instance {
    fn spawn(&self) -> Daemon {
        let mut cmd = Command::new("samba");
        cmd.arg("-s")
            .arg(self.dir.join("etc/smb.conf"))
            .arg("-i")
            .arg(format!("--maximum-runtime={MAX_RUNTIME_SECS}"));
        Daemon::spawn(cmd, &self.dir.join("samba.log"), "samba")
    }

    /// Starts Samba and waits until an LDAPS bind, verifying the certificate with our CA, works.
    pub(super) fn spawn_and_wait(&self, password_file: &Path) -> Daemon {
        let mut daemon = self.spawn();
        let what = format!("{} in {}", self.url, self.dir.display());
        wait_ready(&mut daemon, START_TIMEOUT, &what, || {
            Command::new("ldapsearch")
                .env("LDAPTLS_CACERT", &self.ca)
                .env("LDAPTLS_REQCERT", "demand")
                .args(["-x", "-H", &self.url, "-D", BIND_DN, "-y"])
                .arg(password_file)
                .args(["-b", BASE_DN, "-s", "base", "1.1"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        daemon
    }
}

pub(super) fn start() -> TestServer {
    let t0 = Instant::now();
    let (template, cached) = template();
    let t_template = t0.elapsed();
    let (ip, addr_lock) = reserve_address();
    let (tempdir, owner_lock) = server_dir("samba-");
    let dir = tempdir.path().to_path_buf();

    copy_template(&template, &dir);
    let certs = tls::generate(&dir.join("tls"), ip);
    write_smb_conf(&template, &dir, ip, &certs);
    fs::create_dir_all(dir.join("pid")).expect("creating pid dir");
    let password_file = write_password_file(&dir);

    let inst = Instance {
        dir: dir.clone(),
        ip,
        url: format!("ldaps://{ip}:636"),
        ca: certs.ca.clone(),
        _addr_lock: addr_lock,
    };
    let daemon = inst.spawn_and_wait(&password_file);
    eprintln!(
        "[support] samba {} ready in {:.1?} (template {} in {:.1?})",
        inst.url,
        t0.elapsed(),
        if cached { "cached" } else { "made" },
        t_template
    );
    TestServer {
        flavour: Flavour::ActiveDirectory,
        url: inst.url.clone(),
        base_dn: BASE_DN.to_string(),
        bind_dn: BIND_DN.to_string(),
        bind_password: ADMIN_PASSWORD.to_string(),
        ca_cert: Some(certs.ca),
        dir,
        daemon: Some(daemon),
        password_file,
        samba: Some(inst),
        _owner_lock: owner_lock,
        _tempdir: tempdir,
    }
}

/// The version string of the installed Samba (`samba -V`).
fn samba_version() -> String {
    let out = Command::new("samba")
        .arg("-V")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run samba (is it installed? see scripts/install-deps.sh): {e}")
        });
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn template_key() -> String {
    let day = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    let mut h = Sha256::new();
    for part in [
        TEMPLATE_VERSION,
        &samba_version(),
        AD_LDIF,
        &day.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lock_file(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("opening lock {}: {e}", path.display()))
}

/// The cached, provisioned and seeded template dir (made if missing); and whether it was cached.
fn template() -> (PathBuf, bool) {
    static TEMPLATE: OnceLock<(PathBuf, bool)> = OnceLock::new();
    if let Some((p, _)) = TEMPLATE.get() {
        return (p.clone(), true);
    }
    TEMPLATE.get_or_init(make_template).clone()
}

fn make_template() -> (PathBuf, bool) {
    let root = cache_root();
    let key = template_key();
    let dir = root.join(format!("samba-{key}"));
    if dir.join("READY").exists() {
        return (dir, true);
    }
    let lock = lock_file(&root.join(format!("samba-{key}.lock")));
    lock.lock().expect("locking the template lock");
    if dir.join("READY").exists() {
        return (dir, true);
    }
    let t0 = Instant::now();
    let tmp = root.join(format!("samba-{key}.tmp"));
    let _ = fs::remove_dir_all(&tmp);
    let log = root.join(format!("samba-{key}.provision.log"));
    let out = File::create(&log).expect("creating the provision log");
    let status = Command::new("samba-tool")
        .args(["domain", "provision"])
        .arg(format!("--targetdir={}", tmp.display()))
        .args([
            "--realm=SCHOOL.TEST",
            "--domain=SCHOOL",
            "--server-role=dc",
            "--dns-backend=NONE",
            "--use-rfc2307",
            "--host-name=dc1",
            "--option=interfaces=127.0.1.1/8",
            "--option=bind interfaces only=yes",
        ])
        .arg(format!("--adminpass={ADMIN_PASSWORD}"))
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log handle"))
        .stderr(out)
        .status()
        .unwrap_or_else(|e| panic!("cannot run samba-tool (is samba installed?): {e}"));
    assert!(
        status.success(),
        "samba-tool domain provision failed ({status}); log {}:\n{}",
        log.display(),
        tail(&log, 30)
    );
    // Seed offline: far quicker than over LDAP, and no address needed.
    let fixture = tmp.join("fixture.ldif");
    fs::write(&fixture, AD_LDIF).expect("writing the fixture");
    let out = Command::new("ldbadd")
        .arg("-H")
        .arg(tmp.join("private/sam.ldb"))
        .arg(&fixture)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run ldbadd (is ldb-tools installed?): {e}"));
    assert!(
        out.status.success(),
        "seeding the Samba template with ldbadd failed ({}): {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    fs::write(tmp.join("TEMPLATE_PATH"), tmp.to_string_lossy().as_bytes())
        .expect("writing TEMPLATE_PATH");
    fs::write(tmp.join("READY"), key.as_bytes()).expect("writing READY");
    fs::rename(&tmp, &dir).expect("moving the template into place");
    eprintln!("[support] samba template made in {:.1?}", t0.elapsed());
    drop(lock);
    remove_old_templates(&root, &key);
    (dir, false)
}

/// Removes templates of other keys that are more than two days old and not in use.
fn remove_old_templates(root: &Path, key: &str) {
    let Ok(rd) = fs::read_dir(root) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(k) = name.strip_prefix("samba-") else {
            continue;
        };
        if k.contains('.') || k == key {
            continue;
        }
        let old = fs::metadata(e.path().join("READY"))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Duration::from_secs(2 * 86_400));
        if !old {
            continue;
        }
        let lock = lock_file(&root.join(format!("samba-{k}.lock")));
        if lock.try_lock().is_ok() {
            let _ = fs::remove_dir_all(e.path());
            let _ = fs::remove_file(root.join(format!("samba-{k}.provision.log")));
        }
    }
}

/// `cp -a template/. dir/` under a shared lock (so the template cannot be removed meanwhile).
fn copy_template(template: &Path, dir: &Path) {
    let key = template
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("samba-"))
        .expect("template dir name");
    let lock = lock_file(&cache_root().join(format!("samba-{key}.lock")));
    lock.lock_shared().expect("locking the template (shared)");
    let mut src = template.as_os_str().to_owned();
    src.push("/.");
    let out = Command::new("cp")
        .arg("-a")
        .arg(&src)
        .arg(dir)
        .output()
        .expect("running cp");
    assert!(
        out.status.success(),
        "copying the Samba template failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// Rewrites the template's smb.conf for this dir, address and certificate.
fn write_smb_conf(template: &Path, dir: &Path, ip: Ipv4Addr, certs: &tls::Certs) {
    let made_at = fs::read_to_string(template.join("TEMPLATE_PATH")).expect("TEMPLATE_PATH");
    let conf_path = dir.join("etc/smb.conf");
    let conf = fs::read_to_string(&conf_path)
        .expect("reading smb.conf")
        .replace(made_at.trim(), &dir.to_string_lossy());
    const OURS: &[&str] = &[
        "interfaces",
        "bind interfaces only",
        "log file",
        "logging",
        "server services",
        "pid directory",
        "ncalrpc dir",
        "winbindd socket directory",
        "ntp signd socket directory",
        "prefork children",
    ];
    let d = dir.display();
    let ours = format!(
        "\tinterfaces = {ip}/8\n\
         \tbind interfaces only = yes\n\
         \tserver services = ldap\n\
         \tprefork children = 2\n\
         \tlog file = {d}/log.samba\n\
         \tpid directory = {d}/pid\n\
         \tncalrpc dir = {d}/ncalrpc\n\
         \twinbindd socket directory = {d}/winbindd\n\
         \tntp signd socket directory = {d}/ntp_signd\n\
         \ttls enabled = yes\n\
         \ttls keyfile = {}\n\
         \ttls certfile = {}\n\
         \ttls cafile = {}\n",
        certs.key.display(),
        certs.cert.display(),
        certs.ca.display()
    );
    let mut out = String::new();
    for line in conf.lines() {
        let key = line
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if line.contains('=') && (OURS.contains(&key.as_str()) || key.starts_with("tls ")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[global]" {
            out.push_str(&ours);
        }
    }
    fs::write(&conf_path, out).expect("writing smb.conf");
}

/// A loopback address nothing listens on, reserved with a lock file for this server's lifetime.
fn reserve_address() -> (Ipv4Addr, File) {
    let locks = cache_root().join("addresses");
    fs::create_dir_all(&locks).expect("creating the address lock dir");
    let n = u32::from(LAST - FIRST) + 1;
    let seed = std::process::id().wrapping_mul(7919)
        ^ SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
    for i in 0..n {
        let host = FIRST + ((seed.wrapping_add(i)) % n) as u8;
        let ip = Ipv4Addr::new(127, 0, 1, host);
        let f = lock_file(&locks.join(format!("{ip}.lock")));
        match f.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(e)) => panic!("locking address {ip}: {e}"),
        }
        if [389, 636, 3268, 3269]
            .iter()
            .all(|&port| TcpListener::bind((ip, port)).is_ok())
        {
            return (ip, f);
        }
    }
    panic!("no free loopback address in 127.0.1.{FIRST}-{LAST} for Samba (are you root?)");
}
