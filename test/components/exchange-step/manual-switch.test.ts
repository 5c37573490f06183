// Switching to connection "manual" while the Command still holds grants: the hazard the program
// warns about at preview (pulumi.log.warn), from the stack's previous exchangeRecord output.
import { describe, expect, it } from "vitest";
import { manualSwitchHazard } from "../../../components/exchange-step/manual-switch";
import { formatRecord, recordFromStackOutput } from "../../../components/exchange-step/record";
import type { ManagedState } from "../../../components/exchange-step/state";

const HELD: ManagedState = {
  appId: "22222222-2222-4222-8222-222222222222",
  servicePrincipal: {
    objectId: "33333333-3333-4333-8333-333333333333",
    sid: "S-1-5-21-1-2-3-4",
    displayName: "Mail",
  },
  mailboxes: [
    { address: "billing@contoso.com", fullAccess: true, sendAs: true },
    { address: "helpdesk@contoso.com", fullAccess: true, sendAs: false },
  ],
};
const REMOVED: ManagedState = { appId: HELD.appId, servicePrincipal: null, mailboxes: [] };

describe("manualSwitchHazard", () => {
  it("names the mailboxes still granted, the principal, and what to run, when switching to manual", () => {
    const message = manualSwitchHazard(HELD, "manual")!;
    expect(message).toContain("FullAccess on billing@contoso.com, helpdesk@contoso.com");
    expect(message).toContain("SendAs on billing@contoso.com");
    expect(message).toContain("service principal 33333333-3333-4333-8333-333333333333");
    expect(message).toContain("npm run exchange -- remove --record record.json");
    expect(message).toContain("pulumi stack output exchangeRecord --json > record.json");
    expect(message).toMatch(/keep the previous connection until you mean to remove them/);
  });

  it.each([
    ["another connection mode", HELD, "certificate"],
    ["no previous record (a new stack, or manual before)", undefined, "manual"],
    ["a null record", null, "manual"],
    ["a record of a completed removal", REMOVED, "manual"],
  ] as const)("says nothing for %s", (_what, record, connection) => {
    expect(manualSwitchHazard(record, connection)).toBeUndefined();
  });

  it("warns for a principal registered without any grant left", () => {
    expect(manualSwitchHazard({ ...HELD, mailboxes: [] }, "manual")).toContain(
      "the Exchange service principal",
    );
  });

  it("reads the previous record as the stack output holds it: an object, or its JSON text", () => {
    const output = JSON.parse(formatRecord(HELD)) as unknown;
    expect(manualSwitchHazard(recordFromStackOutput(output), "manual")).toBeDefined();
    expect(manualSwitchHazard(recordFromStackOutput(formatRecord(HELD)), "manual")).toBeDefined();
    expect(recordFromStackOutput(undefined)).toBeNull();
    expect(() => recordFromStackOutput({ clientId: "x" })).toThrow(/the stack output exchangeRecord/);
  });
});
