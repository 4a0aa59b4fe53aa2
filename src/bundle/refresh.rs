//! Bringing an open bundle up to date while acpx is still writing it.
//!
//! NDJSON files only grow: new bytes are indexed from the last complete
//! line's end (a partial last line waits for its newline). A file that got
//! shorter or was replaced (another inode) is indexed again from scratch.
//! The small JSON files (manifest, live projection) are re-read. Nothing
//! re-reads the whole bundle on each change.

use std::path::Path;

use super::ndjson::read_at;
use super::{
    discover_sessions, safe_open, Bundle, BundleError, Manifest, SessionFiles, SessionIndex,
};

/// What a refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing new on disk.
    None,
    /// New lines or rewritten projections: indexes extended in place.
    Appended,
    /// A file shrank or was replaced: the bundle was opened again.
    Reloaded,
}

impl Bundle {
    /// A copy of this bundle brought up to date with its files, and what
    /// changed. The copy shares nothing mutable with `self`, so readers of
    /// the old one (other threads) are undisturbed.
    pub fn refreshed(&self) -> Result<(Bundle, Change), BundleError> {
        let trace_len = self.open_file(&self.paths.trace)?.1.len();
        let indexed = self.trace.scan_position().offset;
        if trace_len < indexed || !self.last_event_unchanged() {
            let mut reopened = Bundle::open(&self.root)?;
            reopened.activity.grew_at_ms = Some(super::timestamp::now_ms());
            return Ok((reopened, Change::Reloaded));
        }
        let mut next = self.clone();
        let mut changed = false;
        if trace_len > indexed {
            let fresh = read_tail(&self.root, &self.paths.trace, indexed, trace_len)?;
            let consumed = next.trace.extend(&fresh, &self.paths.trace)?;
            changed |= consumed > 0;
        }
        let manifest: Manifest = self
            .read_json(&self.paths.manifest)
            .unwrap_or_else(|_| self.manifest.clone());
        if serde_json::to_value(&manifest).ok() != serde_json::to_value(&self.manifest).ok() {
            next.manifest = manifest;
            changed = true;
        }
        let live = self.read_json(&self.paths.live_projection).ok();
        if live.is_some() && live != self.live {
            next.live = live;
            changed = true;
        }
        let (sessions, sessions_changed) = refresh_sessions(&next)?;
        next.sessions = sessions;
        changed |= sessions_changed;
        if changed {
            // Seen growing just now, by this reader's clock.
            next.activity = super::activity::Activity {
                grew_at_ms: Some(super::timestamp::now_ms()),
                ..super::activity::Activity::read(&next)
            };
        }
        Ok((
            next,
            if changed {
                Change::Appended
            } else {
                Change::None
            },
        ))
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

/// Sessions as the manifest and folders list them now; built indexes are
/// extended with appended events (or dropped to be rebuilt when a file
/// shrank).
fn refresh_sessions(bundle: &Bundle) -> Result<(Vec<SessionFiles>, bool), BundleError> {
    let manifest_path = bundle.paths.manifest.clone();
    let listed = discover_sessions(
        &bundle.root,
        &bundle.manifest,
        &bundle.paths,
        &bundle.trace,
        &manifest_path,
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
            changed = true;
            out.push(session.unindexed());
        } else if len > indexed {
            let fresh = read_tail(&bundle.root, &session.events, indexed, len)?;
            let mut extended: SessionIndex = index.clone();
            changed |= extended.extend(&fresh, &session.events)? > 0;
            out.push(session.with_index(extended));
        } else {
            out.push(session.with_index(index.clone()));
        }
    }
    Ok((out, changed))
}
