//! The peak resident memory of one reel child process (`wait4`), and the
//! check that an output costs a bounded amount beyond opening the run.
//!
//! A child's peak starts at its parent's peak (it begins as the parent's
//! copy until it execs), so the test process resets its own peak to its
//! current size just before each spawn (`/proc/self/clear_refs`), one
//! spawn at a time, and checks that it is below what is measured.

use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::hostile::MIB;

/// What printing may cost beyond opening the run, whatever its size.
pub const OUTPUT_BOUND: u64 = 32 * MIB as u64;

pub struct Ran {
    pub stdout: Vec<u8>,
    /// Peak resident set of the child, bytes.
    pub peak: u64,
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
pub fn reel(args: &[&str]) -> Ran {
    let _one = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak of this process");
    let parent = own("VmHWM");
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let child = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        // Each run indexes afresh, and nothing goes into the user's cache.
        .env("REEL_NO_INDEX_CACHE", "1")
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

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

pub fn check(what: &str, cost: &Ran, baseline: &Ran) {
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
