//! Terminals the agent asked the client to run (`terminal/*` requests),
//! tracked by `terminalId` so a tool call's `{"type":"terminal"}` content
//! can carry the command, output and exit status the client answered.

use std::collections::HashMap;

use serde_json::Value;

use super::item::TranscriptItem;
use super::tool_content::{ExitStatus, Terminal, ToolCallContent};

#[derive(Debug, Default)]
pub(super) struct Terminals {
    by_id: HashMap<String, Terminal>,
}

/// The terminal a `terminal/*` request names.
pub(super) fn terminal_id(params: &Value) -> String {
    params
        .get("terminalId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Terminals {
    fn entry(&mut self, id: &str) -> &mut Terminal {
        self.by_id
            .entry(id.to_string())
            .or_insert_with(|| Terminal {
                terminal_id: id.to_string(),
                ..Terminal::default()
            })
    }

    /// `terminal/create` answered with `terminalId`; `params` are the request's.
    pub fn created(&mut self, params: &Value, result: &Value) {
        let Some(id) = result.get("terminalId").and_then(Value::as_str) else {
            return;
        };
        let terminal = self.entry(id);
        terminal.command = params
            .get("command")
            .and_then(Value::as_str)
            .map(str::to_string);
        terminal.args = params
            .get("args")
            .and_then(Value::as_array)
            .map(|args| {
                args.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
    }

    pub fn output(&mut self, id: &str, result: &Value) {
        self.entry(id).set_output(result);
    }

    pub fn waiting(&mut self, id: &str) {
        self.entry(id).waiting_for_exit = true;
    }

    /// The answer to `terminal/wait_for_exit` (`None`: an error answer).
    pub fn exited(&mut self, id: &str, result: Option<&Value>) {
        let terminal = self.entry(id);
        terminal.waiting_for_exit = false;
        if let Some(result) = result {
            terminal.exit_status = Some(ExitStatus::from_value(result));
        }
    }

    /// The turn ended: terminals still awaited were left running.
    pub fn turn_ended(&mut self) {
        for terminal in self.by_id.values_mut() {
            if terminal.waiting_for_exit {
                terminal.waiting_at_turn_end = true;
            }
        }
    }

    pub fn released(&mut self, id: &str) {
        self.entry(id).released = true;
    }

    /// Fills every terminal content of the tool calls with what is known.
    pub fn link(&self, items: &mut [TranscriptItem]) {
        for item in items {
            let TranscriptItem::ToolCall(call) = item else {
                continue;
            };
            for content in &mut call.content {
                if let ToolCallContent::Terminal(terminal) = content {
                    if let Some(known) = self.by_id.get(&terminal.terminal_id) {
                        *terminal = known.clone();
                    }
                }
            }
        }
    }
}
