//! A tool call in the Session tab: its head (title, status, kind, input),
//! then every content item it produced, each drawn for reading: text
//! (folded to a few lines), media and resources as labelled placeholders,
//! diffs as coloured unified diffs, terminals as boxes; then its raw
//! output. Enter on a folded item unfolds it; `o` on a diff or terminal
//! opens the whole of it in `$PAGER`.

use std::collections::HashSet;

use ratatui::text::{Line, Span};

use super::content_view;
use super::diff_view::{self, Edit};
use super::terminal_box::{self, Exit};
use crate::humanize;
use crate::model::conversation::{ContentBlock, ToolCall, ToolCallContent};
use crate::tui::inspect::PagerSource;
use crate::tui::run_view::LineAction;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// Lines of a text content item shown while folded.
const TEXT_LINES: usize = 4;

/// Lines drawn together: what Enter does on them, what `o` opens.
pub(super) struct Part {
    pub lines: Vec<Line<'static>>,
    pub action: Option<LineAction>,
    pub pager: Option<PagerSource>,
}

impl Part {
    fn plain(lines: Vec<Line<'static>>) -> Part {
        Part {
            lines,
            action: None,
            pager: None,
        }
    }
}

/// The key that unfolds content item `index` of the tool call at `seq`
/// (kept with the Attempt tab's folds, which are JSON pointers: `/…`).
pub(super) fn unfold_key(seq: u32, index: usize) -> String {
    format!("acp-content {seq} {index}")
}

pub(super) fn tool_parts(
    call: &ToolCall,
    unfolded: &HashSet<String>,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Part> {
    let style = if past {
        theme.tool.patch(theme.dim)
    } else {
        theme.tool
    };
    let glyph = match call.status.as_str() {
        "completed" => "✓",
        "failed" => "✗",
        "in_progress" => "▸",
        _ => "·",
    };
    let kind = call
        .tool_kind
        .as_deref()
        .map(|k| format!("  {}", clean(k)))
        .unwrap_or_default();
    let head = format!(
        "⚙ {} [{glyph} {}]{kind}",
        clean(&call.title),
        clean(&call.status)
    );
    let mut head_lines = vec![Line::styled(truncate(&head, cols), style)];
    if let Some(input) = &call.raw_input {
        head_lines.push(Line::styled(
            truncate(&format!("  in  {}", clean(&input.to_string())), cols),
            theme.dim,
        ));
    }
    let mut parts = vec![Part::plain(head_lines)];
    // Indented by two, a column kept free before the pane's border.
    let inner = cols.saturating_sub(3);
    for (index, content) in call.content.iter().enumerate() {
        let key = unfold_key(call.seq, index);
        let open = unfolded.contains(&key);
        let mut part = content_part(content, open, inner, theme);
        part.lines = part.lines.into_iter().map(indented).collect();
        if part.action.is_some() {
            part.action = Some(LineAction::Fold(key));
        }
        parts.push(part);
    }
    let mut tail = Vec::new();
    if call.content_cut > 0 {
        tail.push(Line::styled(
            format!(
                "  … {} more content items cut",
                humanize::count(call.content_cut)
            ),
            theme.dim,
        ));
    }
    if let Some(output) = &call.raw_output {
        tail.push(Line::styled(
            truncate(&format!("  out {}", clean(&output.to_string())), cols),
            theme.dim,
        ));
    }
    parts.push(Part::plain(tail));
    parts
}

fn indented(line: Line<'static>) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    spans.extend(line.spans);
    Line::from(spans).style(line.style)
}

/// One content item; `action` is set (to any fold) when it can unfold.
fn content_part(content: &ToolCallContent, open: bool, cols: usize, theme: &Theme) -> Part {
    let foldable = Some(LineAction::Fold(String::new()));
    match content {
        ToolCallContent::Diff(diff) => {
            let edit = Edit {
                path: &diff.path,
                old: diff.old_text.as_deref(),
                new: &diff.new_text,
            };
            let drawn = diff_view::diff_lines(&edit, open, cols, theme);
            let mut lines = drawn.lines;
            if diff.is_cut() {
                lines.push(Line::styled(
                    "(the log's text was cut: the diff covers the kept part)",
                    theme.dim,
                ));
            }
            Part {
                lines,
                action: (drawn.folded > 0 || open).then_some(()).and(foldable),
                pager: Some(PagerSource::Diff {
                    path: diff.path.clone(),
                    old: diff.old_text.clone(),
                    new: diff.new_text.clone(),
                }),
            }
        }
        ToolCallContent::Terminal(terminal) => {
            let exit = match (&terminal.exit_status, terminal.waiting_for_exit) {
                (Some(status), _) => match (status.exit_code, status.signal.as_deref()) {
                    (Some(code), _) => Exit::Code(code),
                    (None, Some(signal)) => Exit::Signal(signal),
                    (None, None) => Exit::Unknown,
                },
                (None, true) => Exit::Running,
                (None, false) => Exit::Unknown,
            };
            let command: Vec<&str> = terminal
                .command
                .iter()
                .chain(&terminal.args)
                .map(String::as_str)
                .collect();
            let command = command.join(" ");
            let label = if command.is_empty() {
                terminal.terminal_id.clone()
            } else {
                format!("{} · {command}", terminal.terminal_id)
            };
            let shown = terminal_box::Terminal {
                id: &label,
                output: terminal.output.as_deref(),
                truncated: terminal.truncated == Some(true) || !terminal.cut.is_empty(),
                exit,
            };
            let lines = terminal_box::terminal_lines(&shown, open, cols, theme);
            let long = terminal
                .output
                .as_deref()
                .is_some_and(|o| o.lines().count() > terminal_box::FOLDED_LINES);
            Part {
                lines,
                action: long.then_some(()).and(foldable),
                pager: terminal.output.clone().map(PagerSource::Text),
            }
        }
        ToolCallContent::Content { content } | ToolCallContent::Unknown(content) => {
            block_part(content, open, cols, theme)
        }
    }
}

fn block_part(block: &ContentBlock, open: bool, cols: usize, theme: &Theme) -> Part {
    let foldable = Some(LineAction::Fold(String::new()));
    if let Some(text) = block.text() {
        let all: Vec<&str> = text.lines().collect();
        let keep = if open { all.len() } else { TEXT_LINES };
        let mut lines = wrap(
            &all[..keep.min(all.len())].join("\n"),
            cols,
            Span::styled("│ ", theme.dim),
            Span::styled("│ ", theme.dim),
            theme.dim,
        );
        let hidden = all.len().saturating_sub(keep);
        if hidden > 0 {
            lines.push(Line::styled(
                format!(
                    "│ … {} more lines (Enter to unfold)",
                    humanize::count(hidden as u64)
                ),
                theme.key,
            ));
        }
        return Part {
            lines,
            action: (all.len() > TEXT_LINES).then_some(()).and(foldable),
            pager: None,
        };
    }
    let lines = content_view::block_lines(block, open, cols, theme);
    let foldable_resource = block
        .resource_text()
        .is_some_and(|t| t.lines().count() > content_view::FOLDED_LINES);
    Part {
        lines,
        action: foldable_resource.then_some(()).and(foldable),
        pager: block
            .resource_text()
            .map(|t| PagerSource::Text(t.to_string())),
    }
}
