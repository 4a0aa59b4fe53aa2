//! What the inspector shows for a step, computed off the UI thread: reading
//! payloads, artifacts and session events is I/O, so a worker builds an
//! `InspectContent` and the UI only turns it into lines.
//!
//! Whatever the input, what is built is bounded: long lists of events keep
//! their head and tail with a count of what lies between, artifacts their
//! first and last lines, conversations are folded in windows. The whole
//! of anything stays on disk, for the pager (`PagerSource`). A build that a
//! newer request overtakes stops at its next check of `cancelled`.

mod attempt;
mod events;

use std::collections::HashMap;
use std::sync::Arc;

use crate::bundle::BundleError;
use crate::model::conversation::transcript_window;
use crate::model::{Run, TranscriptItem};

pub use attempt::{ArtifactText, AttemptContent};
pub use events::{EventRow, EventsContent, Hidden, EVENT_WINDOW};

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

/// Where the whole of something shown in part lives, for the pager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagerSource {
    /// A bundle-relative artifact path.
    Artifact(String),
    /// Trace events at entry positions `first..=last`, as pretty JSON.
    TraceEvents { first: usize, last: usize },
    /// The value at a JSON pointer inside one trace event (an inline output).
    TraceValue { entry: usize, pointer: String },
    /// Session events with seq in `first..=last`, as pretty JSON.
    SessionEvents {
        session: String,
        first: u32,
        last: u32,
    },
    /// An edit from the conversation, as a whole unified diff.
    Diff {
        path: String,
        old: Option<String>,
        new: String,
    },
    /// Text from the conversation shown in part (terminal output, an
    /// embedded resource).
    Text(String),
}

/// Polled by long builds: true once a newer request has replaced this one.
pub type Cancelled<'a> = &'a dyn Fn() -> bool;

/// Sessions up to this many events are folded whole and cached.
const WHOLE_SESSION_LIMIT: usize = 50_000;
/// Events folded before a step's slice in larger sessions.
const WINDOW_EVENTS: u32 = 2_000;

/// Whole-session transcripts kept between calls (the sessions viewed last).
const CACHED_SESSIONS: usize = 8;

/// Builds inspector content; keeps whole-session transcripts between calls
/// so stepping through a long session folds its events once.
#[derive(Default)]
pub struct Inspector {
    transcripts: HashMap<String, Arc<Vec<TranscriptItem>>>,
    /// Session ids in the order they were cached (oldest first).
    cached: Vec<String>,
}

impl Inspector {
    pub fn inspect(&mut self, run: &Run, request: &InspectRequest) -> InspectContent {
        self.inspect_until(run, request, &|| false)
            .unwrap_or_else(|| InspectContent::Empty("cancelled".to_string()))
    }

    /// `inspect`, giving up (`None`) once `cancelled` says a newer request
    /// has replaced this one.
    pub fn inspect_until(
        &mut self,
        run: &Run,
        request: &InspectRequest,
        cancelled: Cancelled,
    ) -> Option<InspectContent> {
        let Some(attempt) = run.attempts.get(request.attempt) else {
            return Some(InspectContent::Empty("no step selected".to_string()));
        };
        let result = match request.tab {
            InspectorTab::Session => self.session(run, request),
            InspectorTab::Attempt => attempt::attempt_content(run, request.attempt, cancelled)
                .map(|c| InspectContent::Attempt(Box::new(c))),
            InspectorTab::Events => {
                events::events_content(run, request.attempt).map(InspectContent::Events)
            }
        };
        if cancelled() {
            return None;
        }
        Some(result.unwrap_or_else(|err| {
            InspectContent::Empty(format!("{}: {err}", run.attempt_id(attempt)))
        }))
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
            .and_then(|i| run.conversation_span(&run.attempts[i]).ok().flatten())
            .map(|(_, first, last)| (first, last));
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
                    let built = Arc::new(transcript_window(files, 1, last, WHOLE_SESSION_LIMIT)?);
                    self.cache(&session_id, built.clone());
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
            let window = crate::model::conversation::FOLD_WINDOW;
            (
                Arc::new(transcript_window(files, start, end, window)?),
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

impl Inspector {
    fn cache(&mut self, session_id: &str, transcript: Arc<Vec<TranscriptItem>>) {
        if self.cached.len() >= CACHED_SESSIONS {
            let oldest = self.cached.remove(0);
            self.transcripts.remove(&oldest);
        }
        self.cached.push(session_id.to_string());
        self.transcripts.insert(session_id.to_string(), transcript);
    }
}

/// The last session event written by the time step `attempt` ended.
fn session_horizon(run: &Run, attempt: usize, session_id: &str) -> u32 {
    let Some(files) = run.bundle.session(session_id) else {
        return 0;
    };
    let Ok(index) = files.index() else { return 0 };
    let until = run.attempts[attempt]
        .finished_ms(&run.bundle.trace)
        .or(run.attempts[attempt].started_ms(&run.bundle.trace))
        .unwrap_or(i64::MAX);
    let entries = index.entries();
    entries
        .partition_point(|e| e.at_ms() <= until)
        .checked_sub(1)
        .map_or(0, |i| entries[i].seq)
}

pub fn item_seq(item: &TranscriptItem) -> u32 {
    item.seq()
}
