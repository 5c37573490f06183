// RotatingClientSecret under the Graph-rules mock (scripts/offline-tenant/graph/mock.ts), which
// throws where @pulumi/azuread or Graph would reject — e.g. an applicationId that is not
// `/applications/<objectId>` of a declared application, or an endDate not after Graph's "now".
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { RotatingClientSecret } from "../../components/rotatingClientSecret";
import { DAY_MS, rotationPlan } from "../../components/rotationSchedule";
import { GraphRulesMock, TYPES } from "../../scripts/offline-tenant/graph/mock";
import { newTenantState } from "../../scripts/offline-tenant/state";

const COMPONENT = "exo-oauth:index:RotatingClientSecret";
const mock = new GraphRulesMock({
  state: newTenantState({ tenantId: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d" }),
});

function resolve<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise: () => Promise<T> }).promise();
}
async function settle(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
}
function passwordsOf(name: string) {
  return mock.ofType(TYPES.applicationPassword).filter((r) => r.name.startsWith(`${name}-`));
}

let app: azuread.Application;
let appId: string;

beforeAll(async () => {
  await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
  app = new azuread.Application("app", { displayName: "Mail OAuth - rotation test" });
  appId = await resolve(app.id);
});

// Times are taken relative to the real clock: with no startDate, Graph (and the mock) start a secret
// at the real "now", so an injected clock must plan endDates in the real future.
const P = 90;
const G = 14;
/** A rotation boundary in the real future (the next one after today) and the generation it starts. */
const upcoming = rotationPlan({ now: new Date(), rotationDays: P, graceDays: G });
const BOUNDARY = Date.parse(upcoming.nextRotationAt);
const NEXT_GEN = upcoming.generation + 1;
const day = (n: number) => n * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
const slotOf = (gen: number) => (gen % 2 === 0 ? "a" : "b");
const other = (slot: "a" | "b") => (slot === "a" ? "b" : "a");

describe("RotatingClientSecret", () => {
  it("declares exactly two ApplicationPassword slots, parented to the component, with the schedule's inputs", async () => {
    // 10 days and 10 hours into generation NEXT_GEN.
    const now = new Date(BOUNDARY + day(10) + 10 * 3_600_000);
    const secret = new RotatingClientSecret("client-secret", {
      applicationId: app.id,
      rotationDays: P,
      graceDays: G,
      now: () => now,
    });
    await resolve(secret.value);
    await settle();

    const newest = slotOf(NEXT_GEN);
    const previous = other(newest);
    const pw = passwordsOf("client-secret");
    expect(pw.map((r) => r.name).sort()).toEqual(["client-secret-a", "client-secret-b"]);
    const byName = Object.fromEntries(pw.map((r) => [r.name, r.inputs]));
    // Newest: starts at BOUNDARY, lives 2P + G = 194 days. Previous: started P days earlier.
    expect(byName[`client-secret-${newest}`]).toEqual({
      applicationId: appId,
      displayName: `client-secret slot ${newest} generation ${NEXT_GEN}`,
      endDate: iso(BOUNDARY + day(194)),
      rotateWhenChanged: { generation: String(NEXT_GEN) },
    });
    expect(byName[`client-secret-${previous}`]).toEqual({
      applicationId: appId,
      displayName: `client-secret slot ${previous} generation ${NEXT_GEN - 1}`,
      endDate: iso(BOUNDARY + day(104)),
      rotateWhenChanged: { generation: String(NEXT_GEN - 1) },
    });
    expect(iso(BOUNDARY)).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    // No startDate: Graph starts the credential when it is created.
    for (const r of pw) expect(r.inputs).not.toHaveProperty("startDate");

    const componentUrn = await resolve(secret.urn);
    expect(componentUrn).toMatch(new RegExp(`::${COMPONENT}::client-secret$`));
    for (const slot of ["a", "b"] as const) {
      expect(await resolve(secret.passwords[slot].urn)).toMatch(
        new RegExp(`::${COMPONENT}\\$${TYPES.applicationPassword}::client-secret-${slot}$`),
      );
    }

    expect(await resolve(secret.generation)).toBe(NEXT_GEN);
    expect(await resolve(secret.publishedSlot)).toBe(newest);
    expect(await resolve(secret.expiresAt)).toBe(iso(BOUNDARY + day(194)));
    expect(await resolve(secret.nextRotationAt)).toBe(iso(BOUNDARY + day(90)));
    // The published keyId and value are the newest slot's, as Graph issued them.
    const published = pw.find((r) => r.name === `client-secret-${newest}`)!;
    expect(await resolve(secret.keyId)).toBe(published.outputs.keyId);
    expect(await resolve(secret.value)).toBe(published.outputs.value);
    // Graph's record of the tenant holds both passwords with those end dates (and never the value).
    const recorded = mock.state.entra.passwords.filter((p) => p.displayName?.startsWith("client-secret "));
    expect(recorded.map((p) => p.endDate).sort()).toEqual([
      iso(BOUNDARY + day(104)),
      iso(BOUNDARY + day(194)),
    ]);
    expect(JSON.stringify(mock.state)).not.toContain(String(published.outputs.value));
  });

  it("publishes the value as a Pulumi secret", async () => {
    const secret = new RotatingClientSecret("secretness", {
      applicationId: app.id,
      rotationDays: 90,
      graceDays: 14,
    });
    expect(await pulumi.isSecret(secret.value)).toBe(true);
    expect(await resolve(secret.value)).toMatch(/^.{3}\dQ~.{34}$/);
    // The other outputs carry no secret and are not marked secret.
    for (const o of [secret.keyId, secret.expiresAt, secret.nextRotationAt]) {
      expect(await pulumi.isSecret(o as pulumi.Output<unknown>)).toBe(false);
    }
  });

  it("moves to the next generation when the injected clock crosses a boundary, replacing only the other slot", async () => {
    const boundary = BOUNDARY + day(P);
    const before = new RotatingClientSecret("clock-before", {
      applicationId: app.id,
      rotationDays: P,
      graceDays: G,
      now: () => new Date(boundary - 1000),
    });
    const after = new RotatingClientSecret("clock-after", {
      applicationId: app.id,
      rotationDays: P,
      graceDays: G,
      now: () => new Date(boundary),
    });
    await Promise.all([resolve(before.value), resolve(after.value)]);
    await settle();
    const g = NEXT_GEN;
    expect([await resolve(before.generation), await resolve(after.generation)]).toEqual([g, g + 1]);
    expect([await resolve(before.publishedSlot), await resolve(after.publishedSlot)]).toEqual([
      slotOf(g),
      slotOf(g + 1),
    ]);
    expect(await resolve(after.expiresAt)).toBe(iso(boundary + day(194)));
    const inputs = (name: string, slot: string) =>
      passwordsOf(name).find((r) => r.name === `${name}-${slot}`)!.inputs as Record<string, unknown>;
    const strip = (i: Record<string, unknown>) => ({
      ...i,
      displayName: String(i.displayName).split(" ").slice(1),
    });
    // The slot holding g is declared identically on both sides of the boundary: no replacement.
    expect(strip(inputs("clock-after", slotOf(g)))).toEqual(strip(inputs("clock-before", slotOf(g))));
    // The other slot moves from g − 1 to g + 1.
    expect(inputs("clock-before", slotOf(g + 1)).rotateWhenChanged).toEqual({ generation: String(g - 1) });
    expect(inputs("clock-after", slotOf(g + 1)).rotateWhenChanged).toEqual({ generation: String(g + 1) });
  });

  it("uses the real clock by default", async () => {
    const secret = new RotatingClientSecret("real-clock", {
      applicationId: app.id,
      rotationDays: 30,
      graceDays: 7,
    });
    const expected = rotationPlan({ now: new Date(), rotationDays: 30, graceDays: 7 });
    expect(await resolve(secret.generation)).toBe(expected.generation);
    expect(secret.plan.slots).toEqual(expected.slots);
  });

  it("uses the displayName prefix and the anchor when given", async () => {
    const anchor = BOUNDARY + day(3) + 6 * 3_600_000;
    const secret = new RotatingClientSecret("custom", {
      applicationId: app.id,
      rotationDays: 30,
      graceDays: 7,
      anchor: new Date(anchor),
      displayName: "exo-oauth helpdesk",
      now: () => new Date(anchor + day(41) + 4 * 3_600_000),
    });
    await resolve(secret.value);
    await settle();
    // anchor + 41 days is generation 1 (slot b); slot a holds generation 0.
    const byName = Object.fromEntries(passwordsOf("custom").map((r) => [r.name, r.inputs]));
    expect(byName["custom-a"].displayName).toBe("exo-oauth helpdesk slot a generation 0");
    expect(byName["custom-b"].displayName).toBe("exo-oauth helpdesk slot b generation 1");
    expect(byName["custom-a"].endDate).toBe(iso(anchor + day(67)));
    expect(byName["custom-b"].endDate).toBe(iso(anchor + day(97)));
    expect(await resolve(secret.nextRotationAt)).toBe(iso(anchor + day(60)));
  });

  it.each([
    [{ rotationDays: 400, graceDays: 14 }, /rotationDays: 400 is not a whole number of days from 7 to 365/],
    [{ rotationDays: 90, graceDays: 91 }, /graceDays: 91 is longer than rotationDays \(90\)/],
    [{ rotationDays: 90, graceDays: 0 }, /graceDays: 0 is not a whole number of days, at least 1/],
    [{ rotationDays: 360, graceDays: 30 }, /2 × 360 \+ 30 = 750 days, over Microsoft's 730-day limit/],
    [{ rotationDays: 90, graceDays: 14, now: () => new Date("later") }, /now\(\) must return a valid Date/],
    [{ rotationDays: 90, graceDays: 14, displayName: "  " }, /displayName must not be empty/],
    [
      { rotationDays: 90, graceDays: 14, maxLifetimeDays: 180 },
      /194 days, over the 180-day limit of secret\.maxLifetimeDays .*; lower rotationDays to at most 83/,
    ],
  ])("rejects bad arguments with a RunError before declaring anything (%o)", (bad, message) => {
    const before = mock.resources.length;
    let err: unknown;
    try {
      new RotatingClientSecret("bad", { applicationId: app.id, ...bad });
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect(() => new RotatingClientSecret("bad", { applicationId: app.id, ...bad })).toThrow(message);
    expect(() => new RotatingClientSecret("bad", { applicationId: app.id, ...bad })).toThrow(
      /^Creating RotatingClientSecret "bad": /,
    );
    expect(mock.resources.length).toBe(before);
  });

  it("never declares a password that would ask Graph for more than maxLifetimeDays, whatever the record says", () => {
    // A record (tampered, or foreign) carrying a generation two periods ahead of the clock: the other
    // slot would then be planned for a period that has not started, living over 2P + G from now.
    const now = new Date(BOUNDARY + day(10));
    const plan = rotationPlan({ now, rotationDays: 83, graceDays: 14 });
    const ahead = plan.generation + 2;
    const start = Date.parse(plan.nextRotationAt) + day(83);
    const previous = {
      rotationDays: 83,
      graceDays: 14,
      anchor: "2024-01-01T00:00:00Z",
      carried: {
        [slotOf(ahead)]: { generation: ahead, startsAt: iso(start), endDate: iso(start + day(180)) },
      },
    };
    const before = mock.resources.length;
    expect(
      () =>
        new RotatingClientSecret("too-long", {
          applicationId: app.id,
          rotationDays: 83,
          graceDays: 14,
          maxLifetimeDays: 180,
          previous,
          now: () => now,
        }),
    ).toThrow(
      new RegExp(
        `^Creating RotatingClientSecret "too-long": slot ${other(slotOf(ahead))} \\(generation ${ahead - 1}, endDate .*\\) would ask Graph for \\d+ days of life, over maxLifetimeDays \\(180\\)$`,
      ),
    );
    expect(mock.resources.length).toBe(before);
  });
});
