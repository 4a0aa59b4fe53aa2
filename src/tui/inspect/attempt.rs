//! The Attempt tab's content: the output, the action, and the text
//! artifacts (prompt, raw response, stdout, stderr) read in windows, so a
//! 2 GiB stdout costs its first and last 64 KiB.

use serde_json::Value;

use super::{Cancelled, PagerSource};
use crate::bundle::capped::Capped;
use crate::bundle::window::{TextWindow, TEXT_WINDOW};
use crate::bundle::{BundleError, EventKind};
use crate::model::conversation::FOLD_LINE_CAP;
use crate::model::Run;

/// Output artifacts up to this size are parsed and folded as JSON; larger
/// ones are shown as text, in a window.
pub const OUTPUT_FOLD_CAP: u64 = 8 << 20;
/// Events of the attempt read for prompt and action, at each end.
const PAYLOAD_EVENTS: usize = 500;

/// A text artifact as shown: its path and a window of its text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArtifactText {
    pub path: String,
    pub window: TextWindow,
}

impl ArtifactText {
    /// The whole text, when it was small enough to be read whole.
    pub fn whole(&self) -> Option<&str> {
        self.window.whole()
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttemptContent {
    pub attempt_id: String,
    pub node_type: String,
    pub outcome: String,
    pub started_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
    /// The output as JSON (inline, or an artifact small enough to fold).
    pub output: Option<Value>,
    /// An output artifact too large to fold: its text, in a window.
    pub output_text: Option<ArtifactText>,
    /// Where the whole output is (for the pager).
    pub output_source: Option<PagerSource>,
    pub prompt: Option<ArtifactText>,
    pub raw_response: Option<ArtifactText>,
    pub action: Option<Value>,
    pub stdout: Option<ArtifactText>,
    pub stderr: Option<ArtifactText>,
    /// Artifacts the payload names that could not be read.
    pub missing: Vec<String>,
}

fn text_artifact(
    run: &Run,
    payload: &Value,
    key: &str,
    missing: &mut Vec<String>,
    cancelled: Cancelled,
) -> Option<ArtifactText> {
    let path = payload.get(key)?.get("path")?.as_str()?;
    match run
        .bundle
        .read_artifact_window(path, TEXT_WINDOW, cancelled)
    {
        Ok(window) => Some(ArtifactText {
            path: path.to_string(),
            window,
        }),
        Err(_) => {
            missing.push(path.to_string());
            None
        }
    }
}

pub(super) fn attempt_content(
    run: &Run,
    position: usize,
    cancelled: Cancelled,
) -> Result<AttemptContent, BundleError> {
    let attempt = &run.attempts[position];
    let mut content = AttemptContent {
        attempt_id: run.attempt_id(attempt).to_string(),
        node_type: run.node_type(attempt).to_string(),
        outcome: attempt.outcome.name().to_string(),
        started_at: attempt
            .started_ms(&run.bundle.trace)
            .map(crate::bundle::timestamp::format_iso_millis),
        duration_ms: attempt.duration_ms(&run.bundle.trace),
        ..AttemptContent::default()
    };
    // The outcome carries everything; an unfinished attempt has only the
    // events written so far (prompt prepared, action prepared …).
    for payload in &payloads(run, position)? {
        if content.prompt.is_none() {
            content.prompt = text_artifact(
                run,
                payload,
                "promptArtifact",
                &mut content.missing,
                cancelled,
            );
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
        for (key, slot) in [
            ("rawResponseArtifact", &mut content.raw_response),
            ("stdoutArtifact", &mut content.stdout),
            ("stderrArtifact", &mut content.stderr),
        ] {
            *slot = text_artifact(run, &payload, key, &mut content.missing, cancelled);
        }
        output(
            run,
            attempt.outcome_entry(),
            &payload,
            &mut content,
            cancelled,
        );
    }
    content.missing.sort();
    content.missing.dedup();
    Ok(content)
}

/// The payloads of the attempt's events that may name its prompt or its
/// action: heartbeats are skipped, and of the rest only the first and last
/// `PAYLOAD_EVENTS` are read (an attempt may have millions of events).
fn payloads(run: &Run, position: usize) -> Result<Vec<Value>, BundleError> {
    let attempt = &run.attempts[position];
    let entries = run.bundle.trace.entries();
    let wanted = |&i: &usize| entries[i].kind != EventKind::NodeHeartbeat;
    let span = attempt.entry_start()..=attempt.entry_end();
    let head: Vec<usize> = span.clone().filter(wanted).take(PAYLOAD_EVENTS).collect();
    let after_head = head.last().map_or(attempt.entry_start(), |&i| i + 1);
    let mut tail: Vec<usize> = span
        .rev()
        .take_while(|&i| i >= after_head)
        .filter(wanted)
        .take(PAYLOAD_EVENTS)
        .collect();
    tail.reverse();
    let mut payloads = Vec::new();
    for group in [head, tail] {
        for run_of in consecutive(&group) {
            run.bundle.read_events_capped(
                &entries[run_of.clone()],
                FOLD_LINE_CAP,
                |_, event| {
                    if let Capped::Parsed(mut event) = event {
                        if let Some(payload) = event.get_mut("payload") {
                            payloads.push(payload.take());
                        }
                    }
                },
            )?;
        }
    }
    Ok(payloads)
}

/// Splits sorted positions into ranges of consecutive ones.
fn consecutive(positions: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for &i in positions {
        match ranges.last_mut() {
            Some(last) if last.end == i => last.end = i + 1,
            _ => ranges.push(i..i + 1),
        }
    }
    ranges
}

/// The output: inline JSON, an artifact small enough to fold, or the
/// window of a larger one.
fn output(
    run: &Run,
    outcome_entry: Option<usize>,
    payload: &Value,
    content: &mut AttemptContent,
    cancelled: Cancelled,
) {
    if payload.get("outputInline").is_some() {
        content.output_source = outcome_entry.map(|entry| PagerSource::TraceValue {
            entry,
            pointer: "/payload/outputInline".to_string(),
        });
    }
    let artifact = payload
        .get("outputArtifact")
        .and_then(|a| a.get("path"))
        .and_then(Value::as_str);
    if let (None, Some(path)) = (payload.get("outputInline"), artifact) {
        content.output_source = Some(PagerSource::Artifact(path.to_string()));
        if run
            .bundle
            .artifact_len(path)
            .is_ok_and(|len| len > OUTPUT_FOLD_CAP)
        {
            let mut missing = Vec::new();
            content.output_text =
                text_artifact(run, payload, "outputArtifact", &mut missing, cancelled);
            content.missing.extend(missing);
            return;
        }
    }
    match crate::model::output_of_payload(&run.bundle, payload) {
        Ok(output) => content.output = output,
        Err(err) => content.missing.push(err.to_string()),
    }
}
