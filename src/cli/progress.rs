//! Progress of long work (import, the sweep): on a terminal (stderr) an indicatif bar with the
//! count, the rate and the time left; off a terminal (a timer, the journal) one plain line every
//! step or every `total / 20` steps, never a `\r`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// A progress report for `total` units of `what` ("creating accounts").
pub struct Progress {
    bar: Option<ProgressBar>,
    what: String,
    total: u64,
    every: u64,
    /// The last count said as a plain line.
    said: Mutex<u64>,
}

impl Progress {
    /// A bar on a terminal, plain lines elsewhere.
    pub fn new(what: &str, total: u64) -> Progress {
        Self::with_terminal(what, total, std::io::stderr().is_terminal())
    }

    /// As [`Progress::new`], with the terminal question answered (tests).
    pub fn with_terminal(what: &str, total: u64, terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message(what.to_string());
            b
        });
        Progress {
            bar,
            what: what.to_string(),
            total,
            every: (total / 20).max(1),
            said: Mutex::new(0),
        }
    }

    /// `done` of the total are done.
    pub fn set(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            return;
        }
        let Ok(mut said) = self.said.lock() else {
            return;
        };
        if done > *said && (done == self.total || done - *said >= self.every) {
            *said = done;
            errln!("{}: {done}/{}", self.what, self.total);
        }
    }

    /// The work is over: the bar goes, the last line is said.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Shows how far a full read of the directory (the mirror's) has come while a command waits
/// for it: on a terminal a spinner with the count and rate once the read has lasted a second;
/// off a terminal one plain line per 5,000 entries (a small directory says nothing). Runs on a
/// thread of its own for the life of the process.
pub fn watch_directory_reads() {
    let terminal = std::io::stderr().is_terminal();
    let spawned = std::thread::Builder::new()
        .name("directory-read-progress".into())
        .spawn(move || {
            let tick = std::time::Duration::from_millis(250);
            // (bar, entries last said, ticks this read has lasted)
            let mut current: Option<(Option<ProgressBar>, u64, u32)> = None;
            loop {
                std::thread::sleep(tick);
                match crate::ops::mirror::full_read_progress() {
                    Some(n) => {
                        let (bar, said, ticks) = current.get_or_insert((None, 0, 0));
                        *ticks += 1;
                        if terminal {
                            if bar.is_none() && *ticks >= 4 {
                                let b = ProgressBar::with_draw_target(
                                    None,
                                    ProgressDrawTarget::stderr(),
                                );
                                if let Ok(style) = ProgressStyle::with_template(
                                    "{spinner} reading the directory in full: {pos} entries ({per_sec})",
                                ) {
                                    b.set_style(style);
                                }
                                *bar = Some(b);
                            }
                            if let Some(b) = bar {
                                b.set_position(n);
                                b.tick();
                            }
                        } else if n / 5000 > *said / 5000 {
                            *said = n;
                            errln!("reading the directory in full: {n} entries");
                        }
                    }
                    None => {
                        if let Some((Some(b), _, _)) = current.take() {
                            b.finish_and_clear();
                        }
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("no progress display for directory reads: {e}");
    }
}
