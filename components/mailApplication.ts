// MailApplication: the Entra ID application a daemon uses for app-only IMAP / POP / SMTP, its service
// principal, and admin consent to the chosen Exchange Online app roles (one AppRoleAssignment per role).
// Facts: docs/microsoft-contract.md ("Entra ID"), docs/pulumi-lifecycle.md ("@pulumi/azuread 6.9.1").
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import {
  consentImports,
  listFailedWarning,
  regrantedWarning,
  revokedWarning,
  strayWarnings,
  type ConsentCheck,
  type ConsentWarningArgs,
  type PreviousUpdate,
} from "./consentAdoption";
import { readExchangeServicePrincipal, type ExchangeServicePrincipal } from "./exchangeServicePrincipal";
import type { AppRoleAssignmentRead } from "./graphRead";
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
   * The tenant's Exchange Online service principal, already read (readExchangeServicePrincipal(),
   * components/exchangeServicePrincipal.ts). Default: read by MailApplication.create. Either way the
   * role ids are resolved before any child is declared, so a tenant missing a role fails once, cleanly.
   */
  exchangeServicePrincipal?: ExchangeServicePrincipalRoles;
  /**
   * Lists the app role assignments our service principal holds in Entra (components/graphRead.ts
   * listAppRoleAssignments with the deploying identity's sign-in). Its answer decides which consents are
   * declared with the `import` option; a failure is reported by consentWarnings, not thrown. Default:
   * none (no adoption: a consent that raced Graph then needs a hand `pulumi import`).
   */
  listConsents?: (principalObjectId: string) => Promise<AppRoleAssignmentRead[]>;
  /**
   * What the last completed update left (components/previousOutputs.ts): a consent is adopted only
   * where the state may lack it (consentAdoption.ts mayLackConsent). Default: no update completed.
   */
  previousUpdate?: Promise<PreviousUpdate> | PreviousUpdate;
}

/** One admin consent to give: the protocol, its Exchange Online role value and that role's id in this tenant. */
export interface ExchangeRoleAssignment {
  protocol: Protocol;
  roleValue: string;
  appRoleId: string;
}

/** The tenant's Exchange Online service principal, as far as role resolution needs it. */
export type ExchangeServicePrincipalRoles = Pick<ExchangeServicePrincipal, "objectId" | "appRoleIds">;

export { readExchangeServicePrincipal };

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
 * An Output's value once known: at `pulumi up` every registered resource's outputs resolve; at
 * `pulumi preview` a resource that will be created has unknown outputs, and then this is undefined.
 * (@pulumi/pulumi 3.270 output.js keeps `isKnown` and `promise()` on every Output; guarded.)
 */
export async function knownValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  if (!pulumi.runtime.isDryRun()) return new Promise<T>((resolve) => output.apply((v) => (resolve(v), v)));
  const o = output as unknown as { isKnown?: Promise<boolean>; promise?: () => Promise<T> };
  if (!(o.isKnown instanceof Promise) || typeof o.promise !== "function") return undefined;
  return (await o.isKnown) ? o.promise() : undefined;
}

/**
 * An Entra ID application with app-only access to Exchange Online mail protocols:
 * `${name}-application`, `${name}-service-principal`, and `${name}-consent-<protocol>` per protocol.
 * The Exchange Online service principal is read (never declared: declaring it would make
 * `pulumi destroy` try to delete Microsoft's service principal). Role ids are resolved by value.
 *
 * Create it with `await MailApplication.create(...)`: the consents are declared once the service
 * principal's object id is known, each with the `import` option when Entra already holds it
 * (components/consentAdoption.ts), so a run after a consent create that raced Graph converges.
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
  readonly roleAssignments: azuread.AppRoleAssignment[] = [];
  /** What the program learnt about the consents Entra holds (undefined at preview of a new service principal). */
  consentCheck?: ConsentCheck;
  /** protocol → the assignment id declared with the `import` option. */
  readonly consentImports: Partial<Record<Protocol, string>> = {};
  private readonly resolved: ExchangeRoleAssignment[];
  private readonly exchange: ExchangeServicePrincipalRoles;
  private readonly name: string;
  private principalObjectId?: string;
  private listConsents?: (principalObjectId: string) => Promise<AppRoleAssignmentRead[]>;

  /**
   * Validates (mailApplicationProblems, the tenant's roles), declares the application and its service
   * principal, waits for the service principal's object id, lists the consents Entra holds
   * (`listConsents`; none given: no adoption), then declares the consents. Throws a pulumi.RunError
   * (printed without a stack trace) before registering anything when an argument is wrong or the
   * tenant lacks a chosen role. Without `exchangeServicePrincipal` it is read here.
   */
  static async create(
    name: string,
    args: MailApplicationArgs,
    opts?: pulumi.ComponentResourceOptions,
  ): Promise<MailApplication> {
    const problems = mailApplicationProblems(args);
    if (problems.length > 0)
      throw new pulumi.RunError(`Creating MailApplication ${JSON.stringify(name)}: ${problems.join("; ")}`);
    const exchange = args.exchangeServicePrincipal ?? (await readExchangeServicePrincipal());
    const resolved = exchangeRoleAssignments(args.protocols, exchange);
    const mail = new MailApplication(name, args, exchange, resolved, opts);
    mail.listConsents = args.listConsents;
    const principal = await knownValue(mail.servicePrincipal.objectId);
    mail.principalObjectId = principal;
    if (principal !== undefined) {
      mail.consentCheck = args.listConsents
        ? await args.listConsents(principal).then(
            (existing): ConsentCheck => ({ read: true, existing }),
            (err: unknown): ConsentCheck => ({ read: false, why: (err as Error).message ?? String(err) }),
          )
        : { read: false, why: "no Graph reader was given" };
      const previous = (await args.previousUpdate) ?? { deployed: false };
      Object.assign(
        mail.consentImports,
        consentImports(resolved, mail.consentCheck, exchange.objectId, previous),
      );
    }
    mail.declareConsents();
    return mail;
  }

  private constructor(
    name: string,
    args: MailApplicationArgs,
    exchange: ExchangeServicePrincipalRoles,
    resolved: ExchangeRoleAssignment[],
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("exo-oauth:index:MailApplication", name, {}, opts);
    this.name = name;
    this.exchange = exchange;
    this.resolved = resolved;

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
            resourceAccesses: resolved.map((r) => ({ id: r.appRoleId, type: "Role" })),
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

    this.applicationId = this.application.id;
    this.clientId = this.application.clientId;
    this.servicePrincipalObjectId = this.servicePrincipal.objectId;
    this.exchangeServicePrincipalObjectId = pulumi.output(exchange.objectId);
  }

  /**
   * Admin consent = one app-role assignment per role (principal: our SP; resource: Exchange's SP).
   * The provider retries the create's POST on 404 / "Not a valid reference update" (a service
   * principal not yet replicated) within its 5-minute create timeout, then reads the assignment back
   * at once; when that read-back misses, Entra has the assignment and Pulumi's state does not — the
   * next run adopts it through `import` (consentImports).
   */
  private declareConsents(): void {
    const name = this.name;
    for (const r of this.resolved)
      this.roleAssignments.push(
        new azuread.AppRoleAssignment(
          `${name}-consent-${r.protocol}`,
          {
            appRoleId: r.appRoleId,
            principalObjectId: this.servicePrincipal.objectId,
            resourceObjectId: this.exchange.objectId,
          },
          {
            parent: this,
            ...(this.consentImports[r.protocol] ? { import: this.consentImports[r.protocol] } : {}),
          },
        ),
      );
    this.registerOutputs({
      applicationId: this.applicationId,
      clientId: this.clientId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      exchangeServicePrincipalObjectId: this.exchangeServicePrincipalObjectId,
    });
  }

  /**
   * Hazards about the consents, for `pulumi.log.warn` (components/consentAdoption.ts): the list could
   * not be read (with the commands to adopt by hand); a consent the state holds that Graph no longer
   * lists (revoked by hand: re-listed once this run registered it, comparing the id the stack holds);
   * a mail consent Entra holds that the stack never declared. `previousProtocols`: the last update's
   * `protocols` output. Empty when nothing was checked (preview of a new service principal).
   */
  async consentWarnings(previousProtocols: readonly Protocol[] | undefined): Promise<string[]> {
    const check = this.consentCheck;
    const principal = this.principalObjectId;
    if (!check || !principal) return [];
    const args: ConsentWarningArgs = {
      declared: this.resolved,
      check,
      exchangeObjectId: this.exchange.objectId,
      principalObjectId: principal,
      exchangeRoleIds: this.exchange.appRoleIds,
      previousProtocols,
      component: {
        name: this.name,
        urn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::exo-oauth:index:MailApplication::${this.name}`,
      },
    };
    if (!check.read) return [listFailedWarning(args, check.why)];
    // The consents not adopted: the id the stack holds for each once registered (the state's, or a
    // new one) must be one Graph lists; only when the first list did not show that id is it re-listed.
    const listed = new Set(check.existing.map((a) => a.id));
    const held = await Promise.all(
      this.resolved
        .filter((c) => this.consentImports[c.protocol] === undefined)
        .map(async (c) => ({ c, id: await knownValue(this.roleAssignments[this.resolved.indexOf(c)].id) })),
    );
    const unlisted = held
      .map((h) => ({ c: h.c, stateId: h.id?.split("/").pop() }))
      .filter(
        (h): h is { c: (typeof held)[number]["c"]; stateId: string } => !!h.stateId && !listed.has(h.stateId),
      );
    const warnings: string[] = [];
    if (unlisted.length > 0 && this.listConsents) {
      const now = await this.listConsents(principal).catch(() => undefined);
      for (const h of unlisted) {
        if (!now || now.some((a) => a.id === h.stateId)) continue;
        const entra = now.find(
          (a) => a.resourceId === this.exchange.objectId && a.appRoleId === h.c.appRoleId,
        );
        warnings.push(
          entra ? regrantedWarning(args, h.c, h.stateId, entra.id) : revokedWarning(args, h.c, h.stateId),
        );
      }
    }
    return [...warnings, ...strayWarnings(args)];
  }
}
