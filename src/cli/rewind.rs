//! `reel rewind RUN --to ATTEMPT` and `reel undo RUN`: destructive, so they
//! ask first (on a terminal) or need `--yes`; busy and live runs get their
//! own exit codes so scripts can tell them apart.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use serde_json::json;

use super::format::clean;
use super::{CliError, CliResult, EXIT_OK};
use crate::timetravel::rewind::{self, RewindOptions, Step};
use crate::timetravel::runid::now_ms;
use crate::timetravel::TimeTravelError;

/// Confirmation was needed (stdin not a terminal) or was declined.
pub const EXIT_NOT_CONFIRMED: i32 = 3;
/// Another reel operation holds the run's lock.
pub const EXIT_BUSY: i32 = 4;
/// The run is still being written (use --force).
pub const EXIT_LIVE: i32 = 5;

#[derive(Debug, clap::Args)]
pub struct RewindArgs {
    /// Bundle path, runId or unique runId suffix.
    run: String,
    /// The step to rewind to (attemptId, 1-based step number, or `-N` from
    /// the end); it is kept.
    #[arg(long, value_name = "ATTEMPT")]
    to: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Rewind even a run that is still being written.
    #[arg(long)]
    force: bool,
    /// Print the outcome as JSON (opId, runId, backup, attemptId, steps).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct UndoArgs {
    /// Bundle path, runId or unique runId suffix.
    run: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Undo even while the run is still being written.
    #[arg(long)]
    force: bool,
    /// Print the outcome as JSON (opId, runId, backup, attemptId, steps).
    #[arg(long)]
    json: bool,
}

impl RewindArgs {
    pub fn run_spec(&self) -> &str {
        &self.run
    }
}

impl UndoArgs {
    pub fn run_spec(&self) -> &str {
        &self.run
    }
}

pub fn rewind(run_dir: &Path, args: &RewindArgs) -> CliResult {
    // Locked and loaded once: the question describes exactly what is cut,
    // and nobody else can change the run while it is asked.
    let locked = rewind::lock_run(run_dir, None).map_err(map_error)?;
    let run = locked.run();
    let position = run
        .find_attempt(&args.to)
        .ok_or_else(|| super::errors::unknown_attempt(run, &args.to))?;
    let cut: Vec<String> = run.attempts[position + 1..]
        .iter()
        .map(|a| clean(run.attempt_id(a), 40))
        .collect();
    let question = format!(
        "Rewind {} to {} (step {}/{})? {} to a backup{}; `reel undo` restores them.",
        clean(&run.run_id(), 80),
        clean(run.attempt_id(&run.attempts[position]), 40),
        position + 1,
        run.attempts.len(),
        match cut.len() {
            1 => "1 later step moves".to_string(),
            n => format!("{n} later steps move"),
        },
        match cut.len() {
            0 => String::new(),
            n if n <= 6 => format!(" ({})", cut.join(", ")),
            n => format!(" ({}, … {} more)", cut[..5].join(", "), n - 5),
        }
    );
    confirm(&question, args.yes)?;
    let options = options(args.force);
    let outcome = locked.rewind(&args.to, &options).map_err(map_error)?;
    report(&outcome, "rewound", args.json)
}

pub fn undo(run_dir: &Path, args: &UndoArgs) -> CliResult {
    let run_id = crate::bundle::folder_name(run_dir);
    let question = format!(
        "Restore the most recent backup of {}? The current bundle is kept as a backup.",
        clean(&run_id, 80)
    );
    confirm(&question, args.yes)?;
    let outcome = rewind::undo(run_dir, &options(args.force)).map_err(map_error)?;
    report(&outcome, "restored", args.json)
}

fn options(force: bool) -> RewindOptions<'static> {
    RewindOptions {
        force,
        now_ms: now_ms(),
        hook: fault_hook(),
    }
}

/// Fault injection for tests (see `super::fault`).
fn fault_hook() -> Option<rewind::StepHook<'static>> {
    super::fault::armed().then_some(&|at: Step| {
        super::fault::point(at.name());
        Ok(())
    })
}

pub(super) fn confirm(question: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError {
            code: EXIT_NOT_CONFIRMED,
            message: format!(
                "{question} Confirmation needed: pass --yes (stdin is not a terminal)."
            ),
        });
    }
    eprint!("{} [y/N] ", crate::sanitize::sanitize_line(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = stdin.lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(CliError {
            code: EXIT_NOT_CONFIRMED,
            message: "declined; nothing changed".to_string(),
        })
    }
}

pub(super) fn map_error(err: TimeTravelError) -> CliError {
    let code = match &err {
        TimeTravelError::Busy { .. } => EXIT_BUSY,
        TimeTravelError::Live { .. } => EXIT_LIVE,
        TimeTravelError::Engine(_) => super::resume::EXIT_NO_ENGINE,
        _ => super::EXIT_FAILURE,
    };
    CliError {
        code,
        message: err.to_string(),
    }
}

fn report(outcome: &rewind::Outcome, verb: &str, json: bool) -> CliResult {
    let mut out = String::new();
    if json {
        outln!(
            out,
            "{}",
            crate::sanitize::json::to_line(&json!({
                "opId": outcome.op_id,
                "runId": outcome.run_id,
                "backup": outcome.backup,
                "attemptId": outcome.attempt_id,
                "steps": outcome.steps,
            }))
        );
    } else {
        outln!(
            out,
            "{verb} {} ({}); previous bundle kept at {}",
            clean(&outcome.run_id, 80),
            crate::humanize::plural(outcome.steps, "step"),
            super::format::path(&outcome.backup)
        );
    }
    super::emit(&out);
    Ok(EXIT_OK)
}
