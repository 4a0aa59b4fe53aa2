//! Building the attempts: one pass over the trace index, or for a long
//! trace two passes over its halves on two threads, stitched. The second
//! half cannot know which attempts the first left open, so it sets aside
//! the events of attempts it never saw start (`orphans`) and the stitch
//! hands those to the first half's attempts, as one pass would have.

use std::ops::Range;

use super::{Attempt, RunEnd, NONE};
use crate::bundle::intern::Sym;
use crate::bundle::{EventKind, FlowDefinition, Outcome, TraceEntry, TraceIndex};

/// An `open` slot of an attempt id whose last attempt has its outcome: its
/// later events belong to no attempt (while `NEVER_STARTED`, they may
/// belong to one the first half left open).
const CLOSED: u32 = u32::MAX;
/// An `open` slot of an attempt id not started in what was fed. Slots are
/// 0 until set (the attempt's position + 1 once started), so the tables
/// come zeroed from the allocator, and pages no symbol uses are never
/// touched.
const NEVER_STARTED: u32 = 0;
/// A `flow_positions` slot of a node id not looked up yet (a found
/// position is stored + 1; `NONE`: not in the flow).
const UNSEEN: u32 = 0;

/// Entries from which the halves are built on two threads (below, the
/// thread costs more than it saves).
const PARALLEL_FROM: usize = 200_000;

pub(super) fn build_attempts(
    trace: &TraceIndex,
    flow: &FlowDefinition,
) -> (Vec<Attempt>, Option<RunEnd>) {
    let len = trace.entries().len();
    if len < PARALLEL_FROM {
        return build_split(trace, flow, len);
    }
    build_split(trace, flow, len / 2)
}

/// The attempts, the entries before `mid` and from `mid` on built apart
/// (on two threads when both halves hold entries) and stitched.
pub(super) fn build_split(
    trace: &TraceIndex,
    flow: &FlowDefinition,
    mid: usize,
) -> (Vec<Attempt>, Option<RunEnd>) {
    let len = trace.entries().len();
    let mid = mid.min(len);
    // Room for every attempt in the first builder (an attempt has at
    // least its start and its outcome: half the entries, with room to
    // spare; memory not written to is never touched), so the stitch
    // does not move it.
    let room = len / 2;
    if mid == 0 || mid == len {
        let mut whole = Builder::new(trace, flow, false, room);
        whole.feed(0..len);
        return whole.finish();
    }
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            let mut first = Builder::new(trace, flow, false, room);
            first.feed(0..mid);
            first
        });
        let mut second = Builder::new(trace, flow, true, (len - mid) / 2);
        second.feed(mid..len);
        (first.join(), second)
    });
    let mut first = match first {
        Ok(first) => first,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    first.absorb(second);
    first.finish()
}

struct Builder<'t> {
    trace: &'t TraceIndex,
    flow: &'t FlowDefinition,
    /// Indexed by `Sym::index()` (dense from 1): the flow position of a
    /// node id (looked up the first time the id is met: a lookup by text
    /// would build the interner's table, which a snapshot's index does not
    /// have), and the open attempt of an attempt id.
    flow_positions: Vec<u32>,
    open: Vec<u32>,
    attempts: Vec<Attempt>,
    /// How many of `attempts` have no outcome (most runs end with none:
    /// then no pass over a million attempts looks for them).
    unfinished: usize,
    /// The last event that ended the run, and its entry.
    run_end: Option<(RunEnd, u32)>,
    /// Entries of attempts not started in what was fed (kept only for a
    /// second half).
    orphans: Option<Vec<u32>>,
}

impl<'t> Builder<'t> {
    fn new(
        trace: &'t TraceIndex,
        flow: &'t FlowDefinition,
        keeps_orphans: bool,
        room: usize,
    ) -> Self {
        let symbols = trace.strings().len() + 1;
        Builder {
            trace,
            flow,
            flow_positions: vec![UNSEEN; symbols],
            open: vec![NEVER_STARTED; symbols],
            attempts: Vec::with_capacity(room),
            unfinished: 0,
            run_end: None,
            orphans: keeps_orphans.then(Vec::new),
        }
    }

    fn flow_position(&mut self, node: Sym) -> u32 {
        let Some(slot) = self.flow_positions.get_mut(node.index()) else {
            return NONE;
        };
        if *slot == UNSEEN {
            *slot = self
                .flow
                .node_position(self.trace.resolve(node))
                .and_then(|p| u32::try_from(p + 1).ok())
                .filter(|&stored| stored != NONE)
                .unwrap_or(NONE);
        }
        match *slot {
            NONE => NONE,
            stored => stored - 1,
        }
    }

    /// Takes in the entries at `range`, in order.
    fn feed(&mut self, range: Range<usize>) {
        let trace = self.trace;
        let start = range.start;
        for (i, entry) in trace.entries()[range].iter().enumerate() {
            // Entry positions fit u32 (the trace index counts them so).
            let i = (start + i) as u32;
            if entry.kind.ends_run() {
                let end = RunEnd {
                    seq: entry.seq,
                    at_ms: entry.at(),
                    status: entry.outcome,
                };
                self.run_end = Some((end, i));
            }
            let Some(attempt_sym) = entry.attempt else {
                continue;
            };
            if entry.kind == EventKind::NodeStarted {
                let node = entry.node.unwrap_or(attempt_sym);
                if let Some(slot) = self.open.get_mut(attempt_sym.index()) {
                    *slot = self.attempts.len() as u32 + 1;
                }
                let flow_node = self.flow_position(node);
                self.unfinished += 1;
                self.attempts.push(Attempt {
                    session: entry.session,
                    entry_start: i,
                    entry_end: i,
                    finish_entry: NONE,
                    flow_node,
                    outcome: Outcome::Running,
                    finished: false,
                });
                continue;
            }
            let never_started = self.open.get(attempt_sym.index()) == Some(&NEVER_STARTED);
            if !self.apply(attempt_sym, entry, i) && never_started {
                if let Some(orphans) = &mut self.orphans {
                    orphans.push(i);
                }
            }
        }
    }

    /// Hands an event other than a start to the open attempt of its id;
    /// `false` when none is open.
    fn apply(&mut self, attempt_sym: Sym, entry: &TraceEntry, i: u32) -> bool {
        let slot = self.open.get(attempt_sym.index()).copied();
        // `CLOSED` (and `NEVER_STARTED`, or no slot) name no attempt.
        let position = slot.and_then(|s| s.checked_sub(1)).map(|p| p as usize);
        let Some(attempt) = position.and_then(|p| self.attempts.get_mut(p)) else {
            return false; // events of an attempt whose start is not in the trace
        };
        attempt.entry_end = i;
        if attempt.session.is_none() {
            attempt.session = entry.session;
        }
        if entry.kind == EventKind::NodeOutcome {
            attempt.outcome = match entry.outcome {
                Outcome::None => Outcome::Other,
                other => other,
            };
            attempt.finish_entry = i;
            attempt.finished = true;
            self.unfinished -= 1;
            if let Some(slot) = self.open.get_mut(attempt_sym.index()) {
                *slot = CLOSED;
            }
        }
        true
    }

    /// Takes in `later`, built from the entries right after these: its
    /// orphans go to the attempts open here, its attempts follow.
    fn absorb(&mut self, later: Builder<'t>) {
        let trace = self.trace;
        for i in later.orphans.unwrap_or_default() {
            if let Some(entry) = trace.entries().get(i as usize) {
                if let Some(attempt_sym) = entry.attempt {
                    self.apply(attempt_sym, entry, i);
                }
            }
        }
        self.attempts.extend(later.attempts);
        self.unfinished += later.unfinished;
        self.run_end = later.run_end.or(self.run_end);
    }

    fn finish(self) -> (Vec<Attempt>, Option<RunEnd>) {
        let mut attempts = self.attempts;
        // An attempt cut short by the end of the run was cancelled
        // (interrupt); it ran until then.
        if let Some((_, run_end_entry)) = self.run_end.filter(|_| self.unfinished > 0) {
            for attempt in attempts.iter_mut().filter(|a| !a.is_finished()) {
                attempt.outcome = Outcome::Cancelled;
                attempt.finish_entry = run_end_entry;
            }
        }
        // The room not used goes back (a shrink in place, no copy).
        attempts.shrink_to_fit();
        (attempts, self.run_end.map(|(end, _)| end))
    }
}
