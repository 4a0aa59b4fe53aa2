//! Every kind `tests/fixtures/acp-rich/KINDS.json` lists (generated with
//! the fixtures: bundle, attempt, session, event seqs) appears in
//! `reel state --json` for that attempt, with its data: each listed event
//! is found in the items it must produce, and kinds that name a property
//! (an outcome, a stop reason, a pending wait, a new file) have it.

mod acp_fold;
mod common;

use acp_fold::kinds::*;
use acp_fold::*;
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The listed event at `seq` is in the items.
fn check_event(a: &AttemptView, seq: u64) -> Result<(), String> {
    let m = a.message(seq).ok_or("no such event")?;
    let method = m.get("method").and_then(Value::as_str);
    let is_request = method.is_some() && m.get("id").is_some_and(|id| !id.is_null());
    match (method, is_request) {
        (Some("session/update"), false) => check_update(a, seq, &m["params"]["update"]),
        (Some(method), true) => check_request(a, seq, method, m),
        (Some(_), false) => Ok(()),
        (None, _) => check_response(a, seq, m),
    }
}

fn check_update(a: &AttemptView, seq: u64, u: &Value) -> Result<(), String> {
    let kind = u["sessionUpdate"].as_str().unwrap_or("");
    let item_kind = match kind {
        "agent_message_chunk" => "agent",
        "agent_thought_chunk" => "thought",
        "user_message_chunk" => "user_message",
        "tool_call" | "tool_call_update" => {
            let call = a.tool_call(&u["toolCallId"]).ok_or("no tool call item")?;
            if let Some(sent) = u["content"].as_array() {
                let got = call["content"].as_array().cloned().unwrap_or_default();
                for item in sent {
                    if !got.iter().any(|g| same_tool_content(g, item)) {
                        return Err(format!("tool content {} missing", brief(item)));
                    }
                }
            }
            for field in ["title", "kind", "rawInput"] {
                let key = if field == "kind" { "toolKind" } else { field };
                if u.get(field).is_some() && call.get(key).is_none() {
                    return Err(format!("tool call has no {key}"));
                }
            }
            return Ok(());
        }
        "current_mode_update" => return same_fields(a, "current_mode", seq, u, &["currentModeId"]),
        "available_commands_update" => {
            return same_fields(a, "available_commands", seq, u, &["availableCommands"])
        }
        "config_option_update" => {
            return same_fields(a, "config_options", seq, u, &["configOptions"])
        }
        "session_info_update" => {
            return same_fields(a, "session_info", seq, u, &["title", "updatedAt"])
        }
        "plan" => {
            let found = of_kind(&a.items, "plan").any(|p| p["entries"] == u["entries"]);
            return found
                .then_some(())
                .ok_or_else(|| "no plan with these entries".into());
        }
        "usage_update" => return same_fields(a, "usage", seq, u, &["used", "size", "cost"]),
        other => return Err(format!("unchecked update {other}")),
    };
    let block = &u["content"];
    let found = of_kind(&a.items, item_kind).any(|i| {
        let blocks = i["content"].as_array().cloned().unwrap_or_default();
        if is_text_block(block) {
            let text: String = blocks
                .iter()
                .filter(|b| is_text_block(b))
                .filter_map(|b| b["text"].as_str())
                .collect();
            text.contains(block["text"].as_str().unwrap_or("\u{0}"))
                && (u.get("messageId").is_none() || i["messageId"] == u["messageId"])
        } else {
            blocks.iter().any(|b| without_cut(b) == *block)
        }
    });
    found
        .then_some(())
        .ok_or_else(|| format!("{item_kind} block {} not found", brief(block)))
}

fn same_fields(
    a: &AttemptView,
    kind: &str,
    seq: u64,
    sent: &Value,
    keys: &[&str],
) -> Result<(), String> {
    let item = a
        .at(kind, seq)
        .ok_or_else(|| format!("no {kind} item at #{seq}"))?;
    for key in keys {
        if item.get(*key) != sent.get(*key) {
            return Err(format!(
                "{kind}.{key} = {:?}, sent {:?}",
                item.get(*key),
                sent.get(*key)
            ));
        }
    }
    Ok(())
}

fn check_request(a: &AttemptView, seq: u64, method: &str, m: &Value) -> Result<(), String> {
    let params = &m["params"];
    match method {
        "session/prompt" => {
            let user = a.at("user", seq).ok_or("no user item")?;
            let got: Vec<Value> = user["content"]
                .as_array()
                .into_iter()
                .flatten()
                .map(without_cut)
                .collect();
            (Value::from(got) == params["prompt"])
                .then_some(())
                .ok_or_else(|| "prompt blocks differ".into())
        }
        "session/request_permission" => {
            let p = a.at("permission", seq).ok_or("no permission item")?;
            let sent: Vec<Value> = params["options"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| json!({"optionId": o["optionId"], "name": o["name"], "kind": o["kind"]}))
                .collect();
            if p["options"] != Value::from(sent) {
                return Err(format!("options {}", brief(&p["options"])));
            }
            let tool = &params["toolCall"];
            if let Some(id) = tool.get("toolCallId") {
                let call = a
                    .tool_call(id)
                    .ok_or("permission's tool call is not an item")?;
                if tool.get("title").is_some() && call["title"] != tool["title"] {
                    return Err(format!("tool call title {}", call["title"]));
                }
                for item in tool["content"].as_array().into_iter().flatten() {
                    let got = call["content"].as_array().cloned().unwrap_or_default();
                    if !got.iter().any(|g| same_tool_content(g, item)) {
                        return Err(format!("permission's tool content {} missing", brief(item)));
                    }
                }
            }
            Ok(())
        }
        "initialize" | "session/new" | "session/load" => a
            .at("connection", seq)
            .filter(|c| c["method"] == method)
            .map(|_| ())
            .ok_or_else(|| format!("no {method} connection item")),
        _ => {
            a.at("other", seq)
                .filter(|o| o["label"] == method)
                .ok_or_else(|| format!("no {method} item"))?;
            check_terminal_request(a, seq, method, params)
        }
    }
}

/// What a `terminal/*` request and its answer say is on the terminal content.
fn check_terminal_request(
    a: &AttemptView,
    seq: u64,
    method: &str,
    params: &Value,
) -> Result<(), String> {
    let response = a.response_to(seq);
    let result = response.and_then(|r| r.get("result"));
    let id = match (method, result) {
        ("terminal/create", Some(result)) => &result["terminalId"],
        ("terminal/create", None) => return Ok(()),
        _ if method.starts_with("terminal/") => &params["terminalId"],
        _ => return Ok(()),
    };
    // A terminal no tool call embeds has nowhere to show.
    let Some(terminal) = a.terminal(id) else {
        return Ok(());
    };
    let ok = match (method, result) {
        ("terminal/create", _) => terminal["command"] == params["command"],
        ("terminal/output", Some(r)) => terminal["output"] == r["output"],
        ("terminal/wait_for_exit", Some(r)) => {
            terminal["exitStatus"] == json!({"exitCode": r["exitCode"], "signal": r["signal"]})
        }
        ("terminal/wait_for_exit", None) => terminal["waitingForExit"] == true,
        ("terminal/release", Some(_)) => terminal["released"] == true,
        _ => true,
    };
    ok.then_some(()).ok_or_else(|| {
        format!(
            "terminal content {} does not show {method}",
            brief(terminal)
        )
    })
}

fn check_response(a: &AttemptView, seq: u64, m: &Value) -> Result<(), String> {
    if let Some(error) = m.get("error") {
        let item = a.at("turn_error", seq).ok_or("no turn_error item")?;
        return (item["code"] == error["code"]
            && item["message"] == error["message"]
            && item.get("data") == error.get("data"))
        .then_some(())
        .ok_or_else(|| format!("error item {}", brief(item)));
    }
    let (request_seq, request) = a.request_of(seq).ok_or("no request for this response")?;
    let result = &m["result"];
    match request["method"].as_str().unwrap_or("") {
        "session/prompt" => {
            let end = a.at("turn_end", seq).ok_or("no turn_end item")?;
            (end["stopReason"] == result["stopReason"] && end.get("usage") == result.get("usage"))
                .then_some(())
                .ok_or_else(|| format!("turn end {}", brief(end)))
        }
        "session/request_permission" => {
            let p = a
                .at("permission", request_seq)
                .ok_or("no permission item")?;
            let selected = result["outcome"]
                .get("optionId")
                .cloned()
                .unwrap_or(Value::Null);
            (p["selected"] == selected)
                .then_some(())
                .ok_or_else(|| format!("selected {}, answered {selected}", p["selected"]))
        }
        method @ ("session/new" | "session/load") => {
            let c = a
                .at("connection", request_seq)
                .ok_or_else(|| format!("no {method} item"))?;
            (c.get("modes") == result.get("modes")
                && c.get("configOptions") == result.get("configOptions"))
            .then_some(())
            .ok_or_else(|| "modes or config options differ".into())
        }
        _ => Ok(()),
    }
}

/// The property a kind's name states, beyond its events being shown.
fn check_property(a: &AttemptView, kind: &str, seqs: &[u64]) -> Result<(), String> {
    let permission = |seq: u64| {
        let request_seq = match a.message(seq).and_then(|m| m.get("method")) {
            Some(_) => seq,
            None => a.request_of(seq).map(|r| r.0).unwrap_or(seq),
        };
        a.at("permission", request_seq)
            .cloned()
            .ok_or_else(|| format!("no permission for #{seq}"))
    };
    for &seq in seqs {
        let ok = if let Some(outcome) = kind.strip_prefix("permission_") {
            let p = permission(seq)?;
            let chosen_kind = p["options"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|o| o["optionId"] == p["selected"])
                .map(|o| o["kind"].clone());
            match outcome {
                "allowed" | "rejected" | "cancelled" => p["outcome"] == outcome,
                "cancelled_by_turn_cancel" => p["outcome"] == "cancelled",
                o if o.starts_with("option_") => p["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|opt| opt["kind"] == o["option_".len()..]),
                o if o.starts_with("selected_") => {
                    chosen_kind == Some(Value::from(&o["selected_".len()..]))
                }
                _ => true,
            }
        } else if kind.starts_with("stop_reason_") {
            a.at("turn_end", seq).is_some()
        } else if kind == "tool_call_diff_new_file" {
            let u = &a.message(seq).ok_or("no event")?["params"]["update"];
            a.tool_call(&u["toolCallId"]).is_some_and(|c| {
                c["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|d| d["type"] == "diff" && d["oldText"].is_null())
            })
        } else if kind.starts_with("terminal_wait_never") {
            let m = a.message(seq).ok_or("no event")?;
            a.terminal(&m["params"]["terminalId"])
                .is_some_and(|t| t["waitingForExit"] == true)
        } else if kind.starts_with("terminal_wait_pending_at_turn_end") {
            let m = a.message(seq).ok_or("no event")?;
            a.terminal(&m["params"]["terminalId"])
                .is_some_and(|t| t["waitingAtTurnEnd"] == true)
        } else {
            true
        };
        if !ok {
            return Err(format!("#{seq} does not show {kind}"));
        }
    }
    if matches!(kind, "message_id_change" | "unicode_message_id") {
        let ids: std::collections::BTreeSet<String> = of_kind(&a.items, "agent")
            .filter_map(|i| i["messageId"].as_str().map(str::to_string))
            .collect();
        if ids.len() < 2 {
            return Err(format!("agent messageIds {ids:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_listed_kind_appears_in_the_json_with_its_data() {
    let (hits, flow_level) = hits();
    let mut attempts: HashMap<(String, String), AttemptView> = HashMap::new();
    let mut errs = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for hit in &hits {
        let key = (hit.bundle.clone(), hit.attempt.clone());
        if !attempts.contains_key(&key) {
            let bundle = rich_root().join(&hit.bundle);
            let state = reel_json([
                "state".as_ref(),
                bundle.as_os_str(),
                "--at".as_ref(),
                hit.attempt.as_ref(),
                "--json".as_ref(),
            ]);
            let events = read_ndjson(&RawBundle::load(&bundle).events_path_for(&hit.session));
            attempts.insert(
                key.clone(),
                AttemptView {
                    items: items(&state["conversation"]),
                    events,
                },
            );
        }
        let a = &attempts[&key];
        let name = format!("{} {} {}", hit.kind, hit.bundle, hit.attempt);
        for &seq in &hit.seqs {
            if let Err(e) = check_event(a, seq) {
                errs.push(format!("{name} #{seq}: {e}"));
            }
        }
        if let Err(e) = check_property(a, &hit.kind, &hit.seqs) {
            errs.push(format!("{name}: {e}"));
        }
        kinds.insert(hit.kind.clone());
    }
    println!(
        "checked {} kinds in {} hits over {} attempts ({flow_level} flow-level hits left to the graph)",
        kinds.len(),
        hits.len(),
        attempts.len()
    );
    finish("KINDS.json", errs);
    assert!(
        kinds.len() > 40,
        "KINDS.json lists only {} kinds",
        kinds.len()
    );
}
