//! The continue effects, carried out on workers: the resume preview and
//! the continuation itself (the library calls `reel resume` makes), and the
//! cheap check the fork dialog makes before it offers "fork and continue".

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::message::Msg;
use super::resume::{PlanFacts, PlanHandle, Required};
use crate::model::Run;
use crate::timetravel::resume::{
    self, Cancel, EngineHints, Message, PermissionMode, ResumeOptions, ResumeOutcome,
};
use crate::timetravel::TimeTravelError;

/// The viewer has no `--acpx`/`--node` flags: say where it looks instead.
const ENGINE_HINT: &str =
    "(the viewer looks at $REEL_ACPX and $REEL_NODE as set when reel started, then PATH)";

pub fn plan(run_dir: &Path, options: &ResumeOptions, generation: u64) -> Msg {
    let result = resume::plan(run_dir, options)
        .map(|plan| {
            let facts = Box::new(PlanFacts::from_plan(&plan));
            (facts, Some(PlanHandle(Arc::new(plan))))
        })
        .map_err(|e| explain(&e));
    Msg::ResumePlanned { generation, result }
}

/// Runs the continuation to its end, posting its progress and its outcome.
pub fn run(
    run_dir: &Path,
    options: &ResumeOptions,
    plan: Option<PlanHandle>,
    cancel: &Cancel,
    post: &mut dyn FnMut(Msg),
) {
    let finished = |result| Msg::ResumeFinished {
        run_dir: run_dir.to_path_buf(),
        result,
    };
    let plan = match plan {
        Some(handle) => handle.0,
        None => match resume::plan(run_dir, options) {
            Ok(plan) => Arc::new(plan),
            Err(err) => return post(finished(Err(explain(&err)))),
        },
    };
    let result = {
        let mut progress = |message: &Message| {
            if let Message::Resumed { next, .. } = message {
                post(Msg::ResumeProgress {
                    run_dir: run_dir.to_path_buf(),
                    next: next.clone(),
                });
            }
        };
        resume::resume(&plan, options, cancel, &mut progress)
    };
    post(finished(result.map_err(|e| explain(&e))));
}

/// The library's message, with where the viewer finds an engine when none
/// was found (its text names `reel resume`'s flags).
fn explain(err: &TimeTravelError) -> String {
    match err {
        TimeTravelError::Engine(_) => format!("{err} {ENGINE_HINT}"),
        _ if err.to_string().contains("--flow FILE") => format!(
            "{err} (the viewer takes no flags: run `reel resume RUN --flow FILE` from a shell)"
        ),
        _ => err.to_string(),
    }
}

/// The mode the run's flow declares it needs (`flow.json` `permissions`).
pub fn required_permission(run: &Run) -> Option<Required> {
    let flow: Value = run.bundle.read_json(&run.bundle.paths.flow).ok()?;
    let permissions = flow.get("permissions")?;
    let mode = PermissionMode::parse(permissions.get("requiredMode")?.as_str()?)?;
    let reason = permissions
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Required { mode, reason })
}

/// Why a fork of `run` could not be continued from the viewer (no flow
/// file, no engine); `None` when it can be tried. The full check is the
/// fork's own preview.
pub fn continue_blocked(run: &Run) -> Option<String> {
    let Some(flow) = run.bundle.manifest.flow_path.as_deref() else {
        return Some("the run records no flow file (manifest.flowPath)".to_string());
    };
    if !Path::new(flow).is_file() {
        return Some(format!("its flow file {flow} is not there"));
    }
    let env = |key: &str| std::env::var(key).ok();
    resume::engine::locate(&EngineHints::default(), &env)
        .err()
        .map(|e| format!("{e} {ENGINE_HINT}"))
}

/// The status-bar line for a finished continuation.
pub fn outcome_notice(outcome: &ResumeOutcome, undo_key: &str) -> String {
    let verb = if outcome.interrupted {
        "stopped"
    } else {
        "continued"
    };
    let error = outcome
        .error
        .as_deref()
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    format!(
        "{verb}: {}{error} · {} ran · {undo_key} undoes",
        outcome.status,
        crate::humanize::plural(outcome.attempts.len(), "step")
    )
}
