// reel's resume driver: continues a `waiting` acpx flow-run bundle IN PLACE with acpx's own
// engine, so the result reads as one ordinary acpx v1 run (NDJSON files only grow, projections
// are rewritten, one `run_resumed` event marks where it went on, attempts keep counting).
//
// How: it replaces FlowRunner.prototype.run, then starts acpx's own CLI in this process as
// `acpx --format json --cwd C [--approve-all|--approve-reads|--deny-all] [--timeout S]
//  flow run FLOW [--default-agent A]`. Config, agents, permission checks and flow loading
// (tsx) are therefore acpx's own; the replaced `run` receives the flow acpx loaded and the
// runner acpx configured, and continues the bundle instead of creating a run.
//
// Usage: node driver.mjs [REQUEST_FILE]   (stdin without a file; a file leaves stdin to acpx)
// Request (JSON object):
//   mode            "probe" (check everything, write nothing) | "resume"
//   acpxDir         the acpx package folder (…/node_modules/acpx)
//   runDir          the bundle folder
//   flowPath        flow file (default manifest.flowPath); becomes the run's flowPath
//   permissionMode  "approve-all" | "approve-reads" | "deny-all" | null (acpx's default)
//   sessions        "reuse" (default: go on in the recorded ACP sessions) | "fresh" (drop the
//                   recorded persistent bindings: acpx opens new ACP sessions, same folders)
//                   | "auto" (fresh for the sessions the probe finds diverged, reuse the rest)
//   inputPatch      RFC 7396 merge patch applied to the run input before going on, or null
//   force           go on despite a flow-structure or waitingOn mismatch (default false)
//   cwd             acpx's cwd (default: the recorded agents' cwd, else the recorded shell
//                   actions' cwd, else this process's; the probe says which in cwdFrom)
// Stdout: NDJSON, one object per line (anything human goes to stderr):
//   {"type":"probe","ok","acpxVersion","node","missing":[…],"refused":[…],"warnings":[…],
//    "next","sessions":[{bundleId,handle,acpxRecordId,bundlePrompts,recordPrompts,diverged}],
//    "acpxArgs":[…],"cwdFrom":"request|agents|shell actions|driver"}       (always, first)
//   {"type":"resumed","next":node|null,"seq":N}      (resume: the run_resumed event is written)
//   {"type":"done","status","attempts":["node#2",…],"written":bool,"error":null|msg} (resume)
// Exit codes: 0 done, whatever status the flow reached (probe: passed) · 2 bad request ·
//   3 probe failed (acpx version or internals) · 4 refused (bundle, flow, or acpx's CLI said
//   no), nothing written · 5 failed after writing began (the run is marked failed if it can
//   be) · 130 interrupted (the run ends `failed`, "Interrupted", as acpx does on SIGINT).
// `run_resumed` (scope run) payload: {resumedAt: next node|null, fromSeq: the last seq before
//   it, by: "reel", previousStatus, waitingOn, sessions, freshSessions?: [bundleId],
//   inputPatch?, inputArtifact?, flowPath?: {from, to}, acpxVersion}.
//
// acpx internals used (TypeScript-private in 0.19.1; each is checked before any write):
//   FlowRunner.prototype: run (replaced), runWithOwnership(flow, input, runDir, state),
//   executeFlowStep(…, attemptCounts) (wrapped per instance to seed the attempt counts),
//   resolveNextNode(flow, step), completeFlowRun(runDir, state),
//   closePendingPersistentSessionClients(runDir); runner fields store and
//   pendingPersistentSessionClients; FlowRunStore: traceSeqByRun, manifestByRun,
//   sessionSeqByBundle (Maps), writeSnapshot, writeArtifact, releaseRun; createRunDir and
//   initializeRunBundle (made to throw: no new run may start by accident); dist/cli.js
//   starting main() when process.argv[1] is itself; tsx/cjs/api resolvable from acpx.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const SUPPORTED = { min: [0, 19, 1], below: [0, 20, 0], text: ">=0.19.1 <0.20.0" };
const EXIT = { ok: 0, request: 2, probe: 3, refused: 4, failed: 5, interrupted: 130 };
const PERMISSION_FLAGS = {
  "approve-all": "--approve-all",
  "approve-reads": "--approve-reads",
  "deny-all": "--deny-all",
};
// acpx's store writes these fixed names whatever manifest.paths says.
const PATHS = {
  flow: "flow.json",
  trace: "trace.ndjson",
  runProjection: "projections/run.json",
  liveProjection: "projections/live.json",
  stepsProjection: "projections/steps.json",
  sessionsDir: "sessions",
  artifactsDir: "artifacts",
};

const writeOut = process.stdout.write.bind(process.stdout); // pipes are synchronous on Linux
const emit = (obj) => writeOut(`${JSON.stringify(obj)}\n`);
const log = (msg) => process.stderr.write(`[reel-driver] ${msg}\n`);
const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const only = (values) => (values.size === 1 ? [...values][0] : undefined);
const run = { exitCode: EXIT.refused, probeSent: false, doneSent: false, wrote: false };
let interrupted = false;
let acpxError = null;

function readRequest() {
  const bad = (what) => Object.assign(new Error(`bad request: ${what}`), { exitCode: EXIT.request });
  let req;
  try {
    req = JSON.parse(fs.readFileSync(process.argv[2] ?? 0, "utf8"));
  } catch (error) {
    throw bad(error.message);
  }
  if (!req || typeof req !== "object") throw bad("not an object");
  if (!["probe", "resume"].includes(req.mode)) throw bad('mode must be "probe" or "resume"');
  for (const key of ["acpxDir", "runDir"]) {
    if (typeof req[key] !== "string") throw bad(`${key} must be a path`);
  }
  for (const key of ["flowPath", "cwd"]) {
    if (req[key] != null && typeof req[key] !== "string") throw bad(`${key} must be a path`);
  }
  if (req.permissionMode != null && !PERMISSION_FLAGS[req.permissionMode]) {
    throw bad(`unknown permissionMode ${JSON.stringify(req.permissionMode)}`);
  }
  req.sessions ??= "reuse";
  if (!["reuse", "fresh", "auto"].includes(req.sessions)) throw bad("sessions: reuse, fresh or auto");
  return { ...req, runDir: path.resolve(req.runDir), acpxDir: path.resolve(req.acpxDir) };
}

// RFC 7396 JSON merge patch.
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function versionSupported(version) {
  const parts = String(version).split(/[.-]/).slice(0, 3).map(Number);
  const cmp = (a, b) => a.reduce((acc, x, i) => acc || Math.sign(x - b[i]), 0);
  return parts.length === 3 && parts.every(Number.isInteger) &&
    cmp(parts, SUPPORTED.min) >= 0 && cmp(parts, SUPPORTED.below) < 0;
}

// What can be checked before acpx's CLI starts: the package and the engine's private parts.
async function probeAcpx(acpxDir, missing) {
  let version = null;
  try {
    const pkg = readJson(path.join(acpxDir, "package.json"));
    version = pkg.version ?? null;
    if (pkg.name !== "acpx") missing.push(`package.json names ${JSON.stringify(pkg.name)}, not acpx`);
    if (!versionSupported(version)) missing.push(`acpx ${version} is outside the supported range ${SUPPORTED.text}`);
  } catch (error) {
    missing.push(`no readable acpx package.json in ${acpxDir}: ${error.message}`);
    return { version };
  }
  const flowsJs = path.join(acpxDir, "dist", "flows.js");
  const cliPath = path.join(acpxDir, "dist", "cli.js");
  let FlowRunner;
  try {
    ({ FlowRunner } = await import(pathToFileURL(flowsJs).href));
  } catch (error) {
    missing.push(`dist/flows.js does not load: ${error.message}`);
  }
  if (typeof FlowRunner !== "function") {
    missing.push("dist/flows.js does not export FlowRunner");
    return { version };
  }
  const arities = {
    run: 3, runWithOwnership: 4, executeFlowStep: 6, resolveNextNode: 2, completeFlowRun: 2,
    closePendingPersistentSessionClients: 1,
  };
  for (const [name, arity] of Object.entries(arities)) {
    const fn = FlowRunner.prototype[name];
    if (typeof fn !== "function") missing.push(`FlowRunner.prototype.${name} (function)`);
    else if (name !== "run" && fn.length !== arity) {
      missing.push(`FlowRunner.prototype.${name} takes ${fn.length} parameters, not ${arity}`);
    }
  }
  // A throwaway runner shows the instance fields; constructing one writes nothing.
  let storeProto = null;
  try {
    const agent = { agentName: "probe", agentCommand: "probe", cwd: process.cwd() };
    const dummy = new FlowRunner({ resolveAgent: () => agent });
    missing.push(...instanceProblems(dummy));
    storeProto = dummy.store ? Object.getPrototypeOf(dummy.store) : null;
    for (const name of ["createRunDir", "initializeRunBundle"]) {
      if (typeof storeProto?.[name] !== "function") missing.push(`FlowRunStore.prototype.${name} (function)`);
    }
  } catch (error) {
    missing.push(`new FlowRunner() failed: ${error.message}`);
  }
  try {
    createRequire(flowsJs).resolve("tsx/cjs/api");
  } catch {
    missing.push("tsx/cjs/api is not resolvable from acpx (acpx loads .ts flows with it)");
  }
  try {
    if (!fs.readFileSync(cliPath, "utf8").includes("isCliEntrypoint(process.argv)")) {
      missing.push("dist/cli.js no longer starts main() from its entry-point check");
    }
  } catch (error) {
    missing.push(`dist/cli.js is not readable: ${error.message}`);
  }
  return { version, FlowRunner, storeProto, cliPath };
}

function instanceProblems(runner) {
  const problems = [];
  if (!(runner.pendingPersistentSessionClients instanceof Map)) {
    problems.push("FlowRunner#pendingPersistentSessionClients (Map)");
  }
  const store = runner.store;
  if (!store || typeof store !== "object") return [...problems, "FlowRunner#store (FlowRunStore)"];
  for (const name of ["traceSeqByRun", "manifestByRun", "sessionSeqByBundle"]) {
    if (!(store[name] instanceof Map)) problems.push(`FlowRunStore#${name} (Map)`);
  }
  for (const name of ["writeSnapshot", "writeArtifact", "releaseRun"]) {
    if (typeof store[name] !== "function") problems.push(`FlowRunStore#${name} (function)`);
  }
  return problems;
}

// The last complete line of an NDJSON file (null when empty); a partial last line throws.
function lastLine(file) {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return null;
    for (let chunk = 65536; ; chunk *= 4) {
      const len = Math.min(size, chunk);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      if (buf[len - 1] !== 0x0a) throw new Error(`${file} ends in a partial line`);
      const start = len > 1 ? buf.lastIndexOf(0x0a, len - 2) : -1;
      if (start >= 0 || len === size) return JSON.parse(buf.subarray(start + 1, len - 1).toString("utf8"));
    }
  } finally {
    fs.closeSync(fd);
  }
}

// Reads from disk what acpx keeps only in memory (RESUME.md "The mechanism"), and refuses
// what is not a waiting bundle of this format.
async function readBundle(runDir, refused) {
  const b = { runDir, attemptCounts: new Map(), startedTimeouts: [], shellCwds: [] };
  b.manifest = readJson(path.join(runDir, "manifest.json"));
  b.flowSnapshot = readJson(path.join(runDir, PATHS.flow));
  b.state = readJson(path.join(runDir, PATHS.runProjection));
  b.tracePath = path.join(runDir, PATHS.trace);
  if (b.manifest.schema !== "acpx.flow-run-bundle.v1") refused.push(`manifest schema is ${b.manifest.schema}`);
  for (const [key, value] of Object.entries(b.manifest.paths ?? {})) {
    if (PATHS[key] && value !== PATHS[key]) refused.push(`manifest.paths.${key} is ${value}; acpx writes ${PATHS[key]}`);
  }
  if (b.manifest.status !== "waiting" || b.state.status !== "waiting") {
    refused.push(`the run is ${b.state.status} (manifest: ${b.manifest.status}), not waiting`);
  }
  b.traceBytes = fs.statSync(b.tracePath).size;
  const last = lastLine(b.tracePath);
  const lines = readline.createInterface({ input: fs.createReadStream(b.tracePath), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes('"node_started"') && !line.includes('"action_prepared"')) continue;
    const e = JSON.parse(line);
    if (e.type === "action_prepared" && typeof e.payload?.action?.cwd === "string") b.shellCwds.push(e.payload.action.cwd);
    if (e.type !== "node_started" || typeof e.nodeId !== "string") continue;
    b.attemptCounts.set(e.nodeId, (b.attemptCounts.get(e.nodeId) ?? 0) + 1);
    if (Number.isFinite(e.payload?.timeoutMs)) b.startedTimeouts.push({ nodeId: e.nodeId, timeoutMs: e.payload.timeoutMs });
  }
  b.lastSeq = last?.seq ?? 0;
  if (!Number.isInteger(b.lastSeq)) refused.push("the trace's last event has no integer seq");
  const atCheckpoint = last?.type === "node_outcome" && b.state.steps?.at(-1)?.nodeType === "checkpoint";
  if (!["run_forked", "run_rewound"].includes(last?.type) && !atCheckpoint) {
    refused.push(`the trace ends with ${last?.type}, not a fork, a rewind or a checkpoint's outcome`);
  }
  // Every session folder, listed or not, so that no events.ndjson starts again at seq 1.
  b.sessionSeqs = new Map();
  const sessionsDir = path.join(runDir, PATHS.sessionsDir);
  const ids = new Set((b.manifest.sessions ?? []).map((s) => s.id));
  if (fs.existsSync(sessionsDir)) for (const d of fs.readdirSync(sessionsDir)) ids.add(d);
  for (const id of ids) {
    const events = path.join(sessionsDir, id, "events.ndjson");
    if (fs.existsSync(events)) b.sessionSeqs.set(id, lastLine(events)?.seq ?? 0);
  }
  return b;
}

// The acpx CLI flags that reproduce the recorded run's defaults: the launch cwd and default
// agent (from ACP steps of nodes without an authored cwd / profile, else the shell actions'
// cwd), the default timeout (node_started of nodes without an authored timeoutMs).
function acpxArgs(req, bundle) {
  const nodes = bundle.flowSnapshot.nodes ?? {};
  const acpSteps = (bundle.state.steps ?? []).filter((s) => s.agent && nodes[s.nodeId]);
  const defaultCwd = acpSteps.filter((s) => (nodes[s.nodeId].cwd?.mode ?? "default") === "default");
  const agentCwd = only(new Set(defaultCwd.map((s) => s.agent.cwd)));
  const shellCwd = only(new Set(bundle.shellCwds));
  const [cwd, cwdFrom] = req.cwd != null ? [req.cwd, "request"] : agentCwd ? [agentCwd, "agents"]
    : shellCwd ? [shellCwd, "shell actions"] : [process.cwd(), "driver"];
  const agent = only(new Set(acpSteps.filter((s) => !nodes[s.nodeId].profile).map((s) => s.agent.agentName)));
  const authored = (t) => nodes[t.nodeId]?.timeoutMs !== undefined || !nodes[t.nodeId];
  const timeout = only(new Set(bundle.startedTimeouts.filter((t) => !authored(t)).map((t) => t.timeoutMs)));
  const args = ["--format", "json", "--cwd", path.resolve(cwd)];
  if (req.permissionMode) args.push(PERMISSION_FLAGS[req.permissionMode]);
  if (timeout > 0) args.push("--timeout", String(timeout / 1000));
  args.push("flow", "run", req.flowPath);
  if (agent) args.push("--default-agent", agent);
  return { args, cwdFrom };
}

// The structure acpx snapshots in flow.json (startAt, node ids and types, the sessions and
// shell-ness of nodes, edges), compared with the loaded flow.
function structureProblems(flow, snapshot) {
  const problems = [];
  const sorted = (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x);
  const canon = (v) => JSON.stringify(v, sorted);
  const shape = (node, isSnapshot) => {
    const type = node.nodeType ?? node.kind;
    const out = { type };
    if (type === "acp") {
      Object.assign(out, { profile: node.profile ?? null, handle: node.session?.handle ?? null, isolated: !!node.session?.isolated });
    }
    if (type === "action") out.shell = isSnapshot ? node.actionExecution === "shell" : "exec" in node;
    return canon(out);
  };
  if (flow.startAt !== snapshot.startAt) problems.push(`startAt is ${flow.startAt}, the run's is ${snapshot.startAt}`);
  for (const id of new Set([...Object.keys(flow.nodes), ...Object.keys(snapshot.nodes ?? {})])) {
    const now = flow.nodes[id];
    const then = snapshot.nodes?.[id];
    if (!now || !then) problems.push(`node ${id} ${now ? "is new" : "is gone"}`);
    else if (shape(now, false) !== shape(then, true)) problems.push(`node ${id} was ${shape(then, true)}, is ${shape(now, false)}`);
  }
  const edges = (list) => (list ?? []).map(canon).sort().join("\n");
  if (edges(flow.edges) !== edges(snapshot.edges)) problems.push("the edges changed");
  return problems;
}

// Per recorded persistent session: the prompts this bundle sent on it against the User
// messages of acpx's global record (~/.acpx/sessions/<acpxRecordId>.json). They differ when
// the agent-side session went on elsewhere (the parent of a fork, a sibling) or was cut.
function sessionReport(state) {
  return Object.values(state.sessionBindings ?? {}).map((binding) => {
    const prompts = (state.steps ?? []).filter((s) => s.session?.bundleId === binding.bundleId).map((s) => s.promptText ?? "");
    const file = path.join(os.homedir(), ".acpx", "sessions", `${encodeURIComponent(binding.acpxRecordId)}.json`);
    let users = null;
    let trimmed = false;
    try {
      const messages = readJson(file).messages ?? [];
      trimmed = messages.length >= 200; // acpx keeps the last 200 messages
      users = messages.filter((m) => m && typeof m === "object" && m.User)
        .map((m) => (m.User.content ?? []).map((c) => c.Text ?? "").join(""));
    } catch {
      /* a missing record: a reused session fails ("Session not found") */
    }
    // Texts are cut at 8000 chars + "..."; a trimmed record can only be compared by its tail.
    const same = (rec, sent) => rec === sent || (rec.length === 8003 && rec.endsWith("...") && sent.startsWith(rec.slice(0, 8000)));
    const diverged = users === null ||
      (trimmed ? users.length > prompts.length : users.length !== prompts.length) ||
      prompts.slice(prompts.length - users.length).some((sent, i) => !same(users[i], sent));
    return {
      bundleId: binding.bundleId, handle: binding.handle, acpxRecordId: binding.acpxRecordId,
      bundlePrompts: prompts.length, recordPrompts: users?.length ?? null, diverged,
    };
  });
}

// The last recorded step in the shape resolveNextNode takes.
function lastStepOf(state, flow) {
  const last = state.steps?.at(-1);
  if (!last) return null;
  const recorded = state.results?.[last.nodeId];
  const nodeResult = recorded?.attemptId === last.attemptId ? recorded : {
    attemptId: last.attemptId, nodeId: last.nodeId, nodeType: last.nodeType, outcome: last.outcome,
    startedAt: last.startedAt, finishedAt: last.finishedAt, ...(last.error ? { error: last.error } : {}),
  };
  return {
    nodeId: last.nodeId, attemptId: last.attemptId, node: flow.nodes[last.nodeId], output: last.output,
    nodeResult, executionError: new Error(last.error ?? `${last.nodeId} ended ${last.outcome}`),
    state: { ...state, outputs: { ...state.outputs } }, // resolveNextNode writes step.state.outputs
  };
}

// Everything the probe can only check with the flow acpx loaded and the runner it configured.
function probeFlow(runner, flow, { req, bundle, probe }) {
  const { state } = bundle;
  const complain = (msg) => (req.force ? probe.warnings : probe.refused).push(msg);
  probe.missing.push(...instanceProblems(runner));
  for (const m of structureProblems(flow, bundle.flowSnapshot)) complain(`flow file: ${m}`);
  const last = lastStepOf(state, flow);
  try {
    probe.next = last ? runner.resolveNextNode(flow, last) : flow.startAt;
    // acpx's checkpoint stop has waitingOn = the checkpoint; the next node is its out-edge.
    const atCheckpoint = last?.node?.nodeType === "checkpoint" && state.waitingOn === last.nodeId;
    if (!atCheckpoint && (state.waitingOn ?? null) !== probe.next) {
      complain(`waitingOn is ${state.waitingOn}, but acpx's edges lead to ${probe.next}`);
    }
  } catch (error) {
    probe.refused.push(`acpx's edges give no next node after ${last?.attemptId}: ${error.message}`);
  }
  probe.sessions = sessionReport(state);
  for (const s of probe.sessions.filter((x) => x.diverged && req.sessions === "reuse")) {
    probe.warnings.push(s.recordPrompts === null
      ? `session ${s.bundleId}: acpx's record ${s.acpxRecordId} is missing; its next prompt will fail`
      : `session ${s.bundleId}: the agent-side session's history differs from this bundle's prompts`);
  }
  probe.ok = probe.missing.length === 0 && probe.refused.length === 0;
  sendProbe(probe);
  return probe.ok;
}

// Runs inside acpx's CLI in place of FlowRunner#run: `runner` is the one acpx configured.
async function resumeInPlace(runner, flow, ctx) {
  const { req, bundle, probe } = ctx;
  const { state, runDir } = bundle;
  if (!probeFlow(runner, flow, ctx)) return (run.exitCode = probe.missing.length ? EXIT.probe : EXIT.refused);
  if (req.mode === "probe") return (run.exitCode = EXIT.ok);
  if (interrupted) return finish(EXIT.interrupted, state, "Interrupted before anything was written");

  // Seed the store's in-memory counters from disk; attempt counts go in through the step.
  const store = runner.store;
  store.traceSeqByRun.set(runDir, bundle.lastSeq);
  store.manifestByRun.set(runDir, bundle.manifest);
  for (const [id, seq] of bundle.sessionSeqs) {
    store.sessionSeqByBundle.set(`${runDir}::${id}`, { allocated: seq, persisted: seq });
  }
  const executeFlowStep = runner.executeFlowStep;
  runner.executeFlowStep = function (f, input, dir, st, nodeId, _fresh) {
    return executeFlowStep.call(this, f, input, dir, st, nodeId, bundle.attemptCounts);
  };
  const next = probe.next;
  const payload = {
    resumedAt: next, fromSeq: bundle.lastSeq, by: "reel", previousStatus: state.status,
    waitingOn: state.waitingOn ?? null, sessions: req.sessions,
  };
  if (req.sessions !== "reuse") {
    // Without a binding for a node's key acpx opens a new ACP session (same bundleId, folder).
    const drop = new Set(probe.sessions.filter((x) => req.sessions === "fresh" || x.diverged).map((x) => x.bundleId));
    payload.freshSessions = [...drop];
    const kept = Object.entries(state.sessionBindings ?? {}).filter(([, b]) => !drop.has(b.bundleId));
    state.sessionBindings = Object.fromEntries(kept);
  }
  if (req.inputPatch != null) {
    state.input = mergePatch(state.input, req.inputPatch);
    payload.inputPatch = req.inputPatch;
  }
  if (req.flowPath !== state.flowPath) payload.flowPath = { from: state.flowPath ?? null, to: req.flowPath };
  payload.acpxVersion = ctx.version;
  try {
    run.wrote = true;
    if (req.inputPatch != null) {
      const opts = { mediaType: "application/json", extension: "json", emitTrace: false };
      payload.inputArtifact = await store.writeArtifact(runDir, state, state.input, opts);
    }
    Object.assign(state, {
      status: "running", flowPath: req.flowPath, waitingOn: undefined, finishedAt: undefined,
      error: undefined, currentNode: undefined, currentAttemptId: undefined, currentNodeType: undefined,
      currentNodeStartedAt: undefined, lastHeartbeatAt: undefined, statusDetail: next ? `Resumed at ${next}` : "Resumed",
    });
    await store.writeSnapshot(runDir, state, { scope: "run", type: "run_resumed", payload });
    emit({ type: "resumed", next, seq: store.traceSeqByRun.get(runDir) });
    // acpx's signal handler comes with runWithOwnership; a signal before it is handled here.
    if (interrupted) await markFailed(store, runDir, state, "Interrupted");
    else if (next === null) await runner.completeFlowRun(runDir, state);
    else await runner.runWithOwnership({ ...flow, startAt: next }, state.input, runDir, state);
  } catch (error) {
    // acpx has written run_failed for failures of the flow itself (finishedAt is set then).
    if (!state.finishedAt) {
      log(`resume failed: ${error.stack ?? error}`);
      await markFailed(store, runDir, state, error.message).catch((e) => log(`marking the run failed: ${e.message}`));
      run.exitCode = EXIT.failed;
    }
  } finally {
    try {
      await runner.closePendingPersistentSessionClients(runDir);
    } catch (error) {
      log(`closing agent sessions: ${error.message}`);
    } finally {
      store.releaseRun(runDir);
    }
  }
  const code = run.exitCode === EXIT.failed ? EXIT.failed : state.error === "Interrupted" ? EXIT.interrupted : EXIT.ok;
  return finish(code, state, state.error ?? null, attemptsSince(bundle));
}

// What acpx's persistRunFailure writes, for failures outside acpx's own loop.
async function markFailed(store, runDir, state, error) {
  const at = new Date().toISOString();
  Object.assign(state, { status: "failed", finishedAt: at, updatedAt: at, error, statusDetail: error });
  await store.writeSnapshot(runDir, state, { scope: "run", type: "run_failed", payload: { status: "failed", error } });
}

// The attempts started since the driver read the trace (node_started after its old end).
function attemptsSince(bundle) {
  if (!run.wrote) return [];
  const fd = fs.openSync(bundle.tracePath, "r");
  try {
    const buf = Buffer.alloc(Math.max(0, fs.fstatSync(fd).size - bundle.traceBytes));
    fs.readSync(fd, buf, 0, buf.length, bundle.traceBytes);
    return buf.toString("utf8").split("\n").filter((l) => l.includes('"node_started"'))
      .map((l) => JSON.parse(l)).filter((e) => e.type === "node_started").map((e) => e.attemptId);
  } finally {
    fs.closeSync(fd);
  }
}

function sendProbe(probe) {
  if (run.probeSent) return;
  run.probeSent = true;
  emit({ type: "probe", ...probe });
}

function finish(code, state, error, attempts = []) {
  run.exitCode = code;
  run.doneSent = true;
  emit({ type: "done", status: state.status, attempts, written: run.wrote, error });
  return code;
}

async function main() {
  // reel may die first (then the kernel sends SIGINT): its pipes close, and a write to them
  // must not crash the driver before the bundle gets its ending.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  // A signal is only noted: before anything is written the driver stops by itself; after
  // that, acpx's own handler (runWithOwnership) ends the run `failed` / "Interrupted".
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      interrupted = true;
      log(`${sig} received`);
    });
  }
  const req = readRequest();
  const probe = {
    ok: false, acpxVersion: null, node: process.version, missing: [], refused: [], warnings: [],
    next: null, sessions: [], acpxArgs: [], cwdFrom: null,
  };
  const acpx = await probeAcpx(req.acpxDir, probe.missing);
  probe.acpxVersion = acpx.version;
  if (Number(process.versions.node.split(".")[0]) < 20) probe.missing.push(`node ${process.version} is older than 20`);
  let bundle = null;
  try {
    bundle = await readBundle(req.runDir, probe.refused);
    req.flowPath = path.resolve(req.flowPath ?? bundle.manifest.flowPath ?? "");
    const stat = fs.statSync(req.flowPath, { throwIfNoEntry: false });
    if (!stat?.isFile()) probe.refused.push(`the flow file ${req.flowPath} does not exist`);
    // Node functions (prompts, parse, run) are not in flow.json: a newer file may differ there.
    else if (stat.mtimeMs > Date.parse(bundle.state.startedAt)) {
      probe.warnings.push(`the flow file was modified after the run started (${stat.mtime.toISOString()})`);
    }
    ({ args: probe.acpxArgs, cwdFrom: probe.cwdFrom } = acpxArgs(req, bundle));
  } catch (error) {
    probe.refused.push(`the bundle ${req.runDir} cannot be read: ${error.message}`);
  }
  if (probe.missing.length || probe.refused.length || interrupted) {
    sendProbe(probe);
    if (probe.missing.length) return EXIT.probe;
    if (probe.refused.length) return EXIT.refused;
    if (req.mode === "resume") finish(EXIT.interrupted, bundle.state, "Interrupted before anything was written");
    return EXIT.interrupted;
  }

  const ctx = { req, bundle, probe, version: acpx.version };
  acpx.FlowRunner.prototype.run = async function (flow) {
    try {
      await resumeInPlace(this, flow, ctx);
    } catch (error) {
      log(`driver error: ${error.stack ?? error}`);
      sendProbe({ ...probe, ok: false, refused: [...probe.refused, error.message] });
      if (req.mode === "resume" && !run.doneSent) finish(run.wrote ? EXIT.failed : EXIT.refused, bundle.state, error.message);
      else run.exitCode = run.wrote ? EXIT.failed : EXIT.refused;
    } finally {
      setTimeout(() => process.exit(run.exitCode), 2000).unref(); // should a handle linger
    }
    return { runDir: bundle.runDir, state: bundle.state }; // what acpx's CLI prints
  };
  const refuse = () => {
    throw new Error("reel driver: acpx tried to start a new run instead of resuming");
  };
  acpx.storeProto.createRunDir = refuse;
  acpx.storeProto.initializeRunBundle = refuse;
  // acpx's own stdout (its flow_run_result, or a JSON-RPC-shaped error) goes to stderr.
  process.stdout.write = (chunk, encoding, cb) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      try {
        const out = JSON.parse(line);
        if (out?.error?.message) acpxError = out.error.message;
        log(`acpx: ${out?.action ?? "error"} ${out?.status ?? out?.error?.message ?? ""}`);
      } catch {
        log(`acpx: ${line}`);
      }
    }
    (typeof encoding === "function" ? encoding : cb)?.();
    return true;
  };
  // acpx's CLI may stop before the flow reaches the engine (flow load, permissions, flags).
  process.on("exit", () => {
    const why = acpxError ?? "its CLI stopped before the flow reached the engine";
    sendProbe({ ...probe, ok: false, refused: [`acpx: ${why}`] });
    if (req.mode === "resume" && !run.doneSent) finish(run.exitCode, bundle.state, `acpx: ${why}`);
    process.exitCode = run.exitCode;
  });
  const cli = fs.realpathSync(acpx.cliPath);
  process.argv = [process.argv[0], cli, ...probe.acpxArgs];
  await import(pathToFileURL(cli).href);
  return null;
}

main().then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error) => {
    log(error.message);
    process.exitCode = error.exitCode ?? EXIT.failed;
  },
);
