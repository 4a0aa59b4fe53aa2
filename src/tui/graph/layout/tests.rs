//! Layout invariants, on the real branching-review flow and on synthesized
//! flows with skips, loops, self-loops and unreachable nodes.

use serde_json::json;

use super::test_flows::{flow, synth, wild};
use super::*;
use crate::tui::graph::snapshot_tests::branching_flow;

fn index(flow: &FlowDefinition, id: &str) -> usize {
    flow.node_position(id).expect("node")
}

fn cells_of(points: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = vec![points[0]];
    for pair in points.windows(2) {
        let (mut at, to) = (pair[0], pair[1]);
        while at != to {
            at.0 = if at.0 < to.0 {
                at.0 + 1
            } else if at.0 > to.0 {
                at.0 - 1
            } else {
                at.0
            };
            at.1 = if at.1 < to.1 {
                at.1 + 1
            } else if at.1 > to.1 {
                at.1 - 1
            } else {
                at.1
            };
            out.push(at);
        }
    }
    out
}

fn on_border(b: &NodeBox, (x, y): (u16, u16)) -> bool {
    let (right, bottom) = (b.x + b.width - 1, b.y + b.height - 1);
    b.contains(x, y) && (x == b.x || x == right || y == b.y || y == bottom)
}

/// Everything a map must satisfy, whatever the flow.
fn check_map(flow: &FlowDefinition, layout: &GraphLayout) {
    assert_eq!(layout.nodes.len(), flow.nodes.len(), "one box per node");
    for (i, b) in layout.nodes.iter().enumerate() {
        assert_eq!(b.node, i);
        assert!(u32::from(b.x) + u32::from(b.width) <= u32::from(layout.width));
        assert!(u32::from(b.y) + u32::from(b.height) <= u32::from(layout.height));
        for other in &layout.nodes[i + 1..] {
            let apart = b.x + b.width <= other.x
                || other.x + other.width <= b.x
                || b.y + b.height <= other.y
                || other.y + other.height <= b.y;
            assert!(apart, "boxes overlap: {b:?} {other:?}");
        }
    }
    for route in &layout.edges {
        let (from, to) = (&layout.nodes[route.from], &layout.nodes[route.to]);
        let (first, last) = (route.points[0], route.points[route.points.len() - 1]);
        assert!(route.points.len() >= 2, "{route:?}");
        assert!(
            on_border(from, first),
            "starts on its source border: {route:?}"
        );
        assert!(on_border(to, last), "ends on its target border: {route:?}");
        for pair in route.points.windows(2) {
            assert!(
                pair[0].0 == pair[1].0 || pair[0].1 == pair[1].1,
                "orthogonal: {route:?}"
            );
        }
        let cells = cells_of(&route.points);
        for &cell in &cells[1..cells.len() - 1] {
            assert!(
                layout.nodes.iter().all(|b| !b.contains(cell.0, cell.1)),
                "route runs through a box at {cell:?}: {route:?}"
            );
        }
        for &(x, y) in &cells {
            assert!(x < layout.width && y < layout.height);
        }
        if let Some((x, y)) = route.label_at {
            assert_eq!(layout.node_at(x, y), None, "label over a box");
        }
    }
}

#[test]
fn branching_review_layers_follow_the_flow() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    check_map(&flow, &layout);
    let layer = |id: &str| layout.nodes[index(&flow, id)].layer;
    let last = layout.nodes.iter().map(|b| b.layer).max();
    assert_eq!(layer("load_input"), 0);
    assert_eq!(layer("classify"), 1);
    for id in ["review_loop", "trivial_fix", "wait_for_human"] {
        assert_eq!(layer(id), 2, "{id}");
    }
    assert_eq!(Some(layer("finalize")), last);
    let back: Vec<(&str, &str)> = layout
        .edges
        .iter()
        .filter(|e| e.back)
        .map(|e| (flow.nodes[e.from].id.as_str(), flow.nodes[e.to].id.as_str()))
        .collect();
    assert_eq!(back, [("decide_more", "review_loop")]);
    // The loop leaves the top of decide_more and enters the bottom of review_loop.
    let route = layout.edges.iter().find(|e| e.back).expect("back edge");
    let (src, dst) = (&layout.nodes[route.from], &layout.nodes[route.to]);
    assert_eq!(route.points[0].1, src.y);
    assert_eq!(
        route.points[route.points.len() - 1].1,
        dst.y + dst.height - 1
    );
}

#[test]
fn switch_cases_label_their_edges() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    let classify = index(&flow, "classify");
    let mut labels: Vec<(&str, &str)> = layout
        .edges
        .iter()
        .filter(|e| e.from == classify)
        .map(|e| {
            (
                e.label.as_deref().unwrap_or(""),
                flow.nodes[e.to].id.as_str(),
            )
        })
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        [
            ("human", "wait_for_human"),
            ("review", "review_loop"),
            ("trivial", "trivial_fix")
        ]
    );
    let placed = layout.edges.iter().filter(|e| e.label.is_some());
    assert!(placed.clone().all(|e| e.label_at.is_some()));
    assert_eq!(
        placed.count(),
        5,
        "classify's three cases, decide_more's two"
    );
}

#[test]
fn straight_chains_stay_straight() {
    let flow = branching_flow();
    let layout = map_layout(&flow);
    for (a, b) in [
        ("load_input", "classify"),
        ("review_loop", "decide_more"),
        ("run_checks", "summarize"),
    ] {
        let route = layout
            .edges
            .iter()
            .find(|e| e.from == index(&flow, a) && e.to == index(&flow, b))
            .expect("edge");
        assert_eq!(route.points.len(), 2, "{a} → {b} is one straight drop");
    }
}

#[test]
fn synthesized_flows_keep_every_invariant() {
    for (n, seed) in [(2, 1), (12, 2), (40, 3), (120, 4), (300, 5)] {
        let flow = synth(n, seed);
        check_map(&flow, &map_layout(&flow));
        check_rail(&flow, &rail_layout(&flow));
    }
}

#[test]
fn wild_flows_keep_every_invariant() {
    for seed in 0..40 {
        let flow = wild(3 + seed as usize % 25, seed);
        check_map(&flow, &map_layout(&flow));
        check_rail(&flow, &rail_layout(&flow));
    }
}

#[test]
fn odd_flows_are_laid_out_whole() {
    let flow = flow(json!({
        "startAt": "a",
        "nodes": {"a": {}, "b": {}, "c": {}, "orphan": {}, "lonely": {}, "z": {}},
        "edges": [
            {"from": "a", "switch": {"on": "$.x", "cases": {"p": "b", "q": "c", "r": "b"}}},
            {"from": "b", "to": "b"},
            {"from": "c", "switch": {"on": "$.y", "cases": {"again": "a", "go": "z"}}},
            {"from": "orphan", "to": "z"},
            {"from": "z", "to": "missing"}
        ]
    }));
    let map = map_layout(&flow);
    check_map(&flow, &map);
    check_rail(&flow, &rail_layout(&flow));
    let b = index(&flow, "b");
    let self_loop = map
        .edges
        .iter()
        .find(|e| e.from == b && e.to == b)
        .expect("loop");
    assert!(self_loop.back);
    let merged = map
        .edges
        .iter()
        .find(|e| e.from == 0 && e.to == b)
        .expect("a → b");
    assert!(
        matches!(merged.label.as_deref(), Some("p/r") | Some("p…")),
        "{merged:?}"
    );
    // Terminal nodes share the last layer; the start sits alone on top.
    let last = map.nodes.iter().map(|n| n.layer).max();
    assert_eq!(Some(map.nodes[index(&flow, "lonely")].layer), last);
    assert_eq!(map.nodes[0].layer, 0);
    assert!(map.nodes[1..].iter().all(|n| n.layer > 0));
}

#[test]
fn empty_and_single_node_flows() {
    let empty = FlowDefinition::default();
    for layout in [map_layout(&empty), rail_layout(&empty)] {
        assert_eq!((layout.width, layout.height), (0, 0));
        assert!(layout.nodes.is_empty() && layout.edges.is_empty());
        assert_eq!(layout.node_at(0, 0), None);
    }
    let one = flow(json!({"nodes": {"only": {"nodeType": "acp"}}}));
    let map = map_layout(&one);
    check_map(&one, &map);
    assert_eq!(rail_layout(&one).height, 1);
}

#[test]
fn node_lookup_by_cell_and_index() {
    let flow = branching_flow();
    for layout in [map_layout(&flow), rail_layout(&flow)] {
        for b in &layout.nodes {
            assert_eq!(layout.node_at(b.x, b.y), Some(b.node));
            assert_eq!(
                layout.node_at(b.x + b.width - 1, b.y + b.height - 1),
                Some(b.node)
            );
            assert_eq!(layout.node_box(b.node), Some(b));
        }
        assert_eq!(layout.node_box(99), None);
    }
}

#[test]
fn layout_is_deterministic() {
    let flow = synth(80, 9);
    assert_eq!(map_layout(&flow), map_layout(&flow));
    assert_eq!(rail_layout(&flow), rail_layout(&flow));
}

#[test]
fn ids_and_labels_are_sanitized() {
    let flow = flow(json!({
        "startAt": "a\u{1b}[2J",
        "nodes": {"a\u{1b}[2J": {}, "b": {}},
        "edges": [{"from": "a\u{1b}[2J", "switch": {"on": "$", "cases": {"x\u{202e}y": "b"}}}]
    }));
    for layout in [map_layout(&flow), rail_layout(&flow)] {
        let label = layout.edges[0].label.as_deref().expect("label");
        assert!(
            !label.chars().any(|c| c == '\u{202e}' || c.is_control()),
            "{label:?}"
        );
    }
}

/// The rail: one row per node in reading order, forward edges pointing
/// down, lanes left of the spine.
fn check_rail(flow: &FlowDefinition, layout: &GraphLayout) {
    assert_eq!(layout.kind, LayoutKind::Rail);
    assert_eq!(usize::from(layout.height), flow.nodes.len());
    let mut rows: Vec<u16> = layout.nodes.iter().map(|b| b.y).collect();
    rows.sort_unstable();
    assert_eq!(rows, (0..flow.nodes.len() as u16).collect::<Vec<_>>());
    let spine = layout.nodes.first().map_or(0, |b| b.x);
    for b in &layout.nodes {
        assert_eq!((b.x, b.height), (spine, 1));
    }
    for route in &layout.edges {
        let (from, to) = (&layout.nodes[route.from], &layout.nodes[route.to]);
        assert_eq!(route.points[0], (spine, from.y));
        assert_eq!(route.points[route.points.len() - 1], (spine, to.y));
        if !route.back {
            assert!(to.y > from.y, "forward edges point down: {route:?}");
        }
        assert!(route.points.iter().all(|p| p.0 <= spine));
    }
}

#[test]
fn rail_rows_read_in_flow_order() {
    let flow = branching_flow();
    let layout = rail_layout(&flow);
    check_rail(&flow, &layout);
    let order: Vec<&str> = {
        let mut boxes: Vec<&NodeBox> = layout.nodes.iter().collect();
        boxes.sort_by_key(|b| b.y);
        boxes
            .iter()
            .map(|b| flow.nodes[b.node].id.as_str())
            .collect()
    };
    assert_eq!(
        order,
        [
            "load_input",
            "classify",
            "review_loop",
            "decide_more",
            "run_checks",
            "summarize",
            "trivial_fix",
            "wait_for_human",
            "finalize"
        ]
    );
}

#[test]
fn rail_width_does_not_grow_with_node_count() {
    let flow = synth(1000, 11);
    let layout = rail_layout(&flow);
    check_rail(&flow, &layout);
    assert!(
        layout.width <= 80,
        "rail of 1000 nodes is {} wide",
        layout.width
    );
}
