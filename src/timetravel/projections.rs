//! The projections of a cut (`steps.json`, `run.json`, `live.json`), rebuilt
//! for the point it ends at, as acpx would have written them there: the
//! source's step records of the kept finished attempts, outputs and results
//! recomputed from them, the run waiting on the node that would run next.
//!
//! `steps.json` can hold hundreds of megabytes, so its records are streamed
//! one at a time; `run.json`'s copy of them is never parsed at all.

mod nested;
mod run_json;
mod split;
mod steps;

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use self::run_json::{read_without_steps, write_run, KnownSteps, StepsText};
use self::steps::{derived_steps, recorded_steps, Steps};
use super::cut::files::{self, Dirs};
use super::patch::merge_patch;
use super::{Result, TimeTravelError};
use crate::bundle::artifacts::collect_refs;
use crate::bundle::safe_open;
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
    /// Where its `steps` are the kept records (nested), every one.
    known_steps: Option<KnownSteps>,
    /// Files written here and not yet synced: the cut's syncer takes them.
    pub unsynced: Vec<(File, PathBuf)>,
}

/// Reads the source's projections for a cut after attempt `last`, and
/// writes the kept step records to `steps_to` (the cut's `steps.json`).
pub(crate) fn read_recorded(run: &Run, last: usize, steps_to: &Path) -> Result<Recorded> {
    let started = std::time::Instant::now();
    let Some((steps, source)) = recorded_steps(run, last)? else {
        let (run_state, known_steps) = read_run_state(run, None)?;
        return Ok(Recorded {
            steps: None,
            run_state,
            known_steps,
            unsynced: Vec::new(),
        });
    };
    super::log_stage("steps read", started);
    // The cut's `steps.json` is written (the kernel copying it, when it is
    // the source's) while `run.json` is read: they need only the records.
    let (written, run_state) = std::thread::scope(|scope| {
        let write = || write_steps_file(run, &steps, &source, steps_to);
        let writer = std::thread::Builder::new()
            .name("reel-cut-steps".into())
            .spawn_scoped(scope, write);
        // Every record kept as the source holds them: its `run.json` may
        // hold them just so.
        let known = steps.verbatim.then_some(steps.text.as_str());
        let run_state = read_run_state(run, known);
        let written = match writer {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(TimeTravelError::Invalid("writing steps.json failed".into()))
            }),
            Err(_) => write(),
        };
        (written, run_state)
    });
    let unsynced = vec![(written?, steps_to.to_path_buf())];
    let (run_state, known_steps) = run_state?;
    super::log_stage("run read", started);
    Ok(Recorded {
        steps: Some(steps),
        run_state,
        known_steps,
        unsynced,
    })
}

/// `run.json` without its steps (`None` without `run.json`), and where they
/// are when they are the known records nested.
type RunState = (Option<Map<String, Value>>, Option<KnownSteps>);

/// `run.json` of the source without its steps, and where they are when
/// they are `known` nested.
fn read_run_state(run: &Run, known: Option<&str>) -> Result<RunState> {
    let bundle = &run.bundle;
    match bundle.open_file(&bundle.paths.run_projection) {
        Ok((file, _)) => {
            let (map, known) = read_without_steps(file, &bundle.paths.run_projection, known)?;
            Ok((Some(map), known))
        }
        Err(err) if safe_open::is_absent(&err) => Ok((None, None)),
        Err(err) => Err(err.into()),
    }
}

/// Writes the cut's `steps.json` (not yet synced): the source's copied,
/// when it is that, else the kept records.
fn write_steps_file(run: &Run, steps: &Steps, source: &File, to: &Path) -> Result<File> {
    let from = &run.bundle.paths.steps_projection;
    let copied = match steps.verbatim {
        true => copy_verbatim(source, from, to, steps.text.len() as u64 + 1)?,
        false => None,
    };
    match copied {
        Some(file) => Ok(file),
        None => write_steps(to, steps),
    }
}

/// The cut's `steps.json` copied from the source's (`source`, open at
/// `from`) inside the kernel, when it still holds the `len` bytes read;
/// `None` (nothing written) when it does not.
fn copy_verbatim(source: &File, from: &Path, to: &Path, len: u64) -> Result<Option<File>> {
    let now = source
        .metadata()
        .map_err(|e| TimeTravelError::io(from, e))?;
    if now.len() != len {
        return Ok(None);
    }
    let (written, copied) = files::copy_from_start(source, from, to, len)?;
    if copied == len {
        return Ok(Some(written));
    }
    drop(written);
    fs::remove_file(to).map_err(|e| TimeTravelError::io(to, e))?;
    Ok(None)
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
        let path = target(dirs, &bundle.paths.steps_projection)?;
        let written = write_steps(&path, &steps)?;
        dirs.sync_later(written, &path)?;
    }
    let run_path = target(dirs, &bundle.paths.run_projection)?;
    let spliced = match (&recorded.known_steps, steps_written) {
        (Some(known), true) => StepsText::Copied(known),
        _ => StepsText::Text(&steps.text),
    };
    write_run(
        &run_path,
        &bundle.paths.run_projection,
        &run_value,
        spliced,
        dirs,
    )?;
    let live_path = target(dirs, &bundle.paths.live_projection)?;
    files::write_json_later(&live_path, &live, dirs)?;
    Ok(refs)
}

/// Writes `steps.json` (not yet synced).
fn write_steps(path: &Path, steps: &Steps) -> Result<File> {
    let mut writer = files::create(path)?;
    writer
        .write_all(steps.text.as_bytes())
        .and_then(|()| writer.write_all(b"\n"))
        .map_err(|e| TimeTravelError::io(path, e))?;
    files::flushed(writer, path)
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
