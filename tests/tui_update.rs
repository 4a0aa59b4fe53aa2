//! Layer 1 of DESIGN §7: the app state and `update`, with no terminal.
//! Keys go in as messages, effects are carried out inline
//! (`workers::settle`), and the resulting state is compared with
//! expectations computed independently from the raw bundle files with
//! serde_json.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use serde_json::Value;

use reel::model::TranscriptItem;
use reel::tui::app::Screen;
use reel::tui::inspect::{InspectContent, InspectRequest, Inspector, InspectorTab, SessionContent};
use reel::tui::message::Msg;
use reel::tui::run_view::Pane;
use support::*;

fn user_texts(items: &[TranscriptItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            TranscriptItem::User(_) => item.text(),
            _ => None,
        })
        .collect()
}

/// The conversation items the inspector shows for its step (the session's
/// items up to the end of the step).
fn shown(session: &SessionContent) -> &[TranscriptItem] {
    &session.items[..session.visible]
}

/// The attempt index the trace puts `seq` in: the last step started at or
/// before it.
fn raw_attempt_at(steps: &[RawStep], seq: u32) -> Option<usize> {
    steps.iter().rposition(|s| s.start <= seq)
}

// ---------------------------------------------------------------------------
// Stepping
// ---------------------------------------------------------------------------

#[test]
fn opens_at_the_end_of_the_first_step() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    let app = run_app(&path);
    let view = view(&app);
    assert_eq!(view.cursor, steps[0].end);
    assert_eq!(view.current_attempt(), Some(0));
    assert_eq!(view.focus, Pane::Timeline);
    assert_eq!(view.tab, InspectorTab::Session);
    let ids: Vec<&str> = view
        .run
        .attempts
        .iter()
        .map(|a| view.run.attempt_id(a))
        .collect();
    let raw: Vec<&str> = steps.iter().map(|s| s.attempt_id.as_str()).collect();
    assert_eq!(ids, raw);
}

#[test]
fn j_and_k_move_from_step_end_to_step_end() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    assert_eq!(steps.len(), 9);
    let mut app = run_app(&path);
    for (i, step) in steps.iter().enumerate().skip(1) {
        press(&mut app, KeyCode::Char('j'));
        assert_eq!(view(&app).cursor, step.end, "j to {}", step.attempt_id);
        assert_eq!(view(&app).current_attempt(), Some(i));
    }
    // At the last step `j` stays put.
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(view(&app).cursor, steps[8].end);
    for (i, step) in steps.iter().enumerate().rev().skip(1) {
        press(&mut app, KeyCode::Char('k'));
        assert_eq!(view(&app).cursor, step.end, "k to {}", step.attempt_id);
        assert_eq!(view(&app).current_attempt(), Some(i));
    }
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(view(&app).cursor, steps[0].end);
    // The arrow keys do the same.
    press(&mut app, KeyCode::Down);
    assert_eq!(view(&app).cursor, steps[1].end);
    press(&mut app, KeyCode::Up);
    assert_eq!(view(&app).cursor, steps[0].end);
}

#[test]
fn step_five_is_the_second_review_round() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    let mut app = run_app(&path);
    keys(&mut app, "jjjj");
    assert_eq!(steps[4].attempt_id, "review_loop#2");
    assert_eq!(view(&app).cursor, steps[4].end);
    let buffer = render(&mut app, 160, 48);
    let status = row_text(&buffer, 47, 0, 160);
    assert!(status.starts_with(" step 5/9 review_loop#2"), "{status}");
}

#[test]
fn shift_j_and_k_move_one_trace_event() {
    let path = branching_review();
    let trace = trace(&path);
    let steps = raw_steps(&trace);
    let seqs: Vec<u32> = trace.iter().map(seq).collect();
    let mut app = run_app(&path);
    // Back to the first event of the trace, one event at a time.
    let start = seqs.iter().position(|&s| s == steps[0].end).unwrap();
    for i in (0..start).rev() {
        press(&mut app, KeyCode::Char('K'));
        assert_eq!(view(&app).cursor, seqs[i]);
    }
    press(&mut app, KeyCode::Char('K'));
    assert_eq!(view(&app).cursor, seqs[0], "K stops at the first event");
    assert_eq!(view(&app).current_attempt(), None, "run_started: no step");
    // Forward through every event; the step follows the cursor.
    for &expected in &seqs[1..] {
        press(&mut app, KeyCode::Char('J'));
        assert_eq!(view(&app).cursor, expected);
        assert_eq!(
            view(&app).current_attempt(),
            raw_attempt_at(&steps, expected),
            "at seq {expected}"
        );
    }
    press(&mut app, KeyCode::Char('J'));
    assert_eq!(
        view(&app).cursor,
        *seqs.last().unwrap(),
        "J stops at the end"
    );
}

#[test]
fn j_and_k_from_the_middle_of_a_step() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    let mut app = run_app(&path);
    keys(&mut app, "jjjj");
    press(&mut app, KeyCode::Char('K'));
    assert_eq!(view(&app).cursor, steps[4].end - 1);
    assert_eq!(view(&app).current_attempt(), Some(4), "still review_loop#2");
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(view(&app).cursor, steps[5].end, "j: the next step's end");
    // On the run's closing events (run_completed: where a live run's view
    // is when it ends), `k` is a step back.
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('J'));
    let last = *trace(&path)
        .iter()
        .map(seq)
        .collect::<Vec<_>>()
        .last()
        .unwrap();
    assert_eq!(view(&app).cursor, last);
    assert_eq!(view(&app).current_attempt(), Some(8));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(view(&app).cursor, steps[7].end);
}

#[test]
fn g_and_shift_g_jump_to_the_first_and_last_steps() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    let mut app = run_app(&path);
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(view(&app).cursor, steps.last().unwrap().end);
    assert_eq!(view(&app).current_attempt(), Some(steps.len() - 1));
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(view(&app).cursor, steps[0].end);
    press(&mut app, KeyCode::End);
    assert_eq!(view(&app).cursor, steps.last().unwrap().end);
    press(&mut app, KeyCode::Home);
    assert_eq!(view(&app).cursor, steps[0].end);
}

/// Stepping with `j` keeps the timeline selection, the node states and the
/// inspector on the same step.
#[test]
fn stepping_keeps_every_pane_on_the_cursor() {
    let path = branching_review();
    let trace = trace(&path);
    let steps = raw_steps(&trace);
    let mut app = run_app(&path);
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            press(&mut app, KeyCode::Char('j'));
        }
        let view = view(&app);
        // Inspector: the answer for this very step is shown.
        let (request, content) = view.inspected.as_ref().expect("inspected");
        assert_eq!(request.attempt, i, "inspector on {}", step.attempt_id);
        assert_eq!(Some(request.clone()), view.request());
        assert!(matches!(
            content,
            InspectContent::Session(_) | InspectContent::Empty(_)
        ));
        // Node states at the cursor: the step's node has run as many
        // times as the trace started it so far.
        let node = trace
            .iter()
            .find(|e| e["type"] == "node_started" && e["attemptId"] == step.attempt_id)
            .and_then(|e| e["nodeId"].as_str())
            .expect("nodeId");
        let started = trace
            .iter()
            .filter(|e| e["type"] == "node_started" && e["nodeId"] == node && seq(e) <= step.end)
            .count();
        let position = view.run.attempts[i].flow_node().expect("node in the flow");
        assert_eq!(view.run.bundle.flow.nodes[position].id, node);
        assert_eq!(
            view.run.node_frames_at(view.cursor)[position].attempts as usize,
            started
        );
        // Timeline and status bar: the selected row is this step.
        let expected_status = format!(" step {}/{} {}", i + 1, steps.len(), step.attempt_id);
        render(&mut app, 160, 48);
        let buffer = render(&mut app, 160, 48);
        let status = row_text(&buffer, 47, 0, 160);
        assert!(status.starts_with(&expected_status), "{status}");
        let selected: Vec<usize> = app
            .hits
            .timeline_rows
            .iter()
            .filter(|(rect, _)| {
                buffer[(rect.x + 2, rect.y)]
                    .modifier
                    .contains(ratatui::style::Modifier::REVERSED)
            })
            .map(|&(_, attempt)| attempt)
            .collect();
        assert_eq!(selected, [i]);
    }
}

// ---------------------------------------------------------------------------
// Focus and inspector tabs
// ---------------------------------------------------------------------------

#[test]
fn tab_cycles_the_focus() {
    let mut app = run_app(branching_review());
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(view(&app).focus);
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(
        seen,
        [Pane::Timeline, Pane::Inspector, Pane::Graph, Pane::Timeline]
    );
    press(&mut app, KeyCode::BackTab);
    assert_eq!(view(&app).focus, Pane::Timeline);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(view(&app).focus, Pane::Graph);
}

/// review_loop#2 as the raw trace and session files tell it.
struct Round2 {
    prompt: String,
    output: Value,
    session_id: String,
    slice: (u32, u32),
    trace_seqs: Vec<u32>,
    session_seqs: Vec<u32>,
}

fn round2(bundle: &Path) -> Round2 {
    let trace = trace(bundle);
    let steps = raw_steps(&trace);
    let step = steps
        .iter()
        .find(|s| s.attempt_id == "review_loop#2")
        .expect("round 2");
    let payload = &outcome_event(&trace, "review_loop#2")["payload"];
    let conversation = &payload["conversation"];
    let session_id = conversation["sessionId"].as_str().unwrap().to_string();
    let slice = (
        conversation["eventStartSeq"].as_u64().unwrap() as u32,
        conversation["eventEndSeq"].as_u64().unwrap() as u32,
    );
    let session_seqs = ndjson(
        &bundle
            .join("sessions")
            .join(&session_id)
            .join("events.ndjson"),
    )
    .iter()
    .map(seq)
    .filter(|s| (slice.0..=slice.1).contains(s))
    .collect();
    Round2 {
        prompt: artifact_text(bundle, &payload["promptArtifact"]),
        output: payload["outputInline"].clone(),
        session_id,
        slice,
        trace_seqs: trace
            .iter()
            .map(seq)
            .filter(|s| (step.start..=step.end).contains(s))
            .collect(),
        session_seqs,
    }
}

#[test]
fn number_keys_switch_tabs_and_the_inspector_shows_the_step() {
    let path = branching_review();
    let expected = round2(&path);
    let mut app = run_app(&path);
    keys(&mut app, "jjjj");

    // 1: the conversation up to this step, the step's slice marked.
    let view_now = view(&app);
    assert_eq!(view_now.tab, InspectorTab::Session);
    let Some((request, InspectContent::Session(session))) = &view_now.inspected else {
        panic!("session content expected: {:?}", view_now.inspected);
    };
    assert_eq!(request.tab, InspectorTab::Session);
    assert_eq!(request.attempt, 4);
    assert_eq!(session.session_id, expected.session_id);
    assert_eq!(session.slice, Some(expected.slice));
    let users = user_texts(shown(session));
    assert!(
        users.contains(&expected.prompt),
        "prompt artifact text not in the conversation: {users:?}"
    );
    // Nothing after the step's slice is shown, and the slice is.
    let items = shown(session);
    assert!(items
        .iter()
        .all(|item| reel::tui::inspect::item_seq(item) <= expected.slice.1));
    assert!(items
        .iter()
        .any(|item| reel::tui::inspect::item_seq(item) == expected.slice.1));

    // 2: the attempt's output and prompt.
    press(&mut app, KeyCode::Char('2'));
    let view_now = view(&app);
    assert_eq!(view_now.tab, InspectorTab::Attempt);
    let Some((request, InspectContent::Attempt(attempt))) = &view_now.inspected else {
        panic!("attempt content expected: {:?}", view_now.inspected);
    };
    assert_eq!(request.tab, InspectorTab::Attempt);
    assert_eq!(attempt.attempt_id, "review_loop#2");
    assert_eq!(attempt.outcome, "ok");
    assert_eq!(attempt.output.as_ref(), Some(&expected.output));
    assert_eq!(
        attempt.prompt.as_ref().and_then(|p| p.whole()),
        Some(expected.prompt.as_str())
    );
    assert!(attempt.missing.is_empty(), "{:?}", attempt.missing);

    // 3: exactly the step's trace events and its session traffic.
    press(&mut app, KeyCode::Char('3'));
    let view_now = view(&app);
    assert_eq!(view_now.tab, InspectorTab::Events);
    let Some((request, InspectContent::Events(events))) = &view_now.inspected else {
        panic!("events content expected: {:?}", view_now.inspected);
    };
    assert_eq!(request.tab, InspectorTab::Events);
    let trace_seqs: Vec<u32> = events.trace.iter().map(|r| r.seq).collect();
    assert_eq!(trace_seqs, expected.trace_seqs);
    assert_eq!(events.trace[0].label, "node_started");
    assert_eq!(events.trace.last().unwrap().label, "node_outcome");
    assert_eq!(
        events.session_id.as_deref(),
        Some(expected.session_id.as_str())
    );
    let session_seqs: Vec<u32> = events.session.iter().map(|r| r.seq).collect();
    assert_eq!(session_seqs, expected.session_seqs);

    // Back to 1.
    press(&mut app, KeyCode::Char('1'));
    assert!(matches!(
        view(&app).inspected,
        Some((_, InspectContent::Session(_)))
    ));
}

#[test]
fn a_late_answer_for_another_step_is_ignored() {
    let mut app = run_app(branching_review());
    keys(&mut app, "jjjj");
    let before = view(&app).inspected.clone();
    let stale = InspectRequest {
        attempt: 0,
        tab: InspectorTab::Session,
        session: None,
    };
    let effects = app.update(Msg::Inspected {
        request: stale,
        content: InspectContent::Empty("stale".to_string()),
    });
    assert!(effects.is_empty());
    assert_eq!(view(&app).inspected, before);
    // The same tab of another step is stale too; an answer to the current
    // request replaces what is shown.
    let current = view(&app).request().expect("request");
    let other_tab = InspectRequest {
        tab: InspectorTab::Attempt,
        ..current.clone()
    };
    app.update(Msg::Inspected {
        request: other_tab,
        content: InspectContent::Empty("other tab".to_string()),
    });
    assert_eq!(view(&app).inspected, before);
    app.update(Msg::Inspected {
        request: current.clone(),
        content: InspectContent::Empty("fresh".to_string()),
    });
    assert_eq!(
        view(&app).inspected,
        Some((current, InspectContent::Empty("fresh".to_string())))
    );
}

#[test]
fn moving_asks_for_inspection_only_when_the_step_changes() {
    let mut app = run_app(branching_review());
    keys(&mut app, "jjjj");
    // Same step (J/K inside review_loop#2): nothing new to inspect.
    let effects = app.update(Msg::Input(crossterm::event::Event::Key(key_event(
        KeyCode::Char('K'),
        crossterm::event::KeyModifiers::SHIFT,
    ))));
    assert!(effects.is_empty(), "{effects:?}");
    // Another step: one Inspect effect for it.
    let effects = app.update(Msg::Input(crossterm::event::Event::Key(key_event(
        KeyCode::Char('j'),
        crossterm::event::KeyModifiers::NONE,
    ))));
    assert_eq!(effects.len(), 1);
    match &effects[0] {
        reel::tui::message::Effect::Inspect { request, .. } => {
            assert_eq!(request.attempt, 5)
        }
        other => panic!("expected an Inspect effect, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------

/// Every trace seq where `needle` occurs, computed from the raw files: a
/// trace line, an artifact a trace event wrote, or a session event (which
/// belongs to the step running at its time, shown at that step's end).
fn expected_hits(bundle: &Path, needle: &str) -> Vec<u32> {
    let needle = needle.to_ascii_lowercase();
    let trace = trace(bundle);
    let steps = raw_steps(&trace);
    let mut hits = BTreeSet::new();
    let text = fs::read_to_string(bundle.join("trace.ndjson")).unwrap();
    for (line, event) in text.lines().zip(&trace) {
        if line.to_ascii_lowercase().contains(&needle) {
            hits.insert(seq(event));
        }
    }
    for event in trace.iter().filter(|e| e["type"] == "artifact_written") {
        let path = bundle.join(event["artifact"]["path"].as_str().unwrap());
        let bytes = fs::read(path).unwrap().to_ascii_lowercase();
        if String::from_utf8_lossy(&bytes).contains(&needle) {
            hits.insert(seq(event));
        }
    }
    let starts: Vec<(&str, u32)> = trace
        .iter()
        .filter(|e| e["type"] == "node_started")
        .map(|e| (e["at"].as_str().unwrap(), seq(e)))
        .collect();
    for session in fs::read_dir(bundle.join("sessions")).unwrap() {
        let events = session.unwrap().path().join("events.ndjson");
        let text = fs::read_to_string(&events).unwrap();
        for line in text.lines() {
            if !line.to_ascii_lowercase().contains(&needle) {
                continue;
            }
            let event: Value = serde_json::from_str(line).unwrap();
            let at = event["at"].as_str().unwrap();
            if let Some(&(_, start)) = starts.iter().rev().find(|(t, _)| *t <= at) {
                let step = steps.iter().find(|s| s.start == start).unwrap();
                hits.insert(step.end);
            }
        }
    }
    hits.into_iter().collect()
}

#[test]
fn search_finds_sorted_hits_and_moves_to_the_first_after_the_cursor() {
    let path = branching_review();
    let expected = expected_hits(&path, "finding 2a");
    assert!(expected.len() >= 3, "{expected:?}");
    let mut app = run_app(&path);
    let start = view(&app).cursor;
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(view(&app).search.input.as_deref(), Some(""));
    // While typing, keys are text: `j` does not move the cursor.
    keys(&mut app, "finding 2ax");
    press(&mut app, KeyCode::Backspace);
    assert_eq!(view(&app).search.input.as_deref(), Some("finding 2a"));
    assert_eq!(view(&app).cursor, start);
    press(&mut app, KeyCode::Enter);
    let search = &view(&app).search;
    assert_eq!(search.input, None);
    assert_eq!(search.query, "finding 2a");
    assert!(!search.running);
    assert_eq!(search.hits, expected);
    let first_after = *expected.iter().find(|&&h| h > start).unwrap();
    assert_eq!(view(&app).cursor, first_after);
    // The inspector follows the jump.
    let current = view(&app).current_attempt();
    assert_eq!(
        view(&app).inspected.as_ref().map(|(r, _)| Some(r.attempt)),
        Some(current)
    );

    // n / N cycle through the hits, wrapping around.
    let at = expected.iter().position(|&h| h == first_after).unwrap();
    let count = expected.len();
    for k in 1..=count {
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(view(&app).cursor, expected[(at + k) % count]);
    }
    for k in 1..=count {
        press(&mut app, KeyCode::Char('N'));
        assert_eq!(view(&app).cursor, expected[(at + count * 2 - k) % count]);
    }
    let notice = view(&app).notice.clone().unwrap_or_default();
    assert!(
        notice.starts_with(&format!("hit {}/{count}", at + 1)),
        "{notice}"
    );
}

#[test]
fn search_without_hits_keeps_the_cursor() {
    let mut app = run_app(branching_review());
    keys(&mut app, "jj");
    let cursor = view(&app).cursor;
    keys(&mut app, "/no such text anywhere");
    press(&mut app, KeyCode::Enter);
    assert!(view(&app).search.hits.is_empty());
    assert_eq!(view(&app).cursor, cursor);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(view(&app).cursor, cursor);
    assert!(view(&app)
        .notice
        .as_deref()
        .unwrap_or("")
        .contains("no hits"));
}

#[test]
fn esc_cancels_the_search_prompt() {
    let mut app = run_app(branching_review());
    keys(&mut app, "jj");
    let cursor = view(&app).cursor;
    keys(&mut app, "/finding");
    press(&mut app, KeyCode::Esc);
    let search = &view(&app).search;
    assert_eq!(search.input, None);
    assert_eq!(search.query, "");
    assert!(search.hits.is_empty());
    assert_eq!(view(&app).cursor, cursor);
    assert!(!app.quit, "Esc closes the prompt, not the app");
    // Keys are actions again.
    press(&mut app, KeyCode::Char('j'));
    assert_ne!(view(&app).cursor, cursor);
}

// ---------------------------------------------------------------------------
// Help, back, quit
// ---------------------------------------------------------------------------

#[test]
fn help_opens_with_question_mark_and_any_key_closes_it() {
    let mut app = run_app(branching_review());
    let cursor = view(&app).cursor;
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains(" Keys ") && text.contains("next step"),
        "{text}"
    );
    // The closing key does nothing else.
    press(&mut app, KeyCode::Char('j'));
    assert!(!app.help);
    assert_eq!(view(&app).cursor, cursor);
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.help);
    assert!(!app.quit, "q closes the help, it does not quit");
}

#[test]
fn q_quits_a_run_opened_directly() {
    let mut app = run_app(branching_review());
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn q_closes_the_event_level_before_quitting() {
    let mut app = run_app(branching_review());
    press(&mut app, KeyCode::Enter);
    assert!(view(&app).event_level);
    press(&mut app, KeyCode::Esc);
    assert!(!view(&app).event_level);
    assert!(!app.quit);
    press(&mut app, KeyCode::Esc);
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut app = run_app(branching_review());
    keys(&mut app, "/abc");
    send(
        &mut app,
        Msg::Input(crossterm::event::Event::Key(key_event(
            KeyCode::Char('c'),
            crossterm::event::KeyModifiers::CONTROL,
        ))),
    );
    assert!(app.quit);
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

fn run_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn browser_lists_every_run_with_counts() {
    let app = browser_app(sample_runs());
    let browser = browser(&app);
    assert!(!browser.loading);
    assert_eq!(browser.visible().len(), run_dirs(&sample_runs()).len());
    for row in &browser.rows {
        let steps = raw_steps(&trace(&row.summary.path));
        assert_eq!(row.attempts, Some(steps.len()), "{}", row.summary.run_id);
    }
}

#[test]
fn enter_opens_the_selected_run_and_q_returns_to_the_browser() {
    let mut app = browser_app(sample_runs());
    // Move down to the branching-review run.
    for _ in 0..20 {
        let selected = browser(&app).selected_row().unwrap();
        if selected.summary.run_id == BRANCHING_REVIEW {
            break;
        }
        press(&mut app, KeyCode::Char('j'));
    }
    let selected = browser(&app).selected;
    assert_eq!(
        browser(&app).selected_row().unwrap().summary.run_id,
        BRANCHING_REVIEW
    );
    press(&mut app, KeyCode::Enter);
    let steps = raw_steps(&trace(&branching_review()));
    assert_eq!(view(&app).run.run_id(), BRANCHING_REVIEW);
    assert_eq!(view(&app).cursor, steps[0].end);
    assert!(view(&app).inspected.is_some());
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(view(&app).cursor, steps[1].end);
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    assert_eq!(browser(&app).selected, selected, "the selection is kept");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn browser_filter_narrows_the_list_as_you_type() {
    let mut app = browser_app(sample_runs());
    let all = browser(&app).visible().len();
    press(&mut app, KeyCode::Char('/'));
    assert!(browser(&app).filtering);
    // `j` is text while filtering, not a move.
    keys(&mut app, "interrupted");
    let expected: Vec<PathBuf> = run_dirs(&sample_runs())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("interrupted"))
        .collect();
    assert_eq!(expected.len(), 1);
    let browser_now = browser(&app);
    assert_eq!(browser_now.filter, "interrupted");
    let visible: Vec<&str> = browser_now
        .visible()
        .iter()
        .map(|&i| browser_now.rows[i].summary.run_id.as_str())
        .collect();
    assert_eq!(visible, [INTERRUPTED]);
    // Enter closes the prompt and keeps the filter; Enter again opens.
    press(&mut app, KeyCode::Enter);
    assert!(!browser(&app).filtering);
    assert_eq!(browser(&app).visible().len(), 1);
    press(&mut app, KeyCode::Enter);
    assert_eq!(view(&app).run.run_id(), INTERRUPTED);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(browser(&app).filter, "interrupted");
    // Esc in the prompt clears the filter.
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Esc);
    assert!(!browser(&app).filtering);
    assert_eq!(browser(&app).filter, "");
    assert_eq!(browser(&app).visible().len(), all);
}

#[test]
fn browser_filter_matches_every_word() {
    let mut app = browser_app(sample_runs());
    keys(&mut app, "/REVIEW waiting");
    let browser_now = browser(&app);
    let visible: Vec<&str> = browser_now
        .visible()
        .iter()
        .map(|&i| browser_now.rows[i].summary.run_id.as_str())
        .collect();
    assert_eq!(
        visible,
        ["2026-11-23T173739237Z-gen-branching-review-36d6dd35"]
    );
    keys(&mut app, "zzz");
    assert!(browser(&app).visible().is_empty());
    assert!(browser(&app).selected_row().is_none());
    // Enter on an empty list opens nothing.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Browser(_)));
}

// ---------------------------------------------------------------------------
// Mouse
// ---------------------------------------------------------------------------

#[test]
fn clicking_a_timeline_row_moves_the_cursor_to_that_step() {
    let path = branching_review();
    let steps = raw_steps(&trace(&path));
    let mut app = run_app(&path);
    press(&mut app, KeyCode::Tab);
    assert_eq!(view(&app).focus, Pane::Inspector);
    render(&mut app, 160, 48);
    let (rect, attempt) = app
        .hits
        .timeline_rows
        .iter()
        .copied()
        .find(|&(_, a)| a == 6)
        .expect("row of step 7 on screen");
    click(&mut app, rect.x + 5, rect.y);
    assert_eq!(view(&app).cursor, steps[attempt].end);
    assert_eq!(view(&app).current_attempt(), Some(6));
    assert_eq!(view(&app).focus, Pane::Timeline);
    assert_eq!(
        view(&app).inspected.as_ref().map(|(r, _)| r.attempt),
        Some(6)
    );
}

// ---------------------------------------------------------------------------
// Every bundle
// ---------------------------------------------------------------------------

/// The user prompt texts of a session between two event seqs, from the raw
/// JSON-RPC (`session/prompt` text blocks joined with newlines).
fn raw_prompts(bundle: &Path, session: &str, range: (u32, u32)) -> Vec<String> {
    let events = bundle.join("sessions").join(session).join("events.ndjson");
    ndjson(&events)
        .iter()
        .filter(|e| (range.0..=range.1).contains(&seq(e)))
        .filter(|e| e["message"]["method"] == "session/prompt")
        .map(|e| {
            e["message"]["params"]["prompt"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["type"] == "text")
                .map(|b| b["text"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Opens every bundle and walks every step on each tab, checking the
/// inspector against the raw files.
#[test]
fn every_bundle_opens_with_the_right_steps_and_inspector() {
    let mut bundles = run_dirs(Path::new("sample-runs"));
    bundles.extend(run_dirs(Path::new("tests/fixtures/bundles")));
    assert!(bundles.len() >= 10);
    for bundle in bundles {
        let name = bundle.file_name().unwrap().to_string_lossy().to_string();
        let trace = trace(&bundle);
        let steps = raw_steps(&trace);
        let mut app = run_app(&bundle);
        assert_eq!(view(&app).run.attempts.len(), steps.len(), "{name}");
        let mut inspector = Inspector::default();
        let mut key = |app: &mut reel::tui::app::App, c: char| {
            let event = key_event(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE);
            send_cached(
                app,
                &mut inspector,
                Msg::Input(crossterm::event::Event::Key(event)),
            );
        };
        for tab in ['1', '2', '3'] {
            key(&mut app, tab);
            key(&mut app, 'g');
            for (i, step) in steps.iter().enumerate() {
                if i > 0 {
                    key(&mut app, 'j');
                }
                let view = view(&app);
                assert_eq!(view.cursor, step.end, "{name} {}", step.attempt_id);
                let (request, content) = view.inspected.as_ref().expect("inspected");
                assert_eq!(request.attempt, i, "{name}");
                let outcome = trace
                    .iter()
                    .find(|e| e["type"] == "node_outcome" && e["attemptId"] == step.attempt_id);
                let payload = outcome.map(|e| &e["payload"]);
                check_content(&bundle, step, payload, &trace, content);
            }
        }
    }
}

fn check_content(
    bundle: &Path,
    step: &RawStep,
    payload: Option<&Value>,
    trace: &[Value],
    content: &InspectContent,
) {
    let id = &step.attempt_id;
    let conversation = payload
        .map(|p| &p["conversation"])
        .filter(|c| c.is_object());
    match content {
        InspectContent::Session(session) => {
            if let Some(conversation) = conversation {
                let range = (
                    conversation["eventStartSeq"].as_u64().unwrap() as u32,
                    conversation["eventEndSeq"].as_u64().unwrap() as u32,
                );
                let session_id = conversation["sessionId"].as_str().unwrap();
                assert_eq!(session.session_id, session_id, "{id}");
                assert_eq!(session.slice, Some(range), "{id}");
                let users = user_texts(shown(session));
                for prompt in raw_prompts(bundle, session_id, range) {
                    assert!(users.contains(&prompt), "{id}: {prompt:?}");
                }
            }
        }
        InspectContent::Attempt(attempt) => {
            assert_eq!(&attempt.attempt_id, id);
            if let Some(payload) = payload {
                assert_eq!(
                    attempt.outcome,
                    payload["outcome"].as_str().unwrap(),
                    "{id}"
                );
                let expected = if payload.get("outputInline").is_some() {
                    Some(payload["outputInline"].clone())
                } else if let Some(artifact) = payload.get("outputArtifact") {
                    let text = artifact_text(bundle, artifact);
                    Some(serde_json::from_str(&text).unwrap_or(Value::String(text)))
                } else {
                    None
                };
                assert_eq!(attempt.output, expected, "{id}");
                assert_eq!(attempt.error.as_deref(), payload["error"].as_str(), "{id}");
            } else {
                assert_ne!(attempt.outcome, "ok", "{id} never finished");
            }
            assert!(attempt.missing.is_empty(), "{id}: {:?}", attempt.missing);
        }
        InspectContent::Events(events) => {
            let seqs: Vec<u32> = events.trace.iter().map(|r| r.seq).collect();
            let expected: Vec<u32> = trace
                .iter()
                .map(seq)
                .filter(|s| (step.start..=step.end).contains(s))
                .collect();
            assert_eq!(seqs, expected, "{id}");
            if let Some(conversation) = conversation {
                assert_eq!(
                    events.session_id.as_deref(),
                    conversation["sessionId"].as_str(),
                    "{id}"
                );
                let (first, last) = (
                    conversation["eventStartSeq"].as_u64().unwrap() as u32,
                    conversation["eventEndSeq"].as_u64().unwrap() as u32,
                );
                assert!(events
                    .session
                    .iter()
                    .all(|r| (first..=last).contains(&r.seq)));
                assert_eq!(events.session.first().map(|r| r.seq), Some(first), "{id}");
                assert_eq!(events.session.last().map(|r| r.seq), Some(last), "{id}");
            }
        }
        InspectContent::Empty(reason) => {
            assert!(
                conversation.is_none(),
                "{id}: an ACP step shows nothing: {reason}"
            );
        }
    }
}

/// The browser's ages ("5m ago") move on by themselves: the loop wakes
/// every 30 s on the browser, and nowhere else when nothing runs.
#[test]
fn the_browser_wakes_to_age_its_rows_and_a_still_run_does_not() {
    let app = browser_app(sample_runs());
    assert_eq!(
        app.tick_interval(),
        Some(std::time::Duration::from_secs(30))
    );
    let app = run_app(branching_review());
    assert_eq!(
        app.tick_interval(),
        None,
        "a finished run sleeps until a key"
    );
}

// ---------------------------------------------------------------------------
// The graph's keys
// ---------------------------------------------------------------------------

/// The graph pane's title says what it shows ("Graph · map …").
fn graph_kind(app: &mut reel::tui::app::App) -> String {
    let text = buffer_text(&render(app, 160, 48));
    let title = text
        .lines()
        .find_map(|l| l.split("Graph · ").nth(1))
        .expect("a graph title")
        .to_string();
    title.split_whitespace().next().unwrap_or("").to_string()
}

#[test]
fn v_turns_what_is_shown_at_the_first_press() {
    let mut app = run_app(branching_review());
    let before = graph_kind(&mut app);
    keys(&mut app, "v");
    let after = graph_kind(&mut app);
    assert_ne!(before, after, "the first v changes the view");
    keys(&mut app, "v");
    assert_eq!(graph_kind(&mut app), before);
}

#[test]
fn z_fits_the_flow_and_keeps_following_the_cursor() {
    let mut app = run_app(branching_review());
    keys(&mut app, "z");
    assert_eq!(view(&app).graph_mode, reel::tui::run_view::GraphMode::Fit);
    assert!(view(&app).graph_follow, "fit keeps following");
    keys(&mut app, "G");
    // The last step's node is on screen: its name is drawn in the graph.
    let text = buffer_text(&render(&mut app, 160, 48));
    let graph: String = text
        .lines()
        .map(|l| l.chars().take(88).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        graph.contains("finalize"),
        "the current node is shown:\n{graph}"
    );
}

#[test]
fn the_graph_pans_up_and_down_by_key_and_by_wheel() {
    let mut app = run_app(branching_review());
    render(&mut app, 100, 20);
    keys(&mut app, "z");
    send(
        &mut app,
        Msg::Input(crossterm::event::Event::Key(key_event(
            KeyCode::Char('e'),
            crossterm::event::KeyModifiers::CONTROL,
        ))),
    );
    render(&mut app, 100, 20);
    assert!(!view(&app).graph_follow, "panning stops following");
    let panned = view(&app).graph_scroll.1;
    assert!(panned > 0, "ctrl-e pans down");
    // The wheel over the graph pans back up.
    let graph = app.hits.graph;
    send(
        &mut app,
        Msg::Input(crossterm::event::Event::Mouse(
            crossterm::event::MouseEvent {
                kind: crossterm::event::MouseEventKind::ScrollUp,
                column: graph.x + 2,
                row: graph.y + 2,
                modifiers: crossterm::event::KeyModifiers::NONE,
            },
        )),
    );
    render(&mut app, 100, 20);
    assert!(view(&app).graph_scroll.1 < panned, "the wheel pans up");
}

// ---------------------------------------------------------------------------
// Help and keys
// ---------------------------------------------------------------------------

#[test]
fn the_help_scrolls_on_a_small_screen_and_shows_every_binding() {
    let mut app = run_app(branching_review());
    keys(&mut app, "?");
    let first = buffer_text(&render(&mut app, 40, 12));
    assert!(first.contains("j/k scroll"), "says it scrolls:\n{first}");
    let bound = app.keymap.bindings(reel::tui::keymap::Mode::Run).len();
    // Scrolling to the end passes every binding; the help stays open.
    let mut seen = String::new();
    for _ in 0..bound + 5 {
        seen.push_str(&buffer_text(&render(&mut app, 40, 12)));
        keys(&mut app, "j");
        assert!(app.help, "j scrolls, it does not close the help");
    }
    for (action, _) in app.keymap.bindings(reel::tui::keymap::Mode::Run) {
        let short = action.short_in(reel::tui::keymap::Mode::Run);
        assert!(seen.contains(short), "{short:?} never shown");
    }
    keys(&mut app, "x");
    assert!(!app.help, "another key closes it");
}

#[test]
fn a_keys_file_problem_stays_on_screen() {
    let mut app = run_app(branching_review());
    app.settings_problem = Some("keys file ignored: j is bound to both quit and next_step".into());
    keys(&mut app, "jjk");
    let text = buffer_text(&render(&mut app, 160, 48));
    assert!(text.contains("keys file ignored"), "{text}");
}

/// The loading gauge keeps its figures whatever the path's length.
#[test]
fn the_loading_gauge_keeps_its_byte_counter() {
    let long = std::path::PathBuf::from(format!("/{}/run-folder", "deep/".repeat(40)));
    let mut app = reel::tui::app::App::new(
        reel::tui::app::Screen::Loading {
            path: long,
            done: 12_300_000,
            total: 45_600_000,
        },
        reel::tui::keymap::Keymap::defaults(),
        reel::tui::theme::Theme::plain(),
    );
    let text = buffer_text(&render(&mut app, 80, 24));
    assert!(text.contains("12.3 / 45.6 MB"), "{text}");
}

/// `f` shows only the runs of one status at a time, `s` orders the list;
/// the expectations come from the sample manifests.
#[test]
fn the_browser_filters_by_status_and_sorts() {
    let dirs = run_dirs(&sample_runs());
    let manifest = |d: &PathBuf| -> Value {
        serde_json::from_slice(&fs::read(d.join("manifest.json")).expect("manifest")).expect("json")
    };
    let failed: BTreeSet<String> = dirs
        .iter()
        .map(manifest)
        .filter(|m| {
            matches!(
                m["status"].as_str(),
                Some("failed" | "timed_out" | "cancelled")
            )
        })
        .map(|m| m["runId"].as_str().expect("runId").to_string())
        .collect();
    let mut app = browser_app(sample_runs());
    keys(&mut app, "ff"); // all → running → failed
    let shown: BTreeSet<String> = {
        let b = browser(&app);
        b.visible()
            .iter()
            .map(|&i| b.rows[i].summary.run_id.clone())
            .collect()
    };
    assert_eq!(shown, failed, "only the runs that ended badly");
    keys(&mut app, "fff"); // waiting, completed, all
    keys(&mut app, "s"); // by status
    let order: Vec<String> = {
        let b = browser(&app);
        b.visible()
            .iter()
            .map(|&i| b.rows[i].status.clone())
            .collect()
    };
    let rank = |s: &str| match s {
        "running" => 0,
        "waiting" => 1,
        "failed" | "timed_out" | "cancelled" => 2,
        "completed" => 3,
        _ => 4,
    };
    assert!(
        order.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{order:?}"
    );
    assert_eq!(order.len(), dirs.len());
}
