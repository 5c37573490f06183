// bench:fleet's command line and document (its figures are printed, never asserted): a small run
// ends with the injected failure isolated.
import { describe, expect, it, vi } from "vitest";
import { runTool } from "../support/cli-process";

vi.setConfig({ testTimeout: 60_000 });

describe.concurrent("npm run bench:fleet", () => {
  it("reports wall time, ideal and ratio, and the one injected failure isolated", async () => {
    const r = await runTool("bench:fleet", ["--stacks", "30", "--parallel", "6", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      schema: "exo-oauth/bench-fleet@1",
      stacks: 30,
      parallel: 6,
      isolated: true,
      succeeded: 29,
    });
    expect(doc.failed).toEqual([doc.failedStack]);
    expect(doc.ratio).toBeCloseTo(doc.wallMs / doc.idealMs, 1);
  });

  it("refuses a --parallel that is not a positive integer (exit 64)", async () => {
    const r = await runTool("bench:fleet", ["--parallel", "0"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--parallel takes a positive integer, e.g. 20 (got "0")');
  });
});
