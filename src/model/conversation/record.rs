//! The `record.json` fallback, used when a session's events are missing.

use serde_json::Value;

use super::builder::str_field;
use super::item::{Message, ToolCall, TranscriptItem};
use super::{ContentBlock, ToolCallContent};

/// Converts `record.json` messages (the fallback when events are missing).
pub fn transcript_from_record(messages: &[Value]) -> Vec<TranscriptItem> {
    let mut items = Vec::new();
    for message in messages {
        if let Some(user) = message.get("User") {
            let text = user
                .get("content")
                .and_then(Value::as_array)
                .map(|blocks| {
                    blocks
                        .iter()
                        .filter_map(record_block_text)
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            items.push(TranscriptItem::User(Message::from_text(0, &text)));
        } else if let Some(agent) = message.get("Agent") {
            push_record_agent(agent, &mut items);
        } else {
            let label = message
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "message".to_string());
            items.push(TranscriptItem::Other { seq: 0, label });
        }
    }
    items
}

fn record_block_text(block: &Value) -> Option<String> {
    if let Some(text) = block.get("Text").and_then(Value::as_str) {
        return Some(text.to_string());
    }
    block
        .get("Mention")
        .and_then(|m| m.get("uri"))
        .and_then(Value::as_str)
        .map(|uri| format!("[mention {uri}]"))
}

fn push_record_agent(agent: &Value, items: &mut Vec<TranscriptItem>) {
    let results = agent.get("tool_results");
    for block in agent
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(text) = block.get("Text").and_then(Value::as_str) {
            items.push(TranscriptItem::Agent(Message::from_text(0, text)));
        } else if let Some(thinking) = block.get("Thinking") {
            let text = thinking
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            items.push(TranscriptItem::Thought(Message::from_text(0, &text)));
        } else if let Some(tool) = block.get("ToolUse") {
            let id = str_field(tool, "id").unwrap_or_default();
            let result = results.and_then(|r| r.get(&id));
            let failed = result
                .and_then(|r| r.get("is_error"))
                .and_then(Value::as_bool)
                == Some(true);
            items.push(TranscriptItem::ToolCall(ToolCall {
                seq: 0,
                title: str_field(tool, "name").unwrap_or_default(),
                id,
                tool_kind: None,
                status: match (result, failed) {
                    (None, _) => "pending",
                    (Some(_), true) => "failed",
                    (Some(_), false) => "completed",
                }
                .to_string(),
                raw_input: tool.get("input").cloned(),
                raw_output: result.and_then(|r| r.get("output")).cloned(),
                content: result
                    .and_then(|r| r.pointer("/content/Text"))
                    .and_then(Value::as_str)
                    .map(|t| {
                        vec![ToolCallContent::Content {
                            content: ContentBlock::text_block(t),
                        }]
                    })
                    .unwrap_or_default(),
                content_cut: 0,
                locations: Vec::new(),
            }));
        }
    }
}
