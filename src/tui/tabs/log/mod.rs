//! The Log tab: the action log (newest first), its filters and the chain status. Reads the
//! log when first shown and again whenever a change is announced.

mod keys;
mod view;
mod work;

pub use keys::{CONTEXT, KEYS};
pub use view::details_summary;
pub use work::{read_log, LogCmd, LogMsg, LOG_LIMIT};

use crate::error::Result;
use crate::ops::{ActionEntry, ChainStatus, LogFilter};
use crate::tui::keymap::{Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Drill, Drilled, Page, Submitted, TabPage};
use crate::tui::widgets::table::{FilterSet, SortColumn, Table, TableRow};
use crate::tui::work::{Cmd, Outbox};
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::Frame;
use std::sync::Arc;

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

/// One row of the log as the shared table holds it (newest first).
#[derive(Debug)]
pub struct LogRow {
    key: String,
    /// The entry.
    pub entry: ActionEntry,
}

impl LogRow {
    fn new(entry: ActionEntry) -> LogRow {
        // Newest first by the table's tie-break on the key.
        LogRow {
            key: format!("{:020}", i64::MAX.saturating_sub(entry.id)),
            entry,
        }
    }
}

/// The log's one order: newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogSort {
    /// When it was written.
    #[default]
    When,
}

impl SortColumn for LogSort {
    const ALL: &'static [LogSort] = &[LogSort::When];
    fn title(self) -> &'static str {
        "When"
    }
}

/// The log is read with the filter form's filter (since, action, target, operator); a Report
/// tab drill-down narrows what was read further, in the table: up to the period's last moment
/// and to a list of actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilters {
    /// Only rows written at or before this moment.
    pub until: Option<DateTime<Utc>>,
    /// Only rows whose action is one of these (`sync.create`), or starts with one that ends in
    /// a dot (`creds.`); empty: any action.
    pub actions: Vec<String>,
}

impl LogFilters {
    /// True when `action` is one of the actions (or under one of the prefixes).
    pub fn action_passes(&self, action: &str) -> bool {
        self.actions.is_empty()
            || self.actions.iter().any(|a| {
                if a.ends_with('.') {
                    action.starts_with(a.as_str())
                } else {
                    action == a
                }
            })
    }
}

impl FilterSet for LogFilters {
    fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(u) = self.until {
            v.push(format!(
                "until {}",
                crate::domain::time::london_format(u, "%-d %b %Y")
            ));
        }
        if !self.actions.is_empty() {
            v.push(format!("action={}", self.actions.join(",")));
        }
        v.join(" ")
    }
}

impl TableRow for LogRow {
    type Sort = LogSort;
    type Filters = LogFilters;
    fn key(&self) -> &str {
        &self.key
    }
    fn search_text(&self) -> String {
        let e = &self.entry;
        format!(
            "{}\n{}\n{}\n{}",
            e.operator,
            e.action,
            e.target,
            view::details_summary(e)
        )
        .to_lowercase()
    }
    fn compare(&self, _other: &Self, _by: LogSort) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
    fn passes(&self, f: &LogFilters) -> bool {
        f.until.is_none_or(|u| self.entry.at <= u) && f.action_passes(&self.entry.action)
    }
}

/// What the Log tab's dialogs are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPurpose {
    /// The filter form.
    Filter,
}

/// The Log tab.
#[derive(Debug, Default)]
pub struct LogTab {
    /// Rows, newest first.
    pub entries: Vec<ActionEntry>,
    /// The hash chain, as last verified.
    pub chain: Option<ChainStatus>,
    /// The filter in force.
    pub filter: LogFilter,
    /// The filter as typed.
    pub filter_text: LogFilterText,
    /// The rows in the shared table: search (`/`), cursor, paging.
    pub table: Table<LogRow>,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Read at least once.
    pub loaded: bool,
    /// The last load failed with this.
    pub error: Option<String>,
}

impl LogTab {
    /// Asks for the log to be read again.
    pub fn request(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        LogCmd::Load {
            gen,
            filter: self.filter.clone(),
        }
        .into()
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
                self.table.set_rows(
                    entries.iter().cloned().map(LogRow::new).collect(),
                    Self::page(0),
                );
                self.entries = entries;
                self.chain = Some(chain);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        true
    }

    /// Rows that fit in a body of `body` lines.
    pub fn page(body: usize) -> usize {
        body.saturating_sub(2).max(1)
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&ActionEntry> {
        self.table.current().map(|r| &r.entry)
    }
}

impl Page for LogTab {
    fn title(&self) -> &'static str {
        "Log"
    }

    fn context(&self) -> Context {
        CONTEXT
    }

    fn goto(&self) -> Action {
        Action::TabLog
    }

    fn busy(&self) -> Option<String> {
        self.loading.then(|| "reading the action log".to_string())
    }

    fn drill(&mut self, sh: &mut Shell, d: &Drill) -> Option<Drilled> {
        // The report's log-backed figures (ops::report::log): the rows of the period (read
        // again from its first day, narrowed in the table to its last), of these actions.
        let (actions, what): (&[&str], &str) = match d.key.as_str() {
            "log.entries" => (&[], "entries"),
            _ => return None,
        };
        self.filter = crate::ops::LogFilter {
            since: Some(crate::domain::time::start_of_day(d.from)),
            ..Default::default()
        };
        self.filter_text = LogFilterText {
            since: d.from.format("%Y-%m-%d").to_string(),
            ..Default::default()
        };
        let page = Self::page(sh.body_height());
        self.table.clear_all(page);
        self.table.filters = LogFilters {
            until: Some(crate::domain::time::end_of_day(d.to)),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        };
        self.table.refilter_keep(page);
        Some(Drilled {
            words: format!(
                "{what} from {} to {} (F clears)",
                d.from.format("%-d %b %Y"),
                d.to.format("%-d %b %Y")
            ),
            cmds: vec![self.request(sh)],
        })
    }

    fn typing(&self) -> bool {
        self.table.searching
    }

    fn on_text(
        &mut self,
        sh: &mut Shell,
        key: &crossterm::event::KeyEvent,
        combo: crate::tui::keymap::KeyCombo,
    ) -> Vec<Cmd> {
        let action = sh.keymap.lookup(Context::SEARCH, combo);
        self.table
            .search_key(key, action, Self::page(sh.body_height()));
        Vec::new()
    }

    fn on_resize(&mut self, body: usize) {
        self.table.keep_cursor_visible(Self::page(body));
    }

    fn on_show(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if !self.loaded && !self.loading {
            return vec![self.request(sh)];
        }
        Vec::new()
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    fn on_changed(&mut self, sh: &mut Shell, c: &Changed, shown: bool) -> Vec<Cmd> {
        // Every change schooltech makes writes a row: whoever made it announces `Log`.
        match c {
            Changed::Log if self.loaded || shown => vec![self.request(sh)],
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        if self.loaded || shown {
            vec![self.request(sh)]
        } else {
            Vec::new()
        }
    }

    fn on_click(&mut self, sh: &mut Shell, row: usize) -> Vec<Cmd> {
        if row >= 2 {
            let page = Self::page(sh.body_height());
            self.table.click(row - 2, page);
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        view::draw(f, area, self, sh);
    }
}

impl TabPage for LogTab {
    type Cmd = LogCmd;
    type Msg = LogMsg;
    type Purpose = LogPurpose;
    const KEYS: &'static [KeyRow] = KEYS;

    fn on_msg(&mut self, _sh: &mut Shell, msg: LogMsg) -> (Vec<Cmd>, bool) {
        match msg {
            LogMsg::Loaded { gen, result } => (Vec::new(), self.loaded_result(gen, result)),
        }
    }

    fn on_submit(&mut self, sh: &mut Shell, purpose: LogPurpose, d: Submitted) -> Vec<Cmd> {
        match (purpose, d) {
            (LogPurpose::Filter, Submitted::Form(f)) => keys::submit_filter(self, sh, f),
            _ => Vec::new(),
        }
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<LogMsg>, cmd: LogCmd) {
        work::spawn(ctx, out, cmd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::table::TableRow;
    use chrono::TimeZone;

    fn row(id: i64, day: u32, action: &str) -> LogRow {
        LogRow::new(ActionEntry {
            id,
            at: Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap(),
            operator: "tech".into(),
            action: action.into(),
            target: "x".into(),
            details: serde_json::Value::Null,
            prev_hash: String::new(),
            hash: String::new(),
        })
    }

    /// A report drill-down's end day: the rows after the period's last day are not counted
    /// by the report, so the Log tab does not show them (the `log.entries` drill lacked it).
    #[test]
    fn the_drill_filter_stops_at_the_periods_last_day_and_takes_actions_or_prefixes() {
        let until =
            crate::domain::time::end_of_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        let f = LogFilters {
            until: Some(until),
            actions: Vec::new(),
        };
        assert!(row(1, 5, "sync.create").passes(&f));
        assert!(!row(2, 6, "sync.create").passes(&f), "after the last day");
        let f = LogFilters {
            until: None,
            actions: vec!["sync.create".into(), "creds.".into()],
        };
        assert!(row(3, 6, "sync.create").passes(&f));
        assert!(row(4, 6, "creds.rotate").passes(&f), "a prefix");
        assert!(!row(5, 6, "sync.move").passes(&f), "another action");
        assert!(
            !row(6, 6, "sync.create.retry").passes(&f),
            "exact, not a prefix"
        );
        assert!(f.describe().contains("action=sync.create,creds."));
        assert!(LogFilters::default().describe().is_empty());
    }
}
