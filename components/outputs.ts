// The stack's outputs in ONE place: every name, its type, whether it is a Pulumi secret, and what
// it means to a consumer. index.ts returns StackOutputs;
// the verify tool, the offline harness and the tests read StackOutputValues, the outputs as
// `pulumi stack output --json --show-secrets` prints them; the program reads its own previous
// ones back (previousOutputs.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { ManagedRecord } from "./exchange-step/record";
import type { MailboxConfig } from "./config";
import type { ExchangeConnection } from "./exchange-step/settings";
import type { Protocol } from "./microsoft";
import type { RotationRecord } from "./rotationTransition";

/** The outputs' values once resolved. Optional ones are exported in one Exchange mode only. */
export interface StackOutputValues {
  tenantId: string;
  clientId: string;
  servicePrincipalObjectId: string;
  clientSecret: string;
  clientSecretKeyId: string;
  clientSecretExpiresAt: string;
  nextRotationAt: string;
  tokenEndpoint: string;
  scope: string;
  protocols: Protocol[];
  mailboxes: MailboxConfig[];
  rotation: RotationRecord;
  exchangeConnection: ExchangeConnection;
  displayName: string;
  organization: string;
  exchangeRunbook?: string;
  exchangeRecord?: ManagedRecord;
}

export type StackOutputName = keyof StackOutputValues;

/** What the program returns: each output as a value or an Output of it. */
export type StackOutputs = { [K in keyof StackOutputValues]: pulumi.Input<StackOutputValues[K]> };

/** The outputs as read back from JSON someone else printed: names known, values to be checked. */
export type StackOutputsJson = { [K in StackOutputName]?: unknown };

export interface OutputInfo {
  /** A Pulumi secret: shown only with --show-secrets, encrypted in state. */
  secret: boolean;
  /** Exported always, or only in one Exchange mode. */
  exported: "always" | "manual" | "not manual";
  meaning: string;
}

/** Every output, in the order the program exports them. */
export const STACK_OUTPUTS: { readonly [K in StackOutputName]-?: OutputInfo } = {
  tenantId: { secret: false, exported: "always", meaning: "The tenant (directory) id, a GUID." },
  clientId: {
    secret: false,
    exported: "always",
    meaning: "The application (client) id the mail client signs in with.",
  },
  servicePrincipalObjectId: {
    secret: false,
    exported: "always",
    meaning:
      "The object id of the application's service principal (enterprise application): what Exchange's New-ServicePrincipal -ObjectId takes.",
  },
  clientSecret: {
    secret: true,
    exported: "always",
    meaning: "The published client secret's value; re-read it after every rotation.",
  },
  clientSecretKeyId: {
    secret: false,
    exported: "always",
    meaning: "The published secret's key id (the portal's Secret ID), not the secret.",
  },
  clientSecretExpiresAt: {
    secret: false,
    exported: "always",
    meaning: "When the published secret expires, RFC3339 whole seconds.",
  },
  nextRotationAt: {
    secret: false,
    exported: "always",
    meaning: "The first instant at which a `pulumi up` publishes a new secret, RFC3339 whole seconds.",
  },
  tokenEndpoint: {
    secret: false,
    exported: "always",
    meaning: "The tenant's OAuth 2.0 v2.0 token endpoint for the client-credentials grant.",
  },
  scope: {
    secret: false,
    exported: "always",
    meaning: "The scope to request: https://outlook.office365.com/.default.",
  },
  protocols: {
    secret: false,
    exported: "always",
    meaning: "The protocols the application is granted (imap, pop, smtp).",
  },
  mailboxes: {
    secret: false,
    exported: "always",
    meaning: "Each mailbox with the protocols it is meant to use and whether SendAs is granted.",
  },
  rotation: {
    secret: false,
    exported: "always",
    meaning:
      "The rotation record: the settings the secret slots were planned with (rotationDays, graceDays, anchor), and, after a settings change, the schedule's anchor and the passwords kept from the old settings: the next run continues from it.",
  },
  exchangeConnection: {
    secret: false,
    exported: "always",
    meaning: "How the Exchange step connected (certificate, managedIdentity, accessToken or manual).",
  },
  displayName: {
    secret: false,
    exported: "always",
    meaning:
      "The application's display name, which the Exchange step also gives New-ServicePrincipal -DisplayName (exo-oauth:application.displayName, default exo-oauth-<stack>).",
  },
  organization: {
    secret: false,
    exported: "always",
    meaning:
      "The tenant's initial domain, <name>.onmicrosoft.com, the Exchange step connects to (exo-oauth:organization).",
  },
  exchangeRunbook: {
    secret: false,
    exported: "manual",
    meaning: "The PowerShell an Exchange admin runs by hand (connection manual only).",
  },
  exchangeRecord: {
    secret: false,
    exported: "not manual",
    meaning: "What the Exchange step manages: the service principal and each mailbox's grants.",
  },
};

export const STACK_OUTPUT_NAMES = Object.keys(STACK_OUTPUTS) as StackOutputName[];
