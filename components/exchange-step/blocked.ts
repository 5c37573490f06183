// What turns a blocked protocol back on (docs/microsoft-contract.md, "Protocol switches"): the one
// Set-CASMailbox line for each switch the driver reports in the record's `blocked` list. The driver
// prints it (plan, apply) and verify names it as the cause; exo-oauth itself never runs it.
import type { BlockedProtocol } from "./state";

/** The `switch` value when the mailbox follows the tenant's SMTP AUTH setting (Get-TransportConfig). */
export const TENANT_SMTP_SWITCH = "TransportConfig.SmtpClientAuthenticationDisabled";

/** The Set-CASMailbox line that unblocks `b` for its mailbox alone, e.g. `Set-CASMailbox -Identity a@b -PopEnabled $true`. */
export function unblockCommand(b: BlockedProtocol): string {
  if (b.switch === TENANT_SMTP_SWITCH || b.switch === "SmtpClientAuthenticationDisabled")
    return `Set-CASMailbox -Identity ${b.mailbox} -SmtpClientAuthenticationDisabled $false`;
  return `Set-CASMailbox -Identity ${b.mailbox} -${b.switch} $true`;
}
