// `npm run fleet` with its runners injected (tests give fakes; cli.ts the Automation API and the
// tools' processes): selects the stacks, runs them (./orchestrate.ts), streams progress to stderr,
// prints the summary table and exits 0 all succeeded, 2 changes pending, 1 any failed or cancelled.
import { readdirSync } from "node:fs";
import { minimatch } from "minimatch";
import { stringValue } from "../../cli/args";
import { InputError, UsageError } from "../../cli/errors";
import { EXIT } from "../../cli/exit-codes";
import { runTool, type ToolIO } from "../../cli/run";
import { paint, printable } from "../../cli/terminal";
import { deployableStacks } from "../stacks/list";
import { duration, renderSummary } from "./table";
import { runFleet, type FleetCommand, type StackRunner } from "./orchestrate";
import { DEFAULT_PARALLEL, FLEET_SPEC, fleetSchema, MAX_PARALLEL } from "./spec";

export interface FleetDeps {
  /** The runner for a command, given each stack's environment. */
  runner: (
    command: FleetCommand,
    ctx: { workDir: string; envFor: (stack: string) => Record<string, string> },
  ) => StackRunner;
  envFor: (envDir: string | undefined, stack: string) => Record<string, string>;
  /** Aborted on Ctrl-C (cli.ts wires SIGINT). */
  signal?: AbortSignal;
  cwd?: string;
}

export function runFleetTool(argv: readonly string[], io: ToolIO, deps: FleetDeps): Promise<number> {
  return runTool({ spec: FLEET_SPEC, schema: fleetSchema }, argv, io, async (inv) => {
    const command = inv.command as FleetCommand;
    const parallelText = stringValue(inv.values, "parallel") ?? String(DEFAULT_PARALLEL);
    const parallel = Number(parallelText);
    if (!/^\d+$/.test(parallelText) || parallel < 1 || parallel > MAX_PARALLEL)
      throw new UsageError(
        `--parallel "${printable(parallelText)}" is not a whole number from 1 to ${MAX_PARALLEL}`,
        command,
      );
    const dir = stringValue(inv.values, "dir") ?? deps.cwd ?? process.cwd();
    const glob = stringValue(inv.values, "stacks") ?? "*";
    const envDir = stringValue(inv.values, "env-dir");
    let all: string[];
    try {
      all = deployableStacks(readdirSync(dir));
    } catch (err) {
      throw new InputError(
        `Listing the stacks: cannot read the folder ${printable(dir)} (${(err as NodeJS.ErrnoException).code}); --dir names the project folder`,
      );
    }
    const stacks = all.filter((s) => minimatch(s, glob));
    if (stacks.length === 0)
      throw new InputError(
        `No stack matches --stacks "${printable(glob)}": the project's stacks are ${all.length > 0 ? all.join(", ") : "none (no Pulumi.<stack>.yaml but the example and the demo)"}`,
      );
    const t = inv.terminals.stderr;
    const say = (stack: string, text: string) => io.stderr(`[${printable(stack)}] ${text}\n`);
    io.stderr(`${command}: ${stacks.length} stacks, ${Math.min(parallel, stacks.length)} at a time\n`);
    const results = await runFleet({
      stacks,
      command,
      parallel,
      runner: deps.runner(command, { workDir: dir, envFor: (s) => deps.envFor(envDir, s) }),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (e) => {
        if (e.kind === "start") say(e.stack, "started");
        else if (e.kind === "progress") say(e.stack, printable(e.line));
        else
          say(
            e.result.stack,
            `${paint(t, e.result.result === "failed" ? "red" : "green", e.result.result)} in ${duration(e.result.durationMs ?? 0)}` +
              (e.result.cause ? `: ${printable(e.result.cause)}` : ""),
          );
      },
    });
    const failed = results.some((r) => r.result === "failed" || r.result === "cancelled");
    const exitCode = failed
      ? EXIT.error
      : results.some((r) => r.result === "changes")
        ? EXIT.changes
        : EXIT.ok;
    if (!inv.json) io.stdout(renderSummary(results, inv.terminals.stdout));
    return {
      exitCode,
      body: { command, parallel, cancelled: deps.signal?.aborted ?? false, results },
    };
  });
}
