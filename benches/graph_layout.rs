//! Graph layout benchmark over synthesized flows.
//!
//! `cargo bench --bench graph_layout` lays out flows of 50 to 1000 nodes
//! shaped like real acpx flows: a chain in authoring order where about a
//! third of the nodes end in a switch to a few nodes a little further on and
//! about 5% loop back a few nodes (one outgoing edge per node, as acpx
//! requires). Each figure is the median of 15 runs (min and max shown too).
//! Budget (DESIGN.md §6): map layout of 500 nodes in at most 10 ms. The last
//! column is one frame of the map widget (160×48, scrolled mid-graph), which
//! is all a keypress costs once the layout exists.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use reel::bundle::flow::FlowDefinition as Flow;
use reel::bundle::flow::{FlowDefinition, FlowEdge, FlowNode};
use reel::tui::graph::{
    map_layout, rail_layout, scroll_to_show, GraphLayout, GraphStyles, GraphView, NodeOverlay,
};
use serde_json::{Map, Value};

const RUNS: usize = 15;
const SIZES: [usize; 4] = [50, 200, 500, 1000];

fn main() {
    println!("reel graph layout benchmark: {RUNS} runs each, times in ms");
    println!(
        "{:>6} {:>6} {:>5} | {:>8} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>11} | {:>6}",
        "nodes",
        "edges",
        "back",
        "map med",
        "min",
        "max",
        "rail med",
        "min",
        "max",
        "map size",
        "frame"
    );
    for &n in &SIZES {
        let flow = synth_flow(n, 0x5eed_0000 + n as u64);
        let targets: usize = flow.edges.iter().map(|e| e.targets().len()).sum();
        let (map, map_times) = time(|| map_layout(&flow));
        let (_, rail_times) = time(|| rail_layout(&flow));
        let back = map.edges.iter().filter(|e| e.back).count();
        let (m, r) = (stats(&map_times), stats(&rail_times));
        let frame = stats(&frame_times(&map, &flow)).0;
        println!(
            "{n:>6} {targets:>6} {back:>5} | {:>8.3} {:>7.3} {:>7.3} | {:>8.3} {:>7.3} {:>7.3} | {:>5}×{:<5} | {frame:>6.3}",
            m.0, m.1, m.2, r.0, r.1, r.2, map.width, map.height
        );
    }
}

fn time(mut run: impl FnMut() -> GraphLayout) -> (GraphLayout, Vec<Duration>) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let layout = black_box(run());
        times.push(started.elapsed());
        last = Some(layout);
    }
    (last.unwrap_or_else(run), times)
}

/// Drawing the map into a 160×48 buffer, following the middle node.
fn frame_times(layout: &GraphLayout, flow: &Flow) -> Vec<Duration> {
    let area = Rect::new(0, 0, 160, 48);
    let mut overlay = vec![NodeOverlay::default(); flow.nodes.len()];
    let middle = flow.nodes.len() / 2;
    overlay[middle].is_current = true;
    let scroll = scroll_to_show(layout, middle, (area.width, area.height), (0, 0));
    let styles = GraphStyles::colored();
    (0..RUNS)
        .map(|_| {
            let mut buf = Buffer::empty(area);
            let started = Instant::now();
            let view = GraphView {
                layout,
                flow,
                overlay: &overlay,
                scroll,
                styles: &styles,
            };
            view.render(area, &mut buf);
            let took = started.elapsed();
            black_box(buf);
            took
        })
        .collect()
}

/// (median, min, max) in milliseconds.
fn stats(times: &[Duration]) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[0], ms[ms.len() - 1])
}

/// A deterministic flow of `n` nodes.
fn synth_flow(n: usize, seed: u64) -> FlowDefinition {
    let mut rng = SplitMix(seed);
    let types = ["acp", "compute", "action", "checkpoint"];
    let nodes: Vec<FlowNode> = (0..n)
        .map(|i| {
            let node_type = types[rng.below(types.len())].to_string();
            let mut fields = Map::new();
            if node_type == "action" {
                fields.insert("actionExecution".into(), Value::from("shell"));
            }
            FlowNode {
                id: format!("step_{i:04}"),
                node_type,
                fields,
            }
        })
        .collect();
    let id = |i: usize| format!("step_{i:04}");
    let mut edges = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let roll = rng.below(100);
        if roll < 5 && i > 0 {
            // A loop: retry a few nodes back, otherwise go on.
            let back = i - rng.below(i.min(6) + 1);
            let cases = vec![("again".into(), id(back)), ("done".into(), id(i + 1))];
            edges.push(FlowEdge::Switch {
                from: id(i),
                on: "$.again".into(),
                cases,
            });
        } else if roll < 35 {
            let mut cases = vec![("next".into(), id(i + 1))];
            for c in 0..1 + rng.below(2) {
                let to = (i + 2 + rng.below(6)).min(n - 1);
                cases.push((format!("route_{c}"), id(to)));
            }
            edges.push(FlowEdge::Switch {
                from: id(i),
                on: "$.route".into(),
                cases,
            });
        } else {
            edges.push(FlowEdge::Direct {
                from: id(i),
                to: id(i + 1),
            });
        }
    }
    FlowDefinition {
        name: format!("bench-{n}"),
        start_at: Some(id(0)),
        nodes,
        edges,
        unknown_edges: Vec::new(),
    }
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}
