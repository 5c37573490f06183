// What the program checks about the tenant before it declares anything, through the multi-run
// engine: the two tenant guards (the provider's configured tenant; the directory its token reads is
// exo-oauth:organization's) and every state of the Office 365 Exchange Online service principal that
// would make consent or the mail logins fail. Each failing case leaves the tenant and the state as
// they were: nothing is created, updated or deleted.
import { afterEach, describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID, KNOWN_ROLE_IDS } from "../../../../components/microsoft";
import {
  addDomain,
  disableExchangeRole,
  disableServicePrincipal,
  handEdit,
  removeExchangeServicePrincipal,
  requireExchangeAssignment,
} from "../../../../scripts/offline-tenant/graph/hand-edits";
import type { RunResult } from "../../../../scripts/offline-tenant/harness/engine/engine";
import { TENANT_ID } from "../../../support/program-harness";
import { changes, DAY_1, DAY_2, manualConfig, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());

const OTHER_TENANT = "9c1f3c2e-5b7a-4d8e-a1f0-3e2d1c0b9a87";
const exchangeSp = () =>
  w.tenant().entra.servicePrincipals.find((s) => s.clientId === EXCHANGE_ONLINE_APP_ID)!.objectId;

/** The run failed before the program declared anything: no provider call, no change in Entra. */
function nothingDeclared(r: RunResult) {
  expect(r.ok).toBe(false);
  expect(r.calls).toEqual([]);
  expect(changes(r)).toEqual([]);
  expect(w.tenant().entra.applications).toEqual([]);
}

describe("the tenant guards", () => {
  it("refuses a provider configured for another tenant (getClientConfig)", async () => {
    w = world({ signedInTenantId: OTHER_TENANT });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(
      `Signed in to tenant ${OTHER_TENANT} but exo-oauth:tenantId is ${TENANT_ID}`,
    );
  });

  it("refuses a stack whose organization is another directory than the one the provider's token reads", async () => {
    w = world();
    const r = await w.engine.up({
      config: manualConfig({ organization: "fabrikam.onmicrosoft.com" }),
      now: DAY_1,
    });
    nothingDeclared(r);
    expect(r.error!.message).toBe(
      `The azuread provider is signed in to the directory whose initial domain is contoso.onmicrosoft.com ` +
        `(tenant ${TENANT_ID}, read from Graph with the provider's token), but exo-oauth:organization is ` +
        `fabrikam.onmicrosoft.com, the tenant the Exchange step connects to: the Entra side and the Exchange side ` +
        `would be two tenants. If contoso.onmicrosoft.com is this stack's tenant, set exo-oauth:organization to it; ` +
        `otherwise fix ARM_TENANT_ID / azuread:tenantId and exo-oauth:tenantId`,
    );
  });

  it("compares the initial domain, whatever other verified domains the directory has", async () => {
    w = world();
    handEdit(w.statePath, (s) => addDomain(s, "contoso.com", { verified: true }));
    handEdit(w.statePath, (s) => addDomain(s, "mail.contoso.com", { verified: false }));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(r.ok).toBe(true);
  });

  it("says which Graph permission the directory check needs when the deploying identity lacks it", async () => {
    w = world({
      signedInPermissions: [
        "Application.ReadWrite.OwnedBy",
        "AppRoleAssignment.ReadWrite.All",
        "Application.Read.All",
      ],
    });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(
      "Reading the signed-in directory's initial domain (azuread getDomains): listing domains: unexpected status 403",
    );
    expect(r.error!.message).toContain(
      "Authorization_RequestDenied: Insufficient privileges to complete the operation.",
    );
    expect(r.error!.message).toContain(
      "the deploying identity needs the Microsoft Graph application permission Domain.Read.All (or Directory.Read.All)",
    );
  });
});

describe("the Office 365 Exchange Online service principal, read once before anything is declared", () => {
  it("absent (a tenant without Exchange Online, or deleted): says how to tell which and how to recreate it", async () => {
    w = world();
    handEdit(w.statePath, (s) => removeExchangeServicePrincipal(s));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(
      `Reading the tenant's "Office 365 Exchange Online" service principal (appId ${EXCHANGE_ONLINE_APP_ID}): the tenant has none.`,
    );
    expect(r.error!.message).toContain("Microsoft 365 admin center → Billing → Your products");
    expect(r.error!.message).toContain(`New-MgServicePrincipal -AppId ${EXCHANGE_ONLINE_APP_ID}`);
  });

  it("disabled (accountEnabled false): no token for outlook.office365.com, how to re-enable it", async () => {
    w = world();
    handEdit(w.statePath, (s) => disableServicePrincipal(s, s.entra.servicePrincipals[0].objectId));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(`object ID ${exchangeSp()}, is disabled (accountEnabled false`);
    expect(r.error!.message).toContain("(AADSTS500014)");
    expect(r.error!.message).toContain(
      `Update-MgServicePrincipal -ServicePrincipalId ${exchangeSp()} -AccountEnabled:$true`,
    );
  });

  it("a chosen role disabled (isEnabled false): names the role and the protocol; without that protocol it deploys", async () => {
    w = world();
    handEdit(w.statePath, (s) => disableExchangeRole(s, "IMAP.AccessAsApp"));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(
      `app role "IMAP.AccessAsApp" (id ${KNOWN_ROLE_IDS["IMAP.AccessAsApp"]}), needed for protocol "imap", is disabled (isEnabled false)`,
    );
    expect(r.error!.message).toContain('remove "imap" from exo-oauth:protocols');
    const r2 = await w.engine.up({ config: manualConfig({ protocols: ["pop", "smtp"] }), now: DAY_1 });
    expect(r2.ok).toBe(true);
  });

  it("a chosen role missing: names it and what the service principal publishes", async () => {
    w = world();
    handEdit(w.statePath, (s) => {
      s.entra.servicePrincipals[0].appRoles = s.entra.servicePrincipals[0].appRoles!.filter(
        (x) => x.value !== "POP.AccessAsApp",
      );
    });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain(
      `has no app role "POP.AccessAsApp", needed for protocol "pop"; it publishes:`,
    );
  });

  it("several problems at once are listed together, one line each", async () => {
    w = world();
    handEdit(w.statePath, (s) => {
      disableServicePrincipal(s, s.entra.servicePrincipals[0].objectId);
      disableExchangeRole(s, "SMTP.SendAsApp");
    });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    const lines = r.error!.message.split("\n");
    expect(lines[0]).toBe("Tenant preconditions (2 problems):");
    expect(lines.slice(1)).toEqual([
      expect.stringContaining("is disabled (accountEnabled false"),
      expect.stringContaining('app role "SMTP.SendAsApp"'),
    ]);
  });

  it("unreadable (the deploying identity lacks Application.Read.All): says which permission", async () => {
    w = world({ signedInPermissions: ["AppRoleAssignment.ReadWrite.All", "Domain.Read.All"] });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    nothingDeclared(r);
    expect(r.error!.message).toContain("Finding service principals: unexpected status 403");
    expect(r.error!.message).toContain(
      "needs the Microsoft Graph application permission Application.Read.All",
    );
  });

  it("'Assignment required?' on it is no obstacle: the consents are the assignments it requires", async () => {
    w = world();
    handEdit(w.statePath, (s) => requireExchangeAssignment(s));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(r.ok).toBe(true);
    expect(w.tenant().entra.appRoleAssignments).toHaveLength(3);
  });

  it("disabled after a good deploy: the next daily run stops before touching anything, the state unchanged", async () => {
    w = world();
    const r1 = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(true);
    const before = JSON.stringify(w.reopen().resources);
    handEdit(w.statePath, (s) => disableServicePrincipal(s, s.entra.servicePrincipals[0].objectId));
    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_2 });
    expect(r2.ok).toBe(false);
    expect(r2.calls).toEqual([]);
    expect(r2.error!.message).toContain("is disabled (accountEnabled false");
    expect(JSON.stringify(w.reopen().resources)).toBe(before);
    expect(w.reopen().resources.length).toBeGreaterThan(0);
  });
});
