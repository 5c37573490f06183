// The hostile-input corpus (./format.ts): every registered case is refused with a message naming
// its key and character, or accepted and harmless where it lands.
import { describe, expect, it } from "vitest";
import { loadHostileCases } from "./corpus";
import { runCase } from "./format";

const cases = await loadHostileCases();

describe("the hostile-input corpus", () => {
  it("has cases from this folder's files", () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [`${c.expect}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    const verdict = await runCase(c);
    expect(verdict.fault).toBeUndefined();
    expect(verdict.ok).toBe(true);
  });
});
