// npm run bench:fleet [-- --stacks 300] [--parallel 20] [--json]   (--help: the options)
// Prints the fleet's wall time against the ideal for injected per-stack durations (./measure.ts):
// figures on THIS machine, printed, never asserted.
import { stringValue, type ToolSpec, type Values } from "../../cli/args";
import { UsageError } from "../../cli/errors";
import { EXIT } from "../../cli/exit-codes";
import { schemaName } from "../../cli/json";
import { runAsMain, runTool, type ToolIO } from "../../cli/run";
import { fitText } from "../../cli/terminal";
import { measureFleet } from "./measure";

const GOAL = 1.2;

const SPEC: ToolSpec = {
  invocation: "npm run bench:fleet --",
  summary:
    "The fleet's scheduling: N stacks with injected durations (200-1000 ms, seeded), P at a time, one\n" +
    `injected failure; prints wall time against the ideal (goal at most ${GOAL}×) and whether the failure stayed isolated.`,
  options: {
    stacks: { type: "string", value: "<n>", description: "stacks (default 300)" },
    parallel: { type: "string", value: "<n>", description: "at a time (default 20)" },
    json: { type: "boolean", description: "one JSON document on stdout" },
  },
  exitCodes: ["ok", "error", "usage"],
};

function count(values: Values, name: string, fallback: number, problems: string[]): number {
  const t = stringValue(values, name);
  if (t === undefined) return fallback;
  if (!/^[1-9]\d{0,4}$/.test(t))
    problems.push(`--${name} takes a positive integer, e.g. ${fallback} (got "${t}")`);
  return Number(t);
}

export function runFleetBench(argv: readonly string[], io: ToolIO): Promise<number> {
  return runTool({ spec: SPEC, schema: () => schemaName("bench-fleet", 1) }, argv, io, async (inv) => {
    const problems: string[] = [];
    const stacks = count(inv.values, "stacks", 300, problems);
    const parallel = count(inv.values, "parallel", 20, problems);
    if (problems.length > 0) throw new UsageError(problems);
    const f = await measureFleet({ stacks, parallel, minMs: 200, maxMs: 1000, seed: 13 });
    const isolated = f.failed.length === 1 && f.failed[0] === f.failedStack && f.succeeded === stacks - 1;
    if (!inv.json)
      io.stdout(
        fitText(
          inv.terminals.stdout,
          `Fleet: ${stacks} stacks, ${parallel} at a time, injected durations ${f.minMs}-${f.maxMs} ms (seed ${f.seed})\n` +
            `  wall ${(f.wallMs / 1000).toFixed(2)} s · ideal ${(f.idealMs / 1000).toFixed(2)} s · ${f.ratio}× ideal (goal at most ${GOAL}×: ${f.ratio <= GOAL ? "met" : "NOT met"})\n` +
            `  injected failure ${f.failedStack}: ${isolated ? `isolated (${f.succeeded} others succeeded)` : `NOT isolated (failed: ${f.failed.join(", ")})`}\n`,
        ),
      );
    return {
      exitCode: isolated ? EXIT.ok : EXIT.error,
      body: { ...f, goal: GOAL, isolated },
    };
  });
}

if (require.main === module) runAsMain(runFleetBench);
