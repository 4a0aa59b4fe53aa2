//! `show --json` written by hand, field by field, into one reused buffer:
//! the same bytes as serializing the document with serde (the reference
//! builder in `show.rs` is compared with it on every bundle), without a
//! serializer call per value. Attempts are most of the document (a million
//! of them in a large run); the few other fields go through serde.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc;

use serde::Serialize;

use super::{failed_attempt_id, failure_field, Summary};
use crate::bundle::timestamp::push_iso_millis;
use crate::model::{Attempt, Run};
use crate::sanitize::json::{push_str, to_writer};

/// Bytes gathered before they are passed on (and through the sanitizer).
const BATCH: usize = 1 << 16;

/// Attempts rendered as one piece: in a large run, pieces are rendered by
/// two threads in turn (rendering is most of `show --json`'s own time).
const ATTEMPTS_PER_PIECE: usize = 4096;

/// Writes the `show --json` line (its fields are a contract: see the
/// README), one batch of attempts at a time.
pub(super) fn write_doc<W: Write>(out: &mut W, run: &Run, summary: &Summary) -> io::Result<()> {
    write_doc_in_pieces(out, run, summary, ATTEMPTS_PER_PIECE)
}

/// `write_doc`, its attempts rendered `per_piece` at a time.
pub(super) fn write_doc_in_pieces<W: Write>(
    out: &mut W,
    run: &Run,
    summary: &Summary,
    per_piece: usize,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(BATCH + 1024);
    buf.extend_from_slice(b"{\"runId\":");
    push_str(&mut buf, &run.run_id());
    buf.extend_from_slice(b",\"flowName\":");
    push_str(&mut buf, run.flow_name());
    field(&mut buf, "runTitle", &run.bundle.manifest.run_title)?;
    field(&mut buf, "status", &run.status())?;
    field(&mut buf, "state", &summary.state)?;
    field(&mut buf, "error", &failure_field(run, |f| &f.error))?;
    field(&mut buf, "statusDetail", &failure_field(run, |f| &f.detail))?;
    field(&mut buf, "failedAttemptId", &failed_attempt_id(run))?;
    field(&mut buf, "startedAt", &run.started_at())?;
    field(&mut buf, "finishedAt", &run.finished_at())?;
    // Lossy rather than an error for a folder name that is not UTF-8.
    field(&mut buf, "path", &run.bundle.root.to_string_lossy())?;
    field(&mut buf, "traceEvents", &run.bundle.trace.len())?;
    field(&mut buf, "nodes", &super::Nodes(run))?;
    buf.extend_from_slice(b",\"attempts\":[");
    write_attempts(out, &mut buf, run, per_piece.max(1))?;
    buf.push(b']');
    field(&mut buf, "sessions", &summary.sessions)?;
    field(
        &mut buf,
        "artifacts",
        &serde_json::json!({"referenced": summary.referenced, "missing": summary.missing}),
    )?;
    buf.extend_from_slice(b"}\n");
    out.write_all(&buf)
}

/// The entries of `attempts`, in order, after what `buf` holds. With more
/// than one piece, a second thread renders every other piece while this
/// one renders and writes the rest, taking the other's pieces in turn.
fn write_attempts<W: Write>(
    out: &mut W,
    buf: &mut Vec<u8>,
    run: &Run,
    per_piece: usize,
) -> io::Result<()> {
    let pieces: Vec<Range<usize>> = (0..run.attempts.len())
        .step_by(per_piece)
        .map(|start| start..(start + per_piece).min(run.attempts.len()))
        .collect();
    if pieces.len() < 2 {
        if let Some(piece) = pieces.first() {
            push_attempts(buf, run, piece.clone());
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        // Two rendered pieces wait at most, and their buffers come back.
        let (rendered, pieces_in) = mpsc::sync_channel::<Vec<u8>>(2);
        let (recycled, spare) = mpsc::sync_channel::<Vec<u8>>(4);
        let theirs: Vec<Range<usize>> = pieces.iter().skip(1).step_by(2).cloned().collect();
        let worker = std::thread::Builder::new()
            .name("reel-show-json".into())
            .spawn_scoped(scope, move || {
                for piece in theirs {
                    let mut piece_buf = spare.try_recv().unwrap_or_default();
                    piece_buf.clear();
                    push_attempts(&mut piece_buf, run, piece);
                    if rendered.send(piece_buf).is_err() {
                        return; // the writer stopped (an error it reports)
                    }
                }
            });
        let one_thread = worker.is_err();
        for (i, piece) in pieces.into_iter().enumerate() {
            if i % 2 == 0 || one_thread {
                push_attempts(buf, run, piece);
                if buf.len() >= BATCH {
                    out.write_all(buf)?;
                    buf.clear();
                }
                continue;
            }
            out.write_all(buf)?;
            buf.clear();
            // A worker that stopped early panicked: the scope says so.
            let Ok(theirs) = pieces_in.recv() else {
                return Err(io::Error::other("rendering show --json failed"));
            };
            out.write_all(&theirs)?;
            let _ = recycled.try_send(theirs);
        }
        Ok(())
    })
}

/// Renders the attempts at `range` into `buf`, each after a comma but the
/// first of all.
fn push_attempts(buf: &mut Vec<u8>, run: &Run, range: Range<usize>) {
    let start = range.start;
    for (i, attempt) in run.attempts[range].iter().enumerate() {
        if start + i > 0 {
            buf.push(b',');
        }
        push_attempt(buf, run, attempt);
    }
}

/// `,"key":value` with the value serialized by serde.
fn field<T: Serialize + ?Sized>(buf: &mut Vec<u8>, key: &str, value: &T) -> io::Result<()> {
    buf.push(b',');
    push_str(buf, key);
    buf.push(b':');
    to_writer(&mut *buf, value)
}

/// One entry of `attempts`: the fields of `show::AttemptJson`, in its order.
fn push_attempt(buf: &mut Vec<u8>, run: &Run, a: &Attempt) {
    let trace = &run.bundle.trace;
    buf.extend_from_slice(b"{\"attemptId\":");
    push_str(buf, run.attempt_id(a));
    buf.extend_from_slice(b",\"nodeId\":");
    push_str(buf, run.node_id(a));
    buf.extend_from_slice(b",\"nodeType\":");
    push_str(buf, run.node_type(a));
    buf.extend_from_slice(b",\"outcome\":");
    push_str(buf, a.outcome.name());
    buf.extend_from_slice(b",\"startedAt\":");
    push_time(buf, a.started_ms(trace));
    buf.extend_from_slice(b",\"finishedAt\":");
    push_time(buf, a.finished_ms(trace));
    buf.extend_from_slice(b",\"durationMs\":");
    match a.duration_ms(trace) {
        Some(ms) => push_number(buf, ms),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"seqStart\":");
    push_number(buf, u64::from(a.seq_start(trace)));
    buf.extend_from_slice(b",\"seqEnd\":");
    push_number(buf, u64::from(a.seq_end(trace)));
    buf.extend_from_slice(b",\"sessionId\":");
    match run.session_id(a) {
        Some(id) => push_str(buf, id),
        None => buf.extend_from_slice(b"null"),
    }
    buf.push(b'}');
}

/// A timestamp as a JSON string (its characters never need escaping), or
/// `null`.
fn push_time(buf: &mut Vec<u8>, ms: Option<i64>) {
    match ms {
        Some(ms) => {
            buf.push(b'"');
            push_iso_millis(buf, ms);
            buf.push(b'"');
        }
        None => buf.extend_from_slice(b"null"),
    }
}

/// Decimal digits, as serde writes an unsigned integer.
fn push_number(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_serde_s() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut buf = Vec::new();
            push_number(&mut buf, n);
            assert_eq!(
                String::from_utf8_lossy(&buf),
                serde_json::to_string(&n).expect("json")
            );
        }
    }
}
