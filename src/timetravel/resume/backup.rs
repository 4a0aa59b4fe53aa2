//! The pre-resume copy of a run that `reel undo` restores. A resume appends
//! to the run's NDJSON files and rewrites its projections in place, so those
//! are copied; artifacts are content-addressed and never rewritten, so they
//! are hard-linked. Built in a staging folder and renamed into the backups
//! once complete and synced: a backup is never half a bundle.

use std::fs;
use std::path::Path;

use crate::timetravel::cut::files::{self, Dirs};
use crate::timetravel::fsutil::{create_dir_all, rename};
use crate::timetravel::{Result, TimeTravelError};

/// Copies the run in `run_dir` to `staging`, then moves it to `backup`.
pub fn back_up(run_dir: &Path, artifacts_dir: &Path, staging: &Path, backup: &Path) -> Result<()> {
    if let Some(parent) = staging.parent() {
        create_dir_all(parent)?;
    }
    let mut dirs = Dirs::default();
    dirs.create(staging)?;
    copy_dir(run_dir, run_dir, artifacts_dir, staging, &mut dirs).inspect_err(|_| {
        let _ = fs::remove_dir_all(staging);
    })?;
    dirs.sync_all()?;
    if let Some(parent) = backup.parent() {
        create_dir_all(parent)?;
    }
    rename(staging, backup)
}

fn copy_dir(
    root: &Path,
    dir: &Path,
    artifacts_dir: &Path,
    to: &Path,
    dirs: &mut Dirs,
) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| TimeTravelError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| TimeTravelError::io(dir, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        // `file_type` does not follow symlinks; anything but plain files and
        // folders is no part of a bundle and stays behind.
        let kind = entry
            .file_type()
            .map_err(|e| TimeTravelError::io(&source, e))?;
        if kind.is_dir() {
            dirs.create(&target)?;
            copy_dir(root, &source, artifacts_dir, &target, dirs)?;
        } else if kind.is_file() {
            if source.starts_with(artifacts_dir) {
                files::link_or_copy(root, &source, &target)?;
            } else {
                files::copy_prefix(root, &source, &target, None)?;
            }
        }
    }
    Ok(())
}
