import { createServer as createHttpsServer } from "node:https";
import { createConnection, createServer as createNetServer } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consentRoles } from "../../../scripts/offline-tenant/entra/entra-app";
import { createClientCertificate, createLocalhostCert } from "../../../scripts/offline-tenant/tls";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import {
  acquireToken,
  checkDiscovery,
  entraDescription,
  isMicrosoftAuthority,
  parseAadstsCode,
  type TokenResult,
} from "../../../scripts/operator/verify/token";
import { createTestTenant, type TestTenant } from "../../support/verify-tenant";

let t: TestTenant;
let issuer: TokenIssuer;
let certPath: string;
let dir: string;

beforeAll(async () => {
  const cert = createClientCertificate();
  t = createTestTenant({ roles: ["IMAP.AccessAsApp", "POP.AccessAsApp"], certificate: cert });
  issuer = await startTokenIssuer({ statePath: t.statePath });
  dir = mkdtempSync(join(tmpdir(), "exo-oauth-token-test-"));
  certPath = join(dir, "app.pem");
  writeFileSync(certPath, cert.pem);
});
afterAll(async () => {
  await issuer?.close();
  t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const request = (over: Partial<Parameters<typeof acquireToken>[0]> = {}) => ({
  tenant: t.tenantId,
  clientId: t.app.application.clientId,
  credential: { kind: "secret" as const, secret: t.secret },
  authorityHost: issuer.url,
  ca: issuer.ca,
  timeoutMs: 5000,
  ...over,
});

function failure(r: TokenResult) {
  if (r.ok) throw new Error("expected a failure");
  return r.failure;
}

describe("acquireToken gets the tutorial's token and reads its claims", () => {
  it("returns tid, appid, oid, roles and expiry for a client secret", async () => {
    const r = await acquireToken(request());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.claims).toMatchObject({
      tid: t.tenantId,
      appid: t.app.application.clientId,
      oid: t.app.servicePrincipal.objectId,
      roles: ["IMAP.AccessAsApp", "POP.AccessAsApp"],
      aud: "https://outlook.office365.com",
      appidacr: "1",
    });
    expect(r.claims.exp * 1000).toBeGreaterThan(Date.now() + 3500_000);
  });

  it("works with a certificate file (ClientCertificateCredential)", async () => {
    const r = await acquireToken(request({ credential: { kind: "certificate", certificatePath: certPath } }));
    expect(r.ok && r.claims.appidacr).toBe("2");
  });

  it("takes a tenant's domain as well as its id", async () => {
    const r = await acquireToken(request({ tenant: "contoso.onmicrosoft.com" }));
    expect(r.ok && r.claims.tid).toBe(t.tenantId);
  });

  it("reports AADSTS7000215 for a wrong secret, with Entra's description and without the secret", async () => {
    const wrong = "wrong-secret-value-abcdefghijkl";
    const f = failure(await acquireToken(request({ credential: { kind: "secret", secret: wrong } })));
    expect(f).toMatchObject({ kind: "aadsts", code: 7000215 });
    expect(f.message).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(f.message).not.toMatch(/Trace ID|Correlation ID/);
    expect(JSON.stringify(f)).not.toContain(wrong);
  });

  it("tells an unknown tenant (AADSTS90002) apart instead of identity's endpoints_resolution_error", async () => {
    const f = failure(await acquireToken(request({ tenant: "fabrikam.onmicrosoft.com" })));
    expect(f).toMatchObject({ kind: "aadsts", code: 90002 });
    expect(f.message).toMatch(/^AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found/);
  });

  it("tells an untrusted certificate (TLS) apart", async () => {
    const f = failure(await acquireToken(request({ ca: undefined })));
    expect(f.kind).toBe("tls");
    expect(f.message).toMatch(/self-signed|SELF_SIGNED/i);
  });

  it("tells an unreachable host apart", async () => {
    const server = createNetServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const f = failure(await acquireToken(request({ authorityHost: `https://127.0.0.1:${port}` })));
    expect(f.kind).toBe("unreachable");
    expect(f.message).toMatch(/ECONNREFUSED/);
  });

  it("tells a host that is not an Entra authority apart", async () => {
    const tls = createLocalhostCert(join(dir, "other"));
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html>not here</html>");
    });
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const f = failure(
        await acquireToken(request({ authorityHost: `https://127.0.0.1:${port}`, ca: tls.cert })),
      );
      expect(f.kind).toBe("discovery");
      expect(f.message).toMatch(/HTTP 404/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("reports an unreadable certificate file as a credential problem", async () => {
    const f = failure(
      await acquireToken(
        request({ credential: { kind: "certificate", certificatePath: join(dir, "missing.pem") } }),
      ),
    );
    expect(f.kind).toBe("credential");
    expect(f.message).toContain("missing.pem");
  });

  it("gets a fresh token per call, so consent given in between shows (no MSAL cache across calls)", async () => {
    t.update((s) => consentRoles(s, t.app.servicePrincipal.objectId, ["SMTP.SendAsApp"]));
    const r = await acquireToken(request());
    expect(r.ok && r.claims.roles).toEqual(["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"]);
  });
});

describe("the discovery check", () => {
  it("opens a connection of its own each time, so a kept-alive one the server is closing is never reused", async () => {
    // A TCP proxy in front of the issuer counts the connections that reach it.
    let connections = 0;
    const proxy = createNetServer((client) => {
      connections++;
      const upstream = createConnection(issuer.port, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const port = (proxy.address() as { port: number }).port;
    try {
      for (let i = 0; i < 3; i++)
        expect(
          await checkDiscovery(`https://127.0.0.1:${port}`, t.tenantId, issuer.ca, 5000),
        ).toBeUndefined();
      expect(connections).toBe(3);
    } finally {
      proxy.close();
    }
  });
});

describe("token helpers", () => {
  it.each([
    [
      "invalid_client: Error(s): 7000215 - Timestamp: x - Description: AADSTS7000215: Invalid client secret",
      7000215,
    ],
    ["unauthorized_client: Error(s): 700016 - Timestamp: x", 700016],
    ["AADSTS1002012: The provided value for scope", 1002012],
    ["endpoints_resolution_error: See https://aka.ms/msal.js.errors", undefined],
  ])("parses the AADSTS code of %j", (message, code) => {
    expect(parseAadstsCode(message)).toBe(code);
  });

  it("keeps Entra's description and drops trace ids", () => {
    expect(
      entraDescription(
        "invalid_client: Error(s): 7000222 - Timestamp: 2026 - Description: AADSTS7000222: The provided client secret keys for app 'x' are expired.\r\nTrace ID: a\r\nCorrelation ID: b",
      ),
    ).toBe("AADSTS7000222: The provided client secret keys for app 'x' are expired.");
  });

  it.each([
    ["https://login.microsoftonline.com", true],
    ["https://login.microsoftonline.us", true],
    ["https://127.0.0.1:8443", false],
    ["https://login.example.com", false],
  ])("knows whether %s is Microsoft's (instance discovery)", (host, expected) => {
    expect(isMicrosoftAuthority(host)).toBe(expected);
  });
});
