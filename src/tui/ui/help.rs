//! The `?` overlay, generated from the keymap so it always tells the truth.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::text::truncate;
use super::{centered, pane_block};
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::theme::Theme;

/// Draws the help; returns the scroll position it used (clamped to the
/// content) and whether it is taller than the screen (then j/k scroll it).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    mode: Mode,
    theme: &Theme,
    scroll_asked: u16,
    settings_problem: Option<&str>,
) -> (u16, bool) {
    let bindings = keymap.bindings(mode);
    let mut footer = vec![
        Line::raw(""),
        Line::styled("mouse: click a node or a row, scroll a pane", theme.dim),
    ];
    if let Some(problem) = settings_problem {
        footer.push(Line::styled(
            crate::sanitize::sanitize_line(problem).into_owned(),
            theme.error,
        ));
    } else if let Some(path) = crate::tui::keymap::user_keys_path() {
        footer.push(Line::styled(format!("keys: {}", path.display()), theme.dim));
    }
    footer.push(Line::styled("any key closes this help", theme.dim));
    let width = area.width.min(76);
    // One column with full descriptions when it fits; two short ones when
    // the screen is wide enough for them; else one short column that
    // scrolls.
    let one_column = bindings.len() + footer.len() + 2 <= area.height as usize;
    let two_columns = !one_column && width >= 70;
    let mut lines = Vec::new();
    if one_column || !two_columns {
        let key_width = if width >= 60 { 16 } else { 10 };
        for (action, keys) in bindings {
            let text = if width >= 60 {
                action.description_in(mode)
            } else {
                action.short_in(mode)
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:>key_width$}  ", truncate(&keys_text(keys), key_width)),
                    theme.key,
                ),
                Span::raw(text),
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
    let room = area.height.saturating_sub(2) as usize;
    let mut scroll = 0;
    let scrollable = lines.len() > room;
    if scrollable {
        // One line says where the window is; the rest scroll under it.
        let window = room.saturating_sub(1).max(1);
        let total = lines.len();
        scroll = usize::from(scroll_asked).min(total - window);
        let end = scroll + window;
        let mut visible: Vec<Line> = lines[scroll..end].to_vec();
        visible.push(Line::styled(
            format!("j/k scroll · {}–{end} of {total}", scroll + 1),
            theme.key,
        ));
        lines = visible;
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let title = Line::styled(" Keys ", theme.title);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, true, theme)),
        rect,
    );
    (u16::try_from(scroll).unwrap_or(0), scrollable)
}

fn keys_text(keys: &[crate::tui::keymap::KeyChord]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
