//! Indexing a whole `trace.ndjson` from disk, on two threads when it is
//! large: the file is split at a newline near its middle, each half gets
//! its own index, and the second is appended to the first (seq continuity
//! checked, its strings re-interned in the order one pass would have).
//! Any problem in the second half (a bad line, a seq that does not go on)
//! is found again by indexing it in order after the first, so errors name
//! the same line as a single pass would.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::BundleError;
use super::ndjson::{read_at, scan_complete_lines, ScanPosition};
use super::safe_open;
use super::trace::TraceIndex;

/// Files smaller than this are indexed on one thread (a thread costs more
/// than it saves).
const SPLIT_MIN_BYTES: u64 = 8 << 20;
const CHUNK: u64 = 1 << 20;

/// Indexes the complete lines of the trace at `path`, reporting
/// `(bytes read, file size)`. Returns the index (its scan position after
/// the last complete line) and the bytes after it (a partial last line).
pub fn index_trace_file(
    root: &Path,
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(TraceIndex, Vec<u8>), BundleError> {
    index_trace_file_split(
        root,
        path,
        TraceIndex::default(),
        default_split_from(),
        progress,
    )
}

/// Splitting pays from `SPLIT_MIN_BYTES` on, with two cores.
pub(crate) fn default_split_from() -> u64 {
    let two_cores = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    if two_cores {
        SPLIT_MIN_BYTES
    } else {
        u64::MAX
    }
}

/// Goes on indexing `file` from `index`'s scan position (a snapshot's) to
/// its end; returns the partial last line.
pub(crate) fn continue_open_file(
    file: &File,
    total: u64,
    path: &Path,
    index: &mut TraceIndex,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<u8>, BundleError> {
    scan_range(
        file,
        path,
        index,
        None,
        &mut |done| progress(done, total),
        &mut |_| {},
    )
}

/// `index_trace_file` into `empty` (see `index_open_file`), splitting
/// files of `split_from` bytes or more (tests split small files to check
/// the stitching).
pub fn index_trace_file_split(
    root: &Path,
    path: &Path,
    empty: TraceIndex,
    split_from: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(TraceIndex, Vec<u8>), BundleError> {
    let (file, metadata) = safe_open::open(root, path)?;
    index_open_file(
        &file,
        metadata.len(),
        path,
        empty,
        split_from,
        progress,
        &mut |_| {},
    )
}

/// `index_trace_file_split` on a file already open (`total`: its size),
/// into `empty` (an empty index, maybe gathering references; each half
/// of a split file starts as a copy of it). `on_prefix` sees the index of
/// the file's start after every chunk read (for showing a run before it
/// is fully indexed).
pub(crate) fn index_open_file(
    file: &File,
    total: u64,
    path: &Path,
    empty: TraceIndex,
    split_from: u64,
    progress: &mut dyn FnMut(u64, u64),
    on_prefix: &mut dyn FnMut(&TraceIndex),
) -> Result<(TraceIndex, Vec<u8>), BundleError> {
    // Only a prefix is worth handing out: not the whole file.
    let on_prefix = &mut |prefix: &TraceIndex| {
        if prefix.scan_position().offset < total {
            on_prefix(prefix)
        }
    };
    let split = if total >= split_from.max(2) {
        split_point(file, path, total / 2, total)?
    } else {
        None
    };
    let Some(split) = split else {
        let mut index = empty;
        let tail = scan_range(
            file,
            path,
            &mut index,
            None,
            &mut |done| progress(done, total),
            on_prefix,
        )?;
        index.shrink_to_fit();
        return Ok((index, tail));
    };
    let second_done = AtomicU64::new(0);
    let (first, second) = std::thread::scope(|scope| {
        let second_empty = empty.clone();
        let second = scope.spawn(|| {
            let mut index = second_empty;
            index.set_scan_position(ScanPosition {
                offset: split,
                lines: 0,
            });
            let tail = scan_range(
                file,
                path,
                &mut index,
                None,
                &mut |done| second_done.store(done - split, Ordering::Relaxed),
                &mut |_| {},
            );
            tail.map(|tail| (index, tail))
        });
        let mut first = empty;
        let result = scan_range(
            file,
            path,
            &mut first,
            Some(split),
            &mut |done| progress(done + second_done.load(Ordering::Relaxed), total),
            on_prefix,
        );
        while !second.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            progress(split + second_done.load(Ordering::Relaxed), total);
        }
        let second = second
            .join()
            .unwrap_or_else(|_| Err(BundleError::invalid(path, "the indexing thread failed")));
        (result.map(|_| first), second)
    });
    let mut first = first?;
    match second {
        Ok((second, tail)) if first.append(&second) => {
            drop(second);
            first.shrink_to_fit();
            Ok((first, tail))
        }
        // Indexed again in order, so the error (if any) is the one a
        // single pass finds, with its line number.
        _ => {
            let tail = scan_range(
                file,
                path,
                &mut first,
                None,
                &mut |done| progress(done, total),
                &mut |_| {},
            )?;
            first.shrink_to_fit();
            Ok((first, tail))
        }
    }
}

/// The offset just after the first newline at or after `from`, if there is
/// one before `total`.
fn split_point(
    file: &File,
    path: &Path,
    from: u64,
    total: u64,
) -> Result<Option<u64>, BundleError> {
    let mut at = from;
    while at < total {
        let len = CHUNK.min(total - at) as usize;
        let bytes = read_at(file, at, len).map_err(|e| BundleError::io(path, e))?;
        if let Some(newline) = memchr::memchr(b'\n', &bytes) {
            let split = at + newline as u64 + 1;
            return Ok((split < total).then_some(split));
        }
        at += len as u64;
    }
    Ok(None)
}

/// Indexes the lines of `file` from `index`'s scan position up to `end`
/// (a line boundary), or to the end of the file as it grows while read.
/// Returns the unconsumed bytes after the last newline.
fn scan_range(
    file: &File,
    path: &Path,
    index: &mut TraceIndex,
    end: Option<u64>,
    progress: &mut dyn FnMut(u64),
    on_prefix: &mut dyn FnMut(&TraceIndex),
) -> Result<Vec<u8>, BundleError> {
    // `buf[..kept]` holds the bytes read and not yet indexed (a partial
    // line); the buffer is zeroed only when it grows, not at every read.
    let mut buf: Vec<u8> = Vec::new();
    let mut kept = 0;
    let mut position = index.scan_position();
    loop {
        let read_from = position.offset + kept as u64;
        let want = end.map_or(CHUNK, |end| CHUNK.min(end.saturating_sub(read_from)));
        if want == 0 {
            buf.truncate(kept);
            return Ok(buf);
        }
        if buf.len() < kept + want as usize {
            buf.resize(kept + want as usize, 0);
        }
        let read = read_into(file, read_from, &mut buf[kept..kept + want as usize])
            .map_err(|e| BundleError::io(path, e))?;
        let filled = kept + read;
        if read == 0 {
            buf.truncate(kept);
            return Ok(buf);
        }
        let next = scan_complete_lines(&buf[..filled], position, |line, raw| {
            index.push_complete_line(line, raw, path)
        })?;
        let consumed = (next.offset - position.offset) as usize;
        buf.copy_within(consumed..filled, 0);
        kept = filled - consumed;
        position = next;
        index.set_scan_position(position);
        if kept > safe_open::MAX_LINE {
            return Err(BundleError::syntax(
                path,
                position.lines + 1,
                format!(
                    "line longer than {} MiB: not read",
                    safe_open::MAX_LINE >> 20
                ),
            ));
        }
        progress(position.offset + kept as u64);
        on_prefix(index);
    }
}

/// Fills `buf` from `offset` on; fewer bytes at the end of the file.
fn read_into(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        #[cfg(unix)]
        let read =
            std::os::unix::fs::FileExt::read_at(file, &mut buf[filled..], offset + filled as u64);
        #[cfg(not(unix))]
        let read = std::os::windows::fs::FileExt::seek_read(
            file,
            &mut buf[filled..],
            offset + filled as u64,
        );
        match read {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
