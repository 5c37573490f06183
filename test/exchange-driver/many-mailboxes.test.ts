// 10,000 mailboxes through the real Command string path (issue 11, item 9): `/bin/sh -c <the
// Command's string>` with the list on stdin, as @pulumi/command 1.2.1 runs it (`stdin` input), and
// EXO_OAUTH_MAILBOXES=stdin. The old way, the list in one environment string, is refused by Linux
// (one string ≤ 128 KiB: MAX_ARG_STRLEN), which is the limit this removes.
import { spawnSync } from "node:child_process";
import { runChild } from "../../scripts/cli/child-process";
import { describe, expect, it, vi } from "vitest";
import { encodeDriverEnvironment } from "../../components/exchange-step/codec";
import { DRIVER_ENV, MAILBOXES_ON_STDIN } from "../../components/exchange-step/environment";
import { DRIVER_INVOCATION } from "../../components/exchange-step/entry-points";
import { commandStdin } from "../../components/exchangeMailboxAccess";
import { ROOT, newSimTenant, settingsFor, state, stats } from "../support/driver-run";
import { simDriverEnv } from "../../scripts/offline-tenant/harness/sim-tenant";
import { parseRecord, serializeRecord } from "../../components/exchange-step/record";
import { RECORD_LINE_LIMIT } from "../../components/exchange-step/record-compact";
import { updateState } from "../../scripts/offline-tenant/state";
import { grantByHand } from "../../scripts/offline-tenant/exchange/hand-edits";
import { STDERR_LIMIT, boundedLog } from "../../scripts/exchange-driver/stderr-budget";

vi.setConfig({ testTimeout: 300_000 });

const N = 10_000;
const many = Array.from({ length: N }, (_, i) => `mailbox-${String(i).padStart(5, "0")}@contoso.com`);

/** `/bin/sh -c <command>` in the project root with `env` and `stdin`, as the Command runs it. */
function runCommand(command: string, env: Record<string, string>, stdin: string) {
  return runChild("/bin/sh", ["-c", command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdin,
  });
}

describe("10,000 mailboxes", () => {
  const settings = settingsFor(
    many.map((address) => ({ address, sendAs: false, protocols: ["imap" as const] })),
  );

  it("in one environment string, as before, Linux refuses to start the shell at all (E2BIG)", () => {
    const list = encodeDriverEnvironment(settings)[DRIVER_ENV.mailboxes];
    expect(Buffer.byteLength(list)).toBeGreaterThan(128 * 1024);
    const r = spawnSync("/bin/sh", ["-c", "true"], { env: { [DRIVER_ENV.mailboxes]: list } });
    expect((r.error as NodeJS.ErrnoException | undefined)?.code).toBe("E2BIG");
  });

  it("on stdin, the Command's plan string reads all of them: 10,001 changes planned, one session", async () => {
    const t = newSimTenant(["helpdesk@contoso.com"]);
    const env = {
      ...simDriverEnv({ settings, statePath: t.statePath, statsPath: t.statsPath }),
      [DRIVER_ENV.mailboxes]: MAILBOXES_ON_STDIN,
    };
    const stdin = commandStdin(settings.desired.mailboxes.map((m) => ({ ...m, protocols: ["imap"] })));
    expect(Buffer.byteLength(stdin)).toBeGreaterThan(128 * 1024);
    const r = await runCommand(`${DRIVER_INVOCATION} plan --json`, env, stdin);
    expect(r.stderr).not.toMatch(/^Error/m);
    const doc = JSON.parse(r.stdout) as {
      exitCode: number;
      operations: { kind: string; mailbox?: string }[];
      error?: unknown;
    };
    expect(doc.error).toBeUndefined();
    expect(doc.exitCode).toBe(2);
    expect(doc.operations).toHaveLength(N + 1);
    expect(doc.operations[0].kind).toBe("New-ServicePrincipal");
    expect(doc.operations[N].mailbox).toBe(many[N - 1]);
    // No principal yet: nothing to read per mailbox (observe.ts), so one lookup in one session.
    expect(stats(t)).toMatchObject({ sessions: 1 });
    expect(stats(t).cmdlets["Get-ServicePrincipal"]).toBe(1);
  });

  it("EXO_OAUTH_MAILBOXES=stdin with nothing on stdin is refused as an input error naming the variable", async () => {
    const t = newSimTenant(["helpdesk@contoso.com"]);
    const env = {
      ...simDriverEnv({
        settings: settingsFor(["helpdesk@contoso.com"]),
        statePath: t.statePath,
        statsPath: t.statsPath,
      }),
      [DRIVER_ENV.mailboxes]: MAILBOXES_ON_STDIN,
    };
    const r = await runCommand(`${DRIVER_INVOCATION} plan`, env, "");
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("EXO_OAUTH_MAILBOXES (from exo-oauth:mailboxes): must be a JSON array");
  });

  it("the Command's update and delete get a 10,000-mailbox record and a first apply's stderr back in their environment, and start", async () => {
    // As a first apply on 10,000 leaves it: our principal registered and holding FullAccess on every
    // mailbox (seeded: applying 20,002 cmdlets through the fake PowerShell would take minutes), the
    // record that apply prints (serializeRecord) and the most stderr it can print (stderr-budget.ts).
    const t = newSimTenant(["helpdesk@contoso.com", ...many]);
    const first = await runCommand(
      `${DRIVER_INVOCATION} apply`,
      {
        ...simDriverEnv({
          settings: settingsFor(["helpdesk@contoso.com"]),
          statePath: t.statePath,
          statsPath: t.statsPath,
        }),
      },
      "",
    );
    expect(first.code).toBe(0);
    const sp = parseRecord(first.stdout)!.servicePrincipal!;
    updateState(t.statePath, (s) => {
      for (const address of many)
        grantByHand(s, address, { user: sp.displayName, sid: sp.sid }, ["FullAccess"]);
    });
    const record = serializeRecord({
      appId: settings.desired.appId,
      servicePrincipal: sp,
      mailboxes: many.map((address) => ({ address, fullAccess: true, sendAs: false })),
    });
    let firstStderr = "";
    const line = (l: string) => `exo-oauth exchange: ${l}\n`;
    const log = boundedLog((l) => (firstStderr += line(l)), line);
    for (const [i, address] of many.entries())
      log(`[${i + 1}/10000] + Granting FullAccess on ${address} to Mail (${sp.objectId})`);
    expect(Buffer.byteLength(firstStderr)).toBeLessThanOrEqual(STDERR_LIMIT);
    expect(Buffer.byteLength(record)).toBeLessThan(RECORD_LINE_LIMIT);

    // The update: one mailbox added to the config.
    const added = [...many, "zz-new@contoso.com"];
    updateState(t.statePath, (s) => {
      s.exchange.mailboxes.push({
        ...structuredClone(s.exchange.mailboxes[1]),
        address: "zz-new@contoso.com",
        permissions: [],
        recipientPermissions: [],
      });
    });
    const next = settingsFor(
      added.map((address) => ({ address, sendAs: false, protocols: ["imap" as const] })),
    );
    const before = stats(t);
    const update = await runCommand(
      `${DRIVER_INVOCATION} apply`,
      {
        ...simDriverEnv({ settings: next, statePath: t.statePath, statsPath: t.statsPath }),
        [DRIVER_ENV.mailboxes]: MAILBOXES_ON_STDIN,
        PULUMI_COMMAND_STDOUT: record,
        PULUMI_COMMAND_STDERR: firstStderr,
      },
      commandStdin(next.desired.mailboxes.map((m) => ({ ...m, protocols: ["imap" as const] }))),
    );
    expect(update.stderr).toContain("update: 1 of 10001 mailboxes differ from the record");
    expect(update.code).toBe(0);
    const after = stats(t);
    expect(
      after.byKind.read + after.byKind.write - before.byKind.read - before.byKind.write,
    ).toBeLessThanOrEqual(10);
    expect(parseRecord(update.stdout)!.mailboxes).toHaveLength(10_001);
    expect(Buffer.byteLength(update.stdout)).toBeLessThan(RECORD_LINE_LIMIT);
    expect(
      state(t).exchange.mailboxes.find((m) => m.address === "zz-new@contoso.com")!.permissions,
    ).toHaveLength(1);

    // The delete: the state's environment and the update's record and stderr. It reads every
    // recorded mailbox before it revokes; the simulator stops it at the third cmdlet, which is
    // enough to show it started and read the whole record (not E2BIG, not a record error).
    const destroy = await runCommand(
      `${DRIVER_INVOCATION} remove`,
      {
        ...simDriverEnv({
          settings: next,
          statePath: t.statePath,
          statsPath: t.statsPath,
          faults: { crashAfter: 3 },
        }),
        [DRIVER_ENV.mailboxes]: MAILBOXES_ON_STDIN,
        PULUMI_COMMAND_STDOUT: update.stdout.trimEnd(),
        PULUMI_COMMAND_STDERR: update.stderr.trimEnd(),
      },
      commandStdin(next.desired.mailboxes.map((m) => ({ ...m, protocols: ["imap" as const] }))),
    );
    expect(destroy.stderr).toMatch(/reading mailboxes 1\/10001/);
    expect(destroy.stderr).not.toMatch(/E2BIG|Argument list too long|Reading the previous record/);
  });
});
