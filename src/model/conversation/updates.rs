//! `session/update` notifications: message chunks (split where the kind or
//! `messageId` changes), tool calls by id within a turn, plans, usage and
//! session metadata.

use serde_json::Value;

use super::builder::{str_field, TranscriptBuilder};
use super::content::ContentBlock;
use super::item::{Message, ToolCall, TranscriptItem};
use super::tool_content::ToolCallContent;
use super::BLOCK_CAP;

#[derive(Clone, Copy, PartialEq, Eq)]
enum MessageKind {
    UserMessage,
    Agent,
    Thought,
}

/// The text of a block that is a text chunk (`type: text`, or no type).
fn chunk_text(block: &Value) -> Option<&str> {
    match block.get("type").and_then(Value::as_str) {
        Some("text") | None => block.get("text").and_then(Value::as_str),
        _ => None,
    }
}

/// Adds `block` to `message`: text right after text is merged into it.
pub(super) fn push_block(message: &mut Message, block: &Value, merge: bool) {
    if merge {
        if let (Some(text), Some(last)) = (chunk_text(block), message.content.last_mut()) {
            if last.text().is_some() {
                last.push_text(text);
                return;
            }
        }
    }
    if message.content.len() >= BLOCK_CAP {
        message.blocks_cut += 1;
        return;
    }
    let mut block = ContentBlock::from_value(block);
    if merge {
        block.count_first_chunk();
    }
    message.content.push(block);
}

/// Applies a `ToolCall` / `ToolCallUpdate`: the fields present replace.
pub(super) fn apply_tool_update(call: &mut ToolCall, update: &Value) {
    if let Some(title) = str_field(update, "title") {
        call.title = title;
    }
    if let Some(kind) = str_field(update, "kind") {
        call.tool_kind = Some(kind);
    }
    if let Some(status) = str_field(update, "status") {
        call.status = status;
    }
    if let Some(input) = update.get("rawInput") {
        call.raw_input = Some(input.clone());
    }
    if let Some(output) = update.get("rawOutput") {
        call.raw_output = Some(output.clone());
    }
    if let Some(Value::Array(blocks)) = update.get("content") {
        // Updates carry the tool's whole content so far: replace, not append.
        call.content = blocks
            .iter()
            .take(BLOCK_CAP)
            .map(ToolCallContent::from_value)
            .collect();
        call.content_cut = blocks.len().saturating_sub(BLOCK_CAP) as u64;
    }
    if let Some(Value::Array(locations)) = update.get("locations") {
        call.locations = locations.clone();
    }
}

impl TranscriptBuilder {
    pub(super) fn update(&mut self, seq: u32, update: &Value) {
        let kind = update
            .get("sessionUpdate")
            .and_then(Value::as_str)
            .unwrap_or("");
        let list = |key: &str| {
            update
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let item = match kind {
            "agent_message_chunk" => return self.chunk(seq, update, MessageKind::Agent),
            "agent_thought_chunk" => return self.chunk(seq, update, MessageKind::Thought),
            "user_message_chunk" => return self.chunk(seq, update, MessageKind::UserMessage),
            "tool_call" | "tool_call_update" => return self.tool_call(seq, update),
            "plan" => {
                let entries = list("entries");
                // Each plan update carries the whole plan: replace a plan
                // shown just before rather than stacking copies.
                if let Some(TranscriptItem::Plan { entries: last, .. }) = self.items.last_mut() {
                    *last = entries;
                    return;
                }
                TranscriptItem::Plan { seq, entries }
            }
            "usage_update" => TranscriptItem::Usage {
                seq,
                used: update.get("used").cloned(),
                size: update.get("size").cloned(),
                cost: update.get("cost").cloned(),
            },
            "available_commands_update" => TranscriptItem::AvailableCommands {
                seq,
                available_commands: list("availableCommands"),
            },
            "current_mode_update" => TranscriptItem::CurrentMode {
                seq,
                current_mode_id: str_field(update, "currentModeId").unwrap_or_default(),
            },
            "config_option_update" => TranscriptItem::ConfigOptions {
                seq,
                config_options: list("configOptions"),
            },
            "session_info_update" => TranscriptItem::SessionInfo {
                seq,
                title: update.get("title").cloned(),
                updated_at: update.get("updatedAt").cloned(),
            },
            "" => TranscriptItem::Other {
                seq,
                label: "session/update".to_string(),
            },
            other => TranscriptItem::Other {
                seq,
                label: other.to_string(),
            },
        };
        self.items.push(item);
    }

    /// A message chunk: continues the last item while kind and `messageId`
    /// stay the same.
    fn chunk(&mut self, seq: u32, update: &Value, kind: MessageKind) {
        let message_id = str_field(update, "messageId");
        let continues = match (kind, self.items.last()) {
            (MessageKind::Agent, Some(TranscriptItem::Agent(m)))
            | (MessageKind::Thought, Some(TranscriptItem::Thought(m)))
            | (MessageKind::UserMessage, Some(TranscriptItem::UserMessage(m))) => {
                m.message_id == message_id
            }
            _ => false,
        };
        if !continues {
            let message = Message::new(seq, message_id);
            self.items.push(match kind {
                MessageKind::Agent => TranscriptItem::Agent(message),
                MessageKind::Thought => TranscriptItem::Thought(message),
                MessageKind::UserMessage => TranscriptItem::UserMessage(message),
            });
        }
        if let Some(
            TranscriptItem::Agent(message)
            | TranscriptItem::Thought(message)
            | TranscriptItem::UserMessage(message),
        ) = self.items.last_mut()
        {
            push_block(message, update.get("content").unwrap_or(&Value::Null), true);
        }
    }

    /// The item of tool call `id` in this turn, created if new.
    pub(super) fn tool_call_index(&mut self, seq: u32, id: &str) -> usize {
        if let Some(&index) = self.tool_calls.get(id) {
            return index;
        }
        let index = self.push_item(TranscriptItem::ToolCall(ToolCall {
            seq,
            id: id.to_string(),
            title: String::new(),
            tool_kind: None,
            status: "pending".to_string(),
            raw_input: None,
            raw_output: None,
            content: Vec::new(),
            content_cut: 0,
            locations: Vec::new(),
        }));
        self.tool_calls.insert(id.to_string(), index);
        index
    }

    fn tool_call(&mut self, seq: u32, update: &Value) {
        let id = str_field(update, "toolCallId").unwrap_or_default();
        let index = self.tool_call_index(seq, &id);
        if let Some(TranscriptItem::ToolCall(call)) = self.items.get_mut(index) {
            apply_tool_update(call, update);
        }
    }
}
