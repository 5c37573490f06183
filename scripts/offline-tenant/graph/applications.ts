// Application (app registration): what @pulumi/azuread's Application does over Graph, and what Graph
// refuses. Texts: learn.microsoft.com/graph/api application-post-applications, application-update;
// id format /applications/{objectId} (@pulumi/azuread 6.9 import docs).
import { randomUUID } from "node:crypto";
import type { EntraApplication, TenantState } from "../state";
import { describeRoles, SIGN_IN_AUDIENCES, UUID, setKeys } from "./shapes";
import type { GraphContext, ReadResult, ResourceResult } from "./types";

interface ValidApplication {
  displayName: string;
  audience: string;
  owners: string[];
  requiredRoles: Record<string, string[]>;
}

/** The checks Graph (and the provider's schema) apply to an application's inputs, on create and update. */
function validate(what: string, inputs: Record<string, unknown>, state: TenantState): ValidApplication {
  const displayName = inputs.displayName;
  if (typeof displayName !== "string" || displayName.trim() === "")
    throw new Error(`${what}: displayName is required and must be a non-empty string`);
  const audience = (inputs.signInAudience as string | undefined) ?? "AzureADMyOrg";
  if (!SIGN_IN_AUDIENCES.includes(audience))
    throw new Error(`${what}: signInAudience "${audience}" is not one of ${SIGN_IN_AUDIENCES.join(", ")}`);
  const owners = (inputs.owners as unknown[] | undefined) ?? [];
  for (const o of owners)
    if (typeof o !== "string" || !UUID.test(o))
      throw new Error(`${what}: owner ${JSON.stringify(o)} is not a directory object ID (UUID)`);

  const requiredRoles: Record<string, string[]> = {};
  const accesses = (inputs.requiredResourceAccesses as Record<string, unknown>[] | undefined) ?? [];
  for (const access of accesses) {
    const appId = access.resourceAppId;
    const resource = state.entra.servicePrincipals.find((sp) => sp.clientId === appId);
    if (typeof appId !== "string" || !UUID.test(appId) || !resource)
      throw new Error(
        `${what}: requiredResourceAccess resourceAppId ${JSON.stringify(appId)} is not the appId of a ` +
          `service principal in tenant ${state.tenantId}`,
      );
    if (requiredRoles[appId])
      throw new Error(`${what}: requiredResourceAccess lists resourceAppId ${appId} more than once`);
    const ids: string[] = [];
    for (const ra of (access.resourceAccesses as Record<string, unknown>[] | undefined) ?? []) {
      if (ra.type !== "Role")
        throw new Error(
          `${what}: resourceAccess type ${JSON.stringify(ra.type)} on ${appId}: this mock models only ` +
            `application permissions (type "Role")`,
        );
      const role = resource.appRoles?.find((r) => r.id === ra.id);
      if (!role)
        throw new Error(
          `${what}: resourceAccess id ${JSON.stringify(ra.id)} is not an app role of "${resource.displayName}" ` +
            `(${appId}); its roles: ${describeRoles(resource)}`,
        );
      if (ids.includes(role.id))
        throw new Error(`${what}: app role ${role.value} (${role.id}) is requested twice on ${appId}`);
      ids.push(role.id);
    }
    requiredRoles[appId] = ids;
  }
  return { displayName, audience, owners: owners as string[], requiredRoles };
}

function applicationState(app: EntraApplication, state: TenantState, inputs: Record<string, unknown>) {
  return {
    ...inputs,
    signInAudience: app.signInAudience ?? "AzureADMyOrg",
    owners: app.owners ?? [],
    objectId: app.objectId,
    clientId: app.clientId,
    disabledByMicrosoft: "<nil>",
    publisherDomain: state.organization,
    tags: (inputs.tags as string[] | undefined) ?? [],
  };
}

/** The inputs Graph's object reads back as (what an import or a refresh records). */
function applicationInputs(app: EntraApplication): Record<string, unknown> {
  return setKeys({
    displayName: app.displayName,
    signInAudience: app.signInAudience ?? "AzureADMyOrg",
    owners: app.owners ?? [],
    notes: app.notes,
    requiredResourceAccesses: Object.entries(app.requiredRoles ?? {}).map(([resourceAppId, ids]) => ({
      resourceAppId,
      resourceAccesses: ids.map((id) => ({ id, type: "Role" })),
    })),
  });
}

export function createApplication(
  g: GraphContext,
  name: string,
  inputs: Record<string, unknown>,
): ResourceResult {
  const what = `Creating Application "${name}"`;
  const state = g.state;
  const v = validate(what, inputs, state);
  if (
    inputs.preventDuplicateNames === true &&
    state.entra.applications.some((a) => a.displayName === v.displayName)
  )
    throw new Error(`${what}: an existing application with display name "${v.displayName}" was found`);
  const app: EntraApplication = {
    objectId: randomUUID(),
    clientId: randomUUID(),
    displayName: v.displayName,
    requiredRoles: v.requiredRoles,
  };
  if (inputs.signInAudience !== undefined) app.signInAudience = v.audience;
  if (v.owners.length) app.owners = v.owners;
  if (typeof inputs.notes === "string") app.notes = inputs.notes;
  g.mutate((s) => void s.entra.applications.push(app));
  g.written("application", app.objectId);
  return { id: `/applications/${app.objectId}`, state: applicationState(app, state, inputs) };
}

/** `/applications/{objectId}` → the object id, or undefined when the id is not of that form. */
export function applicationObjectId(id: string): string | undefined {
  const m = /^\/applications\/([^/]+)$/.exec(id);
  return m && UUID.test(m[1]) ? m[1] : undefined;
}

export function readApplication(
  g: GraphContext,
  id: string,
  purpose: "read" | "import",
): ReadResult | undefined {
  const objectId = applicationObjectId(id);
  if (!objectId)
    throw new Error(`Reading application ${JSON.stringify(id)}: expected /applications/<object ID>`);
  const state = g.state;
  const app = state.entra.applications.find((a) => a.objectId === objectId);
  if (!app || !g.visible({ kind: "application", id: objectId, purpose })) return undefined;
  const inputs = applicationInputs(app);
  return { id, inputs, state: applicationState(app, state, inputs) };
}

export function updateApplication(
  g: GraphContext,
  name: string,
  id: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const what = `Updating Application "${name}" (${id})`;
  const objectId = applicationObjectId(id);
  const state = g.state;
  const v = validate(what, inputs, state);
  if (!objectId || !state.entra.applications.some((a) => a.objectId === objectId))
    throw new Error(`${what}: Graph: Resource '${objectId ?? id}' does not exist (404)`);
  const app = g.mutate((s) => {
    const a = s.entra.applications.find((x) => x.objectId === objectId)!;
    a.displayName = v.displayName;
    a.requiredRoles = v.requiredRoles;
    if (inputs.signInAudience !== undefined) a.signInAudience = v.audience;
    a.owners = v.owners.length ? v.owners : undefined;
    a.notes = typeof inputs.notes === "string" ? inputs.notes : undefined;
    return { ...a };
  });
  return applicationState(app, state, inputs);
}

/** DELETE /applications/{id}: the application and the credentials it holds (passwords, certificates). */
export function deleteApplication(g: GraphContext, name: string, id: string): void {
  const objectId = applicationObjectId(id);
  const found = g.mutate((s) => {
    const before = s.entra.applications.length;
    s.entra.applications = s.entra.applications.filter((a) => a.objectId !== objectId);
    s.entra.passwords = s.entra.passwords.filter((p) => p.applicationObjectId !== objectId);
    s.entra.certificates = s.entra.certificates.filter((c) => c.applicationObjectId !== objectId);
    return s.entra.applications.length < before;
  });
  if (!found)
    throw new Error(
      `Deleting Application "${name}" (${id}): Graph: Resource '${objectId}' does not exist (404)`,
    );
}
