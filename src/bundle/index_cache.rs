//! The index snapshot cache: a built trace index saved under
//! `$XDG_CACHE_HOME/reel/index/` (else `~/.cache/reel/index/`), so that
//! reopening a large run loads it and indexes only what was appended since.
//!
//! A snapshot is served only for the same file: same device and inode, not
//! shorter than when indexed, the same mtime unless it grew, and the same
//! bytes at its start, at sampled places and over the last indexed line
//! (hashes kept in the snapshot). A snapshot is a file on disk, so it is
//! never trusted: a checksum covers it and decoding checks every field;
//! anything off and it is ignored (and the trace indexed afresh). Written to
//! a temporary file and renamed; the folder is capped in size, least
//! recently used snapshots evicted first. `REEL_NO_INDEX_CACHE=1` turns it
//! off.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::SystemTime;

use super::ndjson::{read_at, ScanPosition};
use super::snapshot_reader::{hash_bytes, SnapshotReader};
use super::trace::TraceIndex;

/// Traces smaller than this index in a few milliseconds: not cached.
const DEFAULT_MIN_TRACE_BYTES: u64 = 4 << 20;
const DEFAULT_CAP_BYTES: u64 = 2 << 30;
/// Bytes hashed at the start of the file and at each sampled place.
const SAMPLE: u64 = 4096;
const SAMPLES: u64 = 6;

/// An index the cache can hold: of an NDJSON file, built line by line, so
/// that a snapshot of its start plus the lines after it is the whole.
pub(crate) trait Snapshot: Sized {
    /// The first bytes of its snapshots (what kind of index, which format).
    const MAGIC: &'static [u8; 8];
    /// How many levels up from the indexed file the runs folder is.
    const RUNS_FOLDER_UP: usize;
    fn encode(&self, out: &mut Vec<u8>);
    /// The index `encode` wrote, checked through and through (`None`
    /// otherwise); the caller checks that nothing follows.
    fn decode<R: std::io::Read>(r: &mut SnapshotReader<R>) -> Option<Self>;
    fn scan_position(&self) -> ScanPosition;
    /// Where its last indexed line starts.
    fn last_line_offset(&self) -> Option<u64>;
    fn is_empty(&self) -> bool;
    fn encoded_len_hint(&self) -> usize;
}

impl Snapshot for TraceIndex {
    const MAGIC: &'static [u8; 8] = b"REELIDX3";
    /// `runs/<run>/trace.ndjson`.
    const RUNS_FOLDER_UP: usize = 2;
    fn encode(&self, out: &mut Vec<u8>) {
        TraceIndex::encode(self, out)
    }
    fn decode<R: std::io::Read>(r: &mut SnapshotReader<R>) -> Option<Self> {
        TraceIndex::decode(r)
    }
    fn scan_position(&self) -> ScanPosition {
        TraceIndex::scan_position(self)
    }
    fn last_line_offset(&self) -> Option<u64> {
        self.entries().last().map(|e| e.offset())
    }
    fn is_empty(&self) -> bool {
        TraceIndex::is_empty(self)
    }
    fn encoded_len_hint(&self) -> usize {
        self.len() * 40
    }
}

#[derive(Debug, Clone)]
pub struct IndexCache {
    dir: PathBuf,
    cap_bytes: u64,
    min_trace_bytes: u64,
}

/// A snapshot to save of an index just built: the file as it was opened
/// for indexing, kept open, so that saving later (once the run is on
/// screen) describes the same file.
#[derive(Debug)]
pub struct SnapshotSave {
    cache: IndexCache,
    path: PathBuf,
    file: File,
    meta: fs::Metadata,
    _pending: Pending,
}

/// Snapshots made and not yet saved or given up (`wait_for_saves`).
static PENDING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// One of `PENDING` while it lives.
#[derive(Debug)]
struct Pending;

impl Pending {
    fn new() -> Pending {
        let (count, _) = &PENDING;
        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let (count, done) = &PENDING;
        let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
        *count = count.saturating_sub(1);
        done.notify_all();
    }
}

/// Waits, at most `limit`, for the snapshots still to be saved (the viewer
/// saves one after showing the run): leaving must not cut a save short,
/// or the next open indexes the whole trace again.
pub fn wait_for_saves(limit: std::time::Duration) {
    let (count, done) = &PENDING;
    let count = count.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = done.wait_timeout_while(count, limit, |count| *count > 0);
}

impl SnapshotSave {
    pub(crate) fn new(cache: &IndexCache, path: &Path, file: File, meta: fs::Metadata) -> Self {
        SnapshotSave {
            cache: cache.clone(),
            path: path.to_path_buf(),
            file,
            meta,
            _pending: Pending::new(),
        }
    }

    /// Saves `index`, the index of the file's complete lines built when it
    /// was opened (and not changed since). Failures only cost the next
    /// open its speed.
    pub fn save(self, index: &TraceIndex) {
        let started = std::time::Instant::now();
        self.cache.store(&self.path, &self.file, &self.meta, index);
        let took_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(took_ms, "trace index snapshot saved");
    }
}

/// What identifies the indexed file, and the bytes checked against it.
#[derive(Debug, PartialEq)]
struct Identity {
    dev: u64,
    ino: u64,
    mtime_ns: i128,
    /// Hashes of the sampled ranges of the first `indexed` bytes.
    samples: Vec<u64>,
}

/// Set by `disable_in_this_process`.
static DISABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// No snapshot is read or written by this process from now on (tests that
/// drive the viewer in-process: they must not touch the user's cache).
pub fn disable_in_this_process() {
    DISABLED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Set by `use_in_this_process`.
static IN_PROCESS: std::sync::OnceLock<IndexCache> = std::sync::OnceLock::new();

/// This process's viewer opens use `cache` instead of the user's (tests
/// that drive the viewer in-process, with a cache of their own that takes
/// every file, so that what they check holds with snapshots in play). The
/// first call decides; `disable_in_this_process` still wins.
pub fn use_in_this_process(cache: IndexCache) {
    let _ = IN_PROCESS.set(cache);
}

impl IndexCache {
    /// The user's cache, unless `REEL_NO_INDEX_CACHE` is set (not `0`), the
    /// process turned it off, or no cache folder can be named.
    pub fn from_env() -> Option<IndexCache> {
        let off = std::env::var("REEL_NO_INDEX_CACHE").is_ok_and(|v| !v.is_empty() && v != "0");
        if off || DISABLED.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        if let Some(cache) = IN_PROCESS.get() {
            return Some(cache.clone());
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|home| home.join(".cache"))
            })?;
        // `REEL_INDEX_CACHE_MIN_BYTES=0`: snapshots of small files too (the
        // end-to-end tests run the viewer so).
        let min = std::env::var("REEL_INDEX_CACHE_MIN_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_MIN_TRACE_BYTES);
        Some(IndexCache::at(base.join("reel").join("index")).with_min_trace_bytes(min))
    }

    /// A cache in `dir` (tests use a temporary one), caching every trace.
    pub fn at(dir: PathBuf) -> IndexCache {
        IndexCache {
            dir,
            cap_bytes: DEFAULT_CAP_BYTES,
            min_trace_bytes: DEFAULT_MIN_TRACE_BYTES,
        }
    }

    pub fn with_min_trace_bytes(mut self, bytes: u64) -> IndexCache {
        self.min_trace_bytes = bytes;
        self
    }

    pub fn with_cap_bytes(mut self, bytes: u64) -> IndexCache {
        self.cap_bytes = bytes;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The snapshot file for the trace at `path` (named by a hash of its
    /// absolute path: one snapshot per trace).
    fn snapshot_path(&self, path: &Path) -> Option<PathBuf> {
        let absolute = fs::canonicalize(path).ok()?;
        let key = hash_bytes(absolute.as_os_str().as_encoded_bytes());
        Some(self.dir.join(format!("{key:016x}.idx")))
    }

    /// The saved index of `file` (at `path`), if one is there and still
    /// describes the file's first bytes. Its scan position says where to
    /// go on indexing.
    pub(crate) fn load<T: Snapshot>(
        &self,
        path: &Path,
        file: &File,
        meta: &fs::Metadata,
    ) -> Option<T> {
        let snapshot = self.snapshot_path(path)?;
        let (identity, index) = decode::<T>(File::open(&snapshot).ok()?)?;
        let indexed = index.scan_position().offset;
        let now = identity_of(file, meta, indexed, index.last_line_offset())?;
        let grew = meta.len() > indexed;
        let same = identity.dev == now.dev
            && identity.ino == now.ino
            && identity.samples == now.samples
            && (grew || identity.mtime_ns == now.mtime_ns);
        if !same {
            return None;
        }
        // Recently used: eviction goes by modification time.
        if let Ok(handle) = File::options().append(true).open(&snapshot) {
            let _ = handle.set_modified(SystemTime::now());
        }
        Some(index)
    }

    /// Saves `index` of `file` (best effort: a cache that cannot be written
    /// only costs the next open its time).
    pub(crate) fn store<T: Snapshot>(
        &self,
        path: &Path,
        file: &File,
        meta: &fs::Metadata,
        index: &T,
    ) {
        if meta.len() < self.min_trace_bytes || index.is_empty() {
            return;
        }
        let indexed = index.scan_position().offset;
        let Some(identity) = identity_of(file, meta, indexed, index.last_line_offset()) else {
            return;
        };
        let Some(snapshot) = self.snapshot_path(path) else {
            return;
        };
        // Never inside the runs folder the file's run lives in.
        if let Some(runs) = fs::canonicalize(path)
            .ok()
            .and_then(|p| p.ancestors().nth(T::RUNS_FOLDER_UP).map(Path::to_path_buf))
        {
            if fs::canonicalize(&self.dir).is_ok_and(|dir| dir.starts_with(&runs)) {
                return;
            }
        }
        let bytes = encode(&identity, index);
        if self.write_atomically(&snapshot, &bytes).is_ok() {
            self.evict(&snapshot);
        }
    }

    fn write_atomically(&self, snapshot: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)?;
        let temp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let mut options = File::options();
        options.write(true).create_new(true);
        // Private: it describes the user's runs.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temp).and_then(|mut f| f.write_all(bytes));
        match written.and_then(|()| fs::rename(&temp, snapshot)) {
            Ok(()) => Ok(()),
            Err(err) => {
                let _ = fs::remove_file(&temp);
                Err(err)
            }
        }
    }

    /// Removes the least recently used snapshots (never `keep`) until the
    /// folder is within its cap; leftover temporary files go too.
    fn evict(&self, keep: &Path) {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = read
            .flatten()
            .filter_map(|entry| {
                let meta = entry.metadata().ok().filter(fs::Metadata::is_file)?;
                Some((meta.modified().ok()?, meta.len(), entry.path()))
            })
            .collect();
        let stale = SystemTime::now() - std::time::Duration::from_secs(3600);
        files.retain(|(modified, _, path)| {
            let temp = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"));
            if temp && *modified < stale {
                let _ = fs::remove_file(path);
            }
            !temp
        });
        files.sort();
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        for (_, len, path) in files {
            if total <= self.cap_bytes {
                break;
            }
            if path != keep && fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

fn identity_of(
    file: &File,
    meta: &fs::Metadata,
    indexed: u64,
    last_line: Option<u64>,
) -> Option<Identity> {
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    let mtime_ns = meta
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    if meta.len() < indexed {
        return None;
    }
    // The start, a few places in between, and the last line through the
    // end of what was indexed.
    let mut ranges: Vec<(u64, u64)> = (0..SAMPLES)
        .map(|i| {
            let at = indexed / SAMPLES * i;
            (at, SAMPLE.min(indexed - at))
        })
        .collect();
    if let Some(last) = last_line {
        ranges.push((last, indexed.checked_sub(last)?));
    }
    let mut samples = Vec::with_capacity(ranges.len());
    for (at, len) in ranges {
        let bytes = read_at(file, at, usize::try_from(len).ok()?).ok()?;
        samples.push(hash_bytes(&bytes));
    }
    Some(Identity {
        dev,
        ino,
        mtime_ns,
        samples,
    })
}

fn encode<T: Snapshot>(identity: &Identity, index: &T) -> Vec<u8> {
    use super::trace::snapshot::{put_u32, put_u64};
    let mut out = Vec::with_capacity(index.encoded_len_hint() + 1024);
    out.extend_from_slice(T::MAGIC);
    put_u64(&mut out, identity.dev);
    put_u64(&mut out, identity.ino);
    out.extend_from_slice(&identity.mtime_ns.to_le_bytes());
    put_u32(&mut out, identity.samples.len() as u32);
    for &sample in &identity.samples {
        put_u64(&mut out, sample);
    }
    index.encode(&mut out);
    let checksum = hash_bytes(&out);
    put_u64(&mut out, checksum);
    out
}

/// The snapshot in `file`, read as a stream (see `snapshot_reader`).
fn decode<T: Snapshot>(file: File) -> Option<(Identity, T)> {
    let total = file.metadata().ok()?.len();
    let mut r = SnapshotReader::new(file, total)?;
    if r.take(8)? != T::MAGIC {
        return None;
    }
    let dev = r.u64()?;
    let ino = r.u64()?;
    let mtime_ns = i128::from_le_bytes(r.take(16)?.try_into().ok()?);
    let count = r.u32()? as usize;
    if count > 64 {
        return None;
    }
    let samples = (0..count).map(|_| r.u64()).collect::<Option<Vec<_>>>()?;
    let index = T::decode(&mut r)?;
    r.finish()?;
    Some((
        Identity {
            dev,
            ino,
            mtime_ns,
            samples,
        },
        index,
    ))
}
