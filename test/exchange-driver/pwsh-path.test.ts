// Which PowerShell the driver runs (scripts/exchange-driver/pwsh-path.ts): never one planted in a
// node_modules/.bin outside the project (issue #14, "Planted binaries get the secrets").
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolvePwsh, trustedPath } from "../../scripts/exchange-driver/pwsh-path";

/** A shared folder holding a planted pwsh in its node_modules/.bin, a checkout below it, and a system pwsh. */
function layout() {
  const shared = mkdtempSync(join(tmpdir(), "exo-shared-"));
  const planted = join(shared, "node_modules", ".bin");
  const project = join(shared, "checkout");
  const own = join(project, "node_modules", ".bin");
  const system = join(shared, "usr-bin");
  for (const d of [planted, own, system]) mkdirSync(d, { recursive: true });
  const exe = (dir: string, name = "pwsh") => {
    const f = join(dir, name);
    writeFileSync(f, "#!/bin/sh\nexit 0\n");
    chmodSync(f, 0o755);
    return f;
  };
  return { shared, planted, project, own, system, exe };
}

describe("the PowerShell the driver runs", () => {
  it("skips a pwsh planted in a parent folder's node_modules/.bin and runs the next one on PATH, saying which it skipped", () => {
    const l = layout();
    const plantedPwsh = l.exe(l.planted);
    const systemPwsh = l.exe(l.system);
    const r = resolvePwsh("pwsh", { PATH: [l.own, l.planted, l.system].join(delimiter) }, l.project);
    expect(r).toEqual({ path: systemPwsh, from: "PATH", shadowed: [plantedPwsh] });
  });

  it("fails naming the planted pwsh it refused to run when no trusted PATH entry holds one", () => {
    const l = layout();
    const plantedPwsh = l.exe(l.planted);
    expect(() => resolvePwsh("pwsh", { PATH: [l.planted, l.system].join(delimiter) }, l.project)).toThrow(
      `PowerShell 7.4+ (pwsh) not found on PATH (searched 1 folder; NOT run, because a node_modules/.bin outside this project is never trusted: ${plantedPwsh}): install it or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run) to its absolute path`,
    );
  });

  it("keeps the project's own node_modules/.bin and drops relative entries", () => {
    const l = layout();
    expect(trustedPath(["", ".", "bin", l.own, l.planted, l.system].join(delimiter), l.project)).toEqual({
      entries: [l.own, l.system],
      skipped: [
        { entry: ".", reason: "relative" },
        { entry: "bin", reason: "relative" },
        { entry: l.planted, reason: "node_modules/.bin outside the project" },
      ],
    });
  });

  it("runs an absolute path as given, and refuses one that is missing or not executable", () => {
    const l = layout();
    const mine = l.exe(l.system, "pwsh-7.6");
    expect(resolvePwsh(mine, { PATH: "" }, l.project)).toEqual({ path: mine, from: "setting", shadowed: [] });
    expect(() => resolvePwsh(join(l.system, "nope"), {}, l.project)).toThrow(
      `PowerShell 7.4+ (pwsh) not found at '${join(l.system, "nope")}': install it or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)`,
    );
    chmodSync(mine, 0o644);
    expect(() => resolvePwsh(mine, {}, l.project)).toThrow(
      `PowerShell at '${mine}' is not executable (EACCES): fix its permissions or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)`,
    );
  });

  it("resolves a relative path against the checkout, never the working directory, and refuses one leading out of it", () => {
    const l = layout();
    const inside = l.exe(l.own, "fake-pwsh");
    expect(resolvePwsh("node_modules/.bin/fake-pwsh", {}, l.project).path).toBe(inside);
    l.exe(l.planted);
    expect(() => resolvePwsh("../node_modules/.bin/pwsh", {}, l.project)).toThrow(
      "Starting PowerShell: exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run) is the relative path '../node_modules/.bin/pwsh', which leads outside this checkout",
    );
  });
});
