//! Fork: a new run in the same runs directory holding a run's history up to
//! one attempt, ready to go on from there (differently). The source is only
//! read, whatever its status, running included.
//!
//! The cut is written into `<runs dir>/.reel-tmp-<id>` and renamed to
//! `<runs dir>/<id>` when complete, so a viewer listing the runs directory
//! (acpx's, or ours) never sees a half-written fork: the dot-folder is not a
//! run id (reel never lists hidden folders) and holds no manifest until it
//! is whole (the cut writes the manifest last). The fork holds the lock of
//! the new id from before the folder exists until it is published, so
//! recovery can tell a killed fork's folder from a live one and remove it.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cut::files::sync_dir;
use super::cut::{write_cut_with, CutKind, CutRequest, CutStep, CutSummary};
use super::layout::{locate_run, StateDirs};
use super::lock::{Purpose, RunLock};
use super::runid::{new_run_id, now_ms};
use super::{Result, TimeTravelError};
use crate::model::Run;

/// Prefix of the folder a fork is written into before it is published.
pub const TEMP_PREFIX: &str = ".reel-tmp-";

#[derive(Debug, Clone, PartialEq)]
pub struct ForkOptions {
    /// A human label, kept in the lineage.
    pub label: Option<String>,
    /// A JSON merge patch (RFC 7396, an object) for the run input.
    pub input_patch: Option<Value>,
    /// Recorded in the lineage: the fork is meant to run sandboxed.
    pub sandbox: bool,
    pub now_ms: i64,
    /// The new run's id; `None` makes an acpx-style one (tours pass a
    /// fixed id so that they replay the same every time).
    pub run_id: Option<String>,
}

impl Default for ForkOptions {
    fn default() -> Self {
        ForkOptions {
            label: None,
            input_patch: None,
            sandbox: true,
            now_ms: now_ms(),
            run_id: None,
        }
    }
}

/// The points between a fork's filesystem steps, for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkStep {
    Locked,
    Cut(CutStep),
    Published,
}

impl ForkStep {
    pub fn all() -> Vec<ForkStep> {
        let mut all = vec![ForkStep::Locked];
        all.extend(CutStep::ALL.map(ForkStep::Cut));
        all.push(ForkStep::Published);
        all
    }

    pub fn name(self) -> &'static str {
        match self {
            ForkStep::Locked => "fork_locked",
            ForkStep::Cut(step) => step.name(),
            ForkStep::Published => "fork_published",
        }
    }
}

/// Called after each step; an error stops the fork there.
pub type ForkHook<'a> = &'a dyn Fn(ForkStep) -> Result<()>;

/// Forks `run` after `attempt` (a position in `run.attempts`) into a new
/// bundle beside it and returns where it went.
pub fn fork(run: &Run, attempt: usize, options: &ForkOptions) -> Result<CutSummary> {
    fork_with(run, attempt, options, None)
}

/// [`fork`], calling `hook` after each step.
pub fn fork_with(
    run: &Run,
    attempt: usize,
    options: &ForkOptions,
    hook: Option<ForkHook>,
) -> Result<CutSummary> {
    let started = std::time::Instant::now();
    let result = fork_logged(run, attempt, options, hook);
    super::log_op("fork", &run.bundle.root, started, &result);
    result
}

fn fork_logged(
    run: &Run,
    attempt: usize,
    options: &ForkOptions,
    hook: Option<ForkHook>,
) -> Result<CutSummary> {
    let step = |at: ForkStep| hook.map_or(Ok(()), |h| h(at));
    if attempt >= run.attempts.len() {
        return Err(TimeTravelError::UnknownAttempt(format!(
            "step {}",
            attempt.saturating_add(1)
        )));
    }
    if let Some(patch) = &options.input_patch {
        check_patch(patch)?;
    }
    let runs_dir = runs_dir_of(&run.bundle.root)?;
    let run_id = options
        .run_id
        .clone()
        .unwrap_or_else(|| new_run_id(run.flow_name(), options.now_ms));
    // The id names the fork's folder beside its source: one plain,
    // visible component, or the fork would be written somewhere else.
    if !super::layout::is_plain_name(&run_id) {
        return Err(TimeTravelError::Invalid(format!(
            "run id {run_id:?} is not a plain folder name"
        )));
    }
    let staging = runs_dir.join(format!("{TEMP_PREFIX}{run_id}"));
    let published = runs_dir.join(&run_id);
    if fs::symlink_metadata(&published).is_ok() {
        return Err(TimeTravelError::Invalid(format!(
            "{} already exists",
            published.display()
        )));
    }
    // A runs folder that refuses the lock is the folder that refuses the fork.
    let _lock =
        RunLock::acquire(&StateDirs::new(&runs_dir), &run_id, Purpose::Fork).map_err(|err| {
            match err {
                TimeTravelError::Io { source, .. } | TimeTravelError::ReadOnly { source, .. } => {
                    TimeTravelError::write(&runs_dir, source)
                }
                other => other,
            }
        })?;
    step(ForkStep::Locked)?;
    let request = CutRequest {
        run,
        attempt,
        run_id,
        kind: CutKind::Fork {
            label: options.label.clone(),
            input_patch: options.input_patch.clone(),
            sandbox: options.sandbox,
        },
        now_ms: options.now_ms,
    };
    let cut_hook = |at: CutStep| step(ForkStep::Cut(at));
    let mut summary =
        write_cut_with(&request, &staging, Some(&cut_hook)).map_err(|err| match err {
            // The staging folder could not be made: say which runs folder refused.
            TimeTravelError::Io { path, source } if path == staging => {
                TimeTravelError::write(&runs_dir, source)
            }
            other => other,
        })?;
    if let Err(err) = fs::rename(&staging, &published) {
        let _ = fs::remove_dir_all(&staging);
        return Err(TimeTravelError::io(&published, err));
    }
    step(ForkStep::Published)?;
    // The fork is complete and in place; syncing the folder makes the rename
    // itself durable. A filesystem that cannot sync folders loses nothing.
    let _ = sync_dir(&runs_dir);
    summary.dir = published;
    Ok(summary)
}

/// A fork's input patch must be a JSON object: RFC 7396 would let any other
/// value replace the input wholesale, which is never what a fork means.
pub fn check_patch(patch: &Value) -> Result<()> {
    let kind = match patch {
        Value::Object(_) => return Ok(()),
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
    };
    Err(TimeTravelError::InvalidPatch(format!(
        "expected a JSON object (an RFC 7396 merge patch), got {kind}"
    )))
}

/// Parses a patch given as text and checks it.
pub fn parse_patch(text: &str) -> Result<Value> {
    let patch: Value = serde_json::from_str(text)
        .map_err(|e| TimeTravelError::InvalidPatch(format!("not valid JSON: {e}")))?;
    check_patch(&patch)?;
    Ok(patch)
}

/// The folder the run's bundle lives in (absolute and canonical), so a
/// bundle opened as `.` forks beside itself, never into itself; the bundle's
/// own name is kept (a linked bundle forks into the runs folder that links
/// it).
fn runs_dir_of(root: &Path) -> Result<PathBuf> {
    locate_run(root).map(|located| located.runs_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_must_be_objects() {
        assert!(parse_patch(r#"{"task": "again", "debug": null}"#).is_ok());
        for bad in ["{bad", "[1]", "3", "\"x\"", "null"] {
            let err = parse_patch(bad).expect_err(bad);
            assert!(
                matches!(err, TimeTravelError::InvalidPatch(_)),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn forks_go_beside_the_bundle_never_into_it() {
        let cwd = fs::canonicalize(std::env::current_dir().expect("cwd")).expect("canonical");
        let parent = cwd.parent().map(Path::to_path_buf);
        assert_eq!(runs_dir_of(Path::new("run")).ok(), Some(cwd.clone()));
        assert_eq!(runs_dir_of(Path::new("run/")).ok(), Some(cwd.clone()));
        assert_eq!(runs_dir_of(Path::new(".")).ok(), parent);
        assert_eq!(runs_dir_of(Path::new("./")).ok(), parent);
        assert_eq!(
            runs_dir_of(Path::new("/no-such-runs/run")).ok(),
            Some(PathBuf::from("/no-such-runs")),
            "a folder that cannot be canonicalized is kept as given"
        );
        assert_eq!(runs_dir_of(Path::new("src/..")).ok(), parent);
        assert!(runs_dir_of(Path::new("/")).is_err());
    }
}
