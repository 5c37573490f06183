// A first apply costs 2N + 2 cmdlets (issue 11, item 8): Get-ServicePrincipal, New-ServicePrincipal,
// and per mailbox one Add-MailboxPermission whose answer (the ACE it added) is the first of the
// consistency policy's two agreeing reads, then one Get-MailboxPermission. A replica that is behind
// still makes the driver wait for two agreeing reads in a row.
import { describe, expect, it, vi } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import { newSimTenant, ours, runCli, settingsFor, stats } from "../support/driver-run";

vi.setConfig({ testTimeout: 120_000 });

const mailboxes = (n: number) => Array.from({ length: n }, (_, i) => `m${i}@contoso.com`);

describe.concurrent("a first apply", () => {
  it("grants 8 mailboxes with 2 × 8 + 2 = 18 cmdlets: one write and one read-back per mailbox", async () => {
    const all = mailboxes(8);
    const t = newSimTenant(all);
    const run = await runCli("apply", { tenant: t, settings: settingsFor(all) });
    expect(run.code).toBe(0);
    const s = stats(t);
    expect(s.cmdlets).toEqual({
      "Get-ServicePrincipal": 1,
      "New-ServicePrincipal": 1,
      "Add-MailboxPermission": 8,
      "Get-MailboxPermission": 8,
    });
    expect(ours(t).fullAccess).toHaveLength(8);
    expect(parseRecord(run.stdout)!.mailboxes).toHaveLength(8);
  });

  it("with SendAs on 3 of them also answers with its ACE and adds one read per SendAs mailbox: 2 × 11 + 2 = 24", async () => {
    const all = mailboxes(8);
    const t = newSimTenant(all);
    const desired = all.map((address, i) => ({ address, sendAs: i < 3 }));
    const run = await runCli("apply", { tenant: t, settings: settingsFor(desired) });
    expect(run.code).toBe(0);
    const s = stats(t);
    expect(s.cmdlets["Add-RecipientPermission"]).toBe(3);
    expect(s.cmdlets["Get-RecipientPermission"]).toBe(3);
    expect(s.byKind.read + s.byKind.write).toBe(2 * 11 + 2);
    expect(ours(t).sendAs).toHaveLength(3);
  });

  it("does not take the writes' answers over a replica that is behind: after a stale read it asks two agreeing reads in a row", async () => {
    const all = mailboxes(4);
    const t = newSimTenant(all);
    const run = await runCli("apply", {
      tenant: t,
      settings: settingsFor(all),
      faults: { staleReadsAfterWrite: 1 },
    });
    expect(run.code).toBe(0);
    // The first read-back pass meets the stale replica on its first mailbox (the pass goes on
    // reading the others), then two passes must agree: 3 passes of 4 mailboxes.
    expect(stats(t).cmdlets["Get-MailboxPermission"]).toBe(3 * 4);
    expect(run.stderr).toMatch(/verifying: Exchange does not show .* yet/);
    expect(ours(t).fullAccess).toHaveLength(4);
  });

  it("without any SID on the principal or the rows (omitProperties) the answers still count once, and a replica behind still asks two agreeing reads", async () => {
    const all = mailboxes(4);
    const omitProperties = ["Sid", "UserSid", "TrusteeSidString"];
    const t = newSimTenant(all);
    const run = await runCli("apply", { tenant: t, settings: settingsFor(all), faults: { omitProperties } });
    expect(run.code).toBe(0);
    expect(stats(t).cmdlets["Get-MailboxPermission"]).toBe(4);
    const behind = newSimTenant(all);
    const late = await runCli("apply", {
      tenant: behind,
      settings: settingsFor(all),
      faults: { omitProperties, staleReadsAfterWrite: 1 },
    });
    expect(late.code).toBe(0);
    expect(stats(behind).cmdlets["Get-MailboxPermission"]).toBe(3 * 4);
    expect(ours(behind).fullAccess).toHaveLength(4);
  });
});
