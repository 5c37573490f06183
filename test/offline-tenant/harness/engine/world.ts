// A throwaway offline tenant with an engine on it, for the engine's tests: a tenant state file, the
// engine's own state file (secrets encrypted), a random admin token, and configs for the REAL index.ts.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_PWSH } from "../../../../scripts/offline-tenant/harness/sim-tenant";
import type { Engine, RunResult } from "../../../../scripts/offline-tenant/harness/engine/engine";
import {
  ADMIN_TOKEN_ENV,
  offlineEngine,
  type OfflineEngineOptions,
} from "../../../../scripts/offline-tenant/harness/engine/offline";
import type { TenantState } from "../../../../scripts/offline-tenant/state";
import { unwrapSecrets } from "../../../../scripts/offline-tenant/graph/wire";
import { baseConfig, STATED_LIFETIME, TENANT_ID } from "../../../support/program-harness";
import { tenantFixture } from "../../../support/tenant";

export const HELPDESK = "helpdesk@contoso.com";
export const BILLING = "billing@contoso.com";
export const SUPPORT = "support@contoso.com";
/** A day well inside a rotation period (default 90 days from 2024-01-01: period 9 starts 2026-03-21). */
export const DAY_1 = "2026-04-01T06:00:00Z";
export const DAY_2 = "2026-04-02T06:00:00Z";

export interface World {
  dir: string;
  statePath: string;
  engineStatePath: string;
  adminToken: string;
  engine: Engine;
  tenant(): TenantState;
  /** Another engine over the same files (a later pipeline job), e.g. with a different environment. */
  reopen(opts?: OfflineEngineOptions): Engine;
  cleanup(): void;
}

export function world(opts: OfflineEngineOptions & { mailboxes?: string[] } = {}): World {
  const { mailboxes = [HELPDESK, BILLING, SUPPORT], ...engineOpts } = opts;
  const t = tenantFixture({ tenantId: TENANT_ID, mailboxes, prefix: "exo-oauth-engine-" });
  const { dir, statePath, statsPath } = t;
  const engineStatePath = join(dir, "engine-state.json");
  const adminToken = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.admin-${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
  const passphrase = randomBytes(16).toString("hex");
  const open = (o: OfflineEngineOptions = {}) =>
    offlineEngine(
      { statePath, statsPath, adminToken },
      { statePath: engineStatePath, secretsPassphrase: passphrase, ...engineOpts, ...o },
    );
  return {
    dir,
    statePath,
    engineStatePath,
    adminToken,
    engine: open(),
    tenant: t.read,
    reopen: open,
    cleanup: t.cleanup,
  };
}

export { STATED_LIFETIME };

/** The stack config with no Command (connection manual): Entra only, fast. */
export const manualConfig = (overrides: Record<string, unknown> = {}) =>
  baseConfig({
    mailboxes: [HELPDESK],
    exchange: { connection: "manual" },
    secret: STATED_LIFETIME,
    ...overrides,
  });

/** The stack config with the Exchange Command, driven against the simulator through the fake pwsh. */
export const commandConfig = (overrides: Record<string, unknown> = {}) =>
  baseConfig({
    mailboxes: [HELPDESK],
    exchange: { connection: "accessToken", accessTokenEnv: ADMIN_TOKEN_ENV, pwsh: FAKE_PWSH },
    secret: STATED_LIFETIME,
    ...overrides,
  });

/**
 * "op Type name [keys]" of each step that changes something: what the plan shows, less reads (a
 * StackReference is read every run).
 */
export function changes(r: RunResult): string[] {
  return r.steps
    .filter((s) => s.op !== "same" && s.op !== "read")
    .map((s) => `${s.op} ${s.type.split(":").pop()} ${s.name}${s.keys ? ` [${s.keys.join(",")}]` : ""}`);
}

/** A resource's outputs from the engine's state, secrets unwrapped. */
export function outputsOf(engine: Engine, type: string, name: string): Record<string, unknown> {
  return unwrapSecrets(engine.resource(type, name).outputs) as Record<string, unknown>;
}

export const fileText = (path: string) => readFileSync(path, "utf8");
