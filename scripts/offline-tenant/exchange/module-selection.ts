// Which ExchangeOnlineManagement the shim loads (scripts/exchange-driver/shim.ps1,
// Select-ExoModule) — ported here so the simulator, which stands in for pwsh + shim, answers
// exactly what the shim would. test/pwsh/module-selection.test.ts holds the two to the same
// answers on a grid of cases, through real pwsh.
//
// Microsoft's support table (exchange-online-powershell-v2.md, "Supported operating systems
// for the Exchange Online PowerShell module"): 3.10.0 or later needs PowerShell 7.6.0 or later
// (.NET 10); 3.5.0 to 3.9.2 need 7.4.0 or later (.NET 8); 3.0.0 to 3.4.0 are supported on
// 7.2.0 to 7.3.7 only (.NET 6). Versions past the table inherit its last row.

/** One row of the table: module versions from `module` on need `pwshMin` (and at most `pwshMax`). */
export interface SupportRow {
  module: string;
  pwshMin: string;
  pwshMax?: string;
}

export const MODULE_SUPPORT: readonly SupportRow[] = [
  { module: "3.10.0", pwshMin: "7.6.0" },
  { module: "3.5.0", pwshMin: "7.4.0" },
  { module: "3.0.0", pwshMin: "7.2.0", pwshMax: "7.3.7" },
];

/** The newest module of the 3.5–3.9 line: what PowerShell 7.4 and 7.5 can still run. */
export const LAST_MODULE_FOR_PWSH_74 = "3.9.2";

/** Compare dotted versions: <0, 0, >0 (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Why `module` cannot run on `pwsh`, or undefined when it can. */
export function unsupportedReason(module: string, pwsh: string): string | undefined {
  const row = MODULE_SUPPORT.find((r) => compareVersions(module, r.module) >= 0);
  if (!row) return "older than 3.0.0, which has no REST cmdlets";
  if (compareVersions(pwsh, row.pwshMin) < 0) return `needs PowerShell ${row.pwshMin} or later`;
  if (row.pwshMax && compareVersions(pwsh, row.pwshMax) > 0)
    return `supported only on PowerShell ${row.pwshMin} to ${row.pwshMax}`;
  return undefined;
}

/** The lowest module version `pwsh` can run (from the table), or undefined when none. */
function lowestSupported(pwsh: string): string | undefined {
  const usable = MODULE_SUPPORT.filter((r) => unsupportedReason(r.module, pwsh) === undefined);
  return usable.length ? usable[usable.length - 1].module : undefined;
}

export type ModuleChoice = { ok: true; version: string } | { ok: false; message: string };

/**
 * The newest installed version that is ≥ `minimum` and supported by `pwsh`; otherwise the
 * shim's error: what was found and skipped, and an Install-Module line that installs a
 * version this pwsh can run.
 */
export function selectModule(installed: string[], minimum: string, pwsh: string): ModuleChoice {
  const sorted = [...installed].sort((a, b) => compareVersions(b, a));
  const skipped: string[] = [];
  for (const v of sorted) {
    if (compareVersions(v, minimum) < 0) {
      skipped.push(`${v} (older than ${minimum})`);
      continue;
    }
    const why = unsupportedReason(v, pwsh);
    if (why) {
      skipped.push(`${v} (${why})`);
      continue;
    }
    return { ok: true, version: v };
  }
  return { ok: false, message: missingMessage(minimum, pwsh, skipped) };
}

function missingMessage(minimum: string, pwsh: string, skipped: string[]): string {
  // Install-Module installs the newest version in range, so the floor is the minimum itself;
  // only PowerShell 7.4/7.5 need a ceiling (the newest line needs 7.6).
  const lowest = lowestSupported(pwsh);
  const floor = minimum;
  const found = skipped.length ? `; found and skipped: ${skipped.join(", ")}` : "; none found";
  let hint: string;
  if (!lowest) {
    hint = `no ExchangeOnlineManagement release supports PowerShell ${pwsh}: install PowerShell 7.6 or later (set exo-oauth:exchange.pwsh to it), then: Install-Module ExchangeOnlineManagement -MinimumVersion ${floor} -Scope CurrentUser`;
  } else if (unsupportedReason("3.10.0", pwsh) === undefined) {
    hint = `install it with: Install-Module ExchangeOnlineManagement -MinimumVersion ${floor} -Scope CurrentUser`;
  } else if (compareVersions(floor, LAST_MODULE_FOR_PWSH_74) <= 0) {
    hint = `install it with: Install-Module ExchangeOnlineManagement -MinimumVersion ${floor} -MaximumVersion ${LAST_MODULE_FOR_PWSH_74} -Scope CurrentUser`;
  } else {
    hint = `ExchangeOnlineManagement ${floor} or later needs PowerShell 7.6: install PowerShell 7.6 or later (set exo-oauth:exchange.pwsh to it), then: Install-Module ExchangeOnlineManagement -MinimumVersion ${floor} -Scope CurrentUser`;
  }
  return `ExchangeOnlineManagement ${minimum} or later is not installed for this pwsh (PowerShell ${pwsh})${found}; ${hint}`;
}
