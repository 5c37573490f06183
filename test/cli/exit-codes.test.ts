// The one exit-code table: distinct codes, drift (2) apart from usage (64), and docs/operations.md's
// "Exit codes" table printing exactly these rows; the README links to it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, EXIT_CODE_TABLE } from "../../scripts/cli/exit-codes";
import { ROOT, section, tableRows } from "../docs/markdown";

describe("the exit codes", () => {
  it("give every meaning its own code, Terraform's 0/1/2 and sysexits' 64/78", () => {
    expect(EXIT).toEqual({ ok: 0, error: 1, changes: 2, blocked: 3, usage: 64, input: 78 });
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
    expect(EXIT_CODE_TABLE.map((r) => [r.code, r.name])).toEqual(
      Object.entries(EXIT).map(([n, c]) => [c, n]),
    );
  });

  it("are documented in docs/operations.md, one row per code, and the README links there", () => {
    const operations = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
    const rows = tableRows(section(operations, "Exit codes"));
    expect(rows.map((r) => Number(r[0].replace(/`/g, "")))).toEqual(EXIT_CODE_TABLE.map((r) => r.code));
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("(docs/operations.md#exit-codes)");
  });
});
