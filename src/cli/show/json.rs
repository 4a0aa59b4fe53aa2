//! `show --json` written by hand, field by field, into one reused buffer:
//! the same bytes as serializing the document with serde (the reference
//! builder in `show.rs` is compared with it on every bundle), without a
//! serializer call per value. Attempts are most of the document (a million
//! of them in a large run); the few other fields go through serde.

use std::io::{self, Write};

use serde::Serialize;

use super::{failed_attempt_id, failure_field, Summary};
use crate::bundle::timestamp::push_iso_millis;
use crate::model::{Attempt, Run};
use crate::sanitize::json::{push_str, to_writer};

/// Bytes gathered before they are passed on (and through the sanitizer).
const BATCH: usize = 1 << 16;

/// Writes the `show --json` line (its fields are a contract: see the
/// README), one batch of attempts at a time.
pub(super) fn write_doc<W: Write>(out: &mut W, run: &Run, summary: &Summary) -> io::Result<()> {
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
    for (i, attempt) in run.attempts.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_attempt(&mut buf, run, attempt);
        if buf.len() >= BATCH {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
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
