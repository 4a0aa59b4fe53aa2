//! The Session tab on the acp-rich bundles (real acpx 0.19.1 runs with
//! every kind of ACP content): search matches highlighted where they are
//! shown and `n`/`N` moving between them.

mod support;

use std::path::PathBuf;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

use reel::tui::app::App;
use reel::tui::run_view::Pane;
use support::*;

fn rich(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/acp-rich")
        .join(name)
}

fn search(app: &mut App, query: &str) {
    press(app, KeyCode::Char('/'));
    keys(app, query);
    press(app, KeyCode::Enter);
}

/// The plain theme marks a search match underlined and bold.
fn is_hit(buffer: &Buffer, x: u16, y: u16) -> bool {
    let modifier = buffer[(x, y)].modifier;
    modifier.contains(Modifier::UNDERLINED | Modifier::BOLD)
}

/// Cells of the inspector pane (right of the left panes, inside borders)
/// row by row: `(x, symbol)` without the hidden halves of wide cells.
fn inspector_rows(buffer: &Buffer, left: u16) -> Vec<(u16, Vec<(u16, String)>)> {
    let area = buffer.area;
    (1..area.height - 2)
        .map(|y| {
            let mut cells = Vec::new();
            let mut x = left;
            while x < area.width - 1 {
                let symbol = buffer[(x, y)].symbol().to_string();
                let width = unicode_width::UnicodeWidthStr::width(symbol.as_str()).max(1) as u16;
                cells.push((x, symbol));
                x += width;
            }
            (y, cells)
        })
        .collect()
}

/// Where the inspector pane starts: the column after the left panes'
/// right border on the first body row.
fn inspector_left(buffer: &Buffer) -> u16 {
    (1..buffer.area.width)
        .find(|&x| buffer[(x - 1, 1)].symbol() == "╮" || buffer[(x - 1, 1)].symbol() == "┓")
        .map_or(0, |x| x + 1)
}

#[test]
fn matches_are_highlighted_in_the_session_tab_and_nowhere_else() {
    let mut app = run_app(rich("rich-content"));
    let query = "line b";
    search(&mut app, query);
    assert!(
        !view(&app).search.hits.is_empty(),
        "the fixture has {query:?}"
    );
    render(&mut app, 160, 48);
    let buffer = render(&mut app, 160, 48);
    let left = inspector_left(&buffer);
    assert!(left > 0);
    let mut matched = 0;
    for (y, cells) in inspector_rows(&buffer, left) {
        // Independently of the code: find the query in the row's text,
        // ASCII case-insensitively, and expect exactly its cells marked.
        let text: String = cells.iter().map(|(_, s)| s.as_str()).collect();
        let lower = text.to_ascii_lowercase();
        let mut expected = vec![false; cells.len()];
        let starts: Vec<usize> = cells
            .iter()
            .scan(0usize, |at, (_, s)| {
                let here = *at;
                *at += s.len();
                Some(here)
            })
            .collect();
        let mut from = 0;
        while let Some(found) = lower[from..].find(query) {
            let (start, end) = (from + found, from + found + query.len());
            for (i, &byte) in starts.iter().enumerate() {
                if byte >= start && byte < end {
                    expected[i] = true;
                }
            }
            matched += 1;
            from = end;
        }
        for (i, (x, symbol)) in cells.iter().enumerate() {
            assert_eq!(
                is_hit(&buffer, *x, y),
                expected[i],
                "cell {x},{y} {symbol:?} in {text:?}"
            );
        }
    }
    assert!(matched > 0, "a match is on screen");
}

#[test]
fn n_and_shift_n_move_between_matches_in_the_inspector() {
    let mut app = run_app(rich("rich-content"));
    let query = "line";
    search(&mut app, query);
    let step = view(&app).current_attempt();
    while view(&app).focus != Pane::Inspector {
        press(&mut app, KeyCode::Tab);
    }
    // To the top of the tab: every match is below.
    press(&mut app, KeyCode::Char('g'));
    render(&mut app, 160, 48);
    let hits = view(&app).hit_lines.clone();
    assert!(hits.len() >= 2, "{hits:?}");
    assert!(hits[0] > 0);
    let mut visited = Vec::new();
    for _ in 0..hits.len() {
        press(&mut app, KeyCode::Char('n'));
        render(&mut app, 160, 48);
        assert_eq!(view(&app).current_attempt(), step, "n stays in the step");
        visited.push(view(&app).inspector_line);
        // The selected line shows the match (read off the screen): below
        // the header row and the pane's top border.
        let buffer = render(&mut app, 160, 48);
        let y = (view(&app).inspector_line - view(&app).inspector_offset) as u16 + 2;
        let row = row_text(&buffer, y, inspector_left(&buffer), 159).to_ascii_lowercase();
        assert!(row.contains(query), "{row}");
        assert!((inspector_left(&buffer)..159)
            .any(|x| buffer[(x, y)].modifier.contains(Modifier::REVERSED)));
    }
    assert_eq!(visited, hits, "n visits each match in order");
    press(&mut app, KeyCode::Char('N'));
    render(&mut app, 160, 48);
    assert_eq!(
        view(&app).inspector_line,
        hits[hits.len() - 2],
        "N goes back one"
    );
    press(&mut app, KeyCode::Char('n'));
    render(&mut app, 160, 48);
    // Past the last match of the step, n goes to the next step with a hit
    // and selects its first match once its content is drawn.
    let run = view(&app).run.clone();
    let steps_with_hits: std::collections::BTreeSet<_> = view(&app)
        .search
        .hits
        .iter()
        .filter_map(|&seq| run.attempt_at(seq))
        .collect();
    assert!(steps_with_hits.len() > 1, "{steps_with_hits:?}");
    press(&mut app, KeyCode::Char('n'));
    render(&mut app, 160, 48);
    render(&mut app, 160, 48);
    let now = view(&app);
    assert_ne!(now.current_attempt(), step, "n left the step");
    assert!(!now.hit_lines.is_empty());
    assert_eq!(now.hit_lines.first(), Some(&now.inspector_line));
}

// ---------------------------------------------------------------------------
// Snapshots of each kind of ACP content, at 80×24 and 160×48
// ---------------------------------------------------------------------------

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The help overlay names the user's keys file: pin its location so the
/// snapshots do not depend on the machine.
fn pin_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("XDG_CONFIG_HOME", "/nonexistent/config"));
}

/// Opens step `step` of a bundle with the inspector focused and the first
/// line showing `needle` selected at the top of the pane.
fn at_kind(bundle: &str, step: usize, needle: &str, (w, h): (u16, u16)) -> App {
    pin_env();
    let mut app = run_app(rich(bundle));
    view_mut(&mut app).go_to_step(step);
    while view(&app).focus != Pane::Inspector {
        press(&mut app, KeyCode::Tab);
    }
    render(&mut app, w, h);
    let count = view(&app).line_actions.len();
    for line in 0..count {
        // Line `line` selected at the top of the pane, as `j`/`k` leave it.
        let view = view_mut(&mut app);
        view.inspector_pinned = true;
        view.inspector_line = line;
        view.inspector_offset = line;
        let buffer = render(&mut app, w, h);
        assert_eq!(view_mut(&mut app).inspector_offset, line);
        if row_text(&buffer, 2, inspector_left(&buffer), w - 1).contains(needle) {
            return app;
        }
    }
    panic!("{needle:?} not in {bundle} step {step}");
}

fn snap_kind(name: &str, bundle: &str, step: usize, needle: &str) {
    for size in SIZES {
        let mut app = at_kind(bundle, step, needle, size);
        let text = screen(&mut app, size.0, size.1);
        assert!(text.contains(needle), "{name}: {needle:?} on screen");
        insta::assert_snapshot!(format!("{name}@{}x{}", size.0, size.1), text);
    }
}

#[test]
fn media_resource_and_link_blocks() {
    snap_kind("kind_media_blocks", "rich-content", 0, "▣ image");
}

#[test]
fn session_metadata_updates() {
    snap_kind("kind_metadata", "rich-content", 0, "◇ mode");
}

#[test]
fn a_diff_and_a_new_file() {
    snap_kind("kind_diff", "rich-content", 1, "✎ /workspace/src/app.ts");
    snap_kind("kind_new_file", "rich-content", 1, "new file");
}

#[test]
fn terminals_finished_and_pending() {
    snap_kind("kind_terminal", "rich-content", 2, "┌ terminal");
    snap_kind("kind_terminal_orphan", "rich-content", 3, "┌ terminal");
}

#[test]
fn stop_reasons_and_errors_are_warnings() {
    snap_kind(
        "kind_stop_max_turn_requests",
        "rich-content",
        2,
        "⚠ turn ended",
    );
    snap_kind(
        "kind_stop_refusal",
        "rich-content",
        4,
        "⚠ turn ended: refusal",
    );
    snap_kind("kind_error_data", "rich-content", 7, "✗ error");
}

#[test]
fn permissions_allowed_rejected_cancelled() {
    snap_kind(
        "kind_permission_mixed_ids",
        "rich-content",
        4,
        "? permission",
    );
    snap_kind(
        "kind_permission_allowed",
        "permissions-approve-reads",
        0,
        "✓\u{a0}allowed",
    );
    snap_kind(
        "kind_permission_rejected",
        "permissions-deny-all",
        0,
        "✗\u{a0}rejected",
    );
    snap_kind(
        "kind_permission_cancelled",
        "permission-cancelled",
        0,
        "⊘\u{a0}cancelled",
    );
}

/// The Session tab's section (what `o` opens) at inspector line `line`.
fn section_at(app: &App, line: usize) -> Option<reel::tui::inspect::PagerSource> {
    view(app)
        .pager_sections
        .iter()
        .rev()
        .find(|(first, _)| *first <= line)
        .and_then(|(_, source)| source.clone())
}

#[test]
fn enter_unfolds_a_content_item_and_o_opens_a_diff_whole() {
    use reel::tui::inspect::PagerSource;
    use reel::tui::run_view::LineAction;
    let mut app = run_app(rich("rich-content"));
    while view(&app).focus != Pane::Inspector {
        press(&mut app, KeyCode::Tab);
    }
    // A folded content item somewhere in the run.
    let mut found = None;
    for step in 0..view(&app).run.attempts.len() {
        view_mut(&mut app).go_to_step(step);
        // Any key has the step's content built (the Session tab's own).
        press(&mut app, KeyCode::Char('1'));
        render(&mut app, 160, 48);
        let actions = &view(&app).line_actions;
        if let Some(line) = actions.iter().position(
            |a| matches!(a, Some(LineAction::Fold(key)) if key.starts_with("acp-content")),
        ) {
            found = Some((step, line));
            break;
        }
    }
    let (step, line) = found.expect("a foldable content item in rich-content");
    let Some(LineAction::Fold(key)) = view(&app).line_actions[line].clone() else {
        unreachable!()
    };
    // The item at the top of the pane, before and after Enter.
    let at_top = |app: &mut App| {
        let view = view_mut(app);
        view.inspector_pinned = true;
        view.inspector_line = line;
        view.inspector_offset = line;
        screen(app, 160, 48).matches("(Enter to unfold)").count()
    };
    let folds_before = at_top(&mut app);
    assert!(folds_before > 0);
    press(&mut app, KeyCode::Enter);
    assert!(support::view(&app).folded.contains(&key));
    assert_eq!(support::view(&app).current_attempt(), Some(step));
    assert_eq!(at_top(&mut app), folds_before - 1, "the item unfolded");
    // Enter again folds it back.
    press(&mut app, KeyCode::Enter);
    assert!(!support::view(&app).folded.contains(&key));
    assert_eq!(at_top(&mut app), folds_before);

    // `o` on a diff line opens the whole diff: a unified diff of the path.
    view_mut(&mut app).go_to_step(1);
    press(&mut app, KeyCode::Char('1'));
    render(&mut app, 160, 48);
    let diff = (0..support::view(&app).line_actions.len())
        .find_map(|line| match section_at(&app, line) {
            Some(source @ PagerSource::Diff { .. }) => Some(source),
            _ => None,
        })
        .expect("a diff section in edits#1");
    let PagerSource::Diff { path, .. } = &diff else {
        unreachable!()
    };
    let mut out = Vec::new();
    reel::tui::pager::feed(&support::view(&app).run, &diff, &mut out).expect("feed");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains(&format!("+++ b/{path}")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("@@ -")), "{text}");
}
