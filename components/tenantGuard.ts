// The tenant guards: before anything is declared, the program checks that the Entra side and the
// Exchange side are one tenant, the stack's. Two checks, each proving one thing (docs/configuration.md,
// "The tenant guards"):
//
// 1. assertSignedInTenant — the azuread provider is CONFIGURED for exo-oauth:tenantId.
//    `getClientConfig().tenantId` is the provider's configured tenant (azuread:tenantId /
//    ARM_TENANT_ID; terraform-provider-azuread client_config_data_source.go reads
//    metadata.Client.TenantID), not a value read from Graph. It proves which tenant's authority the
//    provider asks for tokens; it proves nothing about exo-oauth:organization, where the Exchange step
//    connects. It catches one tenant's ARM_* variables in another tenant's stack.
// 2. assertDirectoryIsOrganization — the directory the provider's token reads IS exo-oauth:organization.
//    `getDomains({ onlyInitial: true })` is a live Graph call (GET /domains) made with the provider's
//    own token, so it answers from the directory the provider writes to; its initial domain must equal
//    exo-oauth:organization, the `-Organization` the Exchange step connects to. It catches a stack whose
//    tenantId and organization name two different tenants. It does not prove that the Exchange
//    automation identity belongs to that tenant (Connect-ExchangeOnline does), nor anything about
//    mailboxes. Needs Domain.Read.All or Directory.Read.All (Graph domain-list, "Permissions").
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

/** Why the signed-in tenant is not the configured one, or undefined when they match (GUIDs: case-insensitive). */
export function tenantMismatch(signedInTenantId: string, configuredTenantId: string): string | undefined {
  if (signedInTenantId.toLowerCase() === configuredTenantId.toLowerCase()) return undefined;
  return (
    `Signed in to tenant ${signedInTenantId || "(none reported)"} but exo-oauth:tenantId is ${configuredTenantId}: ` +
    `refusing to declare anything in another tenant; check ARM_TENANT_ID / azuread:tenantId and the ` +
    `credentials in use (ARM_CLIENT_ID / OIDC), or exo-oauth:tenantId`
  );
}

/**
 * Reads the provider's configured tenant (azuread.getClientConfig) and throws unless it is
 * `configuredTenantId`. Await it before declaring any resource. Fails with a RunError (`pulumi up`
 * prints the message, no stack). `getClientConfig` is injectable for tests.
 */
export async function assertSignedInTenant(
  configuredTenantId: string,
  getClientConfig: () => Promise<azuread.GetClientConfigResult> = () => azuread.getClientConfig(),
): Promise<azuread.GetClientConfigResult> {
  let client: azuread.GetClientConfigResult;
  try {
    client = await getClientConfig();
  } catch (err) {
    throw new pulumi.RunError(
      `Reading the signed-in tenant (azuread getClientConfig): ${(err as Error).message ?? String(err)}; ` +
        `check the azuread provider's credentials (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET or ARM_USE_OIDC)`,
    );
  }
  const problem = tenantMismatch(client.tenantId ?? "", configuredTenantId);
  if (problem) throw new pulumi.RunError(problem);
  return client;
}

/** Why the directory's initial domain is not exo-oauth:organization, or undefined (case-insensitive). */
export function directoryMismatch(
  initialDomain: string,
  organization: string,
  tenantId: string,
): string | undefined {
  if (initialDomain.toLowerCase() === organization.toLowerCase()) return undefined;
  return (
    `The azuread provider is signed in to the directory whose initial domain is ${initialDomain || "(none)"} ` +
    `(tenant ${tenantId}, read from Graph with the provider's token), but exo-oauth:organization is ${organization}, ` +
    `the tenant the Exchange step connects to: the Entra side and the Exchange side would be two tenants. ` +
    `If ${initialDomain} is this stack's tenant, set exo-oauth:organization to it; otherwise fix ARM_TENANT_ID / ` +
    `azuread:tenantId and exo-oauth:tenantId`
  );
}

/**
 * Reads the initial domain of the directory the provider's token reads (azuread.getDomains with
 * `onlyInitial`) and throws a RunError unless it is `organization`. Returns that domain.
 * `getDomains` is injectable for tests.
 */
export async function assertDirectoryIsOrganization(
  organization: string,
  tenantId: string,
  getDomains: (args: azuread.GetDomainsArgs) => Promise<azuread.GetDomainsResult> = (a) =>
    azuread.getDomains(a),
): Promise<string> {
  let result: azuread.GetDomainsResult;
  try {
    result = await getDomains({ onlyInitial: true });
  } catch (err) {
    throw new pulumi.RunError(
      `Reading the signed-in directory's initial domain (azuread getDomains): ${(err as Error).message ?? String(err)}; ` +
        `the deploying identity needs the Microsoft Graph application permission Domain.Read.All (or Directory.Read.All)`,
    );
  }
  const initial = result.domains.find((d) => d.initial)?.domainName ?? "";
  const problem = directoryMismatch(initial, organization, tenantId);
  if (problem) throw new pulumi.RunError(problem);
  return initial;
}
