//! The status bar: the cursor as `step I/N` and the attemptId, the frame
//! seq, search state, a continuation in progress, and key hints for the
//! focused pane. A message too long for the line gets more lines (wrapped,
//! never cut).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::text::{clean, truncate, width, wrap_line};
use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::run_view::{Pane, RunView};
use crate::tui::theme::Theme;

/// The most rows the bar may take for a long message.
const MAX_ROWS: u16 = 4;

/// What the bar shows besides the view's own state.
pub struct Extra<'a> {
    pub notice: Option<&'a str>,
    /// A continuation in progress (`continuing… (x stop)`).
    pub resume: Option<&'a str>,
}

/// Rows the bar needs at `cols` columns.
pub fn rows(view: &RunView, keymap: &Keymap, theme: &Theme, extra: &Extra, cols: u16) -> u16 {
    if view.search.input.is_some() {
        return 1;
    }
    let Some(message) = message(view, extra) else {
        return 1;
    };
    let left: usize = left_spans(view, keymap, theme, extra)
        .iter()
        .map(|s| width(&s.content))
        .sum();
    if left + 2 + width(&clean(message)) <= usize::from(cols) {
        return 1;
    }
    let wrapped = wrap_line(&Line::raw(format!(" {}", clean(message))), cols.into(), 1);
    (1 + wrapped.len() as u16).min(MAX_ROWS)
}

fn message<'a>(view: &'a RunView, extra: &Extra<'a>) -> Option<&'a str> {
    extra
        .notice
        .or(view.notice.as_deref())
        .or(view.search.error.as_deref())
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &RunView,
    keymap: &Keymap,
    theme: &Theme,
    extra: &Extra,
) {
    let mut spans = Vec::new();
    if let Some(input) = &view.search.input {
        spans.push(Span::styled(" / ", theme.key));
        spans.push(Span::raw(clean(input)));
        spans.push(Span::styled("█", theme.key));
        spans.push(Span::styled("   Enter search · Esc cancel", theme.dim));
        frame.render_widget(
            Paragraph::new(Line::from(spans)).style(theme.status_bar),
            area,
        );
        return;
    }
    spans = left_spans(view, keymap, theme, extra);
    spans.push(Span::raw("  "));
    let mut lines = Vec::new();
    match message(view, extra) {
        Some(message) if area.height > 1 => {
            // Too long for the line: on rows of its own, wrapped.
            lines.push(Line::from(spans));
            let text = Line::styled(format!(" {}", clean(message)), theme.key);
            lines.extend(wrap_line(&text, area.width.into(), 1));
        }
        Some(message) => {
            spans.push(Span::styled(clean(message), theme.key));
            lines.push(Line::from(spans));
        }
        None => {
            spans.extend(hints(view, keymap, theme, extra));
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines).style(theme.status_bar), area);
}

/// Step, seq, playback, liveness, search and continuation state.
fn left_spans<'a>(view: &RunView, keymap: &Keymap, theme: &Theme, extra: &Extra) -> Vec<Span<'a>> {
    let run = &view.run;
    let total = run.attempts.len();
    let mut spans = Vec::new();
    let (step, attempt_id) = match view.current_attempt() {
        Some(i) => (i + 1, clean(run.attempt_id(&run.attempts[i]))),
        None => (0, "—".to_string()),
    };
    spans.push(Span::styled(format!(" step {step}/{total} "), theme.key));
    spans.push(Span::styled(truncate(&attempt_id, 32), theme.title));
    spans.push(Span::styled(
        format!("  seq {}/{}", view.cursor, run.last_seq()),
        theme.dim,
    ));
    if let Some(playback) = view.playback {
        let glyph = if playback.playing { "▶" } else { "⏸" };
        spans.push(Span::styled(
            format!("  {glyph} {}", playback.speed.label()),
            theme.key,
        ));
    }
    if view.live {
        // Following the head, or pinned behind it with the way back offered.
        if view.following() {
            spans.push(Span::styled("  ● LIVE", theme.key));
        } else {
            let key = keymap
                .key_for(Mode::Run, Action::LastStep)
                .map_or("G".to_string(), |k| k.to_string());
            spans.push(Span::styled(format!("  LIVE ▸ {key}"), theme.key));
        }
    }
    if view.search.running {
        spans.push(Span::styled(
            format!("  searching {:?}…", view.search.query),
            theme.dim,
        ));
    } else if !view.search.query.is_empty() {
        spans.push(Span::styled(
            format!(
                "  /{} ({} hits{})",
                clean(&view.search.query),
                view.search.hits.len(),
                if view.indexing.is_some() {
                    " so far"
                } else {
                    ""
                }
            ),
            theme.dim,
        ));
    }
    if let Some((done, total)) = view.indexing {
        let percent = (done as f64 * 100.0 / total.max(1) as f64).min(100.0);
        spans.push(Span::styled(
            format!("  indexing {percent:.0}%: steps so far"),
            theme.key,
        ));
    }
    if let Some(resume) = extra.resume {
        spans.push(Span::styled(format!("  {}", clean(resume)), theme.key));
    }
    spans
}

/// `key label` pairs for the focused pane, from the keymap; a waiting run
/// also offers to continue, a run with failed steps to go to them.
fn hints<'a>(view: &RunView, keymap: &Keymap, theme: &Theme, extra: &Extra) -> Vec<Span<'a>> {
    let focus = view.focus;
    let mut spans = Vec::new();
    if extra.resume.is_none() && view.run.status() == "waiting" {
        if let Some(key) = keymap.key_for(Mode::Run, Action::Continue) {
            spans.push(Span::styled(format!("{key} "), theme.key));
            spans.push(Span::styled("continue  ", theme.dim));
        }
    }
    let actions: &[Action] = match focus {
        Pane::Timeline => &[
            Action::NextStep,
            Action::NextEvent,
            Action::Activate,
            Action::Search,
            Action::FocusNext,
            Action::Help,
            Action::Back,
        ],
        Pane::Graph => &[
            Action::NextStep,
            Action::ToggleGraphView,
            Action::FitGraph,
            Action::FollowCursor,
            Action::FocusNext,
            Action::Help,
        ],
        Pane::Inspector => &[
            Action::TabSession,
            Action::NextSession,
            Action::Activate,
            Action::Search,
            Action::FocusNext,
            Action::Help,
        ],
    };
    for action in actions {
        if let Some(key) = keymap.key_for(Mode::Run, *action) {
            let label = match (focus, action) {
                (Pane::Inspector, Action::TabSession) => "1-3 tabs".to_string(),
                (Pane::Inspector, _) | (_, _) => action.hint().to_string(),
            };
            let key = if matches!((focus, action), (Pane::Inspector, Action::TabSession)) {
                String::new()
            } else {
                format!("{key} ")
            };
            spans.push(Span::styled(key, theme.key));
            spans.push(Span::styled(format!("{label}  "), theme.dim));
        }
    }
    // Last, so a narrow screen keeps the pane's own hints.
    if view.run.failure_steps().next().is_some() {
        if let Some(key) = keymap.key_for(Mode::Run, Action::NextFailure) {
            spans.push(Span::styled(format!("{key} "), theme.key));
            spans.push(Span::styled("failure  ", theme.dim));
        }
    }
    spans
}
