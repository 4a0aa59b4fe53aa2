//! Conformance of `reel show`, `reel state`, `reel validate` and `reel list`
//! with expectations computed independently from the raw bundle files.

mod common;

use common::*;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// Bundles with more attempts than this get a deterministic sample of
/// attempts checked by `state_matches_independent_computation`.
const MAX_STATE_CHECKS_PER_BUNDLE: usize = 600;

#[test]
fn show_matches_independent_computation() {
    let bundles = all_bundles();
    let results = par_map(&bundles, |dir| {
        let raw = RawBundle::load(dir);
        let expected = raw.expected_show();
        let mut errs = Vec::new();
        match try_reel_json(["show".as_ref(), dir.as_os_str(), "--json".as_ref()]) {
            Ok(actual) => diff_json(&actual, &expected, &short(dir), false, &mut errs),
            Err(e) => errs.push(format!("{}: {e}", short(dir))),
        }
        errs
    });
    for (dir, errs) in bundles.iter().zip(&results) {
        println!(
            "{}: {}",
            short(dir),
            if errs.is_empty() { "ok" } else { "DIFFERS" }
        );
    }
    finish("show --json", results.into_iter().flatten().collect());
    assert_checked_some(bundles.len());
}

/// Attempt indexes to check: all of them, or a deterministic sample.
fn attempt_sample(n: usize) -> Vec<usize> {
    if n <= MAX_STATE_CHECKS_PER_BUNDLE {
        return (0..n).collect();
    }
    let edge = MAX_STATE_CHECKS_PER_BUNDLE / 3;
    let mut idx: Vec<usize> = (0..edge).chain(n - edge..n).collect();
    let step = n / edge;
    idx.extend((edge..n - edge).step_by(step.max(1)));
    idx.sort_unstable();
    idx.dedup();
    idx
}

#[test]
fn state_matches_independent_computation() {
    let bundles = all_bundles();
    let mut errs = Vec::new();
    let mut frames = 0usize;
    for dir in &bundles {
        let raw = RawBundle::load(dir);
        let attempts = raw.attempts();
        let sample = attempt_sample(attempts.len());
        if sample.len() < attempts.len() {
            println!(
                "{}: checking {} of {} attempts",
                short(dir),
                sample.len(),
                attempts.len()
            );
        }
        frames += sample.len();
        let results = par_map(&sample, |&i| {
            let attempt = &attempts[i];
            // Alternate between the attemptId form and the 1-based step form.
            let at = if i % 2 == 0 {
                attempt.attempt_id.clone()
            } else {
                (i + 1).to_string()
            };
            let ctx = format!("{} state --at {at}", short(dir));
            let mut errs = Vec::new();
            let actual = match try_reel_json([
                "state".as_ref(),
                dir.as_os_str(),
                "--at".as_ref(),
                at.as_ref(),
                "--json".as_ref(),
            ]) {
                Ok(v) => v,
                Err(e) => return vec![format!("{ctx}: {e}")],
            };
            let exp = raw.expected_state(&attempts, i);
            let header = json!({
                "runId": raw.run_id(),
                "attemptId": attempt.attempt_id,
                "step": i + 1,
                "seq": exp.seq,
                "nodes": exp.nodes,
            });
            diff_json(&actual, &header, &ctx, false, &mut errs);

            // outputs: exact, except the nodes whose output the files do not
            // determine (absent or null accepted there).
            match actual.get("outputs") {
                Some(Value::Object(got)) => {
                    let mut got = got.clone();
                    for node in &exp.uncertain_outputs {
                        if let Some(v) = got.remove(node) {
                            if !v.is_null() {
                                errs.push(format!(
                                    "{ctx}.outputs.{node}: got {}, expected absent or null",
                                    brief(&v)
                                ));
                            }
                        }
                    }
                    diff_json(
                        &Value::Object(got),
                        &exp.outputs,
                        &format!("{ctx}.outputs"),
                        true,
                        &mut errs,
                    );
                }
                other => errs.push(format!("{ctx}.outputs: not an object: {other:?}")),
            }

            // conversation is null for non-ACP attempts.
            if attempt.node_type != "acp" {
                match actual.get("conversation") {
                    Some(Value::Null) => {}
                    other => errs.push(format!(
                        "{ctx}.conversation: expected null for a {} attempt, got {}",
                        attempt.node_type,
                        other.map(brief).unwrap_or_else(|| "missing".into())
                    )),
                }
            } else if actual.get("conversation").is_none() {
                errs.push(format!("{ctx}.conversation: missing"));
            }
            errs
        });
        errs.extend(results.into_iter().flatten());
    }
    println!("checked {frames} state frame(s)");
    finish("state --json", errs);
    assert_checked_some(bundles.len());
}

#[test]
fn validate_accepts_every_bundle() {
    let bundles = all_bundles();
    let results = par_map(&bundles, |dir| {
        let out = reel(["validate".as_ref(), dir.as_os_str()]);
        if out.code == Some(0) {
            None
        } else {
            Some(format!("{}: {}", short(dir), out.describe()))
        }
    });
    finish("validate", results.into_iter().flatten().collect());

    // All of them in a single invocation, also with --json.
    if !bundles.is_empty() {
        let mut args: Vec<&std::ffi::OsStr> = vec!["validate".as_ref()];
        args.extend(bundles.iter().map(|b| b.as_os_str()));
        let out = reel(&args);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        args.push("--json".as_ref());
        let out = reel(&args);
        assert_eq!(out.code, Some(0), "{}", out.describe());
    }
    assert_checked_some(bundles.len());
}

#[test]
fn validate_accepts_runs_dirs() {
    // Folders whose immediate children include bundles (plus siblings that
    // are not bundles, like `live-stream`): the project's samples, and the
    // shared ones when the tests were built with them.
    let mut runs_dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-runs")];
    if shared_present() {
        let root = shared_bundles_root();
        runs_dirs.extend([
            root.join("acpx-0.19.1"),
            root.join("upstream"),
            root.join("acpx-0.19.1/live-stream/snapshots"),
        ]);
    }
    for dir in &runs_dirs {
        assert!(dir.is_dir(), "{} is missing", dir.display());
        let out = reel(["validate".as_ref(), dir.as_os_str()]);
        assert_eq!(out.code, Some(0), "{}", out.describe());
    }
    // Several runs dirs at once.
    let mut args: Vec<&std::ffi::OsStr> = vec!["validate".as_ref()];
    args.extend(runs_dirs.iter().map(|d| d.as_os_str()));
    let out = reel(&args);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    println!("validated {} runs dir(s)", runs_dirs.len());
}

/// Picks a few bundles with distinct run ids for the runs-dir tests.
fn list_sources() -> Vec<PathBuf> {
    let preferred = [
        "acpx-0.19.1/acp-echo",
        "acpx-0.19.1/branching-review",
        "acpx-0.19.1/shell-failure",
        "acpx-0.19.1/timeout-shell",
        "acpx-0.19.1/live-stream/snapshots/t28",
        "upstream/sample-legacy-kind",
    ];
    let mut out: Vec<PathBuf> = preferred
        .iter()
        .map(|p| shared_bundles_root().join(p))
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    if out.is_empty() {
        out = project_bundles().into_iter().take(6).collect();
    }
    // One bundle per run id.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|b| seen.insert(RawBundle::load(b).run_id().to_string()));
    out
}

fn list_entry(dir: &Path) -> Value {
    let raw = RawBundle::load(dir);
    let title = raw
        .manifest
        .get("runTitle")
        .filter(|t| t.is_string())
        .or_else(|| raw.manifest.get("flowName"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "runId": raw.run_id(),
        "title": title,
        "status": raw.status(),
        "startedAt": raw.manifest["startedAt"],
        "attempts": raw.attempts().len(),
    })
}

#[test]
fn list_runs_dir_newest_first() {
    let sources = list_sources();
    assert!(!sources.is_empty(), "no bundle to list");
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    fs::create_dir(&runs).unwrap();
    for src in &sources {
        let run_id = RawBundle::load(src).run_id().to_string();
        copy_dir(src, &runs.join(&run_id));
    }
    // A run with the same startedAt as the first one: the tie is broken by
    // runId descending.
    let first = RawBundle::load(&sources[0]);
    let twin_id = format!("{}-twin", first.run_id());
    let twin = runs.join(&twin_id);
    copy_dir(&sources[0], &twin);
    let mut manifest = read_json(&twin.join("manifest.json"));
    manifest["runId"] = json!(twin_id);
    write_json(&twin.join("manifest.json"), &manifest);

    // Things that are not runs.
    let transient = runs.join("acpx-write-Q1w2E3");
    fs::create_dir(&transient).unwrap();
    fs::write(transient.join("record.json"), "{\"partial\": tr").unwrap();
    // Even one holding a manifest (a bundle being renamed into place).
    fs::copy(
        sources[0].join("manifest.json"),
        transient.join("manifest.json"),
    )
    .unwrap();
    fs::create_dir(runs.join("notes")).unwrap();
    fs::write(runs.join("notes/readme.txt"), "not a run").unwrap();
    fs::write(runs.join("stray-file.json"), "{}").unwrap();

    let mut expected: Vec<Value> = fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.join("manifest.json").is_file()
                && !p
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("acpx-write-")
        })
        .map(|p| list_entry(&p))
        .collect();
    expected.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                v["startedAt"].as_str().unwrap_or("").to_string(),
                v["runId"].as_str().unwrap_or("").to_string(),
            )
        };
        key(b).cmp(&key(a))
    });

    let actual = reel_json(["list".as_ref(), runs.as_os_str(), "--json".as_ref()]);
    let mut errs = Vec::new();
    diff_json(&actual, &Value::Array(expected), "list", false, &mut errs);
    finish("list --json", errs);

    // An empty runs dir lists nothing.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let actual = reel_json(["list".as_ref(), empty.as_os_str(), "--json".as_ref()]);
    assert_eq!(actual, json!([]));
}

#[test]
fn state_rejects_unknown_attempts() {
    let dir = all_bundles().into_iter().next().expect("a bundle");
    let n = RawBundle::load(&dir).attempts().len();
    for at in [
        "0".to_string(),
        (n + 1).to_string(),
        "no_such_node#1".to_string(),
    ] {
        let out = reel([
            "state".as_ref(),
            dir.as_os_str(),
            "--at".as_ref(),
            at.as_ref(),
            "--json".as_ref(),
        ]);
        assert!(
            out.code.is_some() && out.code != Some(0),
            "--at {at} should fail:\n{}",
            out.describe()
        );
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "--at {at}: expected a one-line error on stderr:\n{}",
            out.describe()
        );
        assert!(out.stdout.trim().is_empty(), "{}", out.describe());
    }
}

/// `last` and `-N` name the same states as the step numbers they stand
/// for (the count comes from the independent reading of the trace).
#[test]
fn state_at_last_and_from_the_end_match_the_step_numbers() {
    let dir = all_bundles().into_iter().next().expect("a bundle");
    let n = RawBundle::load(&dir).attempts().len();
    assert!(n >= 2, "the first bundle has {n} attempts");
    let state = |at: &str| {
        reel_json([
            "state".as_ref(),
            dir.as_os_str(),
            "--at".as_ref(),
            at.as_ref(),
            "--json".as_ref(),
        ])
    };
    let last = state(&n.to_string());
    assert_eq!(state("last"), last);
    assert_eq!(state("-1"), last);
    assert_eq!(state("-2"), state(&(n - 1).to_string()));
    assert_eq!(state(&format!("-{n}")), state("1"));
    for at in ["-0", &format!("-{}", n + 1)] {
        let out = reel([
            "state".as_ref(),
            dir.as_os_str(),
            "--at".as_ref(),
            at.as_ref(),
        ]);
        assert_eq!(out.code, Some(1), "--at {at}:\n{}", out.describe());
        assert!(out.stderr.contains("no attempt"), "{}", out.describe());
    }
}
