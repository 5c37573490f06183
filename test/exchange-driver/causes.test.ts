// Each refusal the driver can meet, with its right cause and what to do (issue 11, items 1 and 2):
// the driver against the Exchange simulator with the fault knobs (docs/powershell-tier.md, "Knobs").
import { describe, expect, it, vi } from "vitest";
import {
  APP,
  newSimTenant,
  ours,
  runCli,
  runInProcess,
  settingsFor,
  stats,
  withConnection,
  type CliRun,
} from "../support/driver-run";
import { parseRecord } from "../../components/exchange-step/record";
import { updateState } from "../../scripts/offline-tenant/state";

vi.setConfig({ testTimeout: 180_000 });

const HELPDESK = "helpdesk@contoso.com";

describe.concurrent("a cmdlet Exchange does not offer the automation identity (not recognized)", () => {
  it.each([
    ["New-ServicePrincipal", "Role Management", "Organization Management"],
    ["Get-ServicePrincipal", "Role Management", "Organization Management"],
    ["Add-MailboxPermission", "Mail Recipients", "Recipient Management"],
  ])(
    "%s: names the cmdlet, the role %s (role group %s) and how to grant it, once, without retrying",
    async (cmdlet, role, roleGroup) => {
      const t = newSimTenant([HELPDESK]);
      const r: CliRun = await runCli("apply", {
        tenant: t,
        settings: settingsFor([HELPDESK]),
        faults: { notRecognized: [cmdlet] },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const error = r.stderr.split("\n").find((l) => l.startsWith("Error: "))!;
      expect(error).toContain(`The term '${cmdlet}' is not recognized`);
      expect(error).toContain(`a missing role, not a missing module`);
      expect(error).toContain(
        `needs the Exchange management role "${role}" (held by the role group "${roleGroup}") for ${cmdlet}`,
      );
      expect(error).toContain(`New-ManagementRoleAssignment -Role "${role}" -App <ServiceId>`);
      expect(error).toContain(`Add-RoleGroupMember -Identity "${roleGroup}"`);
      expect(error).toContain("Exchange Administrator");
      expect(r.stderr).not.toMatch(/transient error, attempt/);
      // Asked once: the simulator counts a cmdlet the caller's roles hide as a refusal, not a call.
      expect(stats(t).faults.notRecognized).toBe(1);
    },
  );
});

describe.concurrent("AADServicePrincipalNotFound: replication lag or the wrong object id", () => {
  // The minimal input: application object id 1111…, client id 2222…, service principal
  // 3333…, mailbox helpdesk@contoso.com, and the app registration's object id in EXO_OAUTH_SP_OBJECT_ID.
  // The default budget (600 s): the one the issue saw spent in full.
  const wrongId = () =>
    withConnection(settingsFor([HELPDESK], { servicePrincipalObjectId: APP.objectId }), {
      retryDeadlineSeconds: 600,
    });

  it("the minimal input fails within a bounded wait (not the 600 s budget) and keeps the object-id hint", async () => {
    expect(APP).toMatchObject({
      objectId: "11111111-1111-4111-8111-111111111111",
      clientId: "22222222-2222-4222-8222-222222222222",
      spObjectId: "33333333-3333-4333-8333-333333333333",
    });
    const t = newSimTenant([HELPDESK]);
    const r = await runInProcess("apply", { tenant: t, settings: wrongId() });
    expect(r.code).toBe(1);
    const waited = r.slept.reduce((a, b) => a + b, 0);
    // A first run (no record): the stack may have created the principal moments ago, so the
    // public ~5 minutes of lag are allowed, and no more.
    expect(waited).toBeLessThanOrEqual(300_000);
    expect(waited).toBeGreaterThan(60_000);
    const error = r.stderr.split("\n").find((l) => l.startsWith("Error: "))!;
    expect(error).toMatch(
      /^Error: Registering service principal 11111111-1111-4111-8111-111111111111 \(AppId 22222222-2222-4222-8222-222222222222\) in Exchange: AADServicePrincipalNotFound/,
    );
    expect(error).toMatch(/gave up after \d+ attempts over \d+ s/);
    expect(error).toContain(
      "What to do: if that object id is the app registration's object id (App registrations > Overview), use the enterprise application's (service principal's) object id instead",
    );
    expect(ours(t).sp).toBe(false);
  });

  it("with a record showing this principal registered before, no lag is plausible: at most 60 s of waiting, same hint", async () => {
    const t = newSimTenant([HELPDESK]);
    const first = await runCli("apply", { tenant: t, settings: settingsFor([HELPDESK]) });
    expect(first.code).toBe(0);
    // Someone removes the Exchange registration by hand, and the Entra principal is gone too.
    updateState(t.statePath, (s) => {
      s.exchange.servicePrincipals = [];
      s.entra.servicePrincipals = [];
    });
    const r = await runInProcess("apply", {
      tenant: t,
      settings: withConnection(settingsFor([HELPDESK]), { retryDeadlineSeconds: 600 }),
      previousStdout: first.stdout,
    });
    expect(parseRecord(first.stdout)!.servicePrincipal!.objectId).toBe(APP.spObjectId);
    expect(r.code).toBe(1);
    expect(r.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(r.stderr).toContain("What to do: if that object id is the app registration's object id");
  });

  it("real lag right after the principal was created still converges (retried)", async () => {
    const t = newSimTenant([HELPDESK]);
    const r = await runInProcess("apply", {
      tenant: t,
      settings: settingsFor([HELPDESK]),
      faults: { spNotFoundFirst: 4 },
    });
    expect(r.code).toBe(0);
    expect(ours(t)).toEqual({ sp: true, fullAccess: [HELPDESK], sendAs: [] });
    expect(stats(t).faults.spNotFoundYet).toBe(4);
  });
});
