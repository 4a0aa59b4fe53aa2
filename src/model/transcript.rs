//! Finding an ACP attempt's conversation: which session, which event range
//! (from the outcome's `conversation` link, else the attempt's times), and
//! the `record.json` fallback when the events are gone.

use serde::Serialize;
use serde_json::Value;

use super::conversation::{self, TranscriptItem, TranscriptSource};
use super::{Attempt, Run};
use crate::bundle::{BundleError, EventKind};

/// The conversation of one ACP attempt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub session_id: String,
    pub event_start_seq: Option<u32>,
    pub event_end_seq: Option<u32>,
    pub source: TranscriptSource,
    pub items: Vec<TranscriptItem>,
}

impl Run {
    /// The conversation of an ACP attempt: rebuilt from the session's events
    /// in the attempt's range, or from `record.json` when the events are gone.
    pub fn conversation(&self, attempt: &Attempt) -> Result<Option<Conversation>, BundleError> {
        let Some(place) = self.conversation_place(attempt)? else {
            return Ok(None);
        };
        let items = if place.has_events {
            conversation::transcript_from_events(place.session, place.first, place.last)?
        } else {
            Vec::new()
        };
        if items.is_empty() {
            if let Some(record_items) = self.record_fallback(&place)? {
                return Ok(Some(Conversation {
                    session_id: place.session_id,
                    event_start_seq: None,
                    event_end_seq: None,
                    source: TranscriptSource::Record,
                    items: record_items,
                }));
            }
        }
        Ok(Some(Conversation {
            session_id: place.session_id,
            event_start_seq: Some(place.first),
            event_end_seq: Some(place.last),
            source: TranscriptSource::Events,
            items,
        }))
    }

    /// The session and event range of an ACP attempt's conversation,
    /// without folding it: `(session id, first seq, last seq)`. `None` when
    /// `conversation` would have no event range (not ACP, no session, or
    /// only `record.json` to go by).
    pub fn conversation_span(
        &self,
        attempt: &Attempt,
    ) -> Result<Option<(String, u32, u32)>, BundleError> {
        let Some(place) = self.conversation_place(attempt)? else {
            return Ok(None);
        };
        if !place.has_events && self.record_fallback(&place)?.is_some() {
            return Ok(None);
        }
        Ok(Some((place.session_id, place.first, place.last)))
    }

    /// Where an ACP attempt's conversation lives: its session and event
    /// range, from the outcome's link or else from the attempt's times.
    fn conversation_place(
        &self,
        attempt: &Attempt,
    ) -> Result<Option<ConversationPlace<'_>>, BundleError> {
        let is_acp = self.node_type(attempt) == "acp" || attempt.session.is_some();
        if !is_acp {
            return Ok(None);
        }
        let link = self.conversation_link(attempt)?;
        let Some(session_id) = link
            .as_ref()
            .map(|l| l.session_id.clone())
            .or_else(|| self.session_id(attempt).map(str::to_string))
        else {
            return Ok(None);
        };
        let Some(session) = self.bundle.session(&session_id) else {
            return Ok(None);
        };
        let index = session.index()?;
        let (first, last) = match &link {
            Some(ConversationLink {
                events: Some(range),
                ..
            }) => *range,
            _ => self.event_range_by_time(attempt, index),
        };
        Ok(Some(ConversationPlace {
            has_events: !index.range(first, last).is_empty(),
            session_id,
            session,
            record_messages: link.and_then(|l| l.messages),
            first,
            last,
        }))
    }

    /// The `record.json` transcript a conversation falls back on.
    fn record_fallback(
        &self,
        place: &ConversationPlace<'_>,
    ) -> Result<Option<Vec<TranscriptItem>>, BundleError> {
        match place.record_messages {
            Some(messages) => self.record_transcript(place.session, messages),
            None => Ok(None),
        }
    }

    /// `payload.conversation` of the attempt's outcome, or of its
    /// `acp_response_parsed` event when the attempt has no outcome.
    fn conversation_link(
        &self,
        attempt: &Attempt,
    ) -> Result<Option<ConversationLink>, BundleError> {
        let trace = &self.bundle.trace;
        let candidates = (attempt.entry_start()..=attempt.entry_end())
            .rev()
            .filter(|&i| {
                matches!(
                    trace.entries()[i].kind,
                    EventKind::NodeOutcome | EventKind::AcpResponseParsed
                )
            });
        for i in candidates {
            let event = self.bundle.read_event(&trace.entries()[i])?;
            if let Some(link) = event
                .pointer("/payload/conversation")
                .and_then(ConversationLink::parse)
            {
                return Ok(Some(link));
            }
        }
        Ok(None)
    }

    /// For attempts without a recorded range (in flight, interrupted, capture
    /// failed): the session events written while the attempt ran.
    fn event_range_by_time(
        &self,
        attempt: &Attempt,
        index: &crate::bundle::SessionIndex,
    ) -> (u32, u32) {
        let start = attempt.started_ms(&self.bundle.trace).unwrap_or(i64::MIN);
        let finish = if attempt.is_finished() {
            attempt.finished_ms(&self.bundle.trace).unwrap_or(i64::MAX)
        } else {
            i64::MAX
        };
        let inside = || {
            index
                .entries()
                .iter()
                .filter(|e| e.at_ms() >= start && e.at_ms() <= finish)
        };
        let first = inside().next().map(|e| e.seq);
        let last = inside().next_back().map(|e| e.seq);
        match (first, last) {
            (Some(first), Some(last)) => (first, last),
            _ => (1, 0),
        }
    }

    fn record_transcript(
        &self,
        session: &crate::bundle::SessionFiles,
        (start, end): (usize, usize),
    ) -> Result<Option<Vec<TranscriptItem>>, BundleError> {
        let record: Value = match crate::bundle::read_json_as(&session.root, &session.record) {
            Err(err) if crate::bundle::safe_open::is_absent(&err) => return Ok(None),
            other => other?,
        };
        let Some(messages) = record.get("messages").and_then(Value::as_array) else {
            return Ok(None);
        };
        if start >= messages.len() {
            return Ok(None);
        }
        let end = end.min(messages.len() - 1).max(start);
        Ok(Some(conversation::transcript_from_record(
            &messages[start..=end],
        )))
    }
}

/// Where `Run::conversation` finds an attempt's transcript.
struct ConversationPlace<'a> {
    session_id: String,
    session: &'a crate::bundle::SessionFiles,
    /// `record.json` message range of the link, for the fallback.
    record_messages: Option<(usize, usize)>,
    first: u32,
    last: u32,
    /// The session has events in `first..=last`.
    has_events: bool,
}

/// `FlowConversationTrace` (FORMAT.md §8).
#[derive(Debug, Clone)]
struct ConversationLink {
    session_id: String,
    events: Option<(u32, u32)>,
    messages: Option<(usize, usize)>,
}

impl ConversationLink {
    fn parse(value: &Value) -> Option<Self> {
        let number = |key: &str| value.get(key).and_then(Value::as_u64);
        let seq = |key: &str| number(key).and_then(|n| u32::try_from(n).ok());
        Some(ConversationLink {
            session_id: value.get("sessionId")?.as_str()?.to_string(),
            events: seq("eventStartSeq").zip(seq("eventEndSeq")),
            messages: number("messageStart")
                .zip(number("messageEnd"))
                .map(|(a, b)| (a as usize, b as usize)),
        })
    }
}
