// Shapes Graph and the azuread provider use: identifier and date formats, generated secrets, and the
// service principal as the provider reads it. Pure helpers shared by the Graph operations.
import { randomBytes } from "node:crypto";
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import type { EntraServicePrincipal, TenantState } from "../state";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const SIGN_IN_AUDIENCES = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
];

/** RFC3339 in whole seconds, as Graph returns dates. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A client secret shaped like Entra's: 40 characters, the 4th–6th `<digit>Q~`. */
export function newSecretText(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";
  const pick = (n: number, set = alphabet) => [...randomBytes(n)].map((b) => set[b % set.length]).join("");
  return `${pick(3, alphabet.slice(0, 62))}${pick(1, "0123456789")}Q~${pick(34)}`;
}

export function describeRoles(sp: EntraServicePrincipal): string {
  const roles = sp.appRoles ?? [];
  return roles.length ? roles.map((r) => `${r.value} (${r.id})`).join(", ") : "none";
}

/** Values that are set: the provider reads an unset list or string back as empty. */
export function present(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** The keys of `o` whose values are set (see `present`). */
export function setKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => present(v)));
}

/** A service principal as the provider reads it (data source and resource outputs). */
export function spState(sp: EntraServicePrincipal, state: TenantState): Record<string, unknown> {
  const roles = sp.appRoles ?? [];
  return {
    id: `/servicePrincipals/${sp.objectId}`,
    objectId: sp.objectId,
    clientId: sp.clientId,
    displayName: sp.displayName,
    accountEnabled: sp.accountEnabled ?? true,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired ?? false,
    appRoleIds: Object.fromEntries(roles.map((r) => [r.value, r.id])),
    appRoles: roles.map((r) => ({
      allowedMemberTypes: ["Application"],
      description: r.value,
      displayName: r.value,
      enabled: r.isEnabled ?? true,
      id: r.id,
      value: r.value,
    })),
    applicationTenantId: sp.clientId === EXCHANGE_ONLINE_APP_ID ? "" : state.tenantId,
    servicePrincipalNames: [sp.clientId],
    signInAudience: "AzureADMyOrg",
    type: "Application",
    tags: [],
  };
}
