// The offline Entra ID v2 token endpoint: what @azure/identity (msal-node) needs to get an
// app-only token, fully offline (shared entra-token-emulation.md, measured with identity 4.13):
// - GET  /{tenant}/v2.0/.well-known/openid-configuration (token_endpoint,
//   authorization_endpoint, issuer, jwks_uri — all four are required by MSAL)
// - GET  /{tenant}/discovery/v2.0/keys (JWKS, for the mail peers' checker; clients never fetch it)
// - POST /{tenant}/oauth2/v2.0/token, grant_type=client_credentials, client_secret or a
//   client_assertion (certificate), scope `<resource>/.default`
// Tokens carry Entra's v1 app-token claims, from the tenant state (apps, secrets, certificates,
// app-role assignments). Errors use Entra's body and AADSTS codes, always 4xx: MSAL retries 5xx.
import { constants, createHash, randomUUID, verify as verifySignature, X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AADSTS,
  EXCHANGE_ONLINE_APP_ID,
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_GRAPH_AUDIENCE,
  OUTLOOK_AUDIENCE,
} from "../../../components/microsoft";
import { createSigningKey, publicJwks, signAccessToken, type SigningKey } from "./signing-key";
import { readState, sha256Hex, type TenantState } from "../state";
import { createLocalhostCert } from "../tls";

export interface TokenIssuerOptions {
  /** A live state object (read on every request, so changes made to it are seen)… */
  state?: TenantState;
  /** …or a state file, re-read on every request. */
  statePath?: string;
  /** Default: a fresh RS256 key. */
  signingKey?: SigningKey;
  /** The issuer's clock (default: the system clock). Set it in the past to issue expired tokens. */
  now?: () => Date;
  /** `expires_in` and exp − iat. Default 3599, like Entra. MSAL does not cache tokens under 300 s. */
  tokenLifetimeSeconds?: number;
  /** TLS certificate and key (PEM). Default: a fresh self-signed localhost certificate. */
  tls?: { cert: string; key: string };
  /** Default 0 (any free port). */
  port?: number;
}

export interface IssuerRequestLog {
  method: string;
  path: string;
  status: number;
  /** The AADSTS code of an error answer. */
  code?: number;
}

export interface TokenIssuer {
  /** `https://127.0.0.1:<port>`: the authority host. */
  url: string;
  port: number;
  /** The TLS certificate (PEM) a client must trust. */
  ca: string;
  jwks: ReturnType<typeof publicJwks>;
  signingKey: SigningKey;
  /** Every request answered, in order (no bodies: they hold secrets). */
  requests: IssuerRequestLog[];
  close(): Promise<void>;
}

/** Resource application ID URI → resource appId. Entra knows many more; these are the ones we need. */
const KNOWN_RESOURCES: Record<string, string> = {
  [OUTLOOK_AUDIENCE]: EXCHANGE_ONLINE_APP_ID,
  [MICROSOFT_GRAPH_AUDIENCE]: MICROSOFT_GRAPH_APP_ID,
};
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly text: string,
  ) {
    super(`AADSTS${code}: ${text}`);
  }
}

function entraErrorBody(e: EntraError, now: Date, baseUrl: string) {
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

function findTenant(state: TenantState, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === state.tenantId.toLowerCase() || t === state.organization.toLowerCase();
}

function tenantNotFound(tenant: string): EntraError {
  return new EntraError(
    400,
    "invalid_tenant",
    AADSTS.TENANT_NOT_FOUND,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Parses `<resource>/.default`; throws Entra's scope errors. */
export function parseClientCredentialsScope(scope: string | null): string {
  const scopes = (scope ?? "").split(" ").filter((s) => s !== "");
  if (scopes.length === 0)
    throw new EntraError(
      400,
      "invalid_request",
      AADSTS.INVALID_SCOPE,
      "The provided request must include a 'scope' input parameter.",
    );
  const defaults = scopes.filter((s) => s.endsWith("/.default"));
  if (defaults.length === 0)
    throw new EntraError(
      400,
      "invalid_scope",
      AADSTS.SCOPE_NOT_DEFAULT,
      `The provided value for scope ${scopes.join(" ")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  const resources = new Set(defaults.map((s) => s.slice(0, -"/.default".length)));
  if (resources.size > 1 || defaults.length !== scopes.length)
    throw new EntraError(
      400,
      "invalid_scope",
      AADSTS.INVALID_SCOPE,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(" ")} is not valid.`,
    );
  return [...resources][0];
}

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  if (!opts.state === !opts.statePath)
    throw new Error("Starting the token issuer: give exactly one of `state` or `statePath`");
  const now = opts.now ?? (() => new Date());
  const lifetime = opts.tokenLifetimeSeconds ?? 3599;
  const signingKey = opts.signingKey ?? (await createSigningKey());
  let tls = opts.tls;
  if (!tls) {
    const dir = mkdtempSync(join(tmpdir(), "exo-oauth-issuer-tls-"));
    try {
      tls = createLocalhostCert(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const loadState = (): TenantState => opts.state ?? readState(opts.statePath!);
  const requests: IssuerRequestLog[] = [];
  let baseUrl = "";

  async function issue(tenantInPath: string, form: URLSearchParams): Promise<object> {
    const state = loadState();
    const t = now();
    if (!findTenant(state, tenantInPath)) throw tenantNotFound(tenantInPath);
    const tid = state.tenantId;
    if (form.get("grant_type") !== "client_credentials")
      throw new EntraError(
        400,
        "unsupported_grant_type",
        AADSTS.UNSUPPORTED_GRANT_TYPE,
        `The provided value for the input parameter 'grant_type' is not valid. This emulation supports only client_credentials.`,
      );
    const clientId = (form.get("client_id") ?? "").toLowerCase();
    const app = state.entra.applications.find((a) => a.clientId.toLowerCase() === clientId);
    if (!app)
      throw new EntraError(
        400,
        "unauthorized_client",
        AADSTS.APPLICATION_NOT_FOUND,
        `Application with identifier '${form.get("client_id") ?? ""}' was not found in the directory '${state.organization}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    const resourceUri = parseClientCredentialsScope(form.get("scope"));
    const resourceAppId = KNOWN_RESOURCES[resourceUri] ?? resourceUri;
    const resourceSp = state.entra.servicePrincipals.find(
      (sp) => sp.clientId.toLowerCase() === resourceAppId.toLowerCase(),
    );
    if (!resourceSp && !KNOWN_RESOURCES[resourceUri])
      throw new EntraError(
        400,
        "invalid_resource",
        AADSTS.RESOURCE_NOT_FOUND,
        `The resource principal named ${resourceUri} was not found in the tenant named ${state.organization}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    const appidacr = await authenticateClient(state, app, form, tenantInPath, t);
    const sp = state.entra.servicePrincipals.find((s) => s.clientId.toLowerCase() === clientId);
    if (!sp)
      throw new EntraError(
        400,
        "invalid_client",
        AADSTS.MISSING_SERVICE_PRINCIPAL,
        `The client application ${app.clientId} is missing service principal in the tenant ${tid}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
      );
    // Consented roles = app-role assignments of our SP on the resource SP, by role value.
    const roles = resourceSp
      ? state.entra.appRoleAssignments
          .filter((a) => a.principalObjectId === sp.objectId && a.resourceObjectId === resourceSp.objectId)
          .map((a) => resourceSp.appRoles?.find((r) => r.id === a.appRoleId)?.value)
          .filter((v): v is string => typeof v === "string")
      : [];
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
    const accessToken = await signAccessToken(signingKey, claims);
    return {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
  }

  /** Returns appidacr: "1" for a secret, "2" for a certificate. */
  async function authenticateClient(
    state: TenantState,
    app: TenantState["entra"]["applications"][number],
    form: URLSearchParams,
    tenantInPath: string,
    t: Date,
  ): Promise<"1" | "2"> {
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (secret !== null) {
      const hash = sha256Hex(secret);
      const match = state.entra.passwords.find(
        (p) => p.applicationObjectId === app.objectId && p.secretSha256 === hash,
      );
      if (!match || new Date(match.startDate) > t)
        throw new EntraError(
          401,
          "invalid_client",
          AADSTS.INVALID_CLIENT_SECRET,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        );
      if (new Date(match.endDate) <= t)
        throw new EntraError(
          401,
          "invalid_client",
          AADSTS.CLIENT_SECRET_EXPIRED,
          `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        );
      return "1";
    }
    if (assertion === null)
      throw new EntraError(
        400,
        "invalid_client",
        AADSTS.MISSING_CLIENT_CREDENTIAL,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    if (form.get("client_assertion_type") !== ASSERTION_TYPE)
      throw new EntraError(
        400,
        "invalid_request",
        AADSTS.MISSING_CLIENT_CREDENTIAL,
        `client_assertion_type must be ${ASSERTION_TYPE}.`,
      );
    const badSignature = (reason: string) =>
      new EntraError(
        401,
        "invalid_client",
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
      throw new EntraError(
        400,
        "invalid_client",
        AADSTS.ASSERTION_INVALID_SIGNATURE,
        "The client assertion is not a JWT.",
      );
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
      throw badSignature(
        `The key was not found., Thumbprint of key used by client: '${x5tS256 ?? x5t ?? ""}'`,
      );
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
    if (!valid)
      throw badSignature("The provided signature value did not match the expected signature value.");
    const nowSec = t.getTime() / 1000;
    const skew = 300; // Entra tolerates 5 minutes of clock skew
    if (
      typeof payload.exp !== "number" ||
      payload.exp + skew <= nowSec ||
      (typeof payload.nbf === "number" && payload.nbf - skew > nowSec)
    )
      throw new EntraError(
        400,
        "invalid_client",
        AADSTS.ASSERTION_EXPIRED,
        "Client assertion is not within its valid time range.",
      );
    if (
      payload.iss?.toLowerCase() !== app.clientId.toLowerCase() ||
      payload.sub?.toLowerCase() !== app.clientId.toLowerCase()
    )
      throw new EntraError(
        401,
        "invalid_client",
        AADSTS.ASSERTION_INVALID_ISSUER,
        `Client assertion failed signature validation. The client assertion's issuer and subject must be the client id '${app.clientId}'.`,
      );
    // The assertion's aud is the discovery document's token_endpoint (tenant id form), or the
    // URL the client posted to.
    const allowedAud = [
      `${baseUrl}/${state.tenantId}/oauth2/v2.0/token`,
      `${baseUrl}/${tenantInPath}/oauth2/v2.0/token`,
    ];
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((a) => typeof a === "string" && allowedAud.includes(a)))
      throw new EntraError(
        401,
        "invalid_client",
        AADSTS.ASSERTION_INVALID_AUDIENCE,
        "Client assertion audience claim does not match Realm issuer.",
      );
    return "2";
  }

  function discovery(tenantInPath: string) {
    const state = loadState();
    if (!findTenant(state, tenantInPath)) throw tenantNotFound(tenantInPath);
    const tid = state.tenantId;
    return {
      token_endpoint: `${baseUrl}/${tid}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${baseUrl}/${tid}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${baseUrl}/${tid}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${baseUrl}/${tid}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${baseUrl}/${tid}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${baseUrl}/${tid}/oauth2/v2.0/logout`,
      tenant_region_scope: "EU",
      cloud_instance_name: "offline.local",
      cloud_graph_host_name: "graph.offline.local",
      msgraph_host: "graph.offline.local",
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "https://localhost").pathname;
    const send = (status: number, body: object, code?: number) => {
      requests.push({ method: req.method ?? "", path, status, ...(code !== undefined ? { code } : {}) });
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
      res.end(JSON.stringify(body));
    };
    try {
      let m: RegExpMatchArray | null;
      if (
        req.method === "GET" &&
        (m = path.match(/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/))
      ) {
        send(200, discovery(decodeURIComponent(m[1])));
      } else if (req.method === "GET" && (m = path.match(/^\/([^/]+)\/discovery\/(?:v2\.0\/)?keys$/))) {
        const tenant = decodeURIComponent(m[1]);
        if (tenant !== "common" && !findTenant(loadState(), tenant)) throw tenantNotFound(tenant);
        send(200, publicJwks(signingKey));
      } else if (req.method === "POST" && (m = path.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/))) {
        send(200, await issue(decodeURIComponent(m[1]), await readForm(req)));
      } else {
        send(404, { error: "not_found", error_description: `No such endpoint: ${req.method} ${path}` });
      }
    } catch (err) {
      if (err instanceof EntraError) send(err.status, entraErrorBody(err, now(), baseUrl), err.code);
      else
        send(400, {
          error: "invalid_request",
          error_description: `Offline token issuer: ${(err as Error).message}`,
        });
    }
  }

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  baseUrl = `https://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    ca: tls.cert,
    jwks: publicJwks(signingKey),
    signingKey,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
