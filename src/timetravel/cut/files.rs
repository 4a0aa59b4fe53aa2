//! Writing the cut's files: created fresh (never over something), private
//! like acpx's own (dirs 0700, files 0600), and synced before the cut is
//! reported written, so a crash after `write_cut` returns loses nothing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bundle::safe_open;
use crate::timetravel::{Result, TimeTravelError};

/// The folders created under the cut's root, synced once at the end (after
/// every entry in them exists).
#[derive(Debug, Default)]
pub(crate) struct Dirs {
    created: Vec<PathBuf>,
    /// The large files written, synced on a thread of their own.
    files: Syncer,
}

impl Dirs {
    /// Creates `dir`, which must not exist yet.
    pub fn create(&mut self, dir: &Path) -> Result<()> {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| TimeTravelError::io(dir, e))?;
        self.created.push(dir.to_path_buf());
        Ok(())
    }

    /// Creates the missing folders from `root` down to `dir` (inside `root`).
    pub fn ensure(&mut self, root: &Path, dir: &Path) -> Result<()> {
        let Ok(relative) = dir.strip_prefix(root) else {
            return Err(TimeTravelError::Invalid(format!(
                "{} is outside {}",
                dir.display(),
                root.display()
            )));
        };
        let mut current = root.to_path_buf();
        for part in relative.components() {
            current.push(part);
            if !current.is_dir() {
                self.create(&current)?;
            }
        }
        Ok(())
    }

    /// Syncs a finished file soon; [`Dirs::wait_files`] waits for it.
    pub fn sync_later(&mut self, file: File, path: &Path) -> Result<()> {
        self.files.sync_later(file, path)
    }

    /// Waits until every file handed to [`Dirs::sync_later`] is durable.
    pub fn wait_files(&mut self) -> Result<()> {
        self.files.wait()
    }

    /// Syncs every created folder, so their entries survive a crash.
    pub fn sync_all(&self) -> Result<()> {
        self.created.iter().try_for_each(|dir| sync_dir(dir))
    }
}

use super::syncer::Syncer;
pub(crate) use crate::timetravel::fsutil::sync_dir;

/// A new file (failing if one exists), buffered; finish with [`finish`].
pub(crate) fn create(path: &Path) -> Result<BufWriter<File>> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .map_err(|e| TimeTravelError::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

/// Flushes and syncs a file made by [`create`].
pub(crate) fn finish(writer: BufWriter<File>, path: &Path) -> Result<()> {
    flushed(writer, path)?
        .sync_all()
        .map_err(|e| TimeTravelError::io(path, e))
}

/// Flushes a file made by [`create`] and has `dirs` sync it.
pub(crate) fn finish_later(writer: BufWriter<File>, path: &Path, dirs: &mut Dirs) -> Result<()> {
    let file = flushed(writer, path)?;
    dirs.sync_later(file, path)
}

/// Flushes a file made by [`create`] (its sync is the caller's).
pub(crate) fn flushed(writer: BufWriter<File>, path: &Path) -> Result<File> {
    writer
        .into_inner()
        .map_err(|e| TimeTravelError::io(path, e.into_error()))
}

/// Writes a whole new file and syncs it.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut writer = create(path)?;
    writer
        .write_all(bytes)
        .map_err(|e| TimeTravelError::io(path, e))?;
    finish(writer, path)
}

/// Writes JSON as acpx does: `JSON.stringify(value, null, 2)` and a newline.
pub(crate) fn write_json(path: &Path, value: &Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| TimeTravelError::Invalid(format!("{}: {e}", path.display())))?;
    text.push('\n');
    write_new(path, text.as_bytes())
}

/// [`write_json`], the file synced by `dirs` later: a small file's sync
/// waits for the journal, and so for the large files written before it.
pub(crate) fn write_json_later(path: &Path, value: &Value, dirs: &mut Dirs) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| TimeTravelError::Invalid(format!("{}: {e}", path.display())))?;
    text.push('\n');
    let mut writer = create(path)?;
    writer
        .write_all(text.as_bytes())
        .map_err(|e| TimeTravelError::io(path, e))?;
    finish_later(writer, path, dirs)
}

/// Copies the first `limit` bytes of `from` (all of it with `None`), a file
/// of the bundle in `root`, into a new file `to`, synced.
pub(crate) fn copy_prefix(root: &Path, from: &Path, to: &Path, limit: Option<u64>) -> Result<u64> {
    let (source, _) = safe_open::open(root, from)?;
    copy_open(source, from, to, limit)
}

/// [`copy_prefix`], the copy synced by `dirs` later.
pub(crate) fn copy_prefix_later(
    root: &Path,
    from: &Path,
    to: &Path,
    limit: Option<u64>,
    dirs: &mut Dirs,
) -> Result<u64> {
    let (source, _) = safe_open::open(root, from)?;
    let (target, copied) = copy_unsynced(source, from, to, limit)?;
    dirs.sync_later(target, to)?;
    Ok(copied)
}

/// File to file, so that `io::copy` can copy inside the kernel
/// (`copy_file_range`, a reflink where the filesystem has them) rather than
/// through this process.
fn copy_open(source: File, from: &Path, to: &Path, limit: Option<u64>) -> Result<u64> {
    let (target, copied) = copy_unsynced(source, from, to, limit)?;
    target.sync_all().map_err(|e| TimeTravelError::io(to, e))?;
    Ok(copied)
}

/// The first `len` bytes of the open file `source` (at `from`) copied into
/// a new file `to` inside the kernel, whatever its read position; not yet
/// synced. Returns the copy and how many bytes it holds.
pub(crate) fn copy_from_start(
    source: &File,
    from: &Path,
    to: &Path,
    len: u64,
) -> Result<(File, u64)> {
    let mut source = source;
    source
        .seek(io::SeekFrom::Start(0))
        .map_err(|e| TimeTravelError::io(from, e))?;
    copy_unsynced(source, from, to, Some(len))
}

fn copy_unsynced(
    source: impl Read,
    from: &Path,
    to: &Path,
    limit: Option<u64>,
) -> Result<(File, u64)> {
    let mut target = create(to)?
        .into_inner()
        .map_err(|e| TimeTravelError::io(to, e.into_error()))?;
    let copied = match limit {
        Some(limit) => io::copy(&mut source.take(limit), &mut target),
        None => io::copy(&mut { source }, &mut target),
    }
    .map_err(|e| TimeTravelError::io(from, e))?;
    Ok((target, copied))
}

/// Shares an immutable file of the bundle in `root` by a hard link when the
/// filesystem allows it, else copies it (and syncs the copy). Artifacts are
/// content-addressed and never rewritten, so the cut and its source may
/// share them safely. Only a regular file inside the bundle is shared: a
/// symlink is never linked (that would copy the link), only what it leads
/// to when that stays inside.
pub(crate) fn link_or_copy(root: &Path, from: &Path, to: &Path) -> Result<()> {
    let (source, _) = safe_open::open(root, from)?;
    let plain = fs::symlink_metadata(from).is_ok_and(|m| m.file_type().is_file());
    if plain && fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    copy_open(source, from, to, None).map(|_| ())
}
