//! Following a live run: a bundle whose trace and session logs are written
//! in pieces (cut anywhere, mid-line too, sometimes with broken lines), a
//! refresh after each piece, and at the end the refreshed run must equal
//! the run opened afresh from the same files.

use std::fs;
use std::path::{Path, PathBuf};

use reel::model::Run;

use super::corpus::{corpus, files_of};
use super::folder;
use super::harness::{CaseResult, Ctx, Verdict};
use super::mutate;

/// What a run shows, as plain values (trace entries, attempts, sessions).
fn view(run: &Run) -> Result<Vec<String>, String> {
    let trace = &run.bundle.trace;
    let mut out = vec![format!("{} events, run {:?}", trace.len(), trace.run_id())];
    for (i, e) in trace.entries().iter().enumerate() {
        let name = |s: Option<reel::bundle::intern::Sym>| s.map(|s| trace.resolve(s).to_string());
        out.push(format!(
            "{} {} {} {:?} {:?} {:?} {:?} {}",
            e.offset(),
            e.len,
            e.seq,
            e.kind,
            e.outcome,
            name(e.attempt),
            name(e.session),
            trace.type_name(i)
        ));
    }
    for a in &run.attempts {
        out.push(format!(
            "{} {:?} {}..{} {:?}",
            run.attempt_id(a),
            a.outcome,
            a.seq_start(&run.bundle.trace),
            a.seq_end(&run.bundle.trace),
            run.session_id(a)
        ));
    }
    out.push(format!("status {}", run.status()));
    for session in &run.bundle.sessions {
        let index = session
            .index()
            .map_err(|e| format!("session {}: {e}", session.id))?;
        let spans: Vec<(u64, u32, u32)> = index
            .entries()
            .iter()
            .map(|e| (e.offset(), e.len, e.seq))
            .collect();
        out.push(format!(
            "session {} {:?} {spans:?}",
            session.id,
            index.scan_position()
        ));
    }
    Ok(out)
}

pub fn refresh(ctx: &mut Ctx) -> CaseResult {
    let source = ctx.rng.pick(&corpus().small_bundles).clone();
    let scratch = ctx.scratch();
    let scene = folder::scene(&scratch, &source);
    let dir = &scene.bundle;
    // The logs as they will end up; each is written in pieces below.
    let mut logs: Vec<(PathBuf, Vec<u8>)> = files_of(dir)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "ndjson"))
        .map(|f| {
            let bytes = fs::read(&f).unwrap_or_default();
            (f, bytes)
        })
        .collect();
    let mut mutated = false;
    for (_, bytes) in &mut logs {
        if ctx.rng.one_in(6) {
            mutate::ndjson(&mut ctx.rng, bytes);
            mutated = true;
        }
        // Finished lines at the end: a fresh open keeps a last line without
        // its newline, a refresh waits for the newline (both by design).
        if bytes.last().is_some_and(|&b| b != b'\n') {
            bytes.push(b'\n');
        }
    }
    // Where each log is cut for every step of the writer.
    let steps = ctx.rng.range(1, 5);
    let mut cuts: Vec<Vec<usize>> = Vec::new();
    for (_, bytes) in &logs {
        // Mostly after the first line, so that the first piece opens.
        let first_line = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        let from = if ctx.rng.one_in(4) { 0 } else { first_line };
        let mut points: Vec<usize> = (0..steps)
            .map(|_| ctx.rng.range(from, bytes.len()))
            .collect();
        points.sort_unstable();
        points.push(bytes.len());
        cuts.push(points);
    }
    let write_step = |step: usize| {
        for ((path, bytes), points) in logs.iter().zip(&cuts) {
            // Appends only, as acpx writes (the file grows in place).
            let _ = write_prefix(path, &bytes[..points[step]]);
        }
    };
    write_step(0);
    let Ok(mut run) = Run::open(dir) else {
        super::harness::note("rejected: the first piece does not open");
        return Ok(Verdict::Rejected);
    };
    for session in &run.bundle.sessions {
        let _ = session.index();
    }
    for step in 1..=steps {
        write_step(step);
        match run.refreshed() {
            Ok(Some(next)) => run = next,
            Ok(None) => {}
            // Real files written in pieces must always refresh.
            Err(err) if !mutated => return Err(format!("refresh after step {step}: {err}")),
            Err(_) => {
                super::harness::note("rejected: a refresh failed");
                return Ok(Verdict::Rejected);
            }
        }
    }
    let fresh = Run::open(dir)
        .map_err(|e| format!("the final files do not open ({e}) but refreshes did"))?;
    let (live, whole) = (view(&run), view(&fresh));
    if live != whole {
        let (a, b) = (format!("{live:?}"), format!("{whole:?}"));
        return Err(format!(
            "refreshed run differs from a fresh open:\n  refreshed {}\n  fresh     {}",
            super::clip(&a, 3000),
            super::clip(&b, 3000)
        ));
    }
    Ok(Verdict::Accepted)
}

/// Makes `path` hold `prefix`, appending to what is there when it is a
/// prefix of it already (a live writer never rewrites).
fn write_prefix(path: &Path, prefix: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let current = fs::read(path).unwrap_or_default();
    if prefix.starts_with(&current) && !current.is_empty() {
        let mut file = fs::OpenOptions::new().append(true).open(path)?;
        return file.write_all(&prefix[current.len()..]);
    }
    fs::write(path, prefix)
}
