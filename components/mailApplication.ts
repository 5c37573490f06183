// MailApplication: the Entra ID application a daemon uses for app-only IMAP / POP / SMTP, its service
// principal, and admin consent to the chosen Exchange Online app roles (one AppRoleAssignment per role).
// Facts: docs/microsoft-contract.md ("Entra ID"), docs/pulumi-lifecycle.md ("@pulumi/azuread 6.9.1").
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { isGuid } from "./identifiers";
import {
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_DISPLAY_NAME,
  PROTOCOL_ROLE,
  PROTOCOLS,
  type Protocol,
} from "./microsoft";

export interface MailApplicationArgs {
  /** The app registration's display name (the enterprise application shows the same name). */
  displayName: pulumi.Input<string>;
  /** Object ids of the users or service principals that own the application. Default: none. */
  owners?: pulumi.Input<pulumi.Input<string>[]>;
  /** Free text shown on the app registration (who uses it, a ticket, a runbook). Default: none. */
  notes?: pulumi.Input<string>;
  /**
   * The mail protocols to grant. The application requests, and is consented to, exactly these
   * protocols' Exchange Online roles (imap → IMAP.AccessAsApp, pop → POP.AccessAsApp,
   * smtp → SMTP.SendAsApp). At least one; no duplicates.
   */
  protocols: Protocol[];
  /**
   * The tenant's Exchange Online service principal, already read (readExchangeServicePrincipal()).
   * Given, the role ids are resolved before any child is declared, so a tenant missing a role fails
   * once, cleanly. Default: read with getServicePrincipalOutput during the update and resolved in an
   * apply (a missing role then fails every resource that depends on it).
   */
  exchangeServicePrincipal?: ExchangeServicePrincipalRoles;
}

/** One admin consent to give: the protocol, its Exchange Online role value and that role's id in this tenant. */
export interface ExchangeRoleAssignment {
  protocol: Protocol;
  roleValue: string;
  appRoleId: string;
}

/** The tenant's Exchange Online service principal, as far as role resolution needs it. */
export interface ExchangeServicePrincipalRoles {
  objectId: string;
  /** Role value → role id, as `getServicePrincipal` returns it. */
  appRoleIds: Record<string, string>;
}

/**
 * The arguments' problems that can be told before anything is declared (values given as plain
 * strings; Outputs are checked by Graph): protocols known and each once, owners GUIDs, a
 * display name that is not blank. Empty when all is well.
 */
export function mailApplicationProblems(args: MailApplicationArgs): string[] {
  const problems: string[] = [];
  if (args.protocols.length === 0) problems.push(`protocols is empty; allowed: ${PROTOCOLS.join(", ")}`);
  const seen = new Set<string>();
  for (const p of args.protocols) {
    if (!(PROTOCOLS as readonly string[]).includes(p))
      problems.push(`protocol "${p}" is not one of ${PROTOCOLS.join(", ")}`);
    else if (seen.has(p)) problems.push(`protocol "${p}" is listed more than once`);
    seen.add(p);
  }
  if (typeof args.displayName === "string" && args.displayName.trim() === "")
    problems.push("displayName is empty; Entra requires a display name");
  if (Array.isArray(args.owners))
    for (const owner of args.owners)
      if (typeof owner === "string" && !isGuid(owner))
        problems.push(`owner "${owner}" is not an object id (a GUID)`);
  return problems;
}

/**
 * Maps protocols to the admin consents they need, resolving each role id BY VALUE from the tenant's
 * Exchange Online service principal (never assumed: Microsoft publishes values, ids are looked up).
 * Throws, naming the missing role value and the service principal, if the tenant does not publish one.
 */
export function exchangeRoleAssignments(
  protocols: readonly Protocol[],
  exchange: ExchangeServicePrincipalRoles,
): ExchangeRoleAssignment[] {
  if (protocols.length === 0)
    throw new pulumi.RunError(
      `Resolving Exchange Online app roles: no protocols given; allowed: ${PROTOCOLS.join(", ")}`,
    );
  const seen = new Set<string>();
  return protocols.map((protocol) => {
    if (!(PROTOCOLS as readonly string[]).includes(protocol))
      throw new pulumi.RunError(
        `Resolving Exchange Online app roles: protocol "${protocol}" is not one of ${PROTOCOLS.join(", ")}`,
      );
    if (seen.has(protocol))
      throw new pulumi.RunError(
        `Resolving Exchange Online app roles: protocol "${protocol}" is listed more than once`,
      );
    seen.add(protocol);
    const roleValue = PROTOCOL_ROLE[protocol];
    const appRoleId = exchange.appRoleIds[roleValue];
    if (!appRoleId) {
      const published = Object.keys(exchange.appRoleIds).sort();
      throw new pulumi.RunError(
        `Resolving Exchange Online app roles: the tenant's "${EXCHANGE_ONLINE_DISPLAY_NAME}" service principal ` +
          `(appId ${EXCHANGE_ONLINE_APP_ID}, object ID ${exchange.objectId}) has no app role "${roleValue}", ` +
          `needed for protocol "${protocol}"; it publishes: ${published.length ? published.join(", ") : "no app roles"}`,
      );
    }
    return { protocol, roleValue, appRoleId };
  });
}

/**
 * Reads the tenant's Office 365 Exchange Online service principal (a data source: never declared, so
 * `pulumi destroy` never touches Microsoft's service principal). Errors name the appId and what to check.
 */
export async function readExchangeServicePrincipal(
  opts?: pulumi.InvokeOptions,
): Promise<ExchangeServicePrincipalRoles> {
  try {
    const sp = await azuread.getServicePrincipal({ clientId: EXCHANGE_ONLINE_APP_ID }, opts);
    return { objectId: sp.objectId, appRoleIds: sp.appRoleIds ?? {} };
  } catch (err) {
    throw new pulumi.RunError(
      `Reading the tenant's "${EXCHANGE_ONLINE_DISPLAY_NAME}" service principal (appId ${EXCHANGE_ONLINE_APP_ID}): ` +
        `${(err as Error).message ?? String(err)}; a tenant without Exchange Online has none, and the deploying ` +
        `identity needs to be able to read service principals`,
    );
  }
}

/**
 * An Entra ID application with app-only access to Exchange Online mail protocols:
 * `${name}-application`, `${name}-service-principal`, and `${name}-consent-<protocol>` per protocol.
 * The Exchange Online service principal is read (getServicePrincipal), never declared: declaring it
 * would make `pulumi destroy` try to delete Microsoft's service principal. Role ids are resolved by value.
 */
export class MailApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly servicePrincipal: azuread.ServicePrincipal;
  /** The application's resource id, `/applications/<object id>`: what ApplicationPassword takes. */
  readonly applicationId: pulumi.Output<string>;
  /** The application (client) id a daemon signs in with. */
  readonly clientId: pulumi.Output<string>;
  /** Our service principal's (enterprise application's) object id: what Exchange's New-ServicePrincipal takes. */
  readonly servicePrincipalObjectId: pulumi.Output<string>;
  /** The tenant's Office 365 Exchange Online service principal object id. */
  readonly exchangeServicePrincipalObjectId: pulumi.Output<string>;
  /** The admin consents, one per protocol, in the order of `protocols`. */
  readonly roleAssignments: azuread.AppRoleAssignment[];

  /**
   * Throws a pulumi.RunError (printed without a stack trace) before registering anything when an
   * argument is wrong (mailApplicationProblems) or, with `exchangeServicePrincipal` given, when the
   * tenant does not publish a chosen protocol's role.
   */
  constructor(name: string, args: MailApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    const protocols = [...args.protocols];
    const problems = mailApplicationProblems(args);
    if (problems.length > 0)
      throw new pulumi.RunError(`Creating MailApplication ${JSON.stringify(name)}: ${problems.join("; ")}`);
    // With the Exchange SP already read, resolve (and fail) before anything is registered.
    const resolved = args.exchangeServicePrincipal
      ? exchangeRoleAssignments(protocols, args.exchangeServicePrincipal)
      : undefined;
    super("exo-oauth:index:MailApplication", name, {}, opts);

    let exchangeObjectId: pulumi.Output<string>;
    let roles: pulumi.Output<ExchangeRoleAssignment[]>;
    if (args.exchangeServicePrincipal && resolved) {
      exchangeObjectId = pulumi.output(args.exchangeServicePrincipal.objectId);
      roles = pulumi.output(resolved);
    } else {
      const exchange = azuread.getServicePrincipalOutput(
        { clientId: EXCHANGE_ONLINE_APP_ID },
        { parent: this },
      );
      exchangeObjectId = exchange.objectId;
      roles = pulumi
        .all([exchange.objectId, exchange.appRoleIds])
        .apply(([objectId, appRoleIds]) => exchangeRoleAssignments(protocols, { objectId, appRoleIds }));
    }

    this.application = new azuread.Application(
      `${name}-application`,
      {
        displayName: args.displayName,
        signInAudience: "AzureADMyOrg",
        owners: args.owners,
        notes: args.notes,
        requiredResourceAccesses: [
          {
            resourceAppId: EXCHANGE_ONLINE_APP_ID,
            resourceAccesses: roles.apply((rs) => rs.map((r) => ({ id: r.appRoleId, type: "Role" }))),
          },
        ],
      },
      { parent: this },
    );

    this.servicePrincipal = new azuread.ServicePrincipal(
      `${name}-service-principal`,
      { clientId: this.application.clientId, owners: args.owners, notes: args.notes },
      { parent: this },
    );

    // Admin consent = one app-role assignment per role (principal: our SP; resource: Exchange's SP).
    // Eventual consistency: Entra replicates a just-created service principal with a delay. The provider
    // (terraform-provider-azuread 3.x app_role_assignment_resource.go, under @pulumi/azuread 6.x) retries
    // the create on 404 / "Not a valid reference update" within its 5-minute create timeout, then waits
    // for the assignment to read back. Past that, a re-run of `pulumi up` completes it.
    this.roleAssignments = protocols.map(
      (protocol) =>
        new azuread.AppRoleAssignment(
          `${name}-consent-${protocol}`,
          {
            appRoleId: roles.apply((rs) => rs.find((r) => r.protocol === protocol)!.appRoleId),
            principalObjectId: this.servicePrincipal.objectId,
            resourceObjectId: exchangeObjectId,
          },
          { parent: this },
        ),
    );

    this.applicationId = this.application.id;
    this.clientId = this.application.clientId;
    this.servicePrincipalObjectId = this.servicePrincipal.objectId;
    this.exchangeServicePrincipalObjectId = exchangeObjectId;
    this.registerOutputs({
      applicationId: this.applicationId,
      clientId: this.clientId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      exchangeServicePrincipalObjectId: this.exchangeServicePrincipalObjectId,
    });
  }
}
