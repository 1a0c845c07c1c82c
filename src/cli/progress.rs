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
