//! The cut: a complete acpx v1 bundle holding a run's history up to and
//! including one attempt. Fork writes it as a new run; rewind writes it
//! beside the run and swaps it in.
//!
//! What a cut at attempt X holds (DESIGN.md §4):
//!
//! * `trace.ndjson`: the source's events up to X's last one (its outcome),
//!   byte for byte but for `runId`, then one `run_forked` / `run_rewound`;
//! * `manifest.json`: the source's, `waiting`, its sessions filtered, with a
//!   `lineage` (fork) or `rewound` (rewind) object;
//! * `flow.json` as is; the projections rebuilt for that point
//!   ([`super::projections`]); the sessions cut after the events the kept
//!   attempts wrote; every artifact the kept files reference (hard links).
//!
//! Nothing in the source is written to, not even its timestamps. The
//! manifest is written last, so a cut cut short is never a bundle.

pub(super) mod files;
mod sessions;
mod syncer;
mod trace;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use self::files::Dirs;
use super::projections::{read_recorded, write_projections, Point};
use super::{Result, TimeTravelError};
use crate::bundle::paths::resolve_inside;
use crate::bundle::safe_open;
use crate::bundle::timestamp::format_iso_millis;
use crate::model::Run;

/// What the cut is for; decides the closing trace event and the manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum CutKind {
    /// A new run: a `run_forked` event and a `lineage` object in the manifest.
    Fork {
        label: Option<String>,
        /// A JSON merge patch (RFC 7396) applied to the run input.
        input_patch: Option<Value>,
        sandbox: bool,
    },
    /// The same run, rolled back: a `run_rewound` event.
    Rewind { op_id: String },
}

pub struct CutRequest<'a> {
    pub run: &'a Run,
    /// Position of the last kept attempt in `run.attempts`.
    pub attempt: usize,
    /// The run id of the written bundle (the source's own for a rewind).
    pub run_id: String,
    pub kind: CutKind,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CutSummary {
    pub run_id: String,
    pub dir: PathBuf,
    pub kept_attempts: usize,
    pub trace_events: usize,
    /// The node that would run next, by the flow's edges.
    pub next_node: Option<String>,
    pub artifacts: usize,
}

/// The points between the cut's filesystem steps, for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutStep {
    Created,
    Trace,
    Sessions,
    Projections,
    Flow,
    /// The first artifact is linked: the middle of the linking stage.
    Artifact,
    Linked,
    Manifest,
    Synced,
}

impl CutStep {
    pub const ALL: [CutStep; 9] = [
        CutStep::Created,
        CutStep::Trace,
        CutStep::Sessions,
        CutStep::Projections,
        CutStep::Flow,
        CutStep::Artifact,
        CutStep::Linked,
        CutStep::Manifest,
        CutStep::Synced,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CutStep::Created => "cut_created",
            CutStep::Trace => "cut_trace",
            CutStep::Sessions => "cut_sessions",
            CutStep::Projections => "cut_projections",
            CutStep::Flow => "cut_flow",
            CutStep::Artifact => "cut_artifact",
            CutStep::Linked => "cut_linked",
            CutStep::Manifest => "cut_manifest",
            CutStep::Synced => "cut_synced",
        }
    }
}

/// Called after each step; an error stops the cut (which then cleans up).
pub type CutHook<'a> = &'a dyn Fn(CutStep) -> Result<()>;

/// Writes the cut bundle into `dest`, which must not exist yet. Every file is
/// complete and synced to disk when this returns; on any error, whatever was
/// created is removed again (never a half-written bundle).
pub fn write_cut(request: &CutRequest, dest: &Path) -> Result<CutSummary> {
    write_cut_with(request, dest, None)
}

/// [`write_cut`], calling `hook` after each step.
pub fn write_cut_with(
    request: &CutRequest,
    dest: &Path,
    hook: Option<CutHook>,
) -> Result<CutSummary> {
    if request.attempt >= request.run.attempts.len() {
        return Err(TimeTravelError::UnknownAttempt(format!(
            "step {}",
            request.attempt.saturating_add(1)
        )));
    }
    let mut dirs = Dirs::default();
    dirs.create(dest)?;
    let step = |at: CutStep| hook.map_or(Ok(()), |h| h(at));
    step(CutStep::Created)
        .and_then(|()| write_into(request, dest, &mut dirs, &step))
        .inspect_err(|_| {
            // Nothing of the cut is still being synced once it is removed.
            let _ = dirs.wait_files();
            let _ = fs::remove_dir_all(dest);
        })
}

fn write_into(
    request: &CutRequest,
    dest: &Path,
    dirs: &mut Dirs,
    step: &dyn Fn(CutStep) -> Result<()>,
) -> Result<CutSummary> {
    let started = std::time::Instant::now();
    let run = request.run;
    let bundle = &run.bundle;
    let root = &bundle.root;
    let last = request.attempt;
    let attempt = &run.attempts[last];
    let attempt_id = run.attempt_id(attempt);
    let parent_id = run.run_id();
    let now = format_iso_millis(request.now_ms);
    let next_node = crate::model::routing::next_node(run, last);
    let target = |dirs: &mut Dirs, source: &Path| -> Result<PathBuf> {
        let to = dest.join(relative(root, source)?);
        if let Some(parent) = to.parent() {
            dirs.ensure(dest, parent)?;
        }
        Ok(to)
    };
    // acpx creates both folders at run start, even when they stay empty.
    for dir in [&bundle.paths.sessions_dir, &bundle.paths.artifacts_dir] {
        dirs.ensure(dest, &dest.join(relative(root, dir)?))?;
    }

    let closing = closing_event(
        request,
        &parent_id,
        attempt_id,
        attempt.seq_end(&run.bundle.trace),
    );
    let trace_path = target(dirs, &bundle.paths.trace)?;
    let keep_outcomes = safe_open::regular_metadata(root, &bundle.paths.steps_projection).is_none();
    // The source's projections are read, and the kept step records written
    // (on another core, when there is one), while the trace and sessions
    // are written: the passes are independent, and each handles a third of
    // a long run.
    let steps_path = target(dirs, &bundle.paths.steps_projection)?;
    let (recorded, written) = std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("reel-cut-read".into())
            .spawn_scoped(scope, || read_recorded(run, last, &steps_path));
        let written: Result<(trace::TraceCut, Vec<String>)> = (|| {
            let cut = trace::write_trace(
                run,
                last,
                &request.run_id,
                &closing,
                keep_outcomes,
                &trace_path,
                dirs,
            )?;
            super::log_stage("trace", started);
            step(CutStep::Trace)?;
            let sessions = sessions::write_sessions(run, last, &cut, dest, dirs)?;
            super::log_stage("sessions", started);
            step(CutStep::Sessions)?;
            Ok((cut, sessions))
        })();
        let recorded = match reader {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(TimeTravelError::Invalid(
                    "reading the projections failed".into(),
                ))
            }),
            // No thread to be had: read them here.
            Err(_) => read_recorded(run, last, &steps_path),
        };
        (recorded, written)
    });
    let (cut, sessions) = written?;
    let mut recorded = recorded?;
    for (file, path) in std::mem::take(&mut recorded.unsynced) {
        dirs.sync_later(file, &path)?;
    }
    super::log_stage("joined", started);

    let (status_detail, input_patch) = match &request.kind {
        CutKind::Fork { input_patch, .. } => (
            format!("Forked from {parent_id} at {attempt_id}"),
            input_patch.as_ref(),
        ),
        CutKind::Rewind { .. } => (format!("Rewound to {attempt_id}"), None),
    };
    let point = Point {
        run,
        last,
        run_id: &request.run_id,
        now: now.clone(),
        status_detail,
        next_node: next_node.as_deref(),
        input_patch,
        sessions: &sessions,
        outcomes: &cut.outcomes,
        run_started: cut.run_started.as_ref(),
    };
    let mut refs = write_projections(&point, recorded, dest, dirs)?;
    refs.extend(cut.refs.iter().cloned());
    super::log_stage("projections", started);
    step(CutStep::Projections)?;

    let manifest = manifest(
        request,
        &parent_id,
        attempt_id,
        attempt.seq_end(&run.bundle.trace),
        &sessions,
        &now,
    )?;
    let flow_to = target(dirs, &bundle.paths.flow)?;
    files::copy_prefix_later(root, &bundle.paths.flow, &flow_to, None, dirs)?;
    step(CutStep::Flow)?;
    let artifacts = copy_artifacts(run, &refs, dest, dirs, step)?;
    super::log_stage("linked", started);
    step(CutStep::Linked)?;
    // Last: until the manifest exists, the folder is not a bundle to anyone
    // (and every other file is durable before it is written).
    dirs.wait_files()?;
    super::log_stage("files synced", started);
    files::write_json(&target(dirs, &bundle.paths.manifest)?, &manifest)?;
    step(CutStep::Manifest)?;
    dirs.sync_all()?;
    super::log_stage("folders synced", started);
    step(CutStep::Synced)?;
    Ok(CutSummary {
        run_id: request.run_id.clone(),
        dir: dest.to_path_buf(),
        kept_attempts: last + 1,
        trace_events: cut.lines + 1,
        next_node,
        artifacts,
    })
}

/// The path of a bundle file relative to the bundle (every path the bundle
/// names was resolved inside it, so this cannot fail on an opened bundle).
pub(crate) fn relative(root: &Path, path: &Path) -> Result<PathBuf> {
    path.strip_prefix(root).map(Path::to_path_buf).map_err(|_| {
        TimeTravelError::Invalid(format!(
            "{} is outside the bundle {}",
            path.display(),
            root.display()
        ))
    })
}

/// The appended `run_forked` / `run_rewound` event, compact like acpx's.
fn closing_event(request: &CutRequest, parent_id: &str, attempt_id: &str, seq: u32) -> String {
    let mut payload = Map::new();
    let kind = match &request.kind {
        CutKind::Fork {
            label,
            input_patch,
            sandbox,
        } => {
            payload.insert("parentRunId".into(), parent_id.into());
            payload.insert("attemptId".into(), attempt_id.into());
            payload.insert("seq".into(), seq.into());
            if let Some(label) = label {
                payload.insert("label".into(), label.clone().into());
            }
            if let Some(patch) = input_patch {
                payload.insert("inputPatch".into(), patch.clone());
            }
            payload.insert("sandbox".into(), (*sandbox).into());
            "run_forked"
        }
        CutKind::Rewind { op_id } => {
            payload.insert("opId".into(), op_id.clone().into());
            payload.insert("attemptId".into(), attempt_id.into());
            payload.insert("seq".into(), seq.into());
            payload.insert("previousLastSeq".into(), request.run.last_seq().into());
            "run_rewound"
        }
    };
    serde_json::json!({
        "seq": seq + 1,
        "at": format_iso_millis(request.now_ms),
        "runId": request.run_id,
        "scope": "run",
        "type": kind,
        "payload": payload,
    })
    .to_string()
}

/// The source manifest (key order kept) at the cut point.
fn manifest(
    request: &CutRequest,
    parent_id: &str,
    attempt_id: &str,
    seq: u32,
    sessions: &[String],
    now: &str,
) -> Result<Value> {
    let path = &request.run.bundle.paths.manifest;
    let Value::Object(mut map) = request.run.bundle.read_json::<Value>(path)? else {
        return Err(TimeTravelError::Invalid(format!(
            "{}: not a JSON object",
            path.display()
        )));
    };
    map.insert("runId".into(), request.run_id.clone().into());
    map.insert("status".into(), "waiting".into());
    map.shift_remove("finishedAt");
    if let Some(Value::Array(list)) = map.get_mut("sessions") {
        list.retain(|entry| {
            let id = entry.get("id").and_then(Value::as_str).unwrap_or("");
            sessions.iter().any(|s| s == id)
        });
    }
    match &request.kind {
        CutKind::Fork {
            label,
            input_patch,
            sandbox,
        } => {
            let mut lineage = Map::new();
            lineage.insert("parentRunId".into(), parent_id.into());
            lineage.insert("attemptId".into(), attempt_id.into());
            lineage.insert("seq".into(), seq.into());
            lineage.insert("createdAt".into(), now.into());
            if let Some(label) = label {
                lineage.insert("label".into(), label.clone().into());
            }
            if let Some(patch) = input_patch {
                lineage.insert("inputPatch".into(), patch.clone());
            }
            lineage.insert("sandbox".into(), (*sandbox).into());
            // What the flow file was when the fork was made: a resume warns
            // when the code it would run is no longer that.
            let flow_file = request.run.bundle.manifest.flow_path.as_deref();
            if let Some(hash) =
                flow_file.and_then(|p| super::resume::flowfile::sha256_of(std::path::Path::new(p)))
            {
                lineage.insert("flowSha256".into(), hash.into());
            }
            // A fork of a rewound run is a new run: the rewind was not its own.
            map.shift_remove("rewound");
            map.insert("lineage".into(), Value::Object(lineage));
        }
        CutKind::Rewind { op_id } => {
            let rewound = serde_json::json!({
                "opId": op_id,
                "attemptId": attempt_id,
                "seq": seq,
                "at": now,
            });
            map.insert("rewound".into(), rewound);
        }
    }
    Ok(Value::Object(map))
}

/// Links (or copies) every referenced artifact that exists in the source.
/// References that would leave the bundle are never followed; missing ones
/// stay missing, as they were.
fn copy_artifacts(
    run: &Run,
    refs: &BTreeSet<String>,
    dest: &Path,
    dirs: &mut Dirs,
    step: &dyn Fn(CutStep) -> Result<()>,
) -> Result<usize> {
    let mut count = 0;
    for relative in refs {
        let (Ok(from), Ok(to)) = (run.bundle.resolve(relative), resolve_inside(dest, relative))
        else {
            continue;
        };
        // Already there: a legacy binding artifact is the session's binding.json.
        let readable = safe_open::regular_metadata(&run.bundle.root, &from).is_some();
        if !readable || fs::symlink_metadata(&to).is_ok() {
            continue;
        }
        if let Some(parent) = to.parent() {
            dirs.ensure(dest, parent)?;
        }
        files::link_or_copy(&run.bundle.root, &from, &to)?;
        count += 1;
        if count == 1 {
            step(CutStep::Artifact)?;
        }
    }
    Ok(count)
}
