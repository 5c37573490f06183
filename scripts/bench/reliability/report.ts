// The reliability report as text (a table per section: figure, value, goal, ✓/✗) and as ONE JSON
// document (`--json`).
import type { Colour } from "../../offline-tenant/demo/cli-support";
import type { Figure } from "./figure";

export interface SectionResult {
  /** The section module's file name, e.g. "10-kill-and-rerun.ts". */
  file: string;
  title: string;
  wallMs: number;
  figures: Figure[];
  /** Set when the section threw instead of returning figures. */
  error?: string;
}

export function sectionOk(s: SectionResult): boolean {
  return !s.error && s.figures.length > 0 && s.figures.every((f) => f.ok);
}

export function sectionText(c: Colour, s: SectionResult): string {
  const lines = [c.bold(`${s.title}`) + c.dim(`  (${s.file}, ${(s.wallMs / 1000).toFixed(1)} s)`)];
  if (s.error) lines.push(`  ${c.red("✗")} the section failed: ${s.error}`);
  const width = Math.max(0, ...s.figures.map((f) => f.name.length));
  for (const f of s.figures) {
    lines.push(
      `  ${f.ok ? c.green("✓") : c.red("✗")} ${f.name.padEnd(width)}  ${String(f.value)}  ${c.dim(`goal: ${f.goal}`)}`,
    );
    if (f.detail) lines.push(c.dim(`      ${f.detail}`));
  }
  return lines.join("\n") + "\n\n";
}
