//! Fork benchmark: a synthesized run of 100k attempts (about 340 MB on
//! disk) forked at its middle and at its end, then rewound to its middle
//! and undone, median of 5 each, side by side with `cp -r` of the same
//! bundle followed by an fsync of every file and folder it wrote (the
//! baseline runs interleaved with the operations, so both see the same
//! machine).
//!
//! `cargo bench --bench fork`; `REEL_BENCH_ATTEMPTS=N` changes the size.
//! "Written" counts the bytes of files the fork wrote itself; artifacts are
//! hard links to the source's and are reported apart. Every file is synced,
//! so the figures include fsync. Each figure comes with the CPU time (user +
//! system, every thread, `cp` included for the baseline) it took: steadier
//! than wall time when other work shares the machine.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};
use std::{env, fs};

use anyhow::{Context, Result};
use reel::model::Run;
use reel::synth::{write_bundle, SynthSpec};
use reel::timetravel::fork::{fork, ForkOptions};

const RUNS: usize = 5;

fn main() -> Result<()> {
    let attempts: usize = env::var("REEL_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let scratch = tempfile::tempdir().context("scratch folder")?;
    let started = Instant::now();
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    let written = write_bundle(scratch.path(), &spec).context("synthesizing")?;
    let (source_bytes, _) = sizes(&written.dir)?;
    println!(
        "reel fork benchmark: {attempts} attempts, {} trace events, {:.0} MB bundle (synthesized in {:.1} s)",
        written.trace_events,
        mb(source_bytes),
        started.elapsed().as_secs_f64()
    );
    let opened = Instant::now();
    let run = Run::open(&written.dir)?;
    println!("Run::open {:.0} ms", ms(opened.elapsed()));
    let last = run.attempts.len() - 1;
    let mut copies = Vec::new();
    let mut medians: Vec<(String, Duration)> = Vec::new();
    for (name, attempt) in [("middle", last / 2), ("end", last)] {
        let mut times = Vec::with_capacity(RUNS);
        let mut cpu = Vec::with_capacity(RUNS);
        let mut figures = (0, 0, 0);
        for _ in 0..RUNS {
            copies.push(copy_and_sync(&written.dir, scratch.path())?);
            let (start, cpu_start) = (Instant::now(), cpu_now());
            let summary = fork(&run, attempt, &ForkOptions::default())?;
            times.push(start.elapsed());
            cpu.push(cpu_now() - cpu_start);
            let (own, linked) = sizes(&summary.dir)?;
            figures = (own, linked, summary.trace_events);
            fs::remove_dir_all(&summary.dir)?;
        }
        times.sort();
        cpu.sort();
        let (own, linked, events) = figures;
        println!(
            "fork at the {name} (step {}/{}): median {:.0} ms (min {:.0}, max {:.0}), CPU {:.0} ms; {:.1} MB written, {:.2} MB of artifacts linked; {events} trace events",
            attempt + 1,
            run.attempts.len(),
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            ms(cpu[RUNS / 2]),
            mb(own),
            mb(linked),
        );
        medians.push((format!("fork at the {name}"), times[RUNS / 2]));
    }
    drop(run);
    medians.extend(rewind_and_undo(
        &written.dir,
        scratch.path(),
        last / 2,
        &mut copies,
    )?);
    let mut copy_cpu: Vec<Duration> = copies.iter().map(|c| c.1).collect();
    copy_cpu.sort();
    let mut copies: Vec<Duration> = copies.iter().map(|c| c.0).collect();
    copies.sort();
    let copy = copies[copies.len() / 2];
    println!(
        "cp -r + fsync of the {:.0} MB bundle: median {:.0} ms (min {:.0}, max {:.0}, {} runs), CPU {:.0} ms",
        mb(source_bytes),
        ms(copy),
        ms(copies[0]),
        ms(copies[copies.len() - 1]),
        copies.len(),
        ms(copy_cpu[copy_cpu.len() / 2])
    );
    for (name, median) in &medians {
        println!(
            "{name}: {:.2}× cp -r + fsync",
            median.as_secs_f64() / copy.as_secs_f64()
        );
    }
    Ok(())
}

/// `cp -r` of `bundle` into `scratch`, then an fsync of every file and
/// folder of the copy (and of `scratch`), as a fork syncs what it writes:
/// (wall, CPU) time.
fn copy_and_sync(bundle: &Path, scratch: &Path) -> Result<(Duration, Duration)> {
    let to = scratch.join("cp-r-copy");
    let (start, cpu_start) = (Instant::now(), cpu_now());
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(bundle)
        .arg(&to)
        .status()
        .context("cp -r")?;
    anyhow::ensure!(status.success(), "cp -r failed");
    sync_tree(&to)?;
    fs::File::open(scratch)?.sync_all()?;
    let took = (start.elapsed(), cpu_now() - cpu_start);
    fs::remove_dir_all(&to)?;
    Ok(took)
}

/// CPU time (user + system) of this process, every thread, and of the
/// children it has waited for.
fn cpu_now() -> Duration {
    let mut total = Duration::ZERO;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given (zeroed before).
        let usage = unsafe {
            libc::getrusage(who, usage.as_mut_ptr());
            usage.assume_init()
        };
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        total += tv(usage.ru_utime) + tv(usage.ru_stime);
    }
    total
}

fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            fs::File::open(entry.path())?.sync_all()?;
        }
    }
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Rewind in place to the middle, then undo (which restores the original),
/// `RUNS` times: the full crash-safe sequence with its fsyncs. The backups
/// they leave are removed after each round (as `reel gc` would).
fn rewind_and_undo(
    run_dir: &Path,
    scratch: &Path,
    attempt: usize,
    copies: &mut Vec<(Duration, Duration)>,
) -> Result<Vec<(String, Duration)>> {
    use reel::timetravel::rewind::{rewind, undo, RewindOptions};
    let options = RewindOptions {
        force: false,
        now_ms: reel::timetravel::runid::now_ms(),
        hook: None,
    };
    let backups = scratch.join(".reel").join("backups");
    let (mut rewinds, mut undos) = (Vec::new(), Vec::new());
    let (mut rewind_cpu, mut undo_cpu) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        copies.push(copy_and_sync(run_dir, scratch)?);
        let (start, cpu_start) = (Instant::now(), cpu_now());
        rewind(run_dir, &(attempt + 1).to_string(), &options)?;
        rewinds.push(start.elapsed());
        rewind_cpu.push(cpu_now() - cpu_start);
        let (start, cpu_start) = (Instant::now(), cpu_now());
        undo(run_dir, &options)?;
        undos.push(start.elapsed());
        undo_cpu.push(cpu_now() - cpu_start);
        fs::remove_dir_all(&backups)?;
    }
    let mut medians = Vec::new();
    for (name, times, cpu) in [
        ("rewind to the middle", &mut rewinds, &mut rewind_cpu),
        ("undo", &mut undos, &mut undo_cpu),
    ] {
        times.sort();
        cpu.sort();
        println!(
            "{name}: median {:.1} ms (min {:.1}, max {:.1}), CPU {:.0} ms",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            ms(cpu[RUNS / 2])
        );
        medians.push((name.to_string(), times[RUNS / 2]));
    }
    Ok(medians)
}

/// Bytes of the files under `dir`: (written here, shared by hard links).
fn sizes(dir: &Path) -> Result<(u64, u64)> {
    let (mut own, mut linked) = (0, 0);
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (o, l) = sizes(&entry.path())?;
            own += o;
            linked += l;
        } else if meta.nlink() > 1 {
            linked += meta.len();
        } else {
            own += meta.len();
        }
    }
    Ok((own, linked))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}
