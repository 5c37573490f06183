// Pure: maps what the verify tool saw (token failure, token claims, login replies) to the
// likely cause, in words a tenant admin can act on. Facts: docs/microsoft-contract.md
// ("Tokens", "Logins", "Common causes, in order"), docs/troubleshooting.md (every cause named here) and Entra's AADSTS
// reference.
import {
  AADSTS,
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_DISPLAY_NAME,
  NONEXISTENT_SMTP_ROLE,
  OUTLOOK_AUDIENCE,
  OUTLOOK_SCOPE,
  PROTOCOL_ROLE,
  type Protocol,
} from "../../../components/microsoft";
import type { BlockedProtocol } from "../../../components/exchange-step/record";
import { unblockCommand } from "../../../components/exchange-step/blocked";
import type { LoginResult } from "./login";
import type { TokenClaims, TokenFailure } from "./token";

export type CauseId =
  // getting the token
  | "authority-unreachable"
  | "authority-tls"
  | "authority-invalid"
  | "tenant-not-found"
  | "application-not-found"
  | "secret-wrong"
  | "secret-expired"
  | "secret-gone"
  | "credential-missing"
  | "credential-unreadable"
  | "service-principal-missing"
  | "scope-invalid"
  | "resource-not-found"
  | "certificate-not-registered"
  | "client-assertion-invalid"
  | "token-error"
  // the token's claims
  | "wrong-audience"
  | "wrong-tenant"
  | "token-expired"
  | "role-missing"
  // the logins
  | "exchange-refused-token"
  | "mailbox-not-opened"
  | "smtp-auth-disabled"
  | "send-as-denied"
  | "submission-refused"
  | "protocol-blocked"
  | "plaintext-refused"
  | "host-unreachable"
  | "tls-failed"
  | "timeout"
  | "not-a-mail-server"
  | "login-error";

export interface Cause {
  /** Stable identifier (JSON output, tests). */
  id: CauseId;
  /** One line for the table. */
  summary: string;
  /** What a tenant admin does about it. */
  action: string;
  /** When several things can cause it: what to check, most likely first. */
  checks?: string[];
}

const PROTOCOL_NAME: Readonly<Record<Protocol, string>> = { imap: "IMAP", pop: "POP", smtp: "SMTP" };
export function protocolName(p: Protocol): string {
  return PROTOCOL_NAME[p];
}

export interface TokenContext {
  tenant: string;
  clientId: string;
  authorityHost: string;
  /** "secret" or "certificate": how the client authenticated. */
  credential: "secret" | "certificate";
  /** The stack's `clientSecretKeyId` output: the key id of the secret it publishes, when known. */
  publishedKeyId?: string;
  /**
   * The application's password credentials as Entra holds them now (key id, `endDateTime`), when
   * the caller could read them (Graph: GET /applications(appId='…')?$select=passwordCredentials).
   */
  liveSecrets?: ReadonlyArray<{ keyId: string; endDateTime?: string }>;
  /** The instant the token was refused at. Default: now. */
  now?: Date;
}

/** Why no token was issued. */
export function diagnoseTokenFailure(f: TokenFailure, ctx: TokenContext): Cause {
  const entra = f.message;
  switch (f.kind) {
    case "unreachable":
      return {
        id: "authority-unreachable",
        summary: `No token: cannot reach ${ctx.authorityHost} (${entra})`,
        action: `Check DNS, proxy and firewall for ${ctx.authorityHost} (HTTPS, port 443), or the --authority-host value.`,
      };
    case "tls":
      return {
        id: "authority-tls",
        summary: `No token: TLS with ${ctx.authorityHost} failed (${entra})`,
        action:
          "A TLS-intercepting proxy or a private authority needs its CA certificate: pass it with --ca-file <pem>. Check that --authority-host names the certificate's host.",
      };
    case "discovery":
      return {
        id: "authority-invalid",
        summary: `No token: ${ctx.authorityHost} is not an Entra ID authority (${entra})`,
        action:
          "Use https://login.microsoftonline.com (the default) or your national cloud's login host as --authority-host.",
      };
    case "credential":
      return {
        id: "credential-unreadable",
        summary: `No token: the credential could not be loaded (${entra})`,
        action:
          "--certificate takes a PEM file holding the certificate and its unencrypted private key, or a PFX (with its password in $EXO_OAUTH_CERTIFICATE_PASSWORD).",
      };
    case "aadsts":
      return diagnoseAadsts(f.code ?? 0, entra, ctx);
    default:
      return {
        id: "token-error",
        summary: `No token: ${entra}`,
        action:
          "Retry; if it persists, run with the same inputs in a shell with network access to the authority.",
      };
  }
}

function diagnoseAadsts(code: number, entra: string, ctx: TokenContext): Cause {
  const c = (id: CauseId, summary: string, action: string): Cause => ({
    id,
    summary: `AADSTS${code}: ${summary}`,
    action,
  });
  const gone = publishedSecretGone(code, ctx);
  if (gone)
    return c(
      "secret-gone",
      `the published secret was ${gone} out of band (key id ${ctx.publishedKeyId} is ${
        gone === "deleted" ? "not among the application's secrets" : "past its end date"
      })`,
      "The published secret was deleted/expired out of band; the next `pulumi up --refresh` publishes a new one: run it now, then give the consumer the new `clientSecret` output (`pulumi stack output clientSecret --show-secrets`).",
    );
  switch (code) {
    case AADSTS.TENANT_NOT_FOUND:
      return c(
        "tenant-not-found",
        `tenant '${ctx.tenant}' does not exist at ${ctx.authorityHost}`,
        "Use the Directory (tenant) ID GUID or the tenant's .onmicrosoft.com domain; for a national cloud set --authority-host.",
      );
    case AADSTS.APPLICATION_NOT_FOUND:
      return c(
        "application-not-found",
        `application ${ctx.clientId} is not in tenant ${ctx.tenant}`,
        "Use the Application (client) ID, not the object id; check that --tenant is the tenant the app was registered in (the stack's tenantId output), and that the app was not deleted.",
      );
    case AADSTS.INVALID_CLIENT_SECRET:
      return c(
        "secret-wrong",
        "the client secret's value is wrong",
        "Entra rejected the secret's VALUE: the secret ID (a GUID) was used instead of the value, or the value was mistyped or truncated, or that secret was removed. Use the value shown once at creation: `pulumi stack output clientSecret --show-secrets`. If the stack's `clientSecretKeyId` is no longer under the app registration's Certificates & secrets, it was deleted by hand: `pulumi up --refresh` publishes a new one.",
      );
    case AADSTS.CLIENT_SECRET_EXPIRED:
      return c(
        "secret-expired",
        "the client secret has expired",
        "Run `pulumi up` to rotate (the stack keeps a fresh secret when it runs on schedule), then give the consumer the new `clientSecret` output.",
      );
    case AADSTS.MISSING_CLIENT_CREDENTIAL:
      return c(
        "credential-missing",
        "no client secret or certificate was sent",
        "Set the secret's environment variable, or pass --certificate.",
      );
    case AADSTS.MISSING_SERVICE_PRINCIPAL:
      return c(
        "service-principal-missing",
        `application ${ctx.clientId} has no service principal (enterprise application) in the tenant`,
        "Create it: `pulumi up` (MailApplication declares it), or Entra admin center › Enterprise applications.",
      );
    case AADSTS.SCOPE_NOT_DEFAULT:
    case AADSTS.INVALID_SCOPE:
      return c(
        "scope-invalid",
        "the scope is not valid for client credentials",
        `Request exactly ${OUTLOOK_SCOPE}: client credentials need <resource>/.default, not role names such as IMAP.AccessAsApp and not a Graph scope.`,
      );
    case AADSTS.RESOURCE_NOT_FOUND:
      return c(
        "resource-not-found",
        "the resource of the scope is not in the tenant",
        `Request ${OUTLOOK_SCOPE}. If that is already the scope, the tenant has no Office 365 Exchange Online service principal: it has no Exchange Online licence.`,
      );
    case AADSTS.ASSERTION_INVALID_SIGNATURE:
      return c(
        "certificate-not-registered",
        /expired/i.test(entra)
          ? "the certificate registered on the app has expired"
          : "the certificate is not registered on the application (or its key does not match)",
        "Upload the certificate's public part to the app registration (Certificates & secrets), or renew it; --certificate must hold that certificate and its private key.",
      );
    case AADSTS.ASSERTION_INVALID_ISSUER:
    case AADSTS.ASSERTION_INVALID_AUDIENCE:
    case AADSTS.ASSERTION_EXPIRED:
      return c(
        "client-assertion-invalid",
        "the client assertion was rejected",
        "Check this machine's clock (the assertion is valid for 10 minutes) and that --client-id is the application the certificate belongs to.",
      );
    default:
      return c(
        "token-error",
        entra.replace(/^AADSTS\d+:\s*/, ""),
        "See https://login.microsoftonline.com/error?code=" + code + " for this code.",
      );
  }
}

/**
 * A secret refused as wrong or expired, while the stack's published key id is not among the
 * application's live secrets ("deleted") or is past its end ("expired"): the stack still publishes a
 * secret Entra no longer has. Undefined when that cannot be told (no key id, no live list).
 */
function publishedSecretGone(code: number, ctx: TokenContext): "deleted" | "expired" | undefined {
  if (code !== AADSTS.INVALID_CLIENT_SECRET && code !== AADSTS.CLIENT_SECRET_EXPIRED) return undefined;
  if (!ctx.publishedKeyId || !ctx.liveSecrets) return undefined;
  const id = ctx.publishedKeyId.toLowerCase();
  const live = ctx.liveSecrets.find((s) => s.keyId.toLowerCase() === id);
  if (!live) return "deleted";
  const end = live.endDateTime ? Date.parse(live.endDateTime) : NaN;
  return !Number.isNaN(end) && end <= (ctx.now ?? new Date()).getTime() ? "expired" : undefined;
}

export interface ClaimsContext {
  /** The tenant id the stack or --tenant names (a GUID), when known. */
  expectedTenantId?: string;
  /** The protocols some mailbox is configured for. */
  protocols: Protocol[];
  /** Seconds since the epoch. */
  now: number;
}

export interface ClaimsDiagnosis {
  /** Problems that block every login (audience, tenant, expiry). */
  blocking: Cause[];
  /** A missing role blocks that protocol's logins only. */
  perProtocol: Partial<Record<Protocol, Cause>>;
}

/** Reads the decoded token the way Exchange will, before any login. */
export function diagnoseClaims(claims: TokenClaims, ctx: ClaimsContext): ClaimsDiagnosis {
  const blocking: Cause[] = [];
  const auds = claims.aud.split(" ");
  // A token requested as `00000002-0000-0ff1-ce00-000000000000/.default` carries the appId as aud.
  if (
    !auds.some((a) => a === OUTLOOK_AUDIENCE || a === `${OUTLOOK_AUDIENCE}/` || a === EXCHANGE_ONLINE_APP_ID)
  )
    blocking.push({
      id: "wrong-audience",
      summary: `The token is for ${claims.aud || "(no audience)"}, not ${OUTLOOK_AUDIENCE}`,
      action: `Request scope ${OUTLOOK_SCOPE}: a Graph (https://graph.microsoft.com/.default) token will not open a mailbox.`,
    });
  if (ctx.expectedTenantId && claims.tid.toLowerCase() !== ctx.expectedTenantId.toLowerCase())
    blocking.push({
      id: "wrong-tenant",
      summary: `The token is from tenant ${claims.tid}, not ${ctx.expectedTenantId}`,
      action: "Use the tenant the mailboxes live in (the stack's tenantId output) as --tenant.",
    });
  if (claims.exp <= ctx.now)
    blocking.push({
      id: "token-expired",
      summary: `The token expired at ${new Date(claims.exp * 1000).toISOString()}, before it was used`,
      action: "The clock of this machine or of the token issuer is wrong: fix the time (NTP) and retry.",
    });
  const perProtocol: Partial<Record<Protocol, Cause>> = {};
  for (const p of ctx.protocols) {
    const role = PROTOCOL_ROLE[p];
    if (claims.roles.includes(role)) continue;
    // The tutorial's SMTP.AccessAsApp does not exist (docs/microsoft-contract.md): say so.
    const smtpNote =
      p === "smtp" && claims.roles.includes(NONEXISTENT_SMTP_ROLE)
        ? ` (${NONEXISTENT_SMTP_ROLE} does not exist; the role is ${PROTOCOL_ROLE.smtp})`
        : p === "smtp"
          ? ` (not ${NONEXISTENT_SMTP_ROLE}, which does not exist)`
          : "";
    perProtocol[p] = {
      id: "role-missing",
      summary: `The token has no ${role} role: admin consent is missing for ${PROTOCOL_NAME[p]}`,
      action: `Grant admin consent for ${EXCHANGE_ONLINE_DISPLAY_NAME} ${role}${smtpNote} to application ${claims.appid}: run \`pulumi up\` with ${p} in exo-oauth:protocols, or Entra admin center › App registrations › API permissions › Grant admin consent. New consent can take a few minutes to reach tokens.`,
    };
  }
  return { blocking, perProtocol };
}

export interface LoginContext {
  protocol: Protocol;
  mailbox: string;
  /** host:port of the mail server. */
  endpoint: string;
  /** A send-as check: the address sent as (`mailbox` is the one logged in with). */
  sendAs?: string;
  /** From the token, to name the exact objects in the fix. */
  appid?: string;
  oid?: string;
  /** Protocols the last Exchange run found switched off (the record's `blocked`): named first. */
  blocked?: readonly BlockedProtocol[];
}

/** Why a login failed, from where it stopped and the server's reply. */
export function diagnoseLogin(r: Extract<LoginResult, { ok: false }>, ctx: LoginContext): Cause {
  const reply = r.serverResponse;
  const name = PROTOCOL_NAME[ctx.protocol];
  if (r.stage === "timeout")
    return {
      id: "timeout",
      summary: `The ${name} login did not finish in time`,
      action: `Check that ${ctx.endpoint} is reachable from here (firewalls often block 993/995/587 outbound), or raise --timeout.`,
    };
  if (r.stage === "connect")
    return {
      id: "host-unreachable",
      summary: `Cannot connect to ${ctx.endpoint}`,
      action: `Check the host and port (--${ctx.protocol}-host, --${ctx.protocol}-port), DNS, and that outbound port ${ctx.endpoint.split(":").pop()} is allowed.`,
    };
  if (r.stage === "tls")
    return {
      id: "tls-failed",
      summary: `TLS with ${ctx.endpoint} failed`,
      action:
        "A TLS-intercepting proxy or a private server needs its CA certificate: pass it with --ca-file <pem>.",
    };
  if (r.stage === "greeting")
    return {
      id: "not-a-mail-server",
      summary: `${ctx.endpoint} did not greet like a ${name} server`,
      action: `Check --${ctx.protocol}-host and --${ctx.protocol}-port (Exchange Online: IMAP 993 TLS, POP 995 TLS, SMTP 587 STARTTLS).`,
    };
  const blocked = ctx.blocked?.find(
    (b) => b.mailbox.toLowerCase() === ctx.mailbox.toLowerCase() && b.protocol === name,
  );
  if (blocked)
    return {
      id: "protocol-blocked",
      summary: `${name} is switched off for ${ctx.mailbox} (${blocked.switch})`,
      action: `The last Exchange run read this switch off (exo-oauth reads the protocol switches, never changes them): if this mailbox should use ${name}, turn it back on: \`${unblockCommand(blocked)}\`.`,
    };
  if (/\b5\.7\.139\b/.test(reply)) {
    // Exchange names the switch that refused (docs/microsoft-contract.md, "SMTP AUTH disabled").
    if (/for the Mailbox/i.test(reply))
      return {
        id: "smtp-auth-disabled",
        summary: `SMTP AUTH is disabled for the mailbox ${ctx.mailbox}`,
        action: `The mailbox's own switch is off (it overrides the tenant's): \`Set-CASMailbox -Identity ${ctx.mailbox} -SmtpClientAuthenticationDisabled $false\` (or \`$null\` to follow the tenant).`,
      };
    if (/for the Tenant/i.test(reply))
      return {
        id: "smtp-auth-disabled",
        summary: "SMTP AUTH is disabled for the tenant",
        action: `The tenant's switch is off and the mailbox follows it: \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\` (tenant-wide), or for this mailbox only \`Set-CASMailbox -Identity ${ctx.mailbox} -SmtpClientAuthenticationDisabled $false\`.`,
      };
    return {
      id: "smtp-auth-disabled",
      summary: /security defaults/i.test(reply)
        ? "SMTP AUTH is blocked by the tenant's security defaults"
        : "SMTP AUTH is disabled for the mailbox or the tenant",
      action: `Security defaults block SMTP AUTH: turn them off (Entra admin center › Properties) or use Conditional Access; then \`Set-CASMailbox -Identity ${ctx.mailbox} -SmtpClientAuthenticationDisabled $false\` or tenant-wide \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\`.`,
    };
  }
  if (/\b5\.2\.252\b|SendAsDenied/i.test(reply)) {
    const as = ctx.sendAs ?? ctx.mailbox;
    return {
      id: "send-as-denied",
      summary: `Exchange refused to send as ${as} (SendAsDenied)`,
      action: `The service principal has no SendAs on ${as}: \`Add-RecipientPermission -Identity ${as} -Trustee ${ctx.oid ?? "<service principal object id>"} -AccessRights SendAs -Confirm:$false\` (sendAs: true in the stack config, then \`pulumi up\`); a new grant can take 15–30 minutes.`,
    };
  }
  if (/\b5\.7\.60\b/.test(reply))
    return {
      id: "submission-refused",
      summary: `Logged in as ${ctx.mailbox}, but Exchange refused to submit mail from it`,
      action: `AUTH passed; Exchange does not let service principal ${ctx.oid ?? "(oid)"} send from ${ctx.mailbox}. Check:`,
      checks: grantChecks(ctx),
    };
  if (
    /User is authenticated but not connected/i.test(reply) ||
    (r.stage === "command" && ctx.protocol !== "smtp")
  )
    return {
      id: "mailbox-not-opened",
      summary: "Logged in, but Exchange did not open the mailbox",
      action: `The token carries the role; Exchange does not let service principal ${ctx.oid ?? "(oid)"} into ${ctx.mailbox}. Check:`,
      checks: grantChecks(ctx),
    };
  if (r.stage === "auth")
    return {
      id: "exchange-refused-token",
      summary: "Exchange refused the token for this mailbox",
      action: `The token carries the role, so Entra is fine; Exchange does not let service principal ${ctx.oid ?? "(oid)"} into ${ctx.mailbox}. Check:`,
      checks: grantChecks(ctx),
    };
  return {
    id: "login-error",
    summary:
      ctx.protocol === "smtp" && r.stage === "command"
        ? "The SMTP test message was refused"
        : `The ${name} login failed (${r.stage})`,
    action: "Read the server's reply; rerun, and if it persists check the server side (message trace, logs).",
  };
}

/** The usual causes of an auth refusal with a token that carries the role, most frequent first. */
function grantChecks(ctx: LoginContext): string[] {
  const appid = ctx.appid ?? "<application (client) id>";
  const oid = ctx.oid ?? "<service principal object id>";
  const checks = [
    `The service principal is registered in Exchange Online with the ENTERPRISE APPLICATION's object id (the token's oid), not the app registration's: \`New-ServicePrincipal -AppId ${appid} -ObjectId ${oid}\``,
    `The mailbox is granted: \`Add-MailboxPermission -Identity ${ctx.mailbox} -User ${oid} -AccessRights FullAccess\``,
  ];
  if (ctx.protocol !== "smtp")
    checks.push(
      `The protocol is on for the mailbox: \`Set-CASMailbox -Identity ${ctx.mailbox} -ImapEnabled $true\` (IMAP) / \`-PopEnabled $true\` (POP)`,
    );
  checks.push(
    "Time: Exchange applies a new registration or grant after 15–30 minutes (sometimes longer); rerun with --wait 30m",
  );
  return checks;
}
