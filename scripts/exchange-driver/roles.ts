// The Exchange management role each cmdlet the driver runs needs, and how an admin grants it
// (docs/microsoft-contract.md, "RBAC roles the cmdlets need"). Exchange hides a cmdlet the
// caller's roles do not grant: PowerShell then answers "The term '<cmdlet>' is not recognized",
// which reads like a missing module but is a missing role (docs/troubleshooting.md).
import type { ExchangeCmdlet } from "../../components/exchange-step/shim";

/** A management role and the built-in role group that holds it. */
export interface ExchangeRole {
  /** The management role (`Get-ManagementRole -Cmdlet <cmdlet>`). */
  role: string;
  /** A built-in role group holding it. */
  roleGroup: string;
}

const ROLE_MANAGEMENT: ExchangeRole = { role: "Role Management", roleGroup: "Organization Management" };
const MAIL_RECIPIENTS: ExchangeRole = { role: "Mail Recipients", roleGroup: "Recipient Management" };
const VIEW_ONLY_RECIPIENTS: ExchangeRole = {
  role: "View-Only Recipients",
  roleGroup: "View-Only Organization Management",
};
const VIEW_ONLY_CONFIGURATION: ExchangeRole = {
  role: "View-Only Configuration",
  roleGroup: "View-Only Organization Management",
};

/**
 * Sources (docs/microsoft-contract.md): `*-ServicePrincipal` → Role Management (a public
 * `Get-ManagementRole -Cmdlet New-ServicePrincipal` transcript, RoleType RoleManagement;
 * Microsoft365DSC EXOServicePrincipal); `*-MailboxPermission`, `*-RecipientPermission` → Mail
 * Recipients (Microsoft365DSC EXOMailboxPermission, EXORecipientPermission); reading mailboxes and
 * CAS settings → View-Only Recipients, the transport config → View-Only Configuration
 * (Microsoft365DSC EXOCASMailboxSettings, EXOTransportConfig, read roles).
 */
export const CMDLET_ROLES: Readonly<Record<string, ExchangeRole>> = {
  "Get-ServicePrincipal": ROLE_MANAGEMENT,
  "New-ServicePrincipal": ROLE_MANAGEMENT,
  "Remove-ServicePrincipal": ROLE_MANAGEMENT,
  "Get-MailboxPermission": MAIL_RECIPIENTS,
  "Add-MailboxPermission": MAIL_RECIPIENTS,
  "Remove-MailboxPermission": MAIL_RECIPIENTS,
  "Get-RecipientPermission": MAIL_RECIPIENTS,
  "Add-RecipientPermission": MAIL_RECIPIENTS,
  "Remove-RecipientPermission": MAIL_RECIPIENTS,
  "Get-Mailbox": VIEW_ONLY_RECIPIENTS,
  "Get-EXOMailbox": VIEW_ONLY_RECIPIENTS,
  "Get-CASMailbox": VIEW_ONLY_RECIPIENTS,
  "Get-TransportConfig": VIEW_ONLY_CONFIGURATION,
} satisfies Partial<Record<ExchangeCmdlet | "Get-TransportConfig", ExchangeRole>>;

/**
 * What to do about "The term '<cmdlet>' is not recognized": the role, and the two ways to grant it
 * to the automation identity (app-only-auth-powershell-v2: an Entra role, or an Exchange role
 * group / role assignment on its Exchange service principal).
 */
export function missingRoleAdvice(cmdlet: string): string {
  const r = CMDLET_ROLES[cmdlet];
  const role = r
    ? `the Exchange management role "${r.role}" (held by the role group "${r.roleGroup}")`
    : `an Exchange management role that holds it (find it with: Get-ManagementRole -Cmdlet ${cmdlet})`;
  const assign = r
    ? `New-ManagementRoleAssignment -Role "${r.role}" -App <ServiceId>, or Add-RoleGroupMember -Identity "${r.roleGroup}" -Member <ServiceId>`
    : `New-ManagementRoleAssignment -Role <role> -App <ServiceId>`;
  return (
    `Exchange hides cmdlets the caller's roles do not grant, so this is a missing role, not a missing module: ` +
    `the automation identity the driver signs in as needs ${role} for ${cmdlet}. Grant it: give the identity the ` +
    `Entra role Exchange Administrator, or, as an Exchange admin, register it (New-ServicePrincipal) and run ` +
    `${assign} (<ServiceId> from Get-ServicePrincipal). Then run again.`
  );
}
