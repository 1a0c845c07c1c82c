//! The Accounts tab opens from the stored mirror at once and says so while the delta refresh
//! runs ("as read at HH:MM, refreshing…"); the refreshed rows then replace the mirrored ones.

mod tui_support;

use schooltech::directory::Listing;
use schooltech::domain::account::Account;
use schooltech::tui::app::{self, Env, Msg, State};
use schooltech::tui::tabs::accounts::{AccountsCmd, AccountsMsg};
use schooltech::tui::tabs::{TabCmd, TabMsg};
use schooltech::tui::theme::Theme;
use schooltech::tui::work::Cmd;
use tui_support::{frozen_now, render};

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

/// The screen with the spinner and the local time of day made steady.
fn steady(screen: &str) -> String {
    let re = regex::Regex::new(r"\S as read at \d{2}:\d{2}").expect("regex");
    re.replace_all(screen, "* as read at HH:MM").into_owned()
}

#[test]
fn mirrored_rows_show_before_the_refresh_completes() {
    let mut s = State::new(env(), Theme { color: false }, (100, 24), frozen_now());
    if let Some(Cmd::Connect { gen }) = s.connect().first() {
        app::update(
            &mut s,
            Msg::Connected {
                gen: *gen,
                result: Ok(()),
            },
        );
    }
    let gen = match s.reload().first() {
        Some(Cmd::Tab(TabCmd::Accounts(AccountsCmd::Load { gen }))) => *gen,
        other => panic!("expected a load, got {other:?}"),
    };
    let read_at = frozen_now() - chrono::Duration::hours(2);
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Cached {
            gen,
            listing: listing(&["amir.khan", "bea.lund"]),
            read_at,
            now: frozen_now(),
        })),
    );
    let screen = steady(&render(&s, 100, 24));
    assert!(screen.contains("amir.khan"), "{screen}");
    let hhmm = read_at
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    assert!(
        render(&s, 100, 24).contains(&format!("as read at {hhmm}, refreshing…")),
        "{screen}"
    );
    insta::assert_snapshot!("accounts_from_the_mirror_refreshing", screen);

    // The refresh's answer replaces the mirrored rows and the "refreshing" goes.
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Loaded {
            gen,
            result: Ok(listing(&["amir.khan", "bea.lund", "cara.new"])),
            now: frozen_now(),
        })),
    );
    let screen = render(&s, 100, 24);
    assert!(
        screen.contains("cara.new") && !screen.contains("refreshing"),
        "{screen}"
    );

    // A mirrored answer arriving after the fresh one is dropped.
    app::update(
        &mut s,
        Msg::Tab(TabMsg::Accounts(AccountsMsg::Cached {
            gen,
            listing: listing(&["amir.khan"]),
            read_at,
            now: frozen_now(),
        })),
    );
    assert!(render(&s, 100, 24).contains("cara.new"));
}
