//! Help: every binding of the keymap, by context. Generated, so it cannot drift.

use super::{hints, pad};
use crate::tui::app::State;
use crate::tui::keymap::{Action, Context};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The help text, one line per binding.
pub fn lines(s: &State) -> Vec<Line<'static>> {
    let t = &s.theme;
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(Line::styled(
            ctx.title().to_string(),
            t.table_header().add_modifier(Modifier::UNDERLINED),
        ));
        for (keys, name, desc) in s.keymap.help_rows(ctx) {
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

/// Draws help over the whole body.
pub fn draw(f: &mut Frame, area: Rect, scroll: usize, s: &State) {
    let t = &s.theme;
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(
            " Help: keys ",
            t.border().add_modifier(Modifier::BOLD),
        ));
    let inner = pad(block.inner(area));
    f.render_widget(block, area);
    let all = lines(s);
    let room = usize::from(inner.height.saturating_sub(1));
    let scroll = scroll.min(all.len().saturating_sub(room));
    let mut shown: Vec<Line> = all.into_iter().skip(scroll).take(room).collect();
    while shown.len() < room {
        shown.push(Line::raw(""));
    }
    let km = &s.keymap;
    shown.push(hints(
        &[
            (&km.keys_for(Context::Dialog, Action::NextField), "scroll"),
            (&km.keys_for(Context::Dialog, Action::PageDown), "page"),
            (&km.keys_for(Context::Dialog, Action::Cancel), "close"),
        ],
        t,
    ));
    f.render_widget(Paragraph::new(shown), inner);
}
