//! Help: every binding of the keymap, by context. Generated, so it cannot drift.

use super::{hints, pad};
use crate::tui::ground::Ground;
use crate::tui::keymap::{Action, Context};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The help text, one line per binding.
pub fn lines(g: &Ground) -> Vec<Line<'static>> {
    let t = g.theme;
    let mut out = Vec::new();
    for ctx in g.keymap.contexts() {
        out.push(Line::styled(
            ctx.title().to_string(),
            t.table_header().add_modifier(Modifier::UNDERLINED),
        ));
        for (keys, name, desc) in g.keymap.help_rows(ctx) {
            out.push(Line::from(vec![
                Span::styled(format!("{keys:<14}"), t.key()),
                Span::styled(format!("{name:<13}"), t.dim()),
                Span::raw(desc),
            ]));
        }
        out.push(Line::raw(""));
    }
    out
}

/// The first help line at or after `from` that holds `query` (any case).
pub fn find(g: &Ground, from: usize, query: &str) -> Option<usize> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    lines(g)
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, l)| l.to_string().to_lowercase().contains(&q))
        .map(|(i, _)| i)
}

/// The line where the help about `place` starts (the help opens there).
pub fn section(g: &Ground, place: Context) -> usize {
    let mut at = 0;
    for ctx in g.keymap.contexts() {
        if ctx == place {
            return at;
        }
        at += g.keymap.help_rows(ctx).len() + 2;
    }
    0
}

/// How many lines the help has (for scrolling).
pub fn line_count(g: &Ground) -> usize {
    lines(g).len()
}

/// Draws help over the whole body; `search` is the help's search and whether it is being
/// typed.
pub fn draw(f: &mut Frame, area: Rect, scroll: usize, g: &Ground, search: (&str, bool)) {
    let t = g.theme;
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(
            " Help: keys ",
            t.border().add_modifier(Modifier::BOLD),
        ));
    let inner = pad(block.inner(area));
    f.render_widget(block, area);
    let all = lines(g);
    let room = usize::from(inner.height.saturating_sub(1));
    let scroll = scroll.min(all.len().saturating_sub(room));
    let mut shown: Vec<Line> = all.into_iter().skip(scroll).take(room).collect();
    while shown.len() < room {
        shown.push(Line::raw(""));
    }
    let km = g.keymap;
    let (query, typing) = search;
    if typing {
        shown.push(Line::styled(
            format!("Search the help: {query}_"),
            t.focus(),
        ));
    } else {
        let pg = format!(
            "{} {}",
            km.keys_for(Context::DIALOG, Action::PageUp),
            km.keys_for(Context::DIALOG, Action::PageDown)
        );
        let ends = format!(
            "{} {}",
            km.keys_for(Context::DIALOG, Action::Top),
            km.keys_for(Context::DIALOG, Action::Bottom)
        );
        let next = format!("next \"{query}\"");
        let mut items: Vec<(&str, &str)> =
            vec![(&pg, "page"), (&ends, "first/last"), ("/", "search")];
        let n_key = km.keys_for(Context::DIALOG, Action::No);
        if !query.is_empty() {
            items.push((&n_key, &next));
        }
        let close = km.keys_for(Context::DIALOG, Action::Cancel);
        items.push((&close, "close"));
        shown.push(hints(&items, t));
    }
    f.render_widget(Paragraph::new(shown), inner);
}
