//! Fork, rewind and undo index a run at most once: each `Bundle::open`
//! (which indexes a whole trace) is counted per thread, and the CLI logs the
//! count of its process in its `end` line.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use reel::bundle::opens_on_this_thread;
use reel::model::Run;
use reel::timetravel::fork::{fork, ForkOptions};
use reel::timetravel::rewind::{lock_run, rewind, undo, RewindOptions};

const RUN_ID: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

fn runs_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(RUN_ID);
    let run = tmp.path().join(RUN_ID);
    common::copy_dir(&source, &run);
    (tmp, run)
}

fn options() -> RewindOptions<'static> {
    RewindOptions {
        force: false,
        now_ms: 1_800_000_000_000,
        hook: None,
    }
}

/// Bundle opens on this thread while `f` runs.
fn opens_during<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = opens_on_this_thread();
    let value = f();
    (value, opens_on_this_thread() - before)
}

fn attempt_ids(dir: &Path) -> Vec<String> {
    let run = Run::open(dir).expect("open");
    run.attempts
        .iter()
        .map(|a| run.attempt_id(a).to_string())
        .collect()
}

#[test]
fn the_counter_counts_each_open() {
    let (_tmp, run) = runs_dir();
    let (_, opened) = opens_during(|| {
        Run::open(&run).expect("open");
        Run::open(&run).expect("open");
    });
    assert_eq!(opened, 2);
}

#[test]
fn rewind_opens_once_and_undo_never() {
    let (_tmp, run) = runs_dir();
    let (outcome, opened) = opens_during(|| rewind(&run, "3", &options()).expect("rewind"));
    assert_eq!(opened, 1, "rewind indexes the run once");
    assert_eq!(outcome.steps, 3);
    let (outcome, opened) = opens_during(|| undo(&run, &options()).expect("undo"));
    assert_eq!(opened, 0, "undo swaps folders without indexing");
    let restored = attempt_ids(&run).len();
    assert_eq!(outcome.steps, restored, "the restored step count");
    assert!(restored > 3);
}

#[test]
fn a_rewind_reuses_a_loaded_run_while_it_is_current() {
    let (_tmp, run) = runs_dir();
    let loaded = Run::open(&run).expect("open");
    let (outcome, opened) = opens_during(|| {
        lock_run(&run, Some(&loaded))
            .and_then(|locked| locked.rewind("4", &options()))
            .expect("rewind")
    });
    assert_eq!(opened, 0, "the run on screen was still current");
    assert_eq!(outcome.steps, 4);
    // `loaded` now describes the bundle before the rewind: stale, so the
    // next rewind opens the folder again, and cuts what is there now.
    let (outcome, opened) = opens_during(|| {
        lock_run(&run, Some(&loaded))
            .and_then(|locked| locked.rewind("2", &options()))
            .expect("rewind")
    });
    assert_eq!(opened, 1, "a stale run is not trusted");
    assert_eq!(outcome.steps, 2);
    assert_eq!(
        attempt_ids(&run),
        attempt_ids(&outcome.backup)[..2].to_vec()
    );
}

#[test]
fn a_fork_of_an_opened_run_opens_nothing_more() {
    let (_tmp, run) = runs_dir();
    let loaded = Run::open(&run).expect("open");
    let (summary, opened) =
        opens_during(|| fork(&loaded, 2, &ForkOptions::default()).expect("fork"));
    assert_eq!(opened, 0);
    assert_eq!(attempt_ids(&summary.dir), attempt_ids(&run)[..3].to_vec());
}

/// The `bundle_opens` of the CLI's `end` log line.
fn logged_opens(log: &Path) -> u64 {
    let text = fs::read_to_string(log).expect("log");
    let end = text
        .lines()
        .rfind(|l| l.contains(" end") && l.contains("bundle_opens="))
        .unwrap_or_else(|| panic!("no end line in {text}"));
    end.split("bundle_opens=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {end}"))
}

#[test]
fn the_cli_loads_once_for_fork_and_rewind_and_never_for_undo() {
    let (tmp, run) = runs_dir();
    let log = tmp.path().join("reel.log");
    let run_arg = run.to_string_lossy().into_owned();
    let log_arg = log.to_string_lossy().into_owned();
    let cases: [(&[&str], u64); 3] = [
        (&["fork", &run_arg, "--at", "3"], 1),
        (&["rewind", &run_arg, "--to", "3", "--yes"], 1),
        (&["undo", &run_arg, "--yes"], 0),
    ];
    for (args, expected) in cases {
        let _ = fs::remove_file(&log);
        let mut all = vec!["--log", log_arg.as_str()];
        all.extend_from_slice(args);
        let out = common::reel(&all);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert_eq!(logged_opens(&log), expected, "{args:?}");
    }
}
