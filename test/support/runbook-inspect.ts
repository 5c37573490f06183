// Reads a rendered runbook back as PowerShell would and says whether it does exactly what its
// inputs asked for: the command list (tree-sitter-powershell) is the expected cmdlets in order,
// and each value's single-quoted literal evaluates (PowerShell's rule, ./powershell-syntax.ts) to
// the value given. Used by the runbook tests and the hostile-input corpus.
import { normaliseAddress } from "../../components/identifiers";
import { assignedLiterals, commandNames, parameterLiterals, parsePowerShell } from "./powershell-syntax";

/** What the runbook was rendered from. */
export interface RunbookInputs {
  appId: string;
  servicePrincipalObjectId: string;
  displayName: string;
  /** undefined: the placeholder. */
  organization?: string;
  mailboxes: { address: string; sendAs: boolean }[];
  revoke?: { address: string; fullAccess: boolean; sendAs: boolean }[];
}

/**
 * The cmdlets a runbook for these inputs runs, in document order: written from the tutorial's
 * steps, independently of the renderer.
 */
export function expectedCommands(i: RunbookInputs): string[] {
  const out = ["Import-Module", "Connect-ExchangeOnline"];
  out.push("Get-ServicePrincipal", "Where-Object", "New-ServicePrincipal", "Format-List");
  for (const m of i.mailboxes) {
    out.push("Get-MailboxPermission", "Where-Object", "Add-MailboxPermission", "Out-Null");
    if (m.sendAs) out.push("Get-RecipientPermission", "Where-Object", "Add-RecipientPermission", "Out-Null");
  }
  const desired = new Set(i.mailboxes.map((m) => normaliseAddress(m.address)));
  const revoke = (i.revoke ?? []).filter((r) => !desired.has(normaliseAddress(r.address)));
  for (const r of revoke) {
    if (r.sendAs) out.push("Remove-RecipientPermission");
    if (r.fullAccess) out.push("Remove-MailboxPermission");
  }
  out.push("Get-MailboxPermission", "Format-Table", "Disconnect-ExchangeOnline");
  return out;
}

/** What differs between the runbook and its inputs; empty when it does exactly what they ask. */
export async function runbookDifferences(text: string, i: RunbookInputs): Promise<string[]> {
  const root = await parsePowerShell(text);
  const out: string[] = [];
  if (root.hasError) out.push("tree-sitter-powershell finds a syntax error");
  const commands = commandNames(root);
  const expected = expectedCommands(i);
  if (JSON.stringify(commands) !== JSON.stringify(expected))
    out.push(`commands ${JSON.stringify(commands)}, expected ${JSON.stringify(expected)}`);
  let assigned: Map<string, string[]>;
  let organization: string[];
  try {
    assigned = assignedLiterals(root);
    organization = parameterLiterals(root, "Connect-ExchangeOnline", "Organization");
  } catch (err) {
    return [...out, (err as Error).message];
  }
  const same = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
      out.push(`${what} evaluates to ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  same("$displayName", assigned.get("$displayName"), [i.displayName]);
  same("$appId", assigned.get("$appId"), [i.appId.trim().toLowerCase()]);
  same("$objectId", assigned.get("$objectId"), [i.servicePrincipalObjectId.trim().toLowerCase()]);
  same("-Organization", organization, [i.organization?.trim().toLowerCase() ?? "<tenant>.onmicrosoft.com"]);
  const desired = new Set(i.mailboxes.map((m) => normaliseAddress(m.address)));
  same("$mailbox", assigned.get("$mailbox"), [
    ...i.mailboxes.map((m) => normaliseAddress(m.address)),
    ...(i.revoke ?? []).map((r) => normaliseAddress(r.address)).filter((a) => !desired.has(a)),
  ]);
  return out;
}
