// AppRoleAssignment (admin consent to one app role): what @pulumi/azuread does over Graph
// (terraform-provider-azuread v3.8.0 internal/services/approleassignments/app_role_assignment_resource.go):
// create = GET the resource SP, POST appRoleAssignedTo (replayed on 404 up to ASSIGNMENT_CREATE_ATTEMPTS
// times: a principal not yet replicated, or an answer lost after the write landed — then the replay
// meets the first write: "already exists"), then Read the new assignment back at once —
// no consistency wait: a 404 there clears the id, so the create fails although Graph created the
// assignment, and Pulumi records nothing (docs/pulumi-lifecycle.md, "@pulumi/azuread 6.9.1", App role
// assignment: create and read-back). Read 404 → gone. Delete = DELETE appRoleAssignedTo. Every input forces a new resource.
// Graph's texts: learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto.
// Id: /servicePrincipals/{resourceObjectId}/appRoleAssignedTo/{assignmentId}.
import { randomBytes } from "node:crypto";
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import type { GraphAnswer } from "./behaviours";
import { notFoundAnswer } from "./graph-errors";
import { describeRoles, UUID } from "./shapes";
import type { GraphContext, ReadResult, ResourceResult } from "./types";

/**
 * How many times the provider sends the create's POST: once, then its RetryFunc's replays on 404 or
 * "Not a valid reference update" — go-azure-sdk's retryable client fits 9 retries (backoff 1 s
 * doubling to 61 s) in the resource's 5-minute create timeout (sdk/client/client.go
 * retryableClient, safeRetryNumber; docs/offline-tenant.md, "Microsoft's harder behaviours").
 */
export const ASSIGNMENT_CREATE_ATTEMPTS = 10;

function parseId(id: string): { resourceObjectId: string; assignmentId: string } | undefined {
  const m = /^\/servicePrincipals\/([^/]+)\/appRoleAssignedTo\/([^/]+)$/.exec(id);
  return m && UUID.test(m[1]) ? { resourceObjectId: m[1], assignmentId: m[2] } : undefined;
}

export function createAppRoleAssignment(
  g: GraphContext,
  name: string,
  inputs: Record<string, unknown>,
): ResourceResult {
  const what = `Creating AppRoleAssignment "${name}"`;
  for (const key of ["appRoleId", "principalObjectId", "resourceObjectId"])
    if (typeof inputs[key] !== "string" || !UUID.test(inputs[key] as string))
      throw new Error(`${what}: ${key} ${JSON.stringify(inputs[key])} is not a UUID`);
  const { appRoleId, principalObjectId, resourceObjectId } = inputs as Record<string, string>;
  const state = g.state;
  const whoIs = (id: string) => {
    const app = state.entra.applications.find((a) => a.objectId === id || a.clientId === id);
    if (!app) return "";
    const kind = app.objectId === id ? "object ID" : "client ID";
    return ` (it is the ${kind} of application "${app.displayName}", not a service principal's object ID)`;
  };
  const resource = state.entra.servicePrincipals.find((sp) => sp.objectId === resourceObjectId);
  if (!resource)
    throw new Error(
      `${what}: resourceObjectId ${resourceObjectId} is not a service principal in tenant ${state.tenantId}` +
        whoIs(resourceObjectId),
    );
  if (resource.clientId !== EXCHANGE_ONLINE_APP_ID)
    throw new Error(
      `${what}: resourceObjectId ${resourceObjectId} is "${resource.displayName}", not the Office 365 Exchange ` +
        `Online service principal; this mock models consent to Exchange Online's roles only`,
    );
  const role = resource.appRoles?.find((r) => r.id === appRoleId);
  if (!role)
    throw new Error(
      `${what}: Graph: Permission being assigned was not found on application '${resource.clientId}'. ` +
        `appRoleId ${appRoleId} is not one of "${resource.displayName}"'s roles: ${describeRoles(resource)}`,
    );
  if (role.isEnabled === false)
    throw new Error(
      `${what}: Graph: Permission being assigned is disabled on application '${resource.clientId}': app role ` +
        `${role.value} (${role.id}) of "${resource.displayName}" has isEnabled false`,
    );
  const principal = state.entra.servicePrincipals.find((sp) => sp.objectId === principalObjectId);
  if (!principal)
    throw new Error(
      `${what}: principalObjectId ${principalObjectId} is not a service principal in tenant ${state.tenantId}` +
        whoIs(principalObjectId),
    );
  // The POST, replayed by the provider's RetryFunc on 404 (a principal not yet replicated, or an
  // answer lost after the write landed) up to ASSIGNMENT_CREATE_ATTEMPTS times.
  let id: string | undefined;
  let last: GraphAnswer | undefined;
  for (let attempt = 1; attempt <= ASSIGNMENT_CREATE_ATTEMPTS && !id; attempt++) {
    if (!g.visible({ kind: "servicePrincipal", id: principalObjectId, purpose: "reference" })) {
      last = notFoundAnswer(principalObjectId);
      continue;
    }
    if (
      g.state.entra.appRoleAssignments.some(
        (a) =>
          a.principalObjectId === principalObjectId &&
          a.resourceObjectId === resourceObjectId &&
          a.appRoleId === appRoleId,
      )
    )
      throw new Error(
        `${what}: Could not create app role assignment: unexpected status 400 (400 Bad Request) with error: ` +
          `Request_BadRequest: Permission being assigned already exists on the object. (${role.value})`,
      );
    for (const b of g.behaviours)
      b.beforeWrite?.({ kind: "appRoleAssignment", op: "create", name, inputs }, state);
    const created = randomBytes(32).toString("base64url"); // Graph's assignment ids are 43-char base64url strings
    g.mutate(
      (s) =>
        void s.entra.appRoleAssignments.push({ id: created, principalObjectId, resourceObjectId, appRoleId }),
    );
    g.written("appRoleAssignment", created);
    const lost = g.behaviours
      .map((b) => b.answerAfterApply?.({ kind: "appRoleAssignment", op: "create", name, inputs }))
      .find((a) => a !== undefined);
    if (lost?.status === 404) last = lost;
    else if (lost)
      throw new Error(`${what}: Could not create app role assignment: ${lost.code}: ${lost.message}`);
    else id = created;
  }
  if (!id)
    throw new Error(
      `${what}: Could not create app role assignment: unexpected status ${last!.status} after ` +
        `${ASSIGNMENT_CREATE_ATTEMPTS} attempts with error: ${last!.code}: ${last!.message}`,
    );
  const resourceId = `/servicePrincipals/${resourceObjectId}/appRoleAssignedTo/${id}`;
  // The create ends with the provider's Read; a 404 there clears the id: no state, an error.
  if (!g.visible({ kind: "appRoleAssignment", id, purpose: "read-back" }))
    throw new Error(
      `${what}: the provider's read-back of ${resourceId} right after the create got 404 from Graph ` +
        `(not yet replicated) and cleared the id: the assignment (${role.value}) exists in Entra but is not in ` +
        `Pulumi's state; the next create of it fails with "Permission being assigned already exists"; adopt it ` +
        `with the import resource option (id ${resourceId})`,
    );
  return {
    id: resourceId,
    state: {
      ...inputs,
      principalDisplayName: principal.displayName,
      principalType: "ServicePrincipal",
      resourceDisplayName: resource.displayName,
    },
  };
}

export function readAppRoleAssignment(
  g: GraphContext,
  id: string,
  purpose: "read" | "import",
): ReadResult | undefined {
  const parsed = parseId(id);
  if (!parsed)
    throw new Error(
      `Parsing App Role Assignment ID ${JSON.stringify(id)}: expected /servicePrincipals/{objectId}/appRoleAssignedTo/{id}`,
    );
  const state = g.state;
  const a = state.entra.appRoleAssignments.find(
    (x) => x.id === parsed.assignmentId && x.resourceObjectId === parsed.resourceObjectId,
  );
  if (!a || !g.visible({ kind: "appRoleAssignment", id: a.id, purpose })) return undefined;
  const principal = state.entra.servicePrincipals.find((sp) => sp.objectId === a.principalObjectId);
  const resource = state.entra.servicePrincipals.find((sp) => sp.objectId === a.resourceObjectId);
  const inputs = {
    appRoleId: a.appRoleId,
    principalObjectId: a.principalObjectId,
    resourceObjectId: a.resourceObjectId,
  };
  return {
    id,
    inputs,
    state: {
      ...inputs,
      principalDisplayName: principal?.displayName ?? "",
      principalType: "ServicePrincipal",
      resourceDisplayName: resource?.displayName ?? "",
    },
  };
}

export function deleteAppRoleAssignment(g: GraphContext, name: string, id: string): void {
  const parsed = parseId(id);
  const found = g.mutate((s) => {
    const before = s.entra.appRoleAssignments.length;
    s.entra.appRoleAssignments = s.entra.appRoleAssignments.filter(
      (a) => !(parsed && a.id === parsed.assignmentId && a.resourceObjectId === parsed.resourceObjectId),
    );
    return s.entra.appRoleAssignments.length < before;
  });
  if (!found)
    throw new Error(
      `Deleting AppRoleAssignment "${name}": Deleting ${id}: Graph: Resource does not exist (404)`,
    );
}
