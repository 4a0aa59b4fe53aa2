//! `reel synth` (hidden): writes a synthetic bundle for benchmarks and tests.

use std::path::{Path, PathBuf};

use super::{CliError, CliResult, EXIT_OK};
use crate::synth::{write_bundle, SynthSpec};

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Number of attempts in the run.
    #[arg(long, default_value_t = 10_000)]
    attempts: usize,
    /// Session events per ACP turn.
    #[arg(long, default_value_t = 12)]
    session_events: usize,
    /// Every Nth loop iteration prompts the agent.
    #[arg(long, default_value_t = 4)]
    acp_every: usize,
    /// Seed of the pseudo-random choices (the same seed, the same bundle).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the bundle (default: the runs directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: &SynthArgs, runs_dir: Option<&Path>) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, args, runs_dir);
    super::emit(&out);
    result
}

fn render(out: &mut String, args: &SynthArgs, runs_dir: Option<&Path>) -> CliResult {
    let target = args
        .out
        .as_deref()
        .or(runs_dir)
        .ok_or_else(|| CliError::usage("give --out DIR"))?;
    if target.exists() && !target.is_dir() {
        return Err(CliError::failure(
            crate::model::discovery::ResolveError::NotARunsDir(target.to_path_buf()),
        ));
    }
    std::fs::create_dir_all(target)
        .map_err(|e| CliError::failure(format!("{}: {e}", target.display())))?;
    let spec = SynthSpec {
        attempts: args.attempts,
        session_events_per_turn: args.session_events,
        acp_every: args.acp_every.max(1),
        seed: args.seed,
        run_id: None,
    };
    let summary = write_bundle(target, &spec)
        .map_err(|e| CliError::failure(format!("{}: {e}", target.display())))?;
    outln!(
        out,
        "{}  {} attempts, {} trace events ({} bytes), {} session events",
        summary.dir.display(),
        summary.attempts,
        summary.trace_events,
        summary.trace_bytes,
        summary.session_events
    );
    Ok(EXIT_OK)
}
