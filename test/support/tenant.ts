// THE fixture builder for an offline tenant in tests: every suite's tenant is made here — the state
// (scripts/offline-tenant/state.ts newTenantState), written to a fresh temporary directory, with
// the paths each double reads (EXO_SIM_STATE, EXO_SIM_STATS) — and the Exchange-side facts tests
// set up by hand (a service principal registered, a mailbox granted) are written here, the way the
// Exchange simulator records them. The suites' own helpers (driver-run, simulator, verify-tenant,
// mail-peers, program-harness) add only what is particular to them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  newSid,
  newTenantState,
  readState,
  updateState,
  writeState,
  type NewTenantOptions,
  type TenantState,
} from "../../scripts/offline-tenant/state";

export interface TenantFixture {
  /** The temporary directory holding the files below. */
  dir: string;
  /** The tenant state file (EXO_SIM_STATE; the token issuer and mail peers read it too). */
  statePath: string;
  /** Where the Exchange simulator merges its counters (EXO_SIM_STATS). */
  statsPath: string;
  /** The state as written at creation (the file is the truth afterwards: read()). */
  state: TenantState;
  read(): TenantState;
  update<T>(fn: (s: TenantState) => T): T;
  cleanup(): void;
}

export interface TenantFixtureOptions extends NewTenantOptions {
  /** Start from this state instead of newTenantState(options). */
  state?: TenantState;
  /** Changes to the state before it is written. */
  edit?: (s: TenantState) => void;
  /** The temporary directory's name prefix. Default "exo-oauth-test-". */
  prefix?: string;
}

/** A fresh tenant state (not on disk): what a mock or an in-process double starts from. */
export function tenantState(opts: NewTenantOptions = {}): TenantState {
  return newTenantState(opts);
}

/** A tenant on disk in a fresh temporary directory. */
export function tenantFixture(opts: TenantFixtureOptions = {}): TenantFixture {
  const { state: given, edit, prefix, ...tenant } = opts;
  const dir = mkdtempSync(join(tmpdir(), prefix ?? "exo-oauth-test-"));
  const state = given ?? tenantState(tenant);
  edit?.(state);
  const statePath = join(dir, "tenant.json");
  writeState(statePath, state);
  return {
    dir,
    statePath,
    statsPath: join(dir, "stats.json"),
    state,
    read: () => readState(statePath),
    update: (fn) => updateState(statePath, fn),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** New-ServicePrincipal for an Entra service principal, as Exchange records it; returns its SID. */
export function registerInExchange(
  state: TenantState,
  spObjectId: string,
  appId: string,
  displayName = "exo-oauth-offline",
): string {
  const existing = state.exchange.servicePrincipals.find((s) => s.Identity === spObjectId);
  if (existing) return existing.Sid;
  const sid = newSid(state.tenantId, 1000 + state.exchange.servicePrincipals.length);
  state.exchange.servicePrincipals.push({
    AppId: appId,
    ObjectId: spObjectId,
    Identity: spObjectId,
    DisplayName: displayName,
    Name: spObjectId,
    Sid: sid,
  });
  return sid;
}

/** Add-MailboxPermission -AccessRights FullAccess for the principal with `sid` (once). */
export function grantFullAccess(
  state: TenantState,
  mailbox: string,
  sid: string,
  user = "exo-oauth-test",
): void {
  const m = state.exchange.mailboxes.find((x) => x.address === mailbox);
  if (!m) throw new Error(`test tenant: no mailbox ${mailbox}`);
  if (m.permissions.some((p) => p.UserSid === sid && p.AccessRights.includes("FullAccess"))) return;
  m.permissions.push({
    Identity: mailbox.split("@")[0],
    User: user,
    UserSid: sid,
    AccessRights: ["FullAccess"],
    IsInherited: false,
    Deny: false,
    InheritanceType: "All",
  });
}
