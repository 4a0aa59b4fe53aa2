//! `reel diff` and `reel tree`, driven through the binary. Expectations are
//! computed from the raw bundle files (trace events, manifests), never from
//! the reel library.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, read_json, read_ndjson, reel, write_json, Output};
use serde_json::{json, Value};

const PARENT: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
const FORK: &str = "2026-11-23T180000000Z-gen-branching-review-f0f0f0f0";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(PARENT)
}

fn arg(path: &Path, attempt: &str) -> String {
    format!("{}@{attempt}", path.display())
}

/// `(attemptId, nodeId, outcome seq, outputInline)` per step, from the trace.
fn steps(bundle: &Path) -> Vec<(String, String, u64, Value)> {
    let trace = read_ndjson(&bundle.join("trace.ndjson"));
    let mut out: Vec<(String, String, u64, Value)> = Vec::new();
    for event in &trace {
        let attempt = event["attemptId"].as_str().unwrap_or_default().to_string();
        match event["type"].as_str() {
            Some("node_started") => {
                let node = event["nodeId"].as_str().unwrap_or_default().to_string();
                out.push((attempt, node, 0, Value::Null));
            }
            Some("node_outcome") => {
                let step = out
                    .iter_mut()
                    .rev()
                    .find(|s| s.0 == attempt)
                    .expect("started");
                step.2 = event["seq"].as_u64().expect("seq");
                step.3 = event["payload"]["outputInline"].clone();
            }
            _ => {}
        }
    }
    out
}

/// Leaves of a JSON value by pointer (an independent way to find changes).
fn leaves(value: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| leaves(v, format!("{path}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(v, format!("{path}/{i}"), out)),
        leaf => {
            out.insert(path, leaf.clone());
        }
    }
}

fn changed_pointers(a: &Value, b: &Value) -> Vec<(String, &'static str)> {
    let (mut x, mut y) = (BTreeMap::new(), BTreeMap::new());
    leaves(a, String::new(), &mut x);
    leaves(b, String::new(), &mut y);
    let mut out = Vec::new();
    for (path, value) in &x {
        match y.get(path) {
            Some(other) if other == value => {}
            Some(_) => out.push((path.clone(), "changed")),
            None => out.push((path.clone(), "removed")),
        }
    }
    out.extend(
        y.keys()
            .filter(|p| !x.contains_key(*p))
            .map(|p| (p.clone(), "added")),
    );
    out.sort();
    out
}

fn json_of(out: &Output) -> Value {
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.json()
}

fn node<'a>(diff: &'a Value, id: &str) -> Option<&'a Value> {
    diff["nodes"].as_array()?.iter().find(|n| n["id"] == id)
}

#[test]
fn a_frame_against_itself_is_identical() {
    let run = sample();
    let out = reel([
        "diff",
        &arg(&run, "review_loop#2"),
        &arg(&run, "5"),
        "--json",
    ]);
    let diff = json_of(&out);
    assert_eq!(diff["identical"], true, "{diff:#}");
    assert_eq!(diff["firstDivergence"], Value::Null);
    assert_eq!(diff["nodes"], json!([]));
    let human = reel(["diff", &run.to_string_lossy(), &run.to_string_lossy()]);
    assert_eq!(human.code, Some(0), "{}", human.describe());
    assert!(human.stdout.contains("identical"), "{}", human.describe());
}

#[test]
fn two_review_rounds_differ_where_the_trace_says() {
    let run = sample();
    let steps = steps(&run);
    let position = |id: &str| steps.iter().position(|s| s.0 == id).expect(id);
    let (first, second) = (position("review_loop#1"), position("review_loop#2"));
    let out = reel([
        "diff",
        &arg(&run, "review_loop#1"),
        &arg(&run, "review_loop#2"),
        "--json",
    ]);
    let diff = json_of(&out);
    assert_eq!(diff["identical"], false);
    assert_eq!(diff["a"]["step"], first + 1);
    assert_eq!(diff["b"]["seq"], steps[second].2);
    // Attempts of each node started up to each frame, from the trace.
    let count = |node: &str, upto: usize| steps[..=upto].iter().filter(|s| s.1 == node).count();
    let review = node(&diff, "review_loop").expect("review_loop changed");
    assert_eq!(review["a"]["attempts"], count("review_loop", first));
    assert_eq!(review["b"]["attempts"], count("review_loop", second));
    let decide = node(&diff, "decide_more").expect("decide_more appears");
    assert_eq!(decide["a"], json!({"state": "not_visited", "attempts": 0}));
    assert_eq!(decide["b"], json!({"state": "done", "attempts": 1}));
    // Output pointers: the two review outputs, leaf by leaf.
    let outputs = diff["outputs"].as_array().expect("outputs");
    let review_out = outputs
        .iter()
        .find(|o| o["node"] == "review_loop")
        .expect("review output");
    let mut got: Vec<(String, String)> = review_out["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap_or("").to_string(),
                c["change"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, String)> = changed_pointers(&steps[first].3, &steps[second].3)
        .into_iter()
        .map(|(p, c)| (p, c.to_string()))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let decide_out = outputs
        .iter()
        .find(|o| o["node"] == "decide_more")
        .expect("decide output");
    let decide_step = position("decide_more#1");
    assert_eq!(
        decide_out["changes"],
        json!([{"path": "", "change": "added", "b": steps[decide_step].3}])
    );
    // Frame b's history extends frame a's: nothing diverges up to step 3,
    // the shorter frame, so there is no divergence and 3 shared steps.
    assert_eq!(diff["firstDivergence"], Value::Null);
    assert_eq!(diff["commonSteps"], first + 1);
    let human = reel([
        "diff",
        &arg(&run, "review_loop#1"),
        &arg(&run, "review_loop#2"),
    ]);
    assert_eq!(human.code, Some(0), "{}", human.describe());
    assert!(
        human.stdout.contains("review_loop  ✓ done ×1 → ✓ done ×2"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("/findings/0"), "{}", human.stdout);
}

/// A runs dir with the sample and a hand-made fork of it at review_loop#2
/// whose run_checks#1 output was altered; returns (dir, altered step).
fn fork_fixture() -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample(), &dir.path().join(PARENT));
    let fork = dir.path().join(FORK);
    copy_dir(&sample(), &fork);
    let mut manifest = read_json(&fork.join("manifest.json"));
    manifest["runId"] = json!(FORK);
    manifest["lineage"] = json!({
        "parentRunId": PARENT, "attemptId": "review_loop#2", "seq": 37,
        "createdAt": "2026-11-23T18:00:00.000Z", "label": "try a stricter reviewer", "sandbox": true
    });
    write_json(&fork.join("manifest.json"), &manifest);
    let trace = fork.join("trace.ndjson");
    let mut lines = Vec::new();
    for mut event in read_ndjson(&trace) {
        if event["type"] == "node_outcome" && event["attemptId"] == "run_checks#1" {
            event["payload"]["outputInline"]["exitCode"] = json!(1);
        }
        lines.push(serde_json::to_string(&event).expect("json"));
    }
    fs::write(&trace, lines.join("\n") + "\n").expect("write trace");
    let altered = steps(&fork)
        .iter()
        .position(|s| s.0 == "run_checks#1")
        .expect("step");
    (dir, altered + 1)
}

#[test]
fn a_fork_matches_its_parent_at_the_fork_point_then_diverges() {
    let (dir, altered) = fork_fixture();
    let runs = dir.path().to_string_lossy().to_string();
    let diff = json_of(&reel(["diff", "--runs-dir", &runs, FORK, "--json"]));
    assert_eq!(diff["atFork"]["identical"], true, "{diff:#}");
    assert_eq!(diff["atFork"]["a"]["attemptId"], "review_loop#2");
    let after = &diff["after"];
    assert_eq!(after["firstDivergence"]["step"], altered, "{after:#}");
    assert_eq!(after["firstDivergence"]["reasons"], json!(["output"]));
    assert_eq!(
        after["firstDivergence"]["outputChanges"],
        json!([{"path": "/exitCode", "change": "changed", "a": 0, "b": 1}])
    );
    let human = reel(["diff", "--runs-dir", &runs, "f0f0f0f0"]);
    assert_eq!(human.code, Some(0), "{}", human.describe());
    assert!(
        human
            .stdout
            .contains("at the fork point (step 5): identical"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains(&format!("first divergence at step {altered}")),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("/exitCode"), "{}", human.stdout);
}

#[test]
fn tree_shows_forks_under_parents_and_backups_under_runs() {
    let (dir, _) = fork_fixture();
    let backup = dir.path().join(".reel/backups").join(PARENT).join("op1");
    copy_dir(&sample(), &backup);
    let audit = json!({"opId": "op1", "op": "rewind", "runId": PARENT, "state": "done",
        "at": "2026-11-23T18:15:12.000Z", "attemptId": "classify#1"});
    fs::write(dir.path().join(".reel/audit.ndjson"), format!("{audit}\n")).expect("audit");
    copy_dir(&sample(), &dir.path().join("acpx-write-abc123")); // transient: skipped
    let runs = dir.path().to_string_lossy().to_string();
    let out = reel(["tree", &runs]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(
        lines[0].starts_with("● 432a4eb8  Review: fix flaky login test  completed  9 steps"),
        "{}",
        out.stdout
    );
    assert!(
        lines[1].starts_with(
            "├─⑂ f0f0f0f0  fork at review_loop#2 (seq 37) \"try a stricter reviewer\""
        ),
        "{}",
        out.stdout
    );
    assert!(
        lines[2].starts_with("└─⟲ backup op1  before rewind to classify#1"),
        "{}",
        out.stdout
    );
    let tree = json_of(&reel(["tree", &runs, "--json"]));
    let roots = tree["roots"].as_array().expect("roots");
    assert_eq!(roots.len(), 1, "{tree:#}");
    assert_eq!(roots[0]["runId"], PARENT);
    assert_eq!(roots[0]["children"][0]["runId"], FORK);
    assert_eq!(roots[0]["children"][0]["lineage"]["parentRunId"], PARENT);
    let trace_starts = steps(&sample()).len();
    assert_eq!(roots[0]["backups"][0]["opId"], "op1");
    assert_eq!(roots[0]["backups"][0]["steps"], trace_starts);
    // `tree RUN` shows the whole tree the run belongs to, marking it.
    let focused = reel(["tree", "--runs-dir", &runs, "f0f0f0f0"]);
    assert_eq!(focused.code, Some(0), "{}", focused.describe());
    assert!(
        focused
            .stdout
            .lines()
            .any(|l| l.contains("f0f0f0f0") && l.ends_with('◀')),
        "{}",
        focused.stdout
    );
}

#[test]
fn orphans_and_cycles_stay_visible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |id: &str, parent: &str| {
        fs::create_dir_all(dir.path().join(id)).expect("mkdir");
        let manifest = json!({"schema": "acpx.flow-run-bundle.v1", "runId": id, "flowName": "f",
            "status": "waiting", "lineage": {"parentRunId": parent, "attemptId": "a#1", "seq": 3}});
        write_json(&dir.path().join(id).join("manifest.json"), &manifest);
    };
    write("run-orphan-11111111", "run-gone-00000000");
    write("run-x-22222222", "run-y-33333333");
    write("run-y-33333333", "run-x-22222222");
    let tree = json_of(&reel(["tree", &dir.path().to_string_lossy(), "--json"]));
    let roots = tree["roots"].as_array().expect("roots");
    let orphan = roots
        .iter()
        .find(|r| r["runId"] == "run-orphan-11111111")
        .expect("orphan root");
    assert_eq!(orphan["parentMissing"], true);
    let text = serde_json::to_string(&tree).expect("json");
    assert!(
        text.contains("run-x-22222222") && text.contains("run-y-33333333"),
        "{tree:#}"
    );
    let human = reel(["tree", &dir.path().to_string_lossy()]);
    assert!(human.stdout.contains("parent missing"), "{}", human.stdout);
}

#[test]
fn paths_with_at_signs_split_on_the_last_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("me@host").join(PARENT);
    copy_dir(&sample(), &run);
    let diff = json_of(&reel([
        "diff",
        &arg(&run, "classify#1"),
        &run.to_string_lossy(),
        "--json",
    ]));
    assert_eq!(diff["a"]["attemptId"], "classify#1");
    assert_eq!(diff["b"]["step"], steps(&run).len());
}

fn assert_error(out: &Output, code: i32, needle: &str) {
    assert_eq!(out.code, Some(code), "{}", out.describe());
    assert!(out.stdout.is_empty(), "{}", out.describe());
    let stderr = out.stderr.trim_end();
    assert!(stderr.contains(needle), "{}", out.describe());
    assert_eq!(stderr.lines().count(), 1, "one line:\n{}", out.describe());
}

#[test]
fn errors_are_one_line_with_the_right_exit_code() {
    let (dir, _) = fork_fixture();
    let runs = dir.path().to_string_lossy().to_string();
    let diff = |args: &[&str]| {
        let mut all = vec!["diff", "--runs-dir", runs.as_str()];
        all.extend_from_slice(args);
        reel(all)
    };
    assert_error(&diff(&["nope", "432a4eb8"]), 1, "no run matches \"nope\"");
    assert_error(
        &diff(&["432a4eb8@nope#9", "432a4eb8"]),
        1,
        "no attempt \"nope#9\"",
    );
    assert_error(&diff(&["432a4eb8@99", "432a4eb8"]), 1, "no attempt \"99\"");
    assert_error(&diff(&["432a4eb8@", "432a4eb8"]), 2, "bad frame");
    assert_error(&diff(&["@3", "432a4eb8"]), 2, "bad frame");
    assert_error(&diff(&["432a4eb8@3"]), 2, "give two frames");
    assert_error(&diff(&["432a4eb8"]), 1, "not a fork");
    assert_eq!(diff(&["a", "b", "c"]).code, Some(2));
    fs::remove_dir_all(dir.path().join(PARENT)).expect("remove parent");
    assert_error(&diff(&["f0f0f0f0"]), 1, "parent");
    let tree = reel(["tree", "--runs-dir", &runs, "nope"]);
    assert_error(&tree, 1, "no run matches");
}

/// A fork made with `--input-patch` is not "identical" at its fork point:
/// `reel diff` names the patched input, `reel tree` and the JSON carry it.
#[test]
fn a_fork_with_an_input_patch_differs_in_its_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample(), &dir.path().join(PARENT));
    let runs = dir.path().to_string_lossy().to_string();
    let patch = json!({"rounds": 1, "route": null, "extra": "ok"});
    let forked = reel([
        "fork",
        "--runs-dir",
        &runs,
        PARENT,
        "--at",
        "review_loop#2",
        "--label",
        "one round",
        "--input-patch",
        &patch.to_string(),
        "--json",
    ]);
    assert_eq!(forked.code, Some(0), "{}", forked.describe());
    let fork_id = json_of(&forked)["runId"]
        .as_str()
        .expect("runId")
        .to_string();
    // Expected changes, from the parent's run.json and RFC 7396 by hand.
    let input = read_json(&sample().join("projections/run.json"))["input"].clone();
    let mut expected = Vec::new();
    for (key, value) in patch.as_object().expect("object") {
        let before = input.get(key);
        let change = match (before, value.is_null()) {
            (Some(_), true) => json!({"path": format!("/{key}"), "change": "removed", "a": before}),
            (None, false) => json!({"path": format!("/{key}"), "change": "added", "b": value}),
            (Some(a), false) => {
                json!({"path": format!("/{key}"), "change": "changed", "a": a, "b": value})
            }
            (None, true) => continue,
        };
        expected.push(change);
    }
    expected.sort_by_key(|c| c["path"].as_str().unwrap_or("").to_string());
    let diff = json_of(&reel(["diff", "--runs-dir", &runs, &fork_id, "--json"]));
    let at = &diff["atFork"];
    assert_eq!(at["identical"], false, "{diff:#}");
    let mut input_changes = at["input"].as_array().cloned().unwrap_or_default();
    input_changes.sort_by_key(|c| c["path"].as_str().unwrap_or("").to_string());
    assert_eq!(
        Value::Array(input_changes),
        Value::Array(expected),
        "{at:#}"
    );
    assert!(at["nodes"].as_array().is_some_and(Vec::is_empty), "{at:#}");

    let human = reel(["diff", "--runs-dir", &runs, &fork_id]);
    assert_eq!(human.code, Some(0), "{}", human.describe());
    assert!(
        human.stdout.contains("the fork's input was patched"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("/rounds"), "{}", human.stdout);
    let tree = reel(["tree", "--runs-dir", &runs]);
    assert!(
        tree.stdout.contains("\"one round\"")
            && tree
                .stdout
                .contains(&format!("with the input patch {patch}")),
        "{}",
        tree.stdout
    );
}
