//! `tests/fixtures/acp-rich/KINDS.json` read, and an attempt's items and
//! session events side by side, for checking each listed kind.

use super::{of_kind, rich_root};
use crate::common::*;
use serde_json::Value;

pub struct Hit {
    pub kind: String,
    pub bundle: String,
    pub attempt: String,
    pub session: String,
    pub seqs: Vec<u64>,
}

pub fn hits() -> (Vec<Hit>, usize) {
    let kinds = read_json(&rich_root().join("KINDS.json"));
    assert_eq!(kinds["schema"], "reel.acp-rich-kinds.v1");
    let mut hits = Vec::new();
    let mut flow_level = 0;
    for (kind, list) in kinds["kinds"].as_object().expect("kinds") {
        for hit in list.as_array().into_iter().flatten() {
            let Some(attempt) = hit["attemptId"].as_str() else {
                // A flow-level kind (a node id), not in any conversation.
                flow_level += 1;
                continue;
            };
            hits.push(Hit {
                kind: kind.clone(),
                bundle: hit["bundle"].as_str().unwrap_or("").to_string(),
                attempt: attempt.to_string(),
                session: hit["sessionId"].as_str().unwrap_or("").to_string(),
                seqs: hit["seqs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .collect(),
            });
        }
    }
    (hits, flow_level)
}

/// The attempt's items and its session's events, by (bundle, attempt).
pub struct AttemptView {
    pub items: Vec<Value>,
    pub events: Vec<Value>,
}

impl AttemptView {
    pub fn message(&self, seq: u64) -> Option<&Value> {
        self.events
            .iter()
            .find(|e| seq_of(e) == seq)
            .and_then(|e| e.get("message"))
    }

    pub fn direction(&self, seq: u64) -> &str {
        self.events
            .iter()
            .find(|e| seq_of(e) == seq)
            .and_then(|e| e["direction"].as_str())
            .unwrap_or("")
    }

    /// The request a response at `seq` answers: same id, the other way,
    /// the latest before it.
    pub fn request_of(&self, seq: u64) -> Option<(u64, &Value)> {
        let id = &self.message(seq)?["id"];
        let direction = self.direction(seq);
        self.events
            .iter()
            .rfind(|e| {
                seq_of(e) < seq
                    && e["direction"] != direction
                    && e["message"]["id"] == *id
                    && e["message"].get("method").is_some()
            })
            .map(|e| (seq_of(e), &e["message"]))
    }

    /// The response to a request at `seq`, if the session has it.
    pub fn response_to(&self, seq: u64) -> Option<&Value> {
        let request = self.message(seq)?;
        let direction = self.direction(seq);
        self.events
            .iter()
            .filter(|e| seq_of(e) > seq && e["direction"] != direction)
            .find(|e| e["message"]["id"] == request["id"] && e["message"].get("method").is_none())
            .map(|e| &e["message"])
    }

    pub fn at(&self, kind: &str, seq: u64) -> Option<&Value> {
        self.items
            .iter()
            .find(|i| i["kind"] == kind && i["seq"] == seq)
    }

    pub fn tool_call(&self, id: &Value) -> Option<&Value> {
        of_kind(&self.items, "tool_call").find(|i| i["id"] == *id)
    }

    /// Terminal content of any tool call for `terminal_id`.
    pub fn terminal(&self, terminal_id: &Value) -> Option<&Value> {
        of_kind(&self.items, "tool_call")
            .flat_map(|c| c["content"].as_array().into_iter().flatten())
            .find(|c| c["type"] == "terminal" && c["terminalId"] == *terminal_id)
    }
}

pub fn without_cut(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("reelCut");
    }
    v
}

/// A `ToolCallContent` as the JSON carries it, for comparing with the sent one.
pub fn same_tool_content(got: &Value, sent: &Value) -> bool {
    match sent["type"].as_str() {
        Some("diff") => {
            got["type"] == "diff"
                && got["path"] == sent["path"]
                && got["newText"] == sent["newText"]
                && got["oldText"] == sent.get("oldText").cloned().unwrap_or(Value::Null)
        }
        Some("terminal") => got["type"] == "terminal" && got["terminalId"] == sent["terminalId"],
        _ => without_cut(got) == *sent,
    }
}
