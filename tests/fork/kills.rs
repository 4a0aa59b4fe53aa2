//! A fork cut short (issue 9, item 6): killed after any of its steps, it
//! leaves nothing that `validate DIR`, `list`, `tree` or a runId lookup
//! takes for a run, and the next reel command removes what it left. A
//! fork's staging folder is never a run, whatever its contents, unless a
//! live fork still owns it, in which case it is left alone.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reel::model::Run;
use reel::timetravel::fork::{fork_with, ForkOptions, ForkStep};
use reel::timetravel::layout::StateDirs;
use reel::timetravel::lock::{Purpose, RunLock};
use reel::timetravel::TimeTravelError;
use serde_json::Value;

use super::common::*;
use super::staged;

/// Every fault point of a fork, in order (spelled out here, not taken from
/// the library: a missing point must fail the test).
const STEPS: [&str; 11] = [
    "fork_locked",
    "cut_created",
    "cut_trace",
    "cut_sessions",
    "cut_projections",
    "cut_flow",
    "cut_artifact",
    "cut_linked",
    "cut_manifest",
    "cut_synced",
    "fork_published",
];

/// Names directly in `runs`, split into visible and hidden.
fn entries(runs: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let names: Vec<String> = fs::read_dir(runs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let (hidden, visible): (Vec<_>, Vec<_>) = names.into_iter().partition(|n| n.starts_with('.'));
    (visible.into_iter().collect(), hidden.into_iter().collect())
}

/// The folder names `validate DIR`, `list` and `tree` report as runs.
fn reported(runs: &Path) -> [BTreeSet<String>; 3] {
    let name = |p: &str| {
        Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let validate = reel_json(["validate".as_ref(), runs.as_os_str(), "--json".as_ref()]);
    let validated = validate["bundles"].as_array().expect("bundles").iter();
    let validated = validated
        .map(|b| name(b["path"].as_str().unwrap_or("")))
        .collect();
    let list = reel_json(["list".as_ref(), runs.as_os_str(), "--json".as_ref()]);
    let listed = list.as_array().expect("list").iter();
    let listed = listed
        .map(|r| name(r["path"].as_str().unwrap_or("")))
        .collect();
    let tree = reel_json(["tree".as_ref(), runs.as_os_str(), "--json".as_ref()]);
    let mut treed = BTreeSet::new();
    fn walk(node: &Value, out: &mut BTreeSet<String>) {
        out.insert(node["runId"].as_str().unwrap_or("").to_string());
        for child in node["children"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    for root in tree["roots"].as_array().into_iter().flatten() {
        walk(root, &mut treed);
    }
    [validated, listed, treed]
}

fn temps(runs: &Path) -> Vec<String> {
    let (_, hidden) = entries(runs);
    hidden
        .into_iter()
        .filter(|n| n.starts_with(".reel-tmp-"))
        .collect()
}

fn locks_left(runs: &Path) -> usize {
    fs::read_dir(runs.join(".reel/locks")).map_or(0, |d| d.count())
}

#[test]
fn a_fork_killed_after_any_step_leaves_nothing_listed_and_recovery_cleans_up() {
    let source = real_bundle("branching-review");
    for (i, step) in STEPS.iter().enumerate() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let runs = tmp.path().join("runs");
        let dir = staged(&source, &runs);
        let source_name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let status = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(["fork", &dir.to_string_lossy(), "--at", "review_loop#2"])
            .env("REEL_FAULT_AFTER", step)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run reel");
        assert!(!status.success(), "{step}: the fork must die there");
        let published = i == STEPS.len() - 1;
        let (visible, _) = entries(&runs);
        assert_eq!(
            visible.len(),
            1 + usize::from(published),
            "{step}: {visible:?}"
        );
        assert!(visible.contains(&source_name), "{step}");
        let left = temps(&runs);
        assert_eq!(
            left.len(),
            usize::from(!published && i > 0),
            "{step}: {left:?}"
        );
        // Before any recovery (validate does none): nothing half-written.
        let validate = reel_json(["validate".as_ref(), runs.as_os_str(), "--json".as_ref()]);
        assert_eq!(validate["broken"], 0, "{step}: {validate}");
        for tmp_name in &left {
            let suffix = &tmp_name[tmp_name.len() - 8..];
            let by_id = reel(["show", suffix, "--runs-dir", &runs.to_string_lossy()]);
            assert_eq!(by_id.code, Some(1), "{step}: {}", by_id.describe());
            let by_path = reel(["show", &runs.join(tmp_name).to_string_lossy()]);
            assert_eq!(by_path.code, Some(1), "{step}: {}", by_path.describe());
            assert!(
                by_path.stderr.contains("staging folder"),
                "{}",
                by_path.describe()
            );
        }
        // `list` (in `reported`) recovers: the leftovers go.
        for names in reported(&runs) {
            assert_eq!(names, visible, "{step}");
        }
        assert_eq!(temps(&runs), Vec::<String>::new(), "{step}: removed");
        assert_eq!(locks_left(&runs), 0, "{step}: no lock left");
    }
}

/// The leftover of a fork killed by an older reel (or before it wrote a
/// lock), built by hand: a staging folder with a manifest and no artifacts.
fn abandoned(runs: &Path, dir: &Path, id: &str) -> PathBuf {
    let tmp = runs.join(format!(".reel-tmp-{id}"));
    copy_dir(dir, &tmp);
    fs::remove_dir_all(tmp.join("artifacts")).expect("rm artifacts");
    let mut manifest = read_json(&tmp.join("manifest.json"));
    manifest["runId"] = id.into();
    write_json(&tmp.join("manifest.json"), &manifest);
    tmp
}

#[test]
fn a_staging_folder_is_never_a_run_and_is_removed_once_nobody_owns_it() {
    let source = real_bundle("branching-review");
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dir = staged(&source, &runs);
    let source_name = dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let dead_id = "2026-11-23T180000000Z-gen-branching-review-deadbeef";
    let live_id = "2026-11-23T180000000Z-gen-branching-review-cafecafe";
    let dead = abandoned(&runs, &dir, dead_id);
    let live = abandoned(&runs, &dir, live_id);
    let runs_arg = runs.to_string_lossy().into_owned();
    // Nothing lists, resolves or validates them (validate recovers nothing).
    let validate = reel_json(["validate", &runs_arg, "--json"]);
    assert_eq!(
        validate["bundles"].as_array().map(Vec::len),
        Some(1),
        "{validate}"
    );
    for suffix in ["deadbeef", "cafecafe"] {
        let out = reel(["show", suffix, "--runs-dir", &runs_arg]);
        assert_eq!(out.code, Some(1), "{}", out.describe());
        assert!(out.stderr.contains("no run matches"), "{}", out.describe());
    }
    // A live fork owns `live`: recovery leaves it; `dead` goes.
    let held = RunLock::acquire(&StateDirs::new(&runs), live_id, Purpose::Fork).expect("lock");
    let listed = reel(["list", &runs_arg]);
    assert_eq!(listed.code, Some(0), "{}", listed.describe());
    assert!(
        listed.stderr.contains("removed the unfinished fork"),
        "{}",
        listed.describe()
    );
    assert!(!dead.exists(), "abandoned: removed");
    assert!(
        live.join("manifest.json").is_file(),
        "owned by a live fork: kept"
    );
    let expected = BTreeSet::from([source_name]);
    for names in reported(&runs) {
        assert_eq!(names, expected);
    }
    drop(held);
    let tree = reel(["tree", &runs_arg]);
    assert_eq!(tree.code, Some(0), "{}", tree.describe());
    assert!(!live.exists(), "once its owner is gone, removed too");
}

/// In-process failures after each step: the fork cleans up after itself.
#[test]
fn a_fork_failing_after_any_step_cleans_up() {
    let source = real_bundle("branching-review");
    let names: Vec<&str> = ForkStep::all().into_iter().map(ForkStep::name).collect();
    assert_eq!(names, STEPS, "the fault points are the documented ones");
    for step in ForkStep::all() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let runs = tmp.path().join("runs");
        let dir = staged(&source, &runs);
        let run = Run::open(&dir).expect("open");
        let hook = |at: ForkStep| {
            if at == step {
                Err(TimeTravelError::Invalid(format!(
                    "injected after {}",
                    at.name()
                )))
            } else {
                Ok(())
            }
        };
        let result = fork_with(&run, 4, &ForkOptions::default(), Some(&hook));
        assert!(result.is_err(), "{step:?}");
        let (visible, _) = entries(&runs);
        let published = step == ForkStep::Published;
        assert_eq!(
            visible.len(),
            1 + usize::from(published),
            "{step:?}: {visible:?}"
        );
        assert_eq!(temps(&runs), Vec::<String>::new(), "{step:?}");
        assert_eq!(locks_left(&runs), 0, "{step:?}");
    }
}
