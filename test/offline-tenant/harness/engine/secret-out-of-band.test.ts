// Day two, kind 2: a client secret deleted or expired outside Pulumi (the portal, a script), through
// the REAL program on the multi-run engine with the scheduled run README.md prescribes. The next
// scheduled run publishes a working secret; the previous secret, which laggard consumers still
// hold, is never touched by that healing. On the code before, the README scheduled `pulumi up`
// without --refresh: every run changed nothing and kept publishing the dead secret.
import { afterEach, describe, expect, it } from "vitest";
import { deletePassword, expirePassword } from "../../../../scripts/offline-tenant/graph/hand-edits";
import {
  daily,
  runSecretTimeline,
  secretTimelineTenant,
  type SecretTimeline,
  type TimelineEdit,
} from "../../../../scripts/offline-tenant/harness/secret-timeline";
import { readState } from "../../../../scripts/offline-tenant/state";
import { baseConfig, TENANT_ID } from "../../../support/program-harness";
import { scheduledRunFromReadme } from "./scheduled-run";

const DAY = 86_400_000;
const CONFIG = baseConfig({ secret: { rotationDays: 90, graceDays: 14, maxLifetimeDays: 730 } });
const FIRST = "2026-04-01T02:00:00Z"; // generation 9 (slot b) published, slot a holds generation 8
const EDIT_AT = Date.parse("2026-04-05T12:00:00Z");
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function scheduled(edit: TimelineEdit["edit"], opts: { refresh?: boolean; days?: number } = {}) {
  const t = secretTimelineTenant({ tenantId: TENANT_ID, mailboxes: ["helpdesk@contoso.com"] });
  cleanup = t.cleanup;
  const schedule = scheduledRunFromReadme();
  expect(schedule.command).toBe("up");
  const r = await runSecretTimeline({
    engine: t.engine(),
    statePath: t.statePath,
    runs: daily(FIRST, opts.days ?? 30),
    config: () => CONFIG,
    refresh: opts.refresh ?? schedule.refresh,
    edits: [{ at: EDIT_AT, edit }],
  });
  return { ...r, statePath: t.statePath };
}

/** The key the other slot held when the edit was made, and the run right after the edit. */
function around(r: SecretTimeline) {
  const i = r.runs.findIndex((x) => x.at > EDIT_AT);
  const publishedBefore = r.runs[i - 1].published!;
  const other = [...r.keys.entries()].find(
    ([k, life]) => k !== publishedBefore && life.createdAt < EDIT_AT,
  )![0];
  return { next: r.runs[i], publishedBefore, other };
}

describe("the published secret deleted by hand", () => {
  it("the next scheduled run publishes a new one; the other slot's secret is never touched", async () => {
    const r = await scheduled((s, now) => void deletePassword(s, now.published!));
    const { next, publishedBefore, other } = around(r);
    expect(next.changes).toEqual([
      "refresh ApplicationPassword client-secret-b",
      "create ApplicationPassword client-secret-b",
    ]);
    expect(next.published).not.toBe(publishedBefore);
    expect(r.keys.get(next.published!)!.deletedAt).toBeUndefined();
    // Healed within the night: the time from the deletion to the next run is all consumers lose.
    expect((next.at - EDIT_AT) / DAY).toBeLessThan(1);
    expect(r.outageDays).toBe(0);
    // The previous secret (slot a) stays until its own rotation (2026-06-19): laggards keep it.
    expect(r.keys.get(other)!.deletedAt).toBeUndefined();
    expect(r.publishedDeletedByRun).toBe(0);
    expect(r.laggardOutageDays).toBe(0);
    // Nothing else changes afterwards.
    expect(r.runs.filter((x) => x.at > next.at).flatMap((x) => x.changes)).toEqual([]);
  });

  it("the new secret has the slot's planned end date, within the tenant's limits", async () => {
    const r = await scheduled((s, now) => void deletePassword(s, now.published!));
    const { next } = around(r);
    const p = readState(r.statePath).entra.passwords.find((x) => x.keyId === next.published)!;
    expect(p.endDate).toBe("2026-10-01T00:00:00Z"); // generation 9: 2026-03-21 + 2 × 90 + 14 days
  });

  it("`pulumi up` without --refresh cannot see it: the dead secret stays published until its slot rotates", async () => {
    // Why the schedule is `pulumi up --refresh`: Pulumi compares the program with its state, not with
    // Entra (docs/pulumi-lifecycle.md, "--refresh"); the provider's data sources do not list an
    // application's passwords, so the program cannot look either.
    const r = await scheduled((s, now) => void deletePassword(s, now.published!), { refresh: false });
    expect(r.runs.filter((x) => x.at > EDIT_AT).flatMap((x) => x.changes)).toEqual([]);
    expect(r.outageDays).toBeGreaterThan(20);
  });
});

describe("the published secret past its end (expired out of band)", () => {
  it("the next scheduled run sees the end date and publishes a new one; the other slot is untouched", async () => {
    const r = await scheduled((s, now) => void expirePassword(s, now.published!));
    const { next, publishedBefore, other } = around(r);
    expect(next.changes).toEqual([
      "refresh ApplicationPassword client-secret-b",
      "replace ApplicationPassword client-secret-b",
    ]);
    expect(next.published).not.toBe(publishedBefore);
    expect(r.outageDays).toBe(0);
    expect(r.keys.get(other)!.deletedAt).toBeUndefined();
    expect(r.publishedDeletedByRun).toBe(0);
  });
});

describe("the previous secret deleted by hand", () => {
  it("the next scheduled run puts its slot back, and publishes nothing new", async () => {
    const r = await scheduled((s, now) => {
      const other = s.entra.passwords.find((p) => p.keyId !== now.published)!;
      deletePassword(s, other.keyId);
    });
    const { next, publishedBefore } = around(r);
    expect(next.changes).toEqual([
      "refresh ApplicationPassword client-secret-a",
      "create ApplicationPassword client-secret-a",
    ]);
    expect(next.published).toBe(publishedBefore);
    expect(r.outageDays).toBe(0);
  });
});

describe("the schedule README.md prescribes", () => {
  it("is `pulumi up --refresh`", () => {
    expect(scheduledRunFromReadme()).toEqual({ command: "up", refresh: true });
  });
});
