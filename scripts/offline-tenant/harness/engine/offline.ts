// An engine wired to one offline tenant, as a pipeline job would run `pulumi up` against it: the
// azuread provider on the tenant state file (with any behaviours), Commands in the project
// directory with the pipeline's environment — the Exchange admin's token variable and the Exchange
// simulator's files (the fake pwsh in scripts/offline-tenant/exchange/fake-pwsh reads them).
import { resolve } from "node:path";
import type { GraphBehaviour } from "../../graph/behaviours";
import { GraphTenant } from "../../graph/tenant";
import { Engine, type EngineOptions } from "./engine";

/** The project directory: where the provider runs a Command's relative `dir`. */
export const PROJECT_DIR = resolve(__dirname, "../../../..");
/** The variable the pipeline sets with the Exchange admin's access token (connection accessToken). */
export const ADMIN_TOKEN_ENV = "EXO_ADMIN_TOKEN";

export interface OfflineEngineTenant {
  /** The ONE tenant state file every double reads and writes. */
  statePath: string;
  /** The Exchange simulator's counters (EXO_SIM_STATS), optional. */
  statsPath?: string;
  /** The admin token the pipeline hands the driver; unset = the variable is missing. */
  adminToken?: string;
}

export interface OfflineEngineOptions extends Omit<EngineOptions, "graph" | "command"> {
  behaviours?: GraphBehaviour[];
  /** The tenant getClientConfig reports (the provider's configured tenant). Default: the state's. */
  signedInTenantId?: string;
  /** The deploying identity's Graph application permissions (GraphTenant). Default: the README's least privilege. */
  signedInPermissions?: readonly string[];
  /** Extra pipeline variables (or undefined to unset one). */
  env?: Record<string, string | undefined>;
}

export function offlineEngine(t: OfflineEngineTenant, opts: OfflineEngineOptions = {}): Engine {
  const { behaviours, signedInTenantId, signedInPermissions, env: extra, ...engine } = opts;
  const env: NodeJS.ProcessEnv = { ...process.env, EXO_SIM_STATE: t.statePath };
  if (t.statsPath) env.EXO_SIM_STATS = t.statsPath;
  if (t.adminToken) env[ADMIN_TOKEN_ENV] = t.adminToken;
  else delete env[ADMIN_TOKEN_ENV];
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Engine({
    ...engine,
    graph: new GraphTenant({ statePath: t.statePath, behaviours, signedInTenantId, signedInPermissions }),
    command: { projectDir: PROJECT_DIR, env },
  });
}
