//! The NDJSON readers: the line scanner, the trace index and the session
//! index, each checked against an independent line splitter, and the
//! indexes fed in pieces (as a live tail does) against the whole input.

use std::fmt::Debug;
use std::path::Path;

use reel::bundle::ndjson::{scan_complete_lines, scan_file, Line, ScanPosition};
use reel::bundle::{BundleError, SessionIndex, TraceIndex};
use serde_json::Value;

use super::corpus::{corpus, window, Seed};
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;
use super::rng::Rng;

/// Complete (`\n`-terminated), non-blank lines as the format defines them,
/// `\r` before the `\n` trimmed: `(offset, bytes, 1-based number)`.
fn oracle_lines(data: &[u8], base: ScanPosition) -> (Vec<(u64, Vec<u8>, usize)>, ScanPosition) {
    let mut out = Vec::new();
    let mut start = 0;
    let mut number = base.lines;
    for (i, &b) in data.iter().enumerate() {
        if b != b'\n' {
            continue;
        }
        number += 1;
        let mut line = &data[start..i];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            out.push((base.offset + start as u64, line.to_vec(), number));
        }
        start = i + 1;
    }
    let end = ScanPosition {
        offset: base.offset + start as u64,
        lines: number,
    };
    (out, end)
}

/// Random cut points, sorted, within `0..=len`.
fn cuts(rng: &mut Rng, len: usize) -> Vec<usize> {
    let mut points: Vec<usize> = (0..rng.small(6)).map(|_| rng.below(len + 1)).collect();
    points.sort_unstable();
    points
}

fn seed_bytes(ctx: &mut Ctx, seeds: &[Seed]) -> Vec<u8> {
    let seed = ctx.rng.pick(seeds);
    ctx.record("seed.txt", seed.name.as_bytes());
    let mut data = window(&mut ctx.rng, seed, 300);
    if !ctx.rng.one_in(10) {
        mutate::ndjson(&mut ctx.rng, &mut data);
    }
    data
}

pub fn ndjson_scan(ctx: &mut Ctx) -> CaseResult {
    let seeds = if ctx.rng.one_in(2) {
        &corpus().traces
    } else {
        &corpus().sessions
    };
    let mut data = seed_bytes(ctx, seeds);
    if ctx.rng.one_in(4) {
        mutate::bytes(&mut ctx.rng, &mut data);
    }
    ctx.record("input.ndjson", &data);
    let base = ScanPosition {
        offset: ctx.rng.small(1 << 20) as u64,
        lines: ctx.rng.small(1000),
    };
    let (expected, expected_end) = oracle_lines(&data, base);
    // Whole.
    let mut seen: Vec<(u64, Vec<u8>, usize)> = Vec::new();
    let end = scan_complete_lines::<()>(&data, base, |line, raw| {
        seen.push((line.offset, raw.to_vec(), line.number));
        check_len(line, raw)
    })
    .map_err(|()| "a line's len differs from its bytes".to_string())?;
    same("lines", &seen, &expected)?;
    same("end position", &end, &expected_end)?;
    // In pieces, carrying the unconsumed tail as a tail reader does.
    let mut seen = Vec::new();
    let mut position = base;
    let mut pending: Vec<u8> = Vec::new();
    let mut from = 0;
    for cut in cuts(&mut ctx.rng, data.len())
        .into_iter()
        .chain([data.len()])
    {
        pending.extend_from_slice(&data[from..cut]);
        from = cut;
        let next = scan_complete_lines::<()>(&pending, position, |line, raw| {
            seen.push((line.offset, raw.to_vec(), line.number));
            Ok(())
        })
        .map_err(|()| "infallible".to_string())?;
        pending.drain(..(next.offset - position.offset) as usize);
        position = next;
    }
    same("lines in pieces", &seen, &expected)?;
    same("end position in pieces", &position, &expected_end)?;
    // An error from the callback stops the scan at that line.
    if !expected.is_empty() {
        let stop = ctx.rng.below(expected.len());
        let mut calls = 0;
        let result = scan_complete_lines(&data, base, |_, _| {
            calls += 1;
            if calls > stop {
                Err(calls)
            } else {
                Ok(())
            }
        });
        same("stopping call", &result, &Err(stop + 1))?;
    }
    // Now and then the file reader, over more than its 1 MiB chunk.
    if ctx.rng.one_in(40) {
        let dir = ctx.scratch();
        let mut big = data.clone();
        while big.len() < (1 << 20) + 1 {
            big.extend_from_slice(if data.is_empty() { b"{}\n" } else { &data });
        }
        big.truncate(big.len() - ctx.rng.below(big.len().min(4096)));
        let path = dir.join("big.ndjson");
        std::fs::write(&path, &big).map_err(|e| e.to_string())?;
        let (expected, expected_end) = oracle_lines(&big, ScanPosition::default());
        let mut seen = Vec::new();
        let (end, tail) = scan_file(&dir, &path, |line, raw| {
            seen.push((line.offset, raw.to_vec(), line.number));
            Ok(())
        })
        .map_err(|e| format!("scan_file: {e}"))?;
        same("scan_file lines", &seen, &expected)?;
        same("scan_file end", &end, &expected_end)?;
        same(
            "scan_file tail",
            &tail,
            &big[expected_end.offset as usize..].to_vec(),
        )?;
    }
    Ok(if expected.is_empty() {
        Verdict::Rejected
    } else {
        Verdict::Accepted
    })
}

fn check_len(line: Line, raw: &[u8]) -> Result<(), ()> {
    (line.len as usize == raw.len()).then_some(()).ok_or(())
}

fn same<T: PartialEq + Debug>(what: &str, actual: &T, expected: &T) -> Result<(), String> {
    if actual == expected {
        return Ok(());
    }
    let (a, e) = (format!("{actual:?}"), format!("{expected:?}"));
    Err(format!(
        "{what}: got {}, expected {}",
        super::clip(&a, 2000),
        super::clip(&e, 2000)
    ))
}

/// Everything a trace index answers, resolved to plain values.
fn trace_view(index: &TraceIndex) -> Vec<String> {
    let mut out: Vec<String> = index
        .entries()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let name =
                |s: Option<reel::bundle::intern::Sym>| s.map(|s| index.resolve(s).to_string());
            format!(
                "{} {} {} {} {:?} {:?} {:?} {:?} {:?} {} {:?}",
                e.offset(),
                e.len,
                e.seq,
                e.at_ms(),
                e.kind,
                e.outcome,
                name(e.node),
                name(e.attempt),
                name(e.session),
                index.type_name(i),
                index.duration_ms(i)
            )
        })
        .collect();
    out.push(format!(
        "run {:?} at {:?}",
        index.run_id(),
        index.scan_position()
    ));
    out
}

fn session_view(index: &SessionIndex) -> Vec<String> {
    let mut out: Vec<String> = index
        .entries()
        .iter()
        .map(|e| {
            let name =
                |s: Option<reel::bundle::intern::Sym>| s.map(|s| index.resolve(s).to_string());
            format!(
                "{} {} {} {} {:?} {:?} {:?} {:?} {:?}",
                e.offset(),
                e.len,
                e.seq,
                e.at_ms(),
                name(e.method),
                name(e.update),
                index.rpc_id(e),
                e.direction,
                e.rpc
            )
        })
        .collect();
    out.push(format!("at {:?}", index.scan_position()));
    out
}

/// The index readers share a shape; this is what the checks need of them.
trait Index: Default {
    fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError>;
    fn extend(&mut self, chunk: &[u8]) -> Result<usize, BundleError>;
    fn view(&self) -> Vec<String>;
    /// `(offset, len, seq)` per entry.
    fn spans(&self) -> Vec<(u64, u32, u32)>;
}

impl Index for TraceIndex {
    fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        TraceIndex::from_bytes(bytes)
    }
    fn extend(&mut self, chunk: &[u8]) -> Result<usize, BundleError> {
        TraceIndex::extend(self, chunk, Path::new("trace.ndjson"))
    }
    fn view(&self) -> Vec<String> {
        trace_view(self)
    }
    fn spans(&self) -> Vec<(u64, u32, u32)> {
        self.entries()
            .iter()
            .map(|e| (e.offset(), e.len, e.seq))
            .collect()
    }
}

impl Index for SessionIndex {
    fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        SessionIndex::from_bytes(bytes)
    }
    fn extend(&mut self, chunk: &[u8]) -> Result<usize, BundleError> {
        SessionIndex::extend(self, chunk, Path::new("events.ndjson"))
    }
    fn view(&self) -> Vec<String> {
        session_view(self)
    }
    fn spans(&self) -> Vec<(u64, u32, u32)> {
        self.entries()
            .iter()
            .map(|e| (e.offset(), e.len, e.seq))
            .collect()
    }
}

/// Whole vs pieces, and the whole against the independent splitter.
fn check_index<I: Index>(ctx: &mut Ctx, seeds: &[Seed], file: &str) -> CaseResult {
    let data = seed_bytes(ctx, seeds);
    ctx.record(file, &data);
    let whole = I::from_bytes(&data);
    let mut pieces = I::default();
    let mut pending: Vec<u8> = Vec::new();
    let mut from = 0;
    let mut piece_result = Ok(());
    for cut in cuts(&mut ctx.rng, data.len())
        .into_iter()
        .chain([data.len()])
    {
        pending.extend_from_slice(&data[from..cut]);
        from = cut;
        match pieces.extend(&pending) {
            Ok(consumed) => {
                pending.drain(..consumed);
            }
            Err(err) => {
                piece_result = Err(err);
                break;
            }
        }
    }
    match (&whole, piece_result) {
        (Ok(whole), Ok(())) => {
            same("index in pieces", &pieces.view(), &whole.view())?;
            check_spans(whole.spans(), &data)?;
            Ok(Verdict::Accepted)
        }
        (Err(a), Err(b)) => {
            same("error in pieces", &b.to_string(), &a.to_string())?;
            Ok(Verdict::Rejected)
        }
        (Ok(_), Err(b)) => Err(format!("whole input indexes, pieces fail: {b}")),
        (Err(a), Ok(())) => Err(format!("pieces index, whole input fails: {a}")),
    }
}

/// Every entry is one complete line of the input, in order, whose `seq`
/// is the entry's, increasing.
fn check_spans(spans: Vec<(u64, u32, u32)>, data: &[u8]) -> Result<(), String> {
    let (lines, _) = oracle_lines(data, ScanPosition::default());
    if spans.len() != lines.len() {
        return Err(format!("{} entries for {} lines", spans.len(), lines.len()));
    }
    let mut previous = None;
    for ((offset, len, seq), (line_offset, line, number)) in spans.into_iter().zip(lines) {
        if offset != line_offset || len as usize != line.len() {
            return Err(format!(
                "line {number}: entry at {offset}+{len}, line at {line_offset}+{}",
                line.len()
            ));
        }
        // The index skims the payload (serde skips what it ignores without
        // building it), so a line with a lone surrogate, 1e999 or deep
        // nesting in a skipped part is indexed though it does not parse as
        // a `Value`: its payload read fails later, cleanly.
        let Ok(value) = serde_json::from_slice::<Value>(&line) else {
            super::harness::note("indexed line that does not parse as a Value");
            continue;
        };
        if value.get("seq").and_then(Value::as_u64) != Some(u64::from(seq)) {
            return Err(format!(
                "line {number}: entry seq {seq}, line {}",
                value["seq"]
            ));
        }
        if previous.is_some_and(|p| p >= seq) {
            return Err(format!("line {number}: seq {seq} after {previous:?}"));
        }
        previous = Some(seq);
    }
    Ok(())
}

pub fn trace_index(ctx: &mut Ctx) -> CaseResult {
    check_index::<TraceIndex>(ctx, &corpus().traces, "trace.ndjson")
}

pub fn session_index(ctx: &mut Ctx) -> CaseResult {
    check_index::<SessionIndex>(ctx, &corpus().sessions, "events.ndjson")
}
