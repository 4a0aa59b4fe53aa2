//! Widget tests against expected buffers and single cells.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use serde_json::json;

use super::*;
use crate::tui::graph::layout::{map_layout, rail_layout, NodeBox};
use crate::tui::graph::snapshot_tests::{branching_flow, lines, overlay_at, render};

fn two_nodes() -> FlowDefinition {
    FlowDefinition::from_value(json!({
        "startAt": "a",
        "nodes": {"a": {"nodeType": "acp"}, "b": {"nodeType": "compute"}},
        "edges": [{"from": "a", "to": "b"}]
    }))
    .expect("flow")
}

fn state(status: NodeStatus, attempts: u32, is_current: bool) -> NodeOverlay {
    NodeOverlay {
        status,
        attempts,
        is_current,
        rerun: false,
    }
}

fn symbol(buf: &Buffer, x: u16, y: u16) -> &str {
    buf.cell((x, y)).map_or("", |c| c.symbol())
}

fn modifiers(buf: &Buffer, x: u16, y: u16) -> Modifier {
    buf.cell((x, y)).map_or(Modifier::empty(), |c| c.modifier)
}

fn assert_symbols(actual: &Buffer, expected: &Buffer) {
    assert_eq!(actual.area, expected.area);
    assert_eq!(lines(actual), lines(expected));
}

fn box_of<'a>(layout: &'a GraphLayout, flow: &FlowDefinition, id: &str) -> &'a NodeBox {
    let node = flow.node_position(id).expect("node");
    layout.node_box(node).expect("box")
}

#[test]
fn map_of_two_nodes_matches_expected_buffer() {
    let flow = two_nodes();
    let layout = map_layout(&flow);
    let overlay = [
        state(NodeStatus::Done, 1, false),
        state(NodeStatus::Failed, 3, true),
    ];
    let buf = render(&layout, &flow, &overlay, (20, 9), (0, 0));
    let expected = Buffer::with_lines([
        " ╭───────────────╮  ",
        " │ ✓ a           │  ",
        " │ ACP ×1 start  │  ",
        " ╰───────┬───────╯  ",
        "         │          ",
        " ┏━━━━━━━▼━━━━━━━┓  ",
        " ┃ ✗ b           ┃  ",
        " ┃ CMP ×3 end    ┃  ",
        " ┗━━━━━━━━━━━━━━━┛  ",
    ]);
    assert_symbols(&buf, &expected);
}

#[test]
fn rail_of_two_nodes_matches_expected_buffer() {
    let flow = two_nodes();
    let layout = rail_layout(&flow);
    let overlay = [
        state(NodeStatus::Running, 1, true),
        state(NodeStatus::NotVisited, 0, false),
    ];
    let buf = render(&layout, &flow, &overlay, (22, 2), (0, 0));
    let expected = Buffer::with_lines(["╻ ▸ a  ACP ×1 start   ", "╹ · b  CMP — end      "]);
    assert_symbols(&buf, &expected);
    assert!(
        modifiers(&buf, 4, 0).contains(Modifier::REVERSED),
        "current id"
    );
    assert!(
        modifiers(&buf, 4, 1).contains(Modifier::DIM),
        "unvisited id"
    );
}

#[test]
fn current_node_stands_out_without_colour() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let buf = render(
        &layout,
        &flow,
        &overlay_at("review_loop#2"),
        (160, 40),
        (0, 0),
    );
    let current = box_of(&layout, &flow, "review_loop");
    let (right, bottom) = (
        current.x + current.width - 1,
        current.y + current.height - 1,
    );
    assert_eq!(symbol(&buf, current.x, current.y), "┏");
    assert_eq!(symbol(&buf, right, bottom), "┛");
    assert_eq!(symbol(&buf, current.x, current.y + 1), "┃");
    // Title: glyph, space, then the id in reverse video.
    let title: String = (current.x + 4..current.x + 15)
        .map(|x| symbol(&buf, x, current.y + 1))
        .collect();
    assert_eq!(title, "review_loop");
    for x in current.x + 4..current.x + 15 {
        assert!(modifiers(&buf, x, current.y + 1).contains(Modifier::REVERSED));
    }
    let other = box_of(&layout, &flow, "classify");
    assert_eq!(symbol(&buf, other.x, other.y), "╭");
    assert!(!modifiers(&buf, other.x + 4, other.y + 1).contains(Modifier::REVERSED));
}

#[test]
fn failed_node_shows_a_cross() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let mut overlay = overlay_at("review_loop#2");
    let summarize = flow.node_position("summarize").expect("node");
    overlay[summarize] = state(NodeStatus::Failed, 1, false);
    let buf = render(&layout, &flow, &overlay, (160, 40), (0, 0));
    let b = box_of(&layout, &flow, "summarize");
    assert_eq!(symbol(&buf, b.x + 2, b.y + 1), "✗");
    assert!(modifiers(&buf, b.x + 2, b.y + 1).contains(Modifier::BOLD));
    let detail: String = (b.x + 2..b.x + 8)
        .map(|x| symbol(&buf, x, b.y + 2))
        .collect();
    assert_eq!(detail, "ACP ×1");
}

#[test]
fn unvisited_node_is_dim_with_a_dot() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let buf = render(
        &layout,
        &flow,
        &overlay_at("review_loop#2"),
        (160, 40),
        (0, 0),
    );
    let b = box_of(&layout, &flow, "trivial_fix");
    assert_eq!(symbol(&buf, b.x + 2, b.y + 1), "·");
    assert_eq!(symbol(&buf, b.x + 6, b.y + 2), "—");
    for (x, y) in [
        (b.x + 2, b.y + 1),
        (b.x + 4, b.y + 1),
        (b.x, b.y),
        (b.x + 6, b.y + 2),
    ] {
        assert!(modifiers(&buf, x, y).contains(Modifier::DIM), "({x}, {y})");
    }
}

#[test]
fn back_edge_is_dashed_with_an_arrowhead() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let buf = render(
        &layout,
        &flow,
        &overlay_at("review_loop#2"),
        (160, 40),
        (0, 0),
    );
    let route = layout.edges.iter().find(|e| e.back).expect("back edge");
    let (first, last) = (route.points[0], route.points[route.points.len() - 1]);
    assert_eq!(
        symbol(&buf, first.0, first.1),
        "┴",
        "leaves the top of decide_more"
    );
    assert_eq!(
        symbol(&buf, last.0, last.1),
        "▲",
        "enters the bottom of review_loop"
    );
    let dashed = (last.1 + 1..first.1)
        .filter(|&y| symbol(&buf, first.0, y) == "┆")
        .count();
    assert!(dashed > 0, "dashed between the boxes");
    let (lx, ly) = route.label_at.expect("label");
    let label: String = (lx..lx + 3).map(|x| symbol(&buf, x, ly)).collect();
    assert_eq!(label, "yes");
}

#[test]
fn tiny_areas_empty_flows_and_huge_scrolls_never_panic() {
    let flow = branching_flow();
    let overlay = overlay_at("review_loop#2");
    let empty = FlowDefinition::default();
    for layout in [map_layout(&flow), rail_layout(&flow)] {
        for size in [(0, 0), (1, 1), (2, 3), (7, 1), (1, 40)] {
            for scroll in [(0, 0), (3, 2), (u16::MAX, u16::MAX), (layout.width, 0)] {
                render(&layout, &flow, &overlay, size, scroll);
                render(&layout, &flow, &[], size, scroll);
                render(&map_layout(&empty), &empty, &[], size, scroll);
            }
        }
    }
}

#[test]
fn drawing_stays_inside_the_area() {
    let flow = branching_flow();
    let overlay = overlay_at("review_loop#2");
    let styles = GraphStyles::plain();
    for layout in [map_layout(&flow), rail_layout(&flow)] {
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 20));
        let area = Rect::new(5, 3, 30, 10);
        let view = GraphView {
            layout: &layout,
            flow: &flow,
            overlay: &overlay,
            scroll: (4, 6),
            styles: &styles,
        };
        view.render(area, &mut buf);
        for y in 0..20 {
            for x in 0..60 {
                if !area.contains((x, y).into()) {
                    assert_eq!(symbol(&buf, x, y), " ", "({x}, {y}) outside the area");
                }
            }
        }
        assert!(lines(&buf).iter().any(|l| !l.trim().is_empty()));
    }
}

#[test]
fn colours_add_to_glyphs() {
    let flow = two_nodes();
    let layout = map_layout(&flow);
    let overlay = [
        state(NodeStatus::Failed, 1, false),
        state(NodeStatus::Running, 1, true),
    ];
    let area = Rect::new(0, 0, layout.width, layout.height);
    let mut buf = Buffer::empty(area);
    let styles = GraphStyles::colored();
    GraphView {
        layout: &layout,
        flow: &flow,
        overlay: &overlay,
        scroll: (0, 0),
        styles: &styles,
    }
    .render(area, &mut buf);
    let (a, b) = (&layout.nodes[0], &layout.nodes[1]);
    assert_eq!(symbol(&buf, a.x + 2, a.y + 1), "✗");
    assert_eq!(buf.cell((a.x + 2, a.y + 1)).map(|c| c.fg), Some(Color::Red));
    assert_eq!(buf.cell((b.x, b.y)).map(|c| c.fg), Some(Color::Yellow));
    assert_eq!(symbol(&buf, b.x + 2, b.y + 1), "▸");
}

#[test]
fn scroll_follows_the_current_node() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let view = (40, 12);
    let finalize = box_of(&layout, &flow, "finalize");
    let start = box_of(&layout, &flow, "load_input");
    // Already visible: no movement.
    let at = scroll_to_show(&layout, start.node, view, (start.x - 2, 0));
    assert_eq!(at, (start.x - 2, 0));
    // Far away: centred (as far as the layout allows), box fully in view.
    let (sx, sy) = scroll_to_show(&layout, finalize.node, view, (0, 0));
    assert!(sx <= finalize.x && finalize.x + finalize.width <= sx + view.0);
    assert!(sy <= finalize.y && finalize.y + finalize.height <= sy + view.1);
    assert_eq!(sy, layout.height - view.1, "clamped to the bottom");
    // Partly visible: the least movement that shows it, one row of margin.
    let summarize = box_of(&layout, &flow, "summarize");
    let partly = summarize.y + 2 - view.1;
    let (_, y) = scroll_to_show(&layout, summarize.node, view, (0, partly));
    assert_eq!(y, summarize.y + summarize.height + 1 - view.1);
    // Unknown node or a viewport larger than the layout: clamped.
    assert_eq!(
        scroll_to_show(&layout, 99, view, (u16::MAX, u16::MAX)).1,
        layout.height - view.1
    );
    assert_eq!(scroll_to_show(&layout, 0, (500, 500), (9, 9)), (0, 0));
}

#[test]
fn fits_compares_both_dimensions() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    assert!(fits(&layout, (layout.width, layout.height)));
    assert!(!fits(&layout, (layout.width - 1, layout.height)));
    assert!(!fits(&layout, (layout.width, layout.height - 1)));
    assert!(fits(&rail_layout(&flow), (80, 20)));
}
