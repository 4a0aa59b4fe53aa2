//! The attempts of a trace built in two halves and stitched (as a long
//! trace is, on two threads) equal those built in one pass, at every split
//! point: over every bundle we have, and over random traces whose attempt
//! ids restart, outlive their outcome and appear without a start.

mod common;

use reel::bundle::{Bundle, FlowDefinition, TraceIndex};
use reel::model::attempt::build_attempts_split;

fn check_every_split(trace: &TraceIndex, flow: &FlowDefinition, what: &str) {
    let len = trace.entries().len();
    let whole = build_attempts_split(trace, flow, len);
    for mid in 0..=len {
        assert_eq!(
            build_attempts_split(trace, flow, mid),
            whole,
            "{what}: split at entry {mid} of {len}"
        );
    }
}

#[test]
fn halves_stitched_equal_one_pass_on_every_bundle() {
    let mut checked = 0;
    for dir in common::all_bundles() {
        let Ok(bundle) = Bundle::open(&dir) else {
            continue; // bundles that are broken on purpose
        };
        // The stitch must have had something to join.
        let started = bundle
            .trace
            .entries()
            .iter()
            .filter(|e| e.attempt.is_some())
            .count();
        if started > 0 {
            checked += 1;
        }
        check_every_split(&bundle.trace, &bundle.flow, &dir.display().to_string());
    }
    common::assert_checked_some(checked);
}

#[test]
fn halves_stitched_equal_one_pass_on_random_traces() {
    let flow = FlowDefinition::from_value(serde_json::json!({
        "name": "f",
        "startAt": "a",
        "nodes": {"a": {"nodeType": "compute"}, "b": {"nodeType": "compute"}}
    }))
    .expect("flow");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut traces_with_attempts = 0;
    for round in 0..300 {
        let mut trace = String::new();
        let events = 2 + next(24);
        for seq in 1..=events {
            let attempt = next(4);
            let node = ["a", "b", "c"][next(3) as usize];
            let (kind, payload) = match next(9) {
                0..=2 => ("node_started", "{}".to_string()),
                3 | 4 => ("node_heartbeat", "{}".to_string()),
                5 | 6 => {
                    let outcome = ["ok", "failed", "timed_out", "weird"][next(4) as usize];
                    (
                        "node_outcome",
                        format!(r#"{{"outcome":"{outcome}","durationMs":{seq}}}"#),
                    )
                }
                7 => ("run_completed", r#"{"status":"completed"}"#.to_string()),
                _ => ("artifact_written", "{}".to_string()),
            };
            let session = if next(3) == 0 {
                format!(r#","sessionId":"s{}""#, next(2))
            } else {
                String::new()
            };
            let ids = if kind == "run_completed" {
                String::new()
            } else {
                format!(r#","nodeId":"{node}","attemptId":"{node}#{attempt}"{session}"#)
            };
            trace.push_str(&format!(
                r#"{{"seq":{seq},"at":"2026-01-01T00:00:{:02}.000Z","runId":"r","scope":"node","type":"{kind}"{ids},"payload":{payload}}}"#,
                seq % 60
            ));
            trace.push('\n');
        }
        let index = TraceIndex::from_bytes(trace.as_bytes()).expect("index");
        if index.entries().iter().any(|e| e.attempt.is_some()) {
            traces_with_attempts += 1;
        }
        check_every_split(&index, &flow, &format!("round {round}:\n{trace}"));
    }
    assert!(traces_with_attempts > 250, "{traces_with_attempts}");
}
