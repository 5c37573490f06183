// Loads every `*.cases.ts` file in this folder (the format: ./format.ts), in file-name order.
// Read by test/hostile-input/corpus.test.ts and, by path, by the reliability benchmark.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { HostileCase } from "./format";

export const CORPUS_DIR = __dirname;

/** The case files, in file-name order. */
export function caseFiles(dir = CORPUS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cases.ts"))
    .sort();
}

/** Every registered case, with the file it came from. */
export async function loadHostileCases(dir = CORPUS_DIR): Promise<(HostileCase & { file: string })[]> {
  const out: (HostileCase & { file: string })[] = [];
  for (const file of caseFiles(dir)) {
    const mod = (await import(join(dir, file))) as {
      cases?: HostileCase[] | (() => Promise<HostileCase[]>);
    };
    const cases = typeof mod.cases === "function" ? await mod.cases() : mod.cases;
    if (!Array.isArray(cases))
      throw new Error(`${file} must export cases: HostileCase[] or cases(): Promise<HostileCase[]>`);
    out.push(...cases.map((c) => ({ ...c, file })));
  }
  const names = new Set<string>();
  for (const c of out) {
    if (names.has(c.name)) throw new Error(`two hostile cases are named ${JSON.stringify(c.name)}`);
    names.add(c.name);
  }
  return out;
}
