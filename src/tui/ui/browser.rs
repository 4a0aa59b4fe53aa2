//! The run browser screen: a filterable list of every run, newest first.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::text::{clean, fit, truncate, width};
use super::{pane_block, Ctx};
use crate::bundle::timestamp::parse_iso_millis;
use crate::model::NodeStatus;
use crate::tui::action::Action;
use crate::tui::app::HitAreas;
use crate::tui::browser::BrowserState;
use crate::tui::keymap::Mode;

/// Draws the browser; returns the list height (for page up/down).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    browser: &mut BrowserState,
    ctx: &Ctx,
    hits: &mut HitAreas,
) -> usize {
    let (keymap, theme, notice, now) = (ctx.keymap, ctx.theme, ctx.notice, ctx.now);
    // Keys act on the states as drawn.
    browser.now_ms = now;
    let [list_area, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let visible = browser.visible();
    let title = Line::from(vec![
        Span::styled(" reel ", theme.key),
        Span::styled(
            format!("runs in {} ", clean(&browser.dir.display().to_string())),
            theme.title,
        ),
        Span::styled(
            format!(
                "({} of {} · {}{}) ",
                visible.len(),
                browser.rows.len(),
                browser.sort.label(),
                match browser.status_filter {
                    crate::tui::browser::StatusFilter::All => String::new(),
                    only => format!(" · only {}", only.label()),
                }
            ),
            theme.dim,
        ),
    ]);
    let block = pane_block(title, true, theme);
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let cols = inner.width as usize;
    let title_width = cols.saturating_sub(54).max(10);
    // Column headers, aligned with the rows below.
    let header = Line::styled(
        format!(
            "   {}  {}  {}{:>9}{:>13}{:>7}",
            fit("RUN", title_width),
            fit("ID", 8),
            fit("STATUS", 10),
            "STARTED",
            "STEPS",
            "TOOK"
        ),
        theme.dim,
    );
    let list_top = Rect::new(inner.x, inner.y, inner.width, 1);
    let inner = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    if !browser.rows.is_empty() {
        frame.render_widget(Paragraph::new(header), list_top);
    }
    let height = inner.height as usize;
    let mut lines = Vec::new();
    if browser.loading {
        lines.push(Line::styled("reading runs…", theme.dim));
    } else if let Some(error) = &browser.error {
        lines.push(Line::styled(clean(error), theme.error));
    } else if browser.rows.is_empty() {
        let message = browser.empty_message();
        lines.extend(
            message
                .iter()
                .map(|line| Line::styled(clean(line), theme.dim)),
        );
    } else if visible.is_empty() {
        lines.push(Line::styled("no run matches the filter", theme.dim));
    }
    if browser.selected < browser.offset {
        browser.offset = browser.selected;
    } else if height > 0 && browser.selected >= browser.offset + height {
        browser.offset = browser.selected + 1 - height;
    }
    for (screen_row, (position, &row_index)) in visible
        .iter()
        .enumerate()
        .skip(browser.offset)
        .take(height)
        .enumerate()
    {
        let row = &browser.rows[row_index];
        let state = row.state(now);
        let (glyph, status) = status_of(&state);
        let age = row
            .summary
            .began_at()
            .and_then(parse_iso_millis)
            .map(|t| age(now - t))
            .unwrap_or_default();
        let suffix = row.summary.run_id.rsplit('-').next().unwrap_or("");
        let attempts = match row.attempts {
            Some(1) => "1 step ".to_string(),
            Some(n) => format!("{n} steps"),
            None => "… steps".to_string(),
        };
        // The title, then why the run failed where there is room.
        let title = truncate(&clean(&row.summary.display_title()), title_width);
        let room = title_width.saturating_sub(width(&title));
        let why = match &row.error {
            Some(error) if room >= 16 => format!("  ({})", clean(error)),
            _ => String::new(),
        };
        let took = row
            .duration_ms()
            .map(|ms| crate::humanize::duration(u64::try_from(ms).unwrap_or(0)))
            .unwrap_or_default();
        let line = Line::from(vec![
            Span::styled(format!(" {glyph} "), theme.status(status)),
            Span::raw(truncate(&title, title_width)),
            Span::styled(fit(&why, room), theme.error),
            Span::styled(format!("  {}  ", fit(&clean(suffix), 8)), theme.dim),
            Span::styled(fit(&clean(&state), 10), theme.status(status)),
            Span::styled(format!("{:>9}", age), theme.dim),
            Span::styled(format!("{attempts:>13}"), theme.dim),
            Span::styled(format!("{took:>7}"), theme.dim),
        ]);
        let rect = Rect::new(inner.x, inner.y + screen_row as u16, inner.width, 1);
        hits.browser_rows.push((rect, position));
        lines.push(if position == browser.selected {
            line.style(theme.selection)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let mut spans = Vec::new();
    if browser.filtering || !browser.filter.is_empty() {
        spans.push(Span::styled(" filter: ", theme.key));
        spans.push(Span::raw(clean(&browser.filter)));
        if browser.filtering {
            spans.push(Span::styled("█", theme.key));
        }
        spans.push(Span::raw("  "));
    }
    if let Some(message) = notice {
        spans.push(Span::styled(truncate(&clean(message), 120), theme.error));
    } else {
        for action in [
            Action::NextStep,
            Action::Activate,
            Action::Search,
            Action::SortRuns,
            Action::FilterStatus,
            Action::Help,
            Action::Back,
        ] {
            if let Some(key) = keymap.key_for(Mode::Browser, action) {
                spans.push(Span::styled(format!(" {key} "), theme.key));
                let label = action.hint_in(Mode::Browser);
                spans.push(Span::styled(label, theme.dim));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        status,
    );
    height
}

/// A run status as a glyph and the node state whose style it borrows.
fn status_of(status: &str) -> (&'static str, NodeStatus) {
    let state = match status {
        "completed" => NodeStatus::Done,
        "failed" => NodeStatus::Failed,
        "timed_out" => NodeStatus::TimedOut,
        "running" => NodeStatus::Running,
        "waiting" => return ("⏸", NodeStatus::Cancelled),
        // Its writer died: not running, not finished either.
        "stale" => return ("◌", NodeStatus::Failed),
        _ => NodeStatus::NotVisited,
    };
    (state.glyph(), state)
}

/// `45s ago`, `12m ago`, `3h ago`, `5d ago`.
fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}
