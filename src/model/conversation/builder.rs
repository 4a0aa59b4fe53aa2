//! The fold itself: JSON-RPC messages in, transcript items out, one message
//! at a time (the live view feeds it as lines arrive). Requests are paired
//! with their responses per connection epoch and direction.

use std::collections::HashMap;

use serde_json::Value;

use super::content::{ContentBlock, ToolCallContent};
use super::item::{Message, Permission, PermissionOption, ToolCall, TranscriptItem};
use super::terminals::{terminal_id, Terminals};
use super::BLOCK_CAP;
use crate::bundle::session::Direction;

#[derive(Debug, Default)]
pub struct TranscriptBuilder {
    items: Vec<TranscriptItem>,
    /// Tool call id → item, for the current turn.
    tool_calls: HashMap<String, usize>,
    /// Requests awaiting a response: (connection epoch, outbound, id) → what.
    pending: HashMap<(u32, bool, String), Pending>,
    epoch: u32,
    /// While a `session/load` is unanswered, updates are history replay.
    replaying: bool,
    terminals: Terminals,
}

#[derive(Debug, Clone)]
enum Pending {
    Prompt,
    /// `session/new` or `session/load` (item index; load = replaying).
    Connection(usize, bool),
    Permission(usize),
    TerminalCreate(Value),
    TerminalOutput(String),
    TerminalWait(String),
    TerminalRelease(String),
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MessageKind {
    UserMessage,
    Agent,
    Thought,
}

pub(super) fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The text of a block that is a text chunk (`type: text`, or no type).
fn chunk_text(block: &Value) -> Option<&str> {
    match block.get("type").and_then(Value::as_str) {
        Some("text") | None => block.get("text").and_then(Value::as_str),
        _ => None,
    }
}

/// Adds `block` to `message`: text right after text is merged into it.
fn push_block(message: &mut Message, block: &Value, merge: bool) {
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

fn turn_error(seq: u32, error: &Value) -> TranscriptItem {
    TranscriptItem::TurnError {
        seq,
        message: str_field(error, "message").unwrap_or_else(|| error.to_string()),
        code: error.get("code").and_then(Value::as_i64),
        data: error.get("data").cloned(),
    }
}

/// Applies a `ToolCall` / `ToolCallUpdate`: the fields present replace.
fn apply_tool_update(call: &mut ToolCall, update: &Value) {
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

fn permission_options(params: &Value) -> Vec<PermissionOption> {
    let field = |o: &Value, key: &str| str_field(o, key).unwrap_or_default();
    params
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(BLOCK_CAP)
        .map(|o| PermissionOption {
            option_id: field(o, "optionId"),
            name: field(o, "name"),
            kind: field(o, "kind"),
        })
        .collect()
}

impl TranscriptBuilder {
    pub fn push(&mut self, seq: u32, direction: Direction, message: &Value) {
        let method = message.get("method").and_then(Value::as_str);
        let id = message
            .get("id")
            .filter(|v| !v.is_null())
            .map(Value::to_string);
        match (method, id) {
            (Some(method), Some(id)) => self.request(seq, direction, method, id, message),
            (Some(method), None) => self.notification(seq, direction, method, message),
            (None, Some(id)) => self.response(seq, direction, id, message),
            (None, None) => self.items.push(TranscriptItem::Other {
                seq,
                label: "unrecognised message".to_string(),
            }),
        }
    }

    /// An honest marker for events left out of the fold.
    pub fn note_cut(&mut self, seq: u32, label: String) {
        self.items.push(TranscriptItem::Other { seq, label });
    }

    pub fn finish(mut self) -> Vec<TranscriptItem> {
        self.terminals.link(&mut self.items);
        self.items
    }

    fn key(&self, direction: Direction, id: String) -> (u32, bool, String) {
        (self.epoch, direction == Direction::Outbound, id)
    }

    fn push_item(&mut self, item: TranscriptItem) -> usize {
        self.items.push(item);
        self.items.len() - 1
    }

    fn connection(&mut self, seq: u32, method: &str) -> usize {
        self.push_item(TranscriptItem::Connection {
            seq,
            method: method.to_string(),
            modes: None,
            config_options: None,
        })
    }

    fn request(
        &mut self,
        seq: u32,
        direction: Direction,
        method: &str,
        id: String,
        message: &Value,
    ) {
        let params = message.get("params").unwrap_or(&Value::Null);
        let pending = match method {
            "initialize" => {
                self.epoch += 1;
                self.replaying = false;
                self.connection(seq, method);
                Pending::Other
            }
            "session/new" => Pending::Connection(self.connection(seq, method), false),
            "session/load" => {
                self.replaying = true;
                Pending::Connection(self.connection(seq, method), true)
            }
            "session/prompt" => {
                // Tool call ids are only unique within a turn (agents reuse
                // `call_1` on every turn): a new prompt starts a new scope.
                self.tool_calls.clear();
                let mut prompt = Message::new(seq, str_field(params, "messageId"));
                match params.get("prompt") {
                    Some(Value::Array(blocks)) => {
                        for block in blocks {
                            push_block(&mut prompt, block, false);
                        }
                    }
                    Some(text @ Value::String(_)) => push_block(&mut prompt, text, false),
                    _ => {}
                }
                self.items.push(TranscriptItem::User(prompt));
                Pending::Prompt
            }
            "session/request_permission" => self.permission(seq, params),
            other => {
                self.items.push(TranscriptItem::Other {
                    seq,
                    label: other.to_string(),
                });
                match other {
                    "terminal/create" => Pending::TerminalCreate(params.clone()),
                    "terminal/output" => Pending::TerminalOutput(terminal_id(params)),
                    "terminal/wait_for_exit" => {
                        let terminal = terminal_id(params);
                        self.terminals.waiting(&terminal);
                        Pending::TerminalWait(terminal)
                    }
                    "terminal/release" => Pending::TerminalRelease(terminal_id(params)),
                    _ => Pending::Other,
                }
            }
        };
        let key = self.key(direction, id);
        self.pending.insert(key, pending);
    }

    /// A permission request; its `toolCall` (a `ToolCallUpdate`) also
    /// updates, or introduces, the tool call it is about.
    fn permission(&mut self, seq: u32, params: &Value) -> Pending {
        let tool_call = params.get("toolCall").unwrap_or(&Value::Null);
        let tool_call_id = str_field(tool_call, "toolCallId");
        let mut title = str_field(tool_call, "title");
        let mut tool_kind = str_field(tool_call, "kind");
        if let Some(id) = &tool_call_id {
            let index = self.tool_call_index(seq, id);
            if let Some(TranscriptItem::ToolCall(call)) = self.items.get_mut(index) {
                apply_tool_update(call, tool_call);
                title = title.or_else(|| Some(call.title.clone()).filter(|t| !t.is_empty()));
                tool_kind = tool_kind.or_else(|| call.tool_kind.clone());
            }
        }
        let index = self.push_item(TranscriptItem::Permission(Permission {
            seq,
            title: title.unwrap_or_else(|| "permission".to_string()),
            tool_call_id,
            tool_kind,
            options: permission_options(params),
            selected: None,
            outcome: None,
        }));
        Pending::Permission(index)
    }

    fn response(&mut self, seq: u32, direction: Direction, id: String, message: &Value) {
        // A response travels the other way from its request.
        let request_direction = match direction {
            Direction::Inbound => Direction::Outbound,
            _ => Direction::Inbound,
        };
        let key = self.key(request_direction, id);
        let pending = self.pending.remove(&key).unwrap_or(Pending::Other);
        let error = message.get("error");
        let result = message.get("result").filter(|_| error.is_none());
        let null = Value::Null;
        match pending {
            Pending::Prompt => {
                self.terminals.turn_ended();
                let item = match error {
                    Some(error) => turn_error(seq, error),
                    None => TranscriptItem::TurnEnd {
                        seq,
                        stop_reason: message
                            .pointer("/result/stopReason")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown")
                            .to_string(),
                        usage: message
                            .pointer("/result/usage")
                            .filter(|u| !u.is_null())
                            .cloned(),
                    },
                };
                self.items.push(item);
                return;
            }
            Pending::Connection(index, load) => {
                if load {
                    self.replaying = false;
                }
                if let Some(TranscriptItem::Connection {
                    modes,
                    config_options,
                    ..
                }) = self.items.get_mut(index)
                {
                    let result = result.unwrap_or(&null);
                    *modes = result.get("modes").filter(|m| !m.is_null()).cloned();
                    *config_options = result
                        .get("configOptions")
                        .filter(|c| !c.is_null())
                        .cloned();
                }
            }
            Pending::Permission(index) => {
                if let Some(TranscriptItem::Permission(permission)) = self.items.get_mut(index) {
                    if let Some(outcome) = message.pointer("/result/outcome") {
                        permission.answer(outcome);
                    }
                }
            }
            Pending::TerminalCreate(params) => {
                if let Some(result) = result {
                    self.terminals.created(&params, result);
                }
            }
            Pending::TerminalOutput(terminal) => {
                if let Some(result) = result {
                    self.terminals.output(&terminal, result);
                }
            }
            Pending::TerminalWait(terminal) => self.terminals.exited(&terminal, result),
            Pending::TerminalRelease(terminal) => {
                if result.is_some() {
                    self.terminals.released(&terminal);
                }
            }
            Pending::Other => {}
        }
        if let Some(error) = error {
            self.items.push(turn_error(seq, error));
        }
    }

    fn notification(&mut self, seq: u32, direction: Direction, method: &str, message: &Value) {
        match (direction, method) {
            (_, "session/update") => {
                let update = message.pointer("/params/update").unwrap_or(&Value::Null);
                if self.replaying {
                    self.count_replay(seq);
                } else {
                    self.update(seq, update);
                }
            }
            (Direction::Outbound, "session/cancel") => {
                self.items.push(TranscriptItem::Cancel { seq })
            }
            (_, other) => self.items.push(TranscriptItem::Other {
                seq,
                label: other.to_string(),
            }),
        }
    }

    fn count_replay(&mut self, seq: u32) {
        if let Some(TranscriptItem::Replay { events, .. }) = self.items.last_mut() {
            *events += 1;
        } else {
            self.items.push(TranscriptItem::Replay { seq, events: 1 });
        }
    }

    fn update(&mut self, seq: u32, update: &Value) {
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
    fn tool_call_index(&mut self, seq: u32, id: &str) -> usize {
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
