//! The Session tab: the conversation of the step's session, the step's
//! own slice marked `▌`, earlier turns dimmed; `o` opens the slice's raw
//! events in `$PAGER`.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use std::collections::HashSet;

use super::acp_lines::{message_lines, metadata_lines, turn_end_line};
use super::permission_view::permission_lines;
use super::tool_view::tool_parts;
use super::Doc;
use crate::model::conversation::Message;
use crate::model::TranscriptItem;
use crate::tui::inspect::{item_seq, PagerSource, SessionContent};
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, wrap, wrap_line};

/// An agent or thought item cut to `share` of its text (playback reveal).
fn revealed(item: &TranscriptItem, share: f64) -> Option<TranscriptItem> {
    let cut = |message: &Message| {
        let keep = (message.text_chars() as f64 * share).ceil() as usize;
        message.prefix(keep)
    };
    match item {
        TranscriptItem::Agent(message) => Some(TranscriptItem::Agent(cut(message))),
        TranscriptItem::Thought(message) => Some(TranscriptItem::Thought(cut(message))),
        _ => None,
    }
}

/// Conversation items shown before the step's own slice.
const CONTEXT_ITEMS: usize = 200;

/// `reveal`: while playing, the share of the step's agent text shown so far.
pub(super) fn doc(
    session: &SessionContent,
    reveal: Option<f64>,
    unfolded: &HashSet<String>,
    cols: usize,
    theme: &Theme,
) -> Doc {
    let mut doc = Doc::new();
    let slice_source = session
        .slice
        .map(|(first, last)| PagerSource::SessionEvents {
            session: session.session_id.clone(),
            first,
            last,
        });
    doc.section(slice_source.clone());
    let position = session
        .sessions
        .iter()
        .position(|s| *s == session.session_id)
        .map_or(0, |i| i + 1);
    let mut header = vec![
        Span::styled("session ", theme.dim),
        Span::styled(clean(&session.session_id), theme.title),
    ];
    if session.sessions.len() > 1 {
        header.push(Span::styled(
            format!("  ({position} of {}, s: next)", session.sessions.len()),
            theme.dim,
        ));
    }
    doc.push(Line::from(header), None);
    let shown = &session.items[..session.visible.min(session.items.len())];
    if shown.is_empty() {
        doc.push(Line::styled("no conversation yet", theme.dim), None);
    }
    // Long sessions: the step's slice plus some context before it, so a
    // frame never lays out a whole 100k-item conversation.
    let slice_start = session.slice.map_or(shown.len(), |(first, _)| {
        shown.partition_point(|item| item_seq(item) < first)
    });
    let start = slice_start.saturating_sub(CONTEXT_ITEMS);
    if let Some(first) = session.first_loaded {
        doc.push(
            Line::styled(
                format!("… session events before #{first} not loaded (long session)"),
                theme.dim,
            ),
            None,
        );
    }
    if start > 0 {
        doc.push(
            Line::styled(
                format!("… {start} earlier items (step back to see them)"),
                theme.dim,
            ),
            None,
        );
    }
    let mut anchored = false;
    for item in &shown[start..] {
        let in_slice = session
            .slice
            .is_some_and(|(a, b)| (a..=b).contains(&item_seq(item)));
        if in_slice && !anchored {
            doc.anchor = doc.lines.len();
            anchored = true;
            // Said where the eye lands: this slice belongs to another step.
            if let Some(note) = &session.note {
                doc.push(Line::styled(format!("({})", clean(note)), theme.key), None);
            }
        }
        let bar = if in_slice {
            Span::styled("▌", theme.slice_marker)
        } else {
            Span::raw(" ")
        };
        let partial = reveal
            .filter(|_| in_slice)
            .and_then(|share| revealed(item, share));
        let item = partial.as_ref().unwrap_or(item);
        let past = !in_slice && session.slice.is_some();
        if let TranscriptItem::ToolCall(call) = item {
            for part in tool_parts(call, unfolded, cols.saturating_sub(1), theme, past) {
                // A diff or a terminal opens whole with `o`; after it, the
                // slice's events again.
                let own = part.pager.is_some();
                if own {
                    doc.section(part.pager);
                }
                for line in part.lines {
                    let mut spans = vec![bar.clone()];
                    spans.extend(line.spans);
                    doc.push(Line::from(spans), part.action.clone());
                }
                if own {
                    doc.section(slice_source.clone());
                }
            }
            continue;
        }
        for line in item_lines(
            item,
            cols.saturating_sub(1),
            theme,
            !in_slice && session.slice.is_some(),
        ) {
            let mut spans = vec![bar.clone()];
            spans.extend(line.spans);
            doc.push(Line::from(spans), None);
        }
    }
    doc
}

fn item_lines(item: &TranscriptItem, cols: usize, theme: &Theme, past: bool) -> Vec<Line<'static>> {
    let dim = |style: Style| if past { style.patch(theme.dim) } else { style };
    let indent = || Span::raw("  ");
    match item {
        TranscriptItem::User(message) => message_lines(
            "▸ you",
            message,
            cols,
            dim(theme.user),
            dim(theme.text),
            theme,
        ),
        TranscriptItem::UserMessage(message) => message_lines(
            "▹ user message",
            message,
            cols,
            dim(theme.user),
            dim(theme.text),
            theme,
        ),
        TranscriptItem::Agent(message) => message_lines(
            "◂ agent",
            message,
            cols,
            dim(theme.agent),
            dim(theme.text),
            theme,
        ),
        TranscriptItem::Thought(message) => message_lines(
            "~ thought",
            message,
            cols,
            dim(theme.thought),
            dim(theme.thought),
            theme,
        ),
        // Drawn in parts by `doc` (they have actions of their own).
        TranscriptItem::ToolCall(_) => Vec::new(),
        TranscriptItem::Plan { entries, .. } => {
            let mut lines = vec![Line::styled("☰ plan", dim(theme.tool))];
            for entry in entries {
                let status = entry.get("status").and_then(Value::as_str).unwrap_or("");
                let mark = match status {
                    "completed" => "✓",
                    "in_progress" => "▸",
                    _ => "·",
                };
                let content = entry.get("content").and_then(Value::as_str).unwrap_or("");
                lines.extend(wrap(
                    content,
                    cols,
                    Span::raw(format!("  {mark} ")),
                    Span::raw("    "),
                    dim(theme.text),
                ));
            }
            lines
        }
        TranscriptItem::Permission(permission) => permission_lines(permission, cols, theme, past),
        TranscriptItem::Usage {
            used, size, cost, ..
        } => {
            let cost = cost
                .as_ref()
                .map(|c| {
                    let amount = c.get("amount").map(Value::to_string).unwrap_or_default();
                    let currency = c.get("currency").and_then(Value::as_str).unwrap_or("");
                    format!("  cost {amount} {}", clean(currency))
                })
                .unwrap_or_default();
            let show = |v: &Option<Value>| {
                v.as_ref()
                    .map(Value::to_string)
                    .unwrap_or_else(|| "?".into())
            };
            vec![Line::styled(
                format!("Σ usage {} / {} tokens{cost}", show(used), show(size)),
                dim(theme.dim),
            )]
        }
        TranscriptItem::Connection { method, .. } => {
            vec![Line::styled(format!("── {} ──", clean(method)), theme.dim)]
        }
        TranscriptItem::Replay { events, .. } => {
            vec![Line::styled(
                format!("↺ {events} history events replayed by the agent"),
                theme.dim,
            )]
        }
        TranscriptItem::TurnEnd {
            stop_reason, usage, ..
        } => wrap_line(&turn_end_line(stop_reason, usage.as_ref(), theme), cols, 2),
        TranscriptItem::AvailableCommands { .. }
        | TranscriptItem::CurrentMode { .. }
        | TranscriptItem::ConfigOptions { .. }
        | TranscriptItem::SessionInfo { .. } => {
            metadata_lines(item, cols, theme).unwrap_or_default()
        }
        TranscriptItem::TurnError {
            method,
            message,
            code,
            data,
            ..
        } => {
            let code = code.map(|c| format!(" {c}")).unwrap_or_default();
            let what = method
                .as_deref()
                .map(|m| format!("{} ", clean(m)))
                .unwrap_or_default();
            let mut lines = wrap(
                message,
                cols,
                Span::styled(format!("✗ {what}error{code}: "), theme.error),
                indent(),
                theme.error,
            );
            // The error's data whole: an object field by field (strings
            // as text), anything else as it was sent.
            let text = |value: &Value| match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let fields: Vec<(String, String)> = match data {
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(key, value)| (format!("  {}: ", clean(key)), text(value)))
                    .collect(),
                Some(Value::Null) | None => Vec::new(),
                Some(value) => vec![("  data: ".to_string(), text(value))],
            };
            for (key, value) in fields {
                lines.extend(wrap(
                    &value,
                    cols,
                    Span::styled(key, theme.dim),
                    indent(),
                    theme.error,
                ));
            }
            lines
        }
        TranscriptItem::Cancel { .. } => vec![Line::styled("⊘ cancel requested", theme.error)],
        TranscriptItem::Other { label, .. } => {
            vec![Line::styled(format!("· {}", clean(label)), theme.dim)]
        }
    }
}
