// Shared by the simulator and session tests: a throwaway tenant on disk and an in-process
// simulator driven line by line (the same code the fake-pwsh process runs).
import { join, resolve } from "node:path";
import type { TenantState } from "../../scripts/offline-tenant/state";
import { tenantFixture } from "./tenant";
import { simulatorFromEnv, type Simulator } from "../../scripts/offline-tenant/exchange/simulator";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  type SimApp,
} from "../../scripts/offline-tenant/harness/sim-tenant";

export { FAKE_PWSH };
export const ROOT = resolve(__dirname, "../..");
export const SHIM = join(ROOT, "scripts/exchange-driver/shim.ps1");
export const ORG = SIM_ORGANIZATION;
export const MIN = "3.5.0";

export interface Tenant {
  dir: string;
  statePath: string;
  statsPath: string;
  state: TenantState;
  /** Our app: registration object id, client id, and the Entra SP object id. */
  app: SimApp;
}

/** A tenant with mailboxes a@, b@ and one Entra application + service principal. */
export function newTenant(mailboxes = ["a@contoso.com", "b@contoso.com"]): Tenant {
  const app = { ...SIM_APP };
  const t = tenantFixture({ state: newSimTenantState(mailboxes, app), prefix: "exo-sim-" });
  return { dir: t.dir, statePath: t.statePath, statsPath: t.statsPath, state: t.state, app };
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

/** A new tenant (default mailboxes) and an in-process simulator already connected to it. */
export function connected(env: Record<string, string> = {}): { t: Tenant; c: ReturnType<typeof inProcess> } {
  const t = newTenant();
  const c = inProcess(t, env);
  c.connect();
  return { t, c };
}

/** Register our app's SP in Exchange (connect first). */
export function registerApp(c: ReturnType<typeof inProcess>, t: Tenant): Response {
  return c.send("New-ServicePrincipal", {
    AppId: t.app.clientId,
    ObjectId: t.app.spObjectId,
    DisplayName: t.app.displayName,
  });
}
