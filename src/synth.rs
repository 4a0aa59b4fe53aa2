//! Synthesizes realistic acpx 0.19.1 flow run bundles of any size.
//!
//! The output is what `acpx flow run` leaves on disk for a long loop flow
//! (FORMAT.md §2–§9): the same files, key order, event orderings and
//! content-addressed artifacts as the real bundles, deterministic per seed.
//! It exists so benchmarks and tests can use bundles far larger than the
//! checked-in samples. Everything is streamed to disk, so memory stays bounded
//! however many attempts are requested.
//!
//! The flow (one outgoing edge per node, as acpx requires):
//!
//! ```text
//! prepare (function action) -> work (acp, session "main") -> check (shell) -> count
//! step (compute) -> count
//! count --$.more--> acp: work | yes: step | retry: check | no: done
//! ```
//!
//! Every `acp_every`-th loop round runs `work` then `check`; the other rounds
//! run `step`. A final round may re-run `check` ("retry") so that the number of
//! attempts comes out exact.

use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to synthesize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSpec {
    /// Exact number of node attempts (= steps), the final `done` included. At least 7.
    pub attempts: usize,
    /// Session events per ACP turn, from the `session/prompt` request to its
    /// response (at least 3). Turns after the first add a 4-event reconnect handshake.
    pub session_events_per_turn: usize,
    /// Every `acp_every`-th loop round runs the ACP node (0 behaves like 1).
    pub acp_every: usize,
    /// Seed for every choice: run id suffix, session ids, timing jitter.
    pub seed: u64,
    /// Overrides the generated run id (the bundle directory name).
    pub run_id: Option<String>,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            attempts: 10_000,
            session_events_per_turn: 12,
            acp_every: 4,
            seed: 1,
            run_id: None,
        }
    }
}

/// What [`write_bundle`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    pub run_id: String,
    /// The bundle directory, `<runs_dir>/<run_id>`.
    pub dir: PathBuf,
    pub attempts: usize,
    pub trace_events: usize,
    pub trace_bytes: u64,
    pub session_events: usize,
}

/// The smallest attempt count every loop shape can hit exactly.
pub const MIN_ATTEMPTS: usize = 7;

const FLOW_NAME: &str = "synth-loop";
const FLOW_PATH: &str = "/home/synth/project/flows/synth-loop.flow.ts";
const CWD: &str = "/home/synth/project";
const AGENT_NAME: &str = "mock";
const AGENT_ARGV: [&str; 2] = ["node", "/opt/acpx-synth/mock-agent.mjs"];
const SESSION_HANDLE: &str = "main";
const CHECK_COMMAND: &str = "sh";
const CHECK_ARGS: [&str; 2] = ["-c", "npm test --silent -- --reporter=tap"];
const PREPARE_DETAIL: &str = "Prepare the synthetic workload";
/// 2026-01-02T03:04:05.678Z, the run id timestamp.
const START_MS: u64 = 1_767_323_045_678;
const DEFAULT_TIMEOUT_MS: u64 = 900_000;
const DEFAULT_HEARTBEAT_MS: u64 = 5_000;
/// record.json keeps only this many messages (FORMAT §7.3).
const MESSAGE_WINDOW: u64 = 200;
/// record.json truncates message text to this many chars (+ "...").
const RECORD_TEXT_LIMIT: usize = 8_000;
/// Outputs above this many chars go to an artifact instead of `outputInline`.
const INLINE_OUTPUT_LIMIT: usize = 200;
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

/// Writes one complete bundle directory `<runs_dir>/<runId>/`.
///
/// Fails with `InvalidInput` for fewer than [`MIN_ATTEMPTS`] attempts or a run id
/// that is not a plain directory name, and with `AlreadyExists` if the bundle
/// directory exists (acpx never reuses one).
pub fn write_bundle(runs_dir: &Path, spec: &SynthSpec) -> io::Result<SynthSummary> {
    let plan = Plan::new(spec.attempts, spec.acp_every)?;
    let mut rng = Rng(spec.seed);
    let run_id = match &spec.run_id {
        Some(id) => validated_run_id(id)?,
        None => generated_run_id(&mut rng),
    };
    fs::create_dir_all(runs_dir)?;
    let dir = runs_dir.join(&run_id);
    create_private_dir(&dir)?;
    for sub in ["projections", "sessions", "artifacts"] {
        create_private_dir(&dir.join(sub))?;
    }
    let mut synth = Synth::new(dir, run_id, spec, rng)?;
    synth.run(&plan)?;
    synth.complete()
}

fn generated_run_id(rng: &mut Rng) -> String {
    let stamp: String = iso(START_MS)
        .chars()
        .filter(|c| !matches!(c, ':' | '.'))
        .collect();
    format!("{stamp}-{FLOW_NAME}-{:08x}", rng.next() as u32)
}

fn validated_run_id(id: &str) -> io::Result<String> {
    let plain = !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\']);
    if plain {
        Ok(id.to_owned())
    } else {
        Err(invalid_input(format!(
            "run id {id:?} is not a plain directory name"
        )))
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

// ---------------------------------------------------------------------------
// The loop plan

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// work (acp) -> check -> count
    Acp,
    /// step -> count
    Step,
    /// check -> count (re-run the checks)
    Retry,
}

impl Round {
    fn attempts(self) -> usize {
        match self {
            Round::Acp => 3,
            Round::Step | Round::Retry => 2,
        }
    }

    /// The `count` output value that routes to this round.
    fn route(self) -> &'static str {
        match self {
            Round::Acp => "acp",
            Round::Step => "yes",
            Round::Retry => "retry",
        }
    }
}

/// Rounds follow the `acp_every` pattern; the last one is adjusted so that
/// prepare + rounds + done is exactly the requested attempt count.
#[derive(Debug)]
struct Plan {
    acp_every: usize,
    pattern_rounds: usize,
    /// Attempts left over after the pattern rounds: 0, 1 or 2.
    remainder: usize,
}

impl Plan {
    fn new(attempts: usize, acp_every: usize) -> io::Result<Plan> {
        if attempts < MIN_ATTEMPTS {
            return Err(invalid_input(format!(
                "a synthesized bundle needs at least {MIN_ATTEMPTS} attempts, got {attempts}"
            )));
        }
        let mut plan = Plan {
            acp_every: acp_every.max(1),
            pattern_rounds: 0,
            remainder: 0,
        };
        let budget = attempts - 2; // prepare and done
        let mut used = 0;
        while used + plan.pattern(plan.pattern_rounds).attempts() <= budget {
            used += plan.pattern(plan.pattern_rounds).attempts();
            plan.pattern_rounds += 1;
        }
        plan.remainder = budget - used;
        Ok(plan)
    }

    fn pattern(&self, round: usize) -> Round {
        if round % self.acp_every == 0 {
            Round::Acp
        } else {
            Round::Step
        }
    }

    /// The rounds in order. With at least `MIN_ATTEMPTS` the first is always `Acp`
    /// (prepare's only edge leads to `work`).
    fn rounds(&self) -> impl Iterator<Item = Round> + '_ {
        let last = self.pattern_rounds - 1;
        (0..self.pattern_rounds).flat_map(move |round| {
            let base = self.pattern(round);
            let rounds: &'static [Round] = match (round == last, self.remainder, base) {
                (true, 2, Round::Acp) => &[Round::Acp, Round::Retry],
                (true, 2, _) => &[Round::Step, Round::Retry],
                (true, 1, Round::Acp) => &[Round::Step, Round::Retry],
                (true, 1, _) => &[Round::Acp],
                (_, _, Round::Acp) => &[Round::Acp],
                _ => &[Round::Step],
            };
            rounds.iter().copied()
        })
    }
}

// ---------------------------------------------------------------------------
// Nodes and attempts

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Prepare,
    Work,
    Check,
    Step,
    Count,
    Done,
}

impl Node {
    const COUNT: usize = 6;

    fn id(self) -> &'static str {
        match self {
            Node::Prepare => "prepare",
            Node::Work => "work",
            Node::Check => "check",
            Node::Step => "step",
            Node::Count => "count",
            Node::Done => "done",
        }
    }

    fn node_type(self) -> &'static str {
        match self {
            Node::Work => "acp",
            Node::Prepare | Node::Check => "action",
            Node::Step | Node::Count | Node::Done => "compute",
        }
    }

    /// Must agree with `heartbeatMs` in [`flow_definition`].
    fn heartbeat_ms(self) -> u64 {
        match self {
            Node::Work => 1_000,
            Node::Step | Node::Count => 0,
            Node::Prepare | Node::Check | Node::Done => DEFAULT_HEARTBEAT_MS,
        }
    }
}

fn flow_definition() -> Value {
    json!({
        "schema": "acpx.flow-definition-snapshot.v1",
        "name": FLOW_NAME,
        "run": { "hasTitle": true },
        "startAt": "prepare",
        "nodes": {
            "prepare": {
                "nodeType": "action",
                "statusDetail": PREPARE_DETAIL,
                "actionExecution": "function",
                "hasRun": true,
                "hasExec": false,
                "hasParse": false
            },
            "work": {
                "nodeType": "acp",
                "heartbeatMs": Node::Work.heartbeat_ms(),
                "session": { "handle": SESSION_HANDLE },
                "cwd": { "mode": "default" },
                "hasPrompt": true,
                "hasParse": true
            },
            "check": {
                "nodeType": "action",
                "actionExecution": "shell",
                "hasRun": false,
                "hasExec": true,
                "hasParse": true
            },
            "step": { "nodeType": "compute", "heartbeatMs": 0, "hasRun": true },
            "count": { "nodeType": "compute", "heartbeatMs": 0, "hasRun": true },
            "done": { "nodeType": "compute", "hasRun": true }
        },
        "edges": [
            { "from": "prepare", "to": "work" },
            { "from": "work", "to": "check" },
            { "from": "check", "to": "count" },
            { "from": "step", "to": "count" },
            {
                "from": "count",
                "switch": {
                    "on": "$.more",
                    "cases": { "acp": "work", "yes": "step", "retry": "check", "no": "done" }
                }
            }
        ]
    })
}

/// One running attempt.
struct Attempt {
    node: Node,
    id: String,
    /// `FlowStepRecord.startedAt` (a little before `node_started`, as in acpx).
    started: u64,
    next_heartbeat: u64,
    /// The `statusDetail` periodic heartbeats carry.
    detail: String,
}

/// The envelope ids of one trace event.
#[derive(Clone, Copy, Default)]
struct Ids<'s> {
    node: Option<&'s str>,
    attempt: Option<&'s str>,
    session: Option<&'s str>,
}

impl<'s> Ids<'s> {
    fn of(attempt: &'s Attempt) -> Self {
        Ids {
            node: Some(attempt.node.id()),
            attempt: Some(&attempt.id),
            session: None,
        }
    }

    fn session(self, session: &'s str) -> Self {
        Ids {
            session: Some(session),
            ..self
        }
    }
}

/// The `FlowStepRecord` fields that only some node types fill.
#[derive(Default)]
struct StepExtra {
    prompt_text: Value,
    raw_text: Value,
    session: Value,
    agent: Value,
}

// ---------------------------------------------------------------------------
// The writer

struct Synth<'a> {
    spec: &'a SynthSpec,
    dir: PathBuf,
    run_id: String,
    rng: Rng,
    /// Simulated wall clock, epoch ms; every trace event advances it.
    clock: u64,
    started_at: u64,
    input: Value,
    trace: Ndjson,
    steps: StepsWriter,
    artifacts: Artifacts,
    session: Session,
    attempts: [usize; Node::COUNT],
    turns: u64,
    checks: u64,
    outputs: Map<String, Value>,
    results: Map<String, Value>,
}

impl<'a> Synth<'a> {
    fn new(dir: PathBuf, run_id: String, spec: &'a SynthSpec, mut rng: Rng) -> io::Result<Self> {
        let session = Session::create(&dir, &run_id, spec, &mut rng)?;
        let input = json!({
            "attempts": spec.attempts,
            "acpEvery": spec.acp_every,
            "eventsPerTurn": spec.session_events_per_turn
        });
        let started_at = START_MS + rng.range(8, 22);
        Ok(Synth {
            spec,
            trace: Ndjson::create(&dir.join("trace.ndjson"))?,
            steps: StepsWriter::create(&dir.join("projections/steps.json"))?,
            artifacts: Artifacts::new(dir.join("artifacts")),
            dir,
            run_id,
            rng,
            clock: started_at,
            started_at,
            input,
            session,
            attempts: [0; Node::COUNT],
            turns: 0,
            checks: 0,
            outputs: Map::new(),
            results: Map::new(),
        })
    }

    fn run(&mut self, plan: &Plan) -> io::Result<()> {
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

    fn title(&self) -> String {
        format!("Synthetic loop x{}", self.spec.attempts)
    }

    /// Advances the clock by a random gap (at least 1 ms, so `at` strictly increases).
    fn tick(&mut self, min_ms: u64, max_ms: u64) -> u64 {
        self.clock += self.rng.range(min_ms, max_ms).max(1);
        self.clock
    }

    fn emit(
        &mut self,
        at: u64,
        kind: &'static str,
        ids: Ids<'_>,
        payload: Value,
    ) -> io::Result<()> {
        self.append_event(at, kind, ids, None, payload)
    }

    /// `artifact_written` repeats its artifact in the envelope.
    fn emit_artifact(&mut self, ids: Ids<'_>, artifact: &Value) -> io::Result<()> {
        let at = self.tick(1, 3);
        let payload = json!({ "artifact": artifact });
        self.append_event(at, "artifact_written", ids, Some(artifact), payload)
    }

    /// Envelope key order as acpx writes it: seq, at, runId, scope, type, ids, artifact, payload.
    fn append_event(
        &mut self,
        at: u64,
        kind: &'static str,
        ids: Ids<'_>,
        artifact: Option<&Value>,
        payload: Value,
    ) -> io::Result<()> {
        // Each type's scope is its first word: run, node, artifact, session, acp, action.
        let scope = kind.split_once('_').map_or(kind, |(scope, _)| scope);
        let mut event = Map::new();
        event.insert("seq".into(), self.trace.next_seq().into());
        event.insert("at".into(), iso(at).into());
        event.insert("runId".into(), self.run_id.clone().into());
        event.insert("scope".into(), scope.into());
        event.insert("type".into(), kind.into());
        let optional = [
            ("nodeId", ids.node),
            ("attemptId", ids.attempt),
            ("sessionId", ids.session),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                event.insert(key.into(), value.into());
            }
        }
        if let Some(artifact) = artifact {
            event.insert("artifact".into(), artifact.clone());
        }
        event.insert("payload".into(), payload);
        self.trace.append(&Value::Object(event))
    }

    fn heartbeat(&mut self, attempt: &Attempt, at: u64) -> io::Result<()> {
        let payload = json!({ "statusDetail": attempt.detail });
        self.emit(at, "node_heartbeat", Ids::of(attempt), payload)
    }

    /// Lets `ms` pass inside an attempt, emitting the periodic heartbeats that fall due.
    fn wait(&mut self, attempt: &mut Attempt, ms: u64) -> io::Result<()> {
        let until = self.clock + ms;
        let period = attempt.node.heartbeat_ms();
        while period > 0 && attempt.next_heartbeat < until {
            let at = (attempt.next_heartbeat + self.rng.range(0, 4)).max(self.clock + 1);
            self.heartbeat(attempt, at)?;
            self.clock = at;
            attempt.next_heartbeat += period;
        }
        self.clock = self.clock.max(until);
        Ok(())
    }

    fn run_started(&mut self) -> io::Result<()> {
        write_json(&self.dir.join("flow.json"), &flow_definition())?;
        let input = self.artifacts.put_json(&self.input)?;
        let at = self.tick(10, 25);
        let payload = json!({
            "flowName": FLOW_NAME,
            "runTitle": self.title(),
            "flowPath": FLOW_PATH,
            "inputArtifact": input
        });
        self.emit(at, "run_started", Ids::default(), payload)
    }

    fn begin(&mut self, node: Node, detail: Option<&str>) -> io::Result<Attempt> {
        let count = &mut self.attempts[node as usize];
        *count += 1;
        let id = format!("{}#{count}", node.id());
        let started = self.tick(1, 2);
        let at = self.tick(5, 10);
        let detail = detail.map_or_else(
            || format!("Running {} node {}", node.node_type(), node.id()),
            str::to_owned,
        );
        let payload = json!({
            "nodeType": node.node_type(),
            "timeoutMs": DEFAULT_TIMEOUT_MS,
            "statusDetail": detail
        });
        let attempt = Attempt {
            node,
            id,
            started,
            next_heartbeat: at + node.heartbeat_ms(),
            detail,
        };
        self.emit(at, "node_started", Ids::of(&attempt), payload)?;
        Ok(attempt)
    }

    /// Ends an attempt: output artifact if needed, `node_outcome`, step record, projections state.
    fn finish(
        &mut self,
        attempt: Attempt,
        mut trace: Map<String, Value>,
        output: Value,
        extra: StepExtra,
    ) -> io::Result<()> {
        self.attach_output(&attempt, &mut trace, &output)?;
        let finished = self.tick(1, 2);
        let at = self.tick(5, 9);
        let node = attempt.node;
        let duration = finished - attempt.started;
        let mut payload = Map::new();
        payload.insert("nodeType".into(), node.node_type().into());
        payload.insert("outcome".into(), "ok".into());
        payload.insert("durationMs".into(), duration.into());
        payload.insert("error".into(), Value::Null);
        payload.extend(trace.clone());
        self.emit(
            at,
            "node_outcome",
            Ids::of(&attempt),
            Value::Object(payload),
        )?;

        let (started_at, finished_at) = (iso(attempt.started), iso(finished));
        self.steps.push(&json!({
            "attemptId": attempt.id,
            "nodeId": node.id(),
            "nodeType": node.node_type(),
            "outcome": "ok",
            "startedAt": started_at,
            "finishedAt": finished_at,
            "promptText": extra.prompt_text,
            "rawText": extra.raw_text,
            "output": output,
            "session": extra.session,
            "agent": extra.agent,
            "trace": trace
        }))?;
        let result = json!({
            "attemptId": attempt.id,
            "nodeId": node.id(),
            "nodeType": node.node_type(),
            "outcome": "ok",
            "startedAt": started_at,
            "finishedAt": finished_at,
            "durationMs": duration,
            "output": output
        });
        // Map::insert keeps an existing key's position, like a JS object.
        self.results.insert(node.id().into(), result);
        self.outputs.insert(node.id().into(), output);
        Ok(())
    }

    /// `finalizeStepTrace`: small outputs inline, the rest as an artifact.
    fn attach_output(
        &mut self,
        attempt: &Attempt,
        trace: &mut Map<String, Value>,
        output: &Value,
    ) -> io::Result<()> {
        let artifact = match output {
            Value::String(text) if !fits_inline(text) => {
                self.artifacts.put(text.as_bytes(), Media::Text)?
            }
            Value::Object(_) | Value::Array(_) if !fits_inline(&output.to_string()) => {
                self.artifacts.put_json(output)?
            }
            _ => {
                trace.insert("outputInline".into(), output.clone());
                return Ok(());
            }
        };
        self.emit_artifact(Ids::of(attempt), &artifact)?;
        trace.insert("outputArtifact".into(), artifact);
        Ok(())
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

    /// Writes `run_completed`, then every projection and session file.
    fn complete(mut self) -> io::Result<SynthSummary> {
        let finished_at = self.tick(1, 2);
        let at = self.tick(15, 25);
        let payload = json!({ "status": "completed" });
        self.emit(at, "run_completed", Ids::default(), payload)?;
        let run = self.run_state(finished_at);
        let Synth {
            trace,
            steps,
            session,
            dir,
            run_id,
            spec,
            ..
        } = self;
        let summary = SynthSummary {
            run_id,
            dir,
            attempts: spec.attempts,
            trace_events: trace.lines,
            trace_bytes: trace.bytes,
            session_events: session.events.lines,
        };
        trace.close()?;
        steps.close()?;
        let manifest = manifest(&run, session.manifest_entry());
        session.close(&summary.dir)?;
        let projections = summary.dir.join("projections");
        write_run_projection(
            &projections.join("run.json"),
            &run,
            &projections.join("steps.json"),
        )?;
        write_json(&projections.join("live.json"), &pick(&run, &LIVE_KEYS))?;
        write_json(&summary.dir.join("manifest.json"), &manifest)?;
        Ok(summary)
    }

    /// The final `FlowRunState`; `steps` is a placeholder that
    /// [`write_run_projection`] fills from steps.json.
    fn run_state(&self, finished_at: u64) -> Value {
        json!({
            "runId": self.run_id,
            "flowName": FLOW_NAME,
            "runTitle": self.title(),
            "flowPath": FLOW_PATH,
            "startedAt": iso(self.started_at),
            "updatedAt": iso(finished_at),
            "status": "completed",
            "input": self.input,
            "outputs": self.outputs,
            "results": self.results,
            "steps": [],
            "sessionBindings": session_bindings(&self.session.binding),
            "finishedAt": iso(finished_at)
        })
    }
}

/// `FlowLiveState` is this subset of the run state, in this order.
const LIVE_KEYS: [&str; 9] = [
    "runId",
    "flowName",
    "runTitle",
    "flowPath",
    "startedAt",
    "finishedAt",
    "updatedAt",
    "status",
    "sessionBindings",
];

fn manifest(run: &Value, session: Value) -> Value {
    json!({
        "schema": "acpx.flow-run-bundle.v1",
        "runId": run["runId"],
        "flowName": FLOW_NAME,
        "runTitle": run["runTitle"],
        "flowPath": FLOW_PATH,
        "startedAt": run["startedAt"],
        "finishedAt": run["finishedAt"],
        "status": "completed",
        "traceSchema": "acpx.flow-trace-event.v1",
        "paths": {
            "flow": "flow.json",
            "trace": "trace.ndjson",
            "runProjection": "projections/run.json",
            "liveProjection": "projections/live.json",
            "stepsProjection": "projections/steps.json",
            "sessionsDir": "sessions",
            "artifactsDir": "artifacts"
        },
        "sessions": [session]
    })
}

/// A copy of `object` with only `keys`, in that order.
fn pick(object: &Value, keys: &[&str]) -> Value {
    let picked = keys
        .iter()
        .filter_map(|&key| Some((key.to_owned(), object.get(key)?.clone())));
    Value::Object(picked.collect())
}

fn fits_inline(text: &str) -> bool {
    text.chars().count() <= INLINE_OUTPUT_LIMIT && !text.contains('\n')
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

fn agent_command() -> String {
    AGENT_ARGV.join(" ")
}

fn agent_info() -> Value {
    json!({
        "agentName": AGENT_NAME,
        "agentCommand": agent_command(),
        "agentArgv": AGENT_ARGV,
        "cwd": CWD
    })
}

fn session_bindings(binding: &Value) -> Value {
    let mut bindings = Map::new();
    bindings.insert(
        binding["key"].as_str().unwrap_or_default().to_owned(),
        binding.clone(),
    );
    Value::Object(bindings)
}

// ---------------------------------------------------------------------------
// Content of ACP turns and shell checks

/// Everything one ACP turn says; a pure function of the turn number so that
/// record.json can regenerate the final message window without keeping turns.
struct TurnScript {
    turn: u64,
    area: &'static str,
    prompt: String,
    thought: Option<String>,
    tool: bool,
    usage: bool,
    chunks: Vec<String>,
    /// The concatenated agent message (= `rawText` = raw response artifact).
    text: String,
    output: Value,
}

impl TurnScript {
    fn new(turn: u64, events_per_turn: usize) -> Self {
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
    fn updates(&self, turn_tokens: u64) -> Vec<Value> {
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
    fn messages(&self, user_id: String) -> [Value; 2] {
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

fn text_block(text: &str) -> Value {
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
struct TestRun {
    stdout: String,
    stderr: String,
    output: Value,
}

impl TestRun {
    fn new(check: u64) -> Self {
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

// ---------------------------------------------------------------------------
// The persistent session bundle

struct TurnRange {
    first_seq: usize,
    last_seq: usize,
    end_at: u64,
}

#[derive(Default)]
struct SessionTimes {
    created: u64,
    agent_started: u64,
    last_prompt: u64,
    last_event: u64,
}

struct Session {
    bundle_id: String,
    acp_id: String,
    binding: Value,
    events: Ndjson,
    bound: bool,
    turns: u64,
    events_per_turn: usize,
    seed: u64,
    times: SessionTimes,
}

impl Session {
    fn create(dir: &Path, run_id: &str, spec: &SynthSpec, rng: &mut Rng) -> io::Result<Session> {
        let acp_id = format!("mock-{}", rng.uuid());
        let command = agent_command();
        let key = json!([command, AGENT_ARGV, CWD, SESSION_HANDLE]).to_string();
        // acpx hashes with SHA-1 here; any stable 8-hex digest has the same shape.
        let bundle_id = format!("{SESSION_HANDLE}-{}", &sha256_hex(key.as_bytes())[..8]);
        let run_suffix: String = {
            let skip = run_id.chars().count().saturating_sub(8);
            run_id.chars().skip(skip).collect()
        };
        let cwd_hash = &sha256_hex(CWD.as_bytes())[..8];
        let binding = json!({
            "key": key,
            "handle": SESSION_HANDLE,
            "bundleId": bundle_id,
            "name": format!("{FLOW_NAME}-{SESSION_HANDLE}-{cwd_hash}-{run_suffix}"),
            "agentName": AGENT_NAME,
            "agentCommand": command,
            "agentArgv": AGENT_ARGV,
            "cwd": CWD,
            "acpxRecordId": acp_id,
            "acpSessionId": acp_id
        });
        let session_dir = dir.join("sessions").join(&bundle_id);
        create_private_dir(&session_dir)?;
        Ok(Session {
            events: Ndjson::create(&session_dir.join("events.ndjson"))?,
            bundle_id,
            acp_id,
            binding,
            bound: false,
            turns: 0,
            events_per_turn: spec.session_events_per_turn,
            seed: spec.seed,
            times: SessionTimes::default(),
        })
    }

    fn relative(&self, file: &str) -> String {
        format!("sessions/{}/{file}", self.bundle_id)
    }

    fn manifest_entry(&self) -> Value {
        json!({
            "id": self.bundle_id,
            "handle": SESSION_HANDLE,
            "bindingPath": self.relative("binding.json"),
            "recordPath": self.relative("record.json"),
            "eventsPath": self.relative("events.ndjson")
        })
    }

    fn event(&mut self, at: u64, direction: &str, message: Value) -> io::Result<()> {
        let event = json!({
            "seq": self.events.next_seq(),
            "at": iso(at),
            "direction": direction,
            "message": message
        });
        self.events.append(&event)
    }

    /// Appends one turn's JSON-RPC traffic (FORMAT §7.4): later turns re-spawn
    /// the agent, so they start with `initialize` + `session/load`.
    fn write_turn(
        &mut self,
        rng: &mut Rng,
        script: &TurnScript,
        prepared_at: u64,
    ) -> io::Result<TurnRange> {
        let first_seq = self.events.next_seq();
        let mut at = prepared_at + rng.range(10, 40);
        if self.turns > 0 {
            self.times.agent_started = at;
            for (min_ms, max_ms, direction, message) in self.handshake() {
                at += rng.range(min_ms, max_ms);
                self.event(at, direction, message)?;
            }
            at += rng.range(150, 300);
        } else {
            self.times.agent_started = self.times.created.saturating_sub(700);
        }
        self.times.last_prompt = at;
        let prompt = json!({
            "jsonrpc": "2.0",
            "id": 2,
            "method": "session/prompt",
            "params": { "sessionId": self.acp_id, "prompt": [text_block(&script.prompt)] }
        });
        self.event(at, "outbound", prompt)?;
        let tokens = (1_200 + 350 * script.turn).min(200_000);
        for update in script.updates(tokens) {
            at += rng.range(0, 3);
            let params = json!({ "sessionId": self.acp_id, "update": update });
            self.event(
                at,
                "inbound",
                json!({ "jsonrpc": "2.0", "method": "session/update", "params": params }),
            )?;
        }
        at += rng.range(2, 6);
        let response = json!({ "jsonrpc": "2.0", "id": 2, "result": { "stopReason": "end_turn" } });
        self.event(at, "inbound", response)?;
        self.turns += 1;
        self.times.last_event = at;
        Ok(TurnRange {
            first_seq,
            last_seq: self.events.lines,
            end_at: at,
        })
    }

    fn handshake(&self) -> [(u64, u64, &'static str, Value); 4] {
        let initialize = json!({
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": 1,
                "clientCapabilities": { "fs": { "readTextFile": true, "writeTextFile": true }, "terminal": true },
                "clientInfo": { "name": "acpx", "version": "0.19.1" }
            }
        });
        let initialized = json!({
            "jsonrpc": "2.0",
            "id": 0,
            "result": {
                "protocolVersion": 1,
                "agentCapabilities": { "loadSession": true },
                "agentInfo": { "name": "acpx-synth-agent", "version": "0.0.1" }
            }
        });
        let load = json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "session/load",
            "params": { "sessionId": self.acp_id, "cwd": CWD, "mcpServers": [] }
        });
        let loaded = json!({ "jsonrpc": "2.0", "id": 1, "result": {} });
        [
            (0, 0, "outbound", initialize),
            (250, 350, "inbound", initialized),
            (120, 200, "outbound", load),
            (3, 8, "inbound", loaded),
        ]
    }

    /// record.json after the last turn: only the newest `MESSAGE_WINDOW` messages.
    fn record(&self) -> Value {
        let first_turn = self.turns.saturating_sub(MESSAGE_WINDOW / 2 - 1).max(1);
        let messages: Vec<Value> = (first_turn..=self.turns)
            .flat_map(|turn| {
                let user_id = Rng(self.seed ^ turn.wrapping_mul(0xA24B_AED4_963E_E407)).uuid();
                TurnScript::new(turn, self.events_per_turn).messages(user_id)
            })
            .collect();
        let times = &self.times;
        // Whether turns carry usage updates depends only on the event budget.
        let reports_usage = TurnScript::new(1, self.events_per_turn).usage;
        let mut record = json!({
            "schema": "acpx.session.v1",
            "acpxRecordId": self.acp_id,
            "acpSessionId": self.acp_id,
            "agentCommand": agent_command(),
            "agentArgv": AGENT_ARGV,
            "cwd": CWD,
            "name": self.binding["name"],
            "createdAt": iso(times.created),
            "lastUsedAt": iso(times.last_event + 20),
            "lastSeq": self.events.lines,
            "lastRequestId": "2",
            "eventLog": {
                "active_path": self.relative("events.ndjson"),
                "segment_count": 1,
                "max_segment_bytes": 67_108_864,
                "max_segments": 1,
                "last_write_at": iso(times.last_event),
                "last_write_error": null
            },
            "closed": false,
            "agentStartedAt": iso(times.agent_started),
            "lastPromptAt": iso(times.last_prompt),
            "lastAgentExitCode": null,
            "lastAgentExitSignal": null,
            "lastAgentExitAt": iso(times.last_event + 400),
            "lastAgentDisconnectReason": "connection_close",
            "protocolVersion": 1,
            "agentCapabilities": { "loadSession": true },
            "title": null,
            "messages": messages,
            "updated_at": iso(times.last_event + 2),
            "cumulative_token_usage": {},
            "cumulative_cost": { "amount": self.turns as f64 / 100.0, "currency": "USD" },
            "request_token_usage": {},
            "acpx": {}
        });
        // Only usage updates fold into cumulative_cost; without them acpx omits it.
        if !reports_usage {
            if let Value::Object(fields) = &mut record {
                fields.shift_remove("cumulative_cost");
            }
        }
        record
    }

    /// Flushes events and writes binding.json and record.json.
    fn close(self, dir: &Path) -> io::Result<()> {
        write_json(&dir.join(self.relative("binding.json")), &self.binding)?;
        write_json(&dir.join(self.relative("record.json")), &self.record())?;
        self.events.close()
    }
}

// ---------------------------------------------------------------------------
// Files

fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// acpx writes every bundle file with mode 0600.
fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// `JSON.stringify(value, null, 2) + "\n"`, which serde's pretty printer matches.
fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    let mut out = BufWriter::new(create_private_file(path)?);
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes run.json with the `"steps": []` placeholder replaced by the content
/// of steps.json, re-indented one level, so the steps are never all in memory.
fn write_run_projection(path: &Path, run: &Value, steps_path: &Path) -> io::Result<()> {
    const PLACEHOLDER: &str = "\n  \"steps\": []";
    let text = serde_json::to_string_pretty(run)?;
    let at = text
        .find(PLACEHOLDER)
        .ok_or_else(|| io::Error::other("run projection lacks the steps placeholder"))?;
    let (head, tail) = (
        &text[..at + PLACEHOLDER.len() - 2],
        &text[at + PLACEHOLDER.len()..],
    );
    let mut out = BufWriter::with_capacity(1 << 16, create_private_file(path)?);
    out.write_all(head.as_bytes())?;
    let mut steps = BufReader::with_capacity(1 << 16, File::open(steps_path)?);
    let mut line = Vec::new();
    let mut first = true;
    while steps.read_until(b'\n', &mut line)? > 0 {
        if !first {
            out.write_all(b"\n  ")?;
        }
        out.write_all(line.strip_suffix(b"\n").unwrap_or(&line))?;
        first = false;
        line.clear();
    }
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// An append-only NDJSON file (trace or session events).
struct Ndjson {
    out: BufWriter<File>,
    line: Vec<u8>,
    lines: usize,
    bytes: u64,
}

impl Ndjson {
    fn create(path: &Path) -> io::Result<Self> {
        Ok(Ndjson {
            out: BufWriter::with_capacity(1 << 16, create_private_file(path)?),
            line: Vec::with_capacity(2048),
            lines: 0,
            bytes: 0,
        })
    }

    fn next_seq(&self) -> usize {
        self.lines + 1
    }

    fn append(&mut self, record: &Value) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.lines += 1;
        self.bytes += self.line.len() as u64;
        Ok(())
    }

    fn close(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// steps.json written one record at a time, formatted like `JSON.stringify(steps, null, 2)`.
struct StepsWriter {
    out: BufWriter<File>,
    buf: Vec<u8>,
    count: usize,
}

impl StepsWriter {
    fn create(path: &Path) -> io::Result<Self> {
        let out = BufWriter::with_capacity(1 << 16, create_private_file(path)?);
        Ok(StepsWriter {
            out,
            buf: Vec::with_capacity(4096),
            count: 0,
        })
    }

    fn push(&mut self, step: &Value) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, step)?;
        self.out
            .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
        for (i, line) in self.buf.split(|&byte| byte == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n  ")?;
            }
            self.out.write_all(line)?;
        }
        self.count += 1;
        Ok(())
    }

    fn close(mut self) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

#[derive(Clone, Copy)]
enum Media {
    Text,
    Json,
}

/// Content-addressed `artifacts/sha256-<hex>.<ext>`, each written once.
struct Artifacts {
    dir: PathBuf,
    written: HashSet<String>,
}

impl Artifacts {
    fn new(dir: PathBuf) -> Self {
        Artifacts {
            dir,
            written: HashSet::new(),
        }
    }

    /// Stores the bytes (unless already stored) and returns their `FlowArtifactRef`.
    fn put(&mut self, bytes: &[u8], media: Media) -> io::Result<Value> {
        let (ext, media_type) = match media {
            Media::Text => ("txt", "text/plain"),
            Media::Json => ("json", "application/json"),
        };
        let hex = sha256_hex(bytes);
        let name = format!("sha256-{hex}.{ext}");
        if !self.written.contains(&name) {
            let mut file = create_private_file(&self.dir.join(&name))?;
            file.write_all(bytes)?;
            self.written.insert(name.clone());
        }
        Ok(json!({
            "path": format!("artifacts/{name}"),
            "mediaType": media_type,
            "bytes": bytes.len(),
            "sha256": hex
        }))
    }

    fn put_json(&mut self, value: &Value) -> io::Result<Value> {
        let mut bytes = serde_json::to_vec_pretty(value)?;
        bytes.push(b'\n');
        self.put(&bytes, Media::Json)
    }
}

// ---------------------------------------------------------------------------
// Small helpers: time, randomness, hashing

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (JS `toISOString`).
fn iso(ms: u64) -> String {
    let (days, day_ms) = (ms / 86_400_000, ms % 86_400_000);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1_000 % 60,
        day_ms % 1_000
    )
}

/// Howard Hinnant's days-since-epoch to proleptic Gregorian date.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// SplitMix64: tiny, fast, and good enough for ids and jitter.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `min..=max`.
    fn range(&mut self, min: u64, max: u64) -> u64 {
        min + self.next() % (max - min + 1)
    }

    /// A random (version 4 shaped) UUID.
    fn uuid(&mut self) -> String {
        let (hi, lo) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0x0fff,
            (lo >> 48) & 0x3fff | 0x8000,
            lo & 0xffff_ffff_ffff
        )
    }
}

fn sha256_hex(data: &[u8]) -> String {
    sha256(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// SHA-256 (FIPS 180-4); artifacts are named by it and no hashing crate is a dependency.
fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        sha256_compress(&mut state, block);
    }
    // Padding: 0x80, zeros, then the message length in bits (big endian).
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let tail_len = if rest.len() < 56 { 64 } else { 128 };
    tail[tail_len - 8..tail_len].copy_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in tail[..tail_len].chunks_exact(64) {
        sha256_compress(&mut state, block);
    }
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

fn sha256_compress(state: &mut [u32; 8], block: &[u8]) {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (k, w) in K.iter().zip(w) {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(w);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        (h, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
    }
    for (slot, value) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *slot = slot.wrapping_add(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read_json(path: &Path) -> Value {
        serde_json::from_slice(&fs::read(path).expect("read json file")).expect("valid json")
    }

    fn read_ndjson(path: &Path) -> Vec<Value> {
        let text = fs::read_to_string(path).expect("read ndjson file");
        assert!(
            text.ends_with('\n'),
            "{} must end with a newline",
            path.display()
        );
        text.lines()
            .map(|line| serde_json::from_str(line).expect("valid ndjson line"))
            .collect()
    }

    /// Every `FlowArtifactRef` (an object with path, mediaType and sha256) inside `value`.
    fn artifact_refs<'v>(value: &'v Value, refs: &mut Vec<&'v Value>) {
        match value {
            Value::Object(map) => {
                if ["path", "mediaType", "sha256"]
                    .iter()
                    .all(|key| map.contains_key(*key))
                {
                    refs.push(value);
                }
                map.values().for_each(|child| artifact_refs(child, refs));
            }
            Value::Array(items) => items.iter().for_each(|child| artifact_refs(child, refs)),
            _ => {}
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    fn small_spec(attempts: usize) -> SynthSpec {
        SynthSpec {
            attempts,
            ..SynthSpec::default()
        }
    }

    #[test]
    fn sha256_matches_known_vectors() {
        let vectors: [(&[u8], &str); 4] = [
            (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
            ),
        ];
        for (input, expected) in vectors {
            assert_eq!(sha256_hex(input), expected);
        }
        assert_eq!(
            sha256_hex(&vec![b'a'; 1_000_000]),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn iso_matches_to_iso_string() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(START_MS), "2026-01-02T03:04:05.678Z");
        assert_eq!(iso(1_709_164_800_001), "2024-02-29T00:00:00.001Z");
        assert_eq!(iso(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
    }

    #[test]
    fn plan_hits_every_attempt_count_exactly() {
        for acp_every in 0..7 {
            for attempts in MIN_ATTEMPTS..300 {
                let plan = Plan::new(attempts, acp_every).expect("valid plan");
                let rounds: Vec<Round> = plan.rounds().collect();
                let total: usize = 2 + rounds.iter().map(|round| round.attempts()).sum::<usize>();
                assert_eq!(total, attempts, "acp_every {acp_every}");
                assert_eq!(rounds[0], Round::Acp, "prepare leads to work");
            }
        }
        for attempts in 0..MIN_ATTEMPTS {
            let error = Plan::new(attempts, 4).expect_err("too few attempts");
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn small_bundle_is_consistent() {
        let runs = tempfile::tempdir().expect("temp dir");
        let spec = small_spec(50);
        let summary = write_bundle(runs.path(), &spec).expect("synthesize");
        let dir = &summary.dir;
        assert_eq!(dir, &runs.path().join(&summary.run_id));
        assert!(summary
            .run_id
            .starts_with("2026-01-02T030405678Z-synth-loop-"));
        let suffix = summary.run_id.rsplit('-').next().expect("suffix");
        assert!(suffix.len() == 8 && suffix.chars().all(|c| c.is_ascii_hexdigit()));

        let manifest = read_json(&dir.join("manifest.json"));
        assert_eq!(
            keys(&manifest),
            [
                "schema",
                "runId",
                "flowName",
                "runTitle",
                "flowPath",
                "startedAt",
                "finishedAt",
                "status",
                "traceSchema",
                "paths",
                "sessions"
            ]
        );
        assert_eq!(manifest["runId"], summary.run_id.as_str());
        assert_eq!(manifest["status"], "completed");

        let trace = read_ndjson(&dir.join("trace.ndjson"));
        check_trace_envelope(&trace, &summary);
        check_attempts(&trace, dir, spec.attempts);
        check_flow(&read_json(&dir.join("flow.json")));
        check_artifacts(dir, &trace);
        check_conversations(
            dir,
            &manifest,
            &trace,
            &summary,
            spec.session_events_per_turn,
        );
    }

    fn check_trace_envelope(trace: &[Value], summary: &SynthSummary) {
        assert_eq!(trace.len(), summary.trace_events);
        for (index, event) in trace.iter().enumerate() {
            assert_eq!(event["seq"], index + 1, "seq is contiguous from 1");
            let keys = keys(event);
            assert_eq!(keys[..5], ["seq", "at", "runId", "scope", "type"]);
            assert_eq!(keys.last(), Some(&"payload"));
        }
        let at: Vec<&str> = trace
            .iter()
            .map(|event| event["at"].as_str().expect("at"))
            .collect();
        assert!(
            at.windows(2).all(|pair| pair[0] < pair[1]),
            "at strictly increases"
        );
        assert_eq!(trace[0]["type"], "run_started");
        assert_eq!(trace[trace.len() - 1]["type"], "run_completed");
    }

    /// Each node_started has exactly one later node_outcome; steps.json and run.json agree.
    fn check_attempts(trace: &[Value], dir: &Path, attempts: usize) {
        let mut open: HashMap<&str, usize> = HashMap::new();
        let mut finished = Vec::new();
        for event in trace {
            let attempt = event["attemptId"].as_str();
            match event["type"].as_str() {
                Some("node_started") => {
                    assert!(
                        open.insert(attempt.expect("attemptId"), 0).is_none(),
                        "attempt started twice"
                    );
                }
                Some("node_outcome") => {
                    let attempt = attempt.expect("attemptId");
                    let outcomes = open.get_mut(attempt).expect("outcome after its start");
                    *outcomes += 1;
                    assert_eq!(*outcomes, 1, "one outcome per attempt");
                    finished.push(attempt);
                }
                _ => {}
            }
        }
        assert_eq!(open.len(), attempts);
        assert_eq!(finished.len(), attempts);

        let steps = read_json(&dir.join("projections/steps.json"));
        let step_ids: Vec<&str> = steps
            .as_array()
            .expect("steps array")
            .iter()
            .map(|s| s["attemptId"].as_str().expect("id"))
            .collect();
        assert_eq!(step_ids, finished);
        let run = read_json(&dir.join("projections/run.json"));
        assert_eq!(
            keys(&run),
            [
                "runId",
                "flowName",
                "runTitle",
                "flowPath",
                "startedAt",
                "updatedAt",
                "status",
                "input",
                "outputs",
                "results",
                "steps",
                "sessionBindings",
                "finishedAt"
            ]
        );
        assert_eq!(run["steps"], steps, "run.json embeds the same steps");
        assert_eq!(run["results"]["done"]["attemptId"], "done#1");
        let live = read_json(&dir.join("projections/live.json"));
        assert_eq!(live["status"], "completed");
    }

    /// At most one outgoing edge per node, and every edge target exists (FORMAT §4).
    fn check_flow(flow: &Value) {
        let nodes = flow["nodes"].as_object().expect("nodes");
        let mut sources = HashSet::new();
        for edge in flow["edges"].as_array().expect("edges") {
            assert!(
                sources.insert(edge["from"].as_str().expect("from")),
                "one edge per node"
            );
            let targets: Vec<&Value> = match edge["switch"]["cases"].as_object() {
                Some(cases) => cases.values().collect(),
                None => vec![&edge["to"]],
            };
            assert!(targets
                .iter()
                .all(|to| nodes.contains_key(to.as_str().expect("target"))));
        }
    }

    fn check_artifacts(dir: &Path, trace: &[Value]) {
        let steps = read_json(&dir.join("projections/steps.json"));
        let run = read_json(&dir.join("projections/run.json"));
        let mut refs = Vec::new();
        trace
            .iter()
            .for_each(|event| artifact_refs(event, &mut refs));
        artifact_refs(&steps, &mut refs);
        artifact_refs(&run, &mut refs);
        assert!(refs.len() > 100);
        for artifact in refs {
            let path = artifact["path"].as_str().expect("path");
            let bytes =
                fs::read(dir.join(path)).unwrap_or_else(|_| panic!("artifact {path} exists"));
            let hex = sha256_hex(&bytes);
            let ext = if artifact["mediaType"] == "application/json" {
                "json"
            } else {
                "txt"
            };
            assert_eq!(path, format!("artifacts/sha256-{hex}.{ext}"));
            assert_eq!(artifact["sha256"], hex.as_str());
            assert_eq!(artifact["bytes"], bytes.len());
        }
    }

    /// Conversation ranges tile the session's events.ndjson: the first turn starts at
    /// its `session/prompt`, later ones at the reconnect handshake right before it
    /// (as real 0.19.1 bundles do), and each ends at the prompt's response.
    fn check_conversations(
        dir: &Path,
        manifest: &Value,
        trace: &[Value],
        summary: &SynthSummary,
        per_turn: usize,
    ) {
        let session = &manifest["sessions"][0];
        let events = read_ndjson(&dir.join(session["eventsPath"].as_str().expect("eventsPath")));
        assert_eq!(events.len(), summary.session_events);
        for (index, event) in events.iter().enumerate() {
            assert_eq!(event["seq"], index + 1);
        }
        let method = |seq: u64| {
            events[seq as usize - 1]["message"]["method"]
                .as_str()
                .unwrap_or_default()
        };
        let parsed: Vec<&Value> = trace
            .iter()
            .filter(|e| e["type"] == "acp_response_parsed")
            .collect();
        assert!(parsed.len() > 2);
        let outcomes: HashMap<&str, &Value> = trace
            .iter()
            .filter(|e| e["type"] == "node_outcome")
            .map(|e| (e["attemptId"].as_str().expect("attemptId"), e))
            .collect();
        let mut next_seq = 1;
        for (turn, event) in parsed.iter().enumerate() {
            let conversation = &event["payload"]["conversation"];
            assert_eq!(conversation["sessionId"], session["id"]);
            let outcome = outcomes[event["attemptId"].as_str().expect("attemptId")];
            assert_eq!(&outcome["payload"]["conversation"], conversation);
            let start = conversation["eventStartSeq"].as_u64().expect("start");
            let end = conversation["eventEndSeq"].as_u64().expect("end");
            assert_eq!(start, next_seq, "ranges are contiguous");
            assert!(end as usize <= events.len());
            let prompt_seq = if turn == 0 {
                start
            } else {
                let handshake: Vec<&str> = (start..start + 4).map(method).collect();
                assert_eq!(handshake, ["initialize", "", "session/load", ""]);
                start + 4
            };
            let prompt = &events[prompt_seq as usize - 1];
            assert_eq!(prompt["direction"], "outbound");
            assert_eq!(prompt["message"]["method"], "session/prompt");
            assert_eq!(end - prompt_seq + 1, per_turn as u64);
            assert_eq!(
                events[end as usize - 1]["message"]["result"]["stopReason"],
                "end_turn"
            );
            next_seq = end + 1;
        }
        assert_eq!(
            next_seq as usize,
            events.len() + 1,
            "ranges cover every event"
        );
        let record = read_json(&dir.join(session["recordPath"].as_str().expect("recordPath")));
        assert_eq!(record["lastSeq"], events.len());
        assert_eq!(
            record["messages"].as_array().expect("messages").len(),
            2 * parsed.len()
        );
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let runs = tempfile::tempdir().expect("temp dir");
        let spec = small_spec(40);
        let first = write_bundle(&runs.path().join("a"), &spec).expect("first");
        let second = write_bundle(&runs.path().join("b"), &spec).expect("second");
        assert_eq!(first.run_id, second.run_id);
        for file in ["trace.ndjson", "projections/run.json", "manifest.json"] {
            assert_eq!(
                fs::read(first.dir.join(file)).ok(),
                fs::read(second.dir.join(file)).ok(),
                "{file}"
            );
        }
        let again = write_bundle(&runs.path().join("a"), &spec).expect_err("bundle dir exists");
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn honours_run_id_and_few_events_per_turn() {
        let runs = tempfile::tempdir().expect("temp dir");
        let spec = SynthSpec {
            attempts: 23,
            session_events_per_turn: 3,
            acp_every: 1,
            seed: 7,
            run_id: Some("custom-run-0000abcd".into()),
        };
        let summary = write_bundle(runs.path(), &spec).expect("synthesize");
        assert_eq!(summary.run_id, "custom-run-0000abcd");
        let manifest = read_json(&summary.dir.join("manifest.json"));
        let trace = read_ndjson(&summary.dir.join("trace.ndjson"));
        check_attempts(&trace, &summary.dir, spec.attempts);
        check_conversations(&summary.dir, &manifest, &trace, &summary, 3);

        let bad = SynthSpec {
            run_id: Some("../escape".into()),
            ..spec
        };
        assert_eq!(
            write_bundle(runs.path(), &bad).err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
    }

    #[test]
    fn record_keeps_the_last_200_messages() {
        let runs = tempfile::tempdir().expect("temp dir");
        let spec = SynthSpec {
            attempts: 340,
            acp_every: 1,
            ..SynthSpec::default()
        };
        let summary = write_bundle(runs.path(), &spec).expect("synthesize");
        let manifest = read_json(&summary.dir.join("manifest.json"));
        let record = read_json(
            &summary.dir.join(
                manifest["sessions"][0]["recordPath"]
                    .as_str()
                    .expect("path"),
            ),
        );
        assert_eq!(record["messages"].as_array().expect("messages").len(), 200);
        let steps = read_json(&summary.dir.join("projections/steps.json"));
        let last_turn = steps
            .as_array()
            .expect("steps")
            .iter()
            .rev()
            .find(|s| s["nodeId"] == "work")
            .expect("a turn");
        assert_eq!(last_turn["trace"]["conversation"]["messageStart"], 198);
        assert_eq!(last_turn["trace"]["conversation"]["messageEnd"], 199);
    }
}
