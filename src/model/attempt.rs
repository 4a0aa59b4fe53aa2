//! Attempts (steps) derived from the trace: `node_started` … `node_outcome`,
//! including attempts that never got an outcome (running or interrupted).

use crate::bundle::intern::Sym;
use crate::bundle::{FlowDefinition, Outcome, TraceIndex};

mod build;

/// One attempt of a node, 24 bytes (a million-attempt run keeps a million):
/// trace entry positions as `u32` with sentinels instead of `Option<usize>`,
/// and what those entries already hold (ids, seqs, times, the outcome's
/// duration) read from them by the accessors that take the trace (the one
/// the attempts were built from).
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The session (bundle id) the attempt prompted, if any.
    pub session: Option<Sym>,
    /// Trace entry positions `entry_start..=entry_end`: `node_started` to
    /// `node_outcome`, or to the last event of an unfinished attempt.
    entry_start: u32,
    entry_end: u32,
    /// The entry that ended the attempt (`entry_end` for its
    /// `node_outcome`, the run's end for an attempt that end cancelled),
    /// `NONE` while it runs.
    finish_entry: u32,
    /// Position in the flow definition (`flow_node()`), `NONE` if the node
    /// is not defined there.
    flow_node: u32,
    pub outcome: Outcome,
    /// Whether the attempt has its `node_outcome` (at `entry_end`).
    finished: bool,
}

const NONE: u32 = u32::MAX;

impl Attempt {
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Position of the node in the flow definition, if it is defined there.
    pub fn flow_node(&self) -> Option<usize> {
        (self.flow_node != NONE).then_some(self.flow_node as usize)
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
        self.is_finished().then_some(self.entry_end())
    }

    /// The attempt id (`attemptId` of its `node_started`).
    pub fn attempt_sym(&self, trace: &TraceIndex) -> Option<Sym> {
        trace.entries().get(self.entry_start())?.attempt
    }

    /// The node id (`nodeId` of its `node_started`, else the attempt id).
    pub fn node_sym(&self, trace: &TraceIndex) -> Option<Sym> {
        let started = trace.entries().get(self.entry_start())?;
        started.node.or(started.attempt)
    }

    /// Seq of `node_started`.
    pub fn seq_start(&self, trace: &TraceIndex) -> u32 {
        trace.entries().get(self.entry_start()).map_or(0, |e| e.seq)
    }

    /// Seq of `node_outcome`, or of the last event of an unfinished attempt.
    pub fn seq_end(&self, trace: &TraceIndex) -> u32 {
        trace.entries().get(self.entry_end()).map_or(0, |e| e.seq)
    }

    /// Epoch milliseconds of `node_started`.
    pub fn started_ms(&self, trace: &TraceIndex) -> Option<i64> {
        trace.entries().get(self.entry_start())?.at()
    }

    /// When the `node_outcome` was written, or for an attempt cancelled by
    /// the run's end, when the run ended.
    pub fn finished_ms(&self, trace: &TraceIndex) -> Option<i64> {
        trace.entries().get(self.finish_entry as usize)?.at()
    }

    /// `payload.durationMs` of the outcome event; for an attempt cancelled
    /// by the run's end, the time from its start to that end.
    pub fn duration_ms(&self, trace: &TraceIndex) -> Option<u64> {
        if self.is_finished() {
            return trace.duration_ms(self.entry_end());
        }
        let (end, start) = self.finished_ms(trace).zip(self.started_ms(trace))?;
        u64::try_from(end - start).ok()
    }
}

/// How and when the run ended, from its terminal trace event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunEnd {
    pub seq: u32,
    pub at_ms: Option<i64>,
    pub status: Outcome,
}

/// Derives attempts in trace order in one pass over the index (two
/// halves on two threads for a long trace, see `build`).
pub fn build_attempts(trace: &TraceIndex, flow: &FlowDefinition) -> (Vec<Attempt>, Option<RunEnd>) {
    build::build_attempts(trace, flow)
}

/// `build_attempts` with the entries before `mid` and from `mid` on built
/// apart and stitched (what a long trace gets), for tests.
pub fn build_attempts_split(
    trace: &TraceIndex,
    flow: &FlowDefinition,
    mid: usize,
) -> (Vec<Attempt>, Option<RunEnd>) {
    build::build_split(trace, flow, mid)
}

// A million-attempt run keeps a million of them.
const _: () = assert!(std::mem::size_of::<Attempt>() == 24);
