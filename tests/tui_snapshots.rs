//! Layers 2 and 3 of DESIGN §7: widget tests against the rendered buffer,
//! and whole-screen insta snapshots at 80×24 and 160×48 rendered with
//! ratatui's `TestBackend` in the plain theme, with a fixed clock.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test --test tui_snapshots`
//! (or `cargo insta review`), then read every changed `.snap` file.
//! The graph pane is being replaced: its part of the snapshots is expected
//! to change, and no non-snapshot test here looks at it.

mod support;

use std::fs;
use std::sync::Once;

use crossterm::event::KeyCode;
use ratatui::style::Modifier;
use serde_json::Value;

use reel::tui::app::App;
use reel::tui::inspect::{InspectContent, InspectorTab};
use reel::tui::run_view::{LineAction, Pane};
use support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The help overlay names the user's keys file: pin its location so the
/// snapshots do not depend on the machine. Every test calls this first.
fn pin_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::env::set_var("XDG_CONFIG_HOME", "/nonexistent/config"));
}

/// The branching-review run at step 5 (`review_loop#2`).
fn at_step5() -> App {
    pin_env();
    let mut app = run_app(branching_review());
    keys(&mut app, "jjjj");
    assert_eq!(view(&app).current_attempt(), Some(4));
    app
}

fn snap_sizes(name: &str, app: &mut App, sizes: &[(u16, u16)]) {
    for &(w, h) in sizes {
        let text = screen(app, w, h);
        insta::assert_snapshot!(format!("{name}@{w}x{h}"), text);
    }
}

// ---------------------------------------------------------------------------
// Whole screens
// ---------------------------------------------------------------------------

#[test]
fn browser_of_sample_runs() {
    pin_env();
    let mut app = browser_app(sample_runs());
    snap_sizes("browser", &mut app, &SIZES);
}

#[test]
fn browser_filtered_while_typing() {
    pin_env();
    let mut app = browser_app(sample_runs());
    keys(&mut app, "/review");
    snap_sizes("browser_filter", &mut app, &[(80, 24)]);
}

#[test]
fn run_view_step5_session_tab() {
    let mut app = at_step5();
    snap_sizes("run_step5_session", &mut app, &SIZES);
}

#[test]
fn run_view_step5_attempt_tab() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Char('2'));
    snap_sizes("run_step5_attempt", &mut app, &SIZES);
}

#[test]
fn run_view_step5_events_tab() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Char('3'));
    snap_sizes("run_step5_events", &mut app, &SIZES);
}

#[test]
fn run_view_first_step() {
    pin_env();
    let mut app = run_app(branching_review());
    snap_sizes("run_step1_session", &mut app, &[(160, 48)]);
}

#[test]
fn events_tab_with_one_event_expanded() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Tab);
    assert_eq!(view(&app).focus, Pane::Inspector);
    // Render once so the inspector knows what Enter does on each line,
    // then select the `node_outcome` row (seq 37) and expand it.
    screen(&mut app, 160, 48);
    let target = view(&app)
        .line_actions
        .iter()
        .position(|a| *a == Some(LineAction::Expand(true, 37)))
        .expect("a line for the node_outcome event");
    let current = view(&app).inspector_line;
    assert!(current <= target);
    for _ in current..target {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(view(&app).inspector_line, target);
    press(&mut app, KeyCode::Enter);
    assert!(view(&app).expanded.contains(&(true, 37)));
    snap_sizes("run_step5_events_expanded", &mut app, &[(160, 48)]);
}

#[test]
fn timeline_at_event_level() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('K'));
    assert!(view(&app).event_level);
    assert_eq!(view(&app).cursor, 36);
    snap_sizes("run_step5_event_level", &mut app, &[(160, 48)]);
}

#[test]
fn help_overlay() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    snap_sizes("help_run", &mut app, &SIZES);
}

#[test]
fn help_overlay_in_the_browser() {
    pin_env();
    let mut app = browser_app(sample_runs());
    press(&mut app, KeyCode::Char('?'));
    snap_sizes("help_browser", &mut app, &[(80, 24)]);
}

#[test]
fn search_prompt_while_typing() {
    let mut app = at_step5();
    keys(&mut app, "/finding 2a");
    snap_sizes("search_prompt", &mut app, &SIZES);
}

#[test]
fn search_with_hits() {
    pin_env();
    let mut app = run_app(branching_review());
    keys(&mut app, "/finding 2a");
    press(&mut app, KeyCode::Enter);
    assert!(!view(&app).search.hits.is_empty());
    snap_sizes("search_hits", &mut app, &SIZES);
}

#[test]
fn interrupted_run_cancelled_step() {
    pin_env();
    let mut app = run_app(sample(INTERRUPTED));
    press(&mut app, KeyCode::Char('G'));
    snap_sizes("interrupted_last_step", &mut app, &[(160, 48)]);
    press(&mut app, KeyCode::Char('2'));
    snap_sizes("interrupted_last_step_attempt", &mut app, &[(160, 48)]);
}

#[test]
fn failed_acp_run() {
    pin_env();
    let mut app = run_app(sample(ACP_FAILURE));
    snap_sizes("acp_failure", &mut app, &SIZES);
    press(&mut app, KeyCode::Char('2'));
    snap_sizes("acp_failure_attempt", &mut app, &[(160, 48)]);
}

#[test]
fn a_run_that_cannot_be_opened() {
    pin_env();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = run_app(dir.path().join("no-such-run"));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("Cannot open this run"), "{text}");
}

// ---------------------------------------------------------------------------
// Sanitization: escape sequences from an agent are shown, not interpreted
// ---------------------------------------------------------------------------

/// Copies branching-review into a temp dir with an escape sequence (clear
/// screen) and an OSC window title in an agent message chunk of round 2,
/// and an SGR colour sequence in the title of its first tool call (a
/// single-line string, drawn by another path than wrapped text).
fn hostile_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join(BRANCHING_REVIEW);
    copy_dir(&root().join("sample-runs").join(BRANCHING_REVIEW), &target);
    let events = target.join("sessions/reviewer-22b54ff9/events.ndjson");
    let (mut chunk, mut tool) = (false, false);
    let lines: Vec<String> = fs::read_to_string(&events)
        .expect("events")
        .lines()
        .map(|line| {
            let mut event: Value = serde_json::from_str(line).expect("json");
            // Only the second turn (seq ≥ 9), the one of review_loop#2.
            if event["seq"].as_u64() < Some(9) {
                return line.to_string();
            }
            let update = &mut event["message"]["params"]["update"];
            if !chunk && update["sessionUpdate"] == "agent_message_chunk" {
                chunk = true;
                update["content"]["text"] =
                    Value::from("evil \u{1b}[2J cleared \u{1b}]0;pwned\u{7} titled ");
            } else if !tool && update["sessionUpdate"] == "tool_call" {
                tool = true;
                update["title"] = Value::from("read \u{1b}[31mred\u{1b}[0m step");
            } else {
                return line.to_string();
            }
            let text = serde_json::to_string(&event).expect("json");
            assert!(text.contains("\\u001b["), "{text}");
            text
        })
        .collect();
    assert!(chunk && tool);
    fs::write(&events, lines.join("\n") + "\n").expect("write");
    dir
}

const CHUNK: [&str; 2] = ["\u{241b}[2J cleared", "\u{241b}]0;pwned\u{2407} titled"];
const TOOL: &str = "read \u{241b}[31mred\u{241b}[0m step";

#[test]
fn escape_sequences_in_a_conversation_are_shown_as_placeholders() {
    pin_env();
    let dir = hostile_bundle();
    let mut app = run_app(dir.path().join(BRANCHING_REVIEW));
    keys(&mut app, "jjjj");
    assert_sanitized(&mut app, 160, 48, &[CHUNK[0], CHUNK[1], TOOL]);
    let text = screen(&mut app, 160, 48);
    insta::assert_snapshot!("sanitized_conversation@160x48", text);

    // The raw JSON-RPC of the two message chunks, expanded in the Events
    // tab: escaped there (`\u{1b}`), never raw either.
    press(&mut app, KeyCode::Char('3'));
    let seqs: Vec<u32> = match &view(&app).inspected {
        Some((_, InspectContent::Events(events))) => events
            .session
            .iter()
            .filter(|r| r.label.ends_with("agent_message_chunk"))
            .map(|r| r.seq)
            .collect(),
        other => panic!("expected events, got {other:?}"),
    };
    assert_eq!(seqs.len(), 2);
    view_mut(&mut app)
        .expanded
        .extend(seqs.into_iter().map(|seq| (false, seq)));
    assert_sanitized(&mut app, 160, 48, &["[2J cleared", "]0;pwned"]);

    // At 80×24 the injected chunk is below the step's first lines: scroll
    // the conversation to its end first.
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('G'));
    assert_sanitized(&mut app, 80, 24, &CHUNK);
}

/// No cell holds a raw ESC or BEL, and every needle is on screen.
fn assert_sanitized(app: &mut App, w: u16, h: u16, needles: &[&str]) {
    render(app, w, h);
    let buffer = render(app, w, h);
    for cell in buffer.content() {
        assert!(
            !cell.symbol().contains(['\u{1b}', '\u{7}']),
            "a raw control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    let text = buffer_text(&buffer);
    for needle in needles {
        assert!(
            text.contains(needle),
            "{needle:?} is not on screen at {w}x{h}:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// Widget tests against the buffer (cells and styles, not whole screens)
// ---------------------------------------------------------------------------

#[test]
fn status_bar_names_the_step_on_the_last_row() {
    let mut app = at_step5();
    for (w, h) in SIZES {
        let buffer = render(&mut app, w, h);
        let status = row_text(&buffer, h - 1, 0, w);
        assert!(
            status.starts_with(" step 5/9 review_loop#2  seq 37/57"),
            "{status:?}"
        );
        // The whole bar is drawn in the status style (reversed in plain).
        assert!(buffer[(w - 1, h - 1)].modifier.contains(Modifier::REVERSED));
    }
}

#[test]
fn header_names_flow_status_and_counts() {
    let mut app = at_step5();
    let buffer = render(&mut app, 160, 48);
    let header = row_text(&buffer, 0, 0, 160);
    assert!(
        header.starts_with(" reel Review: fix flaky login test  gen-branching-review"),
        "{header}"
    );
    assert!(header.contains("● completed"), "{header}");
    assert!(
        header.contains("9 steps · 3 sessions · 57 events"),
        "{header}"
    );
}

#[test]
fn selected_timeline_row_is_reversed_and_only_it() {
    let mut app = at_step5();
    render(&mut app, 160, 48);
    let buffer = render(&mut app, 160, 48);
    let rows = app.hits.timeline_rows.clone();
    assert_eq!(rows.len(), 9, "every step has a row at 160×48");
    for (rect, attempt) in rows {
        let text = row_text(&buffer, rect.y, rect.x, rect.right());
        let reversed = buffer[(rect.x + 2, rect.y)]
            .modifier
            .contains(Modifier::REVERSED);
        assert_eq!(reversed, attempt == 4, "row {attempt}: {text}");
        if attempt == 4 {
            assert!(text.contains("review_loop#2"), "{text}");
            assert!(text.contains("acp"), "{text}");
            assert!(text.contains("ok"), "{text}");
        }
    }
}

#[test]
fn focused_pane_has_the_thick_border() {
    let mut app = at_step5();
    let buffer = render(&mut app, 160, 48);
    let (timeline, inspector) = (app.hits.timeline, app.hits.inspector);
    assert_eq!(buffer[(timeline.x, timeline.y)].symbol(), "┏");
    assert_eq!(buffer[(inspector.x, inspector.y)].symbol(), "╭");
    press(&mut app, KeyCode::Tab);
    let buffer = render(&mut app, 160, 48);
    assert_eq!(buffer[(timeline.x, timeline.y)].symbol(), "╭");
    assert_eq!(buffer[(inspector.x, inspector.y)].symbol(), "┏");
}

#[test]
fn inspector_title_marks_the_active_tab() {
    let mut app = at_step5();
    for (key, tab, label) in [
        ('2', InspectorTab::Attempt, "2 Attempt"),
        ('3', InspectorTab::Events, "3 Events"),
        ('1', InspectorTab::Session, "1 Session"),
    ] {
        press(&mut app, KeyCode::Char(key));
        assert_eq!(view(&app).tab, tab);
        let buffer = render(&mut app, 160, 48);
        let area = app.hits.inspector;
        let title = row_text(&buffer, area.y, area.x, area.right());
        let at = title.find(label).expect("tab label in the title");
        let column = area.x + title[..at].chars().count() as u16;
        assert!(
            buffer[(column, area.y)]
                .modifier
                .contains(Modifier::REVERSED),
            "{title}"
        );
        for other in ["1 Session", "2 Attempt", "3 Events"] {
            if other == label {
                continue;
            }
            let at = title.find(other).expect("other tab label");
            let x = area.x + title[..at].chars().count() as u16;
            assert!(!buffer[(x, area.y)].modifier.contains(Modifier::REVERSED));
        }
    }
}

#[test]
fn conversation_marks_the_step_slice() {
    let mut app = at_step5();
    render(&mut app, 160, 48);
    let buffer = render(&mut app, 160, 48);
    let area = app.hits.inspector;
    // Inside the border: the first column holds the slice marker for the
    // step's own items and a blank for earlier ones.
    let marked: Vec<String> = (area.y + 1..area.bottom() - 1)
        .filter(|&y| buffer[(area.x + 1, y)].symbol() == "▌")
        .map(|y| row_text(&buffer, y, area.x + 2, area.right() - 1))
        .collect();
    assert!(!marked.is_empty());
    let all = marked.join("\n");
    assert!(all.contains("Review round 2."), "{all}");
    assert!(!all.contains("Review round 1."), "{all}");
    assert!(buffer[(area.x + 1, area.y + 1)]
        .modifier
        .contains(Modifier::BOLD));
}

#[test]
fn small_terminals_show_only_the_focused_pane() {
    let mut app = at_step5();
    let text = screen(&mut app, 50, 12);
    assert!(text.contains("Timeline"), "{text}");
    assert!(!text.contains("Session │"), "{text}");
    press(&mut app, KeyCode::Tab);
    let text = screen(&mut app, 50, 12);
    assert!(text.contains("1 Session"), "{text}");
    assert!(!text.contains(" Timeline "), "{text}");
}

// ---------------------------------------------------------------------------
// Known bugs (reported; un-ignore once fixed)
// ---------------------------------------------------------------------------

/// Between a key and the worker's answer the inspector must not present the
/// previous step's content as the current one: it says what it is loading
/// and shows the old content only dimmed.
#[test]
fn inspector_never_shows_another_steps_content_as_current() {
    let mut app = at_step5();
    press(&mut app, KeyCode::Char('k'));
    // `j` without carrying out its Inspect effect: the worker is still busy.
    let effects = app.update(reel::tui::message::Msg::Input(
        crossterm::event::Event::Key(key_event(
            KeyCode::Char('j'),
            crossterm::event::KeyModifiers::NONE,
        )),
    ));
    assert_eq!(effects.len(), 1);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("step 5/9 review_loop#2"), "{text}");
    assert!(text.contains("loading review_loop#2…"), "{text}");
    let buffer = render(&mut app, 160, 48);
    let inspector = app.hits.inspector;
    for y in inspector.y + 2..inspector.y + inspector.height - 1 {
        for x in inspector.x + 1..inspector.x + inspector.width - 1 {
            let cell = &buffer[(x, y)];
            assert!(
                cell.symbol() == " " || cell.modifier.contains(Modifier::DIM),
                "stale content not dimmed at ({x},{y}):\n{text}"
            );
        }
    }
}

/// Before the first step (the cursor on `run_started`) the status bar says
/// `step 0/9`, so no timeline row should be selected and the inspector
/// should not keep showing step 1.
#[test]
fn before_the_first_step_nothing_is_selected() {
    pin_env();
    let mut app = run_app(branching_review());
    keys(&mut app, "KK");
    assert_eq!(view(&app).current_attempt(), None);
    render(&mut app, 160, 48);
    let buffer = render(&mut app, 160, 48);
    assert!(row_text(&buffer, 47, 0, 160).starts_with(" step 0/9"));
    for (rect, attempt) in app.hits.timeline_rows.clone() {
        assert!(
            !buffer[(rect.x + 2, rect.y)]
                .modifier
                .contains(Modifier::REVERSED),
            "row {attempt} is selected"
        );
    }
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("the cursor is before the first step"),
        "{text}"
    );
}
