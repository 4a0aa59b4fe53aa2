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

/// `run.json`'s steps in a fork are the kept step records, whether the
/// source's `run.json` holds them exactly as its `steps.json` does (then
/// they are copied from it), lags a record behind, or lays them out
/// otherwise: the same bytes every time, as `JSON.stringify` lays them out.
#[test]
fn run_json_steps_are_the_kept_records_however_the_source_holds_them() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(RUN_ID);
    let run_json = |dir: &Path| dir.join("projections/run.json");
    let original = common::read_json(&run_json(&source));
    let mut lagging = original.clone();
    let steps = lagging["steps"].as_array_mut().expect("steps");
    assert!(steps.len() > 1, "the sample has step records");
    steps.pop();
    let variants = [
        ("as recorded", None),
        ("a record behind", Some(pretty(&lagging))),
        (
            "compact",
            Some(serde_json::to_string(&original).expect("json")),
        ),
    ];
    let options = ForkOptions {
        run_id: Some("2026-12-01T000000000Z-fork-bytes-00000000".into()),
        now_ms: 1_764_547_200_000,
        ..ForkOptions::default()
    };
    let mut forks = Vec::new();
    for (what, text) in variants {
        let tmp = tempfile::tempdir().expect("tempdir");
        let run_dir = tmp.path().join(RUN_ID);
        common::copy_dir(&source, &run_dir);
        if let Some(text) = text {
            fs::write(run_json(&run_dir), text).expect("write");
        }
        let run = Run::open(&run_dir).expect("open");
        let summary = fork(&run, run.attempts.len() - 1, &options).expect(what);
        let forked = fs::read_to_string(run_json(&summary.dir)).expect("run.json");
        let value: Value = serde_json::from_str(&forked).expect("json");
        let kept = common::read_json(&summary.dir.join("projections/steps.json"));
        assert_eq!(value["steps"], kept, "{what}: the kept records");
        assert_eq!(
            kept,
            common::read_json(&source.join("projections/steps.json"))
        );
        assert_eq!(forked, pretty(&value), "{what}: laid out as JSON.stringify");
        forks.push((what, forked));
    }
    for (what, forked) in &forks[1..] {
        assert_eq!(forked, &forks[0].1, "{what}");
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("json") + "\n"
}
