//! The `?` overlay, generated from the keymap so it always tells the truth.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::text::truncate;
use super::{centered, pane_block};
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, mode: Mode, theme: &Theme) {
    let bindings = keymap.bindings(mode);
    let mut footer = vec![
        Line::raw(""),
        Line::styled("mouse: click a node or a row, scroll a pane", theme.dim),
    ];
    if let Some(path) = crate::tui::keymap::user_keys_path() {
        footer.push(Line::styled(format!("keys: {}", path.display()), theme.dim));
    }
    footer.push(Line::styled("any key closes this help", theme.dim));
    // One column with full descriptions when it fits, else two short ones.
    let one_column = bindings.len() + footer.len() + 2 <= area.height as usize;
    let mut lines = Vec::new();
    if one_column {
        for (action, keys) in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("{:>16}  ", keys_text(keys)), theme.key),
                Span::raw(action.description_in(mode)),
            ]));
        }
    } else {
        let half = bindings.len().div_ceil(2);
        for row in 0..half {
            let mut spans = Vec::new();
            for (action, keys) in [bindings.get(row), bindings.get(row + half)]
                .into_iter()
                .flatten()
            {
                spans.push(Span::styled(
                    format!("{:>14} ", truncate(&keys_text(keys), 14)),
                    theme.key,
                ));
                spans.push(Span::raw(format!("{:<20}", action.short_in(mode))));
            }
            lines.push(Line::from(spans));
        }
        footer.retain(|line| line.width() > 0 && !line.to_string().starts_with("keys:"));
    }
    lines.extend(footer);
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, 76, height);
    frame.render_widget(Clear, rect);
    let title = Line::styled(" Keys ", theme.title);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, true, theme)),
        rect,
    );
}

fn keys_text(keys: &[crate::tui::keymap::KeyChord]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
