//! Attempts (steps) derived from the trace: `node_started` … `node_outcome`,
//! including attempts that never got an outcome (running or interrupted).

use std::collections::HashMap;

use crate::bundle::intern::Sym;
use crate::bundle::{EventKind, FlowDefinition, Outcome, TraceIndex};

/// One attempt of a node. Seq and entry ranges are inclusive/half-open as
/// documented per field; times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempt: Sym,
    pub node: Sym,
    /// Position of the node in the flow definition, if it is defined there.
    pub flow_node: Option<usize>,
    pub outcome: Outcome,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// `payload.durationMs` of the outcome event; for an attempt cancelled
    /// by the run's end, the time from its start to that end.
    pub duration_ms: Option<u64>,
    /// Seq of `node_started`.
    pub seq_start: u32,
    /// Seq of `node_outcome`, or of the last event of an unfinished attempt.
    pub seq_end: u32,
    /// Trace entry positions `entry_start..=entry_end` under the same rule.
    pub entry_start: usize,
    pub entry_end: usize,
    /// Entry of the `node_outcome` event, when there is one.
    pub outcome_entry: Option<usize>,
    /// The session (bundle id) the attempt prompted, if any.
    pub session: Option<Sym>,
}

impl Attempt {
    pub fn is_finished(&self) -> bool {
        self.outcome_entry.is_some()
    }
}

/// How and when the run ended, from its terminal trace event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunEnd {
    pub seq: u32,
    pub at_ms: Option<i64>,
    pub status: Outcome,
}

/// Derives attempts in trace order in one pass over the index.
pub fn build_attempts(trace: &TraceIndex, flow: &FlowDefinition) -> (Vec<Attempt>, Option<RunEnd>) {
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut open: HashMap<Sym, usize> = HashMap::new();
    let mut flow_positions: HashMap<Sym, Option<usize>> = HashMap::new();
    let mut run_end = None;
    for (i, entry) in trace.entries().iter().enumerate() {
        if entry.kind.ends_run() {
            run_end = Some(RunEnd {
                seq: entry.seq,
                at_ms: entry.at(),
                status: entry.outcome,
            });
        }
        let Some(attempt_sym) = entry.attempt else {
            continue;
        };
        if entry.kind == EventKind::NodeStarted {
            let node = entry.node.unwrap_or(attempt_sym);
            let flow_node = *flow_positions
                .entry(node)
                .or_insert_with(|| flow.node_position(trace.resolve(node)));
            open.insert(attempt_sym, attempts.len());
            attempts.push(Attempt {
                attempt: attempt_sym,
                node,
                flow_node,
                outcome: Outcome::Running,
                started_ms: entry.at(),
                finished_ms: None,
                duration_ms: None,
                seq_start: entry.seq,
                seq_end: entry.seq,
                entry_start: i,
                entry_end: i,
                outcome_entry: None,
                session: entry.session,
            });
            continue;
        }
        let Some(&index) = open.get(&attempt_sym) else {
            continue; // events of an attempt whose start is not in the trace
        };
        let attempt = &mut attempts[index];
        attempt.seq_end = entry.seq;
        attempt.entry_end = i;
        if attempt.session.is_none() {
            attempt.session = entry.session;
        }
        if entry.kind == EventKind::NodeOutcome {
            attempt.outcome = match entry.outcome {
                Outcome::None => Outcome::Other,
                other => other,
            };
            attempt.finished_ms = entry.at();
            attempt.duration_ms = trace.duration_ms(i);
            attempt.outcome_entry = Some(i);
            open.remove(&attempt_sym);
        }
    }
    // An attempt cut short by the end of the run was cancelled (interrupt);
    // it ran until then.
    if let Some(end) = run_end {
        for attempt in attempts.iter_mut().filter(|a| !a.is_finished()) {
            attempt.outcome = Outcome::Cancelled;
            attempt.finished_ms = end.at_ms;
            attempt.duration_ms = end
                .at_ms
                .zip(attempt.started_ms)
                .and_then(|(end, start)| u64::try_from(end - start).ok());
        }
    }
    (attempts, run_end)
}
