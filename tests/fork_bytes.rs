//! A fork copies the source's step records byte for byte: a record written
//! with an escape a re-serialization would drop (`"\u006fk"` for `"ok"`)
//! reaches the fork unchanged, and still means what it says.

mod common;

use std::fs;
use std::path::Path;

use reel::model::Run;
use reel::timetravel::fork::{fork, ForkOptions};
use serde_json::Value;

const RUN_ID: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";

#[test]
fn step_records_reach_the_fork_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(RUN_ID);
    let run_dir = tmp.path().join(RUN_ID);
    common::copy_dir(&source, &run_dir);
    let steps_path = run_dir.join("projections/steps.json");
    let text = fs::read_to_string(&steps_path).expect("steps");
    let escaped = text.replace("\"outcome\": \"ok\"", "\"outcome\": \"\\u006fk\"");
    assert_ne!(escaped, text, "the sample has ok outcomes");
    // Still the same JSON.
    let parsed = |t: &str| serde_json::from_str::<Value>(t).expect("json");
    assert_eq!(parsed(&escaped), parsed(&text));
    fs::write(&steps_path, &escaped).expect("write");

    let run = Run::open(&run_dir).expect("open");
    let last = run.attempts.len() - 1;
    let summary = fork(&run, last, &ForkOptions::default()).expect("fork");
    let forked = fs::read_to_string(summary.dir.join("projections/steps.json")).expect("steps");
    assert_eq!(forked, escaped, "every record kept, every byte as written");
    // The escaped outcomes were read as "ok": the outputs are the source's.
    let outputs =
        |dir: &Path| common::read_json(&dir.join("projections/run.json"))["outputs"].clone();
    assert_eq!(outputs(&summary.dir), outputs(&run_dir));
    assert!(outputs(&run_dir).as_object().is_some_and(|o| !o.is_empty()));
}
