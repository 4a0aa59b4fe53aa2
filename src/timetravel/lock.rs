//! The per-run lock: a file created exclusively in `.reel/locks/`. A second
//! rewind or undo of the same run fails fast as busy; a lock left by a
//! process that no longer exists is taken over.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::fsutil::create_dir_all;
use super::layout::StateDirs;
use super::{Result, TimeTravelError};

#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    pub fn acquire(dirs: &StateDirs, run_id: &str) -> Result<RunLock> {
        let path = dirs.lock(run_id);
        if let Some(parent) = path.parent() {
            create_dir_all(parent)?;
        }
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    let _ = file.sync_all();
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if holder_is_gone(&path) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    break;
                }
                Err(e) => return Err(TimeTravelError::io(&path, e)),
            }
        }
        Err(TimeTravelError::Busy {
            run_id: run_id.to_string(),
            lock: path,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the process that wrote the lock has exited (Linux: no /proc
/// entry). Elsewhere a lock is only ever released by its holder.
pub fn holder_is_gone(path: &std::path::Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    cfg!(target_os = "linux") && !PathBuf::from(format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_busy_and_release_frees_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = StateDirs::new(dir.path());
        let first = RunLock::acquire(&dirs, "run-a").expect("first");
        assert!(matches!(
            RunLock::acquire(&dirs, "run-a"),
            Err(TimeTravelError::Busy { .. })
        ));
        assert!(
            RunLock::acquire(&dirs, "run-b").is_ok(),
            "locks are per run"
        );
        drop(first);
        assert!(RunLock::acquire(&dirs, "run-a").is_ok());
    }

    #[test]
    fn a_dead_holders_lock_is_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = StateDirs::new(dir.path());
        let path = dirs.lock("run-a");
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        // Far above any pid_max: no such process can exist.
        fs::write(&path, "999999999\n").expect("write");
        if cfg!(target_os = "linux") {
            assert!(RunLock::acquire(&dirs, "run-a").is_ok());
        }
    }
}
