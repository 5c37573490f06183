// Hand edits in Exchange (what an admin does outside the stack): each changes exactly its row and
// refuses, naming it, what is not there.
import { describe, expect, it } from "vitest";
import {
  grantByHand,
  grantMailboxAccess,
  removeMailboxPermission,
} from "../../../scripts/offline-tenant/exchange/hand-edits";
import { newTenantState } from "../../../scripts/offline-tenant/state";

const MAILBOX = "billing@contoso.com";
const ADMINS = { user: "CONTOSO\\mail-admins", sid: "S-1-5-21-1-2-3-1107" };
const OURS = "S-1-5-21-9-9-9-50001";

function tenant() {
  const s = newTenantState({ mailboxes: [MAILBOX, "helpdesk@contoso.com"] });
  grantMailboxAccess(s, MAILBOX, ADMINS);
  grantMailboxAccess(s, MAILBOX, { user: "exo-oauth app", sid: OURS });
  return s;
}
const rows = (s: ReturnType<typeof tenant>) =>
  s.exchange.mailboxes.find((m) => m.address === MAILBOX)!.permissions.map((r) => r.UserSid);

describe("Exchange hand edits", () => {
  it("grantMailboxAccess adds an explicit FullAccess and an Allow SendAs row for the principal", () => {
    const m = tenant().exchange.mailboxes.find((x) => x.address === MAILBOX)!;
    expect(m.permissions.filter((r) => r.UserSid === ADMINS.sid)).toEqual([
      expect.objectContaining({
        User: ADMINS.user,
        AccessRights: ["FullAccess"],
        IsInherited: false,
        Deny: false,
      }),
    ]);
    expect(m.recipientPermissions.filter((r) => r.TrusteeSidString === ADMINS.sid)).toEqual([
      expect.objectContaining({ AccessControlType: "Allow", AccessRights: ["SendAs"] }),
    ]);
  });

  it("removeMailboxPermission removes only that principal's FullAccess row, SendAs and others' rows stay", () => {
    const s = tenant();
    const before = rows(s);
    const removed = removeMailboxPermission(s, MAILBOX, OURS);
    expect(removed.UserSid).toBe(OURS);
    expect(rows(s)).toEqual(before.filter((sid) => sid !== OURS));
    const m = s.exchange.mailboxes.find((x) => x.address === MAILBOX)!;
    expect(m.recipientPermissions.map((r) => r.TrusteeSidString)).toContain(OURS);
  });

  it("refuses, naming it, a mailbox or a grant that is not there", () => {
    const s = tenant();
    expect(() => removeMailboxPermission(s, "nobody@contoso.com", OURS)).toThrow(
      "Hand edit: removing FullAccess on nobody@contoso.com: no such mailbox in the tenant",
    );
    expect(() => removeMailboxPermission(s, "helpdesk@contoso.com", OURS)).toThrow(`${OURS} has none`);
  });
});

describe("grantByHand", () => {
  it("adds only the rights asked for: FullAccess, SendAs or both, for that principal", () => {
    const s = newTenantState({ mailboxes: [MAILBOX] });
    const ours = { user: "exo-oauth app", sid: OURS };
    grantByHand(s, MAILBOX, ours, ["SendAs"]);
    const m = s.exchange.mailboxes[0];
    expect(m.permissions.filter((r) => r.UserSid === OURS)).toEqual([]);
    expect(m.recipientPermissions.filter((r) => r.TrusteeSidString === OURS)).toEqual([
      expect.objectContaining({
        Trustee: "exo-oauth app",
        AccessControlType: "Allow",
        AccessRights: ["SendAs"],
      }),
    ]);
    grantByHand(s, MAILBOX, ours, ["FullAccess"]);
    expect(m.permissions.filter((r) => r.UserSid === OURS)).toEqual([
      expect.objectContaining({
        AccessRights: ["FullAccess"],
        IsInherited: false,
        Deny: false,
        InheritanceType: "All",
      }),
    ]);
    expect(() => grantByHand(s, "nobody@contoso.com", ours, ["FullAccess"])).toThrow(
      "Hand edit: granting FullAccess on nobody@contoso.com: no such mailbox in the tenant",
    );
  });
});
