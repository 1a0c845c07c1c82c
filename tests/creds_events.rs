//! The shared-login register as events (issue 23, part 1): a leaver's alarm is cleared only by
//! recording a rotation; `creds add` on a listed name, an update that takes a leaver off
//! "known by", a future date and an unknown username are refused; an update never moves the
//! date or the period it was not asked to; the history is append-only at the database.
//!
//! On the demo school (through the ops layer, with a fixed clock) and on real servers (through
//! the CLI, for the username check against the directory).

mod common;
mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::st;
use schooltech::clock::Clock;
use schooltech::domain::creds::{CredEventKind, CredStatus, CredUpdate, Credential};
use schooltech::error::Error;
use schooltech::ops::{creds, Ctx};
use schooltech::store::Store;
use support::TestServer;

fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
        .single()
        .expect("a date")
}

fn usage(r: Result<Credential, Error>, says: &[&str]) -> String {
    match r {
        Err(Error::Usage(m)) => {
            for s in says {
                assert!(m.contains(s), "{s:?} not in: {m}");
            }
            m
        }
        other => panic!("expected a refusal (exit 2) saying {says:?}, got {other:?}"),
    }
}

/// A disabled account (a leaver) and two enabled ones of the demo directory.
async fn demo_people(ctx: &Ctx) -> (String, String, String) {
    let all = ctx
        .dir
        .search_accounts(&Default::default())
        .await
        .expect("accounts")
        .accounts;
    let now = ctx.now();
    let leaver = all
        .iter()
        .find(|a| !a.enabled)
        .map(|a| a.username.clone())
        .expect("a disabled account in the demo");
    let mut active = all
        .iter()
        .filter(|a| a.enabled && a.expires.is_none_or(|e| e > now))
        .map(|a| a.username.clone());
    let a = active.next().expect("an enabled account");
    let b = active.next().expect("another enabled account");
    (leaver, a, b)
}

fn status(rows: &[(Credential, schooltech::domain::creds::CredVerdict)], name: &str) -> CredStatus {
    rows.iter()
        .find(|(c, _)| c.name == name)
        .map(|(_, v)| v.status)
        .expect("listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_a_leavers_alarm_clears_only_by_a_rotation() {
    let now = noon(2026, 11, 25);
    let ctx = Ctx::demo_with_clock(None, None, Clock::Fixed(now)).expect("demo");
    let (leaver, owner, other) = demo_people(&ctx).await;
    let name = "Office printer admin";
    let created = creds::add(
        &ctx,
        &Credential {
            name: name.into(),
            system: "Kyocera web console".into(),
            known_by: vec![leaver.clone(), other.clone()],
            owner: owner.clone(),
            period_days: 90,
            last_rotated: now - Duration::days(200),
        },
        None,
    )
    .await
    .expect("add");
    let date = created.last_rotated;
    let rows = creds::report(&ctx).await.expect("report");
    assert_eq!(status(&rows, name), CredStatus::LeaverKnows);

    // `creds add` on the same name (any case) is refused and names the commands to use.
    let again = creds::add(
        &ctx,
        &Credential {
            name: name.to_uppercase(),
            system: "x".into(),
            known_by: vec![other.clone()],
            owner: owner.clone(),
            period_days: 42,
            last_rotated: now,
        },
        None,
    )
    .await;
    usage(
        again,
        &["already in the register", "creds update", "creds rotated"],
    );

    // An update cannot take the leaver off while the alarm stands.
    let off = CredUpdate {
        known_by: Some(vec![other.clone()]),
        ..Default::default()
    };
    usage(
        creds::update(&ctx, name, &off, None).await,
        &[&leaver, "Rotate first", "creds rotated"],
    );

    // Adding someone to "known by" keeps the period and the date (it was 42 in the TUI).
    let more = CredUpdate {
        known_by: Some(vec![leaver.clone(), other.clone(), owner.clone()]),
        ..Default::default()
    };
    let c = creds::update(&ctx, name, &more, None)
        .await
        .expect("update");
    assert_eq!(c.period_days, 90);
    assert_eq!(c.last_rotated, date);
    let rows = creds::report(&ctx).await.expect("report");
    assert_eq!(
        status(&rows, name),
        CredStatus::LeaverKnows,
        "still alarmed"
    );

    // Unknown usernames are refused naming them, whichever field they are in; nothing saved.
    for change in [
        CredUpdate {
            owner: Some("nosuchuser".into()),
            ..Default::default()
        },
        CredUpdate {
            known_by: Some(vec![leaver.clone(), other.clone(), "nosuchuser".into()]),
            ..Default::default()
        },
    ] {
        usage(
            creds::update(&ctx, name, &change, None).await,
            &["nosuchuser", "not in the directory"],
        );
    }
    usage(
        creds::rotated(&ctx, name, None, Some("nosuchuser")).await,
        &["nosuchuser", "--by"],
    );
    usage(
        creds::add(
            &ctx,
            &Credential {
                name: "Exam board".into(),
                system: "x".into(),
                known_by: vec!["nosuchuser".into()],
                owner: owner.clone(),
                period_days: 42,
                last_rotated: now,
            },
            None,
        )
        .await,
        &["nosuchuser", "--known-by"],
    );
    // A rotation in the future, or before the last one, is refused.
    usage(
        creds::rotated(&ctx, name, Some(now + Duration::days(1)), Some(&owner)).await,
        &["in the future"],
    );
    usage(
        creds::rotated(&ctx, name, Some(date - Duration::days(1)), Some(&owner)).await,
        &["before the last recorded change"],
    );
    let rows = creds::report(&ctx).await.expect("report");
    assert_eq!(
        status(&rows, name),
        CredStatus::LeaverKnows,
        "nothing saved"
    );

    // The rotation clears it: the date moves, the leaver comes off.
    let on = now - Duration::days(1);
    let c = creds::rotated(&ctx, name, Some(on), Some(&owner))
        .await
        .expect("rotated");
    assert_eq!(c.last_rotated.date_naive(), on.date_naive());
    assert!(!c.known_by.contains(&leaver), "{:?}", c.known_by);
    assert_eq!(c.period_days, 90);
    let rows = creds::report(&ctx).await.expect("report");
    assert_eq!(status(&rows, name), CredStatus::Ok);

    // The history: created, updated, rotated, with who did it; each an action-log row.
    let h = creds::show(&ctx, "office PRINTER admin").expect("show");
    let kinds: Vec<CredEventKind> = h.events.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            CredEventKind::Created,
            CredEventKind::Updated,
            CredEventKind::Rotated
        ]
    );
    assert_eq!(h.events[2].by, owner);
    assert!(
        h.events[2].note.as_deref().unwrap_or("").contains(&leaver),
        "{:?}",
        h.events[2].note
    );
    let store = Store::open(&ctx.config.store.path).expect("store");
    let log = store.log(&Default::default()).expect("log");
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.target == name)
        .map(|e| e.action.as_str())
        .collect();
    for a in ["creds.add", "creds.update", "creds.rotated"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_register_is_seeded_through_events_and_looks_as_before() {
    let now = noon(2026, 11, 25);
    let ctx = Ctx::demo_with_clock(None, None, Clock::Fixed(now)).expect("demo");
    schooltech::ops::report::demo::seed(&ctx)
        .await
        .expect("seed");
    let list = creds::list(&ctx).expect("list");
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Guest Wi-Fi key",
            "MIS administrator",
            "Office printer admin"
        ]
    );
    let wifi = creds::show(&ctx, "Guest Wi-Fi key").expect("show");
    assert_eq!(
        wifi.current.last_rotated.date_naive(),
        (now - Duration::days(20)).date_naive()
    );
    assert_eq!(wifi.current.known_by, ["spatel", "kmensah"]);
    assert_eq!(
        wifi.events.iter().map(|e| e.event).collect::<Vec<_>>(),
        [CredEventKind::Created, CredEventKind::Rotated]
    );
}

#[test]
fn the_history_refuses_update_delete_and_replace_at_the_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("schooltech.db");
    drop(Store::open(&path).expect("store"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('Desk', '2026-11-01T09:00:00Z', 'it', 'created', 'x', '[\"ann\"]', 'ann', 90, '2026-11-01T09:00:00Z')",
    )
    .expect("a first event");
    let refused = [
        "UPDATE credential_events SET last_rotated = '2026-11-30T09:00:00Z'",
        "UPDATE credential_events SET known_by = '[]'",
        "DELETE FROM credential_events",
        "INSERT OR REPLACE INTO credential_events (id, name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES (1, 'Desk', '2026-11-01T09:00:00Z', 'it', 'created', 'x', '[]', 'ann', 42, '2026-11-30T09:00:00Z')",
        "REPLACE INTO credential_events (id, name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES (1, 'Desk', '2026-11-01T09:00:00Z', 'it', 'created', 'x', '[]', 'ann', 42, '2026-11-30T09:00:00Z')",
        // A second "created" of a listed name (any case), and an update that moves the date.
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('DESK', '2026-11-02T09:00:00Z', 'it', 'created', 'x', '[]', 'ann', 90, '2026-11-30T09:00:00Z')",
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('Desk', '2026-11-02T09:00:00Z', 'it', 'updated', 'x', '[]', 'ann', 90, '2026-11-30T09:00:00Z')",
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('Desk', '2026-11-02T09:00:00Z', 'it', 'rotated', 'x', '[]', 'ann', 90, '2026-10-01T09:00:00Z')",
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('Nothing', '2026-11-02T09:00:00Z', 'it', 'rotated', 'x', '[]', 'ann', 90, '2026-11-30T09:00:00Z')",
        "UPDATE credentials SET last_rotated = '2026-11-30T09:00:00Z'",
        "DELETE FROM credentials",
    ];
    for sql in refused {
        assert!(conn.execute_batch(sql).is_err(), "accepted: {sql}");
    }
    let (n, known, rotated): (i64, String, String) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM credential_events), known_by, last_rotated FROM credentials",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("read");
    assert_eq!(
        (n, known.as_str(), rotated.as_str()),
        (1, "[\"ann\"]", "2026-11-01T09:00:00Z")
    );
    // What may be added: an update keeping the date, a rotation moving it forward.
    conn.execute_batch(
        "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('desk', '2026-11-02T09:00:00Z', 'it', 'updated', 'x', '[\"ann\",\"bob\"]', 'ann', 90, '2026-11-01T09:00:00Z');
         INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
         VALUES ('Desk', '2026-11-03T09:00:00Z', 'it', 'rotated', 'x', '[\"bob\"]', 'ann', 90, '2026-11-03T23:59:59Z');",
    )
    .expect("allowed events");
}

#[test]
fn an_old_register_becomes_one_imported_event_per_login() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("schooltech.db");
    {
        // A store as schooltech left it before the register kept events.
        let conn = rusqlite::Connection::open(&path).expect("open");
        use schooltech::store::migrations::MIGRATIONS;
        let before = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE credential_events"))
            .expect("the events migration");
        for (i, m) in MIGRATIONS[..before].iter().enumerate() {
            conn.execute_batch(m).expect("migration");
            conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO credentials (name, system, known_by, owner, period_days, last_rotated, created_at)
             VALUES ('Library desk', 'https://library.example', '[\"ann\",\"bob\"]', 'ann', 90,
                     '2026-06-01T09:00:00Z', '2026-01-05T10:00:00Z'),
                    ('Exam board', 'exams', '[]', 'bob', 42, '2026-10-01T09:00:00Z', '2026-02-01T10:00:00Z')",
        )
        .expect("old rows");
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let store = Store::open(&path).expect("upgrade");
    let list = store.credentials().expect("list");
    assert_eq!(list.len(), 2);
    let lib = &list[1];
    assert_eq!(
        (lib.name.as_str(), lib.period_days, lib.known_by.clone()),
        (
            "Library desk",
            90,
            vec!["ann".to_string(), "bob".to_string()]
        )
    );
    assert_eq!(lib.last_rotated, noon(2026, 6, 1) - Duration::hours(3));
    let events = store.cred_events(Some("library desk")).expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event, CredEventKind::Imported);
    assert!(
        events[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("2026-01-05"),
        "{:?}",
        events[0].note
    );
}

/// `YYYY-MM-DD` `offset` days from today (the CLI against a real server runs on the real clock).
fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

#[test]
fn real_servers_check_every_username_and_clear_an_alarm_only_by_a_rotation() {
    for server in TestServer::both() {
        let cfg = server.write_config();
        let fl = server.flavour.config_name();
        let add = |name: &str, known: &str, owner: &str| {
            st(
                &cfg,
                &[
                    "creds",
                    "add",
                    name,
                    "--system",
                    "library",
                    "--known-by",
                    known,
                    "--owner",
                    owner,
                    "--period",
                    "90",
                    "--rotated",
                    &day(-100),
                ],
                None,
            )
        };
        // Unknown usernames are refused naming them (exit 2), in every field.
        for (known, owner) in [
            ("sarah.roberts,nosuchuser", "sarah.roberts"),
            ("sarah.roberts", "nosuchuser"),
        ] {
            let r = add("Library desk", known, owner);
            assert_eq!(r.code, 2, "{fl}: {} {}", r.stdout, r.stderr);
            assert!(r.stderr.contains("nosuchuser"), "{fl}: {}", r.stderr);
        }
        // A disabled account may be listed as knowing it (the alarm is the point), not own it.
        let r = add("Library desk", "sarah.roberts", "jo.thompson");
        assert_eq!(r.code, 2, "{fl}: {}", r.stderr);
        assert!(r.stderr.contains("disabled"), "{fl}: {}", r.stderr);
        add("Library desk", "sarah.roberts,jo.thompson", "sarah.roberts").ok();

        let report = st(&cfg, &["creds", "report", "--format", "json"], None);
        assert_eq!(report.code, 1, "{fl}: {}", report.stdout);
        assert_eq!(report.json()[0]["status"], "leaver-knows", "{fl}");

        let again = add("library desk", "sarah.roberts", "sarah.roberts");
        assert_eq!(again.code, 2, "{fl}: {}", again.stderr);
        assert!(
            again.stderr.contains("creds update"),
            "{fl}: {}",
            again.stderr
        );

        let off = st(
            &cfg,
            &[
                "creds",
                "update",
                "Library desk",
                "--known-by",
                "sarah.roberts",
                "--by",
                "sarah.roberts",
            ],
            None,
        );
        assert_eq!(off.code, 2, "{fl}: {}", off.stderr);
        assert!(off.stderr.contains("Rotate first"), "{fl}: {}", off.stderr);
        let more = st(
            &cfg,
            &[
                "creds",
                "update",
                "Library desk",
                "--known-by",
                "sarah.roberts,jo.thompson,harry.hughes",
            ],
            None,
        );
        assert_eq!(more.code, 0, "{fl}: {}", more.stderr);
        for by in ["nosuchuser", "jo.thompson"] {
            let r = st(
                &cfg,
                &["creds", "rotated", "Library desk", "--by", by],
                None,
            );
            assert_eq!(r.code, 2, "{fl} --by {by}: {}", r.stderr);
            assert!(r.stderr.contains(by), "{fl}: {}", r.stderr);
        }
        let future = st(
            &cfg,
            &[
                "creds",
                "rotated",
                "Library desk",
                "--on",
                &day(3),
                "--by",
                "sarah.roberts",
            ],
            None,
        );
        assert_eq!(future.code, 2, "{fl}: {}", future.stderr);
        let list = st(&cfg, &["creds", "list", "--format", "json"], None)
            .ok()
            .json();
        assert_eq!(list[0]["period_days"], 90, "{fl}: {list}");
        assert_eq!(
            list[0]["known_by"],
            serde_json::json!(["sarah.roberts", "jo.thompson", "harry.hughes"]),
            "{fl}"
        );

        st(
            &cfg,
            &[
                "creds",
                "rotated",
                "Library desk",
                "--on",
                &day(-1),
                "--by",
                "sarah.roberts",
            ],
            None,
        )
        .ok();
        let report = st(&cfg, &["creds", "report", "--format", "json"], None);
        assert_eq!(report.code, 0, "{fl}: {}", report.stdout);
        assert_eq!(report.json()[0]["status"], "ok", "{fl}");
        let show = st(
            &cfg,
            &["creds", "show", "Library desk", "--format", "json"],
            None,
        )
        .ok()
        .json();
        let events: Vec<&str> = show["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["event"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(events, ["created", "updated", "rotated"], "{fl}");
        assert_eq!(show["events"][2]["by"], "sarah.roberts", "{fl}");
        let table = st(&cfg, &["creds", "show", "Library desk"], None)
            .ok()
            .stdout;
        assert!(
            table.contains("jo.thompson (left) taken off") && table.contains("harry.hughes added"),
            "{fl}: {table}"
        );
        st(&cfg, &["log", "verify"], None).ok();
    }
}
