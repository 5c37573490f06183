// bench:exchange's real-pwsh columns: what real PowerShell adds to the simulated figures, measured
// in the real tier (real pwsh, shim.ps1, the stand-in ExchangeOnlineManagement, the REST front on
// loopback) with bench:pwsh's measuring code (scripts/bench/pwsh/measure.ts). Per N (up to
// REAL_PWSH_MAX_N), one sample each, wall clock on THIS machine:
//   pwsh start       `pwsh -NoProfile -Command exit`, process wall time;
//   import / connect Import-Module and Connect-ExchangeOnline with the shim's options, in a fresh pwsh;
//   overhead         one cmdlet through session.ts + the shim's JSON lines minus the same cmdlet
//                    called directly in pwsh (mean of CALLS each): the protocol's cost per cmdlet;
//   apply            the driver's first apply of N mailboxes: wall time, cmdlets, session open
//                    (spawn → connected) and (wall − open) / cmdlets.
// Where pwsh is missing the section says so and the bench carries on; --no-real-pwsh skips it.
import { loadavg, tmpdir } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Options } from "../../cli/args";
import { findPwsh, standInEnv } from "../../offline-tenant/exchange/real-pwsh";
import { startRestServer } from "../../offline-tenant/exchange/rest-server";
import { CALLS, driverApply, ms, pwshStartMs, sessionSample, startupSample } from "../pwsh/measure";

/** Above this N the real apply is not run (≈ 2 cmdlets per mailbox at tens of ms each: minutes). */
export const REAL_PWSH_MAX_N = 100;

/** bench:exchange's option for this section (its ToolSpec spreads it into `options`). */
export const REAL_PWSH_OPTIONS: Options = {
  "no-real-pwsh": {
    type: "boolean",
    description: `skip the real-pwsh columns (pwsh start, import, connect, per-cmdlet overhead; N ≤ ${REAL_PWSH_MAX_N})`,
  },
};

export interface RealPwshRow {
  n: number;
  startMs: number;
  importMs: number;
  connectMs: number;
  overheadMs: number;
  applyMs: number;
  cmdlets: number;
  openMs?: number;
}

function table(rows: RealPwshRow[]): string {
  const head = [
    "N",
    "pwsh start",
    "module import",
    "connect",
    "protocol overhead / cmdlet",
    "real apply: wall",
    "cmdlets",
    "session open",
    "per cmdlet",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows)
    lines.push(
      `| ${[
        r.n,
        ms(r.startMs),
        ms(r.importMs),
        ms(r.connectMs),
        ms(r.overheadMs),
        ms(r.applyMs),
        r.cmdlets,
        r.openMs === undefined ? "?" : ms(r.openMs),
        r.openMs === undefined ? "?" : ms((r.applyMs - r.openMs) / r.cmdlets),
      ].join(" | ")} |`,
    );
  return lines.join("\n");
}

/**
 * Measures and prints the real-pwsh columns for each N ≤ REAL_PWSH_MAX_N in `ns` (`say`: one
 * paragraph to stdout; `progress`: a line to stderr). Prints why instead when skipped or pwsh is
 * missing; never throws for a missing pwsh.
 */
export async function realPwshSection(
  ns: number[],
  o: { skip: boolean; say: (text: string) => void; progress: (text: string) => void },
): Promise<void> {
  const { say } = o;
  say(
    `\nReal PowerShell (real pwsh + shim.ps1 + the stand-in ExchangeOnlineManagement over the REST front):`,
  );
  if (o.skip) return say("  skipped (--no-real-pwsh).");
  const found = findPwsh();
  if (!found.path || found.reason)
    return say(`  not measured: ${found.reason ?? "pwsh not found"}. The figures above stand without it.`);
  const measured = ns.filter((n) => n <= REAL_PWSH_MAX_N);
  if (measured.length === 0)
    return say(
      `  not measured: every N given is above ${REAL_PWSH_MAX_N} (npm run bench:pwsh for start-up figures).`,
    );
  const pwsh = found.path;
  const dir = mkdtempSync(join(tmpdir(), "exo-bench-real-pwsh-"));
  const rest = await startRestServer();
  const env = standInEnv(rest.url);
  const rows: RealPwshRow[] = [];
  try {
    for (const n of measured) {
      const t0 = Date.now();
      const startMs = await pwshStartMs(pwsh, env);
      const direct = await startupSample(pwsh, env, dir, `n${n}`);
      const viaShim = await sessionSample(pwsh, env, dir, `n${n}`);
      const apply = await driverApply(n, dir, { pwsh, env });
      rows.push({
        n,
        startMs,
        importMs: direct.importMs,
        connectMs: direct.connectMs,
        overheadMs: viaShim.callMs - direct.callMs,
        applyMs: apply.wallMs,
        cmdlets: apply.cmdlets,
        openMs: apply.openMs,
      });
      o.progress(`bench: real pwsh N=${n} done in ${((Date.now() - t0) / 1000).toFixed(1)} s real\n`);
    }
  } finally {
    await rest.close();
    rmSync(dir, { recursive: true, force: true });
  }
  say(
    [
      `  PowerShell ${found.version} (${pwsh}); wall clock on this machine, load average ${loadavg()[0].toFixed(1)}; one sample per N (npm run bench:pwsh for medians).`,
      `  Start, import, connect and overhead do not depend on N: their spread across rows is the machine's noise.`,
      `  Overhead = one cmdlet through session.ts + shim minus the same cmdlet direct in pwsh (mean of ${CALLS} each);`,
      `  per cmdlet = (apply wall - session open) / cmdlets. The stand-in's connect requests no token and downloads no module.\n`,
    ].join("\n"),
  );
  say(table(rows));
  const above = ns.filter((n) => n > REAL_PWSH_MAX_N);
  if (above.length)
    say(
      `  N=${above.join(", ")}: not run in real pwsh (above ${REAL_PWSH_MAX_N}); the apply grows by the per-cmdlet figure.`,
    );
}
