//! A `TraceIndex` as bytes and back, for the index snapshot cache. Reading
//! never trusts the bytes (they are a file on disk): every count, symbol,
//! enum tag, offset and order is checked, and anything off is `None`.

use super::{
    EventKind, Interner, Outcome, OutcomeDuration, SessionsNamed, Sym, TraceEntry, TraceIndex,
};
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
        for e in self.entries.iter() {
            for word in entry_words(e) {
                put_u32(out, word);
            }
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
        let sessions = self.sessions_named.order();
        put_u64(out, sessions.len() as u64);
        for session in sessions {
            put_u32(out, session.index() as u32);
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
        // Read in the entries' own layout, checked, then taken as entries.
        let mut words: Vec<EntryWords> = vec![[0; 9]; count];
        let symbols = u32::try_from(strings.len()).ok()?;
        let mut previous = None;
        r.read_words(&mut words, |piece| {
            check_words(piece, symbols, &mut previous, position)
        })?;
        let entries = entries_from_words(words, &strings)?;
        let durations_len = r.len(12)?;
        let mut words: Vec<[u32; 3]> = vec![[0; 3]; durations_len];
        let mut last_entry = None;
        r.read_words(&mut words, |piece| {
            let sorted = piece.iter().all(|w| {
                let entry = u32::from_le(w[0]);
                let after = last_entry.is_none_or(|p| entry > p);
                last_entry = Some(entry);
                after && (entry as usize) < entries.len()
            });
            sorted.then_some(())
        })?;
        // In place: the same size and alignment.
        let durations: Vec<OutcomeDuration> = words
            .into_iter()
            .map(|w| {
                let w = w.map(u32::from_le);
                OutcomeDuration::new(w[0], u64::from(w[1]) | u64::from(w[2]) << 32)
            })
            .collect();
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
        let sessions_len = r.len(4)?;
        let mut sessions = Vec::with_capacity(sessions_len);
        r.records(sessions_len, 4, |record| {
            sessions.push(sym(u32::from_le_bytes(word(record, 0)))??);
            Some(())
        })?;
        let sessions_named = SessionsNamed::from_order(sessions)?;
        let run_id = sym(run_id)?;
        Some(TraceIndex {
            entries: entries.into(),
            durations,
            other_types,
            strings,
            position,
            run_id,
            run_id_entry,
            refs: None,
            sessions_named,
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
    let mut words: Vec<[u32; 1]> = vec![[0]; ends_len];
    r.read_words(&mut words, |_| Some(()))?;
    // In place (`from_parts` checks them).
    let ends = words.into_iter().map(|[end]| u32::from_le(end)).collect();
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
/// previous entry's, with a higher seq, and ends within the indexed bytes
/// (`check_words` applies the same rule to a piece of trace entries).
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

/// One stored entry: nine little-endian words, in the order and packing of
/// `TraceEntry`'s `repr(C)` fields (offset low half; offset high 16 bits,
/// kind and outcome tags; `at_ms` halves; len; seq; node; attempt;
/// session), so that on a little-endian machine the words read are the
/// entries themselves once checked.
type EntryWords = [u32; 9];

/// Bytes of one encoded entry (for bounds and capacity).
const ENTRY_BYTES: usize = std::mem::size_of::<EntryWords>();

fn entry_words(e: &TraceEntry) -> EntryWords {
    let sym = |s: Option<Sym>| s.map_or(0, |s| s.index() as u32);
    [
        e.offset_lo,
        u32::from(e.offset_hi) | u32::from(e.kind as u8) << 16 | u32::from(e.outcome as u8) << 24,
        e.at_ms[0],
        e.at_ms[1],
        e.len,
        e.seq,
        sym(e.node),
        sym(e.attempt),
        sym(e.session),
    ]
}

/// Whether a piece of stored words makes entries: tags that name a kind
/// and an outcome, symbols within the strings (0: none), and each line
/// after the one before (`in_order`'s rule; `previous` carries the last
/// one's seq and end over to the next piece). Without branches per entry:
/// on the 1M run this loads the snapshot ~12 ms sooner than a loop that
/// calls `in_order` for each entry.
fn check_words(
    piece: &[EntryWords],
    symbols: u32,
    previous: &mut Option<(u32, u64)>,
    indexed: ScanPosition,
) -> Option<()> {
    let (Some(first), Some(last)) = (piece.first(), piece.last()) else {
        return Some(());
    };
    let words = |w: &EntryWords| {
        let w = w.map(u32::from_le);
        let offset = u64::from(w[0]) | u64::from(w[1] & 0xffff) << 32;
        // No overflow: 48 bits plus 32.
        (w, offset, offset + u64::from(w[4]))
    };
    let wrong = |w: [u32; 9], end: u64| {
        (((w[1] >> 16) & 0xff) >= EventKind::TAGS)
            | ((w[1] >> 24) >= Outcome::TAGS)
            | (w[6] > symbols)
            | (w[7] > symbols)
            | (w[8] > symbols)
            | (end > indexed.offset)
    };
    let (w, offset, end) = words(first);
    let mut bad =
        wrong(w, end) | previous.is_some_and(|(p_seq, p_end)| w[5] <= p_seq || offset <= p_end);
    // Each entry against the one before it, in the piece itself: no value
    // carried from one step to the next.
    for pair in piece.windows(2) {
        let (before, _, before_end) = words(&pair[0]);
        let (w, offset, end) = words(&pair[1]);
        bad |= wrong(w, end) | (w[5] <= before[5]) | (offset <= before_end);
    }
    if bad {
        return None;
    }
    let (w, _, end) = words(last);
    *previous = Some((w[5], end));
    Some(())
}

// `entries_from_words` relies on this layout.
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<TraceEntry>() == ENTRY_BYTES && align_of::<TraceEntry>() == 4);
    assert!(size_of::<Option<Sym>>() == 4);
    assert!(offset_of!(TraceEntry, offset_lo) == 0 && offset_of!(TraceEntry, offset_hi) == 4);
    assert!(offset_of!(TraceEntry, kind) == 6 && offset_of!(TraceEntry, outcome) == 7);
    assert!(offset_of!(TraceEntry, at_ms) == 8 && offset_of!(TraceEntry, len) == 16);
    assert!(offset_of!(TraceEntry, seq) == 20 && offset_of!(TraceEntry, node) == 24);
    assert!(offset_of!(TraceEntry, attempt) == 28 && offset_of!(TraceEntry, session) == 32);
};

/// Words that passed `check_words`, as entries, in place.
#[cfg(target_endian = "little")]
fn entries_from_words(words: Vec<EntryWords>, _: &Interner) -> Option<Vec<TraceEntry>> {
    let mut words = std::mem::ManuallyDrop::new(words);
    let (ptr, len, capacity) = (words.as_mut_ptr(), words.len(), words.capacity());
    // SAFETY: `TraceEntry` has the size and alignment of `EntryWords` and
    // its fields at the words' places (asserted above), so the allocation
    // fits it; every record's tags name variants of the two `repr(u8)`
    // enums and its symbols are 0 (`None`) or a non-zero `Sym`.
    Some(unsafe { Vec::from_raw_parts(ptr.cast::<TraceEntry>(), len, capacity) })
}

/// Words that passed `check_words`, as entries, one by one.
#[cfg(not(target_endian = "little"))]
fn entries_from_words(words: Vec<EntryWords>, strings: &Interner) -> Option<Vec<TraceEntry>> {
    words
        .iter()
        .map(|w| {
            let w = w.map(u32::from_le);
            let offset = u64::from(w[0]) | u64::from(w[1] & 0xffff) << 32;
            let at = (u64::from(w[2]) | u64::from(w[3]) << 32) as i64;
            let mut entry = TraceEntry::new(
                offset,
                at,
                w[4],
                w[5],
                *EventKind::ALL.get(((w[1] >> 16) & 0xff) as usize)?,
            );
            entry.outcome = *Outcome::ALL.get((w[1] >> 24) as usize)?;
            entry.node = symbol(strings, w[6])?;
            entry.attempt = symbol(strings, w[7])?;
            entry.session = symbol(strings, w[8])?;
            Some(entry)
        })
        .collect()
}

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
            r#"{"seq":5,"type":"node_outcome","attemptId":"a#1","sessionId":"t","payload":{"outcome":"ok","durationMs":3}}"#,
            "\n",
        );
        let index = TraceIndex::from_bytes(trace.as_bytes()).expect("index");
        let mut bytes = Vec::new();
        index.encode(&mut bytes);
        assert_eq!(decoded(&bytes), Some(index.clone()));
        let named = |index: &TraceIndex| {
            index
                .sessions_named()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(named(&decoded(&bytes).expect("decoded")), ["s", "t"]);
        // The sessions named last: one twice, or one beyond the strings.
        let end = bytes.len();
        for (what, value) in [
            ("a session named twice", bytes[end - 8..end - 4].to_vec()),
            (
                "a session beyond the strings",
                (index.strings().len() as u32 + 1).to_le_bytes().to_vec(),
            ),
        ] {
            let mut changed = bytes.clone();
            changed[end - 4..].copy_from_slice(&value);
            assert_eq!(decoded(&changed), None, "{what}");
        }
        assert_eq!(decoded(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decoded(&longer), None);
        // Entries out of order, past the indexed bytes, with unknown tags
        // or symbols: refused (each word set as a damaged file could).
        let first: Vec<u8> = entry_words(&index.entries()[0])
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        let base = bytes
            .windows(first.len())
            .position(|w| w == first.as_slice())
            .expect("entries in the encoding");
        let with_word = |entry: usize, word: usize, value: u32| {
            let mut changed = bytes.clone();
            let at = base + entry * ENTRY_BYTES + word * 4;
            changed[at..at + 4].copy_from_slice(&value.to_le_bytes());
            changed
        };
        let e = index.entries();
        let kind_and_outcome =
            |kind: u32, outcome: u32| (e[1].offset() >> 32) as u32 | kind << 16 | outcome << 24;
        let strings = index.strings().len() as u32;
        for (what, changed) in [
            ("seq not above the one before", with_word(1, 5, e[0].seq)),
            (
                "line inside the one before",
                with_word(1, 0, e[0].offset() as u32 + 3),
            ),
            ("line past the indexed bytes", with_word(2, 4, 1 << 20)),
            (
                "unknown kind",
                with_word(1, 1, kind_and_outcome(EventKind::TAGS, 0)),
            ),
            (
                "unknown outcome",
                with_word(1, 1, kind_and_outcome(0, Outcome::TAGS)),
            ),
            ("node beyond the strings", with_word(1, 6, strings + 1)),
            ("session beyond the strings", with_word(1, 8, strings + 1)),
        ] {
            assert_eq!(decoded(&changed), None, "{what}");
        }
        // The same words with values that hold still decode.
        assert!(decoded(&with_word(1, 6, strings)).is_some());
        assert!(decoded(&with_word(
            1,
            1,
            kind_and_outcome(EventKind::TAGS - 1, Outcome::TAGS - 1)
        ))
        .is_some());
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
