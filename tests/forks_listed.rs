//! Forks can be told apart from their parents in `reel list` (and so in
//! the browser, which shows the same summary): by their label, or as the
//! fork of their parent at a step, and by when they were made.

mod common;

use std::fs;
use std::path::Path;

use common::{copy_dir, reel};
use serde_json::Value;

const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

#[test]
fn a_fork_is_listed_by_its_label_and_parent_and_when_it_was_made() {
    let temp = tempfile::tempdir().expect("tempdir");
    let runs = temp.path().join("runs");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &runs.join(SAMPLE),
    );
    let run = runs.join(SAMPLE);
    let labelled = reel([
        "fork".as_ref(),
        run.as_os_str(),
        "--at".as_ref(),
        "review_loop#2".as_ref(),
        "--label".as_ref(),
        "stricter reviewer".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(labelled.code, Some(0), "{}", labelled.describe());
    let plain = reel([
        "fork".as_ref(),
        run.as_os_str(),
        "--at".as_ref(),
        "3".as_ref(),
    ]);
    assert_eq!(plain.code, Some(0), "{}", plain.describe());
    let fork_dir = labelled.json()["path"].as_str().expect("path").to_string();
    let manifest: Value =
        serde_json::from_slice(&fs::read(Path::new(&fork_dir).join("manifest.json")).expect("m"))
            .expect("json");
    let created = manifest["lineage"]["createdAt"]
        .as_str()
        .expect("createdAt");

    let out = reel(["list".as_ref(), runs.as_os_str()]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let text = out.stdout;
    assert!(
        text.contains("⑂ stricter reviewer (fork of 432a4eb8 at review_loop#2)"),
        "{text}"
    );
    assert!(
        text.contains("⑂ fork of 432a4eb8 at review_loop#1: Review: fix flaky login test"),
        "{text}"
    );
    let fork_line = text
        .lines()
        .find(|l| l.contains("stricter"))
        .expect("the fork row");
    assert!(
        fork_line.contains(created),
        "listed at its creation: {fork_line}"
    );

    let listed = reel(["list".as_ref(), runs.as_os_str(), "--json".as_ref()]).json();
    let labels: Vec<&str> = listed
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["lineage"]["label"].as_str())
        .collect();
    assert_eq!(labels, ["stricter reviewer"]);
}

#[test]
fn a_lineage_of_the_wrong_shape_leaves_the_run_readable() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = temp.path().join(SAMPLE);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &run,
    );
    let path = run.join("manifest.json");
    let mut manifest: Value =
        serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
    manifest["lineage"] = Value::from(5);
    fs::write(&path, manifest.to_string()).expect("write");
    let out = reel(["show".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
}
