// The mail peers' login checker: decides, the way Exchange Online does for app-only XOAUTH2,
// whether a bearer token may open a mailbox over a protocol. Dovecot's Lua passdb asks it
// over HTTP (POST /check); the SMTP peer calls `checkLogin` in-process.
// Facts: docs/microsoft-contract.md ("Tokens", "Logins", "Object shapes"); the differences from
// Exchange Online: docs/offline-tenant.md ("The mail peers").
import { createPublicKey, verify as verifySignature, type JsonWebKey } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { get as httpsGet } from "node:https";
import { get as httpGet } from "node:http";
import {
  EXCHANGE_ONLINE_APP_ID,
  OUTLOOK_AUDIENCE,
  PROTOCOL_ROLE,
  type Protocol,
} from "../../../components/microsoft";
import { closeServer, listenLocal } from "../local-server";
import { readState, type ExchangeServicePrincipal, type TenantState } from "../state";

/** Why a login was refused. Machine-readable: the verify tool's diagnosis keys on these. */
export type CheckReason =
  | "bad_request"
  | "unsupported_mechanism"
  | "malformed_token"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_tenant"
  | "wrong_issuer"
  | "role_missing"
  | "unknown_mailbox"
  | "protocol_disabled"
  | "sp_not_registered"
  | "mailbox_not_granted";

export interface CheckRequest {
  /** The mailbox from `user=` in the XOAUTH2 initial response. */
  user: string;
  /** The bearer token from `auth=Bearer …`. */
  token: string;
  /** Dovecot's service name (imap | pop3) or the SMTP peer's (smtp | submission). */
  service: string;
  /** SASL mechanism; Exchange offers only XOAUTH2. */
  mech?: string;
}

export type CheckResult =
  | {
      ok: true;
      reason: null;
      oid: string;
      protocol: Protocol;
      mailbox: string;
      spSid: string;
      /**
       * Set when the login would have been refused for a reason the peers are told to defer
       * (`refuseAfterLogin`): the login is accepted and the session is refused after it, the way
       * Exchange answers `BAD User is authenticated but not connected.` (docs/offline-tenant.md, "Knobs of the mail peers").
       */
      refuseAfterLogin?: { reason: CheckReason; detail: string };
    }
  | {
      ok: false;
      reason: CheckReason;
      oid: string | null;
      detail: string;
      /** protocol_disabled on SMTP: which switch refused (the mailbox's own, or the tenant's it follows). */
      scope?: "mailbox" | "tenant";
    };

/**
 * Reasons a refusal may be deferred to after the login (`refuseAfterLogin`): the ones Exchange is
 * reported to answer after a successful AUTHENTICATE (docs/microsoft-contract.md, "User is
 * authenticated but not connected"). Token problems are always refused at login.
 */
export const DEFERRABLE_REASONS = ["protocol_disabled", "sp_not_registered", "mailbox_not_granted"] as const;
export type DeferrableReason = (typeof DEFERRABLE_REASONS)[number];

export interface Jwks {
  keys: (JsonWebKey & { kid?: string; alg?: string })[];
}

export interface CheckContext {
  state: TenantState;
  jwks: Jwks;
  /** Seconds since the epoch (default: now). */
  now?: number;
  /**
   * Tolerated clock difference, seconds. Default 300: Microsoft.IdentityModel's
   * TokenValidationParameters.DefaultClockSkew is 5 minutes.
   */
  clockSkewSec?: number;
  /** Refusals accepted at login and refused after it (the knob `refuseAfterLogin`). Default none. */
  refuseAfterLogin?: readonly DeferrableReason[];
}

const SERVICE_PROTOCOL: Readonly<Record<string, Protocol>> = {
  imap: "imap",
  pop3: "pop",
  pop: "pop",
  smtp: "smtp",
  submission: "smtp",
};

/** Maps a Dovecot / SMTP service name to the protocol, or undefined. */
export function protocolOfService(service: string): Protocol | undefined {
  return SERVICE_PROTOCOL[service.toLowerCase()];
}

/**
 * Audiences Exchange accepts: the resource URI the `.default` scope names, and (v1 tokens
 * requested by resource id) the Exchange Online appId.
 */
const ACCEPTED_AUDIENCES = new Set([OUTLOOK_AUDIENCE, `${OUTLOOK_AUDIENCE}/`, EXCHANGE_ONLINE_APP_ID]);

interface JwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

function parseJwt(token: string): JwtParts | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    if (!isObject(header) || !isObject(payload)) return undefined;
    return {
      header,
      payload,
      signedPart: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], "base64url"),
    };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(
  reason: CheckReason,
  detail: string,
  oid: string | null = null,
): Extract<CheckResult, { ok: false }> {
  return { ok: false, reason, oid, detail };
}

/** True when `jwks` holds a key with this `kid` (used to decide whether to refetch a JWKS). */
export function jwksHasKid(jwks: Jwks, token: string): boolean {
  const kid = parseJwt(token)?.header.kid;
  return jwks.keys.some((k) => k.kid === kid);
}

/**
 * The pure check, in the order a request meets Exchange: token validity (signature, time,
 * audience, tenant), the protocol's app role, the mailbox and its protocol switch, the
 * Exchange service principal for the token's `oid`, and its FullAccess grant on the mailbox.
 */
export function checkLogin(req: CheckRequest, ctx: CheckContext): CheckResult {
  const result = decideLogin(req, ctx);
  if (result.ok || !result.oid || !ctx.refuseAfterLogin?.includes(result.reason as DeferrableReason))
    return result;
  const protocol = protocolOfService(String(req.service)) as Protocol;
  const sp = findServicePrincipal(ctx.state, result.oid);
  return {
    ok: true,
    reason: null,
    oid: result.oid,
    protocol,
    mailbox: req.user.trim().toLowerCase(),
    spSid: sp?.Sid ?? "",
    refuseAfterLogin: { reason: result.reason, detail: result.detail },
  };
}

function decideLogin(req: CheckRequest, ctx: CheckContext): CheckResult {
  if (typeof req.user !== "string" || req.user === "" || typeof req.token !== "string" || req.token === "")
    return fail("bad_request", "user and token must be non-empty strings");
  const protocol = protocolOfService(String(req.service ?? ""));
  if (!protocol)
    return fail(
      "bad_request",
      `service ${JSON.stringify(req.service)} is not one of imap, pop3, smtp, submission`,
    );
  if (req.mech !== undefined && req.mech.toUpperCase() !== "XOAUTH2")
    return fail(
      "unsupported_mechanism",
      `mechanism ${req.mech} is not offered; Exchange offers only XOAUTH2`,
    );

  const jwt = parseJwt(req.token);
  if (!jwt) return fail("malformed_token", "the bearer token is not a JWS compact serialization");
  const claims = jwt.payload;
  const oid = typeof claims.oid === "string" ? claims.oid : null;

  // Signature: RS256 only, key chosen by `kid` from the issuer's JWKS.
  if (jwt.header.alg !== "RS256")
    return fail("bad_signature", `alg ${String(jwt.header.alg)} is not RS256`, oid);
  const jwk = ctx.jwks.keys.find((k) => k.kid === jwt.header.kid);
  if (!jwk) return fail("bad_signature", `no signing key with kid ${String(jwt.header.kid)}`, oid);
  let valid = false;
  try {
    const key = createPublicKey({ key: jwk, format: "jwk" });
    valid = verifySignature("RSA-SHA256", Buffer.from(jwt.signedPart), key, jwt.signature);
  } catch {
    valid = false;
  }
  if (!valid) return fail("bad_signature", "signature does not verify against the signing key", oid);

  const now = ctx.now ?? Math.floor(Date.now() / 1000);
  const skew = ctx.clockSkewSec ?? 300;
  if (typeof claims.exp !== "number") return fail("malformed_token", "no exp claim", oid);
  if (claims.exp + skew <= now) return fail("expired", `token expired at ${isoTime(claims.exp)}`, oid);
  if (typeof claims.nbf === "number" && claims.nbf - skew > now)
    return fail("not_yet_valid", `token not valid before ${isoTime(claims.nbf)}`, oid);

  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.some((a) => typeof a === "string" && ACCEPTED_AUDIENCES.has(a)))
    return fail("wrong_audience", `aud ${JSON.stringify(claims.aud)} is not ${OUTLOOK_AUDIENCE}`, oid);

  const tid = ctx.state.tenantId;
  if (claims.tid !== tid)
    return fail("wrong_tenant", `tid ${String(claims.tid)} is not this tenant (${tid})`, oid);
  const issuers = [`https://sts.windows.net/${tid}/`, `https://login.microsoftonline.com/${tid}/v2.0`];
  if (typeof claims.iss !== "string" || !issuers.includes(claims.iss))
    return fail("wrong_issuer", `iss ${String(claims.iss)} is not ${issuers[0]}`, oid);
  if (!oid) return fail("malformed_token", "no oid claim", oid);

  const role = PROTOCOL_ROLE[protocol];
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (!roles.includes(role))
    return fail("role_missing", `roles ${JSON.stringify(roles)} lack ${role} (admin consent missing?)`, oid);

  const mailboxAddress = req.user.trim().toLowerCase();
  const mailbox = ctx.state.exchange.mailboxes.find((m) => m.address.toLowerCase() === mailboxAddress);
  if (!mailbox) return fail("unknown_mailbox", `no mailbox ${mailboxAddress} in this tenant`, oid);

  // Protocol switches (Set-CASMailbox; SMTP null = Set-TransportConfig's tenant default).
  // Inferred, not seen in Microsoft's docs: Exchange refuses a disabled protocol before looking
  // at permissions (docs/offline-tenant.md, "Known differences from Microsoft").
  if (protocol === "imap" && !mailbox.ImapEnabled)
    return fail("protocol_disabled", `ImapEnabled is false on ${mailbox.address}`, oid);
  if (protocol === "pop" && !mailbox.PopEnabled)
    return fail("protocol_disabled", `PopEnabled is false on ${mailbox.address}`, oid);
  if (protocol === "smtp" && smtpAuthDisabled(ctx.state, mailbox.SmtpClientAuthenticationDisabled))
    return mailbox.SmtpClientAuthenticationDisabled === null
      ? {
          ...fail(
            "protocol_disabled",
            "SmtpClientAuthenticationDisabled is true in the tenant's transport config",
            oid,
          ),
          scope: "tenant",
        }
      : {
          ...fail("protocol_disabled", `SmtpClientAuthenticationDisabled is true on ${mailbox.address}`, oid),
          scope: "mailbox",
        };

  // The Exchange SP's Identity equals the Entra SP object id, which is the token's `oid`.
  const sp = findServicePrincipal(ctx.state, oid);
  if (!sp) return fail("sp_not_registered", `no Exchange service principal with Identity ${oid}`, oid);

  // A grant is matched by UserSid = the SP's Sid, never by the User text; Deny wins.
  const rows = mailbox.permissions.filter(
    (p) => p.UserSid === sp.Sid && p.AccessRights.includes("FullAccess"),
  );
  if (rows.length === 0 || rows.some((p) => p.Deny))
    return fail(
      "mailbox_not_granted",
      `${mailbox.address} has no FullAccess for service principal ${sp.Identity} (${sp.Sid})`,
      oid,
    );
  return { ok: true, reason: null, oid, protocol, mailbox: mailbox.address, spSid: sp.Sid };
}

function smtpAuthDisabled(state: TenantState, mailboxSetting: boolean | null): boolean {
  return mailboxSetting ?? state.exchange.transportConfig.SmtpClientAuthenticationDisabled;
}

function findServicePrincipal(state: TenantState, oid: string): ExchangeServicePrincipal | undefined {
  return state.exchange.servicePrincipals.find((s) => s.Identity.toLowerCase() === oid.toLowerCase());
}

function isoTime(sec: number): string {
  return new Date(sec * 1000).toISOString();
}

/**
 * SendAs: an app may submit with MAIL FROM its authenticated mailbox; any other address needs
 * an Allow SendAs recipient permission on that address for the SP (Add-RecipientPermission),
 * else Exchange answers `554 5.2.252 SendAsDenied`.
 */
export function checkSendAs(
  state: TenantState,
  login: { mailbox: string; spSid: string },
  from: string,
): { ok: true } | { ok: false; detail: string } {
  const address = from.trim().toLowerCase();
  if (address === login.mailbox.toLowerCase()) return { ok: true };
  const mailbox = state.exchange.mailboxes.find((m) => m.address.toLowerCase() === address);
  const rows = (mailbox?.recipientPermissions ?? []).filter(
    (r) => r.TrusteeSidString === login.spSid && r.AccessRights.includes("SendAs"),
  );
  if (rows.length > 0 && rows.every((r) => r.AccessControlType === "Allow")) return { ok: true };
  return { ok: false, detail: `${login.mailbox} not allowed to send as ${address}` };
}

// ---------------------------------------------------------------------------------------
// The HTTP checker Dovecot's Lua passdb talks to.

export interface CheckerOptions {
  /** The tenant state file; re-read for every check (the Exchange simulator writes it between runs). */
  statePath: string;
  /** The issuer's JWKS, in-process, or a URL to fetch it from (refetched when a token's kid is unknown). */
  jwks: Jwks | string;
  /** CA to trust when fetching an https JWKS URL (the offline issuer's self-signed certificate). */
  jwksCa?: string | Buffer;
  clockSkewSec?: number;
  /** Refusals accepted at login and refused after it (docs/offline-tenant.md, "Knobs of the mail peers"). */
  refuseAfterLogin?: readonly DeferrableReason[];
  /** The clock tokens are checked against (default: the system clock); the demo's is simulated. */
  now?: () => Date;
  /** Called after every check (tests and logs); never receives the token. */
  onCheck?: (req: Omit<CheckRequest, "token">, result: CheckResult) => void;
}

export interface Checker {
  /** `http://127.0.0.1:<port>/check` */
  url: string;
  port: number;
  /** The same check as POST /check, in-process (re-reads the state, resolves the JWKS). */
  check(req: CheckRequest): Promise<CheckResult>;
  stop(): Promise<void>;
}

export async function startChecker(opts: CheckerOptions): Promise<Checker> {
  let jwksCache: Jwks | undefined = typeof opts.jwks === "string" ? undefined : opts.jwks;

  async function jwksFor(token: string): Promise<Jwks> {
    if (typeof opts.jwks !== "string") return opts.jwks;
    if (!jwksCache || !jwksHasKid(jwksCache, token)) jwksCache = await fetchJwks(opts.jwks, opts.jwksCa);
    return jwksCache;
  }

  async function check(req: CheckRequest): Promise<CheckResult> {
    const state = readState(opts.statePath);
    const result = checkLogin(req, {
      state,
      jwks: await jwksFor(String(req.token ?? "")),
      clockSkewSec: opts.clockSkewSec,
      ...(opts.refuseAfterLogin ? { refuseAfterLogin: opts.refuseAfterLogin } : {}),
      ...(opts.now ? { now: Math.floor(opts.now().getTime() / 1000) } : {}),
    });
    opts.onCheck?.({ user: req.user, service: req.service, mech: req.mech }, result);
    return result;
  }

  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "POST" || request.url !== "/check")
      return reply(404, { error: "POST /check only" });
    readBody(request)
      .then(async (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return reply(400, { error: "body is not JSON" });
        }
        if (!isObject(body)) return reply(400, { error: "body must be a JSON object" });
        const result = await check({
          user: body.user as string,
          token: body.token as string,
          service: body.service as string,
          mech: typeof body.mech === "string" ? body.mech : undefined,
        });
        reply(200, result.ok ? { ok: true, reason: null, oid: result.oid } : result);
      })
      .catch((err: Error) => reply(500, { error: `Checking login: ${err.message}` }));
  });
  const port = await listenLocal(server);
  return { url: `http://127.0.0.1:${port}/check`, port, check, stop: () => closeServer(server) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy(new Error("request body over 1 MB"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function fetchJwks(url: string, ca?: string | Buffer): Promise<Jwks> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      readBody(res)
        .then((text) => {
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
          const doc = JSON.parse(text) as unknown;
          if (!isObject(doc) || !Array.isArray(doc.keys)) throw new Error("no keys array");
          resolve(doc as unknown as Jwks);
        })
        .catch((err: Error) => reject(new Error(`Fetching JWKS ${url}: ${err.message}`)));
    };
    const req = url.startsWith("https:") ? httpsGet(url, { ca }, onResponse) : httpGet(url, onResponse);
    req.setTimeout(5000, () => req.destroy(new Error("timed out after 5 s")));
    req.on("error", (err) => reject(new Error(`Fetching JWKS ${url}: ${err.message}`)));
  });
}
