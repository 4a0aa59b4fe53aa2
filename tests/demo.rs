//! Tours and recordings: the shipped tours record headless into valid
//! asciicast v2 files whose frames show their captions, the same tour gives
//! the same frames every time, tour errors name the line, a caption overlay
//! snapshot, and a headless recording of a playback.

mod common;

use std::path::{Path, PathBuf};

use reel::demo::player::TourPlayer;
use reel::demo::tour::{self, TourStep};
use reel::tui::app::{App, Screen};
use reel::tui::keymap::Keymap;
use reel::tui::theme::Theme;
use serde_json::Value;

fn tours() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/tours");
    let mut tours: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("assets/tours")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tour"))
        .collect();
    tours.sort();
    assert!(tours.len() >= 2, "at least two shipped tours");
    tours
}

fn record(tour: &Path, out: &Path) -> common::Output {
    let out_arg = out.to_string_lossy().into_owned();
    let tour_arg = tour.to_string_lossy().into_owned();
    common::reel([
        "demo",
        &tour_arg,
        "--headless",
        "--record",
        &out_arg,
        "--size",
        "120x36",
    ])
}

/// The header and events of an asciicast v2 file, checked line by line.
fn parse_cast(path: &Path) -> (Value, Vec<(f64, String)>) {
    let text = std::fs::read_to_string(path).expect("recording");
    let mut lines = text.lines();
    let header: Value =
        serde_json::from_str(lines.next().expect("a header")).expect("header is JSON");
    assert_eq!(header["version"], 2);
    assert!(header["width"].as_u64().is_some() && header["height"].as_u64().is_some());
    let mut events = Vec::new();
    let mut last = 0.0;
    for line in lines {
        let event: Value = serde_json::from_str(line).expect("event line is JSON");
        let array = event.as_array().expect("an event is an array");
        assert_eq!(array.len(), 3, "{line}");
        let time = array[0].as_f64().expect("time");
        assert!(time >= last, "times never go back");
        last = time;
        assert_eq!(array[1], "o");
        events.push((time, array[2].as_str().expect("data").to_string()));
    }
    assert!(!events.is_empty());
    (header, events)
}

#[test]
fn shipped_tours_record_valid_casts_showing_their_captions() {
    let scratch = tempfile::tempdir().expect("tempdir");
    for tour_path in tours() {
        let out = scratch.path().join("tour.cast");
        let result = record(&tour_path, &out);
        assert_eq!(result.code, Some(0), "{}", result.describe());
        let (header, events) = parse_cast(&out);
        assert_eq!(header["width"], 120);
        let parsed = tour::load(&tour_path).expect("tour parses");
        for line in &parsed.steps {
            if let TourStep::Caption { title, .. } = &line.step {
                assert!(
                    events
                        .iter()
                        .any(|(_, frame)| frame.contains(title.as_str())),
                    "{}: caption {title:?} never shown",
                    tour_path.display()
                );
            }
        }
    }
}

#[test]
fn the_same_tour_gives_the_same_frames() {
    let scratch = tempfile::tempdir().expect("tempdir");
    for tour_path in tours() {
        let (a, b) = (scratch.path().join("a.cast"), scratch.path().join("b.cast"));
        assert_eq!(record(&tour_path, &a).code, Some(0));
        assert_eq!(record(&tour_path, &b).code, Some(0));
        let frames = |p: &Path| {
            parse_cast(p)
                .1
                .into_iter()
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
        };
        assert_eq!(frames(&a), frames(&b), "{}", tour_path.display());
    }
}

#[test]
fn tour_errors_name_the_line() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let bad = scratch.path().join("bad.tour");
    std::fs::write(&bad, "# a tour\nopen ../nowhere\nfly to the moon\n").expect("write");
    let result = record(&bad, &scratch.path().join("x.cast"));
    assert_ne!(result.code, Some(0));
    assert!(
        result.stderr.contains("bad.tour:3"),
        "{}",
        result.describe()
    );
    assert!(
        !scratch.path().join("x.cast").exists(),
        "no half-written recording"
    );
}

#[test]
fn caption_overlay_snapshot() {
    let tour_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/tours/branching-review.tour");
    let mut player = TourPlayer::new(tour::load(&tour_path).expect("tour"));
    let screen = Screen::Loading {
        path: PathBuf::new(),
        done: 0,
        total: 0,
    };
    let mut app = App::new(screen, Keymap::defaults(), Theme::plain());
    player.run_to_stop(&mut app).expect("first stop");
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| reel::tui::ui::draw(f, &mut app))
        .expect("draw");
    let frame = reel::demo::asciicast::ansi_frame(terminal.backend().buffer());
    let text = frame.replace("\u{1b}[H\u{1b}[2J", "").replace("\r\n", "\n");
    assert!(text.contains("The flow graph"), "{text}");
    insta::assert_snapshot!("caption_overlay@80x24", text);
}

#[test]
fn a_playback_records_headless() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("play.cast");
    let run = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8");
    let result = common::reel([
        "play",
        &run.to_string_lossy(),
        "--speed",
        "5",
        "--headless",
        "--record",
        &out.to_string_lossy(),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.describe());
    let (_, events) = parse_cast(&out);
    for step in ["step 1/9", "step 5/9", "step 9/9"] {
        assert!(
            events.iter().any(|(_, f)| f.contains(step)),
            "{step} never recorded"
        );
    }
    assert!(
        events.last().is_some_and(|(_, f)| f.contains("⏸")),
        "playback ends paused at the end"
    );
}

/// A tour's scratch copies (issue 9's siblings): one left by a killed tour
/// (its pid gone) is removed by the next tour, one of a live process is
/// kept, the tour removes its own, and a FIFO inside a run does not hang
/// the copy.
#[cfg(target_os = "linux")]
#[test]
fn tour_scratch_folders_of_dead_tours_are_removed_and_copies_never_hang() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scratch_root = tmp.path().join("tmpdir");
    let dead = scratch_root.join("reel-tour-999999999-deadbeef");
    let live = scratch_root.join(format!("reel-tour-{}-cafecafe", std::process::id()));
    for dir in [&dead, &live] {
        std::fs::create_dir_all(dir.join("some-run")).expect("mkdir");
    }
    let run_id = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
    let run = tmp.path().join("runs").join(run_id);
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-runs")
            .join(run_id),
        &run,
    );
    let fifo = run.join("artifacts/a-fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let tour = tmp.path().join("t.tour");
    std::fs::write(&tour, format!("open runs/{run_id}\nstep 2\nfork \"x\"\n")).expect("tour");
    let cast = tmp.path().join("t.cast");
    let out = common::reel_in(
        tmp.path(),
        &[("TMPDIR", scratch_root.as_os_str())],
        [
            "demo".as_ref(),
            tour.as_os_str(),
            "--headless".as_ref(),
            "--record".as_ref(),
            cast.as_os_str(),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(!dead.exists(), "a dead tour's scratch folder is removed");
    assert!(live.exists(), "a live process's scratch folder is kept");
    let left: Vec<_> = std::fs::read_dir(&scratch_root)
        .expect("ls")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != &live)
        .collect();
    assert_eq!(
        left,
        Vec::<PathBuf>::new(),
        "the tour removed its own scratch"
    );
}
