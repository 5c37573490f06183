// `plan --scan` through the driver's stored entry with real pwsh: the shim, the stand-in module's
// Get-Mailbox / Get-RecipientPermission parameters (-ResultSize, -Trustee without -Identity) and the
// REST front answer the scan's M + 2 reads as the fake-pwsh tier does (test/exchange-driver/scan.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriverSettings } from "../../components/exchange-step/codec";
import { grantByHand } from "../../scripts/offline-tenant/exchange/hand-edits";
import { updateState } from "../../scripts/offline-tenant/state";
import { APP, newSimTenant, runCli, settingsFor, state, stats } from "../support/driver-run";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";
import { certificateConnection, makeCertificate, type TestCertificate } from "./fixtures";

const skip = realTierSkip();
const TIMEOUT = 300_000;
const STORED = (command: string) => `npx --no tsx scripts/exchange/cli.ts ${command}`;

describe.skipIf(skip !== undefined)(`plan --scan with real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`, () => {
  let tier: TierSetup;
  let cert: TestCertificate;
  beforeAll(async () => {
    tier = await openTier("real");
    cert = makeCertificate({ password: "Pfx-Scan-Secret-77" });
  }, TIMEOUT);
  afterAll(async () => tier?.close());

  function settings(): DriverSettings {
    const base = settingsFor(["a@contoso.com"]);
    const { organization, retryDeadlineSeconds } = base.connection;
    return {
      desired: base.desired,
      connection: { ...certificateConnection(cert), organization, retryDeadlineSeconds, pwsh: tier.pwsh },
    };
  }

  it(
    "names a FullAccess grant made by hand outside the config, in M + 2 reads, and exits 0",
    async () => {
      const t = newSimTenant(["a@contoso.com", "b@contoso.com", "x@contoso.com"]);
      const run = (command: string, previousStdout?: string) =>
        runCli(command, {
          tenant: t,
          settings: settings(),
          previousStdout,
          env: tier.env,
          shell: STORED(command),
        });
      const applied = await run("apply");
      expect(applied.code).toBe(0);
      const sp = state(t).exchange.servicePrincipals.find((s) => s.AppId === APP.clientId)!;
      updateState(t.statePath, (s) =>
        grantByHand(s, "x@contoso.com", { user: sp.DisplayName, sid: sp.Sid }, ["FullAccess"]),
      );
      const before = stats(t);
      const r = await run("plan --scan", applied.stdout);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `revoke by hand: Remove-MailboxPermission -Identity 'x@contoso.com' -User '${APP.spObjectId}' -AccessRights FullAccess -InheritanceType All -Confirm:$false`,
      );
      const after = stats(t);
      expect(after.cmdlets["Get-Mailbox"] - (before.cmdlets["Get-Mailbox"] ?? 0)).toBe(1);
      expect(
        after.cmdlets["Get-RecipientPermission"] - (before.cmdlets["Get-RecipientPermission"] ?? 0),
      ).toBe(1);
      // The plan reads a@ (1) and the scan each of the 3 mailboxes.
      expect(after.cmdlets["Get-MailboxPermission"] - before.cmdlets["Get-MailboxPermission"]).toBe(1 + 3);
      expect(after.byKind.write - before.byKind.write).toBe(0);
    },
    TIMEOUT,
  );
});
