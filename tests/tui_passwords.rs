//! The Passwords tab's state machine: `update` with keys and background results (the real
//! worker over a fake directory that can fail on demand, and over the demo school).

mod tui_support;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use schooltech::config::Config;
use schooltech::domain::account::Account;
use schooltech::domain::password::PasswordStatus;
use schooltech::ops::compliance;
use schooltech::ops::Ctx;
use schooltech::tui::app::{self, Env, Msg, State, Tab};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::tabs::passwords::Panel;
use schooltech::tui::tabs::passwords::{PwCmd, PwMsg};
use schooltech::tui::tabs::{Page, TabCmd, TabMsg};
use schooltech::tui::theme::Theme;
use schooltech::tui::work::Cmd;
use std::sync::Arc;
use tui_support::{fake_ctx, frozen_now, FakeDir, Harness};

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn shown(h: &Harness) -> Vec<String> {
    let p = &h.state.tabs.passwords;
    p.table
        .view
        .iter()
        .map(|i| p.rows()[*i as usize].username.clone())
        .collect()
}

fn confirm_text(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => c.lines.iter().map(|l| l.0.clone() + "\n").collect(),
        other => panic!("confirmation expected, got {other:?}"),
    }
}

fn message_text(h: &Harness) -> String {
    match h.state.dialogs.last() {
        Some(Dialog::Message(m)) => m.lines.iter().map(|l| l.0.clone() + "\n").collect(),
        other => panic!("message expected, got {other:?}"),
    }
}

/// A second context over the same fake directory and store (what the CLI would use).
fn cli_ctx(dir: &Arc<FakeDir>, tmp: &tempfile::TempDir) -> Ctx {
    let mut config = Config::default();
    config.school.name = "Fake High".into();
    let mut ctx = Ctx::with_directory(config, dir.clone(), tmp.path().join("st.db"), None);
    // The same frozen moment as the TUI side, so the figures do not depend on today's date.
    ctx.clock = schooltech::clock::Clock::Fixed(frozen_now());
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_loads_when_first_shown_with_the_reports_numbers() {
    let (ctx, dir, tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    assert!(
        !h.state.tabs.passwords.loaded,
        "not read before it is shown"
    );
    h.key(KeyCode::Char('2')).await;
    assert_eq!(h.state.tab, Tab::Passwords);
    assert!(h.state.tabs.passwords.loaded);
    assert_eq!(h.state.tabs.passwords.rows().len(), 40);
    // The same numbers as `ops::compliance::report` gives the CLI.
    let cli = cli_ctx(&dir, &tmp);
    let (rows, _) = compliance::report(&cli, None).await.unwrap();
    let want = compliance::summarise(&rows);
    let got = &h.state.tabs.passwords.summary;
    assert_eq!(format!("{want:?}"), format!("{got:?}"));
    let screen = h.screen(100, 30);
    assert!(screen.contains("Summary as of"), "{screen}");
    assert!(screen.contains("[2 Passwords]"), "{screen}");
    // Every status is shown as a word.
    for r in h.state.tabs.passwords.rows() {
        if shown(&h)[..5].contains(&r.username) {
            let line = screen
                .lines()
                .find(|l| l.contains(&format!(" {} ", r.username)))
                .unwrap_or("");
            assert!(line.contains(compliance::status_word(r.status)), "{line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_cycle_filter_form_search_and_sort() {
    let (ctx, _dir, _tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    let all = shown(&h).len();
    h.key(KeyCode::Char('t')).await; // expired
    let p = &h.state.tabs.passwords;
    assert_eq!(p.table.filters.status, Some(PasswordStatus::Expired));
    let expired = shown(&h);
    assert!(!expired.is_empty() && expired.len() < all);
    assert!(expired
        .iter()
        .all(|u| h.state.tabs.passwords.row(u).unwrap().status == PasswordStatus::Expired));
    assert!(h.screen(100, 30).contains("filter: status=expired"));
    // The filter form: role staff on top of the status.
    h.key(KeyCode::Char('f')).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Right).await; // pupil
    h.key(KeyCode::Right).await; // staff
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty());
    let staff = shown(&h);
    assert!(staff.iter().all(|u| {
        let r = h.state.tabs.passwords.row(u).unwrap();
        r.role.as_deref() == Some("staff") && r.status == PasswordStatus::Expired
    }));
    h.key(KeyCode::Char('F')).await;
    assert_eq!(shown(&h).len(), all);
    // Incremental search; q types, it does not quit.
    h.key(KeyCode::Char('/')).await;
    h.type_text("bea").await;
    assert!(!shown(&h).is_empty());
    assert!(shown(&h).iter().all(|u| u.contains("bea")));
    h.feed(key(KeyCode::Char('q')));
    assert!(h.quit.is_none());
    assert!(shown(&h).is_empty());
    h.key(KeyCode::Esc).await;
    assert!(!h.state.tabs.passwords.table.searching);
    assert_eq!(shown(&h).len(), all);
    // Sort by role, then age; reverse.
    h.key(KeyCode::Char('s')).await;
    h.key(KeyCode::Char('s')).await;
    let ages: Vec<i64> = shown(&h)
        .iter()
        .filter_map(|u| h.state.tabs.passwords.row(u).unwrap().age_days)
        .collect();
    assert!(ages.windows(2).all(|w| w[0] <= w[1]), "{ages:?}");
    h.key(KeyCode::Char('S')).await;
    let ages: Vec<i64> = shown(&h)
        .iter()
        .filter_map(|u| h.state.tabs.passwords.row(u).unwrap().age_days)
        .collect();
    assert!(ages.windows(2).all(|w| w[0] >= w[1]), "{ages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_change_previews_exactly_who_then_reports_a_failure_and_goes_on() {
    let (ctx, dir, _tmp) = fake_ctx(40);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('t')).await; // expired
    let targets = shown(&h);
    assert!(targets.len() >= 3, "{targets:?}");
    dir.fail_for.lock().unwrap().insert(targets[1].clone());
    h.key(KeyCode::Char('x')).await;
    let text = confirm_text(&h);
    assert!(
        text.contains(&format!(
            "{} accounts (all shown: status=expired)",
            targets.len()
        )),
        "{text}"
    );
    for u in &targets {
        assert!(
            text.contains(&format!("  {u} (")) && text.contains("must change at next logon"),
            "{u} missing: {text}"
        );
    }
    // No goes back; nothing ran.
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.state.jobs.is_empty());
    h.key(KeyCode::Char('x')).await;
    // 27 accounts, over [tui] type_to_confirm (20): y only says to type the count.
    h.key(KeyCode::Char('y')).await;
    assert!(confirm_text(&h).contains("amir.okafor"));
    h.type_text("27").await;
    h.key(KeyCode::Enter).await;
    let report = message_text(&h);
    assert!(
        report.contains(&format!(
            "{} of {} accounts set to change at next logon",
            targets.len() - 1,
            targets.len()
        )),
        "{report}"
    );
    assert!(
        report.contains(&targets[1]) && report.contains("insufficient access"),
        "{report}"
    );
    // The report was read again: the others must now change their password.
    let p = &h.state.tabs.passwords;
    assert_eq!(
        p.row(&targets[0]).unwrap().status,
        PasswordStatus::MustChange
    );
    assert_eq!(p.row(&targets[1]).unwrap().status, PasswordStatus::Expired);
    assert_eq!(
        p.row(&targets[2]).unwrap().status,
        PasswordStatus::MustChange
    );
    // And the log says so.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('3')).await;
    let n = h
        .state
        .tabs
        .log
        .entries
        .iter()
        .filter(|e| e.action == "password.expire")
        .count();
    assert_eq!(n, targets.len() - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selection_wins_and_clear_never_expires_leaves_out_who_has_no_flag() {
    let (ctx, dir, _tmp) = fake_ctx(10);
    let now = frozen_now();
    for (u, flag) in [("aa.never", true), ("ab.plain", false)] {
        dir.push(Account {
            username: u.into(),
            dn: format!("CN={u},OU=Staff,OU=School,{}", tui_support::BASE),
            role: Some("staff".into()),
            enabled: true,
            password_never_expires: flag,
            password_last_set: Some(now - Duration::days(200)),
            ..Default::default()
        });
    }
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    assert_eq!(shown(&h)[..2], ["aa.never", "ab.plain"]);
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Char(' ')).await;
    assert_eq!(h.state.tabs.passwords.table.selected.len(), 2);
    assert!(h.screen(100, 30).contains("2 selected"));
    h.key(KeyCode::Char('N')).await;
    let text = confirm_text(&h);
    assert!(text.contains("on 1 account (the selection)"), "{text}");
    assert!(text.contains("aa.never (staff): never expires -> expires by policy"));
    assert!(text.contains("Left out, nothing to change (no never-expires flag): ab.plain"));
    h.key(KeyCode::Char('y')).await;
    assert!(h.state.dialogs.is_empty(), "one account: no report dialog");
    assert!(h
        .state
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("aa.never: cleared of never-expires"));
    assert!(h
        .state
        .tabs
        .passwords
        .row("aa.never")
        .unwrap()
        .flags
        .is_empty());
    // A over the shown rows selects them all; again clears.
    h.key(KeyCode::Char('A')).await;
    assert_eq!(h.state.tabs.passwords.table.selected.len(), 12);
    h.key(KeyCode::Char('A')).await;
    assert!(h.state.tabs.passwords.table.selected.is_empty());
}

#[test]
fn stale_report_results_are_dropped() {
    let env = Env {
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
    };
    let mut s = State::new(env, Theme { color: true }, (100, 30), frozen_now());
    let first = app::update(&mut s, key(KeyCode::Char('2')));
    let g1 = match first.as_slice() {
        [Cmd::Tab(TabCmd::Passwords(PwCmd::LoadReport { gen }))] => *gen,
        other => panic!("expected a report load, got {other:?}"),
    };
    assert!(s.tabs.passwords.loading);
    assert_eq!(
        s.tabs.passwords.busy().as_deref(),
        Some("reading the password report")
    );
    let second = s.reload();
    let g2 = second
        .iter()
        .find_map(|c| match c {
            Cmd::Tab(TabCmd::Passwords(PwCmd::LoadReport { gen })) => Some(*gen),
            _ => None,
        })
        .expect("reload reads the report again");
    assert_ne!(g1, g2);
    let row = |u: &str| compliance::ReportRow {
        username: u.into(),
        role: Some("pupil".into()),
        password_last_set: None,
        age_days: None,
        expires_on: None,
        status: PasswordStatus::NeverSet,
        flags: vec![],
        policy: "domain default".into(),
        max_age_days: 90,
        directory_expires_on: None,
        school_expires_on: None,
        expiry_from: schooltech::domain::password::ExpiryFrom::None,
    };
    s.dirty = false;
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Passwords(PwMsg::Loaded {
            gen: g1,
            result: Ok((vec![row("old.one")], 0)),
            now: frozen_now(),
        })),
    );
    assert!(
        s.tabs.passwords.rows().is_empty(),
        "a stale result is dropped"
    );
    assert!(!s.dirty, "and does not redraw");
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Passwords(PwMsg::Loaded {
            gen: g2,
            result: Ok((vec![row("new.one"), row("new.two")], 0)),
            now: frozen_now(),
        })),
    );
    assert_eq!(s.tabs.passwords.rows().len(), 2);
    assert!(s.dirty);
    // Stale policy and credentials answers are dropped too.
    s.dirty = false;
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Passwords(PwMsg::Creds {
            gen: 9999,
            result: Ok(vec![]),
        })),
    );
    assert!(!s.tabs.passwords.creds.loaded && !s.dirty);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_runs_refuse_every_fix() {
    let (ctx, _dir, tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.state.env.as_of = chrono::NaiveDate::from_ymd_opt(2026, 7, 1);
    let _keep = tmp;
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('t')).await;
    for k in ['x', 'N'] {
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty(), "{k} opened something");
        assert!(h.state.status.as_ref().unwrap().text.contains("read-only"));
    }
    h.key(KeyCode::Char('p')).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Policy);
    h.state.status = None;
    h.key(KeyCode::Char('a')).await;
    assert!(h.state.dialogs.is_empty());
    assert!(h.state.status.as_ref().unwrap().text.contains("read-only"));
    h.key(KeyCode::Char('c')).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Creds);
    for k in ['n', 'm'] {
        h.state.status = None;
        h.key(KeyCode::Char(k)).await;
        assert!(h.state.dialogs.is_empty(), "{k} opened something");
        assert!(h.state.status.as_ref().unwrap().text.contains("read-only"));
    }
    assert!(h.sent.iter().all(
        |c| !["Fix", "ApplyPolicy", "SaveCred", "PlanCred", "ApplyCred"]
            .iter()
            .any(|w| c.contains(w))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_panel_shows_drift_and_apply_previews_then_reports() {
    let (ctx, _dir, _tmp) = fake_ctx(10);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('p')).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Policy);
    let screen = h.screen(100, 30);
    assert!(screen.contains("School's rules"), "{screen}");
    assert!(screen.contains("default policy"), "{screen}");
    assert!(screen.contains("x differs"), "{screen}");
    assert!(screen.contains(" a apply-policy"), "footer: {screen}");
    h.key(KeyCode::Char('a')).await;
    let text = confirm_text(&h);
    assert!(text.contains("set policy default"), "{text}");
    assert!(text.contains("Because:"), "{text}");
    h.key(KeyCode::Char('y')).await;
    // The fake directory ignores the write, so the check afterwards fails and says why.
    let msg = message_text(&h);
    assert!(msg.contains("still"), "{msg}");
    assert!(h.state.jobs.is_empty());
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_policy_apply_brings_the_directory_in_line() {
    let ctx = tui_support::demo_at(frozen_now(), None);
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('p')).await;
    assert!(h.screen(100, 30).contains("x differs"));
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Char('y')).await;
    let msg = message_text(&h);
    assert!(msg.contains("now matches"), "{msg}");
    h.key(KeyCode::Enter).await;
    let screen = h.screen(100, 30);
    assert!(screen.contains("No drift"), "{screen}");
    assert!(!screen.contains("x differs"), "{screen}");
    // Nothing left to do.
    h.key(KeyCode::Char('a')).await;
    assert!(message_text(&h).contains("already matches"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_add_judge_leavers_and_mark_rotated() {
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    // FakeDir: account 5 is disabled (a leaver); 0 is enabled.
    let leaver = "finn.khan";
    let stayer = "amir.khan";
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Char('c')).await;
    assert_eq!(h.state.tabs.passwords.panel, Panel::Creds);
    assert!(h.screen(100, 30).contains("The register is empty"));
    h.key(KeyCode::Char('n')).await;
    h.type_text("Library desk").await;
    h.key(KeyCode::Enter).await;
    // No system yet: every problem at once (system, owner), the first field at fault focused.
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => {
            let e = f.error.as_deref().unwrap_or("");
            assert!(e.contains("system") && e.contains("owner"), "{e}");
            assert_eq!(f.focus, 1, "the System field is focused");
        }
        other => panic!("form expected, got {other:?}"),
    }
    h.type_text("https://library.example").await;
    h.key(KeyCode::Tab).await;
    h.type_text(&format!("{stayer}, {leaver}")).await;
    h.key(KeyCode::Tab).await;
    h.type_text(stayer).await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.dialogs.is_empty(), "{:?}", h.state.dialogs);
    let c = &h.state.tabs.passwords.creds;
    assert_eq!(c.rows.len(), 1);
    assert_eq!(c.rows[0].0.period_days, 42, "42 days by default");
    assert_eq!(c.rows[0].0.known_by, [stayer, leaver]);
    let screen = h.screen(100, 30);
    assert!(
        screen.contains(&format!("CHANGE NOW: known by leaver {leaver}")),
        "{screen}"
    );
    assert!(!screen.to_lowercase().contains("password:"), "{screen}");
    h.key(KeyCode::Char('m')).await;
    let text = confirm_text(&h);
    assert!(
        text.contains("Record that \"Library desk\" was changed today"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{leaver} (left) is still listed")),
        "{text}"
    );
    h.key(KeyCode::Char('y')).await;
    assert!(h
        .state
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("marked changed today"));
    h.key(KeyCode::Char('3')).await;
    let actions: Vec<&str> = h
        .state
        .tabs
        .log
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["creds.rotated", "creds.add"]);
}

/// The CLI's summary lines ("  pupil   600 accounts: 340 expired, …") for the demo school.
fn cli_summary() -> Vec<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .args(["--demo", "passwords", "report", "--fail-on", "none"])
        .output()
        .expect("run the CLI");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .skip_while(|l| !l.starts_with("as of "))
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_summary_matches_what_the_cli_prints() {
    // Both sides read the machine's clock here: the CLI has no other.
    let ctx = Ctx::demo(None, None).expect("demo");
    let mut h = Harness::new(ctx, 100, 30).await;
    h.key(KeyCode::Char('2')).await;
    let mine: Vec<String> = h
        .state
        .tabs
        .passwords
        .summary
        .iter()
        .map(|(role, s)| {
            let parts: Vec<String> = s
                .by_status
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            format!(
                "  {role:<10} {:>5} accounts: {}{}",
                s.total,
                parts.join(", "),
                if s.never_expires > 0 {
                    format!("; {} never expire", s.never_expires)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    assert_eq!(mine, cli_summary());
    // And the screen shows those numbers: the pupils' row.
    let pupils = &h.state.tabs.passwords.summary["pupil"];
    let screen = h.screen(100, 30);
    let line = screen
        .lines()
        .find(|l| l.starts_with("pupil "))
        .unwrap_or_default();
    let nums: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert_eq!(nums[0], pupils.total.to_string(), "{line}");
    assert_eq!(
        nums[1],
        pupils
            .by_status
            .get("expired")
            .copied()
            .unwrap_or(0)
            .to_string(),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mouse_clicks_the_tab_and_a_row() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (ctx, _dir, _tmp) = fake_ctx(20);
    let mut h = Harness::new(ctx, 100, 30).await;
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let x = schooltech::tui::shell::view::tab_labels(&h.state)
        .iter()
        .find(|l| l.0 == Tab::Passwords)
        .map(|l| l.2 + 1)
        .unwrap_or_default();
    h.feed(click(x, 1));
    h.settle().await;
    assert_eq!(h.state.tab, Tab::Passwords);
    assert!(h.state.tabs.passwords.loaded);
    // Screen rows: 2 the search bar, 3 the column titles, 4 the first account.
    h.feed(click(5, 6));
    assert_eq!(h.state.tabs.passwords.table.cursor, 2);
    h.feed(click(5, 3));
    assert_eq!(
        h.state.tabs.passwords.table.cursor, 2,
        "the titles are not a row"
    );
}
