// The demo's story as the project's strongest test: ONE simulated tenant, every link real — index.ts
// under the multi-run engine, the Command string, the driver, fake pwsh and the Exchange simulator,
// the token issuer, the mail peers, verify. Each step runs exactly as `npm run demo` runs it
// (scripts/offline-tenant/demo/run.ts); this file asserts between the steps on what the TENANT holds
// (its state file, read here, not the demo's own view) and on what a consumer sees, so a broken
// link anywhere fails a step. The last test scans every byte the demo printed for every secret.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { APPLY_COMMAND, REMOVE_COMMAND } from "../../components/exchange-step/entry-points";
import { parseRecord } from "../../components/exchange-step/record";
import { EXCHANGE_ONLINE_APP_ID, KNOWN_ROLE_IDS } from "../../components/microsoft";
import type { PulumiItem, StepReport, VerifyItem } from "../../scripts/offline-tenant/demo/items";
import { DemoRun, type DemoDocument } from "../../scripts/offline-tenant/demo/run";
import { addedMailbox, otherPrincipal } from "../../scripts/offline-tenant/demo/stack";
import { COMMAND_TYPE } from "../../scripts/offline-tenant/harness/engine/engine";
import { sha256Hex, type TenantState } from "../../scripts/offline-tenant/state";
import { inCi } from "../support/dovecot-gate";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const HELPDESK = "helpdesk@offline-demo.example";
const BILLING = "billing@offline-demo.example";
const ALERTS = "alerts@offline-demo.example";
const REPORTS = "reports@offline-demo.example";

let run: DemoRun;
let printed = "";
let doc: DemoDocument | undefined;
const reports: StepReport[] = [];

const tenant = (): TenantState => run.world.tenant();

/** Step n, once steps 1 … n−1 have completed (a step that never finished fails the ones after it fast). */
async function step(n: number): Promise<StepReport> {
  expect(
    reports.map((r) => r.n),
    `step ${n} needs steps 1 to ${n - 1}`,
  ).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
  return run.step(n);
}
const outputs = () => run.world.outputs;
const items = <T extends StepReport["items"][number]["type"]>(r: StepReport, type: T) =>
  r.items.filter((i) => i.type === type) as Extract<StepReport["items"][number], { type: T }>[];
const failedChecks = (r: StepReport) => items(r, "check").filter((c) => !c.ok);

/**
 * "mailbox protocol" → pass / the cause id. A login skipped for want of Dovecot counts as passed
 * only where Dovecot is really missing, only for IMAP/POP, and never under CI=true (CI installs it).
 */
function outcomes(v: VerifyItem): Record<string, string> {
  for (const l of v.logins.filter((x) => x.result === "skipped")) {
    expect(["imap", "pop"]).toContain(l.protocol);
    expect(run.world.services.imapPop, "a login was skipped although Dovecot runs").toBeDefined();
    expect(inCi, `CI=true and ${run.world.services.imapPop?.skipped}`).toBe(false);
  }
  return Object.fromEntries(
    v.logins.map((l) => [`${l.mailbox} ${l.protocol}`, l.result === "fail" ? l.cause!.id : "pass"]),
  );
}

/** Our service principal's SID from the stack's record. */
const ourSid = () => parseRecord(JSON.stringify(outputs().exchangeRecord))!.servicePrincipal!.sid;

/** What Exchange holds for a SID: mailbox → rights. */
function rowsOf(s: TenantState, sid: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of s.exchange.mailboxes) {
    const rights = [
      ...m.permissions.filter((r) => r.UserSid === sid).flatMap((r) => r.AccessRights),
      ...m.recipientPermissions.filter((r) => r.TrusteeSidString === sid).flatMap((r) => r.AccessRights),
    ];
    if (rights.length) out[m.address] = rights.sort();
  }
  return out;
}

/** The roles consented to our service principal, by value. */
function consentedRoles(s: TenantState, spObjectId: string): string[] {
  const byId = Object.fromEntries(Object.entries(KNOWN_ROLE_IDS).map(([v, id]) => [id, v]));
  return s.entra.appRoleAssignments
    .filter((a) => a.principalObjectId === spObjectId)
    .map((a) => byId[a.appRoleId] ?? a.appRoleId)
    .sort();
}

describe("the demo's story, one simulated tenant end to end", () => {
  beforeAll(async () => {
    run = await DemoRun.start({ out: (t) => void (printed += t) });
  });

  afterAll(async () => {
    if (!doc) await run?.finish();
  });

  it("step 1, day 0: pulumi up registers the app, consents every role, and Exchange grants every mailbox", async () => {
    const r = await step(1);
    reports.push(r);
    expect(failedChecks(r)).toEqual([]);
    const up = items(r, "pulumi")[0];
    expect(up.ok).toBe(true);
    expect(up.summary).toBe("11 created");
    const s = tenant();
    const o = outputs();
    // Entra: one application, its service principal, both secret slots, one consent per protocol.
    const app = s.entra.applications.find((a) => a.clientId === o.clientId)!;
    const sp = s.entra.servicePrincipals.find((p) => p.clientId === o.clientId)!;
    expect(sp.objectId).toBe(o.servicePrincipalObjectId);
    expect(s.entra.passwords.filter((p) => p.applicationObjectId === app.objectId)).toHaveLength(2);
    expect(s.entra.passwords.map((p) => p.secretSha256)).toContain(sha256Hex(String(o.clientSecret)));
    expect(consentedRoles(s, sp.objectId)).toEqual(["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"]);
    // Exchange: the ENTERPRISE APPLICATION's object id, never the app registration's.
    const exo = s.exchange.servicePrincipals.find((p) => p.AppId === o.clientId)!;
    expect(exo.Identity).toBe(sp.objectId);
    expect(exo.Identity).not.toBe(app.objectId);
    expect(rowsOf(s, exo.Sid)).toEqual({
      [HELPDESK]: ["FullAccess"],
      [BILLING]: ["FullAccess", "SendAs"],
      [ALERTS]: ["FullAccess"],
    });
    // The Command: the stored entry point, the token handed over by variable NAME only.
    const cmd = run.world.engine.resource(COMMAND_TYPE, "exchange-command");
    expect(JSON.stringify(cmd.inputs)).not.toContain(run.world.adminToken);
    expect(run.world.engine.command.runs.at(-1)!.commandLine).toBe(APPLY_COMMAND);
    // A consumer: the token has the three roles; every configured login opens.
    const v = items(r, "verify")[0];
    expect(v.token.claims!.oid).toBe(sp.objectId);
    expect([...v.token.claims!.roles].sort()).toEqual([
      "IMAP.AccessAsApp",
      "POP.AccessAsApp",
      "SMTP.SendAsApp",
    ]);
    expect(outcomes(v)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} pop`]: "pass",
      [`${HELPDESK} smtp`]: "pass",
      [`${BILLING} imap`]: "pass",
      [`${BILLING} pop`]: "pass",
      [`${BILLING} smtp`]: "pass",
      [`${ALERTS} smtp`]: "pass",
    });
  });

  it("step 2, day 30: the plan shows exactly the change; the new mailbox opens, POP is refused for its missing role", async () => {
    const recordBefore = String(
      (run.world.engine.resource(COMMAND_TYPE, "exchange-command").outputs as { stdout?: string }).stdout,
    );
    const r = await step(2);
    reports.push(r);
    expect(failedChecks(r)).toEqual([]);
    const up: PulumiItem = items(r, "pulumi")[0];
    expect(up.changes.map((c) => `${c.op} ${c.name} ${c.keys ?? ""}`).sort()).toEqual([
      "delete mail-consent-pop ",
      "update exchange-command stdin",
      "update mail-application requiredResourceAccesses",
    ]);
    // The Command's update ran with the previous record in PULUMI_COMMAND_STDOUT.
    const update = run.world.engine.command.runs.at(-1)!;
    expect([update.script, update.code]).toEqual(["update", 0]);
    expect(update.previousStdout).toBe(recordBefore);
    const s = tenant();
    expect(consentedRoles(s, String(outputs().servicePrincipalObjectId))).toEqual([
      "IMAP.AccessAsApp",
      "SMTP.SendAsApp",
    ]);
    expect(rowsOf(s, ourSid())).toEqual({
      [HELPDESK]: ["FullAccess"],
      [BILLING]: ["FullAccess", "SendAs"],
      [ALERTS]: ["FullAccess"],
      [REPORTS]: ["FullAccess"],
    });
    const [all, pop] = items(r, "verify");
    expect([...all.token.claims!.roles].sort()).toEqual(["IMAP.AccessAsApp", "SMTP.SendAsApp"]);
    expect(outcomes(all)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} smtp`]: "pass",
      [`${BILLING} imap`]: "pass",
      [`${BILLING} smtp`]: "pass",
      [`${ALERTS} smtp`]: "pass",
      [`${REPORTS} imap`]: "pass",
      [`${REPORTS} smtp`]: "pass",
    });
    expect(outcomes(pop)).toEqual({ [`${HELPDESK} pop`]: "role-missing" });
    expect(pop.exitCode).toBe(1);
  });

  it("step 3, rotation: the new secret is published and works, the previous one works until its endDate, then AADSTS7000222", async () => {
    const before = { ...outputs() };
    const s0 = tenant();
    const appObjectId = s0.entra.applications.find((a) => a.clientId === before.clientId)!.objectId;
    const r = await step(3);
    reports.push(r);
    expect(failedChecks(r)).toEqual([]);
    const o = outputs();
    expect(o.clientSecretKeyId).not.toBe(before.clientSecretKeyId);
    expect(o.clientSecret).not.toBe(before.clientSecret);
    // Entra holds the new secret AND the previous one (the other slot), nothing else.
    const hashes = tenant()
      .entra.passwords.filter((p) => p.applicationObjectId === appObjectId)
      .map((p) => p.secretSha256)
      .sort();
    expect(hashes).toEqual(
      [sha256Hex(String(o.clientSecret)), sha256Hex(String(before.clientSecret))].sort(),
    );
    const [published, previous, expired] = items(r, "verify");
    expect(published.token.ok).toBe(true);
    expect(Object.values(outcomes(published)).every((x) => x === "pass")).toBe(true);
    expect(previous.token.ok).toBe(true);
    expect(Object.values(outcomes(previous)).every((x) => x === "pass")).toBe(true);
    expect(Date.parse(previous.at)).toBeLessThan(Date.parse(String(before.clientSecretExpiresAt)));
    expect(expired.token.ok).toBe(false);
    expect(expired.token.cause!.summary).toMatch(/^AADSTS7000222:/);
    expect(Date.parse(expired.at)).toBeGreaterThan(Date.parse(String(before.clientSecretExpiresAt)));
  });

  it("step 4, a hand edit: the scheduled plan exits 2 naming it, apply makes one write, someone else's grant stays", async () => {
    const other = otherPrincipal(run.world.stack);
    const othersBefore = rowsOf(tenant(), other.sid);
    expect(othersBefore).toEqual({ [BILLING]: ["FullAccess", "SendAs"] });
    const ourBefore = rowsOf(tenant(), ourSid());
    const r = await step(4);
    reports.push(r);
    expect(failedChecks(r)).toEqual([]);
    const [broken, fixed] = items(r, "verify");
    expect(Object.values(outcomes(broken))).toContain("exchange-refused-token");
    const [plan, apply] = items(r, "exchange-job");
    expect(plan.commandLine).toBe("npm run exchange -- plan");
    expect(plan.exitCode).toBe(2);
    expect(plan.writes).toBe(0);
    expect(plan.stdout).toEqual([
      "Drift: Exchange differs from the config; apply would make 1 change:",
      `  + grant FullAccess on ${BILLING} to exo-oauth demo (offline) (${outputs().servicePrincipalObjectId})`,
      // The principal, FullAccess on the 4 mailboxes step 2 left, SendAs on billing: 6 desired, 1 missing.
      "Plan: 1 to add, 0 to remove, 5 unchanged.",
    ]);
    expect([apply.exitCode, apply.writes]).toEqual([0, 1]);
    const s = tenant();
    expect(rowsOf(s, ourSid())).toEqual(ourBefore);
    expect(rowsOf(s, other.sid)).toEqual(othersBefore);
    expect(outcomes(fixed)).toEqual({ [`${BILLING} imap`]: "pass", [`${BILLING} smtp`]: "pass" });
  });

  it("step 5, destroy: every grant, the Exchange service principal and the Entra objects are gone; nothing else changed", async () => {
    const o = { ...outputs() };
    const sid = ourSid();
    const other = otherPrincipal(run.world.stack);
    const before = tenant();
    const app = before.entra.applications.find((a) => a.clientId === o.clientId)!;
    const switches = (s: TenantState) =>
      s.exchange.mailboxes.map((m) => [
        m.address,
        m.ImapEnabled,
        m.PopEnabled,
        m.SmtpClientAuthenticationDisabled,
      ]);
    const r = await step(5);
    reports.push(r);
    expect(failedChecks(r)).toEqual([]);
    const destroyRun = run.world.engine.command.runs.at(-1)!;
    expect([destroyRun.script, destroyRun.commandLine, destroyRun.code]).toEqual([
      "delete",
      REMOVE_COMMAND,
      0,
    ]);
    expect(run.world.engine.resources).toEqual([]);
    const s = tenant();
    // Entra: nothing of ours; Microsoft's own Exchange Online service principal untouched.
    expect(s.entra.applications.filter((a) => a.clientId === o.clientId)).toEqual([]);
    expect(s.entra.servicePrincipals.filter((p) => p.clientId === o.clientId)).toEqual([]);
    expect(s.entra.passwords.filter((p) => p.applicationObjectId === app.objectId)).toEqual([]);
    expect(
      s.entra.appRoleAssignments.filter((a) => a.principalObjectId === o.servicePrincipalObjectId),
    ).toEqual([]);
    expect(s.entra.servicePrincipals.map((p) => p.clientId)).toEqual([EXCHANGE_ONLINE_APP_ID]);
    // Exchange: no service principal of ours, no row for our SID anywhere; the rest as it was.
    expect(s.exchange.servicePrincipals.filter((p) => p.AppId === o.clientId)).toEqual([]);
    expect(rowsOf(s, sid)).toEqual({});
    expect(rowsOf(s, other.sid)).toEqual(rowsOf(before, other.sid));
    expect(switches(s)).toEqual(switches(before));
    expect(s.exchange.mailboxes.map((m) => m.address).sort()).toEqual(
      [ALERTS, BILLING, HELPDESK, addedMailbox(run.world.stack)].sort(),
    );
    const gone = items(r, "verify")[0];
    expect(gone.token.cause!.id).toBe("application-not-found");
  });

  it("the whole run: five steps as expected, and nothing it printed — text or JSON — holds a secret or a token", async () => {
    doc = await run.finish();
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((s) => [s.n, s.ok])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
    ]);
    expect(reports).toHaveLength(5);
    const secrets = [...run.world.secrets.entries()];
    // The admin token, three client secrets (two slots, one rotation), and every access token verify got.
    expect(secrets.filter(([, name]) => name.startsWith("client secret"))).toHaveLength(3);
    expect(secrets.filter(([, name]) => name.startsWith("access token")).length).toBeGreaterThanOrEqual(7);
    const everything = [printed, JSON.stringify(doc)];
    expect(printed).toContain("Wall time:");
    const leaks = secrets
      .filter(([value]) => everything.some((text) => text.includes(value)))
      .map(([, name]) => name);
    expect(leaks).toEqual([]);
    expect(secrets.every(([value]) => value.length >= 20)).toBe(true);
  });
});
