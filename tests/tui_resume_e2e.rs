//! Continuing a fork from the viewer with the REAL acpx, end to end: acpx
//! runs branching-review, `reel fork` cuts it at review_loop#1, and the
//! viewer — in a pseudo-terminal, with HOME at acpx's temp home and
//! `$REEL_ACPX` at the acpx package — opens the fork, `C` shows the preview,
//! fresh sessions are chosen when it says the reviewer's session diverged,
//! Enter runs it, and the screen follows the run live until it completes.
//! Then the bundle validates, the lineage and `d` tell what happened, and
//! quitting in the middle of a second continuation stops its driver.
//!
//! Every wait has a deadline; the frames are replayed afterwards from the
//! bytes reel wrote, so states on screen only for a moment are checked
//! from the record instead of by catching them while polling.

#![cfg(unix)]

mod acpx;
mod pty;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use pty::Tui;

const FLOW: &str = "branching-review.flow.ts";
/// How long the continuation may take on a loaded machine: a bound, not
/// a pace.
const CONTINUE_TIMEOUT: Duration = Duration::from_secs(180);
const COLS: u16 = 160;
const ROWS: u16 = 48;

/// A finished acpx run of branching-review, and where things are.
struct Setup {
    _temp: tempfile::TempDir,
    home: PathBuf,
    runs: PathBuf,
    parent: PathBuf,
}

fn setup() -> Setup {
    let bin = acpx::acpx();
    let (temp, home, flows) = acpx::prepare(&bin, FLOW);
    let mut child = acpx::start_flow(&bin, &home, &flows, FLOW);
    let status = acpx::wait_timeout(&mut child, CONTINUE_TIMEOUT).expect("acpx finished in time");
    assert!(
        status.success(),
        "acpx failed: {status}\n{}",
        std::fs::read_to_string(home.join("acpx.err")).unwrap_or_default()
    );
    let runs = home.join(".acpx/flows/runs");
    let mut found = run_dirs(&runs);
    assert_eq!(found.len(), 1, "one run: {found:?}");
    Setup {
        _temp: temp,
        home,
        runs,
        parent: found.remove(0),
    }
}

fn run_dirs(runs: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .expect("runs dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn reel(setup: &Setup, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .env("HOME", &setup.home)
        .env_remove("ACPX_FLOW_RUNS_DIR")
        .output()
        .expect("run reel")
}

/// `reel fork PARENT --at ATTEMPT` through the binary; the fork's folder.
fn fork(setup: &Setup, at: &str) -> PathBuf {
    let before = run_dirs(&setup.runs);
    let parent = setup.parent.to_string_lossy().into_owned();
    let out = reel(setup, &["fork", &parent, "--at", at]);
    assert!(
        out.status.success(),
        "reel fork failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut new: Vec<PathBuf> = run_dirs(&setup.runs)
        .into_iter()
        .filter(|d| !before.contains(d))
        .collect();
    assert_eq!(new.len(), 1, "one fork made: {new:?}");
    new.remove(0)
}

/// The viewer on `run`, finding acpx where the test installed it.
fn viewer(setup: &Setup, run: &Path) -> Tui {
    let acpx_package = acpx::npm_dir().join("node_modules/acpx");
    let run_arg = run.to_string_lossy().into_owned();
    let home = setup.home.to_string_lossy().into_owned();
    let package = acpx_package.to_string_lossy().into_owned();
    Tui::spawn(
        &[&run_arg],
        COLS,
        ROWS,
        &[("HOME", &home), ("REEL_ACPX", &package)],
    )
}

/// Waits for `check` on the screen up to `timeout` (longer than the pty
/// harness's own bound: a continuation runs agent turns).
fn wait_long(tui: &mut Tui, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        let text = tui.screen_text();
        if check(&text) {
            return;
        }
        if Instant::now() > deadline {
            tui.fail(&format!(
                "timed out after {timeout:?} waiting for {what}; the screen:\n{text}"
            ));
        }
        if tui.process_state().is_none() {
            tui.fail(&format!("reel exited while waiting for {what}"));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn wait_text(tui: &mut Tui, text: &str) {
    wait_long(
        tui,
        &format!("{text:?} on screen"),
        Duration::from_secs(60),
        |s| s.contains(text),
    );
}

/// Esc, then waits until `marker` is gone: a key sent right after Esc
/// would read as alt-key. The marker is waited for first, so a frame only
/// half drawn is not taken for the dialog gone.
fn close_dialog(tui: &mut Tui, marker: &str) {
    wait_text(tui, marker);
    tui.send("\x1b");
    wait_long(
        tui,
        &format!("{marker:?} to close"),
        Duration::from_secs(60),
        |s| !s.contains(marker),
    );
}

/// Every frame reel drew, replayed from its output (ratatui ends each
/// frame by hiding the cursor).
fn frames(bytes: &[u8]) -> Vec<String> {
    const FRAME_END: &[u8] = b"\x1b[?25l";
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .windows(FRAME_END.len())
            .position(|w| w == FRAME_END)
            .map_or(rest.len(), |i| i + FRAME_END.len());
        parser.process(&rest[..end]);
        rest = &rest[end..];
        out.push(parser.screen().contents());
    }
    out
}

fn header(frame: &str) -> &str {
    frame.lines().next().unwrap_or("")
}

fn status_bar(frame: &str) -> &str {
    frame.lines().last().unwrap_or("")
}

fn trace_types(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("trace.ndjson"))
        .expect("trace")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|e| e["type"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Opens the continue dialog and waits for its plan; picks fresh sessions
/// when the preview says one diverged, and checks the preview on the way.
fn open_and_choose(tui: &mut Tui) {
    let asked = Instant::now();
    tui.send("C");
    wait_text(tui, "Continue this run");
    wait_long(tui, "the preview", Duration::from_secs(60), |s| {
        s.contains("Enter continue") || s.contains("Enter is off") || s.contains("cannot continue")
    });
    println!("the preview was on screen {:?} after C", asked.elapsed());
    let text = tui.screen_text();
    assert!(
        !text.contains("cannot continue"),
        "the plan failed:\n{text}"
    );
    for wanted in [
        "goes on at   decide_more",
        "⚠ run_checks (action): shell command",
        "⚠ summarize (acp): ACP prompt",
        "[approve-all]",
        "the flow requires approve-all",
        "acpx 0.19.1",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} missing from the preview:\n{text}"
        );
    }
    if text.contains("Enter is off") {
        // acpx's run went on in the reviewer session after review_loop#1.
        assert!(text.contains("DIVERGED"), "{text}");
        tui.send("s");
        wait_text(tui, "[reuse]");
        tui.send("s");
        wait_text(tui, "[fresh]");
        wait_long(tui, "the fresh plan", Duration::from_secs(60), |s| {
            s.contains("[fresh]") && s.contains("Enter continue")
        });
    }
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
#[cfg_attr(
    all(reel_shared, reel_skip_acpx),
    ignore = "REEL_SKIP_ACPX_TESTS is set: needs node and acpx"
)]
fn a_fork_continued_from_the_viewer_completes_live() {
    let setup = setup();
    let fork = fork(&setup, "review_loop#1");
    let mut tui = viewer(&setup, &fork);
    wait_text(&mut tui, "● waiting");
    open_and_choose(&mut tui);
    let started = Instant::now();
    tui.send("\r");
    wait_long(
        &mut tui,
        "the continuation to complete",
        CONTINUE_TIMEOUT,
        |s| {
            s.contains("finalize#1")
                && s.lines().next().is_some_and(|h| h.contains("● completed"))
                && s.contains("continued: completed")
        },
    );
    println!("continued to completion in {:?}", started.elapsed());
    let text = tui.screen_text();
    assert!(
        text.contains("continued: completed · 6 steps ran · u undoes"),
        "{text}"
    );

    // The frames drawn while it ran: live, following, the new steps coming
    // in while the run was still going, with the agent's text.
    let drawn = frames(&tui.bytes());
    let running: Vec<&String> = drawn
        .iter()
        .filter(|f| status_bar(f).contains("continuing"))
        .collect();
    assert!(!running.is_empty(), "the status bar said it was continuing");
    assert!(
        running.iter().all(|f| status_bar(f).contains("● LIVE")),
        "the view followed the run live the whole time"
    );
    assert!(
        running
            .iter()
            .any(|f| f.contains("review_loop#2") && !header(f).contains("completed")),
        "a new step appeared while the run was still going"
    );
    assert!(
        running
            .iter()
            .any(|f| f.contains("review_loop#2") && f.contains("Review round 2")),
        "the new step's conversation was shown as it ran"
    );

    // The bundle: continued in place, and valid.
    let types = trace_types(&fork);
    assert_eq!(types.iter().filter(|t| *t == "run_resumed").count(), 1);
    assert_eq!(types.last().map(String::as_str), Some("run_completed"));
    let fork_arg = fork.to_string_lossy().into_owned();
    let out = reel(&setup, &["validate", &fork_arg]);
    assert!(
        out.status.success(),
        "the continued fork validates: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The lineage shows which fork was continued and how it ended.
    tui.send("L");
    wait_text(&mut tui, "↻ continued at decide_more, 6 steps ran");
    close_dialog(&mut tui, "Enter opens a branch");
    // `d` against the parent names the continuation and compares the ends.
    tui.send("d");
    wait_text(&mut tui, "diff against parent");
    let text = tui.screen_text();
    assert!(
        text.contains("continued at decide_more, 6 steps ran; the fork is completed now"),
        "{text}"
    );
    assert!(
        text.contains("at the fork point (step 3): identical"),
        "{text}"
    );
    close_dialog(&mut tui, "diff against parent");
    // `reel tree` tells it too.
    let runs_arg = setup.runs.to_string_lossy().into_owned();
    let tree = reel(&setup, &["tree", &runs_arg]);
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(
        tree.contains("completed  9 steps  ↻ continued at decide_more, 6 steps ran"),
        "{tree}"
    );
    assert!(
        tree.contains("before resume (waiting after review_loop#1)"),
        "{tree}"
    );

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    pty::assert_restored(&tui);
}

/// The processes running the resume driver reel `pid` wrote.
fn drivers_of(pid: u32) -> Vec<String> {
    let marker = format!("reel-driver-{pid}-");
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
                .filter(|cmd| cmd.contains(&marker))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
#[cfg_attr(
    all(reel_shared, reel_skip_acpx),
    ignore = "REEL_SKIP_ACPX_TESTS is set: needs node and acpx"
)]
fn quitting_while_continuing_stops_the_driver() {
    let setup = setup();
    let fork = fork(&setup, "review_loop#1");
    let mut tui = viewer(&setup, &fork);
    wait_text(&mut tui, "● waiting");
    open_and_choose(&mut tui);
    tui.send("\r");
    // Once the run has gone on (its run_resumed is written), quit at once.
    wait_long(&mut tui, "the run going on", CONTINUE_TIMEOUT, |s| {
        s.contains("continuing at decide_more")
    });
    let pid = tui.pid();
    assert!(!drivers_of(pid).is_empty(), "the driver runs");
    let asked = Instant::now();
    tui.send("\x03"); // ctrl-c
    let status = tui.wait_exit();
    println!("reel exited {:?} after ctrl-c", asked.elapsed());
    assert!(status.success(), "{status:?}");
    pty::assert_restored(&tui);
    // reel waited for the driver: nothing is left writing the run.
    assert_eq!(drivers_of(pid), Vec::<String>::new());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fork.join("manifest.json")).expect("manifest"))
            .expect("json");
    let types = trace_types(&fork);
    assert!(types.contains(&"run_resumed".to_string()), "{types:?}");
    println!("the fork ended {}", manifest["status"]);
    if manifest["status"] != "completed" {
        // Stopped as acpx stops on ctrl-c.
        assert_eq!(manifest["status"], "failed", "{manifest}");
        assert_eq!(types.last().map(String::as_str), Some("run_failed"));
    }
    let fork_arg = fork.to_string_lossy().into_owned();
    let out = reel(&setup, &["validate", &fork_arg]);
    assert!(
        out.status.success(),
        "the stopped fork validates: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // reel saw the end: the audit log records the resume as done (it
    // would stay in progress had reel gone first).
    let audit = std::fs::read_to_string(setup.runs.join(".reel/audit.ndjson")).expect("audit log");
    let records: Vec<serde_json::Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|r: &serde_json::Value| r["op"] == "resume")
        .collect();
    assert_eq!(
        records
            .iter()
            .map(|r| r["state"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["in_progress", "done"],
        "{audit}"
    );
    // And undo gives the waiting fork back.
    let out = reel(&setup, &["undo", &fork_arg, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fork.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["status"], "waiting");
}
