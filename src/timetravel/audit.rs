//! The audit log: one JSON line per state change of a rewind or undo, in
//! `.reel/audit.ndjson`. The `in_progress` record is synced to disk before
//! anything is touched, so after a crash the next start knows what to
//! finish or roll back.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fsutil::{create_dir_all, sync_dir};
use super::layout::StateDirs;
use super::{Result, TimeTravelError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpState {
    InProgress,
    Done,
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub op_id: String,
    /// `rewind` or `undo`.
    pub op: String,
    pub run_id: String,
    pub state: OpState,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// Where the bundle the operation replaced goes (relative to the runs dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// Undo: the backup being restored (relative to the runs dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restoring: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditRecord {
    /// The same operation in a later state.
    pub fn with_state(&self, state: OpState, at: String, detail: Option<String>) -> AuditRecord {
        AuditRecord {
            state,
            at,
            detail,
            ..self.clone()
        }
    }
}

/// Appends a record and syncs it before returning.
pub fn append(dirs: &StateDirs, record: &AuditRecord) -> Result<()> {
    let path = dirs.audit_log();
    let new_file = !path.exists();
    create_dir_all(&dirs.root())?;
    let mut line =
        serde_json::to_vec(record).map_err(|e| TimeTravelError::Invalid(e.to_string()))?;
    line.push(b'\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| TimeTravelError::io(&path, e))?;
    file.write_all(&line)
        .and_then(|()| file.sync_all())
        .map_err(|e| TimeTravelError::io(&path, e))?;
    if new_file {
        sync_dir(&dirs.root())?;
    }
    Ok(())
}

/// Every record, oldest first. A torn last line (a crash mid-append) is
/// skipped: its operation had not started touching anything yet.
pub fn read_all(runs_dir: &Path) -> Result<Vec<AuditRecord>> {
    let path = StateDirs::new(runs_dir).audit_log();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TimeTravelError::io(&path, e)),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Operations whose latest record is still `in_progress`.
pub fn unfinished(records: &[AuditRecord]) -> Vec<AuditRecord> {
    let mut latest: Vec<&AuditRecord> = Vec::new();
    for record in records {
        match latest.iter_mut().find(|r| r.op_id == record.op_id) {
            Some(slot) => *slot = record,
            None => latest.push(record),
        }
    }
    latest
        .into_iter()
        .filter(|r| r.state == OpState::InProgress)
        .cloned()
        .collect()
}
