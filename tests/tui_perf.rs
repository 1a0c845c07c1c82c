//! How the TUI copes with 50,000 accounts: a keystroke in the search box to the next frame,
//! and a full frame at 200×60. Figures are printed (run with `--nocapture`, ideally
//! `--release`); nothing is asserted about time.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use schooltech::ops::Ctx;
use schooltech::tui::app::{self, Msg};
use schooltech::tui::shell::view as ui;
use std::time::{Duration, Instant};
use tui_support::Harness;

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_accounts_stay_instant() {
    let t0 = Instant::now();
    let ctx = Ctx::demo(Some(50_000), None).expect("the generated demo school");
    let built = t0.elapsed();
    let rss_dir = rss_kib();
    let t1 = Instant::now();
    let mut h = Harness::new(ctx, 200, 60).await;
    let loaded = t1.elapsed();
    let n = h.state.tabs.accounts.rows().len();
    assert!(n >= 50_000, "{n} accounts");
    println!(
        "50k: directory built in {built:?} (RSS {rss_dir:?} KiB), listed + indexed by the TUI in {loaded:?} (RSS {:?} KiB)",
        rss_kib()
    );

    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    term.draw(|f| ui::draw(f, &h.state)).expect("draw");

    // Full frames.
    let mut frames = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        term.draw(|f| ui::draw(f, &h.state)).expect("draw");
        frames.push(t.elapsed());
    }
    println!(
        "full frame 200x60: median {:?}, p99 {:?}",
        pct(&mut frames, 0.5),
        pct(&mut frames, 0.99)
    );

    // Keystrokes in the search box: each is update + draw, as the event loop does.
    let key = |c: KeyCode| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    app::update(&mut h.state, key(KeyCode::Char('/')));
    let words = ["amir", "smith", "e", "okafor", "jo", "zz"];
    let mut keys = Vec::new();
    let mut shown = Vec::new();
    for round in 0..10 {
        let w = words[round % words.len()];
        for c in w.chars().chain(std::iter::repeat_n('\u{8}', w.len())) {
            let k = if c == '\u{8}' {
                key(KeyCode::Backspace)
            } else {
                key(KeyCode::Char(c))
            };
            let t = Instant::now();
            let cmds = app::update(&mut h.state, k);
            term.draw(|f| ui::draw(f, &h.state)).expect("draw");
            keys.push(t.elapsed());
            shown.push(h.state.tabs.accounts.table.view.len());
            drop(cmds);
        }
    }
    let (p50, p99, max) = (
        pct(&mut keys, 0.5),
        pct(&mut keys, 0.99),
        *keys.iter().max().unwrap_or(&Duration::ZERO),
    );
    println!(
        "keystroke -> frame (50k, 200x60, {} keys): median {p50:?}, p99 {p99:?}, max {max:?}; rows shown ranged {}..{}",
        keys.len(),
        shown.iter().min().unwrap_or(&0),
        shown.iter().max().unwrap_or(&0)
    );
    println!("RSS after: {:?} KiB", rss_kib());
}
