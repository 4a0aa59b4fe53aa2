#!/usr/bin/env node
// Derives KINDS.json from the bundles in a directory: for each kind of ACP content, which
// bundle, attempt, session and event seqs carry it. Reads only the bundles (steps.json for
// the attempts' event ranges, sessions/*/events.ndjson), so the manifest cannot claim what
// the bundles lack. Exits 1 if a kind in REQUIRED is found nowhere.
// Usage: node kinds.mjs DIR > DIR/KINDS.json
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const REQUIRED = [
  ...["text", "image", "audio", "resource_link", "resource_text", "resource_blob"].map((b) => `prompt_block_${b}`),
  ...["text", "image", "audio", "resource_link", "resource_text", "resource_blob"].map((b) => `user_message_chunk_${b}`),
  ...["text", "image", "audio", "resource_link", "resource_text", "resource_blob"].map((b) => `agent_message_chunk_${b}`),
  "agent_thought_chunk",
  "message_id_change",
  "plan",
  "usage_update",
  "available_commands_update",
  "current_mode_update",
  "config_option_update",
  "session_info_update",
  "session_new_modes_config",
  "initialize_client_terminal_capability",
  "tool_call_diff",
  "tool_call_diff_new_file",
  "tool_call_multi_content",
  "tool_call_terminal",
  "permission_tool_call_diff",
  "permission_without_tool_call",
  ...["allow_once", "allow_always", "reject_once", "reject_always"].map((k) => `permission_option_${k}`),
  ...["allow_once", "allow_always", "reject_once", "reject_always"].map((k) => `permission_selected_${k}`),
  "permission_allowed",
  "permission_rejected",
  "permission_cancelled",
  "permission_cancelled_by_turn_cancel",
  "fs_write_text_file",
  "fs_read_text_file",
  "fs_error",
  "terminal_create",
  "terminal_create_error",
  "terminal_output",
  "terminal_wait_for_exit",
  "terminal_release",
  "terminal_wait_pending_at_turn_end",
  "terminal_wait_never_answered",
  "prompt_response_usage",
  ...["end_turn", "max_tokens", "max_turn_requests", "refusal"].map((r) => `stop_reason_${r}`),
  "stop_reason_cancelled_by_agent",
  "stop_reason_cancelled_after_session_cancel",
  "prompt_error_with_data",
  ...["cjk", "rtl", "emoji", "flag", "zwj"].map((u) => `unicode_text_${u}`),
  "unicode_tool_title",
  "unicode_tool_call_id",
  "unicode_message_id",
  "unicode_permission_option",
  "unicode_node_id",
];

const NON_ASCII = /[^\x00-\x7f]/;
const UNICODE = {
  cjk: /[\u3040-\u30ff\u3400-\u9fff]/,
  rtl: /[\u0590-\u08ff]/,
  emoji: /\p{Extended_Pictographic}/u,
  flag: /[\u{1F1E6}-\u{1F1FF}]{2}/u,
  zwj: /\u200d/,
};

function blockKind(block) {
  if (block?.type === "resource") return "text" in (block.resource ?? {}) ? "resource_text" : "resource_blob";
  return block?.type;
}

function readNdjson(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

function scanBundle(dir, bundle, found) {
  const steps = JSON.parse(readFileSync(join(dir, "projections/steps.json"), "utf8"));
  const flow = JSON.parse(readFileSync(join(dir, "flow.json"), "utf8"));
  const add = (kind, attemptId, sessionId, seq) => {
    const list = (found[kind] ??= []);
    let hit = list.find((h) => h.bundle === bundle && h.attemptId === attemptId && h.sessionId === sessionId);
    if (!hit) list.push((hit = { bundle, attemptId, sessionId, seqs: [] }));
    if (seq !== undefined && !hit.seqs.includes(seq)) hit.seqs.push(seq);
  };
  for (const nodeId of Object.keys(flow.nodes ?? {})) {
    if (NON_ASCII.test(nodeId)) add("unicode_node_id", null, null);
  }
  const sessionsDir = join(dir, "sessions");
  for (const sessionId of existsSync(sessionsDir) ? readdirSync(sessionsDir) : []) {
    const events = readNdjson(join(sessionsDir, sessionId, "events.ndjson"));
    const attemptOf = (seq) =>
      steps.find((s) => {
        const c = s.trace?.conversation;
        return c?.sessionId === sessionId && seq >= c.eventStartSeq && seq <= c.eventEndSeq;
      })?.attemptId ?? null;
    scanSession(events, (kind, seq) => add(kind, attemptOf(seq), sessionId, seq));
  }
}

// Requests are paired with responses per connection (a new `initialize` starts one) and
// per direction, as JSON-RPC ids restart on each connection.
function scanSession(events, add) {
  let epoch = 0;
  const pending = new Map(); // `${epoch}/${requester direction}/${id}` -> request event
  const toolCallIds = new Set();
  const messageIds = new Map(); // attempt-local: prompt key -> Set
  let prompt = null; // the open session/prompt request event
  let cancelSent = false;
  const openWaits = new Map(); // key -> seq of a terminal/wait_for_exit still unanswered
  const checkText = (text, seq, prefix) => {
    for (const [name, re] of Object.entries(UNICODE)) if (re.test(text ?? "")) add(`${prefix}${name}`, seq);
  };
  for (const { seq, direction, message: m } of events) {
    if (m.method === "initialize") {
      epoch += 1;
      if (m.params?.clientCapabilities?.terminal === true) add("initialize_client_terminal_capability", seq);
    }
    if (m.method !== undefined && m.id !== undefined) pending.set(`${epoch}/${direction}/${m.id}`, { seq, m });
    if (m.method === "session/prompt") {
      prompt = { seq, id: m.id, epoch };
      cancelSent = false;
      messageIds.set(seq, new Set());
      for (const block of m.params?.prompt ?? []) add(`prompt_block_${blockKind(block)}`, seq);
    }
    if (m.method === "session/cancel") cancelSent = true;
    if (m.method === "session/update") scanUpdate(m.params?.update ?? {}, seq, add, toolCallIds, prompt && messageIds.get(prompt.seq), checkText);
    if (m.method === "session/request_permission") scanPermissionRequest(m.params ?? {}, seq, add, toolCallIds);
    if (m.method?.startsWith("terminal/")) add(`terminal_${m.method.slice("terminal/".length)}`, seq);
    if (m.method?.startsWith("fs/")) add(`fs_${m.method.slice("fs/".length)}`, seq);
    if (m.method === "terminal/wait_for_exit") openWaits.set(`${epoch}/${direction}/${m.id}`, seq);
    if (m.method === undefined && m.id !== undefined) {
      const requester = direction === "inbound" ? "outbound" : "inbound";
      const key = `${epoch}/${requester}/${m.id}`;
      const request = pending.get(key);
      pending.delete(key);
      if (openWaits.has(key)) openWaits.delete(key);
      if (request) scanResponse(request.m, m, seq, add, { cancelSent });
      if (request?.m.method === "session/prompt") {
        for (const waitSeq of openWaits.values()) add("terminal_wait_pending_at_turn_end", waitSeq);
        const ids = messageIds.get(request.seq);
        if (ids && ids.size > 1) add("message_id_change", request.seq);
        prompt = null;
      }
    }
  }
  for (const [key, waitSeq] of openWaits) {
    if (!pending.has(key)) continue;
    add("terminal_wait_never_answered", waitSeq);
  }
}

function scanUpdate(u, seq, add, toolCallIds, ids, checkText) {
  const kind = u.sessionUpdate;
  if (kind === "user_message_chunk" || kind === "agent_message_chunk") add(`${kind}_${blockKind(u.content)}`, seq);
  if (kind === "agent_message_chunk" || kind === "agent_thought_chunk") {
    if (u.content?.type === "text") checkText(u.content.text, seq, "unicode_text_");
    if (typeof u.messageId === "string") {
      ids?.add(u.messageId);
      if (NON_ASCII.test(u.messageId)) add("unicode_message_id", seq);
    }
  }
  if (["agent_thought_chunk", "plan", "usage_update", "available_commands_update", "current_mode_update", "config_option_update", "session_info_update"].includes(kind)) {
    add(kind, seq);
  }
  if (kind === "tool_call" || kind === "tool_call_update") {
    if (kind === "tool_call") toolCallIds.add(u.toolCallId);
    if (NON_ASCII.test(u.toolCallId ?? "")) add("unicode_tool_call_id", seq);
    if (NON_ASCII.test(u.title ?? "")) add("unicode_tool_title", seq);
    const content = Array.isArray(u.content) ? u.content : [];
    if (content.length > 1) add("tool_call_multi_content", seq);
    for (const item of content) {
      if (item.type === "diff") add(item.oldText == null ? "tool_call_diff_new_file" : "tool_call_diff", seq);
      if (item.type === "terminal") add("tool_call_terminal", seq);
    }
  }
}

function scanPermissionRequest(p, seq, add, toolCallIds) {
  const toolCall = p.toolCall ?? {};
  if ((toolCall.content ?? []).some((item) => item.type === "diff")) add("permission_tool_call_diff", seq);
  if (!toolCallIds.has(toolCall.toolCallId)) add("permission_without_tool_call", seq);
  for (const option of p.options ?? []) {
    add(`permission_option_${option.kind}`, seq);
    if (NON_ASCII.test(`${option.optionId}${option.name}`)) add("unicode_permission_option", seq);
  }
}

function scanResponse(request, response, seq, add, { cancelSent }) {
  if (request.method === "session/request_permission") {
    const outcome = response.result?.outcome;
    if (outcome?.outcome === "selected") {
      const option = (request.params?.options ?? []).find((o) => o.optionId === outcome.optionId);
      if (option) add(`permission_selected_${option.kind}`, seq);
      add(option?.kind.startsWith("allow") ? "permission_allowed" : "permission_rejected", seq);
    } else if (outcome?.outcome === "cancelled") {
      add("permission_cancelled", seq);
      if (cancelSent) add("permission_cancelled_by_turn_cancel", seq);
    }
  }
  if (request.method === "terminal/create" && response.error) add("terminal_create_error", seq);
  if (request.method?.startsWith("fs/") && response.error) add("fs_error", seq);
  if (request.method === "session/prompt") {
    if (response.error && response.error.data !== undefined) add("prompt_error_with_data", seq);
    const reason = response.result?.stopReason;
    if (reason === "cancelled") add(cancelSent ? "stop_reason_cancelled_after_session_cancel" : "stop_reason_cancelled_by_agent", seq);
    else if (reason) add(`stop_reason_${reason}`, seq);
    if (response.result?.usage) add("prompt_response_usage", seq);
  }
  if (request.method === "session/new" && response.result?.modes && response.result?.configOptions) {
    add("session_new_modes_config", seq);
  }
}

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node kinds.mjs DIR");
  process.exit(2);
}
const found = {};
const bundles = readdirSync(dir).filter((name) => existsSync(join(dir, name, "manifest.json"))).sort();
for (const bundle of bundles) scanBundle(join(dir, bundle), bundle, found);
const missing = REQUIRED.filter((kind) => !found[kind]);
// One hit per line keeps the file small and its diffs readable.
const head = {
  schema: "reel.acp-rich-kinds.v1",
  generator: "tools/acp-fixtures/generate.sh",
  acpx: "0.19.1",
  note: "hit = {bundle, attemptId (null: not inside any attempt's event range, or a flow-level kind), sessionId, seqs (events.ndjson seq)}",
  bundles,
  missing,
};
const body = Object.keys(found)
  .sort()
  .map((kind) => `    ${JSON.stringify(kind)}: [\n${found[kind].map((hit) => `      ${JSON.stringify(hit)}`).join(",\n")}\n    ]`)
  .join(",\n");
const headText = JSON.stringify(head, null, 2).replace(/\n}$/, "");
process.stdout.write(`${headText},\n  "kinds": {\n${body}\n  }\n}\n`);
if (missing.length > 0) {
  console.error(`kinds.mjs: no bundle carries ${missing.join(", ")}`);
  process.exit(1);
}
