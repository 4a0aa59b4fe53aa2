//! Time travel on plain files: fork a run at a step into a new bundle,
//! rewind a run in place (locked, audited, backed up, crash-safe), undo a
//! rewind, diff two frames, and the lineage of forks and backups. Knows
//! nothing of screens; the CLI and the TUI call the same functions.
//!
//! Semantics: `../shared/DESIGN.md` §4.

pub mod audit;
pub mod cut;
pub mod diff;
pub mod fork;
pub mod fsutil;
pub mod layout;
pub mod lineage;
pub mod liveness;
pub mod lock;
pub mod patch;
pub mod preview;
pub mod projections;
pub mod recovery;
pub mod resume;
pub mod rewind;
pub mod runid;

use std::path::PathBuf;

use crate::bundle::BundleError;

#[derive(Debug, thiserror::Error)]
pub enum TimeTravelError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no attempt {0:?} in this run (give an attemptId such as node#1 or a step number)")]
    UnknownAttempt(String),
    #[error("run {run_id} is busy: another reel operation holds {}", lock.display())]
    Busy { run_id: String, lock: PathBuf },
    #[error("run {run_id} is still being written (last sign of life {age_s}s ago); pass --force to go ahead anyway")]
    Live { run_id: String, age_s: i64 },
    #[error("invalid input patch: {0}")]
    InvalidPatch(String),
    #[error("run {0} has no backup to restore")]
    NoBackup(String),
    #[error("{0}")]
    Invalid(String),
}

impl TimeTravelError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TimeTravelError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, TimeTravelError>;
