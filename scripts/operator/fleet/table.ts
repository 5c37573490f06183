// The fleet's summary table (stack, result, changes, duration, cause) with cli-table3: box-drawing
// lines and colour on a terminal that shows them (scripts/cli/terminal.ts), ASCII in a pipe or CI
// log. Values from outside (stack names, causes) are escaped with printable.
import Table from "cli-table3";
import { paint, printable, symbols, type Terminal } from "../../cli/terminal";
import type { StackResult } from "./orchestrate";

const ASCII_CHARS = {
  top: "-",
  "top-mid": "+",
  "top-left": "+",
  "top-right": "+",
  bottom: "-",
  "bottom-mid": "+",
  "bottom-left": "+",
  "bottom-right": "+",
  left: "|",
  "left-mid": "+",
  mid: "-",
  "mid-mid": "+",
  right: "|",
  "right-mid": "+",
  middle: "|",
};

/** 850 ms, 12.3 s, 4 min 05 s. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** Characters of a cause per table line. */
const CAUSE_WIDTH = 60;

const STYLE = { succeeded: "green", changes: "yellow", failed: "red", cancelled: "yellow" } as const;

export function renderSummary(results: readonly StackResult[], t: Terminal): string {
  const sym = symbols(t);
  // Causes wrap at CAUSE_WIDTH; a table with only short causes keeps its natural widths.
  const wrap = results.some((r) => (r.cause?.length ?? 0) > CAUSE_WIDTH);
  const table = new Table({
    head: ["stack", "result", "changes", "duration", "cause"],
    style: { head: [], border: [], compact: true },
    ...(t.unicode ? {} : { chars: ASCII_CHARS }),
    ...(wrap
      ? { wordWrap: true, colWidths: [null, null, null, null, CAUSE_WIDTH + 2] as unknown as number[] }
      : {}),
  });
  for (const r of results)
    table.push([
      printable(r.stack),
      paint(t, STYLE[r.result], r.result),
      r.changes ? printable(r.changes) : sym.none,
      r.durationMs !== null ? duration(r.durationMs) : sym.none,
      r.cause ? printable(r.cause) : "",
    ]);
  const count = (k: StackResult["result"]) => results.filter((r) => r.result === k).length;
  return (
    `${table.toString()}\n` +
    `${results.length} stacks: ${count("succeeded")} succeeded, ${count("changes")} with changes, ` +
    `${count("failed")} failed, ${count("cancelled")} cancelled\n`
  );
}
