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
import { parseCounts } from "./exchange";
import {
  CALLS,
  driverApply,
  median,
  ms,
  pwshStartMs,
  sessionSample,
  startupSample,
  type StartupSample,
} from "./pwsh/measure";
import { findPwsh, standInEnv } from "../offline-tenant/exchange/real-pwsh";
import { startRestServer } from "../offline-tenant/exchange/rest-server";

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
    const shim: StartupSample[] = [];
    const defaults: StartupSample[] = [];
    for (let i = 0; i < repeat; i++) {
      start.push(await pwshStartMs(pwsh, env));
      shim.push(await startupSample(pwsh, env, dir, `shim-${i}`));
      defaults.push(await startupSample(pwsh, env, dir, `defaults-${i}`, false));
    }
    const m = (rows: StartupSample[], k: keyof StartupSample) => median(rows.map((r) => r[k]));
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
      const sample = await sessionSample(pwsh, env, dir, String(i));
      sessionSetup.push(sample.openMs);
      perCall.push(sample.callMs);
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
        const { wallMs: wall, cmdlets } = await driverApply(
          n,
          dir,
          tier === "real" ? { pwsh, env } : undefined,
        );
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
