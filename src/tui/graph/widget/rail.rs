//! Drawing the rail: lanes and the spine from the line canvas, then one
//! text line per node.
//!
//! ```text
//!     ╻ ✓ load_input    ╻┃╹ the spine: a node steps to the next row
//! ╭───┨ ✓ classify      ┨  a lane leaves (or joins) at this row
//! │ ╭▶┃ ✓ review_loop   ▶  a lane arrives; dashed lanes loop back up
//! │ ╰┄┨ ✓ decide_more
//! ```

use std::collections::{HashMap, HashSet};

use super::canvas::{line_glyph, Canvas, Viewport, DOWN, LEFT, UP};
use super::{attempts_text, NodeOverlay};
use crate::bundle::flow::FlowDefinition;
use crate::model::frame::NodeStatus;
use crate::sanitize::sanitize_line;
use crate::tui::graph::layout::badges::{node_flags, type_badge};
use crate::tui::graph::layout::{rail_id_column, text_width, truncate, GraphLayout};
use crate::tui::graph::widget::GraphStyles;

pub(super) fn draw(
    view: &mut Viewport<'_>,
    layout: &GraphLayout,
    flow: &FlowDefinition,
    overlay: &[NodeOverlay],
    styles: &GraphStyles,
) {
    let Some(spine) = layout.nodes.first().map(|b| b.x) else {
        return;
    };
    let mut canvas = Canvas::new(view.scroll, view.area.width, view.area.height);
    // Rows where a lane arrives, and whether a solid (forward) one does.
    let mut arrivals: HashMap<u16, bool> = HashMap::new();
    let mut departures: HashSet<u16> = HashSet::new();
    for route in &layout.edges {
        if route.from == route.to {
            continue;
        }
        canvas.polyline(&route.points, route.back);
        if let (Some(first), Some(last)) = (route.points.first(), route.points.last()) {
            if route.points.len() > 2 {
                departures.insert(first.1);
                *arrivals.entry(last.1).or_default() |= !route.back;
            }
        }
    }
    for (x, y, lines) in canvas.cells() {
        let style = if lines.is_solid() {
            styles.edge
        } else {
            styles.back_edge
        };
        if x != spine {
            view.put(x, y, line_glyph(lines, true), style);
            continue;
        }
        let vertical = lines.bits() & (UP | DOWN);
        let arrival = arrivals
            .get(&y)
            .map(|&solid| if solid { styles.edge } else { styles.back_edge });
        let glyph = match (vertical, arrival) {
            (0, Some(_)) => "▶",
            (0, None) => "─",
            _ => spine_glyph(
                vertical,
                departures.contains(&y) && lines.bits() & LEFT != 0,
            ),
        };
        let spine_style = if vertical != 0 { styles.edge } else { style };
        view.put(
            x,
            y,
            glyph,
            arrival.filter(|_| vertical == 0).unwrap_or(spine_style),
        );
        if let (Some(arrow), true) = (arrival, vertical != 0) {
            if let Some(left) = x.checked_sub(1) {
                view.put(left, y, "▶", arrow);
            }
        }
    }
    let flags = node_flags(flow);
    let ids = u16::try_from(rail_id_column(flow)).unwrap_or(u16::MAX);
    let (top, rows) = (view.scroll.1, view.area.height);
    for b in &layout.nodes {
        if b.y < top || u32::from(b.y) >= u32::from(top) + u32::from(rows) {
            continue;
        }
        let Some(node) = flow.nodes.get(b.node) else {
            continue;
        };
        let state = overlay.get(b.node).copied().unwrap_or_default();
        let status = state.status;
        let status_style = styles.status(status);
        let title = if state.is_current {
            styles.current_title(status)
        } else {
            status_style
        };
        let glyph_style = if state.is_current {
            status_style.patch(styles.current)
        } else {
            status_style
        };
        let x = b.x.saturating_add(2);
        let glyph = if state.rerun && !state.is_current {
            "↻"
        } else {
            status.glyph()
        };
        view.text(x, b.y, glyph, 1, glyph_style);
        let id = sanitize_line(&node.id);
        let id = truncate(&id, usize::from(ids));
        let mut at = x.saturating_add(2);
        view.text(at, b.y, &id, ids, title);
        at = at.saturating_add(ids + 2);
        let badge_style = if status == NodeStatus::NotVisited {
            styles.badge.patch(styles.not_visited)
        } else {
            styles.badge
        };
        let (count, count_style) = attempts_text(&state, styles);
        let words = [(type_badge(node), badge_style), (count, count_style)]
            .into_iter()
            .chain(flags[b.node].words().map(|w| (w.to_string(), badge_style)));
        for (word, style) in words {
            let w = text_width(&word) as u16;
            view.text(at, b.y, &word, w, style);
            at = at.saturating_add(w + 1);
        }
    }
    for route in &layout.edges {
        if let (Some(text), Some((x, y))) = (&route.label, route.label_at) {
            let style = if route.back {
                styles.back_edge
            } else {
                styles.label
            };
            let mark = if route.from == route.to { "↺" } else { "◂" };
            let used = view.text(x, y, mark, 1, style);
            view.text(
                x.saturating_add(used),
                y,
                text,
                text_width(text) as u16,
                styles.label,
            );
        }
    }
}

/// The spine: heavy where a node steps to the next row, joined on the left
/// when a lane leaves or arrives at this row.
fn spine_glyph(vertical: u8, joined: bool) -> &'static str {
    match (vertical, joined) {
        (v, false) if v == UP | DOWN => "┃",
        (v, false) if v == UP => "╹",
        (_, false) => "╻",
        (v, true) if v == UP | DOWN => "┨",
        (v, true) if v == UP => "┚",
        (_, true) => "┒",
    }
}
