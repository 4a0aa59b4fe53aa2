//! The timeline: one row per step, virtualized (only visible rows are
//! built, so a million steps scroll as fast as ten). At event level the
//! current step unfolds into its trace events: heartbeats, artifacts,
//! session and ACP events.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane_block;
use super::text::{clean, fit, truncate};
use crate::bundle::timestamp::format_iso_millis;
use crate::humanize::duration;
use crate::model::frame::attempt_status_at;
use crate::model::NodeStatus;
use crate::tui::app::HitAreas;
use crate::tui::run_view::{Pane, RunView};
use crate::tui::theme::Theme;

/// A timeline row: a step, or one trace event of the expanded step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Step(usize),
    Event(usize),
}

pub fn draw(frame: &mut Frame, area: Rect, view: &mut RunView, theme: &Theme, hits: &mut HitAreas) {
    let focused = view.focus == Pane::Timeline;
    let title = Line::from(vec![
        Span::styled(" Timeline ", theme.title),
        Span::styled(if view.event_level { "· events " } else { "" }, theme.dim),
    ]);
    let block = pane_block(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    if height == 0 || inner.width == 0 {
        return;
    }
    let run = view.run.clone();
    let current = view.current_attempt();
    let expanded = current.filter(|_| view.event_level);
    let extra = expanded.map_or(0, |i| {
        run.attempts[i].entry_end() - run.attempts[i].entry_start() + 1
    });
    let total = run.attempts.len() + extra;
    let selected = selected_row(view, expanded);
    let focus_row = selected.unwrap_or(0);
    if focus_row < view.timeline_offset {
        view.timeline_offset = focus_row;
    } else if focus_row >= view.timeline_offset + height {
        view.timeline_offset = focus_row + 1 - height;
    }
    view.timeline_offset = view.timeline_offset.min(total.saturating_sub(height));
    let mut lines = Vec::with_capacity(height);
    for (screen_row, index) in
        (view.timeline_offset..total.min(view.timeline_offset + height)).enumerate()
    {
        let row = row_at(index, expanded, extra);
        let is_selected = Some(index) == selected;
        let line = match row {
            Row::Step(i) => {
                let rect = Rect::new(inner.x, inner.y + screen_row as u16, inner.width, 1);
                hits.timeline_rows.push((rect, i));
                step_line(view, i, inner.width as usize, theme)
            }
            Row::Event(entry) => event_line(view, entry, inner.width as usize, theme),
        };
        lines.push(if is_selected {
            line.style(theme.selection)
        } else {
            line
        });
    }
    if run.attempts.is_empty() {
        lines.push(Line::styled("no steps yet", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selected row; none while the cursor is before the first step.
fn selected_row(view: &RunView, expanded: Option<usize>) -> Option<usize> {
    let step = view.current_attempt()?;
    let Some(open) = expanded else {
        return Some(step);
    };
    let attempt = &view.run.attempts[open];
    match view.run.bundle.trace.entry_at_or_before(view.cursor) {
        Some(entry)
            if entry >= attempt.entry_start()
                && entry <= attempt.entry_end()
                && view.cursor != attempt.seq_end(&view.run.bundle.trace) =>
        {
            Some(step + 1 + (entry - attempt.entry_start()))
        }
        _ => Some(step),
    }
}

fn row_at(index: usize, expanded: Option<usize>, extra: usize) -> Row {
    match expanded {
        Some(open) if index > open && index <= open + extra => Row::Event(index - open - 1),
        Some(open) if index > open + extra => Row::Step(index - extra),
        _ => Row::Step(index),
    }
}

/// One step row. Wide panes show time, type and the authored status
/// detail; narrow ones keep what matters: state glyph, id, outcome,
/// duration. Steps after the cursor are dimmed (they have not happened yet
/// at this frame) and show their eventual outcome.
fn step_line(view: &RunView, position: usize, cols: usize, theme: &Theme) -> Line<'static> {
    let run = &view.run;
    let attempt = &run.attempts[position];
    let future = attempt.seq_start(&run.bundle.trace) > view.cursor;
    let shown_at = if future {
        attempt.seq_end(&run.bundle.trace)
    } else {
        view.cursor
    };
    let status = attempt_status_at(attempt, &run.bundle.trace, shown_at);
    let status_style = if future {
        theme.dim
    } else {
        theme.status(status)
    };
    let text_style = if future { theme.dim } else { theme.text };
    let hit = step_has_hit(
        &view.search.hits,
        attempt.seq_start(&run.bundle.trace),
        attempt.seq_end(&view.run.bundle.trace),
    );
    // What it had taken by the cursor's frame: the recorded duration once
    // it ended, the time so far while it runs, the time it ran when cut
    // short. A future step shows its eventual figure, dimmed.
    let frame = if future {
        attempt.seq_end(&view.run.bundle.trace)
    } else {
        view.cursor
    };
    let duration_text = run
        .elapsed_at(attempt, frame)
        .map(duration)
        .unwrap_or_default();
    let outcome = match status {
        NodeStatus::Running => "running",
        _ => attempt.outcome.name(),
    };
    let mut spans = vec![Span::styled(if hit { "•" } else { " " }, theme.hit)];
    let wide = cols >= 72;
    if wide {
        let time = attempt
            .started_ms(&run.bundle.trace)
            .map(format_iso_millis)
            .and_then(|s| s.get(11..23).map(str::to_string))
            .unwrap_or_default();
        spans.push(Span::styled(format!("{time} "), theme.dim));
    }
    spans.push(Span::styled(format!("{} ", status.glyph()), status_style));
    let fixed = if wide {
        1 + 13 + 2 + 8 + 10 + 7
    } else {
        1 + 2 + 10 + 7
    };
    let id_width = if wide {
        20
    } else {
        cols.saturating_sub(fixed).clamp(8, 24)
    };
    spans.push(Span::styled(
        fit(&clean(run.attempt_id(attempt)), id_width),
        text_style,
    ));
    if wide {
        spans.push(Span::styled(
            format!(" {}", fit(run.node_type(attempt), 7)),
            theme.dim,
        ));
    }
    spans.push(Span::styled(format!(" {}", fit(outcome, 9)), status_style));
    spans.push(Span::styled(format!("{duration_text:>6} "), text_style));
    if wide {
        let detail = attempt
            .flow_node()
            .and_then(|n| run.bundle.flow.nodes.get(n))
            .and_then(|n| n.status_detail())
            .map(clean)
            .unwrap_or_default();
        let used: usize = spans.iter().map(|s| super::text::width(&s.content)).sum();
        if cols > used + 2 {
            spans.push(Span::styled(truncate(&detail, cols - used - 1), theme.dim));
        }
    }
    Line::from(spans)
}

/// Whether a search hit falls inside `first..=last`.
fn step_has_hit(hits: &[u32], first: u32, last: u32) -> bool {
    let at = hits.partition_point(|&h| h < first);
    hits.get(at).is_some_and(|&h| h <= last)
}

fn event_line(view: &RunView, offset: usize, cols: usize, theme: &Theme) -> Line<'static> {
    let run = &view.run;
    let Some(attempt) = view.current_attempt().map(|i| &run.attempts[i]) else {
        return Line::raw("");
    };
    let index = attempt.entry_start() + offset;
    let trace = &run.bundle.trace;
    let Some(entry) = trace.entries().get(index) else {
        return Line::raw("");
    };
    let time = entry
        .at()
        .map(format_iso_millis)
        .and_then(|s| s.get(11..23).map(str::to_string))
        .unwrap_or_default();
    let session = entry
        .session
        .map(|s| format!(" ⇄ {}", clean(trace.resolve(s))))
        .unwrap_or_default();
    let text = format!(
        "    {time} {:>6}  {}{session}",
        entry.seq,
        clean(trace.type_name(index))
    );
    Line::styled(truncate(&text, cols), theme.dim)
}
