// GraphTenant: Microsoft Graph as @pulumi/azuread 6.9.1 (terraform-provider-azuread v3.8.0) drives it,
// over one offline tenant (state.ts, `entra` part): create / read / update / delete of applications,
// service principals, app role assignments and application passwords, and the data sources the
// stack invokes (getClientConfig, getDomains, getServicePrincipal, getServicePrincipals). Stateful: every change lands in the tenant (and in its file when persisted), so a
// second `pulumi up` sees what the first one made. Throws where the provider or Graph would refuse.
//
//   const graph = new GraphTenant({ statePath, now: () => clock, behaviours: [readBackNotFound("appRoleAssignment")] });
//   graph.create(TYPES.application, "mail-application", inputs)   // { id, state }
//   graph.read(TYPES.application, id, "read")                      // { id, inputs, state } | undefined (404)
//   graph.update(TYPES.application, "mail-application", id, inputs) // state
//   graph.delete(TYPES.application, "mail-application", id)
//   graph.invoke(INVOKES.getClientConfig, {})
//
// Which input changes update and which replace is not decided here: the engine's rule table
// (harness/engine/replace-rules.ts) says, from the provider's schema.
import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { newTenantState, readState, updateState, writeState, type TenantState } from "../state";
import {
  createAppRoleAssignment,
  deleteAppRoleAssignment,
  readAppRoleAssignment,
} from "./app-role-assignments";
import { createApplication, deleteApplication, readApplication, updateApplication } from "./applications";
import type { GraphBehaviour, GraphObjectKind, GraphRead } from "./behaviours";
import { readDomains } from "./domains";
import { DEPLOYER_PERMISSIONS } from "./graph-errors";
import { createApplicationPassword, deleteApplicationPassword, readApplicationPassword } from "./passwords";
import {
  createServicePrincipal,
  deleteServicePrincipal,
  readServicePrincipal,
  readServicePrincipalResource,
  readServicePrincipals,
  updateServicePrincipal,
} from "./service-principals";
import { INVOKES, TYPES, type GraphContext, type ReadResult, type ResourceResult } from "./types";

export interface GraphTenantOptions {
  /** The tenant to start from (default newTenantState(); mutated in place when not persisted). */
  state?: TenantState;
  /** Persist every change with updateState(), so other processes see it (created from `state` when missing). */
  statePath?: string;
  /** The tenant getClientConfig reports: the provider's CONFIGURED tenant (default the state's tenantId). */
  signedInTenantId?: string;
  /** The deploying identity getClientConfig reports (default: a fixed pair of fresh UUIDs). */
  signedInAs?: { clientId: string; objectId: string };
  /** Graph's clock (a password's default startDate). Default: the system clock. */
  now?: () => Date;
  /** Microsoft's harder behaviours (behaviours.ts), consulted in order. */
  behaviours?: GraphBehaviour[];
  /**
   * The Graph application permissions of the deploying identity (its token's roles), checked by the
   * reads the stack makes (getDomains, getServicePrincipal(s), the program's list of app role
   * assignments). Default DEPLOYER_PERMISSIONS, the README's least privilege.
   */
  signedInPermissions?: readonly string[];
}

/** The four resource types, keyed by token. */
export const MODELLED_TYPES: readonly string[] = Object.values(TYPES);

export class GraphTenant implements GraphContext {
  readonly behaviours: GraphBehaviour[];
  readonly signedInPermissions: readonly string[];
  private readonly memory?: TenantState;
  private readonly statePath?: string;
  private readonly signedInTenantId?: string;
  private readonly signedInAs: { clientId: string; objectId: string };
  private clock: () => Date;

  constructor(options: GraphTenantOptions = {}) {
    this.statePath = options.statePath;
    if (options.statePath) {
      if (!existsSync(options.statePath)) writeState(options.statePath, options.state ?? newTenantState());
    } else {
      this.memory = options.state ?? newTenantState();
    }
    this.signedInTenantId = options.signedInTenantId;
    this.signedInAs = options.signedInAs ?? { clientId: randomUUID(), objectId: randomUUID() };
    this.clock = options.now ?? (() => new Date());
    this.behaviours = [...(options.behaviours ?? [])];
    this.signedInPermissions = [...(options.signedInPermissions ?? DEPLOYER_PERMISSIONS)];
  }

  /** The tenant as Graph now sees it. */
  get state(): TenantState {
    return this.statePath ? readState(this.statePath) : this.memory!;
  }

  mutate<T>(fn: (s: TenantState) => T): T {
    return this.statePath ? updateState(this.statePath, fn) : fn(this.memory!);
  }

  now(): Date {
    return this.clock();
  }

  /** Sets Graph's clock (the engine sets it to each run's clock). */
  setClock(now: () => Date): void {
    this.clock = now;
  }

  visible(read: GraphRead): boolean {
    const state = this.state;
    return this.behaviours.every((b) => b.visible?.(read, state) ?? true);
  }

  written(kind: GraphObjectKind, id: string): void {
    for (const b of this.behaviours) b.afterCreate?.(kind, id);
  }

  /** Whether this tenant models the resource type. */
  models(type: string): boolean {
    return MODELLED_TYPES.includes(type);
  }

  create(type: string, name: string, inputs: Record<string, unknown>): ResourceResult {
    switch (type) {
      case TYPES.application:
        return createApplication(this, name, inputs);
      case TYPES.servicePrincipal:
        return createServicePrincipal(this, name, inputs);
      case TYPES.appRoleAssignment:
        return createAppRoleAssignment(this, name, inputs);
      case TYPES.applicationPassword:
        return createApplicationPassword(this, name, inputs);
    }
    throw notModelled("Creating", type, name);
  }

  /** The provider's Read by id: undefined when Graph answers 404 (the provider then drops it from state). */
  read(type: string, id: string, purpose: "read" | "import" = "read"): ReadResult | undefined {
    switch (type) {
      case TYPES.application:
        return readApplication(this, id, purpose);
      case TYPES.servicePrincipal:
        return readServicePrincipalResource(this, id, purpose);
      case TYPES.appRoleAssignment:
        return readAppRoleAssignment(this, id, purpose);
      case TYPES.applicationPassword:
        return readApplicationPassword(this, id, purpose);
    }
    throw notModelled("Reading", type, id);
  }

  /** An in-place update (only for inputs the rule table says update). */
  update(type: string, name: string, id: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
      case TYPES.application:
        return updateApplication(this, name, id, inputs);
      case TYPES.servicePrincipal:
        return updateServicePrincipal(this, name, id, inputs);
    }
    throw new Error(
      `Updating ${type} "${name}": the provider has no in-place update for this type (every input forces a new resource)`,
    );
  }

  delete(type: string, name: string, id: string): void {
    switch (type) {
      case TYPES.application:
        return deleteApplication(this, name, id);
      case TYPES.servicePrincipal:
        return deleteServicePrincipal(this, name, id);
      case TYPES.appRoleAssignment:
        return deleteAppRoleAssignment(this, name, id);
      case TYPES.applicationPassword:
        return deleteApplicationPassword(this, name, id);
    }
    throw notModelled("Deleting", type, name);
  }

  /**
   * The data sources the stack invokes; undefined for a token this tenant does not model. A refusal
   * carries its text in `details` too: the SDK reports a failed invoke with the engine's gRPC
   * `details` (@pulumi/pulumi runtime/invoke.js `new Error(err.details)`), as the provider's error.
   */
  invoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    try {
      return this.dataSource(token, inputs);
    } catch (err) {
      if (err instanceof Error) Object.assign(err, { details: err.message });
      throw err;
    }
  }

  private dataSource(token: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (token) {
      case INVOKES.getServicePrincipal:
        return readServicePrincipal(this, inputs);
      case INVOKES.getServicePrincipals:
        return readServicePrincipals(this, inputs);
      case INVOKES.getDomains:
        return readDomains(this, inputs);
      case INVOKES.getClientConfig: {
        // The provider's CONFIGURED tenant (client_config_data_source.go reads the client's
        // TenantID), not a tenant looked up from the token.
        const tenantId = this.signedInTenantId ?? this.state.tenantId;
        const { clientId, objectId } = this.signedInAs;
        return { id: `${tenantId}-${clientId}-${objectId}`, tenantId, clientId, objectId };
      }
    }
    return undefined;
  }
}

function notModelled(verb: string, type: string, what: string): Error {
  return new Error(
    `${verb} ${type} "${what}": the Graph-rules mock does not model this resource type; handle it with the onResource option`,
  );
}
