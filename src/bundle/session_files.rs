//! One agent session's files in a bundle, where a bundle's sessions are
//! found, and the session index built on first use (from its snapshot
//! when there is one).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::{
    index_cache, ndjson, paths, read_spans, safe_open, session, BundleError, BundlePaths, Manifest,
    Problem, SessionIndex, TraceIndex, TRANSIENT_WRITE_PREFIX,
};

/// One agent session of the run and its files (any of which may be absent).
#[derive(Debug, Clone)]
pub struct SessionFiles {
    /// The bundle folder every file of the session must stay inside.
    pub root: PathBuf,
    pub id: String,
    pub handle: Option<String>,
    pub binding: PathBuf,
    pub record: PathBuf,
    pub events: PathBuf,
    /// Listed in the manifest (rather than found only on disk or in the trace).
    pub in_manifest: bool,
    /// Shared by the copies a live refresh makes: only a session whose
    /// log grew gets an index of its own.
    index: OnceLock<Result<Arc<SessionIndex>, Problem>>,
    /// Where the index is loaded from and saved to (the viewer's opens).
    cache: Option<index_cache::IndexCache>,
}

impl SessionFiles {
    pub(super) fn new(
        root: &Path,
        id: String,
        handle: Option<String>,
        dir: &Path,
        in_manifest: bool,
        cache: Option<&index_cache::IndexCache>,
    ) -> Self {
        SessionFiles {
            cache: cache.cloned(),
            root: root.to_path_buf(),
            binding: dir.join("binding.json"),
            record: dir.join("record.json"),
            events: dir.join("events.ndjson"),
            id,
            handle,
            in_manifest,
            index: OnceLock::new(),
        }
    }

    /// The index of `events.ndjson`, built on first use. An absent file is an
    /// empty index (the session may have been cut, or the copy lost it).
    pub fn index(&self) -> Result<&SessionIndex, BundleError> {
        self.index
            .get_or_init(|| {
                index_session_events(&self.root, &self.events, self.cache.as_ref()).map(Arc::new)
            })
            .as_deref()
            .map_err(|p| match p.line {
                Some(line) => BundleError::syntax(&p.file, line, p.message.clone()),
                None => BundleError::invalid(&p.file, p.message.clone()),
            })
    }

    /// Reads and parses one event line by its index entry.
    pub fn read_event(&self, entry: &session::SessionEntry) -> Result<Value, BundleError> {
        let mut parsed = Vec::with_capacity(1);
        self.read_events(std::slice::from_ref(entry), |_, value| parsed.push(value))?;
        parsed
            .pop()
            .ok_or_else(|| BundleError::invalid(&self.events, "event not found"))
    }

    /// Reads and parses consecutive events with one read of their byte span.
    pub fn read_events(
        &self,
        entries: &[session::SessionEntry],
        mut each: impl FnMut(&session::SessionEntry, Value),
    ) -> Result<(), BundleError> {
        let span = |i: usize| (entries[i].offset(), entries[i].len);
        read_spans(&self.root, &self.events, entries.len(), span, |i, value| {
            each(&entries[i], value)
        })
    }
}

impl SessionFiles {
    /// The snapshot cache its index uses, if any.
    pub(crate) fn cache(&self) -> Option<&index_cache::IndexCache> {
        self.cache.as_ref()
    }

    /// The index if it has been built (refresh extends only built ones).
    pub(crate) fn built_index(&self) -> Option<&Arc<SessionIndex>> {
        self.index.get().and_then(|r| r.as_ref().ok())
    }

    /// This session with `index` as its (already built) index.
    pub(crate) fn with_index(mut self, index: Arc<SessionIndex>) -> SessionFiles {
        self.index = OnceLock::from(Ok(index));
        self
    }
}

/// Indexes a session's events, from its snapshot in `cache` on when there
/// is one (and saves the index there when it grew).
fn index_session_events(
    root: &Path,
    path: &Path,
    cache: Option<&index_cache::IndexCache>,
) -> Result<SessionIndex, Problem> {
    let opened = safe_open::open(root, path);
    let (mut file, metadata) = match opened {
        Err(err) if safe_open::is_absent(&err) => return Ok(SessionIndex::default()),
        Err(err) => return Err(Problem::from_error(&err)),
        Ok(opened) => opened,
    };
    let loaded: Option<SessionIndex> = cache.and_then(|cache| cache.load(path, &file, &metadata));
    let loaded_end = loaded.as_ref().map(|index| index.scan_position());
    let mut index = loaded.unwrap_or_default();
    let start = index.scan_position();
    let scanned = ndjson::scan_open_file(
        &mut file,
        metadata.len(),
        start,
        path,
        |line, raw| index.push_complete_line(line, raw, path),
        &mut |_, _| {},
    );
    // A partial last line is a turn still being written: wait for it.
    let (end, _tail) = scanned.map_err(|err| Problem::from_error(&err))?;
    index.set_scan_position(end);
    index.shrink_to_fit();
    if let Some(cache) = cache {
        if loaded_end.is_none_or(|loaded| worth_saving_again(loaded.offset, end.offset)) {
            cache.store(path, &file, &metadata, &index);
        }
    }
    Ok(index)
}

/// Whether an index that grew from `loaded` to `now` bytes is worth a new
/// snapshot: a live session grows all the time, and rewriting a large
/// snapshot for every turn would cost more than the tail it saves.
fn worth_saving_again(loaded: u64, now: u64) -> bool {
    now.saturating_sub(loaded) >= (loaded / 4).max(4 << 20)
}

/// Sessions listed in the manifest, then session folders found on disk or
/// named by trace events but missing from the manifest (older or cut copies).
pub(super) fn discover_sessions(
    root: &Path,
    manifest: &Manifest,
    paths: &BundlePaths,
    trace: &TraceIndex,
    manifest_path: &Path,
    cache: Option<&index_cache::IndexCache>,
) -> Result<Vec<SessionFiles>, BundleError> {
    let mut sessions: Vec<SessionFiles> = Vec::new();
    for (i, entry) in manifest.sessions.iter().enumerate() {
        // The id names the session's folder: one plain component, or the
        // bundle would read (and a rewind write) somewhere else.
        if !safe_open::is_plain_name(&entry.id) {
            return Err(BundleError::invalid(
                manifest_path,
                format!("sessions[{i}].id {:?} is not a plain folder name", entry.id),
            ));
        }
        let dir = paths.sessions_dir.join(&entry.id);
        let mut files = SessionFiles::new(
            root,
            entry.id.clone(),
            entry.handle.clone(),
            &dir,
            true,
            cache,
        );
        for (field, value, slot) in [
            ("bindingPath", &entry.binding_path, &mut files.binding),
            ("recordPath", &entry.record_path, &mut files.record),
            ("eventsPath", &entry.events_path, &mut files.events),
        ] {
            if let Some(rel) = value {
                *slot = paths::resolve_inside(root, rel).map_err(|msg| {
                    BundleError::invalid(
                        manifest_path,
                        format!("sessions[{}].{field}: {msg}", entry.id),
                    )
                })?;
            }
        }
        sessions.push(files);
    }
    let known = |sessions: &[SessionFiles], id: &str| sessions.iter().any(|s| s.id == id);
    if let Ok(read_dir) = fs::read_dir(&paths.sessions_dir) {
        // Real folders only: a symlink found here is not followed.
        let mut extra: Vec<String> = read_dir
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| {
                safe_open::is_plain_name(name)
                    && !name.starts_with(TRANSIENT_WRITE_PREFIX)
                    && !known(&sessions, name)
            })
            .collect();
        extra.sort();
        for id in extra {
            let dir = paths.sessions_dir.join(&id);
            sessions.push(SessionFiles::new(root, id, None, &dir, false, cache));
        }
    }
    // Each id once, in the order the trace first names it (the index
    // keeps that list), with a set of the ids taken: a trace may name a
    // million sessions.
    let mut taken: HashSet<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    let from_trace: Vec<String> = trace
        .sessions_named()
        .filter(|id| taken.insert(id))
        .map(str::to_string)
        .collect();
    // Ids from the trace become folder names only if they are plain names.
    for id in from_trace
        .into_iter()
        .filter(|id| safe_open::is_plain_name(id))
    {
        let dir = paths.sessions_dir.join(&id);
        sessions.push(SessionFiles::new(root, id, None, &dir, false, cache));
    }
    Ok(sessions)
}
