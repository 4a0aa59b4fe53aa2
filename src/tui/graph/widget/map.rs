//! Drawing the map: edges first, then labels, then node cards over them,
//! then the ports (exits and arrowheads) on the card borders.
//!
//! ```text
//! ┏━━━━━━━━━━━━━━━━┓   current node: thick border, reversed title
//! ┃ ✓ review_loop  ┃
//! ┃ ACP ×2         ┃
//! ┗━━━━━━━┳━━━━▲━━━┛   ┳ exit, ▲ a loop coming back
//! ```

use ratatui::style::Style;

use super::canvas::{line_glyph, Canvas, Viewport};
use super::{attempts_text, NodeOverlay};
use crate::bundle::flow::FlowDefinition;
use crate::model::frame::NodeStatus;
use crate::sanitize::sanitize_line;
use crate::tui::graph::layout::badges::{node_flags, type_badge, NodeFlags};
use crate::tui::graph::layout::{text_width, truncate, EdgeRoute, GraphLayout, NodeBox};
use crate::tui::graph::widget::GraphStyles;

/// Corner, corner, corner, corner, horizontal, vertical, exit down, exit up.
const ROUND: [&str; 8] = ["╭", "╮", "╰", "╯", "─", "│", "┬", "┴"];
const THICK: [&str; 8] = ["┏", "┓", "┗", "┛", "━", "┃", "┳", "┻"];
/// Nodes a fork would run again (preview): double lines, visible without colour.
const DOUBLE: [&str; 8] = ["╔", "╗", "╚", "╝", "═", "║", "╦", "╩"];

pub(super) fn draw(
    view: &mut Viewport<'_>,
    layout: &GraphLayout,
    flow: &FlowDefinition,
    overlay: &[NodeOverlay],
    styles: &GraphStyles,
) {
    let mut canvas = Canvas::new(view.scroll, view.area.width, view.area.height);
    for route in &layout.edges {
        canvas.polyline(&route.points, route.back);
    }
    for (x, y, lines) in canvas.cells() {
        let style = if lines.is_solid() {
            styles.edge
        } else {
            styles.back_edge
        };
        view.put(x, y, line_glyph(lines, false), style);
    }
    for route in &layout.edges {
        if let (Some(text), Some((x, y))) = (&route.label, route.label_at) {
            let max = u16::try_from(text_width(text)).unwrap_or(u16::MAX);
            view.text(x, y, text, max, styles.label);
        }
    }
    let flags = node_flags(flow);
    let visible = |b: &NodeBox| {
        let (sx, sy) = view.scroll;
        let right = u32::from(b.x) + u32::from(b.width);
        let bottom = u32::from(b.y) + u32::from(b.height);
        right > u32::from(sx)
            && bottom > u32::from(sy)
            && u32::from(b.x) < u32::from(sx) + u32::from(view.area.width)
            && u32::from(b.y) < u32::from(sy) + u32::from(view.area.height)
    };
    let shown: Vec<&NodeBox> = layout.nodes.iter().filter(|b| visible(b)).collect();
    for b in shown {
        let Some(node) = flow.nodes.get(b.node) else {
            continue;
        };
        let state = overlay.get(b.node).copied().unwrap_or_default();
        let card = Card {
            b,
            state: &state,
            flags: flags.get(b.node).copied().unwrap_or_default(),
            styles,
        };
        card.draw(view, &sanitize_line(&node.id), &type_badge(node));
    }
    for route in &layout.edges {
        draw_ports(view, route, layout, overlay, styles);
    }
}

struct Card<'a> {
    b: &'a NodeBox,
    state: &'a NodeOverlay,
    flags: NodeFlags,
    styles: &'a GraphStyles,
}

impl Card<'_> {
    fn draw(&self, view: &mut Viewport<'_>, id: &str, badge: &str) {
        let NodeBox {
            x,
            y,
            width,
            height,
            ..
        } = *self.b;
        if width < 2 || height < 2 {
            return;
        }
        let status = self.state.status;
        let (set, border) = if self.state.is_current {
            (THICK, self.styles.current)
        } else if self.state.rerun {
            (DOUBLE, self.styles.badge)
        } else {
            (ROUND, self.styles.card_border(status))
        };
        let (right, bottom) = (x.saturating_add(width - 1), y.saturating_add(height - 1));
        for cx in x..=right {
            let edge = cx > x && cx < right;
            view.put(
                cx,
                y,
                if edge {
                    set[4]
                } else if cx == x {
                    set[0]
                } else {
                    set[1]
                },
                border,
            );
            view.put(
                cx,
                bottom,
                if edge {
                    set[4]
                } else if cx == x {
                    set[2]
                } else {
                    set[3]
                },
                border,
            );
        }
        for cy in y + 1..bottom {
            view.put(x, cy, set[5], border);
            view.put(right, cy, set[5], border);
            for cx in x + 1..right {
                view.put(cx, cy, " ", Style::new());
            }
        }
        let room = width.saturating_sub(4);
        let status_style = self.styles.status(status);
        let title = if self.state.is_current {
            self.styles.current_title(status)
        } else {
            status_style
        };
        let (tx, ty) = (x.saturating_add(2), y.saturating_add(1));
        let used = view.text(tx, ty, status.glyph(), room, status_style);
        if room > used + 1 {
            let room = room - used - 1;
            let id = truncate(id, usize::from(room));
            view.text(tx.saturating_add(used + 1), ty, &id, room, title);
        }
        if height > 3 {
            self.detail(view, badge, tx, y.saturating_add(2), room);
        }
    }

    /// `TYPE ×N start end branch`, dropping words that do not fit whole.
    fn detail(&self, view: &mut Viewport<'_>, badge: &str, x: u16, y: u16, room: u16) {
        let status = self.state.status;
        let (count, count_style) = attempts_text(self.state, self.styles);
        let mut at = 0u16;
        let mut word = |view: &mut Viewport<'_>, text: &str, style: Style| {
            let w = text_width(text) as u16;
            let gap = u16::from(at > 0);
            if at + gap + w > room {
                return;
            }
            view.text(x.saturating_add(at + gap), y, text, w, style);
            at += gap + w;
        };
        let badge_style = if status == NodeStatus::NotVisited {
            self.styles.badge.patch(self.styles.not_visited)
        } else {
            self.styles.badge
        };
        word(view, badge, badge_style);
        word(view, &count, count_style);
        for flag in self.flags.words() {
            word(view, flag, badge_style);
        }
    }
}

/// The exit on the source border (┬ down, ┴ up) and the arrowhead on the
/// target border.
fn draw_ports(
    view: &mut Viewport<'_>,
    route: &EdgeRoute,
    layout: &GraphLayout,
    overlay: &[NodeOverlay],
    styles: &GraphStyles,
) {
    let points = &route.points;
    let (Some(&first), Some(&second)) = (points.first(), points.get(1)) else {
        return;
    };
    let current = |node: usize| overlay.get(node).is_some_and(|o| o.is_current);
    let (set, border) = match overlay.get(route.from) {
        Some(o) if o.is_current => (THICK, styles.current),
        Some(o) if o.rerun => (DOUBLE, styles.badge),
        Some(o) => (ROUND, styles.card_border(o.status)),
        None => (ROUND, styles.border),
    };
    let on_border = layout.node_box(route.from).is_some_and(|b| {
        first.1 == b.y || u32::from(first.1) + 1 == u32::from(b.y) + u32::from(b.height)
    });
    if on_border {
        let exit = if second.1 > first.1 { set[6] } else { set[7] };
        view.put(first.0, first.1, exit, border);
    }
    let (Some(&last), Some(&before)) = (points.last(), points.get(points.len().wrapping_sub(2)))
    else {
        return;
    };
    let arrow = if before.1 < last.1 {
        "▼"
    } else if before.1 > last.1 {
        "▲"
    } else if before.0 < last.0 {
        "▶"
    } else {
        "◀"
    };
    let mut style = if route.back {
        styles.back_edge
    } else {
        styles.edge
    };
    if current(route.to) {
        style = style.patch(styles.current);
    }
    view.put(last.0, last.1, arrow, style);
}
