//! `reel diff A B [--json]`: two frames (`RUN@ATTEMPT`, or `RUN` for its
//! last step) compared; `reel diff FORK`: a fork against its parent. A diff
//! is a report, so it exits 0 whether or not the frames differ.

use std::path::{Path, PathBuf};

use super::errors::RunsDir;
use super::{CliError, CliResult, EXIT_OK};
use crate::model::discovery::{self, resolve_run};
use crate::model::Run;
use crate::timetravel::diff::report::{print_frames, print_parent};
use crate::timetravel::diff::{diff_against_parent, diff_frames};
use crate::timetravel::lineage::read_extras;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// `RUN@ATTEMPT` (attemptId such as review#2, a step number, `last` or
    /// `-N` from the end; `RUN` alone is its last step). With no B: a fork
    /// against its parent.
    #[arg(value_name = "A")]
    pub a: String,
    /// The frame to compare A with: `RUN@ATTEMPT`, or `RUN` for its last step.
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Print the diff as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DiffArgs, runs: Option<&RunsDir>) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, args, runs);
    super::emit(&out);
    result
}

fn render(out: &mut String, args: &DiffArgs, runs: Option<&RunsDir>) -> CliResult {
    match &args.b {
        Some(b) => {
            let (a_run, a_at) = open_frame(&args.a, runs)?;
            let (b_run, b_at) = open_frame(b, runs)?;
            let diff = diff_frames(&a_run, a_at, &b_run, b_at);
            if args.json {
                outln!(out, "{}", to_json(&diff));
            } else {
                print_frames(out, &diff, &b_run);
            }
        }
        None => {
            let (fork, parent) = open_fork(&args.a, runs)?;
            let diff = diff_against_parent(&fork, &parent).map_err(CliError::failure)?;
            if args.json {
                outln!(out, "{}", to_json(&diff));
            } else {
                print_parent(out, &diff, &fork);
            }
        }
    }
    Ok(EXIT_OK)
}

fn to_json(value: &impl serde::Serialize) -> String {
    crate::sanitize::json::to_pretty(value)
}

/// Splits `RUN@ATTEMPT` on the last `@` (attempt ids hold `#`, paths may
/// hold `@`); an existing folder is taken whole, as a run alone.
pub fn split_frame(spec: &str) -> Result<(&str, Option<&str>), CliError> {
    if spec.trim().is_empty() {
        return Err(CliError::usage("empty frame: give RUN or RUN@ATTEMPT"));
    }
    if Path::new(spec).is_dir() {
        return Ok((spec, None));
    }
    match spec.rsplit_once('@') {
        None => Ok((spec, None)),
        Some((run, attempt)) if run.is_empty() || attempt.trim().is_empty() => Err(
            CliError::usage(format!("bad frame {spec:?}: expected RUN@ATTEMPT (e.g. 432a4eb8@review_loop#2 or 432a4eb8@5)")),
        ),
        Some((run, attempt)) => Ok((run, Some(attempt))),
    }
}

/// The run and attempt position a frame argument names.
fn open_frame(spec: &str, runs: Option<&RunsDir>) -> Result<(Run, usize), CliError> {
    let (run_spec, attempt) = split_frame(spec)?;
    let run = super::open_run(run_spec, runs)?;
    let position =
        match attempt {
            Some(attempt) => run
                .find_attempt(attempt)
                .ok_or_else(|| super::errors::unknown_attempt(&run, attempt))?,
            None => run.attempts.len().checked_sub(1).ok_or_else(|| {
                CliError::failure(format!("run {} has no steps yet", run.run_id()))
            })?,
        };
    Ok((run, position))
}

/// A fork and its parent, looked up by runId beside the fork (else in the
/// runs directory).
fn open_fork(spec: &str, runs: Option<&RunsDir>) -> Result<(Run, Run), CliError> {
    if split_frame(spec)?.1.is_some() {
        return Err(CliError::usage(
            "give two frames (reel diff A B), or one fork without @ATTEMPT (reel diff FORK)",
        ));
    }
    let fork = super::open_run(spec, runs)?;
    let extras = read_extras(&fork.bundle.root).map_err(CliError::failure)?;
    let lineage = extras.lineage.ok_or_else(|| {
        CliError::failure(format!(
            "run {} is not a fork (no lineage in its manifest); to compare two frames: reel diff A B",
            fork.run_id()
        ))
    })?;
    let parent_id = &lineage.parent_run_id;
    // Beside the fork, from its absolute location (`reel diff .` inside it).
    // A parentRunId that is not a plain folder name is never joined to a path.
    let beside: Option<PathBuf> = crate::timetravel::layout::locate_run(&fork.bundle.root)
        .ok()
        .filter(|_| crate::timetravel::layout::is_plain_name(parent_id))
        .map(|located| located.runs_dir.join(parent_id));
    let parent_dir = match beside.filter(|d| discovery::is_bundle(d)) {
        Some(dir) => dir,
        None => resolve_run(parent_id, runs.map(|d| d.path.as_path())).map_err(|err| {
            CliError::failure(format!(
                "the parent of fork {} is missing: {err}",
                fork.run_id()
            ))
        })?,
    };
    let parent = super::open_run(&parent_dir.to_string_lossy(), None)?;
    Ok((fork, parent))
}
