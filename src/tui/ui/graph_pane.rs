//! The graph pane: the whole flow definition with the run overlaid at the
//! cursor. The map (layered) view when it fits or is asked for, else the
//! rail view; the viewport follows the current node unless panned.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::pane_block;
use crate::tui::app::HitAreas;
use crate::tui::graph::{fits, scroll_to_show, GraphLayout, GraphView, LayoutKind, NodeOverlay};
use crate::tui::run_view::{GraphMode, Pane, RunView};
use crate::tui::theme::Theme;

/// The layout that shows the whole flow in `size` (the map first), else
/// the one that hides the least of it.
fn fitting<'l>(map: &'l GraphLayout, rail: &'l GraphLayout, size: (u16, u16)) -> &'l GraphLayout {
    if fits(map, size) {
        return map;
    }
    if fits(rail, size) {
        return rail;
    }
    let hidden = |l: &GraphLayout| {
        let shown = u32::from(l.width.min(size.0)) * u32::from(l.height.min(size.1));
        u32::from(l.width) * u32::from(l.height) - shown
    };
    if hidden(map) <= hidden(rail) {
        map
    } else {
        rail
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &mut RunView, theme: &Theme, hits: &mut HitAreas) {
    let focused = view.focus == Pane::Graph;
    let block_inner = pane_block(Line::raw(""), focused, theme).inner(area);
    let size = (block_inner.width, block_inner.height);
    let layout: &GraphLayout = match view.graph_mode {
        GraphMode::Map => &view.graph.map,
        GraphMode::Rail => &view.graph.rail,
        // The map scrolls vertically with the cursor; only a map too wide
        // for the pane falls back to the rail.
        GraphMode::Auto if fits(&view.graph.map, (size.0, u16::MAX)) => &view.graph.map,
        GraphMode::Auto => &view.graph.rail,
        GraphMode::Fit => fitting(&view.graph.map, &view.graph.rail, size),
    };
    view.graph_shown = match layout.kind {
        LayoutKind::Map => GraphMode::Map,
        LayoutKind::Rail => GraphMode::Rail,
    };
    let kind = match layout.kind {
        LayoutKind::Map => "map",
        LayoutKind::Rail => "rail",
    };
    let mut title = vec![
        Span::styled(" Graph ", theme.title),
        Span::styled(format!("· {kind} "), theme.dim),
    ];
    if view.graph_mode == GraphMode::Fit {
        title.push(Span::styled("· fit ", theme.dim));
    }
    if view.graph_follow {
        title.push(Span::styled("· follow ", theme.dim));
    }
    let block = pane_block(Line::from(title), focused, theme);
    frame.render_widget(block, area);

    let run = &view.run;
    let frames = run.node_frames_at(view.cursor);
    let current = view
        .current_attempt()
        .and_then(|i| run.attempts[i].flow_node());
    let overlay: Vec<NodeOverlay> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| NodeOverlay {
            status: f.status,
            attempts: f.attempts,
            is_current: Some(i) == current,
            rerun: view.rerun_nodes.contains(&i),
        })
        .collect();
    let mut scroll = view.graph_scroll;
    if view.graph_follow {
        if let Some(node) = current {
            scroll = scroll_to_show(layout, node, size, scroll);
        }
    }
    scroll = (
        scroll.0.min(layout.width.saturating_sub(size.0)),
        scroll.1.min(layout.height.saturating_sub(size.1)),
    );
    frame.render_widget(
        GraphView {
            layout,
            flow: &run.bundle.flow,
            overlay: &overlay,
            scroll,
            styles: &theme.graph,
        },
        block_inner,
    );
    for node in &layout.nodes {
        let x = i32::from(node.x) - i32::from(scroll.0) + i32::from(block_inner.x);
        let y = i32::from(node.y) - i32::from(scroll.1) + i32::from(block_inner.y);
        let (Ok(x), Ok(y)) = (u16::try_from(x.max(0)), u16::try_from(y.max(0))) else {
            continue;
        };
        let rect = Rect::new(x, y, node.width, node.height).intersection(block_inner);
        if !rect.is_empty() {
            hits.graph_nodes.push((rect, node.node));
        }
    }
    view.graph_scroll = scroll;
}
