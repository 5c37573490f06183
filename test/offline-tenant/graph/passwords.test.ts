// The Graph-rules double for client secrets (ApplicationPassword over addPassword): the rules it
// enforces as Graph and terraform-provider-azuread 3.8.0 do, each with its source in
// docs/offline-tenant.md ("The Graph-rules mock"): a start in the past refused, endDateRelative
// never sent, a tenant's app management policy on password lifetime, and the hand edits on secrets.
import { describe, expect, it } from "vitest";
import {
  appManagementPolicies,
  isoDurationMs,
  TENANT_DEFAULT_POLICY_ID,
} from "../../../scripts/offline-tenant/graph/behaviours";
import { deletePassword, expirePassword } from "../../../scripts/offline-tenant/graph/hand-edits";
import type { GraphBehaviour } from "../../../scripts/offline-tenant/graph/behaviours";
import { TYPES } from "../../../scripts/offline-tenant/graph/mock";
import { GraphTenant } from "../../../scripts/offline-tenant/graph/tenant";
import { newTenantState } from "../../../scripts/offline-tenant/state";

const NOW = new Date("2026-04-01T00:00:00Z");

function tenant(behaviours: GraphBehaviour[] = []) {
  const g = new GraphTenant({ state: newTenantState(), now: () => NOW, behaviours });
  const app = g.create(TYPES.application, "app", { displayName: "Mail" });
  const other = g.create(TYPES.application, "other", { displayName: "Other" });
  const add = (inputs: Record<string, unknown>, on = app) =>
    g.create(TYPES.applicationPassword, "secret", { applicationId: on.id, ...inputs });
  return { g, app, other, add };
}

describe("addPassword's dates", () => {
  it("refuses a start in the past as Graph does (KeyCredentialsInvalidStartDate), and changes nothing", () => {
    const { g, app, add } = tenant();
    expect(() => add({ startDate: "2026-03-31T23:59:59Z", endDate: "2026-09-01T00:00:00Z" })).toThrow(
      `Creating ApplicationPassword "secret": Adding password for Application (Application: "${String(app.state.objectId)}"): ` +
        "unexpected status 400 (400 Bad Request) with error: KeyCredentialsInvalidStartDate: Key credential start date is invalid.",
    );
    expect(g.state.entra.passwords).toEqual([]);
  });

  it("takes a start now or later, and starts a password with no start at Graph's clock", () => {
    const { add } = tenant();
    expect(add({ startDate: "2026-04-01T00:00:00Z", endDate: "2026-09-01T00:00:00Z" }).state.startDate).toBe(
      "2026-04-01T00:00:00Z",
    );
    expect(add({ endDate: "2026-09-01T00:00:00Z" }).state.startDate).toBe("2026-04-01T00:00:00Z");
  });

  it("ignores endDateRelative as the 3.x provider does (never sent): Graph's two-year default applies", () => {
    const { add } = tenant();
    expect(add({ endDateRelative: "240h" }).state.endDate).toBe("2028-03-31T00:00:00Z");
    expect(() => add({ endDateRelative: "ten days" })).toThrow(
      'endDateRelative "ten days" is not a duration',
    );
  });
});

describe("a tenant's app management policy on password lifetime", () => {
  const refused = (id: string) =>
    `unexpected status 400 (400 Bad Request) with error: Credential lifetime exceeds the max value allowed as per assigned policy '${id}'.`;

  it("the tenant default refuses a password living longer than maxLifetime, counted from its start", () => {
    const { g, add } = tenant([appManagementPolicies({ tenantDefault: { maxLifetime: "P180D" } })]);
    expect(add({ endDate: "2026-09-28T00:00:00Z" }).state.endDate).toBe("2026-09-28T00:00:00Z"); // 180 days
    expect(() => add({ endDate: "2026-09-28T00:00:01Z" })).toThrow(refused(TENANT_DEFAULT_POLICY_ID));
    expect(() => add({})).toThrow(refused(TENANT_DEFAULT_POLICY_ID)); // Graph's default two years
    expect(g.state.entra.passwords).toHaveLength(1);
  });

  it("an app-specific policy overrides the tenant default for its applications only", () => {
    const appPolicy = "7a3c2e51-93a4-4d0c-b5f2-1d9e8c4b6a70";
    let objectId = "";
    const policies = appManagementPolicies({
      tenantDefault: { maxLifetime: "P180D" },
      apps: [
        {
          id: appPolicy,
          maxLifetime: "P30D",
          get applicationObjectIds() {
            return [objectId];
          },
        },
      ],
    });
    const { app, other, add } = tenant([policies]);
    objectId = String(app.state.objectId);
    // "app" follows its own 30-day policy, even where the tenant's would allow it.
    expect(add({ endDate: "2026-05-01T00:00:00Z" }, app).state.endDate).toBe("2026-05-01T00:00:00Z");
    expect(() => add({ endDate: "2026-05-15T00:00:00Z" }, app)).toThrow(refused(appPolicy));
    // "other" follows the tenant default.
    expect(add({ endDate: "2026-07-01T00:00:00Z" }, other).state.endDate).toBe("2026-07-01T00:00:00Z");
    expect(() => add({ endDate: "2026-12-01T00:00:00Z" }, other)).toThrow(refused(TENANT_DEFAULT_POLICY_ID));
  });

  it("reads Graph's ISO 8601 durations, and refuses a malformed one when the policy is made", () => {
    expect(isoDurationMs("P180D")).toBe(180 * 86_400_000);
    expect(isoDurationMs("P4DT12H30M5S")).toBe(((4 * 24 + 12) * 60 + 30) * 60_000 + 5000);
    expect(() => appManagementPolicies({ tenantDefault: { maxLifetime: "180 days" } })).toThrow(
      'maxLifetime "180 days" is not an ISO 8601 duration like "P180D"',
    );
  });
});

describe("hand edits on secrets", () => {
  it("deletePassword removes it; expirePassword moves its end before now, as a secret past its end", () => {
    const { g, add } = tenant();
    const a = add({ endDate: "2026-09-01T00:00:00Z" });
    const b = add({ endDate: "2026-09-01T00:00:00Z" });
    const state = g.state;
    expirePassword(state, String(a.state.keyId));
    expect(state.entra.passwords.find((p) => p.keyId === a.state.keyId)!.endDate).toBe(
      "2026-04-01T00:00:01Z",
    );
    deletePassword(state, String(b.state.keyId));
    expect(state.entra.passwords.map((p) => p.keyId)).toEqual([a.state.keyId]);
    expect(() => expirePassword(state, String(b.state.keyId))).toThrow(
      `Hand edit: expiring password ${String(b.state.keyId)}: no application has a password with that keyId`,
    );
  });
});
