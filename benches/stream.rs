//! Streaming output benchmark (issue 12): wall time and peak resident
//! memory of `state --json`, `show --json` and `validate` on synthesized
//! runs, side by side with `cat` and `wc -l` of the same trace, as medians
//! and as ratios to `state` (the cost of opening the run).
//!
//! `cargo bench --bench stream`. Environment:
//! - `REEL_BENCH_SIZES`: attempts per run, comma-separated (default
//!   `100000,1000000`; the 1M run is about 3.4 GB on disk).
//! - `REEL_BENCH_RUNS`: runs of each command (default 3, at least 3).
//! - `REEL_BENCH_DIR`: where the runs are kept between benchmarks (default
//!   `target/bench-runs`, one folder per size, made on first use).
//! - `REEL_BENCH_BASELINE`: another reel binary measured beside this one
//!   (an older build, to compare before and after).
//!
//! Each command is one child process: its peak memory is `ru_maxrss` from
//! `wait4`, its stdout goes to `/dev/null`. The commands take turns (one
//! round runs each once) so that a noisy neighbour spreads over all of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use std::{env, fs};

use anyhow::{bail, Context, Result};
use reel::synth::{write_bundle, SynthSpec};

struct Sample {
    seconds: f64,
    /// User + system time of the child: steadier than wall time when other
    /// work shares the cores.
    cpu_seconds: f64,
    peak_mib: f64,
}

struct Case {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    samples: Vec<Sample>,
}

fn main() -> Result<()> {
    let sizes: Vec<usize> = env::var("REEL_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".to_string())
        .split(',')
        .map(|s| s.trim().parse().context("REEL_BENCH_SIZES"))
        .collect::<Result<_>>()?;
    let runs: usize = env::var("REEL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(3);
    let keep = env::var_os("REEL_BENCH_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-runs"),
        PathBuf::from,
    );
    let baseline = env::var_os("REEL_BENCH_BASELINE").map(PathBuf::from);
    for attempts in sizes {
        let run = synthesized(&keep, attempts)?;
        bench_one(&run, attempts, runs, baseline.as_deref())?;
    }
    Ok(())
}

/// The run of `attempts` attempts under `keep`, synthesized when absent.
fn synthesized(keep: &Path, attempts: usize) -> Result<PathBuf> {
    let dir = keep.join(format!("stream-{attempts}"));
    if let Some(found) = bundle_in(&dir) {
        return Ok(found);
    }
    // A half-written folder from an interrupted run is made again.
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let started = Instant::now();
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    let written = write_bundle(&dir, &spec).context("synthesizing")?;
    fs::write(dir.join("complete"), b"").context("marking the run complete")?;
    eprintln!(
        "synthesized {attempts} attempts in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(written.dir)
}

fn bundle_in(dir: &Path) -> Option<PathBuf> {
    if !dir.join("complete").is_file() {
        return None;
    }
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("manifest.json").is_file())
}

fn bench_one(run: &Path, attempts: usize, runs: usize, baseline: Option<&Path>) -> Result<()> {
    let trace = run.join("trace.ndjson");
    let trace_mb = fs::metadata(&trace)?.len() as f64 / 1e6;
    let run_arg = run.to_string_lossy().into_owned();
    let trace_arg = trace.to_string_lossy().into_owned();
    let reel = PathBuf::from(env!("CARGO_BIN_EXE_reel"));
    let reel_commands = |label: &str, program: &Path| -> Vec<Case> {
        [
            ("state --json", vec!["state", "--at", "last", "--json"]),
            ("show --json", vec!["show", "--json"]),
            ("validate", vec!["validate"]),
        ]
        .into_iter()
        .map(|(name, args)| {
            let mut args: Vec<String> = args.into_iter().map(str::to_string).collect();
            args.insert(1, run_arg.clone());
            if let Some(at) = args.iter_mut().find(|a| *a == "last") {
                *at = attempts.to_string();
            }
            Case {
                name: format!("{label}{name}"),
                program: program.to_path_buf(),
                args,
                samples: Vec::new(),
            }
        })
        .collect()
    };
    let mut cases = reel_commands("", &reel);
    if let Some(old) = baseline {
        cases.extend(reel_commands("baseline ", old));
    }
    for (name, program, args) in [
        ("cat trace", "cat", vec![trace_arg.clone()]),
        ("wc -l trace", "wc", vec!["-l".to_string(), trace_arg]),
    ] {
        cases.push(Case {
            name: name.to_string(),
            program: PathBuf::from(program),
            args,
            samples: Vec::new(),
        });
    }
    for _ in 0..runs {
        for case in &mut cases {
            let sample = measure(&case.program, &case.args)
                .with_context(|| format!("{} {:?}", case.program.display(), case.args))?;
            case.samples.push(sample);
        }
    }
    println!(
        "\n{attempts} attempts, trace {trace_mb:.0} MB: medians of {runs} runs, ratios to `state --json`"
    );
    println!("| command | wall s | × state | CPU s | × state | peak RSS MiB | × state |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let figures = |case: &Case| {
        (
            median(&case.samples, |s| s.seconds),
            median(&case.samples, |s| s.cpu_seconds),
            median(&case.samples, |s| s.peak_mib),
        )
    };
    let state = figures(&cases[0]);
    for case in &cases {
        let (seconds, cpu, peak) = figures(case);
        println!(
            "| `{}` | {seconds:.2} | {:.2} | {cpu:.2} | {:.2} | {peak:.0} | {:.2} |",
            case.name,
            seconds / state.0,
            cpu / state.1,
            peak / state.2
        );
    }
    Ok(())
}

fn median(samples: &[Sample], field: impl Fn(&Sample) -> f64) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs one child to the end: its wall time and its own peak memory.
// The child is reaped by `wait4`, which `Child::wait` cannot replace.
#[allow(clippy::zombie_processes)]
fn measure(program: &Path, args: &[String]) -> Result<Sample> {
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        // Every run indexes the trace afresh (a cached index would make
        // `state` a cache read), and nothing goes into the user's cache.
        .env("REEL_NO_INDEX_CACHE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut status = 0;
    // SAFETY: plain out-parameters for one child of this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    if waited != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!("exited with status {status}");
    }
    let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // ru_maxrss is in KiB on Linux.
    Ok(Sample {
        seconds,
        cpu_seconds: time(usage.ru_utime) + time(usage.ru_stime),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
    })
}
