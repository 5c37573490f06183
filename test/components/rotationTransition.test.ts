// continueRotation, case by case: the record a run exports, the next rotation a settings change
// picks and the notices that describe it. Expected dates are worked out by hand in the comments
// (defaults: period 9 of 90 days starts 2026-03-21; generation g ends start(g) + 194 days).
import { describe, expect, it } from "vitest";
import { rotationNotices, type PreviousOutputs } from "../../components/previousOutputs";
import { rotationPlan } from "../../components/rotationSchedule";
import { continueRotation, planFrom, type RotationRecord } from "../../components/rotationTransition";

const ANCHOR = "2024-01-01T00:00:00Z";
const DEFAULTS = { rotationDays: 90, graceDays: 14, anchor: ANCHOR };
const NOW = new Date("2026-04-01T06:00:00Z");
const deployed = (rotation: RotationRecord): PreviousOutputs => ({
  deployed: true,
  rotation,
  unreadable: {},
});

describe("with no change of settings", () => {
  it("is the plain clock schedule, and the record is the three settings", () => {
    const r = continueRotation({ now: NOW, settings: DEFAULTS });
    expect(r.plan).toEqual(rotationPlan({ now: NOW, rotationDays: 90, graceDays: 14 }));
    expect(r.record).toEqual(DEFAULTS);
    expect(r.change).toBeUndefined();
  });

  it("continues a record of settings only (what stacks deployed before carried passwords exported)", () => {
    const r = continueRotation({ now: NOW, settings: DEFAULTS, previous: DEFAULTS });
    expect(r.plan).toEqual(rotationPlan({ now: NOW, rotationDays: 90, graceDays: 14 }));
    expect(r.change).toBeUndefined();
  });
});

describe("graceDays 14 → 15 on 2026-04-01", () => {
  const r = continueRotation({
    now: NOW,
    settings: { ...DEFAULTS, graceDays: 15 },
    previous: DEFAULTS,
    previousNextRotationAt: "2026-06-19T00:00:00Z",
  });

  it("keeps both passwords as they are: generation 8 (slot a) and 9 (slot b, published)", () => {
    expect(r.plan.published).toBe("b");
    expect(r.plan.slots).toEqual({
      a: { generation: 8, startsAt: "2025-12-21T00:00:00Z", endDate: "2026-07-03T00:00:00Z", carried: true },
      b: { generation: 9, startsAt: "2026-03-21T00:00:00Z", endDate: "2026-10-01T00:00:00Z", carried: true },
    });
    expect(r.change!.replacedNow).toEqual([]);
  });

  it("keeps the announced rotation, 2026-06-19, and gives the next password 2 × 90 + 15 days", () => {
    expect(r.change!.nextRotationAfter).toBe("2026-06-19T00:00:00Z");
    expect(r.change!.onGrid).toBe(true);
    const after = continueRotation({
      now: new Date("2026-06-19T02:00:00Z"),
      settings: r.record,
      previous: r.record,
    });
    expect(after.plan.slots.a).toEqual({
      generation: 10,
      startsAt: "2026-06-19T00:00:00Z",
      endDate: "2026-12-31T00:00:00Z",
    });
    expect(after.plan.slots.b.carried).toBe(true);
    expect(after.record.carried).toEqual({
      b: { generation: 9, startsAt: "2026-03-21T00:00:00Z", endDate: "2026-10-01T00:00:00Z" },
    });
  });

  it("says so in one note, not a warning", () => {
    expect(rotationNotices(deployed(DEFAULTS), r.change, "client-secret")).toEqual([
      {
        level: "info",
        message:
          "Changing exo-oauth:secret.graceDays from 14 to 15: no client secret is replaced by this update; the " +
          "current ones keep their end dates. The next rotation is on 2026-06-19 (was 2026-06-19), then every 90 days.",
      },
    ]);
  });
});

describe("rotationDays 90 → 60 on 2026-04-01", () => {
  it("rotates on the first 60-day boundary at least graceDays + 1 after 2026-03-21: 2026-04-20", () => {
    // 60-day boundaries from 2024-01-01: … 2026-02-19, 2026-04-20 (≥ 2026-04-05), 2026-06-19 …
    const r = continueRotation({ now: NOW, settings: { ...DEFAULTS, rotationDays: 60 }, previous: DEFAULTS });
    expect(r.change!.nextRotationAfter).toBe("2026-04-20T00:00:00Z");
    expect(r.plan.generation).toBe(9);
    expect(r.record.scheduleAnchor).toBe("2024-08-28T00:00:00Z"); // 2026-04-20 − 10 × 60 days
    expect(r.change!.previousGraceDays).toBe(30);
    expect(r.change!.publishedGraceDays).toBe(60);
  });
});

describe("a change made the day a boundary of the old schedule passed, before its run", () => {
  it("continues from what state holds (the last update's plan), not from a rotation that never ran", () => {
    const now = new Date("2026-06-19T02:00:00Z");
    const r = continueRotation({
      now,
      settings: { ...DEFAULTS, rotationDays: 60 },
      previous: DEFAULTS,
      previousNextRotationAt: "2026-06-19T00:00:00Z",
    });
    // State holds generations 8 (a) and 9 (b, published since 2026-03-21).
    expect(r.change!.published).toBe("b");
    expect(planFrom(new Date("2026-06-18T23:59:59Z"), DEFAULTS).published).toBe("b");
    // The previous secret (a) is due: the update replaces it now, under the new settings.
    expect(r.change!.replacedNow).toEqual(["a"]);
    expect(r.plan.slots.a.carried).toBeUndefined();
    expect(Date.parse(r.plan.slots.a.endDate) - now.getTime()).toBeLessThanOrEqual(
      (2 * 60 + 14) * 86_400_000,
    );
  });
});

describe("a change the old secrets cannot honour (7/1 → 300/100)", () => {
  const previous = { rotationDays: 7, graceDays: 1, anchor: ANCHOR };
  const r = continueRotation({
    now: NOW,
    settings: { rotationDays: 300, graceDays: 100, anchor: ANCHOR },
    previous,
  });

  it("rotates the previous secret now and keeps the published one until its end", () => {
    expect(r.change!.replacedNow).toEqual([r.change!.previous]);
    expect(r.change!.publishedGraceDays).toBeLessThan(100);
  });

  it("warns with how much is left, for each secret that keeps less than graceDays", () => {
    const notices = rotationNotices(deployed(previous), r.change, "client-secret");
    expect(notices.map((n) => n.level)).toEqual(["warn", "warn"]);
    expect(notices[0].message).toMatch(
      /^Changing exo-oauth:secret\.rotationDays from 7 to 300 and exo-oauth:secret\.graceDays from 1 to 100 replaces client secret slot . \(client-secret-.\), the previous secret, now: consumers that have not yet switched to the published `clientSecret` had [\d.]+ days to do so, fewer than graceDays \(100\)\.$/,
    );
    expect(notices[1].message).toMatch(
      /the published secret in client secret slot . \(client-secret-.\) was planned under the old settings and stays usable only [\d.]+ days after the next secret is published \(2026-04-01T06:00:00Z\), fewer than graceDays \(100\)/,
    );
  });
});

describe("the notices for a record that cannot be read", () => {
  it("warn that the slots are planned afresh, which replaces both when the settings changed", () => {
    const previous: PreviousOutputs = {
      deployed: true,
      unreadable: { rotation: "anchor: is not an RFC3339 string" },
    };
    expect(rotationNotices(previous, undefined, "client-secret")).toEqual([
      {
        level: "warn",
        message:
          "Cannot tell whether this update replaces a client secret slot: the stack's previous `rotation` output " +
          "is not readable (anchor: is not an RFC3339 string). This update plans both slots from the current " +
          "settings alone: if they differ from the last update's, both slots are replaced and the secret " +
          "consumers hold is deleted.",
      },
    ]);
  });
});
