// The reliability report's plumbing (not its figures: those are measured by running it): every
// module in sections/ honours the interface, the report says ✗ (FAIL in ASCII) for a figure that
// misses its goal, and the command line goes through the CLI kit, tested as a process.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA, SECTIONS_DIR, sectionFiles } from "../../scripts/bench/reliability";
import { figure } from "../../scripts/bench/reliability/figure";
import { sectionOk, sectionText } from "../../scripts/bench/reliability/report";
import { EXIT } from "../../scripts/cli/exit-codes";
import { PLAIN } from "../../scripts/cli/terminal";
import { errorDocument, oneDocument, timesInOrder } from "../support/cli-documents";
import { runTool } from "../support/cli-process";

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

  const result = {
    file: "99-x.ts",
    title: "X",
    wallMs: 1500,
    figures: [figure("leaks", 0, "0", true, "13863 bytes"), figure("outage days", 2, "≤ 1", false)],
  };

  it("prints each figure with its value, its goal and ✓ or ✗ on a Unicode terminal", () => {
    expect(sectionText({ color: false, unicode: true }, result)).toBe(
      "X  (99-x.ts, 1.5 s)\n  ✓ leaks        0  goal: 0\n      13863 bytes\n  ✗ outage days  2  goal: ≤ 1\n\n",
    );
  });

  it("in a pipe: ok and FAIL in one column, ASCII only, no colour", () => {
    expect(sectionText(PLAIN, result)).toBe(
      "X  (99-x.ts, 1.5 s)\n  ok   leaks        0  goal: 0\n      13863 bytes\n  FAIL outage days  2  goal: <= 1\n\n",
    );
  });

  it("in colour on a terminal that shows it", () => {
    expect(sectionText({ color: true, unicode: true }, result)).toContain("\x1b[32m✓\x1b[39m leaks");
  });
});

describe.concurrent("npm run bench:reliability as a process", () => {
  it("--help prints its options and exit codes, exit 0, and runs no section", async () => {
    const r = await runTool("bench:reliability", ["--help"], { timeoutMs: 170_000 });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Usage: npm run bench:reliability -- \[options\]\n/);
    expect(r.stdout).toContain("--only <text>");
    expect(r.stdout).toMatch(/^ +64 +the command line is wrong/m);
    expect(r.stderr).toBe("");
  });

  it("a misspelt option is a usage error (exit 64) with did-you-mean, before any section runs", async () => {
    const r = await runTool("bench:reliability", ["--onyl", "rotation"], { timeoutMs: 170_000 });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "Error: unknown option --onyl (did you mean --only?)\n" +
        "Usage: npm run bench:reliability -- [options]\n" +
        "Run `npm run bench:reliability -- --help` for more.\n",
    );
  });

  it("with --json, a usage error is ONE error document (exit 64)", async () => {
    const before = Date.now();
    const r = await runTool("bench:reliability", ["--json", "--only"], { timeoutMs: 170_000 });
    const after = Date.now();
    expect(r.code).toBe(EXIT.usage);
    const doc = errorDocument(SCHEMA).parse(oneDocument(r.stdout));
    expect(doc.error).toEqual({
      kind: "usage",
      message: "--only needs a value: <text>",
      problems: ["--only needs a value: <text>"],
    });
    expect(timesInOrder(doc, before, after)).toBe(true);
  });
});
