//! Every screen and dialog draws at every terminal size from 1×1 to 100×40 without a panic,
//! and says "too small" below 80×24.

mod tui_support;

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use schooltech::domain::account::Account;
use schooltech::tui::app::State;
use schooltech::tui::shell::view as ui;
use tui_support::{fake_ctx, Harness};

fn sizes() -> Vec<(u16, u16)> {
    // Every width at three heights, and every interesting width at many heights.
    let mut v = Vec::new();
    for w in 1..=100 {
        for h in [1, 24, 40] {
            v.push((w, h));
        }
    }
    for w in [1, 2, 3, 5, 8, 13, 21, 34, 55, 79, 80, 81, 99, 100, 120] {
        for h in [1, 2, 3, 4, 5, 8, 12, 16, 20, 23, 24, 25, 30, 39, 40] {
            v.push((w, h));
        }
    }
    v
}

fn draw_all(state: &State, what: &str) {
    for (w, h) in sizes() {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            term.draw(|f| ui::draw(f, state)).map(|_| ())
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{what} at {w}x{h}: {e}"),
            Err(_) => panic!("{what} panicked at {w}x{h}"),
        }
        if w < 80 || h < 24 {
            let text: String = term
                .backend()
                .buffer()
                .content()
                .iter()
                .map(|c| c.symbol())
                .collect();
            if w >= 20 && h >= 3 {
                assert!(text.contains("small"), "{what} at {w}x{h}: {text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_size_from_1x1_to_100x40() {
    let (ctx, dir, _tmp) = fake_ctx(300);
    dir.push(Account {
        username: "wide.name".into(),
        dn: "CN=李小龍 😀 Zoë Ñúñez-O'Brien-Smythe-Worthington,OU=Pupils,OU=School,DC=fake,DC=school".into(),
        display_name: Some("李小龍 😀 Zoë Ñúñez-O'Brien-Smythe-Worthington the Third of Many".into()),
        role: Some("pupil".into()),
        enabled: true,
        groups: (0..40).map(|i| format!("Group number {i} with a long name")).collect(),
        ..Default::default()
    });
    let mut h = Harness::new(ctx, 100, 40).await;
    draw_all(&h.state, "accounts");
    h.key(KeyCode::End).await;
    h.key(KeyCode::Enter).await;
    draw_all(&h.state, "details");
    h.key(KeyCode::Esc).await;
    let steps: Vec<(&str, Vec<KeyCode>)> = vec![
        ("help", vec![KeyCode::Char('?')]),
        ("create", vec![KeyCode::Char('n')]),
        (
            "password",
            vec![KeyCode::Char('p'), KeyCode::Right, KeyCode::Char('a')],
        ),
        (
            "disable",
            vec![KeyCode::Char('d'), KeyCode::Char('x'), KeyCode::Enter],
        ),
        ("filter", vec![KeyCode::Char('f')]),
        ("move", vec![KeyCode::Char('m')]),
        ("groups", vec![KeyCode::Char('g')]),
        ("import", vec![KeyCode::Char('i')]),
    ];
    for (what, keys) in steps {
        for k in keys {
            h.key(k).await;
        }
        draw_all(&h.state, what);
        while !h.state.dialogs.is_empty() {
            h.key(KeyCode::Esc).await;
        }
    }
    h.key(KeyCode::Char('A')).await;
    h.key(KeyCode::Char('e')).await;
    draw_all(&h.state, "bulk preview");
    h.key(KeyCode::Char('y')).await;
    draw_all(&h.state, "bulk report");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('2')).await;
    draw_all(&h.state, "passwords");
    h.key(KeyCode::End).await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    draw_all(&h.state, "password details");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('t')).await;
    h.key(KeyCode::Char('x')).await;
    draw_all(&h.state, "force-change preview");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('f')).await;
    draw_all(&h.state, "password filter");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('p')).await;
    draw_all(&h.state, "policy panel");
    h.key(KeyCode::Char('a')).await;
    draw_all(&h.state, "policy preview");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('c')).await;
    draw_all(&h.state, "creds panel (empty)");
    h.key(KeyCode::Char('n')).await;
    h.type_text("A very long shared login name that goes on and on")
        .await;
    draw_all(&h.state, "creds form");
    for _ in 0..3 {
        h.key(KeyCode::Tab).await;
        h.type_text("wide.name, amir.khan").await;
    }
    h.key(KeyCode::Enter).await;
    draw_all(&h.state, "creds panel");
    h.key(KeyCode::Char('m')).await;
    draw_all(&h.state, "rotated confirm");
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('3')).await;
    draw_all(&h.state, "log");
    h.key(KeyCode::Enter).await;
    draw_all(&h.state, "log details");
}
