//! `reel validate` checks the conversation ranges the trace gives for ACP
//! attempts against the session logs: a log that was emptied, truncated or
//! swapped for another session's is an error at the trace line that
//! references the lost events.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, reel};
use serde_json::Value;

const SAMPLE: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
const SESSION: &str = "reviewer-22b54ff9";

fn copy() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = temp.path().join(SAMPLE);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(SAMPLE),
        &run,
    );
    (temp, run)
}

/// Trace lines (1-based) of node outcomes whose conversation is in SESSION
/// and needs an event seq above `kept_up_to` (computed from the raw files).
fn referencing_lines(run: &Path, kept_up_to: Option<u64>) -> Vec<usize> {
    let trace = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    trace
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let event: Value = serde_json::from_str(line).ok()?;
            let link = event.pointer("/payload/conversation")?;
            let wanted = event["type"] == "node_outcome" && link["sessionId"] == SESSION;
            let end = link["eventEndSeq"].as_u64()?;
            (wanted && kept_up_to.is_none_or(|kept| end > kept)).then_some(i + 1)
        })
        .collect()
}

fn errors_at(out: &common::Output) -> Vec<usize> {
    out.stdout
        .lines()
        .filter(|l| l.contains("conversation events"))
        .filter_map(|l| {
            let at = l.find("trace.ndjson:")? + "trace.ndjson:".len();
            l[at..].split(':').next()?.parse().ok()
        })
        .collect()
}

#[test]
fn an_intact_bundle_has_no_range_errors() {
    let (_temp, run) = copy();
    let out = reel(["validate".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(errors_at(&out).is_empty(), "{}", out.describe());
}

#[test]
fn an_emptied_session_log_is_an_error_at_each_referencing_line() {
    let (_temp, run) = copy();
    let events = run.join("sessions").join(SESSION).join("events.ndjson");
    fs::write(&events, "").expect("truncate");
    let expected = referencing_lines(&run, None);
    assert!(expected.len() >= 2, "the sample has two review rounds");
    let out = reel(["validate".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_eq!(errors_at(&out), expected, "{}", out.describe());
    assert!(out.stdout.contains("holds no event"), "{}", out.describe());
}

#[test]
fn a_truncated_log_is_an_error_only_for_the_lost_turns() {
    let (_temp, run) = copy();
    let events = run.join("sessions").join(SESSION).join("events.ndjson");
    let text = fs::read_to_string(&events).expect("events");
    let lines: Vec<&str> = text.lines().collect();
    let kept = &lines[..lines.len() / 2];
    let last_kept = serde_json::from_str::<Value>(kept.last().expect("a line")).expect("json")
        ["seq"]
        .as_u64()
        .expect("seq");
    fs::write(&events, kept.join("\n") + "\n").expect("truncate");
    let expected = referencing_lines(&run, Some(last_kept));
    assert!(!expected.is_empty());
    let out = reel(["validate".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_eq!(errors_at(&out), expected, "{}", out.describe());
}

#[test]
fn another_sessions_log_in_its_place_is_caught() {
    let (_temp, run) = copy();
    let sessions = run.join("sessions");
    // Valid NDJSON, increasing seqs: but not the events the trace points at.
    let other = fs::read_to_string(sessions.join("isolated-summarize-1-96b135c0/events.ndjson"))
        .expect("other log");
    fs::write(sessions.join(SESSION).join("events.ndjson"), other).expect("swap");
    let out = reel(["validate".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(!errors_at(&out).is_empty(), "{}", out.describe());
}
