//! The items a conversation folds into, in ACP's own field names.

use serde::Serialize;
use serde_json::Value;

use super::content::{cut_note, ContentBlock};
use super::tool_content::ToolCallContent;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum TranscriptItem {
    /// The prompt acpx sent (`session/prompt`), its blocks as sent.
    User(Message),
    /// A `user_message_chunk` inside a turn (not part of the prompt).
    UserMessage(Message),
    Agent(Message),
    Thought(Message),
    ToolCall(ToolCall),
    Plan {
        seq: u32,
        entries: Vec<Value>,
    },
    Permission(Permission),
    /// `usage_update`: context window use and cost.
    Usage {
        seq: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        used: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cost: Option<Value>,
    },
    /// `available_commands_update`.
    AvailableCommands {
        seq: u32,
        available_commands: Vec<Value>,
    },
    /// `current_mode_update`.
    CurrentMode {
        seq: u32,
        current_mode_id: String,
    },
    /// `config_option_update`.
    ConfigOptions {
        seq: u32,
        config_options: Vec<Value>,
    },
    /// `session_info_update` (a `null` title clears it).
    SessionInfo {
        seq: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        updated_at: Option<Value>,
    },
    /// A (re)connection handshake: `initialize`, `session/new`,
    /// `session/load`, with the session's modes and config options when the
    /// agent's answer states them.
    Connection {
        seq: u32,
        method: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        modes: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        config_options: Option<Value>,
    },
    /// History the agent replayed while answering `session/load`.
    Replay {
        seq: u32,
        events: usize,
    },
    /// The prompt's response (`PromptResponse`): why the turn ended, and
    /// the turn's token usage when the agent reports it.
    TurnEnd {
        seq: u32,
        stop_reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        usage: Option<Value>,
    },
    /// An error answer: to the prompt (the turn failed), or to the request
    /// `method` names (`fs/read_text_file`, `terminal/create`, …).
    TurnError {
        seq: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
    },
    Cancel {
        seq: u32,
    },
    /// Anything else (unknown updates, fs/terminal calls), shown generically.
    Other {
        seq: u32,
        label: String,
    },
}

impl TranscriptItem {
    /// The session event seq the item starts at.
    pub fn seq(&self) -> u32 {
        match self {
            TranscriptItem::User(m)
            | TranscriptItem::UserMessage(m)
            | TranscriptItem::Agent(m)
            | TranscriptItem::Thought(m) => m.seq,
            TranscriptItem::ToolCall(call) => call.seq,
            TranscriptItem::Permission(p) => p.seq,
            TranscriptItem::Plan { seq, .. }
            | TranscriptItem::Usage { seq, .. }
            | TranscriptItem::AvailableCommands { seq, .. }
            | TranscriptItem::CurrentMode { seq, .. }
            | TranscriptItem::ConfigOptions { seq, .. }
            | TranscriptItem::SessionInfo { seq, .. }
            | TranscriptItem::Connection { seq, .. }
            | TranscriptItem::Replay { seq, .. }
            | TranscriptItem::TurnEnd { seq, .. }
            | TranscriptItem::TurnError { seq, .. }
            | TranscriptItem::Cancel { seq }
            | TranscriptItem::Other { seq, .. } => *seq,
        }
    }

    /// The message of a prompt, user, agent or thought item.
    pub fn message(&self) -> Option<&Message> {
        match self {
            TranscriptItem::User(m)
            | TranscriptItem::UserMessage(m)
            | TranscriptItem::Agent(m)
            | TranscriptItem::Thought(m) => Some(m),
            _ => None,
        }
    }

    /// The text of a message item: a prompt's text blocks one per line,
    /// other messages' chunks concatenated.
    pub fn text(&self) -> Option<String> {
        match self {
            TranscriptItem::User(m) => Some(m.text_joined("\n")),
            other => other.message().map(Message::text),
        }
    }

    /// Everything a text search should find in the item: message text and
    /// resources, tool call titles, diffs and terminal output, permission
    /// options, metadata values.
    pub fn searchable_text(&self) -> String {
        match self {
            TranscriptItem::User(m)
            | TranscriptItem::UserMessage(m)
            | TranscriptItem::Agent(m)
            | TranscriptItem::Thought(m) => m
                .content
                .iter()
                .map(ContentBlock::searchable_text)
                .collect::<Vec<_>>()
                .join("\n"),
            TranscriptItem::ToolCall(call) => {
                let mut out = call.title.clone();
                for item in &call.content {
                    out.push('\n');
                    out.push_str(&item.searchable_text());
                }
                out
            }
            TranscriptItem::Permission(p) => {
                let mut out = p.title.clone();
                for option in &p.options {
                    out.push('\n');
                    out.push_str(&option.name);
                }
                out
            }
            TranscriptItem::TurnEnd { stop_reason, .. } => stop_reason.clone(),
            TranscriptItem::TurnError { message, data, .. } => match data {
                Some(data) => format!("{message}\n{data}"),
                None => message.clone(),
            },
            TranscriptItem::CurrentMode {
                current_mode_id, ..
            } => current_mode_id.clone(),
            TranscriptItem::Other { label, .. } => label.clone(),
            TranscriptItem::Connection { method, .. } => method.clone(),
            other => {
                let mut value = serde_json::to_value(other).unwrap_or(Value::Null);
                if let Some(map) = value.as_object_mut() {
                    map.remove("kind");
                    map.remove("seq");
                }
                value.to_string()
            }
        }
    }
}

/// A prompt, user, agent or thought message: its content blocks, text
/// chunks merged into one text block while no other block comes between.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub seq: u32,
    /// ACP `messageId`: a change starts a new message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub content: Vec<ContentBlock>,
    /// Blocks left out over `BLOCK_CAP`.
    #[serde(skip_serializing_if = "is_zero")]
    pub blocks_cut: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Message {
    pub fn new(seq: u32, message_id: Option<String>) -> Self {
        Message {
            seq,
            message_id,
            content: Vec::new(),
            blocks_cut: 0,
        }
    }

    /// A message of one text block (record.json, tests).
    pub fn from_text(seq: u32, text: &str) -> Self {
        let mut message = Message::new(seq, None);
        message.content.push(ContentBlock::text_block(text));
        message
    }

    /// The text blocks concatenated, as acpx writes agent text into its
    /// artifacts (chunks joined).
    pub fn text(&self) -> String {
        self.text_joined("")
    }

    /// The text blocks with `separator` between them (a prompt's blocks
    /// one per line).
    pub fn text_joined(&self, separator: &str) -> String {
        let texts: Vec<&str> = self.content.iter().filter_map(ContentBlock::text).collect();
        texts.join(separator)
    }

    /// Notes on what caps left out, one per cut (`… [text cut: …]`).
    pub fn cut_notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .content
            .iter()
            .flat_map(|b| b.cut.keys().filter_map(|k| cut_note(&b.cut, k)))
            .collect();
        if self.blocks_cut > 0 {
            notes.push(format!("… [{} more blocks cut]", self.blocks_cut));
        }
        notes
    }

    /// The message with only its first `chars` characters of text (the
    /// playback reveal); other blocks show once the text before them has.
    pub fn prefix(&self, chars: usize) -> Message {
        let mut left = chars;
        let mut out = Message::new(self.seq, self.message_id.clone());
        for block in &self.content {
            match block.text() {
                Some(text) => {
                    let n = text.chars().count();
                    let mut kept = block.clone();
                    if n > left {
                        let cut: String = text.chars().take(left).collect();
                        kept.fields.insert("text".into(), cut.into());
                        out.content.push(kept);
                        return out;
                    }
                    left -= n;
                    out.content.push(kept);
                }
                None => out.content.push(block.clone()),
            }
        }
        out
    }

    /// Characters of text in the message.
    pub fn text_chars(&self) -> usize {
        self.content
            .iter()
            .filter_map(ContentBlock::text)
            .map(|t| t.chars().count())
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    pub seq: u32,
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_input: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_output: Option<Value>,
    /// The `ToolCallContent` list as last sent (updates replace it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<ToolCallContent>,
    /// Content items left out over `BLOCK_CAP`.
    #[serde(skip_serializing_if = "is_zero")]
    pub content_cut: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Value>,
}

/// How a permission request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionOutcome {
    /// An `allow_once` / `allow_always` option was chosen.
    Allowed,
    /// A `reject_once` / `reject_always` option was chosen.
    Rejected,
    /// The client answered `cancelled` (the turn was cancelled).
    Cancelled,
    /// An option was chosen whose kind says neither.
    Unknown,
}

/// One `PermissionOption`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionOption {
    pub option_id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub seq: u32,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<String>,
    pub options: Vec<PermissionOption>,
    /// `optionId` chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
    /// Derived from the chosen option's kind; `None` while unanswered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<PermissionOutcome>,
}

impl Permission {
    /// The option chosen, when it is one of those offered.
    pub fn chosen(&self) -> Option<&PermissionOption> {
        let id = self.selected.as_deref()?;
        self.options.iter().find(|o| o.option_id == id)
    }

    /// Records the client's `RequestPermissionOutcome`.
    pub(super) fn answer(&mut self, outcome: &Value) {
        match outcome.get("outcome").and_then(Value::as_str) {
            Some("cancelled") => self.outcome = Some(PermissionOutcome::Cancelled),
            _ => {
                self.selected = outcome
                    .get("optionId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                self.outcome = Some(match self.chosen().map(|o| o.kind.as_str()) {
                    Some("allow_once" | "allow_always") => PermissionOutcome::Allowed,
                    Some("reject_once" | "reject_always") => PermissionOutcome::Rejected,
                    _ => PermissionOutcome::Unknown,
                });
            }
        }
    }
}
