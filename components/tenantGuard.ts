// The tenant guard: before anything is declared, the tenant the azuread provider is signed in to must be
// the stack's configured tenant. A pipeline with one tenant's ARM_* credentials and another tenant's stack
// would otherwise register applications and grant consent in the wrong tenant.
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
 * Reads the signed-in identity (azuread.getClientConfig) and throws unless it is in `configuredTenantId`.
 * Await it before declaring any resource. Fails with a RunError (`pulumi up` prints the message, no stack).
 * `getClientConfig` is injectable for tests.
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
