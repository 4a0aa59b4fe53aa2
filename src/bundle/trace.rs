//! The compact index of `trace.ndjson`: one small entry per event, built in a
//! single pass. Payloads stay on disk and are decoded only when asked for.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::error::BundleError;
use super::intern::{Interner, Sym};
use super::ndjson::{next_seq, scan_complete_lines, Line, ScanPosition};
use super::shared_vec::SharedVec;
use super::skim::Skimmed;
use super::timestamp::parse_iso_millis;

mod entry;
mod refs;
mod sessions_named;
pub(crate) mod snapshot;

use sessions_named::SessionsNamed;

pub use entry::{OutcomeDuration, TraceEntry, MAX_OFFSET};
pub use refs::TraceRefs;

pub use super::event_kind::{EventKind, Outcome};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct TraceIndex {
    /// Shared with the copies a live refresh makes (see `SharedVec`).
    entries: SharedVec<TraceEntry>,
    durations: Vec<OutcomeDuration>,
    /// Type names of `Other` events, for display (rare, so a side table).
    other_types: Vec<(u32, Sym)>,
    strings: Interner,
    position: ScanPosition,
    run_id: Option<Sym>,
    /// The entry whose `runId` is `run_id` (for appending another index).
    run_id_entry: u32,
    /// Artifact references of the indexed lines, when asked for (`refs`).
    refs: Option<Box<TraceRefs>>,
    sessions_named: SessionsNamed,
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

    /// `from_bytes` parsing every line with serde: the straightforward
    /// reading the skimming one is checked against.
    pub fn from_bytes_parsed(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut index = TraceIndex::default();
        let path = Path::new("trace.ndjson");
        index.position = scan_complete_lines(bytes, index.position, |line, raw| {
            index.push_parsed_line(line, raw, path)
        })?;
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

    /// Indexes one complete line: skimmed when it is plainly well-formed,
    /// else parsed by serde (which also words the errors).
    pub(crate) fn push_complete_line(
        &mut self,
        line: Line,
        raw: &[u8],
        path: &Path,
    ) -> Result<(), BundleError> {
        if let Some(refs) = self.refs.take() {
            return self.push_line_with_refs(refs, line, raw, path);
        }
        match super::skim::skim_event(raw) {
            Some(fields) => self.push_fields(&fields, line, path),
            None => self.push_parsed_line(line, raw, path),
        }
    }

    /// Indexes one complete line by parsing it with serde, the
    /// straightforward way (the reference the skimmer is tested against).
    pub(crate) fn push_parsed_line(
        &mut self,
        line: Line,
        raw: &[u8],
        path: &Path,
    ) -> Result<(), BundleError> {
        super::ndjson::require_object(raw, path, line)?;
        let envelope: Envelope = serde_json::from_slice(raw).map_err(|err| {
            BundleError::syntax(path, line.number, crate::bundle::error::json_message(&err))
        })?;
        let payload = envelope.payload.as_ref();
        let fields = Skimmed {
            seq: envelope.seq,
            at: envelope.at.as_deref(),
            run_id: envelope.run_id.as_deref(),
            kind: &envelope.kind,
            node_id: envelope.node_id.as_deref(),
            attempt_id: envelope.attempt_id.as_deref(),
            session_id: envelope.session_id.as_deref(),
            outcome: payload.and_then(|p| p.outcome.as_deref()),
            status: payload.and_then(|p| p.status.as_deref()),
            duration_ms: payload.and_then(|p| p.duration_ms),
        };
        self.push_fields(&fields, line, path)
    }

    fn push_fields(
        &mut self,
        envelope: &Skimmed,
        line: Line,
        path: &Path,
    ) -> Result<(), BundleError> {
        let seq = next_seq(envelope.seq, self.entries.last().map(|e| e.seq), path, line)?;
        let kind = EventKind::parse(envelope.kind);
        let entry_number = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        if kind == EventKind::Other {
            let name = self.strings.intern(envelope.kind);
            self.other_types.push((entry_number, name));
        }
        if self.run_id.is_none() {
            self.run_id = envelope.run_id.map(|id| self.strings.intern(id));
            if self.run_id.is_some() {
                self.run_id_entry = entry_number;
            }
        }
        let word = match kind {
            EventKind::NodeOutcome => envelope.outcome,
            EventKind::RunCompleted | EventKind::RunFailed => envelope.status,
            _ => None,
        };
        let mut outcome = word.map(Outcome::parse).unwrap_or_default();
        if let (EventKind::NodeOutcome, Some(ms)) = (kind, envelope.duration_ms) {
            if ms.is_finite() && ms >= 0.0 {
                self.durations
                    .push(OutcomeDuration::new(entry_number, ms as u64));
            }
        }
        if kind == EventKind::RunCompleted && outcome == Outcome::None {
            outcome = Outcome::Completed;
        }
        if line.offset > MAX_OFFSET {
            return Err(BundleError::syntax(
                path,
                line.number,
                "the trace is too large to index (over 256 TiB)",
            ));
        }
        let at_ms = envelope.at.and_then(parse_iso_millis).unwrap_or(i64::MIN);
        let mut entry = TraceEntry::new(line.offset, at_ms, line.len, seq, kind);
        entry.outcome = outcome;
        // Neighbouring events mostly name the same node, attempt and
        // session: compared with the previous event's before hashing.
        let previous = self.entries.last().copied();
        let mut intern = |s: Option<&str>, before: Option<Sym>| {
            let s = s?;
            match before.filter(|&sym| self.strings.resolve(sym) == s) {
                Some(sym) => Some(sym),
                None => Some(self.strings.intern(s)),
            }
        };
        entry.node = intern(envelope.node_id, previous.and_then(|p| p.node));
        entry.attempt = intern(envelope.attempt_id, previous.and_then(|p| p.attempt));
        entry.session = intern(envelope.session_id, previous.and_then(|p| p.session));
        if let Some(session) = entry.session {
            self.sessions_named.note(session);
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Appends `next`, the index of the lines that follow this one's,
    /// as if one pass had indexed both: strings are interned in the order
    /// that pass would have met them. False (and nothing changed) when
    /// `next` does not carry the seq on.
    pub(crate) fn append(&mut self, next: &TraceIndex) -> bool {
        if let (Some(last), Some(first)) = (self.entries.last(), next.entries.first()) {
            if first.seq <= last.seq {
                return false;
            }
        }
        let base = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        // A string the first part holds keeps its symbol; the others are
        // added as one pass would meet them (each is new: `next` holds it
        // once), and the lookup table is built again when next needed.
        let held = self.strings.lookup_all(&next.strings);
        let mut remap: Vec<Option<Sym>> = vec![None; next.strings.len() + 1];
        let mut map = |this: &mut Interner, sym: Sym| {
            let slot = &mut remap[sym.index()];
            *slot.get_or_insert_with(|| {
                held[sym.index()].unwrap_or_else(|| this.push_unlisted(next.strings.resolve(sym)))
            })
        };
        let mut other_types = next.other_types.iter().peekable();
        self.entries.reserve(next.entries.len());
        for (i, entry) in next.entries.iter().enumerate() {
            let i = i as u32;
            if let Some(&&(_, name)) = other_types.peek().filter(|(at, _)| *at == i) {
                other_types.next();
                let name = map(&mut self.strings, name);
                self.other_types.push((base + i, name));
            }
            if self.run_id.is_none() && next.run_id_entry == i {
                if let Some(id) = next.run_id {
                    self.run_id = Some(map(&mut self.strings, id));
                    self.run_id_entry = base + i;
                }
            }
            let mut entry = *entry;
            entry.node = entry.node.map(|s| map(&mut self.strings, s));
            entry.attempt = entry.attempt.map(|s| map(&mut self.strings, s));
            entry.session = entry.session.map(|s| map(&mut self.strings, s));
            self.entries.push(entry);
        }
        // Every one of them was met above, as an entry's session.
        for &session in next.sessions_named.order() {
            let session = map(&mut self.strings, session);
            self.sessions_named.note(session);
        }
        self.durations.extend(
            next.durations
                .iter()
                .map(|d| OutcomeDuration::new(base + d.entry, d.duration_ms())),
        );
        self.position = ScanPosition {
            offset: next.position.offset,
            lines: self.position.lines + next.position.lines,
        };
        self.append_refs(next);
        true
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

    /// The sessions the events name, each once, in the order first named.
    pub fn sessions_named(&self) -> impl Iterator<Item = &str> {
        self.sessions_named
            .order()
            .iter()
            .map(|&sym| self.strings.resolve(sym))
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
        self.sessions_named.shrink_to_fit();
    }

    /// `payload.durationMs` of the `node_outcome` at entry `entry`.
    pub fn duration_ms(&self, entry: usize) -> Option<u64> {
        let entry = u32::try_from(entry).ok()?;
        self.durations
            .binary_search_by_key(&entry, |d| d.entry)
            .ok()
            .map(|i| self.durations[i].duration_ms())
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
            + self.sessions_named.heap_bytes()
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
        assert_eq!(e[4].at_ms() - e[0].at_ms(), 40);
        assert_eq!(index.run_id(), Some("r"));
        let line_start = TRACE.find(r#"{"seq":2"#).expect("line 2") as u64;
        assert_eq!(e[1].offset(), line_start);
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
        assert_eq!(std::mem::size_of::<TraceEntry>(), 36);
    }
}
