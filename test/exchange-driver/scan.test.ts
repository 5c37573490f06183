// `plan --scan` (scripts/exchange-driver/scan.ts): "which mailboxes can this app open?". The driver
// runs as a process (`npm run exchange`'s entry) against the offline tenant, as an admin runs it;
// the progress lines are read from an in-process run on the virtual clock.
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseRecord } from "../../components/exchange-step/record";
import { EXIT } from "../../scripts/cli/exit-codes";
import { scanLines } from "../../scripts/exchange-driver/scan";
import { grantByHand } from "../../scripts/offline-tenant/exchange/hand-edits";
import { simDriverEnv } from "../../scripts/offline-tenant/harness/sim-tenant";
import { updateState } from "../../scripts/offline-tenant/state";
import { planDocument } from "../support/cli-documents";
import { RAW_CONTROL, baseEnv, runTool } from "../support/cli-process";
import {
  APP,
  SECRETS,
  newSimTenant,
  runInProcess,
  settingsFor,
  state,
  stats,
  type SimTenant,
} from "../support/driver-run";
import { commandNames, parameterLiterals, parsePowerShell, syntaxErrors } from "../support/powershell-syntax";

vi.setConfig({ testTimeout: 180_000 });

const A = "a@contoso.com";
const B = "b@contoso.com";
const X = "x@contoso.com";
const Y = "y@contoso.com";

const printed: string[] = [];
type Settings = ReturnType<typeof settingsFor>;

/** `npm run exchange -- <args>` against the tenant, with the Command's environment. */
async function exchange(t: SimTenant, settings: Settings, args: string[], previousStdout?: string) {
  const env = simDriverEnv({ settings, statePath: t.statePath, statsPath: t.statsPath, previousStdout });
  const r = await runTool("exchange", args, { env: baseEnv({ EXO_OAUTH_RETRY_BASE_MS: "5", ...env }) });
  printed.push(r.stdout, r.stderr);
  return r;
}

/** Our principal as Exchange holds it after an apply. */
function ourPrincipal(t: SimTenant) {
  const sp = state(t).exchange.servicePrincipals.find((s) => s.AppId === APP.clientId)!;
  return { user: sp.DisplayName, sid: sp.Sid };
}

/** A tenant where the config's mailboxes were applied, then an admin granted our app more by hand. */
async function appliedThenGrantedByHand(
  mailboxes: string[],
  config: string[],
  byHand: [string, ("FullAccess" | "SendAs")[]][],
) {
  const t = newSimTenant(mailboxes);
  const settings = settingsFor(config);
  const applied = await exchange(t, settings, ["apply"]);
  expect(applied.code).toBe(EXIT.ok);
  updateState(t.statePath, (s) => {
    for (const [address, rights] of byHand) grantByHand(s, address, ourPrincipal(t), rights);
  });
  return { t, settings, record: applied.stdout };
}

describe.concurrent("plan --scan: which mailboxes can this app open?", () => {
  it("a FullAccess grant added by hand outside the config: plan says in sync, plan --scan names it with its revoke command", async () => {
    const { t, settings, record } = await appliedThenGrantedByHand([A, B, X], [A], [[X, ["FullAccess"]]]);

    const plain = await exchange(t, settings, ["plan"], record);
    expect(plain.code).toBe(EXIT.ok);
    expect(plain.stdout).toMatch(/^In sync: /);
    expect(plain.stdout + plain.stderr).not.toContain(X);

    const scan = await exchange(t, settings, ["plan", "--scan"], record);
    expect(scan.code).toBe(EXIT.ok);
    const revoke = `Remove-MailboxPermission -Identity '${X}' -User '${APP.spObjectId}' -AccessRights FullAccess -InheritanceType All -Confirm:$false`;
    const who = `${APP.displayName} (${APP.spObjectId})`;
    expect(scan.stdout.trimEnd().split("\n").slice(-5)).toEqual([
      `Scan: 3 mailboxes read; ${who} holds FullAccess or SendAs on 2:`,
      `  = ${A} (a): FullAccess, as the config asks`,
      `  ! ${X} (x): FullAccess`,
      `      FullAccess: not in the config, granted outside this stack: apply leaves it alone`,
      `      revoke by hand: ${revoke}`,
    ]);
    expect(scan.stderr).toContain(
      `warning: Mailbox ${X} (x): service principal ${who} holds FullAccess, which the config does not ask for; ` +
        `granted outside this stack, so apply leaves it alone. To revoke it by hand: ${revoke}\n`,
    );
  });

  it("a SendAs-only grant by hand is named with Remove-RecipientPermission; a configured mailbox is no notice, except for a right the config does not ask for", async () => {
    const { t, settings, record } = await appliedThenGrantedByHand(
      [A, B, Y],
      [A, B],
      [
        [Y, ["SendAs"]],
        [B, ["SendAs"]],
      ],
    );
    const r = await exchange(t, settings, ["plan", "--scan", "--json"], record);
    expect(r.code).toBe(EXIT.ok);
    const doc = planDocument.parse(JSON.parse(r.stdout));
    expect(doc.scan?.holdings).toEqual([
      { mailbox: A, displayName: "a", rights: ["FullAccess"], inConfig: true },
      { mailbox: B, displayName: "b", rights: ["FullAccess", "SendAs"], inConfig: false },
      { mailbox: Y, displayName: "y", rights: ["SendAs"], inConfig: false },
    ]);
    const revokeSendAs = (m: string) =>
      `Remove-RecipientPermission -Identity '${m}' -Trustee '${APP.spObjectId}' -AccessRights SendAs -Confirm:$false`;
    expect(doc.notices.map((n) => n.grant)).toEqual([
      { mailbox: B, displayName: "b", rights: ["SendAs"], recorded: false, revoke: [revokeSendAs(B)] },
      { mailbox: Y, displayName: "y", rights: ["SendAs"], recorded: false, revoke: [revokeSendAs(Y)] },
    ]);
    expect(doc).toMatchObject({ exitCode: 0, inSync: true });
  });

  it("costs M + 2 cmdlets for M mailboxes, all reads, over what the plan alone reads", async () => {
    const many = Array.from({ length: 12 }, (_, i) => `m${i}@contoso.com`);
    const { t, settings, record } = await appliedThenGrantedByHand(
      [A, ...many],
      [A],
      [[many[5], ["FullAccess"]]],
    );
    const s0 = stats(t);
    await exchange(t, settings, ["plan"], record);
    const s1 = stats(t);
    const r = await exchange(t, settings, ["plan", "--scan", "--json"], record);
    const s2 = stats(t);
    const M = 13;
    const planReads = s1.byKind.read - s0.byKind.read;
    expect(s2.byKind.read - s1.byKind.read - planReads).toBe(M + 2);
    expect(s2.byKind.write - s0.byKind.write).toBe(0);
    expect(s2.cmdlets["Get-Mailbox"] - (s1.cmdlets["Get-Mailbox"] ?? 0)).toBe(1);
    expect(s2.cmdlets["Get-RecipientPermission"] - (s1.cmdlets["Get-RecipientPermission"] ?? 0)).toBe(1);
    const doc = planDocument.parse(JSON.parse(r.stdout));
    expect(doc.scan).toMatchObject({ mailboxes: M, cmdlets: M + 2 });
    expect(doc.counters.cmdlets["Get-Mailbox"]).toBe(1);
  });

  it("a grant the record lists but the config dropped is drift (exit 2) and the scan says apply revokes it", async () => {
    const t = newSimTenant([A, X]);
    const applied = await exchange(t, settingsFor([A, X]), ["apply"]);
    const r = await exchange(t, settingsFor([A]), ["plan", "--scan", "--json"], applied.stdout);
    expect(r.code).toBe(EXIT.changes);
    const doc = planDocument.parse(JSON.parse(r.stdout));
    expect(doc.operations).toEqual([{ kind: "Remove-MailboxPermission", mailbox: X, user: APP.spObjectId }]);
    expect(doc.notices[0].grant).toMatchObject({ mailbox: X, rights: ["FullAccess"], recorded: true });
    expect(doc.notices[0].message).toContain("recorded by this stack, so apply revokes it");
    expect(parseRecord(applied.stdout)!.mailboxes.map((m) => m.address)).toEqual([A, X]);
  });

  it("before the first deploy there is no principal to hold anything: no mailbox is read", async () => {
    const t = newSimTenant([A, B]);
    const r = await exchange(t, settingsFor([A]), ["plan", "--scan", "--json"]);
    expect(r.code).toBe(EXIT.changes);
    const doc = planDocument.parse(JSON.parse(r.stdout));
    expect(doc.scan).toEqual({ mailboxes: 0, cmdlets: 0, holdings: [] });
    expect(stats(t).cmdlets["Get-Mailbox"]).toBeUndefined();
  });

  it("reports progress on stderr once per tenth of the pass, on the run's clock", async () => {
    const many = Array.from({ length: 59 }, (_, i) => `m${i}@contoso.com`);
    const t = newSimTenant([A, ...many]);
    const settings = settingsFor([A]);
    const applied = await exchange(t, settings, ["apply"]);
    const r = await runInProcess("plan --scan", { tenant: t, settings, previousStdout: applied.stdout });
    printed.push(r.stdout, r.stderr);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.stderr.split("\n").filter((l) => l.includes("scanning mailboxes"));
    // 60 mailboxes (the CLI kit's progress, scripts/cli/progress.ts): after the first, at each
    // tenth, and the last; the virtual clock never moved, so the counter alone.
    expect(lines).toEqual(
      [1, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60].map(
        (n) => `exo-oauth exchange: scanning mailboxes ${n}/60 (${Math.floor((n * 100) / 60)} %)`,
      ),
    );
  });

  it("a hostile display name and address print escaped, and the revoke command quotes the address exactly", async () => {
    const quoted = "o'brien\u2019s@contoso.com";
    const hostileName = "Evil\u001b[2J\nIn sync: nothing to see";
    const t = newSimTenant([A, quoted], (s) => {
      s.exchange.mailboxes.find((m) => m.address === quoted)!.displayName = hostileName;
    });
    const settings = settingsFor([A]);
    const applied = await exchange(t, settings, ["apply"]);
    updateState(t.statePath, (s) => grantByHand(s, quoted, ourPrincipal(t), ["FullAccess", "SendAs"]));

    const human = await exchange(t, settings, ["plan", "--scan"], applied.stdout);
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout + human.stderr).not.toMatch(RAW_CONTROL);
    expect(human.stdout).toContain(
      `  ! ${quoted} (Evil\\u{1b}[2J\\nIn sync: nothing to see): FullAccess, SendAs`,
    );

    const json = await exchange(t, settings, ["plan", "--scan", "--json"], applied.stdout);
    const grant = planDocument.parse(JSON.parse(json.stdout)).notices[0].grant!;
    expect(grant).toMatchObject({
      mailbox: quoted,
      displayName: hostileName,
      rights: ["FullAccess", "SendAs"],
    });
    const script = await parsePowerShell(grant.revoke.join("\n"));
    expect(syntaxErrors(script)).toEqual([]);
    expect(commandNames(script)).toEqual(["Remove-MailboxPermission", "Remove-RecipientPermission"]);
    expect(parameterLiterals(script, "Remove-MailboxPermission", "Identity")).toEqual([quoted]);
    expect(parameterLiterals(script, "Remove-RecipientPermission", "Identity")).toEqual([quoted]);
    expect(parameterLiterals(script, "Remove-MailboxPermission", "User")).toEqual([APP.spObjectId]);
  });
});

describe("plan --help", () => {
  it("documents the plain plan's limit and --scan with its cost", async () => {
    const r = await runTool("exchange", ["plan", "--help"], { env: baseEnv() });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain("--scan");
    expect(r.stdout).toContain("plan reads only the mailboxes the config and the record name");
    expect(r.stdout).toContain("M + 2 cmdlets for M mailboxes");
    expect(r.stdout).toContain("about 5 minutes per 1,000");
  });
});

afterAll(() => {
  const all = printed.join("\n");
  for (const secret of Object.values(SECRETS)) expect(all).not.toContain(secret);
});

describe("the scan's first line", () => {
  const principal = { displayName: "Mail OAuth", objectId: "33333333-3333-4333-8333-333333333333" };
  it("before the first deploy says no principal exists, not that 0 mailboxes were read", () => {
    const [line] = scanLines({ mailboxes: 0, cmdlets: 0, holdings: [], notices: [] }, principal);
    expect(line).toBe(
      "Scan: Exchange has no service principal for this application yet, so no mailbox can hold a grant to it (nothing read).",
    );
  });

  it("counts one mailbox in the singular", () => {
    const [line] = scanLines({ mailboxes: 1, cmdlets: 3, holdings: [], notices: [] }, principal);
    expect(line).toBe(
      "Scan: 1 mailbox read; Mail OAuth (33333333-3333-4333-8333-333333333333) holds FullAccess or SendAs on none of them.",
    );
  });
});
