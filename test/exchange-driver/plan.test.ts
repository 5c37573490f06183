// The reconcile plan, table-tested in the Get/Test/Set spirit: for each (desired, observed,
// previously managed) the exact ordered operations.
import { describe, expect, it } from "vitest";
import {
  PlanConflictError,
  describeOperation,
  plan,
  toCmdlet,
  type ObservedMailbox,
  type ObservedState,
} from "../../scripts/exchange-driver/plan";
import type { DesiredState, ManagedState } from "../../components/exchange-step/state";

const APP = "11111111-1111-4111-8111-111111111111";
const SP = "22222222-2222-4222-8222-222222222222";
const APP_OBJECT = "33333333-3333-4333-8333-333333333333";
const OLD_SP = "44444444-4444-4444-8444-444444444444";
const SID = "S-1-5-21-1-2-3-4001";

const desired = (...mailboxes: (string | [string, boolean])[]): DesiredState => ({
  appId: APP,
  servicePrincipalObjectId: SP,
  displayName: "Mail OAuth - helpdesk",
  mailboxes: mailboxes.map((m) =>
    typeof m === "string" ? { address: m, sendAs: false } : { address: m[0], sendAs: m[1] },
  ),
});
const mb = (address: string, fullAccess: boolean, sendAs?: boolean, exists = true): ObservedMailbox => ({
  address,
  exists,
  fullAccess,
  sendAs,
});
const observed = (sp: string | null, ...mailboxes: ObservedMailbox[]): ObservedState => ({
  servicePrincipal: sp ? { appId: APP, objectId: sp, displayName: "Mail OAuth - helpdesk", sid: SID } : null,
  mailboxes: Object.fromEntries(mailboxes.map((m) => [m.address, m])),
});
const managed = (sp: string | null, ...mailboxes: (string | [string, boolean])[]): ManagedState => ({
  appId: APP,
  servicePrincipal: sp ? { objectId: sp, sid: SID, displayName: "Mail OAuth - helpdesk" } : null,
  mailboxes: mailboxes.map((m) =>
    typeof m === "string"
      ? { address: m, fullAccess: true, sendAs: false }
      : { address: m[0], fullAccess: true, sendAs: m[1] },
  ),
});

/** Operations as short strings, to read the table at a glance. */
const short = (p: ReturnType<typeof plan>) =>
  p.operations.map((o) => {
    switch (o.kind) {
      case "New-ServicePrincipal":
        return `New-ServicePrincipal ${o.objectId}`;
      case "Remove-ServicePrincipal":
        return `Remove-ServicePrincipal ${o.identity}`;
      case "Add-MailboxPermission":
      case "Remove-MailboxPermission":
        return `${o.kind} ${o.mailbox} ${o.user}`;
      default:
        return `${o.kind} ${o.mailbox} ${o.trustee}`;
    }
  });

const A = "a@contoso.com";
const B = "b@contoso.com";
const C = "c@contoso.com";

describe("plan for apply", () => {
  const cases: { name: string; d: DesiredState; o: ObservedState; m: ManagedState | null; ops: string[] }[] =
    [
      {
        name: "with no service principal registers it first, then grants every desired mailbox",
        d: desired(A, [B, true]),
        o: observed(null),
        m: null,
        ops: [
          `New-ServicePrincipal ${SP}`,
          `Add-MailboxPermission ${A} ${SP}`,
          `Add-MailboxPermission ${B} ${SP}`,
          `Add-RecipientPermission ${B} ${SP}`,
        ],
      },
      {
        name: "in sync does nothing",
        d: desired(A, [B, true]),
        o: observed(SP, mb(A, true), mb(B, true, true)),
        m: managed(SP, A, [B, true]),
        ops: [],
      },
      {
        name: "absent and should exist: grants only the missing mailbox",
        d: desired(A, B),
        o: observed(SP, mb(A, true), mb(B, false)),
        m: managed(SP, A),
        ops: [`Add-MailboxPermission ${B} ${SP}`],
      },
      {
        name: "present and should not, and we granted it: revokes it",
        d: desired(A),
        o: observed(SP, mb(A, true), mb(B, true)),
        m: managed(SP, A, B),
        ops: [`Remove-MailboxPermission ${B} ${SP}`],
      },
      {
        name: "present and should not, and we granted FullAccess and SendAs: revokes SendAs, then FullAccess",
        d: desired(A),
        o: observed(SP, mb(A, true), mb(B, true, true)),
        m: managed(SP, A, [B, true]),
        ops: [`Remove-RecipientPermission ${B} ${SP}`, `Remove-MailboxPermission ${B} ${SP}`],
      },
      {
        name: "present but not in desired state: SendAs desired and missing is added",
        d: desired([A, true]),
        o: observed(SP, mb(A, true, false)),
        m: managed(SP, A),
        ops: [`Add-RecipientPermission ${A} ${SP}`],
      },
      {
        name: "present but not in desired state: SendAs we granted and no longer desired is revoked, FullAccess kept",
        d: desired(A),
        o: observed(SP, mb(A, true, true)),
        m: managed(SP, [A, true]),
        ops: [`Remove-RecipientPermission ${A} ${SP}`],
      },
      {
        name: "someone else's SendAs on a desired mailbox (not in our record) is never touched",
        d: desired(A),
        o: observed(SP, mb(A, true, true)),
        m: managed(SP, A),
        ops: [],
      },
      {
        name: "someone else's grant to our principal on a mailbox we never managed is never touched",
        d: desired(A),
        o: observed(SP, mb(A, true), mb(C, true)),
        m: managed(SP, A),
        ops: [],
      },
      {
        name: "a desired grant already present but not recorded (a killed run, or granted by hand) is adopted, not re-added",
        d: desired(A, B),
        o: observed(SP, mb(A, true), mb(B, true)),
        m: null,
        ops: [],
      },
      {
        name: "a recorded grant already gone (a killed run revoked it) needs nothing",
        d: desired(A),
        o: observed(SP, mb(A, true), mb(B, false)),
        m: managed(SP, A, B),
        ops: [],
      },
      {
        name: "a recorded mailbox that no longer exists in Exchange needs nothing",
        d: desired(A),
        o: observed(SP, mb(A, true), mb(B, false, undefined, false)),
        m: managed(SP, A, B),
        ops: [],
      },
      {
        name: "the principal removed out of band is registered again and every grant re-made (its SID is new)",
        d: desired(A, B),
        o: observed(null),
        m: managed(SP, A, B),
        ops: [
          `New-ServicePrincipal ${SP}`,
          `Add-MailboxPermission ${A} ${SP}`,
          `Add-MailboxPermission ${B} ${SP}`,
        ],
      },
      {
        name: "grants come before revocations, so a killed run never holds fewer desired grants",
        d: desired(B),
        o: observed(SP, mb(A, true), mb(B, false)),
        m: managed(SP, A),
        ops: [`Add-MailboxPermission ${B} ${SP}`, `Remove-MailboxPermission ${A} ${SP}`],
      },
      {
        name: "a principal we registered with a since-replaced Entra SP is retired (grants, then itself) and ours registered",
        d: desired(A),
        o: observed(OLD_SP, mb(A, true), mb(B, true)),
        m: managed(OLD_SP, A, B),
        ops: [
          `Remove-MailboxPermission ${A} ${OLD_SP}`,
          `Remove-MailboxPermission ${B} ${OLD_SP}`,
          `Remove-ServicePrincipal ${OLD_SP}`,
          `New-ServicePrincipal ${SP}`,
          `Add-MailboxPermission ${A} ${SP}`,
        ],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      expect(short(plan(c.d, c.o, c.m))).toEqual(c.ops);
    });
  }

  it("refuses to touch a principal for our AppId that carries another object id and is not in the record", () => {
    expect(() => plan(desired(A), observed(APP_OBJECT, mb(A, false)), managed(SP, A))).toThrow(
      PlanConflictError,
    );
    expect(() => plan(desired(A), observed(APP_OBJECT, mb(A, false)), null)).toThrow(
      new RegExp(
        `ObjectId ${APP_OBJECT}.*object id is ${SP}.*Remove-ServicePrincipal -Identity ${APP_OBJECT}`,
      ),
    );
  });

  it("fails loudly when a desired mailbox was not observed, instead of reading it as absent", () => {
    expect(() => plan(desired(A, B), observed(SP, mb(A, true)), null)).toThrow(
      /Planning b@contoso.com: the mailbox was not observed/,
    );
  });

  it("warns about a recorded mailbox that no longer exists", () => {
    const p = plan(desired(A), observed(SP, mb(A, true), mb(B, false, undefined, false)), managed(SP, A, B));
    expect(p.notices).toEqual([
      { level: "warning", message: expect.stringContaining("b@contoso.com no longer exists") },
    ]);
  });

  it("is pure: the same inputs give the same operations and the inputs are not mutated", () => {
    const d = desired(A, [B, true]);
    const o = observed(SP, mb(A, false), mb(B, true, false), mb(C, true, true));
    const m = managed(SP, [C, true]);
    const before = JSON.stringify([d, o, m]);
    expect(plan(d, o, m)).toEqual(plan(d, o, m));
    expect(JSON.stringify([d, o, m])).toBe(before);
  });
});

describe("plan for removal", () => {
  const cases: { name: string; o: ObservedState; m: ManagedState | null; ops: string[] }[] = [
    {
      name: "revokes only what the record says we granted, then removes the principal",
      o: observed(SP, mb(A, true, true), mb(B, true)),
      m: managed(SP, [A, true], B),
      ops: [
        `Remove-RecipientPermission ${A} ${SP}`,
        `Remove-MailboxPermission ${A} ${SP}`,
        `Remove-MailboxPermission ${B} ${SP}`,
        `Remove-ServicePrincipal ${SP}`,
      ],
    },
    {
      name: "leaves a SendAs we did not record (someone else's) and revokes our FullAccess",
      o: observed(SP, mb(A, true, true)),
      m: managed(SP, A),
      ops: [`Remove-MailboxPermission ${A} ${SP}`, `Remove-ServicePrincipal ${SP}`],
    },
    {
      name: "skips grants already gone (a killed removal) and still removes the principal",
      o: observed(SP, mb(A, false), mb(B, true)),
      m: managed(SP, A, B),
      ops: [`Remove-MailboxPermission ${B} ${SP}`, `Remove-ServicePrincipal ${SP}`],
    },
    {
      name: "with no principal left there is nothing to do",
      o: observed(null),
      m: managed(SP, A, B),
      ops: [],
    },
    {
      name: "leaves a principal for our AppId that carries an object id we never registered",
      o: observed(APP_OBJECT, mb(A, true)),
      m: managed(SP, A),
      ops: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(short(plan(null, c.o, c.m, { appId: APP, servicePrincipalObjectId: SP }))).toEqual(c.ops);
    });
  }
});

describe("operations as cmdlets", () => {
  it("registers with -AppId -ObjectId -DisplayName and never the deprecated -ServiceId", () => {
    const { cmdlet, params } = toCmdlet({
      kind: "New-ServicePrincipal",
      appId: APP,
      objectId: SP,
      displayName: "x",
    });
    expect(cmdlet).toBe("New-ServicePrincipal");
    expect(params).toEqual({ AppId: APP, ObjectId: SP, DisplayName: "x" });
    expect(params).not.toHaveProperty("ServiceId");
  });

  it("grants FullAccess with InheritanceType All and revokes without a prompt", () => {
    expect(toCmdlet({ kind: "Add-MailboxPermission", mailbox: A, user: SP }).params).toEqual({
      Identity: A,
      User: SP,
      AccessRights: ["FullAccess"],
      InheritanceType: "All",
    });
    expect(toCmdlet({ kind: "Remove-MailboxPermission", mailbox: A, user: SP }).params).toMatchObject({
      AccessRights: ["FullAccess"],
      InheritanceType: "All",
      Confirm: false,
    });
    expect(toCmdlet({ kind: "Add-RecipientPermission", mailbox: A, trustee: SP }).params).toEqual({
      Identity: A,
      Trustee: SP,
      AccessRights: ["SendAs"],
      Confirm: false,
    });
    expect(toCmdlet({ kind: "Remove-RecipientPermission", mailbox: A, trustee: SP }).params).toMatchObject({
      Confirm: false,
    });
    expect(toCmdlet({ kind: "Remove-ServicePrincipal", identity: SP, displayName: "x" }).params).toEqual({
      Identity: SP,
      Confirm: false,
    });
  });

  it("describes each operation in one voice", () => {
    expect(
      describeOperation(
        { kind: "Add-MailboxPermission", mailbox: "billing@contoso.com", user: SP },
        "Mail OAuth",
      ),
    ).toBe("Granting FullAccess on billing@contoso.com to Mail OAuth");
    expect(
      describeOperation({ kind: "Remove-RecipientPermission", mailbox: A, trustee: SP }, "Mail OAuth"),
    ).toBe(`Revoking SendAs on ${A} from Mail OAuth`);
  });
});
