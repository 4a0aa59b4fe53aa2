//! The Events tab's content: the step's trace events and the JSON-RPC
//! messages of its session slice. A step may have millions of either (a
//! heartbeat every second for days, a turn of millions of chunks): the
//! first and last `EVENT_WINDOW` of each list are read, the rest counted.
//! Bodies are parsed within a byte budget; a larger one is only named.

use serde_json::Value;

use crate::bundle::capped::Capped;
use crate::bundle::session::SessionEntry;
use crate::bundle::{BundleError, TraceEntry};
use crate::model::Run;

/// Events shown at each end of a long list.
pub const EVENT_WINDOW: usize = 200;
/// The largest event whose body is parsed for the list.
const BODY_CAP: usize = 1 << 20;
/// Bytes of bodies parsed per list; later ones are left for the pager.
const BODY_BUDGET: usize = 8 << 20;

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: u32,
    pub label: String,
    pub detail: String,
    /// The event's payload (trace) or message (session); `Null` when not
    /// loaded.
    pub body: Value,
    /// Size of the event's line.
    pub bytes: u32,
    /// The body was too large for the list (the pager shows it).
    pub unloaded: bool,
}

/// Rows left out of a list: they would come after row `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden {
    pub after: usize,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventsContent {
    pub trace: Vec<EventRow>,
    pub trace_hidden: Option<Hidden>,
    /// Trace entry positions of the step, `first..=last` (for the pager).
    pub trace_entries: Option<(usize, usize)>,
    pub session_id: Option<String>,
    pub session: Vec<EventRow>,
    pub session_hidden: Option<Hidden>,
    /// Session event seqs of the step, `first..=last` (for the pager).
    pub session_range: Option<(u32, u32)>,
}

impl EventsContent {
    /// Every trace event of the step, shown or not.
    pub fn trace_total(&self) -> usize {
        self.trace.len() + self.trace_hidden.map_or(0, |h| h.count)
    }

    pub fn session_total(&self) -> usize {
        self.session.len() + self.session_hidden.map_or(0, |h| h.count)
    }
}

/// The two ends of a long list, and how many lie between them.
fn ends<T>(items: &[T]) -> (&[T], &[T], Option<Hidden>) {
    if items.len() <= 2 * EVENT_WINDOW {
        return (items, &[], None);
    }
    let hidden = Hidden {
        after: EVENT_WINDOW,
        count: items.len() - 2 * EVENT_WINDOW,
    };
    (
        &items[..EVENT_WINDOW],
        &items[items.len() - EVENT_WINDOW..],
        Some(hidden),
    )
}

/// Spends the body budget: whether a line of `len` bytes may be parsed.
struct Budget(usize);

impl Budget {
    fn cap(&self) -> usize {
        BODY_CAP.min(self.0)
    }

    fn spend(&mut self, len: u32) {
        self.0 = self.0.saturating_sub(len as usize);
    }
}

pub(super) fn events_content(run: &Run, position: usize) -> Result<EventsContent, BundleError> {
    let attempt = &run.attempts[position];
    let mut content = EventsContent {
        trace_entries: Some((attempt.entry_start(), attempt.entry_end())),
        ..EventsContent::default()
    };
    let entries = &run.bundle.trace.entries()[attempt.entry_start()..=attempt.entry_end()];
    let (head, tail, hidden) = ends(entries);
    content.trace_hidden = hidden;
    let mut budget = Budget(BODY_BUDGET);
    for (part, first) in [
        (head, attempt.entry_start()),
        (tail, attempt.entry_end() + 1 - tail.len()),
    ] {
        trace_rows(run, part, first, &mut budget, &mut content.trace)?;
    }
    if let Some((session_id, first, last)) = run.conversation_span(attempt)? {
        if let Some(files) = run.bundle.session(&session_id) {
            let index = files.index()?;
            let entries = &index.entries()[index.range(first, last)];
            let (head, tail, hidden) = ends(entries);
            content.session_hidden = hidden;
            let mut budget = Budget(BODY_BUDGET);
            for part in [head, tail] {
                session_rows(files, index, part, &mut budget, &mut content.session)?;
            }
            content.session_id = Some(session_id);
            content.session_range = Some((first, last));
        }
    }
    Ok(content)
}

fn trace_rows(
    run: &Run,
    entries: &[TraceEntry],
    first: usize,
    budget: &mut Budget,
    rows: &mut Vec<EventRow>,
) -> Result<(), BundleError> {
    let trace = &run.bundle.trace;
    let mut position = first;
    // Read in slices so the budget applies as it is spent.
    for slice in entries.chunks(64) {
        run.bundle
            .read_events_capped(slice, budget.cap(), |entry, event| {
                let label = trace.type_name(position).to_string();
                position += 1;
                rows.push(match event {
                    Capped::Parsed(mut event) => {
                        budget.spend(entry.len);
                        EventRow {
                            seq: entry.seq,
                            label,
                            detail: event
                                .get("scope")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                            body: event
                                .get_mut("payload")
                                .map(Value::take)
                                .unwrap_or(Value::Null),
                            bytes: entry.len,
                            unloaded: false,
                        }
                    }
                    Capped::TooLarge(bytes) => EventRow {
                        seq: entry.seq,
                        label,
                        detail: String::new(),
                        body: Value::Null,
                        bytes,
                        unloaded: true,
                    },
                });
            })?;
    }
    Ok(())
}

fn session_rows(
    files: &crate::bundle::SessionFiles,
    index: &crate::bundle::SessionIndex,
    entries: &[SessionEntry],
    budget: &mut Budget,
    rows: &mut Vec<EventRow>,
) -> Result<(), BundleError> {
    for slice in entries.chunks(64) {
        files.read_events_capped(slice, budget.cap(), |entry, event| {
            let detail = entry.direction.name().to_string();
            rows.push(match event {
                Capped::Parsed(mut event) => {
                    budget.spend(entry.len);
                    let message = event
                        .get_mut("message")
                        .map(Value::take)
                        .unwrap_or(Value::Null);
                    EventRow {
                        seq: entry.seq,
                        label: message_label(&message),
                        detail,
                        body: message,
                        bytes: entry.len,
                        unloaded: false,
                    }
                }
                Capped::TooLarge(bytes) => EventRow {
                    seq: entry.seq,
                    label: indexed_label(index, entry),
                    detail,
                    body: Value::Null,
                    bytes,
                    unloaded: true,
                },
            });
        })?;
    }
    Ok(())
}

/// `session/update agent_message_chunk`, `session/prompt`, `response` ….
fn message_label(message: &Value) -> String {
    match message.get("method").and_then(Value::as_str) {
        Some(method) => match message
            .pointer("/params/update/sessionUpdate")
            .and_then(Value::as_str)
        {
            Some(update) => format!("{method} {update}"),
            None => method.to_string(),
        },
        None => match message.get("error") {
            Some(_) => "error response".to_string(),
            None => "response".to_string(),
        },
    }
}

/// The label of an event not read, from what its index entry knows.
fn indexed_label(index: &crate::bundle::SessionIndex, entry: &SessionEntry) -> String {
    match (entry.method, entry.update) {
        (Some(method), Some(update)) => {
            format!("{} {}", index.resolve(method), index.resolve(update))
        }
        (Some(method), None) => index.resolve(method).to_string(),
        _ => "response".to_string(),
    }
}
