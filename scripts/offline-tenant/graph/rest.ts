// The offline Graph front for the reads the PROGRAM makes itself (not through the azuread provider):
// GET /v1.0/servicePrincipals/{id}/appRoleAssignments, answered from the tenant state with Graph's
// rules — the caller's permissions (403), a service principal a replica does not have yet (404), an
// assignment a replica does not list yet (left out: Graph's page says "This request might have
// replication delays for app role assignments that were recently granted or removed"). Sources:
// docs/offline-tenant.md ("Reads the program makes").
//
//   offlineGraphTransport(graph)("/v1.0/servicePrincipals/<id>/appRoleAssignments")  // { status, body }
import type { GraphTransport } from "../../../components/graphRead";
import { missingPermission, notFoundAnswer, READ_PERMISSIONS } from "./graph-errors";
import type { GraphAnswer } from "./behaviours";
import { UUID } from "./shapes";
import type { GraphContext } from "./types";

const GRAPH = "https://graph.microsoft.com/v1.0";

function errorBody(a: GraphAnswer) {
  return { status: a.status, body: { error: { code: a.code, message: a.message } } };
}

/** One GET against the offline tenant, as the deploying identity (the context's permissions). */
export function graphGet(g: GraphContext, path: string): { status: number; body: unknown } {
  const url = new URL(path, "https://graph.invalid");
  if (url.pathname === "/v1.0/applications") return listApplications(g, url);
  const m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/.exec(url.pathname);
  if (!m)
    return errorBody({
      status: 400,
      code: "BadRequest",
      message: `The offline Graph front does not model ${url.pathname}`,
    });
  const denied = missingPermission(g.signedInPermissions, READ_PERMISSIONS.appRoleAssignments);
  if (denied) return errorBody(denied);
  const principalId = m[1];
  for (const b of g.behaviours) {
    const answer = b.answerRead?.({ kind: "servicePrincipal", id: principalId, purpose: "list" });
    if (answer) return errorBody(answer);
  }
  const state = g.state;
  const sp = UUID.test(principalId)
    ? state.entra.servicePrincipals.find((s) => s.objectId === principalId)
    : undefined;
  if (!sp || !g.visible({ kind: "servicePrincipal", id: principalId, purpose: "list" }))
    return errorBody(notFoundAnswer(principalId));
  const value = state.entra.appRoleAssignments
    .filter((a) => a.principalObjectId === principalId)
    .filter((a) => g.visible({ kind: "appRoleAssignment", id: a.id, purpose: "list" }))
    .map((a) => ({
      id: a.id,
      appRoleId: a.appRoleId,
      principalId: a.principalObjectId,
      principalType: "ServicePrincipal",
      principalDisplayName: sp.displayName,
      resourceId: a.resourceObjectId,
      resourceDisplayName:
        state.entra.servicePrincipals.find((s) => s.objectId === a.resourceObjectId)?.displayName ?? "",
    }));
  return {
    status: 200,
    body: {
      "@odata.context": `${GRAPH}/$metadata#servicePrincipals('${principalId}')/appRoleAssignments`,
      value,
    },
  };
}

/**
 * GET /v1.0/applications?$filter=appId eq '<guid>' (application-list; what `npm run check-expiry`
 * reads): the application with its passwordCredentials as Graph lists them (secretText always null,
 * Graph's "secretText … is never returned"). Permissions: Application.Read.All or higher
 * (application-list, "Permissions"); Application.ReadWrite.OwnedBy is refused here, stricter than
 * Graph, which lists the applications the caller owns (docs/offline-tenant.md, "Reads the program
 * makes"). Only that one filter is modelled.
 */
function listApplications(g: GraphContext, url: URL): { status: number; body: unknown } {
  const filter = /^appId eq '([^']*)'$/.exec(url.searchParams.get("$filter") ?? "");
  if (!filter)
    return errorBody({
      status: 400,
      code: "BadRequest",
      message: "The offline Graph front models GET /applications with $filter=appId eq '<id>' only",
    });
  const denied = missingPermission(g.signedInPermissions, READ_PERMISSIONS.applications);
  if (denied) return errorBody(denied);
  const state = g.state;
  const value = state.entra.applications
    .filter((a) => a.clientId === filter[1])
    .filter((a) => g.visible({ kind: "application", id: a.objectId, purpose: "list" }))
    .map((a) => ({
      id: a.objectId,
      appId: a.clientId,
      displayName: a.displayName,
      passwordCredentials: state.entra.passwords
        .filter((p) => p.applicationObjectId === a.objectId)
        .filter((p) => g.visible({ kind: "password", id: p.keyId, purpose: "list" }))
        .map((p) => ({
          customKeyIdentifier: null,
          displayName: p.displayName ?? null,
          endDateTime: p.endDate,
          hint: null,
          keyId: p.keyId,
          secretText: null,
          startDateTime: p.startDate,
        })),
    }));
  return { status: 200, body: { "@odata.context": `${GRAPH}/$metadata#applications`, value } };
}

/** A GraphTransport (components/graphRead.ts) over the offline tenant: what the harness installs. */
export function offlineGraphTransport(g: GraphContext): GraphTransport {
  return async (path) => graphGet(g, path);
}
