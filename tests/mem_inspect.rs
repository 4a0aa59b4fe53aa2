//! Issue 9 item 12: whatever the input, what the inspector builds stays
//! bounded. Each test builds its hostile input (from a copy of a sample
//! run), builds the inspector content the way the worker does, and checks
//! that (1) the allocations it held at its peak stay under `BOUND`, which
//! does not depend on the input's size (the input is 80–300 MB; the code
//! before this change held at least the input's size), (2) the content is
//! windowed with exact counts of what was left out, computed here from the
//! generator's parameters, and (3) the screen says so with a marker.
//!
//! Memory is counted by a per-thread counting allocator (see `hostile`);
//! the run's index is built before measuring, since it is the one thing
//! that is meant to grow with the input (40 bytes an event).

mod hostile;
mod support;

use crossterm::event::KeyCode;

use hostile::*;
use reel::bundle::window::TEXT_WINDOW;
use reel::model::conversation::{FOLD_WINDOW, TEXT_CAP};
use reel::model::{Run, TranscriptItem};
use reel::tui::inspect::{
    InspectContent, InspectRequest, Inspector, InspectorTab, PagerSource, EVENT_WINDOW,
};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most a build may hold at once, whatever the input.
const BOUND: usize = 16 * MIB;

/// Asserts the bound, and says the figure (`--nocapture` shows it).
fn check_peak(what: &str, peak: usize) {
    eprintln!("{what}: peak {:.1} MiB", peak as f64 / MIB as f64);
    assert!(peak < BOUND, "{what} held {} MiB at once", peak / MIB);
}

fn request(run: &Run, attempt_id: &str, tab: InspectorTab) -> InspectRequest {
    InspectRequest {
        attempt: run.find_attempt(attempt_id).expect("attempt"),
        tab,
        session: None,
    }
}

fn inspect_measured(run: &Run, request: &InspectRequest) -> (InspectContent, usize) {
    // Session indexes are built on first use: build them first.
    for session in &run.bundle.sessions {
        session.index().expect("session index");
    }
    peak_of(|| Inspector::default().inspect(run, request))
}

/// The app at `attempt_id` with `tab` open, its content built inline.
fn app_at(path: &std::path::Path, step_keys: &str, tab: char) -> reel::tui::app::App {
    let mut app = support::run_app(path.to_path_buf());
    support::keys(&mut app, step_keys);
    support::press(&mut app, KeyCode::Char(tab));
    app
}

/// Moves the inspector selection down until `wanted` is on screen (at
/// most `lines` lines); returns the last screen.
fn scroll_to(app: &mut reel::tui::app::App, wanted: &str, lines: usize) -> String {
    support::render(app, 160, 48);
    support::press(app, KeyCode::Tab);
    let mut text = support::screen(app, 160, 48);
    for _ in 0..lines / 20 {
        if text.contains(wanted) {
            break;
        }
        for _ in 0..20 {
            support::press(app, KeyCode::Char('j'));
        }
        text = support::screen(app, 160, 48);
    }
    text
}

#[test]
fn events_of_a_step_with_400k_heartbeats_are_its_ends_and_a_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let beats = 400_000;
    let path = heartbeat_run(dir.path(), beats);
    let run = Run::open(&path).expect("open");
    let (content, peak) =
        inspect_measured(&run, &request(&run, "run_shell#1", InspectorTab::Events));
    check_peak("the Events tab", peak);
    let InspectContent::Events(events) = content else {
        panic!("events expected: {content:?}");
    };
    // run_shell#1 is seq 4..=10 in the sample; the beats come after seq 5.
    let total = 7 + beats;
    assert_eq!(events.trace_total(), total);
    assert_eq!(events.trace.len(), 2 * EVENT_WINDOW);
    let hidden = events.trace_hidden.expect("a gap");
    assert_eq!(
        (hidden.after, hidden.count),
        (EVENT_WINDOW, total - 2 * EVENT_WINDOW)
    );
    let seqs: Vec<u32> = events.trace.iter().map(|r| r.seq).collect();
    let expected: Vec<u32> = (4..4 + EVENT_WINDOW as u32)
        .chain((11 + beats as u32 - EVENT_WINDOW as u32)..=(10 + beats as u32))
        .collect();
    assert_eq!(seqs, expected);
    assert_eq!(events.trace[0].label, "node_started");
    assert_eq!(
        events.trace.last().map(|r| r.label.as_str()),
        Some("node_outcome")
    );
    assert!(events.trace.iter().all(|r| !r.unloaded));

    // On screen: the marker below the head, with the exact count.
    let mut app = app_at(&path, "j", '3');
    let marker = format!("… {} more events · o: all in $PAGER", count(hidden.count));
    let (text, draw_peak) = peak_of(|| scroll_to(&mut app, &marker, 2 * EVENT_WINDOW));
    check_peak("drawing", draw_peak);
    assert!(text.contains(&marker), "{marker:?} not on screen:\n{text}");
}

fn count(n: usize) -> String {
    reel::humanize::count(n as u64)
}

#[test]
fn a_300_mb_stdout_shows_its_first_and_last_lines_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_sample(SHELL_BASIC, dir.path());
    let lines = 5_000_000;
    let (stdout, len) = big_stdout(&path, lines);
    assert!(len > 300_000_000, "{len}");
    let run = Run::open(&path).expect("open");
    let (content, peak) =
        inspect_measured(&run, &request(&run, "run_shell#1", InspectorTab::Attempt));
    check_peak("the Attempt tab", peak);
    let InspectContent::Attempt(attempt) = content else {
        panic!("attempt expected: {content:?}");
    };
    let out = attempt.stdout.as_ref().expect("stdout");
    assert_eq!(out.path, stdout);
    let shown = TEXT_WINDOW.lines;
    let head: String = (0..shown).map(stdout_line).collect();
    let tail: String = (lines - shown..lines).map(stdout_line).collect();
    assert_eq!(out.window.head, head);
    assert_eq!(out.window.tail, tail);
    assert_eq!(out.window.total, len);
    assert_eq!(out.window.hidden_lines, Some((lines - 2 * shown) as u64));
    assert_eq!(
        out.window.hidden_bytes,
        len - head.len() as u64 - tail.len() as u64
    );
    assert!(out.whole().is_none());
    // The small artifacts of the step are still read whole.
    let stderr = attempt.stderr.as_ref().expect("stderr");
    assert!(stderr
        .whole()
        .is_some_and(|t| t.contains("some stderr line")));

    let mut app = app_at(&path, "j", '2');
    let marker = format!("… {} more lines", count(lines - 2 * shown));
    let text = scroll_to(&mut app, &marker, 3 * shown);
    assert!(text.contains(&marker), "{marker:?} not on screen:\n{text}");
    assert!(
        text.contains(&format!("of {}", reel::humanize::bytes(len))),
        "{text}"
    );
}

#[test]
fn an_output_too_large_to_fold_is_shown_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_sample(SHELL_BASIC, dir.path());
    let (output, len) = big_output(&path, 500_000);
    assert!(len > 30_000_000, "{len}");
    let run = Run::open(&path).expect("open");
    let (content, peak) =
        inspect_measured(&run, &request(&run, "big_output#1", InspectorTab::Attempt));
    check_peak("the Attempt tab", peak);
    let InspectContent::Attempt(attempt) = content else {
        panic!("attempt expected: {content:?}");
    };
    assert_eq!(attempt.output, None, "not parsed");
    let text = attempt.output_text.as_ref().expect("output text");
    assert_eq!(text.path, output);
    assert_eq!(text.window.total, len);
    assert!(text
        .window
        .head
        .starts_with(r#"[{"item":0,"name":"entry number 0""#));
    assert!(text.window.tail.ends_with(r#""tags":["a","b"]}]"#));
    assert_eq!(attempt.output_source, Some(PagerSource::Artifact(output)));
}

#[test]
fn a_turn_of_100k_chunks_and_50k_tool_updates_is_folded_at_both_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (chunks, updates) = (100_000, 50_000);
    let (path, _) = huge_turn(dir.path(), chunks, updates);
    let run = Run::open(&path).expect("open");
    let total = 13 + chunks + updates;
    // Where things are after the generator's inserts: updates at 9..,
    // the sample's three chunks, the new chunks, usage, the response.
    let first_new_chunk = 12 + updates;
    let (middle_from, middle_to) = (FOLD_WINDOW + 1, total - FOLD_WINDOW);
    let chunks_in_middle = (first_new_chunk - 3..=middle_to)
        .filter(|&seq| seq >= middle_from)
        .count();

    let (content, peak) = inspect_measured(&run, &request(&run, "reply#1", InspectorTab::Session));
    check_peak("the Session tab", peak);
    let InspectContent::Session(session) = content else {
        panic!("session expected: {content:?}");
    };
    assert_eq!(session.slice, Some((1, total as u32)));
    let items = &session.items[..session.visible];
    let cut = format!(
        "conversation cut: {} events not shown ({} agent_message_chunk)",
        count(middle_to - middle_from + 1),
        count(chunks_in_middle)
    );
    assert!(
        items
            .iter()
            .any(|i| matches!(i, TranscriptItem::Other { label, .. } if *label == cut)),
        "no {cut:?}"
    );
    let agent = items
        .iter()
        .find_map(|i| match i {
            TranscriptItem::Agent(message) => Some(message),
            _ => None,
        })
        .expect("the agent's reply");
    let first_tail_chunk = total - FOLD_WINDOW + 1 - first_new_chunk;
    let notes = agent.cut_notes();
    let agent = agent.text();
    assert!(
        agent.starts_with(&chunk_text(first_tail_chunk)),
        "{}",
        &agent[..80]
    );
    assert!(agent.len() <= TEXT_CAP && notes.iter().any(|n| n.starts_with("… [text cut: ")));
    assert!(matches!(items.last(), Some(TranscriptItem::TurnEnd { .. })));

    // The Events tab lists the turn's ends too.
    let (content, peak) = inspect_measured(&run, &request(&run, "reply#1", InspectorTab::Events));
    check_peak("the Events tab", peak);
    let InspectContent::Events(events) = content else {
        panic!("events expected: {content:?}");
    };
    assert_eq!(events.session_total(), total);
    assert_eq!(events.session.len(), 2 * EVENT_WINDOW);
    assert_eq!(events.session.last().map(|r| r.seq), Some(total as u32));

    // `reel state` folds the same way (its conversation is bounded too).
    let attempt = &run.attempts[run.find_attempt("reply#1").expect("attempt")];
    let (conversation, peak) = peak_of(|| run.conversation(attempt).expect("conversation"));
    check_peak("the conversation", peak);
    let conversation = conversation.expect("an ACP step");
    assert!(conversation
        .items
        .iter()
        .any(|i| matches!(i, TranscriptItem::Other { label, .. } if *label == cut)));

    let mut app = app_at(&path, "", '1');
    let text = support::screen(&mut app, 160, 48);
    assert!(text.contains("conversation cut: "), "{text}");
}

#[test]
fn a_build_that_a_newer_request_overtakes_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_sample(SHELL_BASIC, dir.path());
    big_stdout(&path, 1_000_000);
    let run = std::sync::Arc::new(Run::open(&path).expect("open"));
    let wanted = request(&run, "run_shell#1", InspectorTab::Attempt);
    // Overtaken from the start: the build gives up and posts nothing.
    assert_eq!(
        Inspector::default().inspect_until(&run, &wanted, &|| true),
        None
    );
    let mut posted = Vec::new();
    reel::tui::workers::execute_until(
        reel::tui::message::Effect::Inspect {
            run: run.clone(),
            request: wanted.clone(),
        },
        &mut Inspector::default(),
        &|| true,
        &mut |msg| posted.push(format!("{msg:?}")),
    );
    assert!(posted.is_empty(), "{posted:?}");
    // Overtaken while it counts the lines of the 60 MB stdout: polled
    // between chunks, so it stops after a few and posts nothing either.
    let polls = std::cell::Cell::new(0);
    let overtaken = || {
        polls.set(polls.get() + 1);
        polls.get() > 3
    };
    assert_eq!(
        Inspector::default().inspect_until(&run, &wanted, &overtaken),
        None
    );
    assert!(polls.get() < 10, "{} polls", polls.get());
}
