// What the Exchange step is asked for and what it says it manages (docs/exchange-step.md,
// "Settings" and "The record"). The desired state travels in the Command's environment
// (./environment.ts); the managed state is the record the driver prints (./record.ts).
// `appId` here is always the MAIL application's client id (New-ServicePrincipal -AppId), never
// the automation identity's (that one is `automationAppId`, ./settings.ts). Pure types.

/** One mailbox the stack should grant, with its per-mailbox options. */
export interface DesiredMailbox {
  /** Lower-case primary SMTP address. */
  address: string;
  /** Also grant SendAs (Add-RecipientPermission). */
  sendAs: boolean;
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

/** What the previous successful run says it manages (its stdout, ./record.ts). */
export interface ManagedState {
  /** The mail application's (client) id the record speaks for. */
  appId: string;
  /** The Exchange service principal this stack registered or adopted, by the object id it carries. */
  servicePrincipal: { objectId: string; sid: string; displayName: string } | null;
  mailboxes: ManagedMailbox[];
}
