// What the Exchange step is asked for and what it says it manages (docs/exchange-step.md,
// "Settings" and "The record"). The desired state travels in the Command's environment
// (./environment.ts); the managed state is the record the driver prints (./record.ts).
// `appId` here is always the MAIL application's client id (New-ServicePrincipal -AppId), never
// the automation identity's (that one is `automationAppId`, ./settings.ts). Pure types.
import type { Protocol } from "../microsoft";

/** One mailbox the stack should grant, with its per-mailbox options. */
export interface DesiredMailbox {
  /** Lower-case primary SMTP address. */
  address: string;
  /** Also grant SendAs (Add-RecipientPermission). */
  sendAs: boolean;
  /**
   * The protocols this mailbox is meant to log in with (config `exo-oauth:mailboxes[].protocols`):
   * the driver reads, read-only, the switches that can block them. Undefined = not told (an
   * environment written before the field existed): no switch is read.
   */
  protocols?: Protocol[];
}

/** What the config asks Exchange to hold. */
export interface DesiredState {
  /** The mail application's (client) id: New-ServicePrincipal -AppId. */
  appId: string;
  /** The ENTERPRISE APPLICATION's object id (the Entra service principal), never the app registration's. */
  servicePrincipalObjectId: string;
  /** New-ServicePrincipal -DisplayName. */
  displayName: string;
  mailboxes: DesiredMailbox[];
}

/** One mailbox as a record lists it: which of the grants this stack made. */
export interface ManagedMailbox {
  address: string;
  fullAccess: boolean;
  sendAs: boolean;
}

/**
 * A configured protocol that a switch in Exchange blocks for a mailbox (read, never changed):
 * `switch` is the property that blocks it — `ImapEnabled`, `PopEnabled` or
 * `SmtpClientAuthenticationDisabled` (Get-CASMailbox), or `TransportConfig.SmtpClientAuthenticationDisabled`
 * when the mailbox follows the tenant's setting (Get-TransportConfig). A stored shape: verify reads it.
 */
export interface BlockedProtocol {
  mailbox: string;
  protocol: "IMAP" | "POP" | "SMTP";
  switch: string;
}

/** What the previous successful run says it manages (its stdout, ./record.ts). */
export interface ManagedState {
  /** The mail application's (client) id the record speaks for. */
  appId: string;
  /** The Exchange service principal this stack registered or adopted, by the object id it carries. */
  servicePrincipal: { objectId: string; sid: string; displayName: string } | null;
  mailboxes: ManagedMailbox[];
  /** The configured protocols the run found blocked (absent when none or not read). */
  blocked?: BlockedProtocol[];
}
