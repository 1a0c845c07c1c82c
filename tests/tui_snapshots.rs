//! Snapshots of each screen and main dialog at 80×24 and 120×40 over the demo school, drawn
//! with ratatui's TestBackend. The clock is fixed at noon on 25 Nov 2026 (the demo's dates move to it)
//! and calendar dates are replaced by `<date>`, so the snapshots do not change from day to day.

mod tui_support;

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use schooltech::ops::Ctx;
use schooltech::tui::shell::view as ui;
use schooltech::tui::theme::Theme;
use tui_support::{demo_at, frozen_now, redact, Harness};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn demo() -> Ctx {
    demo_at(frozen_now(), None)
}

async fn harness(w: u16, h: u16) -> Harness {
    Harness::new(demo(), w, h).await
}

fn snap(h: &Harness, name: &str, w: u16, height: u16) {
    let text = redact(&h.screen(w, height));
    insta::assert_snapshot!(format!("{name}_{w}x{height}"), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_screens() {
    for (w, ht) in SIZES {
        let mut h = harness(w, ht).await;
        snap(&h, "accounts", w, ht);
        h.key(KeyCode::Down).await;
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char('s')).await;
        snap(&h, "accounts_sorted_selected", w, ht);
        h.key(KeyCode::Enter).await;
        snap(&h, "accounts_detail", w, ht);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('/')).await;
        h.type_text("smi").await;
        snap(&h, "accounts_search", w, ht);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialogs() {
    for (w, ht) in SIZES {
        let mut h = harness(w, ht).await;
        h.key(KeyCode::Char('?')).await;
        snap(&h, "help", w, ht);
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('n')).await;
        h.type_text("Zara").await;
        snap(&h, "create_form", w, ht);
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('p')).await;
        snap(&h, "reset_password", w, ht);
        h.key(KeyCode::Right).await;
        h.type_text("kettle").await;
        snap(&h, "reset_password_typed", w, ht);
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('d')).await;
        h.type_text("left at half term").await;
        h.key(KeyCode::Enter).await;
        snap(&h, "disable_confirm", w, ht);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('f')).await;
        snap(&h, "filter_form", w, ht);
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('m')).await;
        snap(&h, "move_picker", w, ht);
        h.key(KeyCode::Esc).await;

        h.key(KeyCode::Char('i')).await;
        snap(&h, "import_form", w, ht);
        h.key(KeyCode::Esc).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_screen() {
    for (w, ht) in SIZES {
        let mut h = harness(w, ht).await;
        h.key(KeyCode::Char('3')).await;
        snap(&h, "log_empty", w, ht);
        h.key(KeyCode::Char('1')).await;
        h.key(KeyCode::Char('u')).await;
        h.key(KeyCode::Char('y')).await;
        h.key(KeyCode::Char('x')).await;
        h.type_text("2031-07-31").await;
        h.key(KeyCode::Enter).await;
        h.key(KeyCode::Char('y')).await;
        h.key(KeyCode::Char('3')).await;
        snap(&h, "log", w, ht);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_small() {
    let h = harness(80, 24).await;
    insta::assert_snapshot!("too_small_30x8", h.screen(30, 8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_color_means_no_colour_at_all() {
    let mut h = Harness::with_theme(demo(), 100, 30, Theme { color: false }).await;
    for keys in [vec![], vec![KeyCode::Enter], vec![KeyCode::Char('?')]] {
        for k in keys {
            h.key(k).await;
        }
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        term.draw(|f| ui::draw(f, &h.state)).unwrap();
        let buf = term.backend().buffer();
        let mut reversed = false;
        for cell in buf.content() {
            assert_eq!(cell.fg, Color::Reset, "no foreground colour under NO_COLOR");
            assert_eq!(cell.bg, Color::Reset, "no background colour under NO_COLOR");
            reversed |= cell.modifier.contains(Modifier::REVERSED);
        }
        assert!(reversed, "the cursor row is shown by reverse video");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colours_are_the_16_ansi_ones() {
    let mut h = harness(120, 40).await;
    h.key(KeyCode::Enter).await;
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| ui::draw(f, &h.state)).unwrap();
    for cell in term.backend().buffer().content() {
        for c in [cell.fg, cell.bg] {
            assert!(
                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                "only the 16 ANSI colours: {c:?}"
            );
        }
    }
}
