// What real PowerShell costs the Exchange step, measured in the real tier (real pwsh, shim.ps1, the
// stand-in ExchangeOnlineManagement, the REST front on loopback). Wall-clock on THIS machine, one
// sample per call: the callers take medians and print (bench:pwsh, and bench:exchange's real-pwsh
// columns, scripts/bench/exchange/real-pwsh.ts). The stand-in's connect does no token request and
// downloads no module, so "connect" is PowerShell's and the HTTP client's own cost, not Exchange
// Online's (docs/powershell-tier.md, "Measured").
import { runChild } from "../../cli/child-process";
import { join } from "node:path";
import { runDriver } from "../../exchange-driver/cli";
import { settings } from "../reliability/driver";
import { openExchangeSession } from "../../exchange-driver/session";
import { readSimStats } from "../../offline-tenant/exchange/stats";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  simDriverEnv,
} from "../../offline-tenant/harness/sim-tenant";
import { writeState } from "../../offline-tenant/state";

const ORG = SIM_ORGANIZATION;
/** Cmdlet calls averaged for one per-cmdlet figure. */
export const CALLS = 50;

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** "12 ms", "5.6 ms". */
export const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
export const benchAddress = (i: number) => `mbx${String(i).padStart(4, "0")}@contoso.com`;

/** A tenant state file with n mailboxes and the bench app, under `dir`; its stats file next to it. */
export function benchTenant(dir: string, n: number, tag: string): { statePath: string; statsPath: string } {
  const statePath = join(dir, `tenant-${tag}.json`);
  writeState(
    statePath,
    newSimTenantState(
      Array.from({ length: n }, (_, i) => benchAddress(i + 1)),
      SIM_APP,
      ORG,
    ),
  );
  return { statePath, statsPath: join(dir, `stats-${tag}.json`) };
}

/** Runs a script in a fresh pwsh; returns the process's wall time and its last stdout line as JSON. */
export async function pwshScript(
  pwsh: string,
  script: string,
  env: Record<string, string>,
): Promise<{ wallMs: number; out: Record<string, number> }> {
  const started = performance.now();
  const { code, stdout, stderr } = await runChild(
    pwsh,
    ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script],
    { env: { ...process.env, ...env } },
  );
  const wallMs = performance.now() - started;
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return { wallMs, out: last ? (JSON.parse(last) as Record<string, number>) : {} };
  } catch {
    throw new Error(`pwsh exited ${code} without JSON:\n${stdout}\n${stderr}`);
  }
}

/** Wall time of `pwsh -NoLogo -NoProfile -NonInteractive -Command exit`. */
export async function pwshStartMs(pwsh: string, env: Record<string, string>): Promise<number> {
  return (await pwshScript(pwsh, "exit", env)).wallMs;
}

/** In one fresh pwsh, milliseconds of each step of what the shim does before its first cmdlet, and of cmdlets. */
export interface StartupSample {
  /** Get-Module -ListAvailable (the first statement of the process). */
  discoveryMs: number;
  importMs: number;
  connectMs: number;
  firstCallMs: number;
  /** One Get-MailboxPermission called directly in pwsh, mean of CALLS. */
  callMs: number;
}

/** Discovery, import, connect (shim's options or defaults) and CALLS direct cmdlet calls, in one fresh pwsh. */
const startupScript = (shimOptions: boolean) => `
  $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
  $t = [ordered]@{}; $sw = [Diagnostics.Stopwatch]::StartNew()
  $m = Get-Module -ListAvailable ExchangeOnlineManagement | Sort-Object Version -Descending | Select-Object -First 1
  $t.discoveryMs = $sw.Elapsed.TotalMilliseconds; $sw.Restart()
  Import-Module $m 3>$null
  $t.importMs = $sw.Elapsed.TotalMilliseconds; $sw.Restart()
  ${
    shimOptions
      ? "Connect-ExchangeOnline -ManagedIdentity -Organization " +
        ORG +
        " -ShowBanner:$false -SkipLoadingFormatData -CommandName Get-ServicePrincipal, New-ServicePrincipal, Remove-ServicePrincipal, Get-MailboxPermission, Add-MailboxPermission, Remove-MailboxPermission, Get-RecipientPermission, Add-RecipientPermission, Remove-RecipientPermission, Get-Mailbox, Get-CASMailbox 3>$null 6>$null"
      : `Connect-ExchangeOnline -ManagedIdentity -Organization ${ORG} 3>$null 6>$null`
  }
  $t.connectMs = $sw.Elapsed.TotalMilliseconds; $sw.Restart()
  $null = Get-MailboxPermission -Identity ${benchAddress(1)}
  $t.firstCallMs = $sw.Elapsed.TotalMilliseconds; $sw.Restart()
  foreach ($i in 1..${CALLS}) { $null = Get-MailboxPermission -Identity ${benchAddress(1)} }
  $t.callMs = $sw.Elapsed.TotalMilliseconds / ${CALLS}
  Disconnect-ExchangeOnline -Confirm:$false
  $t | ConvertTo-Json -Compress`;

/**
 * One fresh pwsh that discovers, imports, connects (with the shim's options, or Connect-ExchangeOnline's
 * defaults) and calls cmdlets directly, against a 1-mailbox tenant under `dir`. `env`: standInEnv(url).
 */
export async function startupSample(
  pwsh: string,
  env: Record<string, string>,
  dir: string,
  tag: string,
  shimOptions = true,
): Promise<StartupSample> {
  const t = benchTenant(dir, 1, `startup-${tag}`);
  const knobs = { EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath };
  return (await pwshScript(pwsh, startupScript(shimOptions), { ...env, ...knobs }))
    .out as unknown as StartupSample;
}

/** session.ts + shim.ps1: time to open (spawn + shim + discovery + import + connect), and one cmdlet, mean of CALLS. */
export async function sessionSample(
  pwsh: string,
  env: Record<string, string>,
  dir: string,
  tag: string,
): Promise<{ openMs: number; callMs: number }> {
  const t = benchTenant(dir, 1, `session-${tag}`);
  const opened = performance.now();
  const session = await openExchangeSession({
    settings: { connection: "managedIdentity", pwsh, retryDeadlineSeconds: 30, organization: ORG },
    env: { ...process.env, ...env, EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath },
  });
  const openMs = performance.now() - opened;
  try {
    await session.invoke("Get-MailboxPermission", { Identity: benchAddress(1) });
    const began = performance.now();
    for (let c = 0; c < CALLS; c++)
      await session.invoke("Get-MailboxPermission", { Identity: benchAddress(1) });
    return { openMs, callMs: (performance.now() - began) / CALLS };
  } finally {
    await session.close();
  }
}

/**
 * The driver's first apply for n mailboxes (runDriver, as cli.ts does), in the real tier (`pwsh` with
 * `env` = standInEnv(url)) or the fake one (pwsh undefined: the simulator). Wall time, cmdlets run,
 * and the session's open (spawn → connected, as the driver logs it: "connected to <org> in <ms> ms").
 */
export async function driverApply(
  n: number,
  dir: string,
  real?: { pwsh: string; env: Record<string, string> },
): Promise<{ wallMs: number; cmdlets: number; openMs?: number }> {
  const tier = real ? "real" : "fake";
  const t = benchTenant(dir, n, `apply-${tier}-${n}`);
  const mailboxes = Array.from({ length: n }, (_, i) => ({ address: benchAddress(i + 1), sendAs: false }));
  // The reliability bench's simulated app and organization; this one's pwsh and a 60 s deadline.
  const base = settings(mailboxes);
  let stderr = "";
  const began = performance.now();
  const { code } = await runDriver(["apply"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(real?.env ?? {}),
      ...simDriverEnv({
        settings: {
          ...base,
          connection: { ...base.connection, pwsh: real?.pwsh ?? FAKE_PWSH, retryDeadlineSeconds: 60 },
        },
        statePath: t.statePath,
        statsPath: t.statsPath,
      }),
    },
    stdout: () => {},
    stderr: (s) => (stderr += s),
  });
  const wallMs = performance.now() - began;
  if (code !== 0) throw new Error(`apply (N=${n}, ${tier}) failed:\n${stderr}`);
  const cmdlets = Object.values(readSimStats(t.statsPath).cmdlets).reduce((a, b) => a + b, 0);
  const open = /connected to \S+ in (\d+) ms/.exec(stderr);
  return { wallMs, cmdlets, ...(open ? { openMs: Number(open[1]) } : {}) };
}
