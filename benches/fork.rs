//! Fork benchmark: a synthesized run of 100k attempts (about 340 MB on
//! disk) forked at its middle and at its end, median of 5 forks each.
//!
//! `cargo bench --bench fork`; `REEL_BENCH_ATTEMPTS=N` changes the size.
//! "Written" counts the bytes of files the fork wrote itself; artifacts are
//! hard links to the source's and are reported apart. Every file is synced,
//! so the figures include fsync.

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
    for (name, attempt) in [("middle", last / 2), ("end", last)] {
        let mut times = Vec::with_capacity(RUNS);
        let mut figures = (0, 0, 0);
        for _ in 0..RUNS {
            let start = Instant::now();
            let summary = fork(&run, attempt, &ForkOptions::default())?;
            times.push(start.elapsed());
            let (own, linked) = sizes(&summary.dir)?;
            figures = (own, linked, summary.trace_events);
            fs::remove_dir_all(&summary.dir)?;
        }
        times.sort();
        let (own, linked, events) = figures;
        println!(
            "fork at the {name} (step {}/{}): median {:.0} ms (min {:.0}, max {:.0}); {:.1} MB written, {:.2} MB of artifacts linked; {events} trace events",
            attempt + 1,
            run.attempts.len(),
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            mb(own),
            mb(linked),
        );
    }
    rewind_and_undo(&written.dir, last / 2)
}

/// Rewind in place to the middle, then undo (which restores the original),
/// `RUNS` times: the full crash-safe sequence with its fsyncs.
fn rewind_and_undo(run_dir: &Path, attempt: usize) -> Result<()> {
    use reel::timetravel::rewind::{rewind, undo, RewindOptions};
    let options = RewindOptions {
        force: false,
        now_ms: reel::timetravel::runid::now_ms(),
        hook: None,
    };
    let (mut rewinds, mut undos) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let start = Instant::now();
        rewind(run_dir, &(attempt + 1).to_string(), &options)?;
        rewinds.push(start.elapsed());
        let start = Instant::now();
        undo(run_dir, &options)?;
        undos.push(start.elapsed());
    }
    for (name, times) in [("rewind to the middle", &mut rewinds), ("undo", &mut undos)] {
        times.sort();
        println!(
            "{name}: median {:.0} ms (min {:.0}, max {:.0})",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    }
    Ok(())
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
