// Every kind of ACP content on one persistent session (plus one isolated one), run with
// --approve-all. Each ACP node asks mock-agent-rich.mjs for a set of kinds.
import { acp, compute, defineFlow } from "acpx/flows";

const PNG_1X1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
// 44-byte WAV header of an empty 8 kHz mono clip.
const WAV_EMPTY = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";
const UNICODE_NODE = "翻訳_ترجمة_🚀";
const lines = (...items: string[]) => items.join("\n");

export default defineFlow({
  name: "acp-rich-content",
  run: { title: "Rich ACP content — 多言語 · עברית · العربية · 🇯🇵👩🏽‍💻" },
  startAt: "blocks",
  nodes: {
    blocks: acp({
      statusDetail: "Prompt with every content block type",
      prompt: () => [
        {
          type: "text",
          text: lines(
            "Describe the attached files.",
            "MOCK_USER_ECHO",
            "MOCK_SESSION_INFO=Rich content session",
            "MOCK_MODE=plan",
            "MOCK_COMMANDS",
            "MOCK_CONFIG=mock-large",
            "MOCK_THOUGHT=Looking at the image, the clip and the two resources.",
            "MOCK_PLAN",
            "MOCK_MESSAGE_IDS=msg-preamble|msg-blocks|msg-answer-1|msg-answer-2",
            "MOCK_PREAMBLE=I will read the attachments first.",
            "MOCK_TOOLS=1",
            "MOCK_BLOCKS",
            "MOCK_CHUNKS=2",
            "MOCK_USAGE",
            "MOCK_PROMPT_USAGE",
            "MOCK_REPLY=The image is a 1x1 PNG. The clip is silent. The config sets port 8080.",
          ),
        },
        { type: "image", mimeType: "image/png", data: PNG_1X1 },
        { type: "audio", mimeType: "audio/wav", data: WAV_EMPTY },
        {
          type: "resource_link",
          uri: "file:///workspace/docs/spec.pdf",
          name: "spec.pdf",
          title: "Specification",
          mimeType: "application/pdf",
          size: 48213,
        },
        { type: "resource", resource: { uri: "file:///workspace/notes.txt", mimeType: "text/plain", text: "remember the milk\n" } },
        { type: "resource", resource: { uri: "file:///workspace/pixel.png", mimeType: "image/png", blob: PNG_1X1 } },
      ],
    }),
    edits: acp({
      statusDetail: "Diffs, a new file, a multi-content tool call, permissions",
      prompt: () =>
        lines(
          "Refactor greet and add a module.",
          "MOCK_DIFF",
          "MOCK_NEW_FILE",
          "MOCK_MULTI_CONTENT",
          "MOCK_PERMISSION=allow_once,allow_always,reject_once,reject_always",
          "MOCK_PERMISSION_DIFF=allow_always,reject_always",
          "MOCK_REPLY=Edited 3 files; the answer was cut at the token limit",
          "MOCK_STOP=max_tokens",
        ),
    }),
    terminals: acp({
      statusDetail: "File system requests, a finished terminal and one still running at the end of the turn",
      prompt: () =>
        lines(
          "Build and start the watcher.",
          "MOCK_FS",
          "MOCK_TERMINAL=printf 'compiling 3 crates\\nok 世界 ✓\\n'; exit 0",
          "MOCK_TERMINAL_PENDING=echo watching; sleep 30",
          "MOCK_REPLY=Build ok; the watcher is still running.",
          "MOCK_STOP=max_turn_requests",
        ),
    }),
    terminal_orphan: acp({
      statusDetail: "A terminal wait that never gets an answer: the agent exits after the turn",
      prompt: () =>
        lines(
          "Start the dev server and leave.",
          "MOCK_TERMINAL_PENDING=echo serving; sleep 30",
          "MOCK_EXIT_AFTER_TURN",
          "MOCK_REPLY=Server started.",
        ),
    }),
    [UNICODE_NODE]: acp({
      statusDetail: "CJK, RTL and emoji in texts, titles and ids",
      prompt: () =>
        lines(
          "翻訳してください — ترجم هذا — תרגם את זה 🙏",
          "MOCK_ID_TAG=編集_تعديل_עריכה_🇯🇵👩🏽‍💻",
          "MOCK_SESSION_INFO=会話 · محادثة · שיחה 💬",
          "MOCK_THOUGHT=أفكر في الترجمة… 考えています 🤔",
          "MOCK_MESSAGE_IDS=メッセージ_1_🌸|رسالة_٢_🌙|הודעה_3_🇮🇱",
          "MOCK_PREAMBLE=まず読みます。سأقرأ أولاً. אקרא קודם.",
          "MOCK_TOOLS=2",
          "MOCK_DIFF",
          "MOCK_PERMISSION=allow_once,reject_once",
          "MOCK_CHUNKS=2",
          "MOCK_REPLY=翻訳: こんにちは世界 — ترجمة: مرحبا بالعالم — תרגום: שלום עולם 🇯🇵🇸🇦🇮🇱 👨‍👩‍👧‍👦 🏳️‍🌈",
          "MOCK_STOP=refusal",
        ),
    }),
    second_opinion: acp({
      session: { isolated: true },
      statusDetail: "Isolated session: its handshake (session/new with modes and configOptions) is in the log",
      prompt: () =>
        lines(
          "Give a second opinion.",
          "MOCK_MODE=accept_edits",
          "MOCK_CONFIG=mock-small",
          "MOCK_REPLY=Looks fine to me.",
          "MOCK_PROMPT_USAGE",
        ),
    }),
    gives_up: acp({
      statusDetail: "The agent itself ends the turn as cancelled",
      prompt: () => lines("Try the impossible.", "MOCK_TOOLS=1", "MOCK_REPLY=Stopping here.", "MOCK_STOP=cancelled"),
    }),
    breaks: acp({
      statusDetail: "An error response with data in the middle of a turn",
      prompt: () =>
        lines(
          "Call the flaky provider.",
          "MOCK_PREAMBLE=Calling the provider…",
          "MOCK_TOOLS=1",
          'MOCK_ERROR={"code":-32042,"message":"Provider rate limit 🚦","data":{"retryAfterMs":1500,"provider":"mock","attempts":[1,2,3],"detail":"quota exceeded — حصة"}}',
        ),
    }),
    wrap_up: compute({ run: ({ results }) => ({ breaks: results.breaks?.outcome ?? null }) }),
  },
  edges: [
    { from: "blocks", to: "edits" },
    { from: "edits", to: "terminals" },
    { from: "terminals", to: "terminal_orphan" },
    { from: "terminal_orphan", to: UNICODE_NODE },
    { from: UNICODE_NODE, to: "second_opinion" },
    { from: "second_opinion", to: "gives_up" },
    { from: "gives_up", to: "breaks" },
    { from: "breaks", switch: { on: "$result.outcome", cases: { ok: "wrap_up", failed: "wrap_up" } } },
  ],
});
