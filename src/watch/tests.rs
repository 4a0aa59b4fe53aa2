//! The watcher against real folders: events arrive, bursts are coalesced,
//! transient writes are ignored, dropping stops everything.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::backend::Kind;
use super::{watch, watch_with, WatchEvent};

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

/// Every event until none came for `quiet`.
fn drain(rx: &Seen, quiet: Duration) -> Vec<(WatchEvent, Instant)> {
    let mut out = Vec::new();
    while let Ok(seen) = rx.recv_timeout(quiet) {
        out.push(seen);
    }
    out
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
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    let (event, _) = rx.recv_timeout(Duration::from_secs(5)).expect("an event");
    assert_eq!(event, WatchEvent::Run(run.clone()));
    drain(&rx, Duration::from_millis(300));
    // A new session folder and a file in it are seen too (recursive).
    fs::create_dir_all(run.join("sessions/main-1")).expect("mkdir");
    fs::write(run.join("sessions/main-1/events.ndjson"), "{}\n").expect("write");
    assert!(!drain(&rx, Duration::from_millis(400)).is_empty());
}

#[test]
fn a_burst_of_appends_is_coalesced_and_ends_after_the_last_write() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    let trace = run.join("trace.ndjson");
    let started = Instant::now();
    for i in 0..50 {
        append(&trace, &format!("{{\"seq\":{i}}}\n"));
        sleep(Duration::from_millis(2));
    }
    let last_write = Instant::now();
    let burst = last_write - started;
    let events = drain(&rx, Duration::from_millis(400));
    println!("50 appends in {burst:?} -> {} events", events.len());
    assert!(
        burst < Duration::from_millis(200),
        "the machine is too slow"
    );
    assert!(!events.is_empty() && events.len() <= 3, "{events:?}");
    let (_, last_event) = events.last().expect("an event");
    assert!(*last_event >= last_write, "the trailing event came first");
}

#[test]
fn writes_inside_acpx_write_folders_are_ignored() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), Some(runs.path()), on_event).expect("watch");
    // Created before so that only the file inside is new.
    let temp = run.join("acpx-write-x");
    fs::create_dir(&temp).expect("mkdir");
    drain(&rx, Duration::from_millis(300));
    fs::write(temp.join("record.json"), "{}").expect("write");
    append(&temp.join("record.json"), " ");
    fs::create_dir(runs.path().join(".reel")).expect("mkdir .reel");
    fs::write(runs.path().join(".reel/audit.ndjson"), "{}\n").expect("write");
    assert_eq!(drain(&rx, Duration::from_millis(400)), vec![]);
    // The rename out of it is the real change.
    fs::rename(temp.join("record.json"), run.join("projections/live.json")).expect("rename");
    let events = drain(&rx, Duration::from_millis(400));
    assert!(events
        .iter()
        .any(|(e, _)| *e == WatchEvent::Run(run.clone())));
}

#[test]
fn dropping_the_watcher_stops_events() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let watcher = watch(Some(&run), Some(runs.path()), on_event).expect("watch");
    append(&run.join("trace.ndjson"), "{}\n");
    rx.recv_timeout(Duration::from_secs(5)).expect("an event");
    // Leave a trailing edge pending, then drop: it must not fire.
    append(&run.join("trace.ndjson"), "{}\n");
    drop(watcher);
    while rx.try_recv().is_ok() {}
    append(&run.join("trace.ndjson"), "{}\n");
    fs::create_dir(runs.path().join("another-run")).expect("mkdir");
    // The sender went away with the thread: the channel is closed.
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(300)),
        Err(mpsc::RecvTimeoutError::Disconnected)
    ));
}

#[test]
fn runs_appearing_and_leaving_report_the_runs_dir() {
    let runs = tempfile::tempdir().expect("tempdir");
    let (on_event, rx) = recorder();
    let _watcher = watch(None, Some(runs.path()), on_event).expect("watch");
    let run = bundle(runs.path());
    let expected = WatchEvent::RunsDir(runs.path().to_path_buf());
    let (event, _) = rx.recv_timeout(Duration::from_secs(5)).expect("an event");
    assert_eq!(event, expected);
    drain(&rx, Duration::from_millis(300));
    // Writes inside a run are not the runs directory's business.
    append(&run.join("trace.ndjson"), "{}\n");
    assert_eq!(drain(&rx, Duration::from_millis(300)), vec![]);
    fs::rename(&run, runs.path().join("renamed")).expect("rename");
    assert!(drain(&rx, Duration::from_millis(300))
        .iter()
        .any(|(e, _)| *e == expected));
}

#[test]
fn a_replaced_run_folder_is_watched_again() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), None, on_event).expect("watch");
    // What a rewind does, in two renames instead of one exchange.
    let staged = runs.path().join("staged");
    fs::create_dir(&staged).expect("mkdir");
    fs::write(staged.join("trace.ndjson"), "").expect("trace");
    fs::rename(&run, runs.path().join("backup")).expect("move away");
    fs::rename(&staged, &run).expect("move in");
    drain(&rx, Duration::from_millis(300));
    append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    let events = drain(&rx, Duration::from_millis(400));
    assert!(!events.is_empty(), "appends to the new folder went unseen");
    // And the old folder, now elsewhere, no longer reports.
    append(&runs.path().join("backup/trace.ndjson"), "{}\n");
    assert_eq!(drain(&rx, Duration::from_millis(300)), vec![]);
}

#[test]
fn the_polling_fallback_reports_changes() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = bundle(runs.path());
    let (on_event, rx) = recorder();
    let watcher = watch_with(Kind::Poll, Some(&run), None, on_event).expect("watch");
    assert!(watcher.is_polling());
    sleep(Duration::from_millis(50));
    append(&run.join("trace.ndjson"), "{\"seq\":1}\n");
    let (event, _) = rx.recv_timeout(Duration::from_secs(3)).expect("an event");
    assert_eq!(event, WatchEvent::Run(run));
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
