// The type names the stand-in module gives each cmdlet's output objects, and the format data
// Connect-ExchangeOnline loads for them unless -SkipLoadingFormatData (Connect-ExchangeOnline.md:
// "The SkipLoadingFormatData switch prevents downloading the format data for REST API
// connections"). The real module's objects arrive as CLIXML and carry "Deserialized.<type>";
// the type names below are Exchange's where a public transcript shows them, else inferred.

/** An output type: its name and the columns of its table view. */
interface OutputType {
  typeName: string;
  columns: string[];
}
const SERVICE_PRINCIPAL: OutputType = {
  typeName: "Microsoft.Exchange.Data.Directory.Management.ServicePrincipal",
  columns: ["DisplayName", "AppId", "ObjectId"],
};
const MAILBOX_ACE: OutputType = {
  typeName: "Microsoft.Exchange.Management.RecipientTasks.MailboxAcePresentationObject",
  columns: ["Identity", "User", "AccessRights", "IsInherited", "Deny"],
};
const RECIPIENT_PERMISSION: OutputType = {
  typeName: "Microsoft.Exchange.Management.RecipientTasks.RecipientPermission",
  columns: ["Identity", "Trustee", "AccessControlType", "AccessRights", "Inherited"],
};

/** Output type name per cmdlet (without the "Deserialized." prefix the stand-in adds). */
export const OUTPUT_TYPES: Readonly<Record<string, OutputType>> = {
  "Get-ServicePrincipal": SERVICE_PRINCIPAL,
  "New-ServicePrincipal": SERVICE_PRINCIPAL,
  "Get-MailboxPermission": MAILBOX_ACE,
  "Add-MailboxPermission": MAILBOX_ACE,
  "Get-RecipientPermission": RECIPIENT_PERMISSION,
  "Add-RecipientPermission": RECIPIENT_PERMISSION,
  "Get-Mailbox": {
    typeName: "Microsoft.Exchange.Data.Directory.Management.Mailbox",
    columns: ["Name", "Alias", "PrimarySmtpAddress", "RecipientTypeDetails"],
  },
  "Get-CASMailbox": {
    typeName: "Microsoft.Exchange.Data.Directory.Management.CASMailbox",
    columns: ["Name", "PrimarySmtpAddress", "ImapEnabled", "PopEnabled"],
  },
  "Get-TransportConfig": {
    typeName: "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer",
    columns: ["Name", "SmtpClientAuthenticationDisabled"],
  },
};

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A Format.ps1xml with one table view per output type (Update-FormatData reads it). */
export function formatData(): string {
  const seen = new Set<string>();
  const views: string[] = [];
  for (const { typeName, columns } of Object.values(OUTPUT_TYPES)) {
    if (seen.has(typeName)) continue;
    seen.add(typeName);
    const headers = columns.map((c) => `<TableColumnHeader><Label>${xml(c)}</Label></TableColumnHeader>`);
    const items = columns.map(
      (c) => `<TableColumnItem><PropertyName>${xml(c)}</PropertyName></TableColumnItem>`,
    );
    views.push(
      `<View><Name>${xml(typeName)}</Name><ViewSelectedBy><TypeName>Deserialized.${xml(typeName)}</TypeName></ViewSelectedBy>` +
        `<TableControl><TableHeaders>${headers.join("")}</TableHeaders>` +
        `<TableRowEntries><TableRowEntry><TableColumnItems>${items.join("")}</TableColumnItems></TableRowEntry></TableRowEntries></TableControl></View>`,
    );
  }
  return `<?xml version="1.0" encoding="utf-8"?>\n<Configuration><ViewDefinitions>${views.join("\n")}</ViewDefinitions></Configuration>\n`;
}
