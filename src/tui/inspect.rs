//! What the inspector shows for a step, computed off the UI thread: reading
//! payloads, artifacts and session events is I/O, so a worker builds an
//! `InspectContent` and the UI only turns it into lines.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::bundle::BundleError;
use crate::model::conversation::transcript_from_events;
use crate::model::{Run, TranscriptItem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectorTab {
    Session,
    Attempt,
    Events,
}

impl InspectorTab {
    pub const ALL: [InspectorTab; 3] = [
        InspectorTab::Session,
        InspectorTab::Attempt,
        InspectorTab::Events,
    ];

    pub fn title(self) -> &'static str {
        match self {
            InspectorTab::Session => "Session",
            InspectorTab::Attempt => "Attempt",
            InspectorTab::Events => "Events",
        }
    }
}

/// What to inspect: one attempt, one tab, optionally a chosen session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InspectRequest {
    pub attempt: usize,
    pub tab: InspectorTab,
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InspectContent {
    Session(SessionContent),
    Attempt(Box<AttemptContent>),
    Events(EventsContent),
    /// Nothing to show, and why.
    Empty(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionContent {
    pub session_id: String,
    /// Every session of the run, for the switcher.
    pub sessions: Vec<String>,
    /// The whole session's conversation (shared, folded once per session).
    pub items: Arc<Vec<TranscriptItem>>,
    /// How many of `items` had happened by the end of the step.
    pub visible: usize,
    /// Session event seqs of the inspected step (`None`: the step has none).
    pub slice: Option<(u32, u32)>,
    /// Set when the step is not an ACP step and an earlier one is shown.
    pub note: Option<String>,
    /// For huge sessions only a window is folded: its first event seq.
    pub first_loaded: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttemptContent {
    pub attempt_id: String,
    pub node_type: String,
    pub outcome: String,
    pub started_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
    pub output: Option<Value>,
    pub prompt: Option<String>,
    pub raw_response: Option<String>,
    pub action: Option<Value>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    /// Artifacts the payload names that could not be read.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: u32,
    pub label: String,
    pub detail: String,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventsContent {
    pub trace: Vec<EventRow>,
    pub session_id: Option<String>,
    pub session: Vec<EventRow>,
}

/// Sessions up to this many events are folded whole and cached.
const WHOLE_SESSION_LIMIT: usize = 50_000;
/// Events folded before a step's slice in larger sessions.
const WINDOW_EVENTS: u32 = 2_000;

/// Builds inspector content; keeps whole-session transcripts between calls
/// so stepping through a long session folds its events once.
#[derive(Default)]
pub struct Inspector {
    transcripts: HashMap<String, Arc<Vec<TranscriptItem>>>,
}

impl Inspector {
    pub fn inspect(&mut self, run: &Run, request: &InspectRequest) -> InspectContent {
        let Some(attempt) = run.attempts.get(request.attempt) else {
            return InspectContent::Empty("no step selected".to_string());
        };
        let result = match request.tab {
            InspectorTab::Session => self.session(run, request),
            InspectorTab::Attempt => {
                attempt_content(run, request.attempt).map(|c| InspectContent::Attempt(Box::new(c)))
            }
            InspectorTab::Events => {
                events_content(run, request.attempt).map(InspectContent::Events)
            }
        };
        result.unwrap_or_else(|err| {
            InspectContent::Empty(format!("{}: {err}", run.attempt_id(attempt)))
        })
    }

    fn session(
        &mut self,
        run: &Run,
        request: &InspectRequest,
    ) -> Result<InspectContent, BundleError> {
        let sessions: Vec<String> = run.bundle.sessions.iter().map(|s| s.id.clone()).collect();
        if sessions.is_empty() {
            return Ok(InspectContent::Empty(
                "this run has no agent sessions".to_string(),
            ));
        }
        // The step's own session, else the nearest earlier ACP step's.
        let own = (0..=request.attempt)
            .rev()
            .find(|&i| run.attempts[i].session.is_some());
        let note = match own {
            Some(i) if i != request.attempt => Some(format!(
                "{} has no session; showing {}",
                run.attempt_id(&run.attempts[request.attempt]),
                run.attempt_id(&run.attempts[i])
            )),
            _ => None,
        };
        let session_id = match (&request.session, own) {
            (Some(chosen), _) => chosen.clone(),
            (None, Some(i)) => run
                .session_id(&run.attempts[i])
                .unwrap_or_default()
                .to_string(),
            (None, None) => sessions[0].clone(),
        };
        let Some(files) = run.bundle.session(&session_id) else {
            return Ok(InspectContent::Empty(format!(
                "session {session_id} is not in this bundle"
            )));
        };
        // The slice of the inspected step on this session, if it used it.
        let slice = own
            .filter(|&i| run.session_id(&run.attempts[i]) == Some(session_id.as_str()))
            .and_then(|i| run.conversation(&run.attempts[i]).ok().flatten())
            .and_then(|c| c.event_start_seq.zip(c.event_end_seq));
        let horizon = slice.map_or_else(
            || session_horizon(run, request.attempt, &session_id),
            |(_, end)| end,
        );
        let index = files.index()?;
        let (transcript, first_loaded) = if index.len() <= WHOLE_SESSION_LIMIT {
            // Fold the whole session once; later steps reuse it.
            let transcript = match self.transcripts.get(&session_id) {
                Some(cached) => cached.clone(),
                None => {
                    let last = index.entries().last().map_or(0, |e| e.seq);
                    let built = Arc::new(transcript_from_events(files, 1, last)?);
                    self.transcripts.insert(session_id.clone(), built.clone());
                    built
                }
            };
            (transcript, None)
        } else {
            // A huge session: fold a window of events before the slice.
            let end = slice.map_or(horizon, |(_, end)| end);
            let start = slice
                .map_or(horizon, |(start, _)| start)
                .saturating_sub(WINDOW_EVENTS)
                .max(1);
            (
                Arc::new(transcript_from_events(files, start, end)?),
                Some(start).filter(|&s| s > 1),
            )
        };
        // Items are in seq order: the visible prefix is found by bisection.
        let visible = transcript.partition_point(|item| item_seq(item) <= horizon);
        Ok(InspectContent::Session(SessionContent {
            session_id,
            sessions,
            items: transcript,
            visible,
            slice,
            note,
            first_loaded,
        }))
    }
}

/// The last session event written by the time step `attempt` ended.
fn session_horizon(run: &Run, attempt: usize, session_id: &str) -> u32 {
    let Some(files) = run.bundle.session(session_id) else {
        return 0;
    };
    let Ok(index) = files.index() else { return 0 };
    let until = run.attempts[attempt]
        .finished_ms
        .or(run.attempts[attempt].started_ms)
        .unwrap_or(i64::MAX);
    let entries = index.entries();
    entries
        .partition_point(|e| e.at_ms <= until)
        .checked_sub(1)
        .map_or(0, |i| entries[i].seq)
}

pub fn item_seq(item: &TranscriptItem) -> u32 {
    match item {
        TranscriptItem::User { seq, .. }
        | TranscriptItem::Agent { seq, .. }
        | TranscriptItem::Thought { seq, .. }
        | TranscriptItem::Plan { seq, .. }
        | TranscriptItem::Usage { seq, .. }
        | TranscriptItem::Connection { seq, .. }
        | TranscriptItem::Replay { seq, .. }
        | TranscriptItem::TurnEnd { seq, .. }
        | TranscriptItem::TurnError { seq, .. }
        | TranscriptItem::Cancel { seq }
        | TranscriptItem::Other { seq, .. } => *seq,
        TranscriptItem::ToolCall(call) => call.seq,
        TranscriptItem::Permission(p) => p.seq,
    }
}

fn text_artifact(
    run: &Run,
    payload: &Value,
    key: &str,
    missing: &mut Vec<String>,
) -> Option<String> {
    let path = payload.get(key)?.get("path")?.as_str()?;
    match run.bundle.read_artifact(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => {
            missing.push(path.to_string());
            None
        }
    }
}

fn attempt_content(run: &Run, position: usize) -> Result<AttemptContent, BundleError> {
    let attempt = &run.attempts[position];
    let mut content = AttemptContent {
        attempt_id: run.attempt_id(attempt).to_string(),
        node_type: run.node_type(attempt).to_string(),
        outcome: attempt.outcome.name().to_string(),
        started_at: attempt
            .started_ms
            .map(crate::bundle::timestamp::format_iso_millis),
        duration_ms: attempt.duration_ms,
        ..AttemptContent::default()
    };
    // The outcome carries everything; an unfinished attempt has only the
    // events written so far (prompt prepared, action prepared …).
    let mut payloads = Vec::new();
    let entries = &run.bundle.trace.entries()[attempt.entry_start..=attempt.entry_end];
    run.bundle.read_events(entries, |_, event| {
        if let Some(payload) = event.get("payload") {
            payloads.push(payload.clone());
        }
    })?;
    for payload in &payloads {
        if content.prompt.is_none() {
            content.prompt = text_artifact(run, payload, "promptArtifact", &mut content.missing);
        }
        if let Some(action) = payload.get("action") {
            content.action = Some(action.clone());
        }
    }
    if let Some(payload) = run.outcome_payload(attempt)? {
        content.error = payload
            .get("error")
            .and_then(Value::as_str)
            .map(str::to_string);
        content.raw_response =
            text_artifact(run, &payload, "rawResponseArtifact", &mut content.missing);
        content.stdout = text_artifact(run, &payload, "stdoutArtifact", &mut content.missing);
        content.stderr = text_artifact(run, &payload, "stderrArtifact", &mut content.missing);
        match crate::model::output_of_payload(&run.bundle, &payload) {
            Ok(output) => content.output = output,
            Err(err) => content.missing.push(err.to_string()),
        }
    }
    content.missing.sort();
    content.missing.dedup();
    Ok(content)
}

fn events_content(run: &Run, position: usize) -> Result<EventsContent, BundleError> {
    let attempt = &run.attempts[position];
    let trace = &run.bundle.trace;
    let mut content = EventsContent::default();
    let entries = &trace.entries()[attempt.entry_start..=attempt.entry_end];
    let mut offset = attempt.entry_start;
    run.bundle.read_events(entries, |entry, event| {
        let scope = event
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        content.trace.push(EventRow {
            seq: entry.seq,
            label: trace.type_name(offset).to_string(),
            detail: scope,
            body: event.get("payload").cloned().unwrap_or(Value::Null),
        });
        offset += 1;
    })?;
    if let Some(conversation) = run.conversation(attempt)? {
        if let (Some(first), Some(last), Some(files)) = (
            conversation.event_start_seq,
            conversation.event_end_seq,
            run.bundle.session(&conversation.session_id),
        ) {
            let index = files.index()?;
            files.read_events(
                &index.entries()[index.range(first, last)],
                |entry, event| {
                    let message = event.get("message").cloned().unwrap_or(Value::Null);
                    let what = message
                        .get("method")
                        .and_then(Value::as_str)
                        .map(|m| {
                            match message
                                .pointer("/params/update/sessionUpdate")
                                .and_then(Value::as_str)
                            {
                                Some(update) => format!("{m} {update}"),
                                None => m.to_string(),
                            }
                        })
                        .unwrap_or_else(|| match message.get("error") {
                            Some(_) => "error response".to_string(),
                            None => "response".to_string(),
                        });
                    content.session.push(EventRow {
                        seq: entry.seq,
                        label: what,
                        detail: entry.direction.name().to_string(),
                        body: message,
                    });
                },
            )?;
            content.session_id = Some(conversation.session_id);
        }
    }
    Ok(content)
}
