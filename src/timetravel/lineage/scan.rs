//! What lineage needs from a trace without indexing it: the attempts
//! (`"node_started"`) and the continuations (`"run_resumed"`), found as byte
//! strings in 1 MiB chunks (no parsing, bounded memory), plus the one line
//! of the last continuation, parsed for where it went on. Inside a JSON
//! string the quotes would be escaped, so only event types match.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::bundle::paths::resolve_inside;
use crate::humanize::plural;

const STARTED: &[u8] = b"\"node_started\"";
const RESUMED: &[u8] = b"\"run_resumed\"";
/// The most read around a `run_resumed` match to find its whole line.
const LINE_WINDOW: u64 = 64 * 1024;

/// A run continued in place (`reel resume`, or the TUI's continue): its
/// trace has `run_resumed` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Continued {
    /// How many times it was continued (one `run_resumed` each).
    pub times: usize,
    /// The node the last continuation went on at (`None`: nothing was left
    /// to run, or the event could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_node: Option<String>,
    /// When the last continuation began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Attempts started since the last continuation.
    pub steps_ran: usize,
    /// Why the run failed, when it ended `failed` (its live projection's
    /// `error`, e.g. "Interrupted").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Continued {
    /// One line: "continued at decide_more, 6 steps ran" (bundle text, not
    /// sanitized: callers clean it for their output).
    pub fn summary(&self) -> String {
        let mut text = match (&self.at_node, self.times) {
            (Some(node), 1) => format!("continued at {node}"),
            (Some(node), times) => format!("continued {times}×, last at {node}"),
            (None, 1) => "continued".to_string(),
            (None, times) => format!("continued {times}×"),
        };
        text.push_str(&format!(", {} ran", plural(self.steps_ran, "step")));
        if let Some(error) = &self.error {
            text.push_str(&format!(" ({error})"));
        }
        text
    }
}

/// Counts found in one trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceScan {
    pub steps: usize,
    pub resumed: usize,
    /// Attempts after the last `run_resumed`.
    pub steps_after_resume: usize,
    /// Byte offset of the last `run_resumed` match.
    pub last_resumed_at: Option<u64>,
}

/// Scans the trace of the bundle in `bundle` (`trace`: the manifest's
/// `paths.trace`). `None` when it cannot be read.
pub fn scan(bundle: &Path, trace: Option<&str>) -> Option<TraceScan> {
    let path = resolve_inside(bundle, trace.unwrap_or("trace.ndjson")).ok()?;
    let (mut file, _) = crate::bundle::safe_open::open(bundle, &path).ok()?;
    let started = memchr::memmem::Finder::new(STARTED);
    let resumed = memchr::memmem::Finder::new(RESUMED);
    let longest = STARTED.len().max(RESUMED.len());
    let mut buf = vec![0u8; 1 << 20];
    let mut out = TraceScan::default();
    // `kept` bytes at the start of `buf` were already searched: a match
    // lying wholly inside them was counted in the previous round.
    let (mut kept, mut base) = (0usize, 0u64);
    loop {
        let read = file.read(&mut buf[kept..]).ok()?;
        if read == 0 {
            return Some(out);
        }
        let filled = kept + read;
        let mut hits: Vec<(usize, bool)> = started
            .find_iter(&buf[..filled])
            .filter(|&at| at + STARTED.len() > kept)
            .map(|at| (at, false))
            .chain(
                resumed
                    .find_iter(&buf[..filled])
                    .filter(|&at| at + RESUMED.len() > kept)
                    .map(|at| (at, true)),
            )
            .collect();
        hits.sort_unstable();
        for (at, is_resume) in hits {
            if is_resume {
                out.resumed += 1;
                out.steps_after_resume = 0;
                out.last_resumed_at = Some(base + at as u64);
            } else {
                out.steps += 1;
                out.steps_after_resume += 1;
            }
        }
        // Keep a tail shorter than the longest needle, so a match split
        // across two reads is found next time.
        let next_kept = (longest - 1).min(filled);
        buf.copy_within(filled - next_kept..filled, 0);
        base += (filled - next_kept) as u64;
        kept = next_kept;
    }
}

/// Counts the attempts (`node_started` events) in a trace.
pub fn count_steps(bundle: &Path, trace: Option<&str>) -> Option<usize> {
    scan(bundle, trace).map(|s| s.steps)
}

/// The continuation facts of a bundle whose trace was scanned; `status`
/// and `live` (the manifest's `paths.liveProjection`) tell how it ended.
pub fn continued(
    bundle: &Path,
    trace: Option<&str>,
    scanned: &TraceScan,
    status: &str,
    live: Option<&str>,
) -> Option<Continued> {
    if scanned.resumed == 0 {
        return None;
    }
    let event = scanned
        .last_resumed_at
        .and_then(|offset| line_around(bundle, trace, offset));
    let payload = event.as_ref().and_then(|e| e.get("payload"));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let error = (status == "failed")
        .then(|| live_error(bundle, live))
        .flatten();
    Some(Continued {
        times: scanned.resumed,
        at_node: text(payload.and_then(|p| p.get("resumedAt"))),
        at: text(event.as_ref().and_then(|e| e.get("at"))),
        steps_ran: scanned.steps_after_resume,
        error,
    })
}

/// The trace line holding byte `offset`, parsed (a bounded read around it).
fn line_around(bundle: &Path, trace: Option<&str>, offset: u64) -> Option<Value> {
    let path = resolve_inside(bundle, trace.unwrap_or("trace.ndjson")).ok()?;
    let (mut file, _) = crate::bundle::safe_open::open(bundle, &path).ok()?;
    let start = offset.saturating_sub(LINE_WINDOW);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut window = Vec::new();
    file.take(2 * LINE_WINDOW).read_to_end(&mut window).ok()?;
    let at = usize::try_from(offset - start).ok()?;
    let begin = window.get(..at)?.iter().rposition(|&b| b == b'\n');
    // A line cut by the window's start is not parsed.
    let begin = match begin {
        Some(newline) => newline + 1,
        None if start == 0 => 0,
        None => return None,
    };
    let end = at + window.get(at..)?.iter().position(|&b| b == b'\n')?;
    serde_json::from_slice(&window[begin..end]).ok()
}

fn live_error(bundle: &Path, live: Option<&str>) -> Option<String> {
    let path = resolve_inside(bundle, live.unwrap_or("projections/live.json")).ok()?;
    let value: Value = crate::bundle::read_json_as(bundle, &path).ok()?;
    value
        .get("error")
        .and_then(Value::as_str)
        .filter(|e| !e.trim().is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A match split across two 1 MiB reads is counted once.
    #[test]
    fn counts_steps_across_read_boundaries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let line = b"{\"type\":\"node_started\"}\n";
        let mut bytes = vec![b' '; (1 << 20) - 10];
        bytes.extend_from_slice(line); // straddles the first read
        bytes.extend_from_slice(b"{\"text\":\"\\\"node_started\\\"\"}\n"); // escaped: not a step
        bytes.extend_from_slice(line);
        fs::write(dir.path().join("trace.ndjson"), &bytes).expect("write");
        assert_eq!(count_steps(dir.path(), None), Some(2));
        assert_eq!(count_steps(dir.path(), Some("../escape.ndjson")), None);
    }

    /// Each needle ending exactly at a read boundary, or wholly inside the
    /// kept tail, is counted once; steps after the last resume are counted.
    #[test]
    fn continuations_are_found_across_read_boundaries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let started = b"{\"type\":\"node_started\"}\n";
        let resumed = b"{\"at\":\"2026-12-01T11:43:48.479Z\",\"type\":\"run_resumed\",\"payload\":{\"resumedAt\":\"decide_more\"}}\n";
        let mut bytes = Vec::new();
        bytes.extend_from_slice(started);
        // The first `"run_resumed"` ends exactly at the end of the first read.
        let needle_end = resumed
            .windows(RESUMED.len())
            .position(|w| w == RESUMED)
            .expect("needle")
            + RESUMED.len();
        bytes.resize((1 << 20) - needle_end, b' ');
        bytes.extend_from_slice(resumed);
        bytes.extend_from_slice(started);
        bytes.extend_from_slice(resumed);
        bytes.extend_from_slice(started);
        bytes.extend_from_slice(started);
        fs::write(dir.path().join("trace.ndjson"), &bytes).expect("write");
        let scanned = scan(dir.path(), None).expect("scan");
        assert_eq!(scanned.steps, 4);
        assert_eq!(scanned.resumed, 2);
        assert_eq!(scanned.steps_after_resume, 2);
        let found = continued(dir.path(), None, &scanned, "completed", None).expect("continued");
        assert_eq!(found.times, 2);
        assert_eq!(found.at_node.as_deref(), Some("decide_more"));
        assert_eq!(found.at.as_deref(), Some("2026-12-01T11:43:48.479Z"));
        assert_eq!(found.steps_ran, 2);
        assert_eq!(found.error, None);
        assert_eq!(
            found.summary(),
            "continued 2×, last at decide_more, 2 steps ran"
        );
    }

    #[test]
    fn a_failed_continuation_says_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir(dir.path().join("projections")).expect("mkdir");
        fs::write(
            dir.path().join("projections/live.json"),
            r#"{"status":"failed","error":"Interrupted"}"#,
        )
        .expect("write");
        fs::write(
            dir.path().join("trace.ndjson"),
            "{\"type\":\"run_resumed\",\"payload\":{\"resumedAt\":null}}\n{\"type\":\"node_started\"}\n",
        )
        .expect("write");
        let scanned = scan(dir.path(), None).expect("scan");
        let found = continued(dir.path(), None, &scanned, "failed", None).expect("continued");
        assert_eq!(found.error.as_deref(), Some("Interrupted"));
        assert_eq!(found.at_node, None);
        assert_eq!(found.steps_ran, 1);
        assert_eq!(found.summary(), "continued, 1 step ran (Interrupted)");
        assert_eq!(
            continued(dir.path(), None, &TraceScan::default(), "failed", None),
            None,
            "never continued"
        );
    }
}
