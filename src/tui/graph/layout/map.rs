//! The map: ranks → ordered layers → columns → routed gaps → cells.
//!
//! ```text
//!                   ╭────────▼────────╮
//!                   │ ✓ classify      │
//!                   ╰────────┬────────╯
//!         ┌──────────────────┼──────────────────┐
//!         │review            │trivial           │human
//!  ╭──────▼──────╮    ╭──────▼──────╮    ╭──────▼──────╮
//! ```
//! Layer r's cards (BOX_HEIGHT rows), then the gap to layer r+1: a row per
//! track of horizontal lines, then a tail row where switch labels sit.
//! Back edges leave the top of their source and enter the bottom of their
//! target; when they skip layers they climb a lane right of those layers.

use super::badges::{detail_width, node_flags};
use super::graph::Graph;
use super::order::Layers;
use super::tracks::{self, Piece, Side};
use super::{cell, place, text_width, truncate, EdgeRoute, GraphLayout, LayoutKind, NodeBox};
use crate::bundle::flow::FlowDefinition;
use crate::sanitize::sanitize_line;

pub(super) const BOX_HEIGHT: i64 = 4;
const MIN_BOX: usize = 14;
const MAX_BOX: usize = 28;
const MARGIN: i64 = 1;
/// Columns between the right edge of a layer and a back-edge lane.
const LANE_GAP: i64 = 3;
const LABEL_MAX: usize = 14;
const ORDER_PASSES: usize = 4;
/// Odd, so the last sweep runs top-down and the start of the flow anchors it.
const PLACE_SWEEPS: usize = 5;

pub(super) fn layout(flow: &FlowDefinition) -> GraphLayout {
    let n = flow.nodes.len();
    if n == 0 {
        return GraphLayout::empty(LayoutKind::Map);
    }
    let graph = Graph::new(flow);
    let rank = graph.ranks();
    let mut layers = Layers::new(&graph, &rank);
    layers.reduce_crossings(ORDER_PASSES);
    // Every card gets the width the widest one needs: like the upstream
    // viewer's cards, and a chain of equal boxes lines up edge to edge.
    let flags = node_flags(flow);
    let card = flow
        .nodes
        .iter()
        .zip(&flags)
        .map(|(node, &f)| (text_width(&sanitize_line(&node.id)) + 2).max(detail_width(node, f)))
        .max()
        .map_or(MIN_BOX, |inner| (inner + 4).clamp(MIN_BOX, MAX_BOX)) as i64;
    let widths: Vec<i64> = (0..layers.len())
        .map(|e| if e < n { card } else { 1 })
        .collect();
    let mut centre = place::centres(&layers, &widths, n, PLACE_SWEEPS);
    let left = (0..layers.len())
        .map(|e| centre[e] - widths[e] / 2)
        .min()
        .unwrap_or(0);
    for c in &mut centre {
        *c += MARGIN - left;
    }
    let map = Map {
        graph: &graph,
        rank: &rank,
        layers: &layers,
        centre: &centre,
        widths: &widths,
    };
    map.finish()
}

struct Map<'a> {
    graph: &'a Graph,
    rank: &'a [usize],
    layers: &'a Layers,
    centre: &'a [i64],
    widths: &'a [i64],
}

impl Map<'_> {
    fn left(&self, e: usize) -> i64 {
        self.centre[e] - self.widths[e] / 2
    }

    /// Column where back edges leave (top border) and enter (bottom border).
    fn back_port(&self, node: usize) -> i64 {
        self.left(node) + self.widths[node] - 3
    }

    fn finish(&self) -> GraphLayout {
        let depth = self.layers.rows.len();
        let lanes = self.lanes();
        let mut gaps: Vec<Vec<Piece>> = vec![Vec::new(); depth + 1];
        let mut routes: Vec<Vec<(usize, usize)>> = Vec::with_capacity(self.graph.edges.len());
        for (at, edge) in self.graph.edges.iter().enumerate() {
            let mut pieces = Vec::new();
            let mut add = |gap: usize, piece: Piece| {
                pieces.push((gap, gaps[gap].len()));
                gaps[gap].push(piece);
            };
            let (ru, rv) = (self.rank[edge.from], self.rank[edge.to]);
            if !edge.back {
                let chain = &self.layers.chains[at];
                for (j, pair) in chain.windows(2).enumerate() {
                    let top = (self.centre[pair[0]], Side::Top);
                    let bottom = (self.centre[pair[1]], Side::Bottom);
                    add(ru + j + 1, Piece::new(top, bottom));
                }
            } else {
                let (pu, pv) = (self.back_port(edge.from), self.back_port(edge.to));
                match lanes[at] {
                    None => add(ru, Piece::new((pu, Side::Bottom), (pv, Side::Top))),
                    Some(lane) if ru <= rv => {
                        add(ru, Piece::new((pu, Side::Bottom), (lane, Side::Bottom)));
                        for g in ru + 1..=rv {
                            add(g, Piece::new((lane, Side::Top), (lane, Side::Bottom)));
                        }
                        add(rv + 1, Piece::new((lane, Side::Top), (pv, Side::Top)));
                    }
                    Some(lane) => {
                        add(ru, Piece::new((pu, Side::Bottom), (lane, Side::Top)));
                        for g in (rv + 2..ru).rev() {
                            add(g, Piece::new((lane, Side::Bottom), (lane, Side::Top)));
                        }
                        add(rv + 1, Piece::new((lane, Side::Bottom), (pv, Side::Top)));
                    }
                }
            }
            routes.push(pieces);
        }
        let tracks: Vec<usize> = gaps.iter_mut().map(|g| tracks::assign(g)).collect();
        let gap_height: Vec<i64> = (0..=depth)
            .map(|g| {
                let interior = g > 0 && g < depth;
                if tracks[g] > 0 || interior {
                    tracks[g] as i64 + 1
                } else {
                    0
                }
            })
            .collect();
        let mut gap_y = Vec::with_capacity(depth + 1);
        let mut layer_y = Vec::with_capacity(depth);
        let mut y = 0i64;
        for (g, h) in gap_height.iter().enumerate() {
            gap_y.push(y);
            y += h;
            if g < depth {
                layer_y.push(y);
                y += BOX_HEIGHT;
            }
        }
        let height = y;
        let tail = |g: usize| gap_y[g] + gap_height[g] - 1;

        let mut edges = Vec::with_capacity(routes.len());
        let mut right = 0i64;
        for (at, pieces) in routes.iter().enumerate() {
            let edge = &self.graph.edges[at];
            let (ru, rv) = (self.rank[edge.from], self.rank[edge.to]);
            let mut points = Vec::with_capacity(pieces.len() * 2 + 2);
            points.push(if edge.back {
                (self.back_port(edge.from), layer_y[ru])
            } else {
                (self.centre[edge.from], layer_y[ru] + BOX_HEIGHT - 1)
            });
            for &(g, p) in pieces {
                let piece = &gaps[g][p];
                if let Some(t) = piece.track {
                    let ty = gap_y[g] + t as i64;
                    points.push((piece.a.0, ty));
                    points.push((piece.b.0, ty));
                }
            }
            points.push(if edge.back {
                (self.back_port(edge.to), layer_y[rv] + BOX_HEIGHT - 1)
            } else {
                (self.centre[edge.to], layer_y[rv])
            });
            right = right.max(points.iter().map(|p| p.0).max().unwrap_or(0));
            edges.push(EdgeRoute {
                from: edge.from,
                to: edge.to,
                label: None,
                back: edge.back,
                points: simplify(points),
                label_at: None,
            });
        }
        right = right.max(self.place_labels(&routes, &gaps, &mut edges, tail));

        let n = self.graph.n;
        let nodes: Vec<NodeBox> = (0..n)
            .map(|v| {
                right = right.max(self.left(v) + self.widths[v] - 1);
                NodeBox {
                    node: v,
                    x: cell(self.left(v)),
                    y: cell(layer_y[self.rank[v]]),
                    width: cell(self.widths[v]),
                    height: cell(BOX_HEIGHT),
                    layer: cell(self.rank[v] as i64),
                }
            })
            .collect();
        GraphLayout {
            width: cell(right + 1 + MARGIN),
            height: cell(height),
            nodes,
            edges,
            kind: LayoutKind::Map,
        }
    }

    /// A lane column for each back edge that skips layers (or stays in its
    /// layer): right of every layer it passes, shorter loops nearer the
    /// boxes, and lanes that share a gap at least two columns apart.
    fn lanes(&self) -> Vec<Option<i64>> {
        let rows = &self.layers.rows;
        let layer_right: Vec<i64> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&e| self.left(e) + self.widths[e] - 1)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut wanted: Vec<(usize, usize, usize, i64)> = Vec::new();
        for (at, edge) in self.graph.edges.iter().enumerate() {
            let (ru, rv) = (self.rank[edge.from], self.rank[edge.to]);
            if !edge.back || ru == rv + 1 {
                continue;
            }
            let (layers, gaps) = if ru <= rv {
                (ru..=rv, (ru, rv + 1))
            } else {
                (rv + 1..=ru - 1, (rv + 1, ru))
            };
            let base = if ru == rv {
                // A loop within one layer only passes its source's rows:
                // it hugs the box, in the gap every box keeps to its right.
                self.left(edge.from) + self.widths[edge.from] + 1
            } else {
                let right = layers.filter_map(|r| layer_right.get(r)).max();
                right.copied().unwrap_or(0) + LANE_GAP
            };
            wanted.push((at, gaps.0, gaps.1, base));
        }
        wanted.sort_by_key(|w| (w.2 - w.1, w.0));
        let mut placed: Vec<(usize, usize, i64)> = Vec::new();
        let mut lanes = vec![None; self.graph.edges.len()];
        for (at, lo, hi, base) in wanted {
            let mut x = base;
            while let Some(&(_, _, other)) = placed
                .iter()
                .find(|&&(l, h, ox)| l <= hi && lo <= h && (ox - x).abs() < 2)
            {
                x = other + 2;
            }
            placed.push((lo, hi, x));
            lanes[at] = Some(x);
        }
        lanes
    }

    /// Puts each switch label in the tail row of the route's first gap,
    /// right of its line, cut before the next line in that row. A label
    /// with no room keeps its text but gets no place. Returns the rightmost
    /// column used.
    fn place_labels(
        &self,
        routes: &[Vec<(usize, usize)>],
        gaps: &[Vec<Piece>],
        edges: &mut [EdgeRoute],
        tail: impl Fn(usize) -> i64,
    ) -> i64 {
        let mut right = 0;
        let mut taken = std::collections::HashSet::new();
        for (at, pieces) in routes.iter().enumerate() {
            let edge = &self.graph.edges[at];
            let (Some(text), Some(&(g, p))) = (edge.label.as_deref(), pieces.first()) else {
                continue;
            };
            let text = sanitize_line(text);
            edges[at].label = Some(truncate(&text, LABEL_MAX));
            let piece = &gaps[g][p];
            // Beside the line leaving the source; a loop on one layer is
            // too tight inside, so its label goes right of the loop.
            let x = match (edge.back, piece.b.1) {
                (true, Side::Bottom) => piece.b.0,
                (true, Side::Top) => piece.a.0,
                (false, _) => piece.b.0,
            };
            // Two switches into one port would write over each other.
            if !taken.insert((g, x)) {
                continue;
            }
            let next = gaps[g]
                .iter()
                .flat_map(Piece::tail_columns)
                .filter(|&c| c > x)
                .min();
            let room = match next {
                Some(next) => (next - x - 2).max(0) as usize,
                None => LABEL_MAX,
            };
            let shown = truncate(&text, room.min(LABEL_MAX));
            // A lone `…` says nothing.
            if shown.is_empty() || shown == "…" {
                continue;
            }
            right = right.max(x + text_width(&shown) as i64);
            edges[at].label_at = Some((cell(x + 1), cell(tail(g))));
            edges[at].label = Some(shown);
        }
        right
    }
}

/// Drops repeated points and the middle of straight runs.
fn simplify(points: Vec<(i64, i64)>) -> Vec<(u16, u16)> {
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(points.len());
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let between = |a: i64, b: i64, c: i64| (a <= b && b <= c) || (a >= b && b >= c);
            let vertical = a.0 == b.0 && b.0 == p.0 && between(a.1, b.1, p.1);
            let horizontal = a.1 == b.1 && b.1 == p.1 && between(a.0, b.0, p.0);
            if vertical || horizontal {
                out.pop();
            }
        }
        out.push(p);
    }
    out.into_iter().map(|(x, y)| (cell(x), cell(y))).collect()
}
