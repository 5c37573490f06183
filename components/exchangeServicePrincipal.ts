// The tenant's Office 365 Exchange Online service principal: read once, before anything is declared,
// and checked for every state of it that would make admin consent or the mail logins fail — each
// with what to do (docs/configuration.md, "Tenant preconditions"; facts: docs/microsoft-contract.md).
// Read, never declared: declaring it would make `pulumi destroy` delete Microsoft's service principal.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import {
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_DISPLAY_NAME,
  PROTOCOL_ROLE,
  type Protocol,
} from "./microsoft";

/** What the stack needs to know about the Exchange Online service principal. */
export interface ExchangeServicePrincipal {
  objectId: string;
  /** Role value → role id, as `getServicePrincipal` returns it (disabled roles included). */
  appRoleIds: Record<string, string>;
  /** Role value → whether the role is enabled (Graph appRole isEnabled). Default: enabled. */
  appRoleEnabled?: Record<string, boolean>;
  /** false: "Enabled for users to sign in?" is No. Default true. */
  accountEnabled?: boolean;
  /** "Assignment required?": irrelevant here (the consents ARE the assignments it requires). */
  appRoleAssignmentRequired?: boolean;
}

/** The invokes, injectable for tests. */
export interface ExchangeReads {
  getServicePrincipals: typeof azuread.getServicePrincipals;
  getServicePrincipal: typeof azuread.getServicePrincipal;
}
const PROVIDER_READS: ExchangeReads = {
  getServicePrincipals: (a, o) => azuread.getServicePrincipals(a, o),
  getServicePrincipal: (a, o) => azuread.getServicePrincipal(a, o),
};

const WHO = `the tenant's "${EXCHANGE_ONLINE_DISPLAY_NAME}" service principal (appId ${EXCHANGE_ONLINE_APP_ID})`;
const READ_PERMISSION =
  "the deploying identity needs the Microsoft Graph application permission Application.Read.All (or Directory.Read.All)";

/**
 * Reads the Exchange Online service principal: first by appId with `ignoreMissing` (absent is an empty
 * answer, never an error read as "absent"), then by object id for its roles. Throws a RunError that
 * says what to do when the tenant has none or it cannot be read.
 */
export async function readExchangeServicePrincipal(
  reads: ExchangeReads = PROVIDER_READS,
  opts?: pulumi.InvokeOptions,
): Promise<ExchangeServicePrincipal> {
  const failed = (err: unknown) =>
    new pulumi.RunError(`Reading ${WHO}: ${(err as Error).message ?? String(err)}; ${READ_PERMISSION}`);
  let found: azuread.GetServicePrincipalsResult;
  try {
    found = await reads.getServicePrincipals(
      { clientIds: [EXCHANGE_ONLINE_APP_ID], ignoreMissing: true },
      opts,
    );
  } catch (err) {
    throw failed(err);
  }
  const sp = found.servicePrincipals.find((s) => s.clientId.toLowerCase() === EXCHANGE_ONLINE_APP_ID);
  if (!sp)
    throw new pulumi.RunError(
      `Reading ${WHO}: the tenant has none. Either it has no Exchange Online (no subscription that includes ` +
        `it: Microsoft 365 admin center → Billing → Your products), or the service principal was deleted. With ` +
        `Exchange Online licensed, an admin recreates it: New-MgServicePrincipal -AppId ${EXCHANGE_ONLINE_APP_ID} ` +
        `(Microsoft Graph PowerShell) or az ad sp create --id ${EXCHANGE_ONLINE_APP_ID}; then run pulumi up again`,
    );
  let full: azuread.GetServicePrincipalResult;
  try {
    full = await reads.getServicePrincipal({ objectId: sp.objectId }, opts);
  } catch (err) {
    throw failed(err);
  }
  return {
    objectId: sp.objectId,
    appRoleIds: full.appRoleIds ?? {},
    appRoleEnabled: Object.fromEntries((full.appRoles ?? []).map((r) => [r.value, r.enabled])),
    accountEnabled: sp.accountEnabled,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired,
  };
}

/**
 * Every state of the Exchange Online service principal that makes consent to `protocols` or their
 * logins fail, one line each with what to do: absent roles, a disabled service principal, disabled
 * roles. Empty when all is well. `appRoleAssignmentRequired` is not one: the
 * admin consents this stack grants are app role assignments, which is what it requires.
 */
export function exchangeServicePrincipalProblems(
  sp: ExchangeServicePrincipal,
  protocols: readonly Protocol[],
): string[] {
  const problems: string[] = [];
  const missing = protocols.filter((p) => !sp.appRoleIds[PROTOCOL_ROLE[p]]);
  if (missing.length > 0) {
    const published = Object.keys(sp.appRoleIds).sort();
    for (const protocol of missing)
      problems.push(
        `the tenant's "${EXCHANGE_ONLINE_DISPLAY_NAME}" service principal (appId ${EXCHANGE_ONLINE_APP_ID}, ` +
          `object ID ${sp.objectId}) has no app role "${PROTOCOL_ROLE[protocol]}", needed for protocol ` +
          `"${protocol}"; it publishes: ${published.length ? published.join(", ") : "no app roles"}. Remove ` +
          `"${protocol}" from exo-oauth:protocols, or check that this is the tenant you mean`,
      );
  }
  if (sp.accountEnabled === false)
    problems.push(
      `${WHO}, object ID ${sp.objectId}, is disabled (accountEnabled false, "Enabled for users to sign in?" No): ` +
        `Entra issues no token for https://outlook.office365.com (AADSTS500014), so every IMAP, POP and SMTP ` +
        `login and the Exchange step would fail. An admin re-enables it: Entra admin center → Enterprise ` +
        `applications → ${EXCHANGE_ONLINE_DISPLAY_NAME} → Properties → "Enabled for users to sign in?" Yes, or ` +
        `Update-MgServicePrincipal -ServicePrincipalId ${sp.objectId} -AccountEnabled:$true`,
    );
  for (const protocol of protocols) {
    const value = PROTOCOL_ROLE[protocol];
    if (sp.appRoleIds[value] && sp.appRoleEnabled?.[value] === false)
      problems.push(
        `${WHO}'s app role "${value}" (id ${sp.appRoleIds[value]}), needed for protocol "${protocol}", is disabled ` +
          `(isEnabled false): Microsoft disables an app role before removing it, and a disabled role cannot be ` +
          `granted. Check Microsoft's announcements for its replacement; to deploy without it, remove "${protocol}" ` +
          `from exo-oauth:protocols`,
      );
  }
  return problems;
}

/** Throws one RunError listing every problem (exchangeServicePrincipalProblems), or returns. */
export function assertExchangeServicePrincipal(
  sp: ExchangeServicePrincipal,
  protocols: readonly Protocol[],
): void {
  const problems = exchangeServicePrincipalProblems(sp, protocols);
  if (problems.length === 1) throw new pulumi.RunError(`Tenant precondition: ${problems[0]}`);
  if (problems.length > 1)
    throw new pulumi.RunError(
      `Tenant preconditions (${problems.length} problems):\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
}
