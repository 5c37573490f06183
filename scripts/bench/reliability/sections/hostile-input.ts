// The hostile-input corpus as reliability figures: every case registered in test/hostile-input/
// (`*.cases.ts`, the format in test/hostile-input/format.ts — config and environment values that
// reach the runbook and the decoder, and whatever other parts add) is tried on the real code and
// judged: refused with a message naming its key and character, or accepted and harmless. Goal: no
// fault. The corpus is test data; this section reads it by path, as the bad-config section does.
import { join } from "node:path";

export const title = "Hostile input";

/** One figure of the reliability report (the runner's interface: `{ name, value, goal, ok }`). */
interface Figure {
  name: string;
  value: string | number;
  goal: string;
  ok: boolean;
  detail?: string;
}

interface Case {
  name: string;
  area: string;
  file: string;
}
interface Verdict {
  ok: boolean;
  fault?: string;
}
const CORPUS = join(__dirname, "../../../../test/hostile-input");

export async function run(): Promise<Figure[]> {
  const { loadHostileCases } = (await import(join(CORPUS, "corpus"))) as {
    loadHostileCases(): Promise<Case[]>;
  };
  const { runCase } = (await import(join(CORPUS, "format"))) as {
    runCase(c: Case): Promise<Verdict>;
  };
  const cases = await loadHostileCases();
  process.stderr.write(
    `  … ${cases.length} hostile inputs from ${new Set(cases.map((c) => c.file)).size} file(s)\n`,
  );
  const byArea = new Map<string, { tried: number; ok: number }>();
  const byFile = new Map<string, { tried: number; ok: number }>();
  const faults: string[] = [];
  for (const c of cases) {
    const verdict = await runCase(c);
    const area = byArea.get(c.area) ?? { tried: 0, ok: 0 };
    area.tried++;
    if (verdict.ok) area.ok++;
    else faults.push(`${c.name}: ${verdict.fault ?? "failed"}`);
    byArea.set(c.area, area);
    const file = byFile.get(c.file) ?? { tried: 0, ok: 0 };
    file.tried++;
    if (verdict.ok) file.ok++;
    byFile.set(c.file, file);
  }
  const ok = cases.length - faults.length;
  return [
    {
      name: "hostile inputs tried",
      value: cases.length,
      goal: "> 0",
      ok: cases.length > 0,
      detail: [...new Set(cases.map((c) => c.file))].join(", "),
    },
    {
      name: "refused, or accepted and harmless",
      value: `${ok}/${cases.length}`,
      goal: "n/n",
      ok: faults.length === 0,
    },
    {
      name: "faults (accepted where a refusal was due, harmful rendering, a raw invisible character in a message, a crash)",
      value: faults.length,
      goal: "0",
      ok: faults.length === 0,
      ...(faults.length ? { detail: faults.slice(0, 3).join(" | ") } : {}),
    },
    ...[...byFile].map(([file, n]) => ({
      name: `${file}: cases refused or harmless`,
      value: `${n.ok}/${n.tried}`,
      goal: "n/n",
      ok: n.ok === n.tried,
    })),
    ...[...byArea].map(([area, n]) => ({
      name: `${area}: refused or harmless`,
      value: `${n.ok}/${n.tried}`,
      goal: "n/n",
      ok: n.ok === n.tried,
    })),
  ];
}

// Run on its own (`npx tsx scripts/bench/reliability/sections/hostile-input.ts`) until the runner
// (`npm run bench:reliability`) is there to collect it.
if (require.main === module)
  void run().then((figures) => {
    for (const f of figures)
      process.stdout.write(`${f.ok ? "ok  " : "FAIL"} ${f.name}: ${f.value} (goal ${f.goal})\n`);
    process.exitCode = figures.every((f) => f.ok) ? 0 : 1;
  });
