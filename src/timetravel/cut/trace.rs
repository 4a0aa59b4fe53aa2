//! The trace prefix of a cut: the source's lines up to the last kept event,
//! byte for byte but for `runId`, then one closing event. While the lines go
//! by, the few that matter later are decoded (outcomes, conversation links,
//! session bindings, artifact references); the rest are never parsed.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::files;
use crate::bundle::intern::Sym;
use crate::bundle::ndjson::read_at;
use crate::bundle::ref_skim::refs_in_line;
use crate::bundle::{BundleError, EventKind, TraceEntry};
use crate::model::Run;
use crate::timetravel::{Result, TimeTravelError};

/// Lines are read in spans of about this many bytes.
const SPAN: u64 = 4 << 20;

/// `FlowConversationTrace` of a kept attempt: its session and, when recorded,
/// the last session event seq it used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub session: String,
    pub event_end: Option<u32>,
}

/// What the trace pass learned about the kept prefix.
#[derive(Debug, Default)]
pub(crate) struct TraceCut {
    /// Kept source lines (the closing event not counted).
    pub lines: usize,
    pub refs: BTreeSet<String>,
    /// Per kept attempt (by position): its conversation link, if any.
    pub links: Vec<Option<Link>>,
    /// Sessions whose `session_bound` event is kept, in trace order.
    pub bound: Vec<String>,
    /// Per kept attempt: its `node_outcome` payload (only when asked for).
    pub outcomes: Vec<Option<Value>>,
    /// The `run_started` payload.
    pub run_started: Option<Value>,
}

/// Writes `trace.ndjson` of the cut into `dest` and returns what it saw.
/// `closing` is the compact JSON of the appended event.
pub(crate) fn write_trace(
    run: &Run,
    last: usize,
    run_id: &str,
    closing: &str,
    keep_outcomes: bool,
    dest: &Path,
    dirs: &mut files::Dirs,
) -> Result<TraceCut> {
    let bundle = &run.bundle;
    let entries = &bundle.trace.entries()[..=run.attempts[last].entry_end()];
    let kept: HashMap<Sym, usize> = run.attempts[..=last]
        .iter()
        .enumerate()
        .filter_map(|(position, a)| Some((a.attempt_sym(&bundle.trace)?, position)))
        .collect();
    let mut cut = TraceCut {
        links: vec![None; last + 1],
        outcomes: vec![None; if keep_outcomes { last + 1 } else { 0 }],
        ..TraceCut::default()
    };
    let new_id =
        serde_json::to_string(run_id).map_err(|e| TimeTravelError::Invalid(e.to_string()))?;
    let media = memchr::memmem::Finder::new(b"\"mediaType\"");
    let conversation = memchr::memmem::Finder::new(b"\"conversation\"");
    let source = &bundle.paths.trace;
    let mut writer = files::create(dest)?;
    let mut line = Vec::new();
    let mut refs = Vec::new();
    let (file, _) = bundle.open_file(source)?;
    for_each_line(&file, source, entries, |entry, raw| {
        line.clear();
        with_run_id(raw, &new_id, &mut line).map_err(|e| BundleError::json(source, &e))?;
        line.push(b'\n');
        writer
            .write_all(&line)
            .map_err(|e| TimeTravelError::io(dest, e))?;
        cut.lines += 1;
        if media.find(raw).is_some() {
            refs.clear();
            refs_in_line(raw, &mut refs).map_err(|e| BundleError::json(source, &e))?;
            cut.refs.extend(refs.drain(..));
        }
        let position = entry.attempt.and_then(|a| kept.get(&a).copied());
        let needs_payload = entry.kind == EventKind::RunStarted
            || (entry.kind == EventKind::NodeOutcome && keep_outcomes);
        let wanted = match entry.kind {
            EventKind::RunStarted => cut.run_started.is_none(),
            EventKind::SessionBound => true,
            // Only a conversation is read from these: a line that does not
            // name one (no such key, not even escaped) has none. The index
            // checked every line when the run was opened.
            EventKind::NodeOutcome | EventKind::AcpResponseParsed => {
                position.is_some()
                    && (needs_payload
                        || conversation.find(raw).is_some()
                        || memchr::memchr(b'\\', raw).is_some())
            }
            _ => false,
        };
        if !wanted {
            return Ok(());
        }
        // Most decoded lines need two or three fields: read just those,
        // unless the line is not shaped as acpx writes it.
        let facts = match needs_payload {
            false => serde_json::from_slice::<Facts>(raw).ok(),
            true => None,
        };
        let event = match facts {
            Some(facts) => Decoded::Facts(facts),
            None => Decoded::Whole(
                serde_json::from_slice(raw).map_err(|e| BundleError::json(source, &e))?,
            ),
        };
        match (entry.kind, position) {
            (EventKind::RunStarted, _) => cut.run_started = event.payload().cloned(),
            (EventKind::SessionBound, _) => {
                if let Some(id) = event.bound_session() {
                    if !cut.bound.iter().any(|b| b == id) {
                        cut.bound.push(id.to_string());
                    }
                }
            }
            (EventKind::NodeOutcome | EventKind::AcpResponseParsed, Some(position)) => {
                if let Some(link) = event.link() {
                    cut.links[position] = Some(link);
                }
                if entry.kind == EventKind::NodeOutcome && keep_outcomes {
                    cut.outcomes[position] = event.payload().cloned();
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    writer
        .write_all(closing.as_bytes())
        .and_then(|()| writer.write_all(b"\n"))
        .map_err(|e| TimeTravelError::io(dest, e))?;
    files::finish_later(writer, dest, dirs)?;
    Ok(cut)
}

/// The few fields of a trace line the cut reads, when they have the types
/// acpx writes (else the line is decoded whole, and judged the same way).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Facts {
    /// `Some` whenever the key is there (`null` too: it then hides the
    /// payload's, as in the whole event).
    #[serde(default, deserialize_with = "present")]
    session_id: Option<Value>,
    #[serde(default)]
    payload: Option<FactsPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FactsPayload {
    #[serde(default)]
    session_id: Option<Value>,
    #[serde(default)]
    conversation: Option<Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

enum Decoded {
    Facts(Facts),
    Whole(Value),
}

impl Decoded {
    fn payload(&self) -> Option<&Value> {
        match self {
            Decoded::Whole(event) => event.get("payload"),
            Decoded::Facts(_) => None,
        }
    }

    /// `sessionId` of a `session_bound`: the envelope's, else the payload's.
    fn bound_session(&self) -> Option<&str> {
        let id = match self {
            Decoded::Whole(event) => event
                .get("sessionId")
                .or_else(|| event.get("payload").and_then(|p| p.get("sessionId"))),
            Decoded::Facts(facts) => facts
                .session_id
                .as_ref()
                .or_else(|| facts.payload.as_ref().and_then(|p| p.session_id.as_ref())),
        };
        id.and_then(Value::as_str)
    }

    fn link(&self) -> Option<Link> {
        let conversation = match self {
            Decoded::Whole(event) => event.get("payload")?.get("conversation"),
            Decoded::Facts(facts) => facts.payload.as_ref()?.conversation.as_ref(),
        };
        link_of(conversation?)
    }
}

fn link_of(conversation: &Value) -> Option<Link> {
    Some(Link {
        session: conversation.get("sessionId")?.as_str()?.to_string(),
        event_end: conversation
            .get("eventEndSeq")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
    })
}

/// Calls `each` with the bytes of every entry's line, reading the file in
/// spans of consecutive lines (one read per few megabytes).
fn for_each_line(
    file: &File,
    path: &Path,
    entries: &[TraceEntry],
    mut each: impl FnMut(&TraceEntry, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut first = 0;
    while first < entries.len() {
        let start = entries[first].offset();
        let mut end = first + 1;
        while end < entries.len() && line_end(&entries[end]) - start <= SPAN {
            end += 1;
        }
        let length = usize::try_from(line_end(&entries[end - 1]) - start)
            .map_err(|_| TimeTravelError::Invalid(format!("{}: span too large", path.display())))?;
        let bytes = read_at(file, start, length).map_err(|e| TimeTravelError::io(path, e))?;
        for entry in &entries[first..end] {
            let from = (entry.offset() - start) as usize;
            let raw = bytes.get(from..from + entry.len as usize).ok_or_else(|| {
                TimeTravelError::Bundle(BundleError::invalid(
                    path,
                    "the file changed while it was read",
                ))
            })?;
            each(entry, raw)?;
        }
        first = end;
    }
    Ok(())
}

fn line_end(entry: &TraceEntry) -> u64 {
    entry.offset() + u64::from(entry.len)
}

/// `raw` with its top-level `runId` set to `new_id` (a JSON string literal).
/// The value is replaced in place, so every other byte stays as acpx wrote
/// it; a line whose `runId` cannot be found that way is re-serialized.
pub(crate) fn with_run_id(
    raw: &[u8],
    new_id: &str,
    out: &mut Vec<u8>,
) -> std::result::Result<(), serde_json::Error> {
    if let Some((start, end)) = top_level_run_id(raw) {
        out.extend_from_slice(&raw[..start]);
        out.extend_from_slice(new_id.as_bytes());
        out.extend_from_slice(&raw[end..]);
        return Ok(());
    }
    let mut event: Value = serde_json::from_slice(raw)?;
    if let Value::Object(map) = &mut event {
        map.insert("runId".to_string(), serde_json::from_str(new_id)?);
    }
    serde_json::to_writer(out, &event)
}

/// The byte span of the string value of the object's own `runId` key.
fn top_level_run_id(raw: &[u8]) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut previous = 0u8;
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        match c {
            b'"' => {
                let end = string_end(raw, i)?;
                let is_key = depth == 1 && matches!(previous, b'{' | b',');
                if is_key && &raw[i + 1..end] == b"runId" {
                    let mut j = skip_space(raw, end + 1);
                    if raw.get(j) != Some(&b':') {
                        return None;
                    }
                    j = skip_space(raw, j + 1);
                    if raw.get(j) != Some(&b'"') {
                        return None;
                    }
                    return Some((j, string_end(raw, j)? + 1));
                }
                previous = b'"';
                i = end + 1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        previous = c;
        i += 1;
    }
    None
}

/// The position of the quote closing the string that opens at `start`.
fn string_end(raw: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < raw.len() {
        match raw[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn skip_space(raw: &[u8], mut i: usize) -> usize {
    while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(line: &str) -> String {
        let mut out = Vec::new();
        with_run_id(line.as_bytes(), "\"NEW\"", &mut out).expect("rewrite");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn only_the_top_level_run_id_changes() {
        assert_eq!(
            rewrite(r#"{"seq":1,"at":"x","runId":"old","payload":{"runId":"keep"}}"#),
            r#"{"seq":1,"at":"x","runId":"NEW","payload":{"runId":"keep"}}"#
        );
        // A nested runId before the top-level one, and a runId-like string value.
        assert_eq!(
            rewrite(r#"{"payload":{"runId":"keep"},"note":"runId","runId" : "o\"ld"}"#),
            r#"{"payload":{"runId":"keep"},"note":"runId","runId" : "NEW"}"#
        );
        assert_eq!(
            rewrite(r#"{"at":"\"runId\":\"x\"","runId":"old"}"#),
            r#"{"at":"\"runId\":\"x\"","runId":"NEW"}"#
        );
        // No runId (or not a string): set by re-serializing.
        assert_eq!(
            rewrite(r#"{"seq":2,"type":"t"}"#),
            r#"{"seq":2,"type":"t","runId":"NEW"}"#
        );
        assert_eq!(
            rewrite(r#"{"seq":2,"runId":null}"#),
            r#"{"seq":2,"runId":"NEW"}"#
        );
    }
}
