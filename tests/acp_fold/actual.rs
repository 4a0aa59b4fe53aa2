//! The same comparable parts, read from `reel state --json` items.

use serde_json::{json, Value};

use super::expected::{add_block, Folded};

fn or_null(item: &Value, key: &str) -> Value {
    item.get(key).cloned().unwrap_or(Value::Null)
}

/// Turns the conversation items into the parts `expected::fold` makes:
/// consecutive message items of one kind and `messageId` are one message
/// (the fold splits them where other items come between).
pub fn parts(items: &[Value]) -> Folded {
    let mut out = Folded::default();
    for item in items {
        let kind = item["kind"].as_str().unwrap_or("");
        let seq = or_null(item, "seq");
        match kind {
            "user" => {
                out.prompts
                    .push(json!({"seq": seq, "content": or_null(item, "content")}));
                out.messages
                    .push(json!({"kind": "user", "messageId": null, "content": []}));
            }
            "agent" | "thought" | "user_message" => {
                let id = or_null(item, "messageId");
                let same = out
                    .messages
                    .last()
                    .is_some_and(|m| m["kind"] == kind && m["messageId"] == id);
                if !same {
                    out.messages
                        .push(json!({"kind": kind, "messageId": id, "content": []}));
                }
                let last = out.messages.last_mut().unwrap();
                let blocks = last["content"].as_array_mut().unwrap();
                for block in item["content"].as_array().into_iter().flatten() {
                    add_block(blocks, block);
                }
            }
            "tool_call" => out.tool_calls.push(json!({
                "seq": seq,
                "id": or_null(item, "id"),
                "title": or_null(item, "title"),
                "toolKind": or_null(item, "toolKind"),
                "status": or_null(item, "status"),
                "content": item.get("content").cloned().unwrap_or(json!([])),
                "rawInput": or_null(item, "rawInput"),
                "rawOutput": or_null(item, "rawOutput"),
            })),
            "permission" => out.permissions.push(json!({
                "seq": seq,
                "toolCallId": or_null(item, "toolCallId"),
                "options": or_null(item, "options"),
                "selected": or_null(item, "selected"),
                "outcome": or_null(item, "outcome"),
            })),
            "current_mode" => out.metadata.push(
                json!({"kind": kind, "currentModeId": or_null(item, "currentModeId"), "seq": seq}),
            ),
            "available_commands" => out.metadata.push(
                json!({"kind": kind, "availableCommands": or_null(item, "availableCommands"), "seq": seq}),
            ),
            "config_options" => out.metadata.push(
                json!({"kind": kind, "configOptions": or_null(item, "configOptions"), "seq": seq}),
            ),
            "session_info" => out.metadata.push(json!({
                "kind": kind, "title": or_null(item, "title"),
                "updatedAt": or_null(item, "updatedAt"), "seq": seq
            })),
            "turn_end" => out.turn_ends.push(json!({
                "seq": seq,
                "stopReason": or_null(item, "stopReason"),
                "usage": or_null(item, "usage"),
            })),
            "turn_error" => out.turn_ends.push(json!({
                "seq": seq,
                "error": {"method": or_null(item, "method"), "code": or_null(item, "code"), "message": or_null(item, "message"), "data": or_null(item, "data")},
            })),
            _ => {}
        }
    }
    out
}
