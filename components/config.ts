// The stack config contract (namespace `exo-oauth`): the zod schema and loadStackConfig().
// This file is the only reader of stack config. See README "Configure a tenant".
// STUB — the types below are the contract other parts code against; the schema and
// loaders are being written (issue #2).
import type { Protocol } from "./microsoft";

export interface MailboxConfig {
  /** Normalised to lower case. */
  address: string;
  /** A subset of StackConfig.protocols; the short form means all of them. */
  protocols: Protocol[];
  /** Grant SendAs on the mailbox (Add-RecipientPermission) too. Default false. */
  sendAs: boolean;
}

interface ExchangeCommon {
  /** PowerShell executable the Exchange driver spawns. Default "pwsh". */
  pwsh: string;
  /** How long the driver retries transient Exchange errors, in seconds. Default 600. */
  retryDeadlineSeconds: number;
}
export type ExchangeConfig =
  | (ExchangeCommon & {
      connection: "certificate";
      appId: string;
      /** base64 PFX; the config key must be a secret. */
      certificate: string;
      certificatePassword?: string;
    })
  | (ExchangeCommon & { connection: "managedIdentity"; managedIdentityAccountId?: string })
  | (ExchangeCommon & { connection: "accessToken"; accessTokenEnv: string })
  | { connection: "manual" };

export interface StackConfig {
  tenantId: string;
  organization: string;
  application: { displayName: string; owners: string[]; notes?: string };
  protocols: Protocol[];
  mailboxes: MailboxConfig[];
  secret: { rotationDays: number; graceDays: number };
  exchange: ExchangeConfig;
}
