import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailPeers, type MailPeers } from "../../scripts/offline-tenant/mail-peers";
import { loginImap } from "../../scripts/verify/imap";
import { loginPop3 } from "../../scripts/verify/pop3";
import { skipDovecot } from "../mail-peers/dovecot-gate";
import { createFixture, GRANTED, NOT_GRANTED, type Fixture } from "../mail-peers/fixture";

describe.skipIf(skipDovecot)("the POP3 client against Dovecot", () => {
  let f: Fixture;
  let peers: MailPeers;
  beforeAll(async () => {
    f = await createFixture();
    peers = await startMailPeers({ statePath: f.statePath, jwks: f.jwks });
  });
  afterAll(async () => {
    await peers?.stop();
    f?.dispose();
  });

  it("logs in over TLS (995-like) with AUTH XOAUTH2, then STAT and QUIT", async () => {
    const result = await loginPop3({
      ...peers.pop3s,
      mailbox: GRANTED,
      accessToken: await f.token(),
      timeoutMs: 5000,
      ca: peers.ca,
    });
    expect(result).toMatchObject({ ok: true, protocol: "pop", detail: "STAT 0 0" });
  });

  it("logs in after STLS on the plaintext port", async () => {
    const result = await loginPop3({
      ...peers.pop3,
      tls: "starttls",
      mailbox: GRANTED,
      accessToken: await f.token(),
      timeoutMs: 5000,
      ca: peers.ca,
      servername: "localhost",
    });
    expect(result).toMatchObject({ ok: true, protocol: "pop" });
  });

  it("answers the error challenge with an empty line, so a refusal ends in -ERR, not a hang", async () => {
    const token = await f.token();
    const result = await loginPop3({
      ...peers.pop3s,
      mailbox: NOT_GRANTED,
      accessToken: token,
      timeoutMs: 5000,
      ca: peers.ca,
    });
    expect(result).toMatchObject({
      ok: false,
      protocol: "pop",
      stage: "auth",
      serverResponse: "-ERR [AUTH] Authentication failed.",
    });
    // Well inside the timeout: the client did not wait for a reply that never comes.
    expect(result.ms).toBeLessThan(2000);
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it("refuses an untrusted certificate at the tls stage", async () => {
    const result = await loginPop3({
      ...peers.pop3s,
      mailbox: GRANTED,
      accessToken: await f.token(),
      timeoutMs: 5000,
    });
    expect(result).toMatchObject({ ok: false, stage: "tls" });
    if (!result.ok) expect(result.serverResponse).toMatch(/self[- ]signed/i);
  });

  it("logs in to IMAP after STARTTLS on the plaintext port too", async () => {
    const result = await loginImap({
      ...peers.imap,
      tls: "starttls",
      mailbox: GRANTED,
      accessToken: await f.token(),
      timeoutMs: 5000,
      ca: peers.ca,
      servername: "localhost",
    });
    expect(result).toMatchObject({ ok: true, protocol: "imap" });
  });
});
