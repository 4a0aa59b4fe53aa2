//! The projections of a cut (`steps.json`, `run.json`, `live.json`), rebuilt
//! for the point it ends at, as acpx would have written them there: the
//! source's step records of the kept finished attempts, outputs and results
//! recomputed from them, the run waiting on the node that would run next.
//!
//! `steps.json` can hold hundreds of megabytes, so its records are streamed
//! one at a time; `run.json`'s copy of them is never parsed at all.

mod split;
mod steps;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use self::steps::{derived_steps, recorded_steps, Steps};
use super::cut::files::{self, Dirs};
use super::patch::merge_patch;
use super::{Result, TimeTravelError};
use crate::bundle::artifacts::collect_refs;
use crate::bundle::{safe_open, BundleError};
use crate::model::Run;

/// The point a cut ends at, and how the projections should describe it.
pub(crate) struct Point<'a> {
    pub run: &'a Run,
    /// Position of the last kept attempt.
    pub last: usize,
    pub run_id: &'a str,
    pub now: String,
    pub status_detail: String,
    pub next_node: Option<&'a str>,
    pub input_patch: Option<&'a Value>,
    /// Ids of the sessions the cut keeps.
    pub sessions: &'a [String],
    /// `node_outcome` payloads per kept attempt, used when the source has no
    /// `steps.json` to take the records from.
    pub outcomes: &'a [Option<Value>],
    pub run_started: Option<&'a Value>,
}

/// Fields that describe an attempt in flight or a finished run: a cut is
/// neither.
const CLEARED: [&str; 7] = [
    "finishedAt",
    "currentNode",
    "currentAttemptId",
    "currentNodeType",
    "currentNodeStartedAt",
    "lastHeartbeatAt",
    "error",
];

/// What the projections take from the source's own, read on its own (the
/// cut reads it while it writes the trace).
pub(crate) struct Recorded {
    /// The kept step records, already written to the cut's `steps.json`;
    /// `None` when the source has no `steps.json`.
    steps: Option<Steps>,
    /// `run.json` without its `steps`; `None` without `run.json`.
    run_state: Option<Map<String, Value>>,
}

/// Reads the source's projections for a cut after attempt `last`, and
/// writes the kept step records to `steps_to` (the cut's `steps.json`).
pub(crate) fn read_recorded(run: &Run, last: usize, steps_to: &Path) -> Result<Recorded> {
    let steps = recorded_steps(run, last)?;
    if let Some(steps) = &steps {
        write_steps(steps_to, steps)?;
    }
    let bundle = &run.bundle;
    let run_state = match bundle.open_file(&bundle.paths.run_projection) {
        Ok((file, _)) => Some(read_without_steps(&file, &bundle.paths.run_projection)?),
        Err(err) if safe_open::is_absent(&err) => None,
        Err(err) => return Err(err.into()),
    };
    Ok(Recorded { steps, run_state })
}

/// Writes the three projections under `dest` (at the source's relative
/// paths) and returns the artifacts they reference.
pub(crate) fn write_projections(
    point: &Point,
    recorded: Recorded,
    dest: &Path,
    dirs: &mut Dirs,
) -> Result<BTreeSet<String>> {
    let bundle = &point.run.bundle;
    let (mut steps, steps_written) = match recorded.steps {
        Some(steps) => (steps, true),
        None => (derived_steps(point)?, false),
    };
    let mut refs = std::mem::take(&mut steps.refs);

    let mut run_state = recorded.run_state.unwrap_or_else(|| minimal_run(point));
    if let Some(patch) = point.input_patch {
        merge_patch(run_state.entry("input").or_insert(Value::Null), patch);
    }
    run_state.insert(
        "outputs".into(),
        Value::Object(std::mem::take(&mut steps.outputs)),
    );
    let results = results_of(point, &steps, run_state.get("results"));
    run_state.insert("results".into(), Value::Object(results));
    run_state.entry("steps").or_insert(Value::Null);
    describe_point(&mut run_state, point);
    let run_value = Value::Object(run_state);
    collect_refs(&run_value, &mut refs);

    let mut live = match bundle.live.as_ref().filter(|l| l.is_object()) {
        Some(live) => live.clone(),
        None => minimal_live(point, &run_value),
    };
    if let Value::Object(map) = &mut live {
        describe_point(map, point);
    }

    let root = &bundle.root;
    let target = |dirs: &mut Dirs, source: &Path| -> Result<std::path::PathBuf> {
        let to = dest.join(super::cut::relative(root, source)?);
        if let Some(parent) = to.parent() {
            dirs.ensure(dest, parent)?;
        }
        Ok(to)
    };
    if !steps_written {
        write_steps(&target(dirs, &bundle.paths.steps_projection)?, &steps)?;
    }
    let run_path = target(dirs, &bundle.paths.run_projection)?;
    write_run(&run_path, &run_value, &steps.text, dirs)?;
    let live_path = target(dirs, &bundle.paths.live_projection)?;
    files::write_json(&live_path, &live)?;
    Ok(refs)
}

fn write_steps(path: &Path, steps: &Steps) -> Result<()> {
    let mut writer = files::create(path)?;
    writer
        .write_all(steps.text.as_bytes())
        .and_then(|()| writer.write_all(b"\n"))
        .map_err(|e| TimeTravelError::io(path, e))?;
    files::finish(writer, path)
}

/// `results`: the latest attempt of each node. The source's own entry is kept
/// when it describes that same attempt; otherwise one is built from the
/// step record and the trace's `durationMs`.
fn results_of(point: &Point, steps: &Steps, source: Option<&Value>) -> Map<String, Value> {
    let run = point.run;
    let durations: HashMap<&str, Option<u64>> = run.attempts[..=point.last]
        .iter()
        .map(|a| (run.attempt_id(a), a.duration_ms(&run.bundle.trace)))
        .collect();
    let mut results = Map::new();
    for (node, step) in &steps.latest {
        let attempt_id = step.get("attemptId").and_then(Value::as_str).unwrap_or("");
        let recorded = source
            .and_then(|s| s.get(node))
            .filter(|r| r.get("attemptId").and_then(Value::as_str) == Some(attempt_id));
        let result = match recorded {
            Some(recorded) => recorded.clone(),
            None => {
                let mut result = Map::new();
                for key in [
                    "attemptId",
                    "nodeId",
                    "nodeType",
                    "outcome",
                    "startedAt",
                    "finishedAt",
                ] {
                    if let Some(value) = step.get(key) {
                        result.insert(key.into(), value.clone());
                    }
                }
                if let Some(Some(ms)) = durations.get(attempt_id) {
                    result.insert("durationMs".into(), Value::from(*ms));
                }
                if let Some(output) = step.get("output") {
                    result.insert("output".into(), output.clone());
                }
                if let Some(error) = step.get("error").filter(|e| !e.is_null()) {
                    result.insert("error".into(), error.clone());
                }
                Value::Object(result)
            }
        };
        results.insert(node.clone(), result);
    }
    results
}

/// The run-level fields every projection shares at the cut point.
fn describe_point(map: &mut Map<String, Value>, point: &Point) {
    map.insert("runId".into(), point.run_id.into());
    map.insert("status".into(), "waiting".into());
    map.insert("updatedAt".into(), point.now.clone().into());
    for key in CLEARED {
        map.shift_remove(key);
    }
    if let Some(Value::Object(bindings)) = map.get_mut("sessionBindings") {
        bindings.retain(
            |_, binding| match binding.get("bundleId").and_then(Value::as_str) {
                Some(id) => point.sessions.iter().any(|s| s == id),
                None => true,
            },
        );
    }
    match point.next_node {
        Some(node) => map.insert("waitingOn".into(), node.into()),
        None => map.shift_remove("waitingOn"),
    };
    map.insert("statusDetail".into(), point.status_detail.clone().into());
}

/// `run.json` for a source without one: what the manifest and trace know.
fn minimal_run(point: &Point) -> Map<String, Value> {
    let bundle = &point.run.bundle;
    let mut map = header(point);
    let input = point
        .run_started
        .and_then(|p| p.get("inputArtifact"))
        .and_then(|a| a.get("path"))
        .and_then(Value::as_str)
        .and_then(|path| bundle.read_artifact(path).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    if let Some(input) = input {
        map.insert("input".into(), input);
    }
    map.insert("sessionBindings".into(), Value::Object(Map::new()));
    map
}

fn minimal_live(point: &Point, run_state: &Value) -> Value {
    let mut map = header(point);
    if let Some(bindings) = run_state.get("sessionBindings") {
        map.insert("sessionBindings".into(), bindings.clone());
    }
    describe_point(&mut map, point);
    Value::Object(map)
}

fn header(point: &Point) -> Map<String, Value> {
    let run = point.run;
    let manifest = &run.bundle.manifest;
    let mut map = Map::new();
    map.insert("runId".into(), point.run_id.into());
    map.insert("flowName".into(), run.flow_name().into());
    if let Some(title) = &manifest.run_title {
        map.insert("runTitle".into(), title.clone().into());
    }
    if let Some(path) = &manifest.flow_path {
        map.insert("flowPath".into(), path.clone().into());
    }
    if let Some(started) = run.started_at() {
        map.insert("startedAt".into(), started.into());
    }
    map
}

/// Parses `run.json` but skips its `steps` (the largest part, rebuilt
/// anyway), leaving `null` in its place so the key keeps its position.
fn read_without_steps(file: &std::fs::File, path: &Path) -> Result<Map<String, Value>> {
    struct SkipSteps;
    impl<'de> Visitor<'de> for SkipSteps {
        type Value = Map<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut access: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut map = Map::new();
            while let Some(key) = access.next_key::<String>()? {
                let value = if key == "steps" {
                    access.next_value::<IgnoredAny>()?;
                    Value::Null
                } else {
                    access.next_value::<Value>()?
                };
                map.insert(key, value);
            }
            Ok(map)
        }
    }
    // The steps checked and dropped by a byte scan, the rest parsed from
    // memory; a file of another shape is left to the streaming reader.
    if let Some(rest) = split::without_array(file, split::CHUNK, "steps") {
        let mut de = serde_json::Deserializer::from_slice(&rest);
        if let Ok(map) = de
            .deserialize_map(SkipSteps)
            .and_then(|map| de.end().map(|()| map))
        {
            return Ok(map);
        }
    }
    (&*file)
        .seek(std::io::SeekFrom::Start(0))
        .map_err(|e| TimeTravelError::io(path, e))?;
    // Streamed: `run.json` of a long run is as large as its trace.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, file));
    de.deserialize_map(SkipSteps)
        .and_then(|map| de.end().map(|()| map))
        .map_err(|e| BundleError::json(path, &e).into())
}

/// Writes `run.json` exactly as `JSON.stringify(run, null, 2)` would, with
/// the already serialized step records spliced in under `steps` (streamed
/// into the file, never copied whole).
fn write_run(path: &Path, run_state: &Value, steps_text: &str, dirs: &mut Dirs) -> Result<()> {
    let Value::Object(map) = run_state else {
        return files::write_json(path, run_state);
    };
    let json_error =
        |e: serde_json::Error| TimeTravelError::Invalid(format!("{}: {e}", path.display()));
    let io_error = |e: std::io::Error| TimeTravelError::io(path, e);
    let mut writer = files::create(path)?;
    // Every line of a nested value moves two spaces right.
    writer.write_all(b"{").map_err(io_error)?;
    for (i, (key, value)) in map.iter().enumerate() {
        let lead: &[u8] = if i == 0 { b"\n  " } else { b",\n  " };
        let quoted = serde_json::to_string(key).map_err(json_error)?;
        writer
            .write_all(lead)
            .and_then(|()| writer.write_all(quoted.as_bytes()))
            .and_then(|()| writer.write_all(b": "))
            .map_err(io_error)?;
        if key == "steps" {
            nested(&mut writer, steps_text).map_err(io_error)?;
        } else {
            let text = serde_json::to_string_pretty(value).map_err(json_error)?;
            nested(&mut writer, &text).map_err(io_error)?;
        }
    }
    let end: &[u8] = if map.is_empty() { b"}\n" } else { b"\n}\n" };
    writer.write_all(end).map_err(io_error)?;
    files::finish_later(writer, path, dirs)
}

/// Writes `text` nested one level deeper: every line after the first moves
/// two spaces right. Gathered in pieces of a megabyte: a long run's step
/// records are millions of short lines.
fn nested(writer: &mut impl Write, text: &str) -> std::io::Result<()> {
    const PIECE: usize = 1 << 20;
    let bytes = text.as_bytes();
    let mut piece = Vec::with_capacity(PIECE + PIECE / 4);
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', bytes) {
        piece.extend_from_slice(&bytes[from..at]);
        piece.extend_from_slice(b"\n  ");
        from = at + 1;
        if piece.len() >= PIECE {
            writer.write_all(&piece)?;
            piece.clear();
        }
    }
    piece.extend_from_slice(&bytes[from..]);
    writer.write_all(&piece)
}
