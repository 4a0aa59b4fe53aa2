//! What ACP turns and shell checks say: pure functions of the turn or check
//! number, so that nothing has to be kept between them.

use serde_json::{json, Map, Value};

use super::CWD;

/// record.json truncates message text to this many chars (+ "...").
const RECORD_TEXT_LIMIT: usize = 8_000;
/// Distinct prompt texts; bounded so artifacts dedupe like real repeated prompts
/// and a million-attempt bundle does not create a million files.
const AREAS: [&str; 12] = [
    "auth",
    "billing",
    "search",
    "storage",
    "scheduler",
    "api",
    "ui",
    "cache",
    "queue",
    "metrics",
    "config",
    "logging",
];

/// Everything one ACP turn says; a pure function of the turn number so that
/// record.json can regenerate the final message window without keeping turns.
pub(super) struct TurnScript {
    pub(super) turn: u64,
    area: &'static str,
    pub(super) prompt: String,
    thought: Option<String>,
    tool: bool,
    pub(super) usage: bool,
    chunks: Vec<String>,
    /// The concatenated agent message (= `rawText` = raw response artifact).
    pub(super) text: String,
    pub(super) output: Value,
}

impl TurnScript {
    pub(super) fn new(turn: u64, events_per_turn: usize) -> Self {
        let variant = ((turn - 1) % AREAS.len() as u64) as usize;
        let area = AREAS[variant];
        // Prompt request, one message chunk and the response are mandatory;
        // the budget left buys optional updates, then more chunks.
        let mut budget = events_per_turn.max(3) - 3;
        let thought =
            take(&mut budget, 1).then(|| format!("Reviewing what changed in the {area} module."));
        let tool = take(&mut budget, 3);
        let usage = take(&mut budget, 1);
        let chunk_count = 1 + budget;

        let output = json!({
            "pass": variant,
            "status": format!("progress on {area}"),
            "files": [format!("src/{area}.rs")]
        });
        let mut text = output.to_string();
        if text.len() < 8 * chunk_count {
            // Many chunks need a longer message: agents often talk before the JSON.
            let note = format!("Checked the {area} module and updated the notes. ");
            let prose = note.repeat((8 * chunk_count).div_ceil(note.len()));
            text = format!("{}\n{text}", prose.trim_end());
        }
        let chunks = split_even(&text, chunk_count);
        let prompt = format!(
            "Pass {variant}: continue the investigation of the {area} module and report progress.\n\
             Keep the answer short.\n\
             Return JSON {{\"pass\": number, \"status\": string, \"files\": string[]}}."
        );
        TurnScript {
            turn,
            area,
            prompt,
            thought,
            tool,
            usage,
            chunks,
            text,
            output,
        }
    }

    fn tool_id(&self) -> String {
        format!("call_{}_1", self.turn)
    }

    fn tool_path(&self) -> String {
        format!("{CWD}/src/{}.rs", self.area)
    }

    fn tool_output() -> Value {
        json!({ "ok": true, "lines": 2 })
    }

    /// The `params.update` objects of the turn's `session/update` notifications.
    pub(super) fn updates(&self, turn_tokens: u64) -> Vec<Value> {
        let mut updates = Vec::with_capacity(self.chunks.len() + 5);
        if let Some(thought) = &self.thought {
            updates.push(
                json!({ "sessionUpdate": "agent_thought_chunk", "content": text_block(thought) }),
            );
        }
        if self.tool {
            let id = self.tool_id();
            updates.push(json!({
                "sessionUpdate": "tool_call",
                "toolCallId": id,
                "title": format!("read {}.rs", self.area),
                "kind": "read",
                "status": "pending",
                "locations": [{ "path": self.tool_path(), "line": 10 }],
                "rawInput": { "path": self.tool_path() }
            }));
            updates.push(json!({ "sessionUpdate": "tool_call_update", "toolCallId": id, "status": "in_progress" }));
            updates.push(json!({
                "sessionUpdate": "tool_call_update",
                "toolCallId": id,
                "status": "completed",
                "content": [{ "type": "content", "content": text_block(&format!("Result of read {}.rs:\nline a\nline b", self.area)) }],
                "rawOutput": TurnScript::tool_output()
            }));
        }
        for chunk in &self.chunks {
            updates.push(
                json!({ "sessionUpdate": "agent_message_chunk", "content": text_block(chunk) }),
            );
        }
        if self.usage {
            updates.push(json!({
                "sessionUpdate": "usage_update",
                "used": turn_tokens,
                "size": 200_000,
                "cost": { "amount": self.turn as f64 / 100.0, "currency": "USD" }
            }));
        }
        updates
    }

    /// The two record.json messages of this turn (FORMAT §7.3).
    pub(super) fn messages(&self, user_id: String) -> [Value; 2] {
        let user = json!({ "User": { "id": user_id, "content": [{ "Text": record_text(&self.prompt) }] } });
        let mut content = Vec::new();
        let mut tool_results = Map::new();
        if let Some(thought) = &self.thought {
            content.push(json!({ "Thinking": { "text": thought, "signature": null } }));
        }
        if self.tool {
            let input = json!({ "path": self.tool_path() });
            let name = format!("read {}.rs", self.area);
            content.push(json!({ "ToolUse": {
                "id": self.tool_id(),
                "name": name,
                "raw_input": input.to_string(),
                "input": input,
                "is_input_complete": true,
                "thought_signature": null
            } }));
            tool_results.insert(
                self.tool_id(),
                json!({
                    "tool_use_id": self.tool_id(),
                    "tool_name": name,
                    "is_error": false,
                    "content": { "Text": TurnScript::tool_output().to_string() },
                    "output": TurnScript::tool_output()
                }),
            );
        }
        content.push(json!({ "Text": record_text(&self.text) }));
        let agent = json!({ "Agent": { "content": content, "tool_results": tool_results } });
        [user, agent]
    }
}

fn take(budget: &mut usize, cost: usize) -> bool {
    let affordable = *budget >= cost;
    if affordable {
        *budget -= cost;
    }
    affordable
}

pub(super) fn text_block(text: &str) -> Value {
    json!({ "type": "text", "text": text })
}

/// record.json caps message text (FORMAT §7.3); the events keep it whole.
fn record_text(text: &str) -> String {
    match text.char_indices().nth(RECORD_TEXT_LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Splits ASCII text into `parts` pieces of near-equal length.
fn split_even(text: &str, parts: usize) -> Vec<String> {
    let len = text.len();
    (0..parts)
        .map(|i| text[i * len / parts..(i + 1) * len / parts].to_owned())
        .collect()
}

/// One run of the test suite; five variants so the artifacts dedupe.
pub(super) struct TestRun {
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) output: Value,
}

impl TestRun {
    pub(super) fn new(check: u64) -> Self {
        let variant = ((check - 1) % 5) as usize;
        let tests = 8 + variant;
        let mut stdout = String::from("TAP version 13\n");
        for test in 1..=tests {
            stdout.push_str(&format!(
                "ok {test} - {} behaves\n",
                AREAS[(test + variant) % AREAS.len()]
            ));
        }
        stdout.push_str(&format!("1..{tests}\n# pass {tests}\n# fail 0\n"));
        let stderr = if variant == 3 {
            "warning: deprecated api\n"
        } else {
            ""
        };
        let output = json!({ "passed": tests, "failed": 0, "exitCode": 0 });
        TestRun {
            stdout,
            stderr: stderr.to_owned(),
            output,
        }
    }
}
