//! Plain line renderings of ACP content for the Session tab: content
//! blocks, tool call content (diffs, terminals), permissions, session
//! metadata and turn ends. One or more lines each; every bundle string is
//! cleaned before it is drawn.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::model::conversation::{
    ContentBlock, Message, Permission, PermissionOutcome, ToolCall, ToolCallContent,
};
use crate::model::TranscriptItem;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// Lines of tool output shown per content item.
const PREVIEW_LINES: usize = 4;

fn preview(text: &str) -> String {
    text.lines()
        .take(PREVIEW_LINES)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A labelled message: its text blocks wrapped, other blocks one line each.
pub(super) fn message_lines(
    label: &str,
    message: &Message,
    cols: usize,
    label_style: Style,
    style: Style,
    dim: Style,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(label.to_string(), label_style)];
    for block in &message.content {
        lines.extend(block_lines(block, cols, "  ", style, dim, None));
    }
    for note in message.cut_notes() {
        lines.push(Line::styled(truncate(&format!("  {note}"), cols), dim));
    }
    lines
}

/// One content block: text wrapped (at most `max_lines` lines of it), a
/// media or resource block as a `[label]` line plus resource text.
fn block_lines(
    block: &ContentBlock,
    cols: usize,
    indent: &str,
    style: Style,
    dim: Style,
    max_lines: Option<usize>,
) -> Vec<Line<'static>> {
    let text = |t: &str| match max_lines {
        Some(_) => preview(t),
        None => t.to_string(),
    };
    let prefix = || Span::raw(indent.to_string());
    if let Some(t) = block.text() {
        return wrap(&text(t), cols, prefix(), prefix(), style);
    }
    let mut lines = vec![Line::styled(
        truncate(&format!("{indent}[{}]", clean(&block.label())), cols),
        dim,
    )];
    if let Some(t) = block.resource_text() {
        lines.extend(wrap(
            &text(t),
            cols,
            Span::raw(format!("{indent}│ ")),
            Span::raw(format!("{indent}│ ")),
            dim,
        ));
    }
    lines
}

pub(super) fn tool_lines(
    call: &ToolCall,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
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
    let mut lines = vec![Line::styled(truncate(&head, cols), style)];
    if let Some(input) = &call.raw_input {
        lines.push(Line::styled(
            truncate(&format!("  in  {}", clean(&input.to_string())), cols),
            theme.dim,
        ));
    }
    for content in &call.content {
        lines.extend(tool_content_lines(content, cols, theme));
    }
    if call.content_cut > 0 {
        lines.push(Line::styled(
            format!("  … {} more content items cut", call.content_cut),
            theme.dim,
        ));
    }
    if let Some(output) = &call.raw_output {
        lines.push(Line::styled(
            truncate(&format!("  out {}", clean(&output.to_string())), cols),
            theme.dim,
        ));
    }
    lines
}

fn tool_content_lines(content: &ToolCallContent, cols: usize, theme: &Theme) -> Vec<Line<'static>> {
    match content {
        ToolCallContent::Content { content } | ToolCallContent::Unknown(content) => block_lines(
            content,
            cols,
            "  │ ",
            theme.dim,
            theme.dim,
            Some(PREVIEW_LINES),
        ),
        ToolCallContent::Diff(diff) => {
            let counts = diff.line_counts();
            let what = if diff.is_new_file() { "new file " } else { "" };
            let cut = if diff.is_cut() { " (cut)" } else { "" };
            vec![Line::styled(
                truncate(
                    &format!(
                        "  ± {what}{}  +{} −{}{cut}",
                        clean(&diff.path),
                        counts.added,
                        counts.removed
                    ),
                    cols,
                ),
                theme.tool,
            )]
        }
        ToolCallContent::Terminal(terminal) => {
            let style = match &terminal.exit_status {
                Some(status) if !status.success() => theme.error,
                _ => theme.tool,
            };
            let command = terminal
                .command
                .iter()
                .chain(&terminal.args)
                .map(|s| clean(s))
                .collect::<Vec<_>>()
                .join(" ");
            let mut lines = vec![Line::styled(
                truncate(
                    &format!(
                        "  ▣ terminal {}  {}  {command}",
                        clean(&terminal.terminal_id),
                        terminal.status_label()
                    ),
                    cols,
                ),
                style,
            )];
            if let Some(output) = &terminal.output {
                lines.extend(wrap(
                    &preview(output),
                    cols,
                    Span::raw("  │ "),
                    Span::raw("  │ "),
                    theme.dim,
                ));
            }
            lines
        }
    }
}

pub(super) fn permission_lines(
    permission: &Permission,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
    let style = if past {
        theme.key.patch(theme.dim)
    } else {
        theme.key
    };
    let chosen = permission
        .chosen()
        .map(|o| clean(&o.name))
        .or_else(|| permission.selected.as_deref().map(clean));
    let answer = match (permission.outcome, chosen) {
        (Some(PermissionOutcome::Allowed), Some(name)) => format!("✓ allowed ({name})"),
        (Some(PermissionOutcome::Rejected), Some(name)) => format!("✗ rejected ({name})"),
        (Some(PermissionOutcome::Cancelled), _) => "⊘ cancelled".to_string(),
        (_, Some(name)) => name,
        (_, None) => "no answer".to_string(),
    };
    let options: Vec<String> = permission
        .options
        .iter()
        .map(|o| format!("{} ({})", clean(&o.name), clean(&o.kind)))
        .collect();
    vec![
        Line::styled(
            truncate(
                &format!("? permission: {} → {answer}", clean(&permission.title)),
                cols,
            ),
            style,
        ),
        Line::styled(
            truncate(&format!("  options: {}", options.join(", ")), cols),
            theme.dim,
        ),
    ]
}

/// Mode, commands, config options, session title; `None` for other items.
pub(super) fn metadata_lines(
    item: &TranscriptItem,
    cols: usize,
    theme: &Theme,
) -> Option<Vec<Line<'static>>> {
    let field = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(clean);
    let text = match item {
        TranscriptItem::CurrentMode {
            current_mode_id, ..
        } => format!("◇ mode: {}", clean(current_mode_id)),
        TranscriptItem::AvailableCommands {
            available_commands, ..
        } => {
            let names: Vec<String> = available_commands
                .iter()
                .filter_map(|c| field(c, "name"))
                .map(|n| format!("/{n}"))
                .collect();
            format!("◇ commands: {}", names.join(" "))
        }
        TranscriptItem::ConfigOptions { config_options, .. } => {
            let values: Vec<String> = config_options
                .iter()
                .map(|o| {
                    let value = o.get("currentValue").map_or_else(String::new, |v| match v {
                        Value::String(s) => clean(s),
                        other => clean(&other.to_string()),
                    });
                    format!("{}={value}", field(o, "id").unwrap_or_default())
                })
                .collect();
            format!("◇ config: {}", values.join(", "))
        }
        TranscriptItem::SessionInfo { title, .. } => match title {
            Some(Value::String(title)) => format!("◇ session title: {}", clean(title)),
            Some(Value::Null) => "◇ session title cleared".to_string(),
            _ => "◇ session info updated".to_string(),
        },
        _ => return None,
    };
    Some(vec![Line::styled(truncate(&text, cols), theme.dim)])
}

/// `■ end_turn  tokens 1,821 (in 1,200, out 300)`; other stop reasons are
/// warnings.
pub(super) fn turn_end_line(
    stop_reason: &str,
    usage: Option<&Value>,
    theme: &Theme,
) -> Line<'static> {
    let usage = usage
        .map(|u| {
            let n = |key: &str| u.get(key).and_then(Value::as_u64);
            let mut parts = Vec::new();
            for (key, name) in [
                ("inputTokens", "in"),
                ("outputTokens", "out"),
                ("thoughtTokens", "thought"),
                ("cachedReadTokens", "cached"),
            ] {
                if let Some(v) = n(key) {
                    parts.push(format!("{name} {v}"));
                }
            }
            match n("totalTokens") {
                Some(total) => format!("  tokens {total} ({})", parts.join(", ")),
                None => format!("  tokens ({})", parts.join(", ")),
            }
        })
        .unwrap_or_default();
    if stop_reason == "end_turn" {
        Line::styled(format!("■ end_turn{usage}"), theme.dim)
    } else {
        Line::styled(
            format!("⚠ turn ended: {}{usage}", clean(stop_reason)),
            theme.error,
        )
    }
}
