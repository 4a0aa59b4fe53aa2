//! The backups reel keeps in a runs directory (`.reel/backups/<run>/<op>/`):
//! the complete bundle a rewind, an undo or a resume replaced. Listed with
//! what they hold on disk; removed only by `reel gc` ([`super::gc`]).
//!
//! Sizes count regular files only (never following a symlink). A file may
//! be shared by hard links (artifacts are linked between a run, its
//! backups and its forks), so what removing backups frees is counted per
//! inode: a file is freed only when every one of its links goes.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::layout::{is_plain_name, StateDirs};
use super::lineage::{modified, read_audit};
use super::{Result, TimeTravelError};

/// One backup of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub run_id: String,
    pub op_id: String,
    /// `rewind`, `undo` or `resume`, from the audit log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// When the operation ran (audit log, else the folder's mtime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The attempt a rewind went back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// Bytes of the regular files in it, shared ones included.
    pub bytes: u64,
    pub files: usize,
    /// Whether the run it belongs to is still in the runs directory.
    pub run_exists: bool,
    pub path: PathBuf,
}

/// What a tree of files holds on disk.
#[derive(Debug, Default)]
pub struct DiskUse {
    pub bytes: u64,
    pub files: usize,
    /// (device, inode) → (links the file has, its size, links found here).
    inodes: HashMap<(u64, u64), (u64, u64, u64)>,
}

impl DiskUse {
    fn add(&mut self, other: DiskUse) {
        self.bytes += other.bytes;
        self.files += other.files;
        for (key, (links, len, seen)) in other.inodes {
            self.inodes.entry(key).or_insert((links, len, 0)).2 += seen;
        }
    }

    /// Bytes freed if this whole tree were deleted: the files none of
    /// whose links lie outside it.
    pub fn freed(&self) -> u64 {
        self.inodes
            .values()
            .filter(|(links, _, seen)| seen >= links)
            .map(|(_, len, _)| len)
            .sum()
    }
}

/// The regular files under `dir` (symlinks are not followed; an unreadable
/// folder counts as empty).
pub fn disk_use(dir: &Path) -> DiskUse {
    let mut out = DiskUse::default();
    walk(dir, &mut out);
    out
}

fn walk(dir: &Path, out: &mut DiskUse) {
    let Ok(read) = fs::read_dir(dir) else {
        return;
    };
    for entry in read.filter_map(std::result::Result::ok) {
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            walk(&entry.path(), out);
        } else if meta.is_file() {
            out.bytes += meta.len();
            out.files += 1;
            let (key, links) = identity(&meta);
            out.inodes.entry(key).or_insert((links, meta.len(), 0)).2 += 1;
        }
    }
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> ((u64, u64), u64) {
    use std::os::unix::fs::MetadataExt;
    ((meta.dev(), meta.ino()), meta.nlink())
}

#[cfg(not(unix))]
fn identity(meta: &fs::Metadata) -> ((u64, u64), u64) {
    // No inode numbers: every file is its own, freed with its backup.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ((u64::MAX, n), 1)
}

/// Bytes freed by deleting all of `backups` together.
pub fn freed_by(backups: &[Backup]) -> u64 {
    let mut total = DiskUse::default();
    for backup in backups {
        total.add(disk_use(&backup.path));
    }
    total.freed()
}

/// Plain-named folders (not symlinks) directly in `dir`, sorted by name.
fn folders(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TimeTravelError::io(dir, e)),
    };
    let mut found: Vec<(String, PathBuf)> = read
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            is_plain_name(&name).then(|| (name, e.path()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Every backup in `runs_dir` (only those of `run_id` when given), by run
/// id, then oldest first.
pub fn list(runs_dir: &Path, run_id: Option<&str>) -> Result<Vec<Backup>> {
    let dirs = StateDirs::new(runs_dir);
    let audit = read_audit(runs_dir);
    let mut out = Vec::new();
    for (run, run_path) in folders(&dirs.root().join("backups"))? {
        if run_id.is_some_and(|wanted| wanted != run) {
            continue;
        }
        let run_exists = dirs.run(&run).join("manifest.json").is_file();
        let mut backups: Vec<Backup> = folders(&run_path)?
            .into_iter()
            .map(|(op_id, path)| {
                let record = audit.get(&op_id);
                let field = |key: &str| record?.get(key)?.as_str().map(str::to_string);
                let used = disk_use(&path);
                Backup {
                    run_id: run.clone(),
                    op: field("op"),
                    at: field("at").or_else(|| modified(&path)),
                    attempt_id: field("attemptId"),
                    bytes: used.bytes,
                    files: used.files,
                    run_exists,
                    op_id,
                    path,
                }
            })
            .collect();
        backups.sort_by(|x, y| (&x.at, &x.op_id).cmp(&(&y.at, &y.op_id)));
        out.extend(backups);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_files_are_freed_only_with_their_last_link() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (a, b, outside) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("o"),
        );
        for dir in [&a, &b, &outside] {
            fs::create_dir(dir).expect("mkdir");
        }
        fs::write(a.join("own"), vec![0u8; 100]).expect("write");
        fs::write(a.join("shared"), vec![0u8; 10]).expect("write");
        fs::hard_link(a.join("shared"), b.join("shared")).expect("link");
        fs::write(b.join("kept"), vec![0u8; 1000]).expect("write");
        fs::hard_link(b.join("kept"), outside.join("kept")).expect("link");
        std::os::unix::fs::symlink(outside.join("kept"), a.join("link")).expect("symlink");
        let used = disk_use(&a);
        assert_eq!(
            (used.bytes, used.files),
            (110, 2),
            "the symlink is not followed"
        );
        assert_eq!(used.freed(), 100, "the shared file lives on in b");
        let backup = |path: &Path| Backup {
            run_id: "r".into(),
            op_id: "o".into(),
            op: None,
            at: None,
            attempt_id: None,
            bytes: 0,
            files: 0,
            run_exists: true,
            path: path.to_path_buf(),
        };
        assert_eq!(
            freed_by(&[backup(&a), backup(&b)]),
            110,
            "both links of the shared file go; b's other file is linked outside"
        );
    }
}
