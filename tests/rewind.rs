//! Rewind and undo: byte-identical round trips, the lock, the live guard,
//! confirmation, and crash safety — a failure injected after every
//! filesystem step (in-process) and a real abort of the binary after every
//! step — each followed by recovery, after which the run is either fully
//! old or fully new, the audit log accounts for it, and undo works.

mod common;
#[path = "rewind/locks.rs"]
mod locks;
#[path = "rewind/paths.rs"]
mod paths;
#[path = "rewind/recovery.rs"]
mod recovery_cases;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

use reel::model::Run;
use reel::timetravel::audit::{self, OpState};
use reel::timetravel::layout::StateDirs;
use reel::timetravel::lock::{Purpose, RunLock};
use reel::timetravel::recovery::recover;
use reel::timetravel::rewind::{rewind, undo, RewindOptions, Step};
use reel::timetravel::TimeTravelError;

const RUN_ID: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

/// A fresh runs dir holding a copy of the branching-review sample.
fn runs_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(RUN_ID);
    let run = tmp.path().join(RUN_ID);
    common::copy_dir(&source, &run);
    (tmp, run)
}

/// Every file of a tree: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn options() -> RewindOptions<'static> {
    RewindOptions {
        force: false,
        now_ms: 1_800_000_000_000,
        hook: None,
    }
}

fn attempts(run: &Path) -> Vec<String> {
    let run = Run::open(run).expect("open");
    run.attempts
        .iter()
        .map(|a| run.attempt_id(a).to_string())
        .collect()
}

fn final_states(runs: &Path) -> Vec<(String, OpState)> {
    let records = audit::read_all(runs).expect("audit");
    assert!(
        audit::unfinished(&records).is_empty(),
        "unfinished ops remain: {records:#?}"
    );
    let mut last: BTreeMap<String, OpState> = BTreeMap::new();
    for r in records {
        last.insert(r.op_id, r.state);
    }
    last.into_iter().collect()
}

#[test]
fn rewind_then_undo_restores_the_bundle_byte_for_byte() {
    let (tmp, run) = runs_dir();
    let before = tree(&run);
    let all = attempts(&run);
    let outcome = rewind(&run, "review_loop#2", &options()).expect("rewind");
    assert_eq!(
        attempts(&run),
        all[..5].to_vec(),
        "kept exactly the first five steps"
    );
    assert_eq!(outcome.steps, 5);
    let backup = tree(&outcome.backup);
    assert_eq!(backup, before, "the backup is the complete old bundle");
    let trace = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    assert!(trace
        .lines()
        .last()
        .is_some_and(|l| l.contains("\"run_rewound\"")));
    assert!(!run.join(".reel-op").exists());

    undo(&run, &options()).expect("undo");
    assert_eq!(tree(&run), before, "undo restores every byte");
    let states = final_states(tmp.path());
    assert_eq!(states.len(), 2);
    assert!(states.iter().all(|(_, s)| *s == OpState::Done));
    // The rewound bundle was not lost either: undo kept it as a backup.
    let backups = fs::read_dir(StateDirs::new(tmp.path()).backups_of(RUN_ID))
        .expect("backups")
        .count();
    assert_eq!(
        backups, 1,
        "one backup: the rewound bundle (the old one is back in place)"
    );
}

#[test]
fn a_held_lock_makes_rewind_and_undo_busy() {
    let (tmp, run) = runs_dir();
    let before = tree(&run);
    let _held =
        RunLock::acquire(&StateDirs::new(tmp.path()), RUN_ID, Purpose::Rewind).expect("lock");
    assert!(matches!(
        rewind(&run, "3", &options()),
        Err(TimeTravelError::Busy { .. })
    ));
    assert!(matches!(
        undo(&run, &options()),
        Err(TimeTravelError::Busy { .. })
    ));
    assert_eq!(tree(&run), before);
}

#[test]
fn two_concurrent_rewinds_one_wins_one_is_busy() {
    let (_tmp, run) = runs_dir();
    let inside = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (inside2, release2, run2) = (inside.clone(), release.clone(), run.clone());
    let first = std::thread::spawn(move || {
        let hook = move |at: Step| {
            if at == Step::Staged {
                inside2.wait(); // the operation is mid-flight…
                release2.wait(); // …until the other rewind has been refused
            }
            Ok(())
        };
        let options = RewindOptions {
            force: false,
            now_ms: 1_800_000_000_000,
            hook: Some(&hook),
        };
        rewind(&run2, "3", &options).map(|o| o.steps)
    });
    inside.wait();
    let second = rewind(&run, "2", &options());
    release.wait();
    assert!(
        matches!(second, Err(TimeTravelError::Busy { .. })),
        "{second:?}"
    );
    assert_eq!(first.join().expect("thread").expect("first rewind"), 3);
    assert_eq!(attempts(&run).len(), 3);
}

/// A failure injected right after `step`, then recovery.
fn interrupted_after(step: Step) {
    let (tmp, run) = runs_dir();
    let before = tree(&run);
    let hook = |at: Step| {
        if at == step {
            Err(TimeTravelError::Invalid(format!(
                "injected after {}",
                at.name()
            )))
        } else {
            Ok(())
        }
    };
    let options = RewindOptions {
        force: false,
        now_ms: 1_800_000_000_000,
        hook: Some(&hook),
    };
    assert!(rewind(&run, "review_loop#1", &options).is_err());
    let recovered = recover(tmp.path()).expect("recover");
    assert_eq!(
        recovered.len(),
        1,
        "after {step:?}: one operation to settle"
    );
    check_settled(tmp.path(), &run, &before, step);
}

/// After recovery: the run is fully old or fully new, nothing is left in
/// staging, the audit log has a final record, and undo gets the old back.
fn check_settled(
    runs: &Path,
    run: &Path,
    before: &BTreeMap<String, Vec<u8>>,
    step: impl std::fmt::Debug,
) {
    let states = final_states(runs);
    assert_eq!(states.len(), 1, "{step:?}: {states:?}");
    let staging = StateDirs::new(runs).root().join("staging");
    let leftovers = fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "{step:?}: staging must be empty");
    assert!(
        !run.join(".reel-op").exists(),
        "{step:?}: marker left in the run"
    );
    match states[0].1 {
        OpState::RolledBack => {
            assert_eq!(&tree(run), before, "{step:?}: rolled back means untouched")
        }
        OpState::Done => {
            assert_eq!(
                attempts(run).len(),
                3,
                "{step:?}: the new bundle is complete"
            );
            let backup = reel::timetravel::rewind::latest_backup(&StateDirs::new(runs), RUN_ID)
                .expect("backup");
            assert_eq!(
                &tree(&backup),
                before,
                "{step:?}: the backup is the old bundle"
            );
            undo(run, &options()).expect("undo after recovery");
            assert_eq!(&tree(run), before, "{step:?}: undo restores the old bundle");
        }
        OpState::InProgress => unreachable!("final_states checked"),
    }
}

#[test]
fn an_interruption_after_any_step_recovers_to_old_or_new() {
    for step in Step::ALL {
        interrupted_after(step);
    }
}

#[test]
fn a_killed_rewind_process_recovers_to_old_or_new() {
    for step in Step::ALL {
        let (tmp, run) = runs_dir();
        let before = tree(&run);
        let status = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args([
                "rewind",
                &run.to_string_lossy(),
                "--to",
                "review_loop#1",
                "--yes",
            ])
            .env("REEL_FAULT_AFTER", step.name())
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run reel");
        assert!(
            !status.success(),
            "{step:?}: the process must die at the fault point"
        );
        // The next reel command on the folder finishes or rolls back.
        let audit = common::reel(["audit", &tmp.path().to_string_lossy()]);
        assert_eq!(audit.code, Some(0), "{step:?}");
        check_settled(tmp.path(), &run, &before, step);
    }
}

#[test]
fn a_live_run_is_refused_unless_forced() {
    let (_tmp, run) = runs_dir();
    // Make it look like a writer is still at it: status running, no end
    // event, a heartbeat a second ago.
    let now = options().now_ms;
    let trace = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    let kept: Vec<&str> = trace
        .lines()
        .filter(|l| !l.contains("\"run_completed\""))
        .collect();
    fs::write(run.join("trace.ndjson"), kept.join("\n") + "\n").expect("write");
    for file in ["manifest.json", "projections/live.json"] {
        let path = run.join(file);
        let mut value: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        value["status"] = "running".into();
        value["updatedAt"] = reel::bundle::timestamp::format_iso_millis(now - 1000).into();
        fs::write(&path, value.to_string()).expect("write");
    }
    let before = tree(&run);
    assert!(matches!(
        rewind(&run, "2", &options()),
        Err(TimeTravelError::Live { .. })
    ));
    assert_eq!(tree(&run), before);
    let forced = RewindOptions {
        force: true,
        ..options()
    };
    assert_eq!(rewind(&run, "2", &forced).expect("forced").steps, 2);
}

#[test]
fn cli_needs_confirmation_and_reports_distinct_exit_codes() {
    let (tmp, run) = runs_dir();
    let before = tree(&run);
    let path = run.to_string_lossy().into_owned();
    let unconfirmed = common::reel(["rewind", &path, "--to", "2"]);
    assert_eq!(
        unconfirmed.code,
        Some(3),
        "stdin is not a terminal: confirmation needed"
    );
    assert_eq!(tree(&run), before);

    let unknown = common::reel(["rewind", &path, "--to", "nope#9", "--yes"]);
    assert_eq!(unknown.code, Some(1));
    let beyond = common::reel(["rewind", &path, "--to", "999", "--yes"]);
    assert_eq!(beyond.code, Some(1));

    {
        let _held =
            RunLock::acquire(&StateDirs::new(tmp.path()), RUN_ID, Purpose::Rewind).expect("lock");
        let busy = common::reel(["rewind", &path, "--to", "2", "--yes"]);
        assert_eq!(busy.code, Some(4));
    }
    let nothing = common::reel(["undo", &path, "--yes"]);
    assert_eq!(nothing.code, Some(1), "no backup yet");
    assert_eq!(tree(&run), before);

    let done = common::reel(["rewind", &path, "--to", "2", "--yes", "--json"]);
    assert_eq!(done.code, Some(0));
    let json = done.json();
    assert_eq!(json["steps"], 2);
    let undone = common::reel(["undo", &path, "--yes"]);
    assert_eq!(undone.code, Some(0));
    assert_eq!(tree(&run), before);
    let log = common::reel(["audit", &tmp.path().to_string_lossy(), "--json"]);
    let log = log.json();
    assert_eq!(
        log["records"].as_array().map(Vec::len),
        Some(4),
        "two ops, two records each"
    );
}
