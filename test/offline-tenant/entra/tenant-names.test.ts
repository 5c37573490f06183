// The offline token issuer accepts what Entra's token endpoint accepts as the tenant — its id or any
// of its verified domains (the initial <name>.onmicrosoft.com and verified custom domains) — and
// refuses what Entra refuses (an unverified or unknown domain: AADSTS90002); and it decides the
// resource-side states the program checks before deploying (Exchange Online's service principal
// disabled, "assignment required", a disabled role). The application is deployed by the real
// index.ts through the multi-run engine; the tokens are asked for with @azure/identity.
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OUTLOOK_SCOPE } from "../../../components/microsoft";
import {
  addDomain,
  disableExchangeRole,
  disableServicePrincipal,
  handEdit,
  removeAppRoleAssignment,
  requireExchangeAssignment,
} from "../../../scripts/offline-tenant/graph/hand-edits";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import { call } from "../../support/https";
import { manualConfig, world, type World } from "../harness/engine/world";

let w: World;
let issuer: TokenIssuer;
let clientId: string;
let secret: string;
let spObjectId: string;

beforeAll(async () => {
  w = world();
  handEdit(w.statePath, (s) => {
    addDomain(s, "contoso.com", { verified: true });
    addDomain(s, "fabrikam-pending.com", { verified: false });
  });
  // Today: the issuer checks the secret's dates against the real clock.
  const r = await w.engine.up({ config: manualConfig(), now: new Date().toISOString() });
  expect(r.ok).toBe(true);
  clientId = String(r.outputs.clientId);
  secret = String(r.outputs.clientSecret);
  spObjectId = String(r.outputs.servicePrincipalObjectId);
  issuer = await startTokenIssuer({ statePath: w.statePath });
});
afterAll(async () => {
  await issuer?.close();
  w?.cleanup();
});

const token = (tenant: string) =>
  new ClientSecretCredential(tenant, clientId, secret, {
    authorityHost: issuer.url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: issuer.ca },
  }).getToken(OUTLOOK_SCOPE);
const roles = async (tenant: string) =>
  (
    JSON.parse(Buffer.from((await token(tenant)).token.split(".")[1], "base64url").toString()) as {
      roles?: string[];
    }
  ).roles;
const grant = (tenant: string) =>
  call(`${issuer.url}/${tenant}/oauth2/v2.0/token`, issuer.ca, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: secret,
    scope: OUTLOOK_SCOPE,
  });

describe("the tenant in the token request", () => {
  it.each([
    ["the tenant id", () => w.tenant().tenantId],
    ["the tenant id in capitals", () => w.tenant().tenantId.toUpperCase()],
    ["the initial domain", () => "contoso.onmicrosoft.com"],
    ["a verified custom domain", () => "contoso.com"],
    ["a verified custom domain in capitals", () => "Contoso.COM"],
  ])("accepts %s", async (_what, tenant) => {
    await expect(roles(tenant())).resolves.toEqual(["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"]);
  });

  it.each([
    ["an unverified domain of the tenant", "fabrikam-pending.com"],
    ["a domain of no tenant", "northwind.com"],
    ["another tenant's initial domain", "fabrikam.onmicrosoft.com"],
  ])("refuses %s with AADSTS90002", async (_what, tenant) => {
    const answer = await grant(tenant);
    expect(answer.status).toBe(400);
    expect(answer.json.error_codes).toEqual([90002]);
    expect(String(answer.json.error_description)).toMatch(
      new RegExp(`^AADSTS90002: Tenant '${tenant}' not found\\.`),
    );
  });
});

describe("the resource's state at sign-in", () => {
  let saved: string;
  beforeAll(() => {
    saved = JSON.stringify(w.tenant());
  });
  afterEach(() => handEdit(w.statePath, (s) => Object.assign(s, JSON.parse(saved))));

  it("Exchange Online's service principal disabled: AADSTS500014", async () => {
    handEdit(w.statePath, (s) => disableServicePrincipal(s, s.entra.servicePrincipals[0].objectId));
    const answer = await grant("contoso.com");
    expect(answer.json.error_codes).toEqual([500014]);
    expect(String(answer.json.error_description)).toContain(
      "AADSTS500014: The service principal for resource 'https://outlook.office365.com' is disabled.",
    );
  });

  it("our service principal disabled: AADSTS7000112", async () => {
    handEdit(w.statePath, (s) => disableServicePrincipal(s, spObjectId));
    const answer = await grant("contoso.com");
    expect(answer.status).toBe(401);
    expect(answer.json.error_codes).toEqual([7000112]);
  });

  it("'assignment required' with our consents: a token with the roles; without any: AADSTS50105", async () => {
    handEdit(w.statePath, (s) => requireExchangeAssignment(s));
    await expect(roles("contoso.com")).resolves.toHaveLength(3);
    handEdit(w.statePath, (s) => {
      for (const a of [...s.entra.appRoleAssignments]) removeAppRoleAssignment(s, { id: a.id });
    });
    const answer = await grant("contoso.com");
    expect(answer.json.error_codes).toEqual([50105]);
  });

  it("a disabled role is not in the token", async () => {
    handEdit(w.statePath, (s) => disableExchangeRole(s, "POP.AccessAsApp"));
    await expect(roles("contoso.com")).resolves.toEqual(["IMAP.AccessAsApp", "SMTP.SendAsApp"]);
  });
});
