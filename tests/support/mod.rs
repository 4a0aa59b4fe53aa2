//! Shared helpers for the TUI tests (`tui_update`, `tui_snapshots`,
//! `tui_e2e`): building an `App` without a terminal, pressing keys with the
//! effects carried out inline, rendering to a `TestBackend` and turning the
//! buffer into text, and reading bundles independently of the library.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use reel::tui::app::{App, Screen};
use reel::tui::browser::BrowserState;
use reel::tui::inspect::Inspector;
use reel::tui::keymap::Keymap;
use reel::tui::message::Msg;
use reel::tui::run_view::RunView;
use reel::tui::theme::Theme;
use reel::tui::workers::{execute, settle};

/// A fixed "now" for run ages: 2026-11-24T12:00:00Z.
pub const FIXED_NOW: i64 = 1_795_521_600_000;

/// The crate root (integration tests run with it as the working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sample-runs`, relative, so that paths on screen do not depend on where
/// the crate is checked out.
pub fn sample_runs() -> PathBuf {
    PathBuf::from("sample-runs")
}

pub fn sample(name: &str) -> PathBuf {
    sample_runs().join(name)
}

pub const BRANCHING_REVIEW: &str = "2026-11-23T163116156Z-gen-branching-review-432a4eb8";
pub const INTERRUPTED: &str = "2026-11-23T174148285Z-gen-interrupted-9c48dd6b";
pub const ACP_FAILURE: &str = "2026-11-23T163143896Z-gen-acp-failure-9da6629a";

pub fn branching_review() -> PathBuf {
    sample(BRANCHING_REVIEW)
}

// ---------------------------------------------------------------------------
// Driving the app
// ---------------------------------------------------------------------------

/// An app on a run, loaded and inspected synchronously, with the default
/// keys and the plain theme (no user keys file, no colours).
pub fn run_app(path: impl Into<PathBuf>) -> App {
    let screen = Screen::Loading {
        path: path.into(),
        done: 0,
        total: 0,
    };
    started(App::new(screen, Keymap::defaults(), Theme::plain()))
}

/// An app on the run browser of `dir`, listed and counted synchronously.
pub fn browser_app(dir: impl Into<PathBuf>) -> App {
    let screen = Screen::Browser(BrowserState::new(dir.into()));
    started(App::new(screen, Keymap::defaults(), Theme::plain()))
}

/// Runs opened here never read or write the user's index cache: they use
/// one of this test process's own, which snapshots every trace and session
/// log however small, so the viewer's tests (live following included) run
/// with snapshots in play.
fn use_test_index_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Caches of earlier test processes go once they are an hour old
        // (those of test processes running beside this one are younger).
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at < hour_ago);
            if old
                && entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("index-cache-")
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let dir = tmp.join(format!("index-cache-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        reel::bundle::index_cache::use_in_this_process(
            reel::bundle::index_cache::IndexCache::at(dir).with_min_trace_bytes(0),
        );
    });
}

fn started(mut app: App) -> App {
    use_test_index_cache();
    app.fixed_now = Some(FIXED_NOW);
    let effects = app.start();
    settle(&mut app, effects);
    app
}

/// Sends one message and carries out every effect it causes.
pub fn send(app: &mut App, msg: Msg) {
    let effects = app.update(msg);
    settle(app, effects);
}

/// Like `send`, with one inspector kept across calls, as the real
/// inspection worker keeps its transcript cache (long sessions are folded
/// once instead of at every key).
pub fn send_cached(app: &mut App, inspector: &mut Inspector, msg: Msg) {
    let mut queue = app.update(msg);
    while let Some(effect) = queue.pop() {
        let mut messages = Vec::new();
        execute(effect, inspector, &mut |msg| messages.push(msg));
        for msg in messages {
            queue.extend(app.update(msg));
        }
    }
}

pub fn key_event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

/// Presses a key (no modifiers; uppercase letters as the terminal sends them).
pub fn press(app: &mut App, code: KeyCode) {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    send(app, Msg::Input(Event::Key(key_event(code, modifiers))));
}

/// Presses each character of `keys` in turn.
pub fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn click(app: &mut App, column: u16, row: u16) {
    send(
        app,
        Msg::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })),
    );
}

/// The run screen's state (panics on any other screen).
pub fn view(app: &App) -> &RunView {
    match &app.screen {
        Screen::Run(view) => view,
        other => panic!("expected the run screen, got {}", screen_name(other)),
    }
}

pub fn view_mut(app: &mut App) -> &mut RunView {
    match &mut app.screen {
        Screen::Run(view) => view,
        other => panic!("expected the run screen, got {}", screen_name(other)),
    }
}

pub fn browser(app: &App) -> &BrowserState {
    match &app.screen {
        Screen::Browser(browser) => browser,
        other => panic!("expected the browser, got {}", screen_name(other)),
    }
}

pub fn screen_name(screen: &Screen) -> String {
    match screen {
        Screen::Browser(_) => "browser".to_string(),
        Screen::Loading { path, .. } => format!("loading {}", path.display()),
        Screen::Run(_) => "run".to_string(),
        Screen::Starting { path } => format!("waiting for {} to start", path.display()),
        Screen::Failed { message, .. } => format!("failed: {message}"),
    }
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// Draws the app once into a fresh `width` × `height` test terminal.
pub fn render(app: &mut App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| reel::tui::ui::draw(frame, app))
        .expect("draw");
    terminal.backend().buffer().clone()
}

/// Draws twice (the first draw records line actions and scroll positions
/// that the second one uses, as on a real screen after a key) and returns
/// the screen as text.
pub fn screen(app: &mut App, width: u16, height: u16) -> String {
    render(app, width, height);
    buffer_text(&render(app, width, height))
}

/// The buffer's symbols, one line per row, trailing spaces trimmed. The
/// cells hidden behind a wide character are skipped, as a terminal shows it.
pub fn buffer_text(buffer: &Buffer) -> String {
    buffer_lines(buffer).join("\n")
}

pub fn buffer_lines(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    let mut lines = Vec::with_capacity(area.height as usize);
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut x = area.left();
        while x < area.right() {
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            x += (symbol.width() as u16).max(1);
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// The text of row `y` of a buffer between columns `x0..x1`.
pub fn row_text(buffer: &Buffer, y: u16, x0: u16, x1: u16) -> String {
    (x0..x1).map(|x| buffer[(x, y)].symbol()).collect()
}

// ---------------------------------------------------------------------------
// Reading bundles independently of the library
// ---------------------------------------------------------------------------

/// Every event of an NDJSON file, parsed with serde_json.
pub fn ndjson(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid NDJSON line"))
        .collect()
}

pub fn trace(bundle: &Path) -> Vec<Value> {
    ndjson(&bundle.join("trace.ndjson"))
}

pub fn seq(event: &Value) -> u32 {
    event["seq"].as_u64().expect("seq") as u32
}

/// A step as the trace tells it: the attemptId, the seq of its
/// `node_started`, and the seq of its `node_outcome` (or of its last event
/// when it never finished).
#[derive(Debug, Clone, PartialEq)]
pub struct RawStep {
    pub attempt_id: String,
    pub start: u32,
    pub end: u32,
}

pub fn raw_steps(trace: &[Value]) -> Vec<RawStep> {
    let mut steps: Vec<RawStep> = Vec::new();
    for event in trace {
        let Some(id) = event["attemptId"].as_str() else {
            continue;
        };
        if event["type"] == "node_started" {
            steps.push(RawStep {
                attempt_id: id.to_string(),
                start: seq(event),
                end: seq(event),
            });
        } else if let Some(step) = steps.iter_mut().rev().find(|s| s.attempt_id == id) {
            step.end = seq(event);
        }
    }
    steps
}

/// The `node_outcome` event of an attempt.
pub fn outcome_event<'a>(trace: &'a [Value], attempt_id: &str) -> &'a Value {
    trace
        .iter()
        .find(|e| e["type"] == "node_outcome" && e["attemptId"] == attempt_id)
        .unwrap_or_else(|| panic!("no node_outcome for {attempt_id}"))
}

/// The text of an artifact named by `{ "path": … }`.
pub fn artifact_text(bundle: &Path, reference: &Value) -> String {
    let path = reference["path"].as_str().expect("artifact path");
    fs::read_to_string(bundle.join(path)).expect("artifact")
}

/// Copies a bundle directory (recursively) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
