// The offline chain (test/end-to-end/chain.test.ts) with REAL PowerShell: config → program →
// the Command's real script → the driver → real pwsh running shim.ps1 → the stand-in
// ExchangeOnlineManagement → the REST front → the same tenant state file → token issuer and mail
// peers → verify. Deploy, change, destroy — one pwsh process per Command run, so the steps are few:
// first apply, an apply that must write nothing, a mailbox added, a mailbox removed, destroy.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import {
  ADMIN_TOKEN_ENV,
  createOfflineTenant,
  deploy,
  destroy,
  exchangeGrants,
  findLeaks,
  outcomes,
  reapply,
  secretsOf,
  simStats,
  startOfflineServices,
  tenantState,
  update,
  verify,
  type Deployment,
  type OfflineServices,
  type OfflineTenant,
} from "../../scripts/offline-tenant/harness/chain";
import { grantOthers, OTHERS } from "../../scripts/offline-tenant/harness/sim-tenant";
import type { SimStats } from "../../scripts/offline-tenant/exchange/stats";
import { TENANT_ID, baseConfig, STATED_LIFETIME } from "../support/program-harness";
import { skipDovecot } from "../support/dovecot-gate";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";

const skip =
  realTierSkip() ?? (skipDovecot ? "Dovecot is not installed (test/support/dovecot-gate.ts)" : undefined);
const TIMEOUT = 300_000;

const HELPDESK = "helpdesk@contoso.com";
const BILLING = "billing@contoso.com";
const SUPPORT = "support@contoso.com";

/** Writes and reads the REST front saw between two snapshots of the tenant's counters. */
const since = (before: SimStats, after: SimStats) => ({
  sessions: after.sessions - before.sessions,
  reads: after.byKind.read - before.byKind.read,
  writes: after.byKind.write - before.byKind.write,
  cmdlets: Object.fromEntries(
    Object.entries(after.cmdlets)
      .map(([k, v]) => [k, v - (before.cmdlets[k] ?? 0)] as const)
      .filter(([k, v]) => v > 0 && /^(Add|Remove|New)-/.test(k)),
  ),
});

describe.skipIf(skip !== undefined)(
  `one tenant deployed, changed and destroyed with real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let tier: TierSetup;
    let t: OfflineTenant;
    let services: OfflineServices;
    const deployments: Deployment[] = [];
    const config = (mailboxes: unknown[]) =>
      baseConfig({
        secret: STATED_LIFETIME,
        mailboxes,
        exchange: { connection: "accessToken", accessTokenEnv: ADMIN_TOKEN_ENV, pwsh: tier.pwsh },
      });
    const first = () => config([{ address: HELPDESK, sendAs: true }, BILLING]);
    const added = () => config([{ address: HELPDESK, sendAs: true }, BILLING, SUPPORT]);
    const removed = () => config([{ address: HELPDESK, sendAs: true }, SUPPORT]);
    const last = () => deployments[deployments.length - 1];

    beforeAll(async () => {
      tier = await openTier("real");
      t = createOfflineTenant({
        tenantId: TENANT_ID,
        mailboxes: [HELPDESK, BILLING, SUPPORT],
        seed: (s) => grantOthers(s, HELPDESK),
        env: tier.env,
      });
      services = await startOfflineServices(t);
    }, TIMEOUT);
    afterAll(async () => {
      await services?.stop();
      await tier?.close();
      t?.cleanup();
    });

    it(
      "pulumi up runs the Command once through real pwsh: the stand-in module connected once, the grants are made, verify passes",
      async () => {
        const d = await deploy(t, first());
        deployments.push(d);
        expect(d.run!.code).toBe(0);
        // The Command's stdout is the record, nothing else (the module's warnings and host output
        // stay off the protocol stream and off stdout).
        const record = parseRecord(d.record)!;
        expect(d.outputs.exchangeRecord).toEqual(JSON.parse(JSON.stringify(record)));
        const appId = d.outputs.clientId as string;
        expect(exchangeGrants(tenantState(t), appId)).toEqual({
          servicePrincipal: true,
          fullAccess: [BILLING, HELPDESK],
          sendAs: [HELPDESK],
        });
        // It was real pwsh + the stand-in: the REST front took exactly one connect, from 3.10.1.
        expect(tier.rest!.requests.connect).toBe(1);
        expect(tier.rest!.moduleVersions).toEqual(["3.10.1"]);
        expect(simStats(t).sessions).toBe(1);
        // The writes' answers (the ACEs Add-MailboxPermission and Add-RecipientPermission added)
        // came back through real pwsh and counted as the first confirming read: each grant read once.
        expect(simStats(t).cmdlets["Get-MailboxPermission"]).toBe(2);
        expect(simStats(t).cmdlets["Get-RecipientPermission"]).toBe(1);

        const v = await verify(t, services, d, ["--protocol", "imap"]);
        expect(outcomes(v.report)).toEqual({ [`${HELPDESK} imap`]: "pass", [`${BILLING} imap`]: "pass" });
        expect(v.exitCode).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "the same apply once more reads and writes nothing, and prints the same record",
      async () => {
        const before = simStats(t);
        const run = await reapply(t, last());
        expect(run.code).toBe(0);
        const d = since(before, simStats(t));
        expect([d.sessions, d.writes, d.cmdlets]).toEqual([1, 0, {}]);
        expect(d.reads).toBeGreaterThan(0);
        expect(parseRecord(run.stdout)).toEqual(parseRecord(last().record));
      },
      TIMEOUT,
    );

    it(
      "a mailbox added to the config is granted, and only it: one FullAccess, nothing else written",
      async () => {
        const before = simStats(t);
        const d = await update(t, added());
        deployments.push(d);
        expect(d.run!.script).toBe("update");
        expect(d.run!.code).toBe(0);
        expect(since(before, simStats(t)).cmdlets).toEqual({ "Add-MailboxPermission": 1 });
        expect(exchangeGrants(tenantState(t), d.outputs.clientId as string)).toEqual({
          servicePrincipal: true,
          fullAccess: [BILLING, HELPDESK, SUPPORT],
          sendAs: [HELPDESK],
        });
        const v = await verify(t, services, d, ["--mailbox", SUPPORT, "--protocol", "imap"]);
        expect(outcomes(v.report)).toEqual({ [`${SUPPORT} imap`]: "pass" });
      },
      TIMEOUT,
    );

    it(
      "a mailbox removed from the config loses our grant, and only ours: Exchange then refuses the token",
      async () => {
        const before = simStats(t);
        const d = await update(t, removed());
        deployments.push(d);
        expect(d.run!.code).toBe(0);
        expect(since(before, simStats(t)).cmdlets).toEqual({ "Remove-MailboxPermission": 1 });
        expect(exchangeGrants(tenantState(t), d.outputs.clientId as string)).toEqual({
          servicePrincipal: true,
          fullAccess: [HELPDESK, SUPPORT],
          sendAs: [HELPDESK],
        });
        expect(parseRecord(d.record)!.mailboxes.map((m) => m.address)).toEqual([HELPDESK, SUPPORT]);
        const v = await verify(t, services, d, ["--mailbox", BILLING, "--protocol", "imap"]);
        expect(outcomes(v.report)).toEqual({ [`${BILLING} imap`]: "exchange-refused-token" });
      },
      TIMEOUT,
    );

    it(
      "pulumi destroy revokes our grants and our Exchange service principal through real pwsh, and nobody else's",
      async () => {
        const others = () =>
          tenantState(t)
            .exchange.mailboxes.flatMap((m) => [
              ...m.permissions.filter((r) => r.UserSid === OTHERS.sid),
              ...m.recipientPermissions.filter((r) => r.TrusteeSidString === OTHERS.sid),
            ])
            .map((r) => JSON.stringify(r));
        const othersBefore = others();
        expect(othersBefore).toHaveLength(2);
        const appId = last().outputs.clientId as string;
        const result = await destroy(t);
        expect(result.commandRuns.map((r) => [r.script, r.code])).toEqual([["delete", 0]]);
        expect(exchangeGrants(tenantState(t), appId)).toEqual({
          servicePrincipal: false,
          fullAccess: [],
          sendAs: [],
        });
        expect(others()).toEqual(othersBefore);
        // deploy, reapply, add, remove, destroy: five Command runs, five pwsh sessions, five connects.
        expect(simStats(t).sessions).toBe(5);
        expect(tier.rest!.requests.connect).toBe(5);
      },
      TIMEOUT,
    );

    it("nothing captured — Command output, records, verify output, the state file — holds a secret or a token", () => {
      const secrets = secretsOf(t, deployments);
      const entries = [
        ...t.transcript,
        { what: "tenant state file", text: readFileSync(t.statePath, "utf8") },
        ...deployments.map((d, i) => ({ what: `Command inputs #${i + 1}`, text: JSON.stringify(d.command) })),
      ];
      // The scan itself finds what it looks for.
      expect(findLeaks([{ what: "probe", text: `x${t.adminToken}x` }], secrets)).toHaveLength(1);
      expect(findLeaks(entries, secrets)).toEqual([]);
    });
  },
);
