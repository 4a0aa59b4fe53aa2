//! The `?` overlay, generated from the keymap so it always tells the truth.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, pane_block};
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, mode: Mode, theme: &Theme) {
    let mut lines = Vec::new();
    for (action, keys) in keymap.bindings(mode) {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:>16}  ", keys.join(" ")), theme.key),
            Span::raw(action.description()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "mouse: click a node or a row, scroll a pane",
        theme.dim,
    ));
    if let Some(path) = crate::tui::keymap::user_keys_path() {
        lines.push(Line::styled(format!("keys: {}", path.display()), theme.dim));
    }
    lines.push(Line::styled("any key closes this help", theme.dim));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, 72, height);
    frame.render_widget(Clear, rect);
    let title = Line::styled(" Keys ", theme.title);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, true, theme)),
        rect,
    );
}
