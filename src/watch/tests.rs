//! The watcher against real folders: events arrive, bursts are throttled,
//! transient writes are ignored, dropping stops everything.
//!
//! Nothing here depends on the machine's speed. Positive checks wait for an
//! event stamped at or after the write that must cause it, with a bound that
//! only turns a lost event into a failure. Negative checks end at a sentinel
//! change instead of a quiet period: either on a fresh watcher (nothing can
//! be pending from before, so an event stamped before the sentinel was caused
//! by an ignored write; a late one can only make the check pass), or on the
//! notify layer alone, whose events come in the kernel's order.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::backend::{Backend, Kind};
use super::debounce::WINDOW;
use super::filter::{Targets, Touch};
use super::{canonical, watch, watch_with, watches, WatchEvent};

/// How long an expected event may take: a bound for a failure report on a
/// loaded machine, not a pace.
const BOUND: Duration = Duration::from_secs(60);

type Seen = Receiver<(WatchEvent, Instant)>;

fn recorder() -> (impl Fn(WatchEvent) + Send + 'static, Seen) {
    let (tx, rx) = mpsc::channel();
    (
        move |event| {
            let _ = tx.send((event, Instant::now()));
        },
        rx,
    )
}

/// Waits until each of `wanted` was reported at or after `since`; returns
/// every event received meanwhile (earlier ones included).
fn wait_for(rx: &Seen, since: Instant, wanted: &[WatchEvent]) -> Vec<(WatchEvent, Instant)> {
    let deadline = Instant::now() + BOUND;
    let mut seen = Vec::new();
    let mut missing: Vec<&WatchEvent> = wanted.iter().collect();
    while !missing.is_empty() {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((event, at)) => {
                if at >= since {
                    missing.retain(|w| **w != event);
                }
                seen.push((event, at));
            }
            Err(err) => panic!("{missing:?} not reported within {BOUND:?} ({err}); got {seen:?}"),
        }
    }
    seen
}

/// Repeats `change` until `wanted` is reported after one of its runs
/// started. For a folder the watcher arms on its own thread (a new or
/// replaced one): a change made before the watch was added is not seen, and
/// the next one is. A slow report only causes another change, never a
/// failure before `BOUND`.
fn until_reported(rx: &Seen, wanted: &WatchEvent, mut change: impl FnMut()) -> usize {
    let deadline = Instant::now() + BOUND;
    let mut patience = Duration::from_millis(500);
    for tries in 1.. {
        let started = Instant::now();
        change();
        let until = (Instant::now() + patience).min(deadline);
        loop {
            match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok((event, at)) if event == *wanted && at >= started => return tries,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(err) => panic!("the watcher stopped: {err}"),
            }
        }
        assert!(
            Instant::now() < deadline,
            "{wanted:?} not reported within {BOUND:?} ({tries} changes)"
        );
        patience *= 2;
    }
    unreachable!()
}

/// Events stamped before `sentinel`: on a fresh watcher, only what was done
/// before the sentinel can have caused them.
fn before(seen: &[(WatchEvent, Instant)], sentinel: Instant) -> Vec<&WatchEvent> {
    seen.iter()
        .filter(|(_, at)| *at < sentinel)
        .map(|(e, _)| e)
        .collect()
}

/// A folder that looks enough like a bundle for the watcher.
fn bundle(runs: &Path) -> PathBuf {
    let run = runs.join("2026-01-01T000000000Z-watch-0000abcd");
    fs::create_dir_all(run.join("projections")).expect("mkdir");
    fs::write(run.join("trace.ndjson"), "").expect("trace");
    run
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
}

#[test]
fn appended_lines_report_the_run() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let event = WatchEvent::Run(run.clone());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    let written = Instant::now();
    append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    wait_for(&rx, written, std::slice::from_ref(&event));
    // A new session folder is seen, and so is what is appended inside it
    // once notify has armed it (recursive).
    let created = Instant::now();
    fs::create_dir_all(run.join("sessions/main-1")).expect("mkdir");
    wait_for(&rx, created, std::slice::from_ref(&event));
    let events = run.join("sessions/main-1/events.ndjson");
    fs::write(&events, "").expect("write");
    until_reported(&rx, &event, || append(&events, "{}\n"));
}

#[test]
fn a_burst_of_appends_is_throttled_and_ends_after_the_last_write() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    let trace = run.join("trace.ndjson");
    let started = Instant::now();
    let mut last_write = started;
    for i in 0..50 {
        last_write = Instant::now();
        append(&trace, &format!("{{\"seq\":{i}}}\n"));
        sleep(Duration::from_millis(2)); // paces the burst; nothing relies on it
    }
    let burst = last_write - started;
    // The trailing edge: an event after the last write started.
    let mut events = wait_for(&rx, last_write, &[WatchEvent::Run(run.clone())]);
    events.extend(rx.try_iter());
    println!(
        "50 appends in {burst:?} -> {} events at {:?} after the first write",
        events.len(),
        events
            .iter()
            .map(|(_, at)| *at - started)
            .collect::<Vec<_>>()
    );
    // At most one event per window: the debounce thread fires the k-th time
    // at least k windows after its first firing, which followed the first
    // write, and an event is stamped after it fired. Holds at any speed.
    for (k, (_, at)) in events.iter().enumerate() {
        assert!(
            *at >= started + WINDOW * k as u32,
            "event {k} came {:?} after the burst started: more than one per {WINDOW:?}",
            *at - started
        );
    }
}

#[test]
fn writes_inside_acpx_write_folders_are_ignored() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    // Created before watching, so that only the file inside is new.
    let temp = run.join("acpx-write-x");
    fs::create_dir(&temp).expect("mkdir");
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), Some(runs.path()), on_event).expect("watch");
    fs::write(temp.join("record.json"), "{}").expect("write");
    append(&temp.join("record.json"), " ");
    fs::create_dir(runs.path().join(".reel")).expect("mkdir .reel");
    fs::write(runs.path().join(".reel/audit.ndjson"), "{}\n").expect("write");
    // Sentinels: the rename out of the temp folder is the real change, and
    // a new run folder is one for the runs directory.
    let sentinel = Instant::now();
    fs::rename(temp.join("record.json"), run.join("projections/live.json")).expect("rename");
    fs::create_dir(runs.path().join("another-run")).expect("mkdir");
    let wanted = [
        WatchEvent::Run(run.clone()),
        WatchEvent::RunsDir(runs.path().to_path_buf()),
    ];
    let seen = wait_for(&rx, sentinel, &wanted);
    assert_eq!(before(&seen, sentinel), Vec::<&WatchEvent>::new());
}

#[test]
fn dropping_the_watcher_stops_events() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let watcher = watch(Some(&run), Some(runs.path()), on_event).expect("watch");
    let written = Instant::now();
    append(&run.join("trace.ndjson"), "{}\n");
    wait_for(&rx, written, &[WatchEvent::Run(run.clone())]);
    // Perhaps leave a trailing edge pending, then drop: it must not fire.
    append(&run.join("trace.ndjson"), "{}\n");
    drop(watcher);
    while rx.try_recv().is_ok() {}
    append(&run.join("trace.ndjson"), "{}\n");
    fs::create_dir(runs.path().join("another-run")).expect("mkdir");
    // `drop` joined the thread that held the sender: the channel is closed
    // already (a watcher still alive would time out here, not pass).
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(300)),
        Err(RecvTimeoutError::Disconnected)
    ));
}

#[test]
fn runs_appearing_and_leaving_report_the_runs_dir() {
    let runs = tempfile::tempdir().expect("tempdir");
    let expected = WatchEvent::RunsDir(runs.path().to_path_buf());
    let run = {
        let (on_event, rx) = recorder();
        let _watcher = watch(None, Some(runs.path()), on_event).expect("watch");
        let created = Instant::now();
        let run = bundle(runs.path());
        wait_for(&rx, created, std::slice::from_ref(&expected));
        run
    };
    // A fresh watcher, so nothing is pending from the creation: writes
    // inside a run are not the runs directory's business, its rename is.
    let (on_event, rx) = recorder();
    let _watcher = watch(None, Some(runs.path()), on_event).expect("watch");
    append(&run.join("trace.ndjson"), "{}\n");
    let sentinel = Instant::now();
    let renamed = runs.path().join("renamed");
    fs::rename(&run, &renamed).expect("rename");
    let seen = wait_for(&rx, sentinel, std::slice::from_ref(&expected));
    assert_eq!(before(&seen, sentinel), Vec::<&WatchEvent>::new());
    let removed = Instant::now();
    fs::remove_dir_all(&renamed).expect("remove");
    wait_for(&rx, removed, &[expected]);
}

/// What a rewind does, in two renames instead of one exchange. Returns the
/// old folder's new path.
fn replace_run_folder(runs: &Path, run: &Path) -> PathBuf {
    let staged = runs.join("staged");
    fs::create_dir(&staged).expect("mkdir");
    fs::write(staged.join("trace.ndjson"), "").expect("trace");
    let backup = runs.join("backup");
    fs::rename(run, &backup).expect("move away");
    fs::rename(&staged, run).expect("move in");
    backup
}

#[test]
fn a_replaced_run_folder_is_watched_again() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let event = WatchEvent::Run(run.clone());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    let replaced = Instant::now();
    replace_run_folder(runs.path(), &run);
    wait_for(&rx, replaced, std::slice::from_ref(&event));
    // The watcher arms the new folder on its thread when it sees that.
    let tries = until_reported(&rx, &event, || {
        append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    });
    println!("appends to the new folder until one was reported: {tries}");
}

/// The notify layer with the watcher's classification and no debounce:
/// each event's paths and what it touches, in the kernel's order.
type Raw = Receiver<(Vec<PathBuf>, Touch)>;

fn raw_watch(run: &Path) -> (Backend, Raw, PathBuf) {
    let run = canonical(run).expect("canonical");
    let targets = Targets {
        run: Some(run.clone()),
        runs_dir: None,
    };
    let (tx, rx) = mpsc::channel();
    let classify = targets.clone();
    let handler = move || {
        let (tx, classify) = (tx.clone(), classify.clone());
        move |result: notify::Result<notify::Event>| {
            if let Ok(event) = result {
                let _ = tx.send((event.paths.clone(), classify.classify(&event)));
            }
        }
    };
    let backend = Backend::start(Kind::Recommended, handler, &watches(&targets)).expect("watch");
    (backend, rx, run)
}

/// Raw events up to and including the first that `last` accepts.
fn raw_until(rx: &Raw, last: impl Fn(&[PathBuf], Touch) -> bool) -> Vec<(Vec<PathBuf>, Touch)> {
    let deadline = Instant::now() + BOUND;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((paths, touch)) => {
                let done = last(&paths, touch);
                seen.push((paths, touch));
                if done {
                    return seen;
                }
            }
            Err(err) => panic!("the expected raw event did not come ({err}); got {seen:?}"),
        }
    }
}

#[test]
fn a_replaced_run_folder_no_longer_reports_the_old_one() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (mut backend, rx, canonical_run) = raw_watch(&run);
    let backup = replace_run_folder(runs.path(), &run);
    // The replacement asks for a rearm, which the debounce thread then does.
    raw_until(&rx, |_, touch| touch.rearm);
    backend.rearm(&canonical_run);
    // Markers in the new folder bracket a write to the old one: everything
    // between them is in the queue by the time the second marker arrives.
    let marker = |name: &str| {
        let path = canonical_run.join(name);
        fs::create_dir(&path).expect("marker");
        move |paths: &[PathBuf], _: Touch| paths.contains(&path)
    };
    raw_until(&rx, marker("first-marker"));
    append(&backup.join("trace.ndjson"), "{}\n");
    let between = raw_until(&rx, marker("second-marker"));
    let stray: Vec<_> = between
        .iter()
        .filter(|(paths, touch)| {
            touch.any()
                && !paths
                    .iter()
                    .all(|p| p.ends_with("first-marker") || p.ends_with("second-marker"))
        })
        .collect();
    assert!(stray.is_empty(), "the old folder still reports: {stray:?}");
}

#[test]
fn the_polling_fallback_reports_changes() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let watcher = watch_with(Kind::Poll, Some(&run), None, on_event).expect("watch");
    assert!(watcher.is_polling());
    // The first scan is made before `watch_with` returns; the retry covers
    // a poller that would scan later.
    until_reported(&rx, &WatchEvent::Run(run.clone()), || {
        append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    });
}

#[test]
fn missing_folders_are_errors_naming_them() {
    let runs = tempfile::tempdir().expect("tempdir");
    let gone = runs.path().join("nope");
    let err = watch(Some(&gone), None, |_| {}).expect_err("missing");
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(matches!(
        watch(None, None, |_| {}),
        Err(super::WatchError::NothingToWatch)
    ));
}
