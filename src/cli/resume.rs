//! `reel resume RUN`: continue a waiting run (a fork, or a run stopped at a
//! checkpoint) in place through acpx's own engine. `--preview` shows what
//! would run and writes nothing; running needs confirmation (`--yes` off a
//! terminal); Ctrl-C or SIGTERM stops the engine the way acpx does (the run
//! ends `failed` / "Interrupted"); `reel undo` restores the waiting run.

use std::path::{Path, PathBuf};

use super::format::{clean, path};
use super::rewind::{confirm, map_error};
use super::{CliError, CliResult, EXIT_FAILURE, EXIT_OK};
use crate::sanitize::json::to_line;
use crate::timetravel::fork::parse_patch;
use crate::timetravel::resume::{
    self, Cancel, EngineHints, Message, PermissionMode, ResumeOptions, ResumeOutcome, ResumePlan,
    SessionPolicy,
};
use crate::timetravel::runid::now_ms;

/// No engine to run on: node or acpx missing, or an acpx reel cannot drive.
pub const EXIT_NO_ENGINE: i32 = 6;
/// The continuation was interrupted (as acpx: 128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// The options shared by `reel resume` and `reel fork --resume`.
#[derive(Debug, Clone, clap::Args)]
pub struct ContinueArgs {
    /// Go on in the recorded agent sessions (`reuse`), in new ones (`fresh`),
    /// or (`auto`) reuse them only if nobody went on in them since.
    #[arg(
        long,
        value_name = "auto|reuse|fresh",
        default_value = "auto",
        value_parser = ["auto", "reuse", "fresh"]
    )]
    pub sessions: String,
    /// The flow file, when the run's `flowPath` moved.
    #[arg(long, value_name = "FILE")]
    pub flow: Option<PathBuf>,
    /// Approve every permission request of the agents.
    #[arg(long, conflicts_with_all = ["approve_reads", "deny_all"])]
    pub approve_all: bool,
    /// Approve reads and searches, deny writes.
    #[arg(long, conflicts_with = "deny_all")]
    pub approve_reads: bool,
    /// Deny every permission request.
    #[arg(long)]
    pub deny_all: bool,
    /// The acpx package folder or the acpx binary (default: $REEL_ACPX, else acpx on PATH).
    #[arg(long, value_name = "DIR")]
    pub acpx: Option<PathBuf>,
    /// The node binary (default: $REEL_NODE, else node on PATH).
    #[arg(long, value_name = "PATH")]
    pub node: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  reel resume 432a4eb8 --preview\n  reel resume 432a4eb8 --yes --sessions fresh --approve-all\n  reel fork RUN --at review_loop#1 --resume --yes"
)]
pub struct ResumeArgs {
    /// Bundle path, runId or unique runId suffix of a waiting run.
    pub run: String,
    /// Show what would run (next node, side effects, sessions, engine); run nothing.
    #[arg(long)]
    pub preview: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// A JSON merge patch (RFC 7396) for the run input, applied before going on.
    #[arg(long, value_name = "JSON")]
    pub input_patch: Option<String>,
    /// Go on although the flow file's structure no longer matches the run's.
    #[arg(long)]
    pub force: bool,
    /// Print one JSON object at the end (or the preview as JSON).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub with: ContinueArgs,
}

impl ContinueArgs {
    /// The resume options these arguments ask for.
    pub fn options(
        &self,
        input_patch: Option<&str>,
        force: bool,
    ) -> Result<ResumeOptions, CliError> {
        let sessions = SessionPolicy::parse(&self.sessions).ok_or_else(|| {
            CliError::usage(format!(
                "--sessions {:?}: give auto, reuse or fresh",
                self.sessions
            ))
        })?;
        let permission = [
            (self.approve_all, PermissionMode::ApproveAll),
            (self.approve_reads, PermissionMode::ApproveReads),
            (self.deny_all, PermissionMode::DenyAll),
        ]
        .into_iter()
        .find_map(|(set, mode)| set.then_some(mode));
        let input_patch = match input_patch {
            Some(text) => Some(parse_patch(text).map_err(CliError::usage)?),
            None => None,
        };
        Ok(ResumeOptions {
            input_patch,
            flow: self.flow.clone(),
            permission,
            sessions,
            engine: EngineHints {
                acpx: self.acpx.clone(),
                node: self.node.clone(),
            },
            force,
            now_ms: now_ms(),
        })
    }
}

pub fn run(run_dir: &Path, args: &ResumeArgs) -> CliResult {
    let options = args.with.options(args.input_patch.as_deref(), args.force)?;
    let plan = resume::plan(run_dir, &options).map_err(map_error)?;
    if args.preview {
        let mut out = String::new();
        if args.json {
            outln!(out, "{}", to_line(&plan));
        } else {
            print_plan(&mut out, &plan);
        }
        super::emit(&out);
        return Ok(EXIT_OK);
    }
    continue_run(&plan, &options, args.yes, args.json)
}

/// Confirms (or takes `--yes`), then runs the plan, printing progress to
/// stderr and the outcome to stdout. Shared with `fork --resume`.
pub fn continue_run(
    plan: &ResumePlan,
    options: &ResumeOptions,
    yes: bool,
    json: bool,
) -> CliResult {
    if let Some(reason) = &plan.blocked {
        return Err(CliError::failure(reason));
    }
    if !yes {
        let mut shown = String::new();
        print_plan(&mut shown, plan);
        eprint!("{}", crate::sanitize::sanitize_text(&shown, true));
        confirm(
            &format!(
                "Run the rest of {} for real? `reel undo` restores it as it is now.",
                clean(&plan.run_id, 80)
            ),
            false,
        )?;
    }
    let cancel = Cancel::default();
    let _signals = forward_signals(&cancel);
    let mut progress = |message: &Message| {
        if let Message::Resumed { next, .. } = message {
            super::say(format_args!(
                "resumed {} at {}",
                clean(&plan.run_id, 80),
                clean(next.as_deref().unwrap_or("its end"), 60)
            ));
        }
    };
    let outcome = resume::resume(plan, options, &cancel, &mut progress).map_err(map_error)?;
    let mut out = String::new();
    if json {
        outln!(out, "{}", to_line(&outcome));
    } else {
        print_outcome(&mut out, &outcome);
    }
    super::emit(&out);
    Ok(exit_code(&outcome))
}

fn exit_code(outcome: &ResumeOutcome) -> i32 {
    if outcome.interrupted {
        return EXIT_INTERRUPTED;
    }
    match outcome.status.as_str() {
        "completed" | "waiting" => EXIT_OK,
        _ => EXIT_FAILURE,
    }
}

/// SIGINT, SIGTERM and SIGHUP no longer end reel while the engine runs:
/// they ask the driver to stop, and reel reports how the run ended.
fn forward_signals(cancel: &Cancel) -> Vec<signal_hook::SigId> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter_map(|signal| signal_hook::flag::register(signal, cancel.flag()).ok())
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = cancel;
        Vec::new()
    }
}

/// `fork --resume`, before the fork is written: the options parse, the
/// confirmation can be had, and an engine exists.
pub fn preflight(with: &ContinueArgs, yes: bool) -> Result<ResumeOptions, CliError> {
    use std::io::IsTerminal;
    let options = with.options(None, false)?;
    if !yes && !std::io::stdin().is_terminal() {
        return Err(CliError {
            code: super::rewind::EXIT_NOT_CONFIRMED,
            message: "fork --resume runs the rest of the flow for real: pass --yes (stdin is not a terminal); nothing was written".into(),
        });
    }
    let env = |key: &str| std::env::var(key).ok();
    resume::engine::locate(&options.engine, &env)
        .map_err(|e| map_error(crate::timetravel::TimeTravelError::Engine(e)))?;
    Ok(options)
}

/// The resume plan of a fork just made; a fork that cannot go on is
/// removed again, so a refused `fork --resume` leaves nothing behind.
pub fn plan_or_discard(fork_dir: &Path, options: &ResumeOptions) -> Result<ResumePlan, CliError> {
    let discard = || {
        let _ = std::fs::remove_dir_all(fork_dir);
    };
    let plan = resume::plan(fork_dir, options).map_err(|err| {
        discard();
        map_error(err)
    })?;
    if let Some(reason) = &plan.blocked {
        discard();
        return Err(CliError::failure(format!(
            "{reason}; the fork was not kept"
        )));
    }
    Ok(plan)
}

pub fn print_plan(out: &mut String, plan: &ResumePlan) {
    outln!(
        out,
        "resume {}  (waiting after a {}{})",
        clean(&plan.run_id, 80),
        plan.waiting_after,
        plan.waiting_on
            .as_deref()
            .map(|w| format!(", waiting on {}", clean(w, 60)))
            .unwrap_or_default()
    );
    outln!(out, "  path      {}", path(&plan.path));
    outln!(
        out,
        "  goes on   {}",
        clean(
            plan.next_node
                .as_deref()
                .unwrap_or("(nothing left: the run completes)"),
            60
        )
    );
    if !plan.rerun.is_empty() {
        outln!(out, "  can run");
        for node in &plan.rerun {
            let effect = node
                .side_effects
                .map(|e| format!("  ⚠ {e}"))
                .unwrap_or_default();
            outln!(
                out,
                "    {} {}{effect}",
                crate::humanize::pad(&clean(&node.id, 24), 24),
                crate::humanize::pad(&clean(&node.node_type, 10), 10)
            );
        }
    }
    outln!(out, "  flow      {}", path(&plan.flow_path));
    outln!(
        out,
        "  permissions {}{}",
        plan.permission
            .map_or("acpx's default", PermissionMode::name),
        plan.required_permission
            .as_deref()
            .map(|r| format!(" (the flow requires {})", clean(r, 20)))
            .unwrap_or_default()
    );
    outln!(out, "  sessions  {}", plan.session_policy.name());
    for session in &plan.sessions {
        let state = match (session.diverged, session.record_prompts) {
            (_, None) => "acpx's record is gone: reusing it fails".to_string(),
            (true, Some(n)) => format!(
                "DIVERGED: this run sent {} prompt(s), the agent-side session holds {n}",
                session.bundle_prompts
            ),
            (false, _) => "in step with this run".to_string(),
        };
        outln!(
            out,
            "    {} {state}",
            crate::humanize::pad(&clean(&session.bundle_id, 28), 28)
        );
    }
    outln!(
        out,
        "  engine    node {} · acpx {} ({})",
        clean(&plan.engine.node_version, 20),
        clean(&plan.engine.acpx_version, 20),
        path(&plan.engine.acpx_dir)
    );
    for warning in &plan.warnings {
        outln!(out, "  ⚠ {}", clean(warning, 300));
    }
    if let Some(reason) = &plan.blocked {
        outln!(out, "  ✗ would be refused: {}", clean(reason, 600));
    }
}

fn print_outcome(out: &mut String, outcome: &ResumeOutcome) {
    let verb = if outcome.interrupted {
        "interrupted"
    } else {
        "continued"
    };
    outln!(
        out,
        "{verb} {}: {}{}",
        clean(&outcome.run_id, 80),
        clean(&outcome.status, 20),
        outcome
            .error
            .as_deref()
            .map(|e| format!(" ({})", clean(e, 200)))
            .unwrap_or_default()
    );
    outln!(
        out,
        "  ran       {}",
        if outcome.attempts.is_empty() {
            "nothing".to_string()
        } else {
            outcome
                .attempts
                .iter()
                .map(|a| clean(a, 40))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    outln!(
        out,
        "  backup    {}  (`reel undo` restores the waiting run)",
        path(&outcome.backup)
    );
}
