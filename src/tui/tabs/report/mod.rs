//! The Report tab: the termly compliance report (as `schooltech report termly` makes it) with
//! each section's light as a word and a symbol, its figures and the command behind each;
//! Enter on a section opens the tab that shows its detail. Made when first shown, and again
//! when shown after a change was announced.

mod keys;
mod view;
mod work;

pub use keys::{tab_action, CONTEXT, KEYS};
pub use work::{ReportCmd, ReportMsg};

use crate::error::Result;
use crate::ops::report::{Report, Section};
use crate::tui::keymap::{Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Page, Submitted, TabPage};
use crate::tui::widgets::ListCursor;
use crate::tui::work::{Cmd, Outbox};
use ratatui::layout::Rect;
use ratatui::Frame;
use std::sync::Arc;

/// What the Report tab's dialogs are for (it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportPurpose {}

/// The Report tab.
#[derive(Debug, Default)]
pub struct ReportTab {
    /// The report, once made.
    pub report: Option<Box<Report>>,
    /// The section under the cursor.
    pub list: ListCursor,
    /// Generation of the load in flight or answered.
    pub load_gen: u64,
    /// A load is running.
    pub loading: bool,
    /// Made at least once.
    pub loaded: bool,
    /// Something changed since it was made.
    pub stale: bool,
    /// The last load failed with this.
    pub error: Option<String>,
}

impl ReportTab {
    /// Asks for the report to be made again.
    pub fn request(&mut self, sh: &mut Shell) -> Cmd {
        let gen = sh.next_gen();
        self.load_gen = gen;
        self.loading = true;
        self.stale = false;
        ReportCmd::Load { gen }.into()
    }

    /// Takes a load result; false if it was stale (dropped).
    pub fn loaded_result(&mut self, gen: u64, result: Result<Box<Report>>) -> bool {
        if gen != self.load_gen {
            return false;
        }
        self.loading = false;
        self.loaded = true;
        match result {
            Ok(r) => {
                self.list.cursor = self.list.cursor.min(r.sections.len().saturating_sub(1));
                self.report = Some(r);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        true
    }

    /// How many sections there are.
    pub fn sections(&self) -> usize {
        self.report.as_ref().map_or(0, |r| r.sections.len())
    }

    /// The section under the cursor.
    pub fn current(&self) -> Option<&Section> {
        self.report
            .as_ref()
            .and_then(|r| r.sections.get(self.list.cursor))
    }
}

impl Page for ReportTab {
    fn title(&self) -> &'static str {
        "Report"
    }

    fn context(&self) -> Context {
        CONTEXT
    }

    fn goto(&self) -> Action {
        Action::TabReport
    }

    fn busy(&self) -> Option<String> {
        self.loading.then(|| "making the termly report".to_string())
    }

    fn on_show(&mut self, sh: &mut Shell) -> Vec<Cmd> {
        if (!self.loaded || self.stale) && !self.loading {
            return vec![self.request(sh)];
        }
        Vec::new()
    }

    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd> {
        keys::on_action(self, sh, action)
    }

    fn on_changed(&mut self, sh: &mut Shell, _c: &Changed, shown: bool) -> Vec<Cmd> {
        // Every change anywhere may move a figure: make it again when next shown.
        if !self.loaded {
            return Vec::new();
        }
        if shown && !self.loading {
            return vec![self.request(sh)];
        }
        self.stale = true;
        Vec::new()
    }

    fn reload(&mut self, sh: &mut Shell, shown: bool) -> Vec<Cmd> {
        if shown {
            vec![self.request(sh)]
        } else {
            self.stale = self.loaded;
            Vec::new()
        }
    }

    fn on_click(&mut self, _sh: &mut Shell, row: usize) -> Vec<Cmd> {
        // Row 0 is the period line, the sections start on row 2.
        if row >= 2 {
            let len = self.sections();
            self.list.click(row - 2, len, len.max(1));
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell) {
        view::draw(f, area, self, sh);
    }
}

impl TabPage for ReportTab {
    type Cmd = ReportCmd;
    type Msg = ReportMsg;
    type Purpose = ReportPurpose;
    const KEYS: &'static [KeyRow] = KEYS;

    fn on_msg(&mut self, _sh: &mut Shell, msg: ReportMsg) -> (Vec<Cmd>, bool) {
        match msg {
            ReportMsg::Loaded { gen, result } => (Vec::new(), self.loaded_result(gen, result)),
        }
    }

    fn on_submit(&mut self, _sh: &mut Shell, purpose: ReportPurpose, _d: Submitted) -> Vec<Cmd> {
        match purpose {}
    }

    fn spawn(ctx: Arc<crate::ops::Ctx>, out: Outbox<ReportMsg>, cmd: ReportCmd) {
        work::spawn(ctx, out, cmd);
    }
}
