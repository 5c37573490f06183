// The Graph-rules mock: a `pulumi.runtime.Mocks` that behaves like @pulumi/azuread and Microsoft Graph
// over an offline tenant (state.ts, `entra` part), and THROWS where they would reject the request.
//
// API (kept small; other suites and the demo reuse it):
//
//   const mock = new GraphRulesMock({ state?, statePath?, signedInTenantId?, onResource?, onCall? });
//   await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
//   ...load and run the program...
//   mock.resources           every registration, in order: { type, name, custom, inputs, id, outputs }
//                            (inputs with Pulumi secrets unwrapped; `secretInputs` names the wrapped keys)
//   mock.ofType(TYPES.x)     the registrations of one resource type
//   mock.invokes             every invoke: { token, inputs }
//   mock.state               the tenant as Graph now sees it (re-read from `statePath` when persisted)
//
//   Options: `state` — the tenant to start from (default newTenantState(); mutated in place when not persisted);
//   `statePath` — persist every change with updateState(), so other processes (the token issuer) see it
//   (the file is created from `state` when missing); `signedInTenantId` — the tenant getClientConfig
//   reports (default the state's tenantId; set another to exercise the tenant guard);
//   `onResource` / `onCall` — handlers for types/tokens this mock does not model (e.g. command:local:Command);
//   return undefined to fall through to the mock's "not modelled" error; `previousOutputs` — what a
//   `pulumi:pulumi:StackReference` to the stack itself reads (default {}: a stack never deployed).
//
// Modelled: Application, ServicePrincipal, AppRoleAssignment, ApplicationPassword; invokes getServicePrincipal
// (by clientId, objectId or displayName) and getClientConfig; component resources are recorded and echoed.
// Anything else throws, so a test never passes against behaviour nobody modelled.
// Graph's rules and texts: learn.microsoft.com/graph/api (application-post-applications,
// serviceprincipal-post-serviceprincipals, serviceprincipal-post-approleassignedto, application-addpassword);
// ID formats: @pulumi/azuread 6.9 import docs (/applications/{id}, /servicePrincipals/{id},
// /servicePrincipals/{resource}/appRoleAssignedTo/{assignmentId}); ApplicationPassword id {objectId}/password/{keyId}.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN } from "../../../components/identifiers";
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import {
  newTenantState,
  readState,
  sha256Hex,
  updateState,
  writeState,
  type EntraApplication,
  type EntraServicePrincipal,
  type TenantState,
} from "../state";

/** Resource type tokens and invoke tokens this mock models. */
export const TYPES = {
  application: "azuread:index/application:Application",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  applicationPassword: "azuread:index/applicationPassword:ApplicationPassword",
} as const;
/** The engine's stack reference (a read of another stack's, or this stack's own, outputs). */
export const STACK_REFERENCE = "pulumi:pulumi:StackReference";
export const INVOKES = {
  getServicePrincipal: "azuread:index/getServicePrincipal:getServicePrincipal",
  getClientConfig: "azuread:index/getClientConfig:getClientConfig",
} as const;

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  /** Inputs as the provider receives them, Pulumi secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Top-level input keys that arrived wrapped as Pulumi secrets. */
  secretInputs: string[];
  id: string;
  outputs: Record<string, unknown>;
}
export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
}

/** What `newResource` returns (and what an `onResource` handler returns for a type it models). */
export type ResourceResult = { id: string; state: Record<string, unknown> };
export interface GraphRulesMockOptions {
  state?: TenantState;
  statePath?: string;
  signedInTenantId?: string;
  /** The deploying identity getClientConfig reports (default: a fixed pair of fresh UUIDs). */
  signedInAs?: { clientId: string; objectId: string };
  onResource?: (args: pulumi.runtime.MockResourceArgs, mock: GraphRulesMock) => ResourceResult | undefined;
  onCall?: (args: pulumi.runtime.MockCallArgs, mock: GraphRulesMock) => Record<string, unknown> | undefined;
  /** The outputs a StackReference reads (the program reads its own previous outputs). Default {}. */
  previousOutputs?: Record<string, unknown>;
}

// Pulumi's wire form of a secret value (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UUID = GUID_PATTERN;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SIGN_IN_AUDIENCES = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
];

function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}
/** Unwraps Pulumi secret envelopes anywhere in a value. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** RFC3339 in whole seconds, as Graph returns dates. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
/** A client secret shaped like Entra's: 40 characters, the 4th–6th `<digit>Q~`. */
function newSecretText(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";
  const pick = (n: number, set = alphabet) => [...randomBytes(n)].map((b) => set[b % set.length]).join("");
  return `${pick(3, alphabet.slice(0, 62))}${pick(1, "0123456789")}Q~${pick(34)}`;
}

export class GraphRulesMock implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly invokes: RecordedInvoke[] = [];
  private readonly memory?: TenantState;
  private readonly statePath?: string;
  private readonly signedInTenantId?: string;
  private readonly signedInAs: { clientId: string; objectId: string };
  private readonly options: GraphRulesMockOptions;

  constructor(options: GraphRulesMockOptions = {}) {
    this.options = options;
    this.statePath = options.statePath;
    if (options.statePath) {
      if (!existsSync(options.statePath)) writeState(options.statePath, options.state ?? newTenantState());
    } else {
      this.memory = options.state ?? newTenantState();
    }
    this.signedInTenantId = options.signedInTenantId;
    this.signedInAs = options.signedInAs ?? { clientId: randomUUID(), objectId: randomUUID() };
  }

  /** The tenant as Graph now sees it. */
  get state(): TenantState {
    return this.statePath ? readState(this.statePath) : this.memory!;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  private mutate<T>(fn: (s: TenantState) => T): T {
    return this.statePath ? updateState(this.statePath, fn) : fn(this.memory!);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): ResourceResult {
    const raw = (args.inputs ?? {}) as Record<string, unknown>;
    const inputs = unwrapSecrets(raw) as Record<string, unknown>;
    const secretInputs = Object.keys(raw).filter((k) => isSecretValue(raw[k]));
    let result: ResourceResult | undefined;
    if (args.custom === false) {
      result = { id: "", state: inputs };
    } else {
      switch (args.type) {
        case TYPES.application:
          result = this.createApplication(args.name, inputs);
          break;
        case TYPES.servicePrincipal:
          result = this.createServicePrincipal(args.name, inputs);
          break;
        case TYPES.appRoleAssignment:
          result = this.createAppRoleAssignment(args.name, inputs);
          break;
        case TYPES.applicationPassword:
          result = this.createApplicationPassword(args.name, inputs);
          break;
        case STACK_REFERENCE: {
          // The engine's builtin provider; Pulumi Cloud rejects a name not `<org>/<project>/<stack>`.
          const name = String(inputs.name);
          if (!/^[^/]+\/[^/]+\/[^/]+$/.test(name))
            throw new Error(
              `Reading StackReference "${args.name}": ${JSON.stringify(name)} is not <organization>/<project>/<stack>`,
            );
          result = {
            id: name,
            state: { name, outputs: this.options.previousOutputs ?? {}, secretOutputNames: [] },
          };
          break;
        }
        default:
          result = this.options.onResource?.(args, this);
          if (!result)
            throw new Error(
              `Creating ${args.type} "${args.name}": the Graph-rules mock does not model this resource type; ` +
                `handle it with the onResource option`,
            );
      }
    }
    this.resources.push({
      type: args.type,
      name: args.name,
      custom: args.custom !== false,
      inputs,
      secretInputs,
      id: result.id,
      outputs: result.state,
    });
    return result;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = unwrapSecrets(args.inputs ?? {}) as Record<string, unknown>;
    this.invokes.push({ token: args.token, inputs });
    switch (args.token) {
      case INVOKES.getServicePrincipal:
        return this.readServicePrincipal(inputs);
      case INVOKES.getClientConfig: {
        const tenantId = this.signedInTenantId ?? this.state.tenantId;
        const { clientId, objectId } = this.signedInAs;
        return { id: `${tenantId}-${clientId}-${objectId}`, tenantId, clientId, objectId };
      }
      default: {
        const out = this.options.onCall?.(args, this);
        if (out) return out;
        throw new Error(
          `Invoking ${args.token}: the Graph-rules mock does not model this function; handle it with the onCall option`,
        );
      }
    }
  }

  // ── Resources ────────────────────────────────────────────────────────────────────────────────────────

  private createApplication(name: string, inputs: Record<string, unknown>): ResourceResult {
    const what = `Creating Application "${name}"`;
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
    const state = this.state;
    if (
      inputs.preventDuplicateNames === true &&
      state.entra.applications.some((a) => a.displayName === displayName)
    )
      throw new Error(`${what}: an existing application with display name "${displayName}" was found`);

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

    const app: EntraApplication = {
      objectId: randomUUID(),
      clientId: randomUUID(),
      displayName,
      requiredRoles,
    };
    this.mutate((s) => void s.entra.applications.push(app));
    return {
      id: `/applications/${app.objectId}`,
      state: {
        ...inputs,
        signInAudience: audience,
        owners,
        objectId: app.objectId,
        clientId: app.clientId,
        disabledByMicrosoft: "<nil>",
        publisherDomain: state.organization,
        tags: (inputs.tags as string[] | undefined) ?? [],
      },
    };
  }

  private createServicePrincipal(name: string, inputs: Record<string, unknown>): ResourceResult {
    const what = `Creating ServicePrincipal "${name}"`;
    const clientId = inputs.clientId;
    if (typeof clientId !== "string" || !UUID.test(clientId))
      throw new Error(
        `${what}: clientId ${JSON.stringify(clientId)} is not an application (client) ID (UUID)`,
      );
    const state = this.state;
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
    const sp: EntraServicePrincipal = { objectId: randomUUID(), clientId, displayName: app.displayName };
    this.mutate((s) => void s.entra.servicePrincipals.push(sp));
    return { id: `/servicePrincipals/${sp.objectId}`, state: { ...inputs, ...spState(sp, state) } };
  }

  private createAppRoleAssignment(name: string, inputs: Record<string, unknown>): ResourceResult {
    const what = `Creating AppRoleAssignment "${name}"`;
    for (const key of ["appRoleId", "principalObjectId", "resourceObjectId"])
      if (typeof inputs[key] !== "string" || !UUID.test(inputs[key] as string))
        throw new Error(`${what}: ${key} ${JSON.stringify(inputs[key])} is not a UUID`);
    const { appRoleId, principalObjectId, resourceObjectId } = inputs as Record<string, string>;
    const state = this.state;
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
    const principal = state.entra.servicePrincipals.find((sp) => sp.objectId === principalObjectId);
    if (!principal)
      throw new Error(
        `${what}: principalObjectId ${principalObjectId} is not a service principal in tenant ${state.tenantId}` +
          whoIs(principalObjectId),
      );
    if (
      state.entra.appRoleAssignments.some(
        (a) =>
          a.principalObjectId === principalObjectId &&
          a.resourceObjectId === resourceObjectId &&
          a.appRoleId === appRoleId,
      )
    )
      throw new Error(
        `${what}: Graph: Permission being assigned already exists on the object. (${role.value})`,
      );
    const id = randomBytes(32).toString("base64url"); // Graph's assignment ids are 43-char base64url strings
    this.mutate(
      (s) => void s.entra.appRoleAssignments.push({ id, principalObjectId, resourceObjectId, appRoleId }),
    );
    return {
      id: `/servicePrincipals/${resourceObjectId}/appRoleAssignedTo/${id}`,
      state: {
        ...inputs,
        principalDisplayName: principal.displayName,
        principalType: "ServicePrincipal",
        resourceDisplayName: resource.displayName,
      },
    };
  }

  private createApplicationPassword(name: string, inputs: Record<string, unknown>): ResourceResult {
    const what = `Creating ApplicationPassword "${name}"`;
    const applicationId = inputs.applicationId;
    const state = this.state;
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
    const start = parseDate("startDate") ?? new Date();
    let end = parseDate("endDate");
    if (inputs.endDateRelative !== undefined) {
      const hm = /^(\d+)h$/.exec(String(inputs.endDateRelative));
      if (!hm)
        throw new Error(
          `${what}: endDateRelative ${JSON.stringify(inputs.endDateRelative)} is not a duration like "8760h"`,
        );
      end = new Date(start.getTime() + Number(hm[1]) * 3_600_000);
    }
    end ??= new Date(start.getTime() + 2 * 365 * 86_400_000); // addPassword's default: two years
    if (end.getTime() <= start.getTime())
      throw new Error(`${what}: endDate ${rfc3339(end)} is not after startDate ${rfc3339(start)}`);
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
    this.mutate(
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
    return {
      id: `${objectId}/password/${keyId}`,
      state: { ...inputs, applicationId, keyId, value, startDate, endDate, displayName: displayName ?? "" },
    };
  }

  // ── Invokes ──────────────────────────────────────────────────────────────────────────────────────────

  private readServicePrincipal(inputs: Record<string, unknown>): Record<string, unknown> {
    const keys = (["clientId", "objectId", "displayName"] as const).filter((k) => inputs[k] !== undefined);
    if (keys.length !== 1)
      throw new Error(
        `Reading service principal: exactly one of clientId, objectId, displayName must be given (got ${keys.join(", ") || "none"})`,
      );
    const key = keys[0];
    const state = this.state;
    const sp = state.entra.servicePrincipals.find((s) => s[key] === inputs[key]);
    if (!sp)
      throw new Error(
        `Reading service principal: no service principal found with ${key} "${String(inputs[key])}" in tenant ${state.tenantId}`,
      );
    return spState(sp, state);
  }
}

function describeRoles(sp: EntraServicePrincipal): string {
  const roles = sp.appRoles ?? [];
  return roles.length ? roles.map((r) => `${r.value} (${r.id})`).join(", ") : "none";
}

/** A service principal as the provider reads it (data source and resource outputs). */
function spState(sp: EntraServicePrincipal, state: TenantState): Record<string, unknown> {
  const roles = sp.appRoles ?? [];
  return {
    id: `/servicePrincipals/${sp.objectId}`,
    objectId: sp.objectId,
    clientId: sp.clientId,
    displayName: sp.displayName,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    appRoleIds: Object.fromEntries(roles.map((r) => [r.value, r.id])),
    appRoles: roles.map((r) => ({
      allowedMemberTypes: ["Application"],
      description: r.value,
      displayName: r.value,
      enabled: true,
      id: r.id,
      value: r.value,
    })),
    applicationTenantId: sp.clientId === EXCHANGE_ONLINE_APP_ID ? "" : state.tenantId,
    servicePrincipalNames: [sp.clientId],
    signInAudience: "AzureADMyOrg",
    type: "Application",
    tags: [],
  };
}
