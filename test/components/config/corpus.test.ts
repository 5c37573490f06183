import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../components/config";
import { BAD_CONFIGS, GOOD_CONFIGS } from "./corpus";

const parse = (values: Record<string, unknown>, secretKeys: string[] = [], stack = "dev") =>
  parseStackConfig({ stack, values, secretKeys: new Set(secretKeys) });

describe("the stack config corpus", () => {
  it("holds at least 30 bad configs, each with a unique name", () => {
    expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(BAD_CONFIGS.map((c) => c.name)).size).toBe(BAD_CONFIGS.length);
  });

  it.each(GOOD_CONFIGS.map((c) => [c.name, c] as const))("accepts and normalises: %s", (_name, c) => {
    const result = parse(c.values, c.secretKeys, c.stack);
    expect(result).toEqual({ ok: true, config: c.config });
  });

  it.each(BAD_CONFIGS.map((c) => [c.name, c] as const))(
    "rejects with the expected message: %s",
    (_name, c) => {
      const result = parse(c.values, c.secretKeys);
      expect(result.ok).toBe(false);
      const issues = result.ok ? [] : result.issues;
      for (const want of c.issues) {
        expect(issues).toContainEqual({ path: want.path, message: expect.stringContaining(want.message) });
      }
      expect(issues).toHaveLength(c.issues.length);
    },
  );
});
