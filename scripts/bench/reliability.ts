// npm run bench:reliability -- [--json] [--only <text>]   (--help: the options)
// The reliability figures, each next to its goal, one section per module in
// scripts/bench/reliability/sections/ (the interface: reliability/figure.ts; how to add a section:
// docs/development.md, "Reliability benchmark"). Sections run one after the other in file-name order.
// Through the CLI kit (scripts/cli/): exit 0 when every figure meets its goal, 1 when one does not
// (or a section fails), 64 a bad command line; --json prints ONE document in the kit's envelope.
// It prints figures; it is not a timed test.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { listValue, type ToolSpec } from "../cli/args";
import { EXIT } from "../cli/exit-codes";
import { schemaName } from "../cli/json";
import { processIO, runTool, type Invocation, type Outcome, type ToolIO } from "../cli/run";
import { fitText, paint } from "../cli/terminal";
import type { Section } from "./reliability/figure";
import { sectionOk, sectionText, type SectionResult } from "./reliability/report";

export const SECTIONS_DIR = join(__dirname, "reliability", "sections");
/** @2: the CLI kit's envelope (`exitCode` added); `sections` as in @1. */
export const SCHEMA = schemaName("bench-reliability", 2);

export const RELIABILITY_SPEC: ToolSpec = {
  invocation: "npm run bench:reliability --",
  summary:
    "The reliability figures, each next to its goal: one section per module in\n" +
    "scripts/bench/reliability/sections/, run one after the other in file-name order.",
  options: {
    json: { type: "boolean", description: "ONE JSON document on stdout (progress on stderr)" },
    only: {
      type: "string",
      multiple: true,
      value: "<text>",
      description: "run only the sections whose file name or title contains <text>",
    },
  },
  details:
    "Exit 1 when a figure misses its goal or a section fails. Takes minutes: it plays the demo and\n" +
    'runs the engine many times. docs/development.md, "Reliability benchmark".',
  exitCodes: ["ok", "error", "usage"],
};

/** The section modules, in file-name order. */
export function sectionFiles(dir = SECTIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))
    .sort();
}

async function loadSection(file: string): Promise<Section> {
  const mod = (await import(join(SECTIONS_DIR, file))) as Partial<Section>;
  if (typeof mod.title !== "string" || typeof mod.run !== "function")
    throw new Error(
      `${file} must export { title: string, run(): Promise<Figure[]> } (scripts/bench/reliability/figure.ts)`,
    );
  return { title: mod.title, run: mod.run };
}

async function runSection(file: string, section: Section, io: ToolIO): Promise<SectionResult> {
  const started = performance.now();
  io.stderr(`${section.title}\n`);
  try {
    const figures = await section.run();
    return { file, title: section.title, wallMs: Math.round(performance.now() - started), figures };
  } catch (err) {
    const error = (err as Error).message.split("\n")[0];
    return {
      file,
      title: section.title,
      wallMs: Math.round(performance.now() - started),
      figures: [],
      error,
    };
  }
}

async function bench(inv: Invocation, io: ToolIO): Promise<Outcome> {
  const only = listValue(inv.values, "only");
  const t = inv.terminals.stdout;
  const started = new Date();
  const results: SectionResult[] = [];
  for (const file of sectionFiles()) {
    let section: Section;
    try {
      section = await loadSection(file);
    } catch (err) {
      results.push({
        file,
        title: file,
        wallMs: 0,
        figures: [],
        error: (err as Error).message.split("\n")[0],
      });
      continue;
    }
    if (only.length && !only.some((o) => file.includes(o) || section.title.includes(o))) continue;
    const r = await runSection(file, section, io);
    results.push(r);
    if (!inv.json) io.stdout(sectionText(t, r));
  }
  const ok = results.length > 0 && results.every(sectionOk);
  const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);
  if (!inv.json)
    io.stdout(
      fitText(
        t,
        `${ok ? paint(t, "green", "✓ every figure meets its goal") : paint(t, "red", "✗ some figures miss their goal")} (${results.length} sections, ${seconds} s)\n`,
      ),
    );
  return { exitCode: ok ? EXIT.ok : EXIT.error, body: { sections: results } };
}

/** The benchmark on these arguments and streams; returns the exit code (never throws). */
export function runReliability(argv: readonly string[], io: ToolIO): Promise<number> {
  return runTool({ spec: RELIABILITY_SPEC, schema: () => SCHEMA }, argv, io, (inv) => bench(inv, io));
}

if (require.main === module)
  // process.exit, not exitCode: a section may leave a timer or a socket behind.
  void runReliability(process.argv.slice(2), processIO()).then((code) => process.exit(code));
