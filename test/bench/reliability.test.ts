// The reliability report's plumbing (not its figures: those are measured by running it): every
// module in sections/ honours the interface, the report says ✗ for a figure that misses its goal,
// and the command line is checked.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchArgs, SECTIONS_DIR, sectionFiles } from "../../scripts/bench/reliability";
import { figure } from "../../scripts/bench/reliability/figure";
import { sectionOk, sectionText } from "../../scripts/bench/reliability/report";
import { NO_COLOUR } from "../../scripts/offline-tenant/demo/cli-support";

describe("bench:reliability", () => {
  it("finds its sections in file-name order, each exporting a title and run()", async () => {
    const files = sectionFiles();
    expect(files.slice(0, 5)).toEqual([
      "10-kill-and-rerun.ts",
      "20-transient-faults.ts",
      "30-bad-config.ts",
      "40-demo-leak-scan.ts",
      "50-rotation.ts",
    ]);
    for (const f of files) {
      const mod = (await import(join(SECTIONS_DIR, f))) as { title?: unknown; run?: unknown };
      expect(typeof mod.title, f).toBe("string");
      expect(typeof mod.run, f).toBe("function");
    }
  });

  it("a section is ok only when it has figures and every one meets its goal", () => {
    const base = { file: "x.ts", title: "X", wallMs: 1 };
    expect(sectionOk({ ...base, figures: [figure("a", 0, "0", true)] })).toBe(true);
    expect(sectionOk({ ...base, figures: [figure("a", 1, "0", false)] })).toBe(false);
    expect(sectionOk({ ...base, figures: [] })).toBe(false);
    expect(sectionOk({ ...base, figures: [figure("a", 0, "0", true)], error: "boom" })).toBe(false);
  });

  it("prints each figure with its value, its goal and ✓ or ✗", () => {
    const text = sectionText(NO_COLOUR, {
      file: "99-x.ts",
      title: "X",
      wallMs: 1500,
      figures: [figure("leaks", 0, "0", true, "13863 bytes"), figure("outage days", 2, "0", false)],
    });
    expect(text).toBe(
      "X  (99-x.ts, 1.5 s)\n  ✓ leaks        0  goal: 0\n      13863 bytes\n  ✗ outage days  2  goal: 0\n\n",
    );
  });

  it("takes --json and repeatable --only, and refuses anything else", () => {
    expect(parseBenchArgs(["--json", "--only", "rotation", "--only", "kill"])).toEqual({
      json: true,
      only: ["rotation", "kill"],
      help: false,
    });
    expect(() => parseBenchArgs(["--section", "x"])).toThrow("--section");
  });
});
