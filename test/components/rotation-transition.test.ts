// A change of the rotation settings, replayed day by day on the schedule model (the same
// continueRotation the component runs, each run's record handed to the next): for every kind of
// change, made on every few days of a rotation period, with daily runs at 02:00 UTC —
//  - no run deletes the secret published before it, and each run replaces at most one slot;
//  - the published secret works at every instant;
//  - after every publish the previous secret keeps working at least graceDays (the smaller of the
//    old and new value for the publish before the change, the new one after it), unless the change
//    says it cannot (then at least what it says);
//  - no password asks Graph for more than 2 × rotationDays + graceDays of life, none is born expired;
//  - one period after the change's first rotation the schedule is the plain clock schedule again,
//    on the requested grid whenever the change said so.
// The same kinds run through the real program on the multi-run engine in
// test/offline-tenant/harness/engine/secret-settings-change.test.ts.
import { describe, expect, it } from "vitest";
import { DAY_MS, rotationPlan } from "../../components/rotationSchedule";
import type { ScheduleChange } from "../../components/rotationTransition";
import { every, iso, SimulatedStack } from "../support/rotation-simulate";

type Settings = { rotationDays: number; graceDays: number; anchor?: Date };
const ANCHOR = new Date("2024-01-01T00:00:00Z");
const DEPLOY = Date.parse("2026-01-10T02:00:00Z");

interface Replay {
  problems: string[];
  change?: ScheduleChange;
  /** Days from the change to the first run whose record carries nothing. */
  settledAfterDays: number;
}

function replay(
  from: Settings,
  to: Settings,
  changeAfterDays: number,
  runEveryDays = 1,
  opts: { forget?: boolean } = {},
): Replay {
  const stack = new SimulatedStack(from);
  const changeAt = DEPLOY + changeAfterDays * DAY_MS;
  const horizon = changeAt + (2 * Math.max(from.rotationDays, to.rotationDays) + 60) * DAY_MS;
  const problems: string[] = [];
  const fail = (m: string) => problems.length < 10 && problems.push(m);
  const publishes: Array<{ at: number; key: string; previous?: string; required: number }> = [];
  let change: ScheduleChange | undefined;
  let settled = Infinity;
  for (const t of every(DEPLOY, horizon, runEveryDays * DAY_MS)) {
    if (t >= changeAt && stack.settings === from) {
      stack.reconfigure(to);
      if (opts.forget) stack.record = undefined;
    }
    const before = stack.lastRun?.publishedKeyId;
    const r = stack.up(t);
    if (r.change) change = r.change;
    if (before && r.deleted.length && r.deleted.some((s) => stack.passwords.get(before)!.slot === s))
      fail(`${iso(t)}: the run deleted the secret published before it (${r.deleted.join(", ")})`);
    if (before && r.created.length > 1) fail(`${iso(t)}: the run replaced both slots`);
    if (r.change && r.created.join() !== r.change.replacedNow.join())
      fail(
        `${iso(t)}: the change said it replaces [${r.change.replacedNow}], the run created [${r.created}]`,
      );
    if (r.publishChanged) {
      const required = t < changeAt ? Math.min(from.graceDays, to.graceDays) : stack.settings.graceDays;
      publishes.push({ at: t, key: r.publishedKeyId, previous: before, required });
    }
    if (t >= changeAt && settled === Infinity && !stack.record!.carried) settled = (t - changeAt) / DAY_MS;
    // The published secret works until the next run.
    const next = t + runEveryDays * DAY_MS;
    if (!stack.usable(r.publishedKeyId, t) || stack.passwords.get(r.publishedKeyId)!.endDate < next)
      fail(`${iso(t)}: the published secret does not last until the next run`);
  }
  problems.push(...stack.violations.slice(0, 5));
  const shortfall = change ? Math.min(change.previousGraceDays, change.publishedGraceDays) : Infinity;
  for (const p of publishes) {
    if (!p.previous) continue;
    const kept = (stack.endOfUse(p.previous) - p.at) / DAY_MS;
    const owed = shortfall < to.graceDays ? Math.min(p.required, shortfall - 1) : p.required;
    if (kept < owed - 1e-9)
      fail(`${iso(p.at)}: the previous secret kept ${kept.toFixed(2)} days after the publish, owed ${owed}`);
  }
  if (change?.onGrid && settled !== Infinity) {
    const anchor = Date.parse(stack.record!.scheduleAnchor ?? stack.record!.anchor);
    const gridOf = (a: number) =>
      (((a - (to.anchor ?? ANCHOR).getTime()) % (to.rotationDays * DAY_MS)) + to.rotationDays * DAY_MS) %
      (to.rotationDays * DAY_MS);
    if (gridOf(anchor) !== 0) fail(`the schedule did not land on the requested grid (anchor ${iso(anchor)})`);
  }
  // Once settled, each run declares exactly the plain clock schedule.
  if (settled !== Infinity) {
    const plain = rotationPlan({
      now: new Date(horizon),
      rotationDays: to.rotationDays,
      graceDays: to.graceDays,
      anchor: new Date(stack.record!.scheduleAnchor ?? stack.record!.anchor),
    });
    if (JSON.stringify(stack.lastRun!.plan.slots) !== JSON.stringify(plain.slots))
      fail("after settling, the plan is not the plain clock schedule");
  }
  return { problems, change, settledAfterDays: settled };
}

const P90 = { rotationDays: 90, graceDays: 14 };
const kinds: Array<[string, Settings, Settings]> = [
  ["graceDays up by one (14 → 15)", P90, { rotationDays: 90, graceDays: 15 }],
  ["graceDays up (14 → 60)", P90, { rotationDays: 90, graceDays: 60 }],
  ["graceDays down (14 → 1)", P90, { rotationDays: 90, graceDays: 1 }],
  ["rotationDays down (90 → 60)", P90, { rotationDays: 60, graceDays: 14 }],
  [
    "rotationDays down to the minimum (30 → 7, graceDays 7)",
    { rotationDays: 30, graceDays: 7 },
    { rotationDays: 7, graceDays: 7 },
  ],
  ["rotationDays up (90 → 180)", P90, { rotationDays: 180, graceDays: 14 }],
  ["rotationDays up to the cap (90 → 358)", P90, { rotationDays: 358, graceDays: 14 }],
  [
    "rotationDays up (7 → 30, graceDays 1 → 7)",
    { rotationDays: 7, graceDays: 1 },
    { rotationDays: 30, graceDays: 7 },
  ],
  ["both (90/14 → 30/30)", P90, { rotationDays: 30, graceDays: 30 }],
  ["the anchor (+10 days)", P90, { ...P90, anchor: new Date("2024-01-11T00:00:00Z") }],
  [
    "the anchor (+45 days) and rotationDays 90 → 60",
    P90,
    { rotationDays: 60, graceDays: 14, anchor: new Date("2024-02-15T00:00:00Z") },
  ],
];

describe("a change of rotation settings, made on any day of a period, with daily runs", () => {
  it.each(kinds)("%s keeps every promise", (_name, from, to) => {
    const found: string[] = [];
    let slowest = 0;
    for (let d = 30; d < 30 + from.rotationDays; d += from.rotationDays > 30 ? 3 : 1) {
      const r = replay(from, to, d);
      expect(r.change, `a change on day ${d}`).toBeDefined();
      // Nothing the change could not keep: these kinds all fit (2 × graceDays ≤ 2P + G − 2 days).
      expect(r.change!.previousGraceDays).toBeGreaterThanOrEqual(to.graceDays);
      expect(r.change!.publishedGraceDays).toBeGreaterThanOrEqual(to.graceDays);
      found.push(...r.problems.map((p) => `change on day ${d}: ${p}`));
      slowest = Math.max(slowest, r.settledAfterDays);
    }
    expect(found).toEqual([]);
    // Settled within two of the new periods after the change (plus the first rotation's wait).
    expect(slowest).toBeLessThanOrEqual(from.rotationDays + 2 * to.rotationDays + 2);
  });

  it("changed back before the next rotation, the stack is exactly where it was", () => {
    const a = new SimulatedStack(P90);
    const b = new SimulatedStack(P90);
    const t0 = DEPLOY;
    for (const t of every(t0, t0 + 20 * DAY_MS, DAY_MS)) {
      a.up(t);
      b.up(t);
    }
    b.reconfigure({ rotationDays: 60, graceDays: 14 });
    const changed = b.up(t0 + 21 * DAY_MS);
    expect(changed.created).toEqual([]);
    b.reconfigure(P90);
    const back = b.up(t0 + 22 * DAY_MS);
    expect(back.created).toEqual([]);
    expect(b.record).toEqual(a.up(t0 + 22 * DAY_MS) && a.record);
  });
});

describe("the replay catches a schedule that forgets the last update's passwords", () => {
  it("planning afresh from the new settings (a stateless rule, or an unreadable record) deletes the published secret", () => {
    const r = replay(P90, { rotationDays: 90, graceDays: 15 }, 40, 1, { forget: true });
    expect(r.problems.join("\n")).toMatch(/deleted the secret published before it \(a, b\)/);
  });
});

describe("a change the old secrets cannot honour (graceDays raised far past what they live)", () => {
  it("says how much is left, and keeps at least that, with no outage and the published secret kept", () => {
    const from = { rotationDays: 7, graceDays: 1 };
    const to = { rotationDays: 300, graceDays: 100 };
    const r = replay(from, to, 40);
    expect(r.change!.publishedGraceDays).toBeLessThan(to.graceDays);
    expect(r.problems).toEqual([]);
  });
});

describe("with weekly runs", () => {
  it.each(kinds.filter(([, , to]) => to.graceDays <= to.rotationDays - 7))(
    "%s: no run deletes the published secret, and the previous keeps graceDays minus a week's lateness",
    (_name, from, to) => {
      for (const d of [31, 50, 77]) {
        const r = replay(from, { ...to, graceDays: to.graceDays }, d, 7);
        const deletions = r.problems.filter((p) =>
          /deleted the secret published|replaced both|does not last/.test(p),
        );
        expect(deletions, `change on day ${d}`).toEqual([]);
        const short = r.problems
          .map((p) => /kept (-?[\d.]+) days after the publish, owed (\d+)/.exec(p))
          .filter((m): m is RegExpExecArray => m !== null)
          .filter((m) => Number(m[1]) < Number(m[2]) - 7);
        expect(short.map((m) => m[0])).toEqual([]);
      }
    },
  );
});
