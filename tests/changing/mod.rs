//! The one classification of every subcommand of the clap tree (reads or changes, and for a
//! changing one the arguments of a run that would change something), with the store and
//! directory fixture they run against. Shared by `tests/as_of_gate.rs` (every changing command is
//! refused under `--as-of`) and `tests/cli_dry_run.rs` (every changing command changes nothing
//! under `--dry-run`): a new subcommand is classified once, here, or both fail.

#![allow(dead_code)]

use crate::common::{st, Run};
use crate::support::TestServer;
use clap::CommandFactory;
use schooltech::cli::Cli;
use std::collections::BTreeSet;
use std::path::Path;

pub const STAFF: &str = "sarah.roberts";
pub const PUPIL: &str = "harry.hughes";

/// How a leaf subcommand is tried: `Reads` (nothing to refuse) or `Changes(args)`, the
/// arguments of a run that would change something without `--as-of`.
pub enum Class {
    Reads,
    Changes(Vec<String>),
}

pub fn changes(args: &[&str]) -> Class {
    Class::Changes(args.iter().map(|s| s.to_string()).collect())
}

/// Every leaf of the clap tree, by its path ("inventory disposal add"). A parent that runs
/// itself too (`sweep`) is listed as well as its children.
pub fn leaves() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeSet<String>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if (subs.is_empty() || !cmd.is_subcommand_required_set()) && !path.is_empty() {
            out.insert(path.to_string());
        }
        for s in subs {
            let p = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path} {}", s.get_name())
            };
            walk(s, &p, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&Cli::command(), "", &mut out);
    out
}

/// The classification. `tag` and `batch` are made by the setup.
pub fn classify(path: &str, dir: &Path) -> Option<Class> {
    let csv = dir.join("intake.csv");
    let csv = csv.to_str().expect("utf-8");
    let aup_csv = dir.join("aup.csv");
    let aup_csv = aup_csv.to_str().expect("utf-8");
    let assets_csv = dir.join("assets.csv");
    let assets_csv = assets_csv.to_str().expect("utf-8");
    let scans = dir.join("scans.txt");
    let scans = scans.to_str().expect("utf-8");
    let mis = dir.join("mis.csv");
    let mis = mis.to_str().expect("utf-8");
    Some(match path {
        // Only read (or write a file the technician names, never the store or the directory).
        "doctor"
        | "accounts list"
        | "accounts show"
        | "passwords check"
        | "passwords generate"
        | "passwords report"
        | "passwords policy show"
        | "creds list"
        | "creds report"
        | "creds show"
        | "log show"
        | "log verify"
        | "log anchor"
        | "log pending"
        | "filter list"
        | "filter show"
        | "filter export"
        | "filter review status"
        | "filter review report"
        | "inventory show"
        | "inventory list"
        | "inventory history"
        | "inventory loans"
        | "inventory agreement"
        | "inventory encryption"
        | "inventory software report"
        | "inventory audit report"
        | "inventory labels"
        | "inventory disposal show"
        | "inventory disposal report"
        | "inventory export"
        | "aup status"
        | "aup sheets"
        | "leavers scan"
        | "sweep list"
        | "sweep report"
        | "report termly"
        | "changes"
        | "generate"
        | "generate man"
        | "generate completions"
        | "store check" => Class::Reads,
        // Changes the PostgreSQL store's schema: refused under --as-of before it connects.
        "store migrate" => changes(&["store", "migrate"]),
        "store copy" => changes(&["store", "copy", "--from", "sqlite:/nonexistent/store.db"]),
        // `init` writes a configuration file, not the store or the directory; it is refused
        // under --as-of too, but it is tried in its own test (it needs no server).
        "init" => Class::Reads,

        "accounts create" => changes(&[
            "accounts",
            "create",
            "--role",
            "staff",
            "--first",
            "Gate",
            "--last",
            "Keeper",
            "--show-password",
        ]),
        "accounts reset-password" => {
            changes(&["accounts", "reset-password", PUPIL, "--show-password"])
        }
        "accounts disable" => changes(&["accounts", "disable", PUPIL, "--reason", "gate"]),
        "accounts enable" => changes(&["accounts", "enable", "gate.disabled"]),
        "accounts unlock" => changes(&["accounts", "unlock", PUPIL]),
        "accounts move" => changes(&["accounts", "move", PUPIL, "--to", "OU=Staff,OU=School"]),
        "accounts groups" => changes(&["accounts", "groups", PUPIL, "--add", "Staff"]),
        "accounts expire" => changes(&["accounts", "expire", PUPIL, "--on", "2031-07-20"]),
        "accounts import" => changes(&["accounts", "import", csv, "--apply"]),
        "sync" => changes(&["sync", "--mis", mis, "--apply", "--yes"]),
        "passwords expire" => changes(&["passwords", "expire", PUPIL, "--yes"]),
        "passwords clear-never-expires" => {
            changes(&["passwords", "clear-never-expires", PUPIL, "--yes"])
        }
        "passwords policy apply" => changes(&["passwords", "policy", "apply", "--yes"]),
        "creds add" => changes(&[
            "creds",
            "add",
            "Gate desk",
            "--system",
            "https://gate.example",
            "--owner",
            STAFF,
        ]),
        "creds update" => changes(&["creds", "update", "Gate login", "--period", "30"]),
        "creds rotated" => changes(&["creds", "rotated", "Gate login"]),
        "log settle" => changes(&["log", "settle", "1", "--done", "--reason", "gate"]),
        "filter request" => changes(&[
            "filter",
            "request",
            "--by",
            STAFF,
            "--site",
            "gate.example.org",
            "--reason",
            "gate",
        ]),
        "filter decide" => changes(&[
            "filter",
            "decide",
            "1",
            "approve",
            "--as",
            "network-manager",
            "--by",
            STAFF,
            "--comment",
            "gate",
        ]),
        "filter apply" => changes(&["filter", "apply", "1", "--by", STAFF]),
        "filter revoke" => changes(&["filter", "revoke", "1", "--by", STAFF, "--reason", "gate"]),
        "filter review start" => changes(&["filter", "review", "start", "--by", STAFF]),
        "filter review item" => changes(&[
            "filter", "review", "item", "1", "keep", "--note", "gate", "--by", STAFF,
        ]),
        "filter review close" => changes(&["filter", "review", "close", "--by", STAFF]),
        "inventory add" => changes(&["inventory", "add", "GATE9", "--category", "laptop"]),
        "inventory edit" => changes(&["inventory", "edit", "GATE1", "--room", "Library"]),
        "inventory loan" => changes(&["inventory", "loan", "GATE1", "--to", PUPIL]),
        "inventory return" => changes(&["inventory", "return", "GATE2"]),
        "inventory status" => changes(&["inventory", "status", "GATE1", "lost", "--note", "gate"]),
        "inventory software add" => changes(&[
            "inventory",
            "software",
            "add",
            "GateWord",
            "--licence",
            "site",
        ]),
        "inventory software assign" => changes(&[
            "inventory",
            "software",
            "assign",
            "GateSoft",
            "--asset",
            "GATE1",
        ]),
        "inventory audit start" => changes(&["inventory", "audit", "start", "--name", "Gate two"]),
        "inventory audit scan" => changes(&["inventory", "audit", "scan", "--file", scans]),
        "inventory audit close" => changes(&["inventory", "audit", "close"]),
        "inventory disposal new" => changes(&[
            "inventory",
            "disposal",
            "new",
            "WEEE-GATE-2",
            "--carrier",
            "Gate Recycling",
            "--registration",
            "CBDU1",
        ]),
        "inventory disposal edit" => changes(&[
            "inventory",
            "disposal",
            "edit",
            "WEEE-GATE",
            "--transfer-note",
            "TN-1",
        ]),
        "inventory disposal add" => {
            changes(&["inventory", "disposal", "add", "WEEE-GATE", "GATE4"])
        }
        "inventory disposal sanitised" => changes(&[
            "inventory",
            "disposal",
            "sanitised",
            "WEEE-GATE",
            "GATE3",
            "--method",
            "destroy",
            "--certificate",
            "C1",
            "--verified-by",
            STAFF,
        ]),
        "inventory disposal close" => changes(&[
            "inventory",
            "disposal",
            "close",
            "WEEE-GATE",
            "--signed-off-by",
            STAFF,
        ]),
        "inventory import" => changes(&["inventory", "import", assets_csv, "--apply"]),
        "aup record" => changes(&["aup", "record", PUPIL, "--signed-on", "2026-09-01"]),
        "aup import" => changes(&["aup", "import", aup_csv, "--apply"]),
        "aup publish" => changes(&["aup", "publish", "pupil", "--version", "9"]),
        "leavers restore" => changes(&["leavers", "restore", "gate.disabled", "--show-password"]),
        "sweep" => changes(&["sweep", "--mis", mis, "--apply", "--yes", "--create-ou"]),
        "sweep purge" => changes(&["sweep", "purge", "--apply", "--yes"]),
        _ => return None,
    })
}

pub fn ok(r: Run, what: &str) -> Run {
    assert_eq!(
        r.code, 0,
        "setup {what}: exit {}: {} {}",
        r.code, r.stdout, r.stderr
    );
    r
}

/// One of everything the changing commands act on.
pub fn setup(server: &TestServer, cfg: &Path, dir: &Path) {
    server.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: description\ndescription: gate\n",
        server.user_dn(PUPIL)
    ));
    let s = |args: &[&str]| ok(st(cfg, args, None), &args.join(" "));
    s(&[
        "accounts",
        "create",
        "--role",
        "staff",
        "--first",
        "Gate",
        "--last",
        "Disabled",
        "--username",
        "gate.disabled",
        "--show-password",
    ]);
    s(&["accounts", "disable", "gate.disabled", "--reason", "gate"]);
    s(&[
        "inventory",
        "add",
        "GATE1",
        "--category",
        "laptop",
        "--purchased",
        "2024-01-10",
    ]);
    s(&[
        "inventory",
        "add",
        "GATE2",
        "--category",
        "tablet",
        "--purchased",
        "2024-01-10",
    ]);
    s(&[
        "inventory",
        "add",
        "GATE3",
        "--category",
        "desktop",
        "--purchased",
        "2020-01-10",
    ]);
    s(&[
        "inventory",
        "add",
        "GATE4",
        "--category",
        "display",
        "--purchased",
        "2020-01-10",
    ]);
    s(&[
        "inventory",
        "loan",
        "GATE2",
        "--to",
        PUPIL,
        "--due",
        "2031-01-01",
    ]);
    s(&[
        "inventory",
        "software",
        "add",
        "GateSoft",
        "--licence",
        "site",
    ]);
    s(&["inventory", "audit", "start", "--name", "Gate one"]);
    s(&[
        "inventory",
        "disposal",
        "new",
        "WEEE-GATE",
        "--carrier",
        "Gate Recycling",
        "--registration",
        "CBDU1",
    ]);
    s(&["inventory", "disposal", "add", "WEEE-GATE", "GATE3"]);
    s(&[
        "creds",
        "add",
        "Gate login",
        "--system",
        "https://gate.example",
        "--owner",
        STAFF,
    ]);
    s(&[
        "filter",
        "request",
        "--by",
        STAFF,
        "--site",
        "gate.example.com",
        "--reason",
        "gate",
    ]);
    std::fs::write(
        dir.join("intake.csv"),
        "First Name,Last Name,Role,Form,MIS Id\nGate,Newcomer,pupil,7A,G900001\n",
    )
    .expect("intake");
    std::fs::write(
        dir.join("aup.csv"),
        format!("username,agreement,signed_on\n{PUPIL},pupil,2026-09-02\n"),
    )
    .expect("aup csv");
    std::fs::write(dir.join("assets.csv"), "tag,category\nGATE8,laptop\n").expect("assets csv");
    std::fs::write(dir.join("scans.txt"), "GATE1\n").expect("scans");
    std::fs::write(
        dir.join("mis.csv"),
        "Id,Username,Forename,Surname,Role,Leaving Date\nP100001,,Harry,Hughes,Pupil,20/07/2026\n",
    )
    .expect("mis csv");
}

/// What must not change: the store file (after every process closed it, WAL folded in) and
/// every entry of the directory with its operational attributes.
pub fn snapshot(server: &TestServer, cfg: &Path) -> (Vec<u8>, String) {
    let db = cfg.with_file_name("schooltech.db");
    let wal = cfg.with_file_name("schooltech.db-wal");
    let mut bytes = std::fs::read(&db).expect("reading the store");
    if let Ok(w) = std::fs::read(&wal) {
        bytes.extend_from_slice(&w);
    }
    (bytes, server.ldapsearch("(objectClass=*)", &["*", "+"]))
}

/// Classifies every leaf, sets up the fixture on a fresh slapd, then runs each changing command
/// with the arguments `with(i, args)` gives and collects what `judge` finds wrong with its run,
/// and any change to the store or the directory (named by `mode`). Returns how many were tried.
pub fn walk_changing(
    mode: &str,
    with: impl Fn(usize, &[String]) -> Vec<String>,
    judge: impl Fn(&Run) -> Option<String>,
) -> usize {
    let tmp = tempfile::tempdir().expect("tempdir");
    let unclassified: Vec<String> = leaves()
        .into_iter()
        .filter(|p| classify(p, tmp.path()).is_none())
        .collect();
    assert!(
        unclassified.is_empty(),
        "classify these subcommands in tests/changing/mod.rs (do they change anything?): {unclassified:?}"
    );

    let server = TestServer::slapd();
    let cfg = server.write_config();
    let mut toml = std::fs::read_to_string(&cfg).expect("config");
    toml.push_str("\n[aup.agreements.pupil]\nversion = \"1\"\nroles = [\"pupil\"]\n");
    std::fs::write(&cfg, toml).expect("config");
    let dir = cfg.parent().expect("config dir").to_path_buf();
    setup(&server, &cfg, &dir);
    let before = snapshot(&server, &cfg);

    let mut tried = 0;
    let mut wrong = Vec::new();
    for path in leaves() {
        let Some(Class::Changes(args)) = classify(&path, &dir) else {
            continue;
        };
        let all = with(tried, &args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = st(&cfg, &all, None);
        tried += 1;
        if let Some(why) = judge(&r) {
            wrong.push(format!(
                "{path}: {why}: {} {}",
                r.stdout.trim(),
                r.stderr.trim()
            ));
        }
        let now = snapshot(&server, &cfg);
        if now.0 != before.0 {
            wrong.push(format!("{path}: the store changed under {mode}"));
        }
        if now.1 != before.1 {
            wrong.push(format!("{path}: the directory changed under {mode}"));
        }
    }
    assert!(tried >= 40, "only {tried} changing commands were tried");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    tried
}
