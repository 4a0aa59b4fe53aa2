//! The bytes of cuts (forks and rewinds) stay what they were when this test
//! was written: every file of every cut, by size and SHA-256, of real acpx
//! bundles (`../shared/bundles/acpx-0.19.1`, `sample-runs`), a synthesized
//! run, and hostile variants of a sample (escaped and nested `runId`s, a
//! line without one). The snapshot was recorded with the line-by-line cut,
//! before the fast paths; any change to what a cut writes shows up here.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use reel::model::Run;
use reel::synth::{write_bundle, SynthSpec};
use reel::timetravel::cut::{write_cut, CutKind, CutRequest};
use reel::timetravel::resume::flowfile::sha256_of;
use serde_json::{json, Value};

const NOW_MS: i64 = 1_795_451_476_156;
const NEW_ID: &str = "2026-11-23T163116156Z-golden-fork-0badcafe";

/// Every file under `dir` (sorted): its relative path, size and SHA-256.
fn digest(dir: &Path) -> String {
    let mut files = Vec::new();
    list(dir, dir, &mut files);
    files.sort();
    let mut out = String::new();
    for (relative, path) in files {
        let size = fs::metadata(&path).expect("metadata").len();
        let hash = sha256_of(&path).expect("hash");
        writeln!(out, "  {relative} {size} {hash}").expect("write");
    }
    out
}

fn list(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            list(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).expect("inside");
            out.push((relative.to_string_lossy().into_owned(), path));
        }
    }
}

/// A copy of `source` whose manifest names no flow file that could exist
/// (the lineage would then carry that file's hash, which is this machine's).
fn private_copy(source: &Path, into: &Path) -> PathBuf {
    let name = source.file_name().expect("name");
    let dir = into.join(name);
    common::copy_dir(source, &dir);
    let manifest_path = dir.join("manifest.json");
    let mut manifest = common::read_json(&manifest_path);
    if manifest.get("flowPath").is_some() {
        manifest["flowPath"] = json!("golden/no-such-flow.ts");
        let mut text = serde_json::to_string_pretty(&manifest).expect("json");
        text.push('\n');
        fs::write(&manifest_path, text).expect("manifest");
    }
    dir
}

/// Cuts of `dir` at its first, middle and last attempt (forks, one with a
/// label and an input patch) and a rewind before its end, as digests.
fn cuts_of(name: &str, dir: &Path, scratch: &Path, out: &mut String) {
    let run = Run::open(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let count = run.attempts.len();
    if count == 0 {
        writeln!(out, "{name}: no attempts").expect("write");
        return;
    }
    let fork = |label: Option<&str>, patch: Option<Value>| CutKind::Fork {
        label: label.map(str::to_string),
        input_patch: patch,
        sandbox: true,
    };
    let cases = [
        ("fork at 1", 0, fork(None, None)),
        (
            "fork at the middle, labelled and patched",
            count / 2,
            fork(Some("golden"), Some(json!({"golden": true, "task": null}))),
        ),
        ("fork at the end", count - 1, fork(None, None)),
        (
            "rewind before the end",
            count.saturating_sub(2),
            CutKind::Rewind {
                op_id: "golden-op".into(),
            },
        ),
    ];
    for (what, attempt, kind) in cases {
        let run_id = match kind {
            CutKind::Rewind { .. } => run.run_id().to_string(),
            CutKind::Fork { .. } => NEW_ID.to_string(),
        };
        let request = CutRequest {
            run: &run,
            attempt,
            run_id,
            kind,
            now_ms: NOW_MS,
        };
        let dest = scratch.join("cut");
        let summary = write_cut(&request, &dest)
            .unwrap_or_else(|e| panic!("{name}: {what} (step {}): {e}", attempt + 1));
        writeln!(
            out,
            "{name}: {what} (step {}/{count}): {} events, {} artifacts",
            attempt + 1,
            summary.trace_events,
            summary.artifacts
        )
        .expect("write");
        out.push_str(&digest(&dest));
        fs::remove_dir_all(&dest).expect("remove cut");
    }
}

fn bundles_in(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(root)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    found.sort();
    found
}

fn golden_of(bundles: &[PathBuf]) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut out = String::new();
    for source in bundles {
        let runs = tmp.path().join("runs");
        fs::create_dir_all(&runs).expect("runs");
        let dir = private_copy(source, &runs);
        let name = source.file_name().expect("name").to_string_lossy();
        cuts_of(&name, &dir, tmp.path(), &mut out);
        fs::remove_dir_all(&runs).expect("remove runs");
    }
    out
}

#[test]
#[cfg_attr(not(reel_shared), ignore = "needs ../shared/bundles")]
fn cuts_of_acpx_bundles_keep_their_bytes() {
    let root = common::shared_bundles_root().join("acpx-0.19.1");
    let bundles = bundles_in(&root);
    assert!(bundles.len() >= 5, "{}: too few bundles", root.display());
    insta::assert_snapshot!(golden_of(&bundles));
}

#[test]
fn cuts_of_sample_runs_keep_their_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs");
    let bundles = bundles_in(&root);
    assert!(bundles.len() >= 5, "{}: too few bundles", root.display());
    insta::assert_snapshot!(golden_of(&bundles));
}

#[test]
fn cuts_of_a_synthesized_run_keep_their_bytes() {
    // 4000 attempts: projections and trace of several megabytes, read in
    // more than one span.
    let mut out = String::new();
    for attempts in [400, 4000] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let spec = SynthSpec {
            attempts,
            run_id: Some("2026-01-02T030405678Z-synth-loop-golden00".into()),
            ..SynthSpec::default()
        };
        let written = write_bundle(tmp.path(), &spec).expect("synth");
        cuts_of(
            &format!("synth-{attempts}"),
            &written.dir,
            tmp.path(),
            &mut out,
        );
    }
    insta::assert_snapshot!(out);
}

/// The sample's trace with hostile `runId`s: escaped in every third line,
/// repeated inside payloads (as a key and inside a string), and missing
/// from one line (which the cut then re-serializes).
fn hostile_trace(text: &str, run_id: &str) -> String {
    let plain = format!("\"runId\":\"{run_id}\"");
    let escaped_id: String = run_id
        .chars()
        .map(|c| match c {
            '-' => "\\u002d".to_string(),
            c => c.to_string(),
        })
        .collect();
    let escaped = format!("\"runId\":\"{escaped_id}\"");
    let nested = format!("\"payload\":{{\"note\":\"\\\"runId\\\":\\\"{run_id}\\\"\",{plain},");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut line = line.to_string();
        if i % 3 == 1 {
            line = line.replacen(&plain, &escaped, 1);
        }
        if i % 4 == 2 {
            line = line.replacen("\"payload\":{", &nested, 1);
        }
        if i == 5 {
            line = line.replacen(&format!(",{plain}"), "", 1);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn cuts_with_hostile_run_ids_keep_their_bytes() {
    const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    fs::create_dir_all(&runs).expect("runs");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(SAMPLE);
    let dir = private_copy(&source, &runs);
    let trace_path = dir.join("trace.ndjson");
    let text = fs::read_to_string(&trace_path).expect("trace");
    let hostile = hostile_trace(&text, SAMPLE);
    assert_ne!(hostile, text);
    fs::write(&trace_path, hostile).expect("write trace");
    let mut out = String::new();
    cuts_of("hostile", &dir, tmp.path(), &mut out);
    insta::assert_snapshot!(out);
}
