//! Hostile inputs built by the tests themselves, from copies of the sample
//! runs: a step with hundreds of thousands of heartbeats, a stdout artifact
//! of hundreds of MB, an output JSON too large to fold, one turn of
//! hundreds of thousands of chunks and tool-call updates. Also a counting
//! allocator (per thread, so parallel tests do not disturb each other) to
//! measure what building something costs.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

pub const SHELL_BASIC: &str = "2026-11-23T162933442Z-gen-shell-basic-7986c8cd";
pub const ACP_ECHO: &str = "2026-11-23T163006509Z-gen-acp-echo-051c87fa";

pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(name)
}

// ---------------------------------------------------------------------------
// Measuring allocations
// ---------------------------------------------------------------------------

/// Counts the bytes each thread has allocated and not freed, and the peak.
pub struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now)
            }
        });
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Runs `f` and returns its result with the most bytes this thread held at
/// once while it ran, beyond what it held before.
pub fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, (peak - start).max(0) as usize)
}

pub const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------
// Building hostile bundles
// ---------------------------------------------------------------------------

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A copy of a sample run under `dir`.
pub fn copy_sample(name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    copy_dir(&sample(name), &to);
    to
}

/// Rewrites an NDJSON file: after the line with seq `after`, `count` lines
/// made by `line(seq, i)`; later lines get their seq moved up by `count`.
pub fn insert_lines(
    path: &Path,
    after: u64,
    count: usize,
    mut line: impl FnMut(u64, usize) -> String,
) {
    let text = fs::read_to_string(path).expect("read");
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::new(fs::File::create(&tmp).expect("create"));
    for raw in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut event: Value = serde_json::from_str(raw).expect("json");
        let seq = event["seq"].as_u64().expect("seq");
        if seq > after {
            event["seq"] = Value::from(seq + count as u64);
        }
        writeln!(out, "{}", serde_json::to_string(&event).expect("json")).expect("write");
        if seq == after {
            for i in 0..count {
                writeln!(out, "{}", line(after + 1 + i as u64, i)).expect("write");
            }
        }
    }
    out.flush().expect("flush");
    drop(out);
    fs::rename(&tmp, path).expect("rename");
}

/// shell-basic with `count` heartbeats inside `run_shell#1` (after its
/// first heartbeat, seq 5). Its steps: prepare, run_shell, big_output,
/// finalize.
pub fn heartbeat_run(dir: &Path, count: usize) -> PathBuf {
    let run = copy_sample(SHELL_BASIC, dir);
    let run_id = SHELL_BASIC;
    insert_lines(&run.join("trace.ndjson"), 5, count, |seq, i| {
        format!(
            r#"{{"seq":{seq},"at":"2026-11-23T16:29:33.489Z","runId":"{run_id}","scope":"node","type":"node_heartbeat","nodeId":"run_shell","attemptId":"run_shell#1","payload":{{"statusDetail":"still running, beat {i}"}}}}"#
        )
    });
    run
}

/// The artifact path an attempt's `node_outcome` names under `key`.
pub fn outcome_artifact(run: &Path, attempt_id: &str, key: &str) -> String {
    let text = fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    for line in text.lines() {
        let event: Value = serde_json::from_str(line).expect("json");
        if event["type"] == "node_outcome" && event["attemptId"] == attempt_id {
            return event["payload"][key]["path"]
                .as_str()
                .unwrap_or_else(|| panic!("{attempt_id} has no {key}"))
                .to_string();
        }
    }
    panic!("no node_outcome for {attempt_id}")
}

/// The text of line `i` of a generated stdout.
pub fn stdout_line(i: usize) -> String {
    format!("stdout line {i:09} {}\n", "x".repeat(40))
}

/// Overwrites `run_shell#1`'s stdout artifact with `lines` lines of
/// `stdout_line`; returns its path inside the bundle and its size.
pub fn big_stdout(run: &Path, lines: usize) -> (String, u64) {
    let relative = outcome_artifact(run, "run_shell#1", "stdoutArtifact");
    let mut out = BufWriter::with_capacity(
        1 << 20,
        fs::File::create(run.join(&relative)).expect("create"),
    );
    for i in 0..lines {
        out.write_all(stdout_line(i).as_bytes()).expect("write");
    }
    out.flush().expect("flush");
    let len = fs::metadata(run.join(&relative)).expect("stat").len();
    (relative, len)
}

/// Overwrites `big_output#1`'s output artifact with a JSON array of
/// `items` objects; returns its path and size.
pub fn big_output(run: &Path, items: usize) -> (String, u64) {
    let relative = outcome_artifact(run, "big_output#1", "outputArtifact");
    let mut out = BufWriter::with_capacity(
        1 << 20,
        fs::File::create(run.join(&relative)).expect("create"),
    );
    out.write_all(b"[").expect("write");
    for i in 0..items {
        let sep = if i == 0 { "" } else { "," };
        write!(
            out,
            r#"{sep}{{"item":{i},"name":"entry number {i}","tags":["a","b"]}}"#
        )
        .expect("write");
    }
    out.write_all(b"]").expect("write");
    out.flush().expect("flush");
    let len = fs::metadata(run.join(&relative)).expect("stat").len();
    (relative, len)
}

/// The text of chunk `i` of the generated agent message.
pub fn chunk_text(i: usize) -> String {
    format!("chunk {i:07} of a very long reply. ")
}

/// acp-echo whose only turn (session events 1..=13) gets `updates` extra
/// `tool_call_update`s of `call_t1_2` (after seq 8) and `chunks` extra
/// agent message chunks (after seq 11). The trace's conversation range is
/// moved to the turn's new end. Returns the run and the session's events
/// file.
pub fn huge_turn(dir: &Path, chunks: usize, updates: usize) -> (PathBuf, PathBuf) {
    let run = copy_sample(ACP_ECHO, dir);
    let events = run.join("sessions/main-4401cd67/events.ndjson");
    let session = "mock-7ca355ab-9b12-477a-8a39-4d9845a6aa4b";
    insert_lines(&events, 11, chunks, |seq, i| {
        let text = chunk_text(i);
        format!(
            r#"{{"seq":{seq},"at":"2026-11-23T16:30:07.477Z","direction":"inbound","message":{{"jsonrpc":"2.0","method":"session/update","params":{{"sessionId":"{session}","update":{{"sessionUpdate":"agent_message_chunk","content":{{"type":"text","text":"{text}"}}}}}}}}}}"#
        )
    });
    insert_lines(&events, 8, updates, |seq, i| {
        format!(
            r#"{{"seq":{seq},"at":"2026-11-23T16:30:07.475Z","direction":"inbound","message":{{"jsonrpc":"2.0","method":"session/update","params":{{"sessionId":"{session}","update":{{"sessionUpdate":"tool_call_update","toolCallId":"call_t1_2","status":"in_progress","content":[{{"type":"content","content":{{"type":"text","text":"progress {i}"}}}}]}}}}}}}}"#
        )
    });
    let trace = run.join("trace.ndjson");
    let text = fs::read_to_string(&trace).expect("trace");
    let end = 13 + chunks + updates;
    let moved = text.replace("\"eventEndSeq\":13", &format!("\"eventEndSeq\":{end}"));
    assert_ne!(moved, text, "the sample names its turn's range");
    fs::write(&trace, moved).expect("write trace");
    (run, events)
}
