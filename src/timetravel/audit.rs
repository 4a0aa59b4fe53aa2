//! The audit log: one JSON line per state change of a rewind or undo, in
//! `.reel/audit.ndjson`. The `in_progress` record is synced to disk before
//! anything is touched, so after a crash the next start knows what to
//! finish or roll back.
//!
//! The log is read as untrusted: bad lines (torn, not UTF-8, not JSON) are
//! skipped, and recovery acts only on records whose names and paths are
//! exactly what reel writes ([`AuditRecord::is_sound`]), so a planted
//! record cannot make it move or delete anything outside reel's state.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fsutil::{create_dir_all, sync_dir};
use super::layout::{is_plain_name, StateDirs};
use super::statefile::{harden, read_bounded};
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
    /// `rewind`, `undo` or `resume`.
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
    /// `gc`: the op ids of the run's backups being removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removing: Vec<String>,
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

    /// Whether this is a record reel could have written: a known operation,
    /// plain run and op ids, and exactly the backup (and, for an undo, the
    /// restored backup) paths reel derives from them; a `gc` names backups
    /// by plain op ids only.
    pub fn is_sound(&self, dirs: &StateDirs) -> bool {
        if self.op == "gc" {
            return is_plain_name(&self.run_id)
                && is_plain_name(&self.op_id)
                && self.backup.is_none()
                && self.restoring.is_none()
                && !self.removing.is_empty()
                && self.removing.iter().all(|id| is_plain_name(id));
        }
        let relative = |path: std::path::PathBuf| {
            path.strip_prefix(&dirs.runs_dir)
                .map(Path::to_path_buf)
                .unwrap_or(path)
        };
        let ids = is_plain_name(&self.run_id) && is_plain_name(&self.op_id);
        let backup = self.backup.as_deref().map(Path::new)
            == Some(relative(dirs.backup(&self.run_id, &self.op_id)).as_path());
        let restoring = match (self.op.as_str(), self.restoring.as_deref()) {
            ("rewind" | "resume", None) => true,
            ("undo", Some(restoring)) => Path::new(restoring)
                .strip_prefix(relative(dirs.backups_of(&self.run_id)))
                .is_ok_and(|rest| {
                    let parts: Vec<_> = rest.iter().collect();
                    parts.len() == 1 && is_plain_name(&parts[0].to_string_lossy())
                }),
            _ => false,
        };
        ids && backup && restoring
    }
}

/// The most a log is read (hundreds of thousands of operations).
const MAX_LOG_BYTES: u64 = 256 << 20;

/// Appends a record and syncs it before returning. After a torn last line
/// (a crash mid-append) the record starts on a line of its own, or the two
/// would make one unreadable line and this record would be lost.
pub fn append(dirs: &StateDirs, record: &AuditRecord) -> Result<()> {
    let path = dirs.audit_log();
    let new_file = !path.exists();
    create_dir_all(&dirs.root())?;
    let mut file = harden(OpenOptions::new().read(true).create(true).append(true))
        .open(&path)
        .map_err(|e| TimeTravelError::io(&path, e))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(TimeTravelError::io(&path, super::statefile::not_regular()));
    }
    let mut line = if ends_torn(&file) {
        vec![b'\n']
    } else {
        Vec::new()
    };
    line.extend(serde_json::to_vec(record).map_err(|e| TimeTravelError::Invalid(e.to_string()))?);
    line.push(b'\n');
    file.write_all(&line)
        .and_then(|()| file.sync_all())
        .map_err(|e| TimeTravelError::io(&path, e))?;
    if new_file {
        sync_dir(&dirs.root())?;
    }
    Ok(())
}

/// Whether the file's last byte is not a newline (a torn last line).
fn ends_torn(mut file: &std::fs::File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1))
        .and_then(|_| file.read_exact(&mut last))
        .is_ok_and(|()| last[0] != b'\n')
}

/// Every record, oldest first. Lines that are not a record are skipped: a
/// torn last line (a crash mid-append) had not started touching anything.
pub fn read_all(runs_dir: &Path) -> Result<Vec<AuditRecord>> {
    parse_lines(runs_dir)
}

/// Every line that is a JSON object (for readers that want every field).
pub fn read_values(runs_dir: &Path) -> Result<Vec<serde_json::Value>> {
    let values: Vec<serde_json::Value> = parse_lines(runs_dir)?;
    Ok(values.into_iter().filter(|v| v.is_object()).collect())
}

fn parse_lines<T: serde::de::DeserializeOwned>(runs_dir: &Path) -> Result<Vec<T>> {
    let path = StateDirs::new(runs_dir).audit_log();
    let bytes = read_bounded(&path, MAX_LOG_BYTES)
        .map_err(|e| TimeTravelError::io(&path, e))?
        .unwrap_or_default();
    Ok(bytes
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
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
