// Entra ID's rules for an app-only token (the OAuth 2.0 client-credentials grant), over the offline
// tenant state: which client, which credential (a secret's value, or a certificate's signed
// assertion), which resource, which roles. Errors carry Entra's AADSTS code, OAuth error and HTTP
// status, always 4xx (MSAL retries 5xx). Each rule and text: docs/microsoft-contract.md
// ("Token endpoint errors"), seen in Microsoft's error-code reference and measured against @azure/identity 4.13;
// the differences from Entra: docs/offline-tenant.md ("The Entra token issuer").
import { constants, createHash, randomUUID, verify as verifySignature, X509Certificate } from "node:crypto";
import {
  AADSTS,
  EXCHANGE_ONLINE_APP_ID,
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_GRAPH_AUDIENCE,
  OUTLOOK_AUDIENCE,
} from "../../../components/microsoft";
import { sha256Hex, type TenantState } from "../state";
import { isVerifiedDomain } from "../graph/domains";
import { signAccessToken, type SigningKey } from "./signing-key";

/**
 * Entra codes only the offline issuer returns (the project's AADSTS table, components/microsoft.ts,
 * holds those `verify` explains): docs/offline-tenant.md, "The Entra token issuer".
 */
export const ISSUER_AADSTS = {
  /** InvalidResourceServicePrincipalDisabled: the resource's service principal is disabled. */
  RESOURCE_DISABLED: 500014,
  /** The client's own service principal is disabled. */
  APPLICATION_DISABLED: 7000112,
  /** The resource requires assignment and the client holds no app role assignment on it. */
  APP_NOT_ASSIGNED: 50105,
} as const;

type AadstsCode = (typeof AADSTS)[keyof typeof AADSTS] | (typeof ISSUER_AADSTS)[keyof typeof ISSUER_AADSTS];

/** Entra's usual HTTP status and OAuth `error` for each AADSTS code this emulation returns. */
const ANSWER: Readonly<Record<AadstsCode, { status: number; error: string }>> = {
  [AADSTS.TENANT_NOT_FOUND]: { status: 400, error: "invalid_tenant" },
  [AADSTS.APPLICATION_NOT_FOUND]: { status: 400, error: "unauthorized_client" },
  [AADSTS.INVALID_CLIENT_SECRET]: { status: 401, error: "invalid_client" },
  [AADSTS.CLIENT_SECRET_EXPIRED]: { status: 401, error: "invalid_client" },
  [AADSTS.MISSING_CLIENT_CREDENTIAL]: { status: 400, error: "invalid_client" },
  [AADSTS.MISSING_SERVICE_PRINCIPAL]: { status: 400, error: "invalid_client" },
  [AADSTS.SCOPE_NOT_DEFAULT]: { status: 400, error: "invalid_scope" },
  [AADSTS.INVALID_SCOPE]: { status: 400, error: "invalid_scope" },
  [AADSTS.RESOURCE_NOT_FOUND]: { status: 400, error: "invalid_resource" },
  [AADSTS.UNSUPPORTED_GRANT_TYPE]: { status: 400, error: "unsupported_grant_type" },
  [AADSTS.ASSERTION_INVALID_SIGNATURE]: { status: 401, error: "invalid_client" },
  [AADSTS.ASSERTION_INVALID_ISSUER]: { status: 401, error: "invalid_client" },
  [AADSTS.ASSERTION_INVALID_AUDIENCE]: { status: 401, error: "invalid_client" },
  [AADSTS.ASSERTION_EXPIRED]: { status: 400, error: "invalid_client" },
  [ISSUER_AADSTS.RESOURCE_DISABLED]: { status: 400, error: "invalid_resource" },
  [ISSUER_AADSTS.APPLICATION_DISABLED]: { status: 401, error: "unauthorized_client" },
  [ISSUER_AADSTS.APP_NOT_ASSIGNED]: { status: 400, error: "invalid_grant" },
};

/** A refusal as Entra answers it. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly text: string,
  ) {
    super(`AADSTS${code}: ${text}`);
  }
}

/** Entra's refusal `code` with its usual status and OAuth error, unless `answer` says otherwise. */
export function entraError(
  code: AadstsCode,
  text: string,
  answer: Partial<{ status: number; error: string }> = {},
): EntraError {
  const { status, error } = { ...ANSWER[code], ...answer };
  return new EntraError(status, error, code, text);
}

/** The JSON body Entra sends with a refusal: description with trace/correlation ids and time. */
export function entraErrorBody(e: EntraError, now: Date, baseUrl: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = now
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${baseUrl}/error?code=${e.code}`,
  };
}

/**
 * Whether `tenant` (a path segment) names the state's tenant: its id, or any of its VERIFIED domains —
 * the initial `<name>.onmicrosoft.com` and verified custom domains alike ("tenant: … in GUID or
 * domain-name format", Microsoft identity platform, OAuth 2.0 client credentials flow). An unverified
 * domain names no tenant (AADSTS90002), case-insensitively.
 */
export function findTenant(state: TenantState, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === state.tenantId.toLowerCase() || isVerifiedDomain(state, t);
}

export function tenantNotFound(tenant: string): EntraError {
  return entraError(
    AADSTS.TENANT_NOT_FOUND,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** Resource application ID URI → resource appId. Entra knows many more; these are the ones we need. */
const KNOWN_RESOURCES: Record<string, string> = {
  [OUTLOOK_AUDIENCE]: EXCHANGE_ONLINE_APP_ID,
  [MICROSOFT_GRAPH_AUDIENCE]: MICROSOFT_GRAPH_APP_ID,
};
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Parses `<resource>/.default`; throws Entra's scope errors. */
export function parseClientCredentialsScope(scope: string | null): string {
  const scopes = (scope ?? "").split(" ").filter((s) => s !== "");
  if (scopes.length === 0)
    throw entraError(AADSTS.INVALID_SCOPE, "The provided request must include a 'scope' input parameter.", {
      error: "invalid_request",
    });
  const defaults = scopes.filter((s) => s.endsWith("/.default"));
  if (defaults.length === 0)
    throw entraError(
      AADSTS.SCOPE_NOT_DEFAULT,
      `The provided value for scope ${scopes.join(" ")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  const resources = new Set(defaults.map((s) => s.slice(0, -"/.default".length)));
  if (resources.size > 1 || defaults.length !== scopes.length)
    throw entraError(
      AADSTS.INVALID_SCOPE,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(" ")} is not valid.`,
    );
  return [...resources][0];
}

export interface GrantContext {
  state: TenantState;
  /** The tenant as the client named it in the URL path (id or domain). */
  tenantInPath: string;
  now: Date;
  /** The issuer's base URL: a client assertion's `aud` is a token endpoint under it. */
  baseUrl: string;
  signingKey: SigningKey;
  /** `expires_in`, seconds. */
  lifetimeSeconds: number;
}

/** Answers a token request (the form of POST /{tenant}/oauth2/v2.0/token), or throws EntraError. */
export async function clientCredentialsGrant(ctx: GrantContext, form: URLSearchParams): Promise<object> {
  const { state, tenantInPath, now: t, lifetimeSeconds: lifetime } = ctx;
  if (!findTenant(state, tenantInPath)) throw tenantNotFound(tenantInPath);
  const tid = state.tenantId;
  if (form.get("grant_type") !== "client_credentials")
    throw entraError(
      AADSTS.UNSUPPORTED_GRANT_TYPE,
      `The provided value for the input parameter 'grant_type' is not valid. This emulation supports only client_credentials.`,
    );
  const clientId = (form.get("client_id") ?? "").toLowerCase();
  const app = state.entra.applications.find((a) => a.clientId.toLowerCase() === clientId);
  if (!app)
    throw entraError(
      AADSTS.APPLICATION_NOT_FOUND,
      `Application with identifier '${form.get("client_id") ?? ""}' was not found in the directory '${state.organization}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  const resourceUri = parseClientCredentialsScope(form.get("scope"));
  const resourceAppId = KNOWN_RESOURCES[resourceUri] ?? resourceUri;
  const resourceSp = state.entra.servicePrincipals.find(
    (sp) => sp.clientId.toLowerCase() === resourceAppId.toLowerCase(),
  );
  if (!resourceSp && !KNOWN_RESOURCES[resourceUri])
    throw entraError(
      AADSTS.RESOURCE_NOT_FOUND,
      `The resource principal named ${resourceUri} was not found in the tenant named ${state.organization}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  const appidacr = authenticateClient(ctx, app, form);
  const sp = state.entra.servicePrincipals.find((s) => s.clientId.toLowerCase() === clientId);
  if (!sp)
    throw entraError(
      AADSTS.MISSING_SERVICE_PRINCIPAL,
      `The client application ${app.clientId} is missing service principal in the tenant ${tid}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    );
  if (sp.accountEnabled === false)
    throw entraError(
      ISSUER_AADSTS.APPLICATION_DISABLED,
      `Application '${app.clientId}'(${app.displayName}) is disabled.`,
    );
  if (resourceSp?.accountEnabled === false)
    throw entraError(
      ISSUER_AADSTS.RESOURCE_DISABLED,
      `The service principal for resource '${resourceUri}' is disabled. This indicate that a subscription within ` +
        `the tenant has lapsed, or that the administrator for this tenant has disabled the application, ` +
        `preventing tokens from being issued for it.`,
    );
  // Consented roles = app-role assignments of our SP on the resource SP, by role value; a disabled role
  // (isEnabled false) is not issued.
  const assignments = resourceSp
    ? state.entra.appRoleAssignments.filter(
        (a) => a.principalObjectId === sp.objectId && a.resourceObjectId === resourceSp.objectId,
      )
    : [];
  if (resourceSp?.appRoleAssignmentRequired && assignments.length === 0)
    throw entraError(
      ISSUER_AADSTS.APP_NOT_ASSIGNED,
      `Application '${app.clientId}' is not assigned to a role for the application '${resourceUri}'.`,
    );
  const roles = assignments
    .map((a) => resourceSp?.appRoles?.find((r) => r.id === a.appRoleId && r.isEnabled !== false)?.value)
    .filter((v): v is string => typeof v === "string");
  const iat = Math.floor(t.getTime() / 1000);
  const claims = {
    aud: resourceUri,
    iss: `https://sts.windows.net/${tid}/`,
    iat,
    nbf: iat,
    exp: iat + lifetime,
    aio: randomUUID().replace(/-/g, ""),
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr,
    idp: `https://sts.windows.net/${tid}/`,
    idtyp: "app",
    oid: sp.objectId,
    rh: "0.offline.",
    ...(roles.length > 0 ? { roles: [...new Set(roles)].sort() } : {}),
    sid: randomUUID(),
    sub: sp.objectId,
    tid,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    ver: "1.0",
  };
  return {
    token_type: "Bearer",
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: await signAccessToken(ctx.signingKey, claims),
  };
}

type Application = TenantState["entra"]["applications"][number];

/** Checks the client's credential; returns appidacr: "1" for a secret, "2" for a certificate. */
function authenticateClient(ctx: GrantContext, app: Application, form: URLSearchParams): "1" | "2" {
  const secret = form.get("client_secret");
  if (secret !== null) return checkSecret(ctx, app, secret);
  const assertion = form.get("client_assertion");
  if (assertion === null)
    throw entraError(
      AADSTS.MISSING_CLIENT_CREDENTIAL,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  if (form.get("client_assertion_type") !== ASSERTION_TYPE)
    throw entraError(AADSTS.MISSING_CLIENT_CREDENTIAL, `client_assertion_type must be ${ASSERTION_TYPE}.`, {
      error: "invalid_request",
    });
  return checkAssertion(ctx, app, assertion);
}

function checkSecret(ctx: GrantContext, app: Application, secret: string): "1" {
  const hash = sha256Hex(secret);
  const match = ctx.state.entra.passwords.find(
    (p) => p.applicationObjectId === app.objectId && p.secretSha256 === hash,
  );
  if (!match || new Date(match.startDate) > ctx.now)
    throw entraError(
      AADSTS.INVALID_CLIENT_SECRET,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  if (new Date(match.endDate) <= ctx.now)
    throw entraError(
      AADSTS.CLIENT_SECRET_EXPIRED,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  return "1";
}

function checkAssertion(ctx: GrantContext, app: Application, assertion: string): "2" {
  const { state, now: t } = ctx;
  const badSignature = (reason: string) =>
    entraError(
      AADSTS.ASSERTION_INVALID_SIGNATURE,
      `Client assertion contains an invalid signature. [Reason - ${reason}, Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.objectId}']`,
    );
  const parts = assertion.split(".");
  let header: Record<string, unknown>;
  let payload: { iss?: string; sub?: string; aud?: string | string[]; exp?: number; nbf?: number };
  try {
    if (parts.length !== 3) throw new Error("not a JWT");
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as typeof payload;
  } catch {
    throw entraError(AADSTS.ASSERTION_INVALID_SIGNATURE, "The client assertion is not a JWT.", {
      status: 400,
    });
  }
  const x5tS256 = typeof header["x5t#S256"] === "string" ? header["x5t#S256"] : undefined;
  const x5t = typeof header.x5t === "string" ? header.x5t : undefined;
  const certs = state.entra.certificates.filter((c) => c.applicationObjectId === app.objectId);
  // Newer MSAL sends only x5t#S256 (SHA-256); older clients send x5t (SHA-1).
  const cert = certs.find(
    (c) =>
      (x5tS256 !== undefined && c.thumbprintSha256 === x5tS256) ||
      (x5t !== undefined &&
        createHash("sha1").update(new X509Certificate(c.pem).raw).digest("base64url") === x5t),
  );
  if (!cert)
    throw badSignature(`The key was not found., Thumbprint of key used by client: '${x5tS256 ?? x5t ?? ""}'`);
  if (new Date(cert.endDate) <= t)
    throw badSignature(
      `The key used is expired., Thumbprint of key used by client: '${cert.thumbprintSha256}'`,
    );
  // PS256 (MSAL node 2+) or RS256 (older clients), verified with the registered certificate's key.
  const publicKey = new X509Certificate(cert.pem).publicKey;
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], "base64url");
  const valid =
    header.alg === "PS256"
      ? verifySignature(
          "sha256",
          signed,
          {
            key: publicKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          },
          signature,
        )
      : header.alg === "RS256"
        ? verifySignature("sha256", signed, publicKey, signature)
        : false;
  if (!valid) throw badSignature("The provided signature value did not match the expected signature value.");
  const nowSec = t.getTime() / 1000;
  const skew = 300; // Entra tolerates 5 minutes of clock skew
  if (
    typeof payload.exp !== "number" ||
    payload.exp + skew <= nowSec ||
    (typeof payload.nbf === "number" && payload.nbf - skew > nowSec)
  )
    throw entraError(AADSTS.ASSERTION_EXPIRED, "Client assertion is not within its valid time range.");
  if (
    payload.iss?.toLowerCase() !== app.clientId.toLowerCase() ||
    payload.sub?.toLowerCase() !== app.clientId.toLowerCase()
  )
    throw entraError(
      AADSTS.ASSERTION_INVALID_ISSUER,
      `Client assertion failed signature validation. The client assertion's issuer and subject must be the client id '${app.clientId}'.`,
    );
  // The assertion's aud is the discovery document's token_endpoint (tenant id form), or the
  // URL the client posted to.
  const allowedAud = [
    `${ctx.baseUrl}/${state.tenantId}/oauth2/v2.0/token`,
    `${ctx.baseUrl}/${ctx.tenantInPath}/oauth2/v2.0/token`,
  ];
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((a) => typeof a === "string" && allowedAud.includes(a)))
    throw entraError(
      AADSTS.ASSERTION_INVALID_AUDIENCE,
      "Client assertion audience claim does not match Realm issuer.",
    );
  return "2";
}
