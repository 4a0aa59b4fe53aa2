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

    /// Where `reel gc` moves backups before deleting them, so a backups
    /// folder never holds half a deleted backup.
    pub fn trash(&self, op_id: &str) -> PathBuf {
        self.root().join("trash").join(op_id)
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

/// A run folder located once, at the entry point, from however its path
/// was typed (`RUNID`, `./x`, `x/`, `.` inside the run, a symlinked runs
/// folder): `runs_dir` is absolute and canonical, so every path derived
/// from it (locks, audit, staging, the sync of a parent) is well defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPath {
    pub runs_dir: PathBuf,
    /// The run folder's own name, kept as is (a symlinked bundle stays a
    /// link in its runs folder).
    pub folder: std::ffi::OsString,
}

impl RunPath {
    pub fn dir(&self) -> PathBuf {
        self.runs_dir.join(&self.folder)
    }

    /// The run id reel uses for its state: the folder name.
    pub fn id(&self) -> String {
        self.folder.to_string_lossy().into_owned()
    }
}

/// Locates a run folder (see [`RunPath`]). The runs folder is canonicalized
/// when it exists; a path ending in `..` is resolved by the filesystem.
pub fn locate_run(path: &Path) -> super::Result<RunPath> {
    let io = |e| super::TimeTravelError::io(path, e);
    let mut absolute = std::path::absolute(path).map_err(io)?;
    if absolute.file_name().is_none() {
        absolute = std::fs::canonicalize(&absolute).map_err(io)?;
    }
    let (Some(parent), Some(folder)) = (absolute.parent(), absolute.file_name()) else {
        return Err(super::TimeTravelError::Invalid(format!(
            "{} has no parent folder",
            path.display()
        )));
    };
    Ok(RunPath {
        runs_dir: std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf()),
        folder: folder.to_os_string(),
    })
}

/// Whether a name is safe as one path component of reel's state (a run id,
/// an op id): never empty, a separator, `.`/`..` or hidden.
pub fn is_plain_name(name: &str) -> bool {
    crate::bundle::safe_open::is_plain_name(name) && !name.starts_with('.')
}
