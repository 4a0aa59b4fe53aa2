//! Index and load benchmark over synthesized bundles.
//!
//! `cargo bench --bench index` measures bundles of 10k and 100k attempts;
//! `REEL_BENCH_LARGE=1` adds 1M (about 3.4 GB of disk). The bundles are
//! made once under `target/bench-runs/` and kept for later runs. Each trace
//! is measured side by side with `cat` and `wc -l` on the same file; the
//! in-memory rows read the file into memory first so only indexing is
//! timed. `REEL_BENCH_FILE_ONLY=1` measures only `cat`, `wc -l` and the
//! index from the file (a quick check of one change). Every figure is the median of several runs (min and max shown).

use anyhow::{Context, Result};
use reel::bundle::trace_file::index_trace_file;
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
    // Every row indexes afresh, and nothing goes into the user's cache
    // (the snapshot cache is measured by `benches/open.rs`, in a temporary
    // folder). Set before any thread starts.
    env::set_var("REEL_NO_INDEX_CACHE", "1");
    let mut sizes = vec![10_000, 100_000];
    if env::var("REEL_BENCH_LARGE").as_deref() == Ok("1") {
        sizes.push(1_000_000);
    }
    // `REEL_BENCH_SIZES=100000,1000000`: only these.
    if let Ok(list) = env::var("REEL_BENCH_SIZES") {
        sizes = list
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
    }
    println!("reel index benchmark: {RUNS} runs each; MB/s and events/s use the median");
    for attempts in sizes {
        bench_bundle(&bench_run(attempts)?, attempts)?;
    }
    Ok(())
}

/// The synthesized bundle of `attempts` under `target/bench-runs/`, made
/// on first use.
fn bench_run(attempts: usize) -> Result<PathBuf> {
    let runs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-runs")
        .join(format!("a{attempts}"));
    if let Some(dir) = fs::read_dir(&runs)
        .ok()
        .and_then(|mut dirs| dirs.next())
        .and_then(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| dir.join("trace.ndjson").is_file())
    {
        return Ok(dir);
    }
    let started = Instant::now();
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    // Made in a scratch folder first: an interrupted run leaves no half bundle.
    let scratch = Scratch::new()?;
    let summary = write_bundle(scratch.path(), &spec).context("synthesizing the bundle")?;
    fs::create_dir_all(&runs)?;
    let dir = runs.join(summary.dir.file_name().context("bundle name")?);
    if fs::rename(&summary.dir, &dir).is_err() {
        copy_dir(&summary.dir, &dir)?;
    }
    println!(
        "synthesized {} attempts in {}",
        grouped(attempts),
        human(started.elapsed())
    );
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn bench_bundle(dir: &Path, attempts: usize) -> Result<()> {
    let trace_path = dir.join("trace.ndjson");
    let trace = fs::read(&trace_path)?;
    let session = fs::read(largest_session_events(dir)?)?;
    println!(
        "\n{} attempts: trace {:.1} MB, largest session events {:.1} MB",
        grouped(attempts),
        megabytes(trace.len()),
        megabytes(session.len()),
    );
    let (cat, ()) = measure(|| tool("cat", &trace_path))?;
    let (wc, ()) = measure(|| tool("wc", &trace_path))?;
    let wc_median = wc.median;
    let (timings, (index, _tail)) =
        measure(|| Ok(index_trace_file(dir, &trace_path, &mut |_, _| {})?))?;
    let file_ratio = timings.median.as_secs_f64() / wc_median.as_secs_f64();
    let file_row = Row::index(
        "trace index from the file",
        timings,
        trace.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let tool_row = |name, timings| Row {
        name,
        timings,
        index: None,
    };
    let mut rows = vec![
        tool_row("cat trace.ndjson", cat),
        tool_row("wc -l trace.ndjson", wc),
        file_row,
    ];
    if env::var("REEL_BENCH_FILE_ONLY").as_deref() != Ok("1") {
        rows.extend(in_memory_rows(dir, &trace, &session)?);
    }
    print_table(&rows);
    println!("  trace index from the file / wc -l: {file_ratio:.2}x (medians)");
    Ok(())
}

/// The indexes built from bytes in memory, and the whole load.
fn in_memory_rows(dir: &Path, trace: &[u8], session: &[u8]) -> Result<Vec<Row>> {
    let (timings, index) = measure(|| Ok(TraceIndex::from_bytes_parsed(trace)?))?;
    let parsed_row = Row::index(
        "from_bytes_parsed (serde)",
        timings,
        trace.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, index) = measure(|| Ok(TraceIndex::from_bytes(trace)?))?;
    let trace_row = Row::index(
        "TraceIndex::from_bytes",
        timings,
        trace.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, index) = measure(|| Ok(SessionIndex::from_bytes(session)?))?;
    let session_row = Row::index(
        "SessionIndex::from_bytes",
        timings,
        session.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, index) = measure(|| Ok(SessionIndex::from_bytes_parsed(session)?))?;
    let session_parsed_row = Row::index(
        "SessionIndex::from_bytes_parsed (serde)",
        timings,
        session.len(),
        index.len(),
        index.heap_bytes(),
    );
    drop(index);
    let (timings, run) = measure(|| Ok(Run::open(dir)?))?;
    drop(run);
    let open_row = Row {
        name: "Run::open (full load)",
        timings,
        index: None,
    };
    Ok(vec![
        parsed_row,
        trace_row,
        session_row,
        session_parsed_row,
        open_row,
    ])
}

/// Runs `program FILE` with its output thrown away.
fn tool(program: &str, file: &Path) -> Result<()> {
    let mut command = process::Command::new(program);
    if program == "wc" {
        command.arg("-l");
    }
    let status = command
        .arg(file)
        .stdout(process::Stdio::null())
        .status()
        .with_context(|| format!("running {program}"))?;
    anyhow::ensure!(status.success(), "{program} failed");
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
