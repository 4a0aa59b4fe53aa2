//! Finishing or rolling back operations that were cut short (a crash, a
//! kill, a full disk). Run at the start of every time-travel command and of
//! the TUI on a runs directory. Decisions come from the audit log and the
//! op marker: the marker in the run folder means the new bundle was swapped
//! in, so the operation is finished forward; otherwise nothing visible
//! changed and it is rolled back. Runs whose lock a live process holds are
//! left to that process.

use std::fs;
use std::path::Path;

use super::audit::{self, AuditRecord, OpState};
use super::fsutil::{create_dir_all, remove_file_if_exists, rename};
use super::layout::{StateDirs, OP_MARKER};
use super::lock::RunLock;
use super::runid::now_ms;
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;

/// What recovery did to one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub op_id: String,
    pub run_id: String,
    pub state: OpState,
}

/// Recovers every unfinished operation in `runs_dir`, except those of
/// `held_run` (whose lock the caller holds: handled too, without locking).
pub fn recover_all(runs_dir: &Path, held_run: Option<&str>) -> Result<Vec<Recovered>> {
    let dirs = StateDirs::new(runs_dir);
    let mut done = Vec::new();
    for op in audit::unfinished(&audit::read_all(runs_dir)?) {
        let _lock = if held_run == Some(op.run_id.as_str()) {
            None
        } else {
            match RunLock::acquire(&dirs, &op.run_id) {
                Ok(lock) => Some(lock),
                Err(TimeTravelError::Busy { .. }) => continue,
                Err(other) => return Err(other),
            }
        };
        let state = settle(&dirs, &op)?;
        let detail = Some(match state {
            OpState::Done => "finished after an interruption".to_string(),
            _ => "rolled back after an interruption".to_string(),
        });
        audit::append(
            &dirs,
            &op.with_state(state, format_iso_millis(now_ms()), detail),
        )?;
        done.push(Recovered {
            op_id: op.op_id.clone(),
            run_id: op.run_id.clone(),
            state,
        });
    }
    Ok(done)
}

/// `recover_all` for a caller holding no lock.
pub fn recover(runs_dir: &Path) -> Result<Vec<Recovered>> {
    recover_all(runs_dir, None)
}

fn marker_is(dir: &Path, op_id: &str) -> bool {
    fs::read_to_string(dir.join(OP_MARKER)).is_ok_and(|m| m.trim() == op_id)
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
