//! End to end: a real acpx flow runs while `reel show --follow` (human and
//! `--json`) watches its folder from the moment it appears; both must list
//! every attempt of the finished run and exit 0 by themselves.
//!
//! Needs `../shared` (the acpx generator's flows and mock agent) and node,
//! npm and acpx 0.19.1 (see `acpx/mod.rs`: installed under `target/tmp`
//! when missing). Without `../shared` at build time the test is ignored;
//! without acpx it fails, unless built with `REEL_SKIP_ACPX_TESTS` set.
//! Everything it writes is under temp folders: acpx runs with `HOME`
//! pointed at one, so the real `~/.acpx` is never touched.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reel::model::Run;

// Bounds that turn a hang into a failure; generous for a loaded machine.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);
const FOLLOWER_TIMEOUT: Duration = Duration::from_secs(120);

mod acpx;
use acpx::{acpx, wait_timeout};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A `reel show RUN --follow` child and the lines it printed, each with the
/// time it was read.
struct Follower {
    child: Child,
    lines: mpsc::Receiver<(String, i64)>,
    stderr: PathBuf,
}

fn start_follower(run_dir: &Path, home: &Path, json: bool, stderr: PathBuf) -> Follower {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
    command.arg("show").arg(run_dir).arg("--follow");
    if json {
        command.arg("--json");
    }
    let mut child = command
        .env("HOME", home)
        .env_remove("ACPX_FLOW_RUNS_DIR")
        .stdout(Stdio::piped())
        .stderr(fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("start reel");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((line, now_ms()));
        }
    });
    Follower {
        child,
        lines,
        stderr,
    }
}

impl Follower {
    /// Waits for the follower to exit by itself; its lines.
    fn finish(mut self, timeout: Duration) -> Vec<(String, i64)> {
        let status = wait_timeout(&mut self.child, timeout);
        let mut stderr = String::new();
        let _ = fs::File::open(&self.stderr).and_then(|mut f| f.read_to_string(&mut stderr));
        if status.is_some_and(|s| s.code() == Some(2)) && stderr.contains("--follow") {
            panic!("`reel show` does not know --follow yet: wire cli::follow into cli/mod.rs ({stderr})");
        }
        let status = status
            .unwrap_or_else(|| panic!("reel --follow did not end by itself; stderr: {stderr}"));
        assert!(
            status.success(),
            "reel --follow exited with {status}; stderr: {stderr}"
        );
        self.lines.iter().collect()
    }
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared (absent when this was built)"
)]
#[cfg_attr(
    all(reel_shared, reel_skip_acpx),
    ignore = "REEL_SKIP_ACPX_TESTS was set when this was built: runs the real acpx"
)]
fn show_follow_tracks_a_real_acpx_run_to_its_end() {
    let bin = acpx();
    let (temp, home, flows) = acpx::prepare(&bin, "live-stream.flow.ts");
    let started = Instant::now();
    let mut run = acpx::start_flow(&bin, &home, &flows, "live-stream.flow.ts");

    // Follow from the moment the run can be named (its manifest exists).
    let runs = home.join(".acpx/flows/runs");
    let run_dir = loop {
        let found = fs::read_dir(&runs).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.join("manifest.json").is_file())
        });
        if let Some(dir) = found {
            break dir;
        }
        if let Ok(Some(status)) = run.try_wait() {
            let err = fs::read_to_string(home.join("acpx.err")).unwrap_or_default();
            panic!("acpx ended ({status}) before its run folder appeared: {err}");
        }
        assert!(started.elapsed() < RUN_TIMEOUT, "no run folder appeared");
        thread::sleep(Duration::from_millis(10));
    };
    let followed_at = now_ms();
    let appeared = started.elapsed();
    let human = start_follower(&run_dir, &home, false, temp.path().join("human.err"));
    let json = start_follower(&run_dir, &home, true, temp.path().join("json.err"));

    let status = wait_timeout(&mut run, RUN_TIMEOUT).expect("acpx did not finish");
    let acpx_done = started.elapsed();
    assert!(status.success(), "acpx failed: {status}");
    let human = human.finish(FOLLOWER_TIMEOUT);
    let json = json.finish(FOLLOWER_TIMEOUT);
    println!(
        "acpx run: folder after {appeared:?}, finished after {acpx_done:?}; followers ended after {:?}",
        started.elapsed()
    );

    let finished = Run::open(&run_dir).expect("open the finished run");
    assert_eq!(finished.status(), "completed");
    let ids: Vec<&str> = finished
        .attempts
        .iter()
        .map(|a| finished.attempt_id(a))
        .collect();
    assert!(ids.len() >= 5, "{ids:?}");

    // Human: header, one row per attempt in order, the closing line.
    let text: Vec<&str> = human.iter().map(|(l, _)| l.as_str()).collect();
    println!("{}", text.join("\n"));
    let rows: Vec<&(String, i64)> = human
        .iter()
        .filter(|(l, _)| l.len() > 6 && l[..4].trim().parse::<usize>().is_ok())
        .collect();
    assert_eq!(rows.len(), ids.len(), "{text:#?}");
    for (row, id) in rows.iter().zip(&ids) {
        assert!(row.0.contains(id), "{} lacks {id}", row.0);
    }
    let last = text.last().expect("lines");
    assert!(last.starts_with("run completed"), "{last}");

    // JSON: one object per attempt, then runEnded.
    let values: Vec<serde_json::Value> = json
        .iter()
        .map(|(l, _)| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let (end, attempts) = values.split_last().expect("lines");
    let json_ids: Vec<&str> = attempts
        .iter()
        .map(|v| v["attemptId"].as_str().expect("attemptId"))
        .collect();
    assert_eq!(json_ids, ids);
    assert_eq!(*end, serde_json::json!({"runEnded": "completed"}));

    // How late each attempt was printed after acpx finished it.
    let mut lags = Vec::new();
    for (attempt, (_, printed_at)) in finished.attempts.iter().zip(&rows) {
        if let Some(done) = attempt
            .finished_ms(&finished.bundle.trace)
            .filter(|&t| t > followed_at)
        {
            lags.push(printed_at - done);
        }
    }
    lags.sort_unstable();
    println!(
        "attempt finished -> line printed by reel --follow (ms, attempts finished after it started): {lags:?}"
    );
}
