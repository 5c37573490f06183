// What the driver's session and the PowerShell shim (scripts/exchange-driver/shim.ps1) agree on
// besides the JSON-lines protocol: the cmdlets the shim runs, and the environment variables that
// carry secrets into the pwsh process (docs/exchange-step.md, "Driver and shim"). A test holds
// shim.ps1's own lists to these. Pure.
import { DRIVER_ENV } from "./environment";

/** The cmdlets the shim runs (its allow-list; anything else is refused). */
export const ALLOWED_CMDLETS = [
  "Get-ServicePrincipal",
  "New-ServicePrincipal",
  "Remove-ServicePrincipal",
  "Get-MailboxPermission",
  "Add-MailboxPermission",
  "Remove-MailboxPermission",
  "Get-RecipientPermission",
  "Add-RecipientPermission",
  "Remove-RecipientPermission",
  "Get-Mailbox",
  "Get-EXOMailbox",
  "Get-CASMailbox",
  "Get-TransportConfig",
] as const;
export type ExchangeCmdlet = (typeof ALLOWED_CMDLETS)[number];

export function isAllowedCmdlet(name: string): name is ExchangeCmdlet {
  return (ALLOWED_CMDLETS as readonly string[]).includes(name);
}

/**
 * The variables carrying secrets from the driver to the shim (and the simulator), read once by
 * the shim and removed from its environment. The first two are the Command's own variables,
 * passed through; the token is copied from the variable EXO_OAUTH_ACCESS_TOKEN_ENV names.
 */
export const SHIM_SECRET_ENV = {
  /** base64 PFX (certificate mode). */
  certificate: DRIVER_ENV.certificate,
  /** Its password, if any (certificate mode). */
  certificatePassword: DRIVER_ENV.certificatePassword,
  /** The access token (accessToken mode). */
  accessToken: "EXO_OAUTH_ACCESS_TOKEN",
} as const;
