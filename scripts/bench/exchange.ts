// npm run bench:exchange [-- --n 1,10,100,1000]   (--help: the options)
// Counts, not timings: for N mailboxes, the sessions, cmdlets by kind and SIMULATED wall time
// (the Exchange simulator's virtual clock: connect and per-cmdlet costs, exchange/knobs.ts)
// of this design — one Command, one PowerShell session per run — next to the naive design of
// one Command (so one session) per mailbox, for: the first apply, a second apply with nothing
// changed, and a change of one mailbox (one added).
//
// Ours is measured by running the real driver (runDriver, as cli.ts does) against the simulator
// for every N. The naive design is the same driver given one mailbox per run; it is measured
// run by run up to NAIVE_MEASURED_MAX mailboxes. Above that, its Commands 2…N are identical, so
// the figures are extrapolated from the measured runs (first Command + (N−1) × a later one) and
// marked "*" — running 1000 simulator processes would take many minutes and add nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { printable } from "../../components/printable";
import { flagValue, stringValue, type ToolSpec } from "../cli/args";
import { UsageError } from "../cli/errors";
import { EXIT } from "../cli/exit-codes";
import { schemaName } from "../cli/json";
import { runAsMain, runTool, type ToolIO } from "../cli/run";
import { fitText, type Terminal } from "../cli/terminal";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_BASE_DELAY_MS, virtualClock } from "../exchange-driver/budget";
import { CONFIRMING_READS } from "../exchange-driver/consistency";
import { runDriver } from "../exchange-driver/cli";
import type { DriverSettings } from "../../components/exchange-step/codec";
import type { DesiredMailbox } from "../../components/exchange-step/state";
import { writeState } from "../offline-tenant/state";
import {
  FAKE_PWSH,
  SIM_APP,
  SIM_ORGANIZATION,
  newSimTenantState,
  simDriverEnv,
} from "../offline-tenant/harness/sim-tenant";
import { DEFAULT_LATENCY } from "../offline-tenant/exchange/knobs";
import { addStats, emptyStats, readSimStats, type SimStats } from "../offline-tenant/exchange/stats";
import { REAL_PWSH_OPTIONS, realPwshSection } from "./exchange/real-pwsh";

const ORG = SIM_ORGANIZATION;
const APP = { ...SIM_APP, displayName: "exo-oauth bench" };
const NAIVE_MEASURED_MAX = 10;

const address = (i: number) => `mbx${String(i).padStart(4, "0")}@contoso.com`;

let tenants = 0;
function newTenant(n: number, dir: string): string {
  const mailboxes = Array.from({ length: n + 1 }, (_, i) => address(i + 1));
  const state = newSimTenantState(mailboxes, APP, ORG);
  const path = join(dir, `tenant-${n}-${++tenants}.json`);
  writeState(path, state);
  return path;
}

function settings(mailboxes: DesiredMailbox[]): DriverSettings {
  return {
    desired: {
      appId: APP.clientId,
      servicePrincipalObjectId: APP.spObjectId,
      displayName: APP.displayName,
      mailboxes,
    },
    connection: {
      connection: "managedIdentity",
      organization: ORG,
      pwsh: FAKE_PWSH,
      retryDeadlineSeconds: 60,
    },
  };
}

let runs = 0;
/**
 * One driver run (= one Command run); returns its record and the simulator's counters for it.
 * The driver's own waits (read-after-write confirmation, retries) run on a virtual clock and are
 * added to the simulated time: nothing sleeps, nothing is left out.
 */
async function run(
  statePath: string,
  dir: string,
  mailboxes: DesiredMailbox[],
  previous: string,
): Promise<{ record: string; stats: SimStats }> {
  const statsPath = join(dir, `stats-${++runs}.json`);
  let stdout = "";
  let stderr = "";
  const clock = virtualClock();
  const { code } = await runDriver(["apply"], {
    clock,
    env: {
      PATH: process.env.PATH,
      // An empty record means no previous run: the variable is then left unset, as on a create.
      ...simDriverEnv({
        settings: settings(mailboxes),
        statePath,
        statsPath,
        previousStdout: previous || undefined,
      }),
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  if (code !== 0) throw new Error(`bench run failed (exit ${code}):\n${stderr}`);
  const stats = readSimStats(statsPath);
  stats.virtualMs += clock.sleeps.reduce((a, b) => a + b, 0);
  return { record: stdout, stats };
}

type Scenario = "first apply" | "no-change apply" | "one mailbox added";
interface Row {
  n: number;
  scenario: Scenario;
  ours: SimStats;
  naive: SimStats;
  naiveExtrapolated: boolean;
}

const scale = (s: SimStats, k: number): SimStats => {
  const out = emptyStats();
  out.sessions = s.sessions * k;
  out.connects = s.connects * k;
  out.disconnects = s.disconnects * k;
  for (const [c, v] of Object.entries(s.cmdlets)) out.cmdlets[c] = v * k;
  out.byKind = { read: s.byKind.read * k, write: s.byKind.write * k };
  out.virtualMs = s.virtualMs * k;
  return out;
};

async function benchN(n: number, dir: string): Promise<Row[]> {
  const desired = Array.from({ length: n }, (_, i) => ({ address: address(i + 1), sendAs: false }));
  const added = { address: address(n + 1), sendAs: false };

  // Ours (one Command for all N) and naive (one Command per mailbox, each with its own record)
  // run side by side on separate tenants: the counts are per tenant, the real time halves.
  const measured = Math.min(n, NAIVE_MEASURED_MAX);
  const oursPart = async () => {
    const tenant = newTenant(n, dir);
    const first = await run(tenant, dir, desired, "");
    const second = await run(tenant, dir, desired, first.record);
    const change = await run(tenant, dir, [...desired, added], second.record);
    return { first, second, change };
  };
  const naivePart = async () => {
    const tenant = newTenant(n, dir);
    const firsts: { record: string; stats: SimStats }[] = [];
    for (let i = 0; i < measured; i++) firsts.push(await run(tenant, dir, [desired[i]], ""));
    const seconds: SimStats[] = [];
    for (let i = 0; i < measured; i++)
      seconds.push((await run(tenant, dir, [desired[i]], firsts[i].record)).stats);
    const change = (await run(tenant, dir, [added], "")).stats; // Pulumi creates only the new Command
    return { firsts, seconds, change };
  };
  const [{ first, second, change }, { firsts, seconds, change: naiveChange }] = await Promise.all([
    oursPart(),
    naivePart(),
  ]);
  const extrapolated = n > measured;
  const sum = (xs: SimStats[]) => xs.reduce(addStats, emptyStats());
  const naiveFirst = extrapolated
    ? addStats(firsts[0].stats, scale(firsts[measured - 1].stats, n - 1))
    : sum(firsts.map((f) => f.stats));
  const naiveSecond = extrapolated ? scale(seconds[measured - 1], n) : sum(seconds);

  return [
    { n, scenario: "first apply", ours: first.stats, naive: naiveFirst, naiveExtrapolated: extrapolated },
    {
      n,
      scenario: "no-change apply",
      ours: second.stats,
      naive: naiveSecond,
      naiveExtrapolated: extrapolated,
    },
    { n, scenario: "one mailbox added", ours: change.stats, naive: naiveChange, naiveExtrapolated: false },
  ];
}

const SHORT: Record<string, string> = {
  "Get-ServicePrincipal": "GetSP",
  "New-ServicePrincipal": "NewSP",
  "Get-MailboxPermission": "GetMP",
  "Add-MailboxPermission": "AddMP",
  "Remove-MailboxPermission": "RmMP",
  "Get-RecipientPermission": "GetRP",
  "Add-RecipientPermission": "AddRP",
  "Remove-RecipientPermission": "RmRP",
  "Remove-ServicePrincipal": "RmSP",
};
const kinds = (s: SimStats) =>
  Object.entries(s.cmdlets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${SHORT[k] ?? k} ${v}`)
    .join(", ");
const time = (ms: number) =>
  ms >= 3_600_000
    ? `${(ms / 3_600_000).toFixed(1)} h`
    : ms >= 60_000
      ? `${(ms / 60_000).toFixed(1)} min`
      : `${(ms / 1000).toFixed(1)} s`;
const ratio = (a: number, b: number) => {
  if (b === 0) return a === 0 ? "=" : "∞";
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}×`;
};

function table(rows: Row[]): string {
  const head = [
    "N",
    "scenario",
    "ours: sessions",
    "ours: cmdlets (reads/writes)",
    "ours: simulated time",
    "naive: sessions",
    "naive: cmdlets (reads/writes)",
    "naive: simulated time",
    "naive/ours sessions",
    "naive/ours time",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows) {
    const star = r.naiveExtrapolated ? "*" : "";
    lines.push(
      `| ${[
        r.n,
        r.scenario,
        r.ours.sessions,
        `${r.ours.byKind.read + r.ours.byKind.write} (${r.ours.byKind.read}/${r.ours.byKind.write})`,
        time(r.ours.virtualMs),
        `${r.naive.sessions}${star}`,
        `${r.naive.byKind.read + r.naive.byKind.write} (${r.naive.byKind.read}/${r.naive.byKind.write})${star}`,
        `${time(r.naive.virtualMs)}${star}`,
        ratio(r.naive.sessions, r.ours.sessions),
        ratio(r.naive.virtualMs, r.ours.virtualMs),
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

/** The benchmark's command line (scripts/cli/: one parser, one exit-code table). */
const BENCH_SPEC: ToolSpec = {
  invocation: "npm run bench:exchange --",
  summary:
    "Counts, not timings: sessions, cmdlets by kind and simulated wall time of the Exchange step for N mailboxes,\n" +
    "this design (one Command, one PowerShell session per run) next to one Command per mailbox.",
  options: {
    n: {
      type: "string",
      value: "<list>",
      description: "mailbox counts, comma-separated positive integers (default 1,10,100,1000)",
    },
    ...REAL_PWSH_OPTIONS,
  },
  details:
    'Prints a table on stdout (ASCII in a pipe), progress on stderr. docs/development.md, "Benchmarks".',
  exitCodes: ["ok", "error", "usage"],
};

/** "1,10,100" → [1, 10, 100]; anything else is a usage error naming --n. */
export function parseCounts(text: string | undefined, fallback: string): number[] {
  const given = text ?? fallback;
  const ns = given.split(",").map((x) => (/^\s*\d+\s*$/.test(x) ? Number(x) : NaN));
  if (ns.some((n) => !Number.isInteger(n) || n < 1))
    throw new UsageError(
      `--n takes positive integers, comma-separated, e.g. 1,10,100 (got "${printable(given)}")`,
    );
  return ns;
}

/** Issue 11 item 8's figures: adding one mailbox costs ≤ 10 cmdlets; a first apply ≤ 2N + 2. */
function addOne(rows: Row[]): string {
  const cmdlets = (s: SimStats) => s.byKind.read + s.byKind.write;
  return rows
    .filter((r) => r.scenario !== "no-change apply")
    .map((r) =>
      r.scenario === "one mailbox added"
        ? `Adding one mailbox at N=${r.n}: ${cmdlets(r.ours)} cmdlets (goal ≤ 10 — ${cmdlets(r.ours) <= 10 ? "met" : "NOT met"}).`
        : `First apply at N=${r.n}: ${cmdlets(r.ours)} cmdlets (2N + 2 = ${2 * r.n + 2} — ${cmdlets(r.ours) <= 2 * r.n + 2 ? "met" : "NOT met"}).`,
    )
    .join("\n");
}

async function bench(ns: number[], io: ToolIO, t: Terminal): Promise<void> {
  const say = (text: string) => io.stdout(fitText(t, text) + "\n");
  const dir = mkdtempSync(join(tmpdir(), "exo-bench-"));
  const started = Date.now();
  const rows: Row[] = [];
  try {
    for (const n of ns) {
      const t0 = Date.now();
      rows.push(...(await benchN(n, dir)));
      io.stderr(`bench: N=${n} done in ${((Date.now() - t0) / 1000).toFixed(1)} s real\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const L = DEFAULT_LATENCY;
  say(
    `Exchange step, simulated (virtual clock: connect ${L.connectMs} ms, read ${L.readMs} ms, write ${L.writeMs} ms, disconnect ${L.disconnectMs} ms;` +
      ` the driver's own waits — ${CONFIRMING_READS} agreeing reads ${DEFAULT_BASE_DELAY_MS} ms apart after a change — included)\n`,
  );
  say(table(rows));
  say(`\nCmdlets by kind (ours):`);
  for (const r of rows) say(`  N=${r.n} ${r.scenario}: ${kinds(r.ours)}`);
  say(`\nCmdlets by kind (naive):`);
  for (const r of rows) say(`  N=${r.n} ${r.scenario}: ${kinds(r.naive)}${r.naiveExtrapolated ? " *" : ""}`);
  say(
    `\n* naive figures above N=${NAIVE_MEASURED_MAX} are extrapolated from measured runs (first Command + (N−1) × a later one).` +
      `\nTargets: 1 session per run — ${rows.every((r) => r.ours.sessions === 1) ? "met" : "NOT met"};` +
      ` 0 writes when nothing changed — ${rows.filter((r) => r.scenario === "no-change apply").every((r) => r.ours.byKind.write === 0) ? "met" : "NOT met"}.` +
      `\n${addOne(rows)}` +
      `\nReal time: ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}

if (require.main === module)
  runAsMain((argv, io) =>
    runTool({ spec: BENCH_SPEC, schema: () => schemaName("bench-exchange", 1) }, argv, io, async (inv) => {
      const ns = parseCounts(stringValue(inv.values, "n"), "1,10,100,1000");
      await bench(ns, io, inv.terminals.stdout);
      await realPwshSection(ns, {
        skip: flagValue(inv.values, "no-real-pwsh"),
        say: (text) => io.stdout(fitText(inv.terminals.stdout, text) + "\n"),
        progress: io.stderr,
      });
      return { exitCode: EXIT.ok };
    }),
  );
