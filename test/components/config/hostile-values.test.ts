// Config messages echo values and keys the user typed: they show them escaped
// (components/printable.ts), so a value cannot recolour the terminal or start a line of its own in
// `pulumi up`'s output.
import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseStackConfig } from "../../../components/config";
import { RAW_CONTROL } from "../../support/cli-process";
import { MINIMAL } from "./corpus";

const FORGED = "\u001b[2J\nexo-oauth exchange: done: in sync\u202e\u009b";

describe("config messages with hostile values", () => {
  it("show a value, a key and a list item escaped, one line each", () => {
    const result = parseStackConfig({
      stack: "dev",
      values: {
        ...MINIMAL,
        organization: `contoso${FORGED}.onmicrosoft.com`,
        [`tenantId${FORGED}`]: "x",
        protocols: ["imap", `smtp${FORGED}`],
      },
      secretKeys: new Set(),
    });
    expect(result.ok).toBe(false);
    const text = formatConfigIssues(result.ok ? [] : result.issues);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).not.toMatch(/^exo-oauth exchange: done/m);
    expect(text).toContain(
      '"contoso\\u001b[2J\\nexo-oauth exchange: done: in sync\\u202e\\u009b.onmicrosoft.com"',
    );
    expect(text).toContain(
      "exo-oauth:tenantId\\u{1b}[2J\\nexo-oauth exchange: done: in sync\\u{202e}\\u{9b}: unknown config key",
    );
    expect(text.split("\n")).toHaveLength(1 + (result.ok ? 0 : result.issues.length));
  });
});
