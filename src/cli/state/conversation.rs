//! The conversation part of plain `reel state`: one or more lines per
//! item, every bundle string cleaned.

use serde_json::Value;

use crate::cli::format::clean;
use crate::model::conversation::{Message, PermissionOutcome, ToolCallContent};
use crate::model::{Conversation, TranscriptItem};
use crate::sanitize::sanitize_text;

pub(super) fn print_conversation(out: &mut String, conversation: &Conversation) {
    let range = match (conversation.event_start_seq, conversation.event_end_seq) {
        (Some(a), Some(b)) => format!("events {a}..{b}"),
        _ => "from record.json".to_string(),
    };
    outln!(
        out,
        "\nconversation  session {}  {range}",
        clean(&conversation.session_id, 60)
    );
    for item in &conversation.items {
        print_item(out, item);
    }
}

fn print_item(out: &mut String, item: &TranscriptItem) {
    match item {
        TranscriptItem::User(m) => print_message(out, "user ▸", m, "\n"),
        TranscriptItem::UserMessage(m) => print_message(out, "user message ▹", m, ""),
        TranscriptItem::Agent(m) => print_message(out, "agent ◂", m, ""),
        TranscriptItem::Thought(m) => print_message(out, "thought ~", m, ""),
        TranscriptItem::ToolCall(call) => {
            outln!(
                out,
                "  tool ⚙ {} [{}]{}",
                clean(&call.title, 80),
                clean(&call.status, 20),
                call.raw_output
                    .as_ref()
                    .map(|o| format!(" → {}", clean(&o.to_string(), 60)))
                    .unwrap_or_default()
            );
            for content in &call.content {
                print_tool_content(out, content);
            }
        }
        TranscriptItem::Plan { entries, .. } => {
            outln!(out, "  plan ☰");
            for entry in entries {
                let text = entry.get("content").and_then(Value::as_str).unwrap_or("");
                let status = entry.get("status").and_then(Value::as_str).unwrap_or("");
                outln!(out, "       [{}] {}", clean(status, 12), clean(text, 90));
            }
        }
        TranscriptItem::Permission(p) => {
            let chosen = p
                .chosen()
                .map(|o| o.name.as_str())
                .or(p.selected.as_deref());
            let answer = match (p.outcome, chosen) {
                (Some(PermissionOutcome::Cancelled), _) => "cancelled".to_string(),
                (Some(outcome), Some(name)) => {
                    format!("{} ({})", outcome_name(outcome), clean(name, 30))
                }
                (_, _) => "(no answer)".to_string(),
            };
            outln!(out, "  permission ? {} → {answer}", clean(&p.title, 80));
            let options: Vec<String> = p
                .options
                .iter()
                .map(|o| format!("{} ({})", clean(&o.name, 30), clean(&o.kind, 16)))
                .collect();
            outln!(out, "       options: {}", options.join(", "));
        }
        TranscriptItem::Usage {
            used, size, cost, ..
        } => outln!(
            out,
            "  usage {} / {}{}",
            used.as_ref().map(Value::to_string).unwrap_or_default(),
            size.as_ref().map(Value::to_string).unwrap_or_default(),
            cost.as_ref()
                .map(|c| format!("  cost {}", clean(&c.to_string(), 40)))
                .unwrap_or_default()
        ),
        TranscriptItem::AvailableCommands {
            available_commands, ..
        } => {
            let names: Vec<String> = available_commands
                .iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(|n| format!("/{}", clean(n, 30)))
                .collect();
            outln!(out, "  commands ◇ {}", names.join(" "));
        }
        TranscriptItem::CurrentMode {
            current_mode_id, ..
        } => outln!(out, "  mode ◇ {}", clean(current_mode_id, 40)),
        TranscriptItem::ConfigOptions { config_options, .. } => {
            let values: Vec<String> = config_options
                .iter()
                .map(|o| {
                    let id = o.get("id").and_then(Value::as_str).unwrap_or("");
                    let value = match o.get("currentValue") {
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    format!("{}={}", clean(id, 30), clean(&value, 30))
                })
                .collect();
            outln!(out, "  config ◇ {}", values.join(", "));
        }
        TranscriptItem::SessionInfo { title, .. } => match title {
            Some(Value::String(title)) => outln!(out, "  title ◇ {}", clean(title, 80)),
            _ => outln!(out, "  session info ◇ updated"),
        },
        TranscriptItem::Connection { method, .. } => outln!(out, "  ─ {} ─", clean(method, 40)),
        TranscriptItem::Replay { events, .. } => {
            outln!(out, "  ─ {events} replayed history events ─")
        }
        TranscriptItem::TurnEnd {
            stop_reason, usage, ..
        } => {
            let mark = if stop_reason == "end_turn" {
                "■"
            } else {
                "⚠"
            };
            let usage = usage
                .as_ref()
                .and_then(|u| u.get("totalTokens"))
                .map(|t| format!("  {t} tokens"))
                .unwrap_or_default();
            outln!(out, "  {mark} {}{usage}", clean(stop_reason, 40))
        }
        TranscriptItem::TurnError {
            method,
            message,
            code,
            data,
            ..
        } => outln!(
            out,
            "  ✗ {}error{}: {}{}",
            method
                .as_deref()
                .map(|m| format!("{} ", clean(m, 40)))
                .unwrap_or_default(),
            code.map(|c| format!(" {c}")).unwrap_or_default(),
            clean(message, 120),
            data.as_ref()
                .map(|d| format!("  data {}", clean(&d.to_string(), 120)))
                .unwrap_or_default()
        ),
        TranscriptItem::Cancel { .. } => outln!(out, "  ⊘ cancel requested"),
        TranscriptItem::Other { label, .. } => outln!(out, "  · {}", clean(label, 80)),
    }
}

fn outcome_name(outcome: PermissionOutcome) -> &'static str {
    match outcome {
        PermissionOutcome::Allowed => "allowed",
        PermissionOutcome::Rejected => "rejected",
        PermissionOutcome::Cancelled => "cancelled",
        PermissionOutcome::Unknown => "answered",
    }
}

fn print_tool_content(out: &mut String, content: &ToolCallContent) {
    match content {
        ToolCallContent::Content { content } | ToolCallContent::Unknown(content) => {
            match content.text() {
                Some(text) => print_lines(out, text),
                None => outln!(out, "       │ [{}]", clean(&content.label(), 100)),
            }
        }
        ToolCallContent::Diff(diff) => {
            let counts = diff.line_counts();
            outln!(
                out,
                "       ± {}{}  +{} −{}",
                if diff.is_new_file() { "new file " } else { "" },
                clean(&diff.path, 80),
                counts.added,
                counts.removed
            );
        }
        ToolCallContent::Terminal(terminal) => {
            outln!(
                out,
                "       ▣ terminal {}  {}",
                clean(&terminal.terminal_id, 40),
                clean(&terminal.status_label(), 60)
            );
            if let Some(output) = &terminal.output {
                print_lines(out, output);
            }
        }
    }
}

fn print_message(out: &mut String, label: &str, message: &Message, separator: &str) {
    print_block(out, label, &message.text_joined(separator));
    let indent = " ".repeat(label.chars().count());
    for block in message.content.iter().filter(|b| b.text().is_none()) {
        outln!(out, "  {indent} [{}]", clean(&block.label(), 100));
    }
    for note in message.cut_notes() {
        outln!(out, "  {indent} {}", clean(&note, 120));
    }
}

/// Tool output, each line marked `│`.
fn print_lines(out: &mut String, text: &str) {
    for line in sanitize_text(text, true).lines() {
        outln!(out, "       │ {line}");
    }
}

/// Multi-line bundle text under a label, continuation lines indented.
fn print_block(out: &mut String, label: &str, text: &str) {
    let clean = sanitize_text(text, true);
    let mut lines = clean.lines();
    outln!(out, "  {label} {}", lines.next().unwrap_or(""));
    let indent = " ".repeat(label.chars().count());
    for line in lines {
        outln!(out, "  {indent} {line}");
    }
}
