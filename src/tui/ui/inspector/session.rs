//! The Session tab: the conversation of the step's session, the step's
//! own slice marked `▌`, earlier turns dimmed; `o` opens the slice's raw
//! events in `$PAGER`.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::permission_view::{self, Choice};
use super::Doc;
use crate::model::conversation::{Permission, ToolCall};
use crate::model::TranscriptItem;
use crate::tui::inspect::{item_seq, PagerSource, SessionContent};
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate, wrap};

/// An agent or thought item cut to `share` of its text (playback reveal).
fn revealed(item: &TranscriptItem, share: f64) -> Option<TranscriptItem> {
    let cut = |text: &str| {
        let keep = (text.chars().count() as f64 * share).ceil() as usize;
        text.chars().take(keep).collect::<String>()
    };
    match item {
        TranscriptItem::Agent { seq, text } => Some(TranscriptItem::Agent {
            seq: *seq,
            text: cut(text),
        }),
        TranscriptItem::Thought { seq, text } => Some(TranscriptItem::Thought {
            seq: *seq,
            text: cut(text),
        }),
        _ => None,
    }
}

/// Conversation items shown before the step's own slice.
const CONTEXT_ITEMS: usize = 200;

/// `reveal`: while playing, the share of the step's agent text shown so far.
pub(super) fn doc(
    session: &SessionContent,
    reveal: Option<f64>,
    cols: usize,
    theme: &Theme,
) -> Doc {
    let mut doc = Doc::new();
    doc.section(
        session
            .slice
            .map(|(first, last)| PagerSource::SessionEvents {
                session: session.session_id.clone(),
                first,
                last,
            }),
    );
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
        TranscriptItem::User { text, .. } => {
            labeled("▸ you", text, cols, dim(theme.user), dim(theme.text))
        }
        TranscriptItem::Agent { text, .. } => {
            labeled("◂ agent", text, cols, dim(theme.agent), dim(theme.text))
        }
        TranscriptItem::Thought { text, .. } => labeled(
            "~ thought",
            text,
            cols,
            dim(theme.thought),
            dim(theme.thought),
        ),
        TranscriptItem::ToolCall(call) => tool_lines(call, cols, theme, past),
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
        TranscriptItem::TurnEnd { stop_reason, .. } => vec![stop_line(stop_reason, cols, theme)],
        TranscriptItem::TurnError {
            message,
            code,
            data,
            ..
        } => {
            let code = code.map(|c| format!(" {c}")).unwrap_or_default();
            let mut lines = wrap(
                message,
                cols,
                Span::styled(format!("✗ error{code}: "), theme.error),
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

/// How the turn ended: `end_turn` quietly, anything else (the token
/// limit, the request limit, a refusal, a cancel) as a warning saying
/// what it means.
fn stop_line(stop_reason: &str, cols: usize, theme: &Theme) -> Line<'static> {
    let meaning = match stop_reason {
        "end_turn" => return Line::styled(format!("■ {}", clean(stop_reason)), theme.dim),
        "max_tokens" => "the agent hit its token limit",
        "max_turn_requests" => "the agent hit its limit of requests in one turn",
        "refusal" => "the agent refused to go on",
        "cancelled" => "the turn was cancelled",
        _ => "the turn ended for another reason",
    };
    Line::styled(
        truncate(&format!("⚠ {} — {meaning}", clean(stop_reason)), cols),
        theme.warning,
    )
}

fn labeled(
    label: &str,
    text: &str,
    cols: usize,
    label_style: Style,
    style: Style,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(label.to_string(), label_style)];
    lines.extend(wrap(text, cols, Span::raw("  "), Span::raw("  "), style));
    lines
}

fn tool_lines(call: &ToolCall, cols: usize, theme: &Theme, past: bool) -> Vec<Line<'static>> {
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
    for text in call.content.iter().take(1) {
        let first: Vec<&str> = text.lines().take(4).collect();
        lines.extend(wrap(
            &first.join("\n"),
            cols,
            Span::raw("  │ "),
            Span::raw("  │ "),
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

fn permission_lines(
    permission: &Permission,
    cols: usize,
    theme: &Theme,
    past: bool,
) -> Vec<Line<'static>> {
    let options: Vec<Choice> = permission.options.iter().map(Choice::from_value).collect();
    // `selected` holds the outcome itself when no option was chosen.
    let cancelled = permission.selected.as_deref() == Some("cancelled")
        && !options.iter().any(|o| o.id == "cancelled");
    let selected = permission.selected.as_deref().filter(|_| !cancelled);
    permission_view::permission_lines(
        &permission.title,
        &options,
        selected,
        cancelled,
        cols,
        theme,
        past,
    )
}
