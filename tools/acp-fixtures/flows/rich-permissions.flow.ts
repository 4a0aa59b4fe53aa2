// Permission requests with named options of every PermissionOptionKind, and file system and
// terminal requests, answered by acpx's permission mode. generate.sh runs it with
// --approve-reads and with --deny-all (no TTY, so nothing is asked interactively).
import { acp, defineFlow } from "acpx/flows";

const lines = (...items: string[]) => items.join("\n");

export default defineFlow({
  name: "acp-rich-permissions",
  run: { title: ({ input }) => `Permissions under ${String((input as { mode?: string }).mode ?? "?")}` },
  startAt: "read_env",
  nodes: {
    read_env: acp({
      statusDetail: "A read tool asks with all four option kinds",
      prompt: () =>
        lines(
          "Read the env file.",
          "MOCK_PERMISSION_KIND=read",
          "MOCK_PERMISSION=allow_once,allow_always,reject_once,reject_always",
          "MOCK_REPLY=read step done",
        ),
    }),
    edit_readme: acp({
      statusDetail: "An edit tool asks with all four option kinds",
      prompt: () =>
        lines("Edit the README.", "MOCK_PERMISSION=allow_once,allow_always,reject_once,reject_always", "MOCK_REPLY=edit step done"),
    }),
    edit_always: acp({
      statusDetail: "A tool call known only from its permission request (with a diff), 'always' options only",
      prompt: () => lines("Rewrite the README.", "MOCK_PERMISSION_DIFF=allow_always,reject_always", "MOCK_REPLY=rewrite step done"),
    }),
    allow_only: acp({
      statusDetail: "Only allow options: a mode that rejects has nothing to pick",
      prompt: () => lines("Edit without a way to say no.", "MOCK_PERMISSION=allow_once,allow_always", "MOCK_REPLY=allow-only step done"),
    }),
    run_tests: acp({
      statusDetail: "terminal/create and fs/write_text_file need approval, fs/read_text_file too under deny-all",
      prompt: () => lines("Run the tests.", "MOCK_FS", "MOCK_TERMINAL=echo 12 passed", "MOCK_REPLY=tests step done"),
    }),
  },
  edges: [
    { from: "read_env", to: "edit_readme" },
    { from: "edit_readme", to: "edit_always" },
    { from: "edit_always", to: "allow_only" },
    { from: "allow_only", to: "run_tests" },
  ],
});
