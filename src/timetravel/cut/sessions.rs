//! The session bundles of a cut: every session a kept attempt used or whose
//! `session_bound` event is kept, with `events.ndjson` cut after the last
//! event those attempts wrote.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::files::{self, Dirs};
use super::relative;
use super::trace::TraceCut;
use crate::bundle::{read_json_as, safe_open, SessionFiles, SessionIndex};
use crate::model::Run;
use crate::timetravel::Result;

/// How far a session is kept: up to an event seq (an attempt's recorded
/// `eventEndSeq`), or up to a time (attempts without one: in flight,
/// interrupted, or whose capture failed).
#[derive(Debug, Default, Clone, Copy)]
struct Keep {
    seq: Option<u32>,
    until_ms: Option<i64>,
}

impl Keep {
    fn last_seq(&self, index: &SessionIndex) -> u32 {
        let by_time = self.until_ms.map_or(0, |until| {
            index
                .entries()
                .iter()
                .take_while(|e| e.at_ms() <= until || e.at_ms() == i64::MIN)
                .last()
                .map_or(0, |e| e.seq)
        });
        self.seq.unwrap_or(0).max(by_time)
    }
}

/// Writes the kept sessions under `dest` and returns their ids, in the
/// source's order.
pub(crate) fn write_sessions(
    run: &Run,
    last: usize,
    cut: &TraceCut,
    dest: &Path,
    dirs: &mut Dirs,
) -> Result<Vec<String>> {
    let keep = kept_ranges(run, last, cut);
    let mut kept = Vec::new();
    for session in &run.bundle.sessions {
        let Some(range) = keep.get(session.id.as_str()) else {
            continue;
        };
        write_session(run, session, range, dest, dirs)?;
        kept.push(session.id.clone());
    }
    Ok(kept)
}

fn kept_ranges<'r>(run: &'r Run, last: usize, cut: &'r TraceCut) -> HashMap<&'r str, Keep> {
    let entries = run.bundle.trace.entries();
    let mut keep: HashMap<&str, Keep> = HashMap::new();
    for (position, attempt) in run.attempts[..=last].iter().enumerate() {
        let link = cut.links[position].as_ref();
        let Some(session) = link
            .map(|l| l.session.as_str())
            .or_else(|| run.session_id(attempt))
        else {
            continue;
        };
        let slot = keep.entry(session).or_default();
        match link.and_then(|l| l.event_end) {
            Some(end) => slot.seq = Some(slot.seq.unwrap_or(0).max(end)),
            None => {
                // Up to the attempt's outcome, or for an attempt that has
                // none, up to its last trace event: the moment of the cut.
                let until = if attempt.is_finished() {
                    attempt.finished_ms(&run.bundle.trace)
                } else {
                    entries[attempt.entry_end()].at()
                };
                let until = until.unwrap_or(i64::MAX);
                slot.until_ms = Some(slot.until_ms.map_or(until, |t| t.max(until)));
            }
        }
    }
    // A session bound before the cut that no kept attempt prompted: what it
    // holds was written before the cut.
    let cut_ms = entries[run.attempts[last].entry_end()]
        .at()
        .unwrap_or(i64::MAX);
    for id in &cut.bound {
        keep.entry(id.as_str()).or_insert(Keep {
            seq: None,
            until_ms: Some(cut_ms),
        });
    }
    keep
}

/// Copies `binding.json`, the kept prefix of `events.ndjson`, and
/// `record.json` with `lastSeq` lowered to the kept events. The record's
/// `messages` may still mention later turns (acpx rewrites it after every
/// turn and keeps no history); the events are the source of truth, and
/// conversations are rebuilt from them.
fn write_session(
    run: &Run,
    session: &SessionFiles,
    keep: &Keep,
    dest: &Path,
    dirs: &mut Dirs,
) -> Result<()> {
    let root = &run.bundle.root;
    let index = session.index()?;
    let last_seq = keep.last_seq(index);
    if is_file(root, &session.events) {
        let kept = index.entries().partition_point(|e| e.seq <= last_seq);
        let end = match index.entries().get(kept) {
            _ if kept == 0 => 0,
            Some(next) => next.offset(),
            None => index.scan_position().offset,
        };
        let to = target(root, &session.events, dest, dirs)?;
        files::copy_prefix_later(root, &session.events, &to, Some(end), dirs)?;
    }
    if is_file(root, &session.binding) {
        let to = target(root, &session.binding, dest, dirs)?;
        files::copy_prefix_later(root, &session.binding, &to, None, dirs)?;
    }
    if is_file(root, &session.record) {
        let to = target(root, &session.record, dest, dirs)?;
        let mut record: Value = read_json_as(root, &session.record)?;
        let recorded = record.get("lastSeq").and_then(Value::as_u64);
        match (&mut record, recorded) {
            (Value::Object(map), Some(seq)) if seq > u64::from(last_seq) => {
                map.insert("lastSeq".to_string(), Value::from(last_seq));
                files::write_json_later(&to, &record, dirs)?;
            }
            _ => {
                files::copy_prefix_later(root, &session.record, &to, None, dirs)?;
            }
        }
    }
    Ok(())
}

/// Whether a file of the bundle can be read as one (inside, regular).
fn is_file(root: &Path, path: &Path) -> bool {
    safe_open::regular_metadata(root, path).is_some()
}

/// Where a source file goes in the cut (same relative path), its folder made.
fn target(root: &Path, file: &Path, dest: &Path, dirs: &mut Dirs) -> Result<std::path::PathBuf> {
    let to = dest.join(relative(root, file)?);
    if let Some(parent) = to.parent() {
        dirs.ensure(dest, parent)?;
    }
    Ok(to)
}
