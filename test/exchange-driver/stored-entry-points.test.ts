// The Command strings every deployed stack holds in its state keep working: run exactly as
// @pulumi/command runs them (/bin/sh -c, cwd = the project root, env = the Command's environment
// as the Exchange step v1 fixtures hold it, plus the simulator's variables and the fake pwsh), apply
// grants and remove revokes. The strings new stacks get do the same.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { APPLY_COMMAND, REMOVE_COMMAND } from "../../components/exchange-step/entry-points";
import { FAKE_PWSH, newSimTenant, ours, runShell, type SimTenant } from "../support/driver-run";

vi.setConfig({ testTimeout: 180_000 });

/** Verbatim from deployed stacks' state: never derive these from the code's constants. */
const STORED_APPLY = "npx --no tsx scripts/exchange/cli.ts apply";
const STORED_REMOVE = "npx --no tsx scripts/exchange/cli.ts remove";

const FIXTURES = resolve(__dirname, "../fixtures/exchange-step-v1");
const fixture = (file: string) =>
  JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Record<string, string>;

/** The fixture's environment plus what only this machine has: where the simulator is and its state. */
function commandEnvironment(file: string, t: SimTenant, extra: Record<string, string> = {}) {
  return {
    ...fixture(file),
    EXO_OAUTH_PWSH: FAKE_PWSH,
    EXO_SIM_STATE: t.statePath,
    EXO_SIM_STATS: t.statsPath,
    EXO_OAUTH_RETRY_BASE_MS: "5",
    ...extra,
  };
}

const GRANTED = {
  sp: true,
  fullAccess: ["billing@contoso.com", "helpdesk@contoso.com"],
  sendAs: ["billing@contoso.com"],
};

const ENVIRONMENTS = [
  ["environment-managedIdentity.json", {}],
  // A JWT in shape: the driver refuses a token variable holding anything else.
  [
    "environment-accessToken.json",
    { EXO_ACCESS_TOKEN: "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.cGlwZWxpbmUtdG9rZW4.c2ltdWxhdG9y" },
  ],
  // The v1 fixture's certificate is a placeholder that is not base64 (Convert.FromBase64String,
  // and so the simulator, refuses it): a PFX-shaped value stands in, everything else as stored.
  [
    "environment-certificate.json",
    { EXO_OAUTH_CERTIFICATE: Buffer.from([0x30, 0x82, 1, 2, 3, 4]).toString("base64") },
  ],
] as const;

describe.concurrent("the stored Command strings, run through sh -c against the simulator", () => {
  it.each(ENVIRONMENTS)("%s: apply grants, remove revokes", async (file, extra) => {
    const t = newSimTenant(["helpdesk@contoso.com", "billing@contoso.com"]);
    const env = commandEnvironment(file, t, extra);
    const applied = await runShell(STORED_APPLY, env);
    expect(applied.stderr).not.toMatch(/^Error/m);
    expect(applied.code).toBe(0);
    expect(ours(t)).toEqual(GRANTED);
    expect(applied.stdout).toMatch(/^\{"schema":"exo-oauth\/exchange-record@1",/);

    // The delete runs with the same environment and the last stdout in PULUMI_COMMAND_STDOUT.
    const removed = await runShell(STORED_REMOVE, { ...env, PULUMI_COMMAND_STDOUT: applied.stdout });
    expect(removed.stderr).not.toMatch(/^Error/m);
    expect(removed.code).toBe(0);
    expect(ours(t)).toEqual({ sp: false, fullAccess: [], sendAs: [] });
  });
});

describe.concurrent("the Command strings new stacks get, run through sh -c against the simulator", () => {
  it("run the driver from this checkout by path, with no PATH lookup of tsx", () => {
    expect(APPLY_COMMAND).toBe("node ./scripts/exchange-driver/run.cjs apply");
    expect(REMOVE_COMMAND).toBe("node ./scripts/exchange-driver/run.cjs remove");
  });

  it.each(ENVIRONMENTS)("%s: apply grants, remove revokes", async (file, extra) => {
    const t = newSimTenant(["helpdesk@contoso.com", "billing@contoso.com"]);
    const env = commandEnvironment(file, t, extra);
    const applied = await runShell(APPLY_COMMAND, env);
    expect(applied.stderr).not.toMatch(/^Error/m);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(`exo-oauth exchange: running PowerShell ${FAKE_PWSH}\n`);
    expect(ours(t)).toEqual(GRANTED);
    const removed = await runShell(REMOVE_COMMAND, { ...env, PULUMI_COMMAND_STDOUT: applied.stdout });
    expect(removed.code).toBe(0);
    expect(ours(t)).toEqual({ sp: false, fullAccess: [], sendAs: [] });
  });
});
