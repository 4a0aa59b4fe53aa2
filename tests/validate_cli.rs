//! `reel validate` (and `reel show`) on corrupted copies of a real bundle.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A writable copy of the real `branching-review` bundle inside a temp dir
/// (`<tmp>/runs/<runId>`).
fn copy_of_bundle() -> (TempDir, PathBuf) {
    let src = real_bundle("branching-review");
    let tmp = tempfile::tempdir().unwrap();
    let run_id = RawBundle::load(&src).run_id().to_string();
    let dst = tmp.path().join("runs").join(run_id);
    copy_dir(&src, &dst);
    (tmp, dst)
}

fn validate(paths: &[&Path]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["validate".as_ref()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    reel(args)
}

fn show(dir: &Path) -> Output {
    reel(["show".as_ref(), dir.as_os_str(), "--json".as_ref()])
}

/// `show --json` must succeed and equal the independent computation.
fn assert_show_matches(dir: &Path) -> Value {
    let out = show(dir);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let actual = out.json();
    let mut errs = Vec::new();
    diff_json(
        &actual,
        &RawBundle::load(dir).expected_show(),
        "show",
        false,
        &mut errs,
    );
    finish("show --json", errs);
    actual
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.describe());
}

fn assert_failed_with_message(out: &Output) {
    assert!(
        out.code.is_some() && out.code != Some(0),
        "expected failure:\n{}",
        out.describe()
    );
    assert_eq!(
        out.stderr.trim().lines().count(),
        1,
        "expected a one-line error message on stderr:\n{}",
        out.describe()
    );
}

fn trace_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("trace.ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn replace_trace_line_10(dir: &Path) {
    let mut lines = trace_lines(dir);
    assert!(
        lines.len() > 10,
        "the bundle needs more than 10 trace lines"
    );
    lines[9] = "{not json".to_string();
    write_lines(&dir.join("trace.ndjson"), &lines);
}

#[test]
fn the_unmodified_copy_is_valid() {
    let (_tmp, dir) = copy_of_bundle();
    assert_exit(&validate(&[&dir]), 0);
    assert_exit(&validate(&[dir.parent().unwrap()]), 0);
    assert_show_matches(&dir);
}

#[test]
fn a_truncated_manifest_is_reported_with_a_line() {
    let (_tmp, dir) = copy_of_bundle();
    let path = dir.join("manifest.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, &text[..text.len() / 2]).unwrap();
    let out = validate(&[&dir]);
    assert_exit(&out, 1);
    assert!(
        mentions_file_line(&out.combined(), "manifest.json"),
        "expected `manifest.json:<line>` in the output:\n{}",
        out.describe()
    );
    assert_failed_with_message(&show(&dir));
    // The runs dir holding it is broken too.
    assert_exit(&validate(&[dir.parent().unwrap()]), 1);
}

#[test]
fn garbage_in_trace_line_10_is_reported() {
    let (_tmp, dir) = copy_of_bundle();
    replace_trace_line_10(&dir);
    let out = validate(&[&dir]);
    assert_exit(&out, 1);
    assert!(
        out.combined().contains("trace.ndjson:10"),
        "expected `trace.ndjson:10` in the output:\n{}",
        out.describe()
    );
    let out = reel(["validate".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_exit(&out, 1);
}

#[test]
fn show_on_a_corrupted_trace_names_the_line() {
    let (_tmp, dir) = copy_of_bundle();
    replace_trace_line_10(&dir);
    let out = show(&dir);
    assert_failed_with_message(&out);
    assert!(
        out.stderr.contains("trace.ndjson:10"),
        "expected `trace.ndjson:10` on stderr:\n{}",
        out.describe()
    );
}

fn assert_points_outside(trace_path: &str) {
    let (tmp, dir) = copy_of_bundle();
    // The target exists and is a valid trace, so only containment can fail.
    fs::copy(
        dir.join("trace.ndjson"),
        tmp.path().join("runs/outside.ndjson"),
    )
    .unwrap();
    let mut manifest = read_json(&dir.join("manifest.json"));
    manifest["paths"]["trace"] = json!(trace_path);
    write_json(&dir.join("manifest.json"), &manifest);
    let out = validate(&[&dir]);
    assert_exit(&out, 1);
    let text = out.combined();
    assert!(
        text.contains("manifest.json") && text.to_lowercase().contains("outside"),
        "expected a message naming manifest.json and saying the path is outside the bundle:\n{}",
        out.describe()
    );
}

#[test]
fn a_trace_path_outside_the_bundle_is_refused() {
    assert_points_outside("../outside.ndjson");
}

#[test]
fn an_absolute_trace_path_is_refused() {
    assert_points_outside("/etc/passwd");
}

#[test]
fn a_partial_last_trace_line_is_tolerated() {
    let (_tmp, dir) = copy_of_bundle();
    let before = RawBundle::load(&dir).trace.len();
    let before_show = assert_show_matches(&dir);
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(dir.join("trace.ndjson"))
        .unwrap();
    std::io::Write::write_all(&mut f, br#"{"seq":99,"at""#).unwrap();
    drop(f);
    assert_exit(&validate(&[&dir]), 0);
    let after_show = assert_show_matches(&dir);
    assert_eq!(after_show["traceEvents"], json!(before));
    assert_eq!(after_show["attempts"], before_show["attempts"]);
}

#[test]
fn transient_acpx_write_folders_are_ignored() {
    let (_tmp, dir) = copy_of_bundle();
    let before = assert_show_matches(&dir);
    let session = fs::read_dir(dir.join("sessions"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a session folder");
    for parent in [dir.clone(), session, dir.parent().unwrap().to_path_buf()] {
        let t = parent.join("acpx-write-Xy7Kq2");
        fs::create_dir(&t).unwrap();
        fs::write(t.join("record.json"), "{\"schema\": \"acpx.ses").unwrap();
    }
    assert_exit(&validate(&[&dir]), 0);
    assert_exit(&validate(&[dir.parent().unwrap()]), 0);
    let after = assert_show_matches(&dir);
    assert_eq!(before, after);
}

#[test]
fn missing_sessions_and_artifacts_are_warnings() {
    let (_tmp, dir) = copy_of_bundle();
    fs::remove_dir_all(dir.join("sessions")).unwrap();
    fs::remove_dir_all(dir.join("artifacts")).unwrap();
    let shown = assert_show_matches(&dir);
    assert_eq!(
        shown["artifacts"]["missing"], shown["artifacts"]["referenced"],
        "every artifact is missing"
    );
    let out = validate(&[&dir]);
    assert_exit(&out, 0);
    // At least one line names a referenced artifact and says it is missing.
    let refs = RawBundle::load(&dir).artifact_refs();
    let warned = out.combined().lines().any(|line| {
        line.to_lowercase().contains("missing") && refs.iter().any(|r| line.contains(r.as_str()))
    });
    assert!(
        warned,
        "expected warnings naming the missing artifacts:\n{}",
        out.describe()
    );
}

#[test]
fn projections_are_not_needed() {
    let (_tmp, dir) = copy_of_bundle();
    let before = assert_show_matches(&dir);
    fs::remove_dir_all(dir.join("projections")).unwrap();
    let after = assert_show_matches(&dir);
    assert_eq!(after["attempts"], before["attempts"]);
    assert_eq!(after["nodes"], before["nodes"]);
    assert_exit(&validate(&[&dir]), 0);
}

fn garbage_bytes() -> Vec<u8> {
    // Deterministic pseudo-random bytes (invalid UTF-8, NULs, some newlines).
    let mut x: u32 = 0x1234_5678;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_and_binary_files_are_broken_bundles() {
    let cases: [(&str, Vec<u8>); 4] = [
        ("manifest.json", Vec::new()),
        ("manifest.json", garbage_bytes()),
        ("trace.ndjson", Vec::new()),
        ("trace.ndjson", garbage_bytes()),
    ];
    for (file, content) in cases {
        let (_tmp, dir) = copy_of_bundle();
        fs::write(dir.join(file), &content).unwrap();
        let what = format!("{file} with {} bytes", content.len());
        let out = validate(&[&dir]);
        assert_eq!(out.code, Some(1), "{what}:\n{}", out.describe());
        assert!(
            out.combined().contains(file),
            "{what}: the message should name {file}:\n{}",
            out.describe()
        );
        assert_failed_with_message(&show(&dir));
        let out = reel([
            "state".as_ref(),
            dir.as_os_str(),
            "--at".as_ref(),
            "1".as_ref(),
            "--json".as_ref(),
        ]);
        assert_failed_with_message(&out);
    }
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-run");
    let out = validate(&[&missing]);
    assert_exit(&out, 2);
    assert!(!out.stderr.trim().is_empty(), "{}", out.describe());
    assert_exit(&reel(["validate"]), 2);
    // A nonexistent path next to a valid one is still a usage error.
    let (_t, dir) = copy_of_bundle();
    assert_exit(&validate(&[&dir, &missing]), 2);
    assert_failed_with_message(&show(&missing));
}

#[test]
fn one_broken_bundle_among_valid_ones_fails_the_run() {
    let (_tmp, dir) = copy_of_bundle();
    let (_tmp2, good) = copy_of_bundle();
    replace_trace_line_10(&dir);
    let out = validate(&[&good, &dir]);
    assert_exit(&out, 1);
    assert!(
        out.combined().contains("trace.ndjson:10"),
        "{}",
        out.describe()
    );
}

#[test]
fn unknown_node_types_fields_and_events_are_accepted() {
    let (_tmp, dir) = copy_of_bundle();
    // flow.json: a dev-build `decision` node plus unknown fields.
    let mut flow = read_json(&dir.join("flow.json"));
    flow["futureTopLevel"] = json!({"x": 1});
    flow["nodes"]["choose_path"] = json!({
        "nodeType": "decision",
        "options": {"left": "Go left", "right": "Go right"},
        "model": "some-model",
        "somethingNew": [1, 2, 3]
    });
    flow["nodes"]["classify"]["unknownField"] = json!(true);
    write_json(&dir.join("flow.json"), &flow);

    // trace.ndjson: an unknown event type with the next seq at the end.
    let raw = RawBundle::load(&dir);
    let last = raw.trace.last().unwrap();
    let next = seq_of(last) + 1;
    let event = json!({
        "seq": next,
        "at": last["at"],
        "runId": raw.run_id(),
        "scope": "run",
        "type": "future_thing",
        "payload": {"whatever": [1, {"nested": true}]}
    });
    let mut lines = trace_lines(&dir);
    lines.push(event.to_string());
    write_lines(&dir.join("trace.ndjson"), &lines);

    let out = validate(&[&dir]);
    assert_exit(&out, 0);
    let shown = assert_show_matches(&dir);
    let node = shown["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["id"] == "choose_path"))
        .unwrap_or_else(|| panic!("choose_path is not listed: {}", shown["nodes"]));
    assert_eq!(node["nodeType"], "decision");
    assert_eq!(node["visited"], false);
    assert_eq!(shown["traceEvents"], json!(raw.trace.len() + 1));
}

/// Like `assert_show_matches`, but the top-level `finishedAt` is returned
/// for a separate check (so one disagreement does not hide the others).
fn show_matches_except_finished_at(dir: &Path) -> Value {
    let out = show(dir);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let actual = out.json();
    let mut errs = Vec::new();
    diff_json(
        &actual,
        &RawBundle::load(dir).expected_show(),
        "show",
        false,
        &mut errs,
    );
    errs.retain(|e| !e.starts_with("show.finishedAt:"));
    finish("show --json", errs);
    actual
}

#[test]
fn a_running_manifest_takes_the_status_of_the_trace_end() {
    let (_tmp, dir) = copy_of_bundle();
    // The writer died after run_completed but before the final manifest write.
    let mut manifest = read_json(&dir.join("manifest.json"));
    manifest["status"] = json!("running");
    manifest.as_object_mut().unwrap().remove("finishedAt");
    write_json(&dir.join("manifest.json"), &manifest);
    let completed = show_matches_except_finished_at(&dir);
    assert_eq!(completed["status"], "completed");
    let run_completed_at = RawBundle::load(&dir)
        .trace
        .iter()
        .find(|e| e["type"] == "run_completed")
        .map(|e| e["at"].clone())
        .expect("run_completed event");

    // Cut the trace inside an attempt and end it with run_failed: that
    // attempt is cancelled at the run_failed time.
    let lines = trace_lines(&dir);
    let raw = RawBundle::load(&dir);
    let cut = raw
        .trace
        .iter()
        .position(|e| e["type"] == "node_heartbeat")
        .expect("a heartbeat inside an attempt")
        + 1;
    let mut kept: Vec<String> = lines[..cut].to_vec();
    let last = &raw.trace[cut - 1];
    let failed = json!({
        "seq": seq_of(last) + 1,
        "at": "2030-01-01T00:00:00.000Z",
        "runId": raw.run_id(),
        "scope": "run",
        "type": "run_failed",
        "payload": {"status": "failed", "error": "Interrupted"}
    });
    kept.push(failed.to_string());
    write_lines(&dir.join("trace.ndjson"), &kept);
    let failed = show_matches_except_finished_at(&dir);
    assert_eq!(failed["status"], "failed");
    let attempts = failed["attempts"].as_array().unwrap();
    let interrupted = attempts.last().unwrap();
    assert_eq!(interrupted["outcome"], "cancelled");
    assert_eq!(interrupted["finishedAt"], "2030-01-01T00:00:00.000Z");
    assert_exit(&validate(&[&dir]), 0);

    // Contract: the run's finishedAt is the manifest's; when the manifest
    // lags behind the trace, the `at` of the terminal event.
    assert_eq!(
        completed["finishedAt"], run_completed_at,
        "finishedAt with a manifest without finishedAt"
    );
    assert_eq!(
        failed["finishedAt"], "2030-01-01T00:00:00.000Z",
        "finishedAt with a manifest without finishedAt"
    );
}

#[test]
fn an_altered_artifact_is_an_error_naming_it() {
    let (_tmp, dir) = copy_of_bundle();
    let artifact = fs::read_dir(dir.join("artifacts"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .expect("a text artifact");
    let mut bytes = fs::read(&artifact).unwrap();
    bytes.extend_from_slice(b"tampered");
    fs::write(&artifact, bytes).unwrap();
    let out = validate(&[&dir]);
    // What it holds is not what the run recorded: the bundle is damaged.
    assert_exit(&out, 1);
    let name = artifact.file_name().unwrap().to_string_lossy().into_owned();
    let warned = out
        .combined()
        .lines()
        .any(|line| line.contains(&name) && line.contains("does not match"));
    assert!(
        warned,
        "expected an error about {name}:\n{}",
        out.describe()
    );
}
