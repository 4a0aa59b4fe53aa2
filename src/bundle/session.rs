//! The compact index of a session's `events.ndjson` (raw ACP JSON-RPC traffic
//! with its own `seq`). Like the trace index, messages stay on disk.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::error::{json_message, BundleError};
use super::intern::{Interner, Sym};
use super::ndjson::{next_seq, scan_complete_lines, Line, ScanPosition};
use super::session_skim::{skim_session_event, SkimmedId, SkimmedMessage, SkimmedSession};
use super::timestamp::parse_iso_millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    /// acpx → agent.
    Outbound,
    /// agent → acpx.
    Inbound,
    Unknown,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
            Direction::Unknown => "unknown",
        }
    }
}

/// The JSON-RPC shape of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RpcKind {
    Request,
    Response,
    Notification,
    Unknown,
}

/// One session message, 36 bytes (the main session of a long run has
/// millions): the trace entry's tricks, a 48-bit offset and the time in two
/// halves, so that 4-byte alignment suffices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEntry {
    /// The line's byte offset (`offset()`), 48 bits.
    offset_lo: u32,
    offset_hi: u16,
    pub direction: Direction,
    pub rpc: RpcKind,
    /// Milliseconds since the epoch (`at_ms()`), as two halves.
    at_ms: [u32; 2],
    pub len: u32,
    pub seq: u32,
    /// `method` of requests and notifications.
    pub method: Option<Sym>,
    /// `params.update.sessionUpdate` of `session/update` notifications.
    pub update: Option<Sym>,
    /// The JSON-RPC id (`SessionIndex::rpc_id`).
    rpc_id: RpcIdSlot,
}

/// A JSON-RPC id in 4 bytes: the usual small numbers inline (high bit
/// set), anything else interned as its JSON text (a `Sym`, whose numbers
/// stay below 2^31 as the interner's text is u32-addressed), 0 for none.
/// Requests and responses of a long session have hundreds of thousands of
/// distinct ids; interning each would cost more than the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RpcIdSlot(u32);

const INLINE: u32 = 1 << 31;

impl RpcIdSlot {
    const NONE: RpcIdSlot = RpcIdSlot(0);
}

const _: () = assert!(std::mem::size_of::<SessionEntry>() == 36);

impl SessionEntry {
    /// Where the line starts in the file.
    pub fn offset(&self) -> u64 {
        u64::from(self.offset_lo) | (u64::from(self.offset_hi) << 32)
    }

    /// Milliseconds since the epoch; `i64::MIN` when `at` was unreadable.
    pub fn at_ms(&self) -> i64 {
        (u64::from(self.at_ms[0]) | (u64::from(self.at_ms[1]) << 32)) as i64
    }

    /// The id's 4-byte slot, as the index snapshot stores it.
    pub(crate) fn rpc_slot(&self) -> u32 {
        self.rpc_id.0
    }

    /// An entry read back from an index snapshot, if its offset fits and
    /// its id slot is inline or one of the `strings` symbols.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_snapshot(
        (offset, at_ms, len, seq): (u64, i64, u32, u32),
        method: Option<Sym>,
        update: Option<Sym>,
        rpc_slot: u32,
        (direction, rpc): (Direction, RpcKind),
        strings: usize,
    ) -> Option<SessionEntry> {
        let slot_ok = rpc_slot & INLINE != 0 || rpc_slot as usize <= strings;
        (offset <= super::trace::MAX_OFFSET && slot_ok).then_some(SessionEntry {
            offset_lo: offset as u32,
            offset_hi: (offset >> 32) as u16,
            direction,
            rpc,
            at_ms: [at_ms as u32, ((at_ms as u64) >> 32) as u32],
            len,
            seq,
            method,
            update,
            rpc_id: RpcIdSlot(rpc_slot),
        })
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct SessionIndex {
    entries: Vec<SessionEntry>,
    strings: Interner,
    position: ScanPosition,
}

#[derive(Deserialize)]
struct EventPeek<'a> {
    seq: u64,
    #[serde(borrow, default)]
    at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    direction: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<MessagePeek<'a>>,
}

#[derive(Deserialize)]
struct MessagePeek<'a> {
    #[serde(default)]
    id: Option<RpcId<'a>>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<ParamsPeek<'a>>,
    #[serde(default)]
    result: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RpcId<'a> {
    Number(i64),
    Text(#[serde(borrow)] Cow<'a, str>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct ParamsPeek<'a> {
    #[serde(borrow, default)]
    update: Option<UpdatePeek<'a>>,
}

#[derive(Deserialize)]
struct UpdatePeek<'a> {
    #[serde(borrow, rename = "sessionUpdate", default)]
    session_update: Option<Cow<'a, str>>,
}

impl SessionIndex {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut index = SessionIndex::default();
        index.extend(bytes, Path::new("events.ndjson"))?;
        index.shrink_to_fit();
        Ok(index)
    }

    /// `from_bytes` parsing every line with serde: the straightforward
    /// reading the skimming one is checked against.
    pub fn from_bytes_parsed(bytes: &[u8]) -> Result<Self, BundleError> {
        let mut index = SessionIndex::default();
        let path = Path::new("events.ndjson");
        index.position = scan_complete_lines(bytes, index.position, |line, raw| {
            index.push_parsed_line(line, raw, path)
        })?;
        index.shrink_to_fit();
        Ok(index)
    }

    /// Indexes the complete lines of `chunk` (continuing at the current scan
    /// position) and returns the number of bytes consumed.
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
        match skim_session_event(raw) {
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
        let peek: EventPeek = serde_json::from_slice(raw)
            .map_err(|err| BundleError::syntax(path, line.number, json_message(&err)))?;
        let message = peek.message.as_ref().map(|m| SkimmedMessage {
            id: m.id.as_ref().map(|id| match id {
                RpcId::Number(n) => SkimmedId::Number(*n),
                RpcId::Text(text) => SkimmedId::Text(text),
                RpcId::Other(_) => SkimmedId::Other,
            }),
            method: m.method.as_deref(),
            session_update: m
                .params
                .as_ref()
                .and_then(|p| p.update.as_ref())
                .and_then(|u| u.session_update.as_deref()),
            has_result: m.result.is_some(),
            has_error: m.error.is_some(),
        });
        let fields = SkimmedSession {
            seq: peek.seq,
            at: peek.at.as_deref(),
            direction: peek.direction.as_deref(),
            message,
        };
        self.push_fields(&fields, line, path)
    }

    fn push_fields(
        &mut self,
        fields: &SkimmedSession,
        line: Line,
        path: &Path,
    ) -> Result<(), BundleError> {
        let seq = next_seq(fields.seq, self.entries.last().map(|e| e.seq), path, line)?;
        let direction = match fields.direction {
            Some("outbound") => Direction::Outbound,
            Some("inbound") => Direction::Inbound,
            _ => Direction::Unknown,
        };
        let (mut method, mut update, mut rpc_id, mut rpc) =
            (None, None, RpcIdSlot::NONE, RpcKind::Unknown);
        if let Some(message) = &fields.message {
            method = message.method.map(|m| self.strings.intern(m));
            update = message.session_update.map(|u| self.strings.intern(u));
            rpc_id = match &message.id {
                Some(SkimmedId::Number(n)) => match u32::try_from(*n) {
                    Ok(n) if n < INLINE => RpcIdSlot(INLINE | n),
                    _ => self.interned_rpc_id(&n.to_string()),
                },
                Some(SkimmedId::Text(s)) => self.interned_rpc_id(&format!("{s:?}")),
                _ => RpcIdSlot::NONE,
            };
            rpc = match (&message.method, &message.id) {
                (Some(_), Some(_)) => RpcKind::Request,
                (Some(_), None) => RpcKind::Notification,
                (None, Some(_)) if message.has_result || message.has_error => RpcKind::Response,
                _ => RpcKind::Unknown,
            };
        }
        if line.offset > super::trace::MAX_OFFSET {
            return Err(BundleError::syntax(
                path,
                line.number,
                "the session log is too large to index (over 256 TiB)",
            ));
        }
        let at_ms = fields.at.and_then(parse_iso_millis).unwrap_or(i64::MIN) as u64;
        self.entries.push(SessionEntry {
            offset_lo: line.offset as u32,
            offset_hi: (line.offset >> 32) as u16,
            direction,
            rpc,
            at_ms: [at_ms as u32, (at_ms >> 32) as u32],
            len: line.len,
            seq,
            method,
            update,
            rpc_id,
        });
        Ok(())
    }

    fn interned_rpc_id(&mut self, text: &str) -> RpcIdSlot {
        let sym = self.strings.intern(text);
        RpcIdSlot(u32::try_from(sym.index()).unwrap_or(0) & !INLINE)
    }

    /// The JSON-RPC id of `entry` as its JSON text (`2`, `"abc"`).
    pub fn rpc_id(&self, entry: &SessionEntry) -> Option<Cow<'_, str>> {
        match entry.rpc_id.0 {
            0 => None,
            n if n & INLINE != 0 => Some(Cow::Owned((n & !INLINE).to_string())),
            n => self
                .strings
                .sym(n)
                .map(|sym| Cow::Borrowed(self.resolve(sym))),
        }
    }

    pub fn entries(&self) -> &[SessionEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
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
        self.strings.shrink_to_fit();
    }

    /// Entry positions whose seq lies in `first..=last`.
    pub fn range(&self, first: u32, last: u32) -> std::ops::Range<usize> {
        let start = self.entries.partition_point(|e| e.seq < first);
        let end = self.entries.partition_point(|e| e.seq <= last);
        start..end.max(start)
    }

    /// The strings the entries' symbols name (for the index snapshot).
    pub(crate) fn strings(&self) -> &Interner {
        &self.strings
    }

    /// An index of these parts (a decoded snapshot: the caller checked
    /// them).
    pub(crate) fn from_parts(
        entries: Vec<SessionEntry>,
        strings: Interner,
        position: ScanPosition,
    ) -> SessionIndex {
        SessionIndex {
            entries,
            strings,
            position,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<SessionEntry>() + self.strings.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_messages() {
        let data = concat!(
            r#"{"seq":1,"at":"2026-01-01T00:00:00.000Z","direction":"outbound","message":{"jsonrpc":"2.0","id":2,"method":"session/prompt","params":{"prompt":[]}}}"#,
            "\n",
            r#"{"seq":2,"at":"2026-01-01T00:00:00.001Z","direction":"inbound","message":{"jsonrpc":"2.0","method":"session/update","params":{"update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"hi"}}}}}"#,
            "\n",
            r#"{"seq":3,"at":"2026-01-01T00:00:00.002Z","direction":"inbound","message":{"jsonrpc":"2.0","id":2,"result":{"stopReason":"end_turn"}}}"#,
            "\n",
        );
        let index = SessionIndex::from_bytes(data.as_bytes()).expect("index");
        let e = index.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].rpc, RpcKind::Request);
        assert_eq!(
            index.resolve(e[0].method.expect("method")),
            "session/prompt"
        );
        assert_eq!(e[1].rpc, RpcKind::Notification);
        assert_eq!(
            index.resolve(e[1].update.expect("update")),
            "agent_message_chunk"
        );
        assert_eq!(e[2].rpc, RpcKind::Response);
        assert_eq!(index.rpc_id(&e[0]).as_deref(), Some("2"));
        assert_eq!(index.rpc_id(&e[1]), None);
        assert_eq!(index.rpc_id(&e[2]).as_deref(), Some("2"));
        assert_eq!(e[2].direction, Direction::Inbound);
        assert_eq!(index.range(2, 9), 1..3);
        assert_eq!(index.range(7, 9), 3..3);
    }

    #[test]
    fn rpc_ids_read_back_as_their_json_text() {
        let ids = [
            "0",
            "7",
            "2147483647",
            "2147483648",
            "4294967296",
            "-1",
            "\"abc\"",
            "\"7\"",
        ];
        let data: String = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                format!(
                    "{{\"seq\":{},\"message\":{{\"id\":{id},\"result\":null}}}}\n",
                    i + 1
                )
            })
            .collect();
        let index = SessionIndex::from_bytes(data.as_bytes()).expect("index");
        let read: Vec<String> = index
            .entries()
            .iter()
            .map(|e| index.rpc_id(e).expect("an id").into_owned())
            .collect();
        assert_eq!(read, ids);
    }
}
