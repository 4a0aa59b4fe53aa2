//! The header line: flow, title, run status, step and session counts.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::text::{clean, truncate};
use crate::humanize::plural;
use crate::tui::run_view::RunView;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, view: &RunView, theme: &Theme) {
    let run = &view.run;
    let status = run.status();
    let status_style = match status.as_str() {
        "failed" | "timed_out" => theme.error,
        "completed" => theme.status(crate::model::NodeStatus::Done),
        _ => theme.status(crate::model::NodeStatus::Running),
    };
    let title = clean(run.title());
    let flow = clean(run.flow_name());
    let mut spans = vec![
        Span::styled(" reel ", theme.key),
        Span::styled(truncate(&title, 48), theme.header),
    ];
    if title != flow {
        spans.push(Span::styled(
            format!("  {}", truncate(&flow, 32)),
            theme.dim,
        ));
    }
    spans.extend([
        Span::raw("  "),
        Span::styled(
            match (status.as_str(), view.live) {
                // Says running, but its writer has not shown life for long.
                ("running", false) => "● running (stale: the writer stopped)".to_string(),
                _ => format!("● {status}"),
            },
            status_style,
        ),
        Span::styled(
            format!(
                "  {} · {} · {}  ",
                plural(run.attempts.len(), "step"),
                plural(run.bundle.sessions.len(), "session"),
                plural(run.bundle.trace.len(), "event")
            ),
            theme.dim,
        ),
        Span::styled(
            clean(run.run_id().rsplit('-').next().unwrap_or("")),
            theme.dim,
        ),
    ]);
    frame.render_widget(Line::from(spans), area);
}
