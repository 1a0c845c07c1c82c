//! A store written by an earlier schooltech (before the journal runner's steps were typed)
//! still reads and resumes: a half-done sweep, its journal rows exactly as main's sweep wrote
//! them (action names and details, `object_id` only on the disable step), is finished by
//! `sweep --resume` against a real slapd: the begun-and-killed step is settled against the
//! directory and tried again, the planned ones are done, each logged once.

mod common;
mod support;

use chrono::{TimeZone, Utc};
use common::st;
use schooltech::store::leavers::{LeaverRecord, SweepRun};
use schooltech::store::{NewAction, Outcome, Store};
use serde_json::json;
use support::TestServer;

#[test]
fn a_sweep_half_done_by_an_earlier_version_resumes() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str("\n[leavers]\nou = \"OU=Leavers,OU=School\"\n");
    std::fs::write(&cfg, text).expect("config");
    let who = "grace.hall";
    let dn = server.user_dn(who);
    let from = dn.split_once(',').map(|x| x.1.to_string()).expect("parent");
    let leavers = format!("OU=Leavers,OU=School,{}", server.base_dn);
    let uuid = support::ldif_values(
        &server.ldapsearch(&format!("(uid={who})"), &["entryUUID"]),
        "entryUUID",
    )
    .pop()
    .expect("entryUUID")
    .to_lowercase();
    let when = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let run_id = "sweep-20261130-090000-4242";
    {
        let store = Store::open(&server.dir.join("schooltech.db"))
            .expect("store")
            .with_operator("tech");
        let run = SweepRun {
            run_id: run_id.into(),
            kind: "suspend".into(),
            created_at: when,
            operator: "tech".into(),
            source: "mis.csv".into(),
            as_of: None,
            steps: 4,
            lock_pid: None,
            finished_at: None,
        };
        let record = LeaverRecord {
            run_id: run_id.into(),
            username: who.into(),
            name: Some("Grace Hall".into()),
            role: Some("pupil".into()),
            mis_id: None,
            dn: dn.clone(),
            groups: Vec::new(),
            description: None,
            enabled: true,
            leaving_date: None,
            reason: "mis-leaver".into(),
            suspended_on: when.date_naive(),
            object_id: Some(uuid.clone()),
        };
        store.sweep_create(&run, &[record]).expect("run");
        // As main's `account_steps` wrote them.
        let stamp = "Left 2026-10-15, suspended by schooltech 2026-11-30";
        let ids = store
            .journal_plan(
                run_id,
                &[
                    (
                        "leaver.stamp",
                        who,
                        json!({ "description": stamp, "before": null }),
                    ),
                    (
                        "leaver.disable",
                        who,
                        json!({ "dn": dn, "object_id": uuid }),
                    ),
                    (
                        "leaver.move",
                        who,
                        json!({ "from": from, "to": leavers, "name": null }),
                    ),
                ],
                when,
            )
            .expect("plan");
        // Step 1 was done and logged; step 2 was begun and the process killed before sending.
        store.journal_begin_step(ids[0], when).expect("begin");
        server.ldapmodify(&format!(
            "dn: {dn}\nchangetype: modify\nreplace: description\ndescription: {stamp}\n"
        ));
        store
            .journal_close(
                ids[0],
                &Outcome::Done,
                Some(NewAction {
                    action: "leaver.stamp",
                    target: who,
                    details: json!({ "description": stamp, "before": null }),
                }),
                when,
            )
            .expect("close");
        store.journal_begin_step(ids[1], when).expect("begin");
    }
    // ... by a process now gone (killed).
    let mut gone = std::process::Command::new("true").spawn().expect("true");
    let dead = gone.id();
    gone.wait().expect("reaped");
    let db = rusqlite::Connection::open(server.dir.join("schooltech.db")).expect("sqlite");
    db.execute(
        "UPDATE journal SET pid = ?1 WHERE state = 'pending' AND pid IS NOT NULL",
        [dead],
    )
    .expect("the killed process's pid");
    db.execute("UPDATE sweep_runs SET lock_pid = ?1", [dead])
        .expect("the killed process's lock");
    drop(db);

    let r = st(&cfg, &["sweep", "--resume"], None).ok();
    assert!(r.stdout.contains("finished"), "{}\n{}", r.stdout, r.stderr);
    let e = server.ldapsearch(&format!("(uid={who})"), &["pwdAccountLockedTime"]);
    assert!(e.contains("pwdAccountLockedTime:"), "disabled: {e}");
    let now = server.user_dn(who);
    assert!(
        now.to_lowercase().ends_with(&leavers.to_lowercase()),
        "moved: {now}"
    );
    let log = st(&cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json();
    let rows = log.as_array().expect("array");
    for action in ["leaver.stamp", "leaver.disable", "leaver.move"] {
        assert_eq!(
            rows.iter()
                .filter(|r| r["action"].as_str() == Some(action))
                .count(),
            1,
            "{action} logged once: {log}"
        );
    }
    let list = st(&cfg, &["sweep", "list"], None).ok().stdout;
    assert!(
        list.lines()
            .any(|l| l.contains(run_id) && l.contains("finished")),
        "{list}"
    );
    st(&cfg, &["log", "verify"], None).ok();
}

/// A sync run half done by main's own sync loop (before sync steps ran on the one runner):
/// its journal rows exactly as that code wrote them (no `dn` or `object_id`). The move was
/// done and logged, the rename was begun by a process now killed, the groups step was only
/// planned: `sync --resume` settles the rename against slapd (not made: made now, once), does
/// the groups step and finishes the run.
#[test]
fn a_sync_half_done_by_an_earlier_version_resumes() {
    use schooltech::store::sync::SyncRun;
    let server = TestServer::slapd();
    let cfg = server.write_config();
    let who = "grace.hall";
    let dn = server.user_dn(who);
    let from = dn.split_once(',').map(|x| x.1.to_string()).expect("parent");
    let to = format!("OU=Year 8,OU=Pupils,OU=School,{}", server.base_dn);
    let group = format!("cn=Generic Accounts,ou=Groups,{}", server.base_dn);
    let when = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let run_id = "sync-20261130-090000-4242";
    let moved = json!({ "from": from, "to": to, "name": null });
    let renamed = json!({
        "mis_id": "P100006", "given": "Grace", "surname": "Hall-Smith",
        "display": "Grace Hall-Smith",
        "before": { "given": "Grace", "surname": "Hall", "display": "Grace Hall" },
    });
    let grouped = json!({ "add": [group], "remove": [] });
    {
        let store = Store::open(&server.dir.join("schooltech.db"))
            .expect("store")
            .with_operator("tech");
        let run = SyncRun {
            run_id: run_id.into(),
            created_at: when,
            operator: "tech".into(),
            source: "roll.csv".into(),
            summary: json!({ "create": 0, "move": 1, "rename": 1, "by_year": ["Year 7 → Year 8: 1 account"] }),
            steps: 3,
            lock_pid: None,
            finished_at: None,
        };
        store
            .sync_create(&run, &[], &[], when.date_naive())
            .expect("run");
        // As main's `apply::steps` wrote them.
        let ids = store
            .journal_plan(
                run_id,
                &[
                    ("sync.move", who, moved.clone()),
                    ("sync.rename", who, renamed.clone()),
                    ("sync.groups", who, grouped.clone()),
                ],
                when,
            )
            .expect("plan");
        // Step 1 was done and logged; step 2 was begun and the process killed before sending.
        store.journal_begin_step(ids[0], when).expect("begin");
        let rdn = dn.split_once(',').map(|x| x.0.to_string()).expect("rdn");
        server.ldapmodify(&format!(
            "dn: {dn}\nchangetype: modrdn\nnewrdn: {rdn}\ndeleteoldrdn: 1\nnewsuperior: {to}\n"
        ));
        store
            .journal_close(
                ids[0],
                &Outcome::Done,
                Some(NewAction {
                    action: "sync.move",
                    target: who,
                    details: moved,
                }),
                when,
            )
            .expect("close");
        store.journal_begin_step(ids[1], when).expect("begin");
    }
    let mut gone = std::process::Command::new("true").spawn().expect("true");
    let dead = gone.id();
    gone.wait().expect("reaped");
    let db = rusqlite::Connection::open(server.dir.join("schooltech.db")).expect("sqlite");
    db.execute(
        "UPDATE journal SET pid = ?1 WHERE state = 'pending' AND pid IS NOT NULL",
        [dead],
    )
    .expect("the killed process's pid");
    db.execute("UPDATE sync_runs SET lock_pid = ?1", [dead])
        .expect("the killed process's lock");
    drop(db);

    let r = st(&cfg, &["sync", "--resume"], None);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("finished"), "{}\n{}", r.stdout, r.stderr);
    let e = server.ldapsearch(&format!("(uid={who})"), &["sn", "memberOf"]);
    assert!(e.contains("Hall-Smith"), "renamed: {e}");
    assert!(
        server.user_dn(who).to_lowercase().contains("ou=year 8,"),
        "moved once: {}",
        server.user_dn(who)
    );
    let members = server.ldapsearch("(cn=Generic Accounts)", &["member"]);
    assert!(
        members
            .to_lowercase()
            .contains(&format!("uid={who},ou=year 8")),
        "grouped: {members}"
    );
    let log = st(&cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json();
    let rows = log.as_array().expect("array");
    for action in ["sync.move", "sync.rename", "sync.groups"] {
        assert_eq!(
            rows.iter()
                .filter(|r| r["action"].as_str() == Some(action))
                .count(),
            1,
            "{action} logged once: {log}"
        );
    }
    let again = st(&cfg, &["sync", "--resume"], None).ok();
    assert!(
        again.stdout.contains("no unfinished sync"),
        "{}",
        again.stdout
    );
    st(&cfg, &["log", "verify"], None).ok();
}
