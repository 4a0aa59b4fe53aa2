//! Layer 4 of DESIGN §7: the real `reel` binary in a pseudo-terminal
//! (portable-pty), its output fed into a terminal emulator (vt100), keys
//! typed into it and the screen read back. Every wait has a deadline; on
//! a timeout the child is killed and the screen printed, so a hang fails
//! the test instead of blocking CI.

#![cfg(unix)]

mod pty;

use std::io::Write;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use pty::*;

#[test]
fn open_step_search_help_and_quit() {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 160, 48, &[]);
    tui.wait_for("step 1/9 in the status bar", |s| {
        status_bar(s).contains("step 1/9 load_input#1")
    });
    assert!(tui.raw_mode(), "raw mode while running");
    let screen = tui.screen_text();
    assert!(screen.contains("Timeline") && screen.contains("1 Session"));

    tui.send("jjjj");
    tui.wait_for("step 5/9", |s| {
        status_bar(s).contains("step 5/9 review_loop#2")
    });
    // The conversation of round 2 is in the inspector.
    tui.wait_text("Review round 2.");

    tui.send("/");
    tui.wait_for("the search prompt", |s| {
        status_bar(s).contains("Enter search")
    });
    tui.send("finding 2a");
    tui.wait_for("the typed query", |s| {
        status_bar(s).contains("/ finding 2a")
    });
    tui.send("\r");
    tui.wait_for("search hits in the status bar", |s| {
        let bar = status_bar(s);
        bar.contains("/finding 2a (") && bar.contains(" hits)") && bar.contains("hit ")
    });
    let bar = status_bar(tui.output.lock().unwrap().parser.screen());
    assert!(!bar.contains("(0 hits)"), "{bar}");

    tui.send("?");
    tui.wait_for("the help overlay", |s| {
        let text = s.contents();
        text.contains(" Keys ") && text.contains("next step")
    });
    tui.send("x");
    tui.wait_for("the help to close", |s| !s.contents().contains(" Keys "));

    quit_and_check_restored(&mut tui);
}

#[test]
fn small_terminal_80x24() {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 80, 24, &[]);
    tui.wait_for("step 1/9", |s| status_bar(s).contains("step 1/9"));
    tui.send("jjjj");
    tui.wait_for("step 5/9", |s| {
        status_bar(s).contains("step 5/9 review_loop#2")
    });
    let screen = tui.screen_text();
    assert!(screen.contains("review_loop#2"));
    assert_eq!(screen.lines().count(), 24);
    quit_and_check_restored(&mut tui);
}

#[test]
fn browser_open_back_and_quit() {
    let mut tui = Tui::spawn(&["sample-runs"], 160, 48, &[]);
    tui.wait_text("runs in sample-runs");
    // Step counts arrive from a worker after the list shows.
    tui.wait_text("9 steps");
    tui.send("\r");
    tui.wait_for("a run to open", |s| status_bar(s).contains("step "));
    let header = tui
        .output
        .lock()
        .unwrap()
        .parser
        .screen()
        .contents_between(0, 0, 0, 160);
    assert!(
        header.contains("gen-interrupted"),
        "newest run first: {header}"
    );
    tui.send("q");
    tui.wait_text("runs in sample-runs");
    quit_and_check_restored(&mut tui);
}

#[test]
fn no_color_keeps_the_selection_visible() {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 160, 48, &[("NO_COLOR", "1")]);
    tui.wait_for("step 1/9", |s| status_bar(s).contains("step 1/9"));
    tui.send("jj");
    tui.wait_for("step 3/9", |s| {
        status_bar(s).contains("step 3/9 review_loop#1")
    });
    let out = tui.output.lock().unwrap();
    let screen = out.parser.screen();
    let (rows, cols) = screen.size();
    // Timeline rows: the one of the current step is in inverse video, the
    // others are not.
    let mut selected = Vec::new();
    for row in 0..rows {
        let text = screen.contents_between(row, 0, row, cols / 2);
        for id in [
            "load_input#1",
            "classify#1",
            "review_loop#1",
            "decide_more#1",
        ] {
            if !text.contains(&format!(" {id} ")) || !text.contains("16:31:") {
                continue;
            }
            let col = text.find(id).unwrap() as u16;
            let cell = screen.cell(row, col).expect("cell");
            if cell.inverse() {
                selected.push(id);
            }
        }
    }
    assert_eq!(selected, ["review_loop#1"]);
    // And no colour anywhere.
    for row in 0..rows {
        for col in 0..cols {
            let cell = screen.cell(row, col).expect("cell");
            assert_eq!(cell.fgcolor(), vt100::Color::Default, "fg at {row},{col}");
            assert_eq!(cell.bgcolor(), vt100::Color::Default, "bg at {row},{col}");
        }
    }
    drop(out);
    quit_and_check_restored(&mut tui);
}

#[test]
fn a_bad_path_fails_cleanly() {
    let missing = PathBuf::from("sample-runs/no-such-run");
    let mut tui = Tui::spawn(&[missing.to_str().unwrap()], 160, 48, &[]);
    let status = tui.wait_exit();
    assert_eq!(status.exit_code(), 2, "a usage error");
    let text = String::from_utf8_lossy(&tui.bytes()).to_string();
    assert!(text.contains("reel: "), "{text}");
    assert!(
        !text.contains("\x1b[?1049h"),
        "no full screen for a bad path"
    );
}

mod acpx;

/// The viewer on a run while acpx writes it: the run appears in the browser
/// on its own, opens live, and the screen shows it completing — without a
/// key pressed after Enter.
#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared (absent when this was built)"
)]
#[cfg_attr(
    all(reel_shared, reel_skip_acpx),
    ignore = "REEL_SKIP_ACPX_TESTS was set when this was built: runs the real acpx"
)]
fn the_viewer_follows_a_real_acpx_run() {
    let bin = acpx::acpx();
    let (_temp, home, flows) = acpx::prepare(&bin, "live-stream.flow.ts");
    let runs = home.join(".acpx/flows/runs");
    std::fs::create_dir_all(&runs).expect("runs dir");
    let runs_arg = runs.to_string_lossy().into_owned();
    let mut tui = Tui::spawn(&[&runs_arg], 160, 48, &[]);
    tui.wait_text("No runs in");
    let started = Instant::now();
    let mut flow = acpx::start_flow(&bin, &home, &flows, "live-stream.flow.ts");
    tui.wait_for("the new run in the browser", |s| {
        s.contents().contains("Live streaming capture")
    });
    tui.send("\r");
    tui.wait_for("the live run view", |s| s.contents().contains(" step "));
    let status = acpx::wait_timeout(&mut flow, Duration::from_secs(180)).expect("acpx finished");
    assert!(status.success(), "acpx failed: {status}");
    let acpx_done = started.elapsed();
    tui.wait_for("the run completing on screen", |s| {
        s.contents().contains("● completed")
    });
    println!(
        "acpx finished after {acpx_done:?}; the screen showed it completed after {:?}",
        started.elapsed()
    );
    let screen = tui.screen_text();
    assert!(
        screen.contains("finish#1"),
        "the last step is listed:\n{screen}"
    );
    // Back in the browser, the run's row has settled too.
    tui.send("q");
    tui.wait_for("the browser to show the finished run", |s| {
        s.contents().contains("completed") && s.contents().contains("5 steps")
    });
    quit_and_check_restored(&mut tui);
}

/// How long a line appended to a live run's trace takes to show on the
/// screen (reported, not asserted: this machine is shared and noisy).
#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
fn an_appended_event_reaches_the_screen_quickly() {
    let source = std::path::Path::new(env!("REEL_SHARED_DIR"))
        .join("bundles/acpx-0.19.1/live-stream/snapshots/t12");
    assert!(source.is_dir(), "{} is absent", source.display());
    let temp = tempfile::tempdir().expect("tempdir");
    let run = temp.path().join("run");
    copy_tree(&source, &run);
    // A heartbeat a moment ago: the run is live, so the view follows its head.
    let live_path = run.join("projections/live.json");
    let mut live: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&live_path).expect("live")).expect("json");
    let now = reel::bundle::timestamp::format_iso_millis(reel::timetravel::runid::now_ms());
    live["lastHeartbeatAt"] = now.into();
    std::fs::write(&live_path, live.to_string()).expect("write live");
    let trace_path = run.join("trace.ndjson");
    let trace = std::fs::read_to_string(&trace_path).expect("trace");
    let template = trace.lines().last().expect("a last line").to_string();
    let last_seq = 21;

    let run_arg = run.to_string_lossy().into_owned();
    let mut tui = Tui::spawn(&[&run_arg], 160, 48, &[]);
    tui.wait_text(&format!("seq {last_seq}/{last_seq}"));
    let mut latencies = Vec::new();
    for i in 1..=10u32 {
        let seq = last_seq + i;
        let line = template.replacen("\"seq\":21", &format!("\"seq\":{seq}"), 1);
        let appended = Instant::now();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&trace_path)
            .expect("open");
        writeln!(file, "{line}").expect("append");
        drop(file);
        let wanted = format!("seq {seq}/{seq}");
        tui.wait_for(&wanted, |s| s.contents().contains(&wanted));
        latencies.push(appended.elapsed());
        // Paces the appends so each one is a separate change, as heartbeats
        // are; nothing relies on it.
        thread::sleep(Duration::from_millis(150));
    }
    latencies.sort();
    println!(
        "append → on screen: median {:?}, max {:?} over {} appends",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        latencies.len()
    );
    quit_and_check_restored(&mut tui);
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `reel play` moves the cursor by itself: no key is sent until `q`.
#[test]
fn play_advances_without_keys() {
    let mut tui = Tui::spawn(&["play", BRANCHING_REVIEW, "--speed", "10"], 160, 48, &[]);
    tui.wait_for("playback to stop at the last step", |s| {
        let bar = status_bar(s);
        bar.contains("step 9/9") && bar.contains("⏸")
    });
    // A playback at 10× is over in a second or two: its frames are read
    // from the status bars recorded after each one, not caught on screen.
    let bars = tui.output.lock().unwrap().status_bars.clone();
    let playing = |step: &str| {
        bars.iter()
            .any(|b| b.contains("▶ 10×") && b.contains(&format!("step {step}/9")))
    };
    assert!(playing("1"), "playback started at step 1: {bars:#?}");
    assert!(
        playing("5"),
        "the cursor passed step 5 on its own: {bars:#?}"
    );
    quit_and_check_restored(&mut tui);
}

/// A tour in the viewer: captions appear, `n` goes to the next stop,
/// `p` back, `q` leaves with the terminal restored.
#[test]
fn a_tour_runs_in_the_viewer() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let cast = scratch.path().join("live.cast");
    let cast_arg = cast.to_string_lossy().into_owned();
    let mut tui = Tui::spawn(
        &[
            "demo",
            "assets/tours/branching-review.tour",
            "--record",
            &cast_arg,
        ],
        160,
        48,
        &[],
    );
    tui.wait_text("The flow graph");
    tui.send("n");
    tui.wait_text("The timeline");
    tui.send("p");
    tui.wait_text("The flow graph");
    tui.send("n");
    tui.wait_text("The timeline");
    quit_and_check_restored(&mut tui);
    // The recording of what was shown: a valid asciicast v2 file.
    let text = std::fs::read_to_string(&cast).expect("the recording was written");
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("header")).expect("JSON header");
    assert_eq!(
        (header["version"].as_u64(), header["width"].as_u64()),
        (Some(2), Some(160))
    );
    let frames: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(l).expect("JSON event"))
        .collect();
    assert!(frames
        .iter()
        .any(|f| f[2].as_str().is_some_and(|d| d.contains("The timeline"))));
}
