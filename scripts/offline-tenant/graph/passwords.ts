// ApplicationPassword: what @pulumi/azuread's ApplicationPassword does over Graph
// (terraform-provider-azuread v3.8.0 internal/services/applications/application_password_resource.go):
// create = addPassword, then poll the application until the new keyId appears (ContinuousTargetOccurence
// 5 within the 15-minute create timeout); the secret text is returned ONLY by addPassword, so `value`
// exists only in the create's result; read = GET the application and find the keyId (application 404
// or key missing → gone); delete = removePassword, then wait until the key is gone. No update, no import.
// Graph's texts: learn.microsoft.com/graph/api/application-addpassword. Id: {objectId}/password/{keyId}.
// What addPassword refuses, with the source of each rule: docs/offline-tenant.md, "The Graph-rules mock"
// (a start in the past, an end not after the start, a life over the tenant's policy — behaviours.ts).
// `endDateRelative` is in the provider's schema but its create never sends it (credentials.go
// PasswordCredential reads only display_name, start_date, end_date): Graph's default end applies.
import { randomUUID } from "node:crypto";
import { sha256Hex } from "../state";
import { newSecretText, rfc3339, RFC3339, UUID } from "./shapes";
import type { GraphContext, ReadResult, ResourceResult } from "./types";

/** How many read-backs the create's poll makes before giving up (the provider's 15-minute budget). */
export const PASSWORD_POLL_READS = 30;

function parseId(id: string): { objectId: string; keyId: string } | undefined {
  const m = /^([^/]+)\/password\/([^/]+)$/.exec(id);
  return m && UUID.test(m[1]) && UUID.test(m[2]) ? { objectId: m[1], keyId: m[2] } : undefined;
}

export function createApplicationPassword(
  g: GraphContext,
  name: string,
  inputs: Record<string, unknown>,
): ResourceResult {
  const what = `Creating ApplicationPassword "${name}"`;
  const applicationId = inputs.applicationId;
  const state = g.state;
  const m = typeof applicationId === "string" ? /^\/applications\/([^/]+)$/.exec(applicationId) : null;
  if (!m || !UUID.test(m[1])) {
    const bare = typeof applicationId === "string" ? applicationId : "";
    const app = state.entra.applications.find((a) => a.clientId === bare || a.objectId === bare);
    const hint = app
      ? ` (it is the ${app.clientId === bare ? "client ID" : "object ID"} of "${app.displayName}"; pass the application's id, /applications/${app.objectId})`
      : "";
    throw new Error(
      `${what}: parsing applicationId ${JSON.stringify(applicationId)}: expected /applications/<object ID>${hint}`,
    );
  }
  const objectId = m[1];
  const app = state.entra.applications.find((a) => a.objectId === objectId);
  if (!app)
    throw new Error(
      `${what}: Graph: application with object ID ${objectId} was not found in tenant ${state.tenantId}`,
    );
  if (inputs.endDate !== undefined && inputs.endDateRelative !== undefined)
    throw new Error(`${what}: endDate conflicts with endDateRelative; set one`);
  const parseDate = (key: string): Date | undefined => {
    const v = inputs[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !RFC3339.test(v) || Number.isNaN(Date.parse(v)))
      throw new Error(
        `${what}: ${key} ${JSON.stringify(v)} is not an RFC3339 time (e.g. 2027-01-31T00:00:00Z)`,
      );
    return new Date(v);
  };
  if (inputs.endDateRelative !== undefined && !/^\d+h(\d+m)?$/.test(String(inputs.endDateRelative)))
    throw new Error(
      `${what}: endDateRelative ${JSON.stringify(inputs.endDateRelative)} is not a duration like "8760h"`,
    );
  const now = g.now();
  const start = parseDate("startDate") ?? now;
  // endDateRelative is never sent (see the header): no endDate means Graph's default.
  const end = parseDate("endDate") ?? new Date(start.getTime() + 2 * 365 * 86_400_000); // addPassword's default: two years
  const adding = `${what}: Adding password for Application (Application: "${objectId}")`;
  const graphError = (code: string, message: string) =>
    new Error(`${adding}: unexpected status 400 (400 Bad Request) with error: ${code}: ${message}`);
  if (start.getTime() < now.getTime())
    throw graphError("KeyCredentialsInvalidStartDate", "Key credential start date is invalid.");
  if (end.getTime() <= start.getTime())
    throw graphError("KeyCredentialsInvalidEndDate", "Key credential end date is invalid.");
  const rotate = inputs.rotateWhenChanged;
  if (
    rotate !== undefined &&
    (typeof rotate !== "object" ||
      rotate === null ||
      Object.values(rotate).some((v) => typeof v !== "string"))
  )
    throw new Error(`${what}: rotateWhenChanged must map names to strings`);

  const keyId = randomUUID();
  const value = newSecretText();
  const startDate = rfc3339(start);
  const endDate = rfc3339(end);
  const displayName = typeof inputs.displayName === "string" ? inputs.displayName : undefined;
  for (const b of g.behaviours)
    try {
      b.beforeWrite?.(
        {
          kind: "password",
          op: "create",
          name,
          inputs,
          credential: { applicationObjectId: objectId, startDate, endDate },
        },
        state,
      );
    } catch (err) {
      throw new Error(`${adding}: ${(err as Error).message}`);
    }
  g.mutate(
    (s) =>
      void s.entra.passwords.push({
        applicationObjectId: objectId,
        keyId,
        displayName,
        secretSha256: sha256Hex(value), // never the value itself
        startDate,
        endDate,
      }),
  );
  g.written("password", keyId);
  // The provider polls the application until the key shows up; past its budget the create fails
  // (the password exists in Entra, Pulumi records nothing).
  let seen = false;
  for (let i = 0; i < PASSWORD_POLL_READS && !seen; i++)
    seen = g.visible({ kind: "password", id: keyId, purpose: "read-back" });
  if (!seen)
    throw new Error(
      `${what}: Waiting for password credential for /applications/${objectId}: password credential not found ` +
        `in application manifest after ${PASSWORD_POLL_READS} reads; key ${keyId} exists in Entra but is not in state`,
    );
  return {
    id: `${objectId}/password/${keyId}`,
    state: { ...inputs, applicationId, keyId, value, startDate, endDate, displayName: displayName ?? "" },
  };
}

/**
 * The provider's Read: the password's public fields (never the value: Graph does not return it, so a
 * refresh keeps the value held in state). Gone when the application or the key is not found.
 */
export function readApplicationPassword(
  g: GraphContext,
  id: string,
  purpose: "read" | "import",
): ReadResult | undefined {
  if (purpose === "import")
    throw new Error(
      `Importing ApplicationPassword ${id}: the provider does not support import (application_password_resource.go has no Importer)`,
    );
  const parsed = parseId(id);
  if (!parsed)
    throw new Error(
      `Reading password credential with ID ${JSON.stringify(id)}: expected {objectId}/password/{keyId}`,
    );
  const state = g.state;
  const app = state.entra.applications.find((a) => a.objectId === parsed.objectId);
  if (!app || !g.visible({ kind: "application", id: parsed.objectId, purpose })) return undefined;
  const p = state.entra.passwords.find(
    (x) => x.applicationObjectId === parsed.objectId && x.keyId === parsed.keyId,
  );
  if (!p || !g.visible({ kind: "password", id: parsed.keyId, purpose })) return undefined;
  const inputs = {
    applicationId: `/applications/${parsed.objectId}`,
    displayName: p.displayName ?? "",
    startDate: p.startDate,
    endDate: p.endDate,
  };
  return { id, inputs, state: { ...inputs, keyId: p.keyId } };
}

/** removePassword; Graph answers 404 when the application is gone (then the delete fails). */
export function deleteApplicationPassword(g: GraphContext, name: string, id: string): void {
  const parsed = parseId(id);
  const what = `Deleting ApplicationPassword "${name}": Removing password credential ${parsed?.keyId ?? id}`;
  if (!parsed) throw new Error(`${what}: expected {objectId}/password/{keyId}`);
  const ok = g.mutate((s) => {
    if (!s.entra.applications.some((a) => a.objectId === parsed.objectId)) return false;
    s.entra.passwords = s.entra.passwords.filter(
      (p) => !(p.applicationObjectId === parsed.objectId && p.keyId === parsed.keyId),
    );
    return true;
  });
  if (!ok)
    throw new Error(`${what} from /applications/${parsed.objectId}: Graph: application not found (404)`);
}
