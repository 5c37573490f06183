// The runbook an admin runs by hand: valid PowerShell, the tutorial's order, guarded, no secrets.
import { describe, expect, it } from "vitest";
import { renderRunbook, psQuote } from "../../../components/exchange-step/runbook";
import { parsePowerShell } from "../../support/powershell-syntax";

const desired = {
  appId: "11111111-1111-4111-8111-111111111111",
  servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
  displayName: "Mail OAuth - O'Brien's desk",
  mailboxes: [
    { address: "helpdesk@contoso.com", sendAs: false },
    { address: "billing@contoso.com", sendAs: true },
  ],
};

describe("the runbook", () => {
  const text = renderRunbook(desired, {
    organization: "contoso.onmicrosoft.com",
    revoke: [{ address: "old@contoso.com", fullAccess: true, sendAs: true }],
  });

  it("parses as PowerShell (tree-sitter-powershell)", async () => {
    expect((await parsePowerShell(text)).hasError).toBe(false);
  });

  it("the parser check is able to fail on broken PowerShell", async () => {
    expect((await parsePowerShell(text + "\nif ($x) { ")).hasError).toBe(true);
  });

  it("follows the tutorial's order: connect, register, query, grant, revoke, query", () => {
    const at = (s: string) => text.indexOf(s);
    const order = [
      "Connect-ExchangeOnline",
      "New-ServicePrincipal",
      "Format-List -Property 'AppId'",
      "Add-MailboxPermission -Identity $mailbox",
      "Add-RecipientPermission",
      "Remove-MailboxPermission",
      "Format-Table",
      "Disconnect-ExchangeOnline",
    ].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("registers with the service principal's object id via -ObjectId, never -ServiceId, looked up by AppId", () => {
    expect(text).toContain(`$objectId = '22222222-2222-4222-8222-222222222222'`);
    expect(text).toContain("New-ServicePrincipal -AppId $appId -ObjectId $objectId");
    expect(text).toContain("Get-ServicePrincipal | Where-Object { $_.AppId -eq $appId }");
    expect(text).not.toMatch(/-ServiceId/);
    expect(text).not.toMatch(/Get-ServicePrincipal -Identity/);
  });

  it("guards every change with a read so it is idempotent", () => {
    expect(text.match(/if \(-not \$granted\) \{\n\s+Add-MailboxPermission/g)).toHaveLength(2);
    expect(text.match(/if \(-not \$sendAs\) \{\n\s+Add-RecipientPermission/g)).toHaveLength(1);
    expect(text).toContain("if ($null -eq $sp) {");
  });

  it("grants SendAs only where asked", () => {
    expect(text.match(/Add-RecipientPermission/g)).toHaveLength(1);
    expect(text.slice(text.indexOf("'billing@contoso.com'"))).toContain("Add-RecipientPermission");
  });

  it("uses a placeholder to connect and quotes text safely", () => {
    expect(text).toContain("-UserPrincipalName '<admin@contoso.onmicrosoft.com>'");
    expect(text).toContain("$displayName = 'Mail OAuth - O''Brien''s desk'");
    expect(text).toContain("-DisplayName $displayName");
    expect(psQuote("a'b")).toBe("'a''b'");
  });
});
