import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readSimStats } from "../../../scripts/offline-tenant/exchange/stats";
import { parseFaults, parseLatency } from "../../../scripts/offline-tenant/exchange/knobs";
import { simulatorFromEnv } from "../../../scripts/offline-tenant/exchange/simulator";
import { readState } from "../../../scripts/offline-tenant/state";
import {
  FAKE_PWSH,
  ORG,
  SHIM,
  connected,
  inProcess,
  newTenant,
  registerApp,
  type Tenant,
} from "../../support/simulator";

const TRANSIENT =
  /^A server side error has occurred because of which the operation could not be completed\. Please try again after some time\./;

describe("the Exchange simulator's fault injection", () => {
  it("throttles the first M cmdlet calls with Exchange's transient server error, then serves them", () => {
    const c = inProcess(newTenant(), { EXO_SIM_FAULTS: JSON.stringify({ throttleFirst: 2 }) });
    expect(c.connect().ok).toBe(true); // connect is not throttled
    expect(c.send("Get-Mailbox").error?.message).toMatch(TRANSIENT);
    expect(c.send("Get-Mailbox").error?.message).toMatch(TRANSIENT);
    expect(c.send("Get-Mailbox").ok).toBe(true);
  });

  it("throttles only the named cmdlets when throttleCmdlets is given", () => {
    const c = inProcess(newTenant(), {
      EXO_SIM_FAULTS: JSON.stringify({ throttleFirst: 1, throttleCmdlets: ["Get-CASMailbox"] }),
    });
    c.connect();
    expect(c.send("Get-Mailbox").ok).toBe(true);
    expect(c.send("Get-CASMailbox").error?.message).toMatch(TRANSIENT);
    expect(c.send("Get-CASMailbox").ok).toBe(true);
  });

  it("fails the first K New-ServicePrincipal calls with AADServicePrincipalNotFound although the Entra SP exists", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ spNotFoundFirst: 2 }) });
    expect(registerApp(c, t).error?.message).toContain("AADServicePrincipalNotFound");
    expect(registerApp(c, t).error?.message).toContain("AADServicePrincipalNotFound");
    expect(registerApp(c, t).ok).toBe(true);
  });

  it("fails a named cmdlet permanently with the out-of-write-scope error", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ accessDenied: "Add-MailboxPermission" }) });
    registerApp(c, t);
    for (let i = 0; i < 3; i++) {
      const r = c.send("Add-MailboxPermission", {
        Identity: "a@contoso.com",
        User: t.app.spObjectId,
        AccessRights: ["FullAccess"],
      });
      expect(r.error?.message).toMatch(
        /isn't within your current write scopes\. Can't perform save operation\.$/,
      );
    }
  });

  it("answers 'not recognized' for a cmdlet missing from the caller's RBAC", () => {
    const c = inProcess(newTenant(), {
      EXO_SIM_FAULTS: JSON.stringify({ notRecognized: ["New-ServicePrincipal"] }),
    });
    c.connect();
    const r = c.send("New-ServicePrincipal", { AppId: "x", ObjectId: "y" });
    expect(r.error).toMatchObject({ fullyQualifiedErrorId: "CommandNotFoundException" });
    expect(r.error?.message).toMatch(
      /^The term 'New-ServicePrincipal' is not recognized as a name of a cmdlet/,
    );
  });

  it("commits the k-th cmdlet and then crashes without answering it", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ crashAfter: 2 }) });
    expect(c.send("Get-Mailbox").ok).toBe(true);
    expect(() => registerApp(c, t)).toThrow(
      /crashed: injected crash after cmdlet #2 \(New-ServicePrincipal\)/,
    );
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
  });

  it("rejects fault and latency settings it does not know, naming the key and what is allowed", () => {
    expect(() => parseFaults('{"throttle": 3}')).toThrow(
      "EXO_SIM_FAULTS: unknown key 'throttle'; allowed: throttleFirst",
    );
    expect(() => parseFaults('{"crashAfter": -1}')).toThrow(
      "EXO_SIM_FAULTS.crashAfter: -1 is not a non-negative integer",
    );
    expect(() => parseFaults("{")).toThrow(/EXO_SIM_FAULTS is not valid JSON/);
    // A misspelt cmdlet would make the fault never fire, and a test of it pass vacuously.
    expect(() => parseFaults('{"throttleFirst": 2, "throttleCmdlets": ["Get-MailboxPermision"]}')).toThrow(
      "EXO_SIM_FAULTS.throttleCmdlets: 'Get-MailboxPermision' is not a cmdlet the simulator knows; allowed: Get-ServicePrincipal",
    );
    expect(() => parseLatency('{"cmdletMs": {"Get-Mailboxes": 480}}')).toThrow(
      "EXO_SIM_LATENCY.cmdletMs: 'Get-Mailboxes' is not a cmdlet the simulator knows; allowed: Get-ServicePrincipal",
    );
    expect(parseFaults('{"accessDenied": "Add-MailboxPermission"}')).toEqual({
      accessDenied: ["Add-MailboxPermission"],
    });
    expect(() => parseLatency('{"connect": 1}')).toThrow(
      "EXO_SIM_LATENCY: unknown key 'connect'; allowed: connectMs",
    );
    expect(parseLatency('{"readMs": 100, "cmdletMs": {"Get-Mailbox": 480}}')).toMatchObject({
      connectMs: 4000,
      readMs: 100,
      writeMs: 700,
      cmdletMs: { "Get-Mailbox": 480 },
    });
  });
});

describe("the Exchange simulator's virtual clock and counters", () => {
  it("costs 4000 ms per connect, 300 ms per read and 700 ms per write by default, without sleeping", () => {
    const t = newTenant();
    const c = inProcess(t);
    const started = Date.now();
    c.connect();
    registerApp(c, t);
    c.send("Get-MailboxPermission", { Identity: "a@contoso.com" });
    c.send("Get-MailboxPermission", { Identity: "b@contoso.com" });
    c.send("disconnect");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(readSimStats(t.statsPath)).toEqual({
      sessions: 1,
      connects: 1,
      disconnects: 1,
      cmdlets: { "New-ServicePrincipal": 1, "Get-MailboxPermission": 2 },
      byKind: { read: 2, write: 1 },
      errors: 0,
      faults: {
        throttle: 0,
        spNotFoundYet: 0,
        crash: 0,
        accessDenied: 0,
        notRecognized: 0,
        staleRead: 0,
        principalLag: 0,
        tooManyRequests: 0,
        serverError: 0,
      },
      virtualMs: 4000 + 700 + 2 * 300 + 200,
    });
  });

  it("takes its costs from EXO_SIM_LATENCY, per kind and per cmdlet", () => {
    const t = newTenant();
    const c = inProcess(t, {
      EXO_SIM_LATENCY: JSON.stringify({
        connectMs: 1000,
        readMs: 10,
        disconnectMs: 0,
        cmdletMs: { "Get-Mailbox": 480 },
      }),
    });
    c.connect();
    c.send("Get-Mailbox");
    c.send("Get-CASMailbox");
    expect(readSimStats(t.statsPath).virtualMs).toBe(1000 + 480 + 10);
  });

  it("merges the counters of successive runs into one stats file", () => {
    const t = newTenant();
    for (let run = 0; run < 3; run++) {
      const c = inProcess(t);
      c.connect();
      c.send("Get-Mailbox");
    }
    const stats = readSimStats(t.statsPath);
    expect(stats).toMatchObject({
      sessions: 3,
      connects: 3,
      cmdlets: { "Get-Mailbox": 3 },
      byKind: { read: 3 },
    });
    expect(stats.virtualMs).toBe(3 * (4000 + 300));
  });

  it("counts injected faults and errors", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ throttleFirst: 2 }) });
    for (let i = 0; i < 3; i++) c.send("Get-Mailbox");
    expect(readSimStats(t.statsPath)).toMatchObject({
      errors: 2,
      faults: { throttle: 2 },
      cmdlets: { "Get-Mailbox": 3 },
    });
  });

  it("refuses to start without a tenant state file, naming the variable", () => {
    expect(() => simulatorFromEnv({})).toThrow("EXO_SIM_STATE is not set");
    expect(() => simulatorFromEnv({ EXO_SIM_STATE: "/nonexistent/t.json" })).toThrow(
      "EXO_SIM_STATE '/nonexistent/t.json': no such file",
    );
  });
});

function runFakePwsh(t: Tenant, args: string[], lines: object[], env: Record<string, string> = {}) {
  return spawnSync(FAKE_PWSH, args, {
    cwd: "/",
    input: lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    encoding: "utf8",
    env: { ...process.env, EXO_SIM_STATE: t.statePath, EXO_SIM_STATS: t.statsPath, ...env },
  });
}
const PWSH_ARGS = ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", SHIM];
const CONNECT = {
  id: 1,
  cmdlet: "connect",
  params: { connection: "managedIdentity", organization: ORG, moduleMinVersion: "3.1.0" },
};

describe("the fake-pwsh launcher", () => {
  it("runs the simulator from any working directory and writes nothing but JSON responses on stdout", () => {
    const t = newTenant();
    const r = runFakePwsh(t, PWSH_ARGS, [
      CONNECT,
      { id: 2, cmdlet: "Get-Mailbox", params: {} },
      { id: 3, cmdlet: "disconnect" },
    ]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2, 3]);
    expect(lines.every((l) => JSON.parse(l).ok === true)).toBe(true);
  });

  it("fails loudly, exit code 64, when -File <shim.ps1> is missing or not the shim", () => {
    const t = newTenant();
    const missing = runFakePwsh(t, ["-NoLogo", "-NoProfile", "-NonInteractive"], []);
    expect(missing.status).toBe(64);
    expect(missing.stderr).toContain("missing -File <path>/shim.ps1");
    expect(missing.stdout).toBe("");
    const other = runFakePwsh(t, ["-NoLogo", "-File", "/etc/hostname"], []);
    expect(other.status).toBe(64);
    expect(other.stderr).toContain("is not the exo-oauth shim");
  });

  it("exits without answering the crashing cmdlet, after committing it", () => {
    const t = newTenant();
    const r = runFakePwsh(
      t,
      PWSH_ARGS,
      [
        CONNECT,
        {
          id: 2,
          cmdlet: "New-ServicePrincipal",
          params: { AppId: t.app.clientId, ObjectId: t.app.spObjectId },
        },
        { id: 3, cmdlet: "Get-ServicePrincipal", params: {} },
      ],
      { EXO_SIM_FAULTS: JSON.stringify({ crashAfter: 1 }) },
    );
    expect(r.status).toBe(1);
    expect(
      r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual([1]);
    expect(r.stderr).toContain("injected crash after cmdlet #1 (New-ServicePrincipal)");
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
    expect(readSimStats(t.statsPath).faults.crash).toBe(1);
  });

  it("fails loudly, exit code 2, on a bad EXO_SIM_FAULTS", () => {
    const r = runFakePwsh(newTenant(), PWSH_ARGS, [], { EXO_SIM_FAULTS: '{"crash": 1}' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("EXO_SIM_FAULTS: unknown key 'crash'");
  });
});

describe("the knobs added for the REST transport and the real tier (same meaning in both fronts)", () => {
  it("principalLagCalls: the principal New-ServicePrincipal just made is not resolvable for the next N calls naming it", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ principalLagCalls: 2 }) });
    expect(registerApp(c, t).ok).toBe(true);
    const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
    for (let i = 0; i < 2; i++)
      expect(c.send("Add-MailboxPermission", grant).error?.message).toBe(
        `Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object "${t.app.spObjectId}". Please make sure that it was spelled correctly or specify a different object.`,
      );
    expect(c.send("Add-MailboxPermission", grant).ok).toBe(true);
    expect(readSimStats(t.statsPath).faults.principalLag).toBe(2);
  });

  it("tooManyRequestsFirst: HTTP 429s the module re-sends EXO_SIM_MODULE_RETRIES times before raising its REST error", () => {
    const absorbed = connected({
      EXO_SIM_FAULTS: JSON.stringify({ tooManyRequestsFirst: 2, retryAfterSeconds: 3 }),
      EXO_SIM_MODULE_RETRIES: "2",
    });
    expect(absorbed.c.send("Get-Mailbox").ok).toBe(true);
    expect(readSimStats(absorbed.t.statsPath)).toMatchObject({
      cmdlets: { "Get-Mailbox": 3 },
      faults: { tooManyRequests: 2 },
      virtualMs: 4000 + 3 * 300 + 2 * 3000, // Retry-After waits on the virtual clock
    });
    const raised = connected({
      EXO_SIM_FAULTS: JSON.stringify({ tooManyRequestsFirst: 3 }),
      EXO_SIM_MODULE_RETRIES: "2",
    });
    const r = raised.c.send("Get-Mailbox");
    expect(r.error).toMatchObject({
      category: "ProtocolError",
      fullyQualifiedErrorId: "An error occurred while processing this request.,Get-Mailbox",
    });
    expect(r.error?.message).toMatch(
      /^Error while querying REST service\. HttpStatusCode=429 ErrorMessage=\{"error":\{"code":"TooManyRequests"/,
    );
  });

  it("serverErrorFirst: HTTP 500 whose body names Exchange's ADTransientException", () => {
    const { c } = connected({
      EXO_SIM_FAULTS: JSON.stringify({ serverErrorFirst: 1 }),
      EXO_SIM_MODULE_RETRIES: "0",
    });
    expect(c.send("Get-Mailbox").error?.message).toMatch(
      /^Error while querying REST service\. HttpStatusCode=500 .*"type":"Microsoft\.Exchange\.Data\.Directory\.ADTransientException"/,
    );
    expect(c.send("Get-Mailbox").ok).toBe(true);
  });

  it("omitProperties: objects arrive without the named SID properties", () => {
    const { t, c } = connected({ EXO_SIM_FAULTS: JSON.stringify({ omitProperties: ["Sid", "UserSid"] }) });
    const sp = registerApp(c, t).result?.[0];
    expect(sp).toMatchObject({ ObjectId: t.app.spObjectId });
    expect(sp).not.toHaveProperty("Sid");
    const rows = c.send("Get-MailboxPermission", { Identity: "a@contoso.com" }).result ?? [];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).not.toHaveProperty("UserSid");
  });

  it("refuses a bad omitProperties or module retry count, naming what is allowed", () => {
    expect(() => parseFaults('{"omitProperties": ["Guid"]}')).toThrow(
      'EXO_SIM_FAULTS.omitProperties: ["Guid"] must name properties from: Sid, UserSid, TrusteeSidString',
    );
    expect(() =>
      simulatorFromEnv({ EXO_SIM_STATE: newTenant().statePath, EXO_SIM_MODULE_RETRIES: "many" }),
    ).toThrow('EXO_SIM_MODULE_RETRIES: "many" is not an integer from 0 to 10');
  });

  it("answers like the shim when the installed module does not run on the pwsh (EXO_SIM_PWSH_VERSION)", () => {
    const c = inProcess(newTenant(), { EXO_SIM_MODULE_VERSION: "3.10.1", EXO_SIM_PWSH_VERSION: "7.4.6" });
    expect(c.connect().error).toMatchObject({
      fullyQualifiedErrorId: "ExchangeModuleMissing",
      message:
        "ExchangeOnlineManagement 3.5.0 or later is not installed for this pwsh (PowerShell 7.4.6); found and skipped: " +
        "3.10.1 (needs PowerShell 7.6.0 or later); install it with: Install-Module ExchangeOnlineManagement " +
        "-MinimumVersion 3.5.0 -MaximumVersion 3.9.2 -Scope CurrentUser",
    });
  });
});
