//! How the Inventory tab copes with 100,000 assets: full frames at 120×40 (budget 16 ms), a
//! keystroke in the search box to the next frame, and in scan mode a scanned tag (its
//! characters and Enter) to the frame that shows it recorded. Figures are printed (run with
//! `--release --nocapture`); nothing is asserted about time.

mod tui_support;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use schooltech::clock::Clock;
use schooltech::config::Config;
use schooltech::ops::inventory::{audit, import};
use schooltech::ops::Ctx;
use schooltech::tui::app::{self, Env, Msg, State};
use schooltech::tui::shell::view as ui;
use schooltech::tui::theme::Theme;
use schooltech::tui::work::{Cmd, Worker};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tui_support::{frozen_now, FakeDir};

const N: usize = 100_000;

/// The benchmark's CSV (`benches/inventory.rs`): the export header, the main columns filled.
fn csv(n: usize) -> String {
    let cats = ["laptop", "desktop", "tablet", "printer", "display"];
    let makes = ["Dell", "HP", "Lenovo", "Apple"];
    let mut s = String::with_capacity(n * 80);
    s.push_str(&import::HEADER.join(","));
    s.push('\n');
    for i in 1..=n {
        s.push_str(&format!(
            "HA{i:06},SN-{:09},{},{},Model {},,,Room {},in-stock,,,,,,,,\n",
            i * 7919,
            cats[i % 5],
            makes[i % 4],
            i % 37,
            i % 40 + 1
        ));
    }
    s
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// The event loop, by hand: feed a message, start its commands.
struct Loop {
    state: State,
    worker: Worker,
    rx: UnboundedReceiver<Msg>,
}

impl Loop {
    fn feed(&mut self, m: Msg) {
        for c in app::update(&mut self.state, m) {
            match c {
                Cmd::Quit(_) | Cmd::SetMouse(_) => {}
                other => self.worker.spawn(other),
            }
        }
    }

    /// Answers until `done` holds (at most 120 s).
    async fn until(&mut self, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !done(&self.state) && Instant::now() < deadline {
            if let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await
            {
                self.feed(m);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_assets_stay_within_the_frame_budget() {
    let now: DateTime<Utc> = frozen_now();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = Arc::new(FakeDir::new(10, now));
    let mut ctx = Ctx::with_directory(Config::default(), dir, tmp.path().join("st.db"), None);
    ctx.clock = Clock::Fixed(now);
    let t0 = Instant::now();
    let plan = import::plan(&ctx, csv(N).as_bytes()).expect("plan");
    assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
    import::apply(&ctx, &plan, "perf.csv").expect("import");
    audit::start(&ctx, "Perf round").expect("round");
    println!("100k: store built in {:?}", t0.elapsed());

    let (w, h) = (120u16, 40u16);
    let mut env = Env::from_ctx(&ctx);
    env.operator = "tech".into();
    let (tx, rx) = mpsc::unbounded_channel();
    let worker = Worker::new(Arc::new(ctx), tx);
    let mut l = Loop {
        state: State::new(env, Theme { color: true }, (w, h), now),
        worker,
        rx,
    };
    for c in app::init(&mut l.state) {
        l.worker.spawn(c);
    }
    l.until(|s| s.busy().is_none()).await;
    let t1 = Instant::now();
    l.feed(key(KeyCode::Char('5')));
    l.until(|s| s.tabs.inventory.loaded).await;
    let n = l.state.tabs.inventory.table.rows().len();
    assert_eq!(n, N);
    println!("100k: listed and indexed by the tab in {:?}", t1.elapsed());

    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| ui::draw(f, &l.state)).expect("draw");
    let mut frames = Vec::new();
    for i in 0..300 {
        if i % 3 == 0 {
            l.feed(key(KeyCode::PageDown));
        }
        let t = Instant::now();
        term.draw(|f| ui::draw(f, &l.state)).expect("draw");
        frames.push(t.elapsed());
    }
    println!(
        "full frame {w}x{h} with 100k assets: median {:?}, p99 {:?} (budget 16 ms)",
        pct(&mut frames, 0.5),
        pct(&mut frames, 0.99)
    );

    // Search keystrokes: update + draw.
    l.feed(key(KeyCode::Char('/')));
    let mut keys = Vec::new();
    for word in ["model 17", "ha0999", "room 3", "lenovo"] {
        for c in word.chars() {
            let t = Instant::now();
            l.feed(key(KeyCode::Char(c)));
            term.draw(|f| ui::draw(f, &l.state)).expect("draw");
            keys.push(t.elapsed());
        }
        for _ in word.chars() {
            let t = Instant::now();
            l.feed(key(KeyCode::Backspace));
            term.draw(|f| ui::draw(f, &l.state)).expect("draw");
            keys.push(t.elapsed());
        }
    }
    println!(
        "search keystroke -> frame (100k): median {:?}, p99 {:?}",
        pct(&mut keys, 0.5),
        pct(&mut keys, 0.99)
    );
    l.feed(key(KeyCode::Esc));

    // Scan mode: open it in "Room 1", then scan tags as a scanner types them.
    l.feed(key(KeyCode::Char('a')));
    for c in "Room 1".chars() {
        l.feed(key(KeyCode::Char(c)));
    }
    l.feed(key(KeyCode::Enter));
    l.until(|s| s.tabs.inventory.scan.on).await;
    assert!(l.state.tabs.inventory.scan.on);
    let mut per_key = Vec::new();
    let mut scans = Vec::new();
    let mut enters = Vec::new();
    for i in 0..200 {
        let tag = format!("HA{:06}", (i * 7_919) % N + 1);
        let before = l.state.tabs.inventory.scan.count;
        let t = Instant::now();
        for c in tag.chars() {
            let k = Instant::now();
            l.feed(key(KeyCode::Char(c)));
            term.draw(|f| ui::draw(f, &l.state)).expect("draw");
            per_key.push(k.elapsed());
        }
        let e = Instant::now();
        l.feed(key(KeyCode::Enter));
        l.until(|s| s.tabs.inventory.scan.count > before).await;
        term.draw(|f| ui::draw(f, &l.state)).expect("draw");
        enters.push(e.elapsed());
        scans.push(t.elapsed());
    }
    let s = &l.state.tabs.inventory.scan;
    assert_eq!(s.count, 200);
    println!(
        "scan mode (100k): keystroke -> frame median {:?}, p99 {:?}; Enter -> recorded in the store -> frame median {:?}, p99 {:?}; whole tag (8 keys, a frame each, and Enter) median {:?}, p99 {:?}",
        pct(&mut per_key, 0.5),
        pct(&mut per_key, 0.99),
        pct(&mut enters, 0.5),
        pct(&mut enters, 0.99),
        pct(&mut scans, 0.5),
        pct(&mut scans, 0.99)
    );
}
