// What a mail client needs to rehearse against the offline tenant `serve` runs — the authority and
// token URL, the CA to trust, the tenant and client ids, WHERE the client secret is (a 0600 file,
// never the secret itself), the mail servers and the mailboxes — as one JSON document and as text.
import { schemaName } from "../../cli/json";
import { OUTLOOK_SCOPE, type Protocol } from "../../../components/microsoft";
import type { MailboxConfig } from "../../../components/config";
import type { OfflineServices } from "../demo/services";

/**
 * The document `serve --json` prints once it serves: the connection inside the CLI kit's envelope
 * (scripts/cli/json.ts). @2: the envelope's `exitCode` added (0: serving).
 */
export const SERVE_SCHEMA = schemaName("offline-tenant-serve", 2);

export interface MailServer {
  host: string;
  port: number;
  /** "implicit" (TLS from the first byte, like 993/995) or "starttls" (like 587). */
  tls: string;
}

export interface Connection {
  simulated: true;
  tenantId: string;
  organization: string;
  /** The authority host a client is given (MSAL/@azure/identity `authorityHost`). */
  authorityHost: string;
  /** `<authorityHost>/<tenantId>`: MSAL's authority. */
  authority: string;
  tokenUrl: string;
  scope: string;
  /** PEM file with the token endpoint's and the mail servers' self-signed certificates. */
  caFile: string;
  clientId: string;
  /** A file only its owner may read (0600) holding the client secret. */
  clientSecretFile: string;
  servicePrincipalObjectId: string;
  imap: MailServer | null;
  pop: MailServer | null;
  smtp: MailServer;
  /** Why IMAP and POP are not served, and what installs them. */
  imapPopSkipped?: { reason: string; install: string };
  mailboxes: { address: string; protocols: Protocol[]; sendAs: boolean }[];
  /** What clients must do differently from Microsoft's cloud. */
  clientNotes: string[];
  /** The serving process: SIGINT or SIGTERM stops everything it started. */
  pid: number;
}

export function connectionOf(
  outputs: Record<string, unknown>,
  services: OfflineServices,
  clientSecretFile: string,
  organization: string,
): Connection {
  const tenantId = String(outputs.tenantId);
  const e = services.endpoints;
  const server = (p: { host: string; port: number; tls: string } | undefined) =>
    p ? { host: p.host, port: p.port, tls: p.tls } : null;
  return {
    simulated: true,
    tenantId,
    organization,
    authorityHost: services.issuer.url,
    authority: `${services.issuer.url}/${tenantId}`,
    tokenUrl: `${services.issuer.url}/${tenantId}/oauth2/v2.0/token`,
    scope: OUTLOOK_SCOPE,
    caFile: services.caFile,
    clientId: String(outputs.clientId),
    clientSecretFile,
    servicePrincipalObjectId: String(outputs.servicePrincipalObjectId),
    imap: server(e.imap),
    pop: server(e.pop),
    smtp: server(e.smtp)!,
    ...(services.imapPop
      ? { imapPopSkipped: { reason: services.imapPop.skipped, install: services.imapPop.install } }
      : {}),
    mailboxes: (outputs.mailboxes as MailboxConfig[]).map((m) => ({
      address: m.address,
      protocols: [...m.protocols],
      sendAs: m.sendAs,
    })),
    clientNotes: [
      "Trust caFile for the token endpoint and the mail servers (Node: tlsOptions.ca or NODE_EXTRA_CA_CERTS; .NET/OpenSSL: SSL_CERT_FILE).",
      "Turn instance discovery off: the authority is not a Microsoft cloud (@azure/identity disableInstanceDiscovery: true; MSAL.NET WithInstanceDiscovery(false)).",
      "XOAUTH2 user = the mailbox address; the token is for scope https://outlook.office365.com/.default, as with Exchange Online.",
      "Clients that take a token URL (email-oauth2-proxy: token_url, oauth2_flow = client_credentials) use tokenUrl directly.",
    ],
    pid: process.pid,
  };
}

/** The connection as text, for a person at a terminal. */
export function connectionText(c: Connection): string {
  const server = (name: string, s: MailServer | null) =>
    s
      ? `  ${name.padEnd(14)} ${s.host}:${s.port} (${s.tls === "implicit" ? "TLS" : "STARTTLS"})`
      : `  ${name.padEnd(14)} not served`;
  const lines = [
    "The offline tenant is up: a SIMULATED Microsoft 365 tenant, nothing reaches Microsoft.",
    `  tenant id      ${c.tenantId} (${c.organization})`,
    `  authority host ${c.authorityHost}`,
    `  token URL      ${c.tokenUrl}`,
    `  scope          ${c.scope}`,
    `  CA file        ${c.caFile}`,
    `  client id      ${c.clientId}`,
    `  client secret  in ${c.clientSecretFile} (mode 0600; never printed)`,
    server("IMAP", c.imap),
    server("POP", c.pop),
    server("SMTP", c.smtp),
    ...(c.imapPopSkipped
      ? [`  IMAP and POP: ${c.imapPopSkipped.reason}`, `  to serve them: ${c.imapPopSkipped.install}`]
      : []),
    "  mailboxes:",
    ...c.mailboxes.map((m) => `    ${m.address}  ${m.protocols.join(", ")}${m.sendAs ? "  (SendAs)" : ""}`),
    "  for your client:",
    ...c.clientNotes.map((n) => `    - ${n}`),
    `Serving until Ctrl-C (or SIGTERM to pid ${c.pid}); then everything started here is stopped and removed.`,
  ];
  return lines.join("\n") + "\n";
}
