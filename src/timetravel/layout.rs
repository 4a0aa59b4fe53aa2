//! Where reel keeps its own state in a runs directory: `.reel/` holds the
//! locks, the audit log, staging folders and backups. acpx never looks there
//! and run listings skip it (it has no manifest).

use std::path::{Path, PathBuf};

pub const STATE_DIR: &str = ".reel";

/// Paths of reel's state inside one runs directory.
#[derive(Debug, Clone)]
pub struct StateDirs {
    pub runs_dir: PathBuf,
}

impl StateDirs {
    pub fn new(runs_dir: &Path) -> StateDirs {
        StateDirs {
            runs_dir: runs_dir.to_path_buf(),
        }
    }

    pub fn root(&self) -> PathBuf {
        self.runs_dir.join(STATE_DIR)
    }

    pub fn audit_log(&self) -> PathBuf {
        self.root().join("audit.ndjson")
    }

    pub fn lock(&self, run_id: &str) -> PathBuf {
        self.root().join("locks").join(format!("{run_id}.lock"))
    }

    pub fn staging(&self, op_id: &str) -> PathBuf {
        self.root().join("staging").join(op_id)
    }

    pub fn backups_of(&self, run_id: &str) -> PathBuf {
        self.root().join("backups").join(run_id)
    }

    pub fn backup(&self, run_id: &str, op_id: &str) -> PathBuf {
        self.backups_of(run_id).join(op_id)
    }

    pub fn run(&self, run_id: &str) -> PathBuf {
        self.runs_dir.join(run_id)
    }
}

/// The marker file naming the operation whose bundle holds it; its presence
/// in the run folder means "swapped in, not yet cleaned up".
pub const OP_MARKER: &str = ".reel-op";

/// An operation id that sorts by time: `20261123T181512123Z-ab12cd34`.
pub fn new_op_id(now_ms: i64) -> String {
    let stamp: String = crate::bundle::timestamp::format_iso_millis(now_ms)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{stamp}-{}", super::runid::random_hex8())
}
