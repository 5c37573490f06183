// The tenant guard: the program refuses to declare anything unless the azuread provider is signed in to
// the stack's configured tenant.
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  assertDirectoryIsOrganization,
  assertSignedInTenant,
  directoryMismatch,
  tenantMismatch,
} from "../../components/tenantGuard";
import { GraphRulesMock, INVOKES } from "../../scripts/offline-tenant/graph/mock";
import { baseConfig, runProgram, tenant, TENANT_ID } from "../support/program-harness";

const OTHER_TENANT = "9c1f3c2e-5b7a-4d8e-a1f0-3e2d1c0b9a87";

describe("tenantMismatch", () => {
  it.each([
    [TENANT_ID, TENANT_ID, undefined],
    [TENANT_ID.toUpperCase(), TENANT_ID, undefined],
    [
      OTHER_TENANT,
      TENANT_ID,
      `Signed in to tenant ${OTHER_TENANT} but exo-oauth:tenantId is ${TENANT_ID}: refusing to declare anything in ` +
        `another tenant; check ARM_TENANT_ID / azuread:tenantId and the credentials in use (ARM_CLIENT_ID / OIDC), or exo-oauth:tenantId`,
    ],
    ["", TENANT_ID, `Signed in to tenant (none reported) but exo-oauth:tenantId is ${TENANT_ID}: `],
  ])("signed in to %j, configured %j → %j", (signedIn, configured, expected) => {
    const got = tenantMismatch(signedIn, configured);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(expected);
  });
});

describe("assertSignedInTenant", () => {
  const client = (tenantId: string) => async () => ({
    id: "x",
    clientId: randomUUID(),
    objectId: randomUUID(),
    tenantId,
  });

  it("returns the signed-in identity when the tenant matches", async () => {
    await expect(assertSignedInTenant(TENANT_ID, client(TENANT_ID))).resolves.toMatchObject({
      tenantId: TENANT_ID,
    });
  });

  it("throws a RunError (pulumi prints the message without a stack) when the tenant differs", async () => {
    const err = await assertSignedInTenant(TENANT_ID, client(OTHER_TENANT)).catch((e: unknown) => e);
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain(
      `Signed in to tenant ${OTHER_TENANT} but exo-oauth:tenantId is ${TENANT_ID}`,
    );
  });

  it("explains a provider that cannot sign in", async () => {
    const failing = async () => {
      throw new Error("building client: unable to obtain access token");
    };
    await expect(assertSignedInTenant(TENANT_ID, failing)).rejects.toThrow(
      "Reading the signed-in tenant (azuread getClientConfig): building client: unable to obtain access token; " +
        "check the azuread provider's credentials",
    );
  });
});

describe("the program under the tenant guard", () => {
  it("refuses another tenant's credentials and registers no resource", async () => {
    const mock = new GraphRulesMock({ state: tenant(), signedInTenantId: OTHER_TENANT });
    await expect(runProgram({ mock, config: baseConfig() })).rejects.toThrow(
      `Signed in to tenant ${OTHER_TENANT} but exo-oauth:tenantId is ${TENANT_ID}: refusing to declare anything`,
    );
    expect(mock.resources).toEqual([]);
    expect(mock.invokes.map((i) => i.token)).toEqual([INVOKES.getClientConfig]);
    expect(mock.state.entra.applications).toEqual([]);
  });

  it("proceeds when the provider is signed in to the configured tenant (any letter case)", async () => {
    const mock = new GraphRulesMock({ state: tenant(), signedInTenantId: TENANT_ID.toUpperCase() });
    const { outputs } = await runProgram({ mock, config: baseConfig() });
    expect(outputs.tenantId).toBe(TENANT_ID);
    expect(mock.invokes[0].token).toBe(INVOKES.getClientConfig);
    expect(mock.state.entra.applications).toHaveLength(1);
  });
});

describe("directoryMismatch / assertDirectoryIsOrganization", () => {
  const domains =
    (...d: { domainName: string; initial: boolean }[]) =>
    async () => ({
      id: "domains",
      domains: d.map((x) => ({
        ...x,
        adminManaged: x.initial,
        authenticationType: "Managed",
        default: x.initial,
        root: true,
        supportedServices: [],
        verified: true,
      })),
    });

  it.each([
    ["contoso.onmicrosoft.com", "contoso.onmicrosoft.com", undefined],
    ["Contoso.OnMicrosoft.com", "contoso.onmicrosoft.com", undefined],
    [
      "fabrikam.onmicrosoft.com",
      "contoso.onmicrosoft.com",
      "whose initial domain is fabrikam.onmicrosoft.com",
    ],
  ])("initial domain %j, organization %j", (initial, organization, expected) => {
    const got = directoryMismatch(initial, organization, TENANT_ID);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(expected);
  });

  it("asks getDomains for the initial domain only and returns it", async () => {
    let asked: unknown;
    const got = await assertDirectoryIsOrganization("contoso.onmicrosoft.com", TENANT_ID, async (a) => {
      asked = a;
      return domains({ domainName: "contoso.onmicrosoft.com", initial: true })();
    });
    expect(asked).toEqual({ onlyInitial: true });
    expect(got).toBe("contoso.onmicrosoft.com");
  });

  it("throws a RunError naming both domains when they differ", async () => {
    const err = await assertDirectoryIsOrganization(
      "contoso.onmicrosoft.com",
      TENANT_ID,
      domains({ domainName: "fabrikam.onmicrosoft.com", initial: true }),
    ).catch((e: unknown) => e);
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain("but exo-oauth:organization is contoso.onmicrosoft.com");
  });

  it("names the Graph permission when the read fails", async () => {
    const failing = async () => {
      throw new Error("listing domains: unexpected status 403");
    };
    await expect(
      assertDirectoryIsOrganization("contoso.onmicrosoft.com", TENANT_ID, failing),
    ).rejects.toThrow(
      "needs the Microsoft Graph application permission Domain.Read.All (or Directory.Read.All)",
    );
  });

  it("runs after the configured-tenant check in the program, before anything is declared", async () => {
    const mock = new GraphRulesMock({ state: tenant() });
    await expect(
      runProgram({ mock, config: baseConfig({ organization: "fabrikam.onmicrosoft.com" }) }),
    ).rejects.toThrow("but exo-oauth:organization is fabrikam.onmicrosoft.com");
    expect(mock.invokes.map((i) => i.token)).toEqual([INVOKES.getClientConfig, INVOKES.getDomains]);
    expect(mock.invokes[1].inputs).toEqual({ onlyInitial: true });
    expect(mock.resources).toEqual([]);
  });
});
