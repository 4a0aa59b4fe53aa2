//! The trace writer: the simulated clock, trace events, the begin and finish
//! of attempts, and the run's projections and manifest once it completes.

use std::io;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::files::{write_json, write_run_projection, Artifacts, Media, Ndjson, StepsWriter};
use super::plan::{flow_definition, Node};
use super::rng::Rng;
use super::session::Session;
use super::{iso, SynthSpec, SynthSummary, FLOW_NAME, FLOW_PATH, START_MS};

const DEFAULT_TIMEOUT_MS: u64 = 900_000;
/// Outputs above this many chars go to an artifact instead of `outputInline`.
const INLINE_OUTPUT_LIMIT: usize = 200;

/// One running attempt.
pub(super) struct Attempt {
    node: Node,
    id: String,
    /// `FlowStepRecord.startedAt` (a little before `node_started`, as in acpx).
    started: u64,
    next_heartbeat: u64,
    /// The `statusDetail` periodic heartbeats carry.
    pub(super) detail: String,
}

/// The envelope ids of one trace event.
#[derive(Clone, Copy, Default)]
pub(super) struct Ids<'s> {
    node: Option<&'s str>,
    attempt: Option<&'s str>,
    session: Option<&'s str>,
}

impl<'s> Ids<'s> {
    pub(super) fn of(attempt: &'s Attempt) -> Self {
        Ids {
            node: Some(attempt.node.id()),
            attempt: Some(&attempt.id),
            session: None,
        }
    }

    pub(super) fn session(self, session: &'s str) -> Self {
        Ids {
            session: Some(session),
            ..self
        }
    }
}

/// The `FlowStepRecord` fields that only some node types fill.
#[derive(Default)]
pub(super) struct StepExtra {
    pub(super) prompt_text: Value,
    pub(super) raw_text: Value,
    pub(super) session: Value,
    pub(super) agent: Value,
}

/// One bundle being written: the open files, the clock and randomness, and
/// what the run projections will report.
pub(super) struct Synth<'a> {
    pub(super) spec: &'a SynthSpec,
    dir: PathBuf,
    run_id: String,
    pub(super) rng: Rng,
    /// Simulated wall clock, epoch ms; every trace event advances it.
    pub(super) clock: u64,
    started_at: u64,
    input: Value,
    trace: Ndjson,
    steps: StepsWriter,
    pub(super) artifacts: Artifacts,
    pub(super) session: Session,
    attempts: [usize; Node::COUNT],
    pub(super) turns: u64,
    pub(super) checks: u64,
    outputs: Map<String, Value>,
    results: Map<String, Value>,
}

impl<'a> Synth<'a> {
    pub(super) fn new(
        dir: PathBuf,
        run_id: String,
        spec: &'a SynthSpec,
        mut rng: Rng,
    ) -> io::Result<Self> {
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

    fn title(&self) -> String {
        format!("Synthetic loop x{}", self.spec.attempts)
    }

    /// Advances the clock by a random gap (at least 1 ms, so `at` strictly increases).
    pub(super) fn tick(&mut self, min_ms: u64, max_ms: u64) -> u64 {
        self.clock += self.rng.range(min_ms, max_ms).max(1);
        self.clock
    }

    pub(super) fn emit(
        &mut self,
        at: u64,
        kind: &'static str,
        ids: Ids<'_>,
        payload: Value,
    ) -> io::Result<()> {
        self.append_event(at, kind, ids, None, payload)
    }

    /// `artifact_written` repeats its artifact in the envelope.
    pub(super) fn emit_artifact(&mut self, ids: Ids<'_>, artifact: &Value) -> io::Result<()> {
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

    pub(super) fn heartbeat(&mut self, attempt: &Attempt, at: u64) -> io::Result<()> {
        let payload = json!({ "statusDetail": attempt.detail });
        self.emit(at, "node_heartbeat", Ids::of(attempt), payload)
    }

    /// Lets `ms` pass inside an attempt, emitting the periodic heartbeats that fall due.
    pub(super) fn wait(&mut self, attempt: &mut Attempt, ms: u64) -> io::Result<()> {
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

    pub(super) fn run_started(&mut self) -> io::Result<()> {
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

    pub(super) fn begin(&mut self, node: Node, detail: Option<&str>) -> io::Result<Attempt> {
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
    pub(super) fn finish(
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

    /// Writes `run_completed`, then every projection and session file.
    pub(super) fn complete(mut self) -> io::Result<SynthSummary> {
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

fn session_bindings(binding: &Value) -> Value {
    let mut bindings = Map::new();
    bindings.insert(
        binding["key"].as_str().unwrap_or_default().to_owned(),
        binding.clone(),
    );
    Value::Object(bindings)
}
