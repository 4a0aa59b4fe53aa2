//! Line renderings of ACP content for the Session tab: messages with
//! their content blocks, session metadata and turn ends (tool calls:
//! `tool_view`; permissions: `permission_view`). Every bundle string is
//! cleaned before it is drawn.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::content_view;
use crate::model::conversation::Message;
use crate::model::TranscriptItem;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// A labelled message: its text blocks wrapped, other blocks as labelled
/// placeholders (`content_view`).
pub(super) fn message_lines(
    label: &str,
    message: &Message,
    cols: usize,
    label_style: Style,
    style: Style,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(label.to_string(), label_style)];
    let indent = || Span::raw("  ");
    for block in &message.content {
        match block.text() {
            Some(text) => lines.extend(wrap(text, cols, indent(), indent(), style)),
            None => lines.extend(
                content_view::block_lines(block, true, cols.saturating_sub(2), theme)
                    .into_iter()
                    .map(|line| {
                        let mut spans = vec![indent()];
                        spans.extend(line.spans);
                        Line::from(spans)
                    }),
            ),
        }
    }
    for note in message.cut_notes() {
        lines.push(Line::styled(
            truncate(&format!("  {}", clean(&note)), cols),
            theme.dim,
        ));
    }
    lines
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
    let meaning = match stop_reason {
        "end_turn" => return Line::styled(format!("■ end_turn{usage}"), theme.dim),
        "max_tokens" => "the agent hit its token limit",
        "max_turn_requests" => "the agent hit its limit of requests in one turn",
        "refusal" => "the agent refused to go on",
        "cancelled" => "the turn was cancelled",
        _ => "the turn ended for another reason",
    };
    Line::styled(
        format!("⚠ turn ended: {} — {meaning}{usage}", clean(stop_reason)),
        theme.warning,
    )
}
