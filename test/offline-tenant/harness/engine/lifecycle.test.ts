// The engine on the REAL index.ts (connection manual: Entra only): what a second, third… `pulumi up`
// does — same, update, replace, delete — decided by the providers' rules, and what destroy does.
import { afterEach, describe, expect, it } from "vitest";
import { TYPES } from "../../../../scripts/offline-tenant/graph/mock";
import { sha256Hex } from "../../../../scripts/offline-tenant/state";
import { changes, DAY_1, DAY_2, manualConfig, outputsOf, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());

describe("a second pulumi up", () => {
  it("with the same config and clock is all same: no provider call, the tenant untouched", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(first.ok).toBe(true);
    expect(first.summary).toEqual({ created: 10 });
    const before = JSON.stringify(w.tenant());
    const second = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(second.ok).toBe(true);
    expect(second.calls).toEqual([]);
    expect(changes(second)).toEqual([]);
    expect(second.summary).toEqual({ unchanged: 10 });
    expect(second.plan).toMatch(/^Resources: 10 unchanged$/m);
    expect(JSON.stringify(w.tenant())).toBe(before);
    expect(second.outputs).toEqual(first.outputs);
  });

  it("a day later in the same rotation period is still all same", async () => {
    w = world();
    await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const next = await w.engine.up({ config: manualConfig(), now: DAY_2 });
    expect(changes(next)).toEqual([]);
    expect(next.calls).toEqual([]);
  });
});

describe("a config change", () => {
  it("dropping POP updates the application in place and deletes exactly POP's consent", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const consentIds = Object.fromEntries(
      w.engine.resources.filter((r) => r.type === TYPES.appRoleAssignment).map((r) => [r.name, r.id]),
    );
    const r = await w.engine.up({ config: manualConfig({ protocols: ["imap", "smtp"] }), now: DAY_1 });
    expect(r.ok).toBe(true);
    expect(changes(r)).toEqual([
      "update Application mail-application [requiredResourceAccesses]",
      "delete AppRoleAssignment mail-consent-pop",
    ]);
    expect(r.summary).toEqual({ updated: 1, deleted: 1, unchanged: 8 });
    // In place: the application keeps its ids (a replace would have made a new client id).
    expect(r.outputs.clientId).toBe(first.outputs.clientId);
    const state = w.tenant();
    expect(state.entra.applications).toHaveLength(1);
    expect(state.entra.appRoleAssignments.map((a) => a.id).sort()).toEqual(
      [consentIds["mail-consent-imap"], consentIds["mail-consent-smtp"]]
        .map((id) => id.split("/").pop())
        .sort(),
    );
    expect(Object.values(state.entra.applications[0].requiredRoles!)[0]).toHaveLength(2);
  });

  it("renaming the application updates it in place: no new application, same client id", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const r = await w.engine.up({
      config: manualConfig({
        application: { displayName: "Mail OAuth - renamed", notes: "ticket OPS-1234" },
      }),
      now: DAY_1,
    });
    expect(changes(r)).toEqual(["update Application mail-application [displayName]"]);
    expect(r.outputs.clientId).toBe(first.outputs.clientId);
    expect(w.tenant().entra.applications.map((a) => a.displayName)).toEqual(["Mail OAuth - renamed"]);
  });
});

describe("the clock past the rotation boundary", () => {
  it("replaces exactly one ApplicationPassword, create before delete; the other keeps its keyId and value", async () => {
    w = world();
    const first = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    // DAY_1 is in generation 9 (odd: slot b published); the boundary starts generation 10 in slot a.
    const kept = outputsOf(w.engine, TYPES.applicationPassword, "client-secret-b");
    const rotated = outputsOf(w.engine, TYPES.applicationPassword, "client-secret-a");
    expect(first.outputs.clientSecretKeyId).toBe(kept.keyId);
    const boundary = String(first.outputs.nextRotationAt);
    const r = await w.engine.up({ config: manualConfig(), now: boundary });
    expect(r.ok).toBe(true);
    expect(changes(r)).toEqual([
      "replace ApplicationPassword client-secret-a [displayName,endDate,rotateWhenChanged]",
    ]);
    // Slot b keeps the secret consumers hold; slot a gets a new key and a new value.
    const nowA = outputsOf(w.engine, TYPES.applicationPassword, "client-secret-a");
    const nowB = outputsOf(w.engine, TYPES.applicationPassword, "client-secret-b");
    expect({ keyId: nowB.keyId, value: nowB.value }).toEqual({ keyId: kept.keyId, value: kept.value });
    expect(nowA.keyId).not.toBe(rotated.keyId);
    expect(nowA.value).not.toBe(rotated.value);
    // Create-before-delete: the new key exists before the old one is removed, in the same run.
    const pw = r.calls
      .filter((c) => c.type === TYPES.applicationPassword)
      .map((c) => `${c.op} ${c.instance}`);
    expect(pw).toEqual(["create new", "delete old"]);
    const keys = w
      .tenant()
      .entra.passwords.map((p) => p.keyId)
      .sort();
    expect(keys).toEqual([nowA.keyId, nowB.keyId].sort());
    // The published secret is the new generation's.
    expect(r.outputs.clientSecretKeyId).toBe(nowA.keyId);
    expect(sha256Hex(String(r.outputs.clientSecret))).toBe(
      w.tenant().entra.passwords.find((p) => p.keyId === nowA.keyId)!.secretSha256,
    );
  });
});

describe("pulumi destroy", () => {
  it("deletes every resource, dependents first: consents and passwords before what they hang on", async () => {
    w = world();
    await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const r = await w.engine.destroy();
    expect(r.ok).toBe(true);
    expect(r.summary).toEqual({ deleted: 10 });
    const at = (name: string) => r.calls.findIndex((c) => c.name === name);
    for (const consent of ["mail-consent-imap", "mail-consent-pop", "mail-consent-smtp"])
      expect(at(consent)).toBeLessThan(at("mail-service-principal"));
    for (const slot of ["client-secret-a", "client-secret-b"])
      expect(at(slot)).toBeLessThan(at("mail-application"));
    expect(at("mail-service-principal")).toBeLessThan(at("mail-application"));
    expect(r.calls.every((c) => c.op === "delete")).toBe(true);
    expect(w.engine.resources).toEqual([]);
    const e = w.tenant().entra;
    expect([e.applications, e.passwords, e.appRoleAssignments]).toEqual([[], [], []]);
    expect(e.servicePrincipals.map((s) => s.displayName)).toEqual(["Office 365 Exchange Online"]);
    // A destroyed stack has no outputs; a later up starts again from nothing.
    expect(r.outputs).toEqual({});
    const again = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    expect(again.summary).toEqual({ created: 10 });
  });
});

describe("a failed run", () => {
  it("records what completed, deletes nothing, and the next run finishes the job", async () => {
    w = world();
    await w.engine.up({ config: manualConfig(), now: DAY_1 });
    // Graph refuses the new password (a policy), while POP's consent is due to be deleted.
    const refuse = w.reopen({
      behaviours: [
        {
          name: "no new secrets",
          beforeWrite: (x) => {
            if (x.kind === "password" && x.op === "create")
              throw new Error("Graph: Credential lifetime policy");
          },
        },
      ],
    });
    const boundary = "2026-06-19T00:00:00Z";
    const failed = await refuse.up({ config: manualConfig({ protocols: ["imap", "smtp"] }), now: boundary });
    expect(failed.ok).toBe(false);
    expect(failed.error!.message).toMatch(/Credential lifetime policy/);
    expect(failed.plan).toMatch(/failed: .*Credential lifetime policy/);
    // No delete ran: POP's consent is still in Entra and in state.
    expect(failed.calls.filter((c) => c.op === "delete")).toEqual([]);
    expect(refuse.resource("AppRoleAssignment", "mail-consent-pop")).toBeDefined();
    const retry = await w
      .reopen()
      .up({ config: manualConfig({ protocols: ["imap", "smtp"] }), now: boundary });
    expect(retry.ok).toBe(true);
    expect(changes(retry)).toEqual([
      "replace ApplicationPassword client-secret-a [displayName,endDate,rotateWhenChanged]",
      "delete AppRoleAssignment mail-consent-pop",
    ]);
  });
});
