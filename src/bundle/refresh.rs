//! Bringing an open bundle up to date while acpx is still writing it.
//!
//! NDJSON files only grow: new bytes are indexed from the last complete
//! line's end (a partial last line waits for its newline). A file that got
//! shorter or was replaced (another inode) is indexed again from scratch.
//! The small JSON files (manifest, live projection) are re-read. Nothing
//! re-reads the whole bundle on each change.

use std::path::Path;
use std::sync::Arc;

use super::ndjson::read_at;
use super::{
    discover_sessions, safe_open, Bundle, BundleError, Manifest, SessionFiles, SessionIndex,
};

impl Bundle {
    /// A copy of this bundle brought up to date with its files, or `None`
    /// when nothing on disk changed (then nothing is copied: the trace
    /// index of a large run is a hundred MB). The copy shares nothing
    /// mutable with `self`, so readers of the old one (other threads) are
    /// undisturbed; session indexes that did not grow are shared.
    pub fn refreshed(&self) -> Result<Option<Bundle>, BundleError> {
        let trace_len = self.open_file(&self.paths.trace)?.1.len();
        let indexed = self.trace.scan_position().offset;
        if trace_len < indexed || !self.last_event_unchanged() {
            let mut reopened = Bundle::open(&self.root)?;
            reopened.activity.grew_at_ms = Some(super::timestamp::now_ms());
            return Ok(Some(reopened));
        }
        let mut trace = None;
        if trace_len > indexed {
            let fresh = read_tail(&self.root, &self.paths.trace, indexed, trace_len)?;
            // Only complete lines are indexed: a partial one waits.
            if memchr::memchr(b'\n', &fresh).is_some() {
                let mut extended = self.trace.clone();
                if extended.extend(&fresh, &self.paths.trace)? > 0 {
                    trace = Some(extended);
                }
            }
        }
        let manifest = self
            .read_json::<Manifest>(&self.paths.manifest)
            .ok()
            .filter(|m| serde_json::to_value(m).ok() != serde_json::to_value(&self.manifest).ok());
        let live = self
            .read_json(&self.paths.live_projection)
            .ok()
            .filter(|l| Some(l) != self.live.as_ref());
        let (sessions, sessions_changed) =
            refresh_sessions(self, manifest.as_ref(), trace.as_ref())?;
        if trace.is_none() && manifest.is_none() && live.is_none() && !sessions_changed {
            return Ok(None);
        }
        let mut next = Bundle {
            root: self.root.clone(),
            manifest: manifest.unwrap_or_else(|| self.manifest.clone()),
            flow: self.flow.clone(),
            trace: trace.unwrap_or_else(|| self.trace.clone()),
            paths: self.paths.clone(),
            sessions,
            live: live.or_else(|| self.live.clone()),
            warnings: self.warnings.clone(),
            activity: self.activity,
        };
        // Seen growing just now, by this reader's clock (the file times
        // are those of the files now).
        next.activity = super::activity::Activity {
            grew_at_ms: Some(super::timestamp::now_ms()),
            ..super::activity::Activity::read(&next)
        };
        Ok(Some(next))
    }
}

impl Bundle {
    /// Whether the last indexed trace line is still where it was: a file
    /// replaced by a longer one (an undo restoring a backup) must not be
    /// "extended" from an offset that now falls mid-line.
    fn last_event_unchanged(&self) -> bool {
        let Some(last) = self.trace.entries().last() else {
            return true;
        };
        let position = self.trace.len() - 1;
        self.read_event(last).ok().is_some_and(|event| {
            event.get("seq").and_then(serde_json::Value::as_u64) == Some(u64::from(last.seq))
                && event.get("type").and_then(serde_json::Value::as_str)
                    == Some(self.trace.type_name(position))
        })
    }
}

/// The bytes of `path` from `from` to `to`.
fn read_tail(root: &Path, path: &Path, from: u64, to: u64) -> Result<Vec<u8>, BundleError> {
    let (file, _) = safe_open::open(root, path)?;
    let len = usize::try_from(to - from)
        .map_err(|_| BundleError::invalid(path, "appended data too large"))?;
    read_at(&file, from, len).map_err(|e| BundleError::io(path, e))
}

/// Sessions as the manifest and folders list them now (with `manifest`
/// and `trace` when they changed); built indexes are extended with
/// appended events, shared when their log did not grow, or dropped to be
/// rebuilt when it shrank.
fn refresh_sessions(
    bundle: &Bundle,
    manifest: Option<&Manifest>,
    trace: Option<&super::TraceIndex>,
) -> Result<(Vec<SessionFiles>, bool), BundleError> {
    let listed = discover_sessions(
        &bundle.root,
        manifest.unwrap_or(&bundle.manifest),
        &bundle.paths,
        trace.unwrap_or(&bundle.trace),
        &bundle.paths.manifest,
        bundle.sessions.iter().find_map(|s| s.cache()),
    )?;
    let mut changed = listed.len() != bundle.sessions.len();
    let mut out = Vec::with_capacity(listed.len());
    for session in listed {
        let Some(index) = bundle
            .session(&session.id)
            .and_then(SessionFiles::built_index)
        else {
            out.push(session);
            continue;
        };
        let len = safe_open::regular_metadata(&bundle.root, &session.events).map_or(0, |m| m.len());
        let indexed = index.scan_position().offset;
        if len < indexed {
            // Rebuilt on first use.
            changed = true;
            out.push(session);
        } else if len > indexed {
            let fresh = read_tail(&bundle.root, &session.events, indexed, len)?;
            let mut extended: SessionIndex = SessionIndex::clone(index);
            changed |= extended.extend(&fresh, &session.events)? > 0;
            out.push(session.with_index(Arc::new(extended)));
        } else {
            out.push(session.with_index(Arc::clone(index)));
        }
    }
    Ok((out, changed))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Write;
    use std::path::Path;
    use std::sync::Arc;

    use serde_json::Value;

    use crate::bundle::Bundle;

    const RUN: &str = "sample-runs/2026-11-23T163006509Z-gen-acp-echo-051c87fa";

    /// Appends a copy of the file's last line with the next `seq`.
    fn append_next(path: &Path) {
        let text = fs::read_to_string(path).expect("read");
        let last = text.lines().last().expect("a line");
        let mut event: Value = serde_json::from_str(last).expect("JSON");
        let seq = event["seq"].as_u64().expect("seq");
        event["seq"] = (seq + 1).into();
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("open");
        writeln!(file, "{event}").expect("append");
    }

    #[test]
    fn a_refresh_copies_only_what_changed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("run");
        let copy = std::process::Command::new("cp")
            .arg("-r")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(RUN))
            .arg(&root)
            .status()
            .expect("cp");
        assert!(copy.success());
        let bundle = Bundle::open(&root).expect("open");
        let session = &bundle.sessions[0];
        let events = session.index().expect("session index").len();
        assert!(events > 0);
        assert!(
            bundle.refreshed().expect("refresh").is_none(),
            "nothing changed"
        );

        // The trace grows: the session index is shared, not copied, and
        // the old bundle's entries stay as they were.
        let entries_before = bundle.trace.entries().to_vec();
        append_next(&bundle.paths.trace);
        let next = bundle.refreshed().expect("refresh").expect("a change");
        assert_eq!(bundle.trace.entries(), entries_before);
        assert_eq!(next.trace.entries()[..entries_before.len()], entries_before);
        assert_eq!(next.trace.len(), bundle.trace.len() + 1);
        let again = bundle.refreshed().expect("refresh").expect("a change");
        assert_eq!(
            again.trace, next.trace,
            "a second copy of the old appends alike"
        );
        let (before, after) = (session.built_index(), next.sessions[0].built_index());
        let (before, after) = (before.expect("built"), after.expect("kept"));
        assert!(
            Arc::ptr_eq(before, after),
            "an unchanged session index is shared"
        );

        // The session grows: it gets an index of its own, one event longer.
        append_next(&session.events);
        let last = next.refreshed().expect("refresh").expect("a change");
        let grown = last.sessions[0].built_index().expect("extended");
        assert!(!Arc::ptr_eq(after, grown));
        assert_eq!((after.len(), grown.len()), (events, events + 1));
        assert!(
            last.refreshed().expect("refresh").is_none(),
            "nothing changed"
        );
    }
}
