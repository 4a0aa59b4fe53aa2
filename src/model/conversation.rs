//! Conversations rebuilt from raw ACP traffic (`events.ndjson`).
//!
//! `record.json` is trimmed (200 messages, 8000 chars) and its message
//! indexes drift (FORMAT.md §8), so the transcript of an attempt is folded
//! from the JSON-RPC messages in its event range instead: prompt blocks,
//! merged message and thought chunks, tool calls with their updates, plans,
//! permission requests with their answers, usage, and how the turn ended.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::bundle::capped::Capped;
use crate::bundle::session::{Direction, RpcKind, SessionEntry};
use crate::bundle::{BundleError, SessionFiles};
use crate::humanize;

/// The most text one item keeps (an agent message of millions of chunks
/// keeps its beginning and says how much was cut).
pub const TEXT_CAP: usize = 64 << 10;
/// A range longer than twice this is folded at both ends only.
pub const FOLD_WINDOW: usize = 10_000;
/// Event lines longer than this are not folded (named, not parsed).
pub const FOLD_LINE_CAP: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptItem {
    /// Prompt blocks sent by acpx (text blocks joined with newlines).
    User {
        seq: u32,
        text: String,
    },
    Agent {
        seq: u32,
        text: String,
    },
    Thought {
        seq: u32,
        text: String,
    },
    ToolCall(ToolCall),
    Plan {
        seq: u32,
        entries: Vec<Value>,
    },
    Permission(Permission),
    Usage {
        seq: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        used: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cost: Option<Value>,
    },
    /// A (re)connection handshake: `initialize`, `session/new`, `session/load`.
    Connection {
        seq: u32,
        method: String,
    },
    /// History the agent replayed while answering `session/load`.
    Replay {
        seq: u32,
        events: usize,
    },
    /// The prompt's response: why the turn ended.
    TurnEnd {
        seq: u32,
        stop_reason: String,
    },
    TurnError {
        seq: u32,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
    },
    Cancel {
        seq: u32,
    },
    /// Anything else (unknown updates, fs/terminal calls), shown generically.
    Other {
        seq: u32,
        label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    pub seq: u32,
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_input: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_output: Option<Value>,
    /// Text of the `content` blocks the tool produced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub seq: u32,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    pub options: Vec<Value>,
    /// `optionId` chosen, or the outcome (`cancelled`) when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
}

/// Where a transcript came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptSource {
    Events,
    Record,
}

/// Folds JSON-RPC messages into transcript items, one message at a time, so
/// the live view can feed it as lines arrive.
#[derive(Debug, Default)]
pub struct TranscriptBuilder {
    items: Vec<TranscriptItem>,
    tool_calls: HashMap<String, usize>,
    /// Requests awaiting a response: (connection epoch, direction, id) → what.
    pending: HashMap<(u32, bool, String), Pending>,
    epoch: u32,
    /// While a `session/load` is unanswered, updates are history replay.
    replaying: bool,
    /// Text left out of items over `TEXT_CAP`: item → (bytes, chunks).
    cut: HashMap<usize, (u64, u64)>,
}

#[derive(Debug, Clone)]
enum Pending {
    Prompt,
    Load,
    Permission(usize),
    Other,
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
        for (index, (bytes, chunks)) in self.cut {
            if let Some(
                TranscriptItem::Agent { text, .. }
                | TranscriptItem::Thought { text, .. }
                | TranscriptItem::User { text, .. },
            ) = self.items.get_mut(index)
            {
                let chunks = match chunks {
                    0 => String::new(),
                    n => format!(" in {} chunks", humanize::count(n)),
                };
                text.push_str(&format!(
                    "\n… [text cut: {} more{chunks}]",
                    humanize::bytes(bytes)
                ));
            }
        }
        self.items
    }

    /// Appends `chunk` to the text of item `index` up to `TEXT_CAP`,
    /// counting what does not fit.
    fn append_capped(&mut self, index: usize, chunk: &str, is_chunk: bool) {
        let Some(
            TranscriptItem::Agent { text, .. }
            | TranscriptItem::Thought { text, .. }
            | TranscriptItem::User { text, .. },
        ) = self.items.get_mut(index)
        else {
            return;
        };
        let room = TEXT_CAP.saturating_sub(text.len());
        let mut keep = chunk.len().min(room);
        while !chunk.is_char_boundary(keep) {
            keep -= 1;
        }
        text.push_str(&chunk[..keep]);
        if keep < chunk.len() {
            let entry = self.cut.entry(index).or_default();
            entry.0 += (chunk.len() - keep) as u64;
            entry.1 += u64::from(is_chunk);
        }
    }

    fn key(&self, direction: Direction, id: String) -> (u32, bool, String) {
        (self.epoch, direction == Direction::Outbound, id)
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
                self.items.push(TranscriptItem::Connection {
                    seq,
                    method: method.to_string(),
                });
                Pending::Other
            }
            "session/new" => {
                self.items.push(TranscriptItem::Connection {
                    seq,
                    method: method.to_string(),
                });
                Pending::Other
            }
            "session/load" => {
                self.items.push(TranscriptItem::Connection {
                    seq,
                    method: method.to_string(),
                });
                self.replaying = true;
                Pending::Load
            }
            "session/prompt" => {
                // Tool call ids are only unique within a turn (agents reuse
                // `call_1` on every turn): a new prompt starts a new scope.
                self.tool_calls.clear();
                let text = prompt_text(params.get("prompt"));
                self.items.push(TranscriptItem::User {
                    seq,
                    text: String::new(),
                });
                self.append_capped(self.items.len() - 1, &text, false);
                Pending::Prompt
            }
            "session/request_permission" => {
                let tool_call = params.get("toolCall").unwrap_or(&Value::Null);
                self.items.push(TranscriptItem::Permission(Permission {
                    seq,
                    title: str_field(tool_call, "title")
                        .unwrap_or_else(|| "permission".to_string()),
                    tool_call_id: str_field(tool_call, "toolCallId"),
                    options: params
                        .get("options")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    selected: None,
                }));
                Pending::Permission(self.items.len() - 1)
            }
            other => {
                self.items.push(TranscriptItem::Other {
                    seq,
                    label: other.to_string(),
                });
                Pending::Other
            }
        };
        let key = self.key(direction, id);
        self.pending.insert(key, pending);
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
        match pending {
            Pending::Load => self.replaying = false,
            Pending::Prompt => {
                let item = match error {
                    Some(error) => turn_error(seq, error),
                    None => TranscriptItem::TurnEnd {
                        seq,
                        stop_reason: message
                            .pointer("/result/stopReason")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown")
                            .to_string(),
                    },
                };
                self.items.push(item);
                return;
            }
            Pending::Permission(index) => {
                if let Some(TranscriptItem::Permission(permission)) = self.items.get_mut(index) {
                    let outcome = message.pointer("/result/outcome");
                    permission.selected = outcome
                        .and_then(|o| o.get("optionId").or_else(|| o.get("outcome")))
                        .and_then(Value::as_str)
                        .map(str::to_string);
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
        match kind {
            "agent_message_chunk" => self.append_text(seq, update, TextKind::Agent),
            "agent_thought_chunk" => self.append_text(seq, update, TextKind::Thought),
            "user_message_chunk" => self.append_text(seq, update, TextKind::User),
            "tool_call" | "tool_call_update" => self.tool_call(seq, update),
            "plan" => {
                let entries = update
                    .get("entries")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                // Each plan update carries the whole plan: replace a plan
                // shown just before rather than stacking copies.
                if let Some(TranscriptItem::Plan { entries: last, .. }) = self.items.last_mut() {
                    *last = entries;
                } else {
                    self.items.push(TranscriptItem::Plan { seq, entries });
                }
            }
            "usage_update" => self.items.push(TranscriptItem::Usage {
                seq,
                used: update.get("used").cloned(),
                size: update.get("size").cloned(),
                cost: update.get("cost").cloned(),
            }),
            other => self.items.push(TranscriptItem::Other {
                seq,
                label: if other.is_empty() {
                    "session/update".to_string()
                } else {
                    other.to_string()
                },
            }),
        }
    }

    fn append_text(&mut self, seq: u32, update: &Value, kind: TextKind) {
        let chunk = content_text(update.get("content").unwrap_or(&Value::Null));
        let continues = matches!(
            (kind, self.items.last()),
            (TextKind::Agent, Some(TranscriptItem::Agent { .. }))
                | (TextKind::Thought, Some(TranscriptItem::Thought { .. }))
                | (TextKind::User, Some(TranscriptItem::User { .. }))
        );
        if !continues {
            let text = String::new();
            self.items.push(match kind {
                TextKind::Agent => TranscriptItem::Agent { seq, text },
                TextKind::Thought => TranscriptItem::Thought { seq, text },
                TextKind::User => TranscriptItem::User { seq, text },
            });
        }
        self.append_capped(self.items.len() - 1, &chunk, true);
    }

    fn tool_call(&mut self, seq: u32, update: &Value) {
        let id = str_field(update, "toolCallId").unwrap_or_default();
        let index = match self.tool_calls.get(&id) {
            Some(&index) => index,
            None => {
                self.items.push(TranscriptItem::ToolCall(ToolCall {
                    seq,
                    id: id.clone(),
                    title: String::new(),
                    tool_kind: None,
                    status: "pending".to_string(),
                    raw_input: None,
                    raw_output: None,
                    content: Vec::new(),
                    locations: Vec::new(),
                }));
                self.tool_calls.insert(id, self.items.len() - 1);
                self.items.len() - 1
            }
        };
        let Some(TranscriptItem::ToolCall(call)) = self.items.get_mut(index) else {
            return;
        };
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
            call.content = blocks.iter().map(tool_content_text).collect();
        }
        if let Some(Value::Array(locations)) = update.get("locations") {
            call.locations = locations.clone();
        }
    }
}

#[derive(Clone, Copy)]
enum TextKind {
    Agent,
    Thought,
    User,
}

fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn turn_error(seq: u32, error: &Value) -> TranscriptItem {
    TranscriptItem::TurnError {
        seq,
        message: str_field(error, "message").unwrap_or_else(|| error.to_string()),
        code: error.get("code").and_then(Value::as_i64),
        data: error.get("data").cloned(),
    }
}

/// Text of one ACP content block; non-text blocks get a short placeholder.
pub fn content_text(block: &Value) -> String {
    match block.get("type").and_then(Value::as_str) {
        Some("text") | None => block
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Some("resource_link") => format!(
            "[link {}]",
            block.get("uri").and_then(Value::as_str).unwrap_or("")
        ),
        Some("resource") => match block.pointer("/resource/text").and_then(Value::as_str) {
            Some(text) => text.to_string(),
            None => format!(
                "[resource {}]",
                block
                    .pointer("/resource/uri")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ),
        },
        Some(other) => format!("[{other}]"),
    }
}

fn tool_content_text(block: &Value) -> String {
    match block.get("type").and_then(Value::as_str) {
        Some("content") => content_text(block.get("content").unwrap_or(&Value::Null)),
        Some("diff") => format!(
            "[diff {}]",
            block.get("path").and_then(Value::as_str).unwrap_or("")
        ),
        Some("terminal") => format!(
            "[terminal {}]",
            block
                .get("terminalId")
                .and_then(Value::as_str)
                .unwrap_or("")
        ),
        _ => content_text(block),
    }
}

fn prompt_text(prompt: Option<&Value>) -> String {
    match prompt {
        Some(Value::Array(blocks)) => blocks
            .iter()
            .map(content_text)
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    }
}

/// Rebuilds the transcript of session events with seq in `first..=last`.
/// A range of more than `2 × FOLD_WINDOW` events is folded at both ends
/// with a marker for what lies between, so a turn of millions of chunks
/// costs as much as one of twenty thousand.
pub fn transcript_from_events(
    session: &SessionFiles,
    first: u32,
    last: u32,
) -> Result<Vec<TranscriptItem>, BundleError> {
    transcript_window(session, first, last, FOLD_WINDOW)
}

/// `transcript_from_events` folding up to `window` events at each end.
pub fn transcript_window(
    session: &SessionFiles,
    first: u32,
    last: u32,
    window: usize,
) -> Result<Vec<TranscriptItem>, BundleError> {
    let index = session.index()?;
    let entries = &index.entries()[index.range(first, last)];
    let mut builder = TranscriptBuilder::default();
    let window = window.max(1);
    if entries.len() <= 2 * window {
        fold(session, entries, &mut builder)?;
        return Ok(builder.finish());
    }
    let (head, rest) = entries.split_at(window);
    let (middle, tail) = rest.split_at(rest.len() - window);
    fold(session, head, &mut builder)?;
    builder.note_cut(middle[0].seq, cut_label(index, middle));
    fold(session, tail, &mut builder)?;
    Ok(builder.finish())
}

fn fold(
    session: &SessionFiles,
    entries: &[SessionEntry],
    builder: &mut TranscriptBuilder,
) -> Result<(), BundleError> {
    session.read_events_capped(entries, FOLD_LINE_CAP, |entry, line| match line {
        Capped::Parsed(line) => {
            if let Some(message) = line.get("message") {
                builder.push(entry.seq, entry_direction(entry), message);
            }
        }
        Capped::TooLarge(len) => builder.note_cut(
            entry.seq,
            format!(
                "event #{} not shown: {} is too large to fold",
                entry.seq,
                humanize::bytes(u64::from(len))
            ),
        ),
    })
}

/// `conversation cut: 9,980,000 events not shown (9,979,990 agent_message_chunk)`.
fn cut_label(index: &crate::bundle::SessionIndex, middle: &[SessionEntry]) -> String {
    let mut kinds: HashMap<Option<crate::bundle::intern::Sym>, u64> = HashMap::new();
    for entry in middle {
        *kinds.entry(entry.update.or(entry.method)).or_default() += 1;
    }
    // The commonest kind; ties go to the first name, so the label is stable.
    let commonest = kinds
        .into_iter()
        .filter_map(|(sym, n)| Some((index.resolve(sym?), n)))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)));
    let detail = commonest
        .map(|(name, n)| format!(" ({} {name})", humanize::count(n)))
        .unwrap_or_default();
    format!(
        "conversation cut: {} events not shown{detail}",
        humanize::count(middle.len() as u64)
    )
}

fn entry_direction(entry: &SessionEntry) -> Direction {
    match (entry.direction, entry.rpc) {
        (Direction::Unknown, RpcKind::Request) => Direction::Outbound,
        (direction, _) => direction,
    }
}

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
            items.push(TranscriptItem::User { seq: 0, text });
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
            items.push(TranscriptItem::Agent {
                seq: 0,
                text: text.to_string(),
            });
        } else if let Some(thinking) = block.get("Thinking") {
            let text = thinking
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            items.push(TranscriptItem::Thought { seq: 0, text });
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
                    .map(|t| vec![t.to_string()])
                    .unwrap_or_default(),
                locations: Vec::new(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fold(messages: &[(Direction, Value)]) -> Vec<TranscriptItem> {
        let mut builder = TranscriptBuilder::default();
        for (i, (direction, message)) in messages.iter().enumerate() {
            builder.push(i as u32 + 1, *direction, message);
        }
        builder.finish()
    }

    fn update(u: Value) -> (Direction, Value) {
        (
            Direction::Inbound,
            json!({"jsonrpc": "2.0", "method": "session/update", "params": {"update": u}}),
        )
    }

    #[test]
    fn merges_chunks_and_tracks_tool_calls() {
        let items = fold(&[
            (
                Direction::Outbound,
                json!({"id": 2, "method": "session/prompt", "params": {"prompt": [{"type": "text", "text": "hi"}, {"type": "resource_link", "uri": "file:///a"}]}}),
            ),
            update(
                json!({"sessionUpdate": "agent_thought_chunk", "content": {"type": "text", "text": "hmm"}}),
            ),
            update(
                json!({"sessionUpdate": "tool_call", "toolCallId": "t1", "title": "read", "status": "pending"}),
            ),
            update(
                json!({"sessionUpdate": "tool_call_update", "toolCallId": "t1", "status": "completed", "content": [{"type": "content", "content": {"type": "text", "text": "ok"}}]}),
            ),
            update(
                json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "Hel"}}),
            ),
            update(
                json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "lo"}}),
            ),
            (
                Direction::Inbound,
                json!({"id": 2, "result": {"stopReason": "end_turn"}}),
            ),
        ]);
        assert_eq!(items.len(), 5, "{items:#?}");
        assert_eq!(
            items[0],
            TranscriptItem::User {
                seq: 1,
                text: "hi\n[link file:///a]".into()
            }
        );
        assert_eq!(
            items[1],
            TranscriptItem::Thought {
                seq: 2,
                text: "hmm".into()
            }
        );
        let TranscriptItem::ToolCall(call) = &items[2] else {
            panic!("tool call expected")
        };
        assert_eq!(
            (call.status.as_str(), call.content.clone()),
            ("completed", vec!["ok".to_string()])
        );
        assert_eq!(
            items[3],
            TranscriptItem::Agent {
                seq: 5,
                text: "Hello".into()
            }
        );
        assert_eq!(
            items[4],
            TranscriptItem::TurnEnd {
                seq: 7,
                stop_reason: "end_turn".into()
            }
        );
    }

    #[test]
    fn a_message_of_many_chunks_keeps_its_start_and_says_what_was_cut() {
        let chunk = "0123456789";
        let count = 20_000;
        let mut messages = vec![(
            Direction::Outbound,
            json!({"id": 1, "method": "session/prompt", "params": {"prompt": []}}),
        )];
        for _ in 0..count {
            messages.push(update(
                json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": chunk}}),
            ));
        }
        let items = fold(&messages);
        let TranscriptItem::Agent { text, .. } = &items[1] else {
            panic!("{:?}", &items[..2]);
        };
        let total = chunk.len() * count;
        let whole_kept = TEXT_CAP / chunk.len();
        // The chunk that crosses the cap is cut too.
        let cut_chunks = count - whole_kept;
        let expected_tail = format!(
            "\n… [text cut: {} more in {} chunks]",
            humanize::bytes((total - TEXT_CAP) as u64),
            humanize::count(cut_chunks as u64)
        );
        assert!(text.ends_with(&expected_tail), "{}", &text[TEXT_CAP..]);
        assert_eq!(text.len(), TEXT_CAP + expected_tail.len());
        assert!(text.starts_with(&chunk.repeat(100)));
    }

    #[test]
    fn pairs_permissions_per_connection_and_direction() {
        let items = fold(&[
            (
                Direction::Outbound,
                json!({"id": 0, "method": "initialize", "params": {}}),
            ),
            (Direction::Inbound, json!({"id": 0, "result": {}})),
            (
                Direction::Outbound,
                json!({"id": 2, "method": "session/prompt", "params": {"prompt": []}}),
            ),
            // agent → client request with an id that collides with the prompt's space
            (
                Direction::Inbound,
                json!({"id": 0, "method": "session/request_permission", "params": {"toolCall": {"title": "Edit"}, "options": [{"optionId": "allow"}]}}),
            ),
            (
                Direction::Outbound,
                json!({"id": 0, "result": {"outcome": {"outcome": "selected", "optionId": "allow"}}}),
            ),
            (
                Direction::Inbound,
                json!({"id": 2, "error": {"code": -32603, "message": "Internal error"}}),
            ),
        ]);
        let TranscriptItem::Permission(p) = &items[2] else {
            panic!("{items:#?}")
        };
        assert_eq!(p.selected.as_deref(), Some("allow"));
        assert!(matches!(
            &items[3],
            TranscriptItem::TurnError {
                code: Some(-32603),
                ..
            }
        ));
    }

    #[test]
    fn tool_call_ids_are_scoped_to_a_turn() {
        let prompt = |id: i64| {
            (
                Direction::Outbound,
                json!({"id": id, "method": "session/prompt", "params": {"prompt": []}}),
            )
        };
        let call = || {
            update(json!({"sessionUpdate": "tool_call", "toolCallId": "call_1", "title": "read"}))
        };
        let items = fold(&[prompt(1), call(), prompt(2), call()]);
        let calls = items
            .iter()
            .filter(|i| matches!(i, TranscriptItem::ToolCall(_)))
            .count();
        assert_eq!(calls, 2, "{items:#?}");
    }

    #[test]
    fn history_replayed_on_load_is_not_the_turn() {
        let items = fold(&[
            (
                Direction::Outbound,
                json!({"id": 1, "method": "session/load", "params": {}}),
            ),
            update(
                json!({"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": "old"}}),
            ),
            update(
                json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "old"}}),
            ),
            (Direction::Inbound, json!({"id": 1, "result": {}})),
            update(
                json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "new"}}),
            ),
        ]);
        assert_eq!(items[1], TranscriptItem::Replay { seq: 2, events: 2 });
        assert_eq!(
            items[2],
            TranscriptItem::Agent {
                seq: 5,
                text: "new".into()
            }
        );
    }
}
