//! The full-screen program: an Elm-like loop. Terminal events (from an input thread),
//! background results (from [`work`] tasks), signals and a timer all arrive on one tokio
//! channel as [`app::Msg`]; [`app::update`] changes the [`app::State`] and returns
//! [`work::Cmd`]s to start; [`shell::view::draw`] draws the state, only when it changed.
//!
//! Where things live: `tabs/<tab>/` (one folder per tab, behind the contract in
//! `tabs/mod.rs`), `shell/` (header, tab bar, status, footer, jobs, dialog keys), `dialogs/`
//! (by kind), `widgets/` (the one table), `keymap.rs`, `input.rs`, `theme.rs`. See
//! `src/tui/README.md`.
//!
//! The terminal is put back as it was on a normal exit, on an error, on a panic (a panic hook
//! restores it before the panic is printed) and on SIGHUP/SIGTERM (a dropped SSH session).

pub mod app;
pub mod dialogs;
pub mod ground;
pub mod input;
pub mod keymap;
pub mod shell;
pub mod tabs;
pub mod theme;
pub mod widgets;
pub mod work;

use crate::error::{Error, Result};
use crate::ops::Ctx;
use app::{Msg, State};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use work::{Cmd, Worker};

/// How often the spinner turns while something runs.
const TICK: Duration = Duration::from_millis(120);

/// True while the terminal is in raw mode / the alternate screen (so restoring is done once).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Set by the panic hook: a panic on any thread (a background task included) ends the loop.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: cursor shown, mouse off, main screen, cooked mode. Safe to call
/// more than once and from a panic hook.
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = crossterm::execute!(
            out,
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Restores the terminal when dropped (normal exit, `?` errors, unwinding).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            restore_terminal();
            previous(info);
        }));
    });
}

fn io_err(e: io::Error) -> Error {
    Error::io("terminal", e)
}

fn setup() -> Result<(Terminal<CrosstermBackend<Stdout>>, TerminalGuard)> {
    install_panic_hook();
    enable_raw_mode().map_err(io_err)?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = TerminalGuard;
    let mut out = io::stdout();
    crossterm::execute!(out, EnterAlternateScreen).map_err(io_err)?;
    let terminal = Terminal::new(CrosstermBackend::new(out)).map_err(io_err)?;
    Ok((terminal, guard))
}

/// Reads terminal events on a thread of its own and sends them to the loop.
fn spawn_input(tx: UnboundedSender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(100)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => {
                    let _ = tx.send(Msg::InputClosed);
                    break;
                }
            }
            let msg = match event::read() {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Mouse(m)) => Msg::Mouse(m),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => Msg::InputClosed,
            };
            let closed = matches!(msg, Msg::InputClosed);
            if tx.send(msg).is_err() || closed {
                break;
            }
        }
    });
}

/// Turns SIGHUP, SIGTERM and SIGINT (sent from outside; ctrl-c is a key in raw mode) into
/// messages.
fn spawn_signals(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{signal, SignalKind};
    tokio::spawn(async move {
        let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::hangup()),
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        let n = tokio::select! {
            _ = hup.recv() => 1,
            _ = int.recv() => 2,
            _ = term.recv() => 15,
        };
        let _ = tx.send(Msg::Signal(n));
    });
}

fn spawn_ticker(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        loop {
            every.tick().await;
            if tx.send(Msg::Tick).is_err() {
                break;
            }
        }
    });
}

/// Applies `[tui.keys.PLACE] "KEY" = "ACTION"` from the configuration; the places are the
/// keymap's own (every tab's and the shell's). A wrong place, key or action is a
/// configuration error naming it.
pub fn apply_key_overrides(
    keymap: &mut keymap::Keymap,
    keys: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> Result<()> {
    for (place, binds) in keys {
        let Some(ctx) = keymap.context_named(place) else {
            let names: Vec<&str> = keymap.contexts().iter().map(|c| c.name).collect();
            return Err(crate::Error::Config(format!(
                "[tui.keys.{place}]: unknown place; use one of: {}",
                names.join(", ")
            )));
        };
        for (key, action) in binds {
            keymap.bind(ctx, key, action).map_err(|e| {
                crate::Error::Config(format!("[tui.keys.{place}] \"{key}\" = \"{action}\": {e}"))
            })?;
        }
    }
    Ok(())
}

/// Opens the full-screen program over `ctx` (which `main` makes from the command line);
/// returns the exit code.
pub async fn run(ctx: Ctx) -> Result<i32> {
    let ctx = Arc::new(ctx);
    // Key overrides from [tui.keys] are checked before the screen is taken over.
    let mut keymap = tabs::keymap();
    apply_key_overrides(&mut keymap, &ctx.config.tui.keys)?;
    let env = app::Env::from_ctx(&ctx);
    let ctx_type_to_confirm = ctx.config.tui.type_to_confirm;
    let theme = theme::Theme::from_env();
    let now = ctx.now();

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let worker = Worker::new(ctx, tx.clone());

    let (mut terminal, _guard) = setup()?;
    let size = terminal.size().map_err(io_err)?;
    let mut state = State::new(env, theme, (size.width, size.height), now);
    state.keymap = keymap;
    state.type_to_confirm = ctx_type_to_confirm;

    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone());
    spawn_signals(tx.clone());
    spawn_ticker(tx.clone());
    drop(tx);

    let mut code = None;
    for cmd in app::init(&mut state) {
        worker.spawn(cmd);
    }
    terminal
        .draw(|f| shell::view::draw(f, &state))
        .map_err(io_err)?;
    state.dirty = false;

    while code.is_none() {
        let Some(first) = rx.recv().await else {
            break;
        };
        // Take everything already waiting before drawing once (fast typing, pastes).
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
            if batch.len() >= 256 {
                break;
            }
        }
        for msg in batch {
            for cmd in app::update(&mut state, msg) {
                match cmd {
                    Cmd::Quit(c) => code = Some(c),
                    Cmd::SetMouse(on) => {
                        let mut out = io::stdout();
                        let _ = if on {
                            crossterm::execute!(out, EnableMouseCapture)
                        } else {
                            crossterm::execute!(out, DisableMouseCapture)
                        };
                    }
                    other => worker.spawn(other),
                }
            }
            if code.is_some() {
                break;
            }
        }
        if PANICKED.load(Ordering::SeqCst) {
            stop.store(true, Ordering::Relaxed);
            return Err(Error::Input(
                "internal error: part of the program panicked (the message is above); the action log shows what was done".into(),
            ));
        }
        if code.is_none() && state.dirty {
            if let Err(e) = terminal.draw(|f| shell::view::draw(f, &state)) {
                stop.store(true, Ordering::Relaxed);
                return Err(io_err(e));
            }
            state.dirty = false;
        }
    }
    stop.store(true, Ordering::Relaxed);
    drop(terminal);
    restore_terminal();
    Ok(code.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_restores_the_terminal_before_it_is_printed() {
        install_panic_hook();
        ACTIVE.store(true, Ordering::SeqCst);
        let result = std::panic::catch_unwind(|| panic!("boom (expected by this test)"));
        assert!(result.is_err());
        assert!(
            !ACTIVE.load(Ordering::SeqCst),
            "the hook restored the terminal"
        );
        assert!(PANICKED.load(Ordering::SeqCst), "the loop will stop");
        PANICKED.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod key_override_tests {
    use super::*;
    use std::collections::BTreeMap;

    fn keys(place: &str, key: &str, action: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        BTreeMap::from([(
            place.to_string(),
            BTreeMap::from([(key.to_string(), action.to_string())]),
        )])
    }

    #[test]
    fn config_overrides_bind_and_bad_ones_name_the_problem() {
        let mut km = tabs::keymap();
        apply_key_overrides(&mut km, &keys("accounts", "ctrl-d", "disable")).expect("bind");
        let combo = keymap::KeyCombo::parse("ctrl-d").expect("combo");
        assert_eq!(
            km.lookup(tabs::accounts::CONTEXT, combo).map(|a| a.name()),
            Some("disable")
        );
        // Every tab's places can be rebound, the Passwords tab's panels too.
        apply_key_overrides(&mut km, &keys("passwords", "ctrl-x", "force-change")).expect("bind");
        apply_key_overrides(&mut km, &keys("passwords-creds", "ctrl-n", "add-cred")).expect("bind");
        let combo = keymap::KeyCombo::parse("ctrl-x").expect("combo");
        assert_eq!(
            km.lookup(tabs::passwords::CONTEXT, combo).map(|a| a.name()),
            Some("force-change")
        );
        let e = apply_key_overrides(&mut km, &keys("nowhere", "x", "quit")).unwrap_err();
        assert!(e.to_string().contains("nowhere") && e.exit_code() == 2);
        let e = apply_key_overrides(&mut km, &keys("global", "x", "fly")).unwrap_err();
        assert!(e.to_string().contains("unknown action"), "{e}");
    }
}
