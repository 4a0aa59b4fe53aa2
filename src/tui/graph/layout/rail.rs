//! The rail: one node per row in reading order, like `git log --graph`.
//!
//! ```text
//! lanes spine  id column         detail        labels: entered via case
//! ╭───┨ ✓ classify        ACP ×1 branch
//! │ ╭▶┃ ✓ review_loop     ACP ×2  ◂review ◂yes
//! │ ╰┄┨ ✓ decide_more     CMP ×1 branch
//! │   ┃ · run_checks      SH —   ◂no
//! ```
//! An edge to the next row is the spine itself; every other edge (skips,
//! loops) gets a lane on the left, shorter edges nearer the spine. The
//! width depends on how many edges overlap, never on the node count.

use std::collections::{BTreeMap, HashMap};

use super::badges::{detail_width, node_flags};
use super::graph::Graph;
use super::{cell, text_width, EdgeRoute, GraphLayout, LayoutKind, NodeBox};
use crate::bundle::flow::FlowDefinition;
use crate::sanitize::sanitize_line;

/// More lanes than this share the outermost one.
const MAX_LANES: usize = 16;
/// Lanes up to this many get a blank column between them.
const SPACIOUS_LANES: usize = 8;
const LABEL_MAX: usize = 12;
/// Ids longer than this are cut so the detail column stays in view.
const ID_MAX: usize = 28;

/// Width of the id column: the widest id, capped, so details line up.
pub fn id_column(flow: &FlowDefinition) -> usize {
    flow.nodes
        .iter()
        .map(|n| text_width(&sanitize_line(&n.id)))
        .max()
        .unwrap_or(0)
        .min(ID_MAX)
}

pub(super) fn layout(flow: &FlowDefinition) -> GraphLayout {
    let n = flow.nodes.len();
    if n == 0 {
        return GraphLayout::empty(LayoutKind::Rail);
    }
    let graph = Graph::new(flow);
    let mut row = vec![0usize; n];
    for (r, &v) in graph.order.iter().enumerate() {
        row[v] = r;
    }
    let lane_of = assign_lanes(&graph, &row);
    let lanes = lane_of.iter().flatten().max().map_or(0, |&k| k + 1);
    let spacing = if lanes <= SPACIOUS_LANES { 2 } else { 1 };
    let spine = if lanes == 0 {
        0
    } else {
        2 + (lanes as i64 - 1) * spacing
    };
    let lane_x = |k: usize| spine - 2 - k as i64 * spacing;

    let flags = node_flags(flow);
    let ids = id_column(flow);
    let mut nodes = Vec::with_capacity(n);
    let mut line_end = vec![0i64; n];
    for (v, node) in flow.nodes.iter().enumerate() {
        // spine, space, glyph, space, id column, two spaces, detail
        let width = 4 + ids + 2 + detail_width(node, flags[v]);
        line_end[v] = spine + width as i64;
        nodes.push(NodeBox {
            node: v,
            x: cell(spine),
            y: cell(row[v] as i64),
            width: cell(width as i64),
            height: 1,
            layer: cell(row[v] as i64),
        });
    }
    let mut edges = Vec::with_capacity(graph.edges.len());
    for (at, edge) in graph.edges.iter().enumerate() {
        let (a, b) = (row[edge.from] as i64, row[edge.to] as i64);
        let points = match lane_of[at] {
            None => vec![(spine, a), (spine, b)],
            // A node looping onto itself: no lane, a `↺` mark after its line.
            Some(_) if a == b => vec![(spine, a), (spine, b)],
            Some(k) => {
                let x = lane_x(k);
                vec![(spine, a), (x, a), (x, b), (spine, b)]
            }
        };
        let mut route = EdgeRoute {
            from: edge.from,
            to: edge.to,
            label: None,
            back: edge.back,
            points: points
                .into_iter()
                .map(|(x, y)| (cell(x), cell(y)))
                .collect(),
            label_at: None,
        };
        // Labels go after the target's line: "entered via this case".
        if edge.label.is_some() || a == b {
            let text = edge.label.as_deref().unwrap_or("");
            let text = super::truncate(&sanitize_line(text), LABEL_MAX);
            let x = line_end[edge.to] + 1;
            route.label_at = Some((cell(x), cell(b)));
            line_end[edge.to] = x + 1 + text_width(&text) as i64;
            route.label = Some(text);
        }
        edges.push(route);
    }
    let width = line_end.iter().copied().max().unwrap_or(0);
    GraphLayout {
        width: cell(width),
        height: cell(n as i64),
        nodes,
        edges,
        kind: LayoutKind::Rail,
    }
}

/// First row, last row and edges of a set of edges sharing one lane.
type LaneGroup = (usize, usize, Vec<usize>);

/// Lane index (0 = next to the spine) of every edge that is not a step to
/// the next row. A switch fanning out shares one lane, as does a join;
/// back edges never share with forward ones.
fn assign_lanes(graph: &Graph, row: &[usize]) -> Vec<Option<usize>> {
    let needs_lane = |at: usize| {
        let e = &graph.edges[at];
        e.from != e.to && (e.back || row[e.to] != row[e.from] + 1)
    };
    let mut leaving: HashMap<(bool, usize), usize> = HashMap::new();
    for (at, e) in graph.edges.iter().enumerate() {
        if needs_lane(at) {
            *leaving.entry((e.back, e.from)).or_default() += 1;
        }
    }
    // Group key: (back, fans out, node the group hangs on).
    let mut groups: HashMap<(bool, bool, usize), LaneGroup> = HashMap::new();
    for (at, e) in graph.edges.iter().enumerate() {
        if !needs_lane(at) {
            continue;
        }
        let fan_out = leaving[&(e.back, e.from)] > 1;
        let key = (e.back, fan_out, if fan_out { e.from } else { e.to });
        let (lo, hi) = (row[e.from].min(row[e.to]), row[e.from].max(row[e.to]));
        let group = groups.entry(key).or_insert((lo, hi, Vec::new()));
        group.0 = group.0.min(lo);
        group.1 = group.1.max(hi);
        group.2.push(at);
    }
    let mut sorted: Vec<LaneGroup> = groups.into_values().collect();
    sorted.sort_by_key(|g| (g.1 - g.0, g.0, g.2.first().copied()));
    // Each lane: disjoint row intervals keyed by their first row.
    let mut lanes: Vec<BTreeMap<usize, usize>> = Vec::new();
    let mut out = vec![None; graph.edges.len()];
    for (lo, hi, members) in sorted {
        let free = |lane: &BTreeMap<usize, usize>| {
            lane.range(..=hi)
                .next_back()
                .is_none_or(|(_, &end)| end < lo)
        };
        let k = match lanes.iter().position(free) {
            Some(k) => k,
            None if lanes.len() < MAX_LANES => {
                lanes.push(BTreeMap::new());
                lanes.len() - 1
            }
            None => MAX_LANES - 1,
        };
        lanes[k].insert(lo, hi);
        for at in members {
            out[at] = Some(k);
        }
    }
    out
}
