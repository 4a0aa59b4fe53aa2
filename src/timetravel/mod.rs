//! Time travel on plain files: fork a run at a step into a new bundle,
//! rewind a run in place (locked, audited, backed up, crash-safe), undo a
//! rewind, diff two frames, and the lineage of forks and backups. Knows
//! nothing of screens; the CLI and the TUI call the same functions.
//!
//! Semantics: `../shared/DESIGN.md` §4.

pub mod audit;
pub mod backups;
pub mod cut;
pub mod diff;
pub mod fork;
pub mod fsutil;
pub mod gc;
pub mod layout;
pub mod lineage;
pub mod loaded;
pub mod lock;
pub mod patch;
pub mod preview;
pub mod projections;
pub mod recovery;
pub mod resume;
pub mod rewind;
pub mod runid;
pub mod statefile;
pub mod sweep;

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
    #[error(
        "no attempt {0:?} in this run (give an attemptId such as node#1, a step number, or last)"
    )]
    UnknownAttempt(String),
    #[error("busy: run {run_id} is {}", lock::busy_detail(holder.as_ref(), lock))]
    Busy {
        run_id: String,
        lock: PathBuf,
        /// Who holds the lock, as far as its file says.
        holder: Option<lock::Holder>,
    },
    #[error("read-only: {} cannot be changed ({source}); nothing was changed", path.display())]
    ReadOnly {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("run {run_id} is still being written (last sign of life {age_s}s ago); pass --force to go ahead anyway")]
    Live { run_id: String, age_s: i64 },
    #[error("invalid input patch: {0}")]
    InvalidPatch(String),
    #[error("run {0} has no backup to restore")]
    NoBackup(String),
    #[error("{0}")]
    Invalid(String),
    /// Nothing to run on: no node, no acpx, or one reel cannot drive.
    #[error(transparent)]
    Engine(#[from] resume::EngineError),
    /// The run cannot be continued as asked; nothing was written.
    #[error("{0}")]
    Refused(String),
}

impl TimeTravelError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TimeTravelError::Io {
            path: path.into(),
            source,
        }
    }

    /// An I/O error, told apart as read-only when the filesystem refused
    /// a write (permissions, an immutable folder, a read-only mount).
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if fsutil::is_read_only(&source) {
            TimeTravelError::ReadOnly {
                path: path.into(),
                source,
            }
        } else {
            TimeTravelError::io(path, source)
        }
    }
}

pub type Result<T> = std::result::Result<T, TimeTravelError>;

/// Logs a finished time-travel operation (the log of `--log`; nothing
/// without one).
pub(crate) fn log_op<T>(
    op: &str,
    run: &std::path::Path,
    started: std::time::Instant,
    result: &Result<T>,
) {
    let took_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(_) => tracing::info!(op, run = ?run, took_ms, "{op} done"),
        Err(err) => {
            tracing::warn!(op, run = ?run, took_ms, error = ?err.to_string(), "{op} refused or failed")
        }
    }
}

/// A debug log line: how long after `started` a fork or rewind reached
/// `stage` (`--log` with `REEL_LOG_LEVEL=debug` shows where time goes).
pub(crate) fn log_stage(stage: &str, started: std::time::Instant) {
    let at_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::debug!(stage, at_ms = format!("{at_ms:.1}"), "cut stage");
}
