//! What a run means: attempts, node states at a frame, outputs and
//! conversations, derived from a `Bundle` without writing anything.

pub mod attempt;
pub mod conversation;
pub mod discovery;
pub mod failure;
pub mod frame;
pub mod liveness;
pub mod routing;
mod transcript;

use std::path::Path;

use serde_json::Value;

use crate::bundle::index_cache::SnapshotSave;
use crate::bundle::{Bundle, BundleError, Outcome};
pub use attempt::{Attempt, RunEnd};
pub use conversation::{TranscriptItem, TranscriptSource};
pub use failure::RunFailure;
pub use frame::{NodeFrame, NodeStatus};
pub use liveness::Liveness;
pub use transcript::Conversation;

/// A run: its bundle plus the attempts derived from the trace.
#[derive(Debug)]
pub struct Run {
    pub bundle: Bundle,
    pub attempts: Vec<Attempt>,
    pub end: Option<RunEnd>,
    pub node_attempts: frame::NodeAttempts,
    /// Why the run failed, when its status is a failure.
    pub failure: Option<failure::RunFailure>,
}

impl Run {
    pub fn open(dir: &Path) -> Result<Run, BundleError> {
        Ok(Run::from_bundle(Bundle::open(dir)?))
    }

    /// `open`, with the trace index loaded from and saved to the user's
    /// snapshot cache (`IndexCache::from_env`), as the viewer opens runs:
    /// for what opens many runs again and again (`list`, the viewer's runs
    /// browser), where a large run would otherwise be indexed every time.
    /// Not logged one by one (a listing opens every run).
    pub fn open_with_snapshots(dir: &Path) -> Result<Run, BundleError> {
        let (result, save) = Run::open_from_cache(dir, &mut |_, _| {}, &mut |_| {});
        if let (Ok(run), Some(save)) = (&result, save) {
            save.save(&run.bundle.trace);
        }
        result
    }

    /// `open`, gathering the trace's artifact references on the way
    /// (`TraceIndex::artifact_refs`).
    pub fn open_gathering_refs(dir: &Path) -> Result<Run, BundleError> {
        Ok(Run::from_bundle(Bundle::open_gathering_refs(dir)?))
    }

    /// Logs a run the viewer opened, with the time it took (`--log`).
    pub(crate) fn log_opened(
        dir: &Path,
        started: std::time::Instant,
        result: &Result<Run, BundleError>,
    ) {
        let took_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(run) => tracing::info!(
                path = ?dir,
                attempts = run.attempts.len(),
                events = run.bundle.trace.len(),
                took_ms,
                "run opened"
            ),
            Err(err) => {
                tracing::warn!(path = ?dir, took_ms, error = ?err.to_string(), "run did not open")
            }
        }
    }

    /// This run brought up to date with its files (see `Bundle::refreshed`);
    /// `None` when nothing changed.
    pub fn refreshed(&self) -> Result<Option<Run>, BundleError> {
        Ok(self.bundle.refreshed()?.map(Run::from_bundle))
    }

    /// `open`, reporting `(bytes indexed, trace size)` as it goes.
    pub fn open_with_progress(
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Run, BundleError> {
        Run::open_progressively(dir, progress, &mut |_| {})
    }

    /// `open_with_progress`, handing `partial` the run as indexed so far
    /// while a long trace is indexed (see `Bundle::open_progressively`):
    /// its attempts are those of the trace's start, the last one maybe
    /// still without its outcome.
    pub fn open_progressively(
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Run),
    ) -> Result<Run, BundleError> {
        let (result, save) = Run::open_saving_later(dir, progress, partial);
        if let (Ok(run), Some(save)) = (&result, save) {
            save.save(&run.bundle.trace);
        }
        result
    }

    /// `open_progressively`, handing back the index snapshot still to be
    /// saved: the viewer saves it once the run is on screen.
    pub fn open_saving_later(
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Run),
    ) -> (Result<Run, BundleError>, Option<SnapshotSave>) {
        // The viewer's way in (CLI commands log their own opening).
        let started = std::time::Instant::now();
        let (result, save) = Run::open_from_cache(dir, progress, partial);
        Run::log_opened(dir, started, &result);
        (result, save)
    }

    /// The open behind `open_saving_later` and `open_with_snapshots`.
    fn open_from_cache(
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Run),
    ) -> (Result<Run, BundleError>, Option<SnapshotSave>) {
        let cache = crate::bundle::index_cache::IndexCache::from_env();
        let opened = Bundle::open_saving_later(dir, cache.as_ref(), progress, &mut |bundle| {
            partial(Run::from_bundle(bundle))
        });
        match opened {
            Ok((bundle, save)) => (Ok(Run::from_bundle(bundle)), save),
            Err(err) => (Err(err), None),
        }
    }

    pub fn from_bundle(bundle: Bundle) -> Run {
        let started = std::time::Instant::now();
        let (attempts, end) = attempt::build_attempts(&bundle.trace, &bundle.flow);
        let node_attempts = frame::NodeAttempts::build(&attempts, bundle.flow.nodes.len());
        let mut run = Run {
            bundle,
            attempts,
            end,
            node_attempts,
            failure: None,
        };
        run.failure = failure::RunFailure::of(&run.bundle, &run.attempts, &run.status());
        let took_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(attempts = run.attempts.len(), took_ms, "attempts built");
        run
    }

    pub fn run_id(&self) -> String {
        self.bundle.run_id()
    }

    pub fn flow_name(&self) -> &str {
        self.bundle
            .manifest
            .flow_name
            .as_deref()
            .unwrap_or(&self.bundle.flow.name)
    }

    /// The human label: `runTitle`, else the flow name.
    pub fn title(&self) -> &str {
        self.bundle
            .manifest
            .run_title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| self.flow_name())
    }

    /// The run status. The trace is the source of truth: a manifest still
    /// saying `running` after a terminal event is behind.
    pub fn status(&self) -> String {
        let manifest = self.bundle.manifest.status.as_deref();
        let from_end = self.end.map(|end| match end.status {
            Outcome::None | Outcome::Completed => "completed".to_string(),
            other => other.name().to_string(),
        });
        match (manifest, from_end) {
            (Some("running") | None, Some(ended)) => ended,
            (Some(status), _) => status.to_string(),
            (None, None) => self
                .bundle
                .live
                .as_ref()
                .and_then(|live| live.get("status"))
                .and_then(Value::as_str)
                .unwrap_or("running")
                .to_string(),
        }
    }

    /// The checkpoint a waiting run stopped at (the live projection's
    /// `waitingOn`).
    pub fn waiting_on(&self) -> Option<&str> {
        self.bundle
            .live
            .as_ref()
            .and_then(|live| live.get("waitingOn"))
            .and_then(Value::as_str)
    }

    pub fn started_at(&self) -> Option<String> {
        self.bundle.manifest.started_at.clone().or_else(|| {
            let first = self.bundle.trace.entries().first()?;
            first.at().map(crate::bundle::timestamp::format_iso_millis)
        })
    }

    pub fn finished_at(&self) -> Option<String> {
        self.bundle.manifest.finished_at.clone().or_else(|| {
            let end = self.end?;
            end.at_ms.map(crate::bundle::timestamp::format_iso_millis)
        })
    }

    pub fn last_seq(&self) -> u32 {
        self.bundle.trace.entries().last().map_or(0, |e| e.seq)
    }

    /// How long `attempt` had been running at the frame `seq`: its recorded
    /// duration once finished by then; otherwise the time from its start to
    /// its last event at or before `seq` (for an attempt cut short by an
    /// interrupt, the time it ran until then).
    pub fn elapsed_at(&self, attempt: &Attempt, seq: u32) -> Option<u64> {
        if attempt.is_finished() && seq >= attempt.seq_end(&self.bundle.trace) {
            return attempt.duration_ms(&self.bundle.trace);
        }
        let entries = self.bundle.trace.entries();
        let upto = seq.min(attempt.seq_end(&self.bundle.trace));
        let last = self
            .bundle
            .trace
            .entry_at_or_before(upto)
            .filter(|&i| i >= attempt.entry_start())?;
        let at = entries.get(last)?.at()?;
        u64::try_from(at - attempt.started_ms(&self.bundle.trace)?).ok()
    }

    pub fn attempt_id(&self, attempt: &Attempt) -> &str {
        attempt
            .attempt_sym(&self.bundle.trace)
            .map_or("", |sym| self.bundle.trace.resolve(sym))
    }

    pub fn node_id(&self, attempt: &Attempt) -> &str {
        attempt
            .node_sym(&self.bundle.trace)
            .map_or("", |sym| self.bundle.trace.resolve(sym))
    }

    /// The node type from the flow definition (`unknown` if undefined).
    pub fn node_type(&self, attempt: &Attempt) -> &str {
        attempt
            .flow_node()
            .and_then(|n| self.bundle.flow.nodes.get(n))
            .map_or("unknown", |n| n.node_type.as_str())
    }

    pub fn session_id(&self, attempt: &Attempt) -> Option<&str> {
        attempt.session.map(|s| self.bundle.trace.resolve(s))
    }

    /// Finds an attempt by attemptId (`review#2`), 1-based step number,
    /// `last`, or a step counted from the end (`-1` is the last).
    pub fn find_attempt(&self, spec: &str) -> Option<usize> {
        if let Some(sym) = self.bundle.trace.strings().get(spec) {
            if let Some(found) = self
                .attempts
                .iter()
                .position(|a| a.attempt_sym(&self.bundle.trace) == Some(sym))
            {
                return Some(found);
            }
        }
        let count = self.attempts.len();
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("last") {
            return count.checked_sub(1);
        }
        if let Some(from_end) = spec.strip_prefix('-') {
            let back: usize = from_end.parse().ok()?;
            return (1..=count).contains(&back).then(|| count - back);
        }
        let step: usize = spec.parse().ok()?;
        (1..=count).contains(&step).then(|| step - 1)
    }

    /// Which flow nodes were ever started.
    pub fn visited_nodes(&self) -> Vec<bool> {
        let mut visited = vec![false; self.bundle.flow.nodes.len()];
        for attempt in &self.attempts {
            if let Some(slot) = attempt.flow_node().and_then(|n| visited.get_mut(n)) {
                *slot = true;
            }
        }
        visited
    }

    /// The state of every flow node at frame `seq`.
    pub fn node_frames_at(&self, seq: u32) -> Vec<NodeFrame> {
        self.node_attempts
            .frames(&self.attempts, &self.bundle.trace, seq)
    }

    /// The attempt the cursor `seq` is in (or the last one started before it).
    pub fn attempt_at(&self, seq: u32) -> Option<usize> {
        self.attempts
            .partition_point(|a| a.seq_start(&self.bundle.trace) <= seq)
            .checked_sub(1)
    }

    /// The decoded `node_outcome` payload of a finished attempt.
    pub fn outcome_payload(&self, attempt: &Attempt) -> Result<Option<Value>, BundleError> {
        let Some(entry) = attempt.outcome_entry() else {
            return Ok(None);
        };
        let event = self
            .bundle
            .read_event(&self.bundle.trace.entries()[entry])?;
        Ok(event.get("payload").cloned())
    }

    /// The output of a finished attempt: `outputInline` when present (it may
    /// legitimately be null/false/0), else the `outputArtifact` contents.
    pub fn attempt_output(&self, attempt: &Attempt) -> Result<Option<Value>, BundleError> {
        let Some(payload) = self.outcome_payload(attempt)? else {
            return Ok(None);
        };
        output_of_payload(&self.bundle, &payload)
    }

    /// The latest successful output of each node at frame `seq`, in flow order
    /// (nodes missing from the flow definition follow in trace order).
    pub fn outputs_at(&self, seq: u32) -> Vec<(String, Result<Value, BundleError>)> {
        let mut latest: Vec<(String, usize)> = Vec::new();
        for (position, attempt) in self.attempts.iter().enumerate() {
            if attempt.seq_start(&self.bundle.trace) > seq {
                break;
            }
            if attempt.outcome != Outcome::Ok || attempt.seq_end(&self.bundle.trace) > seq {
                continue;
            }
            let node = self.node_id(attempt);
            match latest.iter_mut().find(|(id, _)| id == node) {
                Some(slot) => slot.1 = position,
                None => latest.push((node.to_string(), position)),
            }
        }
        let flow = &self.bundle.flow;
        latest.sort_by_key(|(id, _)| flow.node_position(id).unwrap_or(usize::MAX));
        latest
            .into_iter()
            .filter_map(
                |(id, position)| match self.attempt_output(&self.attempts[position]) {
                    Ok(Some(value)) => Some((id, Ok(value))),
                    Ok(None) => None,
                    Err(err) => Some((id, Err(err))),
                },
            )
            .collect()
    }
}

/// Output artifacts larger than this are not loaded as values (a parsed
/// JSON value takes several times its text): `output_of_payload` gives a
/// marker string naming the artifact and its size instead.
pub const OUTPUT_LOAD_CAP: u64 = 64 << 20;

/// The output held by a `node_outcome` payload or a step record.
pub fn output_of_payload(bundle: &Bundle, payload: &Value) -> Result<Option<Value>, BundleError> {
    if let Some(inline) = payload.get("outputInline") {
        return Ok(Some(inline.clone()));
    }
    let Some(artifact) = payload.get("outputArtifact") else {
        return Ok(None);
    };
    let path = artifact.get("path").and_then(Value::as_str).unwrap_or("");
    let len = bundle.artifact_len(path)?;
    if len > OUTPUT_LOAD_CAP {
        // Artifacts are content-addressed: the path stands for the content.
        return Ok(Some(Value::String(format!(
            "[output not loaded: {path} is {}, over the {} reel loads]",
            crate::humanize::bytes(len),
            crate::humanize::bytes(OUTPUT_LOAD_CAP)
        ))));
    }
    let bytes = bundle.read_artifact(path)?;
    let is_json = artifact.get("mediaType").and_then(Value::as_str) == Some("application/json");
    if is_json {
        let resolved = bundle.resolve(path)?;
        return serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| BundleError::json(&resolved, &e));
    }
    Ok(Some(Value::String(
        String::from_utf8_lossy(&bytes).into_owned(),
    )))
}
