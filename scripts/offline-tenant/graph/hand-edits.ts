// Hand edits: what an admin does to the tenant outside Pulumi (portal, Graph Explorer, a script),
// for tests and the demo to rehearse the next `pulumi up` after it. Each edit changes the tenant
// state directly, as Graph would after the admin's request, and throws naming what it could not find.
//
//   updateState(statePath, (s) => deletePassword(s, keyId));        // on the shared state file
//   handEdit(statePath, (s) => expirePassword(s, keyId));            // a secret past its end
//   handEdit(statePath, (s) => removeAppRoleAssignment(s, { principalObjectId, appRoleId }));
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import {
  updateState,
  type EntraAppRoleAssignment,
  type EntraServicePrincipal,
  type TenantState,
} from "../state";

/** Applies `edit` to the tenant state file under its lock (state.ts updateState). */
export function handEdit<T>(statePath: string, edit: (s: TenantState) => T): T {
  return updateState(statePath, edit);
}

/** Deletes a client secret (Certificates & secrets → Delete). Returns the application's object id. */
export function deletePassword(state: TenantState, keyId: string): string {
  const p = state.entra.passwords.find((x) => x.keyId === keyId);
  if (!p)
    throw new Error(`Hand edit: deleting password ${keyId}: no application has a password with that keyId`);
  state.entra.passwords = state.entra.passwords.filter((x) => x !== p);
  return p.applicationObjectId;
}

/**
 * Makes a client secret past its end: its endDateTime set to `at` (default one second after its
 * start), so Entra refuses it with AADSTS7000222. Entra offers no such edit — an existing credential's
 * dates cannot be changed — so this stands for what a tenant shows when a secret's end has passed
 * while the stack still publishes it (runs stopped longer than it lives, a schedule planned at a wrong
 * clock). Returns the application's object id.
 */
export function expirePassword(state: TenantState, keyId: string, at?: string): string {
  const p = state.entra.passwords.find((x) => x.keyId === keyId);
  if (!p)
    throw new Error(`Hand edit: expiring password ${keyId}: no application has a password with that keyId`);
  const end = at ?? new Date(Date.parse(p.startDate) + 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  if (Date.parse(end) <= Date.parse(p.startDate))
    throw new Error(`Hand edit: expiring password ${keyId}: ${end} is not after its start ${p.startDate}`);
  p.endDate = end;
  return p.applicationObjectId;
}

/** Removes an admin consent (Enterprise application → Permissions → Revoke), by id or by principal + role. */
export function removeAppRoleAssignment(
  state: TenantState,
  which: { id: string } | { principalObjectId: string; appRoleId: string },
): EntraAppRoleAssignment {
  const match = (a: EntraAppRoleAssignment) =>
    "id" in which
      ? a.id === which.id
      : a.principalObjectId === which.principalObjectId && a.appRoleId === which.appRoleId;
  const a = state.entra.appRoleAssignments.find(match);
  if (!a) throw new Error(`Hand edit: removing app role assignment ${JSON.stringify(which)}: not found`);
  state.entra.appRoleAssignments = state.entra.appRoleAssignments.filter((x) => x !== a);
  return a;
}

/** Disables sign-in for an enterprise application (Properties → Enabled for users to sign in? → No). */
export function disableServicePrincipal(state: TenantState, objectId: string): void {
  const sp = state.entra.servicePrincipals.find((x) => x.objectId === objectId);
  if (!sp) throw new Error(`Hand edit: disabling service principal ${objectId}: not found`);
  sp.accountEnabled = false;
}

/** Renames an app registration (Branding & properties → Name). */
export function renameApplication(state: TenantState, objectId: string, displayName: string): void {
  const app = state.entra.applications.find((x) => x.objectId === objectId);
  if (!app) throw new Error(`Hand edit: renaming application ${objectId}: not found`);
  app.displayName = displayName;
}

/** The tenant's Office 365 Exchange Online service principal; throws naming the edit when there is none. */
function exchangeServicePrincipal(state: TenantState, edit: string): EntraServicePrincipal {
  const sp = state.entra.servicePrincipals.find((x) => x.clientId === EXCHANGE_ONLINE_APP_ID);
  if (!sp)
    throw new Error(`Hand edit: ${edit}: the tenant has no Office 365 Exchange Online service principal`);
  return sp;
}

/**
 * Deletes the Office 365 Exchange Online service principal, as in a tenant without Exchange Online
 * (or after an admin deleted it): with it go the assignments it grants. Returns its object id.
 */
export function removeExchangeServicePrincipal(state: TenantState): string {
  const sp = exchangeServicePrincipal(state, "removing the Exchange Online service principal");
  state.entra.servicePrincipals = state.entra.servicePrincipals.filter((x) => x !== sp);
  state.entra.appRoleAssignments = state.entra.appRoleAssignments.filter(
    (a) => a.resourceObjectId !== sp.objectId,
  );
  return sp.objectId;
}

/** Disables one of Exchange Online's app roles by value (Graph appRole isEnabled = false). */
export function disableExchangeRole(state: TenantState, value: string): void {
  const sp = exchangeServicePrincipal(state, `disabling app role ${value}`);
  const role = sp.appRoles?.find((r) => r.value === value);
  if (!role) throw new Error(`Hand edit: disabling app role ${value}: "${sp.displayName}" has no such role`);
  role.isEnabled = false;
}

/** Sets "Assignment required?" (appRoleAssignmentRequired) on the Exchange Online service principal. */
export function requireExchangeAssignment(state: TenantState, required = true): void {
  exchangeServicePrincipal(state, "setting appRoleAssignmentRequired").appRoleAssignmentRequired = required;
}

/** Adds a custom domain to the directory (Custom domain names → Add; `verified` once its DNS record checks out). */
export function addDomain(state: TenantState, name: string, opts: { verified: boolean }): void {
  const id = name.toLowerCase();
  state.entra.domains ??= [
    {
      id: state.organization,
      isVerified: true,
      isInitial: true,
      isDefault: true,
      supportedServices: ["Email"],
    },
  ];
  if (state.entra.domains.some((d) => d.id === id))
    throw new Error(`Hand edit: adding domain ${id}: already there`);
  state.entra.domains.push({
    id,
    isVerified: opts.verified,
    isInitial: false,
    isDefault: false,
    supportedServices: opts.verified ? ["Email"] : [],
  });
}
