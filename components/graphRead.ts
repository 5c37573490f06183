// The program's own reads of Microsoft Graph: what @pulumi/azuread 6.9.1 has no data source for.
// Today one read: the app role assignments our service principal holds (GET
// /servicePrincipals/{id}/appRoleAssignments), so the program can adopt an admin consent that Graph
// made but Pulumi's state never recorded (components/consentAdoption.ts; docs/pulumi-lifecycle.md,
// "App role assignment: create and read-back").
//
// Reads go through a GraphTransport (one GET by path under https://graph.microsoft.com): the real one
// signs in as the deploying identity (components/providerSignIn.ts); the offline harness installs one
// over the offline tenant (scripts/offline-tenant/graph/rest.ts) with useGraphTransport(). Retries
// follow Graph's guidance: 429/503/504 after Retry-After; 404 for an object a replica does not have
// yet, for a bounded time ("Designing for eventual consistency for Microsoft Entra").

/** One GET: `path` is `/v1.0/...` (or an `@odata.nextLink` URL); `body` is the parsed JSON. */
export type GraphTransport = (
  path: string,
) => Promise<{ status: number; body: unknown; retryAfterSeconds?: number }>;

/** A Graph error answer: HTTP status, Graph's `error.code` and `error.message`. */
export class GraphReadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    what: string,
  ) {
    super(`${what}: Graph answered ${status} ${code}: ${graphMessage}`);
  }
}

export interface GraphReadOptions {
  /** Waits between attempts (default: real time). The offline harness passes a virtual one. */
  sleep?: (ms: number) => Promise<void>;
  /** Retry a 404 this many times (an object just created elsewhere). Default 0. */
  notFoundRetries?: number;
  /** Retry 429/503/504 this many times. Default 4. */
  busyRetries?: number;
}

/** 1 s, 2 s, 4 s … capped at 32 s: the waits between attempts (unless Graph says Retry-After). */
export function backoffMs(attempt: number): number {
  return Math.min(32, 2 ** attempt) * 1000;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function graphError(status: number, body: unknown, what: string): GraphReadError {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return new GraphReadError(
    status,
    typeof e?.code === "string" ? e.code : `HTTP ${status}`,
    typeof e?.message === "string" ? e.message : "no error message",
    what,
  );
}

/** GET `path` and every `@odata.nextLink` after it; the `value` arrays, concatenated. */
export async function graphGetAll(
  transport: GraphTransport,
  path: string,
  what: string,
  opts: GraphReadOptions = {},
): Promise<Record<string, unknown>[]> {
  const sleep = opts.sleep ?? realSleep;
  const out: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  while (next) {
    let notFound = 0;
    let busy = 0;
    for (;;) {
      const answer = await transport(next);
      if (answer.status === 200) {
        const body = answer.body as { value?: unknown; "@odata.nextLink"?: unknown };
        if (!Array.isArray(body?.value))
          throw new GraphReadError(200, "NoValue", "the answer has no `value` array", what);
        out.push(...(body.value as Record<string, unknown>[]));
        next = typeof body["@odata.nextLink"] === "string" ? body["@odata.nextLink"] : undefined;
        break;
      }
      if (answer.status === 404 && notFound < (opts.notFoundRetries ?? 0)) {
        await sleep(backoffMs(notFound++));
        continue;
      }
      if ([429, 503, 504].includes(answer.status) && busy < (opts.busyRetries ?? 4)) {
        await sleep(
          answer.retryAfterSeconds !== undefined ? answer.retryAfterSeconds * 1000 : backoffMs(busy),
        );
        busy++;
        continue;
      }
      throw graphError(answer.status, answer.body, what);
    }
  }
  return out;
}

/** An app role assignment our service principal holds, as Graph lists it. */
export interface AppRoleAssignmentRead {
  /** The assignment's id (not a GUID: 43 base64url characters). */
  id: string;
  appRoleId: string;
  /** The resource service principal's object id (Exchange Online's, for our consents). */
  resourceId: string;
}

/**
 * The app role assignments granted to service principal `principalObjectId` (Graph
 * serviceprincipal-list-approleassignments; permission Application.Read.All or higher). A 404 is
 * retried for about a minute: a service principal created moments ago may not have reached the
 * replica that answers.
 */
export async function listAppRoleAssignments(
  transport: GraphTransport,
  principalObjectId: string,
  opts: GraphReadOptions = {},
): Promise<AppRoleAssignmentRead[]> {
  const rows = await graphGetAll(
    transport,
    `/v1.0/servicePrincipals/${principalObjectId}/appRoleAssignments?$select=id,appRoleId,resourceId`,
    `Listing the app role assignments of service principal ${principalObjectId}`,
    { notFoundRetries: 6, ...opts },
  );
  return rows.map((r) => ({
    id: String(r.id),
    appRoleId: String(r.appRoleId),
    resourceId: String(r.resourceId),
  }));
}

let offline: { transport: GraphTransport; sleep: (ms: number) => Promise<void> } | undefined;

/**
 * For the offline harness only (scripts/offline-tenant/harness/run-program.ts): route the program's
 * Graph reads to the offline tenant, with virtual waits. `undefined` restores the real sign-in.
 */
export function useGraphTransport(transport: GraphTransport | undefined): void {
  offline = transport ? { transport, sleep: async () => undefined } : undefined;
}

/** The offline harness's transport and waits, when it installed one. */
export function offlineGraph():
  { transport: GraphTransport; sleep: (ms: number) => Promise<void> } | undefined {
  return offline;
}
