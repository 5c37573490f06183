// npm run demo -- [--step <n>] [--json]   (--help: the options)
// Plays one simulated tenant's story on the real code (story.ts), offline, through the CLI kit
// (scripts/cli/: one parser, one exit-code table, one --json envelope, one terminal rule):
//   0 every step went as the story expects, 1 one did not (or the demo could not start), 64 a bad
//   command line; 130 on SIGINT (Ctrl-C) and 143 on SIGTERM, after stopping the simulated tenant's
//   services and removing its files (128 + the signal's number, as a shell reports it).
import { printable } from "../../../components/printable";
import { stringValue, type ToolSpec } from "../../cli/args";
import { UsageError } from "../../cli/errors";
import { EXIT, SIGNAL_EXIT, type StopSignal } from "../../cli/exit-codes";
import { processIO, runTool, stopSignal, type Invocation, type Outcome, type ToolIO } from "../../cli/run";
import { fitText, type Terminal } from "../../cli/terminal";
import { DEMO_SCHEMA, DemoRun } from "./run";
import { STORY } from "./story";

export const DEMO_SPEC: ToolSpec = {
  invocation: "npm run demo --",
  summary:
    "Plays a simulated Microsoft 365 tenant's story with exo-oauth's real code, offline: nothing\n" +
    "reaches Microsoft, no tenant or Pulumi CLI is needed.",
  options: {
    step: {
      type: "string",
      value: "<n>",
      description: `run steps 1 to n and stop (each needs the ones before it; default ${STORY.length})`,
    },
    json: {
      type: "boolean",
      description: "print the whole story as ONE JSON document (steps, plans, verify reports, timings)",
    },
  },
  details: [
    "The story:",
    ...STORY.map((s) => `  ${s.n}. ${s.title}`),
    "",
    "A step that does not go as the story expects fails the demo (exit 1). Ctrl-C (SIGINT) or SIGTERM",
    "stops the simulated tenant's services and removes its files, then exits 130 or 143.",
    'docs/offline-tenant.md, "The demo and serve".',
  ].join("\n"),
  exitCodes: ["ok", "error", "usage"],
};

/** `--step`'s value: the last step to run (default all). Anything else is a usage error naming --step. */
export function lastStep(value: string | undefined): number {
  if (value === undefined) return STORY.length;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > STORY.length)
    throw new UsageError(
      `--step takes a step number from 1 to ${STORY.length} (got "${printable(value.length > 20 ? `${value.slice(0, 17)}...` : value)}")`,
    );
  return n;
}

/** A transient progress line on a terminal's stderr, erased (`\r`, erase-line) before the next output. */
function progressLine(write: (text: string) => void, t: Terminal): (text: string | undefined) => void {
  let showing = false;
  return (text) => {
    if (text === undefined && !showing) return;
    write(text === undefined ? "\r\x1b[2K" : `\r\x1b[2K  ${fitText(t, `… ${text}`)}`);
    showing = text !== undefined;
  };
}

export interface DemoProcess {
  /** Resolves with the signal that asks the demo to stop (the CLI: SIGINT or SIGTERM, once). */
  stopped: Promise<StopSignal>;
  /** Whether stderr is a terminal that takes a progress line (not with --json). */
  progress: boolean;
}

async function play(inv: Invocation, io: ToolIO, p: DemoProcess): Promise<Outcome> {
  const upTo = lastStep(stringValue(inv.values, "step"));
  const run = await DemoRun.start({
    out: io.stdout,
    json: inv.json,
    terminal: inv.terminals.stdout,
    // The wall time printed at the end is the whole process's, startup included.
    startedAt: new Date(performance.timeOrigin),
    progress: p.progress && !inv.json ? progressLine(io.stderr, inv.terminals.stderr) : undefined,
  });
  const interrupted = p.stopped.then(async (signal) => {
    io.stderr(fitText(inv.terminals.stderr, `\n${signal}: stopping the simulated tenant's services…\n`));
    const doc = await run.finish();
    return { exitCode: SIGNAL_EXIT[signal], body: { ...doc, interrupted: signal } };
  });
  const played = (async () => {
    for (let n = 1; n <= upTo; n++) if (!(await run.step(n)).ok) break;
    const doc = await run.finish();
    return { exitCode: run.ok ? EXIT.ok : EXIT.error, body: { ...doc } };
  })();
  return Promise.race([played, interrupted]);
}

/** The demo on these arguments and streams; returns the exit code (never throws). */
export function runDemo(argv: readonly string[], io: ToolIO, p: DemoProcess): Promise<number> {
  return runTool({ spec: DEMO_SPEC, schema: () => DEMO_SCHEMA }, argv, io, (inv) => play(inv, io, p));
}

if (require.main === module) {
  const io = processIO();
  // process.exit, not exitCode: a step interrupted mid-way may leave a timer or a socket behind.
  void runDemo(process.argv.slice(2), io, {
    stopped: stopSignal(),
    progress: process.stderr.isTTY === true && process.env.TERM !== "dumb",
  }).then((code) => process.exit(code));
}
