//! The conversations of two frames' own attempts, compared item by item.
//! Session event seqs are left out of the comparison: a cut session may
//! renumber them while the conversation stays the same.

use serde::Serialize;
use serde_json::Value;

use crate::model::{Run, TranscriptItem};

/// The conversations of the two frames' own attempts.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDiff {
    pub differs: bool,
    /// Items on each side (`None`: that attempt has no conversation).
    pub a_items: Option<usize>,
    pub b_items: Option<usize>,
    pub first_difference: Option<ItemDifference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemDifference {
    /// 0-based position in the transcript.
    pub index: usize,
    pub a: Option<ItemSummary>,
    pub b: Option<ItemSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    pub kind: String,
    pub text: String,
}

/// Compares the transcripts item by item; an attempt whose conversation
/// cannot be read is reported in `problems`, not compared as empty.
pub(super) fn conversation_diff(
    a: &Run,
    a_attempt: usize,
    b: &Run,
    b_attempt: usize,
    problems: &mut Vec<String>,
) -> ConversationDiff {
    let mut items = |run: &Run, position: usize| match run.conversation(&run.attempts[position]) {
        Ok(conversation) => conversation.map(|c| c.items),
        Err(err) => {
            problems.push(format!("conversation of step {}: {err}", position + 1));
            None
        }
    };
    let (x, y) = (items(a, a_attempt), items(b, b_attempt));
    let (xs, ys) = (x.as_deref().unwrap_or(&[]), y.as_deref().unwrap_or(&[]));
    let first = (0..xs.len().max(ys.len()))
        .find(|&i| xs.get(i).map(comparable) != ys.get(i).map(comparable));
    ConversationDiff {
        differs: first.is_some() || x.is_some() != y.is_some(),
        a_items: x.as_ref().map(Vec::len),
        b_items: y.as_ref().map(Vec::len),
        first_difference: first.map(|index| ItemDifference {
            index,
            a: xs.get(index).map(summarize),
            b: ys.get(index).map(summarize),
        }),
    }
}

/// An item without its session event seq, which a cut session may renumber.
fn comparable(item: &TranscriptItem) -> Value {
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("seq");
    }
    value
}

/// Kind and a short text of a transcript item, for the report.
pub fn summarize(item: &TranscriptItem) -> ItemSummary {
    let value = serde_json::to_value(item).unwrap_or(Value::Null);
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("item");
    let text = match item {
        TranscriptItem::User(_)
        | TranscriptItem::UserMessage(_)
        | TranscriptItem::Agent(_)
        | TranscriptItem::Thought(_) => item.text().unwrap_or_default(),
        TranscriptItem::ToolCall(call) => format!("{} [{}]", call.title, call.status),
        TranscriptItem::Permission(p) => p.title.clone(),
        TranscriptItem::Connection { method, .. } => method.clone(),
        TranscriptItem::TurnEnd { stop_reason, .. } => stop_reason.clone(),
        TranscriptItem::TurnError { message, .. } => message.clone(),
        TranscriptItem::Other { label, .. } => label.clone(),
        _ => {
            let mut rest = value.clone();
            if let Some(map) = rest.as_object_mut() {
                map.remove("kind");
                map.remove("seq");
            }
            rest.to_string()
        }
    };
    ItemSummary {
        kind: kind.to_string(),
        text: text.chars().take(200).collect(),
    }
}
