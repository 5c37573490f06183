// Microsoft's harder behaviours, as hooks the Graph-rules mock consults on every operation. This is
// THE place to add them (each with its source in docs/offline-tenant.md): replication lag (a write
// succeeds, reads 404 for a while), tenant policies that refuse a write (credential lifetime:
// appManagementPolicies), and
// whatever else Graph does that a kinder double would hide. Hand edits (someone deletes a password
// in the portal) are not behaviours but direct changes to the tenant: hand-edits.ts.
//
//   const lag = replicationLag({ kind: "appRoleAssignment", reads: 2 });
//   new GraphTenant({ statePath, behaviours: [lag] })       // or engine options graph.behaviours
//
// A behaviour is consulted, never asked to write: the Graph operations own the tenant state.
import type { TenantState } from "../state";

/** The kinds of Entra objects the mock models, by Graph's names. */
export type GraphObjectKind = "application" | "servicePrincipal" | "appRoleAssignment" | "password";

/**
 * One read of one object. `id`: the application's or service principal's object id, the
 * assignment's id, or the password's keyId. `purpose`: who reads —
 * - "read-back": the provider reading its own write back inside the create (app_role_assignment
 *   create ends with a Read; application_password create polls until the key appears);
 * - "read": a provider Read (refresh, the read after an update) or a data source;
 * - "import": the engine's import step reading an existing object by id.
 */
export interface GraphRead {
  kind: GraphObjectKind;
  id: string;
  purpose: "read-back" | "read" | "import";
}

/** One write Graph is about to apply. */
export interface GraphWrite {
  kind: GraphObjectKind;
  op: "create" | "update" | "delete";
  /** The Pulumi resource name the request comes from ("" for hand edits). */
  name: string;
  /** The request's inputs as the provider sends them (create/update). */
  inputs?: Record<string, unknown>;
  /** A password's addPassword as Graph resolved it: the application and the start and end it would store. */
  credential?: { applicationObjectId: string; startDate: string; endDate: string };
}

export interface GraphBehaviour {
  /** Shown in errors and test names. */
  readonly name: string;
  /** false: Graph answers 404 for an object that exists (eventual consistency). Default: visible. */
  visible?(read: GraphRead, tenant: TenantState): boolean;
  /** Throw (with Graph's error text) to refuse a write, e.g. a credential-lifetime policy. */
  beforeWrite?(write: GraphWrite, tenant: TenantState): void;
  /** Called after Graph applied a create: `id` as in GraphRead. */
  afterCreate?(kind: GraphObjectKind, id: string): void;
}

/**
 * The provider's read-back right after its own create answers 404 `times` times for objects of
 * `kind`, while Graph did create them. For app role assignments this is the race where the
 * assignment exists in Entra but never enters Pulumi's state (docs/pulumi-lifecycle.md,
 * "App role assignment: create and read-back").
 */
export function readBackNotFound(kind: GraphObjectKind, times = 1): GraphBehaviour & { misses: number } {
  const b = {
    name: `read-back of a new ${kind} answers 404 (${times}×)`,
    misses: 0,
    visible(read: GraphRead): boolean {
      if (read.kind !== kind || read.purpose !== "read-back" || b.misses >= times) return true;
      b.misses += 1;
      return false;
    },
  };
  return b;
}

/**
 * Replication lag: every object of `kind` created while this behaviour is active answers 404 to
 * its next `reads` reads, whoever reads (docs/multi-run-engine.md, "Microsoft's harder behaviours
 * and hand edits").
 */
export function replicationLag(opts: { kind: GraphObjectKind; reads: number }): GraphBehaviour {
  const pending = new Map<string, number>();
  return {
    name: `${opts.kind} replication lag (${opts.reads} reads)`,
    afterCreate(kind, id) {
      if (kind === opts.kind) pending.set(id, opts.reads);
    },
    visible(read) {
      const left = read.kind === opts.kind ? pending.get(read.id) : undefined;
      if (!left) return true;
      pending.set(read.id, left - 1);
      return false;
    },
  };
}

/** An app management policy's `passwordLifetime` restriction (Graph's passwordCredentialConfiguration). */
export interface PasswordLifetimeRestriction {
  /** The policy's id: Graph names it in the refusal. */
  id: string;
  /** `maxLifetime`, an ISO 8601 duration such as "P180D" or "P4DT12H30M5S". */
  maxLifetime: string;
}

/** The id Graph gives the tenant's one default policy (GET /policies/defaultAppManagementPolicy). */
export const TENANT_DEFAULT_POLICY_ID = "00000000-0000-0000-0000-000000000000";

/**
 * A tenant's app management policies on password lifetime, as Graph enforces them on addPassword:
 * an application with an app-specific policy (appManagementPolicy assigned to it) follows that one,
 * every other application the tenant default (tenantAppManagementPolicy.applicationRestrictions).
 * A password whose endDateTime − startDateTime is longer than the policy's `maxLifetime` is refused
 * with Graph's text "Credential lifetime exceeds the max value allowed as per assigned policy
 * '<id>'." (docs/offline-tenant.md, "The Graph-rules mock"). Every restriction here applies to
 * every application, whatever its createdDateTime (restrictForAppsCreatedAfterDateTime in the past).
 *
 *   appManagementPolicies({ tenantDefault: { maxLifetime: "P180D" } })
 *   appManagementPolicies({ apps: [{ id, maxLifetime: "P90D", applicationObjectIds: [objectId] }] })
 */
export function appManagementPolicies(policies: {
  tenantDefault?: { maxLifetime: string };
  apps?: Array<PasswordLifetimeRestriction & { applicationObjectIds: string[] }>;
}): GraphBehaviour {
  const all = [
    ...(policies.apps ?? []),
    ...(policies.tenantDefault ? [{ id: TENANT_DEFAULT_POLICY_ID, ...policies.tenantDefault }] : []),
  ];
  for (const p of all) isoDurationMs(p.maxLifetime); // a malformed policy fails when it is made
  const describe = all.map(
    (p) => `${p.maxLifetime}${p.id === TENANT_DEFAULT_POLICY_ID ? " (tenant default)" : ""}`,
  );
  return {
    name: `app management policy: password lifetime at most ${describe.join(", ")}`,
    beforeWrite(write) {
      const c = write.credential;
      if (write.kind !== "password" || write.op !== "create" || !c) return;
      const policy =
        policies.apps?.find((p) => p.applicationObjectIds.includes(c.applicationObjectId)) ??
        (policies.tenantDefault ? { id: TENANT_DEFAULT_POLICY_ID, ...policies.tenantDefault } : undefined);
      if (!policy) return;
      if (Date.parse(c.endDate) - Date.parse(c.startDate) > isoDurationMs(policy.maxLifetime))
        throw new Error(
          `unexpected status 400 (400 Bad Request) with error: Credential lifetime exceeds the max value ` +
            `allowed as per assigned policy '${policy.id}'.`,
        );
    },
  };
}

/** An ISO 8601 duration in days, hours, minutes, seconds (Graph's `Duration` for maxLifetime) → ms. */
export function isoDurationMs(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === "P" || text.endsWith("T"))
    throw new Error(`maxLifetime ${JSON.stringify(text)} is not an ISO 8601 duration like "P180D"`);
  const [d, h, min, sec] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60_000 + sec * 1000;
}
