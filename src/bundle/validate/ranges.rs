//! Every ACP attempt's conversation range (`FlowConversationTrace`,
//! FORMAT.md §8) must still be in its session log: `eventStartSeq` and
//! `eventEndSeq` are events of `sessions/<id>/events.ndjson`. A truncated,
//! emptied or replaced log loses the conversation even though each file
//! parses on its own.

use std::io::{BufRead, BufReader};

use serde_json::Value;

use crate::bundle::error::Problem;
use crate::bundle::{safe_open, Bundle, EventKind, SessionIndex, TraceEntry};

/// One range that its session log no longer holds.
struct Missing {
    offset: u64,
    message: String,
}

pub(super) fn check_conversation_ranges(bundle: &Bundle, problems: &mut Vec<Problem>) {
    let outcomes: Vec<_> = bundle
        .trace
        .entries()
        .iter()
        .filter(|e| e.kind == EventKind::NodeOutcome)
        .copied()
        .collect();
    let mut missing = Vec::new();
    // Outcomes are read in batches: one read per span of at most a few MiB;
    // each link is checked as it is read (a million-attempt run has a
    // third of a million, too many to hold as values).
    for chunk in spans(&outcomes, 8 << 20) {
        let read = bundle.read_events(chunk, |entry, event| {
            let link = event.pointer("/payload/conversation");
            if let Some(message) = link.and_then(|link| check_link(bundle, link)) {
                missing.push(Missing {
                    offset: entry.offset(),
                    message,
                });
            }
        });
        if read.is_err() {
            return; // Reported by the trace check.
        }
    }
    if missing.is_empty() {
        return;
    }
    let lines = line_numbers(bundle, missing.iter().map(|m| m.offset));
    for (m, line) in missing.into_iter().zip(lines) {
        problems.push(Problem::error(&bundle.paths.trace, line, m.message));
    }
}

/// `entries` (ascending offsets) cut into runs whose lines span at most
/// `limit` bytes (a single longer line is a run of its own).
fn spans(entries: &[TraceEntry], limit: u64) -> Vec<&[TraceEntry]> {
    let mut out = Vec::new();
    let mut first = 0;
    for i in 1..=entries.len() {
        let ends_here = entries.get(i).is_none_or(|next| {
            next.offset() + u64::from(next.len) - entries[first].offset() > limit
        });
        if ends_here {
            out.push(&entries[first..i]);
            first = i;
        }
    }
    out
}

/// What is wrong with one link, if anything.
fn check_link(bundle: &Bundle, link: &Value) -> Option<String> {
    let id = link.get("sessionId").and_then(Value::as_str)?;
    let seq = |key: &str| link.get(key).and_then(Value::as_u64);
    let (Some(start), Some(end)) = (seq("eventStartSeq"), seq("eventEndSeq")) else {
        return None;
    };
    let Some(session) = bundle.session(id) else {
        return Some(format!(
            "conversation names session {id:?}, which this bundle does not have"
        ));
    };
    // A log that cannot be read at all is reported by the session check.
    let index = session.index().ok()?;
    safe_open::regular_metadata(&bundle.root, &session.events)?;
    let absent: Vec<u64> = [start, end]
        .into_iter()
        .filter(|&seq| !holds(index, seq))
        .collect();
    if absent.is_empty() {
        return None;
    }
    Some(format!(
        "conversation events {start}..{end} of session {id:?} are not in {} ({}): \
         the log was truncated or replaced",
        session.events.display(),
        describe(index)
    ))
}

fn holds(index: &SessionIndex, seq: u64) -> bool {
    u32::try_from(seq).ok().is_some_and(|seq| {
        index
            .entries()
            .binary_search_by_key(&seq, |e| e.seq)
            .is_ok()
    })
}

fn describe(index: &SessionIndex) -> String {
    match (index.entries().first(), index.entries().last()) {
        (Some(first), Some(last)) => format!(
            "it holds {}, seq {}..{}",
            crate::humanize::plural(index.len(), "event"),
            first.seq,
            last.seq
        ),
        _ => "it holds no event".to_string(),
    }
}

/// The 1-based line numbers of lines starting at `offsets` (ascending), in
/// one streamed pass over the trace.
fn line_numbers(bundle: &Bundle, offsets: impl Iterator<Item = u64>) -> Vec<Option<usize>> {
    let offsets: Vec<u64> = offsets.collect();
    let Ok((file, _)) = bundle.open_file(&bundle.paths.trace) else {
        return vec![None; offsets.len()];
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut at, mut line) = (0u64, 1usize);
    let mut out = Vec::with_capacity(offsets.len());
    for offset in offsets {
        while at < offset {
            let Ok(buf) = reader.fill_buf() else {
                break;
            };
            if buf.is_empty() {
                break;
            }
            let take = buf
                .len()
                .min(usize::try_from(offset - at).unwrap_or(usize::MAX));
            line += memchr::memchr_iter(b'\n', &buf[..take]).count();
            reader.consume(take);
            at += take as u64;
        }
        out.push((at == offset).then_some(line));
    }
    out
}
