//! Search across a run: trace events (outputs and errors live in their
//! payloads), session traffic (the conversations) and text artifacts. Hits
//! are trace seqs, so `n`/`N` move the time cursor. Runs on a worker.
//!
//! Every file is streamed in chunks (overlapping by the query's length, so
//! a match across a chunk boundary is found) and never read whole, so a
//! 2 GiB artifact or a session log with a 200 MiB line costs a chunk of
//! memory. A match is mapped to its line through the index; the rest of
//! that line is skipped (one hit per line is all that is needed).

use std::collections::BTreeSet;

use crate::bundle::window::find_ci;
use crate::bundle::{BundleError, EventKind};
use crate::model::Run;

/// Every trace seq where `query` occurs (ASCII case-insensitive), sorted.
pub fn search(run: &Run, query: &str) -> Result<Vec<u32>, BundleError> {
    Ok(search_until(run, query, &|| false)?.unwrap_or_default())
}

/// `search`, giving up (`None`) once `cancelled` says a newer search
/// replaced this one.
pub fn search_until(
    run: &Run,
    query: &str,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Vec<u32>>, BundleError> {
    let needle_text = query.to_ascii_lowercase();
    if needle_text.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let needle = needle_text.as_bytes();
    let mut hits = BTreeSet::new();
    let bundle = &run.bundle;
    let trace = bundle.trace.entries();

    let end = bundle.trace.scan_position().offset;
    let matched = lines_matching(run, &bundle.paths.trace, end, needle, cancelled, |offset| {
        let at = trace.partition_point(|e| e.offset() <= offset);
        if let Some(entry) = at.checked_sub(1).map(|i| &trace[i]) {
            hits.insert(entry.seq);
        }
        // Resume at the next event's line.
        trace.get(at).map(|e| e.offset())
    })?;
    if !matched {
        return Ok(None);
    }

    // Session lines are JSON: text with quotes, backslashes or control
    // characters (a diff, a terminal's output, a resource) is escaped there.
    let escaped = json_escaped(&needle_text);
    let mut needles = vec![needle];
    if escaped.as_bytes() != needle {
        needles.push(escaped.as_bytes());
    }
    for session in &bundle.sessions {
        let index = session.index()?;
        let entries = index.entries();
        if entries.is_empty() {
            continue;
        }
        let end = index.scan_position().offset;
        for needle in &needles {
            let matched = lines_matching(run, &session.events, end, needle, cancelled, |offset| {
                let at = entries.partition_point(|e| e.offset() <= offset);
                // A conversation hit belongs to the step that was running then.
                if let Some(time) = at.checked_sub(1).map(|i| entries[i].at_ms()) {
                    if let Some(seq) = step_at_time(run, time) {
                        hits.insert(seq);
                    }
                }
                entries.get(at).map(|e| e.offset())
            })?;
            if !matched {
                return Ok(None);
            }
        }
    }

    for entry in trace
        .iter()
        .filter(|e| e.kind == EventKind::ArtifactWritten)
    {
        if cancelled() {
            return Ok(None);
        }
        let Ok(event) = bundle.read_event(entry) else {
            continue;
        };
        let Some(path) = event.pointer("/artifact/path").and_then(|p| p.as_str()) else {
            continue;
        };
        match bundle.artifact_contains(path, needle, cancelled) {
            Ok(Some(true)) => {
                hits.insert(entry.seq);
            }
            Ok(None) => return Ok(None),
            // Missing or unreadable artifacts have nothing to find.
            Ok(Some(false)) | Err(_) => {}
        }
    }
    Ok(Some(hits.into_iter().collect()))
}

/// `text` as it appears inside a JSON string.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(text)
        .to_string()
}

/// The end seq of the step running at `time` (or the last one before it).
fn step_at_time(run: &Run, time: i64) -> Option<u32> {
    let started = run
        .attempts
        .partition_point(|a| a.started_ms(&run.bundle.trace).is_some_and(|s| s <= time));
    started
        .checked_sub(1)
        .map(|i| run.attempts[i].seq_end(&run.bundle.trace))
}

/// Streams the first `end` bytes of a file of the bundle, calling
/// `on_match(offset)` for matches, which says where to go on. False when
/// cancelled.
fn lines_matching(
    run: &Run,
    path: &std::path::Path,
    end: u64,
    needle: &[u8],
    cancelled: &dyn Fn() -> bool,
    mut on_match: impl FnMut(u64) -> Option<u64>,
) -> Result<bool, BundleError> {
    let (file, metadata) = run.bundle.open_file(path)?;
    let end = end.min(metadata.len());
    find_ci(&file, 0, end, needle, cancelled, |offset| {
        // Past the last line: stop rather than rescan.
        Some(on_match(offset).unwrap_or(end))
    })
    .map_err(|e| BundleError::io(path, e))
}
