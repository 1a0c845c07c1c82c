//! The TUI state machine: `update` with keys and background results (the real worker over a
//! fake directory that can fail on demand).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use schooltech::directory::Listing;
use schooltech::domain::account::Account;
use schooltech::tui::app::{self, Conn, Env, Msg, State, Tab};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::accounts::{AccountsCmd, AccountsMsg};
use schooltech::tui::tabs::{TabCmd, TabMsg};
use schooltech::tui::theme::Theme;
use schooltech::tui::work::Cmd;
use tui_support::{fake_ctx, frozen_now, Harness};

fn env() -> Env {
    Env {
        school: "Test".into(),
        server: "ldaps://x".into(),
        flavour: "Active Directory".into(),
        operator: "tech".into(),
        as_of: None,
        guest_days: 5,
        clock: schooltech::clock::Clock::Fixed(frozen_now()),
        protection: Default::default(),
        expiry: Default::default(),
        move_roles: Default::default(),
    }
}

fn bare_state() -> State {
    State::new(env(), Theme { color: true }, (100, 30), frozen_now())
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn listing(names: &[&str]) -> Listing {
    Listing {
        accounts: names
            .iter()
            .map(|n| Account {
                username: n.to_string(),
                dn: format!("CN={n},OU=Pupils,DC=x"),
                enabled: true,
                role: Some("pupil".into()),
                ..Default::default()
            })
            .collect(),
        skipped: 0,
    }
}

fn shown(s: &State) -> Vec<String> {
    s.tabs
        .accounts
        .table
        .view
        .iter()
        .map(|i| s.tabs.accounts.rows()[*i as usize].account.username.clone())
        .collect()
}

fn top_is(s: &State, what: &str) -> bool {
    let d = s
        .dialogs
        .last()
        .map(|d| format!("{d:?}"))
        .unwrap_or_default();
    d.starts_with(what)
}

#[test]
fn stale_results_are_dropped() {
    let mut s = bare_state();
    let first = s.reload();
    let second = s.reload();
    let gen_of = |cmds: &[Cmd]| match cmds.first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        other => panic!("expected LoadAccounts, got {other:?}"),
    };
    let (g1, g2) = (gen_of(&first), gen_of(&second));
    assert_ne!(g1, g2);
    s.dirty = false;
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g1,
            result: Ok(listing(&["old.one"])),
            now: frozen_now(),
        })),
    );
    assert!(
        s.tabs.accounts.rows().is_empty(),
        "a stale result must be dropped"
    );
    assert!(!s.dirty, "a dropped result does not redraw");
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g2,
            result: Ok(listing(&["new.one", "new.two"])),
            now: frozen_now(),
        })),
    );
    assert_eq!(shown(&s), ["new.one", "new.two"]);
    // A stale connection result is dropped too.
    let c1 = s.connect();
    let _c2 = s.connect();
    if let Some(Cmd::Connect { gen }) = c1.first() {
        let cmds = app::update(
            &mut s,
            Msg::Connected {
                gen: *gen,
                result: Ok(()),
            },
        );
        assert!(cmds.is_empty());
        assert_eq!(s.conn, Conn::Connecting);
    }
}

#[test]
fn search_is_incremental_and_esc_clears_it() {
    let mut s = bare_state();
    let g = match s.reload().first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        _ => unreachable!(),
    };
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g,
            result: Ok(listing(&[
                "amir.khan",
                "bea.lund",
                "bea.okafor",
                "cara.patel",
            ])),
            now: frozen_now(),
        })),
    );
    app::update(&mut s, key(KeyCode::Char('/')));
    assert!(s.tabs.accounts.table.searching);
    for c in "bea".chars() {
        app::update(&mut s, key(KeyCode::Char(c)));
    }
    assert_eq!(shown(&s), ["bea.lund", "bea.okafor"]);
    app::update(&mut s, key(KeyCode::Char('.')));
    app::update(&mut s, key(KeyCode::Char('o')));
    assert_eq!(shown(&s), ["bea.okafor"]);
    app::update(&mut s, key(KeyCode::Backspace));
    assert_eq!(shown(&s), ["bea.lund", "bea.okafor"]);
    // q types into the search box; it does not quit.
    let cmds = app::update(&mut s, key(KeyCode::Char('q')));
    assert!(cmds.iter().all(|c| !matches!(c, Cmd::Quit(_))));
    app::update(&mut s, key(KeyCode::Esc));
    assert!(!s.tabs.accounts.table.searching);
    assert_eq!(shown(&s).len(), 4);
}

#[test]
fn q_quits_at_once_when_idle_and_asks_while_changes_run() {
    let mut s = bare_state();
    let cmds = app::update(&mut s, key(KeyCode::Char('q')));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit(0)]));

    let mut s = bare_state();
    s.jobs.push(app::Job {
        gen: 99,
        title: "Disable 3 accounts".into(),
        total: 3,
        done: 1,
        ok: 1,
        failures: vec![],
        done_word: "disabled".into(),
        unchanged: 0,
    });
    let cmds = app::update(&mut s, key(KeyCode::Char('q')));
    assert!(cmds.is_empty());
    assert!(top_is(&s, "Confirm"));
    app::update(&mut s, key(KeyCode::Esc));
    assert!(s.dialogs.is_empty());
    app::update(&mut s, key(KeyCode::Char('q')));
    let cmds = app::update(&mut s, key(KeyCode::Char('y')));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit(0)]));
}

#[test]
fn help_opens_from_the_keymap_and_closes() {
    let mut s = bare_state();
    app::update(&mut s, key(KeyCode::Char('?')));
    // Help opens at the keys of the tab shown (issue 24, item 12).
    let at = schooltech::tui::dialogs::help::section(
        &s.ground(),
        schooltech::tui::tabs::accounts::CONTEXT,
    );
    assert!(at > 0);
    assert!(matches!(s.dialogs.last(), Some(Dialog::Help(n)) if *n == at));
    app::update(&mut s, key(KeyCode::Down));
    assert!(matches!(s.dialogs.last(), Some(Dialog::Help(n)) if *n == at + 1));
    app::update(&mut s, key(KeyCode::Esc));
    assert!(s.dialogs.is_empty());
    // Every action of the table appears in the help text.
    let text: String = schooltech::tui::dialogs::help::lines(&s.ground())
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    for b in s.keymap.bindings() {
        assert!(text.contains(&b.description), "{} missing", b.description);
    }
}

#[test]
fn signals_quit_with_the_signal_code() {
    let mut s = bare_state();
    let cmds = app::update(&mut s, Msg::Signal(1));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit(129)]));
}

#[test]
fn tiny_and_resized_terminals_keep_the_cursor_sane() {
    let mut s = bare_state();
    let g = match s.reload().first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        _ => unreachable!(),
    };
    let names: Vec<String> = (0..200).map(|i| format!("user{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g,
            result: Ok(listing(&refs)),
            now: frozen_now(),
        })),
    );
    app::update(&mut s, key(KeyCode::End));
    assert_eq!(s.tabs.accounts.table.cursor, 199);
    app::update(&mut s, Msg::Resize(1, 1));
    app::update(&mut s, Msg::Resize(80, 24));
    assert!(s.tabs.accounts.table.offset <= s.tabs.accounts.table.cursor);
    assert!(s.tabs.accounts.table.cursor < s.tabs.accounts.table.offset + 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_selection() {
    let (ctx, _dir, _tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    assert_eq!(h.state.conn, Conn::Connected);
    let first = shown(&h.state)[0].clone();
    h.key(KeyCode::Char('S')).await;
    assert_ne!(shown(&h.state)[0], first, "reversed");
    h.key(KeyCode::Char('s')).await; // name
    h.key(KeyCode::Char('s')).await; // role
    let roles: Vec<String> = h
        .state
        .tabs
        .accounts
        .table
        .view
        .iter()
        .map(|i| {
            h.state.tabs.accounts.rows()[*i as usize]
                .account
                .role
                .clone()
                .unwrap_or_default()
        })
        .collect();
    let mut sorted = roles.clone();
    sorted.sort();
    assert_eq!(roles, sorted);
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Char(' ')).await;
    assert_eq!(h.state.tabs.accounts.table.selected.len(), 2);
    assert_eq!(h.state.tabs.accounts.table.cursor, 2);
    h.key(KeyCode::Char('/')).await;
    h.type_text("bea").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('A')).await;
    let n = h.state.tabs.accounts.table.view.len();
    assert!(h.state.tabs.accounts.table.selected.len() >= n);
    h.key(KeyCode::Esc).await; // clears the search
    assert!(h.state.tabs.accounts.table.search.value().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_asks_a_reason_previews_and_logs() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let user = shown(&h.state)[0].clone();
    assert!(h.state.tabs.accounts.row(&user).unwrap().account.enabled);
    // One change dialog: the reason first, then the plan in the same dialog.
    h.key(KeyCode::Char('d')).await;
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Confirm(c)) if c.is_asking()));
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("the change dialog expected")
    };
    let error = c.ask.as_ref().and_then(|a| a.error.clone());
    assert!(c.is_asking() && error.unwrap_or_default().contains("why"));
    h.type_text("left the school").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(
        h.state.dialogs.len(),
        1,
        "one dialog, not a form under a confirmation"
    );
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("confirmation expected")
    };
    assert!(!c.is_asking());
    let text: Vec<&str> = c.lines.iter().map(|l| l.0.as_str()).collect();
    assert!(
        text.iter()
            .any(|l| l.contains(&user) && l.contains("enabled -> disabled")),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.contains("left the school")));
    // Esc goes back to the reason, kept; enter again, then yes.
    h.key(KeyCode::Esc).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("the change dialog expected")
    };
    assert!(c.is_asking() && c.answer() == "left the school");
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    assert!(!h.state.tabs.accounts.row(&user).unwrap().account.enabled);
    assert!(h.state.status.as_ref().unwrap().text.contains("disabled"));
    // The Log tab shows it.
    h.key(KeyCode::Char('3')).await;
    assert_eq!(h.state.tab, Tab::Log);
    let e = &h.state.tabs.log.entries[0];
    assert_eq!(
        (e.action.as_str(), e.target.as_str()),
        ("account.disable", user.as_str())
    );
    assert!(format!("{:?}", h.state.tabs.log.chain).contains("Whole"));
    // Filter the log by action.
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Tab).await;
    h.type_text("account.enable").await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.tabs.log.entries.is_empty());
    h.key(KeyCode::Char('F')).await;
    assert_eq!(h.state.tabs.log.entries.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_password_is_shown_once_and_then_forgotten() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let user = shown(&h.state)[3].clone();
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Char('p')).await;
    assert!(top_is(&h.state, "Password"));
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Secret(s)) = h.state.dialogs.last() else {
        panic!("one-time display expected, got {:?}", h.state.dialogs)
    };
    assert_eq!(s.username, user);
    let password = s.password.expose().to_string();
    assert!(password.len() >= 8);
    assert!(h.screen(100, 30).contains(&password));
    // Enter, Esc and q only remind which key closes it; n ("noted") does.
    for k in [KeyCode::Enter, KeyCode::Esc, KeyCode::Char('q')] {
        h.key(k).await;
        assert!(matches!(h.state.dialogs.last(), Some(Dialog::Secret(_))));
    }
    assert!(h.screen(100, 30).contains("press n once"));
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.dialogs.is_empty());
    // Nothing in the state, on screen or in the log holds it any more.
    assert!(!format!("{:?}", h.state).contains(&password));
    assert!(!h.screen(100, 30).contains(&password));
    h.key(KeyCode::Char('3')).await;
    let log = format!("{:?}", h.state.tabs.log.entries);
    assert!(log.contains("password.reset"));
    assert!(!log.contains(&password));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_password_is_masked_and_judged_as_typed() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('p')).await;
    h.key(KeyCode::Right).await; // type one
    h.type_text("abc").await;
    assert!(h.sent.iter().any(|c| c.starts_with("CheckPassword")));
    assert!(
        !h.sent.iter().any(|c| c.contains("abc")),
        "commands never print the password"
    );
    let Some(Dialog::Password(p)) = h.state.dialogs.last() else {
        panic!("password dialog expected")
    };
    assert!(p.verdict.as_ref().is_some_and(|v| !v.is_ok()));
    let screen = h.screen(100, 30);
    let pw_line = screen
        .lines()
        .find(|l| l.contains("> Password"))
        .unwrap_or("");
    assert!(
        pw_line.contains("***_") && !pw_line.contains("abc"),
        "{screen}"
    );
    assert!(screen.contains("x the password"), "{screen}");
    h.key(KeyCode::Enter).await; // refused
    assert!(top_is(&h.state, "Password"));
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    h.type_text("Violet-Kettle-Harbour-93").await;
    let Some(Dialog::Password(p)) = h.state.dialogs.last() else {
        panic!("password dialog expected")
    };
    assert!(
        p.verdict.as_ref().is_some_and(|v| v.is_ok()),
        "{:?}",
        p.verdict
    );
    h.key(KeyCode::Enter).await;
    assert!(
        h.state.dialogs.is_empty(),
        "typed passwords are not shown again"
    );
    assert!(h
        .state
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("password reset"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_disable_reports_a_failure_and_goes_on() {
    let (ctx, dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let users: Vec<String> = shown(&h.state)[..3].to_vec();
    dir.fail_for.lock().unwrap().insert(users[1].clone());
    for _ in 0..3 {
        h.key(KeyCode::Char(' ')).await;
    }
    h.key(KeyCode::Char('d')).await;
    h.type_text("end of term").await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("preview expected")
    };
    assert!(
        c.lines[0].0.starts_with("To change 3, refused 0"),
        "{:?}",
        c.lines[0]
    );
    assert!(c.lines[1].0.contains("3 accounts"));
    h.key(KeyCode::Char('y')).await;
    let Some(Dialog::Message(m)) = h.state.dialogs.last() else {
        panic!("report expected, got {:?}", h.state.dialogs)
    };
    let text: String = m.lines.iter().map(|l| l.0.clone() + "\n").collect();
    assert!(text.contains("2 of 3 accounts disabled"), "{text}");
    assert!(
        text.contains(&users[1]) && text.contains("insufficient access"),
        "{text}"
    );
    assert!(
        !h.state
            .tabs
            .accounts
            .row(&users[0])
            .unwrap()
            .account
            .enabled
    );
    assert!(
        h.state
            .tabs
            .accounts
            .row(&users[1])
            .unwrap()
            .account
            .enabled
    );
    assert!(
        !h.state
            .tabs
            .accounts
            .row(&users[2])
            .unwrap()
            .account
            .enabled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_connection_shows_and_r_retries() {
    let (ctx, dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let n = h.state.tabs.accounts.rows().len();
    *dir.offline.lock().unwrap() = true;
    h.key(KeyCode::Char('r')).await;
    assert!(matches!(h.state.conn, Conn::Offline(_)));
    assert_eq!(h.state.tabs.accounts.rows().len(), n, "keeps what it has");
    assert!(h.screen(100, 30).contains("OFFLINE"));
    h.key(KeyCode::Down).await; // still works
    assert_eq!(h.state.tabs.accounts.table.cursor, 1);
    *dir.offline.lock().unwrap() = false;
    h.key(KeyCode::Char('r')).await;
    assert_eq!(h.state.conn, Conn::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_shows_the_plan_then_the_password_once() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('n')).await;
    h.type_text("Zara").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Quinn").await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("plan expected, got {:?}", h.state.dialogs)
    };
    let text: String = c.lines.iter().map(|l| l.0.clone() + "\n").collect();
    assert!(text.contains("zara.quinn"), "{text}");
    assert!(text.contains("OU=Pupils"), "{text}");
    h.key(KeyCode::Char('y')).await;
    let Some(Dialog::Secret(s)) = h.state.dialogs.last() else {
        panic!("one-time display expected, got {:?}", h.state.dialogs)
    };
    assert_eq!(s.username, "zara.quinn");
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.state.tabs.accounts.row("zara.quinn").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_gets_an_expiry_by_default() {
    let (ctx, _dir, _tmp) = fake_ctx(5);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('G')).await;
    h.type_text("Sam").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Supply").await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("plan expected, got {:?}", h.state.dialogs)
    };
    let text: String = c.lines.iter().map(|l| l.0.clone() + "\n").collect();
    assert!(text.contains("Role:       guest"), "{text}");
    assert!(!text.contains("Expires:    never"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_groups_and_expiry_go_through_ops() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let user = shown(&h.state)[0].clone();
    h.key(KeyCode::Char('m')).await;
    let Some(Dialog::Picker(p)) = h.state.dialogs.last() else {
        panic!("picker expected")
    };
    assert_eq!(p.options.len(), 4);
    h.type_text("leav").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert!(h
        .state
        .tabs
        .accounts
        .row(&user)
        .unwrap()
        .account
        .dn
        .contains("OU=Leavers"));

    h.key(KeyCode::Char('g')).await;
    h.type_text("Library").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert!(h
        .state
        .tabs
        .accounts
        .row(&user)
        .unwrap()
        .account
        .groups
        .contains(&"Library".to_string()));

    h.key(KeyCode::Char('x')).await;
    h.type_text("2031-07-31").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert!(h
        .state
        .tabs
        .accounts
        .row(&user)
        .unwrap()
        .account
        .expires
        .is_some());
    h.key(KeyCode::Char('3')).await;
    let actions: Vec<&str> = h
        .state
        .tabs
        .log
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["account.expire", "group.add", "account.move"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_intake_dry_run_then_apply_shows_the_handout_once() {
    let (ctx, _dir, tmp) = fake_ctx(5);
    let csv = tmp.path().join("intake.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,Form,MIS Id\nNia,Owusu,pupil,7A,N1\nOli,Park,pupil,7B,N2\n,,pupil,7B,N3\n",
    )
    .unwrap();
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('i')).await;
    h.type_text(&csv.display().to_string()).await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("dry run expected, got {:?}", h.state.dialogs)
    };
    let text: String = c.lines.iter().map(|l| l.0.clone() + "\n").collect();
    assert!(text.contains("2 to create"), "{text}");
    assert!(
        text.contains("nia.owusu") && text.contains("oli.park"),
        "{text}"
    );
    assert!(text.contains("no first or last name"), "{text}");
    h.key(KeyCode::Char('y')).await;
    let Some(Dialog::Message(m)) = h.state.dialogs.last() else {
        panic!("report expected, got {:?}", h.state.dialogs)
    };
    let text: String = m.lines.iter().map(|l| l.0.clone() + "\n").collect();
    assert!(text.contains("Created 2 of 2"), "{text}");
    assert!(text.contains("schooltech-handout-"), "{text}");
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.state.tabs.accounts.row("nia.owusu").is_some());
    assert!(
        !format!("{:?}", h.state).contains("schooltech-handout-"),
        "shown once only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_role_and_status() {
    let (ctx, _dir, _tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Right).await; // role: pupil
    h.key(KeyCode::Right).await; // staff
    h.key(KeyCode::Enter).await;
    assert!(h
        .state
        .tabs
        .accounts
        .table
        .view
        .iter()
        .all(|i| h.state.tabs.accounts.rows()[*i as usize]
            .account
            .role
            .as_deref()
            == Some("staff")));
    assert_eq!(h.state.tabs.accounts.table.view.len(), 4);
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Left).await;
    h.key(KeyCode::Left).await; // any
    h.key(KeyCode::Tab).await;
    for _ in 0..4 {
        h.key(KeyCode::Right).await; // disabled
    }
    h.key(KeyCode::Enter).await;
    let n = h.state.tabs.accounts.table.view.len();
    assert!(n > 0 && n < 40);
    assert!(h.screen(100, 30).contains("filter: status=disabled"));
    h.key(KeyCode::Char('F')).await;
    assert_eq!(h.state.tabs.accounts.table.view.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_pane_shows_the_model_and_recent_log() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 120, 40).await;
    // dev.khan is locked (an unlock of an unlocked account is nothing to do, not logged).
    h.key(KeyCode::Char('/')).await;
    h.type_text("dev.khan").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('u')).await;
    h.key(KeyCode::Char('y')).await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.tabs.accounts.detail);
    let screen = h.screen(120, 40);
    assert!(screen.contains("Recent log"), "{screen}");
    assert!(screen.contains("account.unlock by tech"), "{screen}");
    assert!(screen.contains("Groups"), "{screen}");
    h.key(KeyCode::Esc).await;
    assert!(!h.state.tabs.accounts.detail);
}

#[test]
fn as_of_runs_are_read_only() {
    let mut e = env();
    e.as_of = chrono::NaiveDate::from_ymd_opt(2026, 7, 1);
    let mut s = State::new(e, Theme { color: true }, (100, 30), frozen_now());
    let g = match s.reload().first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        _ => unreachable!(),
    };
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g,
            result: Ok(listing(&["amir.khan"])),
            now: frozen_now(),
        })),
    );
    for k in ['d', 'p', 'n', 'i', 'm'] {
        let cmds = app::update(&mut s, key(KeyCode::Char(k)));
        assert!(
            cmds.is_empty() && s.dialogs.is_empty(),
            "{k} opened something"
        );
    }
    assert!(s.status.as_ref().unwrap().text.contains("read-only"));
    let screen = tui_support::render(&s, 100, 30);
    assert!(screen.contains("as of 1 Jul 2026"), "{screen}");
}

#[test]
fn mouse_clicks_tabs_and_rows() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut s = bare_state();
    let g = match s.reload().first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        _ => unreachable!(),
    };
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen: g,
            result: Ok(listing(&["a1", "a2", "a3", "a4"])),
            now: frozen_now(),
        })),
    );
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app::update(&mut s, click(5, 6));
    assert_eq!(s.tabs.accounts.table.cursor, 2);
    let log_x = schooltech::tui::shell::view::tab_labels(&s)
        .iter()
        .find(|l| l.0 == Tab::Log)
        .map(|l| l.2 + 1)
        .unwrap_or_default();
    app::update(&mut s, click(log_x, 1));
    assert_eq!(s.tab, Tab::Log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_at_start_says_so_and_r_connects() {
    let (ctx, dir, _tmp) = fake_ctx(10);
    *dir.offline.lock().unwrap() = true;
    let mut h = Harness::new(ctx, 100, 30).await;
    assert!(matches!(h.state.conn, Conn::Offline(_)));
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("Not connected to the directory"),
        "{screen}"
    );
    assert!(screen.contains("OFFLINE"), "{screen}");
    *dir.offline.lock().unwrap() = false;
    h.key(KeyCode::Char('r')).await;
    assert_eq!(h.state.conn, Conn::Connected);
    assert_eq!(h.state.tabs.accounts.rows().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_accounts_and_groups_are_shown_before_confirming() {
    let ctx = tui_support::demo_at(frozen_now(), None);
    let mut h = Harness::new(ctx, 100, 30).await;
    // The domain's Administrator: the preview says it will be refused, and why.
    h.key(KeyCode::Char('/')).await;
    h.type_text("administrator").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('d')).await;
    h.type_text("test").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("refused: protected"),
        "the preview names the refusal:\n{screen}"
    );
    h.key(KeyCode::Char('y')).await;
    let admin = h.state.tabs.accounts.row("Administrator").expect("listed");
    assert!(
        admin.account.enabled,
        "a protected account is never changed"
    );
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;
    // A pupil into a protected group: the confirmation warns that it is allowed by confirming.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('g')).await;
    h.type_text("Domain Admins").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("Protected group: Domain Admins"),
        "the confirmation says the group is protected:\n{screen}"
    );
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;
    // y and Enter never add to a protected group; only the override key does.
    h.key(KeyCode::Char('/')).await;
    h.type_text("21laner").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('g')).await;
    h.type_text("IT Admins").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    h.key(KeyCode::Enter).await;
    let Some(Dialog::Confirm(c)) = h.state.dialogs.last() else {
        panic!("still asking, got {:?}", h.state.dialogs.last());
    };
    assert!(c.reminder.as_deref().unwrap_or("").contains("override"));
    let joined = |h: &Harness| {
        h.state
            .tabs
            .accounts
            .row("21laner")
            .is_some_and(|r| r.account.groups.iter().any(|g| g.contains("IT Admins")))
    };
    assert!(!joined(&h));
    h.key(KeyCode::Char('o')).await;
    assert!(
        !matches!(h.state.dialogs.last(), Some(Dialog::Confirm(_))),
        "{:?}",
        h.state.dialogs.last()
    );
    for _ in 0..20 {
        if joined(&h) {
            break;
        }
        h.settle().await;
    }
    assert!(
        joined(&h),
        "the override adds: {:?}",
        h.state.dialogs.last()
    );
}
