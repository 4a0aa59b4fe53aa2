//! Attempts (steps) derived from the trace: `node_started` … `node_outcome`,
//! including attempts that never got an outcome (running or interrupted).

use crate::bundle::intern::Sym;
use crate::bundle::{EventKind, FlowDefinition, Outcome, TraceIndex};

/// One attempt of a node, 44 bytes (a million-attempt run keeps a million):
/// positions are `u32` with sentinels instead of `Option<usize>`, and what
/// the trace entries already hold (the start time, the outcome's duration)
/// is read from them by the accessors that take the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempt: Sym,
    pub node: Sym,
    /// The session (bundle id) the attempt prompted, if any.
    pub session: Option<Sym>,
    /// Seq of `node_started`.
    pub seq_start: u32,
    /// Seq of `node_outcome`, or of the last event of an unfinished attempt.
    pub seq_end: u32,
    /// Trace entry positions `entry_start..=entry_end` under the same rule.
    entry_start: u32,
    entry_end: u32,
    /// Position in the flow definition (`flow_node()`), `NOT_IN_FLOW` if
    /// the node is not defined there.
    flow_node: u32,
    /// Epoch milliseconds (`finished_ms()`) as two halves, `i64::MIN` for
    /// none: 4-byte alignment.
    finished_ms: [u32; 2],
    pub outcome: Outcome,
    /// Whether the attempt has its `node_outcome` (at `entry_end`).
    finished: bool,
}

const NOT_IN_FLOW: u32 = u32::MAX;

impl Attempt {
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Position of the node in the flow definition, if it is defined there.
    pub fn flow_node(&self) -> Option<usize> {
        (self.flow_node != NOT_IN_FLOW).then_some(self.flow_node as usize)
    }

    pub fn entry_start(&self) -> usize {
        self.entry_start as usize
    }

    pub fn entry_end(&self) -> usize {
        self.entry_end as usize
    }

    /// Entry of the `node_outcome` event, when there is one (it ends the
    /// attempt).
    pub fn outcome_entry(&self) -> Option<usize> {
        self.finished.then_some(self.entry_end())
    }

    /// Epoch milliseconds of `node_started`, from `trace` (the one the
    /// attempts were built from).
    pub fn started_ms(&self, trace: &TraceIndex) -> Option<i64> {
        trace.entries().get(self.entry_start())?.at()
    }

    /// When the `node_outcome` was written, or for an attempt cancelled by
    /// the run's end, when the run ended.
    pub fn finished_ms(&self) -> Option<i64> {
        let ms = (u64::from(self.finished_ms[0]) | (u64::from(self.finished_ms[1]) << 32)) as i64;
        (ms != i64::MIN).then_some(ms)
    }

    /// `payload.durationMs` of the outcome event; for an attempt cancelled
    /// by the run's end, the time from its start to that end.
    pub fn duration_ms(&self, trace: &TraceIndex) -> Option<u64> {
        if self.finished {
            return trace.duration_ms(self.entry_end());
        }
        let (end, start) = self.finished_ms().zip(self.started_ms(trace))?;
        u64::try_from(end - start).ok()
    }

    fn set_finished_ms(&mut self, ms: Option<i64>) {
        let ms = ms.unwrap_or(i64::MIN) as u64;
        self.finished_ms = [ms as u32, (ms >> 32) as u32];
    }
}

/// How and when the run ended, from its terminal trace event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunEnd {
    pub seq: u32,
    pub at_ms: Option<i64>,
    pub status: Outcome,
}

/// No attempt open under this attempt id.
const CLOSED: u32 = u32::MAX;

/// Derives attempts in trace order in one pass over the index.
pub fn build_attempts(trace: &TraceIndex, flow: &FlowDefinition) -> (Vec<Attempt>, Option<RunEnd>) {
    let strings = trace.strings();
    // Indexed by `Sym::index()` (dense from 1): the flow position of a node
    // id, and the open attempt of an attempt id.
    let mut flow_positions = vec![NOT_IN_FLOW; strings.len() + 1];
    // In reverse, so that the first of duplicate ids wins (as
    // `FlowDefinition::node_position` answers).
    for (position, node) in flow.nodes.iter().enumerate().rev() {
        if let (Some(sym), Ok(position)) = (strings.get(&node.id), u32::try_from(position)) {
            flow_positions[sym.index()] = position;
        }
    }
    let mut open = vec![CLOSED; strings.len() + 1];
    let mut attempts: Vec<Attempt> = Vec::new();
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
        // Entry positions fit u32 (the trace index counts them so).
        let i = i as u32;
        if entry.kind == EventKind::NodeStarted {
            let node = entry.node.unwrap_or(attempt_sym);
            if let Some(slot) = open.get_mut(attempt_sym.index()) {
                *slot = attempts.len() as u32;
            }
            attempts.push(Attempt {
                attempt: attempt_sym,
                node,
                session: entry.session,
                seq_start: entry.seq,
                seq_end: entry.seq,
                entry_start: i,
                entry_end: i,
                flow_node: flow_positions
                    .get(node.index())
                    .copied()
                    .unwrap_or(NOT_IN_FLOW),
                finished_ms: [0, 1 << 31], // i64::MIN: none
                outcome: Outcome::Running,
                finished: false,
            });
            continue;
        }
        let index = open.get(attempt_sym.index()).copied().unwrap_or(CLOSED);
        let Some(attempt) = attempts.get_mut(index as usize) else {
            continue; // events of an attempt whose start is not in the trace
        };
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
            attempt.set_finished_ms(entry.at());
            attempt.finished = true;
            if let Some(slot) = open.get_mut(attempt_sym.index()) {
                *slot = CLOSED;
            }
        }
    }
    // An attempt cut short by the end of the run was cancelled (interrupt);
    // it ran until then.
    if let Some(end) = run_end {
        for attempt in attempts.iter_mut().filter(|a| !a.is_finished()) {
            attempt.outcome = Outcome::Cancelled;
            attempt.set_finished_ms(end.at_ms);
        }
    }
    (attempts, run_end)
}

// A million-attempt run keeps a million of them.
const _: () = assert!(std::mem::size_of::<Attempt>() == 44);
