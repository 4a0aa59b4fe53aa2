//! End-to-end checks of synthesized bundles against the acpx format.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;

use serde_json::Value;

use super::{iso, write_bundle, SynthSpec, SynthSummary, START_MS};
use crate::bundle::sha256::sha256_hex;

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
fn iso_matches_to_iso_string() {
    assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso(START_MS), "2026-01-02T03:04:05.678Z");
    assert_eq!(iso(1_709_164_800_001), "2024-02-29T00:00:00.001Z");
    assert_eq!(iso(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
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
        let bytes = fs::read(dir.join(path)).unwrap_or_else(|_| panic!("artifact {path} exists"));
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
