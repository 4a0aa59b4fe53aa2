//! `reel show RUN [--json]`: the run, its nodes, attempts, sessions and
//! artifacts.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

mod json;

use super::format::{clean, duration, pad, time_of_day};
use super::stream::{self, Sanitized};
use super::{CliError, CliResult, EXIT_OK};
use crate::bundle::artifacts::referenced_in_trace;
use crate::bundle::timestamp::format_iso_millis;
use crate::bundle::{BundleError, SessionFiles};
use crate::humanize::plural;
use crate::model::Run;

pub fn run(run: &Run, json: bool) -> CliResult {
    // Everything that can fail comes first: an error prints nothing.
    let summary = Summary::compute(run)?;
    stream::to_stdout(|out| write(out, run, &summary, json));
    Ok(EXIT_OK)
}

/// Writes `show` (or `show --json`) for `run` as it goes: one attempt at a
/// time, never the whole document in memory.
fn write<W: Write>(
    out: &mut Sanitized<W>,
    run: &Run,
    summary: &Summary,
    json: bool,
) -> io::Result<()> {
    if json {
        json::write_doc(out, run, summary)
    } else {
        write_human(out, run, summary)
    }
}

/// The parts of `show` that need reading beyond the index (and can fail).
struct Summary {
    /// The status as read now (`stale`: see `model::liveness`).
    state: String,
    liveness: crate::model::Liveness,
    sessions: Vec<Value>,
    referenced: usize,
    missing: usize,
}

impl Summary {
    /// Counts the session events on a second thread while this one scans
    /// the trace for artifact references (two files, no shared state).
    fn compute(run: &Run) -> Result<Summary, CliError> {
        let bundle = &run.bundle;
        let (sessions, refs) = std::thread::scope(|scope| {
            let sessions = scope.spawn(|| session_counts(&bundle.sessions));
            // Gathered while the trace was indexed when the run was opened
            // for `show`; else read from the trace now.
            let refs = match bundle.trace.artifact_refs() {
                Some(refs) => Ok(Cow::Borrowed(refs)),
                None => referenced_in_trace(&bundle.root, &bundle.paths.trace).map(Cow::Owned),
            };
            let sessions = sessions
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sessions, refs)
        });
        // The sessions' error first, as when they were counted first.
        let sessions = sessions.map_err(CliError::failure)?;
        let refs = refs.map_err(CliError::failure)?;
        let missing = refs
            .iter()
            .filter(|r| {
                bundle
                    .resolve(r)
                    .map_or(true, |p| bundle.open_file(&p).is_err())
            })
            .count();
        let now = crate::bundle::timestamp::now_ms();
        let liveness = run.liveness(now);
        Ok(Summary {
            state: crate::model::liveness::state_word(run.status(), liveness),
            liveness,
            sessions,
            referenced: refs.len(),
            missing,
        })
    }
}

/// `sessions` of `show --json`: each session with its number of events.
fn session_counts(sessions: &[SessionFiles]) -> Result<Vec<Value>, BundleError> {
    let mut counted = Vec::with_capacity(sessions.len());
    for session in sessions {
        let events = crate::bundle::session_count::count_events(session)?;
        counted.push(json!({"id": session.id, "handle": session.handle, "events": events}));
    }
    Ok(counted)
}

struct Nodes<'a>(&'a Run);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let visited = self.0.visited_nodes();
        serializer.collect_seq(self.0.bundle.flow.nodes.iter().zip(&visited).map(
            |(node, visited)| json!({"id": node.id, "nodeType": node.node_type, "visited": visited}),
        ))
    }
}

fn write_human<W: Write>(out: &mut Sanitized<W>, run: &Run, summary: &Summary) -> io::Result<()> {
    let mut head = String::new();
    outln!(
        head,
        "{}  ({})",
        clean(run.title(), 100),
        clean(run.flow_name(), 60)
    );
    outln!(head, "run       {}", clean(&run.run_id(), 100));
    outln!(head, "{}", state_line(run, summary));
    if let Some(line) = error_line(run) {
        outln!(head, "{line}");
    }
    outln!(
        head,
        "trace     {} · {} · {} · {} ({} missing)",
        plural(run.bundle.trace.len(), "event"),
        plural(run.attempts.len(), "attempt"),
        plural(run.bundle.sessions.len(), "session"),
        plural(summary.referenced, "artifact"),
        summary.missing,
    );
    let frames = run.node_frames_at(run.last_seq());
    let nodes: Vec<String> = run
        .bundle
        .flow
        .nodes
        .iter()
        .zip(&frames)
        .map(|(node, frame)| {
            format!(
                "{} {}×{}",
                frame.status.glyph(),
                clean(&node.id, 40),
                frame.attempts
            )
        })
        .collect();
    outln!(head, "nodes     {}", nodes.join("  "));
    outln!(head);
    outln!(
        head,
        "   #  {}  {}  {}  {}  {}  session",
        pad("attempt", 22),
        pad("type", 10),
        pad("outcome", 9),
        pad("started", 12),
        pad("took", 7)
    );
    out.text(&head)?;
    for (i, a) in run.attempts.iter().enumerate() {
        out.text(&attempt_row(run, i, a))?;
        out.text("\n")?;
    }
    Ok(())
}

/// `status  failed   started …   finished …`; a run still going says so
/// instead of an empty `finished`, and a stale one why it is stale.
fn state_line(run: &Run, summary: &Summary) -> String {
    use crate::model::Liveness;
    let state = match summary.liveness {
        Liveness::Stale { silent_ms } => format!(
            "stale (says running, but nothing was written for {}: its writer probably died)",
            silent_ms.map_or("long".to_string(), |ms| duration(ms.max(0) as u64))
        ),
        _ => clean(&summary.state, 20),
    };
    let finished = match run.finished_at() {
        Some(at) => format!("finished {}", clean(&at, 30)),
        None if run.status() == "waiting" => match run.waiting_on() {
            Some(on) => format!("not finished (waiting on {})", clean(on, 60)),
            None => "not finished (waiting)".to_string(),
        },
        None => "not finished".to_string(),
    };
    format!(
        "status    {state}   started {}   {finished}",
        clean(&run.started_at().unwrap_or_default(), 30),
    )
}

/// `error     Interrupted (Failed in long_agent: Interrupted) · step 3 long_agent#1`.
fn error_line(run: &Run) -> Option<String> {
    let failure = run.failure.as_ref()?;
    let mut line = format!(
        "error     {}",
        clean(
            &failure
                .summary()
                .unwrap_or_else(|| "(no error recorded)".into()),
            300
        )
    );
    if let Some(step) = failure.step {
        let attempt = &run.attempts[step];
        line.push_str(&format!(
            " · step {} {}",
            step + 1,
            clean(run.attempt_id(attempt), 60)
        ));
    }
    Some(line)
}

fn failure_field(
    run: &Run,
    field: impl Fn(&crate::model::RunFailure) -> &Option<String>,
) -> Option<&str> {
    run.failure.as_ref().and_then(|f| field(f).as_deref())
}

/// The attempt that failed the run (`show --json` `failedAttemptId`).
fn failed_attempt_id(run: &Run) -> Option<&str> {
    let step = run.failure.as_ref()?.step?;
    Some(run.attempt_id(&run.attempts[step]))
}

/// One entry of `attempts` in `show --json` (also `show --follow --json`),
/// serialized straight from the attempt (no `Value` built per attempt).
pub fn attempt_json<'a>(run: &'a Run, attempt: &'a crate::model::Attempt) -> AttemptJson<'a> {
    AttemptJson { run, attempt }
}

pub struct AttemptJson<'a> {
    run: &'a Run,
    attempt: &'a crate::model::Attempt,
}

impl Serialize for AttemptJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (run, a) = (self.run, self.attempt);
        let mut map = serializer.serialize_map(Some(10))?;
        map.serialize_entry("attemptId", run.attempt_id(a))?;
        map.serialize_entry("nodeId", run.node_id(a))?;
        map.serialize_entry("nodeType", run.node_type(a))?;
        map.serialize_entry("outcome", a.outcome.name())?;
        map.serialize_entry(
            "startedAt",
            &a.started_ms(&run.bundle.trace).map(format_iso_millis),
        )?;
        map.serialize_entry(
            "finishedAt",
            &a.finished_ms(&run.bundle.trace).map(format_iso_millis),
        )?;
        map.serialize_entry("durationMs", &a.duration_ms(&run.bundle.trace))?;
        map.serialize_entry("seqStart", &a.seq_start(&run.bundle.trace))?;
        map.serialize_entry("seqEnd", &a.seq_end(&run.bundle.trace))?;
        map.serialize_entry("sessionId", &run.session_id(a))?;
        map.end()
    }
}

/// One row of the attempt table (`show`, `show --follow`).
pub fn attempt_row(run: &Run, i: usize, a: &crate::model::Attempt) -> String {
    format!(
        "{:>4}  {}  {}  {}  {}  {}  {}",
        i + 1,
        pad(&clean(run.attempt_id(a), 22), 22),
        pad(&clean(run.node_type(a), 10), 10),
        pad(a.outcome.name(), 9),
        pad(
            &time_of_day(
                a.started_ms(&run.bundle.trace)
                    .map(format_iso_millis)
                    .as_deref()
            ),
            12
        ),
        pad(
            &a.duration_ms(&run.bundle.trace)
                .map(duration)
                .unwrap_or_default(),
            7
        ),
        clean(run.session_id(a).unwrap_or(""), 40),
    )
}

/// The document as it was built before `show --json` streamed: the
/// reference the streamed bytes are compared with.
#[cfg(test)]
pub fn show_json(run: &Run) -> Result<Value, CliError> {
    let flow = &run.bundle.flow;
    let visited = run.visited_nodes();
    let nodes: Vec<Value> = flow
        .nodes
        .iter()
        .zip(&visited)
        .map(|(node, visited)| json!({"id": node.id, "nodeType": node.node_type, "visited": visited}))
        .collect();
    let attempts: Vec<Value> = run
        .attempts
        .iter()
        .map(|a| {
            json!({
                "attemptId": run.attempt_id(a),
                "nodeId": run.node_id(a),
                "nodeType": run.node_type(a),
                "outcome": a.outcome.name(),
                "startedAt": a.started_ms(&run.bundle.trace).map(format_iso_millis),
                "finishedAt": a.finished_ms(&run.bundle.trace).map(format_iso_millis),
                "durationMs": a.duration_ms(&run.bundle.trace),
                "seqStart": a.seq_start(&run.bundle.trace),
                "seqEnd": a.seq_end(&run.bundle.trace),
                "sessionId": run.session_id(a),
            })
        })
        .collect();
    let summary = Summary::compute(run)?;
    Ok(json!({
        "runId": run.run_id(),
        "flowName": run.flow_name(),
        "runTitle": run.bundle.manifest.run_title,
        "status": run.status(),
        "state": summary.state,
        "error": failure_field(run, |f| &f.error),
        "statusDetail": failure_field(run, |f| &f.detail),
        "failedAttemptId": failed_attempt_id(run),
        "startedAt": run.started_at(),
        "finishedAt": run.finished_at(),
        "path": run.bundle.root,
        "traceEvents": run.bundle.trace.len(),
        "nodes": nodes,
        "attempts": attempts,
        "sessions": summary.sessions,
        "artifacts": {"referenced": summary.referenced, "missing": summary.missing},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_sample_and_fixture() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut runs = Vec::new();
        for dir in ["sample-runs", "tests/fixtures/bundles"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("runs").flatten() {
                if entry.path().join("manifest.json").is_file() {
                    runs.push(entry.path());
                }
            }
        }
        runs.sort();
        runs
    }

    fn streamed(run: &Run, json: bool) -> String {
        let summary = Summary::compute(run).unwrap_or_else(|e| panic!("{}", e.message));
        let mut out = Sanitized::new(Vec::new());
        write(&mut out, run, &summary, json).expect("write");
        String::from_utf8(out.finish().expect("finish")).expect("utf-8")
    }

    /// `show --json` as the reference builds it (one `Value`, then one
    /// line), or the error it stops with; `None` when the run does not open.
    fn compare_with_reference(dir: &std::path::Path) -> Option<()> {
        let run = Run::open(dir).ok()?;
        match (show_json(&run), Summary::compute(&run)) {
            (Ok(built), Ok(summary)) => {
                let old = format!("{}\n", crate::sanitize::json::to_line(&built));
                let mut out = Sanitized::new(Vec::new());
                write(&mut out, &run, &summary, true).expect("write");
                let new = String::from_utf8(out.finish().expect("finish")).expect("utf-8");
                assert_eq!(new, old, "{}", dir.display());
                // Rendered in small pieces, by two threads in turn.
                for per_piece in [1, 3] {
                    let mut out = Sanitized::new(Vec::new());
                    json::write_doc_in_pieces(&mut out, &run, &summary, per_piece).expect("write");
                    let pieces = String::from_utf8(out.finish().expect("finish")).expect("utf-8");
                    assert_eq!(pieces, old, "{} in pieces of {per_piece}", dir.display());
                }
            }
            (Err(old), Err(new)) => assert_eq!(new.message, old.message, "{}", dir.display()),
            (old, new) => panic!(
                "{}: reference {:?}, streamed {:?}",
                dir.display(),
                old.map(drop).map_err(|e| e.message),
                new.map(drop).map_err(|e| e.message)
            ),
        }
        Some(())
    }

    #[test]
    fn streamed_json_is_byte_identical_to_the_built_document() {
        let runs = every_sample_and_fixture();
        assert!(runs.len() >= 8, "{runs:?}");
        let compared = runs
            .iter()
            .filter_map(|dir| compare_with_reference(dir))
            .count();
        assert!(compared >= 8, "only {compared} of {runs:?} opened");
    }

    #[test]
    #[cfg_attr(
        not(reel_shared),
        ignore = "needs ../shared/bundles (absent when this was built)"
    )]
    fn streamed_json_matches_the_reference_on_every_shared_bundle() {
        let shared = std::path::Path::new(env!("REEL_SHARED_DIR")).join("bundles");
        let found = crate::model::discovery::find_bundles(&shared).expect("shared bundles");
        assert!(found.bundles.len() >= 10, "{:?}", found.bundles);
        let compared = found
            .bundles
            .iter()
            .filter_map(|dir| compare_with_reference(dir))
            .count();
        assert!(compared >= 10, "only {compared} opened");
    }

    #[test]
    fn streamed_json_matches_the_reference_on_a_synthesized_run() {
        let runs = tempfile::tempdir().expect("tempdir");
        let spec = crate::synth::SynthSpec {
            attempts: 2_000,
            ..Default::default()
        };
        crate::synth::write_bundle(runs.path(), &spec).expect("synth");
        let dir = std::fs::read_dir(runs.path())
            .expect("runs")
            .flatten()
            .next()
            .expect("a bundle")
            .path();
        assert_eq!(compare_with_reference(&dir), Some(()), "{}", dir.display());
    }

    #[test]
    fn human_output_lists_every_attempt_once() {
        let dir = every_sample_and_fixture()
            .into_iter()
            .find(|d| d.to_string_lossy().contains("branching-review-432a4eb8"))
            .expect("sample");
        let run = Run::open(&dir).expect("open");
        let text = streamed(&run, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7 + run.attempts.len(), "{text}");
        for (i, a) in run.attempts.iter().enumerate() {
            assert!(lines[7 + i].contains(run.attempt_id(a)), "{}", lines[7 + i]);
        }
        assert!(
            lines[3].contains("14 artifacts (0 missing)"),
            "{}",
            lines[3]
        );
    }
}
