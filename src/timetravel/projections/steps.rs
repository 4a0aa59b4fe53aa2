//! The kept step records (`steps.json`): streamed from the source one at a
//! time and filtered to the kept finished attempts, or derived from the
//! trace's `node_outcome` payloads when the source has none. Also gathers
//! what `run.json` needs from them (outputs, the latest record per node).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::Seek;
use std::ops::{ControlFlow, Range};
use std::path::Path;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{split, Point};
use crate::bundle::artifacts::collect_refs;
use crate::bundle::ref_skim::refs_in_line;
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
    /// The source's records, kept as where they are in `text` until
    /// [`Steps::finish`] decodes the few that `outputs` and `latest` end up
    /// holding.
    raw_outputs: HashMap<String, Range<usize>>,
    raw_latest: HashMap<String, Range<usize>>,
    /// `text` and a newline are the bytes of the source's `steps.json`.
    pub verbatim: bool,
    /// Records serialized here rather than copied.
    rebuilt: usize,
}

/// The fields of a step record the cut looks at; the rest is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Head<'a> {
    #[serde(borrow, default)]
    attempt_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    node_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    /// `Some` whenever the key is there, `null` included.
    #[serde(borrow, default, deserialize_with = "present")]
    output: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

fn parse_raw(raw: &str) -> Result<Value> {
    serde_json::from_str(raw).map_err(|e| TimeTravelError::Invalid(format!("step record: {e}")))
}

impl Steps {
    fn append_text(&mut self, nested: &str) {
        self.text
            .push_str(if self.count == 0 { "[\n  " } else { ",\n  " });
        self.text.push_str(nested);
        self.count += 1;
    }

    /// A record built here: serialized as `JSON.stringify(steps, null, 2)`
    /// nests it.
    fn push(&mut self, step: Value) -> Result<()> {
        let pretty = serde_json::to_string_pretty(&step)
            .map_err(|e| TimeTravelError::Invalid(format!("step record: {e}")))?;
        self.append_text(&pretty.replace('\n', "\n  "));
        self.rebuilt += 1;
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
                    self.raw_outputs.remove(&node);
                    self.outputs.insert(node.clone(), output.clone());
                }
                None => {
                    self.raw_outputs.remove(&node);
                    self.outputs.shift_remove(&node);
                }
            }
        }
        self.raw_latest.remove(&node);
        self.latest.insert(node, step);
        Ok(())
    }

    /// A record of the source's `steps.json`, copied byte for byte: it sits
    /// at the same depth there as here. `ok` and `output` are its outcome
    /// and output (`Some` when the key is there).
    fn push_raw(&mut self, raw: &str, node: String, ok: bool, output: Option<&str>) -> Result<()> {
        // A reference is an object with a `mediaType` (as the trace pass
        // finds them): a record without one is not skimmed at all.
        if memchr::memmem::find(raw.as_bytes(), b"\"mediaType\"").is_some() {
            let mut refs = Vec::new();
            refs_in_line(raw.as_bytes(), &mut refs)
                .map_err(|e| TimeTravelError::Invalid(format!("step record: {e}")))?;
            self.refs.extend(refs);
        }
        self.append_text(raw);
        let at = self.text.len() - raw.len();
        if ok {
            match output {
                Some(output) => {
                    // `output` is a piece of `raw`: the same piece of `text`.
                    let start = at + (output.as_ptr() as usize - raw.as_ptr() as usize);
                    self.outputs.insert(node.clone(), Value::Null);
                    self.raw_outputs
                        .insert(node.clone(), start..start + output.len());
                }
                None => {
                    self.raw_outputs.remove(&node);
                    self.outputs.shift_remove(&node);
                }
            }
        }
        self.latest.insert(node.clone(), Value::Null);
        self.raw_latest.insert(node, at..self.text.len());
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.text
            .push_str(if self.count == 0 { "[]" } else { "\n]" });
        for (node, value) in self.outputs.iter_mut() {
            if let Some(raw) = self.raw_outputs.get(node) {
                *value = parse_raw(&self.text[raw.clone()])?;
            }
        }
        for (node, value) in self.latest.iter_mut() {
            if let Some(raw) = self.raw_latest.get(node) {
                *value = parse_raw(&self.text[raw.clone()])?;
            }
        }
        Ok(())
    }
}

/// The records of the kept finished attempts in the source's `steps.json`,
/// and that file, open (`None` when it has none to read).
pub(super) fn recorded_steps(run: &Run, last: usize) -> Result<Option<(Steps, File)>> {
    let kept = &run.attempts[..=last];
    let mut steps = Steps::default();
    let path = &run.bundle.paths.steps_projection;
    let Ok((file, _)) = run.bundle.open_file(path) else {
        return Ok(None);
    };
    {
        let finished: HashSet<&str> = kept
            .iter()
            .filter(|a| a.is_finished())
            .map(|a| run.attempt_id(a))
            .collect();
        let mut seen = 0;
        let fast = split::each_object(&file, split::CHUNK, |raw| {
            seen += 1;
            keep_if_finished(&mut steps, &finished, raw).ok()?;
            Some(match steps.count == finished.len() {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            })
        });
        // Every record kept, from a file laid out as `text` is: the file
        // is the cut's `steps.json`, byte for byte.
        steps.verbatim =
            fast == Some(split::ArrayEnd::Pretty) && seen == steps.count && steps.rebuilt == 0;
        if fast.is_none() {
            // Not plainly acpx's shape: serde's streaming reader decides.
            steps = Steps::default();
            (&file)
                .seek(std::io::SeekFrom::Start(0))
                .map_err(|e| TimeTravelError::io(path, e))?;
        }
        let mut failure = None;
        let slow = fast.is_none();
        slow.then(|| {
            each_array_item(&file, path, |raw| {
                failure = keep_if_finished(&mut steps, &finished, raw.get()).err();
                // Records are appended in execution order: once every kept one
                // is in, the rest of a long file need not be parsed.
                if failure.is_some() || steps.count == finished.len() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
        })
        .transpose()?;
        if let Some(err) = failure {
            return Err(err);
        }
    }
    steps.finish()?;
    Ok(Some((steps, file)))
}

/// Records built from the kept attempts' `node_outcome` payloads, for a
/// source without `steps.json`.
pub(super) fn derived_steps(point: &Point) -> Result<Steps> {
    let run = point.run;
    let mut steps = Steps::default();
    for (attempt, payload) in run.attempts[..=point.last].iter().zip(point.outcomes) {
        if let (true, Some(payload)) = (attempt.is_finished(), payload) {
            steps.push(derived_step(run, attempt, payload))?;
        }
    }
    steps.finish()?;
    Ok(steps)
}

/// Adds the source record `raw` when it is one of a kept finished attempt.
/// A record whose fields are not the types acpx writes is decoded whole
/// and judged as before (its `attemptId` read as text, else "").
fn keep_if_finished(steps: &mut Steps, finished: &HashSet<&str>, raw: &str) -> Result<()> {
    let Ok(head) = serde_json::from_str::<Head>(raw) else {
        let step = parse_raw(raw)?;
        let id = step.get("attemptId").and_then(Value::as_str).unwrap_or("");
        return match finished.contains(id) {
            true => steps.push(step),
            false => Ok(()),
        };
    };
    if !finished.contains(head.attempt_id.as_deref().unwrap_or("")) {
        return Ok(());
    }
    let node = head.node_id.as_deref().unwrap_or("").to_string();
    let ok = head.outcome.as_deref() == Some("ok");
    let output = head.output.map(RawValue::get);
    steps.push_raw(raw, node, ok, output)
}

/// Feeds each element of the JSON array in `path` to `each`, one at a time,
/// until `each` breaks (the rest of the file is then left unread).
fn each_array_item(
    file: &std::fs::File,
    path: &Path,
    mut each: impl FnMut(Box<RawValue>) -> ControlFlow<()>,
) -> Result<()> {
    /// Serde offers no way out of a sequence but an error: this one means
    /// "stopped on purpose".
    const STOPPED: &str = "reel: stopped reading the step records";
    struct Items<'f, F>(&'f mut F);
    impl<'de, F: FnMut(Box<RawValue>) -> ControlFlow<()>> Visitor<'de> for Items<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of step records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while let Some(item) = seq.next_element::<Box<RawValue>>()? {
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
    step.insert(
        "startedAt".into(),
        iso(attempt.started_ms(&run.bundle.trace)),
    );
    step.insert(
        "finishedAt".into(),
        iso(attempt.finished_ms(&run.bundle.trace)),
    );
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
