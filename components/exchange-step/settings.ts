// The ONE shape of the Exchange step's connection settings, from stack config to PowerShell:
// `exo-oauth:exchange` validates into ExchangeConfig, the Command's environment encodes it, the
// driver decodes the same shape and hands it to the session (docs/exchange-step.md, "Settings").
//
// Two applications are involved and are never called by the same name:
// - the MAIL application: the one this stack registers and grants; Exchange calls its client id
//   `AppId` (New-ServicePrincipal -AppId), so the desired state and the record say `appId`;
// - the AUTOMATION identity: what the driver signs in to Exchange Online PowerShell as
//   (Connect-ExchangeOnline -AppId); its client id is `automationAppId` in code (the stack config
//   key stays `exo-oauth:exchange.appId`, as deployed stacks have it).
// Pure: no Pulumi, no Node APIs.

/** `exo-oauth:exchange.connection`: how the driver signs in; "manual" runs nothing (a runbook instead). */
export const EXCHANGE_CONNECTIONS = ["certificate", "managedIdentity", "accessToken", "manual"] as const;
export type ExchangeConnection = (typeof EXCHANGE_CONNECTIONS)[number];

/** The PowerShell 7 executable the driver spawns, when none is set. */
export const DEFAULT_PWSH = "pwsh";

/** How long a run retries what Exchange may still change its mind about, in seconds. */
export const RETRY_DEADLINE_SECONDS = { default: 600, min: 30, max: 3600 } as const;

/** How the driver signs in to Exchange Online PowerShell: the AUTOMATION identity. */
export type ExchangeSignIn =
  | {
      connection: "certificate";
      /** The automation application's client id (Connect-ExchangeOnline -AppId). */
      automationAppId: string;
      /** base64 PFX. Secret. */
      certificate: string;
      /** The PFX password, if it has one. Secret. */
      certificatePassword?: string;
    }
  | {
      connection: "managedIdentity";
      /** A user-assigned identity's client id; absent = the system-assigned identity. */
      managedIdentityAccountId?: string;
    }
  | {
      connection: "accessToken";
      /** The NAME of the environment variable holding the token (the token is never in state). */
      accessTokenEnv: string;
    };

/** What every connecting mode also carries. */
export interface ExchangeRunOptions {
  /** PowerShell 7 executable (name or path). Default DEFAULT_PWSH. */
  pwsh: string;
  /** Budget of the run's retries and read-after-write checks, seconds. Default 600, 30..3600. */
  retryDeadlineSeconds: number;
}

/** `exo-oauth:exchange`, validated and normalised. */
export type ExchangeConfig = (ExchangeSignIn & ExchangeRunOptions) | { connection: "manual" };

/** What the driver's session needs to connect: the config's connecting modes plus the organization. */
export type ExchangeConnectionSettings = Exclude<ExchangeConfig, { connection: "manual" }> & {
  /** The tenant's initial domain, `<name>.onmicrosoft.com` (Connect-ExchangeOnline -Organization). */
  organization: string;
};
