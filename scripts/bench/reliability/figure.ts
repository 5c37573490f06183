// The reliability report's interface (docs/development.md, "Reliability benchmark"): every module in
// scripts/bench/reliability/sections/ exports a `title` and a `run()` that measures and returns
// Figures; the runner (scripts/bench/reliability.ts) finds the modules, runs them in file-name order
// and prints each figure next to its goal. Add a section by adding a file; nothing else to edit.
//
//   // scripts/bench/reliability/sections/60-my-scenarios.ts
//   export const title = "My scenarios";
//   export async function run(): Promise<Figure[]> {
//     const converged = …;
//     return [figure("converges after a hand edit", `${converged}/${n}`, "n/n", converged === n)];
//   }

import { detectTerminal, fitText } from "../../cli/terminal";

/** One measured figure and the goal it is held to. */
export interface Figure {
  /** What was measured, as a short sentence: "kill and rerun: the first apply". */
  name: string;
  /** What was measured, as printed: "13/13", 0, "2 runs". */
  value: string | number;
  /** The goal in words: "n/n converge", "0", "≤ 600 s". */
  goal: string;
  /** Whether `value` meets `goal`. A figure without a goal to meet is not a Figure: print it as `detail`. */
  ok: boolean;
  /** How it was measured, or what else is worth knowing (one line). */
  detail?: string;
}

/** What a section module exports. */
export interface Section {
  title: string;
  run(): Promise<Figure[]>;
}

export function figure(
  name: string,
  value: string | number,
  goal: string,
  ok: boolean,
  detail?: string,
): Figure {
  return { name, value, goal, ok, ...(detail ? { detail } : {}) };
}

/** Progress for a person watching (stderr, "..." instead of "…" where the terminal lacks Unicode): sections print nothing on stdout. */
export function progress(text: string): void {
  process.stderr.write(fitText(detectTerminal(process.stderr, process.env), `  … ${text}\n`));
}
