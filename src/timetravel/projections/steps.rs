//! The kept step records (`steps.json`): streamed from the source one at a
//! time and filtered to the kept finished attempts, or derived from the
//! trace's `node_outcome` payloads when the source has none. Also gathers
//! what `run.json` needs from them (outputs, the latest record per node).

use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;
use std::path::Path;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::Point;
use crate::bundle::artifacts::collect_refs;
use crate::bundle::timestamp::format_iso_millis;
use crate::bundle::BundleError;
use crate::model::{output_of_payload, Attempt, Run};
use crate::timetravel::{Result, TimeTravelError};

/// The kept step records, serialized as `steps.json` holds them, with the
/// outputs and the latest record of each node.
#[derive(Default)]
pub(super) struct Steps {
    /// `[ ... ]` pretty-printed, without a trailing newline.
    pub text: String,
    pub count: usize,
    /// Latest successful output per node (first-seen order, as in JS).
    pub outputs: Map<String, Value>,
    /// Latest record per node.
    pub latest: Map<String, Value>,
    pub refs: BTreeSet<String>,
}

impl Steps {
    fn push(&mut self, step: Value) -> Result<()> {
        let pretty = serde_json::to_string_pretty(&step)
            .map_err(|e| TimeTravelError::Invalid(format!("step record: {e}")))?;
        self.text
            .push_str(if self.count == 0 { "[\n  " } else { ",\n  " });
        self.text.push_str(&pretty.replace('\n', "\n  "));
        self.count += 1;
        collect_refs(&step, &mut self.refs);
        let node = step
            .get("nodeId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if step.get("outcome").and_then(Value::as_str) == Some("ok") {
            // An ok attempt without output leaves `undefined`, which JSON drops.
            match step.get("output") {
                Some(output) => {
                    self.outputs.insert(node.clone(), output.clone());
                }
                None => {
                    self.outputs.shift_remove(&node);
                }
            }
        }
        self.latest.insert(node, step);
        Ok(())
    }

    fn finish(&mut self) {
        self.text
            .push_str(if self.count == 0 { "[]" } else { "\n]" });
    }
}

pub(super) fn collect_steps(point: &Point) -> Result<Steps> {
    let run = point.run;
    let kept = &run.attempts[..=point.last];
    let mut steps = Steps::default();
    let path = &run.bundle.paths.steps_projection;
    if let Ok((file, _)) = run.bundle.open_file(path) {
        let finished: HashSet<&str> = kept
            .iter()
            .filter(|a| a.is_finished())
            .map(|a| run.attempt_id(a))
            .collect();
        let mut failure = None;
        each_array_item(file, path, |step| {
            let id = step.get("attemptId").and_then(Value::as_str).unwrap_or("");
            if finished.contains(id) {
                failure = steps.push(step).err();
            }
            // Records are appended in execution order: once every kept one
            // is in, the rest of a long file need not be parsed.
            if failure.is_some() || steps.count == finished.len() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        if let Some(err) = failure {
            return Err(err);
        }
    } else {
        for (attempt, payload) in kept.iter().zip(point.outcomes) {
            if let (true, Some(payload)) = (attempt.is_finished(), payload) {
                steps.push(derived_step(run, attempt, payload))?;
            }
        }
    }
    steps.finish();
    Ok(steps)
}

/// Feeds each element of the JSON array in `path` to `each`, one at a time,
/// until `each` breaks (the rest of the file is then left unread).
fn each_array_item(
    file: std::fs::File,
    path: &Path,
    mut each: impl FnMut(Value) -> ControlFlow<()>,
) -> Result<()> {
    /// Serde offers no way out of a sequence but an error: this one means
    /// "stopped on purpose".
    const STOPPED: &str = "reel: stopped reading the step records";
    struct Items<'f, F>(&'f mut F);
    impl<'de, F: FnMut(Value) -> ControlFlow<()>> Visitor<'de> for Items<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of step records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while let Some(item) = seq.next_element::<Value>()? {
                if (self.0)(item).is_break() {
                    return Err(serde::de::Error::custom(STOPPED));
                }
            }
            Ok(())
        }
    }
    // Streamed: `steps.json` of a long run is as large as its trace.
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut de = serde_json::Deserializer::from_reader(reader);
    match de.deserialize_seq(Items(&mut each)).and_then(|()| de.end()) {
        Err(e) if e.is_data() && e.to_string().starts_with(STOPPED) => Ok(()),
        Err(e) => Err(BundleError::json(path, &e).into()),
        Ok(()) => Ok(()),
    }
}

/// A `FlowStepRecord` from a `node_outcome` payload, for sources without
/// `steps.json`: what the trace knows (no prompt text, binding or agent).
fn derived_step(run: &Run, attempt: &Attempt, payload: &Value) -> Value {
    const TRACE_FIELDS: [&str; 9] = [
        "sessionId",
        "promptArtifact",
        "rawResponseArtifact",
        "conversation",
        "outputInline",
        "outputArtifact",
        "stdoutArtifact",
        "stderrArtifact",
        "action",
    ];
    let mut step = Map::new();
    step.insert("attemptId".into(), run.attempt_id(attempt).into());
    step.insert("nodeId".into(), run.node_id(attempt).into());
    let node_type = payload
        .get("nodeType")
        .or_else(|| payload.get("kind"))
        .cloned()
        .unwrap_or_else(|| run.node_type(attempt).into());
    step.insert("nodeType".into(), node_type);
    step.insert("outcome".into(), attempt.outcome.name().into());
    step.insert("startedAt".into(), iso(attempt.started_ms));
    step.insert("finishedAt".into(), iso(attempt.finished_ms));
    if let Ok(Some(output)) = output_of_payload(&run.bundle, payload) {
        step.insert("output".into(), output);
    }
    if let Some(error) = payload.get("error").filter(|e| e.is_string()) {
        step.insert("error".into(), error.clone());
    }
    let trace: Map<String, Value> = TRACE_FIELDS
        .iter()
        .filter_map(|k| Some((k.to_string(), payload.get(*k)?.clone())))
        .collect();
    if !trace.is_empty() {
        step.insert("trace".into(), Value::Object(trace));
    }
    Value::Object(step)
}

fn iso(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| format_iso_millis(ms).into())
}
