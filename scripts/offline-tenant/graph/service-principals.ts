// ServicePrincipal (enterprise application) and the getServicePrincipal data source: what
// @pulumi/azuread does over Graph, and what Graph refuses. Texts: learn.microsoft.com/graph/api
// serviceprincipal-post-serviceprincipals, serviceprincipal-update; id /servicePrincipals/{objectId}.
import { randomUUID } from "node:crypto";
import type { EntraServicePrincipal } from "../state";
import { GraphError, missingPermission, READ_PERMISSIONS } from "./graph-errors";
import { setKeys, spState, UUID } from "./shapes";
import type { GraphContext, ReadResult, ResourceResult } from "./types";

/** `/servicePrincipals/{objectId}` → the object id, or undefined. */
export function servicePrincipalObjectId(id: string): string | undefined {
  const m = /^\/servicePrincipals\/([^/]+)$/.exec(id);
  return m && UUID.test(m[1]) ? m[1] : undefined;
}

function owners(what: string, inputs: Record<string, unknown>): string[] {
  const list = (inputs.owners as unknown[] | undefined) ?? [];
  for (const o of list)
    if (typeof o !== "string" || !UUID.test(o))
      throw new Error(`${what}: owner ${JSON.stringify(o)} is not a directory object ID (UUID)`);
  return list as string[];
}

export function createServicePrincipal(
  g: GraphContext,
  name: string,
  inputs: Record<string, unknown>,
): ResourceResult {
  const what = `Creating ServicePrincipal "${name}"`;
  const clientId = inputs.clientId;
  if (typeof clientId !== "string" || !UUID.test(clientId))
    throw new Error(`${what}: clientId ${JSON.stringify(clientId)} is not an application (client) ID (UUID)`);
  const state = g.state;
  const existing = state.entra.servicePrincipals.find((sp) => sp.clientId === clientId);
  if (existing) {
    if (inputs.useExisting === true)
      return { id: `/servicePrincipals/${existing.objectId}`, state: spState(existing, state) };
    throw new Error(
      `${what}: a service principal for the application with client ID "${clientId}" already exists ` +
        `(object ID ${existing.objectId}); it may need to be imported (useExisting)`,
    );
  }
  const app = state.entra.applications.find((a) => a.clientId === clientId);
  if (!app) {
    const byObjectId = state.entra.applications.find((a) => a.objectId === clientId);
    throw new Error(
      `${what}: Graph: The appId '${clientId}' of the service principal does not reference a valid application object.` +
        (byObjectId
          ? ` (it is the object ID of application "${byObjectId.displayName}"; pass its clientId)`
          : ""),
    );
  }
  const list = owners(what, inputs);
  const sp: EntraServicePrincipal = { objectId: randomUUID(), clientId, displayName: app.displayName };
  if (list.length) sp.owners = list;
  if (typeof inputs.notes === "string") sp.notes = inputs.notes;
  g.mutate((s) => void s.entra.servicePrincipals.push(sp));
  g.written("servicePrincipal", sp.objectId);
  return { id: `/servicePrincipals/${sp.objectId}`, state: { ...inputs, ...spState(sp, state) } };
}

export function readServicePrincipalResource(
  g: GraphContext,
  id: string,
  purpose: "read" | "import",
): ReadResult | undefined {
  const objectId = servicePrincipalObjectId(id);
  if (!objectId)
    throw new Error(
      `Reading service principal ${JSON.stringify(id)}: expected /servicePrincipals/<object ID>`,
    );
  const state = g.state;
  const sp = state.entra.servicePrincipals.find((s) => s.objectId === objectId);
  if (!sp || !g.visible({ kind: "servicePrincipal", id: objectId, purpose })) return undefined;
  const inputs = setKeys({ clientId: sp.clientId, owners: sp.owners ?? [], notes: sp.notes });
  return { id, inputs, state: { ...inputs, ...spState(sp, state) } };
}

/** PATCH: owners and notes (clientId forces a new resource: never an update). */
export function updateServicePrincipal(
  g: GraphContext,
  name: string,
  id: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const what = `Updating ServicePrincipal "${name}" (${id})`;
  const objectId = servicePrincipalObjectId(id);
  const list = owners(what, inputs);
  const state = g.state;
  const sp = g.mutate((s) => {
    const x = s.entra.servicePrincipals.find((p) => p.objectId === objectId);
    if (!x) return undefined;
    x.owners = list.length ? list : undefined;
    x.notes = typeof inputs.notes === "string" ? inputs.notes : undefined;
    return { ...x };
  });
  if (!sp) throw new Error(`${what}: Graph: Resource '${objectId ?? id}' does not exist (404)`);
  return { ...inputs, ...spState(sp, state) };
}

/** DELETE /servicePrincipals/{id}: the SP and the app role assignments it holds or grants. */
export function deleteServicePrincipal(g: GraphContext, name: string, id: string): void {
  const objectId = servicePrincipalObjectId(id);
  const found = g.mutate((s) => {
    const before = s.entra.servicePrincipals.length;
    s.entra.servicePrincipals = s.entra.servicePrincipals.filter((p) => p.objectId !== objectId);
    s.entra.appRoleAssignments = s.entra.appRoleAssignments.filter(
      (a) => a.principalObjectId !== objectId && a.resourceObjectId !== objectId,
    );
    return s.entra.servicePrincipals.length < before;
  });
  if (!found)
    throw new Error(
      `Deleting ServicePrincipal "${name}" (${id}): Graph: Resource '${objectId}' does not exist (404)`,
    );
}

/** The getServicePrincipal data source: by exactly one of clientId, objectId, displayName. */
export function readServicePrincipal(
  g: GraphContext,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const keys = (["clientId", "objectId", "displayName"] as const).filter((k) => inputs[k] !== undefined);
  if (keys.length !== 1)
    throw new Error(
      `Reading service principal: exactly one of clientId, objectId, displayName must be given (got ${keys.join(", ") || "none"})`,
    );
  const key = keys[0];
  const denied = missingPermission(g.signedInPermissions, READ_PERMISSIONS.servicePrincipals);
  if (denied) throw new GraphError(denied, `Listing service principals for filter "${key}"`);
  const state = g.state;
  const sp = state.entra.servicePrincipals.find((s) => s[key] === inputs[key]);
  if (!sp || !g.visible({ kind: "servicePrincipal", id: sp.objectId, purpose: "read" }))
    throw new Error(
      `Reading service principal: no service principal found with ${key} "${String(inputs[key])}" in tenant ${state.tenantId}`,
    );
  return spState(sp, state);
}

/**
 * The getServicePrincipals data source by `clientIds` or `objectIds` (service_principals_data_source.go):
 * one lookup per id; with `ignoreMissing` an id that is not found is left out (an empty list is an
 * answer, not an error), without it the provider fails "Service principal not found with application ID".
 */
export function readServicePrincipals(
  g: GraphContext,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const byClient = inputs.clientIds as string[] | undefined;
  const byObject = inputs.objectIds as string[] | undefined;
  if ((byClient === undefined) === (byObject === undefined))
    throw new Error(
      "Invoking getServicePrincipals: give exactly one of clientIds, objectIds (this offline tenant models those two)",
    );
  const denied = missingPermission(g.signedInPermissions, READ_PERMISSIONS.servicePrincipals);
  if (denied) throw new GraphError(denied, "Finding service principals");
  const state = g.state;
  const found: EntraServicePrincipal[] = [];
  for (const id of byClient ?? byObject ?? []) {
    const sp = state.entra.servicePrincipals.find((s) =>
      byClient ? s.clientId.toLowerCase() === id.toLowerCase() : s.objectId === id,
    );
    if (sp && g.visible({ kind: "servicePrincipal", id: sp.objectId, purpose: "read" })) found.push(sp);
    else if (inputs.ignoreMissing !== true)
      throw new Error(
        byClient
          ? `Service principal not found with application ID: "${id}"`
          : `Service principal not found with object ID: "${id}"`,
      );
  }
  return {
    ...inputs,
    id: `servicePrincipals#${found.map((s) => s.objectId).join("/")}`,
    clientIds: found.map((s) => s.clientId),
    displayNames: found.map((s) => s.displayName),
    objectIds: found.map((s) => s.objectId),
    servicePrincipals: found.map((sp) => {
      const full = spState(sp, state);
      return {
        accountEnabled: full.accountEnabled,
        appRoleAssignmentRequired: full.appRoleAssignmentRequired,
        applicationTenantId: full.applicationTenantId,
        clientId: sp.clientId,
        displayName: sp.displayName,
        objectId: sp.objectId,
        preferredSingleSignOnMode: "",
        samlMetadataUrl: "",
        servicePrincipalNames: full.servicePrincipalNames,
        signInAudience: full.signInAudience,
        tags: full.tags,
        type: full.type,
      };
    }),
  };
}
