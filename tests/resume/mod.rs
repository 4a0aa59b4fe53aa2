//! Shared checks of the resume end-to-end tests, from the raw files only.

#![allow(dead_code)]

pub mod cases;
pub mod refusals;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub use crate::acpx::{recording_scene, Scene};
use crate::common::{run_command, Output};

/// Every file under a folder with its bytes (relative paths).
pub type Tree = BTreeMap<PathBuf, Vec<u8>>;

pub fn tree(dir: &Path) -> Tree {
    let mut out = Tree::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("read_dir").flatten() {
            let path = entry.path();
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path.strip_prefix(dir).expect("inside").to_path_buf();
                out.insert(rel, fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// The runs directory's files, lock files aside (taking a lock is not
/// writing to a run).
pub fn runs_tree(runs: &Path) -> Tree {
    tree(runs)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".reel/locks"))
        .collect()
}

pub fn run(scene: &Scene, args: &[&str]) -> Output {
    let mut command: Command = scene.reel();
    command.args(args);
    run_command(command, format!("reel {}", args.join(" ")))
}

pub fn run_ok(scene: &Scene, args: &[&str]) -> Output {
    let out = run(scene, args);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out
}

pub fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

pub fn trace(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("trace.ndjson"))
        .expect("trace")
        .lines()
        .map(|l| serde_json::from_str(l).expect("trace line"))
        .collect()
}

/// attemptIds of `node_started` events, in order.
pub fn started(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "node_started")
        .filter_map(|e| e["attemptId"].as_str().map(str::to_string))
        .collect()
}

pub fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).expect("manifest")).expect("json")
}

/// Forks `run` at `at` with the binary, returning the fork's folder.
pub fn fork(scene: &Scene, run: &Path, at: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["fork", run.to_str().expect("utf-8"), "--at", at, "--json"];
    args.extend_from_slice(extra);
    let out = run_ok(scene, &args);
    PathBuf::from(out.json()["path"].as_str().expect("fork path"))
}

/// The promises every continuation keeps, checked against the waiting
/// bundle as it was (`before`) and the continued one (`dir`). With fresh
/// agent sessions, acpx binds them anew (their `binding.json` changes).
pub fn assert_continued(before: &Tree, dir: &Path) {
    assert_continued_with(before, dir, false);
}

pub fn assert_continued_with(before: &Tree, dir: &Path, fresh_sessions: bool) {
    let after = tree(dir);
    for (path, old) in before {
        let name = path.to_string_lossy();
        let new = after
            .get(path)
            .unwrap_or_else(|| panic!("{name} is gone after the resume"));
        let rebound = fresh_sessions && name.ends_with("binding.json");
        if name.starts_with("projections/")
            || name == "manifest.json"
            || name.ends_with("record.json")
            || rebound
        {
            continue; // rewritten by acpx, as on every snapshot
        }
        assert!(
            new.starts_with(old),
            "{name}: the old bytes changed ({} -> {} bytes)",
            old.len(),
            new.len()
        );
    }
    let events = trace(dir);
    let old_count = before
        .get(Path::new("trace.ndjson"))
        .map(|t| t.iter().filter(|b| **b == b'\n').count())
        .expect("an old trace");
    let resumed: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "run_resumed")
        .collect();
    assert_eq!(resumed.len(), 1, "one run_resumed event");
    assert_eq!(
        events[old_count]["type"], "run_resumed",
        "the run_resumed event comes right after the old end"
    );
    let seqs: Vec<u64> = events.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "seqs go on one by one"
    );
}

/// `reel validate DIR` passes.
pub fn assert_validates(scene: &Scene, dir: &Path) {
    let out = run(scene, &["validate", &s(dir)]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
}
