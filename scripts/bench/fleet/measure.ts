// The fleet's scheduling overhead, measured with an injected runner (no pulumi): `stacks` stacks
// whose runs take injected durations (seeded, uniform in [minMs, maxMs]), `parallel` at a time, one
// of them failing half-way. Ideal = the longest of (sum of durations / parallel) and the longest
// single run (no schedule can beat either); the goal is wall ≤ 1.2 × ideal, and the failure isolated:
// every other stack succeeded.
import { seededRandom } from "../../offline-tenant/seeded-random";
import { runFleet, type StackOutcome } from "../../operator/fleet/orchestrate";

export interface FleetBenchOptions {
  stacks: number;
  parallel: number;
  minMs: number;
  maxMs: number;
  seed: number;
}

export interface FleetBenchFigures extends FleetBenchOptions {
  wallMs: number;
  idealMs: number;
  ratio: number;
  failedStack: string;
  failed: string[];
  succeeded: number;
}

export async function measureFleet(o: FleetBenchOptions): Promise<FleetBenchFigures> {
  const random = seededRandom(o.seed);
  const stacks = Array.from({ length: o.stacks }, (_, i) => `tenant-${String(i).padStart(3, "0")}`);
  const durations = new Map(stacks.map((s) => [s, Math.round(o.minMs + random() * (o.maxMs - o.minMs))]));
  const failedStack = stacks[Math.floor(o.stacks / 2)];
  const total = [...durations.values()].reduce((a, b) => a + b, 0);
  const idealMs = Math.max(total / o.parallel, Math.max(...durations.values()));
  const started = performance.now();
  const results = await runFleet({
    stacks,
    command: "up",
    parallel: o.parallel,
    runner: ({ stack }) =>
      new Promise<StackOutcome>((done) =>
        setTimeout(
          () =>
            done(
              stack === failedStack
                ? { result: "failed", cause: "injected failure" }
                : { result: "succeeded", changes: "1 update" },
            ),
          durations.get(stack),
        ),
      ),
  });
  const wallMs = performance.now() - started;
  return {
    ...o,
    wallMs: Math.round(wallMs),
    idealMs: Math.round(idealMs),
    ratio: Math.round((wallMs / idealMs) * 1000) / 1000,
    failedStack,
    failed: results.filter((r) => r.result !== "succeeded").map((r) => r.stack),
    succeeded: results.filter((r) => r.result === "succeeded").length,
  };
}
