//! The index snapshot cache: a bundle opened through the cache has exactly
//! the trace index a fresh full index gives, whatever happened to the trace
//! since the snapshot was saved (random appends, partial lines, truncations,
//! rewrites in place and by replacement); damaged or foreign snapshots are
//! ignored; an unchanged trace is not read again. The same holds for a
//! session's events and its index. The cache lives in a temporary folder
//! (never the user's).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use reel::bundle::index_cache::IndexCache;
use reel::bundle::{Bundle, TraceIndex};
use reel::synth::{write_bundle, SynthSpec};

/// xorshift64*: deterministic, reproducible from the printed case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn synth(dir: &Path, seed: u64) -> PathBuf {
    let spec = SynthSpec {
        attempts: 40,
        seed,
        ..SynthSpec::default()
    };
    write_bundle(dir, &spec).expect("synthesize").dir
}

fn open(dir: &Path, cache: Option<&IndexCache>) -> Result<TraceIndex, String> {
    Bundle::open_with_cache(dir, cache, &mut |_, _| {})
        .map(|bundle| {
            let mut trace = bundle.trace;
            trace.shrink_to_fit();
            trace
        })
        .map_err(|e| e.to_string())
}

/// Opens through the cache and afresh, and compares.
fn check_same(bundle: &Path, cache: &IndexCache, what: &str) {
    let fresh = open(bundle, None);
    let cached = open(bundle, Some(cache));
    assert_eq!(cached, fresh, "{what}");
}

fn cache_in(dir: &Path) -> IndexCache {
    IndexCache::at(dir.to_path_buf()).with_min_trace_bytes(0)
}

/// One random change to the NDJSON file at `path`, whose own full content
/// is `full` and currently its first `*len` bytes (`foreign`: another
/// run's file of the same kind). Says what it did; leaves the file a prefix
/// of `full` or, now and then, something else entirely for one check.
fn change_randomly(
    rng: &mut Rng,
    path: &Path,
    full: &[u8],
    foreign: &[u8],
    len: &mut usize,
) -> String {
    let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', full).map(|i| i + 1).collect();
    match rng.below(6) {
        0 | 1 => {
            // Append whole lines, or stop mid-line.
            let to = if rng.below(3) == 0 {
                (*len + 1 + rng.below(300)).min(full.len())
            } else {
                line_ends[rng.below(line_ends.len())].max(*len)
            };
            let mut file = OpenOptions::new().append(true).open(path).expect("open");
            file.write_all(&full[*len..to]).expect("append");
            *len = to;
            format!("append to {to}")
        }
        2 => {
            // Truncate in place, at a line end or anywhere.
            let to = if rng.below(2) == 0 {
                line_ends[rng.below(line_ends.len())].min(*len)
            } else {
                rng.below(*len + 1)
            };
            let file = OpenOptions::new().write(true).open(path).expect("open");
            file.set_len(to as u64).expect("truncate");
            *len = to;
            format!("truncate to {to}")
        }
        3 => {
            // Replaced by another run's file (a new inode), longer or
            // shorter.
            let to = rng.below(foreign.len() + 1);
            let temp = path.with_extension("new");
            fs::write(&temp, &foreign[..to]).expect("write");
            fs::rename(&temp, path).expect("rename");
            *len = usize::MAX;
            format!("replaced by {to} bytes of another run's file")
        }
        4 => {
            // Rewritten in place: the other file, then this one again up
            // to some line.
            let to = line_ends[rng.below(line_ends.len())];
            fs::write(path, &foreign[..to.min(foreign.len())]).expect("write");
            fs::write(path, &full[..to]).expect("write");
            *len = to;
            format!("rewritten in place to {to}")
        }
        _ => {
            let to = rng.below(foreign.len() + 1);
            fs::write(path, &foreign[..to]).expect("write");
            *len = usize::MAX;
            format!("rewritten in place with {to} bytes of another run's file")
        }
    }
}

/// After a change that left something else in the file: back to a
/// prefix of its own content.
fn back_to_own_prefix(rng: &mut Rng, path: &Path, full: &[u8], len: &mut usize) {
    if *len == usize::MAX {
        let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', full).map(|i| i + 1).collect();
        let to = line_ends[rng.below(line_ends.len())];
        fs::write(path, &full[..to]).expect("write");
        *len = to;
    }
}

#[test]
fn snapshot_plus_tail_equals_a_fresh_index_under_random_changes() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let bundle = synth(&runs.path().join("a"), 1);
    let other = synth(&runs.path().join("b"), 7);
    let trace = bundle.join("trace.ndjson");
    let full = fs::read(&trace).expect("trace");
    let foreign = fs::read(other.join("trace.ndjson")).expect("other trace");
    let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', &full).map(|i| i + 1).collect();
    let mut rng = Rng(0xcafe_f00d_1234_5678);
    for case in 0..12 {
        let mut len = line_ends[rng.below(line_ends.len() / 2)];
        fs::write(&trace, &full[..len]).expect("write");
        check_same(&bundle, &cache, &format!("case {case}: first open"));
        for step in 0..25 {
            let what = change_randomly(&mut rng, &trace, &full, &foreign, &mut len);
            back_to_own_prefix(&mut rng, &trace, &full, &mut len);
            check_same(&bundle, &cache, &format!("case {case} step {step}: {what}"));
        }
    }
}

/// A session's index as plain values: entries with their strings
/// resolved (the symbols' numbering is the index's own business).
type SessionRow = (u64, i64, u32, u32, [Option<String>; 3], String, String);

fn session_rows(bundle: &Path, cache: Option<&IndexCache>) -> Result<Vec<SessionRow>, String> {
    let opened =
        Bundle::open_with_cache(bundle, cache, &mut |_, _| {}).map_err(|e| e.to_string())?;
    let session = opened.sessions.first().ok_or("no session")?;
    let index = session.index().map_err(|e| e.to_string())?;
    let name = |sym: Option<reel::bundle::intern::Sym>| sym.map(|s| index.resolve(s).to_string());
    Ok(index
        .entries()
        .iter()
        .map(|e| {
            (
                e.offset(),
                e.at_ms(),
                e.len,
                e.seq,
                [
                    name(e.method),
                    name(e.update),
                    index.rpc_id(e).map(|id| id.to_string()),
                ],
                format!("{:?}", e.direction),
                format!("{:?}", e.rpc),
            )
        })
        .collect())
}

#[test]
fn a_session_index_from_its_snapshot_plus_tail_equals_a_fresh_one() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let bundle = synth(&runs.path().join("a"), 5);
    let other = synth(&runs.path().join("b"), 9);
    let events_of = |bundle: &Path| {
        let sessions = bundle.join("sessions");
        let dir = fs::read_dir(&sessions)
            .expect("sessions")
            .next()
            .expect("one");
        dir.expect("entry").path().join("events.ndjson")
    };
    let events = events_of(&bundle);
    let full = fs::read(&events).expect("events");
    let foreign = fs::read(events_of(&other)).expect("other events");
    assert!(full.len() > 1000, "a session with events to index");
    let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', &full).map(|i| i + 1).collect();
    let mut rng = Rng(0x5e55_1011);
    for case in 0..6 {
        let mut len = line_ends[rng.below(line_ends.len() / 2)];
        fs::write(&events, &full[..len]).expect("write");
        for step in 0..20 {
            let cached = session_rows(&bundle, Some(&cache));
            assert_eq!(
                cached,
                session_rows(&bundle, None),
                "case {case} step {step}"
            );
            let what = change_randomly(&mut rng, &events, &full, &foreign, &mut len);
            back_to_own_prefix(&mut rng, &events, &full, &mut len);
            let fresh = session_rows(&bundle, None);
            assert_eq!(
                session_rows(&bundle, Some(&cache)),
                fresh,
                "case {case} step {step}: {what}"
            );
        }
    }
}

#[test]
fn an_unchanged_session_is_served_from_its_snapshot() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let bundle = synth(runs.path(), 11);
    let fresh = session_rows(&bundle, None).expect("fresh");
    assert_eq!(session_rows(&bundle, Some(&cache)), Ok(fresh.clone()));
    let sessions: Vec<PathBuf> = fs::read_dir(cache_dir.path())
        .expect("cache")
        .map(|e| e.expect("entry").path())
        .filter(|p| fs::read(p).is_ok_and(|b| b.starts_with(b"REELSES1")))
        .collect();
    assert_eq!(sessions.len(), 1, "one session snapshot saved");
    // A served snapshot is marked as recently used (its mtime): set it
    // back, open again, and it must have been read, not rewritten.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    let handle = OpenOptions::new()
        .append(true)
        .open(&sessions[0])
        .expect("open");
    handle.set_modified(old).expect("set mtime");
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).expect("meta"));
    let before = inode(&sessions[0]);
    assert_eq!(session_rows(&bundle, Some(&cache)), Ok(fresh));
    let meta = fs::metadata(&sessions[0]).expect("meta");
    assert!(
        meta.modified().expect("mtime") > old,
        "the snapshot was served"
    );
    assert_eq!(inode(&sessions[0]), before, "and not written again");
}

#[test]
fn an_unchanged_trace_is_not_read_again_and_an_appended_one_only_past_the_snapshot() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let bundle = synth(runs.path(), 3);
    let trace = bundle.join("trace.ndjson");
    let full = fs::read(&trace).expect("trace");
    let half = memchr::memchr_iter(b'\n', &full)
        .map(|i| i + 1)
        .find(|&end| end >= full.len() / 2)
        .expect("a middle line");
    fs::write(&trace, &full[..half]).expect("write");
    let reads = |cache: Option<&IndexCache>| {
        let mut reports = Vec::new();
        Bundle::open_with_cache(&bundle, cache, &mut |done, total| {
            reports.push((done, total))
        })
        .expect("open");
        reports
    };
    assert!(!reads(Some(&cache)).is_empty(), "the first open indexes");
    let snapshots = fs::read_dir(cache_dir.path()).expect("cache").count();
    assert_eq!(snapshots, 1, "one snapshot saved");
    assert_eq!(reads(Some(&cache)), Vec::new(), "served from the snapshot");
    fs::write(&trace, &full).expect("append the rest");
    let reports = reads(Some(&cache));
    assert_eq!(reports, vec![(full.len() as u64, full.len() as u64)]);
    check_same(&bundle, &cache, "after the append");
}

#[test]
fn damaged_and_foreign_snapshots_are_ignored() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let a = synth(&runs.path().join("a"), 1);
    let b = synth(&runs.path().join("b"), 2);
    check_same(&a, &cache, "a, first");
    check_same(&b, &cache, "b, first");
    let snapshots: Vec<PathBuf> = fs::read_dir(cache_dir.path())
        .expect("cache")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(snapshots.len(), 2);
    // Each snapshot under the other's name: both are foreign now.
    let (first, second) = (
        fs::read(&snapshots[0]).expect("read"),
        fs::read(&snapshots[1]).expect("read"),
    );
    fs::write(&snapshots[0], &second).expect("write");
    fs::write(&snapshots[1], &first).expect("write");
    check_same(&a, &cache, "a, swapped snapshots");
    check_same(&b, &cache, "b, swapped snapshots");
    // Damage anywhere: a flipped byte, a cut, garbage.
    let mut rng = Rng(99);
    for round in 0..40 {
        for snapshot in &snapshots {
            let mut bytes = fs::read(snapshot).expect("read");
            match round % 3 {
                0 => {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                1 => bytes.truncate(rng.below(bytes.len())),
                _ => bytes = (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            }
            fs::write(snapshot, &bytes).expect("write");
        }
        check_same(&a, &cache, &format!("a, damage round {round}"));
        check_same(&b, &cache, &format!("b, damage round {round}"));
    }
}

#[test]
fn the_cache_stays_within_its_cap() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let bundles: Vec<PathBuf> = (0..4)
        .map(|i| synth(&runs.path().join(format!("r{i}")), i + 1))
        .collect();
    let one = {
        let probe = tempfile::tempdir().expect("temp dir");
        open(&bundles[0], Some(&cache_in(probe.path()))).expect("open");
        let entry = fs::read_dir(probe.path())
            .expect("dir")
            .next()
            .expect("one");
        entry.expect("entry").metadata().expect("meta").len()
    };
    // Room for two and a half snapshots: the oldest go.
    let cache = cache_in(cache_dir.path()).with_cap_bytes(one * 5 / 2);
    for bundle in &bundles {
        open(bundle, Some(&cache)).expect("open");
    }
    let total: u64 = fs::read_dir(cache_dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    assert!(
        total <= one * 5 / 2,
        "{total} bytes kept, cap {}",
        one * 5 / 2
    );
    assert!(total > 0, "the newest snapshot stays");
}

/// The viewer shows the run first and saves its snapshot after: nothing is
/// written until the save is asked for, leaving waits for it, and the
/// saved snapshot serves the next open.
#[test]
fn a_snapshot_saved_later_is_written_only_when_asked_and_serves_the_next_open() {
    let runs = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = cache_in(cache_dir.path());
    let bundle = synth(runs.path(), 4);
    let snapshots = || fs::read_dir(cache_dir.path()).map_or(0, |d| d.count());
    let (opened, save) =
        Bundle::open_saving_later(&bundle, Some(&cache), &mut |_, _| {}, &mut |_| {})
            .expect("open");
    let save = save.expect("a fresh index has a snapshot to save");
    assert_eq!(snapshots(), 0, "nothing written before the save");
    let waited = std::thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            reel::bundle::index_cache::wait_for_saves(std::time::Duration::from_secs(300));
            snapshots()
        });
        save.save(&opened.trace);
        waiter.join().expect("waiter")
    });
    assert_eq!(waited, 1, "the wait ends once the snapshot is written");
    let (again, save) =
        Bundle::open_saving_later(&bundle, Some(&cache), &mut |_, _| {}, &mut |_| {})
            .expect("open again");
    assert!(save.is_none(), "served from the snapshot: nothing to save");
    assert_eq!(again.trace, opened.trace);
}
