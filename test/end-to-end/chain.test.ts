// The whole stack offline over ONE tenant state file (design.md, "One tenant state for all
// doubles"): config → program under the Graph-rules mock → the Command's real script through
// `sh -c` → the driver → the Exchange simulator → the token issuer and mail peers → verify.
// Each step is scripts/offline-tenant/harness/chain.ts (`pulumi up` / `destroy` = the multi-run engine);
// this file only says what must hold between them.
import { grantOthers, OTHERS } from "../../scripts/offline-tenant/harness/sim-tenant";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { printFigures } from "../support/figures";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { parseRecord } from "../../components/exchange-step/record";
import {
  ADMIN_TOKEN_ENV,
  COMMAND_TYPE,
  FAKE_PWSH,
  createOfflineTenant,
  deploy,
  destroy,
  exchangeGrants,
  findLeaks,
  outcomes,
  reapply,
  secretsOf,
  simStats,
  startOfflineServices,
  tenantState,
  update,
  verify,
  type Deployment,
  type OfflineServices,
  type OfflineTenant,
} from "../../scripts/offline-tenant/harness/chain";
import { consentRoles, revokeRoles } from "../../scripts/offline-tenant/entra/entra-app";
import { sha256Hex, updateState, type TenantState } from "../../scripts/offline-tenant/state";
import { skipDovecot } from "../support/dovecot-gate";
import { TENANT_ID, baseConfig, STATED_LIFETIME } from "../support/program-harness";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const HELPDESK = "helpdesk@contoso.com";
const BILLING = "billing@contoso.com";
const ALERTS = "alerts@contoso.com";
const SUPPORT = "support@contoso.com";
const OTHER_SID = OTHERS.sid;

const exchange = { connection: "accessToken", accessTokenEnv: ADMIN_TOKEN_ENV, pwsh: FAKE_PWSH };
const firstConfig = baseConfig({
  secret: STATED_LIFETIME,
  mailboxes: [
    { address: HELPDESK, sendAs: true },
    { address: BILLING, protocols: ["imap", "pop"] },
    { address: ALERTS, protocols: ["smtp"] },
  ],
  exchange,
});
// Drop alerts@, add support@, flip billing@'s POP to SMTP; Entra's side (protocols) unchanged.
const changedConfig = baseConfig({
  secret: STATED_LIFETIME,
  mailboxes: [
    { address: HELPDESK, sendAs: true },
    { address: BILLING, protocols: ["imap", "smtp"] },
    { address: SUPPORT, protocols: ["imap"] },
  ],
  exchange,
});

/** Someone else's FullAccess and SendAs on helpdesk@: never ours to touch. */
const seedOthersGrant = (s: TenantState) => grantOthers(s, HELPDESK);
const othersRows = (s: TenantState) =>
  s.exchange.mailboxes.map((m) => ({
    address: m.address,
    permissions: m.permissions.filter((r) => r.UserSid === OTHER_SID),
    recipientPermissions: m.recipientPermissions.filter((r) => r.TrusteeSidString === OTHER_SID),
  }));

const timings: Record<string, number> = {};
async function timed<T>(step: string, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[step] = (timings[step] ?? 0) + Date.now() - started;
  }
}

describe.skipIf(skipDovecot)("one tenant, deployed, changed and destroyed offline", () => {
  let t: OfflineTenant;
  let services: OfflineServices;
  let first: Deployment;
  let second: Deployment;
  const deployments: Deployment[] = [];

  beforeAll(async () => {
    t = createOfflineTenant({
      tenantId: TENANT_ID,
      mailboxes: [HELPDESK, BILLING, ALERTS, SUPPORT],
      seed: seedOthersGrant,
    });
    first = await timed("deploy (program + Command create)", () => deploy(t, firstConfig));
    deployments.push(first);
    services = await timed("start token issuer + mail peers", () => startOfflineServices(t));
  });

  afterAll(async () => {
    await services?.stop();
    t?.cleanup();
    printFigures(
      "chain timings:",
      Object.entries(timings)
        .map(([k, ms]) => `  ${k}: ${ms} ms`)
        .join("\n"),
    );
  });

  it("pulumi up registers the app in Entra, runs the driver once and exports its record", () => {
    expect(first.run!.code).toBe(0);
    expect(first.result.summary).toEqual({ created: 11 });
    const state = tenantState(t);
    const appId = first.outputs.clientId as string;
    // Entra (written by the Graph-rules mock) and Exchange (written by the simulator) in one file.
    expect(state.entra.applications.map((a) => a.clientId)).toEqual([appId]);
    // Two rotation slots (A/B); the exported secret is one of them (Entra keeps only its hash).
    expect(state.entra.passwords).toHaveLength(2);
    expect(state.entra.passwords.map((p) => p.secretSha256)).toContain(
      sha256Hex(first.outputs.clientSecret as string),
    );
    const sp = state.exchange.servicePrincipals.find((x) => x.AppId === appId)!;
    expect(sp.Identity).toBe(first.outputs.servicePrincipalObjectId);
    expect(exchangeGrants(state, appId)).toEqual({
      servicePrincipal: true,
      fullAccess: [ALERTS, BILLING, HELPDESK],
      sendAs: [HELPDESK],
    });
    // The Command's stdout is the record, and the stack exports it.
    const record = parseRecord(first.record)!;
    expect(first.outputs.exchangeRecord).toEqual(JSON.parse(JSON.stringify(record)));
    expect(record.servicePrincipal?.sid).toBe(sp.Sid);
    expect(first.secretOutputs).toContain("clientSecret");
    const stats = simStats(t);
    expect(stats.sessions).toBe(1);
    expect(stats.connects).toBe(1);
    // The token is handed over by variable NAME: the Command's inputs never hold it.
    expect(first.command.environment[DRIVER_ENV.accessTokenEnv]).toBe(ADMIN_TOKEN_ENV);
    expect(JSON.stringify(first.command)).not.toContain(t.adminToken);
  });

  it("verify from the stack outputs passes every configured login, per-mailbox protocols respected", async () => {
    const v = await timed("verify after deploy", () => verify(t, services, first));
    expect(outcomes(v.report)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} pop`]: "pass",
      [`${HELPDESK} smtp`]: "pass",
      [`${BILLING} imap`]: "pass",
      [`${BILLING} pop`]: "pass",
      [`${ALERTS} smtp`]: "pass",
      // sendAs: true on helpdesk, proven by logging in as alerts and sending as helpdesk.
      [`${HELPDESK} smtp send-as`]: "pass",
    });
    expect(v.exitCode).toBe(0);
    expect(v.report!.logins.find((l) => l.check === "send-as")?.loginMailbox).toBe(ALERTS);
    expect(v.report!.token.claims!.oid).toBe(first.outputs.servicePrincipalObjectId);
  });

  it("verify with explicit options (no pulumi CLI) passes too, and reads nothing from the outputs", async () => {
    const v = await timed("verify, explicit options", () =>
      verify(
        t,
        services,
        first,
        ["--tenant", TENANT_ID, "--client-id", first.outputs.clientId as string, "--mailbox", HELPDESK],
        { stackOutputs: false },
      ),
    );
    // Without the outputs, verify checks every protocol of the explicit mailbox.
    expect(outcomes(v.report)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} pop`]: "pass",
      [`${HELPDESK} smtp`]: "pass",
    });
    expect(v.exitCode).toBe(0);
    // Without --tenant the outputs are needed, and missing ones are named.
    const missing = await verify(t, services, first, ["--mailbox", HELPDESK], { stackOutputs: false });
    expect(missing.exitCode).toBe(78);
    // verify runs with --json here: the error is the one document on stdout.
    expect((JSON.parse(missing.stdout) as { error: { message: string } }).error.message).toMatch(
      /missing: --tenant, --client-id/,
    );
  });

  it("renaming the application updates it and the Command in place: same client id, one Command update", async () => {
    const renamed = {
      ...firstConfig,
      application: { displayName: "Mail OAuth - renamed", notes: "ticket OPS-1234" },
    };
    const r = await timed("update (rename)", () => update(t, renamed));
    deployments.push(r);
    expect(
      r.result.steps
        .filter((s) => s.op !== "same" && s.op !== "read")
        .map((s) => `${s.op} ${s.name} ${s.keys}`),
    ).toEqual(["update mail-application displayName", "update exchange-command environment"]);
    expect(r.outputs.clientId).toBe(first.outputs.clientId);
    expect(r.run!.script).toBe("update");
    expect(r.run!.previousStdout).toBe(first.record);
    expect(tenantState(t).entra.applications.map((a) => a.displayName)).toEqual(["Mail OAuth - renamed"]);
  });

  it("consent withdrawn for POP after deploy: verify reports role-missing for POP only", async () => {
    const spId = first.outputs.servicePrincipalObjectId as string;
    updateState(t.statePath, (s) => revokeRoles(s, spId, ["POP.AccessAsApp"]));
    try {
      const v = await timed("verify, POP consent revoked", () => verify(t, services, first));
      expect(outcomes(v.report)).toEqual({
        [`${HELPDESK} imap`]: "pass",
        [`${HELPDESK} pop`]: "role-missing",
        [`${HELPDESK} smtp`]: "pass",
        [`${BILLING} imap`]: "pass",
        [`${BILLING} pop`]: "role-missing",
        [`${ALERTS} smtp`]: "pass",
        [`${HELPDESK} smtp send-as`]: "pass",
      });
      expect(v.exitCode).toBe(1);
      expect(v.report!.logins.filter((l) => l.cause?.id === "role-missing").every((l) => !l.attempted)).toBe(
        true,
      );
    } finally {
      updateState(t.statePath, (s) => consentRoles(s, spId, ["POP.AccessAsApp"]));
    }
  });

  it("a config change runs the Command's update with the previous record: dropped mailbox refused, added one passes", async () => {
    second = await timed("update (program + Command update)", () => update(t, changedConfig));
    deployments.push(second);
    expect(second.run!.code).toBe(0);
    expect(second.run!.previousStdout).toBe(deployments[deployments.length - 2].record);
    expect(second.outputs.clientId).toBe(first.outputs.clientId);
    expect(exchangeGrants(tenantState(t), second.outputs.clientId as string)).toEqual({
      servicePrincipal: true,
      fullAccess: [BILLING, HELPDESK, SUPPORT],
      sendAs: [HELPDESK],
    });
    expect(parseRecord(second.record)!.mailboxes.map((m) => [m.address, m.sendAs])).toEqual([
      [BILLING, false],
      [HELPDESK, true],
      [SUPPORT, false],
    ]);

    const v = await timed("verify after update", () => verify(t, services, second));
    expect(outcomes(v.report)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} pop`]: "pass",
      [`${HELPDESK} smtp`]: "pass",
      [`${BILLING} imap`]: "pass",
      [`${BILLING} smtp`]: "pass",
      [`${SUPPORT} imap`]: "pass",
      [`${HELPDESK} smtp send-as`]: "pass",
    });
    expect(v.exitCode).toBe(0);

    const dropped = await timed("verify dropped mailbox", () =>
      verify(t, services, second, ["--mailbox", ALERTS, "--protocol", "smtp"]),
    );
    expect(outcomes(dropped.report)).toEqual({ [`${ALERTS} smtp`]: "exchange-refused-token" });
    expect(dropped.exitCode).toBe(1);
  });

  it("a protocol dropped from one mailbox is only no longer verified: Exchange still lets it in", async () => {
    // Nothing in the stack enforces per-mailbox protocols: the app roles are tenant-wide and
    // FullAccess covers every protocol, so billing@'s POP (dropped from its protocols) passes.
    const v = await timed("verify flipped protocol", () =>
      verify(t, services, second, ["--mailbox", BILLING, "--protocol", "pop"]),
    );
    expect(outcomes(v.report)).toEqual({ [`${BILLING} pop`]: "pass" });
    expect(tenantState(t).exchange.mailboxes.find((m) => m.address === BILLING)!.PopEnabled).toBe(true);
  });

  it("the same update once more makes zero writes in Exchange", async () => {
    const before = simStats(t);
    const run = await timed("reapply (idempotence probe)", () => reapply(t, second));
    const after = simStats(t);
    expect(run.code).toBe(0);
    expect(after.sessions - before.sessions).toBe(1);
    expect(after.byKind.write - before.byKind.write).toBe(0);
    expect(after.byKind.read - before.byKind.read).toBeGreaterThan(0);
    expect(parseRecord(run.stdout)).toEqual(parseRecord(second.record));
  });

  it("destroy revokes all our grants and our Exchange service principal, and nobody else's", async () => {
    const othersBefore = othersRows(tenantState(t));
    expect(othersBefore.find((m) => m.address === HELPDESK)!.permissions).toHaveLength(1);
    // POP's consent was revoked and re-granted by hand above: Entra gave it a new id, so the id in
    // state answers 404 and a plain destroy stops there (the provider's delete fails on 404).
    // State written by an older version of the stack: destroy must run THAT delete string.
    const cmd = t.engine.resource(COMMAND_TYPE, "exchange-command");
    const storedDelete = `${second.command.delete} # stored by an older version`;
    cmd.inputs = { ...cmd.inputs, delete: storedDelete };
    const result = await timed("destroy (Command delete)", () => t.engine.destroy());
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/Deleting AppRoleAssignment "mail-consent-pop": .*\(404\)/);
    // The Command goes first (it depends on the SP and the consents), with the string and the
    // environment stored in state, and the last record in PULUMI_COMMAND_STDOUT.
    expect(result.commandRuns.map((r) => [r.script, r.commandLine])).toEqual([["delete", storedDelete]]);
    expect(result.commandRuns[0].environment).toEqual(second.command.environment);
    expect(result.commandRuns[0].previousStdout).toBe(second.record);
    const at = (name: string) => result.calls.findIndex((c) => c.name === name);
    expect(at("exchange-command")).toBe(0);
    // `pulumi destroy --refresh` drops the stale consent from state (Graph 404) and finishes.
    const rest = await timed("destroy --refresh", () => destroy(t, { refresh: true }));
    expect(rest.steps.filter((s) => s.op === "refresh").map((s) => `${s.name} ${s.refresh}`)).toEqual([
      "mail-consent-pop gone",
    ]);
    expect(rest.commandRuns).toEqual([]);
    expect(at("exchange-command")).toBeLessThan(at("mail-consent-pop"));
    expect(t.engine.resources).toEqual([]);
    const state = tenantState(t);
    const appId = second.outputs.clientId as string;
    expect(exchangeGrants(state, appId)).toEqual({ servicePrincipal: false, fullAccess: [], sendAs: [] });
    // No row left anywhere for our SID (a grant matched by SID, not by name).
    const sid = parseRecord(first.record)!.servicePrincipal!.sid;
    for (const m of state.exchange.mailboxes) {
      expect(m.permissions.filter((r) => r.UserSid === sid)).toEqual([]);
      expect(m.recipientPermissions.filter((r) => r.TrusteeSidString === sid)).toEqual([]);
    }
    expect(othersRows(state)).toEqual(othersBefore);

    // Entra's side is gone too: no application, no consent, no password.
    const e = state.entra;
    expect([e.applications, e.passwords, e.appRoleAssignments]).toEqual([[], [], []]);
    const v = await timed("verify after destroy", () => verify(t, services, second));
    expect(v.exitCode).toBe(1);
    printFigures("verify after destroy:", JSON.stringify(outcomes(v.report)));
  });

  it("nothing captured — driver and verify output, records, the state file — holds a secret or a token", () => {
    const secrets = secretsOf(t, deployments);
    expect(t.accessTokens.length).toBeGreaterThanOrEqual(5);
    expect(secrets.every((s) => s.value.length >= 20)).toBe(true);
    const entries = [
      ...t.transcript,
      { what: "tenant state file", text: readFileSync(t.statePath, "utf8") },
      ...deployments.map((d, i) => ({ what: `Command inputs #${i + 1}`, text: JSON.stringify(d.command) })),
      ...deployments.map((d, i) => ({ what: `record #${i + 1}`, text: d.record })),
    ];
    // Pulumi's state holds the client secret (wrapped as a secret), never a token; saved, it holds
    // no secret in plain text at all (encrypted).
    const tokensOnly = secrets.filter((s) => s.name !== "clientSecret output");
    const pulumiState = deployments.map((d, i) => ({ what: `engine state #${i + 1}`, text: d.state }));
    expect(findLeaks(pulumiState, tokensOnly)).toEqual([]);
    expect(findLeaks(pulumiState, secrets).map((l) => l.secret)).toContain("clientSecret output");
    entries.push(
      ...deployments.map((d, i) => ({ what: `saved engine state #${i + 1}`, text: d.savedState })),
    );
    // The scan itself finds what it looks for.
    expect(findLeaks([{ what: "probe", text: `x${t.adminToken}x` }], secrets)).toHaveLength(1);
    expect(findLeaks(entries, secrets)).toEqual([]);
  });
});

describe.skipIf(skipDovecot)("a stack deployed without SMTP", () => {
  let t: OfflineTenant;
  let services: OfflineServices | undefined;

  afterAll(async () => {
    await services?.stop();
    t?.cleanup();
  });

  it("verify asked for SMTP reports role-missing (no consent for SMTP.SendAsApp), IMAP still passes", async () => {
    t = createOfflineTenant({ tenantId: TENANT_ID, mailboxes: [HELPDESK] });
    const d = await timed("negative chain: deploy", () =>
      deploy(
        t,
        baseConfig({
          secret: STATED_LIFETIME,
          protocols: ["imap", "pop"],
          mailboxes: [HELPDESK],
          exchange,
        }),
      ),
    );
    services = await startOfflineServices(t);
    const v = await timed("negative chain: verify", () =>
      verify(t, services!, d, ["--mailbox", HELPDESK, "--protocol", "imap,smtp"]),
    );
    expect(outcomes(v.report)).toEqual({
      [`${HELPDESK} imap`]: "pass",
      [`${HELPDESK} smtp`]: "role-missing",
    });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/SMTP\.SendAsApp/);
    expect(findLeaks(t.transcript, secretsOf(t, [d]))).toEqual([]);
  });
});
