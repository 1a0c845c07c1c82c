//! A one-line text input (search box, form fields, typed passwords).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthChar;

/// Most characters a field accepts (a pasted essay is not a name).
pub const MAX_LEN: usize = 512;

/// A line of text with a cursor. Masked inputs never show their characters.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Input {
    value: String,
    /// Cursor position in characters.
    cursor: usize,
    /// Show `*` for each character (passwords).
    pub masked: bool,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.masked {
            write!(f, "Input(*** {} chars)", self.value.chars().count())
        } else {
            write!(f, "Input({:?})", self.value)
        }
    }
}

impl Input {
    /// An input holding `value`, cursor at the end.
    pub fn new(value: impl Into<String>) -> Input {
        let value: String = value.into();
        let cursor = value.chars().count();
        Input {
            value,
            cursor,
            masked: false,
        }
    }

    /// An empty masked input.
    pub fn masked() -> Input {
        Input {
            masked: true,
            ..Input::default()
        }
    }

    /// The text.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Empties the input.
    pub fn clear(&mut self) {
        self.value.clear();
        self.cursor = 0;
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Inserts a character at the cursor (control characters are refused).
    pub fn insert(&mut self, c: char) {
        if c.is_control() || self.value.chars().count() >= MAX_LEN {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.value.insert(at, c);
        self.cursor += 1;
    }

    /// Handles an editing key; true if it was one (the text or cursor may have changed).
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.value.chars().count();
        match key.code {
            KeyCode::Char('u') if ctrl => self.clear(),
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.value.chars().collect();
                let mut start = self.cursor.min(chars.len());
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.value.replace_range(a..b, "");
                self.cursor = start;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.insert(c)
            }
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    let (a, b) = (self.byte_at(self.cursor - 1), self.byte_at(self.cursor));
                    self.value.replace_range(a..b, "");
                    self.cursor -= 1;
                }
            }
            KeyCode::Delete => {
                if self.cursor < len {
                    let (a, b) = (self.byte_at(self.cursor), self.byte_at(self.cursor + 1));
                    self.value.replace_range(a..b, "");
                }
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return false,
        }
        true
    }

    /// What to show in `width` columns: the visible text and the cursor's column in it.
    /// Masked inputs show one `*` per character.
    pub fn visible(&self, width: usize) -> (String, usize) {
        let shown: Vec<(char, usize)> = self
            .value
            .chars()
            .map(|c| {
                let c = if self.masked { '*' } else { c };
                (c, c.width().unwrap_or(0))
            })
            .collect();
        if width == 0 {
            return (String::new(), 0);
        }
        // Scroll so the cursor (and one cell after it) fits.
        let mut start = 0;
        let col_of =
            |from: usize, to: usize| -> usize { shown[from..to].iter().map(|x| x.1).sum() };
        while start < self.cursor && col_of(start, self.cursor.min(shown.len())) + 1 > width {
            start += 1;
        }
        let mut out = String::new();
        let mut used = 0;
        for (c, w) in &shown[start..] {
            if used + w > width {
                break;
            }
            out.push(*c);
            used += w;
        }
        (out, col_of(start, self.cursor.min(shown.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_the_middle_and_deletes_words() {
        let mut i = Input::new("amir khan");
        i.handle(&key(KeyCode::Home));
        i.handle(&key(KeyCode::Right));
        i.handle(&key(KeyCode::Char('X')));
        assert_eq!(i.value(), "aXmir khan");
        i.handle(&key(KeyCode::End));
        i.handle(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(i.value(), "aXmir ");
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(i.value(), "aXmir");
    }

    #[test]
    fn masked_shows_stars_and_scrolls() {
        let mut i = Input::masked();
        for c in "Sécret-Horse-42".chars() {
            i.insert(c);
        }
        let (text, col) = i.visible(5);
        assert_eq!(text, "****");
        assert_eq!(col, 4);
        assert!(!format!("{i:?}").contains("cret"));
        assert_eq!(i.visible(0), (String::new(), 0));
    }
}
