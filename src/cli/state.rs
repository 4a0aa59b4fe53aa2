//! `reel state RUN --at ATTEMPT [--json]`: the canonical state of a run at
//! one frame (the attempt's last event): every node's status, the outputs so
//! far, and the attempt's conversation.

use serde_json::{json, Map, Value};

use super::format::{clean, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::model::{Conversation, NodeFrame, Run, TranscriptItem};
use crate::sanitize::sanitize_text;

pub fn run(run: &Run, at: &str, json: bool) -> CliResult {
    let position = run.find_attempt(at).ok_or_else(|| {
        CliError::failure(format!(
            "no attempt {at:?} in run {} (give an attemptId such as node#1 or a step number 1..{})",
            run.run_id(),
            run.attempts.len()
        ))
    })?;
    let state = StateAt::compute(run, position)?;
    if json {
        println!("{}", state.to_json(run));
    } else {
        state.print(run);
    }
    Ok(EXIT_OK)
}

/// Everything `state` reports about the frame at the end of one attempt.
pub struct StateAt {
    pub position: usize,
    pub frames: Vec<NodeFrame>,
    pub outputs: Vec<(String, Value)>,
    pub conversation: Option<Conversation>,
}

impl StateAt {
    pub fn compute(run: &Run, position: usize) -> Result<Self, CliError> {
        let attempt = &run.attempts[position];
        let mut outputs = Vec::new();
        for (node, output) in run.outputs_at(attempt.seq_end) {
            outputs.push((node, output.map_err(CliError::failure)?));
        }
        Ok(StateAt {
            position,
            frames: run.node_frames_at(attempt.seq_end),
            outputs,
            conversation: run.conversation(attempt).map_err(CliError::failure)?,
        })
    }

    /// The `state --json` document (a contract: see the README).
    pub fn to_json(&self, run: &Run) -> Value {
        let attempt = &run.attempts[self.position];
        let nodes: Vec<Value> = run
            .bundle
            .flow
            .nodes
            .iter()
            .zip(&self.frames)
            .map(|(node, frame)| {
                json!({"id": node.id, "nodeType": node.node_type, "state": frame.status.name(), "attempts": frame.attempts})
            })
            .collect();
        let outputs: Map<String, Value> = self.outputs.iter().cloned().collect();
        json!({
            "runId": run.run_id(),
            "attemptId": run.attempt_id(attempt),
            "step": self.position + 1,
            "steps": run.attempts.len(),
            "seq": attempt.seq_end,
            "nodes": nodes,
            "outputs": outputs,
            "conversation": self.conversation,
        })
    }

    fn print(&self, run: &Run) {
        let attempt = &run.attempts[self.position];
        println!(
            "step {}/{}  {}  {}  (frame seq {})",
            self.position + 1,
            run.attempts.len(),
            clean(run.attempt_id(attempt), 60),
            attempt.outcome.name(),
            attempt.seq_end
        );
        println!("\nnodes");
        for (node, frame) in run.bundle.flow.nodes.iter().zip(&self.frames) {
            println!(
                "  {} {}  {}  {}",
                frame.status.glyph(),
                pad(&clean(&node.id, 30), 30),
                pad(frame.status.name(), 11),
                match frame.attempts {
                    0 => String::new(),
                    1 => "1 attempt".to_string(),
                    n => format!("{n} attempts"),
                }
            );
        }
        if !self.outputs.is_empty() {
            println!("\noutputs");
            for (node, value) in &self.outputs {
                println!(
                    "  {}  {}",
                    pad(&clean(node, 30), 30),
                    clean(&value.to_string(), 110)
                );
            }
        }
        if let Some(conversation) = &self.conversation {
            print_conversation(conversation);
        }
    }
}

fn print_conversation(conversation: &Conversation) {
    let range = match (conversation.event_start_seq, conversation.event_end_seq) {
        (Some(a), Some(b)) => format!("events {a}..{b}"),
        _ => "from record.json".to_string(),
    };
    println!(
        "\nconversation  session {}  {range}",
        clean(&conversation.session_id, 60)
    );
    for item in &conversation.items {
        print_item(item);
    }
}

fn print_item(item: &TranscriptItem) {
    let block = |label: &str, text: &str| {
        let clean = sanitize_text(text, true);
        let mut lines = clean.lines();
        println!("  {label} {}", lines.next().unwrap_or(""));
        for line in lines {
            println!("  {} {line}", " ".repeat(label.chars().count()));
        }
    };
    match item {
        TranscriptItem::User { text, .. } => block("user ▸", text),
        TranscriptItem::Agent { text, .. } => block("agent ◂", text),
        TranscriptItem::Thought { text, .. } => block("thought ~", text),
        TranscriptItem::ToolCall(call) => println!(
            "  tool ⚙ {} [{}]{}",
            clean(&call.title, 80),
            clean(&call.status, 20),
            call.raw_output
                .as_ref()
                .map(|o| format!(" → {}", clean(&o.to_string(), 60)))
                .unwrap_or_default()
        ),
        TranscriptItem::Plan { entries, .. } => {
            println!("  plan ☰");
            for entry in entries {
                let text = entry.get("content").and_then(Value::as_str).unwrap_or("");
                let status = entry.get("status").and_then(Value::as_str).unwrap_or("");
                println!("       [{}] {}", clean(status, 12), clean(text, 90));
            }
        }
        TranscriptItem::Permission(p) => println!(
            "  permission ? {} → {}",
            clean(&p.title, 80),
            clean(p.selected.as_deref().unwrap_or("(no answer)"), 30)
        ),
        TranscriptItem::Usage {
            used, size, cost, ..
        } => println!(
            "  usage {} / {}{}",
            used.as_ref().map(Value::to_string).unwrap_or_default(),
            size.as_ref().map(Value::to_string).unwrap_or_default(),
            cost.as_ref()
                .map(|c| format!("  cost {}", clean(&c.to_string(), 40)))
                .unwrap_or_default()
        ),
        TranscriptItem::Connection { method, .. } => println!("  ─ {} ─", clean(method, 40)),
        TranscriptItem::Replay { events, .. } => println!("  ─ {events} replayed history events ─"),
        TranscriptItem::TurnEnd { stop_reason, .. } => println!("  ■ {}", clean(stop_reason, 40)),
        TranscriptItem::TurnError { message, code, .. } => println!(
            "  ✗ error{}: {}",
            code.map(|c| format!(" {c}")).unwrap_or_default(),
            clean(message, 120)
        ),
        TranscriptItem::Cancel { .. } => println!("  ⊘ cancel requested"),
        TranscriptItem::Other { label, .. } => println!("  · {}", clean(label, 80)),
    }
}
