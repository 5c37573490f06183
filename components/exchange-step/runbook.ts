// The Exchange step as PowerShell an admin runs by hand (connection "manual", or to see what
// the driver does). The tutorial's order — connect, register the service principal, query it,
// grant each mailbox, query the grants — with idempotent guards, so running it twice changes
// nothing. No secrets: the connect line uses placeholders. Pure; the Pulumi program imports it
// (docs/exchange-step.md, "Manual connection").
import { normaliseAddress } from "../identifiers";
import { EXO_MODULE_MIN_VERSION, EXO_MODULE_NAME } from "../microsoft";
import type { DesiredState, ManagedMailbox } from "./state";

export interface RunbookOptions {
  /** The tenant's .onmicrosoft.com domain. */
  organization: string;
  /** Mailboxes granted before and no longer desired (from a record): revoked at the end. */
  revoke?: ManagedMailbox[];
}

/** A PowerShell single-quoted literal ('' escapes a quote). */
export function psQuote(text: string): string {
  return `'${text.replace(/['‘’‚‛]/g, "''")}'`;
}

export function renderRunbook(desired: DesiredState, opts: RunbookOptions): string {
  const L: string[] = [];
  const q = psQuote;
  L.push(
    `# exo-oauth — the Exchange Online step for ${desired.displayName}, by hand.`,
    `# Needs PowerShell 7.4+ and ${EXO_MODULE_NAME} ${EXO_MODULE_MIN_VERSION}+; an admin with the Exchange Administrator role.`,
    `# Idempotent: every change is guarded by a read, so running it again changes nothing.`,
    `$ErrorActionPreference = 'Stop'`,
    ``,
    `# 1. Connect (replace the placeholder with your admin account).`,
    `Import-Module ${EXO_MODULE_NAME} -MinimumVersion ${EXO_MODULE_MIN_VERSION}`,
    `Connect-ExchangeOnline -UserPrincipalName '<admin@${opts.organization}>' -Organization ${q(opts.organization)} -ShowBanner:$false`,
    ``,
    `# 2. Register the application's service principal in Exchange.`,
    `#    -ObjectId is the ENTERPRISE APPLICATION's (service principal's) object id, not the app registration's.`,
    `$appId = ${q(desired.appId)}`,
    `$objectId = ${q(desired.servicePrincipalObjectId)}`,
    `# Look it up by AppId (-Identity with an empty value would return every object).`,
    `$sp = Get-ServicePrincipal | Where-Object { $_.AppId -eq $appId }`,
    `if ($null -eq $sp) {`,
    `  $sp = New-ServicePrincipal -AppId $appId -ObjectId $objectId -DisplayName ${q(desired.displayName)}`,
    `} elseif ($sp.ObjectId -ne $objectId) {`,
    `  throw "Exchange already has a service principal for AppId $appId with ObjectId $($sp.ObjectId), expected $objectId; remove it with Remove-ServicePrincipal -Identity $($sp.ObjectId) -Confirm:\`$false first"`,
    `}`,
    ``,
    `# 3. Query the service principal.`,
    `$sp | Format-List -Property 'AppId', 'ObjectId', 'DisplayName', 'Sid'`,
  );

  L.push(
    ``,
    `# 4. Grant each mailbox. Our rows are the ones whose UserSid is the service principal's Sid`,
    `#    (the User column is a name); SELF, inherited and Deny rows are someone else's.`,
  );
  for (const mb of desired.mailboxes) {
    L.push(
      `$mailbox = ${q(mb.address)}`,
      `$granted = Get-MailboxPermission -Identity $mailbox -User $sp.ObjectId |`,
      `  Where-Object { $_.UserSid -eq $sp.Sid -and -not $_.IsInherited -and -not $_.Deny -and (($_.AccessRights -join ',') -match 'FullAccess') }`,
      `if (-not $granted) {`,
      `  Add-MailboxPermission -Identity $mailbox -User $sp.ObjectId -AccessRights FullAccess -InheritanceType All | Out-Null`,
      `}`,
    );
    if (mb.sendAs) {
      L.push(
        `$sendAs = Get-RecipientPermission -Identity $mailbox -Trustee $sp.ObjectId |`,
        `  Where-Object { $_.TrusteeSidString -eq $sp.Sid -and $_.AccessControlType -eq 'Allow' -and (($_.AccessRights -join ',') -match 'SendAs') }`,
        `if (-not $sendAs) {`,
        `  Add-RecipientPermission -Identity $mailbox -Trustee $sp.ObjectId -AccessRights SendAs -Confirm:$false | Out-Null`,
        `}`,
      );
    }
  }

  const revoke = (opts.revoke ?? []).filter(
    (r) => !desired.mailboxes.some((m) => normaliseAddress(m.address) === normaliseAddress(r.address)),
  );
  if (revoke.length) {
    L.push(``, `# 5. Revoke what this stack granted before and the config no longer lists.`);
    for (const r of revoke) {
      L.push(`$mailbox = ${q(r.address)}`);
      if (r.sendAs)
        L.push(
          `Remove-RecipientPermission -Identity $mailbox -Trustee $sp.ObjectId -AccessRights SendAs -Confirm:$false -WarningAction SilentlyContinue`,
        );
      if (r.fullAccess)
        L.push(
          `Remove-MailboxPermission -Identity $mailbox -User $sp.ObjectId -AccessRights FullAccess -InheritanceType All -Confirm:$false -WarningAction SilentlyContinue`,
        );
    }
  }

  L.push(
    ``,
    `# ${revoke.length ? 6 : 5}. Query the grants.`,
    `foreach ($mailbox in @(${desired.mailboxes.map((m) => q(m.address)).join(", ")})) {`,
    `  Get-MailboxPermission -Identity $mailbox -User $sp.ObjectId | Format-Table -Property 'Identity', 'User', 'AccessRights', 'IsInherited', 'Deny'`,
    `}`,
    ``,
    `Disconnect-ExchangeOnline -Confirm:$false`,
    ``,
  );
  return L.join("\n");
}
