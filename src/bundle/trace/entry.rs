//! The trace index's entries: one per event, and the durations kept aside.

use super::{EventKind, Outcome, Sym};

/// One trace event, 36 bytes. Strings are interned; the payload is not kept.
/// `repr(C)`: the index snapshot stores entries in this layout and reads
/// them back without decoding field by field (`snapshot::EntryWords`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct TraceEntry {
    /// The line's byte offset, 48 bits (`offset()`), split so that the
    /// entry needs 4-byte alignment only: 36 bytes instead of 40.
    pub(super) offset_lo: u32,
    pub(super) offset_hi: u16,
    pub kind: EventKind,
    /// `payload.outcome` of `node_outcome`, `payload.status` of run ends.
    pub outcome: Outcome,
    /// Milliseconds since the epoch (`at_ms()`), as two halves.
    pub(super) at_ms: [u32; 2],
    pub len: u32,
    pub seq: u32,
    pub node: Option<Sym>,
    pub attempt: Option<Sym>,
    pub session: Option<Sym>,
}

/// Byte offsets the index can hold (256 TiB).
pub const MAX_OFFSET: u64 = (1 << 48) - 1;

impl TraceEntry {
    /// An entry without strings (`node`, `attempt`, `session` are set
    /// after). `offset` is cut to 48 bits: callers check `MAX_OFFSET`.
    pub fn new(offset: u64, at_ms: i64, len: u32, seq: u32, kind: EventKind) -> TraceEntry {
        TraceEntry {
            offset_lo: offset as u32,
            offset_hi: (offset >> 32) as u16,
            kind,
            outcome: Outcome::None,
            at_ms: [at_ms as u32, ((at_ms as u64) >> 32) as u32],
            len,
            seq,
            node: None,
            attempt: None,
            session: None,
        }
    }

    /// Where the line starts in the file.
    pub fn offset(&self) -> u64 {
        u64::from(self.offset_lo) | (u64::from(self.offset_hi) << 32)
    }

    /// Milliseconds since the epoch; `i64::MIN` when `at` was unreadable.
    pub fn at_ms(&self) -> i64 {
        (u64::from(self.at_ms[0]) | (u64::from(self.at_ms[1]) << 32)) as i64
    }

    pub fn at(&self) -> Option<i64> {
        let at = self.at_ms();
        (at != i64::MIN).then_some(at)
    }
}

/// `payload.durationMs` of a `node_outcome`, kept aside because only one
/// event in several carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeDuration {
    pub entry: u32,
    /// As two halves: 12 bytes with 4-byte alignment, not 16.
    duration_ms: [u32; 2],
}

impl OutcomeDuration {
    pub fn new(entry: u32, duration_ms: u64) -> OutcomeDuration {
        OutcomeDuration {
            entry,
            duration_ms: [duration_ms as u32, (duration_ms >> 32) as u32],
        }
    }

    pub fn duration_ms(&self) -> u64 {
        u64::from(self.duration_ms[0]) | (u64::from(self.duration_ms[1]) << 32)
    }
}
