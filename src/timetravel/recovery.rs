//! Finishing or rolling back operations that were cut short (a crash, a
//! kill, a full disk). Run at the start of every command that touches a
//! runs directory (`reel`, `list`, `tree`, `fork`, `rewind`, `undo`,
//! `audit`) and of the TUI. Decisions come from the audit log and the op
//! marker: the marker in the run folder means the new bundle was swapped
//! in, so the operation is finished forward; otherwise nothing visible
//! changed and it is rolled back. An interrupted `gc` is always finished:
//! its record names the backups the user chose to remove. Runs whose lock a live process holds are
//! left to that process. Then the leftovers of killed processes that the
//! log does not cover are removed ([`super::sweep`]).

use std::fs;
use std::path::{Path, PathBuf};

use super::audit::{self, AuditRecord, OpState};
use super::fsutil::{create_dir_all, remove_file_if_exists, rename};
use super::layout::{StateDirs, OP_MARKER};
use super::lock::{Purpose, RunLock};
use super::runid::now_ms;
use super::statefile::read_bounded;
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;

/// What recovery did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovered {
    /// An audited rewind or undo, brought to `state` (done or rolled back).
    Operation {
        op: String,
        op_id: String,
        run_id: String,
        state: OpState,
    },
    /// A folder a killed process left behind (an unfinished fork, a rewind
    /// staging folder no operation owns), removed.
    Leftover { what: &'static str, path: PathBuf },
}

impl Recovered {
    /// One sentence for stderr or a status line (ids are sanitized there).
    pub fn describe(&self) -> String {
        match self {
            Recovered::Operation {
                op,
                op_id,
                run_id,
                state,
            } => {
                let verb = match state {
                    OpState::Done => "finished",
                    _ => "rolled back",
                };
                format!("{verb} the interrupted {op} {op_id} of {run_id}")
            }
            Recovered::Leftover { what, path } => {
                format!("removed {what} {}", path.display())
            }
        }
    }
}

/// A short summary of a recovery, for the TUI's status line.
pub fn summary(done: &[Recovered]) -> Option<String> {
    let count = |f: &dyn Fn(&Recovered) -> bool| done.iter().filter(|r| f(r)).count();
    let finished = count(&|r| {
        matches!(
            r,
            Recovered::Operation {
                state: OpState::Done,
                ..
            }
        )
    });
    let rolled =
        count(&|r| matches!(r, Recovered::Operation { state, .. } if *state != OpState::Done));
    let removed = count(&|r| matches!(r, Recovered::Leftover { .. }));
    let parts: Vec<String> = [
        (finished, "finished", "interrupted operation"),
        (rolled, "rolled back", "interrupted operation"),
        (removed, "removed", "abandoned staging folder"),
    ]
    .iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, verb, what)| format!("{verb} {}", crate::humanize::plural(*n, what)))
    .collect();
    (!parts.is_empty()).then(|| format!("recovery: {}", parts.join(", ")))
}

/// Recovers every unfinished operation in `runs_dir`, except those of
/// `held_run` (whose lock the caller holds: handled too, without locking),
/// then sweeps leftovers.
pub fn recover_all(runs_dir: &Path, held_run: Option<&str>) -> Result<Vec<Recovered>> {
    // Absolute once, so no derived path is ever relative to "" or ".".
    let runs_dir = &std::path::absolute(runs_dir).map_err(|e| TimeTravelError::io(runs_dir, e))?;
    let dirs = StateDirs::new(runs_dir);
    let mut done = Vec::new();
    // A record reel could not have written is never acted on.
    let records: Vec<AuditRecord> = audit::unfinished(&audit::read_all(runs_dir)?)
        .into_iter()
        .filter(|op| op.is_sound(&dirs))
        .collect();
    for op in records {
        let _lock = if held_run == Some(op.run_id.as_str()) {
            None
        } else {
            match RunLock::acquire(&dirs, &op.run_id, Purpose::Recovery) {
                Ok(lock) => Some(lock),
                Err(TimeTravelError::Busy { .. }) => continue,
                Err(other) => return Err(other),
            }
        };
        let state = match op.op.as_str() {
            "gc" => super::gc::finish(&dirs, &op)?,
            _ => settle(&dirs, &op)?,
        };
        let detail = Some(match state {
            OpState::Done => "finished after an interruption".to_string(),
            _ => "rolled back after an interruption".to_string(),
        });
        audit::append(
            &dirs,
            &op.with_state(state, format_iso_millis(now_ms()), detail),
        )?;
        done.push(Recovered::Operation {
            op: op.op.clone(),
            op_id: op.op_id.clone(),
            run_id: op.run_id.clone(),
            state,
        });
    }
    done.extend(super::sweep::sweep(&dirs));
    Ok(done)
}

/// `recover_all` for a caller holding no lock.
pub fn recover(runs_dir: &Path) -> Result<Vec<Recovered>> {
    recover_all(runs_dir, None)
}

/// Whether the run folder carries the marker of `op_id` (a marker that is
/// not a small regular file is no marker of ours).
fn marker_is(dir: &Path, op_id: &str) -> bool {
    read_bounded(&dir.join(OP_MARKER), 256)
        .ok()
        .flatten()
        .is_some_and(|m| m.trim_ascii() == op_id.as_bytes())
}

/// Brings one interrupted operation to a final state.
fn settle(dirs: &StateDirs, op: &AuditRecord) -> Result<OpState> {
    let run_dir = dirs.run(&op.run_id);
    let backup = op.backup.as_ref().map(|b| dirs.runs_dir.join(b));
    // The bundle the operation displaced sits here until moved to `backup`.
    let parked = match op.op.as_str() {
        "undo" => op.restoring.as_ref().map(|r| dirs.runs_dir.join(r)),
        _ => Some(dirs.staging(&op.op_id)),
    };
    if marker_is(&run_dir, &op.op_id) {
        // Swapped in: finish the cleanup.
        if let (Some(parked), Some(backup)) = (&parked, &backup) {
            if parked.exists() && !backup.exists() {
                if let Some(parent) = backup.parent() {
                    create_dir_all(parent)?;
                }
                rename(parked, backup)?;
            }
        }
        remove_file_if_exists(&run_dir.join(OP_MARKER))?;
        return Ok(OpState::Done);
    }
    let parked_gone = parked.as_ref().is_none_or(|p| !p.exists());
    if backup.as_ref().is_some_and(|b| b.exists()) && parked_gone {
        // Everything happened but the final audit record.
        return Ok(OpState::Done);
    }
    // Not swapped: the run folder still holds the old bundle.
    match op.op.as_str() {
        "undo" => {
            if let Some(restoring) = &parked {
                remove_file_if_exists(&restoring.join(OP_MARKER))?;
            }
        }
        _ => {
            let staging = dirs.staging(&op.op_id);
            if staging.exists() {
                fs::remove_dir_all(&staging).map_err(|e| TimeTravelError::io(&staging, e))?;
            }
        }
    }
    Ok(OpState::RolledBack)
}
