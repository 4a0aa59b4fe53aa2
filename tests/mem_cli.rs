//! Issue 9 item 12, the CLI side: `show` streams its output and `state`
//! bounds its conversation, so what they hold beyond the opened run does
//! not grow with the run. Each test runs the real binary and reads the
//! peak resident memory of that one child (`wait4`), and compares it with
//! a command that opens the same run and prints almost nothing: the
//! difference is what the output costs. Before this change `show --json`
//! built the whole document (about 4 KiB an attempt, 90 MB here).
//!
//! A child's peak starts at its parent's peak (it begins as the parent's
//! copy until it execs), so the test process resets its own peak to its
//! current size just before each spawn (`/proc/self/clear_refs`), one
//! spawn at a time, and checks that it is below what is measured.

#![cfg(target_os = "linux")]

mod hostile;

use std::process::{Command, Stdio};
use std::sync::Mutex;

use hostile::MIB;
use reel::synth::{write_bundle, SynthSpec};

/// What printing may cost beyond opening the run, whatever its size.
const OUTPUT_BOUND: u64 = 32 * MIB as u64;

struct Ran {
    stdout: Vec<u8>,
    /// Peak resident set of the child, bytes.
    peak: u64,
}

/// One measured child at a time (the parent's peak is reset for each).
static SPAWN: Mutex<()> = Mutex::new(());

/// A line of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`).
fn own(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Runs reel with `args`; its stdout goes to a file (so reading it cannot
/// hold the child back), its peak memory comes from `wait4`.
// The child is reaped by `wait4`, which `Child::wait` cannot replace.
#[allow(clippy::zombie_processes)]
fn reel(args: &[&str]) -> Ran {
    let _one = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak of this process");
    let parent = own("VmHWM");
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let child = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .stdout(out.reopen().expect("reopen"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn reel");
    let mut status = 0;
    // SAFETY: plain out-parameters for one child of this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "reel {args:?} failed: status {status}"
    );
    // ru_maxrss is in KiB on Linux.
    let peak = usage.ru_maxrss as u64 * 1024;
    assert!(
        parent + 4 * MIB as u64 <= peak,
        "the test process ({:.1} MiB) is too close to reel's peak ({:.1} MiB) to measure it",
        mib(parent),
        mib(peak)
    );
    Ran {
        stdout: std::fs::read(out.path()).expect("read stdout"),
        peak,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

fn check(what: &str, cost: &Ran, baseline: &Ran) {
    let extra = cost.peak.saturating_sub(baseline.peak);
    eprintln!(
        "{what}: peak {:.1} MiB, opening the run alone {:.1} MiB, output {:.1} MiB",
        mib(cost.peak),
        mib(baseline.peak),
        mib(cost.stdout.len() as u64)
    );
    assert!(
        extra < OUTPUT_BOUND,
        "{what} held {:.1} MiB more than opening the run",
        mib(extra)
    );
}

#[test]
fn show_streams_whatever_the_number_of_attempts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SynthSpec {
        attempts: 20_000,
        ..SynthSpec::default()
    };
    let summary = write_bundle(dir.path(), &spec).expect("synth");
    let run = summary.dir.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "1", "--json"]);
    let json = reel(&["show", run, "--json"]);
    let human = reel(&["show", run]);
    check("show --json", &json, &baseline);
    check("show", &human, &baseline);
    // It is the whole document, and correct.
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(
        doc["attempts"].as_array().map(Vec::len),
        Some(spec.attempts)
    );
    assert_eq!(doc["traceEvents"], summary.trace_events);
    assert!(json.stdout.len() > 4 * MIB, "{} bytes", json.stdout.len());
    let text = String::from_utf8(human.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 7 + spec.attempts);
}

#[test]
fn state_of_a_step_with_a_huge_conversation_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (chunks, updates) = (100_000, 50_000);
    let (path, _) = hostile::huge_turn(dir.path(), chunks, updates);
    let run = path.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "finalize#1", "--json"]);
    let state = reel(&["state", run, "--at", "reply#1", "--json"]);
    check("state --json", &state, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&state.stdout).expect("JSON");
    let items = doc["conversation"]["items"].as_array().expect("items");
    let cut = items
        .iter()
        .filter_map(|i| i["label"].as_str())
        .find(|l| l.starts_with("conversation cut: "));
    assert!(cut.is_some(), "no cut marker in {} items", items.len());
    // The turn's text is 3.6 MB; what is printed is a window of it.
    assert!(
        state.stdout.len() < 2 * MIB,
        "{} bytes printed",
        state.stdout.len()
    );
    assert_eq!(
        doc["conversation"]["eventEndSeq"],
        13 + chunks + updates,
        "the range is the whole turn's"
    );
}

#[test]
fn state_and_diff_after_an_80_mb_output_do_not_load_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = hostile::copy_sample(hostile::SHELL_BASIC, dir.path());
    let (output, len) = hostile::big_output(&path, 1_300_000);
    assert!(len > 80_000_000, "{len}");
    let run = path.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "prepare#1", "--json"]);
    let state = reel(&["state", run, "--at", "finalize#1", "--json"]);
    let diff = reel(&[
        "diff",
        &format!("{run}@big_output#1"),
        &format!("{run}@finalize#1"),
        "--json",
    ]);
    check("state --json", &state, &baseline);
    check("diff --json", &diff, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&state.stdout).expect("JSON");
    let shown = doc["outputs"]["big_output"].as_str().expect("a marker");
    assert!(
        shown.starts_with(&format!("[output not loaded: {output} is ")),
        "{shown}"
    );
}

#[test]
fn validate_streams_a_large_projection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SynthSpec {
        attempts: 20_000,
        ..SynthSpec::default()
    };
    let summary = write_bundle(dir.path(), &spec).expect("synth");
    // Trailing whitespace keeps the file valid JSON: read whole, it would
    // cost its size; streamed, one buffer.
    let projection = summary.dir.join("projections/run.json");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&projection)
        .expect("run.json");
    let spaces = vec![b' '; MIB];
    for _ in 0..96 {
        std::io::Write::write_all(&mut file, &spaces).expect("pad run.json");
    }
    drop(file);
    let size = std::fs::metadata(&projection).expect("run.json").len();
    assert!(size > 96 * MIB as u64, "{size}");
    let run = summary.dir.to_str().expect("utf-8 path");
    let baseline = reel(&["state", run, "--at", "1", "--json"]);
    let validate = reel(&["validate", run, "--json"]);
    check("validate --json", &validate, &baseline);
    let doc: serde_json::Value = serde_json::from_slice(&validate.stdout).expect("JSON");
    assert_eq!(doc["broken"], 0, "{doc}");
}
