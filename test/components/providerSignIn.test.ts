// The program signs in to Graph the way the azuread provider does: same settings (stack config first,
// then the provider's environment variables), same order of methods.
import { describe, expect, it } from "vitest";
import { graphTransportFor, providerSettings, signInPlan } from "../../components/providerSignIn";

const none = () => undefined;
const T = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
const C = "8d1e5f0a-7b6c-4e3d-a2f1-0c9b8a7d6e5f";
const method = (env: NodeJS.ProcessEnv, config: (k: string) => string | undefined = none) => {
  const plan = signInPlan(providerSettings(config, env));
  return plan.ok ? plan.method : `unsupported: ${plan.reason}`;
};

describe("providerSettings", () => {
  it("takes azuread:<key> config before the ARM_* variable, and the first variable set of several", () => {
    const s = providerSettings((k) => (k === "tenantId" ? "from-config" : undefined), {
      ARM_TENANT_ID: "from-env",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh/token",
    });
    expect(s.tenantId).toBe("from-config");
    expect(s.oidcRequestUrl).toBe("https://gh/token");
  });
});

describe("signInPlan picks the provider's method, in the provider's order", () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    [
      "client secret",
      { ARM_TENANT_ID: T, ARM_CLIENT_ID: C, ARM_CLIENT_SECRET: "s3cr3t-value" },
      "clientSecret",
    ],
    [
      "a PEM client certificate before a secret",
      {
        ARM_TENANT_ID: T,
        ARM_CLIENT_ID: C,
        ARM_CLIENT_SECRET: "x",
        ARM_CLIENT_CERTIFICATE_PATH: "/k/app.pem",
      },
      "clientCertificate",
    ],
    [
      "OIDC with a token",
      { ARM_TENANT_ID: T, ARM_CLIENT_ID: C, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "eyJ.a.b" },
      "oidcToken",
    ],
    [
      "OIDC in GitHub Actions",
      {
        ARM_TENANT_ID: T,
        ARM_CLIENT_ID: C,
        ARM_USE_OIDC: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
      },
      "oidcRequest",
    ],
    [
      "OIDC in Azure DevOps",
      {
        ARM_TENANT_ID: T,
        ARM_CLIENT_ID: C,
        ARM_USE_OIDC: "true",
        ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: "sc",
        SYSTEM_ACCESSTOKEN: "t",
        SYSTEM_OIDCREQUESTURI: "https://ado",
      },
      "adoPipeline",
    ],
    ["managed identity", { ARM_USE_MSI: "true" }, "managedIdentity"],
    ["the Azure CLI by default", {}, "azureCli"],
    [
      "OIDC off: a token alone is not used",
      { ARM_TENANT_ID: T, ARM_CLIENT_ID: C, ARM_OIDC_TOKEN: "eyJ.a.b" },
      "azureCli",
    ],
  ])("%s", (_what, env, expected) => {
    expect(method(env)).toBe(expected);
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    [
      "a PFX certificate (@azure/identity reads PEM only)",
      { ARM_TENANT_ID: T, ARM_CLIENT_ID: C, ARM_CLIENT_CERTIFICATE_PATH: "/k/app.pfx" },
      "reads PEM only",
    ],
    ["a custom cloud", { ARM_METADATA_HOSTNAME: "management.local" }, "custom cloud"],
    ["an unknown environment", { ARM_ENVIRONMENT: "mars" }, 'azuread:environment "mars"'],
    ["the CLI switched off and nothing else", { ARM_USE_CLI: "false" }, "no sign-in is configured"],
  ])("cannot sign in like the provider with %s, and says why", (_what, env, reason) => {
    expect(method(env)).toContain(reason);
  });

  it("uses the cloud's Graph and authority", () => {
    const plan = signInPlan(providerSettings(none, { ARM_ENVIRONMENT: "usgovernment", ARM_USE_MSI: "true" }));
    expect(plan.ok && plan.cloud).toEqual({
      authorityHost: "https://login.microsoftonline.us",
      graph: "https://graph.microsoft.us",
    });
  });
});

describe("graphTransportFor", () => {
  it("sends the credential's Graph token, reads Retry-After, keeps the token out of a non-JSON error", async () => {
    const { createServer } = await import("node:http");
    const seen: { auth?: string; path?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, path: req.url });
      if (req.url === "/v1.0/busy") {
        res.writeHead(429, { "retry-after": "3" }).end("{}");
        return;
      }
      if (req.url === "/v1.0/html") {
        res.writeHead(502).end(`<html>bad gateway for Bearer token-value-123456789</html>`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: [1] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const scopes: string[] = [];
    const transport = graphTransportFor({
      ok: true,
      method: "clientSecret",
      cloud: { authorityHost: "https://login.invalid", graph: `http://127.0.0.1:${port}` },
      credential: () => ({
        getToken: async (scope: string | string[]) => {
          scopes.push(String(scope));
          return { token: "token-value-123456789", expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      }),
    });
    try {
      await expect(transport("/v1.0/ok")).resolves.toEqual({ status: 200, body: { value: [1] } });
      expect(seen[0]).toEqual({ auth: "Bearer token-value-123456789", path: "/v1.0/ok" });
      expect(scopes).toEqual([`http://127.0.0.1:${port}/.default`]);
      await expect(transport("/v1.0/busy")).resolves.toMatchObject({ status: 429, retryAfterSeconds: 3 });
      const html = await transport("/v1.0/html");
      expect(html.status).toBe(502);
      expect(JSON.stringify(html.body)).not.toContain("token-value-123456789");
      await expect(transport("https://attacker.invalid/v1.0/x")).rejects.toThrow(
        "Refusing to send the deploying identity's token",
      );
    } finally {
      server.close();
    }
  });
});
