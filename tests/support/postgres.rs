//! A real PostgreSQL for store tests (issue 27): Debian's binaries (`/usr/lib/postgresql/*/bin`,
//! installed by `scripts/install-deps.sh`), a cluster made by `initdb` in a temp dir under the
//! test cache (as the `postgres` user when the tests run as root), on a free port of 127.0.0.1,
//! password (SCRAM) over TCP, trust over its own Unix socket for `psql` as the harness.
//!
//! - `cluster()`: one shared cluster per test process, started on first use (about 2-3 s).
//! - `PgCluster::private()`: a cluster of the test's own, to stop and start (`stop`, `start`).
//! - `cluster.database()`: a fresh database for one test, made from `template1`.
//! - `db.url` (the superuser, password in `SUPERUSER_PASSWORD`), `db.psql(sql)`,
//!   `db.make_role(name, password)`.
//!
//! The server runs under the same stdin guard as slapd: when the test process exits or dies,
//! the pipe closes and the guard stops PostgreSQL (fast shutdown). Leftover dirs of dead
//! processes go on the next run (`server_dir`).

use super::{run, server_dir};
use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The cluster superuser's password (user `postgres`). Test-only; never printed.
pub const SUPERUSER_PASSWORD: &str = "Pg!Harness#2026";

/// Runs postgres (args after the script) in the background and stops it with a fast shutdown
/// when our stdin reaches EOF (the test process dropped the pipe, or died).
const GUARD: &str = r#"exec 3<&0
"$@" </dev/null &
p=$!
( while read -r _; do :; done; kill -INT "$p" 2>/dev/null ) <&3 &
r=$!
exec 3<&-
wait "$p"; s=$?
kill "$r" 2>/dev/null
exit "$s""#;

/// The newest Debian PostgreSQL's bin dir.
pub fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/install-deps.sh")
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, b)| b)
        .expect("no /usr/lib/postgresql/*/bin/postgres: run scripts/install-deps.sh")
}

fn is_root() -> bool {
    // SAFETY-free: /proc/self/status is the simplest way without libc.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A command that runs `program` as the `postgres` user when we are root (initdb and postgres
/// refuse root), else as ourselves.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--reset-env",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A running PostgreSQL cluster.
pub struct PgCluster {
    /// The temp dir holding `data/` and the socket dir `sock/`.
    pub dir: PathBuf,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// With TLS (`private_tls`): the PEM of the CA that signed the server's certificate.
    pub ca: Option<PathBuf>,
    daemon: Mutex<Option<Child>>,
    _tempdir: tempfile::TempDir,
    _owner_lock: File,
}

static SHARED: OnceLock<PgCluster> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(1);

/// The cluster shared by the tests of this process.
pub fn cluster() -> &'static PgCluster {
    SHARED.get_or_init(PgCluster::private)
}

impl PgCluster {
    /// A new cluster of its own (initdb, start), for a test that stops and starts it.
    pub fn private() -> PgCluster {
        PgCluster::make(false)
    }

    /// A new cluster of its own serving TLS (`ssl = on`) with a certificate for 127.0.0.1 signed
    /// by a throwaway CA (`ca`).
    pub fn private_tls() -> PgCluster {
        PgCluster::make(true)
    }

    fn make(tls: bool) -> PgCluster {
        let (tempdir, owner_lock) = server_dir("pg-");
        let dir = tempdir.path().to_path_buf();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod pg dir");
        let (data, sock) = (dir.join("data"), dir.join("sock"));
        fs::create_dir_all(&sock).expect("creating the socket dir");
        let pwfile = dir.join("pwfile");
        fs::write(&pwfile, SUPERUSER_PASSWORD).expect("writing the pwfile");
        if is_root() {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(st.success(), "chown of the pg dir failed");
        }
        let bin = bin_dir();
        let mut init = as_postgres(&bin.join("initdb"));
        init.arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        let out = run(init, None, "initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = fs::remove_file(&pwfile);
        let mut ca = None;
        if tls {
            let certs = super::tls::generate(&dir.join("tls"), std::net::Ipv4Addr::LOCALHOST);
            fs::copy(&certs.cert, data.join("server.crt")).expect("copying the cert");
            fs::copy(&certs.key, data.join("server.key")).expect("copying the key");
            fs::set_permissions(data.join("server.key"), fs::Permissions::from_mode(0o600))
                .expect("chmod key");
            if is_root() {
                let st = Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(data.join("server.crt"))
                    .arg(data.join("server.key"))
                    .status()
                    .expect("chown");
                assert!(st.success(), "chown of the TLS files failed");
            }
            fs::write(
                data.join("postgresql.auto.conf"),
                "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
            )
            .expect("writing postgresql.auto.conf");
            if is_root() {
                let _ = Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(data.join("postgresql.auto.conf"))
                    .status();
            }
            ca = Some(certs.ca);
        }
        let mut c = PgCluster {
            dir,
            ca,
            port: 0,
            daemon: Mutex::new(None),
            _tempdir: tempdir,
            _owner_lock: owner_lock,
        };
        c.port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("finding a free port")
            .port();
        c.start();
        c
    }

    /// Starts the server (again), waiting until it answers.
    pub fn start(&self) {
        let mut daemon = self.daemon.lock().unwrap_or_else(|e| e.into_inner());
        if daemon.is_some() {
            return;
        }
        let mut cmd = Command::new("sh");
        cmd.args(["-c", GUARD, "pg-guard"]);
        if is_root() {
            cmd.args([
                "setpriv",
                "--reuid=postgres",
                "--regid=postgres",
                "--init-groups",
            ]);
        }
        cmd.arg(bin_dir().join("postgres"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(self.dir.join("sock"))
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=60",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(File::create(self.dir.join("postgres.log")).expect("creating the pg log"));
        let child = cmd.spawn().expect("starting postgres");
        *daemon = Some(child);
        drop(daemon);
        let t0 = Instant::now();
        loop {
            let out = self.psql_in("postgres", "SELECT 1");
            if out.status.success() {
                return;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "PostgreSQL did not start: {}",
                fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server (fast shutdown: open connections are cut), waiting until it is gone.
    pub fn stop(&self) {
        let mut daemon = self.daemon.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut child) = daemon.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    fn psql_in(&self, db: &str, sql: &str) -> std::process::Output {
        let mut cmd = Command::new(bin_dir().join("psql"));
        cmd.arg("-h")
            .arg(self.dir.join("sock"))
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]);
        run(cmd, None, "psql")
    }

    /// Runs `sql` as the superuser in database `db`; panics with psql's words when it fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.psql_in(db, sql);
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A fresh database for one test, from `template1`.
    pub fn database(&self) -> PgDatabase<'_> {
        self.database_from("template1")
    }

    /// A fresh database for one test, a copy of the database `template` (which no session
    /// may be connected to).
    pub fn database_from(&self, template: &str) -> PgDatabase<'_> {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        );
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} TEMPLATE {template}"),
        );
        PgDatabase {
            cluster: self,
            url: format!("postgres://postgres@127.0.0.1:{}/{name}", self.port),
            name,
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One test's database.
pub struct PgDatabase<'a> {
    cluster: &'a PgCluster,
    /// Its name.
    pub name: String,
    /// `postgres://postgres@127.0.0.1:PORT/NAME` (password: [`SUPERUSER_PASSWORD`]).
    pub url: String,
}

impl PgDatabase<'_> {
    /// Runs `sql` in this database as the superuser.
    pub fn psql(&self, sql: &str) -> String {
        self.cluster.psql(&self.name, sql)
    }

    /// Runs `sql` in this database as the superuser: its output, or psql's error words.
    pub fn try_psql(&self, sql: &str) -> Result<String, String> {
        let out = self.cluster.psql_in(&self.name, sql);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// The URL of this database as `role` (which must exist).
    pub fn url_as(&self, role: &str) -> String {
        format!(
            "postgres://{role}@127.0.0.1:{}/{}",
            self.cluster.port, self.name
        )
    }

    /// Makes a login role with `password` (no other rights), unless it exists.
    pub fn make_role(&self, role: &str, password: &str) {
        self.psql(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE {role} LOGIN PASSWORD '{password}'; END IF; END $$"
        ));
    }
}

/// A CA of its own in `dir` that signed nothing PostgreSQL serves (for refusals).
pub fn stranger_ca(dir: &Path) -> PathBuf {
    super::tls::generate(dir, std::net::Ipv4Addr::LOCALHOST).ca
}
