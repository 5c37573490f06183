// The program and the driver no longer import each other: the program's own build compiles
// index.ts and components/** only (the contract module is components/exchange-step/), never a
// file of the driver, the doubles or the tests.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../..");

describe("the program's own build", () => {
  it("lists no file under scripts/ or test/ (npx tsc --listFilesOnly -p tsconfig.json)", () => {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "--listFilesOnly", "-p", "tsconfig.json"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    const ours = out
      .split("\n")
      .map((f) => f.trim())
      .filter((f) => f && !f.includes("/node_modules/"))
      .map((f) => relative(ROOT, f));
    expect(ours).toContain("components/exchangeMailboxAccess.ts");
    expect(ours).toContain("components/exchange-step/codec.ts");
    expect(ours.filter((f) => f.startsWith("scripts/") || f.startsWith("test/"))).toEqual([]);
  }, 120_000);

  it("the contract module imports no Pulumi and no Node module but node:zlib (the compact record's Brotli)", () => {
    const dir = join(ROOT, "components/exchange-step");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const imports = [...readFileSync(join(dir, file), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      for (const spec of imports.filter((s) => s !== "node:zlib"))
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\.?\//);
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).not.toMatch(/scripts|config"$/);
    }
  });
});
