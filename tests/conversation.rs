//! The conversation that `reel state --json` rebuilds for ACP attempts,
//! checked against the artifacts acpx wrote and against the raw
//! `sessions/<id>/events.ndjson` notifications.
//!
//! acpx writes `rawResponseArtifact` as all `agent_message_chunk` texts of the
//! turn joined and then `.trim()`med (`createQuietCaptureOutput().read()` in
//! acpx 0.19.1), so agent text is compared after trimming both sides; the
//! prompt is compared the same way.

mod common;

use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// One ACP attempt that has a `conversation` range in its `node_outcome`.
struct Case {
    bundle: PathBuf,
    attempt: Attempt,
    session_id: String,
    start: u64,
    end: u64,
    /// The session events with `start <= seq <= end`, in file order.
    events: Vec<Value>,
}

impl Case {
    fn name(&self) -> String {
        format!("{} {}", short(&self.bundle), self.attempt.attempt_id)
    }

    fn updates(&self) -> impl Iterator<Item = &Value> {
        self.events.iter().filter_map(|e| {
            let m = e.get("message")?;
            if m.get("method")?.as_str()? == "session/update" {
                m.pointer("/params/update")
            } else {
                None
            }
        })
    }

    fn updates_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.updates()
            .filter(move |u| u.get("sessionUpdate").and_then(Value::as_str) == Some(kind))
    }

    fn requests_of<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter_map(move |e| {
            let m = e.get("message")?;
            (m.get("method")?.as_str()? == method && m.get("id").is_some()).then_some(m)
        })
    }

    fn chunk_text(&self, kind: &str) -> String {
        self.updates_of(kind)
            .filter_map(|u| u.pointer("/content/text").and_then(Value::as_str))
            .collect()
    }
}

fn collect_cases() -> (Vec<Case>, usize) {
    let bundles = all_bundles();
    let mut cases = Vec::new();
    for dir in &bundles {
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
    (cases, bundles.len())
}

/// `reel state <bundle> --at <attemptId> --json` → its `conversation`.
fn conversation_of(case: &Case) -> Result<Value, String> {
    let v = try_reel_json([
        "state".as_ref(),
        case.bundle.as_os_str(),
        "--at".as_ref(),
        case.attempt.attempt_id.as_ref(),
        "--json".as_ref(),
    ])?;
    match v.get("conversation") {
        Some(c @ Value::Object(_)) => Ok(c.clone()),
        other => Err(format!("conversation is not an object: {other:?}")),
    }
}

fn items(conv: &Value) -> Vec<Value> {
    conv.get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn of_kind<'a>(items: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    items
        .iter()
        .filter(move |i| i.get("kind").and_then(Value::as_str) == Some(kind))
}

/// The text of each `kind` item: its text blocks (a block with no `type`
/// but a `text` is text too), a prompt's one per line, chunks concatenated.
fn texts(items: &[Value], kind: &str) -> Vec<String> {
    let separator = if kind == "user" { "\n" } else { "" };
    of_kind(items, kind)
        .map(|i| {
            i.get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|b| matches!(b.get("type").and_then(Value::as_str), Some("text") | None))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(separator)
        })
        .collect()
}

fn snippet(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 160 {
        return format!("{s:?}");
    }
    let head: String = chars[..80].iter().collect();
    let tail: String = chars[chars.len() - 80..].iter().collect();
    format!("{head:?}…{tail:?} ({} chars)", chars.len())
}

#[test]
fn agent_and_user_text_match_artifacts() {
    let (cases, bundles) = collect_cases();
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| {
            c.attempt
                .artifact_text(&c.bundle, "rawResponseArtifact")
                .is_some()
        })
        .collect();
    let results = par_map(&cases, |case| {
        let name = case.name();
        let mut errs = Vec::new();
        let conv = match conversation_of(case) {
            Ok(c) => c,
            Err(e) => return (vec![format!("{name}: {e}")], 0),
        };
        // The range is the one recorded for the attempt.
        for (key, want) in [
            ("sessionId", Value::from(case.session_id.clone())),
            ("eventStartSeq", Value::from(case.start)),
            ("eventEndSeq", Value::from(case.end)),
        ] {
            if conv.get(key) != Some(&want) {
                errs.push(format!(
                    "{name}: conversation.{key} = {:?}, expected {want}",
                    conv.get(key)
                ));
            }
        }
        let items = items(&conv);

        let raw = case
            .attempt
            .artifact_text(&case.bundle, "rawResponseArtifact")
            .unwrap();
        let agent: String = texts(&items, "agent").concat();
        if agent.trim() != raw.trim() {
            errs.push(format!(
                "{name}: agent text {} != rawResponseArtifact {}",
                snippet(agent.trim()),
                snippet(raw.trim())
            ));
        }

        let prompts = case.requests_of("session/prompt").count();
        let users = texts(&items, "user");
        if users.len() != prompts {
            errs.push(format!(
                "{name}: {} user item(s), expected {prompts} (one per session/prompt)",
                users.len()
            ));
        }
        if let Some(prompt) = case.attempt.artifact_text(&case.bundle, "promptArtifact") {
            match users.first() {
                Some(u) if u.trim() == prompt.trim() => {}
                Some(u) => errs.push(format!(
                    "{name}: user text {} != promptArtifact {}",
                    snippet(u.trim()),
                    snippet(prompt.trim())
                )),
                None => errs.push(format!("{name}: no user item")),
            }
        }
        (errs, agent.trim().chars().count())
    });

    let checked = results.len();
    let longest = results.iter().map(|r| r.1).max().unwrap_or(0);
    let over_8000 = results.iter().filter(|r| r.1 > 8000).count();
    let errs: Vec<String> = results.into_iter().flat_map(|r| r.0).collect();

    // Longest sessions (number of turns = session/prompt requests).
    let mut turns: HashMap<String, usize> = HashMap::new();
    for c in &cases {
        *turns
            .entry(format!("{} {}", short(&c.bundle), c.session_id))
            .or_default() += 1;
    }
    let max_turns = turns.values().copied().max().unwrap_or(0);
    println!(
        "checked {checked} ACP attempt(s) with a raw response; longest agent text {longest} chars; \
         {over_8000} over 8000 chars; most turns in one session: {max_turns}"
    );
    finish("conversation text", errs);

    // If any bundle holds a raw response longer than 8000 bytes, at least one
    // long text must have been compared.
    let long_artifact = cases.iter().any(|c| {
        c.attempt
            .artifact_text(&c.bundle, "rawResponseArtifact")
            .map(|t| t.trim().chars().count() > 8000)
            .unwrap_or(false)
    });
    if long_artifact {
        assert!(over_8000 > 0, "no agent text over 8000 chars was checked");
    } else {
        println!("note: no bundle has a raw response over 8000 chars yet");
    }
    assert_checked_some(bundles);
    assert!(checked > 0, "no ACP attempt was checked");
}

#[test]
fn tool_calls_match_session_updates() {
    let (cases, bundles) = collect_cases();
    let results = par_map(&cases, |case| {
        let name = case.name();
        let conv = match conversation_of(case) {
            Ok(c) => c,
            Err(e) => return vec![format!("{name}: {e}")],
        };
        let items = items(&conv);
        let mut errs = Vec::new();

        // Expected: one tool call per `tool_call` notification, in order;
        // final status = the last status sent for that id.
        let mut want_ids: Vec<String> = Vec::new();
        let mut want_status: HashMap<String, Value> = HashMap::new();
        for u in case.updates() {
            let kind = u.get("sessionUpdate").and_then(Value::as_str);
            let Some(id) = u.get("toolCallId").and_then(Value::as_str) else {
                continue;
            };
            if kind == Some("tool_call") {
                want_ids.push(id.to_string());
            }
            if matches!(kind, Some("tool_call" | "tool_call_update")) {
                if let Some(s) = u.get("status") {
                    want_status.insert(id.to_string(), s.clone());
                }
            }
        }
        let got: Vec<&Value> = of_kind(&items, "tool_call").collect();
        let got_ids: Vec<String> = got
            .iter()
            .map(|i| {
                i.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        if got_ids != want_ids {
            errs.push(format!(
                "{name}: tool_call ids {got_ids:?}, expected {want_ids:?}"
            ));
        }
        for item in &got {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("");
            if let Some(want) = want_status.get(id) {
                if item.get("status") != Some(want) {
                    errs.push(format!(
                        "{name}: tool call {id} status {:?}, expected {want}",
                        item.get("status")
                    ));
                }
            }
            if item.get("title").is_none() {
                errs.push(format!("{name}: tool call {id} has no title"));
            }
        }
        errs
    });
    let covered: Vec<String> = cases
        .iter()
        .filter(|c| c.updates_of("tool_call").next().is_some())
        .map(|c| short(&c.bundle))
        .collect();
    println!(
        "checked {} ACP attempt(s), {} with tool calls",
        cases.len(),
        covered.len()
    );
    finish("tool calls", results.into_iter().flatten().collect());
    // The shared bundles by folder name, or the project's samples of them.
    for name in ["acp-echo", "branching-review"] {
        let sample = format!("-gen-{name}-");
        assert!(
            covered
                .iter()
                .any(|c| c.ends_with(name) || c.contains(&sample)),
            "no tool call of {name} was checked"
        );
    }
    assert_checked_some(bundles);
}

#[test]
fn thoughts_plans_usage_and_permissions_are_kept() {
    let (cases, bundles) = collect_cases();
    let results = par_map(&cases, |case| {
        let name = case.name();
        let conv = match conversation_of(case) {
            Ok(c) => c,
            Err(e) => return vec![format!("{name}: {e}")],
        };
        let items = items(&conv);
        let mut errs = Vec::new();

        let thought = texts(&items, "thought").concat();
        let want_thought = case.chunk_text("agent_thought_chunk");
        if thought != want_thought {
            errs.push(format!(
                "{name}: thought text {}, expected {}",
                snippet(&thought),
                snippet(&want_thought)
            ));
        }

        let plans: Vec<&Value> = of_kind(&items, "plan").collect();
        match case.updates_of("plan").last() {
            Some(want) => match plans.last() {
                Some(p) if p.get("entries") == want.get("entries") => {}
                Some(p) => errs.push(format!(
                    "{name}: plan entries {:?}, expected {:?}",
                    p.get("entries"),
                    want.get("entries")
                )),
                None => errs.push(format!("{name}: the plan update is missing")),
            },
            None if !plans.is_empty() => {
                errs.push(format!("{name}: plan item(s) without a plan update"))
            }
            None => {}
        }

        let want_usage = case.updates_of("usage_update").next().is_some();
        let got_usage = of_kind(&items, "usage").next().is_some();
        if want_usage != got_usage {
            errs.push(format!(
                "{name}: usage item present = {got_usage}, usage_update sent = {want_usage}"
            ));
        }

        let want_perm = case.requests_of("session/request_permission").count();
        let got_perm = of_kind(&items, "permission").count();
        if want_perm != got_perm {
            errs.push(format!(
                "{name}: {got_perm} permission item(s), expected {want_perm}"
            ));
        }
        errs
    });
    println!("checked {} ACP attempt(s)", cases.len());
    finish(
        "conversation items",
        results.into_iter().flatten().collect(),
    );
    assert_checked_some(bundles);
}
