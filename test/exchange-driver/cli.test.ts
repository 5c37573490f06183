// The reconcile driver (scripts/exchange-driver/cli.ts, spawned through the stored entry
// scripts/exchange/cli.ts as the Command would) against the Exchange simulator through the `pwsh`
// setting: the code under test is the code that runs against a tenant. Runs that must spend the
// run's whole budget run in-process on a virtual clock instead (runInProcess).
import { grantOthers } from "../../scripts/offline-tenant/harness/sim-tenant";
import { afterAll, describe, expect, it, vi } from "vitest";
import { APPLY_COMMAND, REMOVE_COMMAND } from "../../components/exchangeMailboxAccess";
import { parseRecord } from "../../components/exchange-step/record";
import { updateState } from "../../scripts/offline-tenant/state";
import {
  APP,
  SECRETS,
  newSimTenant,
  ours,
  runCli,
  runInProcess,
  settingsFor,
  withConnection,
  state,
  stats,
  writesSince,
  type CliRun,
} from "../support/driver-run";

// Each driver run starts two processes (driver, simulator): allow for a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const A = "a@contoso.com";
const B = "b@contoso.com";
const C = "c@contoso.com";
const D = "d@contoso.com";

/** Every byte the driver printed in this file, for the leak scan at the end. */
const printed: string[] = [];
async function run(command: string, o: Parameters<typeof runCli>[1]): Promise<CliRun> {
  const r = await runCli(command, o);
  printed.push(r.stdout, r.stderr);
  return r;
}

/** The same, in-process on a virtual clock (waits cost nothing). */
async function runVirtual(command: string, o: Parameters<typeof runInProcess>[1]) {
  const r = await runInProcess(command, o);
  printed.push(r.stdout, r.stderr);
  return r;
}

/** Another principal's FullAccess and SendAs on a mailbox: never ours to touch. */
function grantSomeoneElse(statePath: string, address: string) {
  updateState(statePath, (s) => grantOthers(s, address));
}

/** Every permission row that is not our principal's, per mailbox (to prove nothing else was touched). */
function othersRows(statePath: string, ourSid: string | undefined) {
  const s = state({ statePath, dir: "", statsPath: "" });
  return s.exchange.mailboxes.map((m) => ({
    address: m.address,
    permissions: m.permissions.filter((r) => r.UserSid !== ourSid),
    recipientPermissions: m.recipientPermissions.filter((r) => r.TrusteeSidString !== ourSid),
  }));
}

describe.concurrent("apply against the simulator", () => {
  it("from an empty tenant registers the service principal with its object id, grants each mailbox and prints the record", async () => {
    const t = newSimTenant([A, B]);
    const r = await run("apply", { tenant: t, settings: settingsFor([A, { address: B, sendAs: true }]) });
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code).toBe(0);
    expect(ours(t)).toEqual({ sp: true, fullAccess: [A, B], sendAs: [B] });
    const sp = state(t).exchange.servicePrincipals.find((x) => x.AppId === APP.clientId)!;
    expect(sp.ObjectId).toBe(APP.spObjectId);
    const record = parseRecord(r.stdout)!;
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(record.servicePrincipal).toEqual({
      objectId: APP.spObjectId,
      sid: sp.Sid,
      displayName: APP.displayName,
    });
    expect(record.mailboxes).toEqual([
      { address: A, fullAccess: true, sendAs: false },
      { address: B, fullAccess: true, sendAs: true },
    ]);
    const s = stats(t);
    expect(s.sessions).toBe(1);
    expect(s.connects).toBe(1);
    expect(s.cmdlets["New-ServicePrincipal"]).toBe(1);
    expect(s.cmdlets["Add-MailboxPermission"]).toBe(2);
    expect(s.cmdlets["Add-RecipientPermission"]).toBe(1);
    expect(s.byKind.write).toBe(4);
    // Looked up by AppId over Get-ServicePrincipal's full list, once.
    expect(s.cmdlets["Get-ServicePrincipal"]).toBe(1);
  });

  it("a second apply with nothing changed makes zero writes in one session", async () => {
    const t = newSimTenant([A, B]);
    const settings = settingsFor([A, { address: B, sendAs: true }]);
    const first = await run("apply", { tenant: t, settings });
    const before = stats(t);
    const second = await run("apply", { tenant: t, settings, previousStdout: first.stdout });
    expect(second.code).toBe(0);
    expect(writesSince(t, before)).toBe(0);
    const after = stats(t);
    expect(after.sessions - before.sessions).toBe(1);
    // The Command's update with nothing changed since the record reads the principal only
    // (issue 11 item 8: an update costs what changed); `apply --full` reads every mailbox:
    // 1 lookup + one read per mailbox + one SendAs read where SendAs matters.
    expect(after.byKind.read - before.byKind.read).toBe(1);
    const beforeFull = stats(t);
    const full = await run("", {
      tenant: t,
      settings,
      previousStdout: first.stdout,
      shell: `${APPLY_COMMAND} --full`,
    });
    expect(full.code).toBe(0);
    expect(stats(t).byKind.read - beforeFull.byKind.read).toBe(1 + 2 + 1);
    expect(writesSince(t, beforeFull)).toBe(0);
    expect(parseRecord(second.stdout)).toEqual(parseRecord(first.stdout));
  });

  it("adds and removes mailboxes, revoking only what left the config", async () => {
    const t = newSimTenant([A, B, C]);
    const first = await run("apply", { tenant: t, settings: settingsFor([A, { address: B, sendAs: true }]) });
    const second = await run("apply", {
      tenant: t,
      settings: settingsFor([B, { address: C, sendAs: true }]),
      previousStdout: first.stdout,
    });
    expect(second.code).toBe(0);
    expect(ours(t)).toEqual({ sp: true, fullAccess: [B, C], sendAs: [C] });
    expect(parseRecord(second.stdout)!.mailboxes.map((m) => [m.address, m.sendAs])).toEqual([
      [B, false],
      [C, true],
    ]);
    expect(state(t).exchange.servicePrincipals).toHaveLength(1);
  });

  it("never touches someone else's grant, nor a grant to our principal the stack did not make", async () => {
    const t = newSimTenant([A, B, D]);
    grantSomeoneElse(t.statePath, A);
    grantSomeoneElse(t.statePath, B);
    const first = await run("apply", { tenant: t, settings: settingsFor([A, B]) });
    const sid = parseRecord(first.stdout)!.servicePrincipal!.sid;
    // An admin grants our principal on D by hand: not in config, not in the record.
    updateState(t.statePath, (s) => {
      s.exchange.mailboxes
        .find((m) => m.address === D)!
        .permissions.push({
          Identity: "d",
          User: APP.displayName,
          UserSid: sid,
          AccessRights: ["FullAccess"],
          IsInherited: false,
          Deny: false,
          InheritanceType: "All",
        });
    });
    const othersBefore = othersRows(t.statePath, sid);
    const second = await run("apply", {
      tenant: t,
      settings: settingsFor([B]),
      previousStdout: first.stdout,
    });
    expect(second.code).toBe(0);
    expect(ours(t).fullAccess).toEqual([B, D]);
    expect(othersRows(t.statePath, sid)).toEqual(othersBefore);
  });

  it("removal leaves nothing of ours and touches nothing else", async () => {
    const t = newSimTenant([A, B, C]);
    grantSomeoneElse(t.statePath, A);
    const settings = settingsFor([A, { address: B, sendAs: true }]);
    const first = await run("apply", { tenant: t, settings });
    const sid = parseRecord(first.stdout)!.servicePrincipal!.sid;
    const othersBefore = othersRows(t.statePath, sid);
    const removed = await run("remove", { tenant: t, settings, previousStdout: first.stdout });
    expect(removed.code).toBe(0);
    expect(ours(t)).toEqual({ sp: false, fullAccess: [], sendAs: [] });
    // No row with our SID anywhere (not even orphaned), and every other row as it was.
    const s = state(t);
    expect(s.exchange.mailboxes.flatMap((m) => m.permissions).some((r) => r.UserSid === sid)).toBe(false);
    expect(
      s.exchange.mailboxes.flatMap((m) => m.recipientPermissions).some((r) => r.TrusteeSidString === sid),
    ).toBe(false);
    expect(othersRows(t.statePath, sid)).toEqual(othersBefore);
    expect(parseRecord(removed.stdout)).toMatchObject({ servicePrincipal: null, mailboxes: [] });
    // Removing again (a retried delete) is a no-op.
    const before = stats(t);
    const again = await run("remove", { tenant: t, settings, previousStdout: first.stdout });
    expect(again.code).toBe(0);
    expect(writesSince(t, before)).toBe(0);
  });

  it("removal with no previous record (its stdout lost) revokes what the Command's environment lists", async () => {
    const t = newSimTenant([A, B]);
    const settings = settingsFor([A, { address: B, sendAs: true }]);
    expect((await run("apply", { tenant: t, settings })).code).toBe(0);
    // The Command's own delete: @pulumi/command still hands over the previous run's stderr.
    const removed = await run("remove", {
      tenant: t,
      settings,
      env: { PULUMI_COMMAND_STDERR: "exo-oauth exchange: …" },
    });
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain("no previous record");
    expect(ours(t)).toEqual({ sp: false, fullAccess: [], sendAs: [] });
  });

  it("runs from the exact command strings the Command declares, in the project root", async () => {
    const t = newSimTenant([A]);
    const settings = settingsFor([A]);
    const created = await run("", { tenant: t, settings, shell: APPLY_COMMAND });
    expect(created.code).toBe(0);
    expect(ours(t).fullAccess).toEqual([A]);
    const deleted = await run("", {
      tenant: t,
      settings,
      shell: REMOVE_COMMAND,
      previousStdout: created.stdout,
    });
    expect(deleted.code).toBe(0);
    expect(ours(t).sp).toBe(false);
  });
});

describe.concurrent("failures against the simulator", () => {
  it("retries injected transient faults (throttling, AADServicePrincipalNotFound) and succeeds within the budget", async () => {
    const t = newSimTenant([A, B]);
    const r = await run("apply", {
      tenant: t,
      settings: settingsFor([A, B]),
      faults: { throttleFirst: 3, spNotFoundFirst: 2 },
    });
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code).toBe(0);
    expect(ours(t)).toEqual({ sp: true, fullAccess: [A, B], sendAs: [] });
    const s = stats(t);
    expect(s.faults.throttle).toBe(3);
    expect(s.faults.spNotFoundYet).toBe(2);
    expect(s.sessions).toBe(1);
    expect(r.stderr).toMatch(/transient error, attempt 2/);
  });

  it("reads again when Exchange does not yet show what it just wrote (eventual consistency), then succeeds", async () => {
    const t = newSimTenant([A, B]);
    const r = await run("apply", {
      tenant: t,
      settings: settingsFor([A, B]),
      faults: { staleReadsAfterWrite: 1 },
    });
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code).toBe(0);
    // One short line: how many changes are not visible yet (the first named), the wait, the budget left.
    expect(r.stderr).toMatch(
      /verifying: Exchange does not show [12] of 3 changes yet \(Granting FullAccess on \S+@contoso\.com .*\); reading again in \d+ ms, \d+ s of the budget left\n/,
    );
    expect(stats(t).faults.staleRead).toBeGreaterThan(0);
    expect(parseRecord(r.stdout)?.mailboxes.map((m) => m.address)).toEqual([A, B]);
  });

  it("fails naming what was written, what Exchange shows, how long it waited and what to do, when the writes never become visible", async () => {
    const t = newSimTenant([A]);
    const r = await runVirtual("apply", {
      tenant: t,
      settings: withConnection(settingsFor([A]), { retryDeadlineSeconds: 30 }),
      faults: { staleReadsAfterWrite: 1000 },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: Verifying what this run wrote \\(.*Granting FullAccess on ${A} .*\\): Exchange still shows no FullAccess on ${A} for ${APP.spObjectId} ` +
          `after \\d+ reads over \\d+ (ms|s), and the run's budget \\(exo-oauth:exchange.retryDeadlineSeconds = 30 s\\) is spent\\. ` +
          `.*run the deployment again .*or raise exo-oauth:exchange.retryDeadlineSeconds`,
        "m",
      ),
    );
    // It read again and again, backing off, and stopped within the run's budget.
    expect(r.slept.length).toBeGreaterThan(3);
    expect(r.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
  });

  it("a permanent fault fails naming what it did, the mailbox, the cmdlet and Exchange's message, and prints no record", async () => {
    const t = newSimTenant([A]);
    const r = await run("apply", {
      tenant: t,
      settings: settingsFor([A]),
      faults: { accessDenied: ["Add-MailboxPermission"] },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: Granting FullAccess on ${A} to ${APP.displayName} \\(${APP.spObjectId}\\): .*isn't within your current write scopes.* \\(Add-MailboxPermission`,
        "m",
      ),
    );
  });

  it("a mailbox that does not exist is a permanent error naming it, never read as absent", async () => {
    const t = newSimTenant([A]);
    const first = await run("apply", { tenant: t, settings: settingsFor([A]) });
    const r = await run("apply", {
      tenant: t,
      settings: settingsFor([A, "ghost@contoso.com"]),
      previousStdout: first.stdout,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Error: Reading FullAccess on ghost@contoso.com: the mailbox does not exist in Exchange \(.*couldn't be found/,
    );
  });

  it("registering with the app registration's object id fails clearly (the component passes the service principal's)", async () => {
    const t = newSimTenant([A]);
    const r = await runVirtual("apply", {
      tenant: t,
      settings: withConnection(settingsFor([A], { servicePrincipalObjectId: APP.objectId }), {
        retryDeadlineSeconds: 30,
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Registering service principal 11111111-1111-4111-8111-111111111111 .*AADServicePrincipalNotFound|No ServicePrincipal/,
    );
    expect(ours(t).sp).toBe(false);
  });
});

describe.concurrent("plan and runbook from the command line", () => {
  it("plan on a tenant where nothing is set up yet says so (not drift), in the imperative with names and ids, and sums up", async () => {
    const t = newSimTenant([A, B]);
    const settings = settingsFor([A, B]);
    const { appId, servicePrincipalObjectId: id, displayName } = settings.desired;
    const r = await run("plan", { tenant: t, settings });
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      "Not set up in Exchange yet: apply would make 3 changes:",
      `  + register service principal ${displayName} (${id}, AppId ${appId}) in Exchange`,
      `  + grant FullAccess on ${A} to ${displayName} (${id})`,
      `  + grant FullAccess on ${B} to ${displayName} (${id})`,
      "Plan: 3 to add, 0 to remove, 0 unchanged.",
    ]);
    expect(r.stdout).not.toMatch(/Drift|\(s\)/);
  });

  it("plan exits 0 in sync, 2 on drift (listing it), 78 on a bad input, and never writes", async () => {
    const t = newSimTenant([A, B]);
    const settings = settingsFor([A, B]);
    const first = await run("apply", { tenant: t, settings });
    const before = stats(t);
    expect((await run("plan", { tenant: t, settings, previousStdout: first.stdout })).code).toBe(0);
    // Someone revokes B by hand.
    const sid = parseRecord(first.stdout)!.servicePrincipal!.sid;
    updateState(t.statePath, (s) => {
      const mb = s.exchange.mailboxes.find((m) => m.address === B)!;
      mb.permissions = mb.permissions.filter((r) => r.UserSid !== sid);
    });
    const drift = await run("plan", { tenant: t, settings, previousStdout: first.stdout });
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain(`+ grant FullAccess on ${B}`);
    const broken = await run("plan", { tenant: t, settings: withConnection(settings, { organization: "" }) });
    expect(broken.code).toBe(78);
    expect(broken.stderr).toContain(
      "EXO_OAUTH_ORGANIZATION (from exo-oauth:organization): missing: expected the tenant's <name>.onmicrosoft.com domain",
    );
    expect(writesSince(t, before)).toBe(0);
  });

  it("runbook prints the guarded PowerShell for the desired state, and revokes what the record lists but config dropped", async () => {
    const t = newSimTenant([A, B]);
    const first = await run("apply", { tenant: t, settings: settingsFor([A, B]) });
    const before = stats(t);
    const r = await run("runbook", { tenant: t, settings: settingsFor([A]), previousStdout: first.stdout });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`$objectId = '${APP.spObjectId}'`);
    expect(r.stdout).toContain(`Remove-MailboxPermission -Identity $mailbox`);
    expect(r.stdout).toContain(`$mailbox = '${B}'`);
    // No session at all.
    expect(stats(t).sessions).toBe(before.sessions);
  });
});

afterAll(() => {
  // Checked here too so a leak fails the file even when run with -t.
  const all = printed.join("\n");
  if (all.includes(SECRETS.certificate) || all.includes(SECRETS.certificatePassword))
    throw new Error("a secret value appeared in the driver's output");
});

describe("secrets", () => {
  it("no secret value appears in any stdout, stderr, record or runbook of this file's runs", () => {
    expect(printed.length).toBeGreaterThan(20);
    const all = printed.join("\n");
    for (const secret of [SECRETS.certificate, SECRETS.certificatePassword]) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(Buffer.from(secret).toString("base64"));
    }
  });
});
