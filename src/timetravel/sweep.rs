//! Removing what killed processes left behind that the audit log does not
//! account for:
//!
//! * `<runs>/.reel-tmp-<id>`: a fork cut short. A fork holds the lock of
//!   its new run id from before it creates the folder until after it is
//!   published, so a folder whose lock can be taken has no live writer.
//! * `.reel/staging/<op>` that no unfinished operation names: its record
//!   is final (a roll-back that could not finish removing it), or it has
//!   none and holds no manifest (a cut that never completed). One with a
//!   manifest and no record is kept: after a swap the staging path holds
//!   the old bundle, and without a record nothing proves it is not the only
//!   copy. A rewind appends its `in_progress` record before it creates its
//!   staging folder, so listing the folders first and reading the log
//!   second never mistakes a live rewind for a leftover.
//! * `.reel/trash/<op>` of a gc whose record is final (recovery finishes
//!   unfinished ones); one no record names is left alone.
//! * `.reel/locks/*.lock` that nobody holds (taking and releasing one
//!   removes it).
//!
//! Errors are not fatal here: what cannot be removed now is tried again by
//! the next command.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::audit;
use super::fork::TEMP_PREFIX;
use super::layout::StateDirs;
use super::lock::{Purpose, RunLock};
use super::recovery::Recovered;

/// Sweeps `dirs.runs_dir`; returns what it removed.
pub fn sweep(dirs: &StateDirs) -> Vec<Recovered> {
    let mut done = forks(dirs);
    done.extend(staging(dirs));
    done.extend(trash(dirs));
    locks(dirs);
    done
}

/// Folders (not symlinks) directly in `dir`, by name.
fn folders(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect()
}

fn forks(dirs: &StateDirs) -> Vec<Recovered> {
    let mut done = Vec::new();
    for (name, path) in folders(&dirs.runs_dir) {
        let Some(run_id) = name.strip_prefix(TEMP_PREFIX) else {
            continue;
        };
        // Taken: no live fork writes here. Busy or refused: leave it.
        let Ok(_lock) = RunLock::acquire(dirs, run_id, Purpose::Recovery) else {
            continue;
        };
        if fs::remove_dir_all(&path).is_ok() {
            done.push(Recovered::Leftover {
                what: "the unfinished fork",
                path,
            });
        }
    }
    done
}

/// The folders of the state folder `name` with the audit log and its
/// unfinished operations, or nothing when there are no folders or the log
/// cannot be read. The log is read after listing: see the module comment.
fn listed(dirs: &StateDirs, name: &str) -> Option<Listed> {
    let found = folders(&dirs.root().join(name));
    if found.is_empty() {
        return None;
    }
    let records = audit::read_all(&dirs.runs_dir).ok()?;
    let unfinished = audit::unfinished(&records)
        .into_iter()
        .map(|r| r.op_id)
        .collect();
    Some((found, records, unfinished))
}

type Listed = (
    Vec<(String, PathBuf)>,
    Vec<audit::AuditRecord>,
    HashSet<String>,
);

fn staging(dirs: &StateDirs) -> Vec<Recovered> {
    let Some((found, records, unfinished)) = listed(dirs, "staging") else {
        return Vec::new();
    };
    let known: HashSet<&str> = records.iter().map(|r| r.op_id.as_str()).collect();
    let mut done = Vec::new();
    for (name, path) in found {
        let finished = known.contains(name.as_str()) && !unfinished.contains(&name);
        let unrecorded_partial =
            !known.contains(name.as_str()) && !path.join("manifest.json").exists();
        if !(finished || unrecorded_partial) {
            continue;
        }
        if fs::remove_dir_all(&path).is_ok() {
            done.push(Recovered::Leftover {
                what: "the abandoned rewind staging folder",
                path,
            });
        }
    }
    done
}

fn trash(dirs: &StateDirs) -> Vec<Recovered> {
    let Some((found, records, unfinished)) = listed(dirs, "trash") else {
        return Vec::new();
    };
    let mut done = Vec::new();
    for (name, path) in found {
        let finished_gc = records.iter().any(|r| r.op_id == name && r.op == "gc");
        if finished_gc && !unfinished.contains(&name) && fs::remove_dir_all(&path).is_ok() {
            done.push(Recovered::Leftover {
                what: "the trash of a finished gc",
                path,
            });
        }
    }
    done
}

fn locks(dirs: &StateDirs) {
    let Ok(read) = fs::read_dir(dirs.root().join("locks")) else {
        return;
    };
    for entry in read.filter_map(std::result::Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(run_id) = name.strip_suffix(".lock") {
            // Dropped at once: a lock nobody held is removed on release.
            let _ = RunLock::acquire(dirs, run_id, Purpose::Recovery);
        }
    }
}
