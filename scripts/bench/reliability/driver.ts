// Driver runs for the reliability sections: the real driver in-process (runDriver, what the
// Command's cli.ts entry calls) against the Exchange simulator spawned as `pwsh`, on a virtual clock
// (its retries and read-after-write waits cost no real time, and are counted), with a throwaway
// tenant per scenario. The simulated time of a run is the simulator's (connect, cmdlets) plus the
// driver's own waits.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriverSettings } from "../../../components/exchange-step/codec";
import { RETRY_DEADLINE_SECONDS } from "../../../components/exchange-step/settings";
import type { DesiredMailbox } from "../../../components/exchange-step/state";
import { virtualClock } from "../../exchange-driver/budget";
import { runDriver } from "../../exchange-driver/cli";
import { readSimStats, type SimStats } from "../../offline-tenant/exchange/stats";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  simDriverEnv,
} from "../../offline-tenant/harness/sim-tenant";
import { readState, writeState } from "../../offline-tenant/state";

export interface BenchTenant {
  dir: string;
  statePath: string;
}

export function newBenchTenant(mailboxes: string[]): BenchTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-bench-"));
  const statePath = join(dir, "tenant.json");
  writeState(statePath, newSimTenantState(mailboxes));
  return { dir, statePath };
}

/** Removes a bench tenant's directory. */
export function dispose(...tenants: BenchTenant[]): void {
  for (const t of tenants) rmSync(t.dir, { recursive: true, force: true });
}

/** A copy of a tenant's state, to run one scenario on. */
export function fork(t: BenchTenant): BenchTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-bench-"));
  const statePath = join(dir, "tenant.json");
  copyFileSync(t.statePath, statePath);
  return { dir, statePath };
}

export function settings(mailboxes: DesiredMailbox[]): DriverSettings {
  return {
    desired: {
      appId: SIM_APP.clientId,
      servicePrincipalObjectId: SIM_APP.spObjectId,
      displayName: SIM_APP.displayName,
      mailboxes,
    },
    connection: {
      connection: "managedIdentity",
      organization: SIM_ORGANIZATION,
      pwsh: FAKE_PWSH,
      retryDeadlineSeconds: RETRY_DEADLINE_SECONDS.default,
    },
  };
}

export interface DriveResult {
  code: number;
  stdout: string;
  stderr: string;
  stats: SimStats;
  /** The run's simulated time: the simulator's virtual clock plus the driver's waits, ms. */
  simulatedMs: number;
}

let runs = 0;
/** One driver run (`apply` / `remove`) with the previous record and EXO_SIM_FAULTS. */
export async function drive(
  command: "apply" | "remove",
  t: BenchTenant,
  mailboxes: DesiredMailbox[],
  previous: string | undefined,
  faults?: Record<string, unknown>,
): Promise<DriveResult> {
  const statsPath = join(t.dir, `stats-${++runs}.json`);
  const clock = virtualClock();
  let stdout = "";
  let stderr = "";
  const { code } = await runDriver([command], {
    clock,
    env: {
      PATH: process.env.PATH,
      ...simDriverEnv({
        settings: settings(mailboxes),
        statePath: t.statePath,
        statsPath,
        previousStdout: previous || undefined,
        faults,
      }),
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  const stats = readSimStats(statsPath);
  return {
    code,
    stdout,
    stderr,
    stats,
    simulatedMs: stats.virtualMs + clock.sleeps.reduce((a, b) => a + b, 0),
  };
}

/** Cmdlets a run sent (connect excluded). */
export const cmdlets = (s: SimStats) => Object.values(s.cmdlets).reduce((a, b) => a + b, 0);

/** What Exchange holds for the bench application: its SP and the mailboxes with its FullAccess / SendAs. */
export function ours(t: BenchTenant): { sp: boolean; fullAccess: string[]; sendAs: string[] } {
  const s = readState(t.statePath);
  const sp = s.exchange.servicePrincipals.find((x) => x.AppId === SIM_APP.clientId);
  if (!sp) return { sp: false, fullAccess: [], sendAs: [] };
  const having = (f: (m: (typeof s.exchange.mailboxes)[number]) => boolean) =>
    s.exchange.mailboxes
      .filter(f)
      .map((m) => m.address)
      .sort();
  return {
    sp: true,
    fullAccess: having((m) =>
      m.permissions.some((r) => r.UserSid === sp.Sid && r.AccessRights.includes("FullAccess")),
    ),
    sendAs: having((m) => m.recipientPermissions.some((r) => r.TrusteeSidString === sp.Sid)),
  };
}

/** Runs fn over items, `width` at a time (each driver run spawns a simulator process). */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
