// The real-pwsh driver harness both driver test files share: the driver through its STORED entry
// (`npx --no tsx scripts/exchange/cli.ts <apply|remove|plan>`, what deployed stacks hold) with pwsh =
// real pwsh (shim.ps1, the stand-in module, the REST front), every run's output kept for a leak scan.
// Two files so the real tier's slowest runs go on two workers at once (test/pwsh/driver.test.ts,
// test/pwsh/driver-faults.test.ts).
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DriverSettings } from "../../components/exchange-step/codec";
import type { ExchangeSignIn } from "../../components/exchange-step/settings";
import { runCli, settingsFor, type CliRun, type SimTenant } from "../support/driver-run";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";
import { certificateConnection, makeCertificate, type TestCertificate } from "./fixtures";

export const skip = realTierSkip();
export const TIMEOUT = 300_000;
const STORED = (command: string) => `npx --no tsx scripts/exchange/cli.ts ${command}`;
export const MAILBOXES = ["a@contoso.com", { address: "b@contoso.com", sendAs: true }];
export const CONVERGED = {
  sp: true,
  fullAccess: ["a@contoso.com", "b@contoso.com"],
  sendAs: ["b@contoso.com"],
};

/** Call inside a describe: opens the real tier before its tests, closes it after, and scans for leaks last. */
export function realDriver() {
  let tier: TierSetup;
  let cert: TestCertificate;
  const secrets: string[] = [];
  const printed: string[] = [];
  beforeAll(async () => {
    tier = await openTier("real");
    cert = makeCertificate({ password: "Pfx-Secret-Pässword-41" });
    secrets.push(cert.pfx, cert.password);
  }, TIMEOUT);
  afterAll(async () => tier?.close());

  /** The fixture's settings with real pwsh, signing in with `signIn` (default: the test certificate). */
  function settings(
    over: { connection?: ExchangeSignIn; desired?: DriverSettings["desired"] } = {},
  ): DriverSettings {
    const base = settingsFor(MAILBOXES);
    const { organization, retryDeadlineSeconds } = base.connection;
    return {
      desired: over.desired ?? base.desired,
      connection: {
        ...(over.connection ?? certificateConnection(cert)),
        organization,
        retryDeadlineSeconds,
        pwsh: tier.pwsh,
      },
    };
  }
  async function run(
    command: string,
    tenant: SimTenant,
    o: {
      settings?: DriverSettings;
      previousStdout?: string;
      faults?: object;
      env?: Record<string, string>;
    } = {},
  ): Promise<CliRun> {
    const r = await runCli(command, {
      tenant,
      settings: o.settings ?? settings(),
      previousStdout: o.previousStdout,
      faults: o.faults as Record<string, unknown> | undefined,
      env: { ...tier.env, ...o.env },
      shell: STORED(command),
    });
    printed.push(r.stdout, r.stderr);
    return r;
  }
  const ok = (r: CliRun) => {
    if (r.code !== 0)
      throw new Error(`exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
    return r;
  };

  /** The last test of a file: nothing any run printed holds a secret (`minPrinted` outputs at least). */
  const neverPrinted = (minPrinted: number) =>
    it("never printed the certificate, its password or the access token (every run above)", () => {
      expect(printed.length).toBeGreaterThan(minPrinted);
      const all = printed.join("\n");
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(8);
        expect(all).not.toContain(secret);
        expect(all).not.toContain(secret.slice(0, 24));
        expect(all).not.toContain(Buffer.from(secret).toString("base64").slice(0, 24));
      }
    });
  return { settings, run, ok, secrets, neverPrinted };
}
