// One simulated tenant for the demo, `serve` and the story suite: the tenant state file (Entra ID
// and Exchange, docs/offline-tenant.md "One tenant state"), the multi-run engine that plays
// `pulumi up` / `pulumi destroy` over it (docs/multi-run-engine.md), one clock every double reads,
// the token endpoint and mail peers, and a register of every secret the run creates — the admin
// token, both client secrets of every rotation, every access token — for the leak scans.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../harness/engine/engine";
import { offlineEngine } from "../harness/engine/offline";
import { RETRY_BASE_ENV } from "../../exchange-driver/budget";
import { unwrapSecrets } from "../graph/wire";
import { grantMailboxAccess } from "../exchange/hand-edits";
import { newTenantState, readState, writeState, type TenantState } from "../state";
import { startServices, type OfflineServices } from "./services";
import { addedMailbox, DEMO_STACK, otherPrincipal, type DemoStack } from "./stack";

/**
 * What the simulated pipeline adds to its environment. The simulator has no replication delay, so
 * the driver's read-after-write check re-reads after 250 ms instead of 2 s (EXO_OAUTH_RETRY_BASE_MS,
 * scripts/exchange-driver/budget.ts); the checks themselves are the same.
 */
export const PIPELINE_ENV: Record<string, string> = { [RETRY_BASE_ENV]: "250" };

/** A settable clock: the engine's runs, the token issuer and the mail peers all read it. */
export class SimClock {
  private t: number;
  constructor(iso: string) {
    this.t = Date.parse(iso);
  }
  readonly now = (): Date => new Date(this.t);
  iso(): string {
    return new Date(this.t).toISOString().replace(/\.000Z$/, "Z");
  }
  set(iso: string): void {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) throw new Error(`SimClock: ${iso} is not an ISO 8601 instant`);
    this.t = t;
  }
}

export interface WorldOptions {
  stack: DemoStack;
  /** The first clock reading (ISO 8601); omit to follow the system clock (`serve`). */
  startAt?: string;
  /** Where the temporary directory goes (default the OS's). */
  tmp?: string;
}

export interface World {
  stack: DemoStack;
  dir: string;
  /** The ONE tenant state file. */
  statePath: string;
  /** The Exchange simulator's counters (EXO_SIM_STATS). */
  statsPath: string;
  /** The admin token the pipeline hands the Exchange step in $EXO_ADMIN_TOKEN. */
  adminToken: string;
  engine: Engine;
  /** Undefined when the world follows the system clock. */
  clock?: SimClock;
  services: OfflineServices;
  /**
   * The stack outputs after the last successful run, plain as `pulumi stack output --json
   * --show-secrets` prints them: `clientSecret` is a secret value, never to be printed.
   */
  outputs: Record<string, unknown>;
  /** Every secret value created so far, with a name for the report of a leak (never printed). */
  secrets: Map<string, string>;
  /** Records the client secrets the engine's state holds now (both slots). */
  noteSecrets(): void;
  tenant(): TenantState;
  close(): Promise<void>;
}

/** A fresh simulated tenant for the demo stack, its engine and its services. */
export async function createWorld(o: WorldOptions): Promise<World> {
  const dir = mkdtempSync(join(o.tmp ?? tmpdir(), "exo-oauth-demo-"));
  try {
    const { stack } = o;
    const state = newTenantState({
      tenantId: stack.config.tenantId,
      organization: stack.config.organization,
      mailboxes: [...stack.config.mailboxes.map((m) => m.address), addedMailbox(stack)],
    });
    // Someone else's grant next to ours (on the mailbox with SendAs): never ours to touch.
    grantMailboxAccess(state, sendAsMailbox(stack), otherPrincipal(stack));
    const statePath = join(dir, "tenant.json");
    writeState(statePath, state);
    const statsPath = join(dir, "exchange-sim-stats.json");
    // Shaped like a JWT, random so a scan can find it.
    const adminToken = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.demo-admin-${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
    const engine = offlineEngine(
      { statePath, statsPath, adminToken },
      { statePath: join(dir, "engine-state.json"), stack: DEMO_STACK, env: PIPELINE_ENV },
    );
    const clock = o.startAt ? new SimClock(o.startAt) : undefined;
    const services = await startServices({ statePath, dir, now: clock?.now });
    const secrets = new Map<string, string>([[adminToken, "the admin token ($EXO_ADMIN_TOKEN)"]]);
    return {
      stack,
      dir,
      statePath,
      statsPath,
      adminToken,
      engine,
      clock,
      services,
      outputs: {},
      secrets,
      noteSecrets: () => {
        for (const r of engine.resources) {
          const value = (unwrapSecrets(r.outputs) as { value?: unknown }).value;
          if (r.type.endsWith(":ApplicationPassword") && typeof value === "string" && !secrets.has(value))
            secrets.set(value, `client secret ${r.name} (${String(r.outputs.keyId ?? r.id)})`);
        }
      },
      tenant: () => readState(statePath),
      close: async () => {
        await services.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The first mailbox with `sendAs: true` (the demo stack has one), else the first. */
export function sendAsMailbox(stack: DemoStack): string {
  return (stack.config.mailboxes.find((m) => m.sendAs) ?? stack.config.mailboxes[0]).address;
}
