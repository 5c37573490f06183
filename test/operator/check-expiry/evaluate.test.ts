import { describe, expect, it } from "vitest";
import { evaluateExpiry, type ExpiryInputs } from "../../../scripts/operator/check-expiry/evaluate";

const now = new Date("2026-06-01T00:00:00Z");
const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
const KEY = "0b3f4b3e-9f1c-4c65-9a1e-2f1d7e0c5a11";
const base = (o: Partial<ExpiryInputs> = {}): ExpiryInputs => ({
  stack: "contoso",
  clientId: "4e75f337-eace-4f8e-9e62-7c45b2a73c23",
  keyId: KEY,
  expiresAt: at(100),
  nextRotationAt: at(10),
  live: { status: "read", passwords: [{ keyId: KEY, endDateTime: at(100) }] },
  now,
  minDays: 30,
  maxOverdueDays: 2,
  ...o,
});

describe("the expiry guard", () => {
  it("passes a secret in the tenant with more days left than --min-days", () => {
    const f = evaluateExpiry(base());
    expect(f).toMatchObject({ daysLeft: 100, overdueDays: 0, problems: [], notes: [] });
  });

  it("passes at exactly --min-days left, and fails a tenth of a day under it", () => {
    expect(evaluateExpiry(base({ expiresAt: at(30), live: { status: "not-read" } })).problems).toEqual([]);
    const f = evaluateExpiry(base({ expiresAt: at(29.9), live: { status: "not-read" } }));
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]).toContain("in 29.9 days: fewer than --min-days 30");
    expect(f.problems[0]).toContain("pulumi up --refresh --stack contoso");
  });

  it("fails an expired secret, saying how long ago and what consumers get", () => {
    const f = evaluateExpiry(base({ expiresAt: at(-3), live: { status: "not-read" } }));
    expect(f.problems[0]).toMatch(/expired at .*, 3 days ago: consumers get AADSTS7000222/);
  });

  it("fails a secret that is not in the tenant, whatever its days left", () => {
    const other = "9d1c5b1e-0000-4000-8000-000000000001";
    const f = evaluateExpiry(
      base({ live: { status: "read", passwords: [{ keyId: other, endDateTime: at(300) }] } }),
    );
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]).toContain(`(key id ${KEY})`);
    expect(f.problems[0]).toContain("is not in the tenant: Entra lists 1 other secret and not this one");
    expect(f.problems[0]).toContain("AADSTS7000215");
  });

  it("fails an application that is not in the tenant", () => {
    const f = evaluateExpiry(base({ live: { status: "no-application" } }));
    expect(f.problems[0]).toMatch(
      /^Application 4e75f337-.* is not in the tenant: Graph lists no application/,
    );
  });

  it("counts Entra's end date when it is earlier than the output's, with a note", () => {
    const f = evaluateExpiry(
      base({ live: { status: "read", passwords: [{ keyId: KEY, endDateTime: at(20) }] } }),
    );
    expect(f.expiresAt).toBe(at(20));
    expect(f.daysLeft).toBe(20);
    expect(f.notes[0]).toContain("the earlier counts");
    expect(f.problems).toHaveLength(1);
  });

  it("only notes a live read it could not make", () => {
    const f = evaluateExpiry(base({ live: { status: "unavailable", reason: "no sign-in" } }));
    expect(f.problems).toEqual([]);
    expect(f.notes).toEqual(["The live secrets were not checked: no sign-in."]);
  });

  it("fails a rotation overdue by more than --max-overdue-days: the schedule stopped", () => {
    expect(evaluateExpiry(base({ nextRotationAt: at(-2) })).problems).toEqual([]);
    const f = evaluateExpiry(base({ nextRotationAt: at(-5) }));
    expect(f.overdueDays).toBe(5);
    expect(f.problems[0]).toContain("The rotation is overdue");
    expect(f.problems[0]).toContain("no `pulumi up` of stack contoso has succeeded since");
  });

  it("names no stack in its advice when none was given", () => {
    const f = evaluateExpiry(base({ stack: undefined, expiresAt: at(1) }));
    expect(f.problems[0]).toMatch(/run `pulumi up --refresh`\.$/);
  });
});
