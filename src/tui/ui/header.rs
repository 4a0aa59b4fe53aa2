//! The header line: flow, title, run state (and why it failed), step and
//! session counts.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::text::{clean, truncate};
use crate::humanize::plural;
use crate::tui::run_view::RunView;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, view: &RunView, theme: &Theme, now: i64) {
    let run = &view.run;
    let status = run.status();
    // Says running, but its writer has not shown life for long.
    let stale = status == "running" && !view.live;
    let status_style = match status.as_str() {
        _ if stale => theme.error,
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
            if stale {
                let silent = crate::model::liveness::LifeSigns::of(run)
                    .last_ms(now)
                    .map(|t| format!(" {}", crate::humanize::duration((now - t).max(0) as u64)))
                    .unwrap_or_default();
                format!("● stale (says running; silent{silent}: the writer stopped)")
            } else {
                format!("● {status}")
            },
            status_style,
        ),
        Span::styled(
            // Why it failed, where it can be seen without looking for it.
            run.failure
                .as_ref()
                .and_then(|f| f.summary())
                .map(|why| format!(": {}", truncate(&clean(&why), 60)))
                .unwrap_or_default(),
            theme.error,
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
