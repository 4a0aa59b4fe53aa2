//! Reading acpx v1 run bundles: manifest, flow, trace, projections, sessions
//! and artifacts, defensively (see `../shared/FORMAT.md` §11 for variants).
//!
//! `Bundle::open` reads the small JSON files, indexes the trace in one pass
//! and leaves everything else on disk: session indexes are built on first
//! use, payloads and artifacts are read when asked for.

pub mod activity;
pub mod artifacts;
pub mod capped;
pub mod error;
mod event_kind;
pub mod flow;
pub mod index_cache;
pub mod intern;
pub mod manifest;
pub mod ndjson;
pub mod paths;
pub(crate) mod plain_json;
pub mod projection_field;
pub mod ref_skim;
pub mod refresh;
pub mod safe_open;
pub mod session;
pub mod session_count;
mod session_files;
mod session_skim;
mod session_snapshot;
pub mod sha256;
pub(crate) mod shared_vec;
mod skim;
pub(crate) mod snapshot_reader;
pub mod timestamp;
pub mod trace;
pub mod trace_file;
mod trace_open;
pub mod validate;
pub mod window;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::{BundleError, Problem, Severity};
pub use flow::{FlowDefinition, FlowEdge, FlowNode};
pub use manifest::{Manifest, BUNDLE_SCHEMA};
pub use session::SessionIndex;
use session_files::discover_sessions;
pub use session_files::SessionFiles;
pub use trace::{EventKind, Outcome, TraceEntry, TraceIndex};

/// How often, at most, `Bundle::open_progressively` hands out the bundle
/// so far.
pub const PARTIAL_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Prefix of the transient folders acpx's atomic writes leave for a moment.
pub const TRANSIENT_WRITE_PREFIX: &str = "acpx-write-";

/// Every file path of a bundle, resolved inside it.
#[derive(Debug, Clone)]
pub struct BundlePaths {
    pub manifest: PathBuf,
    pub flow: PathBuf,
    pub trace: PathBuf,
    pub run_projection: PathBuf,
    pub live_projection: PathBuf,
    pub steps_projection: PathBuf,
    pub sessions_dir: PathBuf,
    pub artifacts_dir: PathBuf,
}

/// Reads the `count` lines at `span(i)` (sorted, from one file) in reads of
/// bounded size (see `capped::read_spans_batched`), and parses each as JSON.
pub(super) fn read_spans(
    root: &Path,
    path: &Path,
    count: usize,
    span: impl Fn(usize) -> (u64, u32),
    mut each: impl FnMut(usize, Value),
) -> Result<(), BundleError> {
    if count == 0 {
        return Ok(());
    }
    let (file, _) = safe_open::open(root, path)?;
    capped::read_spans_batched(&file, path, count, span, usize::MAX, |i, line| {
        let line = line.unwrap_or_default();
        let value = serde_json::from_slice(line).map_err(|e| BundleError::json(path, &e))?;
        each(i, value);
        Ok(())
    })
}

thread_local! {
    static OPENS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many bundles this thread has opened so far (each open indexes a
/// whole trace): lets tests prove that an operation loads a run once.
pub fn opens_on_this_thread() -> u64 {
    OPENS.with(std::cell::Cell::get)
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub manifest: Manifest,
    pub flow: FlowDefinition,
    pub trace: TraceIndex,
    pub paths: BundlePaths,
    pub sessions: Vec<SessionFiles>,
    /// `projections/live.json` when present and readable.
    pub live: Option<Value>,
    /// Things that are tolerated but worth knowing (partial last line …).
    pub warnings: Vec<Problem>,
    /// File times and observed growth: liveness beyond the writer's clock.
    pub activity: activity::Activity,
}

impl Bundle {
    /// Opens the bundle in `dir`. Fails with a file:line error when the
    /// manifest, the flow or the trace is unreadable; tolerates everything
    /// FORMAT.md says a reader must (absent folders, a partial last line,
    /// missing projections, unknown fields and types).
    pub fn open(dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::open_with_progress(dir, &mut |_, _| {})
    }

    /// `open`, reporting `(bytes indexed, trace size)` while the trace is
    /// indexed, for a progress indicator.
    pub fn open_with_progress(
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Bundle, BundleError> {
        // The snapshot cache is the viewer's (`Run::open_progressively`):
        // commands and refreshes index afresh.
        Bundle::open_with_cache(dir, None, progress)
    }

    /// `open_with_progress` with the trace index loaded from and saved to
    /// `cache` (none: indexed afresh, nothing saved).
    pub fn open_with_cache(
        dir: &Path,
        cache: Option<&index_cache::IndexCache>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Bundle, BundleError> {
        Bundle::open_progressively(dir, cache, progress, &mut |_| {})
    }

    /// `open_with_cache`, handing `partial` the bundle as indexed so far
    /// while a long trace is indexed: right after the first chunk, then at
    /// most every `PARTIAL_EVERY` once it grew by half (its trace index is a prefix of the
    /// final one; projections are not read yet). The viewer shows these.
    pub fn open_progressively(
        dir: &Path,
        cache: Option<&index_cache::IndexCache>,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Bundle),
    ) -> Result<Bundle, BundleError> {
        let (bundle, save) = Bundle::open_saving_later(dir, cache, progress, partial)?;
        if let Some(save) = save {
            save.save(&bundle.trace);
        }
        Ok(bundle)
    }

    /// `open_progressively`, handing back the index snapshot still to be
    /// saved (a few hundred ms for a large run), so that the caller can
    /// show the run first.
    pub fn open_saving_later(
        dir: &Path,
        cache: Option<&index_cache::IndexCache>,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Bundle),
    ) -> Result<(Bundle, Option<index_cache::SnapshotSave>), BundleError> {
        Bundle::open_indexing(dir, cache, TraceIndex::default(), progress, partial)
    }

    /// `open`, the trace index also gathering the artifact references of
    /// every line (`TraceIndex::artifact_refs`), for `show`.
    pub fn open_gathering_refs(dir: &Path) -> Result<Bundle, BundleError> {
        let empty = TraceIndex::gathering_refs();
        Bundle::open_indexing(dir, None, empty, &mut |_, _| {}, &mut |_| {})
            .map(|(bundle, _)| bundle)
    }

    /// The opening itself; the trace is indexed into `empty` (a snapshot
    /// is loaded only for an index that gathers nothing beyond it), and
    /// its snapshot handed back to be saved.
    fn open_indexing(
        dir: &Path,
        cache: Option<&index_cache::IndexCache>,
        empty: TraceIndex,
        progress: &mut dyn FnMut(u64, u64),
        partial: &mut dyn FnMut(Bundle),
    ) -> Result<(Bundle, Option<index_cache::SnapshotSave>), BundleError> {
        OPENS.with(|n| n.set(n.get() + 1));
        let root = dir.to_path_buf();
        let manifest_path = root.join("manifest.json");
        let manifest: Value = read_json_as(&root, &manifest_path).map_err(|err| {
            if safe_open::is_absent(&err) {
                BundleError::invalid(&root, "not a run bundle (no manifest.json in this folder)")
            } else {
                err
            }
        })?;
        // An object, not an array serde would read by position.
        if !manifest.is_object() {
            return Err(BundleError::invalid(&manifest_path, "not a JSON object"));
        }
        let manifest: Manifest = serde_json::from_value(manifest)
            .map_err(|e| BundleError::invalid(&manifest_path, e.to_string()))?;
        check_schema(&manifest, &manifest_path)?;
        let paths = resolve_paths(&root, &manifest, &manifest_path)?;
        let flow_value: Value = read_json_as(&root, &paths.flow)?;
        let flow = FlowDefinition::from_value(flow_value)
            .map_err(|msg| BundleError::invalid(&paths.flow, msg))?;
        let mut warnings = Vec::new();
        // For the partial bundles (a live run opens at its head from the
        // first one on); read again once the trace is indexed.
        let live_before = read_optional_json(&root, &paths.live_projection, &mut Vec::new());
        // Each hand-out copies the prefix: at most one a `PARTIAL_EVERY`,
        // and only once the prefix grew by half (so all of them together
        // cost about two copies of the final index, not one per chunk).
        let mut last_partial: Option<(std::time::Instant, usize)> = None;
        let mut on_prefix = |prefix: &TraceIndex| {
            let due = last_partial.is_none_or(|(at, len)| {
                at.elapsed() >= PARTIAL_EVERY && prefix.len() >= len + len / 2
            });
            if !due || prefix.is_empty() {
                return;
            }
            last_partial = Some((std::time::Instant::now(), prefix.len()));
            let trace = prefix.clone();
            let Ok(sessions) =
                discover_sessions(&root, &manifest, &paths, &trace, &manifest_path, cache)
            else {
                return;
            };
            let mut shown = Bundle {
                root: root.clone(),
                manifest: manifest.clone(),
                flow: flow.clone(),
                trace,
                paths: paths.clone(),
                sessions,
                live: live_before.clone(),
                warnings: Vec::new(),
                activity: activity::Activity::default(),
            };
            shown.activity = activity::Activity::read(&shown);
            partial(shown);
        };
        let cache = cache.filter(|_| !empty.gathers_refs());
        let (trace, save) = trace_open::index_trace(
            &root,
            &paths.trace,
            cache,
            empty,
            &mut warnings,
            progress,
            &mut on_prefix,
        )?;
        let started = std::time::Instant::now();
        let sessions = discover_sessions(&root, &manifest, &paths, &trace, &manifest_path, cache)?;
        let live = read_optional_json(&root, &paths.live_projection, &mut warnings);
        let mut bundle = Bundle {
            root,
            manifest,
            flow,
            trace,
            paths,
            sessions,
            live,
            warnings,
            activity: activity::Activity::default(),
        };
        bundle.activity = activity::Activity::read(&bundle);
        let took_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(took_ms, "sessions, projections and file times read");
        Ok((bundle, save))
    }

    /// The run id: the manifest's, else the trace's, else the folder name.
    pub fn run_id(&self) -> String {
        self.manifest
            .run_id
            .clone()
            .or_else(|| self.trace.run_id().map(str::to_string))
            .unwrap_or_else(|| folder_name(&self.root))
    }

    pub fn session(&self, id: &str) -> Option<&SessionFiles> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// Reads and parses the trace event at `entry` (lazy payload decoding).
    pub fn read_event(&self, entry: &TraceEntry) -> Result<Value, BundleError> {
        let mut parsed = None;
        read_spans(
            &self.root,
            &self.paths.trace,
            1,
            |_| (entry.offset(), entry.len),
            |_, value| parsed = Some(value),
        )?;
        parsed.ok_or_else(|| BundleError::invalid(&self.paths.trace, "event not found"))
    }

    /// Reads and parses consecutive trace events with one read.
    pub fn read_events(
        &self,
        entries: &[TraceEntry],
        mut each: impl FnMut(&TraceEntry, Value),
    ) -> Result<(), BundleError> {
        let span = |i: usize| (entries[i].offset(), entries[i].len);
        read_spans(
            &self.root,
            &self.paths.trace,
            entries.len(),
            span,
            |i, value| each(&entries[i], value),
        )
    }

    /// The path of a bundle-relative file named inside the bundle's JSON
    /// (artifact refs, session paths), refused when it would leave the bundle.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, BundleError> {
        paths::resolve_inside(&self.root, relative)
            .map_err(|msg| BundleError::invalid(&self.root.join(relative), msg))
    }

    /// The bytes of an artifact (`artifacts/sha256-….txt`), up to the
    /// whole-file cap.
    pub fn read_artifact(&self, relative: &str) -> Result<Vec<u8>, BundleError> {
        let path = self.resolve(relative)?;
        safe_open::read(&self.root, &path, safe_open::MAX_WHOLE_FILE)
    }

    /// Opens a file of the bundle for reading (inside it, regular only).
    pub fn open_file(&self, path: &Path) -> Result<(File, fs::Metadata), BundleError> {
        safe_open::open(&self.root, path)
    }

    /// Parses one of the JSON projections; `None` when the file is absent.
    pub fn read_projection(&self, path: &Path) -> Result<Option<Value>, BundleError> {
        match read_json_as(&self.root, path) {
            Err(err) if safe_open::is_absent(&err) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Parses a JSON file of the bundle.
    pub fn read_json<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<T, BundleError> {
        read_json_as(&self.root, path)
    }
}

pub fn folder_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads and parses a JSON file of the bundle in `root` (inside it, a
/// regular file, within the whole-file cap), with file:line errors.
pub fn read_json_as<T: serde::de::DeserializeOwned>(
    root: &Path,
    path: &Path,
) -> Result<T, BundleError> {
    let bytes = safe_open::read(root, path, safe_open::MAX_WHOLE_FILE)?;
    serde_json::from_slice(&bytes).map_err(|e| BundleError::json(path, &e))
}

/// Checks that a JSON file of the bundle parses, streaming it (constant
/// memory however large the file is).
pub fn check_json(root: &Path, path: &Path) -> Result<(), BundleError> {
    let (file, _) = safe_open::open(root, path)?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    serde_json::from_reader::<_, serde::de::IgnoredAny>(reader)
        .map(|_| ())
        .map_err(|e| BundleError::json(path, &e))
}

fn read_optional_json(root: &Path, path: &Path, warnings: &mut Vec<Problem>) -> Option<Value> {
    match read_json_as(root, path) {
        Err(err) if safe_open::is_absent(&err) => None,
        Ok(value) => Some(value),
        Err(err) => {
            let mut problem = Problem::from_error(&err);
            problem.severity = Severity::Warning;
            warnings.push(problem);
            None
        }
    }
}

fn check_schema(manifest: &Manifest, path: &Path) -> Result<(), BundleError> {
    match manifest.schema.as_deref() {
        None | Some(BUNDLE_SCHEMA) => Ok(()),
        Some(other) if other.starts_with("acpx.flow-run-bundle.") => Err(BundleError::invalid(
            path,
            format!("unsupported bundle schema {other:?} (this reel reads {BUNDLE_SCHEMA})"),
        )),
        Some(other) => Err(BundleError::invalid(
            path,
            format!("not an acpx run bundle manifest (schema {other:?})"),
        )),
    }
}

fn resolve_paths(
    root: &Path,
    manifest: &Manifest,
    manifest_path: &Path,
) -> Result<BundlePaths, BundleError> {
    let mut resolved = Vec::with_capacity(7);
    for (field, value) in manifest.paths.with_defaults() {
        let path = paths::resolve_inside(root, &value)
            .map_err(|msg| BundleError::invalid(manifest_path, format!("paths.{field}: {msg}")))?;
        resolved.push(path);
    }
    let mut it = resolved.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(BundlePaths {
        manifest: manifest_path.to_path_buf(),
        flow: next(),
        trace: next(),
        run_projection: next(),
        live_projection: next(),
        steps_projection: next(),
        sessions_dir: next(),
        artifacts_dir: next(),
    })
}
