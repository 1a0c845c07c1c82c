//! Styles: the 16 ANSI colours only (SSH terminals), or none at all when `NO_COLOR` is set.
//! Colour is never the only sign of a state: every styled state also has a word or symbol.

use crate::domain::account::AccountStatus;
use ratatui::style::{Color, Modifier, Style};

/// The styles the screens use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False under `NO_COLOR`: bold, reverse and underline only.
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set (to anything non-empty, as no-color.org says).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The header bar.
    pub fn header(&self) -> Style {
        if self.color {
            Style::new().fg(Color::White).bg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The active tab.
    pub fn tab_active(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// Table column titles.
    pub fn table_header(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The row under the cursor.
    pub fn cursor(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// Rows selected for a bulk action.
    pub fn selected(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Keys in the footer and help.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Less important text.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// Errors and dangerous states.
    pub fn error(&self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// Warnings.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Success.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Dialog borders and titles.
    pub fn border(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Focused form field.
    pub fn focus(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    /// An account status (the word is always shown too).
    pub fn status(&self, s: AccountStatus) -> Style {
        match s {
            AccountStatus::Active => self.ok(),
            AccountStatus::Locked => self.warn().add_modifier(Modifier::BOLD),
            AccountStatus::Expired => self.fg(Color::Magenta),
            AccountStatus::Disabled => self.error(),
        }
    }
}

/// An ASCII-safe mark that goes with each status word.
pub fn status_mark(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => "+",
        AccountStatus::Locked => "!",
        AccountStatus::Expired => "~",
        AccountStatus::Disabled => "x",
    }
}
