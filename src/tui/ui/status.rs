//! The status bar: the cursor as `step I/N` and the attemptId, the frame
//! seq, search state, and key hints for the focused pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::text::{clean, truncate};
use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Mode};
use crate::tui::run_view::{Pane, RunView};
use crate::tui::theme::Theme;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &RunView,
    keymap: &Keymap,
    theme: &Theme,
    notice: Option<&str>,
) {
    let run = &view.run;
    let total = run.attempts.len();
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
                "  /{} ({} hits)",
                clean(&view.search.query),
                view.search.hits.len()
            ),
            theme.dim,
        ));
    }
    spans.push(Span::raw("  "));
    if let Some(message) = notice
        .or(view.notice.as_deref())
        .or(view.search.error.as_deref())
    {
        spans.push(Span::styled(clean(message), theme.key));
    } else {
        spans.extend(hints(view.focus, keymap, theme));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

/// `key label` pairs for the focused pane, from the keymap.
fn hints<'a>(focus: Pane, keymap: &Keymap, theme: &Theme) -> Vec<Span<'a>> {
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
    let mut spans = Vec::new();
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
    spans
}
