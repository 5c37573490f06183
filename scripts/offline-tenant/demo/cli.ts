// npm run demo [-- --json] [-- --step <n>]
// Plays one simulated tenant's story on the real code (story.ts), offline; exit 0 when every step
// went as the story expects, 1 when one did not, 2 for bad usage. Ctrl-C stops and removes
// everything it started.
import { parseArgs } from "node:util";
import { colourFor, EXIT, UsageError } from "./cli-support";
import { DemoRun } from "./run";
import { STORY } from "./story";

export const USAGE = `Usage: npm run demo [-- --json] [-- --step <n>]

Plays a simulated Microsoft 365 tenant's story with exo-oauth's real code, offline: nothing
reaches Microsoft, no tenant or Pulumi CLI is needed.
${STORY.map((s) => `  ${s.n}. ${s.title}`).join("\n")}

  --step <n>   run steps 1 to n and stop (each step needs the ones before it; default ${STORY.length})
  --json       print the whole story as ONE JSON document (steps, plans, verify reports, timings)
  --help

Exit code 0 when every step went as the story expects, 1 when one did not, 2 for bad usage.`;

export interface DemoArgs {
  json: boolean;
  /** Run steps 1 … upTo. */
  upTo: number;
  help: boolean;
}

/** The command line, checked. Throws UsageError naming the option and what is allowed. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  let values: { json?: boolean; step?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: "boolean" }, step: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const upTo = values.step === undefined ? STORY.length : Number(values.step);
  if (!Number.isInteger(upTo) || upTo < 1 || upTo > STORY.length)
    throw new UsageError(`--step ${values.step}: expected a step number from 1 to ${STORY.length}`);
  return { json: values.json ?? false, upTo, help: values.help ?? false };
}

let showing = false;
/** One line on stderr, erased (`\r`, erase-line) before the next output. */
function terminalProgress(text: string | undefined): void {
  if (text === undefined && !showing) return;
  process.stderr.write(text === undefined ? "\r\x1b[2K" : `\r\x1b[2K  … ${text}`);
  showing = text !== undefined;
}

export async function main(argv: string[]): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const run = await DemoRun.start({
    out: (t) => void process.stdout.write(t),
    json: args.json,
    colour: colourFor(process.stdout),
    // The wall time printed at the end is the whole process's, startup included.
    startedAt: new Date(performance.timeOrigin),
    progress: process.stderr.isTTY && !args.json ? terminalProgress : undefined,
  });
  const interrupted = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`\n${signal}: stopping the simulated tenant's services…\n`);
      void run.finish().finally(() => resolve(signal === "SIGINT" ? 130 : 143));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  const played = (async () => {
    for (let n = 1; n <= args.upTo; n++) if (!(await run.step(n)).ok) break;
    await run.finish();
    return run.ok ? EXIT.ok : EXIT.failed;
  })();
  return Promise.race([played, interrupted]);
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
