import { ClientCertificateCredential, ClientSecretCredential } from "@azure/identity";
import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID, OUTLOOK_SCOPE } from "../../../components/microsoft";
import { consentRoles, registerApplication } from "../../../scripts/offline-tenant/entra/entra-app";
import { newTenantState, readState, type TenantState } from "../../../scripts/offline-tenant/state";
import { createClientCertificate, type ClientCertificate } from "../../../scripts/offline-tenant/tls";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import { call } from "../../support/https";
import { createTestTenant, type TestTenant } from "../../support/verify-tenant";

const SECRET = "Xy7~offline-secret-value-0123456789abcdef";

function decode(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

let state: TenantState;
let issuer: TokenIssuer;
let cert: ClientCertificate;
let app: ReturnType<typeof registerApplication>;
let appNoSp: ReturnType<typeof registerApplication>;
let options: { authorityHost: string; disableInstanceDiscovery: true; tlsOptions: { ca: string } };

beforeAll(async () => {
  cert = createClientCertificate();
  state = newTenantState({ organization: "contoso.onmicrosoft.com" });
  app = registerApplication(state, {
    secret: SECRET,
    roles: ["IMAP.AccessAsApp", "SMTP.SendAsApp"],
    certificate: cert,
  });
  appNoSp = registerApplication(state, { secret: SECRET });
  state.entra.servicePrincipals = state.entra.servicePrincipals.filter(
    (sp) => sp.clientId !== appNoSp.application.clientId,
  );
  issuer = await startTokenIssuer({ state });
  options = { authorityHost: issuer.url, disableInstanceDiscovery: true, tlsOptions: { ca: issuer.ca } };
});
afterAll(async () => {
  await issuer?.close();
});

/** @azure/identity's ClientSecretCredential for the app, against the offline issuer. */
const secretCredential = (secret = SECRET) =>
  new ClientSecretCredential(state.tenantId, app.application.clientId, secret, options);
const tokenUrl = () => `${issuer.url}/${state.tenantId}/oauth2/v2.0/token`;
const form = (over: Record<string, string | undefined> = {}) =>
  Object.fromEntries(
    Object.entries({
      grant_type: "client_credentials",
      client_id: app.application.clientId,
      client_secret: SECRET,
      scope: OUTLOOK_SCOPE,
      ...over,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );

describe("the offline token issuer serves what @azure/identity needs", () => {
  it("serves the OpenID configuration for the tenant id and for its domain", async () => {
    for (const tenant of [state.tenantId, "contoso.onmicrosoft.com"]) {
      const { status, json } = await call(
        `${issuer.url}/${tenant}/v2.0/.well-known/openid-configuration`,
        issuer.ca,
      );
      expect(status).toBe(200);
      expect(json).toMatchObject({
        token_endpoint: `${issuer.url}/${state.tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${issuer.url}/${state.tenantId}/oauth2/v2.0/authorize`,
        issuer: `${issuer.url}/${state.tenantId}/v2.0`,
        jwks_uri: `${issuer.url}/${state.tenantId}/discovery/v2.0/keys`,
      });
    }
  });

  it("serves the signing key's JWKS at jwks_uri", async () => {
    const { status, json } = await call(`${issuer.url}/${state.tenantId}/discovery/v2.0/keys`, issuer.ca);
    expect(status).toBe(200);
    expect(json).toEqual(issuer.jwks);
    expect((json.keys as { kid: string }[])[0].kid).toBe(issuer.signingKey.kid);
  });

  it("answers an unknown tenant's discovery with Entra's AADSTS90002 body", async () => {
    const { status, json } = await call(
      `${issuer.url}/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
      issuer.ca,
    );
    expect(status).toBe(400);
    expect(json.error).toBe("invalid_tenant");
    expect(json.error_codes).toEqual([90002]);
    expect(json.error_description).toMatch(
      /^AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(json.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(typeof json.trace_id).toBe("string");
    expect(typeof json.correlation_id).toBe("string");
  });

  it("issues a token with Entra's app-token claims to ClientSecretCredential", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await secretCredential().getToken(OUTLOOK_SCOPE);
    const claims = decode(token.token);
    expect(claims).toMatchObject({
      aud: "https://outlook.office365.com",
      iss: `https://sts.windows.net/${state.tenantId}/`,
      ver: "1.0",
      tid: state.tenantId,
      appid: app.application.clientId,
      oid: app.servicePrincipal.objectId,
      sub: app.servicePrincipal.objectId,
      appidacr: "1",
      idtyp: "app",
      roles: ["IMAP.AccessAsApp", "SMTP.SendAsApp"],
    });
    // oid is the SERVICE PRINCIPAL's object id, not the app registration's.
    expect(claims.oid).not.toBe(app.application.objectId);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3599);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3500_000);
  });

  it("signs RS256 with the kid of its JWKS, verifiable with the public key alone", async () => {
    const token = await secretCredential().getToken(OUTLOOK_SCOPE);
    const [h, p, s] = token.token.split(".");
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { alg: string; kid: string };
    expect(header).toMatchObject({ alg: "RS256", kid: issuer.signingKey.kid });
    const key = createPublicKey({
      key: issuer.jwks.keys[0] as import("node:crypto").JsonWebKey,
      format: "jwk",
    });
    expect(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"))).toBe(true);
    expect(verify("RSA-SHA256", Buffer.from(`${h}.${p}x`), key, Buffer.from(s, "base64url"))).toBe(false);
  });

  it("issues a token to ClientCertificateCredential, verifying the assertion against the registered certificate", async () => {
    const token = await new ClientCertificateCredential(
      state.tenantId,
      app.application.clientId,
      { certificate: cert.pem },
      options,
    ).getToken(OUTLOOK_SCOPE);
    expect(decode(token.token)).toMatchObject({ appidacr: "2", oid: app.servicePrincipal.objectId });
    expect(issuer.requests.at(-1)).toEqual({
      method: "POST",
      path: `/${state.tenantId}/oauth2/v2.0/token`,
      status: 200,
    });
  });

  it("refuses a certificate the application does not hold with AADSTS700027, through identity", async () => {
    const other = createClientCertificate("not-registered");
    await expect(
      new ClientCertificateCredential(
        state.tenantId,
        app.application.clientId,
        { certificate: other.pem },
        options,
      ).getToken(OUTLOOK_SCOPE),
    ).rejects.toThrow(
      /AADSTS700027: Client assertion contains an invalid signature\. \[Reason - The key was not found\./,
    );
  });

  it("refuses a wrong secret with AADSTS7000215, through identity, without echoing the secret", async () => {
    const wrong = "a-wrong-secret-value-1234567890";
    const err = await secretCredential(wrong)
      .getToken(OUTLOOK_SCOPE)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(
      /AADSTS7000215: Invalid client secret provided\. Ensure the secret being sent in the request is the client secret value, not the client secret ID/,
    );
    expect(err?.message).not.toContain(wrong);
  });

  const errors: {
    name: string;
    tenant?: string;
    form: Record<string, string | undefined>;
    status: number;
    error: string;
    code: number;
  }[] = [
    {
      name: "an unknown client",
      form: { client_id: "11111111-2222-3333-4444-555555555555" },
      status: 400,
      error: "unauthorized_client",
      code: 700016,
    },
    {
      name: "a wrong secret",
      form: { client_secret: "nope" },
      status: 401,
      error: "invalid_client",
      code: 7000215,
    },
    {
      name: "the secret's key id instead of its value",
      form: {},
      status: 401,
      error: "invalid_client",
      code: 7000215,
    },
    {
      name: "a scope without /.default",
      form: { scope: "https://outlook.office365.com/IMAP.AccessAsApp" },
      status: 400,
      error: "invalid_scope",
      code: 1002012,
    },
    { name: "no scope", form: { scope: undefined }, status: 400, error: "invalid_request", code: 70011 },
    {
      name: "two resources in one scope",
      form: { scope: `${OUTLOOK_SCOPE} https://graph.microsoft.com/.default` },
      status: 400,
      error: "invalid_scope",
      code: 70011,
    },
    {
      name: "an unknown resource",
      form: { scope: "https://contoso.example/api/.default" },
      status: 400,
      error: "invalid_resource",
      code: 500011,
    },
    {
      name: "an unknown tenant",
      tenant: "fabrikam.onmicrosoft.com",
      form: {},
      status: 400,
      error: "invalid_tenant",
      code: 90002,
    },
    {
      name: "no credential",
      form: { client_secret: undefined },
      status: 400,
      error: "invalid_client",
      code: 7000218,
    },
    {
      name: "another grant type",
      form: { grant_type: "password" },
      status: 400,
      error: "unsupported_grant_type",
      code: 70003,
    },
  ];
  it.each(errors)("answers $name with HTTP $status and AADSTS$code", async (c) => {
    const f = form(c.form);
    if (c.name.startsWith("the secret's key id")) f.client_secret = app.secretKeyId!;
    const url = `${issuer.url}/${c.tenant ?? state.tenantId}/oauth2/v2.0/token`;
    const { status, json } = await call(url, issuer.ca, f);
    expect(status).toBe(c.status);
    expect(json.error).toBe(c.error);
    expect(json.error_codes).toEqual([c.code]);
    expect(json.error_description).toMatch(new RegExp(`^AADSTS${c.code}: `));
    expect(JSON.stringify(json)).not.toContain(SECRET);
  });

  it("answers an application without a service principal with AADSTS7000229", async () => {
    const { status, json } = await call(
      tokenUrl(),
      issuer.ca,
      form({ client_id: appNoSp.application.clientId }),
    );
    expect(status).toBe(400);
    expect(json.error_codes).toEqual([7000229]);
  });

  it("never answers 5xx (MSAL would retry for seconds)", () => {
    expect(issuer.requests.filter((r) => r.status >= 500)).toEqual([]);
    expect(issuer.requests.some((r) => r.status >= 400)).toBe(true);
  });

  it("issues a token with no roles claim when nothing is consented, like Entra", async () => {
    const bare = registerApplication(state, { secret: "bare-secret-value" });
    const { json } = await call(
      tokenUrl(),
      issuer.ca,
      form({ client_id: bare.application.clientId, client_secret: "bare-secret-value" }),
    );
    expect(decode(json.access_token as string)).not.toHaveProperty("roles");
    expect(json).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
  });

  it("takes the resource's appId as scope too, with the appId as audience", async () => {
    const { status, json } = await call(
      tokenUrl(),
      issuer.ca,
      form({ scope: `${EXCHANGE_ONLINE_APP_ID}/.default` }),
    );
    expect(status).toBe(200);
    expect(decode(json.access_token as string)).toMatchObject({
      aud: EXCHANGE_ONLINE_APP_ID,
      roles: ["IMAP.AccessAsApp", "SMTP.SendAsApp"],
    });
  });

  it("issues a Graph token (audience https://graph.microsoft.com) for the Graph scope", async () => {
    const { status, json } = await call(
      tokenUrl(),
      issuer.ca,
      form({ scope: "https://graph.microsoft.com/.default" }),
    );
    expect(status).toBe(200);
    expect(decode(json.access_token as string).aud).toBe("https://graph.microsoft.com");
  });
});

describe("the offline token issuer follows the tenant state and its clock", () => {
  let t: TestTenant;
  beforeAll(() => {
    t = createTestTenant({ roles: ["IMAP.AccessAsApp"] });
  });
  afterAll(() => t.cleanup());

  it("re-reads a state file per request, so consent given later shows in the next token", async () => {
    const fileIssuer = await startTokenIssuer({ statePath: t.statePath, signingKey: issuer.signingKey });
    try {
      const get = async () =>
        decode(
          (
            await call(`${fileIssuer.url}/${t.tenantId}/oauth2/v2.0/token`, fileIssuer.ca, {
              grant_type: "client_credentials",
              client_id: t.app.application.clientId,
              client_secret: t.secret,
              scope: OUTLOOK_SCOPE,
            })
          ).json.access_token as string,
        );
      expect((await get()).roles).toEqual(["IMAP.AccessAsApp"]);
      t.update((s) => consentRoles(s, t.app.servicePrincipal.objectId, ["POP.AccessAsApp"]));
      expect((await get()).roles).toEqual(["IMAP.AccessAsApp", "POP.AccessAsApp"]);
      // The roles come from assignments on Exchange Online's SP, by value.
      const exo = readState(t.statePath).entra.servicePrincipals.find(
        (sp) => sp.clientId === EXCHANGE_ONLINE_APP_ID,
      )!;
      expect(
        readState(t.statePath).entra.appRoleAssignments.every((a) => a.resourceObjectId === exo.objectId),
      ).toBe(true);
    } finally {
      await fileIssuer.close();
    }
  });

  it("refuses an expired secret with AADSTS7000222 and takes its lifetime and clock from options", async () => {
    const past = new Date(Date.now() - 2 * 3600_000);
    const s = newTenantState();
    const expired = registerApplication(s, {
      secret: "old-secret-value",
      secretStartDate: new Date(Date.now() - 90 * 86400_000),
      secretEndDate: new Date(Date.now() - 60_000),
    });
    const live = registerApplication(s, {
      secret: "live-secret-value",
      secretStartDate: new Date(Date.now() - 86400_000),
    });
    const skewed = await startTokenIssuer({ state: s, now: () => past, tokenLifetimeSeconds: 600 });
    const plain = await startTokenIssuer({ state: s });
    try {
      const url = (i: TokenIssuer) => `${i.url}/${s.tenantId}/oauth2/v2.0/token`;
      const bad = await call(url(plain), plain.ca, {
        grant_type: "client_credentials",
        client_id: expired.application.clientId,
        client_secret: "old-secret-value",
        scope: OUTLOOK_SCOPE,
      });
      expect(bad.status).toBe(401);
      expect(bad.json.error_codes).toEqual([7000222]);
      const ok = await call(url(skewed), skewed.ca, {
        grant_type: "client_credentials",
        client_id: live.application.clientId,
        client_secret: "live-secret-value",
        scope: OUTLOOK_SCOPE,
      });
      expect(ok.json.expires_in).toBe(600);
      const claims = decode(ok.json.access_token as string);
      expect(claims.exp).toBe(Math.floor(past.getTime() / 1000) + 600);
      expect((claims.exp as number) * 1000).toBeLessThan(Date.now());
    } finally {
      await skewed.close();
      await plain.close();
    }
  });
});
