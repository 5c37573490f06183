// The azuread provider's sign-in, for the program's own Graph reads (components/graphRead.ts): the
// same settings, the same order, so the program reads Graph as the identity the provider writes as.
// Settings: `azuread:<key>` stack config, else the provider's environment variable (terraform-provider-
// azuread v3.8.0 internal/provider/provider.go schema, EnvDefaultFunc; @pulumi/azuread 6.9.1
// config/vars.js). Order: client certificate, client secret, OIDC token, OIDC token request (GitHub
// Actions and the like), Azure DevOps pipeline, managed identity, Azure CLI — go-azure-sdk
// sdk/auth/auth.go NewAuthorizerFromCredentials. Credentials are @azure/identity's (4.13).
// docs/configuration.md ("Provider sign-in") lists what each way needs.
import { readFileSync } from "node:fs";
import {
  AzureCliCredential,
  AzurePipelinesCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import * as pulumi from "@pulumi/pulumi";
import {
  listAppRoleAssignments,
  offlineGraph,
  type AppRoleAssignmentRead,
  type GraphTransport,
} from "./graphRead";
import { redact } from "./redact";

/** A setting: `azuread:<config>` first, then the first of `env` that is set. */
const SETTINGS = {
  tenantId: ["tenantId", "ARM_TENANT_ID"],
  clientId: ["clientId", "ARM_CLIENT_ID"],
  clientIdFilePath: ["clientIdFilePath", "ARM_CLIENT_ID_FILE_PATH"],
  environment: ["environment", "ARM_ENVIRONMENT"],
  metadataHost: ["metadataHost", "ARM_METADATA_HOSTNAME"],
  clientCertificate: ["clientCertificate", "ARM_CLIENT_CERTIFICATE"],
  clientCertificatePath: ["clientCertificatePath", "ARM_CLIENT_CERTIFICATE_PATH"],
  clientCertificatePassword: ["clientCertificatePassword", "ARM_CLIENT_CERTIFICATE_PASSWORD"],
  clientSecret: ["clientSecret", "ARM_CLIENT_SECRET"],
  clientSecretFilePath: ["clientSecretFilePath", "ARM_CLIENT_SECRET_FILE_PATH"],
  useOidc: ["useOidc", "ARM_USE_OIDC"],
  useAksWorkloadIdentity: ["useAksWorkloadIdentity", "ARM_USE_AKS_WORKLOAD_IDENTITY"],
  oidcToken: ["oidcToken", "ARM_OIDC_TOKEN"],
  oidcTokenFilePath: ["oidcTokenFilePath", "ARM_OIDC_TOKEN_FILE_PATH"],
  oidcRequestToken: [
    "oidcRequestToken",
    "ARM_OIDC_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "SYSTEM_ACCESSTOKEN",
  ],
  oidcRequestUrl: [
    "oidcRequestUrl",
    "ARM_OIDC_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "SYSTEM_OIDCREQUESTURI",
  ],
  adoPipelineServiceConnectionId: [
    "adoPipelineServiceConnectionId",
    "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
    "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID",
  ],
  useMsi: ["useMsi", "ARM_USE_MSI"],
  useCli: ["useCli", "ARM_USE_CLI"],
} as const;
type Setting = keyof typeof SETTINGS;
export type Settings = Partial<Record<Setting, string>>;

/** The provider's settings from stack config and environment. */
export function providerSettings(
  config: (key: string) => string | undefined = (k) => pulumi.runtime.getConfig(`azuread:${k}`),
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const out: Settings = {};
  for (const [name, [key, ...vars]] of Object.entries(SETTINGS) as [Setting, readonly string[]][]) {
    const value = config(key) ?? vars.map((v) => env[v]).find((v) => v !== undefined && v !== "");
    if (value !== undefined && value !== "") out[name] = value;
  }
  if (out.useAksWorkloadIdentity === "true") {
    out.clientId ??= env.AZURE_CLIENT_ID;
    out.tenantId ??= env.AZURE_TENANT_ID;
    out.oidcTokenFilePath ??= env.AZURE_FEDERATED_TOKEN_FILE;
  }
  return out;
}

/** Microsoft's clouds as the provider names them (`environment`): sign-in authority and Graph. */
export const CLOUDS: Readonly<Record<string, { authorityHost: string; graph: string }>> = {
  global: { authorityHost: "https://login.microsoftonline.com", graph: "https://graph.microsoft.com" },
  public: { authorityHost: "https://login.microsoftonline.com", graph: "https://graph.microsoft.com" },
  usgovernmentl4: { authorityHost: "https://login.microsoftonline.us", graph: "https://graph.microsoft.us" },
  usgovernment: { authorityHost: "https://login.microsoftonline.us", graph: "https://graph.microsoft.us" },
  usgovernmentl5: {
    authorityHost: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us",
  },
  dod: { authorityHost: "https://login.microsoftonline.us", graph: "https://dod-graph.microsoft.us" },
  china: {
    authorityHost: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
  },
};

/** The way the provider signs in, as far as the program can sign in the same way. */
export type SignInMethod =
  | "clientCertificate"
  | "clientSecret"
  | "oidcToken"
  | "oidcRequest"
  | "adoPipeline"
  | "managedIdentity"
  | "azureCli";

export type SignInPlan =
  | {
      ok: true;
      method: SignInMethod;
      cloud: { authorityHost: string; graph: string };
      credential: () => TokenCredential;
    }
  | { ok: false; reason: string };

const yes = (v: string | undefined) => v?.toLowerCase() === "true" || v === "1";
const read = (path: string) => readFileSync(path, "utf8").trim();

/**
 * Which credential the provider would use, built the same way (never signing in here). Not ok when
 * the program cannot sign in like the provider: a custom `metadataHost`, a PFX client certificate
 * (@azure/identity reads PEM only), or no usable setting.
 */
export function signInPlan(s: Settings): SignInPlan {
  if (s.metadataHost)
    return {
      ok: false,
      reason: "azuread:metadataHost / ARM_METADATA_HOSTNAME (a custom cloud) is not supported here",
    };
  const cloud = CLOUDS[(s.environment ?? "global").toLowerCase()];
  if (!cloud)
    return {
      ok: false,
      reason: `azuread:environment "${s.environment}" is not one of ${Object.keys(CLOUDS).join(", ")}`,
    };
  const options = { authorityHost: cloud.authorityHost };
  const tenantId = s.tenantId;
  const clientId = s.clientId ?? (s.clientIdFilePath ? read(s.clientIdFilePath) : undefined);
  const plan = (method: SignInMethod, credential: () => TokenCredential): SignInPlan => ({
    ok: true,
    method,
    cloud,
    credential,
  });
  const app = tenantId !== undefined && clientId !== undefined;
  if (app && (s.clientCertificate || s.clientCertificatePath)) {
    if (s.clientCertificate || !/\.pem$/i.test(s.clientCertificatePath!))
      return {
        ok: false,
        reason:
          "the provider signs in with a PFX client certificate, and @azure/identity reads PEM only; " +
          "set azuread:clientCertificatePath / ARM_CLIENT_CERTIFICATE_PATH to a .pem holding the key and certificate",
      };
    return plan(
      "clientCertificate",
      () =>
        new ClientCertificateCredential(
          tenantId,
          clientId,
          { certificatePath: s.clientCertificatePath! },
          options,
        ),
    );
  }
  if (app && (s.clientSecret || s.clientSecretFilePath))
    return plan(
      "clientSecret",
      () =>
        new ClientSecretCredential(
          tenantId,
          clientId,
          s.clientSecret ?? read(s.clientSecretFilePath!),
          options,
        ),
    );
  const oidc = yes(s.useOidc) || yes(s.useAksWorkloadIdentity);
  if (app && oidc && (s.oidcToken || s.oidcTokenFilePath))
    return plan(
      "oidcToken",
      () =>
        new ClientAssertionCredential(
          tenantId,
          clientId,
          async () => s.oidcToken ?? read(s.oidcTokenFilePath!),
          options,
        ),
    );
  if (app && oidc && s.adoPipelineServiceConnectionId && s.oidcRequestToken)
    return plan(
      "adoPipeline",
      () =>
        new AzurePipelinesCredential(
          tenantId,
          clientId,
          s.adoPipelineServiceConnectionId!,
          s.oidcRequestToken!,
          options,
        ),
    );
  if (app && oidc && s.oidcRequestUrl && s.oidcRequestToken)
    return plan(
      "oidcRequest",
      () =>
        new ClientAssertionCredential(
          tenantId,
          clientId,
          () => requestIdToken(s.oidcRequestUrl!, s.oidcRequestToken!),
          options,
        ),
    );
  if (yes(s.useMsi))
    return plan("managedIdentity", () =>
      clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential(),
    );
  if (s.useCli === undefined || yes(s.useCli))
    return plan("azureCli", () => new AzureCliCredential(tenantId ? { tenantId, ...options } : options));
  return {
    ok: false,
    reason: "no sign-in is configured for the azuread provider (see docs/configuration.md, Provider sign-in)",
  };
}

/** GitHub Actions' (and compatible) ID token endpoint, with Entra's federation audience. */
async function requestIdToken(url: string, bearer: string): Promise<string> {
  const u = new URL(url);
  u.searchParams.set("audience", "api://AzureADTokenExchange");
  const res = await fetch(u, { headers: { Authorization: `Bearer ${bearer}`, Accept: "application/json" } });
  if (!res.ok) throw new Error(`Requesting an OIDC token from ${u.host}: HTTP ${res.status}`);
  const body = (await res.json()) as { value?: unknown };
  if (typeof body.value !== "string")
    throw new Error(`Requesting an OIDC token from ${u.host}: no \`value\``);
  return body.value;
}

/**
 * The real GraphTransport: a token for `<graph>/.default` from the plan's credential, then one GET.
 * Errors never carry a token or a secret (redacted).
 */
export function graphTransportFor(
  plan: Extract<SignInPlan, { ok: true }>,
  secrets: string[] = [],
): GraphTransport {
  const credential = plan.credential();
  return async (path) => {
    const url = /^https?:\/\//.test(path) ? path : `${plan.cloud.graph}${path}`;
    if (new URL(url).origin !== new URL(plan.cloud.graph).origin)
      throw new Error(`Refusing to send the deploying identity's token to ${new URL(url).origin}`);
    let token: string;
    try {
      const t = await credential.getToken(`${plan.cloud.graph}/.default`);
      if (!t) throw new Error("no token");
      token = t.token;
    } catch (err) {
      throw new Error(
        `Signing in as the deploying identity (${plan.method}): ${redact((err as Error).message, secrets)}`,
      );
    }
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    });
    const retryAfter = Number(res.headers.get("retry-after"));
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = {
        error: { code: `HTTP ${res.status}`, message: redact(text.slice(0, 200), [token, ...secrets]) },
      };
    }
    return {
      status: res.status,
      body,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  };
}

/**
 * What the program lists our service principal's consents with: the offline harness's transport when
 * one is installed (graphRead.ts useGraphTransport), else the deploying identity's real sign-in. A
 * sign-in the program cannot reproduce makes every call reject with the reason (reported as a warning
 * by consentWarnings, never failing the run).
 */
export function consentLister(): (principalObjectId: string) => Promise<AppRoleAssignmentRead[]> {
  const offline = offlineGraph();
  if (offline)
    return (principal) => listAppRoleAssignments(offline.transport, principal, { sleep: offline.sleep });
  const settings = providerSettings();
  const plan = signInPlan(settings);
  if (!plan.ok)
    return async () => Promise.reject(new Error(`cannot sign in like the azuread provider: ${plan.reason}`));
  let transport: GraphTransport | undefined;
  return (principal) => {
    transport ??= graphTransportFor(
      plan,
      [settings.clientSecret, settings.oidcToken, settings.oidcRequestToken].filter(
        (v): v is string => v !== undefined,
      ),
    );
    return listAppRoleAssignments(transport, principal);
  };
}
