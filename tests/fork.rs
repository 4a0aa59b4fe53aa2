//! Fork: any prefix of any bundle forks into a bundle that validates and
//! shows the same history, and the source is never touched (its bytes and
//! mtimes); plus the fork command's errors and the cut's other uses.
//!
//! The property forks in-process (`reel::timetravel::fork::fork`) and
//! compares the two bundles through the library: the claim is equality
//! between two bundles, whatever the library makes of each.

#[path = "fork/cases.rs"]
mod cases;
mod common;
#[path = "fork/kills.rs"]
mod kills;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::*;
use reel::model::Run;
use reel::timetravel::fork::{fork, ForkOptions};
use serde_json::{json, Value};

/// The 104-turn fixture has 209 steps: every 7th is forked there.
const LARGE: &str = "gen-large-acp-session";

/// Every file and folder under `dir` with its bytes (files) and mtime.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Option<Vec<u8>>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path).expect("metadata");
        let bytes = if meta.is_dir() {
            stack.extend(
                fs::read_dir(&path)
                    .expect("read_dir")
                    .map(|e| e.expect("entry").path()),
            );
            None
        } else {
            Some(fs::read(&path).expect("read"))
        };
        out.insert(path, (bytes, meta.modified().expect("mtime")));
    }
    out
}

/// A copy of `source` in a fresh runs folder, named by its runId.
fn staged(source: &Path, runs: &Path) -> PathBuf {
    let manifest = read_json(&source.join("manifest.json"));
    let name = str_of(&manifest, "runId").map_or_else(
        || {
            source
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        },
        str::to_string,
    );
    let dir = runs.join(name);
    copy_dir(source, &dir);
    dir
}

/// What `state --json` reports at the end of attempt `a`, minus the runId
/// and step counts: node states, outputs and the conversation.
fn state_of(run: &Run, a: usize) -> Value {
    let attempt = &run.attempts[a];
    let seq = attempt.seq_end(&run.bundle.trace);
    let nodes: Vec<Value> = run
        .bundle
        .flow
        .nodes
        .iter()
        .zip(run.node_frames_at(seq))
        .map(|(n, f)| json!({"id": n.id, "state": f.status.name(), "attempts": f.attempts}))
        .collect();
    let outputs: serde_json::Map<String, Value> = run
        .outputs_at(seq)
        .into_iter()
        .map(|(id, v)| (id, v.unwrap_or_else(|_| json!("<unreadable>"))))
        .collect();
    let conversation = match run.conversation(attempt) {
        Ok(c) => serde_json::to_value(c).expect("json"),
        Err(_) => json!("<unreadable>"),
    };
    json!({"attemptId": run.attempt_id(attempt), "seq": seq, "nodes": nodes,
           "outputs": outputs, "conversation": conversation})
}

/// The fork's view of an attempt that had no outcome at the cut: it is still
/// in flight there (the source may have ended since, marking it cancelled),
/// and its conversation holds what was written up to the cut.
fn in_flight(mut source: Value, fork: &Value, node: &str) -> Value {
    for n in source["nodes"].as_array_mut().expect("nodes") {
        if n["id"] == node {
            n["state"] = json!("running");
        }
    }
    let items = |v: &Value| {
        v.pointer("/conversation/items")
            .and_then(Value::as_array)
            .cloned()
    };
    let same_session =
        source.pointer("/conversation/sessionId") == fork.pointer("/conversation/sessionId");
    if let (Some(all), Some(kept), true) = (items(&source), items(fork), same_session) {
        if all.starts_with(&kept) {
            source["conversation"] = fork["conversation"].clone();
        }
    }
    source
}

/// Forks `source` at every `stride`-th step (and the last) and checks each
/// fork; returns the differences found.
fn check_forks(source: &Path, stride: usize) -> Vec<String> {
    let before = snapshot(source);
    let run = Run::open(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let n = run.attempts.len();
    let name = short(source);
    let states: Vec<Value> = (0..n).map(|a| state_of(&run, a)).collect();
    let trace = fs::read_to_string(&run.bundle.paths.trace).expect("trace");
    let lines: Vec<&str> = trace.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut cuts: Vec<usize> = (0..n).step_by(stride).collect();
    if cuts.last() != Some(&(n - 1)) && n > 0 {
        cuts.push(n - 1);
    }
    let results = par_map(&cuts, |&x| {
        let mut errs = Vec::new();
        let ctx = format!("{name} @{}", run.attempt_id(&run.attempts[x]));
        let summary = match fork(&run, x, &ForkOptions::default()) {
            Ok(s) => s,
            Err(e) => return vec![format!("{ctx}: fork failed: {e}")],
        };
        let forked = match Run::open(&summary.dir) {
            Ok(r) => r,
            Err(e) => return vec![format!("{ctx}: fork does not open: {e}")],
        };
        let unfinished = !run.attempts[x].is_finished();
        let ids = |r: &Run, k: usize| -> Vec<(String, String)> {
            r.attempts[..k]
                .iter()
                .map(|a| (r.attempt_id(a).to_string(), a.outcome.name().to_string()))
                .collect()
        };
        let mut expected = ids(&run, x + 1);
        if unfinished {
            expected[x].1 = "running".to_string();
        }
        if forked.attempts.len() != x + 1 || ids(&forked, x + 1) != expected {
            errs.push(format!(
                "{ctx}: attempts {:?} != {expected:?}",
                ids(&forked, forked.attempts.len())
            ));
            return errs;
        }
        for (a, state) in states.iter().enumerate().take(x + 1) {
            let mut want = state.clone();
            let got = state_of(&forked, a);
            if a == x && unfinished {
                want = in_flight(want, &got, run.node_id(&run.attempts[x]));
            }
            if got != want {
                errs.push(format!(
                    "{ctx}: state at step {} differs:\n  fork   {}\n  source {}",
                    a + 1,
                    brief(&got),
                    brief(&want)
                ));
            }
        }
        let manifest = read_json(&summary.dir.join("manifest.json"));
        let lineage = &manifest["lineage"];
        let wanted = json!({"parentRunId": run.run_id(), "attemptId": run.attempt_id(&run.attempts[x]),
                            "seq": run.attempts[x].seq_end(&run.bundle.trace)});
        diff_json(
            lineage,
            &wanted,
            &format!("{ctx}: lineage"),
            false,
            &mut errs,
        );
        if manifest["status"] != "waiting" || manifest["runId"] != json!(summary.run_id) {
            errs.push(format!(
                "{ctx}: manifest status/runId {} {}",
                manifest["status"], manifest["runId"]
            ));
        }
        let forked_trace =
            fs::read_to_string(summary.dir.join("trace.ndjson")).expect("fork trace");
        let forked_lines: Vec<&str> = forked_trace.lines().collect();
        let kept = run.attempts[x].entry_end() + 1;
        let old = format!("\"runId\":{}", json!(run.run_id()));
        let new = format!("\"runId\":{}", json!(summary.run_id));
        for (i, (f, s)) in forked_lines.iter().zip(&lines[..kept]).enumerate() {
            if *f != s.replacen(&old, &new, 1) {
                errs.push(format!("{ctx}: trace line {} is not the source's", i + 1));
                break;
            }
        }
        let closing: Value =
            serde_json::from_str(forked_lines.last().expect("closing")).expect("json");
        if forked_lines.len() != kept + 1
            || closing["type"] != "run_forked"
            || closing["seq"] != json!(run.attempts[x].seq_end(&run.bundle.trace) + 1)
        {
            errs.push(format!(
                "{ctx}: {} lines, closing {closing}",
                forked_lines.len()
            ));
        }
        errs
    });
    let mut errs: Vec<String> = results.into_iter().flatten().collect();
    drop(run);
    if snapshot(source) != before {
        errs.push(format!("{name}: the source changed (bytes or mtimes)"));
    }
    errs
}

/// `reel validate` on the runs folder: every bundle (source and forks) is
/// readable, with no error-level problem.
fn validate_all(runs: &Path) -> Vec<String> {
    let report = reel_json(["validate".as_ref(), runs.as_os_str(), "--json".as_ref()]);
    let mut errs = Vec::new();
    for bundle in report["bundles"].as_array().expect("bundles") {
        let problems = bundle["problems"].as_array().expect("problems");
        for p in problems.iter().filter(|p| p["severity"] == "error") {
            errs.push(format!("validate {}: {p}", bundle["path"]));
        }
    }
    errs
}

#[test]
fn every_prefix_of_every_bundle_forks_into_the_same_history() {
    let mut errs = Vec::new();
    let mut checked = 0;
    for source in all_bundles() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let runs = tmp.path().join("runs");
        let staged = staged(&source, &runs);
        let stride = if short(&source).contains(LARGE) { 7 } else { 1 };
        let found = check_forks(&staged, stride);
        println!(
            "{}: {}",
            short(&source),
            if found.is_empty() { "ok" } else { "DIFFERS" }
        );
        errs.extend(found);
        errs.extend(validate_all(&runs));
        checked += 1;
    }
    finish("fork", errs);
    assert_checked_some(checked);
}

#[test]
fn a_synthesized_run_forks_at_every_step() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = reel::synth::SynthSpec {
        attempts: 300,
        session_events_per_turn: 6,
        acp_every: 3,
        seed: 7,
        run_id: None,
    };
    let written = reel::synth::write_bundle(tmp.path(), &spec).expect("synth");
    let mut errs = check_forks(&written.dir, 1);
    errs.extend(validate_all(tmp.path()));
    finish("synth fork", errs);
}

/// Without `steps.json` and `run.json`, the records are derived from the
/// trace; the history is the same.
#[test]
fn a_bundle_without_projections_forks_too() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dir = staged(&source, &runs);
    fs::remove_file(dir.join("projections/steps.json")).expect("rm steps");
    fs::remove_file(dir.join("projections/run.json")).expect("rm run");
    let mut errs = check_forks(&dir, 1);
    errs.extend(validate_all(&runs));
    finish("fork without projections", errs);
    let run = Run::open(&dir).expect("open");
    let summary = fork(&run, 3, &ForkOptions::default()).expect("fork");
    let steps = read_json(&summary.dir.join("projections/steps.json"));
    let ids: Vec<&str> = steps
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| str_of(s, "attemptId"))
        .collect();
    assert_eq!(
        ids,
        [
            "load_input#1",
            "classify#1",
            "review_loop#1",
            "decide_more#1"
        ]
    );
    assert_eq!(steps[3]["output"], json!({"again": "yes", "done": 2}));
    let state = read_json(&summary.dir.join("projections/run.json"));
    assert_eq!(state["waitingOn"], "review_loop");
    assert_eq!(
        state["outputs"]["decide_more"],
        json!({"again": "yes", "done": 2})
    );
    assert_eq!(
        state["input"]["task"], "fix flaky login test",
        "input from the run_started artifact"
    );
}
