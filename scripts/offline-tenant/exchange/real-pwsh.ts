// Finding the real pwsh for the real PowerShell tier (tests: test/support/pwsh-tier.ts;
// benchmark: scripts/bench/pwsh.ts), and the environment that makes it load the stand-in
// ExchangeOnlineManagement and reach the REST front.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { REST_URL_ENV } from "./rest-server";

/** The folder holding the stand-in ExchangeOnlineManagement/<version>/ (a PSModulePath entry). */
export const STAND_IN_MODULES = resolve(__dirname, "module");
/** The PowerShell version .ci/run installs (docs/powershell-tier.md, "Install"). */
export const PINNED_PWSH = "7.6.9";

export interface PwshAvailability {
  /** Absolute path of pwsh, when found. */
  path?: string;
  /** Its version (`pwsh --version`), when found. */
  version?: string;
  /** Why the real tier cannot run, when it cannot. */
  reason?: string;
}

/** pwsh from EXO_TEST_PWSH, else PATH, else ~/.dotnet/tools (where .ci/run installs it); 7.4 or later. */
export function findPwsh(env: NodeJS.ProcessEnv = process.env): PwshAvailability {
  const candidates = env.EXO_TEST_PWSH
    ? [env.EXO_TEST_PWSH]
    : [
        ...(env.PATH ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, "pwsh")),
        join(homedir(), ".dotnet", "tools", "pwsh"),
      ];
  const path = candidates.find((p) => existsSync(p));
  if (!path)
    return {
      reason: `pwsh not found (looked in ${env.EXO_TEST_PWSH ? "EXO_TEST_PWSH" : "PATH and ~/.dotnet/tools"}); install it: dotnet tool install --global PowerShell --version ${PINNED_PWSH}`,
    };
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 60_000 });
  const version = /PowerShell (\d+\.\d+\.\d+)/.exec(r.stdout ?? "")?.[1];
  if (!version)
    return {
      path,
      reason: `'${path} --version' did not print a PowerShell version (${r.error?.message ?? r.stderr})`,
    };
  const [major, minor] = version.split(".").map(Number);
  if (major < 7 || (major === 7 && minor < 4))
    return { path, version, reason: `pwsh ${version} at ${path} is older than 7.4, which the shim requires` };
  return { path, version };
}

/** What a pwsh needs in its environment to load the stand-in and reach the REST front at `url`. */
export function standInEnv(url: string): Record<string, string> {
  return { PSModulePath: STAND_IN_MODULES, [REST_URL_ENV]: url };
}
