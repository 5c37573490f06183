// npm run bench:pwsh [-- --n 1,10,100] [--repeat 3]   (--help: the options)
// What real PowerShell costs the Exchange step, measured in the real tier (real pwsh, shim.ps1,
// the stand-in ExchangeOnlineManagement, the REST front on loopback) — wall-clock figures on
// THIS machine, printed, never asserted:
//   - pwsh start (-Command exit), module discovery (Get-Module -ListAvailable, what the shim
//     runs), Import-Module, Connect-ExchangeOnline with the shim's options (-SkipLoadingFormatData
//     -CommandName <allow-list>) and with the defaults — each in a fresh pwsh, median of --repeat;
//   - one cmdlet (Get-MailboxPermission) called in pwsh directly vs through session.ts + the
//     shim's JSON lines: the difference is the protocol's per-cmdlet overhead;
//   - the driver's first apply for N mailboxes, real tier vs fake tier (the simulator).
// The stand-in's connect does no token request and downloads no module, so "connect" here is
// PowerShell's and the HTTP client's own cost, not Exchange Online's (docs/powershell-tier.md).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printable } from "../../components/printable";
import { stringValue, type ToolSpec, type Values } from "../cli/args";
import { InputError, UsageError } from "../cli/errors";
import { EXIT } from "../cli/exit-codes";
import { schemaName } from "../cli/json";
import { runAsMain, runTool } from "../cli/run";
import { fitText, type Terminal } from "../cli/terminal";
import { runDriver } from "../exchange-driver/cli";
import { parseCounts } from "./exchange";
import { openExchangeSession } from "../exchange-driver/session";
import { findPwsh, standInEnv } from "../offline-tenant/exchange/real-pwsh";
import { startRestServer } from "../offline-tenant/exchange/rest-server";
import { readSimStats } from "../offline-tenant/exchange/stats";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  simDriverEnv,
} from "../offline-tenant/harness/sim-tenant";
import { writeState } from "../offline-tenant/state";

const ORG = SIM_ORGANIZATION;
const CALLS = 50;

/** The benchmark's command line (scripts/cli/: one parser, one exit-code table). */
const BENCH_SPEC: ToolSpec = {
  invocation: "npm run bench:pwsh --",
  summary:
    "What real PowerShell costs the Exchange step, measured in the real tier (pwsh, shim.ps1, the stand-in\n" +
    "ExchangeOnlineManagement, the REST front on loopback): wall-clock figures on this machine, printed.",
  options: {
    n: {
      type: "string",
      value: "<list>",
      description: "mailbox counts for the driver's first apply, comma-separated (default 1,10,100)",
    },
    repeat: {
      type: "string",
      value: "<k>",
      description: "runs of each start-up figure; the median is printed (default 3)",
    },
  },
  details:
    'Needs PowerShell 7.4+ (pwsh on PATH, or $HOME/.dotnet/tools). docs/powershell-tier.md, "Measurements".',
  exitCodes: ["ok", "error", "usage", "input"],
};

function args(values: Values): { ns: number[]; repeat: number } {
  const ns = parseCounts(stringValue(values, "n"), "1,10,100");
  const text = stringValue(values, "repeat") ?? "3";
  const repeat = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new UsageError(`--repeat takes a positive integer, e.g. 3 (got "${printable(text)}")`);
  return { ns, repeat };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const address = (i: number) => `mbx${String(i).padStart(4, "0")}@contoso.com`;

function tenant(dir: string, n: number, tag: string): { statePath: string; statsPath: string } {
  const statePath = join(dir, `tenant-${tag}.json`);
  writeState(
    statePath,
    newSimTenantState(
      Array.from({ length: n }, (_, i) => address(i + 1)),
      SIM_APP,
      ORG,
    ),
  );
  return { statePath, statsPath: join(dir, `stats-${tag}.json`) };
}

/** Runs a script in a fresh pwsh; returns the process's wall time and its last stdout line as JSON. */
function pwshScript(
  pwsh: string,
  script: string,
  env: Record<string, string>,
): Promise<{ wallMs: number; out: Record<string, number> }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(pwsh, ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        done({ wallMs, out: last ? (JSON.parse(last) as Record<string, number>) : {} });
      } catch {
        fail(new Error(`pwsh exited ${code} without JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
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
  $null = Get-MailboxPermission -Identity ${address(1)}
  $t.firstCallMs = $sw.Elapsed.TotalMilliseconds; $sw.Restart()
  foreach ($i in 1..${CALLS}) { $null = Get-MailboxPermission -Identity ${address(1)} }
  $t.callMs = $sw.Elapsed.TotalMilliseconds / ${CALLS}
  Disconnect-ExchangeOnline -Confirm:$false
  $t | ConvertTo-Json -Compress`;

async function main(values: Values, t: Terminal): Promise<void> {
  const { ns, repeat } = args(values);
  const found = findPwsh();
  if (!found.path || found.reason) throw new InputError(`bench:pwsh: ${found.reason ?? "pwsh not found"}`);
  const write = (text: string) => process.stdout.write(fitText(t, text));
  const pwsh = found.path;
  const dir = mkdtempSync(join(tmpdir(), "bench-pwsh-"));
  const rest = await startRestServer();
  const env = standInEnv(rest.url);
  try {
    write(
      `PowerShell ${found.version} (${pwsh}); stand-in ExchangeOnlineManagement over the REST front at ${rest.url}\n` +
        `Wall-clock on this machine (load average ${(await import("node:os")).loadavg()[0].toFixed(1)}); median of ${repeat}.\n\n`,
    );

    // 1. Start-up costs, each in a fresh process.
    const start: number[] = [];
    const shim: Record<string, number>[] = [];
    const defaults: Record<string, number>[] = [];
    for (let i = 0; i < repeat; i++) {
      start.push((await pwshScript(pwsh, "exit", env)).wallMs);
      const t = tenant(dir, 1, `startup-${i}`);
      const knobs = { EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath };
      shim.push((await pwshScript(pwsh, startupScript(true), { ...env, ...knobs })).out);
      defaults.push((await pwshScript(pwsh, startupScript(false), { ...env, ...knobs })).out);
    }
    const m = (rows: Record<string, number>[], k: string) => median(rows.map((r) => r[k]));
    const lines: [string, string][] = [
      ["pwsh start (-NoProfile -Command exit, process wall time)", ms(median(start))],
      ["module discovery (Get-Module -ListAvailable)", ms(m(shim, "discoveryMs"))],
      ["Import-Module ExchangeOnlineManagement", ms(m(shim, "importMs"))],
      [
        "Connect-ExchangeOnline, shim's options (-SkipLoadingFormatData -CommandName)",
        ms(m(shim, "connectMs")),
      ],
      ["Connect-ExchangeOnline, defaults (format data, every cmdlet, banner)", ms(m(defaults, "connectMs"))],
      ["first cmdlet after connect", ms(m(shim, "firstCallMs"))],
      [`one cmdlet in pwsh, direct (Get-MailboxPermission, mean of ${CALLS})`, ms(m(shim, "callMs"))],
    ];

    // 2. The same cmdlet through session.ts + shim.ps1 (JSON lines).
    const perCall: number[] = [];
    const sessionSetup: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t = tenant(dir, 1, `session-${i}`);
      const opened = performance.now();
      const session = await openExchangeSession({
        settings: { connection: "managedIdentity", pwsh, retryDeadlineSeconds: 10, organization: ORG },
        env: { ...process.env, ...env, EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath },
      });
      sessionSetup.push(performance.now() - opened);
      await session.invoke("Get-MailboxPermission", { Identity: address(1) });
      const began = performance.now();
      for (let c = 0; c < CALLS; c++) await session.invoke("Get-MailboxPermission", { Identity: address(1) });
      perCall.push((performance.now() - began) / CALLS);
      await session.close();
    }
    const direct = m(shim, "callMs");
    lines.push(
      ["session open (spawn pwsh + shim + discovery + import + connect)", ms(median(sessionSetup))],
      [`one cmdlet through session.ts + shim (mean of ${CALLS})`, ms(median(perCall))],
      ["=> JSON-lines protocol overhead per cmdlet", ms(median(perCall) - direct)],
    );
    const width = Math.max(...lines.map(([k]) => k.length));
    for (const [k, v] of lines) write(`  ${k.padEnd(width)}  ${v.padStart(9)}\n`);

    // 3. The driver's first apply for N mailboxes, both tiers.
    write(`\nDriver, first apply of N mailboxes (wall time, one run each):\n`);
    write(
      `  ${"N".padStart(4)}  ${"tier".padEnd(4)}  ${"cmdlets".padStart(7)}  ${"wall".padStart(9)}  ${"per cmdlet".padStart(10)}\n`,
    );
    for (const n of ns) {
      for (const tier of ["fake", "real"] as const) {
        const t = tenant(dir, n, `apply-${tier}-${n}`);
        const mailboxes = Array.from({ length: n }, (_, i) => ({ address: address(i + 1), sendAs: false }));
        let stderr = "";
        const began = performance.now();
        const { code } = await runDriver(["apply"], {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...(tier === "real" ? env : {}),
            ...simDriverEnv({
              settings: {
                desired: {
                  appId: SIM_APP.clientId,
                  servicePrincipalObjectId: SIM_APP.spObjectId,
                  displayName: SIM_APP.displayName,
                  mailboxes,
                },
                connection: {
                  connection: "managedIdentity",
                  organization: ORG,
                  pwsh: tier === "real" ? pwsh : FAKE_PWSH,
                  retryDeadlineSeconds: 60,
                },
              },
              statePath: t.statePath,
              statsPath: t.statsPath,
            }),
          },
          stdout: () => {},
          stderr: (s) => (stderr += s),
        });
        const wall = performance.now() - began;
        if (code !== 0) throw new Error(`apply (N=${n}, ${tier}) failed:\n${stderr}`);
        const cmdlets = Object.values(readSimStats(t.statsPath).cmdlets).reduce((a, b) => a + b, 0);
        write(
          `  ${String(n).padStart(4)}  ${tier.padEnd(4)}  ${String(cmdlets).padStart(7)}  ${ms(wall).padStart(9)}  ${ms(wall / cmdlets).padStart(10)}\n`,
        );
      }
    }
  } finally {
    await rest.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  runAsMain((argv, io) =>
    runTool({ spec: BENCH_SPEC, schema: () => schemaName("bench-pwsh", 1) }, argv, io, async (inv) => {
      await main(inv.values, inv.terminals.stdout);
      return { exitCode: EXIT.ok };
    }),
  );
