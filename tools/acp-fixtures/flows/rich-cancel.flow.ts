// A permission request still pending when the turn is cancelled. generate.sh runs it with
// --approve-reads under a pseudo-terminal, so acpx asks "(y/N)" for the edit and waits;
// nobody answers, the node's timeout cancels the turn (session/cancel) and acpx answers
// the pending request with outcome "cancelled". The next turn on the session goes on.
import { acp, defineFlow } from "acpx/flows";

const lines = (...items: string[]) => items.join("\n");

export default defineFlow({
  name: "acp-rich-cancel",
  startAt: "ask_and_wait",
  nodes: {
    ask_and_wait: acp({
      timeoutMs: 6000, // long enough for the agent to start and ask, even on a busy machine
      statusDetail: "Waits on an unanswered permission prompt until the timeout cancels the turn",
      prompt: () =>
        lines(
          "Edit the README (nobody will answer).",
          "MOCK_PREAMBLE=I need to edit README.md.",
          "MOCK_PERMISSION=allow_once,allow_always,reject_once,reject_always",
          "MOCK_REPLY=unreachable",
        ),
    }),
    after_cancel: acp({
      statusDetail: "The same session after the cancelled turn",
      prompt: () => lines("Carry on without editing.", "MOCK_REPLY=Carrying on without the edit."),
    }),
  },
  edges: [{ from: "ask_and_wait", switch: { on: "$result.outcome", cases: { ok: "after_cancel", timed_out: "after_cancel", failed: "after_cancel", cancelled: "after_cancel" } } }],
});
