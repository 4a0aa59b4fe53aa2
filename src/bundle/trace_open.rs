//! Opening a run's trace index: loaded from its snapshot and brought up to
//! date, or indexed afresh; and the snapshot saved when the index grew.

use std::path::Path;

use super::error::{BundleError, Problem};
use super::index_cache::{IndexCache, SnapshotSave};
use super::trace::TraceIndex;
use super::{ndjson, safe_open, trace_file};

/// One pass over `trace.ndjson`. A last line without its newline is kept if
/// it is a complete event, otherwise ignored with a warning (a writer is
/// mid-append, or was killed mid-append).
/// With a cache, a saved index of the same file is loaded and only the
/// lines after it are indexed. When the index grew, the snapshot to save
/// is handed back (`SnapshotSave`): the caller saves it now, or after the
/// run is on screen. A trace whose last line has no newline yet is saved
/// here, before that line is read in (it may get more bytes).
pub(super) fn index_trace(
    root: &Path,
    path: &Path,
    cache: Option<&IndexCache>,
    empty: TraceIndex,
    warnings: &mut Vec<Problem>,
    progress: &mut dyn FnMut(u64, u64),
    on_prefix: &mut dyn FnMut(&TraceIndex),
) -> Result<(TraceIndex, Option<SnapshotSave>), BundleError> {
    let (file, metadata) = safe_open::open(root, path)?;
    let total = metadata.len();
    let started = std::time::Instant::now();
    let loaded = cache.and_then(|cache| cache.load(path, &file, &metadata));
    let loaded_len = loaded.as_ref().map(TraceIndex::len);
    if let Some(entries) = loaded_len {
        let took_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(entries, took_ms, "trace index loaded from its snapshot");
    }
    let (mut index, tail) = match loaded {
        Some(mut index) => {
            let tail = trace_file::continue_open_file(&file, total, path, &mut index, progress)?;
            if loaded_len != Some(index.len()) {
                index.shrink_to_fit();
            }
            (index, tail)
        }
        None => trace_file::index_open_file(
            &file,
            total,
            path,
            empty,
            trace_file::default_split_from(),
            progress,
            on_prefix,
        )?,
    };
    let end = index.scan_position();
    let took_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(entries = index.len(), took_ms, "trace indexed");
    let mut save = cache
        .filter(|_| loaded_len != Some(index.len()))
        .map(|cache| SnapshotSave::new(cache, path, file, metadata));
    let partial_line = !ndjson::is_blank(&tail);
    if partial_line {
        // Saved up to the last newline only.
        if let Some(save) = save.take() {
            save.save(&index);
        }
        let line = ndjson::Line {
            offset: end.offset,
            len: u32::try_from(tail.len()).unwrap_or(u32::MAX),
            number: end.lines + 1,
        };
        if index.push_complete_line(line, &tail, path).is_ok() {
            index.set_scan_position(ndjson::ScanPosition {
                offset: end.offset + tail.len() as u64,
                lines: line.number,
            });
        } else {
            warnings.push(Problem::warning(
                path,
                Some(line.number),
                "partial last line (no newline yet) ignored",
            ));
        }
    }
    if index.is_empty() {
        return Err(BundleError::invalid(
            path,
            "the trace holds no complete event",
        ));
    }
    Ok((index, save))
}
