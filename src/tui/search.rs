//! Search across a run: trace events (outputs and errors live in their
//! payloads), session traffic (the conversations) and text artifacts. Hits
//! are trace seqs, so `n`/`N` move the time cursor. Runs on a worker.

use std::collections::BTreeSet;

use memchr::memmem::Finder;

use crate::bundle::{ndjson, BundleError, EventKind};
use crate::model::Run;

/// Every trace seq where `query` occurs (ASCII case-insensitive), sorted.
pub fn search(run: &Run, query: &str) -> Result<Vec<u32>, BundleError> {
    let needle = query.to_ascii_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let finder = Finder::new(needle.as_bytes());
    let mut hits = BTreeSet::new();
    let trace = run.bundle.trace.entries();

    for_each_matching_line(
        &run.bundle.root,
        &run.bundle.paths.trace,
        &finder,
        |offset| {
            let at = trace.partition_point(|e| e.offset <= offset);
            if let Some(entry) = at.checked_sub(1).map(|i| &trace[i]) {
                hits.insert(entry.seq);
            }
        },
    )?;

    for session in &run.bundle.sessions {
        let index = session.index()?;
        let entries = index.entries();
        if entries.is_empty() {
            continue;
        }
        for_each_matching_line(&run.bundle.root, &session.events, &finder, |offset| {
            let at = entries.partition_point(|e| e.offset <= offset);
            // A conversation hit belongs to the step that was running then.
            if let Some(time) = at.checked_sub(1).map(|i| entries[i].at_ms) {
                if let Some(seq) = step_at_time(run, time) {
                    hits.insert(seq);
                }
            }
        })?;
    }

    for entry in trace
        .iter()
        .filter(|e| e.kind == EventKind::ArtifactWritten)
    {
        let Ok(event) = run.bundle.read_event(entry) else {
            continue;
        };
        let Some(path) = event.pointer("/artifact/path").and_then(|p| p.as_str()) else {
            continue;
        };
        if let Ok(bytes) = run.bundle.read_artifact(path) {
            if finder.find(&bytes.to_ascii_lowercase()).is_some() {
                hits.insert(entry.seq);
            }
        }
    }
    Ok(hits.into_iter().collect())
}

/// The end seq of the step running at `time` (or the last one before it).
fn step_at_time(run: &Run, time: i64) -> Option<u32> {
    let started = run
        .attempts
        .partition_point(|a| a.started_ms.is_some_and(|s| s <= time));
    started.checked_sub(1).map(|i| run.attempts[i].seq_end)
}

/// Calls `on_hit` with the line start offset of every line containing a
/// match, scanning the file chunk by chunk, lowercased.
fn for_each_matching_line(
    root: &std::path::Path,
    path: &std::path::Path,
    finder: &Finder<'_>,
    mut on_hit: impl FnMut(u64),
) -> Result<(), BundleError> {
    ndjson::scan_file(root, path, |line, raw| {
        if finder.find(&raw.to_ascii_lowercase()).is_some() {
            on_hit(line.offset);
        }
        Ok(())
    })?;
    Ok(())
}
