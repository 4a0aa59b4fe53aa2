//! `reel list` counts each run's steps from the trace index, loaded from
//! its snapshot when the run was opened before (a large run is not indexed
//! again at every listing). What it prints must be what a fresh index
//! gives, whatever happened to the trace since the snapshot: appended to
//! (snapshot + tail), or cut shorter (the snapshot is refused).

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use common::{reel_in, Output};
use reel::synth::{write_bundle, SynthSpec};

/// `list --json` of `runs`, with the cache in `cache` (or none), logging
/// at debug level to `log`.
fn list(runs: &Path, cache: Option<&Path>, log: &Path) -> Output {
    let _ = fs::remove_file(log);
    let mut envs: Vec<(&str, &OsStr)> = vec![
        ("REEL_LOG", log.as_os_str()),
        ("REEL_LOG_LEVEL", OsStr::new("debug")),
    ];
    match cache {
        Some(dir) => {
            envs.push(("XDG_CACHE_HOME", dir.as_os_str()));
            envs.push(("REEL_INDEX_CACHE_MIN_BYTES", OsStr::new("0")));
        }
        None => envs.push(("REEL_NO_INDEX_CACHE", OsStr::new("1"))),
    }
    let out = reel_in(runs, &envs, ["list", ".", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out
}

fn logged(log: &Path, message: &str) -> bool {
    fs::read_to_string(log).is_ok_and(|text| text.contains(message))
}

const LOADED: &str = "trace index loaded from its snapshot";
const SAVED: &str = "trace index snapshot saved";

#[test]
fn list_serves_step_counts_from_snapshots_and_never_a_stale_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let spec = SynthSpec {
        attempts: 400,
        ..SynthSpec::default()
    };
    let summary = write_bundle(&runs, &spec).expect("synth");
    let trace_path = summary.dir.join("trace.ndjson");
    let whole = fs::read(&trace_path).expect("trace");
    // Cut at a newline in the middle, and at one a quarter in.
    let cut = |fraction: usize| {
        let at = whole.len() / fraction;
        at + whole[at..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("a newline")
            + 1
    };
    let (half, quarter) = (cut(2), cut(4));
    let (cache, log) = (tmp.path().join("cache"), tmp.path().join("reel.log"));
    let attempts = |out: &Output| {
        let listed: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        listed[0]["attempts"].as_u64().expect("a step count")
    };

    fs::write(&trace_path, &whole[..half]).expect("write half");
    let fresh = list(&runs, None, &log);
    assert!(
        !logged(&log, LOADED) && !logged(&log, SAVED),
        "no cache, no snapshot"
    );
    let first = list(&runs, Some(&cache), &log);
    assert_eq!(first.stdout, fresh.stdout);
    assert!(logged(&log, SAVED), "the first listing saves a snapshot");
    let second = list(&runs, Some(&cache), &log);
    assert_eq!(second.stdout, fresh.stdout);
    assert!(logged(&log, LOADED), "the second listing loads it");

    // Appended to: the snapshot plus the tail, as a fresh index counts it.
    fs::write(&trace_path, &whole).expect("write whole");
    let fresh_whole = list(&runs, None, &log);
    let grown = list(&runs, Some(&cache), &log);
    assert!(
        logged(&log, LOADED),
        "the grown trace continues the snapshot"
    );
    assert_eq!(grown.stdout, fresh_whole.stdout);
    assert!(attempts(&grown) > attempts(&first), "{}", grown.stdout);

    // Cut shorter: the snapshot is not served.
    fs::write(&trace_path, &whole[..quarter]).expect("write quarter");
    let fresh_quarter = list(&runs, None, &log);
    let shrunk = list(&runs, Some(&cache), &log);
    assert!(!logged(&log, LOADED), "a shorter trace is indexed afresh");
    assert_eq!(shrunk.stdout, fresh_quarter.stdout);
    assert!(attempts(&shrunk) < attempts(&first), "{}", shrunk.stdout);
}
