// Admin consents Entra holds but Pulumi's state may not: the consent race (docs/pulumi-lifecycle.md,
// "App role assignment: create and read-back"). The azuread provider's create POSTs the assignment,
// then reads it back at once; a 404 there (Graph not yet replicated), or a replayed POST answered
// "Permission being assigned already exists on the object", ends the create without a resource in
// state while the assignment exists in Entra, and every later create of it fails the same way. The
// program lists what our service principal holds (components/graphRead.ts) and declares each consent
// with Pulumi's `import` option set to the assignment Entra has: Pulumi imports it when its state
// lacks it, and ignores the option when its state already holds that id (pulumi/pulumi
// step_generator.go isImport). Pure: decisions and messages.
import type { AppRoleAssignmentRead } from "./graphRead";
import { PROTOCOL_ROLE, PROTOCOLS, type Protocol } from "./microsoft";

/** One consent the stack declares. */
export interface DeclaredConsent {
  protocol: Protocol;
  roleValue: string;
  appRoleId: string;
}

/** What the program learnt about the consents Entra holds, before declaring them. */
export type ConsentCheck = { read: true; existing: AppRoleAssignmentRead[] } | { read: false; why: string };

/** The provider's id (and import id) of an assignment: `/servicePrincipals/{resource}/appRoleAssignedTo/{id}`. */
export function assignmentResourceId(resourceObjectId: string, assignmentId: string): string {
  return `/servicePrincipals/${resourceObjectId}/appRoleAssignedTo/${assignmentId}`;
}

/** The AppRoleAssignment resource type token, as `pulumi import` takes it. */
export const APP_ROLE_ASSIGNMENT_TYPE = "azuread:index/appRoleAssignment:AppRoleAssignment";

/** What the last completed update left: whether there was one, and the protocols it consented to. */
export interface PreviousUpdate {
  deployed: boolean;
  /** undefined: not exported (a stack deployed by an older version). */
  protocols?: readonly Protocol[];
}

/**
 * Whether the state may lack `protocol`'s consent, so that importing what Entra holds is safe: no
 * update ever completed (a first deploy whose create raced), or the last completed update did not
 * declare the protocol (added since). When the last update DID declare it, the state holds an
 * assignment, and importing another id would be an import-replacement whose delete of the old id
 * fails with 404 once that id is gone (pulumi/pulumi step_generator.go: ImportReplacementStep plus
 * ReplaceStep; terraform-provider-azuread's delete does not treat 404 as done) — so it is never done.
 */
export function mayLackConsent(previous: PreviousUpdate, protocol: Protocol): boolean {
  if (!previous.deployed) return true;
  return previous.protocols !== undefined && !previous.protocols.includes(protocol);
}

/**
 * protocol → the import id of the assignment Entra already holds for that protocol's role, for the
 * protocols whose consent the state may lack (mayLackConsent).
 */
export function consentImports(
  declared: readonly DeclaredConsent[],
  check: ConsentCheck,
  exchangeObjectId: string,
  previous: PreviousUpdate = { deployed: false },
): Partial<Record<Protocol, string>> {
  if (!check.read) return {};
  const out: Partial<Record<Protocol, string>> = {};
  for (const c of declared) {
    if (!mayLackConsent(previous, c.protocol)) continue;
    const held = check.existing.filter(
      (a) => a.resourceId === exchangeObjectId && a.appRoleId === c.appRoleId,
    );
    // Graph refuses a second identical assignment, so there is at most one.
    if (held.length > 0) out[c.protocol] = assignmentResourceId(exchangeObjectId, held[0].id);
  }
  return out;
}

export interface ConsentWarningArgs {
  declared: readonly DeclaredConsent[];
  check: ConsentCheck;
  exchangeObjectId: string;
  principalObjectId: string;
  /** Exchange Online's role ids by value (to name an undeclared consent). */
  exchangeRoleIds: Record<string, string>;
  /** The protocols the last completed update declared (its `protocols` output); undefined: unknown. */
  previousProtocols?: readonly Protocol[];
  /** The MailApplication's name and URN (for the `pulumi import` line). */
  component: { name: string; urn: string };
}

/** The `pulumi import` line that adopts one consent by hand. */
export function importCommand(args: ConsentWarningArgs, protocol: Protocol, assignmentId: string): string {
  return (
    `pulumi import ${APP_ROLE_ASSIGNMENT_TYPE} ${args.component.name}-consent-${protocol} ` +
    `'${assignmentResourceId(args.exchangeObjectId, assignmentId)}' --parent '${args.component.name}=${args.component.urn}'`
  );
}

/**
 * The list could not be read: a consent an earlier run left out of state cannot be adopted in this
 * run. The exact commands to find and import it by hand.
 */
export function listFailedWarning(args: ConsentWarningArgs, why: string): string {
  const rows = args.declared.map((c) => `${c.roleValue} = appRoleId ${c.appRoleId}`).join(", ");
  return (
    `Could not list the admin consents Entra holds for service principal ${args.principalObjectId} (${why}), so ` +
    `a consent that an earlier run created but Pulumi never recorded cannot be adopted in this run. If this run ` +
    `fails with "Permission being assigned already exists on the object", find the assignment's id: az rest ` +
    `--method GET --url 'https://graph.microsoft.com/v1.0/servicePrincipals/${args.principalObjectId}/appRoleAssignments?$select=id,appRoleId,resourceId' ` +
    `(${rows}), then adopt it: ${importCommand(args, args.declared[0]?.protocol ?? "imap", "<id>")} ` +
    `(with the protocol of that role).`
  );
}

/** The consents the stack declares that Graph's list does not show (candidates for a hand revocation). */
export function declaredButNotListed(args: ConsentWarningArgs): DeclaredConsent[] {
  if (!args.check.read) return [];
  const held = args.check.existing.filter((a) => a.resourceId === args.exchangeObjectId);
  return args.declared.filter((c) => !held.some((a) => a.appRoleId === c.appRoleId));
}

/**
 * A consent Pulumi's state holds (assignment `assignmentId`, what the stack registered in this run)
 * that Graph does not list: revoked by hand. The state still holds it, so only a refresh grants it
 * again.
 */
export function revokedWarning(args: ConsentWarningArgs, c: DeclaredConsent, assignmentId: string): string {
  return (
    `Entra holds no admin consent ${c.roleValue} for service principal ${args.principalObjectId}, although ` +
    `Pulumi's state holds it (assignment ${assignmentId}): revoked by hand (or Graph has not yet replicated a ` +
    `grant made moments ago). This run does not grant it again, so "${c.protocol}" logins fail; run ` +
    `pulumi up --refresh to grant it again.`
  );
}

/**
 * A consent Pulumi's state holds as `stateId` that Entra no longer has, while Entra holds the same
 * role as `entraId`: revoked and granted again outside Pulumi (e.g. "Grant admin consent" in the
 * portal). Logins work; removing the protocol or destroying would fail deleting `stateId` (404), and
 * a refresh then a create would fail on "already exists". The exact commands to make Pulumi manage
 * the consent Entra holds.
 */
export function regrantedWarning(
  args: ConsentWarningArgs,
  c: DeclaredConsent,
  stateId: string,
  entraId: string,
): string {
  const name = `${args.component.name}-consent-${c.protocol}`;
  const urn = `${args.component.urn.replace(/::[^:]+$/, "")}$${APP_ROLE_ASSIGNMENT_TYPE}::${name}`;
  return (
    `Entra holds admin consent ${c.roleValue} for service principal ${args.principalObjectId} as assignment ` +
    `${entraId}, but Pulumi's state holds assignment ${stateId}, which Entra no longer has (revoked and granted ` +
    `again outside Pulumi). Logins work, but removing "${c.protocol}" or destroying the stack would fail on the ` +
    `missing one. Make Pulumi manage the one Entra holds: pulumi state delete '${urn}' --yes, then ` +
    `${importCommand(args, c.protocol, entraId)}`
  );
}

/**
 * Entra holds a consent to one of the mail roles that the stack neither declares nor declared at its
 * last update: left by a raced create whose protocol was then removed, or granted by hand.
 */
export function strayWarnings(args: ConsentWarningArgs): string[] {
  if (!args.check.read) return [];
  const warnings: string[] = [];
  const declaredIds = new Set(args.declared.map((c) => c.appRoleId));
  const held = args.check.existing.filter((a) => a.resourceId === args.exchangeObjectId);
  const sp = args.principalObjectId;
  for (const protocol of PROTOCOLS) {
    const roleValue = PROTOCOL_ROLE[protocol];
    const roleId = args.exchangeRoleIds[roleValue];
    if (!roleId || declaredIds.has(roleId) || args.previousProtocols?.includes(protocol)) continue;
    const stray = held.find((a) => a.appRoleId === roleId);
    if (stray)
      warnings.push(
        `Entra holds admin consent ${roleValue} for service principal ${sp} (assignment ${stray.id}), but ` +
          `exo-oauth:protocols does not list "${protocol}" and the stack never recorded it (a create that raced ` +
          `Graph, or a grant made by hand): the application can still sign in to ${protocol}. Revoke it: az rest ` +
          `--method DELETE --url 'https://graph.microsoft.com/v1.0/servicePrincipals/${sp}/appRoleAssignments/${stray.id}' ` +
          `— or add "${protocol}" to exo-oauth:protocols, and the next pulumi up adopts it.`,
      );
  }
  return warnings;
}
