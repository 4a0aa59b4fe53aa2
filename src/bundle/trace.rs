//! The compact index of `trace.ndjson`: one small entry per event, built in a
//! single pass. Payloads stay on disk and are decoded only when asked for.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::error::BundleError;
use super::intern::{Interner, Sym};
use super::ndjson::{next_seq, scan_complete_lines, Line, ScanPosition};
use super::timestamp::parse_iso_millis;

/// The event types acpx 0.19.1 writes; anything else is `Other` and keeps its
/// name in the file (readers must ignore unknown types, not reject them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventKind {
    RunStarted,
    NodeStarted,
    NodeHeartbeat,
    ArtifactWritten,
    SessionBound,
    AcpPromptPrepared,
    AcpResponseParsed,
    ActionPrepared,
    ActionCompleted,
    NodeOutcome,
    RunCompleted,
    RunFailed,
    /// Written by `reel` when it forks or rewinds a run.
    RunForked,
    RunRewound,
    /// Written by reel's resume driver where a waiting run went on.
    RunResumed,
    Other,
}

impl EventKind {
    pub fn parse(name: &str) -> Self {
        match name {
            "run_started" => Self::RunStarted,
            "node_started" => Self::NodeStarted,
            "node_heartbeat" => Self::NodeHeartbeat,
            "artifact_written" => Self::ArtifactWritten,
            "session_bound" => Self::SessionBound,
            "acp_prompt_prepared" => Self::AcpPromptPrepared,
            "acp_response_parsed" => Self::AcpResponseParsed,
            "action_prepared" => Self::ActionPrepared,
            "action_completed" => Self::ActionCompleted,
            "node_outcome" => Self::NodeOutcome,
            "run_completed" => Self::RunCompleted,
            "run_failed" => Self::RunFailed,
            "run_forked" => Self::RunForked,
            "run_rewound" => Self::RunRewound,
            "run_resumed" => Self::RunResumed,
            _ => Self::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::RunStarted => "run_started",
            Self::NodeStarted => "node_started",
            Self::NodeHeartbeat => "node_heartbeat",
            Self::ArtifactWritten => "artifact_written",
            Self::SessionBound => "session_bound",
            Self::AcpPromptPrepared => "acp_prompt_prepared",
            Self::AcpResponseParsed => "acp_response_parsed",
            Self::ActionPrepared => "action_prepared",
            Self::ActionCompleted => "action_completed",
            Self::NodeOutcome => "node_outcome",
            Self::RunCompleted => "run_completed",
            Self::RunFailed => "run_failed",
            Self::RunForked => "run_forked",
            Self::RunRewound => "run_rewound",
            Self::RunResumed => "run_resumed",
            Self::Other => "other",
        }
    }

    /// Events after which the run is over.
    pub fn ends_run(self) -> bool {
        matches!(self, Self::RunCompleted | Self::RunFailed)
    }
}

/// Attempt outcomes (`node_outcome.payload.outcome`) and run statuses share
/// this small vocabulary; `Running` is never written, only derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Outcome {
    #[default]
    None,
    Ok,
    Failed,
    TimedOut,
    Cancelled,
    Running,
    Completed,
    Waiting,
    Other,
}

impl Outcome {
    pub fn parse(name: &str) -> Self {
        match name {
            "ok" => Self::Ok,
            "failed" => Self::Failed,
            "timed_out" => Self::TimedOut,
            "cancelled" => Self::Cancelled,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "waiting" => Self::Waiting,
            _ => Self::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Waiting => "waiting",
            Self::Other => "other",
        }
    }
}

/// One trace event, 40 bytes. Strings are interned; the payload is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEntry {
    pub offset: u64,
    /// Milliseconds since the epoch; `i64::MIN` when `at` was unreadable.
    pub at_ms: i64,
    pub len: u32,
    pub seq: u32,
    pub node: Option<Sym>,
    pub attempt: Option<Sym>,
    pub session: Option<Sym>,
    pub kind: EventKind,
    /// `payload.outcome` of `node_outcome`, `payload.status` of run ends.
    pub outcome: Outcome,
}

impl TraceEntry {
    pub fn at(&self) -> Option<i64> {
        (self.at_ms != i64::MIN).then_some(self.at_ms)
    }
}

/// `payload.durationMs` of a `node_outcome`, kept aside because only one
/// event in several carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeDuration {
    pub entry: u32,
    pub duration_ms: u64,
}

#[derive(Debug, Default, Clone)]
pub struct TraceIndex {
    entries: Vec<TraceEntry>,
    durations: Vec<OutcomeDuration>,
    /// Type names of `Other` events, for display (rare, so a side table).
    other_types: Vec<(u32, Sym)>,
    strings: Interner,
    position: ScanPosition,
    run_id: Option<Sym>,
}

/// The envelope fields, borrowed from the line; `payload` is skimmed for the
/// two fields the index keeps and otherwise skipped without allocation.
#[derive(Deserialize)]
struct Envelope<'a> {
    seq: u64,
    #[serde(borrow, default)]
    at: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "runId", default)]
    run_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, rename = "nodeId", default)]
    node_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "attemptId", default)]
    attempt_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "sessionId", default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<PayloadPeek<'a>>,
}

#[derive(Deserialize)]
struct PayloadPeek<'a> {
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(rename = "durationMs", default)]
    duration_ms: Option<f64>,
}

impl TraceIndex {
    /// Indexes a whole trace held in memory (benchmarks, tests). A partial
    /// last line is left unindexed, as when tailing.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut index = TraceIndex::default();
        index.extend(bytes, Path::new("trace.ndjson"))?;
        index.shrink_to_fit();
        Ok(index)
    }

    /// Indexes the complete lines of `chunk`, which continues the file at
    /// `self.scan_position().offset`. Returns the number of bytes consumed;
    /// the caller keeps the rest (a partial line) for the next call.
    pub fn extend(&mut self, chunk: &[u8], path: &Path) -> Result<usize, BundleError> {
        let start = self.position;
        let end = scan_complete_lines(chunk, start, |line, raw| {
            self.push_complete_line(line, raw, path)
        })?;
        self.position = end;
        Ok((end.offset - start.offset) as usize)
    }

    pub(crate) fn push_complete_line(
        &mut self,
        line: Line,
        raw: &[u8],
        path: &Path,
    ) -> Result<(), BundleError> {
        super::ndjson::require_object(raw, path, line)?;
        let envelope: Envelope = serde_json::from_slice(raw).map_err(|err| {
            BundleError::syntax(path, line.number, crate::bundle::error::json_message(&err))
        })?;
        let seq = next_seq(envelope.seq, self.entries.last().map(|e| e.seq), path, line)?;
        let kind = EventKind::parse(&envelope.kind);
        let entry_number = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        if kind == EventKind::Other {
            let name = self.strings.intern(&envelope.kind);
            self.other_types.push((entry_number, name));
        }
        if self.run_id.is_none() {
            self.run_id = envelope.run_id.as_deref().map(|id| self.strings.intern(id));
        }
        let mut outcome = Outcome::None;
        if let Some(payload) = &envelope.payload {
            let word = match kind {
                EventKind::NodeOutcome => payload.outcome.as_deref(),
                EventKind::RunCompleted | EventKind::RunFailed => payload.status.as_deref(),
                _ => None,
            };
            outcome = word.map(Outcome::parse).unwrap_or_default();
            if let (EventKind::NodeOutcome, Some(ms)) = (kind, payload.duration_ms) {
                if ms.is_finite() && ms >= 0.0 {
                    self.durations.push(OutcomeDuration {
                        entry: entry_number,
                        duration_ms: ms as u64,
                    });
                }
            }
        }
        if kind == EventKind::RunCompleted && outcome == Outcome::None {
            outcome = Outcome::Completed;
        }
        let entry = TraceEntry {
            offset: line.offset,
            at_ms: envelope
                .at
                .as_deref()
                .and_then(parse_iso_millis)
                .unwrap_or(i64::MIN),
            len: line.len,
            seq,
            node: envelope.node_id.as_deref().map(|s| self.strings.intern(s)),
            attempt: envelope
                .attempt_id
                .as_deref()
                .map(|s| self.strings.intern(s)),
            session: envelope
                .session_id
                .as_deref()
                .map(|s| self.strings.intern(s)),
            kind,
            outcome,
        };
        self.entries.push(entry);
        Ok(())
    }

    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn strings(&self) -> &Interner {
        &self.strings
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// The `runId` written on the first event, if any.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.map(|s| self.strings.resolve(s))
    }

    pub fn scan_position(&self) -> ScanPosition {
        self.position
    }

    pub(crate) fn set_scan_position(&mut self, position: ScanPosition) {
        self.position = position;
    }

    /// Drops growth slack once a file is fully indexed.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        self.durations.shrink_to_fit();
        self.strings.shrink_to_fit();
    }

    /// `payload.durationMs` of the `node_outcome` at entry `entry`.
    pub fn duration_ms(&self, entry: usize) -> Option<u64> {
        let entry = u32::try_from(entry).ok()?;
        self.durations
            .binary_search_by_key(&entry, |d| d.entry)
            .ok()
            .map(|i| self.durations[i].duration_ms)
    }

    /// The event type as written (resolves `Other` to its real name).
    pub fn type_name(&self, entry: usize) -> &str {
        match self.entries.get(entry) {
            Some(e) if e.kind == EventKind::Other => u32::try_from(entry)
                .ok()
                .and_then(|n| self.other_types.binary_search_by_key(&n, |(i, _)| *i).ok())
                .map(|i| self.strings.resolve(self.other_types[i].1))
                .unwrap_or("other"),
            Some(e) => e.kind.name(),
            None => "",
        }
    }

    /// Position of the event with `seq`, or of the last one before it.
    pub fn entry_at_or_before(&self, seq: u32) -> Option<usize> {
        self.entries
            .partition_point(|e| e.seq <= seq)
            .checked_sub(1)
    }

    /// Bytes of memory the index holds (entries, side tables, strings).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<TraceEntry>()
            + self.durations.capacity() * std::mem::size_of::<OutcomeDuration>()
            + self.other_types.capacity() * std::mem::size_of::<(u32, Sym)>()
            + self.strings.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = concat!(
        r#"{"seq":1,"at":"2026-01-01T00:00:00.000Z","runId":"r","scope":"run","type":"run_started","payload":{}}"#,
        "\n",
        r#"{"seq":2,"at":"2026-01-01T00:00:00.010Z","runId":"r","scope":"node","type":"node_started","nodeId":"a","attemptId":"a#1","payload":{"nodeType":"compute"}}"#,
        "\n",
        r#"{"seq":3,"at":"2026-01-01T00:00:00.020Z","runId":"r","scope":"x","type":"brand_new","payload":{"outcome":"ignored"}}"#,
        "\n",
        r#"{"seq":4,"at":"2026-01-01T00:00:00.030Z","runId":"r","scope":"node","type":"node_outcome","nodeId":"a","attemptId":"a#1","payload":{"outcome":"failed","durationMs":20,"error":"boom"}}"#,
        "\n",
        r#"{"seq":5,"at":"2026-01-01T00:00:00.040Z","runId":"r","scope":"run","type":"run_failed","payload":{"status":"timed_out"}}"#,
        "\n",
        r#"{"seq":6,"at":"#,
    );

    #[test]
    fn indexes_envelopes_and_skips_partial_tail() {
        let index = TraceIndex::from_bytes(TRACE.as_bytes()).expect("index");
        assert_eq!(index.len(), 5);
        let e = index.entries();
        assert_eq!(e[1].kind, EventKind::NodeStarted);
        assert_eq!(index.resolve(e[1].attempt.expect("attempt")), "a#1");
        assert_eq!(e[2].kind, EventKind::Other);
        assert_eq!(index.type_name(2), "brand_new");
        assert_eq!(e[2].outcome, Outcome::None);
        assert_eq!(e[3].outcome, Outcome::Failed);
        assert_eq!(index.duration_ms(3), Some(20));
        assert_eq!(e[4].outcome, Outcome::TimedOut);
        assert_eq!(e[4].at_ms - e[0].at_ms, 40);
        assert_eq!(index.run_id(), Some("r"));
        let line_start = TRACE.find(r#"{"seq":2"#).expect("line 2") as u64;
        assert_eq!(e[1].offset, line_start);
        assert_eq!(index.entry_at_or_before(3), Some(2));
        assert_eq!(index.entry_at_or_before(0), None);
    }

    #[test]
    fn bad_line_names_its_number() {
        let broken = TRACE.replacen(r#"{"seq":3"#, r#"{not json"#, 1);
        let err = TraceIndex::from_bytes(broken.as_bytes()).expect_err("must fail");
        assert_eq!(err.line(), Some(3));
        assert!(
            err.to_string().starts_with("trace.ndjson:3: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn seq_must_increase() {
        let swapped = TRACE.replacen(r#""seq":4"#, r#""seq":2"#, 1);
        let err = TraceIndex::from_bytes(swapped.as_bytes()).expect_err("must fail");
        assert_eq!(err.line(), Some(4));
    }

    #[test]
    fn entries_stay_compact() {
        assert!(std::mem::size_of::<TraceEntry>() <= 40);
    }
}
