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
import { ROOT, newSimTenant, settingsFor, stats } from "../support/driver-run";
import { simDriverEnv } from "../../scripts/offline-tenant/harness/sim-tenant";

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
});
