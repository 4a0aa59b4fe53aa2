//! `reel backups [RUN]` lists the backups rewinds, undos and resumes kept,
//! with their sizes; `reel gc [RUN] [--keep N]` removes all but the newest
//! N of each run. Removing is destructive, so gc shows what it would remove
//! and free first, and asks (on a terminal) or needs `--yes`.

use std::path::PathBuf;

use serde_json::json;

use super::errors::{needed, require_runs_dir, RunsDir};
use super::format::{clean, pad};
use super::rewind::{confirm, map_error};
use super::{CliError, CliResult, EXIT_OK};
use crate::humanize::{bytes, plural};
use crate::sanitize::json::to_line;
use crate::timetravel::backups::{list, Backup};
use crate::timetravel::gc::{collect, plan, GcHook, GcPlan, GcStep};
use crate::timetravel::layout::{is_plain_name, locate_run, StateDirs};
use crate::timetravel::runid::now_ms;

#[derive(Debug, clap::Args)]
pub struct BackupsArgs {
    /// Only this run's backups (bundle path, runId or unique suffix; the
    /// runId of a run no longer there works too).
    pub run: Option<String>,
    /// Print JSON: {"backups": [...], "bytes": n, "freesBytes": n}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct GcArgs {
    /// Only this run's backups (as for `reel backups`).
    pub run: Option<String>,
    /// How many of the newest backups of each run to keep.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub keep: usize,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print JSON: the plan and what was removed.
    #[arg(long)]
    pub json: bool,
}

/// The runs folder and, with a RUN, the run id whose backups are meant.
fn scope(run: Option<&str>, runs: Option<&RunsDir>) -> Result<(PathBuf, Option<String>), CliError> {
    let Some(spec) = run else {
        let dir = needed(runs)?;
        return Ok((require_runs_dir(dir)?.to_path_buf(), None));
    };
    match super::resolve_dir(spec, runs) {
        Ok(dir) => {
            let located = locate_run(&dir).map_err(CliError::failure)?;
            let id = located.id();
            Ok((located.runs_dir, Some(id)))
        }
        // A run that is gone may still have backups.
        Err(err) => match runs {
            Some(dir)
                if is_plain_name(spec) && StateDirs::new(&dir.path).backups_of(spec).is_dir() =>
            {
                Ok((dir.path.clone(), Some(spec.to_string())))
            }
            _ => Err(err),
        },
    }
}

pub fn backups(args: &BackupsArgs, runs: Option<&RunsDir>) -> CliResult {
    let (runs_dir, run_id) = scope(args.run.as_deref(), runs)?;
    super::recover(&runs_dir);
    let found = list(&runs_dir, run_id.as_deref()).map_err(CliError::failure)?;
    let total: u64 = found.iter().map(|b| b.bytes).sum();
    let frees = crate::timetravel::backups::freed_by(&found);
    let mut out = String::new();
    if args.json {
        let document = json!({"backups": found, "bytes": total, "freesBytes": frees});
        outln!(out, "{}", to_line(&document));
    } else if found.is_empty() {
        outln!(out, "no backups in {}", super::format::path(&runs_dir));
    } else {
        print_grouped(&mut out, &found);
        outln!(
            out,
            "{}, {}; removing them all would free {}",
            plural(found.len(), "backup"),
            bytes(total),
            bytes(frees)
        );
    }
    super::emit(&out);
    Ok(EXIT_OK)
}

pub fn gc(args: &GcArgs, runs: Option<&RunsDir>) -> CliResult {
    let (runs_dir, run_id) = scope(args.run.as_deref(), runs)?;
    super::recover(&runs_dir);
    let planned = plan(&runs_dir, run_id.as_deref(), args.keep).map_err(CliError::failure)?;
    let mut out = String::new();
    if planned.remove.is_empty() {
        if args.json {
            outln!(out, "{}", to_line(&plan_json(&planned, args.keep, None)));
        } else {
            outln!(
                out,
                "nothing to remove: {} kept (the newest {} of each run)",
                plural(planned.keep.len(), "backup"),
                args.keep
            );
        }
        super::emit(&out);
        return Ok(EXIT_OK);
    }
    if !args.json {
        print_plan(&mut out, &planned, args.keep);
        super::emit(&std::mem::take(&mut out));
    }
    let question = format!(
        "Remove {} ({})? Removed backups cannot be restored.",
        plural(planned.remove.len(), "backup"),
        bytes(planned.frees)
    );
    if let Err(err) = confirm(&question, args.yes) {
        if args.json {
            super::emit(&format!(
                "{}\n",
                to_line(&plan_json(&planned, args.keep, None))
            ));
        }
        return Err(err);
    }
    let hook = |at: GcStep| {
        super::fault::point(at.name());
        Ok(())
    };
    let hook: Option<GcHook> = super::fault::armed().then_some(&hook);
    let done = collect(&runs_dir, &planned, now_ms(), hook).map_err(map_error)?;
    for (run, reason) in &done.skipped {
        super::say(format!(
            "skipped {}: {}",
            clean(run, 80),
            clean(reason, 200)
        ));
    }
    if args.json {
        outln!(
            out,
            "{}",
            to_line(&plan_json(&planned, args.keep, Some(&done)))
        );
    } else {
        outln!(
            out,
            "removed {}, freed {}",
            plural(done.removed.len(), "backup"),
            bytes(done.freed)
        );
    }
    super::emit(&out);
    Ok(EXIT_OK)
}

fn plan_json(
    planned: &GcPlan,
    keep: usize,
    done: Option<&crate::timetravel::gc::GcOutcome>,
) -> serde_json::Value {
    let skipped: Vec<serde_json::Value> = done
        .map(|d| {
            d.skipped
                .iter()
                .map(|(run, reason)| json!({"runId": run, "reason": reason}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "keep": keep,
        "remove": planned.remove,
        "kept": planned.keep,
        "freesBytes": planned.frees,
        "done": done.is_some(),
        "removed": done.map(|d| d.removed.iter().map(|b| b.op_id.clone()).collect::<Vec<_>>()),
        "freedBytes": done.map(|d| d.freed),
        "skipped": skipped,
    })
}

fn print_plan(out: &mut String, planned: &GcPlan, keep: usize) {
    outln!(
        out,
        "gc keeps the newest {} of each run; it would remove {}, freeing {}:",
        plural(keep, "backup"),
        plural(planned.remove.len(), "backup"),
        bytes(planned.frees)
    );
    print_grouped(out, &planned.remove);
    outln!(out, "and keep {}", plural(planned.keep.len(), "backup"));
}

/// Backups under their run, one line each: op id, what made it, when, size.
fn print_grouped(out: &mut String, found: &[Backup]) {
    let mut run: Option<&str> = None;
    for backup in found {
        if run != Some(backup.run_id.as_str()) {
            run = Some(&backup.run_id);
            let gone = if backup.run_exists {
                ""
            } else {
                "  (run no longer here)"
            };
            outln!(out, "{}{gone}", clean(&backup.run_id, 100));
        }
        outln!(
            out,
            "  {}  {}  {}  {}",
            pad(&clean(&backup.op_id, 30), 30),
            pad(&clean(&made_by(backup), 40), 40),
            pad(&clean(backup.at.as_deref().unwrap_or("?"), 24), 24),
            bytes(backup.bytes)
        );
    }
}

/// "before rewind to review#2", "before undo", "before resume".
fn made_by(backup: &Backup) -> String {
    let op = backup.op.as_deref().unwrap_or("an operation");
    match (op, backup.attempt_id.as_deref()) {
        ("rewind", Some(to)) => format!("before rewind to {to}"),
        ("resume", Some(last)) => format!("before resume after {last}"),
        _ => format!("before {op}"),
    }
}
