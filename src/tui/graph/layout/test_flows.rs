//! Synthesized flows for layout tests: shaped like acpx flows, and wild.

use serde_json::json;

use crate::bundle::flow::FlowDefinition;

pub(super) fn flow(value: serde_json::Value) -> FlowDefinition {
    FlowDefinition::from_value(value).expect("flow")
}

/// A seeded linear congruential generator: `next(bound)` in `0..bound`.
fn rng(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |bound: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % bound.max(1) as u64) as usize
    }
}

/// A chain with forward switches (skips) and ~8% loops back, like acpx flows.
pub(super) fn synth(n: usize, seed: u64) -> FlowDefinition {
    let mut next = rng(seed);
    let id = |i: usize| format!("n{i}");
    let mut nodes = serde_json::Map::new();
    for i in 0..n {
        nodes.insert(id(i), json!({"nodeType": "compute"}));
    }
    let mut edges = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let roll = next(100);
        let case = if roll < 8 {
            let back = i - next(i.min(5) + 1);
            json!({"again": id(back), "on": id(i + 1)})
        } else if roll < 40 {
            json!({"x": id(i + 1), "y": id((i + 2 + next(5)).min(n - 1))})
        } else {
            edges.push(json!({"from": id(i), "to": id(i + 1)}));
            continue;
        };
        edges.push(json!({"from": id(i), "switch": {"on": "$.r", "cases": case}}));
    }
    flow(json!({"startAt": "n0", "nodes": nodes, "edges": edges}))
}

/// Any node may switch to any nodes: dense, cyclic, unlike real flows.
pub(super) fn wild(n: usize, seed: u64) -> FlowDefinition {
    let mut next = rng(seed);
    let mut nodes = serde_json::Map::new();
    for i in 0..n {
        nodes.insert(format!("w{i}"), json!({}));
    }
    let mut edges = Vec::new();
    for i in 0..n {
        if next(5) == 0 {
            continue; // terminal
        }
        let mut cases = serde_json::Map::new();
        for c in 0..1 + next(4) {
            cases.insert(format!("c{c}"), json!(format!("w{}", next(n))));
        }
        edges.push(json!({"from": format!("w{i}"), "switch": {"on": "$", "cases": cases}}));
    }
    let start = format!("w{}", next(n));
    flow(json!({"startAt": start, "nodes": nodes, "edges": edges}))
}
