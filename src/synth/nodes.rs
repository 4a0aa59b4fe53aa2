//! What each node of the flow does, run in plan order: the trace events,
//! artifacts and outputs of prepare, work (the ACP turn), check, step, count
//! and done.

use std::io;

use serde_json::{json, Map, Value};

use super::files::Media;
use super::plan::{Node, Plan, Round};
use super::script::{TestRun, TurnScript};
use super::session::agent_command;
use super::writer::{Attempt, Ids, StepExtra, Synth};
use super::{AGENT_ARGV, AGENT_NAME, CWD, MESSAGE_WINDOW, PREPARE_DETAIL, SESSION_HANDLE};

const CHECK_COMMAND: &str = "sh";
const CHECK_ARGS: [&str; 2] = ["-c", "npm test --silent -- --reporter=tap"];

impl Synth<'_> {
    /// Runs the flow: `run_started`, prepare, each round of the plan followed by
    /// count (whose `more` routes to the next round), then done.
    pub(super) fn run(&mut self, plan: &Plan) -> io::Result<()> {
        self.run_started()?;
        self.prepare()?;
        let mut rounds = plan.rounds().peekable();
        let mut completed = 0;
        while let Some(round) = rounds.next() {
            match round {
                Round::Acp => {
                    self.work()?;
                    self.check()?;
                }
                Round::Step => self.step(completed)?,
                Round::Retry => self.check()?,
            }
            completed += 1;
            let more = rounds.peek().map_or("no", |next| next.route());
            self.count(completed, more)?;
        }
        self.done(completed)
    }

    fn prepare(&mut self) -> io::Result<()> {
        let attempt = self.begin(Node::Prepare, Some(PREPARE_DETAIL))?;
        self.clock += self.rng.range(2, 8);
        let mut trace = Map::new();
        trace.insert("action".into(), json!({ "actionType": "function" }));
        let output = json!({ "attempts": self.spec.attempts, "acpEvery": self.spec.acp_every });
        self.finish(attempt, trace, output, StepExtra::default())
    }

    /// One ACP turn on the persistent session (ordering of FORMAT §5).
    fn work(&mut self) -> io::Result<()> {
        self.turns += 1;
        let script = TurnScript::new(self.turns, self.spec.session_events_per_turn);
        let mut attempt = self.begin(Node::Work, None)?;
        let prompt = self.send_prompt(&mut attempt, &script)?;
        let sid = self.session.bundle_id.clone();
        let range = self
            .session
            .write_turn(&mut self.rng, &script, self.clock)?;
        // The record write after the turn takes a while before acpx reports back.
        let settle_ms = self.rng.range(400, 1_500);
        self.wait(
            &mut attempt,
            range.end_at.saturating_sub(self.clock) + settle_ms,
        )?;
        let raw = self.artifacts.put(script.text.as_bytes(), Media::Text)?;
        self.emit_artifact(Ids::of(&attempt).session(&sid), &raw)?;
        let message_start = (2 * (self.turns - 1)).min(MESSAGE_WINDOW - 2);
        let conversation = json!({
            "sessionId": sid,
            "messageStart": message_start,
            "messageEnd": message_start + 1,
            "eventStartSeq": range.first_seq,
            "eventEndSeq": range.last_seq
        });
        let at = self.tick(1, 2);
        let payload = json!({
            "sessionId": sid,
            "conversation": conversation,
            "rawResponseArtifact": raw
        });
        self.emit(
            at,
            "acp_response_parsed",
            Ids::of(&attempt).session(&sid),
            payload,
        )?;

        let mut trace = Map::new();
        trace.insert("sessionId".into(), sid.into());
        trace.insert("promptArtifact".into(), prompt);
        trace.insert("conversation".into(), conversation);
        trace.insert("rawResponseArtifact".into(), raw);
        let extra = StepExtra {
            prompt_text: script.prompt.into(),
            raw_text: script.text.into(),
            session: self.session.binding.clone(),
            agent: agent_info(),
        };
        self.finish(attempt, trace, script.output, extra)
    }

    /// Renders the prompt, binds the session on first use and reports
    /// `acp_prompt_prepared`; returns the prompt artifact.
    fn send_prompt(&mut self, attempt: &mut Attempt, script: &TurnScript) -> io::Result<Value> {
        attempt.detail = format!("ACP: {}", first_line(&script.prompt, 120));
        let at = self.tick(3, 6);
        self.heartbeat(attempt, at)?;
        let prompt = self.artifacts.put(script.prompt.as_bytes(), Media::Text)?;
        self.emit_artifact(Ids::of(attempt), &prompt)?;
        if !self.session.bound {
            let spawn_ms = self.rng.range(600, 800);
            self.wait(attempt, spawn_ms)?;
            self.bind_session()?;
        }
        let sid = self.session.bundle_id.clone();
        let at = self.tick(1, 3);
        let payload = json!({ "sessionId": sid, "promptArtifact": prompt });
        self.emit(
            at,
            "acp_prompt_prepared",
            Ids::of(attempt).session(&sid),
            payload,
        )?;
        Ok(prompt)
    }

    fn bind_session(&mut self) -> io::Result<()> {
        let binding = self.artifacts.put_json(&self.session.binding)?;
        let at = self.tick(1, 3);
        self.session.bound = true;
        self.session.times.created = at - 10;
        let sid = self.session.bundle_id.clone();
        let payload =
            json!({ "sessionId": sid, "handle": SESSION_HANDLE, "bindingArtifact": binding });
        self.emit(at, "session_bound", Ids::default().session(&sid), payload)
    }

    /// The shell action: test output as stdout/stderr artifacts.
    fn check(&mut self) -> io::Result<()> {
        self.checks += 1;
        let run = TestRun::new(self.checks);
        let mut attempt = self.begin(Node::Check, None)?;
        attempt.detail = shell_summary();
        let at = self.tick(2, 4);
        self.heartbeat(&attempt, at)?;
        let at = self.tick(1, 1);
        let payload = json!({ "action": shell_action(None) });
        self.emit(at, "action_prepared", Ids::of(&attempt), payload)?;

        let shell_ms = self.rng.range(15, 90);
        self.wait(&mut attempt, shell_ms)?;
        let stdout = self.artifacts.put(run.stdout.as_bytes(), Media::Text)?;
        self.emit_artifact(Ids::of(&attempt), &stdout)?;
        let stderr = self.artifacts.put(run.stderr.as_bytes(), Media::Text)?;
        self.emit_artifact(Ids::of(&attempt), &stderr)?;
        let action = shell_action(Some(shell_ms));
        let at = self.tick(1, 1);
        let payload =
            json!({ "action": action, "stdoutArtifact": stdout, "stderrArtifact": stderr });
        self.emit(at, "action_completed", Ids::of(&attempt), payload)?;

        let mut trace = Map::new();
        trace.insert("action".into(), action);
        trace.insert("stdoutArtifact".into(), stdout);
        trace.insert("stderrArtifact".into(), stderr);
        let extra = StepExtra {
            raw_text: format!("{}{}", run.stdout, run.stderr).into(),
            ..StepExtra::default()
        };
        self.finish(attempt, trace, run.output, extra)
    }

    /// A compute step; every 10th round produces an output big enough for an artifact.
    fn step(&mut self, round: usize) -> io::Result<()> {
        let attempt = self.begin(Node::Step, None)?;
        self.clock += self.rng.range(2, 15);
        let output = if round % 10 == 0 {
            let batch = (round / 10) % 4;
            let rows: Vec<String> = (0..12)
                .map(|row| format!("row {row} of batch {batch}"))
                .collect();
            json!({ "batch": batch, "rows": rows })
        } else {
            json!({ "i": round, "v": round * round })
        };
        self.finish(attempt, Map::new(), output, StepExtra::default())
    }

    fn count(&mut self, completed: usize, more: &str) -> io::Result<()> {
        let attempt = self.begin(Node::Count, None)?;
        self.clock += self.rng.range(2, 8);
        let output = json!({ "done": completed, "more": more });
        self.finish(attempt, Map::new(), output, StepExtra::default())
    }

    fn done(&mut self, rounds: usize) -> io::Result<()> {
        let attempt = self.begin(Node::Done, None)?;
        self.clock += self.rng.range(5, 20);
        let output = json!({ "rounds": rounds, "turns": self.turns, "checks": self.checks });
        self.finish(attempt, Map::new(), output, StepExtra::default())
    }
}

fn first_line(text: &str, max_chars: usize) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(max_chars)
        .collect()
}

/// The check's `action` receipt; `duration_ms` is known once the command exited.
fn shell_action(duration_ms: Option<u64>) -> Value {
    let mut action = Map::new();
    action.insert("actionType".into(), "shell".into());
    action.insert("command".into(), CHECK_COMMAND.into());
    action.insert("args".into(), CHECK_ARGS.to_vec().into());
    action.insert("cwd".into(), CWD.into());
    if let Some(duration_ms) = duration_ms {
        action.insert("exitCode".into(), 0.into());
        action.insert("signal".into(), Value::Null);
        action.insert("durationMs".into(), duration_ms.into());
    }
    Value::Object(action)
}

/// The heartbeat acpx emits before a shell command: `shell: <cmd> "arg"…`.
fn shell_summary() -> String {
    let args: Vec<String> = CHECK_ARGS
        .iter()
        .map(|arg| Value::from(*arg).to_string())
        .collect();
    format!("shell: {CHECK_COMMAND} {}", args.join(" "))
}

fn agent_info() -> Value {
    json!({
        "agentName": AGENT_NAME,
        "agentCommand": agent_command(),
        "agentArgv": AGENT_ARGV,
        "cwd": CWD
    })
}
