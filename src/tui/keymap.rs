//! The one keymap table: every binding is (where, key, action, description). The help screen
//! and the footer are generated from it, so they cannot drift from what the keys do.
//!
//! Bindings can be changed at run time with [`Keymap::bind`] (key and action by name, as a
//! configuration file would give them), e.g. `bind(accounts::CONTEXT, "ctrl-d", "disable")`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Where a binding applies: a place with a name (as `[tui.keys.NAME]` in the configuration
/// names it) and a heading for the help screen. The shell's places are here; each tab
/// declares its own in its folder (`tabs/<tab>/keys.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    /// The name the configuration uses: `[tui.keys.accounts]`.
    pub name: &'static str,
    /// The heading used in the help screen.
    pub title: &'static str,
}

impl Context {
    /// Everywhere outside dialogs (after the screen's own keys).
    pub const GLOBAL: Context = Context::new("global", "Everywhere");
    /// While typing in a search box (printable keys are the search).
    pub const SEARCH: Context = Context::new("search", "Search box (after /)");
    /// Inside dialogs (text fields take printable keys first).
    pub const DIALOG: Context = Context::new("dialog", "Dialogs and forms");

    /// A place.
    pub const fn new(name: &'static str, title: &'static str) -> Context {
        Context { name, title }
    }

    /// The heading used in the help screen.
    pub fn title(self) -> &'static str {
        self.title
    }
}

/// One row of a default key table: (place, key, action, description, shown in the footer).
pub type KeyRow = (Context, &'static str, Action, &'static str, bool);

macro_rules! actions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Something a key can do: one of the shell-wide actions (quitting, help, switching
        /// tabs, moving, searching, sorting, selecting, dialog keys) or a verb of one tab
        /// ([`Action::Verb`]: each tab's verbs are its own enum, made with [`verbs!`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// A verb of one tab (its own enum gives it its meaning).
            Verb(Verb),
        }

        impl Action {
            /// Every shell-wide action (the tabs' verbs are theirs).
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The action's name, as the footer shows it and a configuration names it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                    Action::Verb(v) => v.name(),
                }
            }

            /// The shell-wide action with this name (a tab's verb is found by the keymap,
            /// which is given the tabs' verbs).
            pub fn from_name(name: &str) -> Option<Action> {
                match name.trim() {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    Quit => "quit",
    Help => "help",
    NextTab => "next-tab",
    PrevTab => "prev-tab",
    TabAccounts => "accounts",
    TabPasswords => "passwords",
    TabLog => "log",
    TabLeavers => "leavers",
    TabInventory => "inventory",
    TabFiltering => "filtering",
    TabReport => "report",
    Retry => "retry",
    ToggleMouse => "mouse",
    Up => "up",
    Down => "down",
    PageUp => "page-up",
    PageDown => "page-down",
    Top => "top",
    Bottom => "bottom",
    Search => "search",
    ClearSearch => "clear",
    Details => "details",
    SortNext => "sort",
    SortReverse => "reverse",
    Filter => "filter",
    ClearFilters => "unfilter",
    Select => "select",
    SelectAll => "select-all",
    Submit => "submit",
    Cancel => "cancel",
    NextField => "next-field",
    PrevField => "prev-field",
    ChoicePrev => "choice-prev",
    ChoiceNext => "choice-next",
    Toggle => "toggle",
    Yes => "yes",
    No => "no",
    Visible => "visible",
    AllSelected => "all-selected",
    ScrollDown => "scroll-down",
    ScrollUp => "scroll-up",
}

impl Action {
    /// True for an action that acts on a tab's selected rows (a change): when a search hides
    /// some of them, the shell asks which ones first. Only a tab's verb does, when its tab
    /// says so.
    pub fn acts_on_selection(self) -> bool {
        matches!(self, Action::Verb(v) if v.acts_on_selection())
    }
}

/// A verb of one tab as the keymap carries it: its name (which a configuration binds and the
/// footer shows) and whether it acts on the tab's selected rows. Each tab declares its verbs
/// as an enum of its own with [`verbs!`], which turns them into these and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verb {
    name: &'static str,
    on_selection: bool,
}

impl Verb {
    /// A verb named `name`; `on_selection` when it acts on the selected rows.
    pub const fn new(name: &'static str, on_selection: bool) -> Verb {
        Verb { name, on_selection }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// True when it acts on the tab's selected rows.
    pub fn acts_on_selection(self) -> bool {
        self.on_selection
    }
}

/// Declares a tab's own verbs: an enum whose variants are the verbs, each with the name a
/// configuration binds (and `[selection]` when it acts on the selected rows). The enum gets
/// `ALL`, `VERBS` (for [`TabKeys`]), `action()` (for its key rows: `V::Disable.action()`),
/// `of(action)` (the verb a key's action is, if it is one of these) and `Into<Action>`.
///
/// ```ignore
/// verbs! {
///     /// The Accounts tab's verbs.
///     pub enum AccountsVerb {
///         NewAccount => "new",
///         Disable => "disable" [selection],
///     }
/// }
/// ```
macro_rules! verbs {
    (@sel) => { false };
    (@sel $s:ident) => { true };
    (
        $(#[$meta:meta])*
        $vis:vis enum $Name:ident {
            $($V:ident => $name:literal $([$sel:ident])?),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $Name {
            $(
                #[doc = concat!("`", $name, "`")]
                $V,
            )*
        }

        impl $Name {
            /// Every verb of the tab.
            pub const ALL: &'static [$Name] = &[$($Name::$V),*];
            /// Every verb, as the keymap carries them.
            pub const VERBS: &'static [$crate::tui::keymap::Verb] = &[$($Name::$V.verb()),*];

            /// The verb as the keymap carries it.
            pub const fn verb(self) -> $crate::tui::keymap::Verb {
                match self {
                    $($Name::$V => $crate::tui::keymap::Verb::new(
                        $name,
                        $crate::tui::keymap::verbs!(@sel $($sel)?),
                    ),)*
                }
            }

            /// The verb as a key's action (for the tab's key rows).
            pub const fn action(self) -> $crate::tui::keymap::Action {
                $crate::tui::keymap::Action::Verb(self.verb())
            }

            /// The verb a key's action is, when it is one of this tab's.
            pub fn of(action: $crate::tui::keymap::Action) -> Option<$Name> {
                match action {
                    $crate::tui::keymap::Action::Verb(v) => {
                        Self::ALL.iter().copied().find(|x| x.verb().name() == v.name())
                    }
                    _ => None,
                }
            }
        }

        impl From<$Name> for $crate::tui::keymap::Action {
            fn from(v: $Name) -> $crate::tui::keymap::Action {
                v.action()
            }
        }
    };
}
pub(crate) use verbs;

/// A key with its modifiers, normalised (Shift is part of the character, not a modifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    /// The key.
    pub code: KeyCode,
    /// Control and Alt only.
    pub mods: KeyModifiers,
}

impl KeyCombo {
    /// The combo a terminal key event stands for.
    pub fn from_event(ev: &KeyEvent) -> KeyCombo {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::ALT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeyCombo { code, mods }
    }

    /// Parses `q`, `S`, `?`, `space`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdn`,
    /// `ctrl-c`, `alt-x`, `f1` and the like.
    pub fn parse(s: &str) -> Result<KeyCombo, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && (lower.starts_with("ctrl-") || lower.starts_with("c-")) {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
            } else if rest.len() > 1 && (lower.starts_with("alt-") || lower.starts_with("m-")) {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            (None, _) => return Err("empty key".into()),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode::Char(' '),
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
                    _ => return Err(format!("unknown key \"{s}\"")),
                },
                _ => return Err(format!("unknown key \"{s}\"")),
            },
        };
        Ok(KeyCombo { code, mods })
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The key.
    pub key: KeyCombo,
    /// What it does.
    pub action: Action,
    /// What it does, for the help screen.
    pub description: String,
    /// Shown in the footer.
    pub footer: bool,
}

/// The shell's default keys: everywhere, the search box and dialogs. Each tab's keys are in
/// its folder and is given to [`Keymap::new`] by the shell.
#[rustfmt::skip]
const SHELL_KEYS: &[KeyRow] = {
    use Action as A;
    #[allow(non_upper_case_globals)]
    const Global: Context = Context::GLOBAL;
    #[allow(non_upper_case_globals)]
    const Search: Context = Context::SEARCH;
    #[allow(non_upper_case_globals)]
    const Dialog: Context = Context::DIALOG;
    &[
        (Global,   "?",       A::Help,          "Show this help (made from the keymap)", true),
        (Global,   "q",       A::Quit,          "Quit (asks if changes run); closes help/reports", true),
        (Global,   "ctrl-c",  A::Quit,          "Quit", false),
        (Global,   "tab",     A::NextTab,       "Next tab", false),
        (Global,   "backtab", A::PrevTab,       "Previous tab", false),
        (Global,   "1",       A::TabAccounts,   "Accounts tab", false),
        (Global,   "2",       A::TabPasswords,  "Passwords tab", false),
        (Global,   "3",       A::TabLog,        "Log tab", false),
        (Global,   "4",       A::TabLeavers,    "Leavers tab", false),
        (Global,   "5",       A::TabInventory,  "Inventory tab", false),
        (Global,   "6",       A::TabFiltering,  "Filtering tab", false),
        (Global,   "7",       A::TabReport,     "Report tab", false),
        (Global,   "r",       A::Retry,         "Reconnect and read everything again", false),
        (Global,   "M",       A::ToggleMouse,   "Mouse on/off (off keeps copy and paste)", false),
        (Global,   "up",      A::Up,            "Move up", false),
        (Global,   "k",       A::Up,            "Move up", false),
        (Global,   "down",    A::Down,          "Move down", false),
        (Global,   "j",       A::Down,          "Move down", false),
        (Global,   "pgup",    A::PageUp,        "Page up", false),
        (Global,   "pgdn",    A::PageDown,      "Page down", false),
        (Global,   "home",    A::Top,           "First row", false),
        (Global,   "end",     A::Bottom,        "Last row", false),
        (Search,   "enter",   A::Submit,        "Keep the search, back to the list", true),
        (Search,   "esc",     A::Cancel,        "Clear the search", true),
        (Search,   "up",      A::Up,            "Move up", false),
        (Search,   "down",    A::Down,          "Move down", false),
        (Search,   "pgup",    A::PageUp,        "Page up", false),
        (Search,   "pgdn",    A::PageDown,      "Page down", false),
        (Dialog,   "enter",   A::Submit,        "Submit / confirm / close", false),
        (Dialog,   "esc",     A::Cancel,        "Cancel or close", false),
        (Dialog,   "tab",     A::NextField,     "Next field", false),
        (Dialog,   "down",    A::NextField,     "Next field / scroll down", false),
        (Dialog,   "backtab", A::PrevField,     "Previous field", false),
        (Dialog,   "up",      A::PrevField,     "Previous field / scroll up", false),
        (Dialog,   "pgdn",    A::PageDown,      "Scroll a page down (help, reports, previews)", false),
        (Dialog,   "pgup",    A::PageUp,        "Scroll a page up", false),
        (Dialog,   "left",    A::ChoicePrev,    "Previous choice", false),
        (Dialog,   "right",   A::ChoiceNext,    "Next choice", false),
        (Dialog,   "space",   A::Toggle,        "Tick a box or change a choice", false),
        (Dialog,   "home",    A::Top,           "First line (help, reports, previews)", false),
        (Dialog,   "end",     A::Bottom,        "Last line (help, reports, previews)", false),
        (Dialog,   "y",       A::Yes,           "Yes, go ahead (confirmations; enter never confirms)", false),
        (Dialog,   "n",       A::No,            "No (confirmations); noted (closes a shown-once password)", false),
        (Dialog,   "v",       A::Visible,       "Act on the visible selected rows only (when a search hides some)", false),
        (Dialog,   "a",       A::AllSelected,   "Act on every selected row, hidden ones too (clears the search)", false),
    ]
};

/// One tab's part of the keymap, handed to [`Keymap::new`] by whoever knows the tabs (the
/// keymap itself does not): its default key rows and its own verbs (so a configuration can
/// bind a verb its rows leave unbound).
#[derive(Debug, Clone, Copy)]
pub struct TabKeys {
    /// Its default keys.
    pub rows: &'static [KeyRow],
    /// Its own verbs.
    pub verbs: &'static [Verb],
}

/// The keymap: an ordered list of bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// The verbs of every tab, with the places the tab's rows use (a verb's name is looked
    /// up in its own tab's places first).
    verbs: Vec<(Vec<Context>, Verb)>,
}

impl Keymap {
    /// The shell's keys everywhere, then each tab's (in the order given: the tab order), then
    /// the search box and dialogs: that is also the order of the help screen.
    pub fn new(tabs: &[TabKeys]) -> Keymap {
        let (global, rest): (Vec<&KeyRow>, Vec<&KeyRow>) =
            SHELL_KEYS.iter().partition(|r| r.0 == Context::GLOBAL);
        let rows = global
            .into_iter()
            .chain(tabs.iter().flat_map(|t| t.rows.iter()))
            .chain(rest);
        let bindings = rows
            .filter_map(|(context, key, action, description, footer)| {
                Some(Binding {
                    context: *context,
                    key: KeyCombo::parse(key).ok()?,
                    action: *action,
                    description: (*description).to_string(),
                    footer: *footer,
                })
            })
            .collect();
        let mut verbs = Vec::new();
        for t in tabs {
            let mut places: Vec<Context> = Vec::new();
            for r in t.rows {
                if !places.contains(&r.0) {
                    places.push(r.0);
                }
            }
            for v in t.verbs {
                verbs.push((places.clone(), *v));
            }
        }
        Keymap { bindings, verbs }
    }

    /// The action a configuration names in `context`: a shell-wide action, else a verb of the
    /// tab that owns the place, else any tab's verb of that name.
    fn action_named(&self, context: Context, name: &str) -> Option<Action> {
        let name = name.trim();
        Action::from_name(name)
            .or_else(|| {
                self.verbs
                    .iter()
                    .find(|(places, v)| places.contains(&context) && v.name() == name)
                    .map(|(_, v)| Action::Verb(*v))
            })
            .or_else(|| {
                self.verbs
                    .iter()
                    .find(|(_, v)| v.name() == name)
                    .map(|(_, v)| Action::Verb(*v))
            })
    }

    /// Every place that has bindings, in table order (the help screen's order).
    pub fn contexts(&self) -> Vec<Context> {
        let mut out: Vec<Context> = Vec::new();
        for b in &self.bindings {
            if !out.contains(&b.context) {
                out.push(b.context);
            }
        }
        out
    }

    /// The place a configuration names (`[tui.keys.NAME]`), if there is one.
    pub fn context_named(&self, name: &str) -> Option<Context> {
        let name = name.trim().to_ascii_lowercase();
        self.contexts().into_iter().find(|c| c.name == name)
    }

    /// Every binding, in table order.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action bound to `key` in `context`, if any.
    pub fn lookup(&self, context: Context, key: KeyCombo) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.key == key)
            .map(|b| b.action)
    }

    /// Binds `key` to the action named `action` in `context` (replacing what the key did
    /// there). The description is the action's first description in the table.
    pub fn bind(&mut self, context: Context, key: &str, action: &str) -> Result<(), String> {
        let key = KeyCombo::parse(key)?;
        let action = self.action_named(context, action).ok_or_else(|| {
            let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            for (_, v) in &self.verbs {
                if !names.contains(&v.name()) {
                    names.push(v.name());
                }
            }
            format!(
                "unknown action \"{action}\"; use one of: {}",
                names.join(", ")
            )
        })?;
        let (description, footer) = self
            .bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .or_else(|| self.bindings.iter().find(|b| b.action == action))
            .map(|b| (b.description.clone(), b.footer))
            .unwrap_or_else(|| (action.name().to_string(), false));
        self.bindings
            .retain(|b| !(b.context == context && b.key == key));
        self.bindings.push(Binding {
            context,
            key,
            action,
            description,
            footer,
        });
        Ok(())
    }

    /// The keys for `action` (shell-wide or a tab's verb) in `context`, as shown ("up k").
    pub fn keys_for(&self, context: Context, action: impl Into<Action>) -> String {
        let action = action.into();
        self.bindings
            .iter()
            .filter(|b| b.context == context && b.action == action)
            .map(|b| b.key.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Help rows for a context: (keys, action name, description), one per action and
    /// description (keys with the same action and description share a row).
    pub fn help_rows(&self, context: Context) -> Vec<(String, &'static str, String)> {
        let mut rows: Vec<(Vec<String>, Action, String)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.context == context) {
            match rows
                .iter_mut()
                .find(|(_, a, d)| *a == b.action && *d == b.description)
            {
                Some(row) => row.0.push(b.key.to_string()),
                None => rows.push((vec![b.key.to_string()], b.action, b.description.clone())),
            }
        }
        rows.into_iter()
            .map(|(keys, a, d)| (keys.join(" "), a.name(), d))
            .collect()
    }

    /// Footer entries (key, action name) for a screen context followed by global ones.
    pub fn footer(&self, context: Context) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        let chain: &[Context] = if context == Context::SEARCH || context == Context::DIALOG {
            &[context]
        } else {
            &[context, Context::GLOBAL]
        };
        for &c in chain {
            for b in self.bindings.iter().filter(|b| b.context == c && b.footer) {
                if !out.iter().any(|(_, n)| *n == b.action.name()) {
                    out.push((b.key.to_string(), b.action.name()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLACE: Context = Context::new("place", "A tab");
    const OTHER: Context = Context::new("other", "Another tab");

    verbs! {
        /// A tab's verbs, for these tests.
        enum TestVerb {
            Disable => "disable" [selection],
            Enable => "enable" [selection],
            New => "new",
        }
    }

    verbs! {
        /// Another tab's verbs: a name the first tab uses too.
        enum OtherVerb {
            New => "new",
            Loan => "loan",
        }
    }

    const ROWS: &[KeyRow] = &[
        (PLACE, "d", TestVerb::Disable.action(), "Disable it", true),
        (PLACE, "n", TestVerb::New.action(), "New thing", false),
        (PLACE, "/", Action::Search, "Search", true),
    ];
    const OTHER_ROWS: &[KeyRow] = &[(OTHER, "n", OtherVerb::New.action(), "New other", true)];

    fn keymap() -> Keymap {
        Keymap::new(&[
            TabKeys {
                rows: ROWS,
                verbs: TestVerb::VERBS,
            },
            TabKeys {
                rows: OTHER_ROWS,
                verbs: OtherVerb::VERBS,
            },
        ])
    }

    #[test]
    fn keys_parse_and_print_round_trip() {
        for k in [
            "q", "S", "?", "space", "enter", "esc", "tab", "backtab", "up", "pgdn", "ctrl-c", "f5",
        ] {
            let c = KeyCombo::parse(k).unwrap();
            assert_eq!(c.to_string(), k);
        }
        assert!(KeyCombo::parse("nonsense").is_err());
    }

    #[test]
    fn the_tables_given_are_the_bindings_in_order() {
        let km = keymap();
        assert_eq!(
            km.bindings().len(),
            SHELL_KEYS.len() + ROWS.len() + OTHER_ROWS.len()
        );
        let names: Vec<&str> = km.contexts().iter().map(|c| c.name).collect();
        assert_eq!(names, ["global", "place", "other", "search", "dialog"]);
        assert_eq!(km.context_named("place"), Some(PLACE));
        assert_eq!(km.keys_for(PLACE, TestVerb::Disable), "d");
        assert_eq!(km.footer(PLACE)[0], ("d".to_string(), "disable"));
    }

    #[test]
    fn a_verb_comes_back_as_its_tab_s_own_and_only_there() {
        let km = keymap();
        let d = km.lookup(PLACE, KeyCombo::parse("d").unwrap()).unwrap();
        assert_eq!(TestVerb::of(d), Some(TestVerb::Disable));
        assert_eq!(OtherVerb::of(d), None);
        assert!(d.acts_on_selection());
        let n = km.lookup(OTHER, KeyCombo::parse("n").unwrap()).unwrap();
        assert_eq!(OtherVerb::of(n), Some(OtherVerb::New));
        assert!(!n.acts_on_selection());
        assert!(!Action::Search.acts_on_selection());
        assert_eq!(TestVerb::of(Action::Search), None);
    }

    #[test]
    fn shifted_letters_and_control_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(KeyCombo::from_event(&ev), KeyCombo::parse("S").unwrap());
        let ev = KeyEvent::new(KeyCode::Char('C'), KeyModifiers::CONTROL);
        assert_eq!(
            KeyCombo::from_event(&ev),
            KeyCombo::parse("ctrl-c").unwrap()
        );
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            KeyCombo::from_event(&ev),
            KeyCombo::parse("backtab").unwrap()
        );
    }

    #[test]
    fn rebinding_replaces_and_names_are_checked() {
        let mut km = keymap();
        km.bind(PLACE, "ctrl-d", "disable").unwrap();
        assert_eq!(
            km.lookup(PLACE, KeyCombo::parse("ctrl-d").unwrap()),
            Some(TestVerb::Disable.action())
        );
        km.bind(PLACE, "d", "enable").unwrap();
        assert_eq!(
            km.lookup(PLACE, KeyCombo::parse("d").unwrap()),
            Some(TestVerb::Enable.action())
        );
        // A verb no row binds by default is still known by name.
        km.bind(OTHER, "l", "loan").unwrap();
        let l = km.lookup(OTHER, KeyCombo::parse("l").unwrap()).unwrap();
        assert_eq!(OtherVerb::of(l), Some(OtherVerb::Loan));
        km.bind(PLACE, "x", "quit").unwrap();
        assert_eq!(
            km.lookup(PLACE, KeyCombo::parse("x").unwrap()),
            Some(Action::Quit)
        );
        let e = km.bind(PLACE, "z", "explode").unwrap_err();
        assert!(e.contains("unknown action") && e.contains("loan"), "{e}");
    }
}
