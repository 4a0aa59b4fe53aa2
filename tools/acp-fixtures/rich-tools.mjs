// Tool calls of mock-agent-rich.mjs: diffs, multi-content tool calls, permission
// requests, and terminals driven through the client's terminal/* methods.
import * as acp from "@agentclientprotocol/sdk";
import { diffExisting, diffNewFile, nonTextBlocks, permissionOptions } from "./rich-content.mjs";

const text = (value) => ({ type: "content", content: { type: "text", text: value } });

export function aborted() {
  return Object.assign(new Error("aborted"), { mockAborted: true });
}

// An edit of an existing file: the diff arrives with the tool call, the update completes it.
export async function diffTool(ctx) {
  const toolCallId = `call_${ctx.tag}diff_${ctx.key}`;
  await ctx.update({
    sessionUpdate: "tool_call",
    toolCallId,
    title: `Edit src/app.ts${ctx.tagSuffix}`,
    kind: "edit",
    status: "pending",
    locations: [{ path: "/workspace/src/app.ts", line: 1 }],
    rawInput: { path: "/workspace/src/app.ts", operation: "edit" },
    content: [diffExisting()],
  });
  await ctx.update({ sessionUpdate: "tool_call_update", toolCallId, status: "completed", rawOutput: { applied: true } });
}

// A new file: Diff.oldText is null.
export async function newFileTool(ctx) {
  const toolCallId = `call_${ctx.tag}create_${ctx.key}`;
  await ctx.update({
    sessionUpdate: "tool_call",
    toolCallId,
    title: `Create src/new_module.ts${ctx.tagSuffix}`,
    kind: "edit",
    status: "in_progress",
    locations: [{ path: "/workspace/src/new_module.ts" }],
    rawInput: { path: "/workspace/src/new_module.ts", operation: "create" },
  });
  await ctx.update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: "completed",
    content: [diffNewFile(undefined, ctx.tagText)],
  });
}

// One tool call whose content holds several items of every ToolCallContent kind but terminal.
export async function multiContentTool(ctx) {
  const toolCallId = `call_${ctx.tag}multi_${ctx.key}`;
  const [image, , link, resource] = nonTextBlocks(ctx.tagText);
  await ctx.update({
    sessionUpdate: "tool_call",
    toolCallId,
    title: `Refactor greet across files${ctx.tagSuffix}`,
    kind: "edit",
    status: "pending",
    locations: [{ path: "/workspace/src/app.ts" }, { path: "/workspace/src/other.ts", line: 3 }],
    rawInput: { files: ["/workspace/src/app.ts", "/workspace/src/other.ts"] },
  });
  await ctx.update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: "completed",
    content: [
      text("Changed 2 files:"),
      diffExisting(),
      diffExisting("/workspace/src/other.ts"),
      { type: "content", content: link },
      { type: "content", content: resource },
      { type: "content", content: image },
    ],
    rawOutput: { files: 2 },
  });
}

function outcomeOf(response) {
  const outcome = response?.outcome ?? {};
  return outcome.outcome === "selected" ? { outcome: "selected", optionId: outcome.optionId } : { outcome: "cancelled" };
}

// session/request_permission; withToolCall=false sends no tool_call before it, so the
// tool call is known only from the request (whose ToolCallUpdate then carries a diff).
export async function permissionTool(ctx, spec, withToolCall) {
  const kind = ctx.permissionKind;
  const toolCallId = `call_${ctx.tag}perm${withToolCall ? "" : "_only"}_${ctx.key}`;
  const title = kind === "read" ? `Read .env${ctx.tagSuffix}` : `Edit README.md${ctx.tagSuffix}`;
  const path = kind === "read" ? "/workspace/.env" : "/workspace/README.md";
  if (withToolCall) {
    await ctx.update({
      sessionUpdate: "tool_call",
      toolCallId,
      title,
      kind,
      status: "pending",
      locations: [{ path }],
      rawInput: { path },
    });
  }
  const options = permissionOptions(spec, ctx.tagText);
  const toolCall = withToolCall
    ? { toolCallId, title, kind, status: "pending" }
    : {
        toolCallId,
        title,
        kind,
        status: "pending",
        locations: [{ path }],
        rawInput: { path, content: "# README\n" },
        content: [{ type: "diff", path, oldText: "# old\n", newText: "# README\n" }],
      };
  const response = await ctx.client.request(acp.methods.client.session.requestPermission, {
    sessionId: ctx.sessionId,
    toolCall,
    options,
  });
  const outcome = outcomeOf(response);
  const chosen = options.find((option) => option.optionId === outcome.optionId);
  const allowed = chosen !== undefined && chosen.kind.startsWith("allow");
  await ctx.update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: allowed ? "completed" : "failed",
    rawOutput: { ...outcome, kind: chosen?.kind ?? null, allowed },
  });
  if (ctx.signal.aborted) throw aborted();
}

async function clientRequest(ctx, method, params) {
  try {
    return { ok: true, result: await ctx.client.request(method, { sessionId: ctx.sessionId, ...params }) };
  } catch (error) {
    return { ok: false, error: { code: error?.code ?? null, message: String(error?.message ?? error) } };
  }
}

async function createTerminal(ctx, command, toolCallId, title) {
  const created = await clientRequest(ctx, acp.methods.client.terminal.create, {
    command: "sh",
    args: ["-c", command],
    env: [{ name: "REEL_FIXTURE", value: "1" }],
    outputByteLimit: 4096,
  });
  if (!created.ok) {
    await ctx.update({
      sessionUpdate: "tool_call",
      toolCallId,
      title,
      kind: "execute",
      status: "failed",
      rawInput: { command },
      rawOutput: { error: created.error },
    });
    return undefined;
  }
  const { terminalId } = created.result;
  await ctx.update({
    sessionUpdate: "tool_call",
    toolCallId,
    title,
    kind: "execute",
    status: "in_progress",
    rawInput: { command },
    content: [{ type: "terminal", terminalId }],
  });
  return terminalId;
}

// A finished terminal: create, wait_for_exit, output, release.
export async function terminalTool(ctx, command) {
  const toolCallId = `call_${ctx.tag}term_${ctx.key}`;
  const terminalId = await createTerminal(ctx, command, toolCallId, `Run ${command}${ctx.tagSuffix}`);
  if (!terminalId) return;
  const exit = await clientRequest(ctx, acp.methods.client.terminal.waitForExit, { terminalId });
  const output = await clientRequest(ctx, acp.methods.client.terminal.output, { terminalId });
  await clientRequest(ctx, acp.methods.client.terminal.release, { terminalId });
  await ctx.update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: exit.ok && exit.result?.exitCode === 0 ? "completed" : "failed",
    content: [{ type: "terminal", terminalId }, text(output.ok ? output.result.output : "no output")],
    rawOutput: { exit: exit.ok ? exit.result : exit.error },
  });
}

// A terminal still running at the end of the turn: its wait_for_exit stays unanswered.
export async function pendingTerminalTool(ctx, command) {
  const toolCallId = `call_${ctx.tag}term_pending_${ctx.key}`;
  const terminalId = await createTerminal(ctx, command, toolCallId, `Watch ${command}${ctx.tagSuffix}`);
  if (!terminalId) return;
  await ctx.sleep(500); // pacing only: lets the command print its first line before the output request
  await clientRequest(ctx, acp.methods.client.terminal.output, { terminalId });
  ctx.client
    .request(acp.methods.client.terminal.waitForExit, { sessionId: ctx.sessionId, terminalId })
    .catch(() => {});
}

// The client's file system: write a file in the session's cwd, read part of it back, and
// read a path outside the cwd (acpx refuses it).
export async function fsTool(ctx) {
  const toolCallId = `call_${ctx.tag}fs_${ctx.key}`;
  const path = `${ctx.cwd}/notes.txt`;
  await ctx.update({
    sessionUpdate: "tool_call",
    toolCallId,
    title: `Write and read notes.txt${ctx.tagSuffix}`,
    kind: "edit",
    status: "in_progress",
    locations: [{ path }],
    rawInput: { path },
  });
  const written = await clientRequest(ctx, acp.methods.client.fs.writeTextFile, {
    path,
    content: "line one\nzweite Zeile ✓\n第三行\nfourth\n",
  });
  const read = await clientRequest(ctx, acp.methods.client.fs.readTextFile, { path, line: 2, limit: 2 });
  const outside = await clientRequest(ctx, acp.methods.client.fs.readTextFile, { path: "/outside-the-cwd/secret.txt" });
  await ctx.update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: written.ok && read.ok ? "completed" : "failed",
    content: [text(read.ok ? read.result.content : `read failed: ${read.error.message}`)],
    rawOutput: { written: written.ok, read: read.ok, outsideRefused: !outside.ok },
  });
}
