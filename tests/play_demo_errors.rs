//! `reel play` and `reel demo` on a run that cannot open give the error
//! `reel show` gives (`…/trace.ndjson:3: …`), exit 1 and write no
//! recording; without a terminal they say they need one (exit 2, the
//! usage code: the command cannot work as invoked). `common::reel` runs
//! the binary with stdin from /dev/null and stdout a pipe: no terminal.

mod common;
mod pty;

use std::path::{Path, PathBuf};

const SAMPLE: &str = "sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8";

/// A copy of the sample run whose trace has a broken JSON line 3. Returns
/// the scratch folder (kept alive), the run and the trace path.
fn broken_run() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let run = scratch.path().join("run");
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE), &run);
    let trace = run.join("trace.ndjson");
    let text = std::fs::read_to_string(&trace).expect("trace");
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 3, "the sample trace has more than 3 lines");
    lines[2] = "{\"seq\": 3, \"type\": broken";
    std::fs::write(&trace, lines.join("\n") + "\n").expect("write trace");
    (scratch, run, trace)
}

/// The one-line error `reel show` gives for the broken run.
fn show_error(run: &Path, trace: &Path) -> String {
    let out = common::reel(["show".as_ref(), run.as_os_str()]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let line = out.stderr.trim().to_string();
    // Computed here, not taken from reel: the file and the line we broke.
    let wanted = format!("reel: {}:3: ", trace.display());
    assert!(
        line.starts_with(&wanted),
        "show: {line:?}, wanted {wanted:?}…"
    );
    line
}

fn assert_same_error(what: &str, out: &common::Output, show: &str) {
    assert_eq!(out.code, Some(1), "{what}: {}", out.describe());
    // show's message, without its `reel: ` prefix, is the tail.
    let message = show.trim_start_matches("reel: ");
    assert!(
        out.stderr.trim().ends_with(message),
        "{what}: {:?} does not end with {message:?}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
    assert!(!out.stderr.contains("cannot open this run"), "{what}");
}

#[test]
fn play_headless_on_a_broken_run_gives_the_show_error_and_no_recording() {
    let (scratch, run, trace) = broken_run();
    let show = show_error(&run, &trace);
    let cast = scratch.path().join("out.cast");
    let out = common::reel([
        "play".as_ref(),
        run.as_os_str(),
        "--headless".as_ref(),
        "--record".as_ref(),
        cast.as_os_str(),
    ]);
    assert_same_error("play --headless", &out, &show);
    assert_eq!(out.stderr.trim(), show, "exactly show's error");
    assert!(!cast.exists(), "no recording of a run that did not open");
}

#[test]
fn play_without_a_terminal_on_a_broken_run_gives_the_show_error() {
    let (scratch, run, trace) = broken_run();
    let show = show_error(&run, &trace);
    let cast = scratch.path().join("out.cast");
    let out = common::reel(["play".as_ref(), run.as_os_str()]);
    assert_same_error("play", &out, &show);
    assert_eq!(out.stderr.trim(), show, "exactly show's error");
    let out = common::reel([
        "play".as_ref(),
        run.as_os_str(),
        "--record".as_ref(),
        cast.as_os_str(),
    ]);
    assert_same_error("play --record", &out, &show);
    assert!(!cast.exists());
}

#[test]
fn a_tour_opening_a_broken_run_gives_the_show_error_with_its_line() {
    let (scratch, run, trace) = broken_run();
    let show = show_error(&run, &trace);
    let tour = scratch.path().join("broken.tour");
    std::fs::write(
        &tour,
        format!(
            "# a tour of a broken run\nopen {}\npause key\n",
            run.display()
        ),
    )
    .expect("write tour");
    let cast = scratch.path().join("out.cast");
    let out = common::reel([
        "demo".as_ref(),
        tour.as_os_str(),
        "--headless".as_ref(),
        "--record".as_ref(),
        cast.as_os_str(),
    ]);
    assert_same_error("demo --headless", &out, &show);
    let at = format!("reel: {}: line 2: ", tour.display());
    assert!(out.stderr.starts_with(&at), "{:?}", out.stderr);
    assert!(!cast.exists(), "no recording of a tour that failed");
    // Without a terminal: the same error, before "needs a terminal".
    let out = common::reel(["demo".as_ref(), tour.as_os_str()]);
    assert_same_error("demo", &out, &show);
    assert!(out.stderr.starts_with(&at), "{:?}", out.stderr);
}

#[test]
fn play_and_demo_without_a_terminal_say_they_need_one() {
    let tour = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/tours/branching-review.tour");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    for (what, args) in [
        ("play", vec!["play".as_ref(), sample.as_os_str()]),
        (
            "play --speed",
            vec![
                "play".as_ref(),
                sample.as_os_str(),
                "--speed".as_ref(),
                "2".as_ref(),
            ],
        ),
        ("demo", vec!["demo".as_ref(), tour.as_os_str()]),
    ] {
        let out = common::reel(args);
        assert_eq!(out.code, Some(2), "{what}: {}", out.describe());
        assert!(
            out.stderr.contains("needs a terminal") && out.stderr.contains("--headless"),
            "{what}: {:?}",
            out.stderr
        );
        assert!(!out.stderr.contains("os error"), "{what}: {:?}", out.stderr);
        assert!(
            !out.stdout.contains('\x1b') && !out.stderr.contains('\x1b'),
            "{what}: no terminal sequences"
        );
    }
}

/// With a terminal, the viewer shows the same error on its "cannot open"
/// screen, and `q` leaves with the terminal restored.
#[cfg(unix)]
#[test]
fn play_in_the_viewer_shows_the_show_error() {
    let (_scratch, run, trace) = broken_run();
    let show = show_error(&run, &trace);
    let message = show.trim_start_matches("reel: ").to_string();
    let run_arg = run.to_string_lossy().into_owned();
    let mut tui = pty::Tui::spawn(&["play", &run_arg], 160, 48, &[]);
    // The message may wrap: compare without whitespace.
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let wanted = squeeze(&message);
    tui.wait_for("the error on the cannot-open screen", move |s| {
        let text = s.contents();
        text.contains("Cannot open this run") && squeeze(&text).contains(&wanted)
    });
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    pty::assert_restored(&tui);
}
