//! The resume preview: everything checked, nothing written. Which node the
//! run goes on at and what can run from there (side effects flagged), the
//! flow file and whether it changed, the permission mode, the engine found,
//! and each recorded agent session with whether it diverged — the last
//! from the driver's probe, which loads the flow and acpx as a resume would.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::driver::{self, Cancel, Request, SessionCheck};
use super::engine::{self, Engine, EngineError};
use super::flowfile;
use super::{PermissionMode, ResumeOptions, SessionPolicy};
use crate::bundle::EventKind;
use crate::model::{routing, Run};
use crate::timetravel::layout::locate_run;
use crate::timetravel::preview::RerunNode;
use crate::timetravel::{Result, TimeTravelError};

/// What a resume would do (`reel resume --preview --json` prints it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumePlan {
    pub run_id: String,
    pub path: PathBuf,
    /// `fork`, `rewind` or `checkpoint`: what left the run waiting.
    pub waiting_after: &'static str,
    pub waiting_on: Option<String>,
    /// The node the run goes on at (by acpx's own edge logic, from the probe).
    pub next_node: Option<String>,
    /// Every node that can run from there, in flow order.
    pub rerun: Vec<RerunNode>,
    pub flow_path: PathBuf,
    /// The permission mode asked for (`None`: acpx's configured default).
    pub permission: Option<PermissionMode>,
    /// What the flow declares it needs (`flow.json` `permissions`).
    pub required_permission: Option<String>,
    pub session_policy: SessionPolicy,
    pub sessions: Vec<SessionCheck>,
    pub engine: EngineInfo,
    pub warnings: Vec<String>,
    /// Why the resume would be refused as asked (a diverged session under
    /// `--sessions auto`); the preview shows it, a resume refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    #[serde(skip)]
    pub(super) last_seq: u32,
    #[serde(skip)]
    pub(super) last_attempt: Option<String>,
    #[serde(skip)]
    pub(super) artifacts_dir: PathBuf,
    #[serde(skip)]
    pub(super) engine_found: Engine,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    pub node: PathBuf,
    pub node_version: String,
    pub acpx_dir: PathBuf,
    pub acpx_version: String,
}

impl ResumePlan {
    pub(super) fn driver_request(&self, mode: &'static str, options: &ResumeOptions) -> Request {
        Request {
            mode,
            acpx_dir: self.engine_found.acpx_dir.clone(),
            run_dir: self.path.clone(),
            flow_path: Some(self.flow_path.clone()),
            permission_mode: options.permission.map(PermissionMode::name),
            // A resume under `auto` runs only when nothing diverged: reuse.
            sessions: match (mode, options.sessions) {
                (_, SessionPolicy::Fresh) => "fresh",
                ("probe", SessionPolicy::Auto) => "auto",
                _ => "reuse",
            },
            input_patch: options.input_patch.clone(),
            force: options.force,
        }
    }

    /// The engine the plan found.
    pub fn engine(&self) -> &Engine {
        &self.engine_found
    }
}

/// Checks that the run in `run_dir` can be continued as `options` ask, and
/// describes what would happen. Writes nothing (the driver's probe loads
/// the flow file, which runs its top-level code, as `acpx flow run` would).
pub fn plan(run_dir: &Path, options: &ResumeOptions) -> Result<ResumePlan> {
    let located = locate_run(run_dir)?;
    let run_dir = located.dir();
    let run = Run::open(&run_dir)?;
    let waiting_after = check_waiting(&run)?;
    let flow_path = flow_file(&run, options)?;
    let required = required_permission(&run)?;
    check_permission(options.permission, required.as_ref())?;
    let env = |key: &str| std::env::var(key).ok();
    let found = engine::locate(&options.engine, &env)?;
    let last = run.attempts.len().checked_sub(1);
    let next = last.and_then(|last| routing::next_node(&run, last));
    let mut warnings = drift_warnings(&run, &flow_path);

    let mut plan = ResumePlan {
        run_id: run.run_id(),
        path: run_dir.clone(),
        waiting_after,
        waiting_on: run.waiting_on().map(str::to_string),
        next_node: next,
        rerun: Vec::new(),
        flow_path,
        permission: options.permission,
        required_permission: required.map(|(mode, _, _)| mode),
        session_policy: options.sessions,
        sessions: Vec::new(),
        engine: EngineInfo {
            node: found.node.clone(),
            node_version: found.node_version.clone(),
            acpx_dir: found.acpx_dir.clone(),
            acpx_version: found.acpx_version.clone(),
        },
        warnings: Vec::new(),
        blocked: None,
        last_seq: run.last_seq(),
        last_attempt: last.map(|i| run.attempt_id(&run.attempts[i]).to_string()),
        artifacts_dir: run.bundle.paths.artifacts_dir.clone(),
        engine_found: found,
    };

    let request = plan.driver_request("probe", options);
    let finished = driver::run(
        &plan.engine_found,
        &request,
        &Cancel::default(),
        &mut |_| {},
    )
    .map_err(|e| TimeTravelError::io(&plan.engine_found.node, e))?;
    let Some(probe) = finished.probe else {
        return Err(TimeTravelError::Invalid(format!(
            "the resume driver (node {}) gave no answer (exit {:?}): {}",
            plan.engine_found.node_version,
            finished.code,
            finished.stderr_tail.join("\n")
        )));
    };
    if !probe.missing.is_empty() {
        return Err(EngineError::Incompatible {
            dir: plan.engine.acpx_dir.display().to_string(),
            version: plan.engine.acpx_version.clone(),
            missing: probe.missing.join("; "),
        }
        .into());
    }
    if !probe.refused.is_empty() {
        return Err(TimeTravelError::Refused(format!(
            "cannot resume {}: {}",
            plan.run_id,
            probe.refused.join("; ")
        )));
    }
    // acpx's own edge logic is the authority on where the run goes on.
    plan.next_node = probe.next.clone();
    plan.rerun = plan
        .next_node
        .as_deref()
        .map(|start| crate::timetravel::preview::reruns_from(&run.bundle.flow, start))
        .unwrap_or_default();
    plan.blocked = check_sessions(&plan.run_id, options.sessions, &probe.sessions).err();
    plan.sessions = probe.sessions;
    warnings.extend(probe.warnings);
    plan.warnings = warnings;
    Ok(plan)
}

/// Under the lock, before anything is written: the run is still the one
/// the plan looked at (still waiting, nothing appended since). The driver
/// checks the bundle again itself before it writes.
pub(super) fn recheck(plan: &ResumePlan) -> Result<()> {
    let run = Run::open(&plan.path)?;
    check_waiting(&run)?;
    if run.last_seq() != plan.last_seq {
        return Err(TimeTravelError::Refused(format!(
            "run {} changed since it was looked at (its trace now ends at seq {}, not {}): look again",
            plan.run_id,
            run.last_seq(),
            plan.last_seq
        )));
    }
    Ok(())
}

/// Only a waiting run goes on; the message says why another does not.
fn check_waiting(run: &Run) -> Result<&'static str> {
    let status = run.status();
    let entries = run.bundle.trace.entries();
    if run.liveness(crate::bundle::timestamp::now_ms()).is_stale() {
        return Err(TimeTravelError::Refused(format!(
            "run {} is stale (it says running, but its writer stopped writing): fork it at a step to go on from there",
            run.run_id()
        )));
    }
    let resumed = entries.iter().any(|e| e.kind == EventKind::RunResumed);
    if status != "waiting" {
        return Err(TimeTravelError::Refused(if resumed {
            format!(
                "run {} was already continued and is {status} now; fork it to try again from a step",
                run.run_id()
            )
        } else {
            format!(
                "run {} is {status}, not waiting: only a fork or a run stopped at a checkpoint can be resumed (fork it at a step to go on from there)",
                run.run_id()
            )
        }));
    }
    Ok(match entries.last().map(|e| e.kind) {
        Some(EventKind::RunForked) => "fork",
        Some(EventKind::RunRewound) => "rewind",
        _ => "checkpoint",
    })
}

/// `--flow`, else `manifest.flowPath`; it must be a file that exists.
fn flow_file(run: &Run, options: &ResumeOptions) -> Result<PathBuf> {
    let path = match (&options.flow, &run.bundle.manifest.flow_path) {
        (Some(given), _) => given.clone(),
        (None, Some(recorded)) => PathBuf::from(recorded),
        (None, None) => {
            return Err(TimeTravelError::Refused(
                "the run records no flow file (manifest.flowPath): pass --flow FILE".into(),
            ))
        }
    };
    let path = std::path::absolute(&path).map_err(|e| TimeTravelError::io(&path, e))?;
    if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Err(TimeTravelError::Refused(format!(
            "the flow file {} is not there; pass --flow FILE with where it is now",
            path.display()
        )));
    }
    Ok(path)
}

/// `flow.json` `permissions`: (requiredMode, requireExplicitGrant, reason).
fn required_permission(run: &Run) -> Result<Option<(String, bool, Option<String>)>> {
    let flow: Value = run.bundle.read_json(&run.bundle.paths.flow)?;
    let Some(permissions) = flow.get("permissions") else {
        return Ok(None);
    };
    let text = |key: &str| {
        permissions
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Ok(text("requiredMode").map(|mode| {
        let explicit = permissions
            .get("requireExplicitGrant")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        (mode, explicit, text("reason"))
    }))
}

/// A mode weaker than the flow needs is refused before anything runs.
/// (Without a mode, acpx's configured default decides, in the probe.)
fn check_permission(
    chosen: Option<PermissionMode>,
    required: Option<&(String, bool, Option<String>)>,
) -> Result<()> {
    let Some((mode, explicit, reason)) = required else {
        return Ok(());
    };
    let Some(needed) = PermissionMode::parse(mode) else {
        return Ok(());
    };
    let short = match chosen {
        Some(chosen) => chosen < needed,
        None => *explicit,
    };
    if !short {
        return Ok(());
    }
    let reason = reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    Err(TimeTravelError::Refused(format!(
        "the flow requires permission mode {mode}{reason}: pass --{mode}"
    )))
}

/// `auto` goes on in a recorded session only if nobody else went on in it.
fn check_sessions(
    run_id: &str,
    policy: SessionPolicy,
    sessions: &[SessionCheck],
) -> std::result::Result<(), String> {
    if policy != SessionPolicy::Auto {
        return Ok(());
    }
    let diverged: Vec<String> = sessions
        .iter()
        .filter(|s| s.diverged)
        .map(|s| match s.record_prompts {
            Some(record) => format!(
                "{} (this run sent {} prompt(s), the agent-side session holds {record})",
                s.bundle_id, s.bundle_prompts
            ),
            None => format!("{} (acpx's record of it is gone)", s.bundle_id),
        })
        .collect();
    if diverged.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the agent-side session of {run_id} went on elsewhere since this point: {}. \
         Pass --sessions reuse to continue in it anyway (the agent remembers the turns this \
         run does not have, and continuing changes it for the other runs sharing it), or \
         --sessions fresh to start new agent sessions (the earlier turns' context is lost)",
        diverged.join(", ")
    ))
}

/// The flow file changed since the fork (its hash is in the lineage): the
/// code that will run may not be the code that ran.
fn drift_warnings(run: &Run, flow_path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    let manifest: Option<Value> = run.bundle.read_json(&run.bundle.paths.manifest).ok();
    let recorded = manifest
        .as_ref()
        .and_then(|m| m.pointer("/lineage/flowSha256"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let current = flowfile::sha256_of(flow_path);
    if let (Some(recorded), Some(current)) = (&recorded, &current) {
        if recorded != current {
            warnings.push(format!(
                "the flow file changed since the fork (sha256 {} then, {} now)",
                &recorded[..recorded.len().min(12)],
                &current[..current.len().min(12)]
            ));
        }
    }
    // (A file modified after the run started is the driver's warning.)
    warnings
}
