//! Bundles in the states the run-state tests need, made from the project's
//! samples: a killed run (says running, nothing written for long), and
//! file times set by hand.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub const INTERRUPTED: &str = "2026-11-23T174148285Z-gen-interrupted-9c48dd6b";
pub const ACP_FAILURE: &str = "2026-11-23T163143896Z-gen-acp-failure-9da6629a";
pub const RECOVERED: &str = "2026-11-23T163147648Z-gen-recovered-failure-2fd039a3";
pub const COMPLETED: &str = "2026-11-23T163006509Z-gen-acp-echo-051c87fa";

pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(name)
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Sets every file's modification time under `dir` to `age` ago.
pub fn backdate(dir: &Path, age: Duration) {
    let when = SystemTime::now() - age;
    for entry in fs::read_dir(dir).expect("read_dir").flatten() {
        if entry.file_type().expect("type").is_dir() {
            backdate(&entry.path(), age);
        } else {
            let file = fs::File::open(entry.path()).expect("open");
            file.set_modified(when).expect("set_modified");
        }
    }
}

fn edit_json(path: &Path, change: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let mut value: Value = serde_json::from_slice(&fs::read(path).expect("read")).expect("json");
    change(value.as_object_mut().expect("an object"));
    fs::write(path, value.to_string()).expect("write");
}

/// The interrupted sample as it was while its agent turn ran: the trace
/// without its `run_failed` line, manifest and live projection saying
/// `running`. Freshly written files (call `backdate` for a killed run's).
pub fn running_copy(runs: &Path) -> PathBuf {
    let run = runs.join(INTERRUPTED);
    copy_dir(&sample(INTERRUPTED), &run);
    let trace = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    let kept: String = trace
        .lines()
        .filter(|l| !l.contains("\"type\":\"run_failed\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(kept.len() < trace.len(), "the sample ends with run_failed");
    fs::write(run.join("trace.ndjson"), kept).expect("write trace");
    for file in ["manifest.json", "projections/live.json"] {
        edit_json(&run.join(file), |m| {
            m.insert("status".into(), "running".into());
            for key in ["finishedAt", "error", "statusDetail"] {
                m.remove(key);
            }
        });
    }
    run
}

/// Appends one trace event of attempt `long_agent#1` (or of the run when
/// `node` is false) stamped `at`, with the next seq.
pub fn append_event(run: &Path, kind: &str, at: &str, payload: Value, node: bool) {
    use std::io::Write;
    let path = run.join("trace.ndjson");
    let trace = fs::read_to_string(&path).expect("trace");
    let last: Value = serde_json::from_str(trace.lines().last().expect("a line")).expect("json");
    let mut event = serde_json::json!({
        "seq": last["seq"].as_u64().expect("seq") + 1,
        "at": at,
        "runId": last["runId"],
        "scope": if node { "node" } else { "run" },
        "type": kind,
        "payload": payload,
    });
    if node {
        event["nodeId"] = "long_agent".into();
        event["attemptId"] = "long_agent#1".into();
    }
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open trace");
    writeln!(file, "{event}").expect("append");
}

pub fn trace_events(run: &Path) -> Vec<Value> {
    fs::read_to_string(run.join("trace.ndjson"))
        .expect("trace")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// `(attemptId, outcome)` of every step, from the raw trace: `node_started`
/// in order, the outcome from its `node_outcome`, `cancelled` when the run
/// ended without one.
pub fn raw_outcomes(run: &Path) -> Vec<(String, String)> {
    let events = trace_events(run);
    let ended = events
        .iter()
        .any(|e| matches!(e["type"].as_str(), Some("run_failed" | "run_completed")));
    events
        .iter()
        .filter(|e| e["type"] == "node_started")
        .map(|start| {
            let id = start["attemptId"].as_str().expect("attemptId").to_string();
            let outcome = events
                .iter()
                .find(|e| e["type"] == "node_outcome" && e["attemptId"] == start["attemptId"])
                .and_then(|e| e.pointer("/payload/outcome").and_then(Value::as_str))
                .map(str::to_string)
                .unwrap_or_else(|| if ended { "cancelled" } else { "running" }.to_string());
            (id, outcome)
        })
        .collect()
}

pub fn is_failure(outcome: &str) -> bool {
    matches!(outcome, "failed" | "timed_out" | "cancelled")
}
