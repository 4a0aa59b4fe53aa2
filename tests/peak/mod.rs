//! The peak resident memory of one reel child process (`wait4`), and the
//! check that an output costs a bounded amount beyond opening the run.
//!
//! A child's peak starts at the peak of the process that spawned it (it
//! begins as that process's copy until it execs). The test process holds
//! what its other tests built, so it does not spawn reel itself: it starts
//! a fresh copy of its own binary running only `measured_child`, which
//! resets its peak to its small current size (`/proc/self/clear_refs`),
//! spawns reel, and reports reel's peak.

use std::process::{Command, Stdio};

use crate::hostile::MIB;

/// What printing may cost beyond opening the run, whatever its size.
pub const OUTPUT_BOUND: u64 = 32 * MIB as u64;

/// How much larger than the spawning process a peak must be to be reel's
/// own (the spawner's size at the spawn, and page-rounding noise).
const SPAWNER_MARGIN: u64 = MIB as u64;

pub struct Ran {
    pub stdout: Vec<u8>,
    /// Peak resident set of the child, bytes.
    pub peak: u64,
}

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

/// Runs reel with `args` from a fresh spawner process; its stdout goes to a
/// file (so reading it cannot hold the child back), its peak memory comes
/// from `wait4` in the spawner.
pub fn reel(args: &[&str]) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out, report) = (dir.path().join("stdout"), dir.path().join("peak"));
    let spawner = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "peak::measured_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("REEL_PEAK_ARGS", args.join("\u{1f}"))
        .env("REEL_PEAK_STDOUT", &out)
        .env("REEL_PEAK_REPORT", &report)
        .stdin(Stdio::null())
        .output()
        .expect("spawn the spawner");
    let peak = std::fs::read_to_string(&report).unwrap_or_default();
    let peak = peak.trim().parse::<u64>().unwrap_or_else(|_| {
        panic!(
            "the spawner of reel {args:?} reported no peak:\n{}{}",
            String::from_utf8_lossy(&spawner.stdout),
            String::from_utf8_lossy(&spawner.stderr)
        )
    });
    Ran {
        stdout: std::fs::read(&out).expect("read stdout"),
        peak,
    }
}

/// The spawner half of `reel`: a fresh process whose own size is known
/// and small. Does nothing when run by hand (no `REEL_PEAK_ARGS`).
#[test]
#[ignore = "run by peak::reel in a fresh process, to spawn the measured reel"]
// The child is reaped by `wait4`, which `Child::wait` cannot replace.
#[allow(clippy::zombie_processes)]
fn measured_child() {
    let Some(args) = std::env::var_os("REEL_PEAK_ARGS") else {
        return;
    };
    let args = args.to_str().expect("utf-8 args");
    let args: Vec<&str> = args.split('\u{1f}').collect();
    let out = std::env::var_os("REEL_PEAK_STDOUT").expect("REEL_PEAK_STDOUT");
    let report = std::env::var_os("REEL_PEAK_REPORT").expect("REEL_PEAK_REPORT");
    let stdout = std::fs::File::create(&out).expect("create stdout file");
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak of this process");
    let spawner = own("VmHWM");
    let child = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(&args)
        // Each run indexes afresh, and nothing goes into the user's cache.
        .env("REEL_NO_INDEX_CACHE", "1")
        .stdout(stdout)
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
        spawner + SPAWNER_MARGIN <= peak,
        "the spawner ({:.1} MiB) is too close to reel's peak ({:.1} MiB) to measure it",
        mib(spawner),
        mib(peak)
    );
    std::fs::write(report, peak.to_string()).expect("write the peak");
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
