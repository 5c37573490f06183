// An update costs what changed (issue 11, item 8): with the Command's previous record, apply reads
// the service principal and only the mailboxes whose desired state differs from the record.
import { describe, expect, it, vi } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import { updateState } from "../../scripts/offline-tenant/state";
import { newSimTenant, ours, runCli, settingsFor, stats, type SimTenant } from "../support/driver-run";
import type { SimStats } from "../../scripts/offline-tenant/exchange/stats";

vi.setConfig({ testTimeout: 180_000 });

const mailboxes = (n: number) => Array.from({ length: n }, (_, i) => `m${i}@contoso.com`);
const cmdletsSince = (t: SimTenant, before: SimStats) => {
  const after = stats(t);
  return after.byKind.read + after.byKind.write - before.byKind.read - before.byKind.write;
};

describe.concurrent("the Command's update reads only what changed since the record", () => {
  it("adding one mailbox to 30 costs at most 10 cmdlets, and the record lists all 31", async () => {
    const all = mailboxes(31);
    const t = newSimTenant(all);
    const first = await runCli("apply", { tenant: t, settings: settingsFor(all.slice(0, 30)) });
    expect(first.code).toBe(0);
    const before = stats(t);
    const added = await runCli("apply", {
      tenant: t,
      settings: settingsFor(all),
      previousStdout: first.stdout,
    });
    expect(added.code).toBe(0);
    expect(cmdletsSince(t, before)).toBeLessThanOrEqual(10);
    // One read before the write, one after: Add-MailboxPermission's answer (the ACE) is the first
    // of the two agreeing reads the consistency policy asks.
    expect(stats(t).cmdlets["Get-MailboxPermission"] - before.cmdlets["Get-MailboxPermission"]).toBe(2);
    expect(parseRecord(added.stdout)!.mailboxes).toHaveLength(31);
    expect(ours(t).fullAccess).toHaveLength(31);
    expect(added.stderr).toContain("update: 1 of 31 mailboxes differ from the record");
  });

  it("removing one and turning SendAs on for another reads and changes just those two", async () => {
    const all = mailboxes(10);
    const t = newSimTenant(all);
    const first = await runCli("apply", { tenant: t, settings: settingsFor(all) });
    const before = stats(t);
    const next = settingsFor([...all.slice(1, 9).map((a) => a), { address: all[9], sendAs: true }]);
    const r = await runCli("apply", { tenant: t, settings: next, previousStdout: first.stdout });
    expect(r.code).toBe(0);
    expect(ours(t)).toEqual({ sp: true, fullAccess: all.slice(1).sort(), sendAs: [all[9]] });
    expect(
      stats(t).cmdlets["Get-MailboxPermission"] - before.cmdlets["Get-MailboxPermission"],
    ).toBeLessThanOrEqual(6);
  });

  it("a principal re-registered by hand (another SID) makes the update read and re-grant every mailbox", async () => {
    const all = mailboxes(3);
    const t = newSimTenant(all);
    const settings = settingsFor(all);
    const first = await runCli("apply", { tenant: t, settings });
    // Removed and registered again by hand: same object id, a new SID, no grants.
    updateState(t.statePath, (s) => {
      const sp = s.exchange.servicePrincipals[0];
      sp.Sid = "S-1-5-21-1-2-3-999999";
      for (const m of s.exchange.mailboxes)
        m.permissions = m.permissions.filter((p) => p.User !== sp.DisplayName);
    });
    const r = await runCli("apply", { tenant: t, settings, previousStdout: first.stdout });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("not the one the record names: reading every mailbox");
    expect(ours(t).fullAccess).toEqual(all);
  });
});
