// GraphTenant: the Graph-rules mock across runs — read, update and delete of what a create made, the
// behaviours hook (read-back 404, replication lag, a refusing policy) and hand edits.
import { describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID, KNOWN_ROLE_IDS } from "../../../components/microsoft";
import { readBackNotFound, replicationLag } from "../../../scripts/offline-tenant/graph/behaviours";
import {
  deletePassword,
  disableServicePrincipal,
  removeAppRoleAssignment,
  renameApplication,
} from "../../../scripts/offline-tenant/graph/hand-edits";
import { GraphRulesMock, STACK_REFERENCE_TYPE, TYPES } from "../../../scripts/offline-tenant/graph/mock";
import { GraphTenant } from "../../../scripts/offline-tenant/graph/tenant";
import { newTenantState } from "../../../scripts/offline-tenant/state";

const IMAP = KNOWN_ROLE_IDS["IMAP.AccessAsApp"];
const SMTP = KNOWN_ROLE_IDS["SMTP.SendAsApp"];
const access = (...ids: string[]) => [
  { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccesses: ids.map((id) => ({ id, type: "Role" })) },
];

function tenant(
  g = new GraphTenant({ state: newTenantState(), now: () => new Date("2026-04-01T00:00:00Z") }),
) {
  const exchange = g.state.entra.servicePrincipals[0].objectId;
  const app = g.create(TYPES.application, "app", {
    displayName: "Mail",
    requiredResourceAccesses: access(IMAP),
  });
  const sp = g.create(TYPES.servicePrincipal, "sp", { clientId: app.state.clientId });
  return { g, exchange, app, sp };
}

describe("GraphTenant reads back, updates and deletes what it created", () => {
  it("reads an application back with the inputs an import or refresh records", () => {
    const { g, app } = tenant();
    const read = g.read(TYPES.application, app.id)!;
    expect(read.inputs).toEqual({
      displayName: "Mail",
      signInAudience: "AzureADMyOrg",
      requiredResourceAccesses: access(IMAP),
    });
    expect(read.state.clientId).toBe(app.state.clientId);
  });

  it("updates an application in place: same object and client id, new name and roles", () => {
    const { g, app } = tenant();
    const out = g.update(TYPES.application, "app", app.id, {
      displayName: "Renamed",
      requiredResourceAccesses: access(IMAP, SMTP),
    });
    expect(out.clientId).toBe(app.state.clientId);
    expect(g.state.entra.applications).toEqual([
      expect.objectContaining({
        objectId: app.state.objectId,
        displayName: "Renamed",
        requiredRoles: { [EXCHANGE_ONLINE_APP_ID]: [IMAP, SMTP] },
      }),
    ]);
  });

  it("refuses an update with what a create refuses, and an update of a password (every input forces new)", () => {
    const { g, app } = tenant();
    expect(() => g.update(TYPES.application, "app", app.id, { displayName: " " })).toThrow(
      'Updating Application "app" (' + app.id + "): displayName is required",
    );
    expect(() => g.update(TYPES.applicationPassword, "pw", "x", {})).toThrow("no in-place update");
  });

  it("never returns a password's value on read, and reads 404 once the key or the application is gone", () => {
    const { g, app } = tenant();
    const pw = g.create(TYPES.applicationPassword, "pw", {
      applicationId: app.id,
      endDate: "2027-01-01T00:00:00Z",
    });
    expect(pw.state.startDate).toBe("2026-04-01T00:00:00Z"); // Graph's clock
    const read = g.read(TYPES.applicationPassword, pw.id)!;
    expect(read.state).not.toHaveProperty("value");
    expect(read.inputs).toMatchObject({ applicationId: app.id, endDate: "2027-01-01T00:00:00Z" });
    g.mutate((s) => deletePassword(s, String(pw.state.keyId)));
    expect(g.read(TYPES.applicationPassword, pw.id)).toBeUndefined();
    expect(() => g.read(TYPES.applicationPassword, pw.id, "import")).toThrow("does not support import");
  });

  it("deletes: an application takes its passwords; a service principal its assignments; a second delete is 404", () => {
    const { g, app, sp, exchange } = tenant();
    g.create(TYPES.applicationPassword, "pw", { applicationId: app.id });
    const a = g.create(TYPES.appRoleAssignment, "c", {
      appRoleId: IMAP,
      principalObjectId: sp.state.objectId,
      resourceObjectId: exchange,
    });
    g.delete(TYPES.servicePrincipal, "sp", sp.id);
    expect(g.state.entra.appRoleAssignments).toEqual([]);
    expect(g.read(TYPES.appRoleAssignment, a.id)).toBeUndefined();
    g.delete(TYPES.application, "app", app.id);
    expect(g.state.entra.passwords).toEqual([]);
    expect(() => g.delete(TYPES.application, "app", app.id)).toThrow("does not exist (404)");
  });
});

describe("behaviours", () => {
  it("read-back 404: Graph creates the assignment, the create fails, the object stays", () => {
    const race = readBackNotFound("appRoleAssignment");
    const { g, sp, exchange } = tenant(new GraphTenant({ state: newTenantState(), behaviours: [race] }));
    const inputs = { appRoleId: IMAP, principalObjectId: sp.state.objectId, resourceObjectId: exchange };
    expect(() => g.create(TYPES.appRoleAssignment, "c", inputs)).toThrow(
      /read-back of .* got 404 .* exists in Entra/,
    );
    expect(g.state.entra.appRoleAssignments).toHaveLength(1);
    expect(race.misses).toBe(1);
    expect(() => g.create(TYPES.appRoleAssignment, "c", inputs)).toThrow(
      "Permission being assigned already exists",
    );
  });

  it("replication lag: a new object answers 404 to its next reads, then appears", () => {
    const lag = replicationLag({ kind: "application", reads: 2 });
    const { g, app } = tenant(new GraphTenant({ state: newTenantState(), behaviours: [lag] }));
    expect(g.read(TYPES.application, app.id)).toBeUndefined();
    expect(g.read(TYPES.application, app.id)).toBeUndefined();
    expect(g.read(TYPES.application, app.id)).toBeDefined();
  });

  it("a password whose read-back never shows within the provider's poll fails the create", () => {
    const lag = replicationLag({ kind: "password", reads: 1000 });
    const { g, app } = tenant(new GraphTenant({ state: newTenantState(), behaviours: [lag] }));
    expect(() => g.create(TYPES.applicationPassword, "pw", { applicationId: app.id })).toThrow(
      /Waiting for password credential .* exists in Entra but is not in state/,
    );
  });
});

describe("hand edits", () => {
  it("remove a consent, disable a service principal, rename an application — or say what they could not find", () => {
    const { g, sp, exchange, app } = tenant();
    g.create(TYPES.appRoleAssignment, "c", {
      appRoleId: IMAP,
      principalObjectId: sp.state.objectId,
      resourceObjectId: exchange,
    });
    g.mutate((s) =>
      removeAppRoleAssignment(s, { principalObjectId: String(sp.state.objectId), appRoleId: IMAP }),
    );
    expect(g.state.entra.appRoleAssignments).toEqual([]);
    g.mutate((s) => disableServicePrincipal(s, String(sp.state.objectId)));
    expect(g.read(TYPES.servicePrincipal, sp.id)!.state.accountEnabled).toBe(false);
    g.mutate((s) => renameApplication(s, String(app.state.objectId), "By hand"));
    expect(g.read(TYPES.application, app.id)!.inputs.displayName).toBe("By hand");
    expect(() => g.mutate((s) => deletePassword(s, "nope"))).toThrow("Hand edit: deleting password nope");
  });
});

describe("the mock's StackReference", () => {
  it("answers with previousOutputs (default {})", () => {
    const read = (m: GraphRulesMock) =>
      m.newResource({
        type: STACK_REFERENCE_TYPE,
        name: "o/p/s",
        inputs: { name: "o/p/s" },
        custom: true,
        id: "o/p/s",
      });
    expect(read(new GraphRulesMock()).state.outputs).toEqual({});
    expect(read(new GraphRulesMock({ previousOutputs: { clientId: "x" } })).state.outputs).toEqual({
      clientId: "x",
    });
  });
});
