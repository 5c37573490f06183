// The stack config's shapes (namespace `exo-oauth`): what the program gets once the config is
// valid (StackConfig), what it reads before validation (RawStackConfig), and the problems it
// reports (ConfigIssue). Every key, default and bound: docs/configuration.md.
import type { ExchangeConfig } from "../exchange-step/settings";
import type { Protocol } from "../microsoft";

export type { ExchangeConfig };

export const CONFIG_NAMESPACE = "exo-oauth";

export interface MailboxConfig {
  /** The mailbox's primary SMTP address, in lower case. */
  address: string;
  /**
   * A subset of StackConfig.protocols; the short form means all of them. The logins this mailbox
   * is meant to use (what verify checks): Exchange's FullAccess grant is not per protocol, so it
   * does not keep the application off the app's other protocols on this mailbox
   * (docs/configuration.md, "`mailboxes`").
   */
  protocols: Protocol[];
  /** Grant SendAs on the mailbox (Add-RecipientPermission) too. Default false. */
  sendAs: boolean;
}

export interface StackConfig {
  /** The tenant (directory) id, a GUID in lower case. */
  tenantId: string;
  /** The tenant's initial domain, `<name>.onmicrosoft.com`, in lower case. */
  organization: string;
  /** displayName defaults to `exo-oauth-<stack>`; owners are object ids (GUIDs), default none. */
  application: { displayName: string; owners: string[]; notes?: string };
  /** The protocols the application is granted, in the order imap, pop, smtp. Default all three. */
  protocols: Protocol[];
  mailboxes: MailboxConfig[];
  /**
   * Rotation period and grace, whole days, and the tenant's limit on a secret's life when set
   * (bounds and defaults: components/rotationSchedule.ts).
   */
  secret: { rotationDays: number; graceDays: number; maxLifetimeDays?: number };
  /** `exo-oauth:exchange`, normalised: the key `appId` becomes `automationAppId`. */
  exchange: ExchangeConfig;
}

/** The stack's `exo-oauth:*` config, before validation. */
export interface RawStackConfig {
  stack: string;
  /** Keys without the `exo-oauth:` prefix; objects/arrays JSON-parsed, other values as given. */
  values: Record<string, unknown>;
  /** Keys (without prefix) that Pulumi marks secret. */
  secretKeys: ReadonlySet<string>;
}

/** One problem: `path` like `exo-oauth:mailboxes[1].protocols[0]`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };
