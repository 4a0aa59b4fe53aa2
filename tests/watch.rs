//! `watch()` + `Run::refreshed()` following a real acpx run as it is
//! written: the live-stream snapshots replayed into a folder the way acpx
//! writes (NDJSON appended in pieces, JSON files renamed out of
//! `acpx-write-*` folders), the model refreshed on each watcher event and
//! compared with a fresh `Run::open`. Also the figures: event latency and
//! the idle CPU of a watching process.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::sleep;
use std::time::{Duration, Instant};

use reel::model::Run;
use reel::watch::{watch, WatchEvent};

const SNAPSHOTS: [&str; 6] = [
    "snapshots/t07",
    "snapshots/t10",
    "snapshots/t12",
    "snapshots/t20",
    "snapshots/t28",
    "final",
];

/// The live-stream captures; the tests using them are ignored when the
/// tests were built without `../shared/bundles` (build.rs).
fn live_stream() -> PathBuf {
    let dir = Path::new(env!("REEL_SHARED_DIR")).join("bundles/acpx-0.19.1/live-stream");
    assert!(dir.is_dir(), "{} is absent", dir.display());
    dir
}

type Events = Receiver<(WatchEvent, Instant)>;

fn recorder() -> (impl Fn(WatchEvent) + Send + 'static, Events) {
    let (tx, rx) = mpsc::channel();
    let on_event = move |event| {
        let _ = tx.send((event, Instant::now()));
    };
    (on_event, rx)
}

/// Waits for a run event delivered after `since` (earlier ones are stale);
/// when it was delivered.
fn wait_for_run_event(rx: &Events, since: Instant) -> Instant {
    // A bound for a failure report, not a pace: a loaded machine may take long.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((WatchEvent::Run(_), at)) if at >= since => return at,
            Ok(_) => {}
            Err(err) => panic!("no watcher event after the last write: {err}"),
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Writes `bytes` in up to three pieces, the first ending mid-line;
/// `after_first` runs while the file ends with that partial line. Returns
/// when the last piece started to be written: a watcher event at or after
/// that instant was caused by it (or by something later).
fn append_in_pieces(path: &Path, bytes: &[u8], after_first: &mut dyn FnMut(Instant)) -> Instant {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    let first_line = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let cuts = [first_line / 2, (first_line + bytes.len()) / 2, bytes.len()];
    let mut from = 0;
    let mut last_started = Instant::now();
    for (i, cut) in cuts.into_iter().enumerate() {
        if cut > from {
            last_started = Instant::now();
            file.write_all(&bytes[from..cut]).expect("append");
            from = cut;
            if i == 0 {
                after_first(last_started);
            }
            // Spreads the pieces over separate watcher batches; nothing
            // waits on this pause.
            sleep(Duration::from_millis(15));
        }
    }
    last_started
}

/// acpx's atomic write: a temp folder `acpx-write-XXXX/record.json`, then a
/// rename over the target. Returns when the write started.
fn write_via_rename(target: &Path, bytes: &[u8], n: usize) -> Instant {
    let started = Instant::now();
    let parent = target.parent().expect("parent");
    fs::create_dir_all(parent).expect("mkdir");
    let temp = parent.join(format!("acpx-write-{n:04x}"));
    fs::create_dir(&temp).expect("temp dir");
    fs::write(temp.join("record.json"), bytes).expect("temp write");
    fs::rename(temp.join("record.json"), target).expect("rename");
    fs::remove_dir(&temp).expect("remove temp dir");
    started
}

/// Brings `dst` to the state of snapshot `src` in acpx's order: artifacts,
/// session files, the trace, then projections and the manifest. Returns
/// when the last write started (an event stamped earlier may predate it; one
/// stamped at or after it cannot). `mid_trace` runs while the trace ends
/// with a partial line.
fn replay(
    src: &Path,
    dst: &Path,
    counter: &mut usize,
    mid_trace: &mut dyn FnMut(Instant),
) -> Instant {
    let mut all = Vec::new();
    files(src, &mut all);
    let rank = |p: &Path| {
        let rel = p.strip_prefix(src).expect("inside");
        let s = rel.to_string_lossy();
        match () {
            _ if s.starts_with("artifacts") => 0,
            _ if s.starts_with("sessions") => 1,
            _ if s == "trace.ndjson" => 2,
            _ => 3,
        }
    };
    all.sort_by_key(|p| rank(p));
    let mut last_write = Instant::now();
    for path in all {
        let rel = path.strip_prefix(src).expect("inside");
        if rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with("acpx-write-"))
        {
            continue;
        }
        let target = dst.join(rel);
        let new = fs::read(&path).expect("read snapshot");
        let old = fs::read(&target).unwrap_or_default();
        if new == old {
            continue;
        }
        if path.extension().is_some_and(|e| e == "ndjson") {
            assert!(
                new.starts_with(&old),
                "{} is not append-only",
                rel.display()
            );
            fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            let mut nothing = |_| {};
            let hook: &mut dyn FnMut(Instant) = if rel == Path::new("trace.ndjson") {
                &mut *mid_trace
            } else {
                &mut nothing
            };
            last_write = append_in_pieces(&target, &new[old.len()..], hook);
        } else {
            *counter += 1;
            last_write = write_via_rename(&target, &new, *counter);
        }
    }
    last_write
}

/// What must agree between a refreshed model and a fresh open.
fn attempts(run: &Run) -> Vec<(String, String, String, u32, u32, Option<u64>)> {
    run.attempts
        .iter()
        .map(|a| {
            (
                run.attempt_id(a).to_string(),
                run.node_id(a).to_string(),
                a.outcome.name().to_string(),
                a.seq_start(&run.bundle.trace),
                a.seq_end(&run.bundle.trace),
                a.duration_ms(&run.bundle.trace),
            )
        })
        .collect()
}

fn conversations(run: &Run) -> Vec<serde_json::Value> {
    run.attempts
        .iter()
        .map(|a| {
            let conversation = run.conversation(a).expect("conversation");
            serde_json::to_value(conversation).expect("serialize")
        })
        .collect()
}

fn assert_same(refreshed: &Run, fresh: &Run, deep: bool) {
    assert_eq!(attempts(refreshed), attempts(fresh));
    assert_eq!(refreshed.end, fresh.end);
    assert_eq!(refreshed.status(), fresh.status());
    assert_eq!(refreshed.last_seq(), fresh.last_seq());
    if deep {
        let seq = fresh.last_seq();
        assert_eq!(refreshed.node_frames_at(seq), fresh.node_frames_at(seq));
        assert_eq!(conversations(refreshed), conversations(fresh));
    }
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
fn a_live_run_followed_through_the_watcher_equals_a_fresh_open() {
    let live = live_stream();
    let runs = tempfile::tempdir().expect("tempdir");
    let t05 = live.join("snapshots/t05");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(t05.join("manifest.json")).expect("manifest"))
            .expect("json");
    let dir = runs.path().join(manifest["runId"].as_str().expect("runId"));
    let mut counter = 0;
    fs::create_dir(&dir).expect("mkdir");
    replay(&t05, &dir, &mut counter, &mut |_| {});

    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&dir), Some(runs.path()), on_event).expect("watch");
    let mut run = Run::open(&dir).expect("open t05");
    assert_same(&run, &Run::open(&t05).expect("open"), true);

    for (i, snapshot) in SNAPSHOTS.iter().enumerate() {
        // Once, the model is refreshed while the trace ends mid-line: the
        // partial line waits, the complete ones are indexed.
        let mut seen_partial = false;
        let mut mid_trace = |written: Instant| {
            if i > 0 || seen_partial {
                return;
            }
            seen_partial = true;
            wait_for_run_event(&rx, written);
            if let Some(fresh) = run.refreshed().expect("refresh mid-line") {
                run = fresh;
            }
            assert_same(&run, &Run::open(&dir).expect("open mid-line"), false);
            assert!(!fs::read(dir.join("trace.ndjson"))
                .expect("trace")
                .ends_with(b"\n"));
        };
        let last_write = replay(&live.join(snapshot), &dir, &mut counter, &mut mid_trace);
        assert!(i > 0 || seen_partial, "no partial line was refreshed");
        wait_for_run_event(&rx, last_write);
        if let Some(fresh) = run.refreshed().expect("refresh") {
            run = fresh;
        }
        let reopened = Run::open(&dir).expect("open");
        assert_same(&run, &reopened, false);
        println!(
            "{snapshot}: {} attempts, last seq {}",
            run.attempts.len(),
            run.last_seq()
        );
    }
    let final_run = Run::open(&live.join("final")).expect("open final");
    assert!(run.end.is_some());
    assert_same(&run, &final_run, true);

    // A rewind rewrites the trace shorter: the refresh starts over.
    let trace = dir.join("trace.ndjson");
    let full = fs::read(&trace).expect("trace");
    let cut = nth_line_end(&full, 20);
    let before = Instant::now();
    fs::write(&trace, &full[..cut]).expect("rewrite shorter");
    wait_for_run_event(&rx, before);
    run = run.refreshed().expect("refresh").expect("a change");
    assert_same(&run, &Run::open(&dir).expect("open"), true);
    assert!(run.end.is_none());
    // And grows again from there.
    let before = Instant::now();
    let _ = append_in_pieces(&trace, &full[cut..], &mut |_| {});
    wait_for_run_event(&rx, before);
    run = run.refreshed().expect("refresh").expect("a change");
    assert_same(&run, &final_run, true);
}

fn nth_line_end(bytes: &[u8], n: usize) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .expect("enough lines")
}

#[test]
fn latency_from_an_append_to_the_event() {
    let runs = tempfile::tempdir().expect("tempdir");
    let run = runs.path().join("run");
    fs::create_dir(&run).expect("mkdir");
    let trace = run.join("trace.ndjson");
    fs::write(&trace, "").expect("trace");
    let (on_event, rx) = recorder();
    let _watcher = watch(Some(&run), Some(runs.path()), on_event).expect("watch");
    let mut file = OpenOptions::new().append(true).open(&trace).expect("open");
    let mut latencies = Vec::new();
    for seq in 0..20 {
        // Paces the appends further apart than the throttle window, so that
        // the figure is that of a leading edge; nothing relies on it.
        sleep(Duration::from_millis(250));
        while rx.try_recv().is_ok() {}
        let written = Instant::now();
        writeln!(file, "{{\"seq\":{seq}}}").expect("append");
        // The event for this append (a late trailing edge of the previous
        // one is stamped before `written`). The bound only turns a lost
        // event into a failure; the figure is reported, not asserted.
        let at = wait_for_run_event(&rx, written);
        latencies.push(at.duration_since(written));
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    println!(
        "append -> watcher event over 20 appends: median {median:?}, min {:?}, max {:?}",
        latencies[0],
        latencies[latencies.len() - 1]
    );
}

/// The child half of `idle_cpu_of_a_watching_process`: watches a quiet runs
/// directory (and a run in it) until killed. Does nothing when run by hand.
#[test]
#[ignore = "run by idle_cpu_of_a_watching_process in a child process"]
fn idle_watch_child() {
    let Some(runs) = std::env::var_os("REEL_IDLE_RUNS_DIR").map(PathBuf::from) else {
        return;
    };
    let run = runs.join("run");
    let _watcher = watch(Some(&run), Some(&runs), |_| {}).expect("watch");
    println!("ready");
    std::io::stdout().flush().expect("flush");
    sleep(Duration::from_secs(60));
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads CPU time from /proc (Linux only)"
)]
fn idle_cpu_of_a_watching_process() {
    let runs = tempfile::tempdir().expect("tempdir");
    fs::create_dir(runs.path().join("run")).expect("mkdir");
    fs::write(runs.path().join("run/trace.ndjson"), "{}\n").expect("trace");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["idle_watch_child", "--exact", "--ignored", "--nocapture"])
        .env("REEL_IDLE_RUNS_DIR", runs.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("ready"));
    assert!(ready, "the child did not start watching");
    sleep(Duration::from_millis(500));
    let before = cpu_ticks(child.id());
    sleep(Duration::from_secs(10));
    let after = cpu_ticks(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let ticks = after - before;
    println!(
        "idle watcher process: {ticks} CPU ticks (utime+stime, 1 tick = 10 ms at USER_HZ 100) over 10 s"
    );
    assert!(ticks <= 5, "an idle watcher burned {ticks} ticks in 10 s");
}

/// utime + stime of a process, in clock ticks (`man 5 proc`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after_name = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line; the split starts at field 3.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}
