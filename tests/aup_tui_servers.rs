//! The acceptable use agreement flow in the TUI against real Samba AD and OpenLDAP: configure
//! (`require_before_access`), create a held account, see it held, enabling refused, record one
//! (released), record several selected at once (released; one already recorded, not twice),
//! publish a new version with the CLI and see who is outdated. The CLI's side of the same flow
//! (import included) is in `aup_servers.rs`.

mod common;
mod support;
mod tui_support;

use common::st;
use crossterm::event::KeyCode;
use schooltech::clock::Clock;
use schooltech::config::Config;
use schooltech::domain::aup::Status;
use schooltech::ops::Ctx;
use schooltech::tui::dialogs::Dialog;
use std::path::{Path, PathBuf};
use support::TestServer;
use tui_support::Harness;

fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n\n[aup]\nrequire_before_access = true\n\n\
         [aup.agreements.pupil]\ntitle = \"Pupil AUP\"\nversion = \"2026\"\nroles = [\"pupil\"]\nsigner = \"parent\"\n\n\
         [aup.agreements.guest]\ntitle = \"Visitor AUP\"\nversion = \"2026\"\nroles = [\"guest\"]\n",
        server.dir.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn show(cfg: &Path, user: &str) -> serde_json::Value {
    st(cfg, &["accounts", "show", user, "--format", "json"], None)
        .ok()
        .json()
}

fn top_message(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Message(m)) => m.lines.iter().map(|l| l.0.clone() + "\n").collect(),
        other => panic!("a message expected, got {other:?}"),
    }
}

async fn create(h: &mut Harness, first: &str, last: &str) {
    h.key(KeyCode::Char('n')).await;
    h.type_text(first).await;
    h.key(KeyCode::Tab).await;
    h.type_text(last).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    let Some(Dialog::Secret(_)) = h.state.dialogs.last() else {
        panic!("the new password, got {:?}", h.state.dialogs)
    };
    // The shown-once box closes only on the key that says the password was noted.
    h.key(KeyCode::Char('n')).await;
}

async fn flow(server: &TestServer) {
    let fl = server.flavour.config_name();
    let cfg = config(server);
    let (config, path) = Config::load(Some(&cfg)).expect("config loads");
    let mut ctx = Ctx::from_config(config, path, None).expect("context");
    // The TUI judges on the day the server stamps new accounts with.
    ctx.clock = Clock::Fixed(chrono::Utc::now());
    let mut h = Harness::new(ctx, 120, 40).await;
    assert!(h.state.tabs.accounts.loaded, "{fl}: accounts read");

    // A held account: disabled, shown as held, enabling refused without a reason.
    create(&mut h, "Ada", "Held").await;
    let tab = &h.state.tabs.accounts;
    let row = tab.row("ada.held").expect("created");
    assert!(row.aup.as_ref().is_some_and(|a| a.held), "{fl}: {row:?}");
    assert_eq!(show(&cfg, "ada.held")["enabled"], false, "{fl}");
    assert!(h.screen(120, 40).contains("x held"), "{fl}");
    h.key(KeyCode::Char('e')).await;
    h.key(KeyCode::Enter).await;
    match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) if c.is_asking() => {
            let error = c.ask.as_ref().and_then(|a| a.error.clone());
            assert!(
                error
                    .as_deref()
                    .unwrap_or("")
                    .contains("give an override reason"),
                "{fl}: {error:?}"
            )
        }
        other => panic!("{fl}: the change dialog asking the override reason, got {other:?}"),
    }
    h.key(KeyCode::Esc).await;
    assert_eq!(show(&cfg, "ada.held")["enabled"], false, "{fl}");

    // Record one: released in the directory.
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    // Recording is confirmed with y (the record cannot be undone).
    h.key(KeyCode::Char('y')).await;
    let report = top_message(&h);
    assert!(report.contains("was held, now enabled"), "{fl}: {report}");
    h.key(KeyCode::Esc).await;
    let a = show(&cfg, "ada.held");
    assert_eq!(a["enabled"], true, "{fl}: {a}");
    assert!(a["description"].is_null(), "{fl}: {a}");

    // Record several selected at once: the new ones released, the first not recorded twice.
    create(&mut h, "Bea", "Held").await;
    create(&mut h, "Cal", "Held").await;
    h.key(KeyCode::Char('/')).await;
    h.type_text(".held").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('A')).await;
    assert_eq!(h.state.tabs.accounts.target_names().len(), 3, "{fl}");
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Enter).await;
    // Recording is confirmed with y (the record cannot be undone).
    h.key(KeyCode::Char('y')).await;
    let report = top_message(&h);
    assert!(
        report.contains("2 recorded, 1 already recorded, 0 refused"),
        "{fl}: {report}"
    );
    h.key(KeyCode::Esc).await;
    for u in ["bea.held", "cal.held"] {
        assert_eq!(show(&cfg, u)["enabled"], true, "{fl}: {u}");
        let row = h.state.tabs.accounts.row(u).unwrap();
        assert_eq!(row.aup.as_ref().unwrap().status, Status::Signed, "{fl}");
    }

    // A new version (published with the CLI): after reading again they are outdated.
    st(
        &cfg,
        &["aup", "publish", "pupil", "--version", "2027"],
        None,
    )
    .ok();
    h.key(KeyCode::Char('r')).await;
    for u in ["ada.held", "bea.held", "cal.held"] {
        let row = h.state.tabs.accounts.row(u).unwrap();
        let a = row.aup.as_ref().unwrap();
        assert_eq!(a.status, Status::Outdated, "{fl}: {u}");
        assert_eq!(a.version_signed.as_deref(), Some("2026"), "{fl}: {u}");
    }
    assert!(h.screen(120, 40).contains("outdated 2026"), "{fl}");
    let cli = st(
        &cfg,
        &["aup", "status", "--missing", "--format", "json"],
        None,
    )
    .json();
    for u in ["ada.held", "bea.held", "cal.held"] {
        let r = cli
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["username"] == u)
            .unwrap_or_else(|| panic!("{fl}: {u} listed as needing to sign"));
        assert_eq!(r["status"], "outdated", "{fl}: {r}");
    }
}

#[test]
fn the_agreement_flow_in_the_tui_on_both_servers() {
    let servers = TestServer::both();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for server in &servers {
        rt.block_on(flow(server));
    }
}
