//! Drawing. Each screen region has its own render function; this module
//! lays the regions out:
//!
//! ```text
//! ┌ header: flow · title · status · steps · sessions ───────────────────┐
//! ┌ Graph ─────────────────────┐┌ Inspector: Session │ Attempt │ Events ┐
//! │ flow map (or rail) with    ││ conversation / output / raw events    │
//! │ the run overlaid           ││                                       │
//! ├ Timeline ──────────────────┤│                                       │
//! │ one row per step           ││                                       │
//! └────────────────────────────┘└───────────────────────────────────────┘
//!  step 5/9 review_loop#2 · hints for the focused pane
//! ```
//! Below 100 columns the split narrows; below 60 columns or 14 rows only the
//! focused pane is shown.

mod browser;
mod dialog;
mod graph_pane;
mod header;
mod help;
mod inspector;
mod resume_dialog;
mod status;
pub mod text;
mod timeline;
pub mod unstable_rows;

pub use inspector::{unified_diff, Edit};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, HitAreas, Screen};
use super::keymap::Keymap;
use super::run_view::{Pane, RunView};
use super::theme::Theme;

/// What every region needs besides its own state.
pub struct Ctx<'a> {
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    pub notice: Option<&'a str>,
    /// Epoch ms, for ages.
    pub now: i64,
    /// A continuation in progress, for the status bar.
    pub resume: Option<String>,
}

pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    let mut hits = HitAreas::default();
    let stop_key = app
        .keymap
        .key_for(
            super::keymap::Mode::Run,
            super::action::Action::StopContinue,
        )
        .map_or("x".to_string(), |k| k.to_string());
    let ctx = Ctx {
        keymap: &app.keymap,
        theme: &app.theme,
        // The keys file's problem until the help has been opened.
        notice: app.notice.as_deref().or(app.settings_problem.as_deref()),
        now: app
            .fixed_now
            .unwrap_or_else(crate::bundle::timestamp::now_ms),
        resume: app.resume.as_ref().map(|job| job.status(&stop_key)),
    };
    let mut page = app.page;
    match &mut app.screen {
        Screen::Browser(browser) => page = browser::draw(frame, area, browser, &ctx, &mut hits),
        Screen::Loading { path, done, total } => {
            draw_loading(frame, area, path, *done, *total, ctx.theme)
        }
        Screen::Starting { path } => draw_starting(frame, area, path, ctx.theme),
        Screen::Failed { path, message } => draw_failed(frame, area, path, message, ctx.theme),
        Screen::Run(view) => page = draw_run(frame, area, view, &ctx, &mut hits),
    }
    if let Some((title, text)) = &app.caption {
        dialog::draw_caption(frame, area, title, text, ctx.theme);
    }
    if let Some(open) = &app.dialog {
        dialog::draw(frame, area, open, ctx.theme, ctx.keymap);
    }
    if app.help {
        (app.help_scroll, app.help_scrollable) = help::draw(
            frame,
            area,
            ctx.keymap,
            app.mode(),
            ctx.theme,
            app.help_scroll,
            app.settings_problem.as_deref(),
        );
    }
    app.page = page;
    app.hits = hits;
    app.unstable_rows.mark(frame.buffer_mut());
}

/// The regions of the run screen.
pub struct RunLayout {
    pub header: Rect,
    pub graph: Rect,
    pub timeline: Rect,
    pub inspector: Rect,
    pub status: Rect,
}

pub fn run_layout(area: Rect, focus: Pane) -> RunLayout {
    run_layout_with(area, focus, 1)
}

/// The layout with a status bar `status_rows` tall (a long message).
pub fn run_layout_with(area: Rect, focus: Pane, status_rows: u16) -> RunLayout {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_rows.max(1)),
    ])
    .areas(area);
    let empty = Rect::new(body.x, body.y, 0, 0);
    if body.width < 60 || body.height < 14 {
        // Too small for three panes: show the focused one.
        let mut layout = RunLayout {
            header,
            graph: empty,
            timeline: empty,
            inspector: empty,
            status,
        };
        match focus {
            Pane::Graph => layout.graph = body,
            Pane::Timeline => layout.timeline = body,
            Pane::Inspector => layout.inspector = body,
        }
        return layout;
    }
    let left_share = if body.width >= 100 { 55 } else { 50 };
    let [left, inspector] = Layout::horizontal([
        Constraint::Percentage(left_share),
        Constraint::Percentage(100 - left_share),
    ])
    .areas(body);
    let [graph, timeline] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(left);
    RunLayout {
        header,
        graph,
        timeline,
        inspector,
        status,
    }
}

fn draw_run(
    frame: &mut Frame,
    area: Rect,
    view: &mut RunView,
    ctx: &Ctx,
    hits: &mut HitAreas,
) -> usize {
    let (keymap, theme) = (ctx.keymap, ctx.theme);
    let extra = status::Extra {
        notice: ctx.notice,
        resume: ctx.resume.as_deref(),
    };
    let status_rows = status::rows(view, keymap, theme, &extra, area.width);
    let layout = run_layout_with(area, view.focus, status_rows);
    header::draw(frame, layout.header, view, theme, ctx.now);
    if layout.graph.width > 0 {
        graph_pane::draw(frame, layout.graph, view, theme, hits);
    }
    if layout.timeline.width > 0 {
        timeline::draw(frame, layout.timeline, view, theme, hits);
    }
    if layout.inspector.width > 0 {
        inspector::draw(frame, layout.inspector, view, theme);
    }
    status::draw(frame, layout.status, view, keymap, theme, &extra);
    hits.graph = layout.graph;
    hits.timeline = layout.timeline;
    hits.inspector = layout.inspector;
    layout.timeline.height.saturating_sub(2).max(1) as usize
}

/// A bordered pane block, its border brighter when focused.
pub fn pane_block<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(title)
}

/// A run whose writer has not written its first event yet.
fn draw_starting(frame: &mut Frame, area: Rect, path: &std::path::Path, theme: &Theme) {
    let block = pane_block(Line::styled(" Opening run ", theme.title), true, theme);
    let inner = centered(area, 70, 5);
    frame.render_widget(Clear, inner);
    let text = format!(
        "{} has not written its first event yet: it opens as soon as it does (q back)",
        text::clean(&path.display().to_string())
    );
    frame.render_widget(
        ratatui::widgets::Paragraph::new(text)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
        inner,
    );
}

fn draw_loading(
    frame: &mut Frame,
    area: Rect,
    path: &std::path::Path,
    done: u64,
    total: u64,
    theme: &Theme,
) {
    let block = pane_block(Line::styled(" Opening run ", theme.title), true, theme);
    let inner = centered(area, 70, 5);
    frame.render_widget(Clear, inner);
    let ratio = if total > 0 {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    // The counter first: a long path is what gets cut, never the figures.
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let label = format!(
        "{:.1} / {:.1} MB · indexing {}",
        done as f64 / 1e6,
        total as f64 / 1e6,
        text::clean(&name),
    );
    frame.render_widget(
        Gauge::default()
            .block(block)
            .gauge_style(theme.selection)
            .ratio(ratio)
            .label(text::truncate(
                &label,
                inner.width.saturating_sub(4) as usize,
            )),
        inner,
    );
}

fn draw_failed(
    frame: &mut Frame,
    area: Rect,
    path: &std::path::Path,
    message: &str,
    theme: &Theme,
) {
    let block = pane_block(
        Line::styled(" Cannot open this run ", theme.error),
        true,
        theme,
    );
    let body = vec![
        Line::raw(text::clean(&path.display().to_string())),
        Line::raw(""),
        Line::styled(text::clean(message), theme.error),
        Line::raw(""),
        Line::styled("q / Esc: back", theme.dim),
    ];
    let inner = centered(area, 90, 9);
    frame.render_widget(Clear, inner);
    frame.render_widget(
        Paragraph::new(body).block(block).wrap(Wrap { trim: false }),
        inner,
    );
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
