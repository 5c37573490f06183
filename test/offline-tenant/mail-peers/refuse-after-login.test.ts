// The knob `refuseAfterLogin`: the peers accept the XOAUTH2 login and refuse what follows, as
// Exchange does, and verify's clients and diagnosis name the cause of each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseRefuseAfterLogin,
  startMailPeers,
  type MailPeers,
} from "../../../scripts/offline-tenant/mail-peers";
import { updateState } from "../../../scripts/offline-tenant/state";
import { diagnoseLogin } from "../../../scripts/operator/verify/diagnosis";
import { loginImap } from "../../../scripts/operator/verify/imap";
import type { LoginOptions } from "../../../scripts/operator/verify/login";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";
import { skipDovecot } from "../../support/dovecot-gate";
import { createFixture, GRANTED, NOT_GRANTED, type Fixture } from "../../support/mail-peers";

describe("the knob EXO_PEER_REFUSE_AFTER_LOGIN", () => {
  it("reads comma-separated reasons, and empty as none", () => {
    expect(parseRefuseAfterLogin("mailbox_not_granted, sp_not_registered")).toEqual([
      "mailbox_not_granted",
      "sp_not_registered",
    ]);
    expect(parseRefuseAfterLogin(undefined)).toEqual([]);
    expect(parseRefuseAfterLogin("")).toEqual([]);
  });

  it("refuses a misspelt or token reason, naming it and what is allowed", () => {
    expect(() => parseRefuseAfterLogin("mailbox_not_grantd")).toThrow(
      "EXO_PEER_REFUSE_AFTER_LOGIN: 'mailbox_not_grantd' is not a reason that can be refused after the login; allowed: protocol_disabled, sp_not_registered, mailbox_not_granted",
    );
    expect(() => parseRefuseAfterLogin("bad_signature")).toThrow(/'bad_signature' is not a reason/);
  });
});

describe.skipIf(skipDovecot)("refusals after a successful login (refuseAfterLogin)", () => {
  let f: Fixture;
  let peers: MailPeers;
  beforeAll(async () => {
    f = await createFixture();
    peers = await startMailPeers({
      statePath: f.statePath,
      jwks: f.jwks,
      refuseAfterLogin: ["mailbox_not_granted", "sp_not_registered"],
    });
  });
  afterAll(async () => {
    await peers?.stop();
    f?.dispose();
  });
  const opts = async (
    endpoint: { host: string; port: number; tls: LoginOptions["tls"] },
    mailbox: string,
    over: Partial<LoginOptions> = {},
  ): Promise<LoginOptions> => ({
    ...endpoint,
    mailbox,
    accessToken: await f.token(),
    timeoutMs: 8000,
    ca: peers.ca,
    servername: "localhost",
    ...over,
  });
  const ctx = (protocol: "imap" | "pop" | "smtp", mailbox: string) => ({
    protocol,
    mailbox,
    endpoint: "127.0.0.1",
    appid: f.appId,
    oid: f.spObjectId,
  });

  it("IMAP: accepts AUTHENTICATE, answers SELECT with BAD User is authenticated but not connected", async () => {
    const r = await loginImap(await opts(peers.imaps, NOT_GRANTED));
    expect(r).toMatchObject({ ok: false, stage: "command" });
    if (r.ok) return;
    expect(r.serverResponse).toMatch(/BAD.*User is authenticated but not connected\./);
    const cause = diagnoseLogin(r, ctx("imap", NOT_GRANTED));
    expect(cause.id).toBe("mailbox-not-opened");
    expect(cause.checks!.join("\n")).toContain(
      `Add-MailboxPermission -Identity ${NOT_GRANTED} -User ${f.spObjectId} -AccessRights FullAccess`,
    );
    expect(cause.checks!.join("\n")).toContain(
      `New-ServicePrincipal -AppId ${f.appId} -ObjectId ${f.spObjectId}`,
    );
  });

  it("IMAP: a granted mailbox still opens through the same front", async () => {
    expect(await loginImap(await opts(peers.imaps, GRANTED))).toMatchObject({ ok: true });
  });

  it("POP: accepts AUTH XOAUTH2, refuses STAT", async () => {
    const r = await loginPop3(await opts(peers.pop3s, NOT_GRANTED));
    expect(r).toMatchObject({
      ok: false,
      stage: "command",
      serverResponse: "-ERR User is authenticated but not connected.",
    });
    if (!r.ok) expect(diagnoseLogin(r, ctx("pop", NOT_GRANTED)).id).toBe("mailbox-not-opened");
    expect(await loginPop3(await opts(peers.pop3s, GRANTED))).toMatchObject({ ok: true });
  });

  it("SMTP: accepts AUTH (verify passes), refuses MAIL FROM with 550 5.7.60 when a message is sent", async () => {
    expect(await loginSmtp(await opts(peers.smtp, NOT_GRANTED))).toMatchObject({ ok: true });
    const r = await loginSmtp(await opts(peers.smtp, NOT_GRANTED, { sendTestTo: "ops@example.com" }));
    expect(r).toMatchObject({ ok: false, stage: "command" });
    if (r.ok) return;
    expect(r.serverResponse).toBe("550 5.7.60 SMTP; Client does not have permissions to send as this sender");
    const cause = diagnoseLogin(r, ctx("smtp", NOT_GRANTED));
    expect(cause.id).toBe("submission-refused");
    expect(cause.checks!.join("\n")).toContain("Add-MailboxPermission");
  });

  it("names New-ServicePrincipal when the principal is not registered (deferred sp_not_registered)", async () => {
    const saved = structuredClone(f.state.exchange.servicePrincipals);
    updateState(f.statePath, (s) => {
      s.exchange.servicePrincipals = [];
    });
    try {
      const r = await loginImap(await opts(peers.imaps, GRANTED));
      expect(r).toMatchObject({ ok: false, stage: "command" });
      if (!r.ok)
        expect(diagnoseLogin(r, ctx("imap", GRANTED)).checks![0]).toContain(
          `New-ServicePrincipal -AppId ${f.appId} -ObjectId ${f.spObjectId}`,
        );
    } finally {
      updateState(f.statePath, (s) => {
        s.exchange.servicePrincipals = saved;
      });
    }
  });

  it("still refuses a token problem at login: a bad signature never gets past AUTHENTICATE", async () => {
    const r = await loginImap(
      await opts(peers.imaps, GRANTED, { accessToken: await f.token({}, f.otherKey) }),
    );
    expect(r).toMatchObject({ ok: false, stage: "auth" });
  });
});
