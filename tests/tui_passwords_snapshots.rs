//! Snapshots of the Passwords tab, its policy panel and its shared-credentials panel at 80×24
//! and 120×40 over the demo school. The report is judged by the ops layer at `ctx.now()`, so
//! the demo runs `--as-of` today (the end of today: ages do not change with the time of day;
//! the demo's dates move to today, so they do not change from day to day either). Calendar
//! dates are replaced by `<date>`.

mod tui_support;

use chrono::Duration;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use schooltech::domain::creds::Credential;
use schooltech::ops::{creds, Ctx};
use schooltech::tui::shell::view as ui;
use schooltech::tui::theme::Theme;
use tui_support::{frozen_now, redact, Harness};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The demo school judged at the end of today, with three shared logins in its register.
async fn demo() -> Ctx {
    let now = frozen_now();
    // Its register is part of building this demo school, before it is sealed for --as-of.
    let ctx = Ctx::demo_unsealed(
        None,
        Some(now.date_naive()),
        schooltech::clock::Clock::Fixed(now),
    )
    .expect("the demo school loads");
    for (name, known, owner, days_ago) in [
        ("Library desk", &["twong", "wball"][..], "wball", 3),
        ("Maths Online", &["zcole"][..], "zcole", 35),
        ("Printer admin", &["wball", "21andrewsc"][..], "wball", 10),
        ("Reprographics", &["zcole"][..], "zcole", 60),
    ] {
        creds::add(
            &ctx,
            &Credential {
                name: name.into(),
                system: format!("https://{}.example", name.to_lowercase().replace(' ', "-")),
                known_by: known.iter().map(|s| s.to_string()).collect(),
                owner: owner.into(),
                period_days: 42,
                last_rotated: now - Duration::days(days_ago),
            },
            None,
        )
        .await
        .expect("add a credential");
    }
    ctx.sealed()
}

fn snap(h: &Harness, name: &str, w: u16, height: u16) {
    let text = redact(&h.screen(w, height));
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_tab_and_panels() {
    for (w, ht) in SIZES {
        let mut h = Harness::new(demo().await, w, ht).await;
        h.key(KeyCode::Char('2')).await;
        snap(&h, "passwords", w, ht);

        h.key(KeyCode::Char('t')).await; // expired
        h.key(KeyCode::Char('s')).await; // by role
        h.key(KeyCode::Down).await;
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char(' ')).await;
        snap(&h, "passwords_expired_selected", w, ht);

        // The preview (read-only runs refuse it, so this one pretends not to be).
        let as_of = h.state.env.as_of.take();
        h.key(KeyCode::Char('x')).await;
        snap(&h, "passwords_force_change_preview", w, ht);
        h.key(KeyCode::Esc).await;
        h.state.env.as_of = as_of;

        h.key(KeyCode::Char('p')).await;
        snap(&h, "passwords_policy", w, ht);

        h.key(KeyCode::Char('c')).await;
        snap(&h, "passwords_creds", w, ht);
        h.key(KeyCode::Char('c')).await;

        h.key(KeyCode::Char('?')).await;
        let help = h.screen(w, ht);
        assert!(help.contains("Help: keys"), "{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_color_means_no_colour_on_the_passwords_tab() {
    let mut h = Harness::with_theme(demo().await, 100, 30, Theme { color: false }).await;
    h.key(KeyCode::Char('2')).await;
    for keys in [vec![], vec![KeyCode::Char('p')], vec![KeyCode::Char('c')]] {
        for k in keys {
            h.key(k).await;
        }
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        term.draw(|f| ui::draw(f, &h.state)).unwrap();
        let mut reversed = false;
        for cell in term.backend().buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "no foreground colour under NO_COLOR");
            assert_eq!(cell.bg, Color::Reset, "no background colour under NO_COLOR");
            reversed |= cell.modifier.contains(Modifier::REVERSED);
        }
        assert!(
            reversed,
            "the header (and cursor row) are shown by reverse video"
        );
    }
}
