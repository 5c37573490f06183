// Runs the real driver (scripts/exchange/cli.ts, a child process) against the Exchange simulator
// through the `pwsh` setting — the same code path as a tenant — and reads the simulator's state and stats.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { DriverSettings } from "../../components/exchange-step/codec";
import type { DesiredMailbox } from "../../components/exchange-step/state";
import { virtualClock } from "../../scripts/exchange-driver/budget";
import { runDriver } from "../../scripts/exchange-driver/cli";
import { readState, type TenantState } from "../../scripts/offline-tenant/state";
import { tenantFixture } from "./tenant";
import { readSimStats, type SimStats } from "../../scripts/offline-tenant/exchange/stats";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  simDriverEnv,
} from "../../scripts/offline-tenant/harness/sim-tenant";

export { FAKE_PWSH };
export const ROOT = resolve(__dirname, "../..");
const TSX_LOADER = join(ROOT, "node_modules/tsx/dist/loader.mjs");
export const ORG = SIM_ORGANIZATION;
export const APP = SIM_APP;

/** Secret values the leak scans look for. */
export const SECRETS = {
  certificate: Buffer.concat([
    Buffer.from([0x30, 0x82, 0x0a, 0x10]),
    Buffer.from("exo-oauth-test-certificate-body-0123456789"),
  ]).toString("base64"),
  certificatePassword: "pfx-pass-9f8e7d6c5b",
};

export interface SimTenant {
  dir: string;
  statePath: string;
  statsPath: string;
}

/** A tenant with the given mailboxes, our Entra app and its service principal (support/tenant.ts). */
export function newSimTenant(mailboxes: string[], edit?: (s: TenantState) => void): SimTenant {
  const { dir, statePath, statsPath } = tenantFixture({
    state: newSimTenantState(mailboxes),
    edit,
    prefix: "exo-driver-",
  });
  return { dir, statePath, statsPath };
}

export function settingsFor(
  mailboxes: (string | DesiredMailbox)[],
  over: Partial<DriverSettings["desired"]> = {},
): DriverSettings {
  return {
    desired: {
      appId: APP.clientId,
      servicePrincipalObjectId: APP.spObjectId,
      displayName: APP.displayName,
      mailboxes: mailboxes.map((m) => (typeof m === "string" ? { address: m, sendAs: false } : m)),
      ...over,
    },
    connection: {
      connection: "certificate",
      automationAppId: "55555555-5555-4555-8555-555555555555",
      certificate: SECRETS.certificate,
      certificatePassword: SECRETS.certificatePassword,
      organization: ORG,
      pwsh: FAKE_PWSH,
      retryDeadlineSeconds: 60,
    },
  };
}

/** The same settings with the connection's fields overridden. */
export function withConnection(
  s: DriverSettings,
  over: Partial<DriverSettings["connection"]>,
): DriverSettings {
  return { ...s, connection: { ...s.connection, ...over } as DriverSettings["connection"] };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  tenant: SimTenant;
  settings: DriverSettings;
  /** The previous run's stdout (what @pulumi/command passes as PULUMI_COMMAND_STDOUT). */
  previousStdout?: string;
  faults?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Run through /bin/sh -c with this command string instead (as the Command does). */
  shell?: string;
}

/** The environment a driver run gets: the Command's encoded settings, the simulator's, PATH and HOME. */
function driverEnv(o: Omit<CliOptions, "shell">): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...simDriverEnv({
      settings: o.settings,
      statePath: o.tenant.statePath,
      statsPath: o.tenant.statsPath,
      previousStdout: o.previousStdout,
      faults: o.faults,
    }),
    ...o.env,
  };
}

/** Spawns `file args` in the project root and collects its output. */
function spawnCollect(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Spawns the real driver in the project root, with the environment the Command would give it. */
export function runCli(command: string, o: CliOptions): Promise<CliRun> {
  const env = { ...driverEnv({ ...o, env: { EXO_OAUTH_RETRY_BASE_MS: "5", ...o.env } }) };
  return o.shell
    ? spawnCollect("/bin/sh", ["-c", o.shell], env)
    : spawnCollect(
        process.execPath,
        ["--import", `file://${TSX_LOADER}`, join(ROOT, "scripts/exchange/cli.ts"), command],
        env,
      );
}

/**
 * Runs a Command string as @pulumi/command does: `/bin/sh -c <command>`, cwd = the project root,
 * env = exactly `env` (the Command's environment) plus PATH and HOME.
 */
export function runShell(command: string, env: Record<string, string>): Promise<CliRun> {
  return spawnCollect("/bin/sh", ["-c", command], { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
}

/**
 * Runs the driver in this process (runDriver, what cli.ts's entry calls) on a virtual clock: its
 * waits (retries, read-after-write checks) cost no real time, and `slept` says how long they
 * were. The simulator is still a separate process spawned as `pwsh`.
 */
export async function runInProcess(
  command: string,
  o: Omit<CliOptions, "shell">,
): Promise<CliRun & { slept: number[] }> {
  const clock = virtualClock();
  let stdout = "";
  let stderr = "";
  const { code } = await runDriver(command.split(" ").filter(Boolean), {
    env: driverEnv(o),
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    clock,
  });
  return { code, signal: null, stdout, stderr, slept: clock.sleeps };
}

export const stats = (t: SimTenant): SimStats => readSimStats(t.statsPath);
export const state = (t: SimTenant): TenantState => readState(t.statePath);

/** Writes counted since `before` (a stats snapshot). */
export function writesSince(t: SimTenant, before: SimStats): number {
  return stats(t).byKind.write - before.byKind.write;
}

/** What Exchange holds for our principal: SP, and per mailbox our FullAccess / SendAs rows. */
export function ours(t: SimTenant): { sp: boolean; fullAccess: string[]; sendAs: string[] } {
  const s = state(t);
  const sp = s.exchange.servicePrincipals.find((x) => x.AppId === APP.clientId);
  if (!sp) return { sp: false, fullAccess: [], sendAs: [] };
  return {
    sp: true,
    fullAccess: s.exchange.mailboxes
      .filter((m) => m.permissions.some((r) => r.UserSid === sp.Sid && r.AccessRights.includes("FullAccess")))
      .map((m) => m.address)
      .sort(),
    sendAs: s.exchange.mailboxes
      .filter((m) => m.recipientPermissions.some((r) => r.TrusteeSidString === sp.Sid))
      .map((m) => m.address)
      .sort(),
  };
}
