// Payload builders for mock-agent-rich.mjs: ACP content blocks, diffs, permission
// options and session metadata, with the field names of the ACP SDK schema
// (@agentclientprotocol/sdk schema/schema.json). Pure data, no I/O, so every run
// produces the same bytes.

// 1×1 transparent PNG.
export const PNG_1X1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

// 8 samples of 8-bit mono PCM at 8 kHz in a WAV container (52 bytes).
export function tinyWavBase64() {
  const samples = Buffer.from([128, 160, 192, 160, 128, 96, 64, 96]);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + samples.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]).toString("base64");
}

// One block of each ContentBlock type other than text.
export function nonTextBlocks(tag) {
  const suffix = tag ? ` ${tag}` : "";
  return [
    { type: "image", mimeType: "image/png", data: PNG_1X1 },
    { type: "audio", mimeType: "audio/wav", data: tinyWavBase64() },
    {
      type: "resource_link",
      uri: "file:///workspace/docs/design.md",
      name: "design.md",
      title: `Design notes${suffix}`,
      mimeType: "text/markdown",
      size: 2048,
    },
    {
      type: "resource",
      resource: {
        uri: "file:///workspace/src/config.toml",
        mimeType: "text/x-toml",
        text: `[server]\nport = 8080\nname = "reel${suffix}"\n`,
      },
    },
    {
      type: "resource",
      resource: {
        uri: "file:///workspace/assets/logo.png",
        mimeType: "image/png",
        blob: PNG_1X1,
      },
    },
  ];
}

export const OLD_APP = 'export function greet(name) {\n  return "Hello " + name;\n}\n';
export const NEW_APP = "export function greet(name: string): string {\n  return `Hello ${name}!`;\n}\n";

export function diffExisting(path = "/workspace/src/app.ts") {
  return { type: "diff", path, oldText: OLD_APP, newText: NEW_APP };
}

export function diffNewFile(path = "/workspace/src/new_module.ts", tag = "") {
  const note = tag ? ` // ${tag}` : "";
  return { type: "diff", path, oldText: null, newText: `export const created = true;${note}\n` };
}

const OPTION_NAMES = {
  allow_once: "Allow once",
  allow_always: "Always allow",
  reject_once: "Reject",
  reject_always: "Never allow",
};

// PermissionOption[] for a comma list of PermissionOptionKind values.
export function permissionOptions(spec, tag) {
  const kinds = (spec || "allow_once,allow_always,reject_once,reject_always")
    .split(",")
    .map((kind) => kind.trim())
    .filter((kind) => kind in OPTION_NAMES);
  const suffix = tag ? ` (${tag})` : "";
  return kinds.map((kind) => ({
    optionId: `${kind.replace("_", "-")}${tag ? `-${tag}` : ""}`,
    name: `${OPTION_NAMES[kind]}${suffix}`,
    kind,
  }));
}

export function availableCommands(tag) {
  return [
    { name: "review", description: "Review the current diff", input: { hint: "path or glob to review" } },
    { name: "test", description: "Run the test suite" },
    { name: "init", description: `Create AGENTS.md${tag ? ` — ${tag}` : ""}`, input: null },
  ];
}

export function configOptions(model) {
  return [
    {
      id: "model",
      name: "Model",
      description: "Which model answers",
      category: "model",
      type: "select",
      currentValue: model,
      options: [
        { value: "mock-small", name: "Mock small" },
        { value: "mock-large", name: "Mock large" },
      ],
    },
    { id: "auto_compact", name: "Auto compact", category: "other", type: "boolean", currentValue: true },
  ];
}

export function sessionModes(currentModeId = "default") {
  return {
    currentModeId,
    availableModes: [
      { id: "default", name: "Default", description: "Ask before edits" },
      { id: "plan", name: "Plan", description: "Read only, plan first" },
      { id: "accept_edits", name: "Accept edits" },
    ],
  };
}

export function promptUsage(turn) {
  return {
    totalTokens: 1500 * turn + 321,
    inputTokens: 1200 * turn,
    outputTokens: 300 * turn,
    thoughtTokens: 21,
    cachedReadTokens: 800 * turn,
    cachedWriteTokens: 100,
  };
}
