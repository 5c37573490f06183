// Hand edits in Exchange: what an admin does outside the stack (Exchange admin center, a PowerShell
// session), for tests and the demo to rehearse the next run after it. Each edit changes the
// tenant state's `exchange` part directly, as Exchange would after the admin's cmdlet (the row
// shapes are the simulator's: docs/offline-tenant.md, "The Exchange simulator and fake pwsh"), and
// throws naming what it could not find. Apply one on the shared file under its lock:
//
//   updateState(statePath, (s) => removeMailboxPermission(s, "billing@contoso.com", ourSid));
//   updateState(statePath, (s) => grantMailboxAccess(s, "billing@contoso.com", MAIL_ADMINS));
import type { ExchangeMailbox, MailboxPermissionRow, TenantState } from "../state";

/** A principal that is not the stack's (a group of admins): its grants must survive every run. */
export interface OtherPrincipal {
  /** As Exchange shows it in `User` / `Trustee`, e.g. `CONTOSO\helpdesk-admins`. */
  user: string;
  sid: string;
}

function mailbox(state: TenantState, address: string, what: string): ExchangeMailbox {
  const m = state.exchange.mailboxes.find((x) => x.address === address.toLowerCase());
  if (!m) throw new Error(`Hand edit: ${what} on ${address}: no such mailbox in the tenant`);
  return m;
}

/**
 * `Remove-MailboxPermission -Identity <address> -User <principal> -AccessRights FullAccess`: removes
 * the explicit FullAccess row of the principal with SID `userSid`. Returns the removed row.
 */
export function removeMailboxPermission(
  state: TenantState,
  address: string,
  userSid: string,
): MailboxPermissionRow {
  const m = mailbox(state, address, "removing FullAccess");
  const row = m.permissions.find(
    (r) => r.UserSid === userSid && !r.IsInherited && !r.Deny && r.AccessRights.includes("FullAccess"),
  );
  if (!row) throw new Error(`Hand edit: removing FullAccess on ${address}: ${userSid} has none`);
  m.permissions = m.permissions.filter((r) => r !== row);
  return row;
}

/**
 * `Add-MailboxPermission -AccessRights FullAccess` and `Add-RecipientPermission -AccessRights SendAs`
 * for someone else's principal, as an admin grants a group by hand.
 */
export function grantMailboxAccess(state: TenantState, address: string, who: OtherPrincipal): void {
  grantByHand(state, address, who, ["FullAccess", "SendAs"]);
}

/** A mailbox's protocol switches (`Set-CASMailbox`): only the ones given change. */
export interface CasMailboxSwitches {
  ImapEnabled?: boolean;
  PopEnabled?: boolean;
  /** null = follow the organization's setting (authenticated-client-smtp-submission). */
  SmtpClientAuthenticationDisabled?: boolean | null;
}

/**
 * `Set-CASMailbox -Identity <address> [-ImapEnabled $x] [-PopEnabled $x] [-SmtpClientAuthenticationDisabled $x]`,
 * as an admin turns a protocol off (or on) for one mailbox.
 */
export function setCasMailbox(state: TenantState, address: string, switches: CasMailboxSwitches): void {
  const m = mailbox(state, address, "Set-CASMailbox");
  if (switches.ImapEnabled !== undefined) m.ImapEnabled = switches.ImapEnabled;
  if (switches.PopEnabled !== undefined) m.PopEnabled = switches.PopEnabled;
  if (switches.SmtpClientAuthenticationDisabled !== undefined)
    m.SmtpClientAuthenticationDisabled = switches.SmtpClientAuthenticationDisabled;
}

/** `Set-TransportConfig -SmtpClientAuthenticationDisabled $x`: SMTP AUTH for the whole tenant. */
export function setTransportConfig(state: TenantState, smtpClientAuthenticationDisabled: boolean): void {
  state.exchange.transportConfig.SmtpClientAuthenticationDisabled = smtpClientAuthenticationDisabled;
}

/**
 * An admin grants a principal rights on a mailbox by hand, outside any stack:
 * `Add-MailboxPermission -Identity <address> -User <principal> -AccessRights FullAccess` and/or
 * `Add-RecipientPermission -Identity <address> -Trustee <principal> -AccessRights SendAs`. With our
 * application's principal (`who.sid` = its Exchange Sid), this is the grant `plan --scan` must find.
 */
export function grantByHand(
  state: TenantState,
  address: string,
  who: OtherPrincipal,
  rights: readonly ("FullAccess" | "SendAs")[],
): void {
  const m = mailbox(state, address, `granting ${rights.join(" and ")}`);
  const identity = address.split("@")[0];
  if (rights.includes("FullAccess"))
    m.permissions.push({
      Identity: identity,
      User: who.user,
      UserSid: who.sid,
      AccessRights: ["FullAccess"],
      IsInherited: false,
      Deny: false,
      InheritanceType: "All",
    });
  if (rights.includes("SendAs"))
    m.recipientPermissions.push({
      Identity: identity,
      Trustee: who.user,
      TrusteeSidString: who.sid,
      AccessControlType: "Allow",
      AccessRights: ["SendAs"],
      IsInherited: false,
      InheritanceType: "None",
    });
}
