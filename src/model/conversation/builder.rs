//! The fold itself: JSON-RPC messages in, transcript items out, one message
//! at a time (the live view feeds it as lines arrive). Requests are paired
//! with their responses per connection epoch and direction.

use std::collections::HashMap;

use serde_json::Value;

use super::item::{Message, Permission, PermissionOption, TranscriptItem};
use super::terminals::{terminal_id, Terminals};
use super::updates::{apply_tool_update, push_block};
use super::BLOCK_CAP;
use crate::bundle::session::Direction;

#[derive(Debug, Default)]
pub struct TranscriptBuilder {
    pub(super) items: Vec<TranscriptItem>,
    /// Tool call id → item, for the current turn.
    pub(super) tool_calls: HashMap<String, usize>,
    /// Requests awaiting a response: (connection epoch, outbound, id) →
    /// method and what the answer is for.
    pending: HashMap<(u32, bool, String), (String, Pending)>,
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

pub(super) fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// An error answer; `method` names the request unless it was the prompt.
fn turn_error(seq: u32, error: &Value, method: Option<String>) -> TranscriptItem {
    TranscriptItem::TurnError {
        seq,
        method,
        message: str_field(error, "message").unwrap_or_else(|| error.to_string()),
        code: error.get("code").and_then(Value::as_i64),
        data: error.get("data").cloned(),
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

    pub(super) fn push_item(&mut self, item: TranscriptItem) -> usize {
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
        self.pending.insert(key, (method.to_string(), pending));
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
        let (method, pending) = match self.pending.remove(&key) {
            Some((method, pending)) => (Some(method), pending),
            None => (None, Pending::Other),
        };
        let error = message.get("error");
        let result = message.get("result").filter(|_| error.is_none());
        let null = Value::Null;
        match pending {
            Pending::Prompt => {
                self.terminals.turn_ended();
                let item = match error {
                    Some(error) => turn_error(seq, error, None),
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
            self.items.push(turn_error(seq, error, method));
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
}
