// Microsoft's constants for app-only IMAP / POP / SMTP: the one source of truth.
// Facts and sources: docs/microsoft-contract.md (seen in Microsoft's docs:
// how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md,
// connect-exo-powershell-managed-identity.md, New-ServicePrincipal.md).

/** The three mail protocols this project grants, by their config names. */
export const PROTOCOLS = ["imap", "pop", "smtp"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** "Office 365 Exchange Online": the same appId in every tenant; its SP object id differs per tenant. */
export const EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000";
export const EXCHANGE_ONLINE_DISPLAY_NAME = "Office 365 Exchange Online";

/**
 * The Exchange Online application role (type `Role`) each protocol needs, by *value*.
 * SMTP's is `SMTP.SendAsApp` (the tutorial's `SMTP.AccessAsApp` does not exist).
 * Role ids are resolved from the tenant's Exchange SP `appRoleIds`, never assumed.
 */
export const PROTOCOL_ROLE: Readonly<Record<Protocol, string>> = {
  imap: "IMAP.AccessAsApp",
  pop: "POP.AccessAsApp",
  smtp: "SMTP.SendAsApp",
};

/** The SMTP role the seed tutorial names, which does not exist (the real one is SMTP.SendAsApp). */
export const NONEXISTENT_SMTP_ROLE = "SMTP.AccessAsApp";

/**
 * Role ids as published (IMAP/POP/SMTP: community manifests; Exchange.ManageAsApp and
 * full_access_as_app: official). Used only by the offline doubles to build a realistic
 * Exchange SP; the program resolves ids by value from the tenant.
 */
export const KNOWN_ROLE_IDS: Readonly<Record<string, string>> = {
  "IMAP.AccessAsApp": "5e5addcd-3e8d-4e90-baf5-964efab2b20a",
  "POP.AccessAsApp": "cb842b43-da6e-4506-86fe-bb12199c656d",
  "SMTP.SendAsApp": "7146a1f0-8703-45b3-9eae-527a64c00995",
  "Exchange.ManageAsApp": "dc50a0fb-09a3-484d-be87-e023b12c6440",
  full_access_as_app: "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
};

/** Client-credentials scope for IMAP/POP/SMTP (a Graph `.default` token will not work). */
export const OUTLOOK_SCOPE = "https://outlook.office365.com/.default";
/** The `aud` claim of an access token for that scope. */
export const OUTLOOK_AUDIENCE = "https://outlook.office365.com";

export const AUTHORITY_HOST = "https://login.microsoftonline.com";
export function tokenEndpoint(tenantId: string, authorityHost: string = AUTHORITY_HOST): string {
  return `${authorityHost.replace(/\/+$/, "")}/${tenantId}/oauth2/v2.0/token`;
}

/** Exchange Online's mail endpoints. */
export const MAIL_ENDPOINTS: Readonly<
  Record<Protocol, { host: string; port: number; tls: "implicit" | "starttls" }>
> = {
  imap: { host: "outlook.office365.com", port: 993, tls: "implicit" },
  pop: { host: "outlook.office365.com", port: 995, tls: "implicit" },
  smtp: { host: "smtp.office365.com", port: 587, tls: "starttls" },
};

/** Entra's cap on a client secret's lifetime (24 months), in days. */
export const MAX_SECRET_LIFETIME_DAYS = 730;

/**
 * ExchangeOnlineManagement: REST cmdlets on Linux need 3.0.0+, -AccessToken 3.1.0+; the shim needs
 * PowerShell 7.4+, where Microsoft supports the module from 3.5.0 (3.5–3.9 on 7.4, 3.10+ on 7.6):
 * docs/microsoft-contract.md, "Connecting to Exchange Online PowerShell"; docs/powershell-tier.md.
 */
export const EXO_MODULE_NAME = "ExchangeOnlineManagement";
export const EXO_MODULE_MIN_VERSION = "3.5.0";

/** Microsoft Graph as a token resource (a Graph `.default` token will not open a mailbox). */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const MICROSOFT_GRAPH_AUDIENCE = "https://graph.microsoft.com";

/**
 * Entra ID token-endpoint error codes (`AADSTSnnn`) the verify tool explains and the offline
 * token issuer returns. Seen in Microsoft's AADSTS error-code reference (learn.microsoft.com,
 * reference-error-codes); the bodies as measured: docs/microsoft-contract.md ("Tokens").
 */
export const AADSTS = {
  /** Tenant not found (discovery document and token endpoint). */
  TENANT_NOT_FOUND: 90002,
  /** Application with identifier … was not found in the directory …. */
  APPLICATION_NOT_FOUND: 700016,
  /** Invalid client secret: the secret ID was sent, or the value is wrong. */
  INVALID_CLIENT_SECRET: 7000215,
  /** The provided client secret keys are expired. */
  CLIENT_SECRET_EXPIRED: 7000222,
  /** Neither client_secret nor client_assertion in the request. */
  MISSING_CLIENT_CREDENTIAL: 7000218,
  /** The client application is missing a service principal in the tenant. */
  MISSING_SERVICE_PRINCIPAL: 7000229,
  /** Client credential flows need a scope ending in `/.default`. */
  SCOPE_NOT_DEFAULT: 1002012,
  /** The scope parameter is missing or not valid. */
  INVALID_SCOPE: 70011,
  /** The resource principal was not found in the tenant. */
  RESOURCE_NOT_FOUND: 500011,
  /** Grant type not supported. */
  UNSUPPORTED_GRANT_TYPE: 70003,
  /** Client assertion: invalid signature / key not found / key expired. */
  ASSERTION_INVALID_SIGNATURE: 700027,
  /** Client assertion: `iss` is not the client id. */
  ASSERTION_INVALID_ISSUER: 700021,
  /** Client assertion: `aud` is not the token endpoint. */
  ASSERTION_INVALID_AUDIENCE: 700023,
  /** Client assertion outside its valid time range. */
  ASSERTION_EXPIRED: 700024,
} as const;
