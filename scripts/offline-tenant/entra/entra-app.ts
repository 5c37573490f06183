// Registers an application in the offline tenant state the way the stack does in Entra ID:
// application + service principal, optional client secret (only its SHA-256 is stored) and
// certificate, and admin consent = one app-role assignment per Exchange Online role value.
// Used by tests and the demo to set up the token issuer's world.
import { randomUUID } from "node:crypto";
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import { sha256Hex, type EntraApplication, type EntraServicePrincipal, type TenantState } from "../state";

export interface RegisterApplicationOptions {
  displayName?: string;
  /** Exchange Online role values to consent (e.g. IMAP.AccessAsApp). */
  roles?: string[];
  /** A client secret value; stored as its SHA-256 only. */
  secret?: string;
  secretStartDate?: Date;
  secretEndDate?: Date;
  /** A certificate credential (PEM + its base64url SHA-256 thumbprint). */
  certificate?: { certPem: string; thumbprintSha256: string; endDate: string };
}

export interface RegisteredApplication {
  application: EntraApplication;
  servicePrincipal: EntraServicePrincipal;
  secretKeyId?: string;
}

function exchangeSp(state: TenantState): EntraServicePrincipal {
  const sp = state.entra.servicePrincipals.find((s) => s.clientId === EXCHANGE_ONLINE_APP_ID);
  if (!sp)
    throw new Error(
      `Consenting roles: the tenant has no Office 365 Exchange Online service principal (${EXCHANGE_ONLINE_APP_ID})`,
    );
  return sp;
}

/** Adds the app-role assignments for `roles` (by value) on the Exchange Online SP; idempotent. */
export function consentRoles(state: TenantState, servicePrincipalObjectId: string, roles: string[]): void {
  const resource = exchangeSp(state);
  for (const value of roles) {
    const role = resource.appRoles?.find((r) => r.value === value);
    if (!role)
      throw new Error(
        `Consenting role ${value}: Office 365 Exchange Online publishes no role with that value`,
      );
    const exists = state.entra.appRoleAssignments.some(
      (a) =>
        a.principalObjectId === servicePrincipalObjectId &&
        a.resourceObjectId === resource.objectId &&
        a.appRoleId === role.id,
    );
    if (!exists)
      state.entra.appRoleAssignments.push({
        id: randomUUID(),
        principalObjectId: servicePrincipalObjectId,
        resourceObjectId: resource.objectId,
        appRoleId: role.id,
      });
  }
}

/** Removes the app-role assignments for `roles` (by value) on the Exchange Online SP. */
export function revokeRoles(state: TenantState, servicePrincipalObjectId: string, roles: string[]): void {
  const resource = exchangeSp(state);
  const ids = new Set(resource.appRoles?.filter((r) => roles.includes(r.value)).map((r) => r.id));
  state.entra.appRoleAssignments = state.entra.appRoleAssignments.filter(
    (a) =>
      !(
        a.principalObjectId === servicePrincipalObjectId &&
        a.resourceObjectId === resource.objectId &&
        ids.has(a.appRoleId)
      ),
  );
}

export function registerApplication(
  state: TenantState,
  opts: RegisterApplicationOptions = {},
): RegisteredApplication {
  const application: EntraApplication = {
    objectId: randomUUID(),
    clientId: randomUUID(),
    displayName: opts.displayName ?? "exo-oauth-offline",
  };
  const servicePrincipal: EntraServicePrincipal = {
    objectId: randomUUID(),
    clientId: application.clientId,
    displayName: application.displayName,
  };
  state.entra.applications.push(application);
  state.entra.servicePrincipals.push(servicePrincipal);
  let secretKeyId: string | undefined;
  if (opts.secret !== undefined) {
    secretKeyId = randomUUID();
    const start = opts.secretStartDate ?? new Date(Date.now() - 60_000);
    const end = opts.secretEndDate ?? new Date(start.getTime() + 90 * 86_400_000);
    state.entra.passwords.push({
      applicationObjectId: application.objectId,
      keyId: secretKeyId,
      displayName: "exo-oauth",
      secretSha256: sha256Hex(opts.secret),
      startDate: start.toISOString(),
      endDate: end.toISOString(),
    });
  }
  if (opts.certificate)
    state.entra.certificates.push({
      applicationObjectId: application.objectId,
      keyId: randomUUID(),
      thumbprintSha256: opts.certificate.thumbprintSha256,
      pem: opts.certificate.certPem,
      endDate: opts.certificate.endDate,
    });
  consentRoles(state, servicePrincipal.objectId, opts.roles ?? []);
  return { application, servicePrincipal, ...(secretKeyId ? { secretKeyId } : {}) };
}
