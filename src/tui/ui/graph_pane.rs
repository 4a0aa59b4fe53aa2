//! The graph pane (placeholder until the layout engine lands).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane_block;
use super::text::clean;
use crate::tui::app::HitAreas;
use crate::tui::run_view::{Pane, RunView};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, view: &mut RunView, theme: &Theme, hits: &mut HitAreas) {
    let block = pane_block(
        Line::styled(" Graph ", theme.title),
        view.focus == Pane::Graph,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let frames = view.run.node_frames_at(view.cursor);
    let current = view
        .current_attempt()
        .and_then(|i| view.run.attempts[i].flow_node);
    let mut lines = Vec::new();
    for (i, (node, frame_state)) in view.run.bundle.flow.nodes.iter().zip(&frames).enumerate() {
        let style = if Some(i) == current {
            theme.selection
        } else {
            theme.status(frame_state.status)
        };
        lines.push(Line::from(vec![Span::styled(
            format!(
                "{} {} ×{}",
                frame_state.status.glyph(),
                clean(&node.id),
                frame_state.attempts
            ),
            style,
        )]));
        if (i as u16) < inner.height {
            hits.graph_nodes
                .push((Rect::new(inner.x, inner.y + i as u16, inner.width, 1), i));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
