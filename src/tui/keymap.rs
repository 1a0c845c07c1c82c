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
        /// Something a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Action {
            /// Every action.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The action's name, as the footer shows it and a configuration names it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The action with this name.
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
    NewAccount => "new",
    NewGuest => "guest",
    ResetPassword => "password",
    Disable => "disable",
    Enable => "enable",
    Unlock => "unlock",
    Move => "move",
    Groups => "groups",
    Expiry => "expiry",
    Import => "import",
    RecordAup => "record-aup",
    StatusCycle => "status",
    ForceChange => "force-change",
    ClearNeverExpires => "clear-never",
    PolicyPanel => "policy",
    ApplyPolicy => "apply-policy",
    CredsPanel => "creds",
    AddCred => "add-cred",
    Rotated => "rotated",
    Decide => "decide",
    ApplyChange => "apply",
    Revoke => "revoke",
    ReviewPanel => "review",
    ReviewStart => "review-start",
    ReviewClose => "review-close",
    Loan => "loan",
    ReturnAsset => "return",
    ScanMode => "scan",
    DisposalPanel => "disposal",
    Edit => "edit",
    Labels => "labels",
    AuditPanel => "audit",
    Dispose => "dispose",
    Sanitised => "sanitised",
    Close => "close",
    SweepPlan => "sweep-plan",
    Resume => "resume",
    RunsPanel => "runs",
    Restore => "restore",
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
    SyncPanel => "sync",
}

impl Action {
    /// True for an action that acts on a tab's selected rows (a change): when a search hides
    /// some of them, the shell asks which ones first.
    pub fn acts_on_selection(self) -> bool {
        use Action as A;
        matches!(
            self,
            A::ResetPassword
                | A::Disable
                | A::Enable
                | A::Unlock
                | A::Move
                | A::Groups
                | A::Expiry
                | A::RecordAup
                | A::StatusCycle
                | A::ForceChange
                | A::ClearNeverExpires
                | A::Loan
                | A::ReturnAsset
                | A::Edit
                | A::Labels
                | A::Dispose
                | A::Sanitised
                | A::Restore
        )
    }
}

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
/// its folder and are added after these (see [`Keymap::default`]).
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

/// The keymap: an ordered list of bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    /// The shell's keys everywhere, then each tab's (in tab order), then the search box and
    /// dialogs: that is also the order of the help screen.
    fn default() -> Self {
        let (global, rest): (Vec<&KeyRow>, Vec<&KeyRow>) =
            SHELL_KEYS.iter().partition(|r| r.0 == Context::GLOBAL);
        let tabs = crate::tui::tabs::key_tables();
        let rows = global
            .into_iter()
            .chain(tabs.iter().flat_map(|t| t.iter()))
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
        Keymap { bindings }
    }
}

impl Keymap {
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
        let action = Action::from_name(action).ok_or_else(|| {
            format!(
                "unknown action \"{action}\"; use one of: {}",
                Action::ALL
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let (description, footer) = self
            .bindings
            .iter()
            .find(|b| b.action == action)
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

    /// The keys for `action` in `context`, as shown ("up k").
    pub fn keys_for(&self, context: Context, action: Action) -> String {
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
    fn every_default_binding_parses_and_is_unique() {
        let km = Keymap::default();
        let tab_rows: usize = crate::tui::tabs::key_tables().iter().map(|t| t.len()).sum();
        assert_eq!(km.bindings().len(), SHELL_KEYS.len() + tab_rows);
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
        let km = Keymap::default();
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
        unique.dedup();
        assert_eq!(unique.len(), names.len());
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
        let mut km = Keymap::default();
        let accounts = crate::tui::tabs::accounts::CONTEXT;
        km.bind(accounts, "ctrl-d", "disable").unwrap();
        assert_eq!(
            km.lookup(accounts, KeyCombo::parse("ctrl-d").unwrap()),
            Some(Action::Disable)
        );
        km.bind(accounts, "d", "enable").unwrap();
        assert_eq!(
            km.lookup(accounts, KeyCombo::parse("d").unwrap()),
            Some(Action::Enable)
        );
        assert!(km.bind(accounts, "z", "explode").is_err());
    }
}
