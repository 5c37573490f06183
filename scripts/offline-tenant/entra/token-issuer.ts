// The offline Entra ID v2 token endpoint: what @azure/identity (msal-node) needs to get an
// app-only token, fully offline (docs/offline-tenant.md, "The Entra token issuer"; measured with
// @azure/identity 4.13):
// - GET  /{tenant}/v2.0/.well-known/openid-configuration (token_endpoint,
//   authorization_endpoint, issuer, jwks_uri — all four are required by MSAL)
// - GET  /{tenant}/discovery/v2.0/keys (JWKS, for the mail peers' checker; clients never fetch it)
// - POST /{tenant}/oauth2/v2.0/token: the client-credentials grant, whose rules are in
//   client-credentials.ts. Tokens carry Entra's v1 app-token claims, from the tenant state.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeServer, listenLocal } from "../local-server";
import { readState, type TenantState } from "../state";
import { createLocalhostCert } from "../tls";
import {
  clientCredentialsGrant,
  EntraError,
  entraErrorBody,
  findTenant,
  tenantNotFound,
} from "./client-credentials";
import { createSigningKey, publicJwks, type SigningKey } from "./signing-key";

export { parseClientCredentialsScope } from "./client-credentials";

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

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The OpenID configuration MSAL reads before asking for a token. */
function discovery(state: TenantState, tenantInPath: string, baseUrl: string) {
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

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  if (!opts.state === !opts.statePath)
    throw new Error("Starting the token issuer: give exactly one of `state` or `statePath`");
  const now = opts.now ?? (() => new Date());
  const lifetimeSeconds = opts.tokenLifetimeSeconds ?? 3599;
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
        send(200, discovery(loadState(), decodeURIComponent(m[1]), baseUrl));
      } else if (req.method === "GET" && (m = path.match(/^\/([^/]+)\/discovery\/(?:v2\.0\/)?keys$/))) {
        const tenant = decodeURIComponent(m[1]);
        if (tenant !== "common" && !findTenant(loadState(), tenant)) throw tenantNotFound(tenant);
        send(200, publicJwks(signingKey));
      } else if (req.method === "POST" && (m = path.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/))) {
        const context = {
          state: loadState(),
          tenantInPath: decodeURIComponent(m[1]),
          now: now(),
          baseUrl,
          signingKey,
          lifetimeSeconds,
        };
        send(200, await clientCredentialsGrant(context, await readForm(req)));
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
  const port = await listenLocal(server, opts.port ?? 0);
  baseUrl = `https://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    ca: tls.cert,
    jwks: publicJwks(signingKey),
    signingKey,
    requests,
    close: () => closeServer(server),
  };
}
