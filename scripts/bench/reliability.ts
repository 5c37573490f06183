// npm run bench:reliability [-- --json] [-- --only <text>]
// The reliability figures, each next to its goal, one section per module in
// scripts/bench/reliability/sections/ (the interface: reliability/figure.ts; how to add a section:
// docs/development.md, "Reliability benchmark"). Sections run one after the other in file-name order.
// Exit 0 when every figure meets its goal, 1 when one does not (or a section fails), 2 bad usage.
// It prints figures; it is not a timed test.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { colourFor, envelope, EXIT, UsageError } from "../offline-tenant/demo/cli-support";
import type { Section } from "./reliability/figure";
import { sectionOk, sectionText, type SectionResult } from "./reliability/report";

export const SECTIONS_DIR = join(__dirname, "reliability", "sections");
export const SCHEMA = "exo-oauth/bench-reliability@1";
const USAGE = `Usage: npm run bench:reliability [-- --json] [-- --only <text>]
  --json         ONE JSON document on stdout (progress on stderr)
  --only <text>  run only the sections whose file name or title contains <text> (repeatable)`;

export function parseBenchArgs(argv: string[]): { json: boolean; only: string[]; help: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean" },
        only: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    return { json: values.json ?? false, only: values.only ?? [], help: values.help ?? false };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

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

async function runSection(file: string, section: Section): Promise<SectionResult> {
  const started = performance.now();
  process.stderr.write(`${section.title}\n`);
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

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseBenchArgs>;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const started = new Date();
  const c = colourFor(process.stdout);
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
    if (args.only.length && !args.only.some((o) => file.includes(o) || section.title.includes(o))) continue;
    const r = await runSection(file, section);
    results.push(r);
    if (!args.json) process.stdout.write(sectionText(c, r));
  }
  const ok = results.length > 0 && results.every(sectionOk);
  const finished = new Date();
  if (args.json)
    process.stdout.write(
      JSON.stringify(envelope(SCHEMA, ok, started, finished, { sections: results }), null, 2) + "\n",
    );
  else
    process.stdout.write(
      `${ok ? c.green("✓ every figure meets its goal") : c.red("✗ some figures miss their goal")} (${results.length} sections, ${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s)\n`,
    );
  return ok ? EXIT.ok : EXIT.failed;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench:reliability: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
