// The settings in each format a consuming app reads. Pure: settings in, text out.
//   env                 sh-compatible KEY='value' lines (EXO_OAUTH_*; EXO_OAUTH_CLIENT_SECRET is the
//                       variable `npm run verify` reads too)
//   email-oauth2-proxy  INI for simonrob/email-oauth2-proxy's client-credentials mode: a server section
//                       per protocol ([IMAP-1993] … as its sample emailproxy.config names them;
//                       server_address, server_port, starttls = True for SMTP) and an account section per
//                       mailbox with token_url, oauth2_scope, oauth2_flow = client_credentials, client_id,
//                       client_secret (its emailproxy.config "Account setup" and client-credentials notes)
//   msal-dotnet         appsettings.json: "AzureAd" with MSAL.NET's ConfidentialClientApplicationOptions
//                       names (Instance, TenantId, ClientId, ClientSecret) and a "Mail" section
//   json                the settings object
import type { Protocol } from "../../../components/microsoft";
import type { ConsumerSettings } from "./settings";

export const FORMATS = ["env", "email-oauth2-proxy", "msal-dotnet", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** A POSIX sh single-quoted word ('…', with ' as '\''). */
const shQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

function env(s: ConsumerSettings): string {
  const lines: [string, string][] = [
    ["EXO_OAUTH_TENANT_ID", s.tenantId],
    ["EXO_OAUTH_CLIENT_ID", s.clientId],
    ["EXO_OAUTH_TOKEN_ENDPOINT", s.tokenEndpoint],
    ["EXO_OAUTH_SCOPE", s.scope],
  ];
  for (const [p, e] of Object.entries(s.servers)) {
    const k = `EXO_OAUTH_${p.toUpperCase()}`;
    lines.push([`${k}_HOST`, e.host], [`${k}_PORT`, String(e.port)], [`${k}_TLS`, e.tls]);
  }
  lines.push(["EXO_OAUTH_MAILBOXES", s.mailboxes.map((m) => m.address).join(",")]);
  for (const p of Object.keys(s.servers) as Protocol[])
    lines.push([
      `EXO_OAUTH_${p.toUpperCase()}_MAILBOXES`,
      s.mailboxes
        .filter((m) => m.protocols.includes(p))
        .map((m) => m.address)
        .join(","),
    ]);
  lines.push(
    ["EXO_OAUTH_CLIENT_SECRET_EXPIRES_AT", s.clientSecretExpiresAt],
    ["EXO_OAUTH_NEXT_ROTATION_AT", s.nextRotationAt],
  );
  if (s.clientSecret !== undefined) lines.push(["EXO_OAUTH_CLIENT_SECRET", s.clientSecret]);
  return lines.map(([k, v]) => `${k}=${shQuote(v)}\n`).join("");
}

/** email-oauth2-proxy's local ports, as its sample configuration names the Office 365 servers. */
const PROXY_SECTIONS: Record<Protocol, string> = { imap: "IMAP-1993", pop: "POP-1995", smtp: "SMTP-1587" };

function emailOauth2Proxy(s: ConsumerSettings): string {
  const out: string[] = [
    "; email-oauth2-proxy: client-credentials (app-only) settings written by `npm run consumer-config`.",
    `; The client secret expires at ${s.clientSecretExpiresAt}; a new one is published at ${s.nextRotationAt}: regenerate then.`,
    "",
  ];
  for (const [p, e] of Object.entries(s.servers) as [
    Protocol,
    { host: string; port: number; tls: string },
  ][]) {
    out.push(`[${PROXY_SECTIONS[p]}]`, `server_address = ${e.host}`, `server_port = ${e.port}`);
    if (e.tls === "starttls") out.push("starttls = True");
    out.push("");
  }
  for (const m of s.mailboxes) {
    out.push(
      `[${m.address}]`,
      `token_url = ${s.tokenEndpoint}`,
      `oauth2_scope = ${s.scope}`,
      "oauth2_flow = client_credentials",
      `client_id = ${s.clientId}`,
      s.clientSecret !== undefined
        ? `client_secret = ${s.clientSecret}`
        : "; client_secret: not written (npm run consumer-config -- --include-secret --out <file>)",
      "",
    );
  }
  return out.join("\n");
}

function msalDotnet(s: ConsumerSettings): string {
  const instance = new URL(s.tokenEndpoint).origin + "/";
  const doc = {
    AzureAd: {
      Instance: instance,
      TenantId: s.tenantId,
      ClientId: s.clientId,
      ...(s.clientSecret !== undefined ? { ClientSecret: s.clientSecret } : {}),
    },
    Mail: {
      Scopes: [s.scope],
      TokenEndpoint: s.tokenEndpoint,
      ...Object.fromEntries(
        Object.entries(s.servers).map(([p, e]) => [
          p[0].toUpperCase() + p.slice(1),
          { Host: e.host, Port: e.port, Tls: e.tls === "starttls" ? "StartTls" : "SslOnConnect" },
        ]),
      ),
      Mailboxes: s.mailboxes.map((m) => ({ Address: m.address, Protocols: m.protocols })),
      ClientSecretExpiresAt: s.clientSecretExpiresAt,
      NextRotationAt: s.nextRotationAt,
    },
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

export function render(format: Format, s: ConsumerSettings): string {
  if (format === "env") return env(s);
  if (format === "email-oauth2-proxy") return emailOauth2Proxy(s);
  if (format === "msal-dotnet") return msalDotnet(s);
  return JSON.stringify(s, null, 2) + "\n";
}
