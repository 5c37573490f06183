// Day two, kind 1: a change of the rotation settings, through the REAL program on the multi-run engine,
// run after run (`pulumi up --refresh`, daily or weekly, as docs/operations.md schedules it). For
// every kind of change — rotationDays up and down, graceDays up and down, the anchor — no run
// deletes the secret consumers hold, the previous secret keeps graceDays after every publish, the
// program warns of nothing it does not do, and the schedule settles back to the plain clock one.
// On the code before the carry-over the change run replaced both passwords (publishedDeletedByRun 1).
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { readPreviousOutputs, rotationNotices } from "../../../../components/previousOutputs";
import { RotatingClientSecret } from "../../../../components/rotatingClientSecret";
import { clockFromEnvironment } from "../../../../components/clock";
import {
  daily,
  runSecretTimeline,
  secretTimelineTenant,
  type SecretTimeline,
} from "../../../../scripts/offline-tenant/harness/secret-timeline";
import { baseConfig, TENANT_ID } from "../../../support/program-harness";

const DAY = 86_400_000;
type Secret = { rotationDays: number; graceDays: number };
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** A stack config with these rotation settings; maxLifetimeDays set, so no lifetime-policy warning. */
const config = (secret: Secret) => baseConfig({ secret: { ...secret, maxLifetimeDays: 730 } });

async function timeline(opts: {
  from: Secret;
  to: Secret;
  changeAfterDays: number;
  everyDays: number;
  days: number;
}): Promise<SecretTimeline & { changeRun: number }> {
  const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
  cleanup = t.cleanup;
  const runs = daily("2026-04-01T02:00:00Z", Math.ceil(opts.days / opts.everyDays), opts.everyDays);
  const change = runs[0] + opts.changeAfterDays * DAY;
  const r = await runSecretTimeline({
    engine: t.engine(),
    statePath: t.statePath,
    runs,
    refresh: true,
    config: (at) => config(at < change ? opts.from : opts.to),
  });
  return { ...r, changeRun: r.runs.findIndex((x) => x.at >= change) };
}

/** What every kind must keep, whatever the schedule. */
function expectNoConsumerCutOff(r: SecretTimeline & { changeRun: number }) {
  expect(r.failedRuns).toBe(0);
  expect(r.publishedDeletedByRun).toBe(0);
  expect(r.outageDays).toBe(0);
  // The run that makes the change replaces at most the previous secret's slot (when its rotation is
  // due under the new settings), and warns of nothing.
  expect(r.runs[r.changeRun].changes.filter((c) => c.startsWith("replace")).length).toBeLessThanOrEqual(1);
  expect(r.runs.flatMap((x) => x.warnings)).toEqual([]);
}

/** Runs from the change until the record carries no password of the old settings. */
const settledAfter = (r: SecretTimeline & { changeRun: number }) =>
  r.runs.slice(r.changeRun).findIndex((x) => !x.rotation?.carried);

const BASE: Secret = { rotationDays: 30, graceDays: 7 };
const kinds: Array<[string, Secret]> = [
  ["rotationDays up (30 → 45)", { rotationDays: 45, graceDays: 7 }],
  ["rotationDays down (30 → 14)", { rotationDays: 14, graceDays: 7 }],
  ["graceDays up (7 → 10)", { rotationDays: 30, graceDays: 10 }],
  ["graceDays down (7 → 2)", { rotationDays: 30, graceDays: 2 }],
];

describe("a change of rotation settings, daily `pulumi up --refresh`", () => {
  it.each(kinds)(
    "%s: no run deletes the published secret; the previous keeps graceDays after every publish; it settles",
    async (_name, to) => {
      const days = 10 + BASE.rotationDays + 2 * to.rotationDays + 5;
      const r = await timeline({ from: BASE, to, changeAfterDays: 10, everyDays: 1, days });
      expectNoConsumerCutOff(r);
      expect(r.laggardOutageDays).toBe(0);
      expect(r.minPreviousGraceDays).toBeGreaterThanOrEqual(Math.min(BASE.graceDays, to.graceDays));
      // Rotations go on after the change, at the new pace.
      expect(r.publishes.filter((p) => p.at > r.runs[r.changeRun].at).length).toBeGreaterThanOrEqual(2);
      const settled = settledAfter(r);
      expect(settled).toBeGreaterThan(0);
      expect(settled).toBeLessThanOrEqual(BASE.rotationDays + 2 * to.rotationDays);
    },
  );

  it("the reported case, with the defaults: graceDays 14 → 15 the day after the first deploy, through two rotations", async () => {
    const from = { rotationDays: 90, graceDays: 14 };
    const to = { rotationDays: 90, graceDays: 15 };
    const r = await timeline({ from, to, changeAfterDays: 1, everyDays: 1, days: 200 });
    expectNoConsumerCutOff(r);
    expect(r.laggardOutageDays).toBe(0);
    // The rotations stay where they were announced (nextRotationAt): 2026-06-19 and 2026-09-17.
    expect(r.publishes.map((p) => new Date(p.at).toISOString().slice(0, 10))).toEqual([
      "2026-04-01",
      "2026-06-19",
      "2026-09-17",
    ]);
    expect(r.minPreviousGraceDays).toBeGreaterThanOrEqual(89);
    expect(r.runs.at(-1)!.rotation).toEqual({
      rotationDays: 90,
      graceDays: 15,
      anchor: "2024-01-01T00:00:00Z",
    });
  });
});

describe("a change of rotation settings, weekly `pulumi up --refresh`", () => {
  it.each(kinds)(
    "%s: no run deletes the published secret, and no consumer up to date is cut off",
    async (_n, to) => {
      const days = 10 + BASE.rotationDays + 2 * to.rotationDays + 14;
      const r = await timeline({ from: BASE, to, changeAfterDays: 10, everyDays: 7, days });
      expectNoConsumerCutOff(r);
      // A weekly run is up to 6 days late: the previous secret keeps graceDays less that lateness.
      expect(r.minPreviousGraceDays).toBeGreaterThanOrEqual(Math.min(BASE.graceDays, to.graceDays) - 6);
    },
  );
});

/**
 * The anchor is not in config: the program sets it (RotatingClientSecret's `anchor`). A small program
 * of the same components, whose anchor moves 10 days at the change, stands in for a program version
 * with another default.
 */
function anchoredProgram(anchorAt: () => Date) {
  return async () => {
    const now = clockFromEnvironment();
    const app = new azuread.Application("app", { displayName: "Anchor rehearsal" });
    const previous = await readPreviousOutputs();
    const secret = new RotatingClientSecret("client-secret", {
      applicationId: app.id,
      rotationDays: 30,
      graceDays: 7,
      anchor: anchorAt(),
      previous: previous.rotation,
      previousNextRotationAt: previous.nextRotationAt,
      now: () => now,
    });
    for (const n of rotationNotices(previous, secret.change, "client-secret")) pulumi.log[n.level](n.message);
    return {
      tenantId: TENANT_ID,
      clientSecret: pulumi.secret(secret.value),
      clientSecretKeyId: secret.keyId,
      nextRotationAt: secret.nextRotationAt,
      rotation: secret.record,
    };
  };
}

describe("a change of the rotation anchor (a program version with another default)", () => {
  for (const everyDays of [1, 7])
    it(`${everyDays === 1 ? "daily" : "weekly"}: no run deletes the published secret; the schedule lands on the new grid`, async () => {
      const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
      cleanup = t.cleanup;
      const runs = daily("2026-04-01T02:00:00Z", Math.ceil(110 / everyDays), everyDays);
      const change = runs[0] + 10 * DAY;
      let clock = 0;
      const anchorAt = () => new Date(clock < change ? "2024-01-01T00:00:00Z" : "2024-01-11T00:00:00Z");
      const engine = t.engine({ program: anchoredProgram(anchorAt) });
      const r = await runSecretTimeline({
        engine,
        statePath: t.statePath,
        runs,
        refresh: true,
        config: (at) => {
          clock = at;
          return config(BASE);
        },
      });
      const changeRun = r.runs.findIndex((x) => x.at >= change);
      expectNoConsumerCutOff({ ...r, changeRun });
      if (everyDays === 1) expect(r.laggardOutageDays).toBe(0);
      // Settled on the grid of the new anchor: boundaries 2024-01-11 + k·30 days.
      const last = r.runs.at(-1)!.rotation!;
      expect(last.carried).toBeUndefined();
      const offset =
        (Date.parse(last.scheduleAnchor ?? last.anchor) - Date.parse("2024-01-11T00:00:00Z")) / DAY;
      expect(Math.abs(offset % 30)).toBe(0);
      for (const p of r.publishes.slice(2))
        expect((p.at - Date.parse("2024-01-11T00:00:00Z")) % (30 * DAY)).toBeLessThan(everyDays * DAY);
    });
});
