//! The tabs: one folder each, behind one contract.
//!
//! A tab is a type that implements [`Page`] (what the shell asks of whatever tab is shown:
//! its keys, its typing mode, its drawing, what it is busy with, how it hears of changes
//! elsewhere) and [`TabPage`] (its own command, message and dialog-purpose types, what it does
//! with its answers and dialogs, and its background work). The list at the bottom of this file
//! is the only place that names every tab: the `tabs!` macro makes from it the [`Tab`] ids,
//! the [`Tabs`] that holds them, and the enums that carry each tab's commands ([`TabCmd`]),
//! answers ([`TabMsg`]) and dialog purposes ([`Purpose`]) through the shell.
//!
//! Adding a tab: a folder `tabs/<name>/` with a type implementing both traits, its `KEYS`
//! table and `CONTEXT`s, then one line in the list below (and its number key in the keymap).

pub mod accounts;
pub mod filtering;
pub mod inventory;
pub mod leavers;
pub mod log;
pub mod passwords;
pub mod report;

use crate::ops::Ctx;
use crate::tui::dialogs;
use crate::tui::keymap::{Action, KeyCombo, KeyRow, Keymap, TabKeys, Verb};
use crate::tui::shell::Shell;
use crate::tui::work::{Cmd, Outbox};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::sync::Arc;

/// A dialog as the shell holds it: each kind carries the [`Purpose`] that names the tab which
/// opened it (the kinds themselves, in [`dialogs`], know nothing of the tabs).
pub type Dialog = dialogs::Dialog<Purpose>;
/// A form of a tab.
pub type Form = dialogs::Form<Purpose>;
/// A confirmation of a tab.
pub type Confirm = dialogs::Confirm<Purpose>;
/// A picker of a tab.
pub type Picker = dialogs::Picker<Purpose>;
/// The password dialog of a tab.
pub type PasswordDialog = dialogs::PasswordDialog<Purpose>;

/// A Report tab drill-down: the figure's stable key (`passwords.needing-change`, …; see
/// `ops::report::Figure::key`) and the report's period (for figures of the period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    /// The figure's key.
    pub key: String,
    /// The first day of the report's period.
    pub from: chrono::NaiveDate,
    /// The last day of the report's period.
    pub to: chrono::NaiveDate,
}

/// What a drill-down did: the filter in words with the key that clears it, and the work it
/// started (a read with the new filter).
#[derive(Debug, Default)]
pub struct Drilled {
    /// "accounts whose password has expired (F clears)".
    pub words: String,
    /// Work to start.
    pub cmds: Vec<Cmd>,
}

impl Drilled {
    /// A filter applied to the rows the tab holds.
    pub fn words(words: impl Into<String>) -> Option<Drilled> {
        Some(Drilled {
            words: words.into(),
            cmds: Vec::new(),
        })
    }
}

/// A change one tab made, announced to every tab: each decides itself whether what it shows
/// is now stale. No tab calls another tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Accounts in the directory changed. `by` made the change and already shows it.
    Accounts {
        /// The tab that made the change.
        by: Tab,
    },
    /// A row was written to the action log.
    Log,
    /// The shared-credentials register changed.
    Creds,
}

/// A dialog a tab opened, handed back to it when it is submitted.
#[derive(Debug)]
pub enum Submitted {
    /// A form (its fields as typed).
    Form(Form),
    /// A confirmation answered yes.
    Confirm(Confirm),
    /// A picker with its choice.
    Picker(Picker),
    /// The password dialog.
    Password(Box<PasswordDialog>),
}

/// What the shell asks of the tab that is shown (and of every tab, for announcements).
pub trait Page {
    /// The tab's title in the tab bar.
    fn title(&self) -> &'static str;
    /// The keymap place of what the tab shows now (the tab, or one of its panels).
    fn context(&self) -> crate::tui::keymap::Context;
    /// The action that switches to the tab (its number key).
    fn goto(&self) -> Action;
    /// What the tab waits for in the background, for the status bar; None when idle.
    fn busy(&self) -> Option<String>;
    /// Rows selected for bulk actions (the tab bar shows the count).
    fn selected(&self) -> usize {
        0
    }
    /// (selected rows, of them hidden by the search or filters): an action on the selection
    /// asks first when some are hidden.
    fn hidden_selection(&self) -> (usize, usize) {
        (0, 0)
    }
    /// The answer to that question: keep only the visible selected rows (`visible_only`), or
    /// show them all (clear the search and filters).
    fn narrow_selection(&mut self, _sh: &mut Shell, _visible_only: bool) {}
    /// Shown from a Report tab drill-down: filter (with the tab's own filters) to exactly the
    /// rows the figure `d.key` counts. Returns what the filter is and the key that clears it,
    /// in words, for the status line (and any work the filter needs); None when the tab has
    /// no filter for that key.
    fn drill(&mut self, _sh: &mut Shell, _d: &Drill) -> Option<Drilled> {
        None
    }
    /// True while the tab takes typed text (a search box, a scan mode): keys go to
    /// [`Page::on_text`] first.
    fn typing(&self) -> bool {
        false
    }
    /// A key while [`Page::typing`]: the search context's action for it, if any.
    fn on_text(&mut self, _sh: &mut Shell, _key: &KeyEvent, _combo: KeyCombo) -> Vec<Cmd> {
        Vec::new()
    }
    /// The tab is shown (after a switch).
    fn on_show(&mut self, _sh: &mut Shell) -> Vec<Cmd> {
        Vec::new()
    }
    /// A key's action outside dialogs and typing.
    fn on_action(&mut self, sh: &mut Shell, action: Action) -> Vec<Cmd>;
    /// Something changed elsewhere (or here); `shown` is true when this tab is on screen.
    fn on_changed(&mut self, _sh: &mut Shell, _c: &Changed, _shown: bool) -> Vec<Cmd> {
        Vec::new()
    }
    /// Read again what the tab has shown (after a reconnect or `r`).
    fn reload(&mut self, _sh: &mut Shell, _shown: bool) -> Vec<Cmd> {
        Vec::new()
    }
    /// The terminal changed size: keep the cursor on screen.
    fn on_resize(&mut self, _body: usize) {}
    /// A click on row `row` of the body (0 is the row under the tab bar).
    fn on_click(&mut self, _sh: &mut Shell, _row: usize) -> Vec<Cmd> {
        Vec::new()
    }
    /// Draws the tab into the body area (a pure function of state).
    fn draw(&self, f: &mut Frame, area: Rect, sh: &Shell);
}

/// A tab's own types and the parts of its contract that use them.
pub trait TabPage: Page + Default {
    /// Its background work.
    type Cmd: std::fmt::Debug + Send + 'static;
    /// Its answers from the background.
    type Msg: std::fmt::Debug + Send + 'static;
    /// What its dialogs are for.
    type Purpose: std::fmt::Debug + Clone;
    /// Its default keys: rows of the one keymap table.
    const KEYS: &'static [KeyRow];
    /// Its own verbs (its `verbs!` enum's `VERBS`): the keymap's central actions are only
    /// the shell-wide ones.
    const VERBS: &'static [Verb] = &[];
    /// An answer from the background; returns the work to start and whether to redraw.
    fn on_msg(&mut self, sh: &mut Shell, msg: Self::Msg) -> (Vec<Cmd>, bool);
    /// One of its dialogs was submitted.
    fn on_submit(&mut self, sh: &mut Shell, purpose: Self::Purpose, d: Submitted) -> Vec<Cmd>;
    /// Runs a command in the background (on tokio tasks); answers go to `out`.
    fn spawn(ctx: Arc<Ctx>, out: Outbox<Self::Msg>, cmd: Self::Cmd);
}

macro_rules! tabs {
    ($($Variant:ident : $field:ident => $ty:ty),+ $(,)?) => {
        /// The tabs, in tab-bar order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Tab {
            $(
                #[doc = stringify!($ty)]
                $Variant,
            )+
        }

        impl Tab {
            /// Tabs in order.
            pub const ALL: &'static [Tab] = &[$(Tab::$Variant),+];
        }

        /// Every tab's state.
        #[derive(Debug, Default)]
        pub struct Tabs {
            $(
                #[doc = stringify!($ty)]
                pub $field: $ty,
            )+
        }

        /// A tab's background work, as the shell carries it.
        #[derive(Debug)]
        pub enum TabCmd {
            $(
                #[doc = stringify!($ty)]
                $Variant(<$ty as TabPage>::Cmd),
            )+
        }

        /// A tab's answer, as the shell carries it.
        // Answers are moved once, through the channel, into `update`: boxing the big ones
        // would only add an allocation.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug)]
        pub enum TabMsg {
            $(
                #[doc = stringify!($ty)]
                $Variant(<$ty as TabPage>::Msg),
            )+
        }

        /// What a dialog is for: the quit question, or a tab's own purpose.
        #[derive(Debug, Clone)]
        pub enum Purpose {
            /// Quit although work is running.
            Quit,
            $(
                #[doc = stringify!($ty)]
                $Variant(<$ty as TabPage>::Purpose),
            )+
        }

        impl Tabs {
            /// The tab `t`, as the shell sees it.
            pub fn page(&self, t: Tab) -> &dyn Page {
                match t {
                    $(Tab::$Variant => &self.$field,)+
                }
            }

            /// The tab `t`, to change.
            pub fn page_mut(&mut self, t: Tab) -> &mut dyn Page {
                match t {
                    $(Tab::$Variant => &mut self.$field,)+
                }
            }

            /// An answer for one tab.
            pub fn on_msg(&mut self, sh: &mut Shell, m: TabMsg) -> (Vec<Cmd>, bool) {
                match m {
                    $(TabMsg::$Variant(m) => self.$field.on_msg(sh, m),)+
                }
            }

            /// A dialog of one tab was submitted.
            pub fn on_submit(&mut self, sh: &mut Shell, p: Purpose, d: Submitted) -> Vec<Cmd> {
                match p {
                    Purpose::Quit => vec![Cmd::Quit(0)],
                    $(Purpose::$Variant(p) => self.$field.on_submit(sh, p, d),)+
                }
            }
        }

        /// Runs a tab's command in the background.
        pub fn spawn(ctx: Arc<Ctx>, tx: tokio::sync::mpsc::UnboundedSender<crate::tui::app::Msg>, c: TabCmd) {
            match c {
                $(TabCmd::$Variant(c) => <$ty as TabPage>::spawn(
                    ctx,
                    Outbox::new(tx, |m| crate::tui::app::Msg::Tab(TabMsg::$Variant(m))),
                    c,
                ),)+
            }
        }

        /// Each tab's default keys and verbs, in tab order (what the keymap is made from).
        pub fn key_tables() -> Vec<TabKeys> {
            vec![$(TabKeys {
                rows: <$ty as TabPage>::KEYS,
                verbs: <$ty as TabPage>::VERBS,
            }),+]
        }

        $(
            impl From<<$ty as TabPage>::Cmd> for Cmd {
                fn from(c: <$ty as TabPage>::Cmd) -> Cmd {
                    Cmd::Tab(TabCmd::$Variant(c))
                }
            }
        )+
    };
}

// The tabs, in tab-bar order. Adding a tab is one line here (and its folder).
tabs! {
    Accounts: accounts => accounts::AccountsTab,
    Passwords: passwords => passwords::PasswordsTab,
    Log: log => log::LogTab,
    Leavers: leavers => leavers::LeaversTab,
    Inventory: inventory => inventory::InventoryTab,
    Filtering: filtering => filtering::FilteringTab,
    Report: report => report::ReportTab,
}

/// The default keymap: the shell's keys and every tab's.
pub fn keymap() -> Keymap {
    Keymap::new(&key_tables())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Context, KeyCombo};

    #[test]
    fn every_default_binding_parses_and_is_unique() {
        let km = keymap();
        let tab_rows: usize = key_tables().iter().map(|t| t.rows.len()).sum();
        let shell_rows = Keymap::new(&[]).bindings().len();
        assert_eq!(km.bindings().len(), shell_rows + tab_rows);
        for (i, a) in km.bindings().iter().enumerate() {
            for b in &km.bindings()[i + 1..] {
                assert!(
                    !(a.context == b.context && a.key == b.key),
                    "{} bound twice in {:?}",
                    a.key,
                    a.context
                );
            }
        }
    }

    #[test]
    fn every_place_has_a_unique_name_the_configuration_can_use() {
        let km = keymap();
        let names: Vec<&str> = km.contexts().iter().map(|c| c.name).collect();
        for n in [
            "global",
            "accounts",
            "passwords",
            "passwords-policy",
            "passwords-creds",
            "log",
            "search",
            "dialog",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
            assert_eq!(km.context_named(n).map(|c| c.name), Some(n));
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn every_verb_a_tab_binds_is_one_it_declares_and_none_is_shell_wide() {
        for t in key_tables() {
            for (place, key, action, ..) in t.rows {
                if let Action::Verb(v) = action {
                    assert!(
                        t.verbs.contains(v),
                        "{} in {} is not among its tab's verbs",
                        v.name(),
                        place.name
                    );
                }
                let _ = KeyCombo::parse(key).expect("key parses");
            }
            for v in t.verbs {
                assert!(
                    Action::from_name(v.name()).is_none(),
                    "{} is both a tab verb and a shell-wide action",
                    v.name()
                );
            }
        }
    }

    #[test]
    fn rebinding_a_tab_s_verb_by_name() {
        let mut km = keymap();
        let accounts = accounts::CONTEXT;
        km.bind(accounts, "ctrl-d", "disable").unwrap();
        let a = km.lookup(accounts, KeyCombo::parse("ctrl-d").unwrap());
        assert_eq!(a.map(|a| a.name()), Some("disable"));
        assert!(a.is_some_and(|a| a.acts_on_selection()));
        km.bind(accounts, "d", "enable").unwrap();
        assert_eq!(
            km.lookup(accounts, KeyCombo::parse("d").unwrap())
                .map(|a| a.name()),
            Some("enable")
        );
        assert!(km.bind(accounts, "z", "explode").is_err());
        assert!(km.bind(Context::GLOBAL, "z", "help").is_ok());
    }
}
