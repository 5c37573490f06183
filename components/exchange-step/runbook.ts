// The Exchange step as PowerShell an admin runs by hand (connection "manual", or to see what
// the driver does). The tutorial's order — connect, register the service principal, query it,
// grant each mailbox, query the grants — with idempotent guards, so running it twice changes
// nothing. No secrets: the connect line uses placeholders. Pure; the Pulumi program imports it
// (docs/exchange-step.md, "Manual connection").
//
// What the text guarantees (docs/security.md, "The runbook"): every value in it (ids, display
// name, organization, addresses, a record's addresses) is first checked by the rule the stack
// config applies (./rules.ts) — renderRunbook refuses anything else, whoever calls it — and then
// appears ONLY inside a PowerShell single-quoted literal (psQuote), never in a comment or a bare
// word. The commands it runs are fixed by this file, whatever the values hold.
import { normaliseAddress } from "../identifiers";
import { EXO_MODULE_MIN_VERSION, EXO_MODULE_NAME } from "../microsoft";
import { MAILBOX_ADDRESS_RULE, ORGANIZATION_RULE, problemWith } from "./rules";
import type { DesiredState, ManagedMailbox } from "./state";
import { desiredProblems, itemSuffix, renderProblem, type SettingsProblem } from "./validate";

/** What the runbook shows when the organization is not known (`npm run exchange -- runbook` without it). */
export const ORGANIZATION_PLACEHOLDER = "<tenant>.onmicrosoft.com";

export interface RunbookOptions {
  /**
   * The tenant's .onmicrosoft.com domain. Absent (or ORGANIZATION_PLACEHOLDER itself): the
   * runbook shows the placeholder for the admin to fill in.
   */
  organization?: string;
  /** Mailboxes granted before and no longer desired (from a record): revoked at the end. */
  revoke?: ManagedMailbox[];
}

/** Every problem with the runbook's inputs, each naming the input; renderRunbook throws it. */
export class RunbookInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Rendering the Exchange runbook:\n  - ${problems.join("\n  - ")}`);
    this.name = "RunbookInputError";
  }
}

/**
 * The problems with the runbook's inputs, by the rules the stack config and the driver apply
 * (./validate.ts): "displayName: …", "mailboxes[0].address: …", "organization: …",
 * "revoke[0].address (from the previous record): …". Empty when it can be rendered.
 */
export function runbookProblems(desired: DesiredState, opts: RunbookOptions): string[] {
  const problems: SettingsProblem[] = desiredProblems(desired);
  const org = opts.organization;
  if (org !== undefined && org !== ORGANIZATION_PLACEHOLDER) {
    const message = problemWith(ORGANIZATION_RULE, org);
    if (message) problems.push({ field: "organization", message, value: org });
  }
  const named = problems.map((p) => renderProblem(p, (q) => `${q.field}${itemSuffix(q)}`));
  (opts.revoke ?? []).forEach((r, i) => {
    const message = problemWith(MAILBOX_ADDRESS_RULE, r.address);
    if (message)
      named.push(
        renderProblem(
          { field: "mailboxes", index: i, key: "address", message, value: r.address },
          (q) => `revoke${itemSuffix(q)} (from the previous record)`,
        ),
      );
  });
  return named;
}

/** Single-quote characters, as PowerShell's tokenizer knows them (docs/security.md, "The runbook"). */
const SINGLE_QUOTES = /['\u2018\u2019\u201a\u201b]/g;

/**
 * A PowerShell single-quoted (verbatim) literal whose value is exactly `text`. PowerShell reads
 * any of ' ‘ ’ ‚ ‛ as a single quote, and inside the literal a quote followed by another quote
 * stands for the SECOND one (tokenizer.cs ScanStringLiteral): so each quote is doubled as itself
 * — ’ as ’’, never as '' (which would read back as ', another mailbox). Nothing else is special
 * in a verbatim literal: `$`, backticks, double quotes and newlines are taken as they are.
 */
export function psQuote(text: string): string {
  return `'${text.replace(SINGLE_QUOTES, "$&$&")}'`;
}

/**
 * The runbook's text. @throws RunbookInputError when an input breaks the rules the stack config
 * applies (runbookProblems): nothing is rendered from a value that was not checked.
 */
export function renderRunbook(desired: DesiredState, opts: RunbookOptions = {}): string {
  const problems = runbookProblems(desired, opts);
  if (problems.length) throw new RunbookInputError(problems);
  const organization =
    opts.organization === undefined || opts.organization === ORGANIZATION_PLACEHOLDER
      ? ORGANIZATION_PLACEHOLDER
      : opts.organization.trim().toLowerCase();
  const L: string[] = [];
  const q = psQuote;
  L.push(
    `# exo-oauth — the Exchange Online step, by hand.`,
    `# Needs PowerShell 7.4+ and ${EXO_MODULE_NAME} ${EXO_MODULE_MIN_VERSION}+; an admin with the Exchange Administrator role.`,
    `# Idempotent: every change is guarded by a read, so running it again changes nothing.`,
    `$ErrorActionPreference = 'Stop'`,
    ``,
    `# 1. Connect (replace the placeholder with your admin account).`,
    `Import-Module ${EXO_MODULE_NAME} -MinimumVersion ${EXO_MODULE_MIN_VERSION}`,
    `Connect-ExchangeOnline -UserPrincipalName ${q(`<admin@${organization}>`)} -Organization ${q(organization)} -ShowBanner:$false`,
    ``,
    `# 2. Register the application's service principal in Exchange.`,
    `#    -ObjectId is the ENTERPRISE APPLICATION's (service principal's) object id, not the app registration's.`,
    `$appId = ${q(desired.appId.trim().toLowerCase())}`,
    `$objectId = ${q(desired.servicePrincipalObjectId.trim().toLowerCase())}`,
    `$displayName = ${q(desired.displayName)}`,
    `# Look it up by AppId (-Identity with an empty value would return every object).`,
    `$sp = Get-ServicePrincipal | Where-Object { $_.AppId -eq $appId }`,
    `if ($null -eq $sp) {`,
    `  $sp = New-ServicePrincipal -AppId $appId -ObjectId $objectId -DisplayName $displayName`,
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
      `$mailbox = ${q(normaliseAddress(mb.address))}`,
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
      L.push(`$mailbox = ${q(normaliseAddress(r.address))}`);
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
    `foreach ($mailbox in @(${desired.mailboxes.map((m) => q(normaliseAddress(m.address))).join(", ")})) {`,
    `  Get-MailboxPermission -Identity $mailbox -User $sp.ObjectId | Format-Table -Property 'Identity', 'User', 'AccessRights', 'IsInherited', 'Deny'`,
    `}`,
    ``,
    `Disconnect-ExchangeOnline -Confirm:$false`,
    ``,
  );
  return L.join("\n");
}
