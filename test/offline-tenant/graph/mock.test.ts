// The Graph-rules mock itself: it answers like @pulumi/azuread and Graph, and rejects what they would.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID, KNOWN_ROLE_IDS } from "../../../components/microsoft";
import { GraphRulesMock, INVOKES, TYPES } from "../../../scripts/offline-tenant/graph/mock";
import { newTenantState, readState, sha256Hex } from "../../../scripts/offline-tenant/state";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IMAP = KNOWN_ROLE_IDS["IMAP.AccessAsApp"];
const SMTP = KNOWN_ROLE_IDS["SMTP.SendAsApp"];
const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

/** A tenant with one application (IMAP requested) and its service principal, created through the mock. */
function world() {
  const mock = new GraphRulesMock({ state: newTenantState() });
  const exchange = mock.state.entra.servicePrincipals[0];
  const app = mock.newResource({
    type: TYPES.application,
    name: "app",
    inputs: {
      displayName: "Mail app",
      requiredResourceAccesses: [
        { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccesses: [{ id: IMAP, type: "Role" }] },
      ],
    },
    custom: true,
  });
  const sp = mock.newResource({
    type: TYPES.servicePrincipal,
    name: "sp",
    inputs: { clientId: app.state.clientId },
    custom: true,
  });
  return {
    mock,
    exchangeObjectId: exchange.objectId,
    app: { id: app.id, objectId: app.state.objectId as string, clientId: app.state.clientId as string },
    sp: { id: sp.id, objectId: sp.state.objectId as string },
  };
}
type World = ReturnType<typeof world>;

function create(mock: GraphRulesMock, type: string, inputs: Record<string, unknown>, name = "x") {
  return mock.newResource({ type, name, inputs, custom: true });
}

describe("the Graph-rules mock answers like the provider", () => {
  it("gives an application a /applications/<uuid> id and distinct object and client ids, and records its roles", () => {
    const { mock, app } = world();
    expect(app.id).toBe(`/applications/${app.objectId}`);
    expect(app.objectId).toMatch(UUID);
    expect(app.clientId).toMatch(UUID);
    expect(app.clientId).not.toBe(app.objectId);
    expect(mock.state.entra.applications).toEqual([
      {
        objectId: app.objectId,
        clientId: app.clientId,
        displayName: "Mail app",
        requiredRoles: { [EXCHANGE_ONLINE_APP_ID]: [IMAP] },
      },
    ]);
  });

  it("gives a service principal its own object id and the id /servicePrincipals/<objectId>", () => {
    const { mock, app, sp } = world();
    expect(sp.id).toBe(`/servicePrincipals/${sp.objectId}`);
    expect(sp.objectId).not.toBe(app.objectId);
    expect(mock.state.entra.servicePrincipals.map((s) => s.clientId)).toEqual([
      EXCHANGE_ONLINE_APP_ID,
      app.clientId,
    ]);
  });

  it("records an app role assignment and returns the provider's id format", () => {
    const w = world();
    const r = create(w.mock, TYPES.appRoleAssignment, {
      appRoleId: IMAP,
      principalObjectId: w.sp.objectId,
      resourceObjectId: w.exchangeObjectId,
    });
    expect(r.id).toMatch(
      new RegExp(`^/servicePrincipals/${w.exchangeObjectId}/appRoleAssignedTo/[A-Za-z0-9_-]{43}$`),
    );
    expect(r.state).toMatchObject({
      principalType: "ServicePrincipal",
      resourceDisplayName: "Office 365 Exchange Online",
    });
    expect(w.mock.state.entra.appRoleAssignments).toEqual([
      {
        id: r.id.split("/").pop(),
        principalObjectId: w.sp.objectId,
        resourceObjectId: w.exchangeObjectId,
        appRoleId: IMAP,
      },
    ]);
  });

  it("returns a password's keyId and a generated value, and stores only the value's sha256", () => {
    const w = world();
    const r = create(w.mock, TYPES.applicationPassword, {
      applicationId: w.app.id,
      displayName: "slot a",
      endDate: "2027-06-01T00:00:00Z",
      rotateWhenChanged: { generation: "3" },
    });
    const value = r.state.value as string;
    expect(r.id).toBe(`${w.app.objectId}/password/${r.state.keyId}`);
    expect(r.state.keyId).toMatch(UUID);
    expect(value).toMatch(/^[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9._~-]{34}$/);
    const stored = w.mock.state.entra.passwords;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      applicationObjectId: w.app.objectId,
      keyId: r.state.keyId,
      secretSha256: sha256Hex(value),
      endDate: "2027-06-01T00:00:00Z",
    });
    expect(JSON.stringify(w.mock.state)).not.toContain(value);
  });

  it("reads the Exchange Online service principal with its appRoleIds map and appRoles", () => {
    const { mock, exchangeObjectId } = world();
    const sp = mock.call({
      token: INVOKES.getServicePrincipal,
      inputs: { clientId: EXCHANGE_ONLINE_APP_ID },
    });
    expect(sp.objectId).toBe(exchangeObjectId);
    expect(sp.id).toBe(`/servicePrincipals/${exchangeObjectId}`);
    expect(sp.appRoleIds).toEqual(
      expect.objectContaining({
        "IMAP.AccessAsApp": IMAP,
        "SMTP.SendAsApp": SMTP,
        "POP.AccessAsApp": KNOWN_ROLE_IDS["POP.AccessAsApp"],
      }),
    );
    expect(sp.appRoles).toContainEqual({
      allowedMemberTypes: ["Application"],
      description: "IMAP.AccessAsApp",
      displayName: "IMAP.AccessAsApp",
      enabled: true,
      id: IMAP,
      value: "IMAP.AccessAsApp",
    });
    expect(mock.invokes).toEqual([
      { token: INVOKES.getServicePrincipal, inputs: { clientId: EXCHANGE_ONLINE_APP_ID } },
    ]);
  });

  it("reports the signed-in tenant from getClientConfig, the state's by default or the one configured", () => {
    const state = newTenantState();
    expect(new GraphRulesMock({ state }).call({ token: INVOKES.getClientConfig, inputs: {} }).tenantId).toBe(
      state.tenantId,
    );
    const other = randomUUID();
    const cfg = new GraphRulesMock({ state, signedInTenantId: other }).call({
      token: INVOKES.getClientConfig,
      inputs: {},
    });
    expect(cfg.tenantId).toBe(other);
    expect(cfg.clientId).toMatch(UUID);
  });

  it("records every resource with secrets unwrapped and names the inputs that were secret", () => {
    const { mock, app } = world();
    create(mock, TYPES.applicationPassword, { applicationId: { ...SECRET_SIG, value: app.id } }, "pw");
    const pw = mock.ofType(TYPES.applicationPassword);
    expect(pw).toHaveLength(1);
    expect(pw[0]).toMatchObject({
      name: "pw",
      custom: true,
      inputs: { applicationId: app.id },
      secretInputs: ["applicationId"],
    });
    expect(mock.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      `${TYPES.application} app`,
      `${TYPES.servicePrincipal} sp`,
      `${TYPES.applicationPassword} pw`,
    ]);
  });

  it("echoes component resources and hands unmodelled types to onResource", () => {
    const mock = new GraphRulesMock({
      onResource: (args) =>
        args.type === "command:local:Command" ? { id: "cmd", state: { stdout: "{}" } } : undefined,
    });
    expect(mock.newResource({ type: "exo-oauth:index:Thing", name: "c", inputs: {}, custom: false })).toEqual(
      { id: "", state: {} },
    );
    expect(create(mock, "command:local:Command", { create: "true" })).toEqual({
      id: "cmd",
      state: { stdout: "{}" },
    });
    expect(() => create(mock, "random:index/randomPassword:RandomPassword", {})).toThrow(
      'Creating random:index/randomPassword:RandomPassword "x": the Graph-rules mock does not model this resource type',
    );
  });

  it("persists the tenant to a state file that another reader sees", () => {
    const path = join(mkdtempSync(join(tmpdir(), "graph-mock-")), "tenant.json");
    const mock = new GraphRulesMock({ state: newTenantState(), statePath: path });
    const app = create(mock, TYPES.application, { displayName: "Persisted" });
    expect(readState(path).entra.applications.map((a) => a.objectId)).toEqual([app.state.objectId]);
    // A second mock over the same file starts from what the first wrote.
    const again = new GraphRulesMock({ statePath: path });
    create(again, TYPES.servicePrincipal, { clientId: app.state.clientId });
    expect(JSON.parse(readFileSync(path, "utf8")).entra.servicePrincipals).toHaveLength(2);
  });
});

// Each row: what a program might send, and the provider's/Graph's refusal the mock must raise.
const rejections: [string, (w: World) => [string, Record<string, unknown>], string | RegExp][] = [
  [
    "an application without a display name",
    () => [TYPES.application, { displayName: " " }],
    "displayName is required",
  ],
  [
    "an application for other organisations' users",
    () => [TYPES.application, { displayName: "a", signInAudience: "AzureADMultipleOrg" }],
    'signInAudience "AzureADMultipleOrg" is not one of AzureADMyOrg',
  ],
  [
    "an owner that is not an object id",
    () => [TYPES.application, { displayName: "a", owners: ["alice@contoso.com"] }],
    'owner "alice@contoso.com" is not a directory object ID',
  ],
  [
    "a resource application the tenant does not have",
    () => [
      TYPES.application,
      { displayName: "a", requiredResourceAccesses: [{ resourceAppId: randomUUID(), resourceAccesses: [] }] },
    ],
    /requiredResourceAccess resourceAppId "[0-9a-f-]{36}" is not the appId of a service principal in tenant/,
  ],
  [
    "a role id Exchange Online does not publish",
    () => [
      TYPES.application,
      {
        displayName: "a",
        requiredResourceAccesses: [
          { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccesses: [{ id: randomUUID(), type: "Role" }] },
        ],
      },
    ],
    /resourceAccess id "[0-9a-f-]{36}" is not an app role of "Office 365 Exchange Online"/,
  ],
  [
    "a role requested twice",
    () => [
      TYPES.application,
      {
        displayName: "a",
        requiredResourceAccesses: [
          {
            resourceAppId: EXCHANGE_ONLINE_APP_ID,
            resourceAccesses: [
              { id: IMAP, type: "Role" },
              { id: IMAP, type: "Role" },
            ],
          },
        ],
      },
    ],
    "app role IMAP.AccessAsApp (5e5addcd-3e8d-4e90-baf5-964efab2b20a) is requested twice",
  ],
  [
    "a delegated scope instead of an application role",
    () => [
      TYPES.application,
      {
        displayName: "a",
        requiredResourceAccesses: [
          { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccesses: [{ id: IMAP, type: "Scope" }] },
        ],
      },
    ],
    'resourceAccess type "Scope"',
  ],
  [
    "a duplicate name when duplicates are prevented",
    () => [TYPES.application, { displayName: "Mail app", preventDuplicateNames: true }],
    'an existing application with display name "Mail app" was found',
  ],
  [
    "a service principal for a client id no application has",
    () => [TYPES.servicePrincipal, { clientId: randomUUID() }],
    /The appId '[0-9a-f-]{36}' of the service principal does not reference a valid application object\.$/,
  ],
  [
    "a service principal given the application's object id",
    (w) => [TYPES.servicePrincipal, { clientId: w.app.objectId }],
    'it is the object ID of application "Mail app"; pass its clientId',
  ],
  [
    "a second service principal for the same application",
    (w) => [TYPES.servicePrincipal, { clientId: w.app.clientId }],
    /a service principal for the application with client ID "[0-9a-f-]{36}" already exists/,
  ],
  [
    "declaring Microsoft's Exchange Online service principal",
    () => [TYPES.servicePrincipal, { clientId: EXCHANGE_ONLINE_APP_ID }],
    `client ID "${EXCHANGE_ONLINE_APP_ID}" already exists`,
  ],
  [
    "an assignment whose role id is not a UUID",
    (w) => [
      TYPES.appRoleAssignment,
      {
        appRoleId: "IMAP.AccessAsApp",
        principalObjectId: w.sp.objectId,
        resourceObjectId: w.exchangeObjectId,
      },
    ],
    'appRoleId "IMAP.AccessAsApp" is not a UUID',
  ],
  [
    "an assignment whose resource id is the Exchange appId",
    (w) => [
      TYPES.appRoleAssignment,
      { appRoleId: IMAP, principalObjectId: w.sp.objectId, resourceObjectId: EXCHANGE_ONLINE_APP_ID },
    ],
    `resourceObjectId ${EXCHANGE_ONLINE_APP_ID} is not a service principal in tenant`,
  ],
  [
    "an assignment whose resource is not the Exchange service principal",
    (w) => [
      TYPES.appRoleAssignment,
      { appRoleId: IMAP, principalObjectId: w.sp.objectId, resourceObjectId: w.sp.objectId },
    ],
    'is "Mail app", not the Office 365 Exchange Online service principal',
  ],
  [
    "an assignment whose role is not one of the resource's",
    (w) => [
      TYPES.appRoleAssignment,
      { appRoleId: randomUUID(), principalObjectId: w.sp.objectId, resourceObjectId: w.exchangeObjectId },
    ],
    "Permission being assigned was not found on application '00000002-0000-0ff1-ce00-000000000000'",
  ],
  [
    "an assignment to the application object instead of its service principal",
    (w) => [
      TYPES.appRoleAssignment,
      { appRoleId: IMAP, principalObjectId: w.app.objectId, resourceObjectId: w.exchangeObjectId },
    ],
    'it is the object ID of application "Mail app", not a service principal\'s object ID',
  ],
  [
    "an assignment to a principal nobody declared",
    (w) => [
      TYPES.appRoleAssignment,
      { appRoleId: IMAP, principalObjectId: randomUUID(), resourceObjectId: w.exchangeObjectId },
    ],
    /principalObjectId [0-9a-f-]{36} is not a service principal in tenant [0-9a-f-]{36}$/,
  ],
  [
    "a password given the application's client id",
    (w) => [TYPES.applicationPassword, { applicationId: w.app.clientId }],
    /expected \/applications\/<object ID> \(it is the client ID of "Mail app"; pass the application's id, \/applications\/[0-9a-f-]{36}\)/,
  ],
  [
    "a password given the application's bare object id",
    (w) => [TYPES.applicationPassword, { applicationId: w.app.objectId }],
    'it is the object ID of "Mail app"',
  ],
  [
    "a password for an id that is not /applications/<uuid>",
    () => [TYPES.applicationPassword, { applicationId: "/applications/not-a-uuid" }],
    'parsing applicationId "/applications/not-a-uuid": expected /applications/<object ID>',
  ],
  [
    "a password for an application nobody declared",
    () => [TYPES.applicationPassword, { applicationId: `/applications/${randomUUID()}` }],
    /application with object ID [0-9a-f-]{36} was not found/,
  ],
  [
    "a password whose endDate is not RFC3339",
    (w) => [TYPES.applicationPassword, { applicationId: w.app.id, endDate: "2027-06-01" }],
    'endDate "2027-06-01" is not an RFC3339 time',
  ],
  [
    "a password that ends before it starts",
    (w) => [
      TYPES.applicationPassword,
      { applicationId: w.app.id, startDate: "2027-06-01T00:00:00Z", endDate: "2027-05-01T00:00:00Z" },
    ],
    "KeyCredentialsInvalidEndDate: Key credential end date is invalid.",
  ],
  [
    "a password with both endDate and endDateRelative",
    (w) => [
      TYPES.applicationPassword,
      { applicationId: w.app.id, endDate: "2027-06-01T00:00:00Z", endDateRelative: "240h" },
    ],
    "endDate conflicts with endDateRelative",
  ],
];

describe("the Graph-rules mock rejects what Graph would", () => {
  it.each(rejections)("rejects %s", (_what, build, message) => {
    const w = world();
    const [type, inputs] = build(w);
    const before = JSON.stringify(w.mock.state);
    expect(() => create(w.mock, type, inputs)).toThrow(message);
    expect(JSON.stringify(w.mock.state)).toBe(before); // a refused request changes nothing
  });

  it("rejects the same admin consent twice", () => {
    const w = world();
    const inputs = {
      appRoleId: IMAP,
      principalObjectId: w.sp.objectId,
      resourceObjectId: w.exchangeObjectId,
    };
    create(w.mock, TYPES.appRoleAssignment, inputs);
    expect(() => create(w.mock, TYPES.appRoleAssignment, inputs)).toThrow(
      "Permission being assigned already exists on the object. (IMAP.AccessAsApp)",
    );
  });

  it("rejects reading a service principal the tenant does not have, or with no or two keys", () => {
    const { mock } = world();
    const id = randomUUID();
    expect(() => mock.call({ token: INVOKES.getServicePrincipal, inputs: { clientId: id } })).toThrow(
      `Reading service principal: no service principal found with clientId "${id}"`,
    );
    expect(() => mock.call({ token: INVOKES.getServicePrincipal, inputs: {} })).toThrow(
      "exactly one of clientId, objectId, displayName",
    );
    expect(() =>
      mock.call({
        token: INVOKES.getServicePrincipal,
        inputs: { clientId: EXCHANGE_ONLINE_APP_ID, displayName: "x" },
      }),
    ).toThrow("(got clientId, displayName)");
  });

  it("rejects invokes it does not model unless onCall answers them", () => {
    expect(() => new GraphRulesMock().call({ token: "azuread:index/getUser:getUser", inputs: {} })).toThrow(
      "Invoking azuread:index/getUser:getUser: the Graph-rules mock does not model this function",
    );
    const mock = new GraphRulesMock({
      onCall: (a) => (a.token === "azuread:index/getUser:getUser" ? { objectId: "u" } : undefined),
    });
    expect(mock.call({ token: "azuread:index/getUser:getUser", inputs: {} })).toEqual({ objectId: "u" });
  });
});
