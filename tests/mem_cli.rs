//! Issue 9 item 12, the CLI side: `show` streams its output and `state`
//! bounds its conversation, so what they hold beyond the opened run does
//! not grow with the run. Each test runs the real binary and reads the
//! peak resident memory of that one child (`wait4`), and compares it with
//! a command that opens the same run and prints almost nothing: the
//! difference is what the output costs. Before this change `show --json`
//! built the whole document (about 4 KiB an attempt, 90 MB here).
//!
//! How one child's peak is measured: see `peak`.

#![cfg(target_os = "linux")]

mod hostile;
mod peak;

use hostile::MIB;
use peak::{check, reel};
use reel::synth::{write_bundle, SynthSpec};

#[test]
fn show_streams_whatever_the_number_of_attempts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SynthSpec {
        attempts: 20_000,
        ..SynthSpec::default()
    };
    let summary = write_bundle(dir.path(), &spec).expect("synth");
    let run = summary.dir.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "1", "--json"]);
    let json = reel(&["show", run, "--json"]);
    let human = reel(&["show", run]);
    check("show --json", &json, &baseline);
    check("show", &human, &baseline);
    // It is the whole document, and correct.
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(
        doc["attempts"].as_array().map(Vec::len),
        Some(spec.attempts)
    );
    assert_eq!(doc["traceEvents"], summary.trace_events);
    assert!(json.stdout.len() > 4 * MIB, "{} bytes", json.stdout.len());
    let text = String::from_utf8(human.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 7 + spec.attempts);
}

#[test]
fn state_of_a_step_with_a_huge_conversation_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (chunks, updates) = (100_000, 50_000);
    let (path, _) = hostile::huge_turn(dir.path(), chunks, updates);
    let run = path.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "finalize#1", "--json"]);
    let state = reel(&["state", run, "--at", "reply#1", "--json"]);
    check("state --json", &state, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&state.stdout).expect("JSON");
    let items = doc["conversation"]["items"].as_array().expect("items");
    let cut = items
        .iter()
        .filter_map(|i| i["label"].as_str())
        .find(|l| l.starts_with("conversation cut: "));
    assert!(cut.is_some(), "no cut marker in {} items", items.len());
    // The turn's text is 3.6 MB; what is printed is a window of it.
    assert!(
        state.stdout.len() < 2 * MIB,
        "{} bytes printed",
        state.stdout.len()
    );
    assert_eq!(
        doc["conversation"]["eventEndSeq"],
        13 + chunks + updates,
        "the range is the whole turn's"
    );
}

#[test]
fn state_and_diff_after_an_80_mb_output_do_not_load_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = hostile::copy_sample(hostile::SHELL_BASIC, dir.path());
    let (output, len) = hostile::big_output(&path, 1_300_000);
    assert!(len > 80_000_000, "{len}");
    let run = path.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "prepare#1", "--json"]);
    let state = reel(&["state", run, "--at", "finalize#1", "--json"]);
    let diff = reel(&[
        "diff",
        &format!("{run}@big_output#1"),
        &format!("{run}@finalize#1"),
        "--json",
    ]);
    check("state --json", &state, &baseline);
    check("diff --json", &diff, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&state.stdout).expect("JSON");
    let shown = doc["outputs"]["big_output"].as_str().expect("a marker");
    assert!(
        shown.starts_with(&format!("[output not loaded: {output} is ")),
        "{shown}"
    );
}
