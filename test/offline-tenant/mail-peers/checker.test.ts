import { request } from "node:http";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID } from "../../../components/microsoft";
import {
  checkLogin,
  checkSendAs,
  startChecker,
  type CheckReason,
  type Checker,
} from "../../../scripts/offline-tenant/mail-peers/checker";
import { readState, updateState } from "../../../scripts/offline-tenant/state";
import {
  createFixture,
  GRANTED,
  IMAP_OFF,
  NOT_GRANTED,
  SENDAS,
  SMTP_OFF,
  sendAsRow,
  type Fixture,
} from "../../support/mail-peers";

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(() => f?.dispose());

const now = () => Math.floor(Date.now() / 1000);

describe("the login checker decides like Exchange Online", () => {
  it("accepts a granted token on every protocol and names the oid", async () => {
    const token = await f.token();
    for (const service of ["imap", "pop3", "smtp", "submission"]) {
      const result = checkLogin(
        { user: GRANTED, token, service, mech: "XOAUTH2" },
        { state: readState(f.statePath), jwks: f.jwks },
      );
      expect(result).toMatchObject({
        ok: true,
        reason: null,
        oid: f.spObjectId,
        mailbox: GRANTED,
        spSid: f.spSid,
      });
    }
  });

  it("matches the mailbox case-insensitively, as Dovecot's %Lu and SMTP clients may differ", async () => {
    const result = checkLogin(
      { user: GRANTED.toUpperCase(), token: await f.token(), service: "imap" },
      { state: readState(f.statePath), jwks: f.jwks },
    );
    expect(result.ok).toBe(true);
  });

  const cases: {
    name: string;
    reason: CheckReason;
    user?: string;
    service?: string;
    mech?: string;
    token: () => Promise<string>;
  }[] = [
    { name: "a token signed by another key", reason: "bad_signature", token: () => f.token({}, f.otherKey) },
    { name: "a token that is not a JWT", reason: "malformed_token", token: async () => "not-a-jwt" },
    {
      name: "an HS256 token",
      reason: "bad_signature",
      token: async () => {
        const [, payload] = (await f.token()).split(".");
        const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: f.key.kid })).toString(
          "base64url",
        );
        return `${header}.${payload}.c2lnbmF0dXJl`;
      },
    },
    {
      name: "an expired token",
      reason: "expired",
      token: () => f.token({ exp: now() - 3600, nbf: now() - 7200 }),
    },
    { name: "a token not yet valid", reason: "not_yet_valid", token: () => f.token({ nbf: now() + 3600 }) },
    {
      name: "a Graph token",
      reason: "wrong_audience",
      token: () => f.token({ aud: "https://graph.microsoft.com" }),
    },
    {
      name: "another tenant's token",
      reason: "wrong_tenant",
      token: () => f.token({ tid: "11111111-2222-3333-4444-555555555555" }),
    },
    {
      name: "a token from another issuer",
      reason: "wrong_issuer",
      token: () => f.token({ iss: "https://evil.example/" }),
    },
    {
      name: "a token without IMAP.AccessAsApp",
      reason: "role_missing",
      token: () => f.token({ roles: ["POP.AccessAsApp"] }),
    },
    {
      name: "the tutorial's SMTP.AccessAsApp instead of SMTP.SendAsApp",
      reason: "role_missing",
      service: "smtp",
      token: () => f.token({ roles: ["SMTP.AccessAsApp"] }),
    },
    {
      name: "a token of an SP not registered in Exchange",
      reason: "sp_not_registered",
      token: () => f.token({ oid: "00000000-0000-0000-0000-00000000abcd" }),
    },
    {
      name: "a mailbox not granted",
      reason: "mailbox_not_granted",
      user: NOT_GRANTED,
      token: () => f.token(),
    },
    {
      name: "a mailbox that does not exist",
      reason: "unknown_mailbox",
      user: "nobody@contoso.com",
      token: () => f.token(),
    },
    {
      name: "IMAP disabled on the mailbox",
      reason: "protocol_disabled",
      user: IMAP_OFF,
      token: () => f.token(),
    },
    {
      name: "SMTP AUTH disabled on the mailbox",
      reason: "protocol_disabled",
      user: SMTP_OFF,
      service: "smtp",
      token: () => f.token(),
    },
    {
      name: "a mechanism other than XOAUTH2",
      reason: "unsupported_mechanism",
      mech: "OAUTHBEARER",
      token: () => f.token(),
    },
    { name: "an unknown service", reason: "bad_request", service: "ftp", token: () => f.token() },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with ${c.reason}`, async () => {
      const result = checkLogin(
        { user: c.user ?? GRANTED, token: await c.token(), service: c.service ?? "imap", mech: c.mech },
        { state: readState(f.statePath), jwks: f.jwks },
      );
      expect(result.ok).toBe(false);
      expect(result.reason).toBe(c.reason);
    });
  }

  it("accepts the Exchange Online appId as audience (v1 tokens requested by resource id)", async () => {
    const result = checkLogin(
      { user: GRANTED, token: await f.token({ aud: EXCHANGE_ONLINE_APP_ID }), service: "pop3" },
      { state: readState(f.statePath), jwks: f.jwks },
    );
    expect(result.ok).toBe(true);
  });

  it("tolerates 5 minutes of clock skew and no more", async () => {
    const state = readState(f.statePath);
    const justExpired = await f.token({ exp: now() - 120 });
    expect(
      checkLogin({ user: GRANTED, token: justExpired, service: "imap" }, { state, jwks: f.jwks }).ok,
    ).toBe(true);
    expect(
      checkLogin(
        { user: GRANTED, token: justExpired, service: "imap" },
        { state, jwks: f.jwks, clockSkewSec: 0 },
      ).reason,
    ).toBe("expired");
  });

  it("lets a Deny row win over a FullAccess grant", async () => {
    const state = readState(f.statePath);
    const mailbox = state.exchange.mailboxes.find((m) => m.address === GRANTED)!;
    mailbox.permissions.push({ ...mailbox.permissions.at(-1)!, Deny: true });
    const result = checkLogin(
      { user: GRANTED, token: await f.token(), service: "imap" },
      { state, jwks: f.jwks },
    );
    expect(result.reason).toBe("mailbox_not_granted");
  });

  it("follows the tenant's transport config when the mailbox's SMTP switch is null", async () => {
    const state = readState(f.statePath);
    state.exchange.transportConfig.SmtpClientAuthenticationDisabled = true;
    const token = await f.token();
    expect(checkLogin({ user: GRANTED, token, service: "smtp" }, { state, jwks: f.jwks }).reason).toBe(
      "protocol_disabled",
    );
    // IMAP is not affected by the SMTP switch.
    expect(checkLogin({ user: GRANTED, token, service: "imap" }, { state, jwks: f.jwks }).ok).toBe(true);
  });
});

describe("SendAs on MAIL FROM", () => {
  it("allows the authenticated mailbox and refuses another address without a SendAs row", () => {
    const state = readState(f.statePath);
    const login = { mailbox: GRANTED, spSid: f.spSid };
    expect(checkSendAs(state, login, GRANTED.toUpperCase())).toEqual({ ok: true });
    expect(checkSendAs(state, login, SENDAS)).toEqual({
      ok: false,
      detail: `${GRANTED} not allowed to send as ${SENDAS}`,
    });
  });

  it("allows another address once the SP holds SendAs on it", () => {
    const state = readState(f.statePath);
    state.exchange.mailboxes
      .find((m) => m.address === SENDAS)!
      .recipientPermissions.push(sendAsRow(SENDAS, f.spSid));
    expect(checkSendAs(state, { mailbox: GRANTED, spSid: f.spSid }, SENDAS)).toEqual({ ok: true });
  });
});

function post(url: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the HTTP checker Dovecot's Lua passdb calls", () => {
  let checker: Checker;
  beforeAll(async () => {
    checker = await startChecker({ statePath: f.statePath, jwks: f.jwks });
  });
  afterAll(() => checker.stop());

  it("answers POST /check with ok, reason and oid", async () => {
    const ok = await post(
      checker.url,
      JSON.stringify({ user: GRANTED, token: await f.token(), service: "imap", mech: "XOAUTH2" }),
    );
    expect(ok).toEqual({ status: 200, json: { ok: true, reason: null, oid: f.spObjectId } });
    const refused = await post(
      checker.url,
      JSON.stringify({ user: NOT_GRANTED, token: await f.token(), service: "pop3" }),
    );
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ ok: false, reason: "mailbox_not_granted", oid: f.spObjectId });
  });

  it("rejects a body that is not JSON with HTTP 400", async () => {
    expect((await post(checker.url, "{nope")).status).toBe(400);
  });

  it("re-reads the state file for every check, so a new grant counts at once", async () => {
    const user = "late@contoso.com";
    updateState(f.statePath, (s) => {
      s.exchange.mailboxes.push({ ...s.exchange.mailboxes[1], address: user, permissions: [] });
    });
    const token = await f.token();
    expect((await checker.check({ user, token, service: "imap" })).reason).toBe("mailbox_not_granted");
    f.grant(user);
    expect((await checker.check({ user, token, service: "imap" })).ok).toBe(true);
  });

  it("checks tokens against its own clock when given one (a simulated year later, a token of today has expired)", async () => {
    const token = await f.token();
    const later = await startChecker({
      statePath: f.statePath,
      jwks: f.jwks,
      now: () => new Date(Date.now() + 365 * 86_400_000),
    });
    try {
      expect((await later.check({ user: GRANTED, token, service: "imap" })).reason).toBe("expired");
      expect((await checker.check({ user: GRANTED, token, service: "imap" })).ok).toBe(true);
    } finally {
      await later.stop();
    }
  });

  it("fetches the JWKS from a URL and refetches it when a token names an unknown kid", async () => {
    let served = { keys: [f.otherKey.publicJwk] };
    let fetches = 0;
    const jwksServer = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", () => r()));
    const port = (jwksServer.address() as { port: number }).port;
    const remote = await startChecker({ statePath: f.statePath, jwks: `http://127.0.0.1:${port}/keys` });
    try {
      const token = await f.token();
      // First fetch: only the other key is published, so the token's kid is unknown.
      expect((await remote.check({ user: GRANTED, token, service: "imap" })).reason).toBe("bad_signature");
      served = { keys: [f.otherKey.publicJwk, f.key.publicJwk] };
      expect((await remote.check({ user: GRANTED, token, service: "imap" })).ok).toBe(true);
      expect((await remote.check({ user: GRANTED, token, service: "imap" })).ok).toBe(true);
      expect(fetches).toBe(2);
    } finally {
      await remote.stop();
      jwksServer.close();
    }
  });
});
