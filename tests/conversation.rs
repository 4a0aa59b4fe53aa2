//! The conversation that `reel state --json` rebuilds for ACP attempts,
//! checked against the artifacts acpx wrote and against the raw
//! `sessions/<id>/events.ndjson` notifications.
//!
//! acpx writes `rawResponseArtifact` as all `agent_message_chunk` texts of the
//! turn joined and then `.trim()`med (`createQuietCaptureOutput().read()` in
//! acpx 0.19.1), so agent text is compared after trimming both sides; the
//! prompt is compared the same way. The full comparison with an independent
//! fold of the raw events is `conversation_acp.rs`.

mod acp_fold;
mod common;

use acp_fold::*;
use common::*;
use serde_json::Value;
use std::collections::HashMap;

fn collect_all() -> (Vec<Case>, usize) {
    let bundles = bundles();
    (collect_cases(&bundles), bundles.len())
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
    let (cases, bundles) = collect_all();
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
        let conv = match case.conversation() {
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
        // acpx renders non-text prompt blocks into the artifact its own way
        // (`[image] image/png`, a resource's text): then only the text
        // blocks, which come first, are compared.
        let only_text = of_kind(&items, "user").next().is_none_or(|u| {
            u["content"]
                .as_array()
                .is_none_or(|blocks| blocks.iter().all(is_text_block))
        });
        if let Some(prompt) = case.attempt.artifact_text(&case.bundle, "promptArtifact") {
            match users.first() {
                Some(u) if u.trim() == prompt.trim() => {}
                Some(u) if !only_text && prompt.starts_with(u.trim()) => {}
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
fn thoughts_plans_usage_and_permissions_are_kept() {
    let (cases, bundles) = collect_all();
    let results = par_map(&cases, |case| {
        let name = case.name();
        let conv = match case.conversation() {
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
