// Resource options and builtins the engine honours, on small programs (the real index.ts declares none
// of these today): deleteBeforeReplace, import (Pulumi ≥ 3.174's import-then-diff), a self
// StackReference reading the previous run's outputs, and secrets kept secret in state and output.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { KNOWN_ROLE_IDS } from "../../../../components/microsoft";
import { TYPES } from "../../../../scripts/offline-tenant/graph/mock";
import { changes, DAY_1, fileText, manualConfig, outputsOf, world, type World } from "./world";

let w: World;
afterEach(() => w?.cleanup());
const IMAP = KNOWN_ROLE_IDS["IMAP.AccessAsApp"];
const POP = KNOWN_ROLE_IDS["POP.AccessAsApp"];

/** An application with one password (generation `g`) and, optionally, IMAP consent adopted by id. */
function program(opts: {
  generation: string;
  deleteBeforeReplace?: boolean;
  adopt?: { id: string; role: string };
}) {
  return async () => {
    const exchange = await azuread.getServicePrincipal({ clientId: "00000002-0000-0ff1-ce00-000000000000" });
    const app = new azuread.Application("app", { displayName: "Probe" });
    const sp = new azuread.ServicePrincipal("sp", { clientId: app.clientId });
    const password = new azuread.ApplicationPassword(
      "password",
      { applicationId: app.id, rotateWhenChanged: { generation: opts.generation } },
      opts.deleteBeforeReplace ? { deleteBeforeReplace: true } : {},
    );
    if (opts.adopt)
      new azuread.AppRoleAssignment(
        "consent",
        { appRoleId: opts.adopt.role, principalObjectId: sp.objectId, resourceObjectId: exchange.objectId },
        { import: opts.adopt.id },
      );
    return {
      secret: pulumi.secret(password.value),
      spObjectId: sp.objectId,
      exchangeObjectId: exchange.objectId,
    };
  };
}

describe("deleteBeforeReplace", () => {
  it("is honoured when declared: the old password is deleted before the new one is created", async () => {
    w = world();
    await w
      .reopen({ program: program({ generation: "1", deleteBeforeReplace: true }) })
      .up({ config: manualConfig() });
    const e = w.reopen({ program: program({ generation: "2", deleteBeforeReplace: true }) });
    const r = await e.up({ config: manualConfig() });
    expect(r.calls.map((c) => `${c.op} ${c.instance}`)).toEqual(["delete old", "create new"]);
    expect(r.steps.find((s) => s.op === "replace")!.deleteBeforeReplace).toBe(true);
  });

  it("without it the default is create-before-delete, the old deleted after the program completes", async () => {
    w = world();
    await w.reopen({ program: program({ generation: "1" }) }).up({ config: manualConfig() });
    const r = await w.reopen({ program: program({ generation: "2" }) }).up({ config: manualConfig() });
    expect(r.calls.map((c) => `${c.op} ${c.instance}`)).toEqual(["create new", "delete old"]);
  });
});

describe("the import resource option", () => {
  async function withOrphan() {
    w = world();
    const r = await w.reopen({ program: program({ generation: "1" }) }).up({ config: manualConfig() });
    // An assignment made outside the stack (by hand, or by a create whose read-back 404ed).
    const sp = String(r.outputs.spObjectId);
    const exchange = String(r.outputs.exchangeObjectId);
    const id = "orphan-assignment-id-0000000000000000000000";
    const { updateState } = await import("../../../../scripts/offline-tenant/state");
    updateState(w.statePath, (s) =>
      s.entra.appRoleAssignments.push({
        id,
        principalObjectId: sp,
        resourceObjectId: exchange,
        appRoleId: IMAP,
      }),
    );
    return `/servicePrincipals/${exchange}/appRoleAssignedTo/${id}`;
  }

  it("adopts an existing assignment whose inputs match: an import, no create, then same", async () => {
    const id = await withOrphan();
    const e = w.reopen({ program: program({ generation: "1", adopt: { id, role: IMAP } }) });
    const r = await e.up({ config: manualConfig() });
    expect(r.ok).toBe(true);
    expect(changes(r)).toEqual(["import AppRoleAssignment consent"]);
    expect(r.calls).toEqual([{ op: "read", type: TYPES.appRoleAssignment, name: "consent", id }]);
    expect(e.resource(TYPES.appRoleAssignment, "consent").id).toBe(id);
    const again = await w.reopen({ program: program({ generation: "1", adopt: { id, role: IMAP } }) }).up({
      config: manualConfig(),
    });
    expect(again.calls).toEqual([]);
    expect(w.tenant().entra.appRoleAssignments).toHaveLength(1);
  });

  it("whose inputs differ imports, then replaces by the provider's rules (every input forces new)", async () => {
    const id = await withOrphan();
    const r = await w.reopen({ program: program({ generation: "1", adopt: { id, role: POP } }) }).up({
      config: manualConfig(),
    });
    expect(r.ok).toBe(true);
    expect(changes(r)).toEqual([
      "import AppRoleAssignment consent",
      "replace AppRoleAssignment consent [appRoleId]",
    ]);
    expect(w.tenant().entra.appRoleAssignments.map((a) => a.appRoleId)).toEqual([POP]);
  });

  it("of an id that does not exist fails with Pulumi's error; a password cannot be imported", async () => {
    await withOrphan();
    const missing = "/servicePrincipals/00000000-0000-4000-8000-000000000000/appRoleAssignedTo/nope";
    const r = await w
      .reopen({ program: program({ generation: "1", adopt: { id: missing, role: IMAP } }) })
      .up({
        config: manualConfig(),
      });
    expect(r.ok).toBe(false);
    expect(r.error!.message).toBe(
      `Importing AppRoleAssignment "consent": resource '${missing}' does not exist`,
    );
  });
});

describe("a self StackReference", () => {
  const selfReading = (name: string) => async () => {
    const self = new pulumi.StackReference(name);
    const previous = await self.getOutputDetails("count");
    const count = Number(previous.value ?? 0) + 1;
    return { count, token: pulumi.secret(`token-${count}`), previousToken: self.getOutput("token") };
  };

  it("reads the previous successful run's outputs, secrets still secret; a failed run passes nothing on", async () => {
    w = world();
    const name = w.engine.stackName;
    expect(name).toBe("organization/exo-oauth/dev");
    const e = w.reopen({ program: selfReading(name) });
    const r1 = await e.up({ config: manualConfig() });
    expect(r1.outputs).toMatchObject({ count: 1, token: "token-1" });
    const r2 = await e.up({ config: manualConfig() });
    expect(r2.outputs).toMatchObject({ count: 2, previousToken: "token-1" });
    expect(r2.secretOutputs.sort()).toEqual(["previousToken", "token"]);
    expect(r2.plan).toMatch(/previousToken: \[secret\]/);
    // A failing program: the outputs stay those of run 2, and run 4 reads them.
    const failing = w.reopen({
      program: async () => {
        throw new Error("program failed");
      },
    });
    expect((await failing.up({ config: manualConfig() })).ok).toBe(false);
    const r4 = await w.reopen({ program: selfReading(name) }).up({ config: manualConfig() });
    expect(r4.outputs).toMatchObject({ count: 3, previousToken: "token-2" });
  });

  it("naming another stack fails: this engine holds only its own", async () => {
    w = world();
    const r = await w
      .reopen({ program: selfReading("organization/exo-oauth/prod") })
      .up({ config: manualConfig() });
    expect(r.ok).toBe(false);
    expect(r.error!.message).toMatch(/unknown stack "organization\/exo-oauth\/prod"/);
  });
});

describe("secrets", () => {
  it("never appear in the printed plans or the saved state in plain text; the scan finds them where they are", async () => {
    w = world();
    const plans: string[] = [];
    const e = w.reopen({ print: (t) => plans.push(t) });
    await e.up({ config: manualConfig(), now: DAY_1 });
    await e.up({ config: manualConfig(), now: "2026-06-19T00:00:00Z" }); // rotates slot a
    const values = [
      ...["client-secret-a", "client-secret-b"].map((n) =>
        String(outputsOf(e, TYPES.applicationPassword, n).value),
      ),
      w.adminToken,
    ];
    expect(values.every((v) => v.length >= 30)).toBe(true);
    const saved = fileText(w.engineStatePath);
    const scanned = [...plans, saved];
    for (const v of values) for (const text of scanned) expect(text).not.toContain(v);
    expect(plans.join("")).toMatch(/clientSecret: \[secret\]/);
    expect(saved).toMatch(/"ciphertext"/);
    // The scan can fail: the in-memory state holds the values (wrapped), and a probe is caught.
    expect(JSON.stringify(e.resources)).toContain(values[0]);
    expect(`x${values[1]}x`).toContain(values[1]);
    // The saved state reads back with its secrets (a later pipeline job sees the same state).
    expect(outputsOf(w.reopen(), TYPES.applicationPassword, "client-secret-a").value).toBe(values[0]);
  });
});
