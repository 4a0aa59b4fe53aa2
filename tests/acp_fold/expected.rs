//! What the conversation of an event slice must say, folded here from the
//! raw JSON-RPC messages by the ACP schema alone:
//! - prompts: `session/prompt` `params.prompt` as sent;
//! - messages: agent / thought / user message chunks, a new message where
//!   the kind or `messageId` changes (or a prompt comes between), text
//!   after text merged; updates while a `session/load` is unanswered are
//!   history replay and not part of the turn;
//! - tool calls: `tool_call`, `tool_call_update` and a permission request's
//!   `toolCall` (a `ToolCallUpdate`) by `toolCallId`, per turn, the fields
//!   present replacing; terminal content linked to the client's answers to
//!   `terminal/create`, `terminal/output`, `terminal/wait_for_exit`,
//!   `terminal/release` (an unanswered wait = `waitingForExit`, one still
//!   unanswered when the prompt's response came = `waitingAtTurnEnd`);
//! - permissions: options, the chosen `optionId`, and the outcome from the
//!   chosen option's kind (`allow_*` allowed, `reject_*` rejected) or the
//!   `cancelled` outcome;
//! - metadata updates with their values; each prompt's response as
//!   `stopReason` + `usage`, or the error with `data`.

use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::is_text_block;

/// The comparable parts of a conversation, each item with its event seq.
#[derive(Debug, Default, PartialEq)]
pub struct Folded {
    pub prompts: Vec<Value>,
    pub messages: Vec<Value>,
    pub tool_calls: Vec<Value>,
    pub permissions: Vec<Value>,
    pub metadata: Vec<Value>,
    pub turn_ends: Vec<Value>,
}

/// Appends `block` to a message's blocks, merging text after text.
pub fn add_block(blocks: &mut Vec<Value>, block: &Value) {
    if is_text_block(block) {
        if let Some(last) = blocks.last_mut().filter(|b| is_text_block(b)) {
            let more = block["text"].as_str().unwrap_or("");
            let text = format!("{}{more}", last["text"].as_str().unwrap_or(""));
            last["text"] = text.into();
            return;
        }
    }
    blocks.push(block.clone());
}

/// A `ToolCallContent` in the shape the schema gives it.
fn tool_content(item: &Value) -> Value {
    match item.get("type").and_then(Value::as_str) {
        Some("diff") => json!({
            "type": "diff",
            "path": item.get("path").cloned().unwrap_or(Value::Null),
            "oldText": item.get("oldText").cloned().unwrap_or(Value::Null),
            "newText": item.get("newText").cloned().unwrap_or(Value::Null),
        }),
        Some("terminal") => json!({"type": "terminal", "terminalId": item["terminalId"]}),
        Some("content") => json!({"type": "content", "content": item["content"]}),
        _ => item.clone(),
    }
}

fn exit_status(v: &Value) -> Value {
    json!({
        "exitCode": v.get("exitCode").filter(|c| c.is_i64()).cloned().unwrap_or(Value::Null),
        "signal": v.get("signal").filter(|s| s.is_string()).cloned().unwrap_or(Value::Null),
    })
}

struct Request {
    method: String,
    params: Value,
    /// For a permission: its index in `permissions`.
    permission: Option<usize>,
}

#[derive(Default)]
struct Fold {
    out: Folded,
    replaying: bool,
    /// Unanswered requests by (id, direction of the request).
    pending: HashMap<(String, String), Request>,
    /// This turn's tool calls: id → index in `out.tool_calls`.
    turn_calls: HashMap<String, usize>,
    terminals: HashMap<String, Map<String, Value>>,
}

impl Fold {
    fn tool_update(&mut self, seq: u64, update: &Value) {
        let id = update
            .get("toolCallId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let index = *self.turn_calls.entry(id.clone()).or_insert_with(|| {
            self.out.tool_calls.push(
                json!({"seq": seq, "id": id, "title": "", "toolKind": null, "status": "pending",
                    "content": [], "rawInput": null, "rawOutput": null}),
            );
            self.out.tool_calls.len() - 1
        });
        let call = &mut self.out.tool_calls[index];
        for (field, key) in [
            ("title", "title"),
            ("kind", "toolKind"),
            ("status", "status"),
            ("rawInput", "rawInput"),
            ("rawOutput", "rawOutput"),
        ] {
            if let Some(v) = update.get(field) {
                call[key] = v.clone();
            }
        }
        if let Some(content) = update.get("content").and_then(Value::as_array) {
            call["content"] = content.iter().map(tool_content).collect();
        }
    }

    fn request(&mut self, seq: u64, direction: &str, id: String, message: &Value) {
        let method = message["method"].as_str().unwrap_or("").to_string();
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let mut permission = None;
        match method.as_str() {
            "initialize" => {
                // Ids start over on a new connection.
                self.pending.clear();
                self.replaying = false;
            }
            "session/load" => self.replaying = true,
            "session/prompt" => {
                self.turn_calls.clear();
                let prompt = match &params["prompt"] {
                    Value::String(text) => json!([{"type": "text", "text": text}]),
                    other => other.clone(),
                };
                self.out
                    .prompts
                    .push(json!({"seq": seq, "content": prompt}));
                self.out
                    .messages
                    .push(json!({"kind": "user", "messageId": null, "content": []}));
            }
            "session/request_permission" => {
                let tool_call = &params["toolCall"];
                if tool_call.get("toolCallId").is_some_and(Value::is_string) {
                    self.tool_update(seq, tool_call);
                }
                let options: Vec<Value> = params["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| json!({"optionId": o["optionId"], "name": o["name"], "kind": o["kind"]}))
                    .collect();
                self.out.permissions.push(json!({
                    "seq": seq,
                    "toolCallId": tool_call.get("toolCallId").cloned().unwrap_or(Value::Null),
                    "options": options,
                    "selected": null,
                    "outcome": null,
                }));
                permission = Some(self.out.permissions.len() - 1);
            }
            "terminal/wait_for_exit" => {
                self.terminal(&params)
                    .insert("waitingForExit".into(), true.into());
            }
            _ => {}
        }
        self.pending.insert(
            (id, direction.to_string()),
            Request {
                method,
                params,
                permission,
            },
        );
    }

    fn terminal(&mut self, params: &Value) -> &mut Map<String, Value> {
        let id = params["terminalId"].as_str().unwrap_or("").to_string();
        self.terminals.entry(id).or_default()
    }

    fn response(&mut self, seq: u64, direction: &str, id: String, message: &Value) {
        let request_direction = if direction == "inbound" {
            "outbound"
        } else {
            "inbound"
        };
        let request = self.pending.remove(&(id, request_direction.to_string()));
        if let Some(error) = message.get("error") {
            // Every error answer is shown with its data, a prompt's or not;
            // another request's names its method.
            let method = match &request {
                Some(r) if r.method != "session/prompt" => Value::from(r.method.clone()),
                _ => Value::Null,
            };
            self.out.turn_ends.push(json!({
                "seq": seq,
                "error": {"method": method, "code": error["code"], "message": error["message"], "data": error.get("data").cloned().unwrap_or(Value::Null)},
            }));
        }
        let Some(request) = request else {
            return;
        };
        let result = message
            .get("result")
            .filter(|_| message.get("error").is_none());
        if request.method == "session/prompt" {
            // The turn ended with these commands still awaited.
            for terminal in self.terminals.values_mut() {
                if terminal.contains_key("waitingForExit") {
                    terminal.insert("waitingAtTurnEnd".into(), true.into());
                }
            }
        }
        match (request.method.as_str(), result) {
            ("session/load", _) => self.replaying = false,
            ("session/prompt", Some(result)) => self.out.turn_ends.push(json!({
                "seq": seq,
                "stopReason": result.get("stopReason").cloned().unwrap_or("unknown".into()),
                "usage": result.get("usage").cloned().unwrap_or(Value::Null),
            })),
            ("session/request_permission", Some(result)) => {
                let Some(index) = request.permission else {
                    return;
                };
                let permission = &mut self.out.permissions[index];
                let outcome = &result["outcome"];
                if outcome["outcome"] == "cancelled" {
                    permission["outcome"] = "cancelled".into();
                } else {
                    let chosen = outcome["optionId"].clone();
                    let kind = permission["options"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|o| o["optionId"] == chosen)
                        .map(|o| o["kind"].clone());
                    permission["outcome"] = match kind.as_ref().and_then(Value::as_str) {
                        Some("allow_once" | "allow_always") => "allowed",
                        Some("reject_once" | "reject_always") => "rejected",
                        _ => "unknown",
                    }
                    .into();
                    permission["selected"] = chosen;
                }
            }
            ("terminal/create", Some(result)) => {
                let params = request.params;
                let id = result["terminalId"].as_str().unwrap_or("").to_string();
                let terminal = self.terminals.entry(id).or_default();
                if params["command"].is_string() {
                    terminal.insert("command".into(), params["command"].clone());
                }
                let args: Vec<Value> = params["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|a| a.is_string())
                    .cloned()
                    .collect();
                if !args.is_empty() {
                    terminal.insert("args".into(), args.into());
                }
            }
            ("terminal/output", Some(result)) => {
                let terminal = self.terminal(&request.params);
                let output = result["output"].as_str().unwrap_or("");
                terminal.insert("output".into(), output.into());
                match result.get("truncated") {
                    Some(t @ Value::Bool(_)) => terminal.insert("truncated".into(), t.clone()),
                    _ => terminal.remove("truncated"),
                };
                if let Some(status) = result.get("exitStatus").filter(|s| s.is_object()) {
                    terminal.insert("exitStatus".into(), exit_status(status));
                }
            }
            ("terminal/wait_for_exit", result) => {
                let terminal = self.terminal(&request.params);
                terminal.remove("waitingForExit");
                if let Some(result) = result {
                    terminal.insert("exitStatus".into(), exit_status(result));
                }
            }
            ("terminal/release", Some(_)) => {
                self.terminal(&request.params)
                    .insert("released".into(), true.into());
            }
            _ => {}
        }
    }

    fn update(&mut self, seq: u64, update: &Value) {
        let kind = update["sessionUpdate"].as_str().unwrap_or("");
        let message_kind = match kind {
            "agent_message_chunk" => Some("agent"),
            "agent_thought_chunk" => Some("thought"),
            "user_message_chunk" => Some("user_message"),
            _ => None,
        };
        if let Some(message_kind) = message_kind {
            let id = update.get("messageId").cloned().unwrap_or(Value::Null);
            let same = self
                .out
                .messages
                .last()
                .is_some_and(|m| m["kind"] == message_kind && m["messageId"] == id);
            if !same {
                self.out
                    .messages
                    .push(json!({"kind": message_kind, "messageId": id, "content": []}));
            }
            let last = self.out.messages.last_mut().unwrap();
            add_block(last["content"].as_array_mut().unwrap(), &update["content"]);
            return;
        }
        let field = |key: &str| update.get(key).cloned().unwrap_or(Value::Null);
        let meta = match kind {
            "tool_call" | "tool_call_update" => return self.tool_update(seq, update),
            "current_mode_update" => {
                json!({"kind": "current_mode", "currentModeId": field("currentModeId")})
            }
            "available_commands_update" => {
                json!({"kind": "available_commands", "availableCommands": field("availableCommands")})
            }
            "config_option_update" => {
                json!({"kind": "config_options", "configOptions": field("configOptions")})
            }
            "session_info_update" => {
                json!({"kind": "session_info", "title": field("title"), "updatedAt": field("updatedAt")})
            }
            _ => return,
        };
        let mut meta = meta;
        meta["seq"] = seq.into();
        self.out.metadata.push(meta);
    }

    /// Terminal content gets what the client's answers said.
    fn link_terminals(&mut self) {
        for call in &mut self.out.tool_calls {
            for content in call["content"].as_array_mut().into_iter().flatten() {
                if content["type"] != "terminal" {
                    continue;
                }
                let id = content["terminalId"].as_str().unwrap_or("");
                if let Some(known) = self.terminals.get(id) {
                    for (key, value) in known {
                        content[key] = value.clone();
                    }
                }
            }
        }
    }
}

/// Folds the events of one attempt's range.
pub fn fold(events: &[Value]) -> Folded {
    let mut fold = Fold::default();
    for event in events {
        let Some(message) = event.get("message") else {
            continue;
        };
        let seq = event["seq"].as_u64().unwrap_or(0);
        let direction = event["direction"].as_str().unwrap_or("outbound");
        let id = message
            .get("id")
            .filter(|v| !v.is_null())
            .map(Value::to_string);
        match (message.get("method").and_then(Value::as_str), id) {
            (Some(_), Some(id)) => fold.request(seq, direction, id, message),
            (Some("session/update"), None) if !fold.replaying => {
                fold.update(seq, &message["params"]["update"])
            }
            (Some(_), None) => {}
            (None, Some(id)) => fold.response(seq, direction, id, message),
            (None, None) => {}
        }
    }
    fold.link_terminals();
    fold.out
}
