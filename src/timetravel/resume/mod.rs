//! Continuing a `waiting` run — a fork, or a run acpx stopped at a
//! checkpoint — in place, through acpx's own engine: a small Node driver
//! (`driver.mjs`, embedded) drives acpx's exported `FlowRunner` on the
//! bundle, seeded from the files on disk (see `../shared/RESUME.md`).
//!
//! [`plan`] checks everything and writes nothing (the preview); [`resume`]
//! then runs with rewind's safety: the run's lock, the live guard, an audit
//! record before and after, and a backup of the waiting bundle that
//! `reel undo` restores byte for byte.

pub mod backup;
pub mod driver;
pub mod engine;
pub mod flowfile;
mod plan;

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

pub use driver::{Cancel, Message, SessionCheck};
pub use engine::{Engine, EngineError, EngineHints};
pub use plan::{plan, ResumePlan};

use super::audit::{self, AuditRecord, OpState};
use super::layout::{locate_run, new_op_id, StateDirs};
use super::lock::{Purpose, RunLock};
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;

/// acpx's permission modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PermissionMode {
    DenyAll,
    ApproveReads,
    ApproveAll,
}

impl PermissionMode {
    pub fn parse(text: &str) -> Option<PermissionMode> {
        match text {
            "deny-all" => Some(PermissionMode::DenyAll),
            "approve-reads" => Some(PermissionMode::ApproveReads),
            "approve-all" => Some(PermissionMode::ApproveAll),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PermissionMode::DenyAll => "deny-all",
            PermissionMode::ApproveReads => "approve-reads",
            PermissionMode::ApproveAll => "approve-all",
        }
    }
}

/// Which agent-side sessions the continuation talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionPolicy {
    /// Reuse a recorded session only if it has not diverged; refuse otherwise.
    #[default]
    Auto,
    /// Go on in the recorded sessions, whatever happened to them since.
    Reuse,
    /// Open new agent sessions (the context of earlier turns is lost).
    Fresh,
}

impl SessionPolicy {
    pub fn parse(text: &str) -> Option<SessionPolicy> {
        match text {
            "auto" => Some(SessionPolicy::Auto),
            "reuse" => Some(SessionPolicy::Reuse),
            "fresh" => Some(SessionPolicy::Fresh),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SessionPolicy::Auto => "auto",
            SessionPolicy::Reuse => "reuse",
            SessionPolicy::Fresh => "fresh",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ResumeOptions {
    /// RFC 7396 merge patch for the run input, applied before going on.
    pub input_patch: Option<Value>,
    /// The flow file, when `manifest.flowPath` moved.
    pub flow: Option<PathBuf>,
    /// acpx's own default (its config) when `None`.
    pub permission: Option<PermissionMode>,
    pub sessions: SessionPolicy,
    pub engine: EngineHints,
    /// Go on despite a flow file whose structure no longer matches.
    pub force: bool,
    pub now_ms: i64,
}

/// What a resume did (`reel resume --json` prints it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeOutcome {
    pub run_id: String,
    pub path: PathBuf,
    /// The run's status when the driver ended.
    pub status: String,
    /// The node the run went on at (`None`: nothing was left to run).
    pub resumed_at: Option<String>,
    /// The attempts that ran, in order.
    pub attempts: Vec<String>,
    pub op_id: String,
    /// The waiting bundle as it was; `reel undo` restores it.
    pub backup: PathBuf,
    /// Why the run failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub interrupted: bool,
}

/// Continues the run of `plan` (made by [`plan`] with the same options):
/// lock, audit, backup, then the driver, reporting each of its messages.
pub fn resume(
    plan: &ResumePlan,
    options: &ResumeOptions,
    cancel: &Cancel,
    on_message: &mut dyn FnMut(&Message),
) -> Result<ResumeOutcome> {
    let located = locate_run(&plan.path)?;
    let dirs = StateDirs::new(&located.runs_dir);
    let run_id = located.id();
    let run_dir = located.dir();
    let _lock = RunLock::acquire(&dirs, &run_id, Purpose::Resume)?;
    super::recovery::recover_all(&dirs.runs_dir, Some(&run_id))?;
    if let Some(reason) = &plan.blocked {
        return Err(TimeTravelError::Refused(reason.clone()));
    }
    // Checked again under the lock: another process may have gone first.
    plan::recheck(plan)?;
    let fresh = plan;
    let op_id = new_op_id(options.now_ms);
    let backup = dirs.backup(&run_id, &op_id);
    let record = AuditRecord {
        op_id: op_id.clone(),
        op: "resume".to_string(),
        run_id: run_id.clone(),
        state: OpState::InProgress,
        at: format_iso_millis(options.now_ms),
        attempt_id: fresh.last_attempt.clone(),
        seq: Some(fresh.last_seq),
        backup: Some(relative(&dirs, &backup)),
        restoring: None,
        detail: None,
        removing: Vec::new(),
    };
    audit::append(&dirs, &record)?;
    backup::back_up(
        &run_dir,
        &fresh.artifacts_dir,
        &dirs.staging(&op_id),
        &backup,
    )?;
    let request = fresh.driver_request("resume", options);
    let resumed_default = fresh.next_node.clone();
    let finished = driver::run(fresh.engine(), &request, cancel, on_message)
        .map_err(|e| TimeTravelError::io(&fresh.engine.node, e))?;
    let done = finished.done.clone().unwrap_or_default();
    let interrupted = finished.code == Some(driver::exit::INTERRUPTED) || cancel.requested();
    let detail = match (&done.status, &done.error) {
        (Some(status), Some(error)) => format!("{status}: {error}"),
        (Some(status), None) => status.clone(),
        _ => format!("the driver ended with {:?}", finished.code),
    };
    audit::append(
        &dirs,
        &record.with_state(
            OpState::Done,
            format_iso_millis(super::runid::now_ms()),
            Some(detail),
        ),
    )?;
    if finished.done.is_none() || !done.written && finished.code != Some(driver::exit::OK) {
        return Err(driver_failure(&finished));
    }
    Ok(ResumeOutcome {
        run_id,
        path: run_dir,
        status: done.status.unwrap_or_else(|| "unknown".to_string()),
        resumed_at: finished
            .resumed_at
            .and_then(|(next, _)| next)
            .or(resumed_default),
        attempts: done.attempts,
        op_id,
        backup,
        error: done.error,
        interrupted,
    })
}

/// The error for a driver that stopped before it could report an end.
fn driver_failure(finished: &driver::Finished) -> TimeTravelError {
    let tail = finished
        .stderr_tail
        .iter()
        .rev()
        .take(6)
        .rev()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let refused = finished
        .probe
        .as_ref()
        .map(|p| p.refused.join("; "))
        .filter(|r| !r.is_empty());
    TimeTravelError::Invalid(match refused {
        Some(reasons) => format!("the resume was refused: {reasons}"),
        None => format!(
            "the resume driver stopped (exit {:?}) before the run went on{}{tail}",
            finished.code,
            if tail.is_empty() { "" } else { ":\n" }
        ),
    })
}

fn relative(dirs: &StateDirs, path: &std::path::Path) -> String {
    path.strip_prefix(&dirs.runs_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}
