// The runner for plan, verify and check-expiry: the project's own tool as a process per stack
// (`exchange plan`, `verify`, `check-expiry` with `--stack <s> --json`), in the stack's environment.
// Its JSON document (docs/operations.md, "JSON output") says how it ended: exit 0 succeeded, 2
// changes pending (plan: drift), anything else failed with the document's first problem as cause.
// Ctrl-C sends SIGINT to the process.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { FleetCommand, StackOutcome, StackRunner } from "./orchestrate";

const ROOT = resolve(__dirname, "../../..");

/** The tool and arguments each command runs for a stack. */
export const TOOL_COMMANDS: Partial<Record<FleetCommand, { file: string; args: readonly string[] }>> = {
  plan: { file: "scripts/exchange-driver/cli.ts", args: ["plan"] },
  verify: { file: "scripts/operator/verify/cli.ts", args: [] },
  "check-expiry": { file: "scripts/operator/check-expiry/cli.ts", args: [] },
};

interface ToolDocument {
  exitCode?: number;
  error?: { message?: string };
  problems?: string[];
  operations?: unknown[];
  results?: unknown[];
}

/** How a tool's run ended, from its exit code and its document. */
export function toolOutcome(code: number | null, stdout: string, stderr: string): StackOutcome {
  let doc: ToolDocument | undefined;
  try {
    doc = JSON.parse(stdout) as ToolDocument;
  } catch {
    doc = undefined;
  }
  if (code === 0) return { result: "succeeded" };
  if (code === 2)
    return {
      result: "changes",
      ...(Array.isArray(doc?.operations) ? { changes: `${doc.operations.length} operations` } : {}),
    };
  const cause =
    doc?.error?.message ??
    doc?.problems?.[0] ??
    (stderr.trim().split("\n").at(-1) || `exit ${code ?? "by signal"}`);
  return { result: "failed", cause: cause.split("\n")[0] };
}

export function toolRunner(o: {
  envFor: (stack: string) => Record<string, string>;
  cwd?: string;
}): StackRunner {
  return ({ stack, command, signal, progress }) =>
    new Promise((done, fail) => {
      const tool = TOOL_COMMANDS[command];
      if (!tool) return fail(new Error(`${command} is not a tool command`));
      const child = spawn(
        process.execPath,
        [
          join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
          join(ROOT, tool.file),
          ...tool.args,
          "--stack",
          stack,
          "--json",
        ],
        { cwd: o.cwd ?? ROOT, env: o.envFor(stack) as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] },
      );
      const abort = () => child.kill("SIGINT");
      signal.addEventListener("abort", abort, { once: true });
      let stdout = "";
      let stderr = "";
      let partial = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const parts = (partial + d).split(/\r?\n/);
        partial = parts.pop() ?? "";
        for (const p of parts) if (p.trim() !== "") progress(p);
      });
      child.on("error", (err) => {
        signal.removeEventListener("abort", abort);
        fail(err);
      });
      child.on("close", (code) => {
        signal.removeEventListener("abort", abort);
        done(toolOutcome(code, stdout, stderr));
      });
    });
}
