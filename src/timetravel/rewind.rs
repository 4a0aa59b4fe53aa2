//! Rewind a run in place to a step, and undo it.
//!
//! Rewind: lock → audit `in_progress` (synced) → build the cut bundle in
//! `.reel/staging/<op>` → mark it → atomically exchange it with the run
//! folder → move the old bundle (now at the staging path) to
//! `.reel/backups/<run>/<op>` → drop the marker → audit `done`. At every
//! instant the run path holds a complete bundle, old or new; `recovery`
//! finishes or rolls back an operation cut short, from the audit log and the
//! marker. Undo is the same dance with the newest backup instead of a cut,
//! and the bundle it replaces becomes a backup in turn: nothing is lost.

use std::path::{Path, PathBuf};

use super::audit::{self, AuditRecord, OpState};
use super::cut::{write_cut, CutKind, CutRequest};
use super::fsutil::{
    create_dir_all, ensure_writable, exchange, remove_file_if_exists, rename, write_synced,
};
use super::layout::{locate_run, new_op_id, StateDirs, OP_MARKER};
use super::lineage::{count_steps, read_extras};
use super::loaded::LoadedRun;
use super::lock::{Purpose, RunLock};
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;
use crate::model::liveness::liveness_on_disk;
use crate::model::{Liveness, Run};

/// The points between filesystem steps, for fault injection in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Audited,
    Staged,
    Marked,
    Swapped,
    BackedUp,
    Unmarked,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Audited,
        Step::Staged,
        Step::Marked,
        Step::Swapped,
        Step::BackedUp,
        Step::Unmarked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Audited => "audited",
            Step::Staged => "staged",
            Step::Marked => "marked",
            Step::Swapped => "swapped",
            Step::BackedUp => "backed_up",
            Step::Unmarked => "unmarked",
        }
    }
}

/// Called after each step; an error stops the operation right there, as a
/// crash would (nothing is cleaned up: that is recovery's job).
pub type StepHook<'a> = &'a dyn Fn(Step) -> Result<()>;

pub struct RewindOptions<'a> {
    /// Rewind even a run that still looks live.
    pub force: bool,
    pub now_ms: i64,
    pub hook: Option<StepHook<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub op_id: String,
    pub run_id: String,
    /// Where the bundle that was replaced now lives.
    pub backup: PathBuf,
    /// The step the run now ends at (rewind) or the restored step count (undo).
    pub attempt_id: Option<String>,
    pub steps: usize,
}

fn step(hook: Option<StepHook>, at: Step) -> Result<()> {
    hook.map_or(Ok(()), |h| h(at))
}

fn relative(dirs: &StateDirs, path: &Path) -> String {
    path.strip_prefix(&dirs.runs_dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Runs folder, run id and absolute path of a bundle folder, however it
/// was typed; then a check that the operation could write there, before
/// the lock (a read-only folder is reported as read-only, never as busy)
/// and before anything is touched.
fn locate(run_dir: &Path) -> Result<(StateDirs, String, PathBuf)> {
    let located = locate_run(run_dir)?;
    let (dirs, run_dir) = (StateDirs::new(&located.runs_dir), located.dir());
    let root = dirs.root();
    let mut needed = vec![dirs.runs_dir.as_path(), run_dir.as_path()];
    if root.is_dir() {
        needed.push(&root);
    }
    ensure_writable(&needed)?;
    Ok((dirs, located.id(), run_dir))
}

/// Rewinds the run in `run_dir` to attempt `spec` (attemptId or step).
pub fn rewind(run_dir: &Path, spec: &str, options: &RewindOptions) -> Result<Outcome> {
    lock_run(run_dir, None)?.rewind(spec, options)
}

/// A run locked for a rewind, recovered, and loaded once: what a caller
/// asks its confirmation question about is exactly what is cut. Dropping it
/// releases the lock.
pub struct LockedRun<'r> {
    dirs: StateDirs,
    run_id: String,
    run_dir: PathBuf,
    run: LoadedRun<'r>,
    _lock: RunLock,
}

/// Takes the lock of the run in `run_dir`, finishes what an interrupted
/// operation left, and loads the run: `loaded` (a run the caller already
/// has open) when it is still what is on disk, else the folder afresh.
pub fn lock_run<'r>(run_dir: &Path, loaded: Option<&'r Run>) -> Result<LockedRun<'r>> {
    let (dirs, run_id, run_dir) = locate(run_dir)?;
    let lock = RunLock::acquire(&dirs, &run_id, Purpose::Rewind)?;
    super::recovery::recover_all(&dirs.runs_dir, Some(&run_id))?;
    let run = LoadedRun::reuse_or_open(loaded, &run_dir)?;
    Ok(LockedRun {
        dirs,
        run_id,
        run_dir,
        run,
        _lock: lock,
    })
}

impl LockedRun<'_> {
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// Rewinds the locked run to attempt `spec` (attemptId or step).
    pub fn rewind(self, spec: &str, options: &RewindOptions) -> Result<Outcome> {
        let started = std::time::Instant::now();
        let result = self.rewind_logged(spec, options);
        super::log_op("rewind", &self.run_dir, started, &result);
        result
    }

    fn rewind_logged(&self, spec: &str, options: &RewindOptions) -> Result<Outcome> {
        let (dirs, run_id, run) = (&self.dirs, &self.run_id, &*self.run);
        let attempt = run
            .find_attempt(spec)
            .ok_or_else(|| TimeTravelError::UnknownAttempt(spec.to_string()))?;
        if let (Liveness::Live { age_ms: age }, false) =
            (run.liveness(options.now_ms), options.force)
        {
            return Err(TimeTravelError::Live {
                run_id: run_id.clone(),
                age_s: age / 1000,
            });
        }
        let kept = &run.attempts[attempt];
        let op_id = new_op_id(options.now_ms);
        let staging = dirs.staging(&op_id);
        let backup = dirs.backup(run_id, &op_id);
        let record = AuditRecord {
            op_id: op_id.clone(),
            op: "rewind".to_string(),
            run_id: run_id.clone(),
            state: OpState::InProgress,
            at: format_iso_millis(options.now_ms),
            attempt_id: Some(run.attempt_id(kept).to_string()),
            seq: Some(kept.seq_end(&run.bundle.trace)),
            backup: Some(relative(dirs, &backup)),
            restoring: None,
            detail: None,
            removing: Vec::new(),
        };
        audit::append(dirs, &record)?;
        step(options.hook, Step::Audited)?;

        if let Some(parent) = staging.parent() {
            create_dir_all(parent)?;
        }
        let request = CutRequest {
            run,
            attempt,
            run_id: run_id.clone(),
            kind: CutKind::Rewind {
                op_id: op_id.clone(),
            },
            now_ms: options.now_ms,
        };
        write_cut(&request, &staging)?;
        step(options.hook, Step::Staged)?;
        swap_in(dirs, &self.run_dir, &staging, &backup, &record, options)?;
        Ok(Outcome {
            op_id,
            run_id: run_id.clone(),
            backup,
            attempt_id: record.attempt_id,
            steps: attempt + 1,
        })
    }
}

/// The part rewind and undo share: mark `incoming` with the op, exchange
/// it with the run folder atomically, move what it displaced to
/// `displaced_to`, drop the marker, record `done`. Recovery relies on this
/// exact order (the marker in the run folder means "swapped in").
fn swap_in(
    dirs: &StateDirs,
    run_dir: &Path,
    incoming: &Path,
    displaced_to: &Path,
    record: &AuditRecord,
    options: &RewindOptions,
) -> Result<()> {
    write_synced(&incoming.join(OP_MARKER), record.op_id.as_bytes())?;
    step(options.hook, Step::Marked)?;
    exchange(incoming, run_dir)?;
    step(options.hook, Step::Swapped)?;
    if let Some(parent) = displaced_to.parent() {
        create_dir_all(parent)?;
    }
    rename(incoming, displaced_to)?;
    step(options.hook, Step::BackedUp)?;
    remove_file_if_exists(&run_dir.join(OP_MARKER))?;
    step(options.hook, Step::Unmarked)?;
    let done = record.with_state(OpState::Done, format_iso_millis(options.now_ms), None);
    audit::append(dirs, &done)
}

/// The newest backup of a run (op ids sort by time), if any.
pub fn latest_backup(dirs: &StateDirs, run_id: &str) -> Option<PathBuf> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dirs.backups_of(run_id))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    backups.sort();
    backups.pop()
}

/// The newest backup of the run in `run_dir`, found as `undo` would find
/// it; `None` when there is none (or the folder is not a run).
pub fn latest_backup_of(run_dir: &Path) -> Option<PathBuf> {
    let located = locate_run(run_dir).ok()?;
    latest_backup(&StateDirs::new(&located.runs_dir), &located.id())
}

/// Restores the run's most recent backup byte for byte. The bundle it
/// replaces is kept as a new backup, so an undo can be undone too.
pub fn undo(run_dir: &Path, options: &RewindOptions) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let result = undo_logged(run_dir, options);
    super::log_op("undo", run_dir, started, &result);
    result
}

fn undo_logged(run_dir: &Path, options: &RewindOptions) -> Result<Outcome> {
    let (dirs, run_id, run_dir) = locate(run_dir)?;
    let _lock = RunLock::acquire(&dirs, &run_id, Purpose::Undo)?;
    super::recovery::recover_all(&dirs.runs_dir, Some(&run_id))?;
    let restoring =
        latest_backup(&dirs, &run_id).ok_or_else(|| TimeTravelError::NoBackup(run_id.clone()))?;
    // Checked from the manifest, the live projection and the trace's last
    // line: an undo only swaps folders and never indexes either bundle.
    if let (Liveness::Live { age_ms: age }, false) =
        (liveness_on_disk(&run_dir, options.now_ms), options.force)
    {
        return Err(TimeTravelError::Live {
            run_id,
            age_s: age / 1000,
        });
    }
    let op_id = new_op_id(options.now_ms);
    let displaced = dirs.backup(&run_id, &op_id);
    let record = AuditRecord {
        op_id: op_id.clone(),
        op: "undo".to_string(),
        run_id: run_id.clone(),
        state: OpState::InProgress,
        at: format_iso_millis(options.now_ms),
        attempt_id: None,
        seq: None,
        backup: Some(relative(&dirs, &displaced)),
        restoring: Some(relative(&dirs, &restoring)),
        detail: None,
        removing: Vec::new(),
    };
    audit::append(&dirs, &record)?;
    step(options.hook, Step::Audited)?;
    step(options.hook, Step::Staged)?;
    swap_in(&dirs, &run_dir, &restoring, &displaced, &record, options)?;
    let trace = read_extras(&run_dir).ok().and_then(|e| e.trace);
    let steps = count_steps(&run_dir, trace.as_deref()).unwrap_or(0);
    Ok(Outcome {
        op_id,
        run_id,
        backup: displaced,
        attempt_id: None,
        steps,
    })
}
