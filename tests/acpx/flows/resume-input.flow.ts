// reel's resume tests: a flow whose later nodes read the run input (so an input patch on a
// fork changes what they do) and whose agent turn can be made to sleep (to interrupt it).
import { acp, compute, defineFlow, extractJsonObject } from "acpx/flows";

type Input = { task?: string; sleepMs?: number };

export default defineFlow({
  name: "reel-resume-input",
  startAt: "prepare",
  nodes: {
    prepare: compute({ run: () => ({ prepared: true }) }),
    ask: acp({
      heartbeatMs: 250,
      prompt: ({ input }) => {
        const { task = "none", sleepMs } = input as Input;
        return [
          `Task: ${task}`,
          ...(sleepMs ? [`MOCK_SLEEP_MS=${sleepMs}`] : []),
          `MOCK_REPLY={"echo":${JSON.stringify(task)}}`,
        ].join("\n");
      },
      parse: (text) => extractJsonObject(text),
    }),
    report: compute({
      run: ({ input, outputs }) => ({ task: (input as Input).task ?? null, echoed: outputs.ask }),
    }),
  },
  edges: [
    { from: "prepare", to: "ask" },
    { from: "ask", to: "report" },
  ],
});
