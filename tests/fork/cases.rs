//! The fork operation's other promises: input patches and labels, forks of
//! forks, the rewind flavour of the cut, cleanup after a failure, the CLI's
//! preview, JSON and errors, and a read-only runs folder.

use std::fs;

use reel::model::Run;
use reel::timetravel::cut::{write_cut, CutKind, CutRequest};
use reel::timetravel::fork::{fork, ForkOptions};
use reel::timetravel::TimeTravelError;
use serde_json::json;

#[cfg(unix)]
use super::common::readonly::ReadOnly;
use super::common::*;
use super::staged;

#[test]
fn input_patch_label_and_a_fork_of_a_fork() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = staged(&source, &tmp.path().join("runs"));
    let run = Run::open(&dir).expect("open");
    let options = ForkOptions {
        label: Some("retry".into()),
        input_patch: Some(json!({"task": "other", "rounds": null})),
        sandbox: false,
        ..ForkOptions::default()
    };
    let first = fork(&run, 1, &options).expect("fork");
    let state = read_json(&first.dir.join("projections/run.json"));
    assert_eq!(state["input"], json!({"task": "other", "route": "review"}));
    let manifest = read_json(&first.dir.join("manifest.json"));
    assert_eq!(manifest["lineage"]["label"], "retry");
    assert_eq!(
        manifest["lineage"]["inputPatch"],
        json!({"task": "other", "rounds": null})
    );
    assert_eq!(manifest["lineage"]["sandbox"], false);
    assert_eq!(
        manifest["sessions"].as_array().map(Vec::len),
        Some(1),
        "only the session used so far"
    );
    let second_run = Run::open(&first.dir).expect("open fork");
    let second = fork(&second_run, 0, &ForkOptions::default()).expect("fork of fork");
    let manifest = read_json(&second.dir.join("manifest.json"));
    assert_eq!(manifest["lineage"]["parentRunId"], json!(first.run_id));
    let bad = fork(
        &run,
        1,
        &ForkOptions {
            input_patch: Some(json!([1])),
            ..ForkOptions::default()
        },
    );
    assert!(
        matches!(bad, Err(TimeTravelError::InvalidPatch(_))),
        "{bad:?}"
    );
}

#[test]
fn a_rewind_cut_keeps_the_run_id_and_records_the_operation() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = staged(&source, &tmp.path().join("runs"));
    let run = Run::open(&dir).expect("open");
    let dest = tmp.path().join("staging");
    let request = CutRequest {
        run: &run,
        attempt: 4,
        run_id: run.run_id(),
        kind: CutKind::Rewind {
            op_id: "op-1".into(),
        },
        now_ms: 1_800_000_000_000,
    };
    let summary = write_cut(&request, &dest).expect("cut");
    assert_eq!(
        (summary.kept_attempts, summary.next_node.as_deref()),
        (5, Some("decide_more"))
    );
    let manifest = read_json(&dest.join("manifest.json"));
    assert_eq!(manifest["runId"], json!(run.run_id()));
    assert_eq!(manifest["rewound"]["opId"], "op-1");
    assert_eq!(manifest["rewound"]["attemptId"], "review_loop#2");
    let trace = read_ndjson(&dest.join("trace.ndjson"));
    let last = trace.last().expect("events");
    assert_eq!(last["type"], "run_rewound");
    assert_eq!(last["payload"]["previousLastSeq"], json!(run.last_seq()));
    assert_eq!(
        read_json(&dest.join("projections/run.json"))["statusDetail"],
        "Rewound to review_loop#2"
    );
    // The destination must not exist; an existing one is left alone.
    let again = write_cut(&request, &dest);
    assert!(again.is_err());
    assert!(dest.join("manifest.json").is_file());
}

/// A failure late in the cut (the flow copy) removes everything it wrote.
#[test]
fn a_failed_cut_leaves_nothing_behind() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dir = staged(&source, &runs);
    let run = Run::open(&dir).expect("open");
    fs::remove_file(dir.join("flow.json")).expect("rm flow");
    fs::create_dir(dir.join("flow.json")).expect("flow.json as a folder");
    let before: Vec<_> = fs::read_dir(&runs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let err = fork(&run, 2, &ForkOptions::default()).expect_err("the flow cannot be copied");
    assert!(err.to_string().contains("flow.json"), "{err}");
    // The fork's lock lived in reel's state folder `.reel/locks/`; released.
    let after: Vec<_> = fs::read_dir(&runs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n != ".reel")
        .collect();
    assert_eq!(before, after, "no fork and no staging folder is left");
    let locks = fs::read_dir(runs.join(".reel/locks")).map_or(0, |d| d.count());
    assert_eq!(locks, 0, "the fork's lock is released");
}

#[test]
fn cli_fork_preview_json_and_errors() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dir = staged(&source, &runs);
    let arg = dir.to_str().expect("utf8 path");
    let listing = || fs::read_dir(&runs).expect("ls").count();

    let shown = reel_json(["fork", arg, "--at", "classify#1", "--preview", "--json"]);
    assert_eq!(shown["kept"], json!(["load_input#1", "classify#1"]));
    assert_eq!(shown["nextNode"], "review_loop");
    assert_eq!(
        shown["rerun"][2],
        json!({"id": "run_checks", "nodeType": "action", "sideEffects": "shell command"})
    );
    let text = reel(["fork", arg, "--at", "2", "--preview"]);
    assert!(
        text.stdout.contains("⚠ shell command") && text.stdout.contains("next: review_loop"),
        "{}",
        text.describe()
    );
    assert_eq!(listing(), 1, "a preview writes nothing");

    for (at, patch, code, words) in [
        ("nope#9", None, 1, "no attempt"),
        ("999", None, 1, "no attempt"),
        ("2", Some("{bad"), 2, "invalid input patch"),
        ("2", Some("[1]"), 2, "invalid input patch"),
    ] {
        let mut args = vec!["fork", arg, "--at", at];
        args.extend(patch.iter().flat_map(|p| ["--input-patch", *p]));
        let out = reel(&args);
        assert_eq!(out.code, Some(code), "{}", out.describe());
        assert!(out.stderr.contains(words), "{}", out.describe());
        assert_eq!(listing(), 1, "a refused fork writes nothing");
    }

    let made = reel_json(["fork", arg, "--at", "classify#1", "--label", "x", "--json"]);
    assert_eq!(
        made["parentRunId"],
        json!(read_json(&dir.join("manifest.json"))["runId"])
    );
    assert_eq!(
        (made["attemptId"].as_str(), made["nextNode"].as_str()),
        (Some("classify#1"), Some("review_loop"))
    );
    let path = made["path"].as_str().expect("path");
    let show = reel_json(["show", path, "--json"]);
    assert_eq!(show["runId"], made["runId"]);
    assert_eq!(show["attempts"].as_array().map(Vec::len), Some(2));
    let plain = reel(["fork", arg, "--at", "1"]);
    assert!(
        plain.code == Some(0) && plain.stdout.starts_with("forked "),
        "{}",
        plain.describe()
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_runs_folder_is_a_clear_error() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dir = staged(&source, &runs);
    let run = Run::open(&dir).expect("open");
    // Not a skip: a test that cannot set up its case must not look green.
    let guard = ReadOnly::new(&runs).unwrap_or_else(|| {
        panic!("cannot make a folder read-only: neither chmod 0555 nor chattr +i stops this user (root without CAP_LINUX_IMMUTABLE?)")
    });
    let out = reel(["fork", dir.to_str().expect("utf8"), "--at", "2"]);
    let err = fork(&run, 1, &ForkOptions::default()).expect_err("read-only");
    let entries = fs::read_dir(&runs).expect("ls").count();
    drop(guard);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr.contains(runs.to_str().expect("utf8")),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("read-only"),
        "says read-only: {}",
        out.describe()
    );
    assert!(
        matches!(&err, TimeTravelError::ReadOnly { path, .. } if path == &runs),
        "{err:?}"
    );
    assert_eq!(entries, 1, "nothing was created");
}
