//! A `SessionIndex` as bytes and back, for the index snapshot cache (the
//! same rules as the trace's: `trace/snapshot.rs`). A large session's
//! `events.ndjson` is reindexed otherwise each time its run is reopened.

use std::io::Read;

use super::index_cache::Snapshot;
use super::intern::Sym;
use super::ndjson::ScanPosition;
use super::session::{Direction, RpcKind, SessionEntry, SessionIndex};
use super::snapshot_reader::SnapshotReader;
use super::trace::snapshot::{
    in_order, put_position, put_strings, put_u32, put_u64, read_position, read_strings, symbol,
    word,
};

/// Bytes of one encoded entry.
const ENTRY_BYTES: usize = 8 + 8 + 4 * 5 + 2;

impl Snapshot for SessionIndex {
    const MAGIC: &'static [u8; 8] = b"REELSES1";
    /// `runs/<run>/sessions/<id>/events.ndjson`.
    const RUNS_FOLDER_UP: usize = 4;

    fn encode(&self, out: &mut Vec<u8>) {
        let sym = |s: Option<Sym>| s.map_or(0, |s| s.index() as u32);
        put_position(out, self.scan_position());
        put_strings(out, self.strings());
        put_u64(out, self.len() as u64);
        for e in self.entries() {
            put_u64(out, e.offset());
            put_u64(out, e.at_ms() as u64);
            put_u32(out, e.len);
            put_u32(out, e.seq);
            put_u32(out, sym(e.method));
            put_u32(out, sym(e.update));
            put_u32(out, e.rpc_slot());
            out.push(e.direction as u8);
            out.push(e.rpc as u8);
        }
    }

    fn decode<R: Read>(r: &mut SnapshotReader<R>) -> Option<SessionIndex> {
        let position = read_position(r)?;
        let strings = read_strings(r)?;
        let sym = |id: u32| symbol(&strings, id);
        let count = r.len(ENTRY_BYTES)?;
        let mut entries: Vec<SessionEntry> = Vec::with_capacity(count);
        r.records(count, ENTRY_BYTES, |record| {
            let u32_at = |at: usize| u32::from_le_bytes(word(record, at));
            let entry = SessionEntry::from_snapshot(
                (
                    u64::from_le_bytes(word(record, 0)),
                    u64::from_le_bytes(word(record, 8)) as i64,
                    u32_at(16),
                    u32_at(20),
                ),
                sym(u32_at(24))?,
                sym(u32_at(28))?,
                u32_at(32),
                (direction_from_tag(record[36])?, rpc_from_tag(record[37])?),
                strings.len(),
            )?;
            let previous = entries.last().map(|p| (p.seq, p.offset(), p.len));
            if !in_order(previous, (entry.seq, entry.offset(), entry.len), position) {
                return None;
            }
            entries.push(entry);
            Some(())
        })?;
        Some(SessionIndex::from_parts(entries, strings, position))
    }

    fn scan_position(&self) -> ScanPosition {
        SessionIndex::scan_position(self)
    }

    fn last_line_offset(&self) -> Option<u64> {
        self.entries().last().map(|e| e.offset())
    }

    fn is_empty(&self) -> bool {
        SessionIndex::is_empty(self)
    }

    fn encoded_len_hint(&self) -> usize {
        self.len() * ENTRY_BYTES + self.strings().parts().0.len()
    }
}

fn direction_from_tag(tag: u8) -> Option<Direction> {
    [Direction::Outbound, Direction::Inbound, Direction::Unknown]
        .into_iter()
        .find(|d| *d as u8 == tag)
}

fn rpc_from_tag(tag: u8) -> Option<RpcKind> {
    [
        RpcKind::Request,
        RpcKind::Response,
        RpcKind::Notification,
        RpcKind::Unknown,
    ]
    .into_iter()
    .find(|k| *k as u8 == tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::snapshot_reader::hash_bytes;

    fn decoded(body: &[u8]) -> Option<SessionIndex> {
        let mut bytes = body.to_vec();
        bytes.extend_from_slice(&hash_bytes(body).to_le_bytes());
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64)?;
        let index = <SessionIndex as Snapshot>::decode(&mut r)?;
        r.finish().map(|()| index)
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let data = concat!(
            r#"{"seq":1,"at":"2026-01-01T00:00:00.000Z","direction":"outbound","message":{"jsonrpc":"2.0","id":2,"method":"session/prompt","params":{"prompt":[]}}}"#,
            "\n",
            r#"{"seq":2,"direction":"inbound","message":{"jsonrpc":"2.0","method":"session/update","params":{"update":{"sessionUpdate":"agent_message_chunk"}}}}"#,
            "\n\n",
            r#"{"seq":4,"at":"2026-01-01T00:00:00.002Z","direction":"inbound","message":{"jsonrpc":"2.0","id":"x","result":{"stopReason":"end_turn"}}}"#,
            "\n",
        );
        let index = SessionIndex::from_bytes(data.as_bytes()).expect("index");
        assert_eq!(index.len(), 3);
        let mut bytes = Vec::new();
        Snapshot::encode(&index, &mut bytes);
        assert_eq!(decoded(&bytes), Some(index.clone()));
        assert_eq!(decoded(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decoded(&longer), None);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x41;
            if let Some(decoded) = decoded(&damaged) {
                for e in decoded.entries() {
                    for sym in [e.method, e.update].into_iter().flatten() {
                        assert!(sym.index() <= decoded.strings().len());
                    }
                    let _ = decoded.rpc_id(e);
                }
            }
        }
    }
}
