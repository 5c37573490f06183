// Day two of the admin consents: an app role assignment Graph made but Pulumi's state never recorded
// (the provider's read-back raced Graph's replication, or its replayed POST met the first one), and a
// service principal Graph has not replicated when its consents are created. Each case runs the real
// index.ts through the multi-run engine, several runs long, and asserts what the NEXT `pulumi up` does.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { KNOWN_ROLE_IDS } from "../../../../components/microsoft";
import {
  appRoleAssignmentRace,
  createAppliedAnswered404,
  graphUnavailable,
  servicePrincipalLag,
} from "../../../../scripts/offline-tenant/graph/behaviours";
import { ASSIGNMENT_CREATE_ATTEMPTS } from "../../../../scripts/offline-tenant/graph/app-role-assignments";
import { handEdit, removeAppRoleAssignment } from "../../../../scripts/offline-tenant/graph/hand-edits";
import { TYPES } from "../../../../scripts/offline-tenant/graph/mock";
import type { RunResult } from "../../../../scripts/offline-tenant/harness/engine/engine";
import { changes, DAY_1, DAY_2, manualConfig, world, type World } from "./world";

/** The first run of rotation period 10 (90-day periods from 2024-01-01): the daily run that rotates. */
const ROTATION_DAY = "2026-06-19T06:00:00Z";
const IMAP = KNOWN_ROLE_IDS["IMAP.AccessAsApp"];
const POP = KNOWN_ROLE_IDS["POP.AccessAsApp"];

let w: World;
let warn: MockInstance<typeof pulumi.log.warn>;
beforeEach(() => {
  warn = vi.spyOn(pulumi.log, "warn");
});
afterEach(() => {
  warn.mockRestore();
  w?.cleanup();
});
const warnings = () => warn.mock.calls.map((c) => String(c[0]));

const consentsInEntra = () => w.tenant().entra.appRoleAssignments;
const consentsInState = () =>
  w
    .reopen()
    .resources.filter((r) => r.type === TYPES.appRoleAssignment)
    .map((r) => r.id);
const imported = (r: RunResult) => changes(r).filter((c) => c.startsWith("import "));
const consentCreates = (r: RunResult) => changes(r).filter((c) => c.startsWith("create AppRoleAssignment"));

describe("a consent Graph created but the provider's read-back missed (the consent race)", () => {
  it("fails the first run; the next run imports it from Entra and converges; later runs change nothing", async () => {
    w = world();
    const r1 = await w
      .reopen({ behaviours: [appRoleAssignmentRace(1)] })
      .up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(false);
    expect(consentsInEntra()).toHaveLength(3);
    expect(consentsInState()).toHaveLength(2);
    const orphan = consentsInEntra().find((a) => !consentsInState().some((id) => id.endsWith(a.id)))!;

    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_1 });
    expect(r2.ok).toBe(true);
    expect(r2.error).toBeUndefined();
    expect(imported(r2)).toHaveLength(1);
    expect(consentCreates(r2)).toEqual([]);
    expect(r2.plan).toMatch(/=\s+AppRoleAssignment\s+mail-consent-\w+\s+import/);
    expect(consentsInState()).toContain(
      `/servicePrincipals/${orphan.resourceObjectId}/appRoleAssignedTo/${orphan.id}`,
    );
    expect(consentsInEntra()).toHaveLength(3);
    expect(warnings()).toEqual([]);

    const r3 = await w.reopen().up({ config: manualConfig(), now: DAY_2 });
    expect(r3.ok).toBe(true);
    expect(changes(r3)).toEqual([]);
    expect(r3.calls).toEqual([]);
  });

  it.each([
    ["with --refresh", { refresh: true, now: DAY_2 }],
    ["as the daily rotation run", { now: ROTATION_DAY }],
    ["as the daily rotation run with --refresh", { refresh: true, now: ROTATION_DAY }],
  ])("converges %s too", async (_how, next) => {
    w = world();
    await w.reopen({ behaviours: [appRoleAssignmentRace(1)] }).up({ config: manualConfig(), now: DAY_1 });
    const r2 = await w.reopen().up({ config: manualConfig(), ...next });
    expect(r2.ok).toBe(true);
    expect(imported(r2)).toHaveLength(1);
    expect(consentsInState()).toHaveLength(3);
    expect(consentsInEntra()).toHaveLength(3);
  });

  it("the replayed POST that meets its own first attempt fails the first run on 'already exists'; the next run imports", async () => {
    w = world();
    const r1 = await w
      .reopen({ behaviours: [createAppliedAnswered404("appRoleAssignment", 1)] })
      .up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(false);
    expect(r1.error!.message).toMatch(
      /Could not create app role assignment: unexpected status 400 .*Permission being assigned already exists on the object/,
    );
    expect(consentsInEntra()).toHaveLength(3);
    expect(consentsInState()).toHaveLength(2);
    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_1 });
    expect(r2.ok).toBe(true);
    expect(imported(r2)).toHaveLength(1);
    expect(consentsInState()).toHaveLength(3);
  });

  it.each([2, 3])(
    "when Graph's list also lags (%i reads 404), each run before it shows the consent fails on 'already exists'; the first that sees it converges",
    async (reads) => {
      w = world();
      const race = appRoleAssignmentRace(reads);
      const runs: RunResult[] = [];
      for (let i = 0; i < reads + 2; i++)
        runs.push(await w.reopen({ behaviours: [race] }).up({ config: manualConfig(), now: DAY_1 }));
      // Run 1: the read-back misses. Runs 2…reads: the program's list misses it too (a lagging replica).
      expect(runs.map((r) => r.ok)).toEqual([...Array(reads).fill(false), true, true]);
      for (const r of runs.slice(1, reads))
        expect(r.error!.message).toMatch(/Permission being assigned already exists on the object/);
      expect(imported(runs[reads])).toHaveLength(1);
      expect(changes(runs[reads + 1])).toEqual([]);
      expect(consentsInEntra()).toHaveLength(3);
    },
  );

  it("with Graph unavailable to the program, warns with the exact commands to find and import it, then converges once Graph answers", async () => {
    w = world();
    await w.reopen({ behaviours: [appRoleAssignmentRace(1)] }).up({ config: manualConfig(), now: DAY_1 });
    const sp = String(w.reopen().resource(TYPES.servicePrincipal, "mail-service-principal").id)
      .split("/")
      .pop();
    const r2 = await w
      .reopen({ behaviours: [graphUnavailable()] })
      .up({ config: manualConfig(), now: DAY_1 });
    expect(r2.ok).toBe(false);
    expect(r2.error!.message).toMatch(/Permission being assigned already exists on the object/);
    const [hint] = warnings();
    expect(hint).toContain(`Could not list the admin consents Entra holds for service principal ${sp}`);
    expect(hint).toContain("Graph answered 503 serviceNotAvailable");
    expect(hint).toContain(
      `az rest --method GET --url 'https://graph.microsoft.com/v1.0/servicePrincipals/${sp}/appRoleAssignments?$select=id,appRoleId,resourceId'`,
    );
    expect(hint).toContain(`IMAP.AccessAsApp = appRoleId ${IMAP}`);
    expect(hint).toMatch(
      /pulumi import azuread:index\/appRoleAssignment:AppRoleAssignment mail-consent-imap '\/servicePrincipals\/[0-9a-f-]{36}\/appRoleAssignedTo\/<id>' --parent 'mail=urn:pulumi:dev::exo-oauth::exo-oauth:index:MailApplication::mail'/,
    );
    const r3 = await w.reopen().up({ config: manualConfig(), now: DAY_1 });
    expect(r3.ok).toBe(true);
    expect(imported(r3)).toHaveLength(1);
  });
});

describe("a consent race on a stack that is already deployed", () => {
  it("adding a protocol whose consent races: that run fails, the next imports it and converges", async () => {
    w = world();
    expect((await w.engine.up({ config: manualConfig({ protocols: ["imap"] }), now: DAY_1 })).ok).toBe(true);
    const r1 = await w
      .reopen({ behaviours: [appRoleAssignmentRace(1)] })
      .up({ config: manualConfig({ protocols: ["imap", "pop"] }), now: DAY_1 });
    expect(r1.ok).toBe(false);
    expect(consentsInEntra()).toHaveLength(2);
    expect(consentsInState()).toHaveLength(1);
    const r2 = await w.reopen().up({ config: manualConfig({ protocols: ["imap", "pop"] }), now: DAY_2 });
    expect(r2.ok).toBe(true);
    expect(imported(r2)).toEqual(["import AppRoleAssignment mail-consent-pop"]);
    expect(consentsInState()).toHaveLength(2);
  });

  it("never import-replaces a consent the state holds: one revoked and granted again by hand is reported with the commands, and the run succeeds", async () => {
    w = world();
    const r1 = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const sp = String(r1.outputs.servicePrincipalObjectId);
    const stateId = w.reopen().resource(TYPES.appRoleAssignment, "mail-consent-imap").id.split("/").pop();
    // "Grant admin consent" in the portal after a revocation: the same role, a new assignment id.
    handEdit(w.statePath, (s) => {
      removeAppRoleAssignment(s, { principalObjectId: sp, appRoleId: IMAP });
      s.entra.appRoleAssignments.push({
        id: "regrantedByHand000000000000000000000000000",
        principalObjectId: sp,
        resourceObjectId: s.entra.servicePrincipals[0].objectId,
        appRoleId: IMAP,
      });
    });
    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_2 });
    expect(r2.ok).toBe(true);
    expect(changes(r2)).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(
      `Entra holds admin consent IMAP.AccessAsApp for service principal ${sp} as assignment regrantedByHand000000000000000000000000000, ` +
        `but Pulumi's state holds assignment ${stateId}, which Entra no longer has`,
    );
    expect(warnings()[0]).toContain(
      "pulumi state delete 'urn:pulumi:dev::exo-oauth::exo-oauth:index:MailApplication$azuread:index/appRoleAssignment:AppRoleAssignment::mail-consent-imap' --yes",
    );
    expect(warnings()[0]).toMatch(
      /pulumi import azuread:index\/appRoleAssignment:AppRoleAssignment mail-consent-imap '\/servicePrincipals\/[0-9a-f-]{36}\/appRoleAssignedTo\/regrantedByHand000000000000000000000000000' --parent 'mail=urn:pulumi:dev::exo-oauth::exo-oauth:index:MailApplication::mail'/,
    );
  });
});

describe("a service principal Graph has not replicated when its consents are created", () => {
  it(`is retried by the provider's create (up to ${ASSIGNMENT_CREATE_ATTEMPTS} POSTs): the first run succeeds`, async () => {
    w = world();
    const r1 = await w
      .reopen({ behaviours: [servicePrincipalLag(5)] })
      .up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(true);
    expect(consentCreates(r1)).toHaveLength(3);
    expect(consentsInEntra()).toHaveLength(3);
    expect(warnings()).toEqual([]);
  });

  it("past the create's retries fails with Graph's 404 and creates nothing; the next run creates the consents", async () => {
    w = world();
    // The program's list makes 7 attempts, each consent create 10: 37 reads all miss.
    const lag = servicePrincipalLag(40);
    const r1 = await w.reopen({ behaviours: [lag] }).up({ config: manualConfig(), now: DAY_1 });
    expect(r1.ok).toBe(false);
    expect(r1.error!.message).toMatch(
      new RegExp(
        `Could not create app role assignment: unexpected status 404 after ${ASSIGNMENT_CREATE_ATTEMPTS} attempts ` +
          `with error: Request_ResourceNotFound: Resource '[0-9a-f-]{36}' does not exist or one of its queried ` +
          `reference-property objects are not present\\.`,
      ),
    );
    expect(consentsInEntra()).toEqual([]);
    const r2 = await w.reopen({ behaviours: [lag] }).up({ config: manualConfig(), now: DAY_1 });
    expect(r2.ok).toBe(true);
    expect(consentCreates(r2)).toHaveLength(3);
    expect(imported(r2)).toEqual([]);
    expect(consentsInEntra()).toHaveLength(3);
  });
});

describe("consents changed outside Pulumi", () => {
  it("a consent revoked by hand: the next run warns that only --refresh grants it again; the --refresh run does", async () => {
    w = world();
    const r1 = await w.engine.up({ config: manualConfig(), now: DAY_1 });
    const sp = String(r1.outputs.servicePrincipalObjectId);
    handEdit(w.statePath, (s) => removeAppRoleAssignment(s, { principalObjectId: sp, appRoleId: IMAP }));
    const r2 = await w.reopen().up({ config: manualConfig(), now: DAY_2 });
    expect(r2.ok).toBe(true);
    expect(changes(r2)).toEqual([]);
    expect(warnings()).toEqual([
      expect.stringContaining(
        `Entra holds no admin consent IMAP.AccessAsApp for service principal ${sp}, although Pulumi's state holds it`,
      ),
    ]);
    expect(warnings()[0]).toContain("run pulumi up --refresh to grant it again.");
    warn.mockClear();
    const r3 = await w.reopen().up({ config: manualConfig(), now: DAY_2, refresh: true });
    expect(r3.ok).toBe(true);
    expect(changes(r3)).toEqual([
      "refresh AppRoleAssignment mail-consent-imap",
      "create AppRoleAssignment mail-consent-imap",
    ]);
    expect(warnings()).toEqual([]);
    expect(consentsInEntra().map((a) => a.appRoleId)).toContain(IMAP);
  });

  it("a mail consent the stack never declared is reported with the command that revokes it; a protocol removed by config is not", async () => {
    w = world();
    const r1 = await w.engine.up({ config: manualConfig({ protocols: ["imap", "pop"] }), now: DAY_1 });
    const sp = String(r1.outputs.servicePrincipalObjectId);
    // Removing pop through config: Pulumi deletes its consent in this run; nothing to warn about.
    const r2 = await w.reopen().up({ config: manualConfig({ protocols: ["imap"] }), now: DAY_1 });
    expect(changes(r2)).toContain("delete AppRoleAssignment mail-consent-pop");
    expect(warnings()).toEqual([]);
    // Granted by hand (or left by a raced create whose protocol was then removed): never in state.
    handEdit(w.statePath, (s) =>
      s.entra.appRoleAssignments.push({
        id: "strayPopConsent0000000000000000000000000000",
        principalObjectId: sp,
        resourceObjectId: s.entra.servicePrincipals[0].objectId,
        appRoleId: POP,
      }),
    );
    const r3 = await w.reopen().up({ config: manualConfig({ protocols: ["imap"] }), now: DAY_2 });
    expect(r3.ok).toBe(true);
    expect(warnings()).toEqual([
      expect.stringContaining(
        `Entra holds admin consent POP.AccessAsApp for service principal ${sp} (assignment strayPopConsent0000000000000000000000000000), but exo-oauth:protocols does not list "pop"`,
      ),
    ]);
    expect(warnings()[0]).toContain(
      `az rest --method DELETE --url 'https://graph.microsoft.com/v1.0/servicePrincipals/${sp}/appRoleAssignments/strayPopConsent0000000000000000000000000000'`,
    );
  });
});
