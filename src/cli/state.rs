//! `reel state RUN --at ATTEMPT [--json]`: the canonical state of a run at
//! one frame (the attempt's last event): every node's status, the outputs so
//! far, and the attempt's conversation.

use serde_json::{json, Map, Value};

mod conversation;

use conversation::print_conversation;

use super::format::{clean, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::model::{Conversation, NodeFrame, Run};
use crate::sanitize::json::to_line;

pub fn run(run: &Run, at: &str, json: bool) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, run, at, json);
    super::emit(&out);
    result
}

fn render(out: &mut String, run: &Run, at: &str, json: bool) -> CliResult {
    let position = run
        .find_attempt(at)
        .ok_or_else(|| super::errors::unknown_attempt(run, at))?;
    let state = StateAt::compute(run, position)?;
    if json {
        outln!(out, "{}", to_line(&state.to_json(run)));
    } else {
        state.print(out, run);
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
        for (node, output) in run.outputs_at(attempt.seq_end(&run.bundle.trace)) {
            outputs.push((node, output.map_err(CliError::failure)?));
        }
        Ok(StateAt {
            position,
            frames: run.node_frames_at(attempt.seq_end(&run.bundle.trace)),
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
            "seq": attempt.seq_end(&run.bundle.trace),
            "nodes": nodes,
            "outputs": outputs,
            "conversation": self.conversation,
        })
    }

    fn print(&self, out: &mut String, run: &Run) {
        let attempt = &run.attempts[self.position];
        outln!(
            out,
            "step {}/{}  {}  {}  (frame seq {})",
            self.position + 1,
            run.attempts.len(),
            clean(run.attempt_id(attempt), 60),
            attempt.outcome.name(),
            attempt.seq_end(&run.bundle.trace)
        );
        outln!(out, "\nnodes");
        for (node, frame) in run.bundle.flow.nodes.iter().zip(&self.frames) {
            outln!(
                out,
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
            outln!(out, "\noutputs");
            for (node, value) in &self.outputs {
                outln!(
                    out,
                    "  {}  {}",
                    pad(&clean(node, 30), 30),
                    clean(&json_head(value, 4096), 110)
                );
            }
        }
        if let Some(conversation) = &self.conversation {
            print_conversation(out, conversation);
        }
    }
}

/// The first `max` bytes of a value's JSON, without writing all of it (an
/// output may be tens of MB; one line of it is shown).
fn json_head(value: &Value, max: usize) -> String {
    struct Head(Vec<u8>, usize);
    impl std::io::Write for Head {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = self.1.saturating_sub(self.0.len());
            if room == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut head = Head(Vec::new(), max);
    // Stopping early is the point: the error only says the room is full.
    let _ = serde_json::to_writer(&mut head, value);
    String::from_utf8_lossy(&head.0).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_of_a_value_is_its_json_cut() {
        let value = serde_json::json!({"a": [1, 2, 3], "b": "x".repeat(10_000)});
        let whole = value.to_string();
        assert_eq!(json_head(&value, 1_000_000), whole);
        assert_eq!(json_head(&value, 20), whole[..20]);
    }
}
