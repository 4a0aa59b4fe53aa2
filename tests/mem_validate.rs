//! Issue 12: `validate` streams the projections, so a large `run.json`
//! costs one buffer, not its size. In a test process of its own: the
//! tests of `mem_cli` build large inputs in memory, and a child's peak
//! starts at its parent's (see `peak`).

#![cfg(target_os = "linux")]

mod hostile;
mod peak;

use hostile::MIB;
use peak::{check, reel};
use reel::synth::{write_bundle, SynthSpec};

#[test]
fn validate_streams_a_large_projection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SynthSpec {
        attempts: 20_000,
        ..SynthSpec::default()
    };
    let summary = write_bundle(dir.path(), &spec).expect("synth");
    // Trailing whitespace keeps the file valid JSON: read whole, it would
    // cost its size; streamed, one buffer.
    let projection = summary.dir.join("projections/run.json");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&projection)
        .expect("run.json");
    let spaces = vec![b' '; MIB];
    for _ in 0..96 {
        std::io::Write::write_all(&mut file, &spaces).expect("pad run.json");
    }
    drop(file);
    let size = std::fs::metadata(&projection).expect("run.json").len();
    assert!(size > 96 * MIB as u64, "{size}");
    let run = summary.dir.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "1", "--json"]);
    let validate = reel(&["validate", run, "--json"]);
    check("validate --json", &validate, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&validate.stdout).expect("JSON");
    assert_eq!(doc["broken"], 0, "{doc}");
}
