// ServicePrincipal (enterprise application) and the getServicePrincipal data source: what
// @pulumi/azuread does over Graph, and what Graph refuses. Texts: learn.microsoft.com/graph/api
// serviceprincipal-post-serviceprincipals, serviceprincipal-update; id /servicePrincipals/{objectId}.
import { randomUUID } from "node:crypto";
import type { EntraServicePrincipal } from "../state";
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
  const state = g.state;
  const sp = state.entra.servicePrincipals.find((s) => s[key] === inputs[key]);
  if (!sp || !g.visible({ kind: "servicePrincipal", id: sp.objectId, purpose: "read" }))
    throw new Error(
      `Reading service principal: no service principal found with ${key} "${String(inputs[key])}" in tenant ${state.tenantId}`,
    );
  return spState(sp, state);
}
