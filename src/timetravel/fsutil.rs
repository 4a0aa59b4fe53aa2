//! Filesystem steps of the time-travel operations, each made durable: data
//! synced before it is published, directories synced after entries change.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::{Result, TimeTravelError};

/// Syncs a directory so that renames and creations in it survive a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| TimeTravelError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates a folder (and its parents) and syncs its parent.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| TimeTravelError::io(dir, e))?;
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Writes a small file completely and syncs it.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| TimeTravelError::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| TimeTravelError::io(path, e))
}

/// Renames and syncs both parents.
pub fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| TimeTravelError::io(from, e))?;
    for dir in [from.parent(), to.parent()].into_iter().flatten() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Swaps two directories atomically: after this, each path holds what the
/// other held, and no instant exists where either path is missing.
pub fn exchange(a: &Path, b: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
            .map_err(|e| TimeTravelError::io(a, std::io::Error::from(e)))?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Without an atomic exchange: three renames; recovery (driven by the
        // audit log and the op marker) repairs an interruption between them.
        let parked = a.with_extension("reel-exchange");
        fs::rename(b, &parked).map_err(|e| TimeTravelError::io(b, e))?;
        fs::rename(a, b).map_err(|e| TimeTravelError::io(a, e))?;
        fs::rename(&parked, a).map_err(|e| TimeTravelError::io(&parked, e))?;
    }
    for dir in [a.parent(), b.parent()].into_iter().flatten() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Removes a file if it exists, syncing its folder.
pub fn remove_file_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => path.parent().map_or(Ok(()), sync_dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(TimeTravelError::io(path, e)),
    }
}

/// Whether an error is the filesystem refusing a write: modes, an
/// immutable folder (`chattr +i`, which stops root too), a read-only mount.
pub fn is_read_only(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        err.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    )
}

/// Fails with `ReadOnly` unless the current user may create and remove
/// entries in each folder, checked before anything is touched so a
/// read-only runs folder is reported as such (not as a failure half-way).
/// `access(W_OK)` sees modes, immutable folders and read-only mounts.
pub fn ensure_writable(dirs: &[&Path]) -> Result<()> {
    #[cfg(target_os = "linux")]
    for dir in dirs {
        use rustix::fs::{access, Access};
        match access(*dir, Access::WRITE_OK) {
            Ok(()) => {}
            Err(e) => {
                let err = std::io::Error::from(e);
                if is_read_only(&err) {
                    return Err(TimeTravelError::ReadOnly {
                        path: dir.to_path_buf(),
                        source: err,
                    });
                }
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dirs;
    Ok(())
}
