// A write's own answer counts as the first of the consistency policy's two agreeing reads only when
// it shows exactly what was written (execute.ts answerShowsWrite; docs/exchange-step.md,
// "Consistency policy"): our principal's explicit Allow row for the right, or the principal this
// stack registers. Anything else must leave the run to two reads of Exchange.
import { describe, expect, it } from "vitest";
import { answerShowsWrite } from "../../scripts/exchange-driver/execute";
import type { Operation } from "../../scripts/exchange-driver/plan";

const APP = "22222222-2222-4222-8222-222222222222";
const OBJECT_ID = "33333333-3333-4333-8333-333333333333";
const SID = "S-1-5-21-1111111111-2222222222-3333333333-50001";
const SP = { appId: APP, objectId: OBJECT_ID, displayName: "Mail OAuth", sid: SID };
const OTHER_SID = "S-1-5-21-999-888-777-1234";

const fullAccess: Operation = { kind: "Add-MailboxPermission", mailbox: "a@contoso.com", user: OBJECT_ID };
const sendAs: Operation = { kind: "Add-RecipientPermission", mailbox: "a@contoso.com", trustee: OBJECT_ID };
const register: Operation = {
  kind: "New-ServicePrincipal",
  appId: APP,
  objectId: OBJECT_ID,
  displayName: "Mail OAuth",
};

const ace = (over: Record<string, unknown> = {}) => ({
  Identity: "a",
  User: "Mail OAuth",
  UserSid: SID,
  AccessRights: ["FullAccess"],
  IsInherited: false,
  Deny: false,
  ...over,
});
const sendAsRow = (over: Record<string, unknown> = {}) => ({
  Identity: "a",
  Trustee: "Mail OAuth",
  TrusteeSidString: SID,
  AccessRights: ["SendAs"],
  AccessControlType: "Allow",
  IsInherited: false,
  ...over,
});

describe("a write's answer", () => {
  it("counts when Add-MailboxPermission answers our explicit Allow FullAccess row", () => {
    expect(answerShowsWrite(fullAccess, [ace()], APP, SP)).toBe(true);
  });

  it.each([
    ["another principal's row", ace({ User: "CONTOSO\\helpdesk", UserSid: OTHER_SID })],
    ["a Deny row", ace({ Deny: true })],
    ["an inherited row", ace({ IsInherited: true })],
    ["a row for another right", ace({ AccessRights: ["ReadPermission"] })],
    ["NT AUTHORITY\\SELF's row", ace({ User: "NT AUTHORITY\\SELF", UserSid: "S-1-5-10" })],
  ])("does not count when Add-MailboxPermission answers %s", (_name, row) => {
    expect(answerShowsWrite(fullAccess, [row], APP, SP)).toBe(false);
  });

  it("does not count an empty answer (Exchange's 'already present' warning) nor any answer without a principal", () => {
    expect(answerShowsWrite(fullAccess, [], APP, SP)).toBe(false);
    expect(answerShowsWrite(fullAccess, [ace()], APP, null)).toBe(false);
  });

  it.each([
    ["another trustee's row", sendAsRow({ Trustee: "CONTOSO\\helpdesk", TrusteeSidString: OTHER_SID })],
    ["a Deny row", sendAsRow({ AccessControlType: "Deny" })],
    ["an inherited row", sendAsRow({ IsInherited: true })],
  ])("does not count when Add-RecipientPermission answers %s", (_name, row) => {
    expect(answerShowsWrite(sendAs, [sendAsRow()], APP, SP)).toBe(true);
    expect(answerShowsWrite(sendAs, [row], APP, SP)).toBe(false);
  });

  it("counts a row without UserSid (omitProperties): the write's own -User names the principal, as a -User filter does", () => {
    const { UserSid: _omitted, ...row } = ace();
    expect(answerShowsWrite(fullAccess, [row], APP, SP)).toBe(true);
  });

  it("counts New-ServicePrincipal's answer only for this stack's AppId AND ObjectId", () => {
    const ours = {
      AppId: APP,
      ObjectId: OBJECT_ID,
      Identity: OBJECT_ID,
      Sid: SID,
      DisplayName: "Mail OAuth",
    };
    expect(answerShowsWrite(register, [ours], APP, SP)).toBe(true);
    const otherApp = { ...ours, AppId: "44444444-4444-4444-8444-444444444444" };
    expect(answerShowsWrite(register, [otherApp], APP, SP)).toBe(false);
    // The record guard's rule (record-guard.ts): a principal is ours only when both match.
    const otherObject = {
      ...ours,
      ObjectId: "55555555-5555-4555-8555-555555555555",
      Identity: "55555555-5555-4555-8555-555555555555",
    };
    expect(answerShowsWrite(register, [otherObject], APP, SP)).toBe(false);
  });

  it("never counts a removal's answer", () => {
    const revoke: Operation = { kind: "Remove-MailboxPermission", mailbox: "a@contoso.com", user: OBJECT_ID };
    expect(answerShowsWrite(revoke, [ace()], APP, SP)).toBe(false);
  });
});
