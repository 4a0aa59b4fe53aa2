//! The inspector: Session (the conversation, the step's slice marked),
//! Attempt (output as a foldable JSON tree, prompt, response, command,
//! stdout/stderr, error) and Events (trace events and raw JSON-RPC, each
//! expandable). Lines are built from worker-made content, which is already
//! windowed; what is left out is said on a marker line, and `o` opens the
//! whole of the section under the selection in `$PAGER`.

mod acp_lines;
mod attempt;
mod content_view;
mod diff_view;
mod events;
mod permission_view;
mod session;
mod terminal_box;
mod tool_view;

pub use diff_view::{unified_text as unified_diff, Edit};

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane_block;
use super::text::{clean, highlight, truncate, wrap};
use crate::bundle::window::TextWindow;
use crate::humanize;
use crate::tui::inspect::{InspectContent, InspectorTab, PagerSource};
use crate::tui::json_tree::{self, Token};
use crate::tui::run_view::{LineAction, Pane, RunView};
use crate::tui::theme::Theme;

/// Lines of the inspector with what Enter does on each, what `o` opens
/// from each part, and where the step's own part begins (the default
/// selection).
struct Doc {
    lines: Vec<Line<'static>>,
    actions: Vec<Option<LineAction>>,
    /// `(first line, what o opens)` of each part, in line order.
    sections: Vec<(usize, Option<PagerSource>)>,
    anchor: usize,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            lines: Vec::new(),
            actions: Vec::new(),
            sections: Vec::new(),
            anchor: 0,
        }
    }

    fn push(&mut self, line: Line<'static>, action: Option<LineAction>) {
        self.lines.push(line);
        self.actions.push(action);
    }

    fn extend(&mut self, lines: Vec<Line<'static>>) {
        for line in lines {
            self.push(line, None);
        }
    }

    /// Lines pushed from now on open `source` with `o`.
    fn section(&mut self, source: Option<PagerSource>) {
        let at = self.lines.len();
        if let Some(last) = self.sections.last_mut().filter(|(line, _)| *line == at) {
            last.1 = source;
        } else {
            self.sections.push((at, source));
        }
    }

    fn heading(&mut self, text: &str, theme: &Theme) {
        self.push(Line::raw(""), None);
        self.push(Line::styled(text.to_string(), theme.title), None);
    }

    /// A marker line saying what is left out (and how to see it).
    fn marker(&mut self, text: String, theme: &Theme) {
        self.push(Line::styled(text, theme.key), None);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &mut RunView, theme: &Theme) {
    let focused = view.focus == Pane::Inspector;
    let mut title = vec![Span::raw(" ")];
    for (i, tab) in InspectorTab::ALL.iter().enumerate() {
        if i > 0 {
            title.push(Span::styled(" │ ", theme.dim));
        }
        let style = if *tab == view.tab {
            theme.selection
        } else {
            theme.dim
        };
        title.push(Span::styled(format!("{} {}", i + 1, tab.title()), style));
    }
    title.push(Span::raw(" "));
    let block = pane_block(Line::from(title), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let cols = inner.width as usize;
    let wanted = view.request();
    let message = |text: String| {
        let mut doc = Doc::new();
        doc.push(Line::styled(text, theme.dim), None);
        doc
    };
    let mut fresh = false;
    let mut doc = match (&view.inspected, &wanted) {
        (_, None) => message("the cursor is before the first step".to_string()),
        (Some((shown, content)), Some(wanted)) if shown.tab == view.tab => {
            let doc = match content {
                InspectContent::Session(content) => {
                    session::doc(content, view.reveal(), &view.folded, cols, theme)
                }
                InspectContent::Attempt(content) => {
                    attempt::doc(content, &view.folded, cols, theme)
                }
                InspectContent::Events(content) => events::doc(
                    content,
                    &view.expanded,
                    view.run.bundle.trace.entries(),
                    cols,
                    theme,
                ),
                InspectContent::Empty(reason) => message(clean(reason)),
            };
            if shown == wanted {
                fresh = true;
                doc
            } else {
                // The worker is still on the new step: keep the old content
                // (no flashing) but dimmed, under an honest label.
                stale(
                    doc,
                    view.run.attempt_id(&view.run.attempts[wanted.attempt]),
                    theme,
                )
            }
        }
        (_, Some(wanted)) => message(format!(
            "loading {}…",
            clean(view.run.attempt_id(&view.run.attempts[wanted.attempt]))
        )),
    };
    let hit_lines = highlight_hits(&mut doc, &view.search.query, theme);
    if fresh {
        if let Some(forward) = view.seek_hit.take() {
            let line = if forward {
                hit_lines.first()
            } else {
                hit_lines.last()
            };
            if let Some(&line) = line {
                view.inspector_line = line;
                view.inspector_pinned = true;
            }
        }
    }
    view.hit_lines = hit_lines;
    let height = inner.height as usize;
    let count = doc.lines.len();
    if !view.inspector_pinned {
        view.inspector_line = doc.anchor.min(count.saturating_sub(1));
        // Show the step's part from the top of the pane.
        view.inspector_offset = view.inspector_line;
    }
    view.inspector_line = view.inspector_line.min(count.saturating_sub(1));
    if view.inspector_line < view.inspector_offset {
        view.inspector_offset = view.inspector_line;
    } else if view.inspector_line >= view.inspector_offset + height {
        view.inspector_offset = view.inspector_line + 1 - height;
    }
    view.inspector_offset = view.inspector_offset.min(count.saturating_sub(1));
    let selected = view.inspector_line;
    let visible: Vec<Line> = doc
        .lines
        .into_iter()
        .enumerate()
        .skip(view.inspector_offset)
        .take(height)
        .map(|(i, line)| {
            if focused && i == selected {
                line.patch_style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    view.line_actions = doc.actions;
    view.pager_sections = doc.sections;
    frame.render_widget(Paragraph::new(visible), inner);
}

/// Marks the search's matches in every line; the lines that have one.
fn highlight_hits(doc: &mut Doc, query: &str, theme: &Theme) -> Vec<usize> {
    let mut hits = Vec::new();
    if query.is_empty() {
        return hits;
    }
    for (i, line) in doc.lines.iter_mut().enumerate() {
        let (marked, found) = highlight(std::mem::take(line), query, theme.hit);
        *line = marked;
        if found {
            hits.push(i);
        }
    }
    hits
}

/// Content of another step shown while the current one loads.
fn stale(doc: Doc, loading: &str, theme: &Theme) -> Doc {
    let mut out = Doc::new();
    out.push(
        Line::styled(format!("loading {}…", clean(loading)), theme.key),
        None,
    );
    for line in doc.lines {
        let spans = line
            .spans
            .into_iter()
            .map(|s| Span::styled(s.content, theme.dim))
            .collect::<Vec<_>>();
        out.push(Line::from(spans), None);
    }
    out
}

/// A windowed text: its head, a marker saying what is left out, its tail.
fn text_window(doc: &mut Doc, window: &TextWindow, cols: usize, theme: &Theme) {
    let lines = |text: &str| {
        wrap(
            text.strip_suffix('\n').unwrap_or(text),
            cols,
            Span::raw("  "),
            Span::raw("  "),
            theme.text,
        )
    };
    if window.total == 0 {
        doc.push(Line::styled("  (empty)", theme.dim), None);
        return;
    }
    doc.extend(lines(&window.head));
    if !window.is_cut() {
        return;
    }
    let more = match window.hidden_lines {
        Some(n) => format!("{} more lines", humanize::count(n)),
        None => "more lines".to_string(),
    };
    let said = [
        format!(
            "  … {more} ({}) · o: all in $PAGER",
            humanize::bytes(window.hidden_bytes)
        ),
        format!(
            "  showing the first {} and the last {} of {}",
            humanize::bytes(window.head.len() as u64),
            humanize::bytes(window.tail.len() as u64),
            humanize::bytes(window.total),
        ),
    ];
    for line in said {
        doc.marker(truncate(&line, cols), theme);
    }
    doc.extend(lines(&window.tail));
}

/// The most lines a JSON tree (an output, an expanded event) lays out.
const JSON_LINES: usize = 2_000;

/// A JSON value as tree lines (folds honoured), capped with a marker.
fn json_tree_lines(
    doc: &mut Doc,
    value: &serde_json::Value,
    folded: &std::collections::HashSet<String>,
    foldable: bool,
    cols: usize,
    theme: &Theme,
) {
    let (lines, more) = json_tree::lines_capped(value, folded, JSON_LINES);
    for line in lines {
        let action = (foldable && line.foldable).then(|| LineAction::Fold(line.path.clone()));
        for part in json_line(&line, cols, theme) {
            doc.push(part, action.clone());
        }
    }
    if more > 0 {
        doc.marker(
            format!(
                "  … {} more lines · o: all in $PAGER",
                humanize::count(more as u64)
            ),
            theme,
        );
    }
}

/// Most screen lines one JSON line wraps onto; `o` shows the rest.
const JSON_WRAP_LINES: usize = 8;

/// One line of the JSON tree, wrapped under its key when it is wider than
/// the pane (values are what a reader came for: never cut when there is
/// room below).
fn json_line(line: &json_tree::JsonLine, cols: usize, theme: &Theme) -> Vec<Line<'static>> {
    let depth = "  ".repeat(line.depth + 1);
    let mut spans = vec![Span::raw(depth.clone())];
    for token in &line.tokens {
        let (text, style) = match token {
            Token::Key(s) => (s, theme.json_key),
            Token::String(s) => (s, theme.json_string),
            Token::Number(s) => (s, theme.json_number),
            Token::Literal(s) => (s, theme.json_number),
            Token::Summary(s) => (s, theme.dim),
            Token::Punct(s) => (s, theme.text),
        };
        spans.push(Span::styled(clean(text), style));
    }
    let line = Line::from(spans);
    let mut parts = super::text::wrap_line(&line, cols, depth.len() + 2);
    if parts.len() > JSON_WRAP_LINES {
        parts.truncate(JSON_WRAP_LINES);
        if let Some(last) = parts.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            *last = Line::styled(truncate(&format!("{text} …"), cols), theme.dim);
        }
    }
    parts
}
