// Matching our principal's rows without depending on one unconfirmed property (the Sid).
import { describe, expect, it } from "vitest";
import { isOurRow, principalFromObject } from "../../scripts/exchange-driver/principal-match";
import { plan } from "../../scripts/exchange-driver/plan";

const SID = "S-1-5-21-100-200-300-4001";
const SP = {
  AppId: "22222222-2222-4222-8222-222222222222",
  ObjectId: "33333333-3333-4333-8333-333333333333",
  Identity: "33333333-3333-4333-8333-333333333333",
  DisplayName: "mail daemon",
  Sid: SID,
};

describe("Exchange's service principal object", () => {
  it("gives the Sid it carries, with no notice", () => {
    expect(principalFromObject(SP)).toEqual({
      appId: SP.AppId,
      objectId: SP.ObjectId,
      displayName: "mail daemon",
      sid: SID,
    });
  });

  it("without a Sid: an empty sid and a notice naming the properties that did arrive", () => {
    const { Sid: _sid, ...withoutSid } = SP;
    const p = principalFromObject(withoutSid);
    expect(p.sid).toBe("");
    expect(p.notice).toBe(
      `Exchange's service principal ${SP.ObjectId} (AppId ${SP.AppId}) arrived without a Sid; properties that arrived: ` +
        "AppId, DisplayName, Identity, ObjectId. Grants are matched by Exchange's own -User/-Trustee filter instead of by SID",
    );
  });

  it("falls back to Identity for the object id, and refuses an object with neither", () => {
    expect(principalFromObject({ AppId: SP.AppId, Identity: SP.Identity, Sid: SID }).objectId).toBe(
      SP.Identity,
    );
    expect(() => principalFromObject({ AppId: SP.AppId, Sid: SID })).toThrow(
      `Reading Exchange's service principal for AppId ${SP.AppId}: it has no ObjectId or Identity; properties that arrived: AppId, Sid`,
    );
  });
});

describe("a row read with -User/-Trustee <our principal>", () => {
  const row = (over: Record<string, unknown>) => ({ User: "mail daemon", UserSid: SID, ...over });
  it.each<[string, Record<string, unknown>, string, boolean]>([
    ["our SID on both sides: ours", row({}), SID, true],
    ["SIDs compared without regard to case", row({ UserSid: SID.toLowerCase() }), SID, true],
    ["another SID: not ours, whatever the filter returned", row({ UserSid: "S-1-5-21-1-2-3-9" }), SID, false],
    ["our principal without a Sid: the -User filter vouches", row({}), "", true],
    ["a row without UserSid: the -User filter vouches", row({ UserSid: undefined }), SID, true],
    [
      "NT AUTHORITY\\SELF never, even without SIDs to compare",
      row({ User: "NT AUTHORITY\\SELF", UserSid: undefined }),
      "",
      false,
    ],
    ["the SELF SID never", row({ UserSid: "S-1-5-10" }), "", false],
  ])("%s", (_what, r, sid, ours) => {
    expect(isOurRow(r, "UserSid", "User", sid)).toBe(ours);
  });

  it("works the same for recipient rows (TrusteeSidString / Trustee)", () => {
    expect(isOurRow({ Trustee: "x", TrusteeSidString: SID }, "TrusteeSidString", "Trustee", SID)).toBe(true);
    expect(
      isOurRow({ Trustee: "x", TrusteeSidString: "S-1-5-21-9" }, "TrusteeSidString", "Trustee", SID),
    ).toBe(false);
  });
});

describe("the plan", () => {
  it("reports a principal without a Sid as a warning, and plans as usual", () => {
    const { Sid: _sid, ...withoutSid } = SP;
    const sp = principalFromObject(withoutSid);
    const p = plan(
      {
        appId: SP.AppId,
        servicePrincipalObjectId: SP.ObjectId,
        displayName: "mail daemon",
        mailboxes: [{ address: "a@contoso.com", sendAs: false }],
      },
      {
        servicePrincipal: sp,
        mailboxes: { "a@contoso.com": { address: "a@contoso.com", exists: true, fullAccess: true } },
      },
      null,
    );
    expect(p.operations).toEqual([]);
    expect(p.notices).toEqual([{ level: "warning", message: sp.notice }]);
  });
});
