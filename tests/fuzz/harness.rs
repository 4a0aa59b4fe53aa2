//! The fuzz runner: deterministic cases, panics caught per case, a watchdog
//! per case, failing inputs saved, accepted/rejected counts reported.
//!
//! Every case derives from `(target, case number)` only, so a failure is
//! reproduced by rerunning that one case (`REEL_FUZZ_CASE=N`) on the same
//! corpus. Environment:
//!
//! * `REEL_FUZZ_CASES=N` — N cases per in-memory target, N / weight for the
//!   targets that build bundle folders (their weight is printed);
//! * `REEL_FUZZ_FIRST=K` — start at case K (explore new cases);
//! * `REEL_FUZZ_CASE=N` — run only case N (to reproduce a failure);
//! * `REEL_FUZZ_WATCHDOG_SECS=S` — the per-case hang bound (default 300);
//! * `REEL_FUZZ_KEEP=1` — keep every case's scratch folder (to look at a
//!   rerun case); `REEL_FUZZ_VERBOSE=1` — print each case and note.

use std::any::Any;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::rng::Rng;

/// What the reader did with one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected,
    /// The reader has no notion of rejecting (a fold, a sanitizer).
    Neutral,
}

pub type CaseResult = Result<Verdict, String>;

/// One fuzz target.
pub struct Target {
    pub name: &'static str,
    /// Cases when `REEL_FUZZ_CASES` is not set (sized for a debug build).
    pub default_cases: u64,
    /// `REEL_FUZZ_CASES` is divided by this (1 for in-memory targets).
    pub weight: u64,
    /// Both accepted and rejected inputs must occur, or the target is not
    /// testing anything.
    pub expect_both: bool,
}

/// What a case records of its input, so a failure or a hang can save it.
#[derive(Default)]
struct Recorded {
    files: Vec<(String, Vec<u8>)>,
    dirs: Vec<(String, PathBuf)>,
}

/// Handed to each case: its random source and a place to record its input.
pub struct Ctx {
    pub rng: Rng,
    pub case: u64,
    target: &'static str,
    slot: Arc<Mutex<Recorded>>,
}

impl Ctx {
    /// Records an input file (saved under `target/fuzz-failures/` on failure).
    pub fn record(&mut self, name: &str, bytes: &[u8]) {
        if let Ok(mut slot) = self.slot.lock() {
            slot.files.push((name.to_string(), bytes.to_vec()));
        }
    }

    /// A fresh, empty scratch folder for this case. It is copied under
    /// `target/fuzz-failures/` when the case fails and removed otherwise.
    pub fn scratch(&mut self) -> PathBuf {
        let dir = scratch_root(self.target).join(format!("case{}", self.case));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the scratch folder");
        if let Ok(mut slot) = self.slot.lock() {
            slot.dirs.push(("scratch".to_string(), dir.clone()));
        }
        dir
    }
}

fn scratch_root(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-scratch")
        .join(target)
}

/// The seed of a case: a hash of the target name mixed with the number.
pub fn seed_of(target: &str, case: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in target.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Rng::mix(hash ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={text:?} is not a number"),
    }
}

/// `target/fuzz-failures`, next to the `target/tmp` cargo gives tests.
pub fn failures_root() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("fuzz-failures")
}

thread_local! {
    static NOTES: std::cell::RefCell<std::collections::BTreeMap<&'static str, u64>> =
        Default::default();
}

/// Counts something a case noticed that is worth reporting but not a
/// failure (printed with the target's figures).
pub fn note(what: &'static str) {
    if std::env::var_os("REEL_FUZZ_VERBOSE").is_some() {
        eprintln!("note: {what}");
    }
    NOTES.with(|notes| *notes.borrow_mut().entry(what).or_default() += 1);
}

#[derive(Default, Debug)]
struct Stats {
    notes: std::collections::BTreeMap<&'static str, u64>,
    cases: u64,
    accepted: u64,
    rejected: u64,
    neutral: u64,
    failures: Vec<String>,
}

enum Msg {
    Started(u64),
    Finished,
    Done(Stats),
}

/// Failures reported per target before it stops looking for more.
const MAX_FAILURES: usize = 8;

/// Runs the cases of `target`, one after another on a worker thread, and
/// fails the test with every failing case (target, seed, how to rerun it).
pub fn run(target: Target, case: impl Fn(&mut Ctx) -> CaseResult + Send + 'static) {
    let (first, count) = match env_u64("REEL_FUZZ_CASE") {
        Some(one) => (one, 1),
        None => (
            env_u64("REEL_FUZZ_FIRST").unwrap_or(0),
            env_u64("REEL_FUZZ_CASES")
                .map(|n| (n / target.weight.max(1)).max(1))
                .unwrap_or(target.default_cases),
        ),
    };
    let watchdog = Duration::from_secs(env_u64("REEL_FUZZ_WATCHDOG_SECS").unwrap_or(300));
    run_cases(target, first..first + count, watchdog, case)
}

/// `run` over the cases `cases`, with an explicit per-case hang bound.
pub fn run_cases(
    target: Target,
    cases: std::ops::Range<u64>,
    watchdog: Duration,
    case: impl Fn(&mut Ctx) -> CaseResult + Send + 'static,
) {
    let (first, count) = (cases.start, cases.end.saturating_sub(cases.start));
    let name = target.name;
    let slot = Arc::new(Mutex::new(Recorded::default()));
    let (tx, rx) = mpsc::channel();
    let worker_slot = slot.clone();
    let started = Instant::now();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        // Readers recurse over JSON (bounded by serde's depth limit); debug
        // frames are large.
        .stack_size(64 << 20)
        .spawn(move || {
            let mut stats = Stats::default();
            for n in first..first + count {
                let _ = tx.send(Msg::Started(n));
                if let Ok(mut recorded) = worker_slot.lock() {
                    *recorded = Recorded::default();
                }
                let mut ctx = Ctx {
                    rng: Rng::new(seed_of(name, n)),
                    case: n,
                    target: name,
                    slot: worker_slot.clone(),
                };
                if std::env::var_os("REEL_FUZZ_VERBOSE").is_some() {
                    eprintln!("case {n}");
                }
                let outcome = catch_unwind(AssertUnwindSafe(|| case(&mut ctx)));
                stats.cases += 1;
                let failure = match outcome {
                    Ok(Ok(Verdict::Accepted)) => {
                        stats.accepted += 1;
                        None
                    }
                    Ok(Ok(Verdict::Rejected)) => {
                        stats.rejected += 1;
                        None
                    }
                    Ok(Ok(Verdict::Neutral)) => {
                        stats.neutral += 1;
                        None
                    }
                    Ok(Err(message)) => Some(format!("property violated: {message}")),
                    Err(panic) => Some(format!("panicked: {}", panic_text(&panic))),
                };
                if let Some(failure) = failure {
                    stats.failures.push(report(name, n, &failure, &worker_slot));
                    if stats.failures.len() >= MAX_FAILURES {
                        break;
                    }
                }
                let keep = std::env::var_os("REEL_FUZZ_KEEP").is_some();
                if let (Ok(mut recorded), false) = (worker_slot.lock(), keep) {
                    for (_, dir) in recorded.dirs.drain(..) {
                        let _ = fs::remove_dir_all(dir);
                    }
                }
                let _ = tx.send(Msg::Finished);
            }
            stats.notes = NOTES.with(|notes| notes.take());
            let _ = tx.send(Msg::Done(stats));
        })
        .expect("spawn the fuzz worker");
    let mut current = first;
    let stats = loop {
        match rx.recv_timeout(watchdog) {
            Ok(Msg::Started(n)) => current = n,
            Ok(Msg::Finished) => {}
            Ok(Msg::Done(stats)) => break stats,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let failure = format!("hang: no result within {watchdog:?}");
                // The worker is stuck in the reader; it is left behind.
                panic!("{}", report(name, current, &failure, &slot));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("fuzz {name}: the worker died at case {current}")
            }
        }
    };
    let _ = worker.join();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "fuzz {name}: {} cases from #{first} ({} accepted, {} rejected, {} neutral) in {elapsed:.1}s, weight {}",
        stats.cases, stats.accepted, stats.rejected, stats.neutral, target.weight
    );
    for (what, n) in &stats.notes {
        println!("fuzz {name}: noted {n}× {what}");
    }
    if !stats.failures.is_empty() {
        panic!(
            "fuzz {name}: {} failing case(s)\n\n{}",
            stats.failures.len(),
            stats.failures.join("\n\n")
        );
    }
    // A reader that accepts (or rejects) everything is not being tested.
    if target.expect_both && count >= 50 {
        assert!(
            stats.accepted > 0 && stats.rejected > 0,
            "fuzz {name}: {} accepted and {} rejected of {} cases: the mutations \
             do not reach both sides of the reader",
            stats.accepted,
            stats.rejected,
            stats.cases
        );
    }
}

fn panic_text(panic: &Box<dyn Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Saves the recorded input and returns the failure's description.
fn report(name: &str, case: u64, failure: &str, slot: &Mutex<Recorded>) -> String {
    let seed = seed_of(name, case);
    let dir = failures_root().join(format!("{name}-case{case}-{seed:016x}"));
    let _ = fs::remove_dir_all(&dir);
    let saved = match slot.lock() {
        Ok(recorded) => save(&dir, &recorded, failure),
        Err(_) => Err("the input record is poisoned".to_string()),
    };
    let rerun =
        format!("REEL_FUZZ_CASE={case} cargo test --test fuzz -- --exact {name} --nocapture");
    let saved = match saved {
        Ok(()) => format!("input saved in {}", dir.display()),
        Err(e) => format!("input not saved: {e}"),
    };
    let text = format!(
        "fuzz target {name}, case {case}, seed {seed:#018x}: {failure}\n  {saved}\n  rerun: {rerun}"
    );
    eprintln!("{text}");
    text
}

fn save(dir: &Path, recorded: &Recorded, failure: &str) -> Result<(), String> {
    let err = |e: std::io::Error| e.to_string();
    fs::create_dir_all(dir).map_err(err)?;
    fs::write(dir.join("failure.txt"), format!("{failure}\n")).map_err(err)?;
    for (i, (name, bytes)) in recorded.files.iter().enumerate() {
        fs::write(dir.join(format!("{i}-{}", plain(name))), bytes).map_err(err)?;
    }
    for (name, source) in &recorded.dirs {
        if source.is_dir() {
            copy_tree(source, &dir.join(plain(name))).map_err(err)?;
        }
    }
    Ok(())
}

fn plain(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Copies files and folders; symlinks are recreated as they are, not followed.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&source, &dest)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(&source)?, &dest)?;
        } else if kind.is_file() {
            fs::copy(&source, &dest)?;
        }
    }
    Ok(())
}
