// What a record may make a run revoke or remove (scripts/exchange-driver/record-guard.ts).
import { describe, expect, it } from "vitest";
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";
import type { Plan } from "../../scripts/exchange-driver/plan";
import { keepDesiredGrants, trustedRecord } from "../../scripts/exchange-driver/record-guard";
import type { ExchangeSession } from "../../scripts/exchange-driver/session";

const SP = "22222222-2222-4222-8222-222222222222";
const desired: DesiredState = {
  appId: "11111111-1111-4111-8111-111111111111",
  servicePrincipalObjectId: SP,
  displayName: "Mail OAuth",
  mailboxes: [{ address: "chief@contoso.com", sendAs: true }],
};
const record: ManagedState = {
  appId: desired.appId,
  servicePrincipal: { objectId: SP, sid: "S-1-5-21-1", displayName: "Mail OAuth" },
  mailboxes: [
    { address: "ceo@contoso.com", fullAccess: true, sendAs: true },
    { address: "old@contoso.com", fullAccess: true, sendAs: false },
  ],
};
/** Exchange where ceo@ is another SMTP address of chief@'s mailbox (Get-Mailbox's shape). */
const CHIEF = {
  PrimarySmtpAddress: "Chief@contoso.com",
  EmailAddresses: ["SMTP:Chief@contoso.com", "smtp:ceo@contoso.com", "X500:/o=x"],
};
const MAILBOXES: Record<string, object> = {
  "chief@contoso.com": CHIEF,
  "ceo@contoso.com": CHIEF,
  "old@contoso.com": { PrimarySmtpAddress: "old@contoso.com", EmailAddresses: ["SMTP:old@contoso.com"] },
};
function session(calls: string[]): ExchangeSession {
  return {
    async invoke(cmdlet: string, params: Record<string, unknown> = {}) {
      calls.push(`${cmdlet} ${String(params.Identity)}`);
      return { result: [MAILBOXES[String(params.Identity)]], warnings: [] };
    },
  } as unknown as ExchangeSession;
}
const revokeAll: Plan = {
  operations: [
    { kind: "Remove-RecipientPermission", mailbox: "ceo@contoso.com", trustee: SP },
    { kind: "Remove-MailboxPermission", mailbox: "ceo@contoso.com", user: SP },
    { kind: "Remove-MailboxPermission", mailbox: "old@contoso.com", user: SP },
  ],
  notices: [],
};

describe("the record guard", () => {
  it("keeps a desired grant a recorded address of the same mailbox would revoke, and revokes the rest", async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const r = await keepDesiredGrants(session(calls), revokeAll, desired, record, (l) => lines.push(l));
    expect(r.plan.operations).toEqual([
      { kind: "Remove-MailboxPermission", mailbox: "old@contoso.com", user: SP },
    ]);
    expect(lines).toEqual([
      "warning: the previous record lists ceo@contoso.com, which is the mailbox chief@contoso.com the config asks SendAs on: SendAs is kept (a desired grant is never revoked)",
      "warning: the previous record lists ceo@contoso.com, which is the mailbox chief@contoso.com the config asks FullAccess on: FullAccess is kept (a desired grant is never revoked)",
    ]);
    expect(r.record!.mailboxes[0]).toEqual({ address: "ceo@contoso.com", fullAccess: false, sendAs: false });
    // One read per recorded-only mailbox a revocation names; none of the configured ones.
    expect(calls).toEqual(["Get-Mailbox ceo@contoso.com", "Get-Mailbox old@contoso.com"]);
  });

  it("keeps a desired grant when the config names another SMTP address of the recorded mailbox", async () => {
    const lines: string[] = [];
    const byAlias: DesiredState = { ...desired, mailboxes: [{ address: "ceo@contoso.com", sendAs: false }] };
    const recordChief: ManagedState = {
      ...record,
      mailboxes: [{ address: "chief@contoso.com", fullAccess: true, sendAs: false }],
    };
    const p: Plan = {
      operations: [{ kind: "Remove-MailboxPermission", mailbox: "chief@contoso.com", user: SP }],
      notices: [],
    };
    const r = await keepDesiredGrants(session([]), p, byAlias, recordChief, (l) => lines.push(l));
    expect(r.plan.operations).toEqual([]);
    expect(lines).toEqual([
      "warning: the previous record lists chief@contoso.com, which is the mailbox ceo@contoso.com the config asks FullAccess on: FullAccess is kept (a desired grant is never revoked)",
    ]);
  });

  it("reads nothing when the plan revokes nothing", async () => {
    const calls: string[] = [];
    const p: Plan = {
      operations: [{ kind: "Add-MailboxPermission", mailbox: "chief@contoso.com", user: SP }],
      notices: [],
    };
    expect((await keepDesiredGrants(session(calls), p, desired, record, () => {})).plan).toBe(p);
    expect(calls).toEqual([]);
  });

  it("believes a record's principal only when its ObjectId is the config's too", () => {
    const lines: string[] = [];
    const other = {
      ...record,
      servicePrincipal: { objectId: "99999999-9999-4999-8999-999999999999", sid: "", displayName: "x" },
    };
    expect(trustedRecord(other, desired, (l) => lines.push(l))!.servicePrincipal).toBeNull();
    expect(lines[0]).toContain("a principal is this stack's only when its AppId and ObjectId both match");
    expect(trustedRecord(record, desired, () => {})).toBe(record);
    expect(
      trustedRecord({ ...record, appId: "33333333-3333-4333-8333-333333333333" }, desired, () => {}),
    ).toBeNull();
  });
});
