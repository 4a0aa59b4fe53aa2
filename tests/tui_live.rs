//! The run view on a run that is still being written: new events appear
//! on a change notice, a cursor at the head follows, a cursor moved back
//! stays pinned and the status bar offers the way back, and the in-flight
//! agent turn shows in the Session tab as it streams.

mod states;
mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use reel::tui::message::Msg;
use support::*;

/// A live-stream capture; the tests using them are ignored when the tests
/// were built without `../shared/bundles` (build.rs).
fn live_stream(name: &str) -> PathBuf {
    let path = Path::new(env!("REEL_SHARED_DIR"))
        .join("bundles/acpx-0.19.1/live-stream")
        .join(name);
    assert!(path.is_dir(), "{} is absent", path.display());
    path
}

/// A copy of the t12 snapshot (an agent turn streaming) whose writer looks
/// alive: its live projection says it heartbeat a second ago.
fn live_copy() -> (tempfile::TempDir, PathBuf) {
    let source = live_stream("snapshots/t12");
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = tmp.path().join("run");
    copy_dir(&source, &run);
    touch_heartbeat(&run);
    (tmp, run)
}

fn touch_heartbeat(run: &Path) {
    let path = run.join("projections/live.json");
    let mut live: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).expect("live")).expect("json");
    let now = reel::bundle::timestamp::format_iso_millis(reel::timetravel::runid::now_ms());
    live["lastHeartbeatAt"] = now.clone().into();
    live["updatedAt"] = now.into();
    fs::write(&path, live.to_string()).expect("write");
}

/// Appends the lines of `next`'s trace beyond what `run` has (as acpx does).
fn append_from(run: &Path, next: &Path, file: &str) {
    let have = fs::metadata(run.join(file)).map_or(0, |m| m.len()) as usize;
    let all = fs::read(next.join(file)).expect("read");
    let mut out = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(run.join(file))
        .expect("open");
    out.write_all(&all[have.min(all.len())..]).expect("append");
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
fn a_live_run_follows_its_head_and_pins_when_moved_back() {
    let (_tmp, run) = live_copy();
    let next = live_stream("snapshots/t20");
    let mut app = run_app(run.clone());
    assert!(view(&app).live, "a fresh heartbeat makes the run live");
    let head = view(&app).run.last_seq();
    assert_eq!(view(&app).cursor, head, "a live run opens at its head");
    assert!(screen(&mut app, 160, 48).contains("● LIVE"));

    append_from(&run, &next, "trace.ndjson");
    for session in fs::read_dir(next.join("sessions"))
        .expect("sessions")
        .flatten()
    {
        let rel = format!(
            "sessions/{}/events.ndjson",
            session.file_name().to_string_lossy()
        );
        append_from(&run, &next, &rel);
    }
    touch_heartbeat(&run);
    send(&mut app, Msg::RunChanged(run.clone()));
    let new_head = view(&app).run.last_seq();
    assert!(new_head > head, "new events were indexed");
    assert_eq!(
        view(&app).cursor,
        new_head,
        "following: the cursor moved with the head"
    );

    // Step back: the cursor is pinned, and the status bar offers the head.
    press(&mut app, KeyCode::Char('k'));
    let pinned = view(&app).cursor;
    assert!(pinned < new_head);
    assert!(screen(&mut app, 160, 48).contains("LIVE ▸ G"));
    let last = live_stream("final");
    append_from(&run, &last, "trace.ndjson");
    send(&mut app, Msg::RunChanged(run.clone()));
    assert_eq!(
        view(&app).cursor,
        pinned,
        "a pinned cursor never jumps on its own"
    );
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(
        view(&app).current_attempt(),
        Some(view(&app).run.attempts.len() - 1)
    );
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
fn the_streaming_turn_shows_in_the_session_tab() {
    let (_tmp, run) = live_copy();
    let app = run_app(run.clone());
    let run_model = &view(&app).run;
    let last = run_model.attempts.last().expect("an attempt");
    assert!(!last.is_finished(), "t12 has an unfinished ACP attempt");
    let Some((_, reel::tui::inspect::InspectContent::Session(session))) = &view(&app).inspected
    else {
        panic!("session content expected");
    };
    let shown = &session.items[..session.visible];
    let agent: String = shown
        .iter()
        .filter_map(|i| match i {
            reel::model::TranscriptItem::Agent(message) => Some(message.text()),
            _ => None,
        })
        .collect();
    assert!(
        !agent.is_empty(),
        "the in-flight reply is shown as it streams"
    );
    assert!(
        session.slice.is_some(),
        "the streaming turn is the marked slice"
    );
}

#[test]
#[cfg_attr(
    not(reel_shared),
    ignore = "needs ../shared/bundles (absent when this was built)"
)]
fn a_run_whose_writer_stopped_is_shown_as_stale() {
    // The snapshot as captured: status running, last heartbeat long ago,
    // its files untouched for an hour (a fresh checkout's are new, and
    // new files are a sign of life).
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = tmp.path().join("run");
    copy_dir(&live_stream("snapshots/t12"), &source);
    states::backdate(&source, std::time::Duration::from_secs(3600));
    let mut app = run_app(source);
    assert!(!view(&app).live);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("stale"), "{text}");
    assert!(!text.contains("LIVE"), "{text}");
}

/// acpx writes a run's manifest before its first trace event: a run opened
/// in that moment waits for it instead of failing, and opens on the
/// watcher's next event (or the next second's retry).
#[test]
fn a_run_opened_before_its_first_event_waits_for_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = temp.path().join("run");
    copy_dir(&branching_review(), &run);
    let trace = fs::read(run.join("trace.ndjson")).expect("trace");
    fs::write(run.join("trace.ndjson"), b"").expect("empty trace");
    let mut app = run_app(&run);
    assert!(
        matches!(&app.screen, reel::tui::app::Screen::Starting { path } if *path == run),
        "the viewer waits for the first event"
    );
    assert_eq!(app.watched(), Some((Some(run.clone()), None)));
    assert!(app.tick_interval().is_some(), "it retries while waiting");
    // Nothing written yet: a retry keeps waiting.
    send(&mut app, Msg::Tick);
    assert!(matches!(
        app.screen,
        reel::tui::app::Screen::Starting { .. }
    ));
    fs::write(run.join("trace.ndjson"), &trace).expect("the first events");
    send(&mut app, Msg::RunChanged(run.clone()));
    assert!(
        matches!(app.screen, reel::tui::app::Screen::Run(_)),
        "opened once the trace has events"
    );
}
