//! Index and load benchmark over synthesized bundles.
//!
//! `cargo bench --bench index` measures bundles of 10k and 100k attempts;
//! `REEL_BENCH_LARGE=1` adds 1M (about 3.5 GB of temporary disk). Inputs are
//! read into memory first so only parsing/indexing is timed, and every figure
//! is the median of several runs (min and max shown too).

use anyhow::{Context, Result};
use reel::bundle::{SessionIndex, TraceIndex};
use reel::model::Run;
use reel::synth::{write_bundle, SynthSpec};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, fs, process};

/// Runs per measurement; the median is reported.
const RUNS: usize = 7;

fn main() -> Result<()> {
    let mut sizes = vec![10_000, 100_000];
    if env::var("REEL_BENCH_LARGE").as_deref() == Ok("1") {
        sizes.push(1_000_000);
    }
    let scratch = Scratch::new()?;
    println!("reel index benchmark: {RUNS} runs each; MB/s and events/s use the median");
    for attempts in sizes {
        bench_bundle(scratch.path(), attempts)?;
    }
    Ok(())
}

fn bench_bundle(scratch: &Path, attempts: usize) -> Result<()> {
    let started = Instant::now();
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    let summary = write_bundle(scratch, &spec).context("synthesizing the bundle")?;
    let synthesized = started.elapsed();
    let trace = fs::read(summary.dir.join("trace.ndjson"))?;
    let session = fs::read(largest_session_events(&summary.dir)?)?;
    println!(
        "\n{} attempts: trace {:.1} MB, largest session events {:.1} MB; synthesized in {}",
        grouped(attempts),
        megabytes(trace.len()),
        megabytes(session.len()),
        human(synthesized),
    );

    let (timings, index) = measure(|| Ok(TraceIndex::from_bytes(&trace)?))?;
    let trace_row = Row::index(
        "TraceIndex::from_bytes",
        timings,
        trace.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, index) = measure(|| Ok(SessionIndex::from_bytes(&session)?))?;
    let session_row = Row::index(
        "SessionIndex::from_bytes",
        timings,
        session.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, run) = measure(|| Ok(Run::open(&summary.dir)?))?;
    drop(run);
    let open_row = Row {
        name: "Run::open (full load)",
        timings,
        index: None,
    };

    print_table(&[trace_row, session_row, open_row]);
    fs::remove_dir_all(&summary.dir)?;
    Ok(())
}

/// Times `RUNS` calls; the result of each call is dropped outside the timed region.
fn measure<T>(mut run: impl FnMut() -> Result<T>) -> Result<(Timings, T)> {
    let mut times = Vec::with_capacity(RUNS);
    let mut kept = None;
    for _ in 0..RUNS {
        drop(kept.take());
        let start = Instant::now();
        let value = black_box(run()?);
        times.push(start.elapsed());
        kept = Some(value);
    }
    times.sort();
    let timings = Timings {
        min: times[0],
        median: times[RUNS / 2],
        max: times[RUNS - 1],
    };
    Ok((timings, kept.context("no runs")?))
}

struct Timings {
    min: Duration,
    median: Duration,
    max: Duration,
}

/// Throughput and memory figures of an index build.
struct IndexFigures {
    input_bytes: usize,
    events: usize,
    heap_bytes: usize,
}

struct Row {
    name: &'static str,
    timings: Timings,
    index: Option<IndexFigures>,
}

impl Row {
    fn index(
        name: &'static str,
        timings: Timings,
        input_bytes: usize,
        events: usize,
        heap_bytes: usize,
    ) -> Row {
        Row {
            name,
            timings,
            index: Some(IndexFigures {
                input_bytes,
                events,
                heap_bytes,
            }),
        }
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "  {:<26} {:>10} {:>10} {:>10} {:>10} {:>13} {:>13}",
        "benchmark", "min", "median", "max", "MB/s", "events/s", "index B/event"
    );
    for row in rows {
        let Timings { min, median, max } = row.timings;
        let (mb_per_s, events_per_s, per_event) = match &row.index {
            Some(figures) => {
                let seconds = median.as_secs_f64();
                (
                    format!("{:.0}", megabytes(figures.input_bytes) / seconds),
                    grouped((figures.events as f64 / seconds) as usize),
                    format!(
                        "{:.1}",
                        figures.heap_bytes as f64 / figures.events.max(1) as f64
                    ),
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "  {:<26} {:>10} {:>10} {:>10} {:>10} {:>13} {:>13}",
            row.name,
            human(min),
            human(median),
            human(max),
            mb_per_s,
            events_per_s,
            per_event
        );
    }
}

fn largest_session_events(bundle: &Path) -> Result<PathBuf> {
    let mut candidates = Vec::new();
    for entry in fs::read_dir(bundle.join("sessions"))? {
        let path = entry?.path().join("events.ndjson");
        if let Ok(metadata) = fs::metadata(&path) {
            candidates.push((metadata.len(), path));
        }
    }
    candidates
        .into_iter()
        .max_by_key(|(len, _)| *len)
        .map(|(_, path)| path)
        .context("the bundle has no session events")
}

fn megabytes(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn human(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    match micros {
        m if m < 1e3 => format!("{m:.0}µs"),
        m if m < 1e6 => format!("{:.2}ms", m / 1e3),
        m => format!("{:.2}s", m / 1e6),
    }
}

/// `1234567` → `1,234,567`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A unique folder under the system temp dir, removed on drop (also after errors).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let dir = env::temp_dir().join(format!("reel-bench-{}-{nanos}", process::id()));
        fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a leftover temp folder is not worth a panic.
        let _ = fs::remove_dir_all(&self.0);
    }
}
