// The resource and invoke tokens the Graph-rules mock models, and the shapes its operations return.
import type { TenantState } from "../state";
import type { GraphBehaviour, GraphRead } from "./behaviours";

/** Resource type tokens this mock models. */
export const TYPES = {
  application: "azuread:index/application:Application",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  applicationPassword: "azuread:index/applicationPassword:ApplicationPassword",
} as const;
export type AzureadType = (typeof TYPES)[keyof typeof TYPES];

/** Invoke tokens this mock models. */
export const INVOKES = {
  getServicePrincipal: "azuread:index/getServicePrincipal:getServicePrincipal",
  getClientConfig: "azuread:index/getClientConfig:getClientConfig",
  getServicePrincipals: "azuread:index/getServicePrincipals:getServicePrincipals",
  getDomains: "azuread:index/getDomains:getDomains",
} as const;

/** What a create returns (and what an `onResource` handler returns for a type it models): the provider's state. */
export type ResourceResult = { id: string; state: Record<string, unknown> };

/**
 * What the provider's Read returns for an object that exists: its id, the inputs it reads back
 * (what an import or a refresh records as inputs) and its whole state. `undefined` = Graph answered 404.
 */
export interface ReadResult {
  id: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * What every Graph operation works on: the tenant (state.ts), the clock Graph stamps credentials
 * with, and the behaviours (behaviours.ts) that decide what a read sees.
 */
export interface GraphContext {
  /** The tenant as Graph now sees it (a fresh read when persisted). */
  readonly state: TenantState;
  /** Apply a change to the tenant (under the state file's lock when persisted). */
  mutate<T>(fn: (s: TenantState) => T): T;
  /** Graph's clock: a password's default startDate. */
  now(): Date;
  readonly behaviours: readonly GraphBehaviour[];
  /** Whether Graph returns an object that exists for this read (false = 404, e.g. replication lag). */
  visible(read: GraphRead): boolean;
  /** Tells the behaviours an object was just written (e.g. to start a replication delay). */
  written(kind: GraphRead["kind"], id: string): void;
  /** The application permissions of the identity the provider signed in as (its token's roles). */
  readonly signedInPermissions: readonly string[];
}
