//! `reel fork RUN --at ATTEMPT [--input-patch JSON] [--label TEXT]
//! [--no-sandbox] [--preview] [--json]`: a new run holding RUN's history up
//! to ATTEMPT, beside it in the same runs directory. `--preview` shows what
//! would be kept and re-run, and writes nothing.

use serde_json::json;

use super::format::{clean, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::model::Run;
use crate::sanitize::json::to_line;
use crate::timetravel::fork::{fork_with, parse_patch, ForkOptions, ForkStep};
use crate::timetravel::preview::{preview, ForkPreview};
use crate::timetravel::runid::now_ms;
use crate::timetravel::TimeTravelError;

#[derive(Debug, clap::Args)]
pub struct ForkArgs {
    /// Bundle path, runId or unique runId suffix.
    pub run: String,
    /// The last attempt to keep: attemptId (e.g. `review#2`), 1-based step
    /// number, `last`, or `-N` (the N-th step from the end).
    #[arg(long, value_name = "ATTEMPT")]
    pub at: String,
    /// A JSON merge patch (RFC 7396) for the run input, e.g. '{"task":"retry"}'.
    #[arg(long, value_name = "JSON")]
    pub input_patch: Option<String>,
    /// A label kept in the fork's lineage.
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Record the fork as not sandboxed (it is sandboxed by default).
    #[arg(long)]
    pub no_sandbox: bool,
    /// Show what would be kept and re-run; write nothing.
    #[arg(long)]
    pub preview: bool,
    /// Print JSON (with --resume: the resume's outcome).
    #[arg(long)]
    pub json: bool,
    /// Continue the fork at once through acpx ("re-run from here"); see `reel resume`.
    #[arg(long)]
    pub resume: bool,
    /// With --resume: do not ask for confirmation.
    #[arg(long, requires = "resume")]
    pub yes: bool,
    #[command(flatten)]
    pub with: super::resume::ContinueArgs,
}

pub fn run(run: &Run, args: &ForkArgs) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, run, args);
    super::emit(&out);
    result
}

fn render(out: &mut String, run: &Run, args: &ForkArgs) -> CliResult {
    let position = run
        .find_attempt(&args.at)
        .ok_or_else(|| super::errors::unknown_attempt(run, &args.at))?;
    let input_patch = match args.input_patch.as_deref() {
        Some(text) => Some(parse_patch(text).map_err(CliError::usage)?),
        None => None,
    };
    if args.preview {
        let shown = preview(run, position);
        if args.json {
            outln!(out, "{}", to_line(&shown));
        } else {
            print_preview(out, run, position, &shown);
        }
        return Ok(EXIT_OK);
    }
    // With --resume, everything that can refuse without the fork is checked
    // before the fork is written.
    let continuing = match args.resume {
        true => Some(super::resume::preflight(&args.with, args.yes)?),
        false => None,
    };
    let options = ForkOptions {
        label: args.label.clone(),
        input_patch,
        sandbox: !args.no_sandbox,
        now_ms: now_ms(),
        run_id: None,
    };
    let hook = |at: ForkStep| {
        super::fault::point(at.name());
        Ok(())
    };
    let hook: Option<crate::timetravel::fork::ForkHook> = super::fault::armed().then_some(&hook);
    let summary = fork_with(run, position, &options, hook).map_err(|err| match err {
        TimeTravelError::InvalidPatch(_) => CliError::usage(err),
        other => CliError::failure(other),
    })?;
    let attempt = &run.attempts[position];
    if let Some(resume_options) = continuing {
        let plan = super::resume::plan_or_discard(&summary.dir, &resume_options)?;
        if !args.json {
            outln!(
                out,
                "forked {} from {} at {}",
                summary.run_id,
                clean(&run.run_id(), 80),
                clean(run.attempt_id(attempt), 60)
            );
            super::emit(&std::mem::take(out));
        }
        return super::resume::continue_run(&plan, &resume_options, args.yes, args.json);
    }
    if args.json {
        let document = json!({
            "runId": summary.run_id,
            "path": summary.dir,
            "parentRunId": run.run_id(),
            "attemptId": run.attempt_id(attempt),
            "seq": attempt.seq_end(&run.bundle.trace),
            "nextNode": summary.next_node,
        });
        outln!(out, "{}", to_line(&document));
        return Ok(EXIT_OK);
    }
    outln!(out, "forked {}", summary.run_id);
    outln!(out, "  {}", clean(&summary.dir.display().to_string(), 400));
    outln!(
        out,
        "  kept {} up to {} (seq {}), {} trace events, {} artifacts",
        steps(summary.kept_attempts),
        clean(run.attempt_id(attempt), 60),
        attempt.seq_end(&run.bundle.trace),
        summary.trace_events,
        summary.artifacts
    );
    outln!(
        out,
        "  waiting on {}",
        next_label(summary.next_node.as_deref())
    );
    Ok(EXIT_OK)
}

fn print_preview(out: &mut String, run: &Run, position: usize, shown: &ForkPreview) {
    outln!(
        out,
        "fork preview of {} at step {}/{} (seq {}); nothing is written",
        clean(&run.run_id(), 100),
        position + 1,
        run.attempts.len(),
        shown.cut_seq
    );
    let last = shown.kept.last().map_or("", String::as_str);
    outln!(
        out,
        "  keeps {}, the last is {}",
        steps(shown.kept.len()),
        clean(last, 60)
    );
    outln!(out, "  next: {}", next_label(shown.next_node.as_deref()));
    if shown.rerun.is_empty() {
        return;
    }
    outln!(out, "\nwould run again when the fork goes on");
    for node in &shown.rerun {
        let warning = node
            .side_effects
            .map(|effect| format!("⚠ {effect}"))
            .unwrap_or_default();
        let row = format!(
            "  {}  {}  {warning}",
            pad(&clean(&node.id, 30), 30),
            pad(&clean(&node.node_type, 12), 12)
        );
        outln!(out, "{}", row.trim_end());
    }
}

fn next_label(next: Option<&str>) -> String {
    match next {
        Some(node) => clean(node, 60),
        None => "none (the run would end here)".to_string(),
    }
}

fn steps(count: usize) -> String {
    match count {
        1 => "1 step".to_string(),
        n => format!("{n} steps"),
    }
}
