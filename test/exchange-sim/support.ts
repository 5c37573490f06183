// Shared by the simulator and session tests: a throwaway tenant on disk and an in-process
// simulator driven line by line (the same code the fake-pwsh process runs).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { newTenantState, writeState, type TenantState } from "../../scripts/offline-tenant/state";
import { simulatorFromEnv, type Simulator } from "../../scripts/offline-tenant/exchange-sim";

export const ROOT = resolve(__dirname, "../..");
export const FAKE_PWSH = join(ROOT, "scripts/offline-tenant/fake-pwsh");
export const SHIM = join(ROOT, "scripts/exchange/shim.ps1");
export const ORG = "contoso.onmicrosoft.com";
export const MIN = "3.1.0";

export interface Tenant {
  dir: string;
  statePath: string;
  statsPath: string;
  state: TenantState;
  /** Our app: registration object id, client id, and the Entra SP object id. */
  app: { objectId: string; clientId: string; spObjectId: string; displayName: string };
}

/** A tenant with mailboxes a@, b@ and one Entra application + service principal. */
export function newTenant(mailboxes = ["a@contoso.com", "b@contoso.com"]): Tenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-sim-"));
  const state = newTenantState({ organization: ORG, mailboxes });
  const app = {
    objectId: "11111111-1111-4111-8111-111111111111",
    clientId: "22222222-2222-4222-8222-222222222222",
    spObjectId: "33333333-3333-4333-8333-333333333333",
    displayName: "exo-oauth mail daemon",
  };
  state.entra.applications.push({
    objectId: app.objectId,
    clientId: app.clientId,
    displayName: app.displayName,
  });
  state.entra.servicePrincipals.push({
    objectId: app.spObjectId,
    clientId: app.clientId,
    displayName: app.displayName,
  });
  const statePath = join(dir, "tenant.json");
  writeState(statePath, state);
  return { dir, statePath, statsPath: join(dir, "stats.json"), state, app };
}

export interface Response {
  id: unknown;
  ok: boolean;
  result?: Record<string, unknown>[];
  warnings: string[];
  error?: { message: string; category: string; fullyQualifiedErrorId: string; exceptionType: string };
}

/** An in-process simulator with a tiny client. */
export function inProcess(t: Tenant, env: Record<string, string> = {}) {
  const sim: Simulator = simulatorFromEnv({ EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath, ...env });
  let id = 0;
  const send = (cmdlet: string, params: Record<string, unknown> = {}): Response => {
    const out = sim.handle(JSON.stringify({ id: ++id, cmdlet, params }));
    if (out.crash) throw new Error(`crashed: ${out.crash}`);
    const r = JSON.parse(JSON.stringify(out.response)) as Response;
    return r;
  };
  const connect = (params: Record<string, unknown> = {}) =>
    send("connect", { connection: "managedIdentity", organization: ORG, moduleMinVersion: MIN, ...params });
  return { sim, send, connect, raw: (line: string) => sim.handle(line) };
}

/** Register our app's SP in Exchange (connect first). */
export function registerApp(c: ReturnType<typeof inProcess>, t: Tenant): Response {
  return c.send("New-ServicePrincipal", {
    AppId: t.app.clientId,
    ObjectId: t.app.spObjectId,
    DisplayName: t.app.displayName,
  });
}
