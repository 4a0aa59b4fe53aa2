//! `reel backups` and `reel gc`: listing with sizes (checked against a walk
//! of the folders), JSON, sanitized names, the preview and refusal off a
//! terminal, `--keep`, a RUN scope, and a gc killed after each of its steps
//! that the next command finishes without losing a kept backup.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reel::timetravel::audit;
use reel::timetravel::gc::GcStep;
use reel::timetravel::layout::StateDirs;
use reel::timetravel::rewind::{rewind, RewindOptions};
use serde_json::Value;

const RUN_ID: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
const OTHER_ID: &str = "2026-11-23T162933442Z-gen-shell-basic-7986c8cd";

fn copy_run(runs: &Path, id: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(id);
    let run = runs.join(id);
    common::copy_dir(&source, &run);
    run
}

/// A runs folder whose branching-review run has three backups (three
/// rewinds, one op id apart in time) and whose shell run has one.
fn runs_with_backups() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run(tmp.path(), RUN_ID);
    let other = copy_run(tmp.path(), OTHER_ID);
    for (i, to) in ["8", "6", "4"].iter().enumerate() {
        let options = RewindOptions {
            force: false,
            now_ms: 1_800_000_000_000 + i as i64 * 1000,
            hook: None,
        };
        rewind(&run, to, &options).expect("rewind");
    }
    let options = RewindOptions {
        force: false,
        now_ms: 1_800_000_000_000,
        hook: None,
    };
    rewind(&other, "1", &options).expect("rewind");
    tmp
}

/// Backup folders of a run, oldest first (op ids sort by time).
fn backup_ids(runs: &Path, run_id: &str) -> Vec<String> {
    let dir = StateDirs::new(runs).backups_of(run_id);
    let mut ids: Vec<String> = fs::read_dir(dir)
        .map(|read| {
            read.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Every file of a tree: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("inside");
                out.insert(
                    rel.to_string_lossy().into_owned(),
                    fs::read(&path).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn total_bytes(dir: &Path) -> u64 {
    tree(dir).values().map(|b| b.len() as u64).sum()
}

fn reel_in(runs: &Path, args: &[&str]) -> common::Output {
    let mut all = vec!["--runs-dir", runs.to_str().expect("utf8")];
    all.extend_from_slice(args);
    common::reel(&all)
}

fn json(out: &common::Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn backups_are_listed_with_their_sizes() {
    let tmp = runs_with_backups();
    let runs = tmp.path();
    let out = reel_in(runs, &["backups", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let listed = json(&out);
    let backups = listed["backups"].as_array().expect("backups");
    assert_eq!(backups.len(), 4);
    let dirs = StateDirs::new(runs);
    let mut sum = 0;
    for backup in backups {
        let (run, op) = (
            backup["runId"].as_str().expect("runId"),
            backup["opId"].as_str().expect("opId"),
        );
        let bytes = total_bytes(&dirs.backup(run, op));
        assert_eq!(backup["bytes"], bytes, "{run}/{op}");
        assert_eq!(backup["op"], "rewind");
        assert_eq!(backup["runExists"], true);
        sum += bytes;
    }
    assert_eq!(listed["bytes"], sum);
    let ids: Vec<&str> = backups
        .iter()
        .filter(|b| b["runId"] == RUN_ID)
        .map(|b| b["opId"].as_str().expect("opId"))
        .collect();
    assert_eq!(ids, backup_ids(runs, RUN_ID), "oldest first");

    let one = reel_in(runs, &["backups", "432a4eb8"]);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    assert!(one.stdout.contains(RUN_ID) && !one.stdout.contains(OTHER_ID));
    assert_eq!(one.stdout.matches("before rewind to").count(), 3);
}

#[test]
fn hostile_backup_names_are_shown_inert() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path();
    copy_run(runs, RUN_ID);
    let evil = StateDirs::new(runs)
        .backups_of("run\u{1b}[2Jx")
        .join("op\u{1b}]0;title\u{7}");
    fs::create_dir_all(&evil).expect("mkdir");
    fs::write(evil.join("manifest.json"), "{}").expect("write");
    for args in [
        &["backups"][..],
        &["backups", "--json"],
        &["gc", "--keep", "0"],
    ] {
        let out = reel_in(runs, args);
        assert!(!out.stdout.contains('\u{1b}'), "{args:?}: {:?}", out.stdout);
        assert!(!out.stderr.contains('\u{1b}'), "{args:?}: {:?}", out.stderr);
        assert!(!out.stdout.contains('\u{7}'), "{args:?}");
    }
    assert!(evil.is_dir(), "nothing was removed without --yes");
}

#[test]
fn gc_previews_and_refuses_off_a_terminal() {
    let tmp = runs_with_backups();
    let runs = tmp.path();
    let before = tree(&runs.join(".reel/backups"));
    let out = reel_in(runs, &["gc", "--keep", "1"]);
    assert_eq!(out.code, Some(3), "{}", out.combined());
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    let old = backup_ids(runs, RUN_ID);
    for id in &old[..2] {
        assert!(out.stdout.contains(id.as_str()), "{id} in {}", out.stdout);
    }
    assert!(!out.stdout.contains(old[2].as_str()), "the newest is kept");
    assert!(out.stdout.contains("freeing"), "{}", out.stdout);
    let preview = reel_in(runs, &["gc", "--keep", "1", "--json"]);
    assert_eq!(preview.code, Some(3));
    let plan = json(&preview);
    assert_eq!(plan["done"], false);
    let removing: Vec<&str> = plan["remove"]
        .as_array()
        .expect("remove")
        .iter()
        .map(|b| b["opId"].as_str().expect("opId"))
        .collect();
    assert_eq!(removing, old[..2].to_vec());
    assert_eq!(tree(&runs.join(".reel/backups")), before, "nothing changed");
}

#[test]
fn gc_keeps_the_newest_of_each_run() {
    let tmp = runs_with_backups();
    let runs = tmp.path();
    let dirs = StateDirs::new(runs);
    let old = backup_ids(runs, RUN_ID);
    let newest = tree(&dirs.backup(RUN_ID, &old[2]));
    let other = backup_ids(runs, OTHER_ID);
    let out = reel_in(runs, &["gc", "--keep", "1", "--yes", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.combined());
    let done = json(&out);
    assert_eq!(done["done"], true);
    assert_eq!(done["removed"], serde_json::json!(old[..2]));
    assert!(done["freedBytes"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(backup_ids(runs, RUN_ID), old[2..].to_vec());
    assert_eq!(
        tree(&dirs.backup(RUN_ID, &old[2])),
        newest,
        "kept as it was"
    );
    assert_eq!(backup_ids(runs, OTHER_ID), other, "one per run is kept");
    let records = audit::read_all(runs).expect("audit");
    assert!(audit::unfinished(&records).is_empty());
    assert!(records.iter().any(|r| r.op == "gc"));
    assert!(!runs.join(".reel/trash").exists() || tree(&runs.join(".reel/trash")).is_empty());
    // Only one run's, and all of them.
    let out = reel_in(runs, &["gc", OTHER_ID, "--keep", "0", "--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.combined());
    assert!(backup_ids(runs, OTHER_ID).is_empty());
    assert_eq!(backup_ids(runs, RUN_ID), old[2..].to_vec());
    let again = reel_in(runs, &["gc", "--keep", "1"]);
    assert_eq!(
        again.code,
        Some(0),
        "nothing to remove needs no confirmation"
    );
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_killed_gc_is_finished_and_loses_nothing_kept() {
    for step in GcStep::ALL {
        let tmp = runs_with_backups();
        let runs = tmp.path();
        let dirs = StateDirs::new(runs);
        let old = backup_ids(runs, RUN_ID);
        let kept = tree(&dirs.backup(RUN_ID, &old[2]));
        let run_before = tree(&runs.join(RUN_ID));
        let other = backup_ids(runs, OTHER_ID);
        let status = Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(["--runs-dir", runs.to_str().expect("utf8")])
            .args(["gc", RUN_ID, "--keep", "1", "--yes"])
            .env("REEL_FAULT_AFTER", step.name())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run reel");
        assert!(!status.success(), "{step:?}: the process dies there");
        // The next command finishes the gc it finds in the audit log.
        let out = reel_in(runs, &["backups", "--json"]);
        assert_eq!(out.code, Some(0), "{step:?}: {}", out.stderr);
        assert_eq!(backup_ids(runs, RUN_ID), old[2..].to_vec(), "{step:?}");
        assert_eq!(tree(&dirs.backup(RUN_ID, &old[2])), kept, "{step:?}");
        assert_eq!(backup_ids(runs, OTHER_ID), other, "{step:?}");
        assert_eq!(tree(&runs.join(RUN_ID)), run_before, "{step:?}");
        let trash = runs.join(".reel/trash");
        assert!(
            !trash.exists() || fs::read_dir(&trash).expect("trash").count() == 0,
            "{step:?}: the trash is emptied"
        );
        let records = audit::read_all(runs).expect("audit");
        assert!(audit::unfinished(&records).is_empty(), "{step:?}");
    }
}
