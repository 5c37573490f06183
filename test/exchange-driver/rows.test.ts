// Which permission rows are ours: matched by SID, never by the User text; SELF, inherited,
// Deny and other principals' rows never count.
import { describe, expect, it } from "vitest";
import { hasFullAccess, hasSendAs, rightsOf } from "../../scripts/exchange-driver/observe";

const SID = "S-1-5-21-100-200-300-4001";
const OTHER = "S-1-5-21-100-200-300-4002";
const row = (over: Record<string, unknown>) => ({
  Identity: "billing",
  User: "Mail OAuth - helpdesk",
  UserSid: SID,
  AccessRights: ["FullAccess"],
  IsInherited: false,
  Deny: false,
  InheritanceType: "All",
  ...over,
});

describe("our FullAccess row", () => {
  const cases: [string, Record<string, unknown>[], boolean][] = [
    ["an explicit allowed FullAccess row with our SID counts", [row({})], true],
    [
      "the same row with AccessRights as text counts",
      [row({ AccessRights: "FullAccess, ReadPermission" })],
      true,
    ],
    ["AccessRights in braces (the console form) count", [row({ AccessRights: "{FullAccess}" })], true],
    [
      "a row whose User text is our object id but whose SID is someone else's does not count",
      [row({ User: "2222", UserSid: OTHER })],
      false,
    ],
    ["a row with our display name but another SID does not count", [row({ UserSid: OTHER })], false],
    ["NT AUTHORITY\\SELF does not count", [row({ User: "NT AUTHORITY\\SELF", UserSid: "S-1-5-10" })], false],
    ["an inherited row does not count", [row({ IsInherited: true })], false],
    ["an inherited row written as text does not count", [row({ IsInherited: "True" })], false],
    ["a Deny row does not count", [row({ Deny: true })], false],
    ["ReadPermission alone does not count", [row({ AccessRights: ["ReadPermission"] })], false],
    [
      "another InheritanceType still grants the mailbox (re-adding would only warn)",
      [row({ InheritanceType: "SelfAndChildren" })],
      true,
    ],
    ["no rows: absent", [], false],
    [
      "ours among SELF and an inherited admin row counts",
      [row({ UserSid: "S-1-5-10" }), row({ IsInherited: true, UserSid: OTHER }), row({})],
      true,
    ],
  ];
  for (const [name, rows, expected] of cases) it(name, () => expect(hasFullAccess(rows, SID)).toBe(expected));
});

describe("our SendAs row", () => {
  const r = (over: Record<string, unknown>) => ({
    Identity: "billing",
    Trustee: "Mail OAuth - helpdesk",
    TrusteeSidString: SID,
    AccessControlType: "Allow",
    AccessRights: ["SendAs"],
    IsInherited: false,
    InheritanceType: "None",
    ...over,
  });
  const cases: [string, Record<string, unknown>[], boolean][] = [
    ["an allowed SendAs row with our SID counts", [r({})], true],
    [
      "SELF's SendAs does not count",
      [r({ Trustee: "NT AUTHORITY\\SELF", TrusteeSidString: "S-1-5-10" })],
      false,
    ],
    ["a Deny entry does not count", [r({ AccessControlType: "Deny" })], false],
    ["an inherited entry does not count", [r({ IsInherited: true })], false],
    ["another trustee does not count", [r({ TrusteeSidString: OTHER })], false],
  ];
  for (const [name, rows, expected] of cases) it(name, () => expect(hasSendAs(rows, SID)).toBe(expected));
});

describe("access rights", () => {
  it("are split from every form Exchange shows them in", () => {
    expect(rightsOf(["FullAccess", "ReadPermission"])).toEqual(["FullAccess", "ReadPermission"]);
    expect(rightsOf("{FullAccess, ReadPermission}")).toEqual(["FullAccess", "ReadPermission"]);
    expect(rightsOf(undefined)).toEqual([]);
  });
});
