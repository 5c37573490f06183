// Gets the app-only token the tutorial gets (client credentials, scope
// https://outlook.office365.com/.default) with @azure/identity, and decodes — not verifies —
// its claims for the diagnosis. identity reports every discovery failure as an opaque
// `endpoints_resolution_error` (measured: docs/microsoft-contract.md, "Tokens"), so the discovery document
// is fetched here first to tell an unreachable host, a TLS problem and an unknown tenant apart.
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { request as httpsRequest } from "node:https";
import { AUTHORITY_HOST, OUTLOOK_SCOPE } from "../../../components/microsoft";
import { redact } from "../../../components/redact";
import { MAX_DISCOVERY_BYTES } from "./limits";

export type ClientCredential =
  | { kind: "secret"; secret: string }
  /** `pem`: the certificate and its key, read and checked (certificate.ts); else read from the path. */
  | { kind: "certificate"; certificatePath: string; pem?: string };

export interface TokenRequest {
  /** Tenant id (GUID) or a verified domain (contoso.onmicrosoft.com). */
  tenant: string;
  clientId: string;
  credential: ClientCredential;
  /** Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Default https://outlook.office365.com/.default. */
  scope?: string;
  /** Extra CA certificate(s) to trust (an offline issuer's self-signed certificate). */
  ca?: string;
  /** Default 30 s, for discovery and token each. */
  timeoutMs?: number;
}

/** What the diagnosis needs from the access token. Never the token itself. */
export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  oid: string;
  roles: string[];
  /** Seconds since the epoch. */
  exp: number;
  iat?: number;
  /** "1" = client secret, "2" = certificate. */
  appidacr?: string;
  idtyp?: string;
}

export type TokenFailureKind =
  /** DNS, refused, reset, timed out. */
  | "unreachable"
  /** The authority host's certificate is not trusted or does not match. */
  | "tls"
  /** Entra answered with an AADSTS error (discovery or token endpoint). */
  | "aadsts"
  /** The authority answered, but not like Entra (not JSON, missing endpoints, HTTP 5xx). */
  | "discovery"
  /** The credential could not be loaded (certificate file missing or unreadable). */
  | "credential"
  | "other";

export interface TokenFailure {
  kind: TokenFailureKind;
  /** The AADSTS code, when Entra gave one. */
  code?: number;
  /** A message with no secret in it (Entra's description, or the network error). */
  message: string;
}

export type TokenResult =
  | { ok: true; accessToken: string; claims: TokenClaims; ms: number }
  | { ok: false; failure: TokenFailure; ms: number };

export type AcquireToken = (req: TokenRequest) => Promise<TokenResult>;

const UNREACHABLE = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

/** Node TLS errors (certificate chain, host name, handshake). */
export function isTlsErrorCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/.test(code) ||
      code === "HOSTNAME_MISMATCH")
  );
}

/** The AADSTS code in identity's error message (`AADSTS7000215:` or `Error(s): 7000215`). */
export function parseAadstsCode(message: string): number | undefined {
  const m = /AADSTS(\d+)/.exec(message) ?? /Error\(s\): (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Entra's description without trace/correlation ids and timestamps: `AADSTS7000215: Invalid client secret …`. */
export function entraDescription(message: string): string {
  const m = /(AADSTS\d+:[^\r\n]*)/.exec(message);
  const text = m ? m[1] : message.split(/\r?\n/)[0];
  return text.replace(/\s+-\s+(Correlation|Trace) ID:.*$/, "").trim();
}

export function normaliseAuthorityHost(authorityHost: string | undefined): string {
  return (authorityHost ?? AUTHORITY_HOST).replace(/\/+$/, "");
}

/** Microsoft's own authorities need instance discovery; any other (offline issuer) must skip it. */
export function isMicrosoftAuthority(authorityHost: string): boolean {
  const host = new URL(authorityHost).hostname.toLowerCase();
  return [
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn",
  ].includes(host);
}

interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One GET on a connection of its own (`agent: false`): a kept-alive connection from an earlier
 * round may be closed by the server at the moment it is reused, and the ECONNRESET would read as
 * an unreachable authority.
 */
function httpsGet(url: string, ca: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const options = { method: "GET", agent: false, ...(ca ? { ca } : {}), timeout: timeoutMs } as const;
    const req = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        // A body past the cap is not read on (limits.ts): an endless body must not fill memory.
        if (size > MAX_DISCOVERY_BYTES)
          req.destroy(
            Object.assign(new Error(`the answer is larger than ${MAX_DISCOVERY_BYTES} bytes`), {
              code: "ETOOMUCHDATA",
            }),
          );
        else chunks.push(c);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    // `timeout` above is the socket's idle time; a server sending one byte a second never goes
    // idle, so the whole exchange has its own deadline too.
    const deadline = setTimeout(
      () =>
        req.destroy(
          Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }),
        ),
      timeoutMs,
    );
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    req.on("error", reject);
    req.end();
  });
}

/** GET {authority}/{tenant}/v2.0/.well-known/openid-configuration; undefined when it is usable. */
export async function checkDiscovery(
  authorityHost: string,
  tenant: string,
  ca: string | undefined,
  timeoutMs: number,
): Promise<TokenFailure | undefined> {
  const url = `${authorityHost}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  const host = new URL(authorityHost).host;
  let answer: HttpAnswer;
  try {
    answer = await httpsGet(url, ca, timeoutMs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ETOOMUCHDATA")
      return { kind: "discovery", message: `${url} is not an OpenID configuration: ${e.message}` };
    if (isTlsErrorCode(e.code))
      return { kind: "tls", message: `TLS with ${host} failed: ${e.code}: ${e.message}` };
    if (e.code && UNREACHABLE.has(e.code))
      return {
        kind: "unreachable",
        message: `${host} is unreachable: ${e.code}${e.message.includes(e.code) ? "" : `: ${e.message}`}`,
      };
    return { kind: "unreachable", message: `${host}: ${e.message}` };
  }
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(answer.body) as unknown;
    if (typeof parsed === "object" && parsed !== null) doc = parsed as Record<string, unknown>;
  } catch {
    doc = undefined;
  }
  if (answer.status !== 200) {
    const codes = Array.isArray(doc?.error_codes) ? (doc.error_codes as unknown[]) : [];
    const description =
      typeof doc?.error_description === "string" ? entraDescription(doc.error_description) : undefined;
    if (typeof codes[0] === "number" && description)
      return { kind: "aadsts", code: codes[0], message: description };
    return {
      kind: "discovery",
      message: `${url} answered HTTP ${answer.status}, not an OpenID configuration`,
    };
  }
  const missing = ["token_endpoint", "authorization_endpoint", "issuer", "jwks_uri"].filter(
    (k) => typeof doc?.[k] !== "string",
  );
  if (!doc || missing.length > 0)
    return {
      kind: "discovery",
      message: `${url} is not an OpenID configuration (missing ${missing.join(", ") || "JSON"})`,
    };
  return undefined;
}

/** Decodes the access token's payload. Throws on a token that is not a JWT. */
export function decodeClaims(accessToken: string): TokenClaims {
  const parts = accessToken.split(".");
  if (parts.length !== 3) throw new Error("not a JWT");
  const c = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<string, unknown>;
  if (typeof c !== "object" || c === null) throw new Error("not a JWT");
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    aud: Array.isArray(c.aud) ? c.aud.join(" ") : str(c.aud),
    iss: str(c.iss),
    tid: str(c.tid),
    appid: str(c.appid ?? c.azp),
    oid: str(c.oid),
    roles: Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === "string") : [],
    exp: typeof c.exp === "number" ? c.exp : 0,
    ...(typeof c.iat === "number" ? { iat: c.iat } : {}),
    ...(typeof c.appidacr === "string" ? { appidacr: c.appidacr } : {}),
    ...(typeof c.idtyp === "string" ? { idtyp: c.idtyp } : {}),
  };
}

/**
 * A fresh credential every call: MSAL caches tokens per credential instance, and `--wait`
 * must see roles consented after the first attempt.
 */
export const acquireToken: AcquireToken = async (req) => {
  const started = Date.now();
  const ms = () => Date.now() - started;
  const authorityHost = normaliseAuthorityHost(req.authorityHost);
  const timeoutMs = req.timeoutMs ?? 30_000;
  const secrets = req.credential.kind === "secret" ? [req.credential.secret] : [];
  const failed = (failure: TokenFailure): TokenResult => ({
    ok: false,
    failure: { ...failure, message: redact(failure.message, secrets) },
    ms: ms(),
  });

  const discoveryFailure = await checkDiscovery(authorityHost, req.tenant, req.ca, timeoutMs);
  if (discoveryFailure) return failed(discoveryFailure);

  const options = {
    authorityHost,
    ...(isMicrosoftAuthority(authorityHost) ? {} : { disableInstanceDiscovery: true }),
    ...(req.ca ? { tlsOptions: { ca: req.ca } } : {}),
  };
  let credential: TokenCredential;
  try {
    credential =
      req.credential.kind === "secret"
        ? new ClientSecretCredential(req.tenant, req.clientId, req.credential.secret, options)
        : req.credential.pem !== undefined
          ? new ClientCertificateCredential(
              req.tenant,
              req.clientId,
              { certificate: req.credential.pem },
              options,
            )
          : new ClientCertificateCredential(
              req.tenant,
              req.clientId,
              { certificatePath: req.credential.certificatePath },
              options,
            );
  } catch (err) {
    return failed({ kind: "credential", message: (err as Error).message });
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const token = await credential.getToken(req.scope ?? OUTLOOK_SCOPE, { abortSignal: abort.signal });
    if (!token) return failed({ kind: "other", message: "the credential returned no token" });
    let claims: TokenClaims;
    try {
      claims = decodeClaims(token.token);
    } catch {
      return failed({ kind: "other", message: "the access token is not a JWT (cannot read its claims)" });
    }
    return { ok: true, accessToken: token.token, claims, ms: ms() };
  } catch (err) {
    const e = err as Error;
    if (abort.signal.aborted)
      return failed({ kind: "unreachable", message: `no token within ${timeoutMs} ms` });
    const code = parseAadstsCode(e.message);
    if (code !== undefined) return failed({ kind: "aadsts", code, message: entraDescription(e.message) });
    if (/ENOENT|certificate|PEM|private key/i.test(e.message) && req.credential.kind === "certificate")
      return failed({
        kind: "credential",
        message: `Reading certificate ${req.credential.certificatePath}: ${e.message.split("\n")[0]}`,
      });
    return failed({ kind: "other", message: `${e.name}: ${e.message.split("\n")[0]}` });
  } finally {
    clearTimeout(timer);
  }
};
