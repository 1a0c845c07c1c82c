//! The Log tab's state: the action log (newest first), its filters and the chain status.

use super::super::worker::Cmd;
use crate::error::Result;
use crate::store::{ActionEntry, ChainStatus, LogFilter};

/// The filters as typed (kept so the filter form opens with them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilterText {
    /// Since (a date).
    pub since: String,
    /// Action, exactly (`password.reset`).
    pub action: String,
    /// Target containing this.
    pub target: String,
    /// Operator, exactly.
    pub operator: String,
}

/// The Log tab.
#[derive(Debug, Default)]
pub struct LogScreen {
    /// Rows, newest first.
    pub entries: Vec<ActionEntry>,
    /// The hash chain, as last verified.
    pub chain: Option<ChainStatus>,
    /// The filter in force.
    pub filter: LogFilter,
    /// The filter as typed.
    pub filter_text: LogFilterText,
    /// Cursor.
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The last load failed with this.
    pub error: Option<String>,
}

impl LogScreen {
    /// Asks for the log to be read again.
    pub fn request(&mut self, gen: u64) -> Cmd {
        self.load_gen = gen;
        self.loading = true;
        Cmd::LoadLog {
            gen,
            filter: self.filter.clone(),
        }
    }

    /// Takes a load result; false if it was stale (dropped).
    pub fn loaded_result(
        &mut self,
        gen: u64,
        result: Result<(Vec<ActionEntry>, ChainStatus)>,
    ) -> bool {
        if gen != self.load_gen {
            return false;
        }
        self.loading = false;
        self.loaded = true;
        match result {
            Ok((entries, chain)) => {
                self.entries = entries;
                self.chain = Some(chain);
                self.error = None;
                self.cursor = self.cursor.min(self.entries.len().saturating_sub(1));
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        true
    }

    /// Rows that fit in a body of `body` lines.
    pub fn page(body: usize) -> usize {
        body.saturating_sub(2).max(1)
    }

    /// Moves the cursor by `delta`.
    pub fn move_by(&mut self, delta: isize, body: usize) {
        self.cursor = super::step(self.cursor, delta, self.entries.len());
        self.keep_visible(body);
    }

    /// First or last row.
    pub fn jump(&mut self, end: bool, body: usize) {
        self.cursor = super::end_row(end, self.entries.len());
        self.keep_visible(body);
    }

    /// A click on the `row`-th visible row.
    pub fn click(&mut self, row: usize, body: usize) {
        if let Some(c) = super::clicked(self.offset, row, Self::page(body), self.entries.len()) {
            self.cursor = c;
        }
    }

    fn keep_visible(&mut self, body: usize) {
        let page = Self::page(body);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&ActionEntry> {
        self.entries.get(self.cursor)
    }
}
