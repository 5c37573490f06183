// Which ExchangeOnlineManagement the shim loads: one the RUNNING pwsh supports (3.10+ needs 7.6,
// 3.5–3.9 need 7.4, 3.0–3.4 only 7.2–7.3.7), never simply the newest; and its install hint
// installs one this pwsh can run. The shim's Select-ExoModule (dot-sourced, in real pwsh) and
// the simulator's port (module-selection.ts) must give the same answers; end to end, the shim
// must pick the right copy of the stand-in.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExchangeSessionError,
  openExchangeSession,
  ExchangeCmdletError,
} from "../../scripts/exchange-driver/session";
import { selectModule } from "../../scripts/offline-tenant/exchange/module-selection";
import { openTier, realTierSkip, STAND_IN_MODULES, type TierSetup } from "../support/pwsh-tier";
import { ORG, SHIM, newTenant } from "../support/simulator";
import { lastJson, runPwsh } from "./run-pwsh";

const skip = realTierSkip();
const TIMEOUT = 180_000;

const PWSH_VERSIONS = ["7.4.0", "7.4.6", "7.5.2", "7.6.0", "7.6.9", "7.8.1"];
const INSTALLED = [
  [],
  ["3.10.1"],
  ["3.9.2", "3.10.1"],
  ["3.4.0"],
  ["3.0.1", "3.4.0"],
  ["3.5.0"],
  ["2.0.5"],
  ["3.9.2"],
];
const MINIMUMS = ["3.1.0", "3.5.0", "3.10.0"];

/** A copy of the stand-in claiming `version` (the folder and the manifest). */
function standInCopy(root: string, version: string): void {
  const from = join(STAND_IN_MODULES, "ExchangeOnlineManagement", "3.10.1");
  const to = join(root, "ExchangeOnlineManagement", version);
  cpSync(from, to, { recursive: true });
  const manifest = join(to, "ExchangeOnlineManagement.psd1");
  writeFileSync(
    manifest,
    readFileSync(manifest, "utf8").replace(
      "ModuleVersion     = '3.10.1'",
      `ModuleVersion     = '${version}'`,
    ),
  );
}

describe.skipIf(skip !== undefined)(
  `the shim's choice of ExchangeOnlineManagement${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let tier: TierSetup;
    beforeAll(async () => {
      tier = await openTier("real");
    }, TIMEOUT);
    afterAll(async () => tier?.close());

    it(
      "is the same rule in shim.ps1 and in the simulator, on every combination of pwsh, installed versions and minimum",
      async () => {
        const cases = PWSH_VERSIONS.flatMap((pwsh) =>
          INSTALLED.flatMap((installed) => MINIMUMS.map((minimum) => ({ pwsh, installed, minimum }))),
        );
        const run = await runPwsh(`
          . '${SHIM}'
          $cases = '${JSON.stringify(cases)}' | ConvertFrom-Json
          $out = foreach ($c in $cases) {
            $available = @($c.installed | ForEach-Object { [pscustomobject]@{ Version = [version]$_ } })
            $r = Select-ExoModule $available ([version]$c.minimum) ([version]$c.pwsh)
            if ($r.Module) { @{ ok = $true; version = "$($r.Module.Version)" } } else { @{ ok = $false; message = $r.Message } }
          }
          ConvertTo-Json -InputObject @($out) -Compress -Depth 4`);
        const shim = lastJson<unknown[]>(run);
        expect(shim).toHaveLength(cases.length);
        expect(shim).toEqual(cases.map((c) => selectModule(c.installed, c.minimum, c.pwsh)));
      },
      TIMEOUT,
    );

    it("picks the newest module the running pwsh supports, not the newest installed", () => {
      expect(selectModule(["3.9.2", "3.10.1"], "3.1.0", "7.4.6")).toEqual({ ok: true, version: "3.9.2" });
      expect(selectModule(["3.9.2", "3.10.1"], "3.1.0", "7.6.9")).toEqual({ ok: true, version: "3.10.1" });
      expect(selectModule(["3.4.0", "3.10.1"], "3.1.0", "7.5.2")).toEqual({
        ok: false,
        message:
          "ExchangeOnlineManagement 3.1.0 or later is not installed for this pwsh (PowerShell 7.5.2); found and skipped: " +
          "3.10.1 (needs PowerShell 7.6.0 or later), 3.4.0 (supported only on PowerShell 7.2.0 to 7.3.7); " +
          "install it with: Install-Module ExchangeOnlineManagement -MinimumVersion 3.1.0 -MaximumVersion 3.9.2 -Scope CurrentUser",
      });
      expect(selectModule([], "3.10.0", "7.4.6")).toMatchObject({
        ok: false,
        message: expect.stringContaining(
          "ExchangeOnlineManagement 3.10.0 or later needs PowerShell 7.6: install PowerShell 7.6 or later",
        ),
      });
    });

    it(
      "loads the newest supported copy end to end (3.10.1 over 3.9.2 on pwsh 7.6)",
      async () => {
        const root = mkdtempSync(join(tmpdir(), "exo-modules-"));
        standInCopy(root, "3.9.2");
        standInCopy(root, "3.10.1");
        const t = newTenant();
        const before = tier.rest!.moduleVersions.length;
        const session = await openExchangeSession({
          settings: {
            connection: "managedIdentity",
            pwsh: tier.pwsh,
            retryDeadlineSeconds: 30,
            organization: ORG,
          },
          env: { ...process.env, ...tier.env, PSModulePath: root, EXO_SIM_STATE: t.statePath },
        });
        await session.close();
        expect(tier.rest!.moduleVersions.slice(before)).toEqual(["3.10.1"]);
      },
      TIMEOUT,
    );

    it(
      "refuses a module this pwsh cannot run, with an install line that installs one it can",
      async () => {
        const root = mkdtempSync(join(tmpdir(), "exo-modules-"));
        standInCopy(root, "3.4.0");
        const t = newTenant();
        let err: unknown;
        try {
          await openExchangeSession({
            settings: {
              connection: "managedIdentity",
              pwsh: tier.pwsh,
              retryDeadlineSeconds: 30,
              organization: ORG,
            },
            env: { ...process.env, ...tier.env, PSModulePath: root, EXO_SIM_STATE: t.statePath },
          });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ExchangeCmdletError);
        expect(err).not.toBeInstanceOf(ExchangeSessionError);
        expect((err as Error).message).toMatch(
          /^Running Connect-ExchangeOnline on contoso\.onmicrosoft\.com: ExchangeOnlineManagement 3\.5\.0 or later is not installed for this pwsh \(PowerShell 7\.\d+\.\d+\); found and skipped: 3\.4\.0 \(older than 3\.5\.0\); install it with: Install-Module ExchangeOnlineManagement -MinimumVersion 3\.5\.0 -Scope CurrentUser$/,
        );
      },
      TIMEOUT,
    );
  },
);
