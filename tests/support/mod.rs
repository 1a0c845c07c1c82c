//! Real directory servers for integration tests: a Samba AD DC and an OpenLDAP slapd, each fresh,
//! private to one test and seeded with the fixture school in `tests/fixtures/` (see its README).
//!
//! Use it from an integration test with `mod support;`:
//!
//! ```ignore
//! mod support;
//! use support::TestServer;
//!
//! #[test]
//! fn finds_pupils() {
//!     for server in TestServer::both() {
//!         let out = server.ldapsearch("(employeeID=P100001)", &["dn"]);
//!         // ...
//!     }
//! }
//! ```
//!
//! - `TestServer::samba()` / `slapd()` / `both()`: fresh servers (Samba about 1-2 s from the cached
//!   template, about 9 s the first time a day; slapd well under 1 s).
//! - fields `flavour`, `url`, `base_dn`, `bind_dn`, `bind_password`, `ca_cert` (Samba), `dir`.
//! - `write_config()`: a schooltech config for the server (password in a 0600 file, store in `dir`).
//! - `ldapsearch(filter, attrs)` / `ldapsearch_in(base, scope, ...)` / `ldapmodify(ldif)` as the
//!   admin; `parse_ldif`, `ldif_values` decode the answers; `escape_filter` for RFC 4515 values.
//! - `user_dn(username)`, `can_bind(dn, password)`, `FIXTURE_PASSWORD` (every fixture person's).
//! - `samba_modify_offline(ldif)`: stop, `ldbmodify --controls=relax:0`, restart (e.g. to set
//!   `lastLogonTimestamp`).
//!
//! Servers are torn down when the `TestServer` is dropped (also when the test panics). If the test
//! process dies without unwinding (killed, `process::exit`), the servers notice their stdin pipe
//! closing and exit on their own: Samba does this natively in `-i` mode, slapd runs under a tiny
//! `sh` guard that does it. Leftover temp dirs of dead processes are removed on the next run.
//!
//! This module depends on no schooltech library code on purpose, but for `engines` (the store
//! engine matrix, which opens a `Store`). `pause`: a real run stopped at a test point and killed.
#![allow(dead_code)]

pub mod engines;
pub mod pause;
pub mod postgres;
mod samba;
mod slapd;
mod tls;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

/// Password of every person in the fixture school (both flavours).
pub const FIXTURE_PASSWORD: &str = "Publ1c!Fixture#2026";
/// Bind password of the administrator of every test server. Never print it.
const ADMIN_PASSWORD: &str = "Adm1n!Harness#Pass";

/// Which kind of directory a [`TestServer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    ActiveDirectory,
    OpenLdap,
}

impl Flavour {
    /// The value of `directory.flavour` in a schooltech config.
    pub fn config_name(self) -> &'static str {
        match self {
            Flavour::ActiveDirectory => "active-directory",
            Flavour::OpenLdap => "openldap",
        }
    }

    /// The attribute holding the login name: `sAMAccountName` / `uid`.
    pub fn username_attribute(self) -> &'static str {
        match self {
            Flavour::ActiveDirectory => "sAMAccountName",
            Flavour::OpenLdap => "uid",
        }
    }

    /// The attribute holding the MIS id: `employeeID` / `employeeNumber`.
    pub fn mis_id_attribute(self) -> &'static str {
        match self {
            Flavour::ActiveDirectory => "employeeID",
            Flavour::OpenLdap => "employeeNumber",
        }
    }
}

/// A running directory server seeded with the fixture school, private to one test.
pub struct TestServer {
    pub flavour: Flavour,
    /// e.g. `ldaps://127.0.1.5:636` for Samba, `ldap://127.0.0.1:PORT` for slapd.
    pub url: String,
    /// `DC=school,DC=test` / `dc=school,dc=test`.
    pub base_dn: String,
    pub bind_dn: String,
    pub bind_password: String,
    /// PEM CA that signed the server certificate (Samba only).
    pub ca_cert: Option<PathBuf>,
    /// This server's temp dir (removed on drop).
    pub dir: PathBuf,
    daemon: Option<Daemon>,
    /// Where the bind password lives (mode 0600, no newline).
    password_file: PathBuf,
    /// Samba only: what is needed to restart it after an offline change.
    samba: Option<samba::Instance>,
    /// Held while the server lives: marks `dir` as in use (stale-dir cleanup skips it).
    _owner_lock: File,
    _tempdir: tempfile::TempDir,
}

impl TestServer {
    /// A fresh Samba AD DC (LDAPS on its own loopback address), seeded with the fixture.
    pub fn samba() -> TestServer {
        samba::start()
    }

    /// A fresh slapd with the ppolicy overlay on a free 127.0.0.1 port, seeded with the fixture.
    pub fn slapd() -> TestServer {
        slapd::start()
    }

    /// Both servers, Samba first, started in parallel.
    pub fn both() -> Vec<TestServer> {
        std::thread::scope(|s| {
            let a = s.spawn(TestServer::samba);
            let b = s.spawn(TestServer::slapd);
            let a = a.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            let b = b.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            vec![a, b]
        })
    }

    /// Writes a schooltech config for this server to `dir/schooltech.toml` (bind password in a
    /// 0600 file next to it, store at `dir/schooltech.db`) and returns its path.
    pub fn write_config(&self) -> PathBuf {
        let mut s = String::new();
        s.push_str("[school]\nname = \"Test Academy\"\n\n[directory]\n");
        s.push_str(&format!("url = {}\n", toml_str(&self.url)));
        s.push_str(&format!(
            "flavour = {}\n",
            toml_str(self.flavour.config_name())
        ));
        s.push_str(&format!("bind_dn = {}\n", toml_str(&self.bind_dn)));
        s.push_str(&format!(
            "bind_password_file = {}\n",
            toml_str(&self.password_file.to_string_lossy())
        ));
        s.push_str(&format!("base_dn = {}\n", toml_str(&self.base_dn)));
        if let Some(ca) = &self.ca_cert {
            s.push_str(&format!("ca_cert = {}\n", toml_str(&ca.to_string_lossy())));
        }
        s.push_str("tls_verify = true\n");
        s.push_str(&format!(
            "mis_id_attribute = {}\n",
            toml_str(self.flavour.mis_id_attribute())
        ));
        let store = self.dir.join("schooltech.db");
        s.push_str(&format!(
            "\n[store]\npath = {}\n",
            toml_str(&store.to_string_lossy())
        ));
        let path = self.dir.join("schooltech.toml");
        fs::write(&path, s).expect("writing the test config");
        path
    }

    /// `ldapsearch -LLL` (subtree under `base_dn`, paged, unwrapped) as the admin; panics on error.
    /// Referral comment lines (`# refldaps://...`, AD) are dropped. Non-ASCII values come back
    /// base64-encoded (`attr:: ...`): use [`ldif_values`] / [`parse_ldif`] to read them.
    pub fn ldapsearch(&self, filter: &str, attrs: &[&str]) -> String {
        self.ldapsearch_in(&self.base_dn, "sub", filter, attrs)
    }

    /// Like [`TestServer::ldapsearch`] with another base and scope (`base`, `one`, `sub`).
    pub fn ldapsearch_in(&self, base: &str, scope: &str, filter: &str, attrs: &[&str]) -> String {
        let mut cmd = self.ldap_tool("ldapsearch");
        cmd.args(["-LLL", "-o", "ldif-wrap=no", "-E", "pr=1000/noprompt"])
            .args(["-b", base, "-s", scope, filter])
            .args(attrs);
        let out = run(cmd, None, "ldapsearch");
        // 32 = no such object: an empty answer, not an error
        if !out.status.success() && out.status.code() != Some(32) {
            panic!(
                "ldapsearch {filter:?} under {base:?} against {} failed ({}): {}",
                self.url,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("# refldap"))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Applies an LDIF (`changetype:` records; plain records are adds) as the admin; panics on error.
    pub fn ldapmodify(&self, ldif: &str) {
        let mut cmd = self.ldap_tool("ldapmodify");
        cmd.arg("-a");
        let out = run(cmd, Some(ldif.as_bytes()), "ldapmodify");
        if !out.status.success() {
            panic!(
                "ldapmodify against {} failed ({}): {}\n{}",
                self.url,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
    }

    /// Whether a simple bind with these credentials succeeds (e.g. to check a password change).
    pub fn can_bind(&self, dn: &str, password: &str) -> bool {
        // (Samba has no WhoAmI extended operation: read the root DSE after binding instead)
        let mut cmd = Command::new("ldapsearch");
        self.tls_env(&mut cmd);
        cmd.args(["-x", "-H", &self.url, "-D", dn, "-w", password])
            .args(["-b", "", "-s", "base", "1.1"]);
        run(cmd, None, "ldapsearch").status.success()
    }

    /// The DN of the account with this login name (`sAMAccountName` / `uid`); panics if not
    /// exactly one.
    pub fn user_dn(&self, username: &str) -> String {
        let filter = format!(
            "({}={})",
            self.flavour.username_attribute(),
            escape_filter(username)
        );
        let entries = parse_ldif(&self.ldapsearch(&filter, &["1.1"]));
        match entries.as_slice() {
            [e] => e.dn.clone(),
            _ => panic!(
                "expected one account named {username:?} on {}, found {}",
                self.url,
                entries.len()
            ),
        }
    }

    /// Samba only: stops the server, applies `ldif` directly to `private/sam.ldb` with
    /// `ldbmodify --controls=relax:0` (so attributes such as `lastLogonTimestamp` can be set),
    /// and starts it again on the same address.
    pub fn samba_modify_offline(&mut self, ldif: &str) {
        assert_eq!(
            self.flavour,
            Flavour::ActiveDirectory,
            "samba_modify_offline is for Samba"
        );
        if let Some(mut d) = self.daemon.take() {
            d.stop();
        }
        let mut cmd = Command::new("ldbmodify");
        cmd.arg("-H")
            .arg(self.dir.join("private/sam.ldb"))
            .arg("--controls=relax:0");
        let out = run(cmd, Some(ldif.as_bytes()), "ldbmodify");
        if !out.status.success() {
            panic!(
                "ldbmodify failed ({}): {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
        let inst = self.samba.as_ref().expect("samba instance");
        self.daemon = Some(inst.spawn_and_wait(&self.password_file));
    }

    /// slapd only: stops the server, adds these (DN, attribute, value) to its entries offline
    /// (`slapcat`, edit, `slapadd`: operational attributes such as `pwdLastSuccess` too, which
    /// not even the relax control may write), and starts it again on the same URL.
    pub fn slapd_add_offline(&mut self, adds: &[(String, String, String)]) {
        assert_eq!(
            self.flavour,
            Flavour::OpenLdap,
            "slapd_add_offline is for slapd"
        );
        slapd::add_offline(self, adds);
    }

    /// The process id of the server (Samba's root process / slapd's guard), if running. It leads
    /// its own process group.
    pub fn pid(&self) -> Option<u32> {
        self.daemon.as_ref().map(|d| d.child.id())
    }

    /// The last `n` lines of the server's log (for diagnostics).
    pub fn log_tail(&self, n: usize) -> String {
        match &self.daemon {
            Some(d) => tail(&d.log, n),
            None => String::from("(server not running)"),
        }
    }

    /// `ldapsearch`/`ldapmodify`... with the admin bind (password from the 0600 file) and TLS env.
    fn ldap_tool(&self, tool: &str) -> Command {
        let mut cmd = Command::new(tool);
        self.tls_env(&mut cmd);
        cmd.args(["-x", "-H", &self.url, "-D", &self.bind_dn, "-y"])
            .arg(&self.password_file);
        cmd
    }

    fn tls_env(&self, cmd: &mut Command) {
        if let Some(ca) = &self.ca_cert {
            cmd.env("LDAPTLS_CACERT", ca)
                .env("LDAPTLS_REQCERT", "demand");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            d.stop();
        }
        // then the fields drop: temp dir removed, address and owner locks released
    }
}

/// One LDIF entry as returned by [`parse_ldif`]: values are decoded (base64 undone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifEntry {
    pub dn: String,
    pub attrs: Vec<(String, String)>,
}

impl LdifEntry {
    /// All values of `attr` (case-insensitive name).
    pub fn get(&self, attr: &str) -> Vec<&str> {
        self.attrs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(attr))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of `attr`, if any.
    pub fn first(&self, attr: &str) -> Option<&str> {
        self.get(attr).into_iter().next()
    }
}

/// Parses `ldapsearch -LLL -o ldif-wrap=no` output (also handles wrapped lines), decoding `::`
/// base64 values as UTF-8.
pub fn parse_ldif(ldif: &str) -> Vec<LdifEntry> {
    let mut lines: Vec<String> = Vec::new();
    for l in ldif.lines() {
        if let Some(cont) = l.strip_prefix(' ') {
            if let Some(last) = lines.last_mut() {
                last.push_str(cont);
                continue;
            }
        }
        lines.push(l.to_string());
    }
    let mut out = Vec::new();
    let mut cur: Option<LdifEntry> = None;
    for l in lines {
        if l.is_empty() {
            out.extend(cur.take());
            continue;
        }
        if l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = if let Some(b) = v.strip_prefix(':') {
            String::from_utf8_lossy(&base64_decode(b.trim())).into_owned()
        } else {
            v.trim_start().to_string()
        };
        if k.eq_ignore_ascii_case("dn") {
            out.extend(cur.take());
            cur = Some(LdifEntry {
                dn: v,
                attrs: Vec::new(),
            });
        } else if let Some(e) = cur.as_mut() {
            e.attrs.push((k.to_string(), v));
        }
    }
    out.extend(cur);
    out
}

/// All decoded values of `attr` over all entries of an LDIF answer.
pub fn ldif_values(ldif: &str, attr: &str) -> Vec<String> {
    parse_ldif(ldif)
        .iter()
        .flat_map(|e| {
            e.get(attr)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// RFC 4515 escaping of a value for use inside a search filter.
pub fn escape_filter(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '*' => s.push_str("\\2a"),
            '(' => s.push_str("\\28"),
            ')' => s.push_str("\\29"),
            '\\' => s.push_str("\\5c"),
            '\0' => s.push_str("\\00"),
            c => s.push(c),
        }
    }
    s
}

fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A TOML basic string.
fn toml_str(v: &str) -> String {
    let mut s = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => s.push_str(&format!("\\u{:04X}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing for samba.rs / slapd.rs

/// `temp_dir()/schooltech-test-cache`: the Samba template, address locks, per-server dirs.
fn cache_root() -> PathBuf {
    let root = std::env::temp_dir().join("schooltech-test-cache");
    fs::create_dir_all(root.join("servers")).expect("creating the test cache dir");
    root
}

/// A fresh per-server dir under the cache (so stale ones of dead processes can be found and
/// removed), plus the lock file that marks it as in use.
fn server_dir(prefix: &str) -> (tempfile::TempDir, File) {
    let servers = cache_root().join("servers");
    static CLEANED: OnceLock<()> = OnceLock::new();
    CLEANED.get_or_init(|| remove_stale_server_dirs(&servers));
    let td = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&servers)
        .expect("creating a server temp dir");
    let lock = File::create(td.path().join(".owner.lock")).expect("creating owner lock");
    lock.lock().expect("locking owner lock");
    (td, lock)
}

/// Removes server dirs whose owner process is gone (its lock is free) and that are not brand new.
fn remove_stale_server_dirs(servers: &Path) {
    let Ok(rd) = fs::read_dir(servers) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Duration::from_secs(120));
        if !old {
            continue;
        }
        let free = match File::open(p.join(".owner.lock")) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => true,
        };
        if free {
            let _ = fs::remove_dir_all(&p);
        }
    }
}

/// Writes the admin password (no newline, mode 0600) to `dir/bindpw`.
fn write_password_file(dir: &Path) -> PathBuf {
    let path = dir.join("bindpw");
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .expect("creating the bind password file");
    f.write_all(ADMIN_PASSWORD.as_bytes())
        .expect("writing the bind password file");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod 600 bindpw");
    path
}

/// Runs a command to completion, feeding `input` on stdin; panics only if it cannot be started.
fn run(mut cmd: Command, input: Option<&[u8]>, what: &str) -> std::process::Output {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what} (is it installed?): {e}"));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        // a thread, so a large input cannot deadlock against a full stdout pipe
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// The last `n` lines of a file.
fn tail(path: &Path, n: usize) -> String {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) => return format!("(no log at {}: {e})", path.display()),
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A server process in its own process group, whose stdin is a pipe we hold: when the pipe closes
/// (we drop it, or this process dies) the server exits (Samba `-i` does so itself; slapd runs
/// under an `sh` guard that does).
struct Daemon {
    child: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
    name: &'static str,
}

impl Daemon {
    fn spawn(mut cmd: Command, log: &Path, name: &'static str) -> Daemon {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("opening the server log");
        let err = out.try_clone().expect("cloning the log handle");
        cmd.stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} (is it installed?): {e}"));
        let stdin = child.stdin.take();
        Daemon {
            child,
            stdin,
            log: log.to_path_buf(),
            name,
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// Polls until the leader has exited (reaping it) or `timeout` passes.
    fn wait_for(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if self.exited().is_some() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server and everything in its process group; idempotent.
    fn stop(&mut self) {
        drop(self.stdin.take()); // EOF: the server (or its guard) shuts down
        if !self.wait_for(Duration::from_secs(10)) {
            signal_group(self.pgid(), "TERM");
            if !self.wait_for(Duration::from_secs(5)) {
                signal_group(self.pgid(), "KILL");
                let _ = self.child.wait();
            }
        }
        // workers (Samba's prefork children) may outlive the leader by a moment
        let until = Instant::now() + Duration::from_secs(5);
        while !group_members(self.pgid()).is_empty() {
            if Instant::now() >= until {
                signal_group(self.pgid(), "KILL");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(pgid: u32, sig: &str) {
    if group_members(pgid).is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-s", sig, "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Live (non-zombie) processes whose process group is `pgid`, from /proc.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(rd) = fs::read_dir("/proc") else {
        return pids;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
            pids.push(pid);
        }
    }
    pids
}

/// Polls `ready` every 100 ms until it holds; panics with the log tail if the server exits or
/// `timeout` passes.
fn wait_ready(daemon: &mut Daemon, timeout: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    loop {
        if ready() {
            return;
        }
        if let Some(status) = daemon.exited() {
            panic!(
                "{} ({what}) exited during startup ({status}); log {}:\n{}",
                daemon.name,
                daemon.log.display(),
                tail(&daemon.log, 30)
            );
        }
        if start.elapsed() > timeout {
            panic!(
                "{} ({what}) not ready after {:?}; log {}:\n{}",
                daemon.name,
                timeout,
                daemon.log.display(),
                tail(&daemon.log, 30)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
