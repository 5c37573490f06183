// The switch between the two PowerShell tiers the Exchange tests can run in:
//   "fake" — settings.pwsh = fake-pwsh: the simulator stands in for pwsh + shim + module;
//   "real" — settings.pwsh = a real pwsh running shim.ps1, which imports the stand-in
//            ExchangeOnlineManagement (PSModulePath) that calls the REST front (EXO_SIM_REST_URL).
// Both tiers serve the same Exchange (scripts/offline-tenant/exchange/service.ts) over the same
// tenant state file and knobs (EXO_SIM_STATE, EXO_SIM_STATS, EXO_SIM_FAULTS, EXO_SIM_LATENCY),
// so a suite written against `openTier(tier)` runs in either:
//
//   const t = await openTier("real");             // starts a REST front on loopback
//   settings.pwsh = t.pwsh; env = { ...env, ...t.env };
//   …
//   await t.close();
//
// Where pwsh is missing the real tier is reported SKIPPED with the reason (`realTierSkip`) —
// except under CI=true, where .ci/run installs it, so its absence fails the run instead.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { FAKE_PWSH } from "../../scripts/offline-tenant/harness/sim-tenant";
import {
  findPwsh,
  standInEnv,
  STAND_IN_MODULES,
  type PwshAvailability,
} from "../../scripts/offline-tenant/exchange/real-pwsh";
import { startRestServer, type RestServer } from "../../scripts/offline-tenant/exchange/rest-server";

export { findPwsh, PINNED_PWSH, STAND_IN_MODULES } from "../../scripts/offline-tenant/exchange/real-pwsh";
export type Tier = "fake" | "real";

/**
 * A real ExchangeOnlineManagement visible to pwsh would be picked over the stand-in when newer:
 * the tier refuses to run then, naming where it is.
 */
function foreignModules(pwsh: string): string | undefined {
  const out = execFileSync(
    pwsh,
    [
      "-NoLogo",
      "-NoProfile",
      "-NonInteractive",
      "-Command",
      "(Get-Module -ListAvailable ExchangeOnlineManagement).ModuleBase",
    ],
    { encoding: "utf8", env: { ...process.env, PSModulePath: STAND_IN_MODULES }, timeout: 120_000 },
  );
  const foreign = out
    .split(/\r?\n/)
    .filter((l) => l.trim() && !resolve(l.trim()).startsWith(STAND_IN_MODULES));
  return foreign.length
    ? `a real ExchangeOnlineManagement is installed where pwsh finds it (${foreign.join(", ")}); the real tier would load it: remove it from the module path for the tests`
    : undefined;
}

let availability: PwshAvailability | undefined;
/** The real tier's pwsh, checked once per test process. */
export function realPwsh(): PwshAvailability {
  if (!availability) {
    availability = findPwsh();
    if (availability.path && !availability.reason) {
      const foreign = foreignModules(availability.path);
      if (foreign) availability = { ...availability, reason: foreign };
    }
  }
  return availability;
}

export const inCi = process.env.CI === "true";
let warned = false;
/** Why the real tier is skipped here, or undefined when it runs (it always runs under CI=true). */
export function realTierSkip(): string | undefined {
  const reason = realPwsh().reason;
  if (reason !== undefined && !warned) {
    warned = true;
    console.warn(
      inCi
        ? `Real PowerShell tier will FAIL: CI=true and ${reason}`
        : `Real PowerShell tier SKIPPED: ${reason}`,
    );
  }
  if (reason === undefined || inCi) return undefined;
  return reason;
}

/** The real pwsh's path, or a clear error naming why the real tier cannot run. */
export function requirePwsh(): string {
  const p = realPwsh();
  if (!p.path || p.reason)
    throw new Error(`The real PowerShell tier cannot run: ${p.reason ?? "pwsh not found"}`);
  return p.path;
}

export interface TierSetup {
  tier: Tier;
  /** What settings.pwsh must be. */
  pwsh: string;
  /** Extra environment for the driver / session (on top of EXO_SIM_STATE etc.). */
  env: Record<string, string>;
  /** The REST front (real tier only). */
  rest?: RestServer;
  close(): Promise<void>;
}

/** Set up a tier. The real tier starts a REST front on loopback; close() stops it. */
export async function openTier(tier: Tier): Promise<TierSetup> {
  if (tier === "fake") return { tier, pwsh: FAKE_PWSH, env: {}, close: async () => {} };
  const pwsh = requirePwsh();
  const rest = await startRestServer();
  return {
    tier,
    pwsh,
    env: standInEnv(rest.url),
    rest,
    close: () => rest.close(),
  };
}
