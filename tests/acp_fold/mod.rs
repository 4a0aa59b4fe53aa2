//! ACP attempts of every bundle we have, and an independent fold of their
//! raw `events.ndjson` slices written from the ACP schema (not calling
//! reel), to compare with the conversation `reel state --json` prints.

// Each test crate uses part of it.
#![allow(dead_code)]

pub mod actual;
pub mod expected;
pub mod kinds;

use crate::common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The bundles with ACP content made for this: four acpx 0.19.1 runs.
pub fn rich_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acp-rich")
}

/// Every bundle: the shared ones, the project's, and the rich ACP ones.
pub fn bundles() -> Vec<PathBuf> {
    let mut all = all_bundles();
    let rich = find_bundles(&rich_root());
    assert!(!rich.is_empty(), "tests/fixtures/acp-rich has no bundle");
    all.extend(rich);
    all
}

/// One ACP attempt that has a `conversation` range in its `node_outcome`.
pub struct Case {
    pub bundle: PathBuf,
    pub attempt: Attempt,
    pub session_id: String,
    pub start: u64,
    pub end: u64,
    /// The session events with `start <= seq <= end`, in file order.
    pub events: Vec<Value>,
}

impl Case {
    pub fn name(&self) -> String {
        format!("{} {}", short(&self.bundle), self.attempt.attempt_id)
    }

    pub fn is_rich(&self) -> bool {
        self.bundle.starts_with(rich_root())
    }

    pub fn updates(&self) -> impl Iterator<Item = &Value> {
        self.events.iter().filter_map(|e| {
            let m = e.get("message")?;
            if m.get("method")?.as_str()? == "session/update" {
                m.pointer("/params/update")
            } else {
                None
            }
        })
    }

    pub fn updates_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.updates()
            .filter(move |u| u.get("sessionUpdate").and_then(Value::as_str) == Some(kind))
    }

    pub fn requests_of<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter_map(move |e| {
            let m = e.get("message")?;
            (m.get("method")?.as_str()? == method && m.get("id").is_some()).then_some(m)
        })
    }

    pub fn chunk_text(&self, kind: &str) -> String {
        self.updates_of(kind)
            .filter_map(|u| u.pointer("/content/text").and_then(Value::as_str))
            .collect()
    }

    /// `reel state <bundle> --at <attemptId> --json` → its `conversation`.
    pub fn conversation(&self) -> Result<Value, String> {
        let v = try_reel_json([
            "state".as_ref(),
            self.bundle.as_os_str(),
            "--at".as_ref(),
            self.attempt.attempt_id.as_ref(),
            "--json".as_ref(),
        ])?;
        match v.get("conversation") {
            Some(c @ Value::Object(_)) => Ok(c.clone()),
            other => Err(format!("conversation is not an object: {other:?}")),
        }
    }
}

/// Every ACP attempt with an event range, and how many bundles were read.
pub fn collect_cases(bundles: &[PathBuf]) -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in bundles {
        let raw = RawBundle::load(dir);
        let mut session_events: HashMap<String, Vec<Value>> = HashMap::new();
        for attempt in raw.attempts() {
            let Some(conv) = attempt
                .outcome_payload
                .as_ref()
                .and_then(|p| p.get("conversation"))
                .filter(|c| c.is_object())
                .cloned()
            else {
                continue;
            };
            let session_id = str_of(&conv, "sessionId").unwrap_or("").to_string();
            let events_path = raw.events_path_for(&session_id);
            if !events_path.is_file() {
                continue;
            }
            let all = session_events
                .entry(session_id.clone())
                .or_insert_with(|| read_ndjson(&events_path));
            let start = conv["eventStartSeq"].as_u64().unwrap_or(0);
            let end = conv["eventEndSeq"].as_u64().unwrap_or(0);
            let events = all
                .iter()
                .filter(|e| (start..=end).contains(&seq_of(e)))
                .cloned()
                .collect();
            cases.push(Case {
                bundle: dir.clone(),
                attempt,
                session_id,
                start,
                end,
                events,
            });
        }
    }
    cases
}

pub fn items(conv: &Value) -> Vec<Value> {
    conv.get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub fn of_kind<'a>(items: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    items
        .iter()
        .filter(move |i| i.get("kind").and_then(Value::as_str) == Some(kind))
}

/// A block is text when `type` is `text`, or absent with a `text` string.
pub fn is_text_block(block: &Value) -> bool {
    match block.get("type").and_then(Value::as_str) {
        Some("text") => true,
        None => block.get("text").is_some_and(Value::is_string),
        Some(_) => false,
    }
}

/// The text of each `kind` item: its text blocks, a prompt's one per
/// line, chunks concatenated.
pub fn texts(items: &[Value], kind: &str) -> Vec<String> {
    let separator = if kind == "user" { "\n" } else { "" };
    of_kind(items, kind)
        .map(|i| {
            i.get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|b| is_text_block(b))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(separator)
        })
        .collect()
}
