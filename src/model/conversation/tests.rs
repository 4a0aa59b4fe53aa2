//! The fold on hand-written JSON-RPC traffic: each expectation is written
//! out from what the messages say, not computed by the fold's helpers.

use super::*;
use crate::bundle::session::Direction;
use crate::humanize;
use serde_json::{json, Value};

fn fold(messages: &[(Direction, Value)]) -> Vec<TranscriptItem> {
    let mut builder = TranscriptBuilder::default();
    for (i, (direction, message)) in messages.iter().enumerate() {
        builder.push(i as u32 + 1, *direction, message);
    }
    builder.finish()
}

fn update(u: Value) -> (Direction, Value) {
    (
        Direction::Inbound,
        json!({"jsonrpc": "2.0", "method": "session/update", "params": {"update": u}}),
    )
}

fn out(message: Value) -> (Direction, Value) {
    (Direction::Outbound, message)
}

fn inb(message: Value) -> (Direction, Value) {
    (Direction::Inbound, message)
}

fn prompt(id: i64) -> (Direction, Value) {
    out(json!({"id": id, "method": "session/prompt", "params": {"prompt": []}}))
}

fn json_of(item: &TranscriptItem) -> Value {
    serde_json::to_value(item).unwrap()
}

fn agent_chunk(text: &str, message_id: Option<&str>) -> (Direction, Value) {
    let mut u =
        json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}});
    if let Some(id) = message_id {
        u["messageId"] = id.into();
    }
    update(u)
}

fn tool_calls(items: &[TranscriptItem]) -> Vec<&ToolCall> {
    items
        .iter()
        .filter_map(|i| match i {
            TranscriptItem::ToolCall(call) => Some(call),
            _ => None,
        })
        .collect()
}

#[test]
fn merges_chunks_and_tracks_tool_calls() {
    let items = fold(&[
        out(
            json!({"id": 2, "method": "session/prompt", "params": {"prompt": [{"type": "text", "text": "hi"}, {"type": "resource_link", "uri": "file:///a", "name": "a"}]}}),
        ),
        update(
            json!({"sessionUpdate": "agent_thought_chunk", "content": {"type": "text", "text": "hmm"}}),
        ),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "t1", "title": "read", "status": "pending"}),
        ),
        update(
            json!({"sessionUpdate": "tool_call_update", "toolCallId": "t1", "status": "completed", "content": [{"type": "content", "content": {"type": "text", "text": "ok"}}]}),
        ),
        agent_chunk("Hel", None),
        agent_chunk("lo", None),
        inb(json!({"id": 2, "result": {"stopReason": "end_turn"}})),
    ]);
    assert_eq!(items.len(), 5, "{items:#?}");
    assert_eq!(
        json_of(&items[0]),
        json!({"kind": "user", "seq": 1, "content": [
            {"type": "text", "text": "hi"},
            {"type": "resource_link", "uri": "file:///a", "name": "a"}
        ]})
    );
    assert_eq!(
        json_of(&items[1]),
        json!({"kind": "thought", "seq": 2, "content": [{"type": "text", "text": "hmm"}]})
    );
    assert_eq!(
        json_of(&items[2])["content"],
        json!([{"type": "content", "content": {"type": "text", "text": "ok"}}])
    );
    assert_eq!(json_of(&items[2])["status"], "completed");
    assert_eq!(
        json_of(&items[3]),
        json!({"kind": "agent", "seq": 5, "content": [{"type": "text", "text": "Hello"}]})
    );
    assert_eq!(
        json_of(&items[4]),
        json!({"kind": "turn_end", "seq": 7, "stopReason": "end_turn"})
    );
}

#[test]
fn a_new_message_id_starts_a_new_item_and_other_blocks_split_text() {
    let image = json!({"type": "image", "mimeType": "image/png", "data": "iVBORw0KGgo="});
    let items = fold(&[
        prompt(1),
        agent_chunk("A1 ", Some("a")),
        agent_chunk("A2", Some("a")),
        update(json!({"sessionUpdate": "agent_message_chunk", "content": image, "messageId": "a"})),
        agent_chunk("A3", Some("a")),
        agent_chunk("B1", Some("b")),
        update(
            json!({"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": "typed mid-turn"}}),
        ),
        agent_chunk("C1", Some("b")),
    ]);
    let kinds: Vec<Value> = items.iter().map(|i| json_of(i)["kind"].clone()).collect();
    assert_eq!(
        kinds,
        ["user", "agent", "agent", "user_message", "agent"].map(Value::from)
    );
    assert_eq!(
        json_of(&items[1]),
        json!({"kind": "agent", "seq": 2, "messageId": "a", "content": [
            {"type": "text", "text": "A1 A2"}, image, {"type": "text", "text": "A3"}
        ]})
    );
    assert_eq!(items[1].text().as_deref(), Some("A1 A2A3"));
    assert_eq!(json_of(&items[2])["messageId"], "b");
    assert_eq!(items[3].text().as_deref(), Some("typed mid-turn"));
    // The same id after another item is a new item all the same.
    assert_eq!(items[4].text().as_deref(), Some("C1"));
    // 12 base64 characters, one `=` of padding: 8 bytes.
    let TranscriptItem::Agent(message) = &items[1] else {
        panic!()
    };
    assert_eq!(message.content[1].media().bytes, Some(8));
    assert_eq!(message.content[1].label(), "image image/png 8 B");
}

#[test]
fn a_message_of_many_chunks_keeps_its_start_and_says_what_was_cut() {
    let chunk = "0123456789";
    let count = 20_000;
    let mut messages = vec![prompt(1)];
    for _ in 0..count {
        messages.push(agent_chunk(chunk, None));
    }
    let items = fold(&messages);
    let TranscriptItem::Agent(message) = &items[1] else {
        panic!("{:?}", &items[..2]);
    };
    let text = message.text();
    assert_eq!(text.len(), TEXT_CAP);
    assert!(text.starts_with(&chunk.repeat(100)));
    let total = chunk.len() * count;
    let whole_kept = TEXT_CAP / chunk.len();
    // The chunk that crosses the cap is cut too.
    let cut_chunks = count - whole_kept;
    assert_eq!(
        json_of(&items[1])["content"][0]["reelCut"],
        json!({"/text": {"bytes": total - TEXT_CAP, "chunks": cut_chunks}})
    );
    assert_eq!(
        message.cut_notes(),
        [format!(
            "… [text cut: {} more in {} chunks]",
            humanize::bytes((total - TEXT_CAP) as u64),
            humanize::count(cut_chunks as u64)
        )]
    );
}

#[test]
fn big_diffs_terminal_output_and_media_are_capped_with_the_cut_said() {
    let old = "o".repeat(TEXT_CAP + 10);
    let new = "n\n".repeat(TEXT_CAP);
    let output = "x".repeat(TEXT_CAP * 3);
    let data = "A".repeat(TEXT_CAP + 400);
    let items = fold(&[
        prompt(1),
        inb(
            json!({"id": 5, "method": "terminal/create", "params": {"command": "yes", "args": []}}),
        ),
        out(json!({"id": 5, "result": {"terminalId": "t"}})),
        inb(json!({"id": 6, "method": "terminal/output", "params": {"terminalId": "t"}})),
        out(json!({"id": 6, "result": {"output": output, "truncated": true}})),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "c", "title": "edit", "content": [
                {"type": "diff", "path": "/a", "oldText": old, "newText": new},
                {"type": "terminal", "terminalId": "t"},
                {"type": "content", "content": {"type": "audio", "mimeType": "audio/wav", "data": data}}
            ]}),
        ),
    ]);
    let call = json_of(&items[3]);
    let content = &call["content"];
    assert_eq!(content[0]["oldText"].as_str().unwrap().len(), TEXT_CAP);
    assert_eq!(
        content[0]["reelCut"],
        json!({"/oldText": {"bytes": 10}, "/newText": {"bytes": TEXT_CAP}})
    );
    assert_eq!(content[1]["output"].as_str().unwrap().len(), TEXT_CAP);
    assert_eq!(content[1]["truncated"], true);
    assert_eq!(
        content[1]["reelCut"],
        json!({"/output": {"bytes": 2 * TEXT_CAP}})
    );
    assert_eq!(
        content[2]["content"]["reelCut"],
        json!({"/data": {"bytes": 400}})
    );
    // The size is that of the whole data: 4 base64 chars are 3 bytes.
    let TranscriptItem::ToolCall(tool) = &items[3] else {
        panic!()
    };
    let ToolCallContent::Content { content: audio } = &tool.content[2] else {
        panic!()
    };
    assert_eq!(audio.media().bytes, Some((TEXT_CAP as u64 + 400) / 4 * 3));
}

#[test]
fn a_new_file_diff_has_null_old_text_and_counts_its_lines_as_added() {
    let items = fold(&[
        prompt(1),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "c", "title": "create", "content": [
                {"type": "diff", "path": "/new.rs", "oldText": null, "newText": "a\nb\nc\n"}
            ]}),
        ),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "d", "title": "edit", "content": [
                {"type": "diff", "path": "/old.rs", "oldText": "a\nb\nc\n", "newText": "a\nB\nc\nd\n"}
            ]}),
        ),
    ]);
    let calls = tool_calls(&items);
    assert_eq!(
        json_of(&items[1])["content"],
        json!([{"type": "diff", "path": "/new.rs", "oldText": null, "newText": "a\nb\nc\n"}])
    );
    let ToolCallContent::Diff(created) = &calls[0].content[0] else {
        panic!()
    };
    assert!(created.is_new_file());
    assert_eq!(
        created.line_counts(),
        LineCounts {
            added: 3,
            removed: 0
        }
    );
    let ToolCallContent::Diff(edited) = &calls[1].content[0] else {
        panic!()
    };
    assert!(!edited.is_new_file());
    // b → B changes one line; d is added.
    assert_eq!(
        edited.line_counts(),
        LineCounts {
            added: 2,
            removed: 1
        }
    );
}

#[test]
fn terminals_carry_command_output_and_exit_and_an_unanswered_wait_is_pending() {
    let items = fold(&[
        prompt(1),
        inb(
            json!({"id": 3, "method": "terminal/create", "params": {"command": "sh", "args": ["-c", "make"]}}),
        ),
        out(json!({"id": 3, "result": {"terminalId": "t1"}})),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "run", "title": "make", "content": [{"type": "terminal", "terminalId": "t1"}]}),
        ),
        inb(json!({"id": 4, "method": "terminal/wait_for_exit", "params": {"terminalId": "t1"}})),
        out(json!({"id": 4, "result": {"exitCode": 2, "signal": null}})),
        inb(json!({"id": 5, "method": "terminal/output", "params": {"terminalId": "t1"}})),
        out(
            json!({"id": 5, "result": {"output": "error\n", "truncated": false, "exitStatus": {"exitCode": 2, "signal": null}}}),
        ),
        inb(json!({"id": 6, "method": "terminal/create", "params": {"command": "watch"}})),
        out(json!({"id": 6, "result": {"terminalId": "t2"}})),
        update(
            json!({"sessionUpdate": "tool_call", "toolCallId": "watch", "title": "watch", "content": [{"type": "terminal", "terminalId": "t2"}]}),
        ),
        inb(json!({"id": 7, "method": "terminal/wait_for_exit", "params": {"terminalId": "t2"}})),
        inb(json!({"id": 1, "result": {"stopReason": "end_turn"}})),
    ]);
    let calls = tool_calls(&items);
    assert_eq!(
        serde_json::to_value(&calls[0].content).unwrap(),
        json!([{"type": "terminal", "terminalId": "t1", "command": "sh", "args": ["-c", "make"],
            "output": "error\n", "truncated": false, "exitStatus": {"exitCode": 2, "signal": null}}])
    );
    assert_eq!(
        serde_json::to_value(&calls[1].content).unwrap(),
        json!([{"type": "terminal", "terminalId": "t2", "command": "watch", "waitingForExit": true, "waitingAtTurnEnd": true}])
    );
    let ToolCallContent::Terminal(pending) = &calls[1].content[0] else {
        panic!()
    };
    assert_eq!(pending.status_label(), "running (waiting for exit)");
}

#[test]
fn a_tool_call_known_only_from_a_permission_takes_its_title_kind_and_diff() {
    let diff =
        json!({"type": "diff", "path": "/README.md", "oldText": "# old\n", "newText": "# new\n"});
    let items = fold(&[
        prompt(1),
        inb(
            json!({"id": 0, "method": "session/request_permission", "params": {
                "toolCall": {"toolCallId": "p1", "title": "Edit README.md", "kind": "edit", "status": "pending", "content": [diff]},
                "options": [
                    {"optionId": "yes", "name": "Allow once", "kind": "allow_once"},
                    {"optionId": "never", "name": "Never allow", "kind": "reject_always"}
                ]
            }}),
        ),
        out(json!({"id": 0, "result": {"outcome": {"outcome": "selected", "optionId": "never"}}})),
        update(
            json!({"sessionUpdate": "tool_call_update", "toolCallId": "p1", "status": "failed"}),
        ),
    ]);
    assert_eq!(items.len(), 3, "{items:#?}");
    let call = json_of(&items[1]);
    assert_eq!(
        (
            &call["id"],
            &call["title"],
            &call["toolKind"],
            &call["status"],
            &call["content"]
        ),
        (
            &json!("p1"),
            &json!("Edit README.md"),
            &json!("edit"),
            &json!("failed"),
            &json!([diff])
        )
    );
    assert_eq!(
        json_of(&items[2]),
        json!({"kind": "permission", "seq": 2, "title": "Edit README.md", "toolCallId": "p1",
            "toolKind": "edit", "options": [
                {"optionId": "yes", "name": "Allow once", "kind": "allow_once"},
                {"optionId": "never", "name": "Never allow", "kind": "reject_always"}
            ], "selected": "never", "outcome": "rejected"})
    );
}

#[test]
fn permissions_pair_per_connection_and_direction_and_say_their_outcome() {
    let options = json!([{"optionId": "allow", "name": "Allow", "kind": "allow_always"}]);
    let items = fold(&[
        out(json!({"id": 0, "method": "initialize", "params": {}})),
        inb(json!({"id": 0, "result": {}})),
        out(json!({"id": 2, "method": "session/prompt", "params": {"prompt": []}})),
        // agent → client request with an id that collides with the prompt's space
        inb(
            json!({"id": 0, "method": "session/request_permission", "params": {"toolCall": {"title": "Edit"}, "options": options}}),
        ),
        out(json!({"id": 0, "result": {"outcome": {"outcome": "selected", "optionId": "allow"}}})),
        inb(
            json!({"id": 1, "method": "session/request_permission", "params": {"toolCall": {"title": "Run"}, "options": options}}),
        ),
        out(json!({"id": 1, "result": {"outcome": {"outcome": "cancelled"}}})),
        inb(
            json!({"id": 2, "error": {"code": -32603, "message": "Internal error", "data": {"why": "x"}}}),
        ),
    ]);
    let permissions: Vec<&Permission> = items
        .iter()
        .filter_map(|i| match i {
            TranscriptItem::Permission(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(
        (
            permissions[0].selected.as_deref(),
            permissions[0].outcome,
            permissions[0].chosen().map(|o| o.name.as_str())
        ),
        (
            Some("allow"),
            Some(PermissionOutcome::Allowed),
            Some("Allow")
        )
    );
    assert_eq!(
        (permissions[1].selected.as_deref(), permissions[1].outcome),
        (None, Some(PermissionOutcome::Cancelled))
    );
    assert_eq!(
        json_of(items.last().unwrap()),
        json!({"kind": "turn_error", "seq": 8, "message": "Internal error", "code": -32603, "data": {"why": "x"}})
    );
}

#[test]
fn metadata_updates_usage_and_stop_reasons_keep_their_values() {
    let usage = json!({"totalTokens": 10, "inputTokens": 7, "outputTokens": 3});
    let items = fold(&[
        out(json!({"id": 1, "method": "session/new", "params": {}})),
        inb(
            json!({"id": 1, "result": {"sessionId": "s", "modes": {"currentModeId": "ask"}, "configOptions": [{"id": "model"}]}}),
        ),
        prompt(2),
        update(json!({"sessionUpdate": "current_mode_update", "currentModeId": "plan"})),
        update(
            json!({"sessionUpdate": "available_commands_update", "availableCommands": [{"name": "test", "description": "Run"}]}),
        ),
        update(
            json!({"sessionUpdate": "config_option_update", "configOptions": [{"id": "model", "currentValue": "big"}]}),
        ),
        update(json!({"sessionUpdate": "session_info_update", "title": null})),
        inb(json!({"id": 2, "result": {"stopReason": "max_tokens", "usage": usage}})),
    ]);
    let got: Vec<Value> = items.iter().map(json_of).collect();
    assert_eq!(
        got,
        [
            json!({"kind": "connection", "seq": 1, "method": "session/new", "modes": {"currentModeId": "ask"}, "configOptions": [{"id": "model"}]}),
            json!({"kind": "user", "seq": 3, "content": []}),
            json!({"kind": "current_mode", "seq": 4, "currentModeId": "plan"}),
            json!({"kind": "available_commands", "seq": 5, "availableCommands": [{"name": "test", "description": "Run"}]}),
            json!({"kind": "config_options", "seq": 6, "configOptions": [{"id": "model", "currentValue": "big"}]}),
            json!({"kind": "session_info", "seq": 7, "title": null}),
            json!({"kind": "turn_end", "seq": 8, "stopReason": "max_tokens", "usage": usage}),
        ]
    );
}

#[test]
fn tool_call_ids_are_scoped_to_a_turn() {
    let call =
        || update(json!({"sessionUpdate": "tool_call", "toolCallId": "call_1", "title": "read"}));
    let items = fold(&[prompt(1), call(), prompt(2), call()]);
    assert_eq!(tool_calls(&items).len(), 2, "{items:#?}");
}

#[test]
fn history_replayed_on_load_is_not_the_turn() {
    let items = fold(&[
        out(json!({"id": 1, "method": "session/load", "params": {}})),
        update(
            json!({"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": "old"}}),
        ),
        agent_chunk("old", None),
        inb(json!({"id": 1, "result": {}})),
        agent_chunk("new", None),
    ]);
    assert_eq!(items[1], TranscriptItem::Replay { seq: 2, events: 2 });
    assert_eq!(
        json_of(&items[2]),
        json!({"kind": "agent", "seq": 5, "content": [{"type": "text", "text": "new"}]})
    );
}

#[test]
fn media_and_resource_blocks_name_their_mime_type_size_title_and_uri() {
    let link = ContentBlock::from_value(&json!({"type": "resource_link", "uri": "file:///d.md",
        "name": "d.md", "title": "Design", "mimeType": "text/markdown", "size": 2048}));
    assert_eq!(link.label(), "link Design file:///d.md text/markdown 2 KiB");
    let text = ContentBlock::from_value(&json!({"type": "resource",
        "resource": {"uri": "file:///c.toml", "mimeType": "text/x-toml", "text": "port = 1\n"}}));
    assert_eq!(text.label(), "resource file:///c.toml text/x-toml 9 B");
    assert_eq!(text.resource_text(), Some("port = 1\n"));
    // "AAAA" is 3 bytes, "AA==" one more.
    let blob = ContentBlock::from_value(&json!({"type": "resource",
        "resource": {"uri": "file:///p.png", "mimeType": "image/png", "blob": "AAAAAA=="}}));
    assert_eq!(blob.media().bytes, Some(4));
    assert!(blob.searchable_text().contains("file:///p.png"));
    assert!(text.searchable_text().contains("port = 1"));
}

#[test]
fn record_json_still_gives_a_transcript() {
    let items = transcript_from_record(&[
        json!({"User": {"content": [{"Text": "hello"}, {"Mention": {"uri": "file:///a"}}]}}),
        json!({"Agent": {
            "content": [{"Thinking": {"text": "hmm"}}, {"Text": "hi"}, {"ToolUse": {"id": "t", "name": "read", "input": {"p": 1}}}],
            "tool_results": {"t": {"is_error": true, "output": "no", "content": {"Text": "denied"}}}
        }}),
    ]);
    let got: Vec<Value> = items.iter().map(json_of).collect();
    assert_eq!(
        got,
        [
            json!({"kind": "user", "seq": 0, "content": [{"type": "text", "text": "hello\n[mention file:///a]"}]}),
            json!({"kind": "thought", "seq": 0, "content": [{"type": "text", "text": "hmm"}]}),
            json!({"kind": "agent", "seq": 0, "content": [{"type": "text", "text": "hi"}]}),
            json!({"kind": "tool_call", "seq": 0, "id": "t", "title": "read", "status": "failed",
                "rawInput": {"p": 1}, "rawOutput": "no",
                "content": [{"type": "content", "content": {"type": "text", "text": "denied"}}]}),
        ]
    );
}
