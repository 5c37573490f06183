// The directory's domains and the getDomains data source (terraform-provider-azuread v3.8.0
// internal/services/domains/domains_data_source.go): GET /domains with the provider's token — so the
// answer is the directory the provider actually signed in to — then the provider's filters in the
// client. Needs Domain.Read.All or Directory.Read.All (Graph domain-list, "Permissions").
import type { EntraDomain, TenantState } from "../state";
import { GraphError, missingPermission, READ_PERMISSIONS } from "./graph-errors";
import type { GraphContext } from "./types";

/** The tenant's domains; a state without them has one: its initial domain, `organization`. */
export function tenantDomains(state: TenantState): EntraDomain[] {
  return (
    state.entra.domains ?? [
      {
        id: state.organization,
        isVerified: true,
        isInitial: true,
        isDefault: true,
        supportedServices: ["Email"],
      },
    ]
  );
}

/** Whether `name` is a verified domain of the tenant (case-insensitive). */
export function isVerifiedDomain(state: TenantState, name: string): boolean {
  return tenantDomains(state).some((d) => d.isVerified && d.id.toLowerCase() === name.toLowerCase());
}

/** The provider's schema: which filters cannot be combined (ConflictsWith). */
const CONFLICTS: Record<string, string[]> = {
  includeUnverified: ["onlyDefault", "onlyInitial"],
  onlyDefault: ["onlyInitial", "onlyRoot"],
  onlyInitial: ["onlyDefault", "onlyRoot"],
  onlyRoot: ["onlyDefault", "onlyInitial"],
};

/** The getDomains data source: the provider's outputs, or its errors. */
export function readDomains(g: GraphContext, inputs: Record<string, unknown>): Record<string, unknown> {
  for (const [key, others] of Object.entries(CONFLICTS))
    for (const other of others)
      if (inputs[key] === true && inputs[other] === true)
        throw new Error(`Invoking getDomains: "${key}": conflicts with ${other}`);
  const denied = missingPermission(g.signedInPermissions, READ_PERMISSIONS.domains);
  if (denied) throw new GraphError(denied, "listing domains");
  const all = tenantDomains(g.state);
  const verified = all.filter((d) => d.isVerified).map((d) => d.id.toLowerCase());
  const isRoot = (d: EntraDomain) =>
    d.isVerified && !verified.some((v) => v !== d.id.toLowerCase() && d.id.toLowerCase().endsWith(`.${v}`));
  const services = (inputs.supportsServices as string[] | undefined) ?? [];
  const domains = all
    .filter((d) => !(inputs.adminManaged === true && !d.isInitial))
    .filter((d) => !(inputs.onlyDefault === true && !d.isDefault))
    .filter((d) => !(inputs.onlyInitial === true && !d.isInitial))
    .filter((d) => !(inputs.onlyRoot === true && !isRoot(d)))
    .filter((d) => inputs.includeUnverified === true || d.isVerified)
    .filter((d) => services.every((s) => d.supportedServices.includes(s)))
    .map((d) => ({
      adminManaged: d.isInitial,
      authenticationType: "Managed",
      default: d.isDefault,
      domainName: d.id,
      initial: d.isInitial,
      root: isRoot(d),
      supportedServices: d.supportedServices,
      verified: d.isVerified,
    }));
  if (domains.length === 0) throw new Error("Invoking getDomains: no domains found for the provided filters");
  return { ...inputs, id: `domains#${g.state.tenantId}`, domains };
}
