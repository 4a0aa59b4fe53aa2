#!/usr/bin/env node
// A test agent: runs the acpx generator's mock agent (copied next to this file) with the same
// arguments, passing its stdio through, and appends what the agent is asked — every
// session/new, session/load and session/prompt — to $MOCK_PROMPT_LOG as one JSON line
// ({method, sessionId, firstLine}). A test can then tell which prompts an agent really saw.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const mock = spawn(process.execPath, [path.join(here, "mock-agent.mjs"), ...process.argv.slice(2)], {
  stdio: ["pipe", "inherit", "inherit"],
});
const log = process.env.MOCK_PROMPT_LOG;
const watched = new Set(["session/new", "session/load", "session/prompt"]);
let pending = "";

function record(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (!watched.has(message?.method)) return;
  const text = (message.params?.prompt ?? []).map((block) => block.text ?? "").join("\n");
  const entry = { method: message.method, sessionId: message.params?.sessionId ?? null, firstLine: text.split("\n")[0] };
  appendFileSync(log, `${JSON.stringify(entry)}\n`);
}

process.stdin.on("data", (chunk) => {
  mock.stdin.write(chunk);
  if (!log) return;
  pending += chunk.toString("utf8");
  for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
    record(pending.slice(0, end));
    pending = pending.slice(end + 1);
  }
});
process.stdin.on("end", () => mock.stdin.end());
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => mock.kill(signal));
mock.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
