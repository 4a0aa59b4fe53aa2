//! A `TraceIndex` as bytes and back, for the index snapshot cache. Reading
//! never trusts the bytes (they are a file on disk): every count, symbol,
//! enum tag, offset and order is checked, and anything off is `None`.

use super::{EventKind, Interner, Outcome, OutcomeDuration, Sym, TraceEntry, TraceIndex};
use crate::bundle::ndjson::ScanPosition;
use crate::bundle::snapshot_reader::SnapshotReader;
use std::io::Read;

impl TraceIndex {
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let sym = |s: Option<Sym>| s.map_or(0, |s| s.index() as u32);
        put_position(out, self.position);
        put_u32(out, sym(self.run_id));
        put_u32(out, self.run_id_entry);
        put_strings(out, &self.strings);
        put_u64(out, self.entries.len() as u64);
        out.reserve(self.entries.len() * ENTRY_BYTES);
        for e in &self.entries {
            put_u64(out, e.offset());
            put_u64(out, e.at_ms() as u64);
            put_u32(out, e.len);
            put_u32(out, e.seq);
            put_u32(out, sym(e.node));
            put_u32(out, sym(e.attempt));
            put_u32(out, sym(e.session));
            out.push(e.kind as u8);
            out.push(e.outcome as u8);
        }
        put_u64(out, self.durations.len() as u64);
        for d in &self.durations {
            put_u32(out, d.entry);
            put_u64(out, d.duration_ms());
        }
        put_u64(out, self.other_types.len() as u64);
        for &(entry, name) in &self.other_types {
            put_u32(out, entry);
            put_u32(out, name.index() as u32);
        }
    }

    /// The index `encode` wrote, if the bytes that follow in `r` hold
    /// one that makes sense: symbols within the strings, seqs increasing,
    /// lines inside the indexed bytes, side tables sorted and pointing at
    /// their entries. (The caller checks that nothing follows.)
    pub(crate) fn decode<R: Read>(r: &mut SnapshotReader<R>) -> Option<TraceIndex> {
        let position = read_position(r)?;
        let run_id = r.u32()?;
        let run_id_entry = r.u32()?;
        let strings = read_strings(r)?;
        let sym = |id: u32| symbol(&strings, id);
        let count = r.len(ENTRY_BYTES)?;
        let mut entries: Vec<TraceEntry> = Vec::with_capacity(count);
        // Fixed-size records read at fixed places.
        r.records(count, ENTRY_BYTES, |record| {
            let u64_at = |at: usize| u64::from_le_bytes(word(record, at));
            let u32_at = |at: usize| u32::from_le_bytes(word(record, at));
            let offset = u64_at(0);
            if offset > super::MAX_OFFSET {
                return None;
            }
            let kind = EventKind::from_tag(record[36])?;
            let mut entry = TraceEntry::new(offset, u64_at(8) as i64, u32_at(16), u32_at(20), kind);
            entry.outcome = Outcome::from_tag(record[37])?;
            entry.node = sym(u32_at(24))?;
            entry.attempt = sym(u32_at(28))?;
            entry.session = sym(u32_at(32))?;
            let previous = entries.last().map(|p| (p.seq, p.offset(), p.len));
            if !in_order(previous, (entry.seq, entry.offset(), entry.len), position) {
                return None;
            }
            entries.push(entry);
            Some(())
        })?;
        let durations_len = r.len(12)?;
        let mut durations: Vec<OutcomeDuration> = Vec::with_capacity(durations_len);
        r.records(durations_len, 12, |record| {
            let d = OutcomeDuration::new(
                u32::from_le_bytes(word(record, 0)),
                u64::from_le_bytes(word(record, 4)),
            );
            let sorted = durations.last().is_none_or(|p| d.entry > p.entry);
            if !sorted || d.entry as usize >= entries.len() {
                return None;
            }
            durations.push(d);
            Some(())
        })?;
        let others_len = r.len(8)?;
        let mut other_types: Vec<(u32, Sym)> = Vec::with_capacity(others_len);
        r.records(others_len, 8, |record| {
            let entry = u32::from_le_bytes(word(record, 0));
            let name = sym(u32::from_le_bytes(word(record, 4)))??;
            let sorted = other_types.last().is_none_or(|&(p, _)| entry > p);
            if !sorted || entry as usize >= entries.len() {
                return None;
            }
            other_types.push((entry, name));
            Some(())
        })?;
        let run_id = sym(run_id)?;
        Some(TraceIndex {
            entries,
            durations,
            other_types,
            strings,
            position,
            run_id,
            run_id_entry,
            refs: None,
        })
    }
}

/// Where indexing stopped (`read_position` reads it back).
pub(crate) fn put_position(out: &mut Vec<u8>, position: ScanPosition) {
    put_u64(out, position.offset);
    put_u64(out, position.lines as u64);
}

pub(crate) fn read_position<R: Read>(r: &mut SnapshotReader<R>) -> Option<ScanPosition> {
    Some(ScanPosition {
        offset: r.u64()?,
        lines: usize::try_from(r.u64()?).ok()?,
    })
}

/// An interner's text and end offsets (`read_strings` reads them back).
pub(crate) fn put_strings(out: &mut Vec<u8>, strings: &Interner) {
    let (text, ends) = strings.parts();
    put_u64(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
    put_u64(out, ends.len() as u64);
    for &end in ends {
        put_u32(out, end);
    }
}

pub(crate) fn read_strings<R: Read>(r: &mut SnapshotReader<R>) -> Option<Interner> {
    let text_len = r.len(1)?;
    let text = String::from_utf8(r.vec(text_len)?).ok()?;
    let ends_len = r.len(4)?;
    let mut ends = Vec::with_capacity(ends_len);
    r.records(ends_len, 4, |end| {
        ends.push(u32::from_le_bytes(word(end, 0)));
        Some(())
    })?;
    Interner::from_parts(text, ends)
}

/// A stored symbol number: 0 for none, else one of `strings`' (`None`
/// for anything beyond them).
pub(crate) fn symbol(strings: &Interner, id: u32) -> Option<Option<Sym>> {
    match id {
        0 => Some(None),
        _ if id as usize <= strings.len() => Some(strings.sym(id)),
        _ => None,
    }
}

/// Whether a stored entry's line (`seq`, offset, length) comes after the
/// previous entry's, with a higher seq, and ends within the indexed bytes.
pub(crate) fn in_order(
    previous: Option<(u32, u64, u32)>,
    (seq, offset, len): (u32, u64, u32),
    indexed: ScanPosition,
) -> bool {
    let after = previous.is_none_or(|(p_seq, p_offset, p_len)| {
        seq > p_seq && offset > p_offset.saturating_add(u64::from(p_len))
    });
    after && offset.saturating_add(u64::from(len)) <= indexed.offset
}

/// `N` bytes of `record` from `at` (the caller's records are long enough:
/// zeros otherwise, which the checks refuse or read as nothing).
pub(crate) fn word<const N: usize>(record: &[u8], at: usize) -> [u8; N] {
    record
        .get(at..at + N)
        .and_then(|bytes| bytes.try_into().ok())
        .unwrap_or([0; N])
}

/// Bytes of one encoded entry (for bounds and capacity).
const ENTRY_BYTES: usize = 8 + 8 + 4 * 5 + 2;

pub(crate) fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::snapshot_reader::hash_bytes;

    /// `body` decoded as a whole snapshot (its checksum made for it, so
    /// that what is tested is decoding's own checks).
    fn decoded(body: &[u8]) -> Option<TraceIndex> {
        let mut bytes = body.to_vec();
        bytes.extend_from_slice(&hash_bytes(body).to_le_bytes());
        let mut r = SnapshotReader::new(&bytes[..], bytes.len() as u64)?;
        let index = TraceIndex::decode(&mut r)?;
        r.finish().map(|()| index)
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let trace = concat!(
            r#"{"seq":1,"at":"2026-01-01T00:00:00.000Z","runId":"r","type":"run_started"}"#,
            "\n",
            r#"{"seq":2,"type":"brand_new","nodeId":"a","attemptId":"a#1","sessionId":"s"}"#,
            "\n\n",
            r#"{"seq":5,"type":"node_outcome","attemptId":"a#1","payload":{"outcome":"ok","durationMs":3}}"#,
            "\n",
        );
        let index = TraceIndex::from_bytes(trace.as_bytes()).expect("index");
        let mut bytes = Vec::new();
        index.encode(&mut bytes);
        assert_eq!(decoded(&bytes), Some(index.clone()));
        assert_eq!(decoded(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decoded(&longer), None);
        // Any single damaged byte decodes to nothing or to an index whose
        // symbols all resolve (never a panic).
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x41;
            if let Some(decoded) = decoded(&damaged) {
                for e in decoded.entries() {
                    for sym in [e.node, e.attempt, e.session].into_iter().flatten() {
                        assert!(sym.index() <= decoded.strings().len());
                    }
                }
            }
        }
    }
}
