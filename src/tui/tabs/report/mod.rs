//! The Report tab: the termly compliance report (as `schooltech report termly` makes it) with
//! each section's light as a word and a symbol, its figures and the command behind each.
//! Up/Down move a cursor through the figures of every section; Enter on a figure opens the tab
//! that shows its list filtered to exactly the rows it counts (the figure's key, see
//! `Page::drill`), or, for a figure whose rows no tab lists (`Figure::rows`: the sync runs'
//! joiners, the sweeps, equipment not returned, …), a list of them here (the figure's panel:
//! the same rows the report counted, so the two cannot disagree; Esc goes back), or says the
//! figure has no list behind it (a date, a policy). Made when first shown, and again when
//! shown after a change was announced.

mod keys;
mod view;
mod work;

pub use keys::{tab_action, why_no_list, CONTEXT, KEYS, LIST_CONTEXT};
pub use work::{ReportCmd, ReportMsg};

use crate::error::Result;
use crate::ops::report::{Figure, Report, Section};
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
    /// The figure under the cursor (an index into [`ReportTab::items`]).
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
    /// The figure whose rows are listed (its panel is open), with the first row shown.
    pub open: Option<OpenList>,
}

/// A figure's rows shown in the Report tab: which figure (its key: the rows are looked up in
/// the report shown, so a report made again shows its own), and the first row on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenList {
    /// The figure's key.
    pub key: String,
    /// The first row shown.
    pub scroll: usize,
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
                self.report = Some(r);
                self.list.cursor = self.list.cursor.min(self.items().len().saturating_sub(1));
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        true
    }

    /// What the cursor walks: (section, figure) for every figure of every section in order,
    /// and (section, None) for a section without figures (its heading alone).
    pub fn items(&self) -> Vec<(usize, Option<usize>)> {
        let Some(r) = &self.report else {
            return Vec::new();
        };
        let mut v = Vec::new();
        for (i, s) in r.sections.iter().enumerate() {
            if s.figures.is_empty() {
                v.push((i, None));
            }
            v.extend((0..s.figures.len()).map(|j| (i, Some(j))));
        }
        v
    }

    /// The (section, figure) under the cursor.
    fn at_cursor(&self) -> Option<(usize, Option<usize>)> {
        self.items().get(self.list.cursor).copied()
    }

    /// The section under the cursor.
    pub fn current(&self) -> Option<&Section> {
        let (i, _) = self.at_cursor()?;
        self.report.as_ref()?.sections.get(i)
    }

    /// The figure under the cursor.
    pub fn current_figure(&self) -> Option<&Figure> {
        let (i, j) = self.at_cursor()?;
        self.report.as_ref()?.sections.get(i)?.figures.get(j?)
    }

    /// The index of the figure under the cursor within its section.
    pub fn current_figure_index(&self) -> Option<usize> {
        self.at_cursor()?.1
    }

    /// The figure with this key, if the report has it.
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        self.report
            .as_ref()?
            .sections
            .iter()
            .flat_map(|s| s.figures.iter())
            .find(|f| f.key == key)
    }

    /// The figure whose rows are open, and its rows.
    pub fn open_rows(&self) -> Option<(&Figure, &[String])> {
        let f = self.figure(&self.open.as_ref()?.key)?;
        Some((f, f.rows.as_deref()?))
    }

    /// Puts the cursor on the figure with this key; false when the report has none.
    pub fn select_figure(&mut self, key: &str) -> bool {
        let Some(r) = &self.report else {
            return false;
        };
        let found = self.items().iter().position(|&(i, j)| {
            j.and_then(|j| r.sections[i].figures.get(j))
                .is_some_and(|f| f.key == key)
        });
        match found {
            Some(n) => {
                self.list.cursor = n;
                true
            }
            None => false,
        }
    }
}

impl Page for ReportTab {
    fn title(&self) -> &'static str {
        "Report"
    }

    fn context(&self) -> Context {
        if self.open_rows().is_some() {
            LIST_CONTEXT
        } else {
            CONTEXT
        }
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
        // Row 0 is the period line, the sections start on row 2: a click on a section puts
        // the cursor on its first figure (not while a figure's rows cover them).
        if row >= 2 && self.open_rows().is_none() {
            if let Some(n) = self.items().iter().position(|&(i, _)| i == row - 2) {
                self.list.cursor = n;
            }
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
