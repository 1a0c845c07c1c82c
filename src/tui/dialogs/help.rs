//! Help: every binding of the keymap, by context. Generated, so it cannot drift.

use super::{hints, pad};
use crate::tui::keymap::{Action, Context};
use crate::tui::shell::Shell;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The help text, one line per binding.
pub fn lines(s: &Shell) -> Vec<Line<'static>> {
    let t = &s.theme;
    let mut out = Vec::new();
    for ctx in s.keymap.contexts() {
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

/// How many lines the help has (for scrolling).
pub fn line_count(s: &Shell) -> usize {
    lines(s).len()
}

/// Draws help over the whole body.
pub fn draw(f: &mut Frame, area: Rect, scroll: usize, s: &Shell) {
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
            (&km.keys_for(Context::DIALOG, Action::NextField), "scroll"),
            (&km.keys_for(Context::DIALOG, Action::PageDown), "page"),
            (&km.keys_for(Context::DIALOG, Action::Cancel), "close"),
        ],
        t,
    ));
    f.render_widget(Paragraph::new(shown), inner);
}
