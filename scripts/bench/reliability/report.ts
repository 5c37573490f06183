// The reliability report as text (a table per section: figure, value, goal, ✓/✗ — ok/FAIL in ASCII,
// colour and symbols for the terminal, scripts/cli/terminal.ts) and the results of the ONE JSON
// document (`--json`).
import { fitText, paint, symbols, type Terminal } from "../../cli/terminal";
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

export function sectionText(t: Terminal, s: SectionResult): string {
  const sym = symbols(t);
  const markWidth = Math.max(sym.pass.length, sym.fail.length);
  const mark = (ok: boolean) =>
    (ok ? paint(t, "green", sym.pass) : paint(t, "red", sym.fail)) +
    " ".repeat(markWidth - (ok ? sym.pass : sym.fail).length);
  const lines = [
    paint(t, "bold", s.title) + paint(t, "dim", `  (${s.file}, ${(s.wallMs / 1000).toFixed(1)} s)`),
  ];
  if (s.error) lines.push(`  ${mark(false)} the section failed: ${s.error}`);
  const width = Math.max(0, ...s.figures.map((f) => f.name.length));
  for (const f of s.figures) {
    lines.push(
      `  ${mark(f.ok)} ${f.name.padEnd(width)}  ${String(f.value)}  ${paint(t, "dim", `goal: ${f.goal}`)}`,
    );
    if (f.detail) lines.push(paint(t, "dim", `      ${f.detail}`));
  }
  // Symbols inside the figures' words (≤, →, …) as this terminal shows them.
  return lines.map((l) => fitText(t, l)).join("\n") + "\n\n";
}
