//! "Settle first" (issue 21, item 2) against a real slapd: a change left with an unknown outcome
//! (a `schooltech` killed with `kill -9` at a test point, after the disable was sent and before
//! its outcome was recorded; or journalled and never sent) is settled by the next change of ANY
//! kind — an inventory status change and an acceptable use record from the CLI, the same
//! change through ops with nothing before it, and a change from the full-screen program's worker
//! long after it connected — and what was settled is shown by the face (stderr; a
//! `Msg::Settled` before the change's answer), never printed by ops.

mod common;
mod support;

use common::st;
use schooltech::config::Config;
use schooltech::ops::inventory::change::{self, Change};
use schooltech::ops::Ctx;
use schooltech::tui::app::Msg;
use schooltech::tui::tabs::inventory::{InvCmd, InvMsg};
use schooltech::tui::tabs::TabMsg;
use schooltech::tui::work::{Cmd, Worker};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use support::pause::kill_at;
use support::TestServer;

fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(
        "\n[aup.agreements.pupil]\ntitle = \"Pupil AUP\"\nversion = \"2026\"\n\
         roles = [\"pupil\"]\nsigner = \"parent\"\n",
    );
    std::fs::write(&cfg, text).expect("config");
    cfg
}

/// The day an account was created, as the directory says (YYYY-MM-DD): a signature's day that
/// is neither before the account nor in the future, whatever today is.
fn created_day(cfg: &Path, user: &str) -> String {
    let a = st(cfg, &["accounts", "show", user, "--format", "json"], None)
        .ok()
        .json();
    a["created"]
        .as_str()
        .and_then(|c| c.get(..10))
        .expect("a creation day")
        .to_string()
}

fn log_rows(cfg: &Path, action: &str, target: &str) -> usize {
    st(
        cfg,
        &["log", "show", "--action", action, "--format", "json"],
        None,
    )
    .ok()
    .json()
    .as_array()
    .map(|a| {
        a.iter()
            .filter(|r| r["target"].as_str() == Some(target))
            .count()
    })
    .unwrap_or(0)
}

fn add_asset(cfg: &Path, tag: &str) {
    st(
        cfg,
        &[
            "inventory",
            "add",
            tag,
            "--category",
            "laptop",
            "--manufacturer",
            "Dell",
            "--model",
            "Latitude",
        ],
        None,
    )
    .ok();
}

/// Nothing left to settle.
fn nothing_pending(cfg: &Path, what: &str) {
    let p = st(cfg, &["log", "pending"], None);
    assert_eq!(p.code, 0, "{what}: {}{}", p.stdout, p.stderr);
    assert!(
        p.stdout.contains("no interrupted changes"),
        "{what}: {}",
        p.stdout
    );
}

#[test]
fn the_next_change_of_any_kind_settles_first_and_the_cli_says_so() {
    let server = TestServer::slapd();
    let cfg = config(&server);
    add_asset(&cfg, "HA-SET-1");

    // A disable sent, then killed before its outcome was recorded: the next change (an
    // inventory status change, nothing to do with accounts) settles it first, and says so on
    // stderr before its own result.
    assert!(
        kill_at(
            &cfg,
            &["accounts", "disable", "sarah.roberts", "--reason", "left"],
            "sent"
        ),
        "the disable never paused"
    );
    assert_eq!(log_rows(&cfg, "account.disable", "sarah.roberts"), 0);
    let r = st(
        &cfg,
        &[
            "inventory",
            "status",
            "HA-SET-1",
            "in-repair",
            "--note",
            "cracked screen",
        ],
        None,
    )
    .ok();
    assert!(
        r.stderr.contains("journal entry")
            && r.stderr.contains("account.disable sarah.roberts")
            && r.stderr.contains("was done"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("in-repair"), "{}", r.stdout);
    assert_eq!(log_rows(&cfg, "account.disable", "sarah.roberts"), 1);
    nothing_pending(&cfg, "after the inventory change");

    // An enable journalled and killed before it was sent: an acceptable use record settles it
    // (not done: nothing to record).
    let day = created_day(&cfg, "harry.hughes");
    assert!(
        kill_at(
            &cfg,
            &["accounts", "enable", "sarah.roberts"],
            "journal-begun"
        ),
        "the enable never paused"
    );
    let r = st(
        &cfg,
        &["aup", "record", "harry.hughes", "--signed-on", &day],
        None,
    )
    .ok();
    assert!(
        r.stderr.contains("account.enable sarah.roberts") && r.stderr.contains("was not done"),
        "{}",
        r.stderr
    );
    assert_eq!(log_rows(&cfg, "account.enable", "sarah.roberts"), 0);
    nothing_pending(&cfg, "after the AUP record");
    // Settled once: the next command finds nothing and says nothing about it.
    let r = st(&cfg, &["accounts", "show", "harry.hughes"], None).ok();
    assert!(!r.stderr.contains("journal entry"), "{}", r.stderr);
}

fn context(cfg: &Path) -> Ctx {
    let (config, path) = Config::load(Some(cfg)).expect("config loads");
    Ctx::from_config(config, path, None).expect("context")
}

/// Through ops alone (no face's context settles first): the change's apply settles, keeps what
/// it found on the context for the face, and settles nothing twice.
#[test]
fn an_apply_settles_first_inside_ops() {
    let server = TestServer::slapd();
    let cfg = config(&server);
    add_asset(&cfg, "HA-SET-2");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ctx = context(&cfg);
    assert!(
        kill_at(
            &cfg,
            &["accounts", "disable", "grace.hall", "--reason", "left"],
            "sent"
        ),
        "the disable never paused"
    );
    let c = Change::Status {
        tag: "HA-SET-2".into(),
        to: schooltech::domain::inventory::Status::InRepair,
        note: "hinge".into(),
        breach: Default::default(),
    };
    let plan = change::plan(&ctx, &c).expect("plan");
    rt.block_on(change::apply(&ctx, &plan)).expect("applied");
    let found = ctx.take_settled();
    assert_eq!(found.len(), 1, "{found:?}");
    let line = schooltech::ops::settle::describe(&found[0]);
    assert!(
        line.contains("account.disable grace.hall") && line.contains("was done"),
        "{line}"
    );
    assert!(ctx.take_settled().is_empty(), "taken once");
    nothing_pending(&cfg, "after the ops apply");
}

/// The full-screen program: connected (nothing to settle then), later a change is left unknown
/// by another schooltech, and the next change through the worker — an inventory change —
/// settles it first; the loop hears what was settled before the change's own answer.
#[test]
fn a_tui_change_long_after_connecting_settles_first_and_says_so() {
    let server = TestServer::slapd();
    let cfg = config(&server);
    add_asset(&cfg, "HA-SET-3");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let ctx = Arc::new(context(&cfg));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let worker = Worker::new(ctx.clone(), tx);
        worker.spawn(Cmd::Connect { gen: 1 });
        let next = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>| {
            let r = rx.try_recv();
            r.ok()
        };
        // Connected; nothing was open, so nothing is said.
        let mut seen = Vec::new();
        let t0 = std::time::Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            while let Some(m) = next(&mut rx) {
                seen.push(format!("{m:?}"));
            }
            if seen.iter().any(|m| m.starts_with("Connected")) {
                break;
            }
        }
        assert!(
            seen.iter()
                .any(|m| m.contains("Connected") && m.contains("Ok")),
            "{seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        while let Some(m) = next(&mut rx) {
            assert!(!matches!(m, Msg::Settled(_)), "nothing was open: {m:?}");
        }

        // Another schooltech's disable is left unknown meanwhile.
        let c2 = cfg.clone();
        let paused = tokio::task::spawn_blocking(move || {
            kill_at(
                &c2,
                &["accounts", "disable", "harry.hughes", "--reason", "left"],
                "sent",
            )
        })
        .await
        .expect("join");
        assert!(paused, "the disable never paused");

        // A change from the tab, through the worker.
        let change = Change::Status {
            tag: "HA-SET-3".into(),
            to: schooltech::domain::inventory::Status::InRepair,
            note: "keyboard".into(),
            breach: Default::default(),
        };
        worker.spawn(Cmd::from(InvCmd::Change {
            gen: 7,
            change: Box::new(change),
        }));
        let mut got = Vec::new();
        let t0 = std::time::Instant::now();
        loop {
            assert!(t0.elapsed() < Duration::from_secs(30), "no answer: {got:?}");
            match tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                Ok(Some(Msg::Settled(lines))) => got.push(Ok(lines)),
                Ok(Some(Msg::Tab(TabMsg::Inventory(InvMsg::Saved { gen: 7, result })))) => {
                    got.push(Err(result.map(|r| r.1).map_err(|e| e.to_string())));
                    break;
                }
                _ => {}
            }
        }
        let Some(Ok(lines)) = got.first() else {
            panic!("nothing was said before the answer: {got:?}")
        };
        assert!(
            lines
                .iter()
                .any(|l| l.contains("account.disable harry.hughes") && l.contains("was done")),
            "{lines:?}"
        );
        let Some(Err(Ok(said))) = got.last() else {
            panic!("the change was not made: {got:?}")
        };
        assert!(said.contains("in-repair"), "{said}");
    });
    nothing_pending(&cfg, "after the TUI change");
    assert_eq!(log_rows(&cfg, "account.disable", "harry.hughes"), 1);
}
