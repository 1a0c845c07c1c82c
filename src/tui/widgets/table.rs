//! The one table every list of the TUI uses: rows behind the small [`TableRow`] trait (a key,
//! search text, a comparison per sort column, a filter test), and the state around them: the
//! search index, the sorted order, the view (sorted, searched, filtered), the cursor and the
//! first row shown, the selection and what a bulk action targets; and the two pieces of
//! drawing every table shares, the search bar and the sort-arrow column titles.
//!
//! Searching works on one contiguous buffer of pre-lower-cased keys and, while a search only
//! grows, on the previous view, so a keystroke stays cheap with 50,000 rows.

use crate::tui::ground::Ground;
use crate::tui::input::Input;
use crate::tui::keymap::{Action, Context};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The columns a table can sort by.
pub trait SortColumn: Copy + Eq + Default + std::fmt::Debug + 'static {
    /// The columns in table order.
    const ALL: &'static [Self];
    /// The column title.
    fn title(self) -> &'static str;
    /// The next column (wrapping).
    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL
            .get((i + 1) % Self::ALL.len().max(1))
            .copied()
            .unwrap_or_default()
    }
}

/// Present values first, in order; missing ones last (a sort key that may be absent).
pub fn cmp_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// A table's filters besides the search.
pub trait FilterSet: Clone + Default + PartialEq + std::fmt::Debug {
    /// The filters in force, in words for the search bar ("role=staff status=disabled").
    fn describe(&self) -> String;
}

/// One row of a table.
pub trait TableRow {
    /// The columns it sorts by.
    type Sort: SortColumn;
    /// The filters besides the search.
    type Filters: FilterSet;
    /// The row's unique key, lower case (a username, an asset tag): selection, cursor keeping
    /// and the tie-break of every sort use it.
    fn key(&self) -> &str;
    /// What the search looks in, lower case (parts separated by `\n`).
    fn search_text(&self) -> String;
    /// The order by column `by` (the table breaks ties by key and applies the direction).
    fn compare(&self, other: &Self, by: Self::Sort) -> Ordering;
    /// True if the row passes the filters.
    fn passes(&self, filters: &Self::Filters) -> bool;
}

/// The search keys of every row in one buffer, so a search scans memory in order.
#[derive(Debug, Default)]
struct SearchIndex {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl SearchIndex {
    fn push(&mut self, key: &str) {
        let start = self.buf.len();
        self.buf.extend_from_slice(key.as_bytes());
        self.spans.push((start, self.buf.len()));
    }

    fn set(&mut self, i: usize, key: &str) {
        let start = self.buf.len();
        self.buf.extend_from_slice(key.as_bytes());
        if let Some(span) = self.spans.get_mut(i) {
            *span = (start, self.buf.len());
        }
    }

    /// True if row `i`'s key contains `needle` (lower case). A byte search is exact for
    /// UTF-8: a valid needle can only match at character boundaries.
    fn contains(&self, i: usize, needle: &[u8]) -> bool {
        let Some(&(a, b)) = self.spans.get(i) else {
            return false;
        };
        let Some(hay) = self.buf.get(a..b) else {
            return false;
        };
        let n = needle.len();
        if n == 0 {
            return true;
        }
        if n > hay.len() {
            return false;
        }
        let first = needle[0];
        (0..=hay.len() - n).any(|j| hay[j] == first && &hay[j..j + n] == needle)
    }
}

/// How much a column matters when a table is narrow: columns that change what a row means
/// (status, Kind, Enc, AUP) must stay; the others go least important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Never dropped.
    Always,
    /// Dropped when room is short; a higher number goes first.
    Drop(u8),
}

/// A column's declaration: the width it needs and how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Columns it needs (its minimum).
    pub width: u16,
    /// Must stay, or its drop priority.
    pub keep: Keep,
}

impl Column {
    /// A column that must stay.
    pub const fn keep(width: u16) -> Column {
        Column {
            width,
            keep: Keep::Always,
        }
    }

    /// A column dropped when room is short (`priority`: higher goes first).
    pub const fn drop(width: u16, priority: u8) -> Column {
        Column {
            width,
            keep: Keep::Drop(priority),
        }
    }
}

/// Which of `cols` are shown in `width` columns (one column of space between each): every
/// column when they fit; else the droppable ones go, highest priority first, until the rest
/// fit. The must-stay ones are always shown.
pub fn fit_columns(cols: &[Column], width: u16) -> Vec<bool> {
    let mut shown = vec![true; cols.len()];
    let need = |shown: &[bool]| -> u32 {
        let n = shown.iter().filter(|s| **s).count() as u32;
        cols.iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| u32::from(c.width))
            .sum::<u32>()
            + n.saturating_sub(1)
    };
    let mut order: Vec<(u8, usize)> = cols
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c.keep {
            Keep::Drop(p) => Some((p, i)),
            Keep::Always => None,
        })
        .collect();
    // Highest priority first; of equal ones, the rightmost.
    order.sort_by(|a, b| b.cmp(a));
    for (_, i) in order {
        if need(&shown) <= u32::from(width) {
            break;
        }
        shown[i] = false;
    }
    shown
}

/// Which rows an action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The selected rows.
    Selected,
    /// Every row the search and filters show.
    Shown,
    /// The row under the cursor.
    Cursor,
}

/// A table's state.
#[derive(Debug)]
pub struct Table<R: TableRow> {
    rows: Vec<R>,
    index: SearchIndex,
    by_key: HashMap<String, usize>,
    order: Vec<u32>,
    /// The rows shown: sorted, searched and filtered (indexes into the rows).
    pub view: Vec<u32>,
    /// Sort column.
    pub sort: R::Sort,
    /// Sort descending.
    pub reverse: bool,
    /// The search text.
    pub search: Input,
    /// The search box has the keyboard.
    pub searching: bool,
    applied: (String, R::Filters),
    /// The filters besides the search.
    pub filters: R::Filters,
    /// Cursor (index into `view`).
    pub cursor: usize,
    /// First row shown.
    pub offset: usize,
    /// Keys of the rows selected for bulk actions.
    pub selected: HashSet<String>,
}

impl<R: TableRow> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            index: SearchIndex::default(),
            by_key: HashMap::new(),
            order: Vec::new(),
            view: Vec::new(),
            sort: R::Sort::default(),
            reverse: false,
            search: Input::default(),
            searching: false,
            applied: (String::new(), R::Filters::default()),
            filters: R::Filters::default(),
            cursor: 0,
            offset: 0,
            selected: HashSet::new(),
        }
    }
}

impl<R: TableRow> Table<R> {
    /// Every row, in the order given.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// Takes a fresh set of rows; keeps the cursor on the same row if it is still shown, and
    /// the selection of rows that are still there. `page` is how many rows fit on screen.
    pub fn set_rows(&mut self, rows: Vec<R>, page: usize) {
        let keep = self.cursor_key();
        self.index = SearchIndex::default();
        for r in &rows {
            self.index.push(&r.search_text());
        }
        self.by_key = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key().to_string(), i))
            .collect();
        self.rows = rows;
        let present = &self.by_key;
        self.selected.retain(|k| present.contains_key(k));
        self.resort();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(page);
    }

    /// Replaces (or adds) one row after a change; call [`Self::refresh`] after a batch.
    pub fn replace(&mut self, row: R) {
        match self.by_key.get(row.key()) {
            Some(&i) => {
                self.index.set(i, &row.search_text());
                if let Some(slot) = self.rows.get_mut(i) {
                    *slot = row;
                }
            }
            None => {
                self.by_key.insert(row.key().to_string(), self.rows.len());
                self.index.push(&row.search_text());
                self.rows.push(row);
                self.order.push((self.rows.len() - 1) as u32);
            }
        }
    }

    /// Re-sorts and re-filters after changes, keeping the cursor on its row.
    pub fn refresh(&mut self, page: usize) {
        let keep = self.cursor_key();
        self.resort();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(page);
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&R> {
        self.view
            .get(self.cursor)
            .and_then(|i| self.rows.get(*i as usize))
    }

    /// The key of the row under the cursor.
    pub fn cursor_key(&self) -> Option<String> {
        self.current().map(|r| r.key().to_string())
    }

    /// The row with this key (any case).
    pub fn row(&self, key: &str) -> Option<&R> {
        self.by_key
            .get(&key.to_lowercase())
            .and_then(|i| self.rows.get(*i))
    }

    /// The rows shown, in order.
    pub fn shown(&self) -> impl Iterator<Item = &R> {
        self.view.iter().filter_map(|i| self.rows.get(*i as usize))
    }

    /// The selected rows, by key.
    pub fn selection(&self) -> Vec<&R> {
        let mut rows: Vec<&R> = self
            .selected
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .filter_map(|i| self.rows.get(*i))
            .collect();
        rows.sort_by(|a, b| a.key().cmp(b.key()));
        rows
    }

    /// What an action applies to: the selected rows, else the one under the cursor.
    pub fn targets(&self) -> Vec<&R> {
        if self.selected.is_empty() {
            return self.current().into_iter().collect();
        }
        self.selection()
    }

    /// What a bulk fix applies to: the selection; else, when a search or filter narrows the
    /// list, every row shown; else the row under the cursor.
    pub fn bulk_targets(&self) -> (Vec<&R>, Scope) {
        if !self.selected.is_empty() {
            return (self.selection(), Scope::Selected);
        }
        if self.narrowed() {
            return (self.shown().collect(), Scope::Shown);
        }
        (self.current().into_iter().collect(), Scope::Cursor)
    }

    /// True when a search or a filter narrows the list.
    pub fn narrowed(&self) -> bool {
        self.filters != R::Filters::default() || !self.needle().is_empty()
    }

    /// The search, trimmed and lower-cased.
    pub fn needle(&self) -> String {
        self.search.value().trim().to_lowercase()
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (Some(x), Some(y)) = (self.rows.get(a as usize), self.rows.get(b as usize)) else {
            return Ordering::Equal;
        };
        let ord = x.compare(y, self.sort).then_with(|| x.key().cmp(y.key()));
        if self.reverse {
            ord.reverse()
        } else {
            ord
        }
    }

    fn resort(&mut self) {
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.compare(*a, *b));
        self.order = order;
    }

    fn passes(&self, i: usize, needle: &str) -> bool {
        let Some(row) = self.rows.get(i) else {
            return false;
        };
        (needle.is_empty() || self.index.contains(i, needle.as_bytes()))
            && row.passes(&self.filters)
    }

    /// Recomputes the view from the sorted order.
    fn refilter_full(&mut self) {
        let needle = self.needle();
        let view: Vec<u32> = self
            .order
            .iter()
            .copied()
            .filter(|i| self.passes(*i as usize, &needle))
            .collect();
        self.view = view;
        self.applied = (needle, self.filters.clone());
    }

    /// Re-filters after the search changed: from the current view when the search only
    /// narrowed, else from everything. The cursor goes to the first match.
    pub fn refilter_search(&mut self, page: usize) {
        let needle = self.needle();
        if self.applied.1 == self.filters && needle.contains(self.applied.0.as_str()) {
            let view: Vec<u32> = self
                .view
                .iter()
                .copied()
                .filter(|i| self.index.contains(*i as usize, needle.as_bytes()))
                .collect();
            self.view = view;
            self.applied.0 = needle;
        } else {
            self.refilter_full();
        }
        self.cursor = 0;
        self.offset = 0;
        self.keep_cursor_visible(page);
    }

    /// Re-filters after the filters changed, keeping the cursor's row if shown.
    pub fn refilter_keep(&mut self, page: usize) {
        let keep = self.cursor_key();
        self.refilter_full();
        self.put_cursor_on(keep.as_deref());
        self.keep_cursor_visible(page);
    }

    /// Puts the cursor on a row (by key) if it is shown.
    pub fn select_key(&mut self, key: &str, page: usize) {
        self.put_cursor_on(Some(key));
        self.keep_cursor_visible(page);
    }

    fn put_cursor_on(&mut self, key: Option<&str>) {
        let found = key
            .and_then(|k| self.by_key.get(&k.to_lowercase()))
            .and_then(|idx| self.view.iter().position(|v| *v as usize == *idx));
        self.cursor = match found {
            Some(p) => p,
            None => self.cursor.min(self.view.len().saturating_sub(1)),
        };
    }

    /// Moves the first shown row so the cursor is on a page of `page` rows.
    pub fn keep_cursor_visible(&mut self, page: usize) {
        super::keep_visible(&mut self.cursor, &mut self.offset, self.view.len(), page);
    }

    /// Moves the cursor by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize, page: usize) {
        self.cursor = super::step(self.cursor, delta, self.view.len());
        self.keep_cursor_visible(page);
    }

    /// Moves the cursor to the first (`false`) or last (`true`) row.
    pub fn jump(&mut self, end: bool, page: usize) {
        self.cursor = super::end_row(end, self.view.len());
        self.keep_cursor_visible(page);
    }

    /// A click on the `row`-th shown table row.
    pub fn click(&mut self, row: usize, page: usize) {
        if let Some(c) = super::clicked(self.offset, row, page, self.view.len()) {
            self.cursor = c;
        }
    }

    /// Next sort column (`next` false: flip the direction instead).
    pub fn sort_by(&mut self, next: bool, page: usize) {
        if next {
            self.sort = self.sort.next();
            self.reverse = false;
        } else {
            self.reverse = !self.reverse;
        }
        self.refresh(page);
    }

    /// Toggles the selection of the cursor's row and moves down.
    pub fn toggle_select(&mut self, page: usize) {
        if let Some(k) = self.cursor_key() {
            if !self.selected.remove(&k) {
                self.selected.insert(k);
            }
            self.move_by(1, page);
        }
    }

    /// Selects every shown row, or clears the selection if they all are.
    pub fn select_all(&mut self) {
        let shown: Vec<String> = self.shown().map(|r| r.key().to_string()).collect();
        if !shown.is_empty() && shown.iter().all(|k| self.selected.contains(k)) {
            self.selected.clear();
        } else {
            self.selected.extend(shown);
        }
    }

    /// (selected rows, of them not shown by the search and filters).
    pub fn hidden_selection(&self) -> (usize, usize) {
        if self.selected.is_empty() {
            return (0, 0);
        }
        let visible = self
            .shown()
            .filter(|r| self.selected.contains(r.key()))
            .count();
        let all = self
            .selected
            .iter()
            .filter(|k| self.by_key.contains_key(*k))
            .count();
        (all, all.saturating_sub(visible))
    }

    /// Answers [`Self::hidden_selection`]: unselects the hidden rows (`visible_only`), or
    /// clears the search and filters so every selected row is shown.
    pub fn narrow_selection(&mut self, visible_only: bool, page: usize) {
        if visible_only {
            let shown: HashSet<String> = self
                .shown()
                .filter(|r| self.selected.contains(r.key()))
                .map(|r| r.key().to_string())
                .collect();
            self.selected = shown;
        } else {
            self.clear_all(page);
        }
    }

    /// True if the row is selected.
    pub fn is_selected(&self, row: &R) -> bool {
        !self.selected.is_empty() && self.selected.contains(row.key())
    }

    /// A key while the search box has the keyboard; `action` is what the keymap's search
    /// context binds it to, if anything (otherwise it edits the search). True if the cursor
    /// may have moved to another row.
    pub fn search_key(&mut self, key: &KeyEvent, action: Option<Action>, page: usize) -> bool {
        let step = page.max(1) as isize;
        match action {
            Some(Action::Cancel) => {
                self.searching = false;
                if !self.search.value().is_empty() {
                    self.search.clear();
                    self.refilter_keep(page);
                }
            }
            Some(Action::Submit) => self.searching = false,
            Some(Action::Up) => self.move_by(-1, page),
            Some(Action::Down) => self.move_by(1, page),
            Some(Action::PageUp) => self.move_by(-step, page),
            Some(Action::PageDown) => self.move_by(step, page),
            _ => {
                let before = self.search.value().to_string();
                self.search.handle(key);
                if self.search.value() != before {
                    self.refilter_search(page);
                }
            }
        }
        true
    }

    /// `/`: a new search (the old text goes; the rows it hid come back until something is
    /// typed).
    pub fn start_search(&mut self, page: usize) {
        self.searching = true;
        if !self.search.value().is_empty() {
            self.search.clear();
            self.refilter_keep(page);
        }
    }

    /// Esc outside the search box: clears the search, else the selection. True if it did.
    pub fn clear_search_or_selection(&mut self, page: usize) -> bool {
        if !self.search.value().is_empty() {
            self.search.clear();
            self.refilter_keep(page);
            true
        } else if !self.selected.is_empty() {
            self.selected.clear();
            true
        } else {
            false
        }
    }

    /// Clears the search and every filter.
    pub fn clear_all(&mut self, page: usize) {
        self.search.clear();
        self.filters = R::Filters::default();
        self.refilter_keep(page);
    }

    /// The keys the cursor movement actions do, shared by every table.
    pub fn on_move(&mut self, action: Action, page: usize) -> bool {
        let step = page.max(1) as isize;
        match action {
            Action::Up => self.move_by(-1, page),
            Action::Down => self.move_by(1, page),
            Action::PageUp => self.move_by(-step, page),
            Action::PageDown => self.move_by(step, page),
            Action::Top => self.jump(false, page),
            Action::Bottom => self.jump(true, page),
            Action::SortNext => self.sort_by(true, page),
            Action::SortReverse => self.sort_by(false, page),
            Action::Select => self.toggle_select(page),
            Action::SelectAll => self.select_all(),
            Action::ClearFilters => self.clear_all(page),
            Action::Search => self.start_search(page),
            _ => return false,
        }
        true
    }

    /// What to show in the table's place when no row is shown: `not_loaded` before the first
    /// read, `nothing` when there are no rows at all, else that no `noun` matches and which
    /// key clears the search and filters. None when there are rows to show.
    pub fn empty_text(
        &self,
        loaded: bool,
        not_loaded: String,
        nothing: &str,
        noun: &str,
        clear_key: &str,
    ) -> Option<String> {
        if !self.view.is_empty() {
            return None;
        }
        Some(if !loaded {
            not_loaded
        } else if self.rows.is_empty() {
            nothing.to_string()
        } else {
            format!("No {noun} matches. {clear_key} clears the search and filters.")
        })
    }

    /// Draws [`Self::empty_text`] in the table's place; true if it did (nothing else to draw),
    /// or if the area is too small for a table.
    pub fn draw_empty(&self, f: &mut Frame, area: Rect, empty: Option<String>) -> bool {
        if area.height < 2 {
            return true;
        }
        match empty {
            Some(msg) => {
                super::placeholder(f, area, &msg);
                true
            }
            None => false,
        }
    }

    /// The rows on a page of `page` rows around the cursor: (is the cursor's row, row).
    pub fn page_rows(&self, page: usize) -> impl Iterator<Item = (bool, &R)> {
        let off = super::window(self.offset, self.cursor, page, self.view.len());
        let end = (off + page).min(self.view.len());
        let cursor = self.cursor;
        self.view
            .get(off..end)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(move |(i, idx)| Some((off + i == cursor, self.rows.get(*idx as usize)?)))
    }

    /// A column title with the sort arrow when the table is sorted by it: `Username ^`.
    pub fn title(&self, column: R::Sort) -> String {
        if self.sort == column {
            format!("{} {}", column.title(), self.arrow())
        } else {
            column.title().to_string()
        }
    }

    fn arrow(&self) -> &'static str {
        if self.reverse {
            "v"
        } else {
            "^"
        }
    }

    /// The "N of M shown … sort: column ^" text of the search bar.
    pub fn count_text(&self, skipped: usize) -> String {
        format!(
            "{} of {} shown{}  sort: {} {}",
            self.view.len(),
            self.rows.len(),
            if skipped > 0 {
                format!(" ({skipped} unreadable skipped)")
            } else {
                String::new()
            },
            self.sort.title().to_lowercase(),
            self.arrow()
        )
    }

    /// Draws the search bar: the search (with the cursor while typing) or which key starts
    /// one in `place`, the filters in words, and "N of M shown … sort" on the right once
    /// `loaded` (`skipped`: entries the directory returned that could not be read).
    pub fn draw_search_bar(
        &self,
        f: &mut Frame,
        area: Rect,
        g: &Ground,
        place: Context,
        loaded: bool,
        skipped: usize,
    ) {
        let t = g.theme;
        let mut spans = Vec::new();
        if self.searching {
            let (text, col) = self.search.visible(30);
            spans.push(Span::styled("Search: ", t.focus()));
            spans.push(Span::styled(format!("{text}_"), t.focus()));
            let x = area.x + 8 + col as u16;
            if x < area.x + area.width {
                f.set_cursor_position((x, area.y));
            }
        } else if self.search.value().is_empty() {
            let key = g.keymap.keys_for(place, Action::Search);
            spans.push(Span::styled(format!("{key} to search"), t.dim()));
        } else {
            let (text, _) = self.search.visible(30);
            spans.push(Span::raw(format!("Search: {text}")));
        }
        let filters = self.filters.describe();
        if !filters.is_empty() {
            spans.push(Span::styled(format!("   filter: {filters}"), t.warn()));
        }
        let count = if loaded {
            self.count_text(skipped)
        } else {
            String::new()
        };
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = usize::from(area.width).saturating_sub(used);
        if count.len() + 2 <= room {
            spans.push(Span::raw(" ".repeat(room - count.len())));
            spans.push(Span::styled(count, t.dim()));
        }
        f.render_widget(Paragraph::new(super::safe_line(Line::from(spans))), area);
    }

    /// Draws what stands in the table's place when no row is shown (see [`Self::empty_text`];
    /// `error`/`what` say why nothing is read yet, `nothing` that there are no rows, `noun`
    /// what a row is, and `place` gives the key that clears the filters). True if it drew
    /// that (or the area is too small for a table): the caller draws nothing more.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_if_empty(
        &self,
        f: &mut Frame,
        area: Rect,
        g: &Ground,
        place: Context,
        (loaded, error): (bool, Option<&String>),
        what: &str,
        nothing: &str,
        noun: &str,
    ) -> bool {
        let empty = self.empty_text(
            loaded,
            g.not_loaded(error, what),
            nothing,
            noun,
            &g.keymap.keys_for(place, Action::ClearFilters),
        );
        self.draw_empty(f, area, empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    enum By {
        #[default]
        Name,
        Age,
    }

    impl SortColumn for By {
        const ALL: &'static [By] = &[By::Name, By::Age];
        fn title(self) -> &'static str {
            match self {
                By::Name => "Name",
                By::Age => "Age",
            }
        }
    }

    #[derive(Debug)]
    struct R(String, u32);

    impl FilterSet for Option<u32> {
        fn describe(&self) -> String {
            self.map(|m| format!("min={m}")).unwrap_or_default()
        }
    }

    impl TableRow for R {
        type Sort = By;
        type Filters = Option<u32>;
        fn key(&self) -> &str {
            &self.0
        }
        fn search_text(&self) -> String {
            self.0.clone()
        }
        fn compare(&self, other: &Self, by: By) -> Ordering {
            match by {
                By::Name => Ordering::Equal,
                By::Age => self.1.cmp(&other.1),
            }
        }
        fn passes(&self, f: &Option<u32>) -> bool {
            f.is_none_or(|min| self.1 >= min)
        }
    }

    fn table() -> Table<R> {
        let mut t = Table::default();
        t.set_rows(
            vec![R("zoe".into(), 3), R("amir".into(), 9), R("bea".into(), 5)],
            10,
        );
        t
    }

    fn keys(t: &Table<R>) -> Vec<&str> {
        t.shown().map(|r| r.key()).collect()
    }

    #[test]
    fn sorts_searches_filters_and_keeps_the_cursor() {
        let mut t = table();
        assert_eq!(keys(&t), ["amir", "bea", "zoe"]);
        t.sort_by(true, 10);
        assert_eq!(keys(&t), ["zoe", "bea", "amir"]);
        assert_eq!(t.title(By::Age), "Age ^");
        t.sort_by(false, 10);
        assert_eq!(keys(&t), ["amir", "bea", "zoe"]);
        t.search.insert('e');
        t.refilter_search(10);
        assert_eq!(keys(&t), ["bea", "zoe"]);
        t.search.insert('a');
        t.refilter_search(10);
        assert_eq!(keys(&t), ["bea"]);
        t.clear_all(10);
        t.filters = Some(5);
        t.refilter_keep(10);
        assert_eq!(keys(&t), ["amir", "bea"]);
        assert!(t.narrowed());
        assert_eq!(t.bulk_targets().1, Scope::Shown);
    }

    #[test]
    fn columns_that_change_the_meaning_stay() {
        let cols = [
            Column::keep(10),
            Column::drop(10, 1),
            Column::keep(5),
            Column::drop(10, 2),
        ];
        assert_eq!(fit_columns(&cols, 80), [true; 4]);
        assert_eq!(fit_columns(&cols, 30), [true, true, true, false]);
        assert_eq!(fit_columns(&cols, 12), [true, false, true, false]);
        assert_eq!(fit_columns(&cols, 1), [true, false, true, false]);
    }

    #[test]
    fn a_hidden_selection_is_counted_and_answered() {
        let mut t = table();
        t.selected.insert("amir".into());
        t.selected.insert("zoe".into());
        assert_eq!(t.hidden_selection(), (2, 0));
        t.search.insert('b');
        t.refilter_search(10);
        assert_eq!(t.hidden_selection(), (2, 2));
        t.start_search(10);
        assert_eq!(t.needle(), "");
        t.search.insert('z');
        t.refilter_search(10);
        assert_eq!(t.hidden_selection(), (2, 1));
        t.narrow_selection(true, 10);
        assert_eq!(t.selection().len(), 1);
    }

    #[test]
    fn selection_targets_and_select_all_toggle() {
        let mut t = table();
        assert_eq!(t.targets().len(), 1);
        t.toggle_select(10);
        assert_eq!(t.cursor, 1);
        assert_eq!(t.bulk_targets().1, Scope::Selected);
        t.select_all();
        assert_eq!(t.targets().len(), 3);
        t.select_all();
        assert!(t.selected.is_empty());
        t.replace(R("amir".into(), 1));
        t.refresh(10);
        assert_eq!(t.row("AMIR").map(|r| r.1), Some(1));
    }
}
