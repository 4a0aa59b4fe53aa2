//! The graph pane widget: blits a precomputed `GraphLayout` with the run
//! overlaid (state glyphs, attempt counts, the current node) through a
//! scrolled viewport. Everything is clipped to the area; nothing here
//! lays out, so a frame costs only the visible cells.

mod canvas;
mod map;
mod rail;
mod styles;

#[cfg(test)]
mod tests;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::layout::{GraphLayout, LayoutKind};
use crate::bundle::flow::FlowDefinition;
use crate::model::frame::NodeStatus;
pub use styles::GraphStyles;

/// The run's state of one node at the frame under the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeOverlay {
    pub status: NodeStatus,
    pub attempts: u32,
    pub is_current: bool,
    /// Would run again if the run were forked at the cursor (fork preview).
    pub rerun: bool,
}

impl Default for NodeOverlay {
    fn default() -> Self {
        NodeOverlay {
            status: NodeStatus::NotVisited,
            attempts: 0,
            is_current: false,
            rerun: false,
        }
    }
}

pub struct GraphView<'a> {
    pub layout: &'a GraphLayout,
    pub flow: &'a FlowDefinition,
    /// Indexed like `flow.nodes`; missing entries draw as not visited.
    pub overlay: &'a [NodeOverlay],
    /// Layout cell shown at the area's top-left.
    pub scroll: (u16, u16),
    pub styles: &'a GraphStyles,
}

impl Widget for GraphView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let mut view = canvas::Viewport {
            buf,
            area,
            scroll: self.scroll,
        };
        match self.layout.kind {
            LayoutKind::Map => {
                map::draw(&mut view, self.layout, self.flow, self.overlay, self.styles)
            }
            LayoutKind::Rail => {
                rail::draw(&mut view, self.layout, self.flow, self.overlay, self.styles)
            }
        }
    }
}

/// `×N`, or `—` for a node the run has not reached.
fn attempts_text(state: &NodeOverlay, styles: &GraphStyles) -> (String, Style) {
    if state.attempts == 0 {
        ("—".to_string(), styles.not_visited)
    } else {
        (format!("×{}", state.attempts), styles.status(state.status))
    }
}

/// Follow-the-cursor scrolling: keeps `current` when the node's box is
/// already in view, moves the least to bring a partly visible box in, and
/// centres a box that is entirely out of view (a jump). Clamped so the
/// viewport never runs past the layout.
pub fn scroll_to_show(
    layout: &GraphLayout,
    node: usize,
    viewport: (u16, u16),
    current: (u16, u16),
) -> (u16, u16) {
    let Some(b) = layout.node_box(node) else {
        return clamp_scroll(layout, viewport, current);
    };
    let x = follow(b.x, b.width, viewport.0, current.0, 1);
    let y = follow(b.y, b.height, viewport.1, current.1, 1);
    clamp_scroll(layout, viewport, (x, y))
}

/// One axis of `scroll_to_show`, with `margin` cells kept around the box
/// when the viewport has room for them.
fn follow(start: u16, size: u16, view: u16, scroll: u16, margin: u16) -> u16 {
    let (start, size, view, scroll) = (
        i64::from(start),
        i64::from(size),
        i64::from(view),
        i64::from(scroll),
    );
    let margin = if size + 2 * i64::from(margin) <= view {
        i64::from(margin)
    } else {
        0
    };
    let end = start + size;
    let inside = start - margin >= scroll && end + margin <= scroll + view;
    let out = if view == 0 || inside {
        scroll
    } else if end <= scroll || start >= scroll + view {
        // Far away: centre it (or show its start when it is wider).
        if size >= view {
            start
        } else {
            start + size / 2 - view / 2
        }
    } else if size + 2 * margin > view || start - margin < scroll {
        start - margin
    } else {
        end + margin - view
    };
    out.clamp(0, i64::from(u16::MAX)) as u16
}

fn clamp_scroll(layout: &GraphLayout, viewport: (u16, u16), scroll: (u16, u16)) -> (u16, u16) {
    (
        scroll.0.min(layout.width.saturating_sub(viewport.0)),
        scroll.1.min(layout.height.saturating_sub(viewport.1)),
    )
}

/// Whether the whole layout fits in an area of (width, height) cells.
pub fn fits(layout: &GraphLayout, area: (u16, u16)) -> bool {
    layout.width <= area.0 && layout.height <= area.1
}
