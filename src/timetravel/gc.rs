//! `reel gc`: removing old backups, only when asked. Per run, the newest
//! `keep` backups stay and older ones go. For each run: take its lock,
//! write a `gc` audit record naming the backups (synced) → move each into
//! `.reel/trash/<op>/` (a rename: a backup is either whole where it was or
//! in the trash) → delete the trash folder → record `done`. A crash at any
//! point is finished by recovery ([`finish`]): what the record names is
//! moved to the trash and deleted; nothing it does not name is touched.

use std::fs;
use std::path::Path;

use super::audit::{self, AuditRecord, OpState};
use super::backups::{freed_by, list, Backup};
use super::fsutil::{create_dir_all, rename, sync_dir};
use super::layout::{new_op_id, StateDirs};
use super::lock::{Purpose, RunLock};
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;
use crate::humanize::plural;

/// What a gc would do.
#[derive(Debug, Clone, PartialEq)]
pub struct GcPlan {
    pub remove: Vec<Backup>,
    pub keep: Vec<Backup>,
    /// Bytes that removing `remove` frees (shared files counted once, and
    /// only when every link to them goes).
    pub frees: u64,
}

/// Backups of `run_id` (every run when `None`) beyond the newest `keep` of
/// each run.
pub fn plan(runs_dir: &Path, run_id: Option<&str>, keep: usize) -> Result<GcPlan> {
    let all = list(runs_dir, run_id)?;
    let (mut remove, mut kept) = (Vec::new(), Vec::new());
    // `list` gives each run's backups together, oldest first.
    let mut start = 0;
    while start < all.len() {
        let run = &all[start].run_id;
        let end = start + all[start..].iter().take_while(|b| &b.run_id == run).count();
        let cut = end.saturating_sub(keep).max(start);
        remove.extend_from_slice(&all[start..cut]);
        kept.extend_from_slice(&all[cut..end]);
        start = end;
    }
    let frees = freed_by(&remove);
    Ok(GcPlan {
        remove,
        keep: kept,
        frees,
    })
}

/// The points between a gc's filesystem steps, for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcStep {
    Audited,
    /// The first backup is in the trash.
    Trashed,
    /// Every backup of the run is in the trash.
    Moved,
    Deleted,
}

impl GcStep {
    pub const ALL: [GcStep; 4] = [
        GcStep::Audited,
        GcStep::Trashed,
        GcStep::Moved,
        GcStep::Deleted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GcStep::Audited => "gc_audited",
            GcStep::Trashed => "gc_trashed",
            GcStep::Moved => "gc_moved",
            GcStep::Deleted => "gc_deleted",
        }
    }
}

/// Called after each step; an error stops the gc there, as a crash would.
pub type GcHook<'a> = &'a dyn Fn(GcStep) -> Result<()>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GcOutcome {
    pub removed: Vec<Backup>,
    pub freed: u64,
    /// Runs left alone, and why (another reel operation holds the run).
    pub skipped: Vec<(String, String)>,
}

/// Carries out `plan`. Backups that disappeared since it was made are
/// passed over; a run another process holds is skipped and reported.
pub fn collect(
    runs_dir: &Path,
    plan: &GcPlan,
    now_ms: i64,
    hook: Option<GcHook>,
) -> Result<GcOutcome> {
    let dirs = StateDirs::new(runs_dir);
    let step = |at: GcStep| hook.map_or(Ok(()), |h| h(at));
    let mut outcome = GcOutcome::default();
    let mut start = 0;
    while start < plan.remove.len() {
        let run_id = plan.remove[start].run_id.clone();
        let end = start
            + plan.remove[start..]
                .iter()
                .take_while(|b| b.run_id == run_id)
                .count();
        let group = &plan.remove[start..end];
        start = end;
        let _lock = match RunLock::acquire(&dirs, &run_id, Purpose::Gc) {
            Ok(lock) => lock,
            Err(err @ TimeTravelError::Busy { .. }) => {
                outcome.skipped.push((run_id, err.to_string()));
                continue;
            }
            Err(other) => return Err(other),
        };
        let present: Vec<Backup> = group
            .iter()
            .filter(|b| fs::symlink_metadata(&b.path).is_ok_and(|m| m.is_dir()))
            .cloned()
            .collect();
        if present.is_empty() {
            continue;
        }
        let freed = freed_by(&present);
        let record = AuditRecord {
            op_id: new_op_id(now_ms),
            op: "gc".to_string(),
            run_id: run_id.clone(),
            state: OpState::InProgress,
            at: format_iso_millis(now_ms),
            attempt_id: None,
            seq: None,
            backup: None,
            restoring: None,
            detail: Some(format!("removing {}", plural(present.len(), "backup"))),
            removing: present.iter().map(|b| b.op_id.clone()).collect(),
        };
        audit::append(&dirs, &record)?;
        step(GcStep::Audited)?;
        let trash = dirs.trash(&record.op_id);
        create_dir_all(&trash)?;
        for (i, backup) in present.iter().enumerate() {
            rename(&backup.path, &trash.join(&backup.op_id))?;
            if i == 0 {
                step(GcStep::Trashed)?;
            }
        }
        step(GcStep::Moved)?;
        empty_trash(&dirs, &record.op_id)?;
        step(GcStep::Deleted)?;
        let detail = format!("removed {}", plural(present.len(), "backup"));
        let done = record.with_state(OpState::Done, format_iso_millis(now_ms), Some(detail));
        audit::append(&dirs, &done)?;
        outcome.freed += freed;
        outcome.removed.extend(present);
    }
    Ok(outcome)
}

/// Finishes an interrupted gc (recovery calls this under the run's lock):
/// what its record names goes to the trash, and the trash is deleted.
pub(crate) fn finish(dirs: &StateDirs, record: &AuditRecord) -> Result<OpState> {
    let trash = dirs.trash(&record.op_id);
    for op_id in &record.removing {
        let backup = dirs.backup(&record.run_id, op_id);
        let trashed = trash.join(op_id);
        if fs::symlink_metadata(&backup).is_ok_and(|m| m.is_dir()) && !trashed.exists() {
            create_dir_all(&trash)?;
            rename(&backup, &trashed)?;
        }
    }
    empty_trash(dirs, &record.op_id)?;
    Ok(OpState::Done)
}

/// Deletes `.reel/trash/<op_id>` (if it is there) and syncs its folder.
pub(crate) fn empty_trash(dirs: &StateDirs, op_id: &str) -> Result<()> {
    let trash = dirs.trash(op_id);
    match fs::remove_dir_all(&trash) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(TimeTravelError::io(&trash, e)),
    }
    trash.parent().map_or(Ok(()), sync_dir)
}
