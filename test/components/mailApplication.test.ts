// MailApplication on its own, under the Graph-rules mock: roles resolved by value, children and wiring.
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  exchangeRoleAssignments,
  knownValue,
  MailApplication,
  type MailApplicationArgs,
  readExchangeServicePrincipal,
} from "../../components/mailApplication";
import { EXCHANGE_ONLINE_APP_ID, KNOWN_ROLE_IDS, type Protocol } from "../../components/microsoft";
import { GraphRulesMock, INVOKES, TYPES } from "../../scripts/offline-tenant/graph/mock";
import { newTenantState, type TenantState } from "../../scripts/offline-tenant/state";
import { resolve } from "../support/program-harness";

const ALL_ROLE_IDS = {
  "IMAP.AccessAsApp": "i",
  "POP.AccessAsApp": "p",
  "SMTP.SendAsApp": "s",
  "Exchange.ManageAsApp": "m",
};
const EXO = { objectId: "exo-sp", appRoleIds: ALL_ROLE_IDS };

describe("exchangeRoleAssignments maps protocols to consents by role value", () => {
  it.each<[Protocol[], string[]]>([
    [["imap"], ["IMAP.AccessAsApp:i"]],
    [["pop"], ["POP.AccessAsApp:p"]],
    [["smtp"], ["SMTP.SendAsApp:s"]],
    [
      ["smtp", "imap"],
      ["SMTP.SendAsApp:s", "IMAP.AccessAsApp:i"],
    ],
    [
      ["imap", "pop", "smtp"],
      ["IMAP.AccessAsApp:i", "POP.AccessAsApp:p", "SMTP.SendAsApp:s"],
    ],
  ])("%j → %j", (protocols, expected) => {
    const got = exchangeRoleAssignments(protocols, EXO);
    expect(got.map((r) => `${r.roleValue}:${r.appRoleId}`)).toEqual(expected);
    expect(got.map((r) => r.protocol)).toEqual(protocols);
  });

  it.each<[string, Protocol[], Record<string, string>, string]>([
    [
      "a role the tenant does not publish",
      ["imap", "smtp"],
      { "IMAP.AccessAsApp": "i", "SMTP.AccessAsApp": "x" },
      `the tenant's "Office 365 Exchange Online" service principal (appId ${EXCHANGE_ONLINE_APP_ID}, object ID exo-sp) ` +
        `has no app role "SMTP.SendAsApp", needed for protocol "smtp"; it publishes: IMAP.AccessAsApp, SMTP.AccessAsApp`,
    ],
    [
      "no roles at all",
      ["pop"],
      {},
      'has no app role "POP.AccessAsApp", needed for protocol "pop"; it publishes: no app roles',
    ],
    ["no protocols", [], ALL_ROLE_IDS, "no protocols given; allowed: imap, pop, smtp"],
    ["a protocol twice", ["imap", "imap"], ALL_ROLE_IDS, 'protocol "imap" is listed more than once'],
    [
      "an unknown protocol",
      ["ews" as Protocol],
      ALL_ROLE_IDS,
      'protocol "ews" is not one of imap, pop, smtp',
    ],
  ])("fails on %s", (_what, protocols, appRoleIds, message) => {
    expect(() => exchangeRoleAssignments(protocols, { objectId: "exo-sp", appRoleIds })).toThrow(message);
  });
});

/** A tenant whose Exchange role ids are NOT the published ones: only lookup by value finds them. */
function tenantWithFreshRoleIds(values = Object.keys(KNOWN_ROLE_IDS)): TenantState {
  const state = newTenantState({ exchangeRoles: values });
  for (const role of state.entra.servicePrincipals[0].appRoles!) role.id = randomUUID();
  return state;
}

async function declare(protocols: Protocol[], state: TenantState, preRead: boolean) {
  const mock = new GraphRulesMock({ state });
  await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
  const exchangeServicePrincipal = preRead ? await readExchangeServicePrincipal() : undefined;
  const app = await MailApplication.create("mail", {
    displayName: "Mail OAuth - test",
    owners: ["0f2b8a4e-3c1d-4e5f-8a9b-1c2d3e4f5a6b"],
    notes: "ticket 42",
    protocols,
    exchangeServicePrincipal,
  });
  const [applicationId, clientId, spObjectId, exoObjectId] = await Promise.all([
    resolve(app.applicationId),
    resolve(app.clientId),
    resolve(app.servicePrincipalObjectId),
    resolve(app.exchangeServicePrincipalObjectId),
    ...app.roleAssignments.map((a) => resolve(a.id)),
  ]);
  return { mock, app, applicationId, clientId, spObjectId, exoObjectId };
}

describe.each([
  ["read before declaring (as index.ts does)", true],
  ["read by MailApplication.create", false],
])("MailApplication, Exchange SP %s", (_how, preRead) => {
  it.each<[Protocol[]]>([[["imap"]], [["smtp"]], [["pop", "smtp"]], [["imap", "pop", "smtp"]]])(
    "declares one application, one service principal and one consent per protocol for %j",
    async (protocols) => {
      const state = tenantWithFreshRoleIds();
      const roleId = (value: string) =>
        state.entra.servicePrincipals[0].appRoles!.find((r) => r.value === value)!.id;
      const expectedRoleIds = protocols.map((p) =>
        roleId({ imap: "IMAP.AccessAsApp", pop: "POP.AccessAsApp", smtp: "SMTP.SendAsApp" }[p]),
      );
      const { mock, applicationId, clientId, spObjectId, exoObjectId } = await declare(
        protocols,
        state,
        preRead,
      );
      const exchange = state.entra.servicePrincipals[0];

      expect(mock.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`)).toEqual([
        `${TYPES.application} mail-application`,
        `${TYPES.servicePrincipal} mail-service-principal`,
        ...protocols.map((p) => `${TYPES.appRoleAssignment} mail-consent-${p}`),
      ]);
      expect(mock.resources.filter((r) => !r.custom).map((r) => `${r.type} ${r.name}`)).toEqual([
        "exo-oauth:index:MailApplication mail",
      ]);
      // The Exchange SP is read (by appId, then by object id for its roles), never declared.
      expect(mock.invokes.map((i) => i.token)).toEqual([
        INVOKES.getServicePrincipals,
        INVOKES.getServicePrincipal,
      ]);
      expect(mock.invokes[0].inputs).toEqual({ clientIds: [EXCHANGE_ONLINE_APP_ID], ignoreMissing: true });
      expect(mock.invokes[1].inputs).toEqual({ objectId: exchange.objectId });

      const [application] = mock.ofType(TYPES.application);
      expect(application.inputs).toMatchObject({
        displayName: "Mail OAuth - test",
        signInAudience: "AzureADMyOrg",
        owners: ["0f2b8a4e-3c1d-4e5f-8a9b-1c2d3e4f5a6b"],
        notes: "ticket 42",
        requiredResourceAccesses: [
          {
            resourceAppId: EXCHANGE_ONLINE_APP_ID,
            resourceAccesses: expectedRoleIds.map((id) => ({ id, type: "Role" })),
          },
        ],
      });
      expect(applicationId).toBe(application.id);
      expect(applicationId).toMatch(/^\/applications\/[0-9a-f-]{36}$/);
      expect(clientId).toBe(application.outputs.clientId);
      expect(mock.ofType(TYPES.servicePrincipal)[0].inputs.clientId).toBe(clientId);
      expect(exoObjectId).toBe(exchange.objectId);

      const consents = mock.ofType(TYPES.appRoleAssignment);
      expect(consents.map((c) => c.inputs)).toEqual(
        expectedRoleIds.map((appRoleId) => ({
          appRoleId,
          principalObjectId: spObjectId,
          resourceObjectId: exchange.objectId,
        })),
      );
      // Graph's view: exactly these roles consented to our service principal, and requested by the application.
      expect(mock.state.entra.appRoleAssignments.map((a) => a.appRoleId).sort()).toEqual(
        [...expectedRoleIds].sort(),
      );
      expect(mock.state.entra.applications[0].requiredRoles).toEqual({
        [EXCHANGE_ONLINE_APP_ID]: expectedRoleIds,
      });
    },
  );
});

describe("MailApplication in a tenant whose Exchange SP lacks a role", () => {
  it("fails before registering anything, naming the role and the Exchange service principal", async () => {
    const state = tenantWithFreshRoleIds(["IMAP.AccessAsApp", "Exchange.ManageAsApp"]);
    const mock = new GraphRulesMock({ state });
    await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
    const exchangeServicePrincipal = await readExchangeServicePrincipal();
    await expect(
      MailApplication.create("mail", {
        displayName: "x",
        protocols: ["imap", "pop"],
        exchangeServicePrincipal,
      }),
    ).rejects.toThrow(
      `has no app role "POP.AccessAsApp", needed for protocol "pop"; it publishes: Exchange.ManageAsApp, IMAP.AccessAsApp`,
    );
    expect(mock.resources).toEqual([]);
  });

  it("reports a tenant without an Exchange Online service principal clearly", async () => {
    const state = newTenantState();
    state.entra.servicePrincipals = [];
    await pulumi.runtime.setMocks(new GraphRulesMock({ state }), "exo-oauth", "dev", false);
    await expect(readExchangeServicePrincipal()).rejects.toThrow(
      `Reading the tenant's "Office 365 Exchange Online" service principal (appId ${EXCHANGE_ONLINE_APP_ID}): ` +
        `the tenant has none.`,
    );
  });
});

describe("MailApplication with a wrong argument", () => {
  it.each([
    [{ protocols: [] }, 'Creating MailApplication "mail": protocols is empty; allowed: imap, pop, smtp'],
    [{ protocols: ["imap", "ews"] }, 'protocol "ews" is not one of imap, pop, smtp'],
    [{ protocols: ["smtp", "smtp"] }, 'protocol "smtp" is listed more than once'],
    [{ displayName: "  " }, "displayName is empty; Entra requires a display name"],
    [{ owners: ["alice@contoso.com"] }, 'owner "alice@contoso.com" is not an object id (a GUID)'],
  ])("fails with a RunError naming it, before registering anything (%o)", async (bad, message) => {
    const mock = new GraphRulesMock({ state: newTenantState() });
    await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
    const args = { displayName: "Mail OAuth", protocols: ["imap"], ...bad } as unknown as MailApplicationArgs;
    const err = await MailApplication.create("mail", args).catch((e: unknown) => e);
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain(message);
    expect(mock.resources).toEqual([]);
  });
});

describe("knownValue", () => {
  it("at preview, is the value of an output Pulumi knows and undefined for one it does not (a resource to be created)", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (a) =>
          a.name === "same" ? { id: "id-1", state: { objectId: "sp-1" } } : { id: "", state: {} },
        call: () => ({}),
      },
      "exo-oauth",
      "dev",
      true,
    );
    class Probe extends pulumi.CustomResource {
      declare readonly objectId: pulumi.Output<string>;
      constructor(name: string) {
        super("test:index:Probe", name, { objectId: undefined }, {});
      }
    }
    await expect(knownValue(new Probe("same").objectId)).resolves.toBe("sp-1");
    await expect(knownValue(new Probe("new").objectId)).resolves.toBeUndefined();
  });
});
