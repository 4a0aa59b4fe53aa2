//! The conversation fold (`TranscriptBuilder`, what `transcript_from_events`
//! feeds) on mutated event sequences, and the `record.json` fallback.

use reel::bundle::session::Direction;
use reel::model::conversation::{transcript_from_record, TranscriptBuilder};
use reel::tui::inspect::item_seq;
use serde_json::{json, Value};

use super::corpus::{corpus, window};
use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;

const METHODS: &[&str] = &[
    "initialize",
    "session/new",
    "session/load",
    "session/prompt",
    "session/update",
    "session/cancel",
    "session/request_permission",
    "fs/read_text_file",
    "terminal/create",
    "",
];

const UPDATES: &[&str] = &[
    "agent_message_chunk",
    "agent_thought_chunk",
    "user_message_chunk",
    "tool_call",
    "tool_call_update",
    "plan",
    "usage_update",
    "available_commands_update",
    "",
];

/// A targeted change to one JSON-RPC message.
fn twist(ctx: &mut Ctx, message: &mut Value) {
    let rng = &mut ctx.rng;
    let Value::Object(map) = message else {
        *message = gen::value(rng, 2);
        return;
    };
    match rng.below(7) {
        0 => {
            let id = match rng.below(6) {
                0 => Value::Null,
                1 => json!("2"),
                2 => json!(2.5),
                3 => json!({"id": 1}),
                4 => json!([1]),
                _ => json!(rng.small(8)),
            };
            map.insert("id".into(), id);
        }
        1 => {
            map.insert("method".into(), json!(rng.pick(METHODS)));
        }
        2 => {
            map.shift_remove(*rng.pick(&["id", "method", "params", "result", "error"]));
        }
        3 => {
            let update = json!({"sessionUpdate": rng.pick(UPDATES), "toolCallId": format!("call_{}", rng.small(3)),
                "content": gen::value(rng, 2), "status": gen::json_string(rng)});
            map.insert("params".into(), json!({"update": update}));
        }
        4 => {
            map.insert("error".into(), gen::value(rng, 2));
        }
        5 => {
            map.insert("result".into(), gen::value(rng, 2));
        }
        _ => {
            map.insert("params".into(), gen::value(rng, 3));
        }
    }
}

pub fn conversation(ctx: &mut Ctx) -> CaseResult {
    let seed = ctx.rng.pick(&corpus().sessions);
    let mut data = window(&mut ctx.rng, seed, 400);
    mutate::ndjson(&mut ctx.rng, &mut data);
    ctx.record("events.ndjson", &data);
    let mut messages: Vec<(Direction, Value)> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let Ok(event) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let direction = match event.get("direction").and_then(Value::as_str) {
            Some("outbound") => Direction::Outbound,
            Some("inbound") => Direction::Inbound,
            _ => Direction::Unknown,
        };
        let Some(mut message) = event.get("message").cloned() else {
            continue;
        };
        if ctx.rng.one_in(8) {
            twist(ctx, &mut message);
        }
        messages.push((direction, message));
    }
    let mut builder = TranscriptBuilder::default();
    for (i, (direction, message)) in messages.iter().enumerate() {
        builder.push(i as u32 + 1, *direction, message);
    }
    let items = builder.finish();
    // One item at most per message, each at the seq of a message, in order
    // (the inspector bisects on that order).
    if items.len() > messages.len() {
        return Err(format!(
            "{} items from {} messages",
            items.len(),
            messages.len()
        ));
    }
    let seqs: Vec<u32> = items.iter().map(item_seq).collect();
    if seqs.iter().any(|&s| s == 0 || s as usize > messages.len()) {
        return Err(format!(
            "an item seq outside 1..={}: {seqs:?}",
            messages.len()
        ));
    }
    if seqs.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("items out of seq order: {seqs:?}"));
    }
    // The transcript is what `--json` prints: it must serialize.
    serde_json::to_string(&items).map_err(|e| e.to_string())?;
    Ok(Verdict::Neutral)
}

pub fn record(ctx: &mut Ctx) -> CaseResult {
    let mut data = ctx.rng.pick(&corpus().records).bytes.clone();
    mutate::json_doc(&mut ctx.rng, &mut data);
    ctx.record("record.json", &data);
    let Ok(record) = serde_json::from_slice::<Value>(&data) else {
        return Ok(Verdict::Rejected);
    };
    let Some(messages) = record.get("messages").and_then(Value::as_array) else {
        return Ok(Verdict::Rejected);
    };
    let items = transcript_from_record(messages);
    // Every message but an agent's gives exactly one item.
    let at_least = messages
        .iter()
        .filter(|m| m.get("User").is_some() || m.get("Agent").is_none())
        .count();
    if items.len() < at_least {
        return Err(format!(
            "{} items from {} non-agent messages",
            items.len(),
            at_least
        ));
    }
    Ok(Verdict::Accepted)
}
