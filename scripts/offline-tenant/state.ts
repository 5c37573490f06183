// The offline tenant: one JSON document on disk shared by every double (design.md,
// "One tenant state for all doubles"). `entra` is written by the Graph-rules mock and read
// by the token issuer; `exchange` is written by the Exchange simulator and read by the
// mail peers' checker. So a chain run fails exactly where a real tenant would.
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_DISPLAY_NAME,
  KNOWN_ROLE_IDS,
} from "../../components/microsoft";

export interface EntraApplication {
  objectId: string;
  clientId: string;
  displayName: string;
  /** Role ids requested in requiredResourceAccess, by resource appId. */
  requiredRoles?: Record<string, string[]>;
  /** signInAudience (Graph's default AzureADMyOrg when unset). */
  signInAudience?: string;
  /** Object ids of the owners. */
  owners?: string[];
  /** Free text on the app registration. */
  notes?: string;
}
export interface EntraServicePrincipal {
  objectId: string;
  clientId: string;
  displayName: string;
  /** Only resource SPs (Exchange Online) publish roles. `isEnabled` false: disabled (Graph appRole). Default true. */
  appRoles?: { id: string; value: string; isEnabled?: boolean }[];
  /** false: sign-in disabled (an admin disabled the enterprise application). Default true. */
  accountEnabled?: boolean;
  /** Graph's appRoleAssignmentRequired ("Assignment required?"). Default false. */
  appRoleAssignmentRequired?: boolean;
  /** Object ids of the owners. */
  owners?: string[];
  /** Free text on the enterprise application. */
  notes?: string;
}
export interface EntraPassword {
  applicationObjectId: string;
  keyId: string;
  displayName?: string;
  /** sha256 hex of the secret value: the value itself is never stored. */
  secretSha256: string;
  startDate: string;
  endDate: string;
}
export interface EntraCertificate {
  applicationObjectId: string;
  keyId: string;
  /** base64url SHA-256 of the certificate DER (the `x5t#S256` a client assertion carries). */
  thumbprintSha256: string;
  pem: string;
  endDate: string;
}
export interface EntraAppRoleAssignment {
  id: string;
  principalObjectId: string;
  resourceObjectId: string;
  appRoleId: string;
}
/** A domain of the directory (Graph `domain`: id = the name). */
export interface EntraDomain {
  id: string;
  isVerified: boolean;
  /** The `<name>.onmicrosoft.com` domain Entra created with the tenant. */
  isInitial: boolean;
  isDefault: boolean;
  supportedServices: string[];
}
export interface EntraState {
  /** The directory's domains; a state written before they were modelled has none (the initial domain = `organization`). */
  domains?: EntraDomain[];
  applications: EntraApplication[];
  servicePrincipals: EntraServicePrincipal[];
  passwords: EntraPassword[];
  certificates: EntraCertificate[];
  appRoleAssignments: EntraAppRoleAssignment[];
}

/** Get-ServicePrincipal's object (contract: "Exchange service principal object"). */
export interface ExchangeServicePrincipal {
  AppId: string;
  ObjectId: string;
  Identity: string;
  DisplayName: string;
  Name: string;
  Sid: string;
}
/** Get-MailboxPermission's row. */
export interface MailboxPermissionRow {
  Identity: string;
  User: string;
  UserSid: string;
  AccessRights: string[];
  IsInherited: boolean;
  Deny: boolean;
  InheritanceType: string;
}
/** Get-RecipientPermission's row. */
export interface RecipientPermissionRow {
  Identity: string;
  Trustee: string;
  TrusteeSidString: string;
  AccessControlType: "Allow" | "Deny";
  AccessRights: string[];
  IsInherited: boolean;
  InheritanceType: string;
}
export interface ExchangeMailbox {
  /** PrimarySmtpAddress. */
  address: string;
  /** DistinguishedName-like text used in Exchange's warnings. */
  distinguishedName: string;
  /** Get-Mailbox's DisplayName; absent = the alias. */
  displayName?: string;
  ImapEnabled: boolean;
  PopEnabled: boolean;
  /** null = follow the tenant's transport config. */
  SmtpClientAuthenticationDisabled: boolean | null;
  permissions: MailboxPermissionRow[];
  recipientPermissions: RecipientPermissionRow[];
}
export interface ExchangeState {
  servicePrincipals: ExchangeServicePrincipal[];
  mailboxes: ExchangeMailbox[];
  transportConfig: { SmtpClientAuthenticationDisabled: boolean };
}

export interface TenantState {
  tenantId: string;
  organization: string;
  entra: EntraState;
  exchange: ExchangeState;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A SID shaped like Exchange's (`S-1-5-21-a-b-c-rid`), stable per tenant. */
export function newSid(tenantId: string, rid: number): string {
  const h = createHash("sha256").update(tenantId).digest();
  const part = (i: number) => h.readUInt32BE(i * 4) % 4_000_000_000;
  return `S-1-5-21-${part(0)}-${part(1)}-${part(2)}-${rid}`;
}

export interface NewTenantOptions {
  tenantId?: string;
  organization?: string;
  /** Mailbox addresses that exist in the tenant. */
  mailboxes?: string[];
  /** Role values the tenant's Exchange SP publishes (default: all of KNOWN_ROLE_IDS). */
  exchangeRoles?: string[];
  /** Tenant-wide SMTP AUTH switch (default: enabled, i.e. false). */
  smtpClientAuthenticationDisabled?: boolean;
  /** Verified custom domains besides the initial `organization` (default: none). */
  customDomains?: string[];
}

/** A fresh tenant: Microsoft's Exchange Online SP with its roles, and the given mailboxes. */
export function newTenantState(opts: NewTenantOptions = {}): TenantState {
  const tenantId = opts.tenantId ?? randomUUID();
  const organization = opts.organization ?? "contoso.onmicrosoft.com";
  const roles = opts.exchangeRoles ?? Object.keys(KNOWN_ROLE_IDS);
  return {
    tenantId,
    organization,
    entra: {
      domains: [
        {
          id: organization,
          isVerified: true,
          isInitial: true,
          isDefault: true,
          supportedServices: ["Email", "OfficeCommunicationsOnline"],
        },
        ...(opts.customDomains ?? []).map((id) => ({
          id: id.toLowerCase(),
          isVerified: true,
          isInitial: false,
          isDefault: false,
          supportedServices: ["Email"],
        })),
      ],
      applications: [],
      servicePrincipals: [
        {
          objectId: randomUUID(),
          clientId: EXCHANGE_ONLINE_APP_ID,
          displayName: EXCHANGE_ONLINE_DISPLAY_NAME,
          appRoles: roles.map((value) => ({ id: KNOWN_ROLE_IDS[value] ?? randomUUID(), value })),
        },
      ],
      passwords: [],
      certificates: [],
      appRoleAssignments: [],
    },
    exchange: {
      servicePrincipals: [],
      mailboxes: (opts.mailboxes ?? []).map((address) => newMailbox(address, organization)),
      transportConfig: { SmtpClientAuthenticationDisabled: opts.smtpClientAuthenticationDisabled ?? false },
    },
  };
}

/** A mailbox as Exchange creates it: the default SELF rows, protocols on. */
export function newMailbox(address: string, organization: string): ExchangeMailbox {
  const alias = address.split("@")[0];
  const org = organization.split(".")[0];
  const dn = `CN=${alias},OU=${organization},OU=Microsoft Exchange Hosted Organizations,DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM`;
  return {
    address: address.toLowerCase(),
    distinguishedName: dn,
    ImapEnabled: true,
    PopEnabled: true,
    SmtpClientAuthenticationDisabled: null,
    permissions: [
      {
        Identity: alias,
        User: "NT AUTHORITY\\SELF",
        UserSid: "S-1-5-10",
        AccessRights: ["FullAccess", "ReadPermission"],
        IsInherited: false,
        Deny: false,
        InheritanceType: "All",
      },
      {
        Identity: alias,
        User: `${org.toUpperCase()}\\Organization Management`,
        UserSid: "S-1-5-21-3623811015-3361044348-30300820-1013",
        AccessRights: ["FullAccess"],
        IsInherited: true,
        Deny: true,
        InheritanceType: "All",
      },
    ],
    recipientPermissions: [
      {
        Identity: alias,
        Trustee: "NT AUTHORITY\\SELF",
        TrusteeSidString: "S-1-5-10",
        AccessControlType: "Allow",
        AccessRights: ["SendAs"],
        IsInherited: false,
        InheritanceType: "None",
      },
    ],
  };
}

export function readState(path: string): TenantState {
  return JSON.parse(readFileSync(path, "utf8")) as TenantState;
}

/** Atomic write: readers never see half a document. */
export function writeState(path: string, state: TenantState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2) + "\n");
}

/** Write `text` to a temp file beside `path`, then rename it over `path` (rename is atomic). */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Run `fn` holding the lock directory `${path}.lock` (mkdir is atomic), so several processes
 * doing read-modify-write on the same file never lose each other's changes. Waits up to
 * `timeoutMs` for the lock; `what` names the file in the timeout error ("Locking <what> <path>: …").
 */
export function withFileLock<T>(path: string, fn: () => T, timeoutMs = 10_000, what = "file"): T {
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (Date.now() > deadline)
        throw new Error(`Locking ${what} ${path}: ${lock} held for over ${timeoutMs} ms`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Read-modify-write of the tenant state under withFileLock, so two doubles writing the
 * same file never lose each other's changes. Waits up to `timeoutMs` for the lock.
 */
export function updateState<T>(path: string, fn: (state: TenantState) => T, timeoutMs = 10_000): T {
  return withFileLock(
    path,
    () => {
      const state = readState(path);
      const result = fn(state);
      writeState(path, state);
      return result;
    },
    timeoutMs,
    "tenant state",
  );
}
