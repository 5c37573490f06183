import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ExchangeCmdletError,
  ExchangeSessionError,
  openExchangeSession,
  type ExchangeConnectionSettings,
  type ExchangeSessionOptions,
  type SessionEvent,
} from "../../scripts/exchange-driver/session";
import { retryBaseFromEnv, startRunBudget, virtualClock } from "../../scripts/exchange-driver/budget";
import { readSimStats } from "../../scripts/offline-tenant/exchange/stats";
import { readState } from "../../scripts/offline-tenant/state";
import { FAKE_PWSH, ORG, newTenant, type Tenant } from "../support/simulator";

function options(
  t: Tenant,
  extra: Partial<ExchangeSessionOptions> & { faults?: object; env?: NodeJS.ProcessEnv } = {},
) {
  const { faults, env, ...rest } = extra;
  const settings: ExchangeConnectionSettings = {
    connection: "managedIdentity",
    pwsh: FAKE_PWSH,
    retryDeadlineSeconds: 30,
    organization: ORG,
  };
  const events: SessionEvent[] = [];
  const opts: ExchangeSessionOptions = {
    settings,
    env: {
      ...process.env,
      EXO_SIM_STATE: t.statePath,
      EXO_SIM_STATS: t.statsPath,
      EXO_OAUTH_RETRY_BASE_MS: "5",
      ...(faults ? { EXO_SIM_FAULTS: JSON.stringify(faults) } : {}),
      ...env,
    },
    onEvent: (e) => events.push(e),
    ...rest,
  };
  return { opts, events };
}

const register = (t: Tenant) => ({
  AppId: t.app.clientId,
  ObjectId: t.app.spObjectId,
  DisplayName: t.app.displayName,
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("the Exchange session against the simulator", () => {
  it("connects once and runs every cmdlet of the run in one PowerShell process", async () => {
    const t = newTenant();
    const { opts, events } = options(t);
    const session = await openExchangeSession(opts);
    const sp = await session.invoke("New-ServicePrincipal", register(t));
    expect(sp.result[0]).toMatchObject({ ObjectId: t.app.spObjectId, AppId: t.app.clientId });
    for (const mailbox of ["a@contoso.com", "b@contoso.com"])
      await session.invoke("Add-MailboxPermission", {
        Identity: mailbox,
        User: t.app.spObjectId,
        AccessRights: ["FullAccess"],
        InheritanceType: "All",
      });
    const rows = await session.invoke("Get-MailboxPermission", {
      Identity: "a@contoso.com",
      User: t.app.spObjectId,
    });
    expect(rows.result.map((r) => r.UserSid)).toEqual([sp.result[0].Sid]);
    await session.close();
    expect(session.counters()).toEqual({
      sessions: 1,
      cmdlets: {
        "Connect-ExchangeOnline": 1,
        "New-ServicePrincipal": 1,
        "Add-MailboxPermission": 2,
        "Get-MailboxPermission": 1,
      },
      retries: 0,
    });
    expect(readSimStats(t.statsPath)).toMatchObject({
      sessions: 1,
      connects: 1,
      disconnects: 1,
      byKind: { read: 1, write: 3 },
    });
    expect(events.map((e) => e.type)).toEqual(["spawned", "connected", "closed"]);
    expect(events.at(-1)).toEqual({ type: "closed", exitCode: 0 });
  });

  it("surfaces Exchange's warnings with the result", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t).opts);
    await session.invoke("New-ServicePrincipal", register(t));
    const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
    expect((await session.invoke("Add-MailboxPermission", grant)).warnings).toEqual([]);
    const again = await session.invoke("Add-MailboxPermission", grant);
    expect(again.result).toEqual([]);
    expect(again.warnings).toHaveLength(1);
    expect(again.warnings[0]).toContain("The appropriate access control entry is already present");
    await session.close();
  });

  it("retries transient throttling with backoff and succeeds within the deadline", async () => {
    const t = newTenant();
    const { opts, events } = options(t, { faults: { throttleFirst: 3 } });
    const session = await openExchangeSession(opts);
    const r = await session.invoke("Get-Mailbox", { Identity: "a@contoso.com" });
    expect(r.result[0].PrimarySmtpAddress).toBe("a@contoso.com");
    expect(session.counters()).toMatchObject({ retries: 3, cmdlets: { "Get-Mailbox": 4 } });
    const retries = events.filter((e) => e.type === "retry");
    expect(retries.map((e) => e.type === "retry" && e.attempt)).toEqual([1, 2, 3]);
    expect(retries[0]).toMatchObject({ cmdlet: "Get-Mailbox", target: "a@contoso.com" });
    await session.close();
  });

  it("retries AADServicePrincipalNotFound while the new Entra service principal replicates", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t, { faults: { spNotFoundFirst: 2 } }).opts);
    await session.invoke("New-ServicePrincipal", register(t));
    expect(session.counters().retries).toBe(2);
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
    await session.close();
  });

  it("gives up when the run's budget is spent, with an error naming the cmdlet, the mailbox and Exchange's message", async () => {
    const t = newTenant();
    // On a virtual clock: the waits cost nothing, the budget counts them all the same.
    const budget = startRunBudget({ deadlineSeconds: 30, baseDelayMs: 2000, clock: virtualClock() });
    const { opts } = options(t, { faults: { throttleFirst: 10_000 }, budget });
    const session = await openExchangeSession(opts);
    const err = (await rejection(
      session.invoke("Get-MailboxPermission", { Identity: "a@contoso.com" }),
    )) as ExchangeCmdletError;
    expect(err).toBeInstanceOf(ExchangeCmdletError);
    expect(err.kind).toBe("transient");
    expect(err.attempts).toBeGreaterThan(2);
    expect(err.message).toMatch(
      /^Running Get-MailboxPermission on a@contoso\.com: still failing after \d+ attempts over \d+ (ms|s) \(retry deadline 30 s\): A server side error has occurred/,
    );
    await session.close();
  });

  it("fails a permanent error at once, without retrying", async () => {
    const t = newTenant();
    const session = await openExchangeSession(
      options(t, { faults: { accessDenied: ["Add-MailboxPermission"] } }).opts,
    );
    await session.invoke("New-ServicePrincipal", register(t));
    const err = (await rejection(
      session.invoke("Add-MailboxPermission", {
        Identity: "b@contoso.com",
        User: t.app.spObjectId,
        AccessRights: ["FullAccess"],
      }),
    )) as ExchangeCmdletError;
    expect(err.kind).toBe("accessDenied");
    expect(err.attempts).toBe(1);
    expect(err.message).toBe(
      "Running Add-MailboxPermission on b@contoso.com: 'b@contoso.com' isn't within your current write scopes. Can't perform save operation. (Ex0A5A4A)",
    );
    expect(session.counters()).toMatchObject({ retries: 0, cmdlets: { "Add-MailboxPermission": 1 } });
    await session.close();
  });

  it("throws a typed notFound error for an unknown mailbox, never an empty result", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t).opts);
    const err = (await rejection(
      session.invoke("Get-MailboxPermission", { Identity: "ghost@contoso.com" }),
    )) as ExchangeCmdletError;
    expect(err).toMatchObject({
      kind: "notFound",
      code: "Ex6F9304",
      cmdlet: "Get-MailboxPermission",
      target: "ghost@contoso.com",
      exceptionType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
      attempts: 1,
    });
    expect(err.exchangeMessage).toMatch(
      /^The operation couldn't be performed because object 'ghost@contoso\.com' couldn't be found/,
    );
    await session.close();
  });

  it("reports a PowerShell process that dies mid-run as a clear session error", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t, { faults: { crashAfter: 2 } }).opts);
    await session.invoke("Get-Mailbox");
    const err = await rejection(session.invoke("New-ServicePrincipal", register(t)));
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err.message).toMatch(
      /^Running New-ServicePrincipal: the PowerShell process '.*fake-pwsh' ended \(exit code 1\) without answering/,
    );
    expect(err.message).toContain("injected crash after cmdlet #2");
    const next = await rejection(session.invoke("Get-Mailbox"));
    expect(next.message).toMatch(/^Running Get-Mailbox: the PowerShell process .* ended/);
    await session.close();
  });

  it("says how to fix a missing pwsh", async () => {
    const t = newTenant();
    const { opts } = options(t);
    const err = await rejection(
      openExchangeSession({ ...opts, settings: { ...opts.settings, pwsh: "/nonexistent/pwsh" } }),
    );
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err.message).toBe(
      "PowerShell 7.4+ (pwsh) not found at '/nonexistent/pwsh': install it or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)",
    );
  });

  it("fails a refused connect naming Connect-ExchangeOnline, and ends the process", async () => {
    const t = newTenant();
    const { opts, events } = options(t);
    const err = (await rejection(
      openExchangeSession({
        ...opts,
        settings: { ...opts.settings, organization: "fabrikam.onmicrosoft.com" },
      }),
    )) as ExchangeCmdletError;
    expect(err).toMatchObject({
      cmdlet: "Connect-ExchangeOnline",
      kind: "accessDenied",
      target: "fabrikam.onmicrosoft.com",
    });
    expect(events.at(-1)?.type).toBe("closed");
  });

  it("explains a missing ExchangeOnlineManagement module with the install command", async () => {
    const t = newTenant();
    const err = await rejection(
      openExchangeSession(options(t, { env: { EXO_SIM_MODULE_VERSION: "3.0.1" } }).opts),
    );
    expect(err.message).toContain("ExchangeOnlineManagement 3.5.0 or later is not installed");
    expect(err.message).toContain("Install-Module ExchangeOnlineManagement -MinimumVersion 3.5.0");
  });

  it("refuses a cmdlet outside the allow-list before sending anything", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t).opts);
    // @ts-expect-error: not an ExchangeCmdlet
    const err = await rejection(session.invoke("Set-Mailbox", { Identity: "a@contoso.com" }));
    expect(err.message).toMatch(
      /^Running Set-Mailbox: not an allowed cmdlet; allowed: Get-ServicePrincipal, /,
    );
    expect(session.counters().cmdlets).toEqual({ "Connect-ExchangeOnline": 1 });
    await session.close();
  });

  it("refuses an access-token connection whose variable is not set, before starting PowerShell", async () => {
    const t = newTenant();
    const { opts, events } = options(t);
    const err = await rejection(
      openExchangeSession({
        ...opts,
        settings: {
          connection: "accessToken",
          accessTokenEnv: "MY_EXO_TOKEN",
          pwsh: FAKE_PWSH,
          retryDeadlineSeconds: 30,
          organization: ORG,
        },
      }),
    );
    expect(err.message).toBe(
      "Connecting to Exchange Online: exchange.accessTokenEnv names 'MY_EXO_TOKEN', but that environment variable is not set",
    );
    expect(events).toEqual([]);
  });

  it("closes idempotently and refuses cmdlets afterwards", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t).opts);
    await session.close();
    await session.close();
    expect((await rejection(session.invoke("Get-Mailbox"))).message).toBe(
      "Running Get-Mailbox: the Exchange session is closed",
    );
    expect(readSimStats(t.statsPath).disconnects).toBe(1);
  });
});

describe("the retry base delay override", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["0", 0],
    ["25", 25],
  ])("reads EXO_OAUTH_RETRY_BASE_MS=%j as %j", (raw, ms) => {
    expect(retryBaseFromEnv(raw)).toBe(ms);
  });
  it("rejects a value that is not a non-negative number, naming it", () => {
    expect(() => retryBaseFromEnv("fast")).toThrow(
      "EXO_OAUTH_RETRY_BASE_MS='fast' is not a non-negative number of milliseconds",
    );
    expect(() => retryBaseFromEnv("-1")).toThrow(/-1/);
  });
});

describe("concurrent callers", () => {
  it("are queued on the one PowerShell process, each getting its own answer", async () => {
    const t = newTenant();
    const session = await openExchangeSession(options(t).opts);
    const [a, b, missing] = await Promise.allSettled([
      session.invoke("Get-CASMailbox", { Identity: "a@contoso.com" }),
      session.invoke("Get-CASMailbox", { Identity: "b@contoso.com" }),
      session.invoke("Get-CASMailbox", { Identity: "ghost@contoso.com" }),
    ]);
    expect(a.status === "fulfilled" && a.value.result[0].PrimarySmtpAddress).toBe("a@contoso.com");
    expect(b.status === "fulfilled" && b.value.result[0].PrimarySmtpAddress).toBe("b@contoso.com");
    expect(missing.status === "rejected" && (missing.reason as ExchangeCmdletError).target).toBe(
      "ghost@contoso.com",
    );
    await session.close();
  });
});

describe("a misbehaving PowerShell", () => {
  /** A pwsh stand-in from a shell script body (reads requests with `read line`). */
  function script(t: Tenant, name: string, body: string, mode = 0o755): string {
    const path = join(t.dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, mode);
    return path;
  }
  const ANSWER = `id=$(printf '%s' "$line" | sed 's/^{"id":\\([0-9]*\\).*/\\1/'); echo '{"id":'$id',"ok":true,"result":[],"warnings":[]}'`;

  it("ignores console noise on stdout that is not a protocol line, and says so", async () => {
    const t = newTenant();
    const { opts, events } = options(t);
    const pwsh = script(
      t,
      "noisy",
      `echo 'Loading ExchangeOnlineManagement...'\nwhile read line; do echo 'progress 50%'; ${ANSWER}; done`,
    );
    const session = await openExchangeSession({ ...opts, settings: { ...opts.settings, pwsh } });
    expect(await session.invoke("Get-Mailbox")).toEqual({ result: [], warnings: [] });
    await session.close();
    expect(events.filter((e) => e.type === "ignoredOutput").at(-1)).toEqual({
      type: "ignoredOutput",
      lines: 4, // the banner, then one line per request (connect, Get-Mailbox, disconnect)
    });
  });

  it("stops a PowerShell that does not answer within the request timeout", async () => {
    const t = newTenant();
    const { opts } = options(t);
    const pwsh = script(t, "hangs", `read line; ${ANSWER}; read line; sleep 30`);
    const session = await openExchangeSession({
      ...opts,
      requestTimeoutMs: 300,
      settings: { ...opts.settings, pwsh },
    });
    const err = await rejection(session.invoke("Get-Mailbox"));
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err.message).toBe(
      "Running Get-Mailbox: no answer from PowerShell within 300 ms; the process was stopped",
    );
    await session.close();
  });

  it("says when the pwsh setting points at a file that is not executable", async () => {
    const t = newTenant();
    const { opts } = options(t);
    const pwsh = script(t, "not-executable", "exit 0", 0o644);
    const err = await rejection(openExchangeSession({ ...opts, settings: { ...opts.settings, pwsh } }));
    expect(err.message).toBe(
      `PowerShell at '${pwsh}' is not executable (EACCES): fix its permissions or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)`,
    );
  });
});

describe("settings checked before anything starts, with the stack config's rules and words", () => {
  const AUTOMATION = "55555555-5555-4555-8555-555555555555";
  it.each([
    [{ organization: "" }, 'exo-oauth:organization: "" is not a <name>.onmicrosoft.com domain'],
    [
      { organization: "contoso.com" },
      'exo-oauth:organization: "contoso.com" is not a <name>.onmicrosoft.com domain',
    ],
    [{ pwsh: "" }, "exo-oauth:exchange.pwsh: empty: expected the PowerShell 7 executable"],
    [
      { retryDeadlineSeconds: Number.NaN },
      "exo-oauth:exchange.retryDeadlineSeconds: NaN is not a whole number of seconds from 30 to 3600",
    ],
    [
      { retryDeadlineSeconds: 10 },
      "exo-oauth:exchange.retryDeadlineSeconds: 10 is not a whole number of seconds from 30 to 3600",
    ],
    [
      { connection: "certificate", automationAppId: "", certificate: "AAAA" },
      'exo-oauth:exchange.appId: "" is not a GUID',
    ],
    [
      { connection: "certificate", automationAppId: AUTOMATION, certificate: "" },
      "exo-oauth:exchange.certificate: empty: expected a base64-encoded PFX",
    ],
  ] as [Partial<ExchangeConnectionSettings>, string][])("refuses %j: %s", async (over, message) => {
    const t = newTenant();
    const { opts, events } = options(t);
    const err = await rejection(
      openExchangeSession({ ...opts, settings: { ...opts.settings, ...over } as ExchangeConnectionSettings }),
    );
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err.message).toContain(message);
    expect(events).toEqual([]);
  });
});

describe("the run's one budget", () => {
  it("waits between retries on the budget's clock, so a virtual clock makes them cost no time", async () => {
    const t = newTenant();
    const clock = virtualClock(1_000);
    const budget = startRunBudget({ deadlineSeconds: 30, baseDelayMs: 2000, clock });
    const session = await openExchangeSession(options(t, { faults: { throttleFirst: 3 }, budget }).opts);
    await session.invoke("Get-Mailbox", { Identity: "a@contoso.com" });
    await session.close();
    // Equal jitter: each wait lies between half and all of base × 2^(attempt − 1).
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(2000 * 2 ** i);
    });
    expect(budget.elapsedMs()).toBe(clock.sleeps.reduce((a, b) => a + b, 0));
  });

  it("counts from the start of the run, not from each cmdlet: time spent before leaves less to retry", async () => {
    const t = newTenant();
    const clock = virtualClock();
    const budget = startRunBudget({ deadlineSeconds: 30, baseDelayMs: 2000, clock });
    await clock.sleep(29_500); // earlier in the run
    const session = await openExchangeSession(options(t, { faults: { throttleFirst: 10 }, budget }).opts);
    const err = (await rejection(session.invoke("Get-Mailbox"))) as ExchangeCmdletError;
    expect(err.message).toMatch(
      /^Running Get-Mailbox: still failing after 1 attempts over 0 ms \(retry deadline 30 s\)/,
    );
    await session.close();
  });
});
