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
 * - "import": the engine's import step reading an existing object by id;
 * - "reference": a write resolving an object it refers to (an assignment create's principal);
 * - "list": a collection read that would include the object (the program's list of its service
 *   principal's app role assignments).
 */
export interface GraphRead {
  kind: GraphObjectKind;
  id: string;
  purpose: "read-back" | "read" | "import" | "reference" | "list";
}

/** An error answer as Graph sends it: status, `error.code`, `error.message`. */
export interface GraphAnswer {
  status: number;
  code: string;
  message: string;
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
  /**
   * Called after Graph applied a create: an answer returned here is what the client sees instead
   * of the success (the request landed, the answer did not make it back intact).
   */
  answerAfterApply?(write: GraphWrite): GraphAnswer | undefined;
  /** An error answer for a read the program makes itself (graph/rest.ts), e.g. an outage. */
  answerRead?(read: GraphRead): GraphAnswer | undefined;
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

/**
 * The consent race (docs/offline-tenant.md, "Microsoft's harder behaviours"): Graph creates the app
 * role assignment, and its next `reads` reads answer 404 — the provider's read-back first, so the
 * assignment exists in Entra but never enters Pulumi's state; a later create of the same assignment
 * gets "Permission being assigned already exists on the object". Only the first `creates` assignments
 * created while the behaviour is active race (default 1: one consent of a run's three).
 */
export function appRoleAssignmentRace(reads = 1, creates = 1): GraphBehaviour & { raced: string[] } {
  const lag = replicationLag({ kind: "appRoleAssignment", reads });
  const b = {
    ...lag,
    name: `consent race (${creates} create(s), ${reads} reads 404)`,
    raced: [] as string[],
    afterCreate(kind: GraphObjectKind, id: string) {
      if (kind !== "appRoleAssignment" || b.raced.length >= creates) return;
      b.raced.push(id);
      lag.afterCreate!(kind, id);
    },
  };
  return b;
}

/**
 * A just-created service principal is not yet visible to other requests: its next `reads` reads of
 * any kind (an assignment create resolving its principal, a list of its assignments, a Read) answer
 * 404 (Graph: "Resource '<id>' does not exist or one of its queried reference-property objects are
 * not present.").
 */
export function servicePrincipalLag(reads: number): GraphBehaviour {
  return {
    ...replicationLag({ kind: "servicePrincipal", reads }),
    name: `service principal replication lag (${reads} reads)`,
  };
}

/**
 * The first `times` creates of `kind` are applied but answered 404, as when a replica that has not
 * yet seen a referenced object answers: the provider's create retry replays the POST, and the replay
 * is answered "Permission being assigned already exists on the object" — the orphan the open
 * upstream pull request "fix assignments orphaned by the create retry" describes.
 */
export function createAppliedAnswered404(
  kind: GraphObjectKind = "appRoleAssignment",
  times = 1,
): GraphBehaviour & { answered: number } {
  const b = {
    name: `create of ${kind} applied but answered 404 (${times}×)`,
    answered: 0,
    answerAfterApply(write: GraphWrite): GraphAnswer | undefined {
      if (write.kind !== kind || write.op !== "create" || b.answered >= times) return undefined;
      b.answered += 1;
      return {
        status: 404,
        code: "Request_ResourceNotFound",
        message: "Resource does not exist or one of its queried reference-property objects are not present.",
      };
    },
  };
  return b;
}

/**
 * Graph unavailable to the program's own reads (graph/rest.ts) for the next `times` requests: 503
 * with Graph's "serviceNotAvailable" (a service outage, or throttling past the client's retries).
 */
export function graphUnavailable(times = Infinity): GraphBehaviour & { answered: number } {
  const b = {
    name: `Graph unavailable to the program's reads (${times}×)`,
    answered: 0,
    answerRead(): GraphAnswer | undefined {
      if (b.answered >= times) return undefined;
      b.answered += 1;
      return { status: 503, code: "serviceNotAvailable", message: "The service is temporarily unavailable." };
    },
  };
  return b;
}
