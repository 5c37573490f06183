// Day-two cases, one run after another on the engine: what the next `pulumi up` does. The secret cases
// assert the behaviour fixed (a settings change carries over; the scheduled run refreshes); the
// timelines are in secret-*.test.ts. The consent race is fixed too (consent adoption,
// components/consentAdoption.ts; its cases: consent-race.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deletePassword, handEdit } from "../../../../scripts/offline-tenant/graph/hand-edits";
import { readBackNotFound } from "../../../../scripts/offline-tenant/graph/behaviours";
import { TYPES } from "../../../../scripts/offline-tenant/graph/mock";
import { sha256Hex } from "../../../../scripts/offline-tenant/state";
import { scheduledRunFromReadme } from "./scheduled-run";
import { changes, DAY_1, DAY_2, manualConfig, outputsOf, STATED_LIFETIME, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());

describe("secret.graceDays 14 → 15 with the other defaults", () => {
  it("replaces nothing: the secret consumers hold stays in Entra and stays published; a note says when it applies", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const held = String(first.outputs.clientSecret);
    const info = vi.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
    const r = await w.engine.up({
      config: manualConfig({ secret: { rotationDays: 90, graceDays: 15, ...STATED_LIFETIME } }),
      now: DAY_2,
    });
    const notes = info.mock.calls.map((c) => c[0]);
    info.mockRestore();
    expect(r.ok).toBe(true);
    expect(changes(r)).toEqual([]);
    expect(r.calls).toEqual([]);
    const hashes = w.tenant().entra.passwords.map((p) => p.secretSha256);
    expect(hashes).toContain(sha256Hex(held));
    expect(r.outputs.clientSecret).toBe(held);
    expect(r.outputs.nextRotationAt).toBe(first.outputs.nextRotationAt);
    expect(notes).toContain(
      "Changing exo-oauth:secret.graceDays from 14 to 15: no client secret is replaced by this update; the " +
        "current ones keep their end dates. The next rotation is on 2026-06-19 (was 2026-06-19), then every 90 days.",
    );
    // The record carries the two passwords made under graceDays 14 until their own rotations.
    expect(r.outputs.rotation).toMatchObject({
      graceDays: 15,
      carried: {
        a: { generation: 8, endDate: "2026-07-03T00:00:00Z" },
        b: { generation: 9, endDate: "2026-10-01T00:00:00Z" },
      },
    });
  });
});

describe("the published password deleted by hand", () => {
  it("`pulumi up` without --refresh cannot see it: the next run changes nothing (why the schedule refreshes)", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    handEdit(w.statePath, (s) => deletePassword(s, String(first.outputs.clientSecretKeyId)));
    const r = await w.engine.up({ config: manualConfig(), now: DAY_2 });
    expect(r.ok).toBe(true);
    expect(r.calls).toEqual([]);
    expect(changes(r)).toEqual([]);
  });

  it("the scheduled run (README: `pulumi up --refresh`) drops it from state and publishes a new one in the same run", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const keyId = String(first.outputs.clientSecretKeyId);
    const slot = w.engine.resources.find(
      (x) => x.type === TYPES.applicationPassword && x.id.endsWith(keyId),
    )!.name;
    handEdit(w.statePath, (s) => deletePassword(s, keyId));
    const r = await w.engine.up({
      config: manualConfig(),
      now: DAY_2,
      refresh: scheduledRunFromReadme().refresh,
    });
    expect(r.ok).toBe(true);
    expect(r.steps.filter((s) => s.op === "refresh").map((s) => [s.name, s.refresh])).toEqual([
      [slot, "gone"],
    ]);
    expect(r.plan).toMatch(
      new RegExp(`ApplicationPassword +${slot} +refresh: gone \\(404\\), removed from state`),
    );
    expect(changes(r)).toEqual([`refresh ApplicationPassword ${slot}`, `create ApplicationPassword ${slot}`]);
    const now = outputsOf(w.engine, TYPES.applicationPassword, slot);
    expect(now.keyId).not.toBe(keyId);
    expect(r.outputs.clientSecretKeyId).toBe(now.keyId);
    expect(w.tenant().entra.passwords.map((p) => p.secretSha256)).toContain(
      sha256Hex(String(r.outputs.clientSecret)),
    );
  });

  it("--refresh with nothing changed reads each of the 7 Entra resources once and changes nothing", async () => {
    w = world();
    await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const r = await w.engine.up({ config: manualConfig(), now: DAY_1, refresh: true });
    expect(r.calls.map((c) => c.op)).toEqual(Array(7).fill("read"));
    expect(changes(r)).toEqual([]);
  });
});

describe("an app role assignment Graph created but the provider's read-back got 404 for", () => {
  it("fails that run, stays in Entra outside the state, and the next run imports it: no 'already exists' any more", async () => {
    w = world();
    const race = readBackNotFound("appRoleAssignment", 1);
    const r1 = await w.reopen({ behaviours: [race] }).up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(false);
    expect(r1.error!.message).toMatch(/read-back of \/servicePrincipals\/.*\/appRoleAssignedTo\/.* got 404/);
    const inEntra = w.tenant().entra.appRoleAssignments.length;
    expect(inEntra).toBe(3);
    const inState = w.reopen().resources.filter((x) => x.type === TYPES.appRoleAssignment).length;
    expect(inState).toBeLessThan(inEntra);
    // Before consent adoption every later run failed here with "Permission being assigned already exists".
    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_1 });
    expect(r2.ok).toBe(true);
    expect(changes(r2).filter((c) => c.startsWith("import AppRoleAssignment"))).toHaveLength(
      inEntra - inState,
    );
    const r3 = await w.reopen().up({ config: manualConfig(), now: DAY_2 });
    expect(r3.ok).toBe(true);
    expect(changes(r3)).toEqual([]);
    expect(w.tenant().entra.appRoleAssignments).toHaveLength(3);
    expect(w.reopen().resources.filter((x) => x.type === TYPES.appRoleAssignment)).toHaveLength(3);
  });
});
