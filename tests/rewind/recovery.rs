//! Recovery under faults (issue 9, item 8 and the siblings): `reel list`
//! recovers too, messages say what the audit log says (finished or rolled
//! back), and the log, markers and staging folders are read as untrusted —
//! garbage lines, planted records, FIFOs — without hanging, failing for
//! good, or touching anything outside reel's own state.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::common::{copy_dir, read_ndjson, reel, reel_in};
use super::{attempts, final_states, runs_dir, tree, RUN_ID};

/// A `reel rewind` of the sample aborted right after `step`.
fn killed_rewind(runs: &Path, step: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["rewind", RUN_ID, "--to", "review_loop#1", "--yes"])
        .current_dir(runs)
        .env("REEL_FAULT_AFTER", step)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run reel");
    assert!(!status.success(), "{step}: the process must die there");
}

/// The final state the audit log records for each op, read from the file.
fn logged_states(runs: &Path) -> Vec<String> {
    let mut last: Vec<(String, String)> = Vec::new();
    for record in read_ndjson(&runs.join(".reel/audit.ndjson")) {
        let op = record["opId"].as_str().unwrap_or("").to_string();
        let state = record["state"].as_str().unwrap_or("").to_string();
        match last.iter_mut().find(|(o, _)| *o == op) {
            Some(slot) => slot.1 = state,
            None => last.push((op, state)),
        }
    }
    last.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn reel_list_recovers_and_says_rolled_back_or_finished_as_logged() {
    for (step, logged, said) in [
        (
            "staged",
            "rolled_back",
            "rolled back the interrupted rewind",
        ),
        ("swapped", "done", "finished the interrupted rewind"),
    ] {
        for command in [vec!["list", "."], vec!["."]] {
            let (tmp, run) = runs_dir();
            killed_rewind(tmp.path(), step);
            let out = reel_in(tmp.path(), &[], &command);
            assert_eq!(out.code, Some(0), "{}", out.describe());
            assert!(out.stderr.contains(said), "{step}: {}", out.describe());
            let other = if logged == "done" {
                "rolled back"
            } else {
                "finished"
            };
            assert!(!out.stderr.contains(other), "{step}: {}", out.describe());
            assert_eq!(logged_states(tmp.path()), [logged], "{step}");
            final_states(tmp.path());
            assert!(!run.join(".reel-op").exists());
            let staging = fs::read_dir(tmp.path().join(".reel/staging")).map_or(0, |d| d.count());
            assert_eq!(staging, 0, "{step}: staging is empty");
        }
    }
}

/// Records naming paths outside reel's state, as a hostile or corrupted
/// log could: recovery must act on none of them.
#[test]
fn planted_audit_records_touch_nothing_outside_reels_state() {
    let (tmp, run) = runs_dir();
    let runs = tmp.path();
    let victim = runs.join("2026-11-23T170000000Z-victim-0000aaaa");
    copy_dir(&run, &victim);
    let outside = runs.join("../outside-of-runs");
    fs::create_dir_all(outside.join("inner")).expect("mkdir");
    fs::write(outside.join("inner/file"), b"x").expect("write");
    let (run_before, victim_before) = (tree(&run), tree(&victim));
    let victim_name = victim.file_name().and_then(|n| n.to_str()).expect("name");
    // The run carries a marker for an op, as if that op had swapped in.
    fs::write(run.join(".reel-op"), b"X1").expect("marker");
    let at = "2026-11-23T18:00:00.000Z";
    let records = [
        json!({"opId": format!("../../{victim_name}"), "op": "rewind", "runId": RUN_ID,
               "state": "in_progress", "at": at,
               "backup": format!(".reel/backups/{RUN_ID}/../../{victim_name}")}),
        json!({"opId": "X1", "op": "undo", "runId": RUN_ID, "state": "in_progress", "at": at,
               "backup": format!(".reel/backups/{RUN_ID}/X1"), "restoring": victim_name}),
        json!({"opId": "X2", "op": "rewind", "runId": "../outside-of-runs", "state": "in_progress",
               "at": at, "backup": ".reel/backups/../outside-of-runs/X2"}),
        json!({"opId": "X3", "op": "rm -rf", "runId": RUN_ID, "state": "in_progress", "at": at,
               "backup": format!(".reel/backups/{RUN_ID}/X3")}),
    ];
    // As after any earlier rewind, so `.reel/staging/../..` resolves.
    fs::create_dir_all(runs.join(".reel/staging")).expect("mkdir");
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    fs::write(runs.join(".reel/audit.ndjson"), text).expect("write log");

    let out = reel(["audit", &runs.to_string_lossy()]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    fs::remove_file(run.join(".reel-op")).expect("the planted marker is still there");
    assert_eq!(tree(&victim), victim_before, "the other run is untouched");
    assert_eq!(tree(&run), run_before, "the run is untouched");
    assert_eq!(
        fs::read(outside.join("inner/file")).ok(),
        Some(b"x".to_vec())
    );
    // And they do not block real work.
    let rewind = reel_in(runs, &[], ["rewind", RUN_ID, "--to", "2", "--yes"]);
    assert_eq!(rewind.code, Some(0), "{}", rewind.describe());
    assert_eq!(attempts(&run).len(), 2);
    fs::remove_dir_all(&outside).expect("cleanup");
}

#[test]
fn a_garbage_audit_log_does_not_stop_rewinds() {
    let (tmp, run) = runs_dir();
    let done = json!({"opId": "20261123T180000000Z-00000000", "op": "rewind", "runId": RUN_ID,
                      "state": "done", "at": "2026-11-23T18:00:00.000Z"});
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"\xff\xfe not UTF-8 \x80\n");
    bytes.extend_from_slice(b"[1, 2, 3]\n\n   \n");
    bytes.extend_from_slice(format!("{done}\n").as_bytes());
    bytes.extend_from_slice(br#"{"opId": "torn", "op": "rew"#);
    fs::create_dir_all(tmp.path().join(".reel")).expect("mkdir");
    fs::write(tmp.path().join(".reel/audit.ndjson"), &bytes).expect("write");
    let out = reel_in(tmp.path(), &[], ["rewind", RUN_ID, "--to", "2", "--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(attempts(&run).len(), 2);
    let log = reel_in(tmp.path(), &[], ["audit", ".", "--json"]);
    assert_eq!(log.code, Some(0), "{}", log.describe());
    let records = log.json()["records"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(records.len(), 3, "the done record, then this rewind's two");
    assert_eq!(records[0]["opId"], done["opId"]);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "mkfifo {}",
        path.display()
    );
}

/// A FIFO where reel expects its log or a marker would block a reader
/// forever; nothing may hang on one.
#[cfg(unix)]
#[test]
fn fifos_in_place_of_the_log_or_a_marker_never_hang() {
    let (tmp, run) = runs_dir();
    fs::create_dir_all(tmp.path().join(".reel")).expect("mkdir");
    mkfifo(&tmp.path().join(".reel/audit.ndjson"));
    for args in [vec!["list", "."], vec!["tree", "."], vec!["."]] {
        let out = reel_in(tmp.path(), &[], &args);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(out.stdout.contains("432a4eb8"), "{}", out.describe());
    }
    let rewind = reel_in(tmp.path(), &[], ["rewind", RUN_ID, "--to", "2", "--yes"]);
    assert_eq!(rewind.code, Some(1), "{}", rewind.describe());
    assert!(
        rewind.stderr.contains("audit.ndjson"),
        "{}",
        rewind.describe()
    );
    assert_eq!(attempts(&run).len(), 9, "nothing changed");

    // A marker FIFO in the run, with an op to settle.
    fs::remove_file(tmp.path().join(".reel/audit.ndjson")).expect("rm fifo");
    let op = "20261123T180000000Z-11111111";
    let record = json!({"opId": op, "op": "rewind", "runId": RUN_ID, "state": "in_progress",
                        "at": "2026-11-23T18:00:00.000Z",
                        "backup": format!(".reel/backups/{RUN_ID}/{op}")});
    fs::write(tmp.path().join(".reel/audit.ndjson"), format!("{record}\n")).expect("log");
    mkfifo(&run.join(".reel-op"));
    let envs: [(&str, &OsStr); 0] = [];
    let audit = reel_in(tmp.path(), &envs, ["audit", "."]);
    assert_eq!(audit.code, Some(0), "{}", audit.describe());
    assert!(audit.stderr.contains("rolled back"), "{}", audit.describe());
}

#[test]
fn staging_folders_no_operation_owns_are_removed_unless_they_may_be_the_only_copy() {
    let (tmp, run) = runs_dir();
    let staging = tmp.path().join(".reel/staging");
    let partial = staging.join("20261123T180000000Z-22222222");
    fs::create_dir_all(partial.join("sessions")).expect("mkdir");
    fs::write(partial.join("trace.ndjson"), b"{}\n").expect("write");
    // A whole bundle with no record: perhaps an old bundle swapped out.
    let whole = staging.join("20261123T180000000Z-33333333");
    copy_dir(&run, &whole);
    let out = reel_in(tmp.path(), &[], ["list", "."]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(!partial.exists(), "a partial cut nobody owns is removed");
    assert!(
        whole.join("manifest.json").is_file(),
        "a whole bundle is kept"
    );
    assert!(
        out.stderr
            .contains("removed the abandoned rewind staging folder"),
        "{}",
        out.describe()
    );
    let listed: Value = reel_in(tmp.path(), &[], ["list", ".", "--json"]).json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "staging is never a run"
    );
}
