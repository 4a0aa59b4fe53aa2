//! The attempts of a trace built in two halves and stitched (as a long
//! trace is, on two threads) equal those built in one pass, at every split
//! point: over every bundle we have, and over random traces whose attempt
//! ids restart, outlive their outcome and appear without a start. On the
//! random traces the one pass is also checked against a plain reading of
//! the format written here.

mod common;

use std::collections::HashMap;

use reel::bundle::{Bundle, EventKind, FlowDefinition, Outcome, TraceIndex};
use reel::model::attempt::build_attempts_split;
use reel::model::Attempt;

/// What an attempt is, as the tests compare it: entry start and end, the
/// node's flow position, outcome, session symbol, whether it finished, and
/// the time it finished.
type Seen = (
    usize,
    usize,
    Option<usize>,
    Outcome,
    Option<u32>,
    bool,
    Option<i64>,
);

fn seen(trace: &TraceIndex, attempts: &[Attempt]) -> Vec<Seen> {
    attempts
        .iter()
        .map(|a| {
            let session = a.session.map(|s| s.index() as u32);
            let finished = a.finished_ms(trace);
            (
                a.entry_start(),
                a.entry_end(),
                a.flow_node(),
                a.outcome,
                session,
                a.is_finished(),
                finished,
            )
        })
        .collect()
}

/// The attempts as the trace format describes them, written plainly (ids
/// by text, a map of open attempts): `node_started` opens one, later
/// events of its id extend it until its `node_outcome`, and the run's end
/// cancels those left open.
fn reference(trace: &TraceIndex, flow: &FlowDefinition) -> Vec<Seen> {
    let mut attempts: Vec<Seen> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut run_end = None;
    for (i, e) in trace.entries().iter().enumerate() {
        if matches!(e.kind, EventKind::RunCompleted | EventKind::RunFailed) {
            run_end = Some(i);
        }
        let Some(id) = e.attempt.map(|s| trace.resolve(s).to_string()) else {
            continue;
        };
        let session = e.session.map(|s| s.index() as u32);
        if e.kind == EventKind::NodeStarted {
            let node = trace.resolve(e.node.or(e.attempt).expect("id"));
            open.insert(id, attempts.len());
            attempts.push((
                i,
                i,
                flow.node_position(node),
                Outcome::Running,
                session,
                false,
                None,
            ));
            continue;
        }
        let Some(&at) = open.get(&id) else { continue };
        let a = &mut attempts[at];
        a.1 = i;
        a.4 = a.4.or(session);
        if e.kind == EventKind::NodeOutcome {
            a.3 = if e.outcome == Outcome::None {
                Outcome::Other
            } else {
                e.outcome
            };
            a.5 = true;
            a.6 = e.at();
            open.remove(&id);
        }
    }
    if let Some(end) = run_end {
        for a in attempts.iter_mut().filter(|a| !a.5) {
            a.3 = Outcome::Cancelled;
            a.6 = trace.entries()[end].at();
        }
    }
    attempts
}

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
        let what = format!("round {round}:\n{trace}");
        let (whole, _) = build_attempts_split(&index, &flow, index.entries().len());
        assert_eq!(seen(&index, &whole), reference(&index, &flow), "{what}");
        check_every_split(&index, &flow, &what);
    }
    assert!(traces_with_attempts > 250, "{traces_with_attempts}");
}
