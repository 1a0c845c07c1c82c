//! `schooltech sync` against real Samba AD and OpenLDAP: the roll as the directory has it plans
//! nothing; a joiner, a mover (a year up), a name change and a missing pupil are planned (exit 1)
//! and applied; a roll with 40% missing is refused naming the counts and marks nothing; a bad
//! date is refused naming line and column; a Windows-1252 roll reads; an id on two rows is for
//! review; and a run killed with -9 after a step was sent is finished by `--resume`, each step
//! once in the log.

mod common;
mod support;

use common::{run_env, st};
use std::path::{Path, PathBuf};
use support::pause::kill_at;
use support::{parse_ldif, TestServer};

struct Person {
    id: String,
    user: String,
    given: String,
    sn: String,
    role: String,
    year: String,
}

fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n\n[mis]\nid_column = \"Id\"\nusername_column = \"AD Username\"\n\
         first_name_column = \"Forename\"\nlast_name_column = \"Surname\"\nrole_column = \"Role\"\n\
         year_column = \"NC Year\"\nform_column = \"Form\"\n\n[leavers]\nou = \"OU=Leavers,OU=School\"\n\n\
         [sync.layout.pupil]\nou = \"OU=Year {{year}},OU=Pupils,OU=School\"\ngroups = []\nusername = \"{{given}}.{{surname}}\"\n",
        server.dir.join("handouts").display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

/// Pupils and staff as the directory has them (names as given name and surname, year from the OU).
fn people(server: &TestServer) -> Vec<Person> {
    let roles: std::collections::HashMap<String, (String, String)> = common::people()
        .into_iter()
        .map(|(_, r, id, ou, _)| (id, (r, ou)))
        .collect();
    let mis = server.flavour.mis_id_attribute();
    let user = server.flavour.username_attribute();
    let ldif = server.ldapsearch(&format!("({mis}=*)"), &[mis, user, "givenName", "sn"]);
    let mut out = Vec::new();
    for e in parse_ldif(&ldif) {
        let id = e.first(mis).unwrap_or_default().to_string();
        let Some((role, ou)) = roles.get(&id) else {
            continue;
        };
        if role != "pupil" && role != "staff" {
            continue;
        }
        let year = ou
            .strip_prefix("OU=Year ")
            .and_then(|r| r.split(',').next())
            .unwrap_or("")
            .to_string();
        out.push(Person {
            id,
            user: e.first(user).unwrap_or_default().to_string(),
            given: e.first("givenName").unwrap_or_default().to_string(),
            sn: e.first("sn").unwrap_or_default().to_string(),
            role: if role == "pupil" { "Pupil" } else { "Staff" }.into(),
            year,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn cell(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn roll(dir: &Path, name: &str, people: &[Person], extra: &str) -> PathBuf {
    let mut t = String::from("\u{feff}Id,AD Username,Forename,Surname,Role,NC Year,Form\r\n");
    for p in people {
        let form = if p.year.is_empty() {
            String::new()
        } else {
            format!("{}A", p.year)
        };
        t.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            p.id,
            cell(&p.user),
            cell(&p.given),
            cell(&p.sn),
            p.role,
            p.year,
            form
        ));
    }
    t.push_str(extra);
    let path = dir.join(name);
    std::fs::write(&path, t).expect("roll");
    path
}

fn ids(plan: &serde_json::Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = plan[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {plan}"))
        .iter()
        .map(|x| x["mis_id"].as_str().unwrap_or("").to_string())
        .collect();
    v.sort();
    v
}

fn plan(cfg: &Path, roll: &Path) -> (i32, serde_json::Value) {
    let r = st(
        cfg,
        &[
            "sync",
            "--mis",
            roll.to_str().expect("path"),
            "--format",
            "json",
        ],
        None,
    );
    (r.code, r.json())
}

#[test]
fn sync_plans_applies_refuses_and_resumes_on_both_servers() {
    for server in TestServer::both() {
        let fl = format!("{:?}", server.flavour);
        let cfg = config(&server);
        let mut ppl = people(&server);
        assert!(ppl.len() > 10, "{fl}: fixture people");

        // 1. The roll as the directory has it: nothing to do, exit 0.
        let same = roll(&server.dir, "same.csv", &ppl, "");
        let (code, p) = plan(&cfg, &same);
        for k in [
            "create",
            "move",
            "rename",
            "tolerate",
            "reactivate",
            "review",
        ] {
            assert!(ids(&p, k).is_empty(), "{fl}: {k} in {p}");
        }
        assert_eq!(code, 0, "{fl}: {p}");
        assert_eq!(p["unchanged"].as_u64(), Some(ppl.len() as u64), "{fl}");

        // 2. A joiner, a mover, a rename, a missing pupil.
        let pupils: Vec<usize> = (0..ppl.len()).filter(|i| ppl[*i].year == "7").collect();
        let (mover, renamed, missing) = (pupils[0], pupils[1], pupils[2]);
        ppl[mover].year = "8".into();
        ppl[renamed].sn = "Kowalczyk".into();
        let gone = ppl.remove(missing);
        let changed = roll(
            &server.dir,
            "changed.csv",
            &ppl,
            "P900001,,Łukasz,Wójcik,Pupil,7,7B\r\n",
        );
        let (code, p) = plan(&cfg, &changed);
        assert_eq!(code, 1, "{fl}: something to do exits 1");
        assert_eq!(ids(&p, "create"), vec!["P900001"], "{fl}");
        assert_eq!(ids(&p, "move"), vec![ppl[mover].id.clone()], "{fl}");
        assert_eq!(ids(&p, "rename"), vec![ppl[renamed].id.clone()], "{fl}");
        assert_eq!(ids(&p, "tolerate"), vec![gone.id.clone()], "{fl}");
        assert!(ids(&p, "review").is_empty(), "{fl}: {p}");

        // 3. A bad export (40% of the pupils missing) is refused naming the counts; nothing marked.
        let few: Vec<Person> = ppl
            .iter()
            .enumerate()
            .filter(|(i, p)| p.role == "Staff" || i % 5 > 1)
            .map(|(_, p)| clone(p))
            .collect();
        let bad = roll(&server.dir, "bad.csv", &few, "");
        let r = st(
            &cfg,
            &[
                "sync",
                "--mis",
                bad.to_str().expect("p"),
                "--apply",
                "--yes",
            ],
            None,
        );
        assert_eq!(r.code, 2, "{fl}: refused: {} {}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("pupil accounts") && r.stderr.contains("max_missing_percent"),
            "{fl}: {}",
            r.stderr
        );
        let (_, again) = plan(&cfg, &changed);
        assert_eq!(ids(&again, "tolerate"), ids(&p, "tolerate"), "{fl}");

        // 4. A bad date and a duplicate id are refused / for review; a Windows-1252 roll reads.
        let dated = server.dir.join("dated.csv");
        std::fs::write(
            &dated,
            "Id,Forename,Surname,Role,Leaving Date\r\nP1,A,B,Pupil,31/02/2026\r\n",
        )
        .expect("w");
        let r = st(&cfg, &["sync", "--mis", dated.to_str().expect("p")], None);
        assert_eq!(r.code, 2, "{fl}: {}", r.stderr);
        assert!(
            r.stderr.contains("line 2") && r.stderr.contains("Leaving Date"),
            "{fl}: {}",
            r.stderr
        );
        let dup = roll(
            &server.dir,
            "dup.csv",
            &ppl,
            &format!("{},,Someone,Else,Pupil,7,7A\r\n", ppl[0].id),
        );
        let (_, d) = plan(&cfg, &dup);
        assert_eq!(ids(&d, "review"), vec![ppl[0].id.clone()], "{fl}: {d}");
        let mut cp = std::fs::read_to_string(&same).expect("r");
        cp = cp.trim_start_matches('\u{feff}').to_string();
        cp.push_str("P900002,,Zoë,Müller,Pupil,7,7B\r\n");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&cp);
        let win = server.dir.join("win.csv");
        std::fs::write(&win, &bytes).expect("w");
        let (_, w) = plan(&cfg, &win);
        assert_eq!(w["encoding"], "windows-1252", "{fl}");
        assert!(
            w["create"][0]["name"].as_str() == Some("Zoë Müller"),
            "{fl}: {w}"
        );

        // 5. Apply, killed with -9 after the first step was sent; --resume finishes it.
        let args = [
            "sync",
            "--mis",
            changed.to_str().expect("p"),
            "--apply",
            "--yes",
        ];
        // Killed once the first step is begun (nothing sent), then its resume killed after
        // a step was sent: the runner's test points stop a sync run as they stop a sweep.
        assert!(
            kill_at(&cfg, &args, "sweep-step-begun"),
            "{fl}: never paused"
        );
        assert!(
            kill_at(&cfg, &["sync", "--resume"], "sweep-step-sent"),
            "{fl}: the resume never paused"
        );
        let r = run_env(
            &["--config", cfg.to_str().expect("p"), "sync", "--resume"],
            None,
            &[],
        );
        assert_eq!(r.code, 0, "{fl}: resume: {} {}", r.stdout, r.stderr);
        let dn = server.user_dn(&ppl[mover].user).to_lowercase();
        assert!(dn.contains("ou=year 8,"), "{fl}: mover at {dn}");
        let sn = server.ldapsearch(
            &format!(
                "({}={})",
                server.flavour.username_attribute(),
                ppl[renamed].user
            ),
            &["sn"],
        );
        assert!(sn.contains("Kowalczyk"), "{fl}: {sn}");
        let (_, after) = plan(&cfg, &changed);
        for k in ["create", "move", "rename", "reactivate", "review"] {
            assert!(ids(&after, k).is_empty(), "{fl}: {k} after apply: {after}");
        }
        let log = st(&cfg, &["log", "show", "--format", "json"], None).json();
        let mut seen = std::collections::HashSet::new();
        for row in log.as_array().expect("log") {
            let a = row["action"].as_str().unwrap_or("");
            if a.starts_with("sync.") {
                let key = (
                    a.to_string(),
                    row["target"].as_str().unwrap_or("").to_lowercase(),
                );
                assert!(seen.insert(key.clone()), "{fl}: {key:?} twice in the log");
            }
        }
        assert!(seen.len() >= 3, "{fl}: {seen:?}");
        let v = st(&cfg, &["log", "verify"], None);
        assert_eq!(v.code, 0, "{fl}: {}", v.stderr);
    }
}

fn clone(p: &Person) -> Person {
    Person {
        id: p.id.clone(),
        user: p.user.clone(),
        given: p.given.clone(),
        sn: p.sn.clone(),
        role: p.role.clone(),
        year: p.year.clone(),
    }
}
