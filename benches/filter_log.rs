//! Timings for the filter log with 10,000 requests in the store: `cargo bench --bench filter_log`.
//!
//! Seeds a store (a mix of pending, agreed, applied, expired, revoked and rejected requests with
//! their decisions) directly through SQL in one transaction, then times `filter list` and
//! `filter export` twice: in process (`ops::filter`) and as the technician runs them (the release
//! binary, a whole process: start, config, store open, read, fold, print). The target is 100 ms.

use schooltech::config::Config;
use schooltech::directory::demo::DemoDirectory;
use schooltech::domain::filter::export::ExportQuery;
use schooltech::domain::filter::{Kind, Scope};
use schooltech::ops::filter::{self, ExportFormat, ListQuery};
use schooltech::ops::Ctx;
use schooltech::store::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REQUESTS: usize = 10_000;
const RUNS: usize = 15;

fn seed(path: &Path) {
    drop(Store::open(path).expect("store"));
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut req = tx
            .prepare(
                "INSERT INTO filter_requests (id, requested_at, requested_by, kind, site, host, host_unicode, \
                 registrable_domain, subdomains, path, ip, scope, reason, until) \
                 VALUES (?1, '2026-09-01T09:00:00Z', 'teacher', ?2, ?3, ?3, ?3, ?4, 0, ?5, NULL, ?6, 'Curriculum need', ?7)",
            )
            .expect("prepare");
        let mut ev = tx
            .prepare(
                "INSERT INTO filter_events (request_id, at, actor, event, role, verdict, reference, note) \
                 VALUES (?1, '2026-09-02T09:00:00Z', ?2, ?3, ?4, ?5, ?6, 'ok')",
            )
            .expect("prepare");
        let scopes = ["school", "staff", "pupils", "year-9", "group:Geography"];
        for i in 1..=REQUESTS as i64 {
            let host = format!("site{i}.example{}.co.uk", i % 97);
            let reg = format!("example{}.co.uk", i % 97);
            let kind = if i % 10 == 0 { "block" } else { "unblock" };
            let path = (i % 7 == 0).then(|| format!("/page/{i}"));
            let until = match i % 11 {
                0 => Some("2026-10-01"), // expired
                1..=3 => Some("2031-01-10"),
                _ => None,
            };
            req.execute(rusqlite::params![
                i,
                kind,
                host,
                reg,
                path,
                scopes[i as usize % 5],
                until
            ])
            .expect("request");
            let state = i % 6; // 0 pending, 1 one approval, 2 agreed, 3 applied, 4 revoked, 5 rejected
            if state >= 1 {
                let v = if state == 5 { "reject" } else { "approve" };
                ev.execute(rusqlite::params![
                    i,
                    "nm",
                    "decision",
                    "network-manager",
                    v,
                    None::<String>
                ])
                .expect("decision");
            }
            if (2..=4).contains(&state) {
                ev.execute(rusqlite::params![
                    i,
                    "ict",
                    "decision",
                    "ict-coordinator",
                    "approve",
                    None::<String>
                ])
                .expect("decision");
            }
            if (3..=4).contains(&state) {
                ev.execute(rusqlite::params![
                    i,
                    "nm",
                    "applied",
                    None::<String>,
                    None::<String>,
                    Some(format!("SW-{i}"))
                ])
                .expect("applied");
            }
            if state == 4 {
                ev.execute(rusqlite::params![
                    i,
                    "nm",
                    "revoked",
                    None::<String>,
                    None::<String>,
                    None::<String>
                ])
                .expect("revoked");
            }
        }
    }
    tx.commit().expect("commit");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// CPU time of this thread so far (ns on the CPU, from the scheduler): the machine is shared, so
/// wall time alone says more about the neighbours than about us.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// CPU time (user + system) of the children waited for so far, from /proc/self/stat (1/100 s).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    // after the command come the fields from 3 (state) on; cutime and cstime are 16 and 17
    let fields: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|x| x.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((get(16) + get(17)) * 10)
}

fn time<F: FnMut() -> usize>(label: &str, child: bool, mut f: F) {
    let mut times = Vec::with_capacity(RUNS);
    let mut size = 0;
    let cpu0 = if child { children_cpu() } else { thread_cpu() };
    for _ in 0..RUNS {
        let t = Instant::now();
        size = f();
        times.push(t.elapsed());
    }
    let cpu = if child { children_cpu() } else { thread_cpu() }.saturating_sub(cpu0);
    println!(
        "{label:<44} wall median {:>6.1} ms  cpu mean {:>6.1} ms  ({size} bytes/rows)",
        median(times).as_secs_f64() * 1000.0,
        cpu.as_secs_f64() * 1000.0 / RUNS as f64
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("schooltech.db");
    let t = Instant::now();
    seed(&db);
    println!(
        "seeded {REQUESTS} requests in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut config = Config::default();
    config.school.name = "Bench Academy".into();
    let roles = config.directory.roles.clone();
    let demo = DemoDirectory::generated(10, roles);
    let ctx = Ctx::with_directory(config, Arc::new(demo), db.clone(), None);
    let now = chrono::Utc::now();
    let q = ExportQuery {
        kind: Kind::Unblock,
        scope: Some(Scope::School),
    };
    println!("in process (store reads, then ops::filter):");
    let store = Store::open(&db).expect("store");
    time("  store: read 10,000 requests", false, || {
        store.filter_requests().expect("read").len()
    });
    time("  store: read every event", false, || {
        store.filter_events(None).expect("read").len()
    });
    time("  list (all 10,000)", false, || {
        filter::list(&ctx, &ListQuery::default(), now)
            .expect("list")
            .len()
    });
    time("  export domains", false, || {
        filter::export(&ctx, ExportFormat::Domains, &q, now)
            .expect("export")
            .len()
    });
    time("  export json", false, || {
        filter::export(&ctx, ExportFormat::Json, &q, now)
            .expect("export")
            .len()
    });

    // The binary as the technician runs it (a config whose directory is never contacted).
    let pw = dir.path().join("bindpw");
    std::fs::write(&pw, "unused").expect("pw");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let cfg = dir.path().join("schooltech.toml");
    std::fs::write(
        &cfg,
        format!(
            "[school]\nname = \"Bench Academy\"\n[directory]\nurl = \"ldap://127.0.0.1:1\"\nbind_dn = \"cn=x\"\nbase_dn = \"dc=x\"\nbind_password_file = \"{}\"\n[store]\npath = \"{}\"\n",
            pw.display(),
            db.display()
        ),
    )
    .expect("config");
    let bin = env!("CARGO_BIN_EXE_schooltech");
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run schooltech");
        assert!(
            out.status.success() || out.status.code() == Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout.len()
    };
    println!("the binary, whole process ({bin}):");
    time("  filter list (table)", true, || run(&["filter", "list"]));
    time("  filter list --format json", true, || {
        run(&["filter", "list", "--format", "json"])
    });
    time("  filter list --due", true, || {
        run(&["filter", "list", "--due"])
    });
    time("  filter export --format domains", true, || {
        run(&["filter", "export", "--format", "domains"])
    });
    time("  filter export --format urls --scope all", true, || {
        run(&["filter", "export", "--format", "urls", "--scope", "all"])
    });
    time("  filter export --format csv", true, || {
        run(&["filter", "export", "--format", "csv"])
    });
    time("  filter review report", true, || {
        run(&["filter", "review", "report"])
    });
}
