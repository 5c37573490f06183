// The rotation guarantee, replayed over three years of scheduled `pulumi up` runs.
// At every checked instant (daily, and hourly within two days of each rotation boundary):
//  - the published secret exists and is valid; right after a run it has ≥ P + G of life left,
//    and at any instant ≥ P + G minus how overdue the rotation is (no run yet since the boundary);
//  - the previously published secret stays present and valid ≥ G after the next publish
//    (whenever runs are never more than P − G days apart; the measured margin is printed with
//    EXO_OAUTH_TEST_FIGURES=1);
//  - each rotation replaces exactly one slot, and a second run at the same instant changes nothing.
import { afterAll, describe, expect, it } from "vitest";
import { printFigures } from "../support/figures";
import { DAY_MS, rfc3339, type RotationPlan } from "../../components/rotationSchedule";
import {
  aroundBoundaries,
  boundaries,
  days,
  every,
  HOUR_MS,
  iso,
  prng,
  SimulatedStack,
  sortedUnique,
} from "../support/rotation-simulate";

const ANCHOR = Date.parse("2024-01-01T00:00:00Z");
const YEARS3 = 3 * 365 * DAY_MS;

interface Settings {
  rotationDays: number;
  graceDays: number;
  anchor?: Date;
}

interface Measured {
  runs: number;
  rotations: number;
  maxGapDays: number;
  minLifeAfterRunDays: number;
  minLifeAnyInstantDays: number;
  minPreviousOverlapDays: number;
  checks: number;
}

/** Replays `runs` (and checks at `checks`), collecting every violation instead of stopping at the first. */
function replay(
  s: Settings,
  runTimes: number[],
  checkTimes: number[],
  mutate?: (plan: RotationPlan) => RotationPlan,
): { m: Measured; problems: string[] } {
  const P = s.rotationDays * DAY_MS;
  const G = s.graceDays * DAY_MS;
  const runs = new Set(runTimes);
  const instants = sortedUnique([...runTimes, ...checkTimes]).filter((t) => t >= runTimes[0]);
  const end = instants.at(-1)!;
  const stack = new SimulatedStack(s, undefined, mutate);
  const problems: string[] = [];
  const fail = (msg: string) => {
    if (problems.length < 20) problems.push(msg);
  };
  let rotations = 0;
  let minLifeAfterRun = Infinity;
  let minLifeAny = Infinity;
  let checks = 0;
  let previousGeneration: number | undefined;

  for (const t of instants) {
    if (runs.has(t)) {
      const r = stack.up(t);
      if (previousGeneration === undefined) {
        if (r.created.length !== 2 || r.deleted.length !== 0)
          fail(`first deploy at ${iso(t)} did not create both slots`);
      } else if (r.created.length > 0) {
        rotations++;
        const ok =
          r.created.length === 1 &&
          r.deleted.length === 1 &&
          r.created[0] === r.deleted[0] &&
          r.created[0] === r.plan.published &&
          r.plan.generation === previousGeneration + 1 &&
          r.publishChanged;
        if (!ok) {
          fail(
            `run at ${iso(t)} (generation ${previousGeneration} → ${r.plan.generation}) created [${r.created}] ` +
              `deleted [${r.deleted}], published slot ${r.plan.published}: expected exactly one slot replaced, the new one published`,
          );
        }
      } else if (r.publishChanged || r.plan.generation !== previousGeneration) {
        fail(`run at ${iso(t)} changed the publish or generation without replacing a slot`);
      }
      previousGeneration = r.plan.generation;
      const again = stack.up(t);
      if (again.created.length + again.deleted.length > 0 || again.publishChanged) {
        fail(`a second run at ${iso(t)} changed [${again.created}]`);
      }
      const life = stack.passwords.get(r.publishedKeyId)!.endDate - t;
      minLifeAfterRun = Math.min(minLifeAfterRun, life);
      if (life < P + G)
        fail(`right after the run at ${iso(t)} the published secret has ${days(life)} days left`);
    }
    checks++;
    const last = stack.lastRun!;
    const published = last.publishedKeyId;
    if (!stack.usable(published, t)) fail(`at ${iso(t)} the published secret is not usable`);
    const life = stack.passwords.get(published)!.endDate - t;
    minLifeAny = Math.min(minLifeAny, life);
    const overdue = Math.max(0, t - Date.parse(last.plan.nextRotationAt));
    if (life < P + G - overdue) {
      fail(`at ${iso(t)} the published secret has ${days(life)} days left, overdue ${days(overdue)}`);
    }
  }

  problems.push(...stack.violations.slice(0, 5));

  // The previously published secret after each new publish.
  let minOverlap = Infinity;
  for (let i = 1; i < stack.publishes.length; i++) {
    const prev = stack.passwords.get(stack.publishes[i - 1].keyId)!;
    const at = stack.publishes[i].at;
    if (prev.deletedAt === undefined && prev.endDate > end) continue; // still alive when the replay ends
    const overlap = stack.endOfUse(prev.keyId) - at;
    minOverlap = Math.min(minOverlap, overlap);
  }
  const gaps = runTimes.slice(1).map((t, i) => t - runTimes[i]);
  const maxGap = Math.max(0, ...gaps);
  if (minOverlap !== Infinity) {
    // Derived bound: publish happens < maxGap after a boundary, the old one is removed no earlier than the next.
    if (minOverlap < P - maxGap) fail(`previous secret overlap ${days(minOverlap)} days < P − max gap`);
    if (maxGap <= P - G && minOverlap < G) fail(`previous secret overlap ${days(minOverlap)} days < G`);
  }
  return {
    m: {
      runs: runTimes.length,
      rotations,
      maxGapDays: days(maxGap),
      minLifeAfterRunDays: days(minLifeAfterRun),
      minLifeAnyInstantDays: days(minLifeAny),
      minPreviousOverlapDays: days(minOverlap),
      checks,
    },
    problems,
  };
}

const report: Array<Record<string, string | number>> = [];
// The measured figures (docs/operations.md's table): EXO_OAUTH_TEST_FIGURES=1 prints them.
afterAll(() => printFigures("Rotation guarantee, measured (days):", report));

const settingsTable: Array<[number, number]> = [
  [90, 14],
  [7, 1],
  [7, 7],
  [30, 7],
  [180, 30],
  [360, 10],
  [364, 1],
];

type Scenario = {
  name: string;
  runs: (s: Settings) => number[];
};

const at0200 = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS + 2 * HOUR_MS;
const midDeploy = ANCHOR + 2 * 365 * DAY_MS + 37 * DAY_MS + 13 * HOUR_MS + 17 * 60_000;

const scenarios: Scenario[] = [
  {
    name: "first deploy at the anchor, daily at 00:00 UTC",
    runs: () => every(ANCHOR, ANCHOR + YEARS3, DAY_MS),
  },
  {
    name: "first deploy mid-period, then daily at 02:00 UTC",
    runs: () => [midDeploy, ...every(at0200(midDeploy) + DAY_MS, midDeploy + YEARS3, DAY_MS)],
  },
  {
    name: "daily at 02:00 and hourly within 36h of each boundary",
    runs: (s) => {
      const from = midDeploy;
      const to = from + YEARS3;
      return sortedUnique([
        from,
        ...every(at0200(from) + DAY_MS, to, DAY_MS),
        ...aroundBoundaries(boundaries(from, to, s), 36, from, to),
      ]);
    },
  },
  {
    name: "first deploy mid-period, then weekly on Mondays at 03:00 UTC",
    // 2024-01-01 was a Monday.
    runs: () => {
      const firstMonday = ANCHOR + Math.ceil((midDeploy - ANCHOR) / (7 * DAY_MS)) * 7 * DAY_MS + 3 * HOUR_MS;
      return [midDeploy, ...every(firstMonday, midDeploy + YEARS3, 7 * DAY_MS)];
    },
  },
  {
    name: "jittered runs 1 hour to 3 days apart",
    runs: () => {
      const rnd = prng(20261125);
      const out = [midDeploy];
      while (out.at(-1)! < midDeploy + YEARS3)
        out.push(out.at(-1)! + HOUR_MS + Math.floor(rnd() * 71 * HOUR_MS));
      return out;
    },
  },
];

describe("the rotation timeline over three years", () => {
  for (const [P, G] of settingsTable) {
    for (const sc of scenarios) {
      it(`keeps the guarantee with rotationDays ${P}, graceDays ${G}: ${sc.name}`, () => {
        const s: Settings = { rotationDays: P, graceDays: G };
        const runTimes = sc.runs(s);
        const from = runTimes[0];
        const to = runTimes.at(-1)!;
        const checks = [
          ...every(from, to, 12 * HOUR_MS),
          ...aroundBoundaries(boundaries(from, to, s), 48, from, to),
        ];
        const { m, problems } = replay(s, runTimes, checks);
        report.push({ P, G, scenario: sc.name, ...m });
        expect(problems).toEqual([]);
        // Enough happened for the replay to mean something: a rotation per period crossed.
        expect(m.rotations).toBe(boundaries(from + 1, to, s).length);
        expect(m.rotations).toBeGreaterThanOrEqual(2);
        expect(m.minPreviousOverlapDays).toBeLessThan(Infinity);
      });
    }
  }

  it("with a custom anchor in the future, the schedule still rotates one slot per period", () => {
    const s: Settings = { rotationDays: 30, graceDays: 7, anchor: new Date("2031-07-04T09:30:00Z") };
    const runs = every(midDeploy, midDeploy + YEARS3, DAY_MS);
    const { m, problems } = replay(s, runs, []);
    report.push({ P: 30, G: 7, scenario: "anchor 2031-07-04T09:30:00Z (future), daily", ...m });
    expect(problems).toEqual([]);
    expect(m.rotations).toBe(boundaries(runs[0] + 1, runs.at(-1)!, s).length);
  });

  describe("the replay catches a broken rule (negative controls)", () => {
    const s: Settings = { rotationDays: 30, graceDays: 7 };
    const runs = every(midDeploy, midDeploy + 365 * DAY_MS, DAY_MS);

    it("fails when each password lives only P + G from its generation's start", () => {
      const short = (plan: RotationPlan): RotationPlan => {
        const cut = (x: { generation: number; startsAt: string; endDate: string }) => ({
          ...x,
          endDate: rfc3339(Date.parse(x.startsAt) + 37 * DAY_MS),
        });
        return { ...plan, slots: { a: cut(plan.slots.a), b: cut(plan.slots.b) } };
      };
      const { problems } = replay(s, runs, [], short);
      const all = problems.join("\n");
      expect(all).toMatch(/right after the run at .* the published secret has .* days left/);
      expect(all).toMatch(/is created already expired/);
    });

    it("fails when both slots follow the newest generation (a single rotating password)", () => {
      const single = (plan: RotationPlan): RotationPlan => ({
        ...plan,
        slots: { a: plan.slots[plan.published], b: plan.slots[plan.published] },
      });
      const { m, problems } = replay(s, runs, [], single);
      expect(problems.join("\n")).toMatch(/expected exactly one slot replaced/);
      expect(m.minPreviousOverlapDays).toBe(0);
    });

    it("fails when a run gap spans two boundaries (both slots replaced at once)", () => {
      const gappy = [midDeploy, midDeploy + 29 * DAY_MS, midDeploy + 58 * DAY_MS, midDeploy + 120 * DAY_MS];
      const { problems } = replay(s, gappy, []);
      expect(problems.join("\n")).toMatch(/created \[a,b\] deleted \[a,b\]/);
    });
  });
});

describe("when scheduled runs stop for a while", () => {
  const cases: Array<[number, number, number]> = [
    // [P, G, stop length in days]
    [90, 14, 30],
    [90, 14, 76], // P − G: the longest gap that keeps the ≥ G overlap
    [90, 14, 89],
    [90, 14, 103],
    [90, 14, 181],
    [90, 14, 400],
    [7, 1, 6],
    [7, 1, 20],
    [30, 7, 45],
  ];
  it.each(cases)(
    "with rotationDays %i, graceDays %i, a %i-day stop leaves the published secret ≥ P + G from the last run",
    (P, G, stopDays) => {
      const s: Settings = { rotationDays: P, graceDays: G };
      const lastBefore = at0200(midDeploy) + 200 * DAY_MS;
      const resume = lastBefore + stopDays * DAY_MS;
      const runs = [
        ...every(at0200(midDeploy), lastBefore, DAY_MS),
        ...every(resume, resume + 200 * DAY_MS, DAY_MS),
      ];
      const stack = new SimulatedStack(s);
      for (const t of runs.filter((t) => t <= lastBefore)) stack.up(t);
      const publishedBefore = stack.lastRun!.publishedKeyId;
      const expiry = stack.passwords.get(publishedBefore)!.endDate;
      const lifeFromLastRun = expiry - lastBefore;
      expect(lifeFromLastRun).toBeGreaterThanOrEqual((P + G) * DAY_MS);

      const r = stack.up(resume);
      const outage = Math.max(0, resume - expiry);
      const overlapAfterResume = stack.endOfUse(publishedBefore) - resume;
      const boundariesCrossed = boundaries(lastBefore + 1, resume, s).length;
      report.push({
        P,
        G,
        scenario: `daily runs stop for ${stopDays} days`,
        publishedLifeFromLastRunDays: days(lifeFromLastRun),
        boundariesCrossed,
        slotsReplacedOnResume: r.created.length,
        outageDays: days(outage),
        previousUsableAfterResumePublishDays: days(Math.max(0, overlapAfterResume)),
      });
      // Life from the last run covers the stop exactly when the stop is shorter than it.
      expect(outage > 0).toBe(stopDays * DAY_MS > lifeFromLastRun);
      // At most one boundary in the stop: the ordinary one-slot rotation, overlap kept.
      if (boundariesCrossed <= 1) {
        expect(r.created.length).toBe(boundariesCrossed);
        if (boundariesCrossed === 1) expect(overlapAfterResume).toBeGreaterThan(0);
      } else {
        // Two or more boundaries: both slots are replaced in one run, the previous secret goes with it.
        expect(r.created.length).toBe(2);
        expect(overlapAfterResume).toBeLessThanOrEqual(0);
      }
      const lifeAfterResume = stack.passwords.get(r.publishedKeyId)!.endDate - resume;
      expect(lifeAfterResume).toBeGreaterThanOrEqual((P + G) * DAY_MS);
      // and the rotation carries on normally afterwards
      const { problems } = replay(
        s,
        runs.filter((t) => t >= resume),
        [],
      );
      expect(problems).toEqual([]);
    },
  );

  it("a stop spanning two boundaries while the published secret is still valid cuts it at the resumed run", () => {
    // The hazard of a stateless two-slot rule: the run after the stop replaces both slots, so the
    // secret consumers hold is deleted in that same run. Runs must not stop for P or more.
    const s: Settings = { rotationDays: 90, graceDays: 14 };
    const b = boundaries(midDeploy + 100 * DAY_MS, midDeploy + 300 * DAY_MS, s)[0];
    const lastBefore = b - DAY_MS;
    const resume = b + 90 * DAY_MS + DAY_MS;
    const stack = new SimulatedStack(s);
    for (const t of every(at0200(midDeploy), lastBefore, DAY_MS)) stack.up(t);
    const held = stack.lastRun!.publishedKeyId;
    expect(stack.usable(held, resume - 1)).toBe(true);
    const r = stack.up(resume);
    expect(r.created).toEqual(["a", "b"]);
    expect(stack.usable(held, resume)).toBe(false);
    report.push({
      P: 90,
      G: 14,
      scenario: "runs stop from 1 day before a boundary to 1 day after the next (92 days)",
      publishedLifeFromLastRunDays: days(stack.passwords.get(held)!.endDate - lastBefore),
      boundariesCrossed: 2,
      slotsReplacedOnResume: r.created.length,
      outageDays: 0,
      previousUsableAfterResumePublishDays: 0,
    });
  });
});

describe("when the rotation settings change", () => {
  it("the next run keeps both passwords; the change takes effect at the next rotation (rotation-transition.test.ts)", () => {
    // endDate depends on P and G, so planning afresh would replace both slots and delete the secret
    // consumers hold; the run carries the passwords over from its record instead.
    const t0 = at0200(midDeploy);
    const stack = new SimulatedStack({ rotationDays: 90, graceDays: 14 });
    stack.up(t0);
    const held = stack.lastRun!.publishedKeyId;
    stack.reconfigure({ rotationDays: 90, graceDays: 21 });
    const r = stack.up(t0 + DAY_MS);
    expect(r.created).toEqual([]);
    expect(r.deleted).toEqual([]);
    expect(r.publishedKeyId).toBe(held);
    expect(r.change?.nextRotationAfter).toBe(r.change?.nextRotationBefore);
  });
});
