//! The one keymap table: every binding is (where, key, action, description). The help screen
//! and the footer are generated from it, so they cannot drift from what the keys do.
//!
//! Bindings can be changed at run time with [`Keymap::bind`] (key and action by name, as a
//! configuration file would give them), e.g. `bind(Context::Accounts, "ctrl-d", "disable")`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Everywhere outside dialogs (after the screen's own keys).
    Global,
    /// The Accounts tab.
    Accounts,
    /// The Passwords tab's report.
    Passwords,
    /// The Passwords tab's directory policy panel.
    PwPolicy,
    /// The Passwords tab's shared-credentials panel.
    PwCreds,
    /// The Log tab.
    Log,
    /// While typing in the Accounts search box (printable keys are the search).
    Search,
    /// Inside dialogs (text fields take printable keys first).
    Dialog,
}

impl Context {
    /// The heading used in the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Accounts => "Accounts",
            Context::Passwords => {
                "Passwords (fixes: the selection, else all shown if filtered, else this row)"
            }
            Context::PwPolicy => "Passwords: directory policy panel",
            Context::PwCreds => "Passwords: shared credentials panel",
            Context::Log => "Log",
            Context::Search => "Search box (after /)",
            Context::Dialog => "Dialogs and forms",
        }
    }

    /// All contexts, in help order.
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::Accounts,
        Context::Search,
        Context::Passwords,
        Context::PwPolicy,
        Context::PwCreds,
        Context::Log,
        Context::Dialog,
    ];
}

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
    StatusCycle => "status",
    ForceChange => "force-change",
    ClearNeverExpires => "clear-never",
    PolicyPanel => "policy",
    ApplyPolicy => "apply-policy",
    CredsPanel => "creds",
    AddCred => "add-cred",
    Rotated => "rotated",
    Submit => "submit",
    Cancel => "cancel",
    NextField => "next-field",
    PrevField => "prev-field",
    ChoicePrev => "choice-prev",
    ChoiceNext => "choice-next",
    Toggle => "toggle",
    Yes => "yes",
    No => "no",
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

/// The default table: (context, key, action, description, in footer).
#[rustfmt::skip]
const DEFAULTS: &[(Context, &str, Action, &str, bool)] = {
    use Action as A;
    use Context::*;
    &[
        (Global,   "?",       A::Help,          "Show this help (made from the keymap)", true),
        (Global,   "q",       A::Quit,          "Quit (asks if changes run); closes help/reports", true),
        (Global,   "ctrl-c",  A::Quit,          "Quit", false),
        (Global,   "tab",     A::NextTab,       "Next tab", false),
        (Global,   "backtab", A::PrevTab,       "Previous tab", false),
        (Global,   "1",       A::TabAccounts,   "Accounts tab", false),
        (Global,   "2",       A::TabPasswords,  "Passwords tab", false),
        (Global,   "3",       A::TabLog,        "Log tab", false),
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
        (Accounts, "/",       A::Search,        "Search username, name or MIS id as you type", true),
        (Accounts, "esc",     A::ClearSearch,   "Close details, else clear search, else selection", false),
        (Accounts, "enter",   A::Details,       "Show or hide the account's details", true),
        (Accounts, "s",       A::SortNext,      "Sort by the next column", false),
        (Accounts, "S",       A::SortReverse,   "Reverse the sort", false),
        (Accounts, "f",       A::Filter,        "Filter by role, OU and status", true),
        (Accounts, "F",       A::ClearFilters,  "Clear search and filters", false),
        (Accounts, "space",   A::Select,        "Select or unselect (for bulk actions)", false),
        (Accounts, "A",       A::SelectAll,     "Select all shown (again: clear selection)", false),
        (Accounts, "n",       A::NewAccount,    "New account (role, names, MIS id)", true),
        (Accounts, "G",       A::NewGuest,      "New guest account for supply staff", false),
        (Accounts, "p",       A::ResetPassword, "Reset the password", true),
        (Accounts, "d",       A::Disable,       "Disable (with a reason)", true),
        (Accounts, "e",       A::Enable,        "Enable", false),
        (Accounts, "u",       A::Unlock,        "Unlock after failed logons", false),
        (Accounts, "m",       A::Move,          "Move to another OU", false),
        (Accounts, "g",       A::Groups,        "Add or remove groups", false),
        (Accounts, "x",       A::Expiry,        "Set or clear the account expiry date", false),
        (Accounts, "i",       A::Import,        "New intake: import a CSV of accounts", false),
        (Search,   "enter",   A::Submit,        "Keep the search, back to the list", true),
        (Search,   "esc",     A::Cancel,        "Clear the search", true),
        (Search,   "up",      A::Up,            "Move up", false),
        (Search,   "down",    A::Down,          "Move down", false),
        (Search,   "pgup",    A::PageUp,        "Page up", false),
        (Search,   "pgdn",    A::PageDown,      "Page down", false),
        (Passwords, "/",      A::Search,        "Search username, role, flag or policy as you type", true),
        (Passwords, "esc",    A::ClearSearch,   "Clear the search, else the selection", false),
        (Passwords, "enter",  A::Details,       "Everything about the account's password", false),
        (Passwords, "s",      A::SortNext,      "Sort by the next column", false),
        (Passwords, "S",      A::SortReverse,   "Reverse the sort", false),
        (Passwords, "t",      A::StatusCycle,   "Next status filter: expired, expiring, …, ok, all", false),
        (Passwords, "f",      A::Filter,        "Filter by status, role and flag", true),
        (Passwords, "F",      A::ClearFilters,  "Clear search and filters", false),
        (Passwords, "space",  A::Select,        "Select or unselect (for bulk fixes)", false),
        (Passwords, "A",      A::SelectAll,     "Select all shown (again: clear selection)", false),
        (Passwords, "x",      A::ForceChange,   "Force a change at next logon (preview lists who)", true),
        (Passwords, "N",      A::ClearNeverExpires, "Clear never-expires (preview lists who)", true),
        (Passwords, "p",      A::PolicyPanel,   "Directory policy next to the school's rules", true),
        (Passwords, "c",      A::CredsPanel,    "Shared credentials register", true),
        (PwPolicy, "a",       A::ApplyPolicy,   "Bring the directory's policy in line (preview)", true),
        (PwPolicy, "p",       A::PolicyPanel,   "Back to the password report", true),
        (PwPolicy, "esc",     A::PolicyPanel,   "Back to the password report", false),
        (PwPolicy, "c",       A::CredsPanel,    "Shared credentials register", false),
        (PwCreds,  "n",       A::AddCred,       "Add or update a shared login (no password)", true),
        (PwCreds,  "m",       A::Rotated,       "Mark the shared login changed today", true),
        (PwCreds,  "enter",   A::Details,       "Everything about the shared login", false),
        (PwCreds,  "c",       A::CredsPanel,    "Back to the password report", true),
        (PwCreds,  "esc",     A::CredsPanel,    "Back to the password report", false),
        (PwCreds,  "p",       A::PolicyPanel,   "Directory policy panel", false),
        (Log,      "f",       A::Filter,        "Filter by since, action, target, operator", true),
        (Log,      "F",       A::ClearFilters,  "Clear the filters", false),
        (Log,      "enter",   A::Details,       "Show the entry's details", true),
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
        (Dialog,   "y",       A::Yes,           "Yes, go ahead (confirmations)", false),
        (Dialog,   "n",       A::No,            "No (confirmations)", false),
    ]
};

/// The keymap: an ordered list of bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
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
        let chain: &[Context] = match context {
            Context::Search | Context::Dialog => &[context],
            _ => &[context, Context::Global],
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
        assert_eq!(km.bindings().len(), DEFAULTS.len());
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
        km.bind(Context::Accounts, "ctrl-d", "disable").unwrap();
        assert_eq!(
            km.lookup(Context::Accounts, KeyCombo::parse("ctrl-d").unwrap()),
            Some(Action::Disable)
        );
        km.bind(Context::Accounts, "d", "enable").unwrap();
        assert_eq!(
            km.lookup(Context::Accounts, KeyCombo::parse("d").unwrap()),
            Some(Action::Enable)
        );
        assert!(km.bind(Context::Accounts, "z", "explode").is_err());
    }
}
