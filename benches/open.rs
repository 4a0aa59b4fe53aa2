//! Opening a large run in the viewer, measured on the real binary in a
//! pseudo-terminal (160×48), side by side with `cat` and `wc -l` on the
//! same trace: the time to the first frame that shows steps (the status bar
//! has a step and a seq), to the fully indexed run (no `indexing` left),
//! and the process's memory once settled (VmRSS unchanged for a second,
//! and per trace event).
//! Cold: an empty index cache; warm: the snapshot the cold run saved.
//!
//! `cargo bench --bench open` measures the 10k and 100k runs of
//! `target/bench-runs/` (made there on first use); `REEL_BENCH_LARGE=1` adds
//! 1M; `REEL_BENCH_SIZES=1000000` picks. Medians of `RUNS` runs.

#[path = "../tests/pty/mod.rs"]
mod pty;

use anyhow::{Context, Result};
use reel::synth::{write_bundle, SynthSpec};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use std::{env, fs, process};

const RUNS: usize = 3;
/// A hang is a failure, however loaded the machine.
const DEADLINE: Duration = Duration::from_secs(300);

fn main() -> Result<()> {
    let mut sizes = vec![10_000, 100_000];
    if env::var("REEL_BENCH_LARGE").as_deref() == Ok("1") {
        sizes.push(1_000_000);
    }
    if let Ok(list) = env::var("REEL_BENCH_SIZES") {
        sizes = list
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
    }
    println!("reel open benchmark: medians of {RUNS} runs, 160x48 pseudo-terminal");
    for attempts in sizes {
        bench(attempts)?;
    }
    Ok(())
}

struct Opened {
    first_steps: Duration,
    indexed: Duration,
    rss_kib: u64,
    events: u64,
}

fn bench(attempts: usize) -> Result<()> {
    let run = bench_run(attempts)?;
    let trace = run.join("trace.ndjson");
    let size = fs::metadata(&trace)?.len();
    let cat = median(
        (0..RUNS)
            .map(|_| tool("cat", &trace))
            .collect::<Result<_>>()?,
    );
    let wc = median(
        (0..RUNS)
            .map(|_| tool("wc", &trace))
            .collect::<Result<_>>()?,
    );
    let cache = tempfile::tempdir()?;
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        let _ = fs::remove_dir_all(cache.path().join("reel"));
        cold.push(open(&run, cache.path())?);
    }
    // The last cold open left its snapshot.
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        warm.push(open(&run, cache.path())?);
    }
    println!(
        "\n{attempts} attempts: trace {:.1} MB, {} events",
        size as f64 / 1e6,
        cold[0].events
    );
    println!("  cat trace.ndjson             {:>9}", human(cat));
    println!("  wc -l trace.ndjson           {:>9}", human(wc));
    for (name, runs) in [("cold (no snapshot)", &cold), ("warm (snapshot)   ", &warm)] {
        let first = median(runs.iter().map(|o| o.first_steps).collect());
        let indexed = median(runs.iter().map(|o| o.indexed).collect());
        let rss = median_u64(runs.iter().map(|o| o.rss_kib).collect());
        println!(
            "  {name}: first frame with steps {:>9} ({:.1}x wc -l), fully indexed {:>9} ({:.1}x wc -l), settled RSS {:.0} MiB = {:.0} B/event",
            human(first),
            ratio(first, wc),
            human(indexed),
            ratio(indexed, wc),
            rss as f64 / 1024.0,
            rss as f64 * 1024.0 / runs[0].events.max(1) as f64
        );
    }
    Ok(())
}

/// Opens `run` in the viewer with its index cache in `cache`.
fn open(run: &Path, cache: &Path) -> Result<Opened> {
    let path = run.to_string_lossy();
    let cache_home = cache.to_string_lossy();
    let started = Instant::now();
    let mut tui = pty::Tui::spawn(&[&path], 160, 48, &[("XDG_CACHE_HOME", &cache_home)]);
    let wait = |tui: &mut pty::Tui, done: &dyn Fn(&str) -> bool| -> Result<Duration> {
        loop {
            if done(&tui.screen_text()) {
                return Ok(started.elapsed());
            }
            anyhow::ensure!(started.elapsed() < DEADLINE, "no frame in time");
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    let first_steps = wait(&mut tui, &|s| s.contains(" seq "))?;
    let indexed = wait(&mut tui, &|s| {
        s.contains(" seq ") && !s.contains("indexing ")
    })?;
    // Settled: the inspector has indexed the step's session (in the
    // background, after the trace) and partial copies are gone, so the
    // resident size stops changing.
    let rss_kib = settled_rss_kib(tui.pid(), started)?;
    let screen = tui.screen_text();
    let events = screen
        .split(" seq ")
        .nth(1)
        .and_then(|rest| rest.split('/').nth(1))
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    tui.send("q");
    Ok(Opened {
        first_steps,
        indexed,
        rss_kib,
        events,
    })
}

/// VmRSS once it has not changed for `STEADY` (sampled every 50 ms).
fn settled_rss_kib(pid: u32, started: Instant) -> Result<u64> {
    const STEADY: Duration = Duration::from_secs(1);
    let rss = || -> Result<u64> {
        let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .context("VmRSS")
    };
    let (mut last, mut since) = (rss()?, Instant::now());
    while since.elapsed() < STEADY {
        anyhow::ensure!(started.elapsed() < DEADLINE, "memory never settled");
        std::thread::sleep(Duration::from_millis(50));
        let now = rss()?;
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    Ok(last)
}

/// The synthesized bundle of `attempts` under `target/bench-runs/`.
fn bench_run(attempts: usize) -> Result<PathBuf> {
    let runs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-runs")
        .join(format!("a{attempts}"));
    let existing = fs::read_dir(&runs)
        .ok()
        .and_then(|mut dirs| dirs.next())
        .and_then(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| dir.join("trace.ndjson").is_file());
    if let Some(dir) = existing {
        return Ok(dir);
    }
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    Ok(write_bundle(&runs, &spec)?.dir)
}

fn tool(program: &str, file: &Path) -> Result<Duration> {
    let mut command = process::Command::new(program);
    if program == "wc" {
        command.arg("-l");
    }
    let started = Instant::now();
    let status = command.arg(file).stdout(process::Stdio::null()).status()?;
    anyhow::ensure!(status.success(), "{program} failed");
    Ok(started.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_u64(mut values: Vec<u64>) -> u64 {
    values.sort();
    values[values.len() / 2]
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn human(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1e3;
    if ms < 1e3 {
        format!("{ms:.0}ms")
    } else {
        format!("{:.2}s", ms / 1e3)
    }
}
