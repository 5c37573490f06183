// The REST front (rest-server.ts): shaped like the Admin API's InvokeCommand, over the SAME
// Exchange implementation as the simulator — the same calls with the same knobs give the same
// answers and the same counters through both fronts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRestServer, type RestServer } from "../../../scripts/offline-tenant/exchange/rest-server";
import { readSimStats } from "../../../scripts/offline-tenant/exchange/stats";
import { readState } from "../../../scripts/offline-tenant/state";
import { ORG, inProcess, newTenant, type Tenant } from "../../support/simulator";

let server: RestServer;
beforeAll(async () => {
  server = await startRestServer();
});
afterAll(async () => server.close());

interface Http {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Http> {
  const res = await fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Connect like the stand-in module does, with the given knobs; returns a caller for InvokeCommand. */
async function connect(t: Tenant, knobs: { faults?: object } = {}, organization = ORG) {
  const r = await post("/exo-sim/v1/connect", {
    organization,
    auth: { kind: "managedIdentity" },
    knobs: {
      state: t.statePath,
      stats: t.statsPath,
      faults: knobs.faults ? JSON.stringify(knobs.faults) : undefined,
    },
  });
  const c = r.body as { connectionId: string; tenantId: string; token: string };
  const auth = { authorization: `Bearer ${c.token}`, "connection-id": c.connectionId };
  const invoke = (cmdlet: string, params: Record<string, unknown> = {}, tenant = c.tenantId) =>
    post(
      `/adminapi/beta/${tenant}/InvokeCommand`,
      { CmdletInput: { CmdletName: cmdlet, Parameters: params } },
      auth,
    );
  const disconnect = () => post("/exo-sim/v1/disconnect", {}, auth);
  return { connected: r, invoke, disconnect, auth, tenantId: c.tenantId };
}

const register = (t: Tenant) => ({
  AppId: t.app.clientId,
  ObjectId: t.app.spObjectId,
  DisplayName: t.app.displayName,
});

describe("the REST front's InvokeCommand", () => {
  it("answers objects in `value` and warnings in `@adminapi.warnings`", async () => {
    const t = newTenant();
    const c = await connect(t);
    expect(c.connected.status).toBe(200);
    expect((c.connected.body.commands as { name: string }[]).map((x) => x.name)).toContain(
      "Add-MailboxPermission",
    );
    const sp = await c.invoke("New-ServicePrincipal", register(t));
    expect(sp.status).toBe(200);
    expect(sp.body).toMatchObject({
      "@odata.context": expect.stringContaining("/adminapi/beta/$metadata#"),
      "@adminapi.warnings": [],
      value: [{ AppId: t.app.clientId, ObjectId: t.app.spObjectId }],
    });
    const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
    await c.invoke("Add-MailboxPermission", grant);
    const again = await c.invoke("Add-MailboxPermission", grant);
    expect(again.body.value).toEqual([]);
    expect(again.body["@adminapi.warnings"]).toEqual([
      expect.stringContaining("The appropriate access control entry is already present"),
    ]);
    expect(again.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a refused cmdlet with Exchange's OData error body, the ExNNNNNN message in details", async () => {
    const c = await connect(newTenant());
    const r = await c.invoke("Get-Mailbox", { Identity: "ghost@contoso.com" });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: {
        code: "NotFound",
        message: "Error executing cmdlet",
        details: [
          {
            code: "Client",
            target: "",
            message: expect.stringMatching(
              /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|/,
            ),
          },
        ],
        innererror: {
          message: "Error executing cmdlet",
          type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
          stacktrace: "",
        },
      },
    });
    const bad = await c.invoke("Get-Mailbox", { Usr: "x" });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { details: { message: string }[] }).details[0].message).toBe(
      "|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|A parameter cannot be found that matches parameter name 'Usr'.",
    );
  });

  it("throttles with 429 and Retry-After, fails over with 500 ADTransientException, then serves", async () => {
    const c = await connect(newTenant(), {
      faults: { tooManyRequestsFirst: 1, retryAfterSeconds: 7, serverErrorFirst: 1 },
    });
    const first = await c.invoke("Get-Mailbox");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("7");
    expect(first.body).toMatchObject({ error: { code: "TooManyRequests" } });
    const second = await c.invoke("Get-Mailbox");
    expect(second.status).toBe(500);
    expect(second.body).toMatchObject({
      error: {
        code: "InternalServerError",
        innererror: { type: "Microsoft.Exchange.Data.Directory.ADTransientException" },
      },
    });
    expect((await c.invoke("Get-Mailbox")).status).toBe(200);
  });

  it("refuses requests without this connection's token, for another tenant, or after disconnect", async () => {
    const c = await connect(newTenant());
    const other = await post(
      `/adminapi/beta/${c.tenantId}/InvokeCommand`,
      { CmdletInput: { CmdletName: "Get-Mailbox" } },
      {
        ...c.auth,
        authorization: "Bearer someone-else",
      },
    );
    expect(other.status).toBe(401);
    expect((await c.invoke("Get-Mailbox", {}, "11111111-0000-4000-8000-000000000000")).status).toBe(404);
    await c.disconnect();
    expect((await c.invoke("Get-Mailbox")).status).toBe(401);
  });

  it("refuses a connect for another organization (UnAuthorized) and bad knobs, naming the variable", async () => {
    const t = newTenant();
    const wrongOrg = await connect(t, {}, "fabrikam.onmicrosoft.com");
    expect(wrongOrg.connected.status).toBe(401);
    expect(wrongOrg.connected.body).toMatchObject({
      error: { message: expect.stringMatching(/^UnAuthorized: /) },
    });
    const badKnob = await connect(t, { faults: { crash: 1 } });
    expect(badKnob.connected.status).toBe(400);
    expect(badKnob.connected.body).toMatchObject({
      error: { message: expect.stringContaining("EXO_SIM_FAULTS: unknown key 'crash'") },
    });
    const noState = await post("/exo-sim/v1/connect", {
      organization: ORG,
      auth: { kind: "managedIdentity" },
      knobs: {},
    });
    expect(noState.body).toMatchObject({
      error: { message: expect.stringMatching(/^EXO_SIM_STATE is not set/) },
    });
  });

  it("commits the k-th call, then tells the caller to die (crashAfter)", async () => {
    const t = newTenant();
    const c = await connect(t, { faults: { crashAfter: 2 } });
    expect((await c.invoke("Get-Mailbox")).headers.get("x-exosim-crash")).toBeNull();
    const r = await c.invoke("New-ServicePrincipal", register(t));
    expect(r.headers.get("x-exosim-crash")).toBe("injected crash after cmdlet #2 (New-ServicePrincipal)");
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
  });
});

describe("the two fronts", () => {
  it("answer the same calls with the same knobs alike, and count them alike", async () => {
    const faults = {
      throttleFirst: 1,
      spNotFoundFirst: 1,
      principalLagCalls: 1,
      staleReadsAfterWrite: 1,
      accessDenied: ["Remove-RecipientPermission"],
      tooManyRequestsFirst: 1,
      retryAfterSeconds: 0,
    };
    const a = newTenant();
    const b = newTenant();
    const calls: [string, Record<string, unknown>][] = [
      ["Get-Mailbox", { Identity: "a@contoso.com" }],
      ["Get-Mailbox", { Identity: "a@contoso.com" }],
      ["New-ServicePrincipal", register(a)],
      ["New-ServicePrincipal", register(a)],
      [
        "Add-MailboxPermission",
        { Identity: "a@contoso.com", User: a.app.spObjectId, AccessRights: ["FullAccess"] },
      ],
      [
        "Add-MailboxPermission",
        { Identity: "a@contoso.com", User: a.app.spObjectId, AccessRights: ["FullAccess"] },
      ],
      ["Get-MailboxPermission", { Identity: "a@contoso.com", User: a.app.spObjectId }],
      ["Get-MailboxPermission", { Identity: "a@contoso.com", User: a.app.spObjectId }],
      [
        "Add-RecipientPermission",
        { Identity: "b@contoso.com", Trustee: a.app.spObjectId, AccessRights: ["SendAs"], Confirm: false },
      ],
      [
        "Remove-RecipientPermission",
        { Identity: "b@contoso.com", Trustee: a.app.spObjectId, AccessRights: ["SendAs"], Confirm: false },
      ],
      ["Get-Mailbox", { Identity: "ghost@contoso.com" }],
    ];
    // Simulator: no module retries, so every answer is visible one to one.
    const sim = inProcess(a, { EXO_SIM_FAULTS: JSON.stringify(faults), EXO_SIM_MODULE_RETRIES: "0" });
    sim.connect();
    const viaSimulator = calls.map(([cmdlet, params]) => outcome(sim.send(cmdlet, params)));
    sim.send("disconnect");

    const rest = await connect(b, { faults });
    const viaRest: string[] = [];
    for (const [cmdlet, params] of calls) viaRest.push(restOutcome(await rest.invoke(cmdlet, params)));
    await rest.disconnect();

    expect(viaRest).toEqual(viaSimulator);
    expect(viaSimulator.slice(0, 4)).toEqual([
      "HTTP 429",
      "Server busy",
      "Ex8A0CF8|Microsoft.Exchange.Configuration.Tasks.TaskException",
      "ok 1",
    ]);
    const { virtualMs: _a, ...simStats } = readSimStats(a.statsPath);
    const { virtualMs: _b, ...restStats } = readSimStats(b.statsPath);
    expect(restStats).toEqual(simStats);
    expect(readSimStats(b.statsPath).virtualMs).toBe(readSimStats(a.statsPath).virtualMs);
  });
});

/** An answer reduced to what both fronts must agree on. */
function outcome(r: { ok: boolean; result?: unknown[]; error?: { message: string } }): string {
  if (r.ok) return `ok ${r.result?.length}`;
  return summarize(r.error!.message);
}
function restOutcome(r: Http): string {
  if (r.status === 200) return `ok ${(r.body.value as unknown[]).length}`;
  if (r.status === 429 || r.status >= 500) return `HTTP ${r.status}`;
  return summarize((r.body.error as { details: { message: string }[] }).details[0].message);
}
function summarize(message: string): string {
  const http = /HttpStatusCode=(\d+)/.exec(message);
  if (http) return `HTTP ${http[1]}`;
  if (message.startsWith("A server side error")) return "Server busy";
  return message.split("|").slice(0, 2).join("|");
}
