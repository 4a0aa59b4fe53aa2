//! The per-run lock: `.reel/locks/<run>.lock`, held with `flock(2)`. The
//! kernel is the arbiter: a lock is held exactly while a live process has
//! the file open and locked, and it is released when that process dies, so
//! a lock can never be stuck (an empty, garbage or dead owner's file is just
//! a file nobody holds) and two takers can never both win. The file's text
//! (pid, operation, time) only says who holds it, for "busy" messages.
//!
//! Releasing unlinks the file while still holding it; a waiter that opened
//! the old file then finds it no longer at the path and tries again.
//! Something other than a regular file at the path (a symlink, a folder, a
//! FIFO) is never followed nor read: it is renamed aside, under a lock on
//! the locks folder so that only one process ever does so.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fsutil::create_dir_all;
use super::layout::StateDirs;
use super::runid::{now_ms, random_hex8};
use super::statefile::{self, harden, is_in_the_way};
use super::{Result, TimeTravelError};
use crate::bundle::timestamp::format_iso_millis;

/// What a lock is taken for (shown to whoever finds the run busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Rewind,
    Undo,
    Recovery,
    Fork,
    Resume,
    Gc,
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    #[serde(default)]
    pub op: Option<Purpose>,
    /// ISO time the lock was taken.
    #[serde(default)]
    pub since: Option<String>,
}

impl Holder {
    /// Parses a lock file's text leniently: reel's JSON, or a bare pid
    /// (older locks); anything else says nothing.
    fn parse(bytes: &[u8]) -> Option<Holder> {
        let text = std::str::from_utf8(bytes).ok()?.trim();
        serde_json::from_str(text).ok().or_else(|| {
            text.parse().ok().map(|pid| Holder {
                pid,
                op: None,
                since: None,
            })
        })
    }
}

/// "being rewound by pid 12 (reel rewind, since 18:15:12 UTC)". Built only
/// from parsed numbers and known words: nothing of the file is echoed.
pub fn busy_detail(holder: Option<&Holder>, lock: &Path) -> String {
    let Some(holder) = holder else {
        return format!("locked by another reel process (lock {})", lock.display());
    };
    let (doing, command) = match holder.op {
        Some(Purpose::Rewind) => ("being rewound", "reel rewind"),
        Some(Purpose::Undo) => ("being restored", "reel undo"),
        Some(Purpose::Recovery) => ("being recovered", "reel recovery"),
        Some(Purpose::Fork) => ("being written", "reel fork"),
        Some(Purpose::Resume) => ("being continued", "reel resume"),
        Some(Purpose::Gc) => ("having its backups removed", "reel gc"),
        None => ("locked", "reel"),
    };
    let since = holder
        .since
        .as_deref()
        .and_then(|t| t.get(11..19))
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit() || b == b':'))
        .map(|t| format!(", since {t} UTC"))
        .unwrap_or_default();
    format!("{doing} by pid {} ({command}{since})", holder.pid)
}

#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    file: File,
}

impl RunLock {
    /// Takes the run's lock for `purpose`, or fails at once as `Busy`.
    pub fn acquire(dirs: &StateDirs, run_id: &str, purpose: Purpose) -> Result<RunLock> {
        let path = dirs.lock(run_id);
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        create_dir_all(&folder).map_err(|e| match e {
            TimeTravelError::Io { path, source } => TimeTravelError::write(path, source),
            other => other,
        })?;
        // Each retry follows a release or a repair by someone else.
        for _ in 0..16 {
            let file = match lock_file(&path) {
                Ok(Ok(file)) => file,
                Ok(Err(holder)) => {
                    return Err(TimeTravelError::Busy {
                        run_id: run_id.to_string(),
                        lock: path,
                        holder,
                    })
                }
                Err(e) if is_in_the_way(&e) => {
                    set_aside(&folder, &path)?;
                    continue;
                }
                Err(e) => return Err(TimeTravelError::write(&path, e)),
            };
            if !names(&path, &file) {
                continue; // released (unlinked) between our open and lock
            }
            let holder = Holder {
                pid: std::process::id(),
                op: Some(purpose),
                since: Some(format_iso_millis(now_ms())),
            };
            let text = serde_json::to_string(&holder).unwrap_or_default();
            // Informational only: a failure here does not weaken the lock.
            let _ = file.set_len(0);
            let _ = (&file).write_all(format!("{text}\n").as_bytes());
            return Ok(RunLock { path, file });
        }
        Err(TimeTravelError::Busy {
            run_id: run_id.to_string(),
            lock: path,
            holder: None,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Unlinked while still locked; the lock itself goes with the file.
        if names(&self.path, &self.file) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Opens and locks the lock file: `Ok(Err(holder))` when someone else
/// holds it. Anything but a regular file at the path is an error for which
/// [`is_in_the_way`] holds.
#[cfg(target_os = "linux")]
fn lock_file(path: &Path) -> std::io::Result<std::result::Result<File, Option<Holder>>> {
    use rustix::fs::{flock, FlockOperation};
    let file = open(path, false)?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Ok(file)),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(Err(statefile::read_from(&file, 4096)
            .ok()
            .and_then(|b| Holder::parse(&b)))),
        Err(e) => Err(e.into()),
    }
}

/// Without flock (not Linux; rustix is a Linux-only dependency here and
/// `File::try_lock` is newer than the crate's MSRV) the file's existence is
/// the lock, as before; a lock left by a crash must be removed by hand.
#[cfg(not(target_os = "linux"))]
fn lock_file(path: &Path) -> std::io::Result<std::result::Result<File, Option<Holder>>> {
    match open(path, true) {
        Ok(file) => Ok(Ok(file)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(Err(statefile::read_bounded(path, 4096)
                .ok()
                .flatten()
                .and_then(|b| Holder::parse(&b))))
        }
        Err(e) => Err(e),
    }
}

fn open(path: &Path, new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(!new).create_new(new);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = harden(&mut options).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(statefile::not_regular());
    }
    Ok(file)
}

/// Whether `path` still names the open `file` (same device and inode).
fn names(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Renames whatever non-regular entry is at `path` to a unique name beside
/// it, holding a lock on the locks folder so that two repairers cannot
/// both act (the second finds a regular file and leaves it alone).
fn set_aside(folder: &Path, path: &Path) -> Result<()> {
    let guard = File::open(folder).map_err(|e| TimeTravelError::io(folder, e))?;
    #[cfg(target_os = "linux")]
    rustix::fs::flock(&guard, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| TimeTravelError::io(folder, e.into()))?;
    let in_the_way = fs::symlink_metadata(path).is_ok_and(|m| !m.is_file());
    if in_the_way {
        let mut aside = path.as_os_str().to_os_string();
        aside.push(format!(".broken-{}", random_hex8()));
        fs::rename(path, &aside).map_err(|e| TimeTravelError::write(path, e))?;
    }
    drop(guard);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_busy_and_release_frees_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = StateDirs::new(dir.path());
        let first = RunLock::acquire(&dirs, "run-a", Purpose::Rewind).expect("first");
        match RunLock::acquire(&dirs, "run-a", Purpose::Undo) {
            Err(TimeTravelError::Busy { holder, .. }) => {
                let holder = holder.expect("the holder is named");
                assert_eq!(holder.pid, std::process::id());
                assert_eq!(holder.op, Some(Purpose::Rewind));
            }
            other => panic!("expected busy, got {other:?}"),
        }
        assert!(RunLock::acquire(&dirs, "run-b", Purpose::Rewind).is_ok());
        drop(first);
        assert!(!dirs.lock("run-a").exists(), "released locks are removed");
        assert!(RunLock::acquire(&dirs, "run-a", Purpose::Rewind).is_ok());
    }

    #[test]
    fn busy_messages_echo_nothing_of_the_file() {
        let holder =
            Holder::parse(br#"{"pid":7,"op":"rewind","since":"2026-11-23T18:15:12.123Z"}"#);
        let text = busy_detail(holder.as_ref(), Path::new("l"));
        assert_eq!(
            text,
            "being rewound by pid 7 (reel rewind, since 18:15:12 UTC)"
        );
        let odd = Holder::parse(br#"{"pid":7,"since":"2026-11-23T\u001b[2J:00.0Z"}"#);
        assert_eq!(
            busy_detail(odd.as_ref(), Path::new("l")),
            "locked by pid 7 (reel)"
        );
        for garbage in [&b""[..], b"-5", b"\xff\xfe", b"{\"pid\":-1}", b"12 34"] {
            assert_eq!(Holder::parse(garbage), None, "{garbage:?}");
        }
        assert_eq!(Holder::parse(b"42\n").map(|h| h.pid), Some(42));
    }
}
