// A run killed at any point converges on the next run. The simulator commits the k-th cmdlet
// and then dies without answering (EXO_SIM_FAULTS crashAfter), for every k of a clean run; the
// killed run prints no record, so the next run gets the run before's record, exactly as
// @pulumi/command would hand it over after a failed update.
// The driver runs in-process here (runDriver, the function cli.ts's entry calls) to keep the
// many runs quick; the simulator is still a separate process spawned as `pwsh`.
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDriver } from "../../scripts/exchange-driver/cli";
import { encodeDriverEnvironment, type DriverSettings } from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { parseRecord } from "../../components/exchange-step/record";
import { SECRETS, newSimTenant, ours, settingsFor, stats, type SimTenant } from "../support/driver-run";

const A = "a@contoso.com";
const B = "b@contoso.com";
const C = "c@contoso.com";

/** Everything the killed and rerun drivers printed (crash reports included), for the leak scan. */
const printed: string[] = [];

async function drive(
  command: string,
  t: SimTenant,
  settings: DriverSettings,
  previousStdout?: string,
  faults?: object,
) {
  let stdout = "";
  let stderr = "";
  const { code } = await runDriver([command], {
    env: {
      PATH: process.env.PATH,
      ...encodeDriverEnvironment(settings),
      EXO_SIM_STATE: t.statePath,
      EXO_SIM_STATS: t.statsPath,
      EXO_OAUTH_RETRY_BASE_MS: "5",
      ...(faults ? { EXO_SIM_FAULTS: JSON.stringify(faults) } : {}),
      ...(previousStdout !== undefined ? { [DRIVER_ENV.previousStdout]: previousStdout } : {}),
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  printed.push(stdout, stderr);
  return { code, stdout, stderr };
}

/** A copy of a tenant (state only; fresh stats). */
function fork(t: SimTenant): SimTenant {
  const dir = mkdtempSync(join(tmpdir(), "exo-fork-"));
  const statePath = join(dir, "tenant.json");
  copyFileSync(t.statePath, statePath);
  return { dir, statePath, statsPath: join(dir, "stats.json") };
}

/** Runs fn over 1..n with a few in flight (each run spawns a simulator process). */
async function eachK(n: number, fn: (k: number) => Promise<void>, width = 3) {
  let next = 1;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next <= n) await fn(next++);
    }),
  );
}

interface Scenario {
  name: string;
  /** Tenant and previous record before the run that gets killed. */
  setup: () => Promise<{ t: SimTenant; record: string }>;
  command: "apply" | "remove";
  settings: DriverSettings;
  expected: ReturnType<typeof ours>;
}

const scenarios: Scenario[] = [
  {
    name: "the first apply from an empty tenant",
    setup: async () => ({ t: newSimTenant([A, B, C]), record: "" }),
    command: "apply",
    settings: settingsFor([A, { address: B, sendAs: true }]),
    expected: { sp: true, fullAccess: [A, B], sendAs: [B] },
  },
  {
    name: "an update that adds, removes and changes mailboxes",
    setup: async () => {
      const t = newSimTenant([A, B, C]);
      const first = await drive("apply", t, settingsFor([A, { address: B, sendAs: true }]));
      return { t, record: first.stdout };
    },
    command: "apply",
    settings: settingsFor([B, { address: C, sendAs: true }]),
    expected: { sp: true, fullAccess: [B, C], sendAs: [C] },
  },
  {
    name: "removal",
    setup: async () => {
      const t = newSimTenant([A, B, C]);
      const first = await drive("apply", t, settingsFor([A, { address: B, sendAs: true }]));
      return { t, record: first.stdout };
    },
    command: "remove",
    settings: settingsFor([A, { address: B, sendAs: true }]),
    expected: { sp: false, fullAccess: [], sendAs: [] },
  },
];

describe.concurrent("a run killed after any cmdlet", () => {
  for (const sc of scenarios) {
    it(`converges on the next run: ${sc.name}`, async () => {
      const { t, record } = await sc.setup();
      // A clean run on a copy says how many cmdlets there are to kill after.
      const clean = fork(t);
      const ok = await drive(sc.command, clean, sc.settings, record);
      expect(ok.code).toBe(0);
      expect(ours(clean)).toEqual(sc.expected);
      const cmdlets = Object.values(stats(clean).cmdlets).reduce((a, b) => a + b, 0);
      expect(cmdlets).toBeGreaterThan(3);

      const outcomes: string[] = [];
      await eachK(cmdlets, async (k) => {
        const tk = fork(t);
        const killed = await drive(sc.command, tk, sc.settings, record, { crashAfter: k });
        expect(killed.code, `run killed after cmdlet ${k}`).toBe(1);
        expect(killed.stdout, `no record from a killed run (k=${k})`).toBe("");
        expect(stats(tk).faults.crash).toBe(1);
        // The next run gets the run before's record, as @pulumi/command would give it.
        const next = await drive(sc.command, tk, sc.settings, record);
        expect(next.code, `rerun after kill at ${k}: ${next.stderr}`).toBe(0);
        expect(ours(tk), `state after kill at ${k} and a rerun`).toEqual(sc.expected);
        expect(parseRecord(next.stdout)).toEqual(parseRecord(ok.stdout));
        outcomes.push(`k=${k} ok`);
      });
      expect(outcomes).toHaveLength(cmdlets);
    }, 240_000);
  }
});

describe("secrets in killed runs", () => {
  it("no secret value appears in what killed or rerun drivers printed", () => {
    expect(printed.length).toBeGreaterThan(30);
    const all = printed.join("\n");
    expect(all).toContain("ended"); // the crash reports are in there
    for (const secret of [SECRETS.certificate, SECRETS.certificatePassword])
      expect(all).not.toContain(secret);
  });
});
