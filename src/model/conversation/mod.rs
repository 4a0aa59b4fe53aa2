//! Conversations rebuilt from raw ACP traffic (`events.ndjson`).
//!
//! `record.json` is trimmed (200 messages, 8000 chars) and its message
//! indexes drift (FORMAT.md §8), so the transcript of an attempt is folded
//! from the JSON-RPC messages in its event range instead. Items keep ACP's
//! own field names and shapes: prompt, message and thought `ContentBlock`s
//! (split where `messageId` changes), tool calls with their
//! `ToolCallContent` (diffs, terminals linked to the client's answers),
//! plans, permissions with their options and outcome, session metadata
//! updates, and how each turn ended with its usage. Strings stay raw here;
//! they are sanitized where drawn or printed.

mod builder;
mod content;
mod item;
mod record;
mod terminals;
mod tool_content;
mod updates;
mod window;

pub use builder::TranscriptBuilder;
pub use content::{ContentBlock, Cut, Cuts, MediaFacts};
pub use item::{
    Message, Permission, PermissionOption, PermissionOutcome, ToolCall, TranscriptItem,
};
pub use record::transcript_from_record;
pub use tool_content::{Diff, ExitStatus, LineCounts, Terminal, ToolCallContent};
pub use window::{transcript_from_events, transcript_window};

use serde::Serialize;

/// The most text one string keeps (an agent message of millions of chunks
/// keeps its beginning and says how much was cut); diffs, terminal output
/// and media data are capped the same way.
pub const TEXT_CAP: usize = 64 << 10;
/// The most content blocks one message, or content items one tool call,
/// keeps (the rest are counted).
pub const BLOCK_CAP: usize = 256;
/// A range longer than twice this is folded at both ends only.
pub const FOLD_WINDOW: usize = 10_000;
/// Event lines longer than this are not folded (named, not parsed).
pub const FOLD_LINE_CAP: usize = 16 << 20;

/// Where a transcript came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptSource {
    Events,
    Record,
}

#[cfg(test)]
mod tests;
