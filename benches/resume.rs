//! Resume overhead, with the real acpx 0.19.1 and the generator's mock
//! agent: for `shell-basic` (no agent) and `branching-review` (agents), a
//! fork at the first step is continued through reel, and the same flow is
//! run from scratch with `acpx flow run`. Medians of 5 (every run gets a
//! fresh fork) of:
//! - the driver's start-up (node starting, loading acpx and the flow,
//!   answering the probe) — `plan`, which is all of it plus the engine
//!   lookup;
//! - from the start of a resume (lock, audit, backup, driver) to the
//!   `run_resumed` event and to the first new `node_started`;
//! - `acpx flow run` from its start to `run_started` and to the first
//!   `node_started`, and each whole run.
//!
//! `cargo bench --bench resume`. Needs node and acpx installed where the
//! tests install it (`target/tmp/acpx-0.19.1`, or `$REEL_ACPX_NPM_DIR`;
//! `cargo test --test resume_e2e` puts it there) and `../shared`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use reel::bundle::timestamp::parse_iso_millis;
use reel::timetravel::fork::{fork, ForkOptions};
use reel::timetravel::resume::{self, Cancel, EngineHints, PermissionMode, ResumeOptions};
use reel::timetravel::runid::now_ms;

const RUNS: usize = 5;

fn main() -> Result<()> {
    let npm = std::env::var_os("REEL_ACPX_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("acpx-0.19.1"));
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/acpx-generator");
    let acpx = npm.join("node_modules/.bin/acpx");
    if !acpx.exists() || !generator.is_dir() {
        bail!(
            "needs acpx in {} and ../shared (run `cargo test --test resume_e2e` once to install it)",
            npm.display()
        );
    }
    fs::copy(generator.join("mock-agent.mjs"), npm.join("mock-agent.mjs"))?;
    let scratch = tempfile::tempdir()?;
    let home = scratch.path().join("home");
    let flows = scratch.path().join("flows");
    fs::create_dir_all(home.join(".acpx"))?;
    fs::create_dir_all(&flows)?;
    let config = fs::read_to_string(generator.join("acpx-config.json"))?
        .replace("/tmp/acpxnpm", &npm.to_string_lossy());
    fs::write(home.join(".acpx/config.json"), config)?;
    std::env::set_var("HOME", &home);
    let runs = home.join(".acpx/flows/runs");
    println!("reel resume benchmark (medians of {RUNS}; acpx 0.19.1, mock agent)");
    println!("| flow | driver start-up (plan) | resume → run_resumed | resume → first node_started | acpx flow run → run_started | acpx → first node_started | whole resume | whole acpx run |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (flow, input) in [
        ("shell-basic.flow.ts", r#"{"text":"hello"}"#),
        (
            "branching-review.flow.ts",
            r#"{"task":"t","route":"review","rounds":2}"#,
        ),
    ] {
        fs::copy(generator.join("flows").join(flow), flows.join(flow))?;
        let mut figures: Vec<[f64; 7]> = Vec::new();
        for _ in 0..RUNS {
            let (acpx_start, acpx_first, acpx_total, dir) =
                run_from_scratch(&acpx, &flows, &runs, flow, input)?;
            let run = reel::model::Run::open(&dir)?;
            let summary = fork(&run, 0, &ForkOptions::default())?;
            let options = ResumeOptions {
                permission: Some(PermissionMode::ApproveAll),
                engine: EngineHints {
                    acpx: Some(npm.join("node_modules/acpx")),
                    node: None,
                },
                sessions: resume::SessionPolicy::Fresh,
                now_ms: now_ms(),
                ..ResumeOptions::default()
            };
            let planned = Instant::now();
            let plan = resume::plan(&summary.dir, &options)?;
            let plan_ms = planned.elapsed().as_secs_f64() * 1000.0;
            let started_ms = now_ms();
            let begun = Instant::now();
            let outcome = resume::resume(&plan, &options, &Cancel::default(), &mut |_| {})?;
            let total = begun.elapsed().as_secs_f64() * 1000.0;
            if outcome.status != "completed" {
                bail!("{flow}: the resume ended {}", outcome.status);
            }
            let (resumed, first) = after_resume(&summary.dir)?;
            figures.push([
                plan_ms,
                (resumed - started_ms) as f64,
                (first - started_ms) as f64,
                acpx_start,
                acpx_first,
                total,
                acpx_total,
            ]);
        }
        let median = |i: usize| {
            let mut v: Vec<f64> = figures.iter().map(|f| f[i]).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "| {flow} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
            median(0),
            median(1),
            median(2),
            median(3),
            median(4),
            median(5),
            median(6)
        );
    }
    Ok(())
}

/// `acpx flow run` from scratch: ms to run_started, to the first
/// node_started, the whole run, and the run's folder.
fn run_from_scratch(
    acpx: &Path,
    flows: &Path,
    runs: &Path,
    flow: &str,
    input: &str,
) -> Result<(f64, f64, f64, PathBuf)> {
    let before: Vec<PathBuf> = list(runs);
    let started_ms = now_ms();
    let begun = Instant::now();
    let status = Command::new(acpx)
        .args([
            "--approve-all",
            "--format",
            "quiet",
            "flow",
            "run",
            flow,
            "--input-json",
            input,
        ])
        .current_dir(flows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("acpx")?;
    let total = begun.elapsed().as_secs_f64() * 1000.0;
    if !status.success() {
        bail!("acpx flow run {flow} failed: {status}");
    }
    let dir = list(runs)
        .into_iter()
        .find(|d| !before.contains(d))
        .context("the new run")?;
    let events = events(&dir)?;
    let at = |kind: &str| {
        events
            .iter()
            .find(|e| e["type"] == kind)
            .and_then(|e| e["at"].as_str())
            .and_then(parse_iso_millis)
            .map(|t| (t - started_ms) as f64)
            .unwrap_or(f64::NAN)
    };
    Ok((at("run_started"), at("node_started"), total, dir))
}

/// The times of the `run_resumed` event and the first `node_started` after it.
fn after_resume(dir: &Path) -> Result<(i64, i64)> {
    let events = events(dir)?;
    let from = events
        .iter()
        .position(|e| e["type"] == "run_resumed")
        .context("run_resumed")?;
    let at = |e: &serde_json::Value| e["at"].as_str().and_then(parse_iso_millis);
    let resumed = at(&events[from]).context("run_resumed at")?;
    let first = events[from..]
        .iter()
        .find(|e| e["type"] == "node_started")
        .and_then(at)
        .context("a new node_started")?;
    Ok((resumed, first))
}

fn events(dir: &Path) -> Result<Vec<serde_json::Value>> {
    Ok(fs::read_to_string(dir.join("trace.ndjson"))?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

fn list(runs: &Path) -> Vec<PathBuf> {
    fs::read_dir(runs)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}
