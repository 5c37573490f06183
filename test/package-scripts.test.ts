// package.json's scripts: every tool script runs the file the tests drive (test/support/cli-process.ts),
// and `npm test` runs vitest through the launcher that keeps colour out of pipes. The launcher itself,
// run as npm test runs it, on real test files: no ANSI code in a pipe, no warning, and the measured
// rotation table only when EXO_OAUTH_TEST_FIGURES=1 asks for it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ANSI, ROOT, TOOLS, baseEnv, spawnCollect } from "./support/cli-process";

vi.setConfig({ testTimeout: 180_000 });

const scripts = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;
const LAUNCHER = "node test/support/vitest-launcher.mjs run";

describe("package.json's scripts", () => {
  it.each(Object.entries(TOOLS))("npm run %s runs tsx %s", (tool, file) => {
    expect(scripts[tool]).toBe(`tsx ${file}`);
  });

  it("npm test, test:acceptance and test:pwsh run vitest through the launcher", () => {
    expect(scripts.test).toMatch(new RegExp(`&& ${LAUNCHER}$`));
    expect(scripts["test:acceptance"]).toBe(`${LAUNCHER} test/acceptance`);
    expect(scripts["test:pwsh"]).toBe(`${LAUNCHER} test/pwsh`);
  });
});

describe.concurrent("the vitest launcher, piped as in CI", () => {
  // A TERM that is not "dumb": what made vitest colour a pipe.
  const env = (extra: Record<string, string> = {}) => baseEnv({ TERM: "xterm-256color", ...extra });
  const launch = (args: string[], extra?: Record<string, string>) =>
    spawnCollect(process.execPath, ["test/support/vitest-launcher.mjs", "run", ...args], {
      env: env(extra),
      timeoutMs: 170_000,
    });

  it("prints no ANSI code, no warning and no figures, and passes vitest's exit code on", async () => {
    const r = await launch(["test/components/rotation-timeline.test.ts", "test/components/clock.test.ts"]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    expect(r.stdout + r.stderr).not.toMatch(/warn/i);
    expect(r.stdout).not.toContain("Rotation guarantee");
    expect(r.stdout).toMatch(/vitest: \d+ passed, 0 failed, 0 skipped/);
  });

  it("prints the rotation figures when EXO_OAUTH_TEST_FIGURES=1 asks", async () => {
    const r = await launch(["test/components/rotation-timeline.test.ts"], { EXO_OAUTH_TEST_FIGURES: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Rotation guarantee, measured (days):");
    expect(r.stdout).toContain("minPreviousOverlapDays");
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
  });

  it("fails as vitest fails (no test file matched: exit 1)", async () => {
    const r = await launch(["test/no-such-file.test.ts"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
  });
});
