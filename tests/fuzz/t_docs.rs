//! The small JSON documents: the manifest (serde into `Manifest`) and the
//! flow definition (`FlowDefinition::from_value`, then the graph layouts a
//! viewer draws from it), each against expectations read from the raw JSON.

use reel::bundle::{FlowDefinition, Manifest};
use reel::tui::graph::{map_layout, rail_layout, GraphLayout};
use serde_json::{json, Map, Value};

use super::corpus::corpus;
use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;

pub fn manifest(ctx: &mut Ctx) -> CaseResult {
    let mut data = ctx.rng.pick(&corpus().manifests).bytes.clone();
    mutate::json_doc(&mut ctx.rng, &mut data);
    ctx.record("manifest.json", &data);
    let Ok(manifest) = serde_json::from_slice::<Manifest>(&data) else {
        return Ok(Verdict::Rejected);
    };
    // Skipped unknown fields are not built, so serde accepts in them what
    // a `Value` refuses (a lone surrogate, 1e999, nesting past 128).
    let Ok(raw) = serde_json::from_slice::<Value>(&data) else {
        super::harness::note("Manifest read from JSON that does not parse as a Value");
        return Ok(Verdict::Accepted);
    };
    if !raw.is_object() {
        super::harness::note("Manifest read from a JSON array");
    }
    // serde reads a struct from an array too, field by field in order, so
    // a field is found by name in an object and by position in an array.
    let member = |v: &Value, key: &str, position: usize| -> Value {
        match v {
            Value::Object(map) => map.get(key).cloned().unwrap_or(Value::Null),
            Value::Array(items) => items.get(position).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    };
    let text = |v: &Value, key: &str, position: usize| {
        member(v, key, position).as_str().map(str::to_string)
    };
    let fields = [
        ("schema", &manifest.schema),
        ("runId", &manifest.run_id),
        ("flowName", &manifest.flow_name),
        ("runTitle", &manifest.run_title),
        ("flowPath", &manifest.flow_path),
        ("startedAt", &manifest.started_at),
        ("finishedAt", &manifest.finished_at),
        ("status", &manifest.status),
        ("traceSchema", &manifest.trace_schema),
    ];
    for (position, (key, field)) in fields.into_iter().enumerate() {
        if *field != text(&raw, key, position) {
            return Err(format!(
                "{key}: read {field:?}, the JSON has {}",
                member(&raw, key, position)
            ));
        }
    }
    let paths = member(&raw, "paths", 9);
    let path_fields = [
        ("flow", 0, &manifest.paths.flow),
        ("trace", 1, &manifest.paths.trace),
        ("sessionsDir", 5, &manifest.paths.sessions_dir),
        ("artifactsDir", 6, &manifest.paths.artifacts_dir),
    ];
    for (key, position, field) in path_fields {
        if *field != text(&paths, key, position) {
            return Err(format!(
                "paths.{key}: read {field:?}, the JSON has {}",
                member(&paths, key, position)
            ));
        }
    }
    let ids: Vec<Option<String>> = match member(&raw, "sessions", 10) {
        Value::Array(list) => list.iter().map(|s| text(s, "id", 0)).collect(),
        _ => Vec::new(),
    };
    let read: Vec<Option<String>> = manifest
        .sessions
        .iter()
        .map(|s| Some(s.id.clone()))
        .collect();
    if read != ids {
        return Err(format!("sessions: read ids {read:?}, the JSON has {ids:?}"));
    }
    // What it writes back reads back the same (fork and rewind write it).
    let written = serde_json::to_value(&manifest).map_err(|e| e.to_string())?;
    let again: Manifest = serde_json::from_value(written.clone())
        .map_err(|e| format!("the manifest it wrote does not read back: {e}"))?;
    if serde_json::to_value(&again).ok() != Some(written) {
        return Err("the manifest changes when written and read again".to_string());
    }
    Ok(Verdict::Accepted)
}

/// A generated flow: many nodes, self loops, edges to unknown nodes,
/// switches with odd cases, unknown edge shapes.
fn generated_flow(ctx: &mut Ctx) -> Value {
    let rng = &mut ctx.rng;
    let count = rng.small(60);
    let id = |rng: &mut super::rng::Rng, count: usize| -> String {
        if rng.one_in(10) || count == 0 {
            gen::nasty_string(rng, 12)
        } else {
            format!("n{}", rng.below(count))
        }
    };
    let mut nodes = Map::new();
    for i in 0..count {
        let kind = *rng.pick(&["acp", "action", "compute", "checkpoint", "decision", "x"]);
        let name = if rng.one_in(8) {
            gen::nasty_string(rng, 30)
        } else {
            format!("n{i}")
        };
        nodes.insert(
            name,
            json!({"nodeType": kind, "statusDetail": gen::json_string(rng)}),
        );
    }
    let mut edges = Vec::new();
    for _ in 0..rng.small(count * 2 + 2) {
        let from = id(rng, count);
        let edge = match rng.below(4) {
            0 | 1 => json!({"from": from, "to": id(rng, count)}),
            2 => {
                let mut cases = Map::new();
                for _ in 0..rng.small(6) {
                    cases.insert(gen::nasty_string(rng, 10), Value::String(id(rng, count)));
                }
                json!({"from": from, "switch": {"on": "$.route", "cases": cases}})
            }
            _ => gen::value(rng, 2),
        };
        edges.push(edge);
    }
    json!({"name": gen::json_string(rng), "startAt": id(rng, count), "nodes": nodes, "edges": edges})
}

pub fn flow(ctx: &mut Ctx) -> CaseResult {
    let data = if ctx.rng.one_in(4) {
        serde_json::to_vec(&generated_flow(ctx)).unwrap_or_default()
    } else {
        let mut data = ctx.rng.pick(&corpus().flows).bytes.clone();
        mutate::json_doc(&mut ctx.rng, &mut data);
        data
    };
    ctx.record("flow.json", &data);
    let Ok(raw) = serde_json::from_slice::<Value>(&data) else {
        return Ok(Verdict::Rejected);
    };
    let result = FlowDefinition::from_value(raw.clone());
    // Expected: fails exactly when the root or `nodes` is not an object.
    let should_fail = match &raw {
        Value::Object(root) => !matches!(
            root.get("nodes"),
            None | Some(Value::Null | Value::Object(_))
        ),
        _ => true,
    };
    let flow = match (result, should_fail) {
        (Err(_), true) => return Ok(Verdict::Rejected),
        (Ok(flow), false) => flow,
        (Ok(_), true) => {
            return Err("a flow whose root or `nodes` is not an object was read".into())
        }
        (Err(e), false) => return Err(format!("a flow with an object of nodes was refused: {e}")),
    };
    let raw_nodes: Vec<(String, Value)> = raw
        .get("nodes")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let ids: Vec<&str> = flow.nodes.iter().map(|n| n.id.as_str()).collect();
    let raw_ids: Vec<&str> = raw_nodes.iter().map(|(k, _)| k.as_str()).collect();
    if ids != raw_ids {
        return Err(format!("node ids {ids:?}, the JSON has {raw_ids:?}"));
    }
    for (node, (_, def)) in flow.nodes.iter().zip(&raw_nodes) {
        let expected = def
            .get("nodeType")
            .and_then(Value::as_str)
            .or_else(|| def.get("kind").and_then(Value::as_str))
            .unwrap_or("unknown");
        if node.node_type != expected {
            return Err(format!(
                "node {:?}: type {:?}, expected {expected:?}",
                node.id, node.node_type
            ));
        }
    }
    let raw_edges = raw
        .get("edges")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if flow.edges.len() + flow.unknown_edges.len() != raw_edges {
        return Err(format!(
            "{} edges + {} unknown for {raw_edges} in the JSON",
            flow.edges.len(),
            flow.unknown_edges.len()
        ));
    }
    check_layout("map", &map_layout(&flow), flow.nodes.len())?;
    check_layout("rail", &rail_layout(&flow), flow.nodes.len())?;
    Ok(Verdict::Accepted)
}

/// One box per node in flow order, inside the layout; labels sanitized.
fn check_layout(kind: &str, layout: &GraphLayout, nodes: usize) -> Result<(), String> {
    if layout.nodes.len() != nodes {
        return Err(format!(
            "{kind} layout: {} boxes for {nodes} nodes",
            layout.nodes.len()
        ));
    }
    for (i, b) in layout.nodes.iter().enumerate() {
        let inside = u32::from(b.x) + u32::from(b.width) <= u32::from(layout.width)
            && u32::from(b.y) + u32::from(b.height) <= u32::from(layout.height);
        if b.node != i || !inside {
            return Err(format!(
                "{kind} layout: box {i} {b:?} (layout {}x{})",
                layout.width, layout.height
            ));
        }
    }
    for edge in &layout.edges {
        if edge.from >= nodes || edge.to >= nodes {
            return Err(format!(
                "{kind} layout: edge {}→{} of {nodes} nodes",
                edge.from, edge.to
            ));
        }
        if let Some(bad) = edge.label.as_deref().and_then(super::dangerous_char) {
            return Err(format!(
                "{kind} layout: edge label {:?} holds {bad:?}",
                edge.label
            ));
        }
    }
    Ok(())
}
